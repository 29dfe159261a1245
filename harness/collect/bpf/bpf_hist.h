/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Latency buckets shared by the BPF programs and their readers: the same
 * log-linear layout as harness/base/hist.h with 16 sub-buckets per power of two
 * (a bucket is at most 1/16 of its values wide), ns up to 2^40 (18 min).
 */
#ifndef FL_BPF_HIST_H
#define FL_BPF_HIST_H

#define FL_BPF_SUB_BITS 4
#define FL_BPF_SUB 16
#define FL_BPF_MAX_BITS 40
#define FL_BPF_NR_BUCKETS ((FL_BPF_MAX_BITS - FL_BPF_SUB_BITS + 1) * FL_BPF_SUB)

/* Lock waits use plain log2 buckets: [2^i, 2^(i+1)) ns, i < FL_LOCK_HIST. */
#define FL_LOCK_HIST 36

/* Most processes one collector follows (the run's own, and MPI ranks). */
#define FL_BPF_MAX_TGIDS 64

#endif /* FL_BPF_HIST_H */
