/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The lock-wait table of the lockcon and folio programs, read: entries
 * named (lock, type, kernel caller) and merged per node into the
 * "locks" arrays of a window's output.
 */
#ifndef FL_LOCKTABLE_H
#define FL_LOCKTABLE_H

#include <linux/types.h>
#include <stddef.h>
#include <stdint.h>

#include "collect/bpf/lockcon.h"
#include "collect/collect.h"

struct bpf_map;
struct fl_ksyms;

/* "rwsem:W", "spinlock", "mutex", "folio", ... from class and flags. */
const char *fl_lock_type(uint32_t class, uint32_t flags);

/*
 * The name users know the lock by: mmap_lock, i_mmap_rwsem,
 * invalidate_lock, i_pages, folio_lock (by address); vma_lock and
 * page_table_lock (by @caller); a global lock's symbol (@lock_sym); or
 * else the type.
 */
const char *fl_lock_name(uint32_t class, uint32_t flags, const char *caller,
			 const char *lock_sym);

/* Clear the table before a window. 0 or -errno. */
int fl_locktable_clear(struct bpf_map *map);

/*
 * Name and merge every entry of @map into @out: per node, one lock per
 * (name, type, caller). @wait_fns: functions that belong to the wait
 * itself, skipped when looking for the caller. 0 or -errno with @err.
 */
int fl_locktable_read(struct bpf_map *map, const struct fl_collect_env *env,
		      const char *collector, const char *const *wait_fns,
		      struct fl_collect_out *out, char *err, size_t len);

#endif /* FL_LOCKTABLE_H */
