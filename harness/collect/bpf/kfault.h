/* SPDX-License-Identifier: GPL-2.0 */
/*
 * kfault: handle_mm_fault() latency and results, counted per CPU (the
 * reader sums CPUs by NUMA node). Slots are indexed by backing and result.
 */
#ifndef FL_KFAULT_H
#define FL_KFAULT_H

#include "collect/bpf/bpf_hist.h"

enum fl_kf_result {
	FL_KF_MINOR,
	FL_KF_MAJOR,	/* VM_FAULT_MAJOR, or completed after a retry */
	FL_KF_RETRY,	/* VM_FAULT_RETRY: the fault is tried again */
	FL_KF_SIGBUS,
	FL_KF_ERROR,	/* any other VM_FAULT_ERROR (OOM, SIGSEGV, poison) */
	FL_KF_NR_RESULTS,
};

enum fl_kf_backing { FL_KF_ANON, FL_KF_FILE, FL_KF_NR_BACKINGS };

/* Latency class: backing * FL_KF_NR_RESULTS + result. */
#define FL_KF_NR_CLASSES (FL_KF_NR_BACKINGS * FL_KF_NR_RESULTS)

/* Counters: classes for faults from user mode, then for get_user_pages. */
enum {
	FL_KF_CNT_USER = 0,
	FL_KF_CNT_GUP = FL_KF_NR_CLASSES,
	FL_KF_CNT_PAGE_FAULT_USER = 2 * FL_KF_NR_CLASSES,	/* tracepoints */
	FL_KF_CNT_PAGE_FAULT_KERNEL,
	FL_KF_NR_COUNTERS,
};

#endif /* FL_KFAULT_H */
