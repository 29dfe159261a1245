// SPDX-License-Identifier: GPL-2.0
/*
 * lockcon: time every lock contention of the run's tasks, from
 * lock:contention_begin to lock:contention_end, keyed by the NUMA node of
 * the CPU, the lock and the kernel stack at the start of the wait.
 * mmap_lock is recognised by comparing with the task's mm; a file's
 * i_mmap_rwsem, invalidate_lock and page cache (xarray) lock by checking
 * that the address_space the lock would sit in points back to itself
 * through its inode.
 */
#include "vmlinux.h"
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>

#include "collect/bpf/lockwait.bpf.h"

char LICENSE[] SEC("license") = "GPL";

struct fl_pending {
	__u64 ts;
	struct fl_lock_key key;
};

struct fl_task_waits {
	__u32 depth;
	__u32 pad;
	struct fl_pending w[FL_LOCK_NEST];
};

/* Waits in progress, by thread id. Preallocated: safe under any lock. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 4096);
	__type(key, __u32);
	__type(value, struct fl_task_waits);
} waits SEC(".maps");

/* Scratch for a new thread's entry: too big for the BPF stack. */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct fl_task_waits);
} scratch SEC(".maps");

/* Before 6.8 the buffer-head lock was called private_lock. */
struct address_space___old {
	spinlock_t private_lock;
};

/* If @lock is @field of an address_space, its inode's i_mapping says so. */
static __always_inline bool file_lock(__u64 lock, __u64 offset,
				      struct fl_lock_key *key)
{
	struct address_space *as = (void *)(lock - offset);
	struct inode *host = BPF_CORE_READ(as, host);

	if (!host || (__u64)BPF_CORE_READ(host, i_mapping) != (__u64)as)
		return false;
	key->ino = BPF_CORE_READ(host, i_ino);
	key->dev = BPF_CORE_READ(host, i_sb, s_dev);
	return true;
}

static __always_inline __u32 classify(__u64 lock, __u32 flags,
				      struct fl_lock_key *key)
{
	struct task_struct *task = bpf_get_current_task_btf();
	struct mm_struct *mm = task->mm;

	if (mm && lock == (__u64)&mm->mmap_lock)
		return FL_LOCK_MMAP;
	/* The page cache's xarray lock and the buffer-head lock: spinlocks. */
	if (flags == FL_LCB_F_SPIN) {
		__u64 off = bpf_core_field_offset(struct address_space, i_pages) +
			    bpf_core_field_offset(struct xarray, xa_lock);

		if (file_lock(lock, off, key))
			return FL_LOCK_I_PAGES;
		if (bpf_core_field_exists(struct address_space, i_private_lock))
			off = bpf_core_field_offset(struct address_space, i_private_lock);
		else
			off = bpf_core_field_offset(struct address_space___old, private_lock);
		return file_lock(lock, off, key) ? FL_LOCK_I_PRIVATE : FL_LOCK_OTHER;
	}
	/* The other file locks are rw_semaphores. */
	if (flags & FL_LCB_F_SPIN || !(flags & (FL_LCB_F_READ | FL_LCB_F_WRITE)))
		return FL_LOCK_OTHER;
	if (file_lock(lock, bpf_core_field_offset(struct address_space, i_mmap_rwsem), key))
		return FL_LOCK_I_MMAP;
	if (bpf_core_field_exists(struct address_space, invalidate_lock) &&
	    file_lock(lock, bpf_core_field_offset(struct address_space, invalidate_lock), key))
		return FL_LOCK_INVALIDATE;
	return FL_LOCK_OTHER;
}

SEC("tp_btf/contention_begin")
int BPF_PROG(contention_begin, void *lock, unsigned int flags)
{
	__u32 tid = (__u32)bpf_get_current_pid_tgid(), zero = 0, d;
	struct fl_task_waits *tw;
	struct fl_pending *p;

	if (!fl_ours())
		return 0;
	tw = bpf_map_lookup_elem(&waits, &tid);
	if (!tw) {
		struct fl_task_waits *init = bpf_map_lookup_elem(&scratch, &zero);

		if (!init)
			return 0;
		init->depth = 0;
		if (bpf_map_update_elem(&waits, &tid, init, BPF_NOEXIST) == -E2BIG) {
			fl_lost();
			return 0;
		}
		tw = bpf_map_lookup_elem(&waits, &tid);
		if (!tw)
			return 0;
	}
	d = tw->depth;
	/* A mutex reports its spin and its sleep: keep the first begin. The
	 * masks are for older verifiers, which lose the bounds checked here. */
	if (d > 0 && d <= FL_LOCK_NEST &&
	    tw->w[(d - 1) & (FL_LOCK_NEST - 1)].key.lock == (__u64)lock)
		return 0;
	if (d >= FL_LOCK_NEST) {
		fl_lost();
		return 0;
	}
	p = &tw->w[d & (FL_LOCK_NEST - 1)];
	__builtin_memset(&p->key, 0, sizeof(p->key));
	p->key.node = bpf_get_numa_node_id();
	p->key.flags = flags;
	p->key.lock = (__u64)lock;
	p->key.class = classify((__u64)lock, flags, &p->key);
	if (bpf_get_stack(ctx, p->key.stack, sizeof(p->key.stack), 0) < 0)
		p->key.stack[0] = 0;
	p->ts = bpf_ktime_get_ns();
	tw->depth = d + 1;
	return 0;
}

SEC("tp_btf/contention_end")
int BPF_PROG(contention_end, void *lock, int ret)
{
	__u32 tid = (__u32)bpf_get_current_pid_tgid(), d;
	struct fl_task_waits *tw;
	struct fl_pending *p;
	__u64 now = bpf_ktime_get_ns();

	/* Not filtered by fl_ours(): a wait begun in the window ends. */
	tw = bpf_map_lookup_elem(&waits, &tid);
	if (!tw)
		return 0;
	d = tw->depth;
	if (d == 0 || d > FL_LOCK_NEST)
		return 0;
	p = &tw->w[(d - 1) & (FL_LOCK_NEST - 1)];
	if (p->key.lock != (__u64)lock)
		return 0;	/* the end of a begin we skipped */
	if (enabled)
		fl_lock_record(&p->key, now - p->ts);
	tw->depth = d - 1;
	if (d == 1)
		bpf_map_delete_elem(&waits, &tid);
	return 0;
}
