/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What every faultline BPF program shares: the on/off switch flipped by
 * the harness around each timed window, the filter that keeps only the
 * run's own processes, the lost-event count, and bucket arithmetic.
 */
#ifndef FL_COMMON_BPF_H
#define FL_COMMON_BPF_H

#include "collect/bpf/bpf_hist.h"

#ifndef E2BIG
#define E2BIG 7		/* a full map; vmlinux.h has no errno names */
#endif

/* Set by the harness for the timed window only. */
int enabled;
/* Events dropped because a map was full or a nesting slot ran out. */
__u64 lost;

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, FL_BPF_MAX_TGIDS);
	__type(key, __u32);
	__type(value, __u8);
} tgids SEC(".maps");

static __always_inline bool fl_ours(void)
{
	__u32 tgid;

	if (!enabled)
		return false;
	tgid = bpf_get_current_pid_tgid() >> 32;
	return bpf_map_lookup_elem(&tgids, &tgid) != NULL;
}

static __always_inline void fl_lost(void)
{
	__sync_fetch_and_add(&lost, 1);
}

/* Index of the highest set bit; @v > 0. No clz instruction in BPF. */
static __always_inline __u32 fl_msb(__u64 v)
{
	__u32 r = 0;

	if (v >> 32) { v >>= 32; r += 32; }
	if (v >> 16) { v >>= 16; r += 16; }
	if (v >> 8) { v >>= 8; r += 8; }
	if (v >> 4) { v >>= 4; r += 4; }
	if (v >> 2) { v >>= 2; r += 2; }
	if (v >> 1) r += 1;
	return r;
}

/* Log-linear bucket of @ns (see bpf_hist.h); the top bucket takes the rest. */
static __always_inline __u32 fl_bucket(__u64 ns)
{
	__u32 msb, shift, idx;

	if (ns < 2 * FL_BPF_SUB)
		return (__u32)ns;
	msb = fl_msb(ns);
	if (msb >= FL_BPF_MAX_BITS)
		return FL_BPF_NR_BUCKETS - 1;
	shift = msb - FL_BPF_SUB_BITS;
	idx = shift * FL_BPF_SUB + (__u32)(ns >> shift);
	return idx < FL_BPF_NR_BUCKETS ? idx : FL_BPF_NR_BUCKETS - 1;
}

static __always_inline __u32 fl_log2_bucket(__u64 ns)
{
	__u32 b = ns ? fl_msb(ns) : 0;

	return b < FL_LOCK_HIST ? b : FL_LOCK_HIST - 1;
}

/* Add 1 to slot @idx of a per-CPU u64 array. */
static __always_inline void fl_count(void *map, __u32 idx)
{
	__u64 *v = bpf_map_lookup_elem(map, &idx);

	if (v)
		__sync_fetch_and_add(v, 1);	/* exact even if preempted */
}

#endif /* FL_COMMON_BPF_H */
