/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Lock waits as the lockcon and folio programs record them: one entry per
 * (node of the CPU, lock class, contention flags, lock, kernel stack).
 * The reader names the caller from the stack and merges entries.
 */
#ifndef FL_LOCKCON_H
#define FL_LOCKCON_H

#include "collect/bpf/bpf_hist.h"

#define FL_LOCK_STACK 12	/* frames kept; the caller is found among them */
#define FL_LOCK_NEST 4		/* contentions one task can be inside at once;
				 * a power of two (index masks) */
#define FL_LOCK_ENTRIES 8192

/* Locks recognised in the kernel, by address; the rest are FL_LOCK_OTHER. */
enum fl_lock_class {
	FL_LOCK_OTHER,
	FL_LOCK_MMAP,		/* the task's mm->mmap_lock */
	FL_LOCK_I_MMAP,		/* some file's mapping->i_mmap_rwsem */
	FL_LOCK_INVALIDATE,	/* some file's mapping->invalidate_lock */
	FL_LOCK_I_PAGES,	/* some file's page cache xarray lock */
	FL_LOCK_I_PRIVATE,	/* some file's mapping->i_private_lock (buffers) */
	FL_LOCK_FOLIO,		/* a folio's PG_locked bit (folio collector) */
	FL_LOCK_FOLIO_WRITEBACK,	/* waiting for a folio's writeback */
	FL_LOCK_FOLIO_OTHER,	/* waiting for another folio bit */
	FL_LOCK_NR_CLASSES,
};

/* lock:contention_begin flags (include/trace/events/lock.h). */
#define FL_LCB_F_SPIN (1U << 0)
#define FL_LCB_F_READ (1U << 1)
#define FL_LCB_F_WRITE (1U << 2)
#define FL_LCB_F_RT (1U << 3)
#define FL_LCB_F_PERCPU (1U << 4)
#define FL_LCB_F_MUTEX (1U << 5)

struct fl_lock_key {
	__u32 node;
	__u32 class;		/* enum fl_lock_class */
	__u32 flags;		/* FL_LCB_F_* */
	__u32 dev;		/* file locks: the inode's s_dev */
	__u64 lock;		/* address; 0 for folio waits */
	__u64 ino;		/* file locks: the inode number */
	__u64 stack[FL_LOCK_STACK];
};

struct fl_lock_stat {
	__u64 count;
	__u64 total_ns;
	__u64 max_ns;
	__u64 hist[FL_LOCK_HIST];	/* log2 buckets, see bpf_hist.h */
};

#endif /* FL_LOCKCON_H */
