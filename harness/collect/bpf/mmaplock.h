/* SPDX-License-Identifier: GPL-2.0 */
/*
 * mmaplock: time from mmap_lock:mmap_lock_start_locking to
 * mmap_lock_acquire_returned, per CPU (summed by node when read), read
 * vs write. Counters say how many acquisitions succeeded or failed.
 */
#ifndef FL_MMAPLOCK_H
#define FL_MMAPLOCK_H

#include "collect/bpf/bpf_hist.h"

enum { FL_ML_READ, FL_ML_WRITE, FL_ML_NR_MODES };

/* Counters: acquired[mode], failed[mode] (killable/trylock that failed). */
enum {
	FL_ML_CNT_ACQUIRED = 0,
	FL_ML_CNT_FAILED = FL_ML_NR_MODES,
	FL_ML_NR_COUNTERS = 2 * FL_ML_NR_MODES,
};

#endif /* FL_MMAPLOCK_H */
