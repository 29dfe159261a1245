/* SPDX-License-Identifier: GPL-2.0 */
/* The lock-wait table the lockcon and folio programs both fill. */
#ifndef FL_LOCKWAIT_BPF_H
#define FL_LOCKWAIT_BPF_H

#include "collect/bpf/common.bpf.h"
#include "collect/bpf/lockcon.h"

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, FL_LOCK_ENTRIES);
	__type(key, struct fl_lock_key);
	__type(value, struct fl_lock_stat);
} lock_stats SEC(".maps");

static const struct fl_lock_stat fl_lock_zero;

static __always_inline void fl_lock_record(const struct fl_lock_key *key, __u64 ns)
{
	struct fl_lock_stat *st = bpf_map_lookup_elem(&lock_stats, key);

	if (!st) {
		/* -EEXIST: another CPU added it first, which is fine. */
		if (bpf_map_update_elem(&lock_stats, key, &fl_lock_zero,
					BPF_NOEXIST) == -E2BIG)
			goto lost;
		st = bpf_map_lookup_elem(&lock_stats, key);
		if (!st)
			goto lost;
	}
	__sync_fetch_and_add(&st->count, 1);
	__sync_fetch_and_add(&st->total_ns, ns);
	__sync_fetch_and_add(&st->hist[fl_log2_bucket(ns)], 1);
	/* A racy max can miss a concurrent larger wait by one update only. */
	if (ns > st->max_ns)
		st->max_ns = ns;
	return;
lost:
	fl_lost();
}

#endif /* FL_LOCKWAIT_BPF_H */
