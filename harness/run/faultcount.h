/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Faults as the kernel counts them, per actor thread, from one of two
 * sources that the kernel bumps at the same place (mm_account_fault()):
 *   rusage  the thread's own min_flt/maj_flt (getrusage RUSAGE_THREAD):
 *           always counted, so reading them costs nothing during the run;
 *   perf    per-thread perf software counters (page-faults-min/maj as one
 *           group): every fault on the machine then also walks perf's
 *           software-event path, about 3% of an anonymous fault here.
 * Plus /proc/vmstat and per-node vmstat snapshots for a system-wide
 * cross-check.
 */
#ifndef FL_FAULTCOUNT_H
#define FL_FAULTCOUNT_H

#include <stdbool.h>
#include <stdint.h>

struct fl_fault_counts {
	uint64_t minor, major;
};

enum fl_fault_source {
	FL_FAULTS_RUSAGE,
	FL_FAULTS_PERF,
};

extern const char *const fl_fault_source_names[];	/* option choices */

struct fl_fault_counter {
	enum fl_fault_source source;
	int fd;				/* perf group leader; -1 when closed */
	int fd_major;
};

/*
 * Set up counting for the calling thread. 0, or -errno with @err saying
 * why (perf_event_paranoid, seccomp...); the counter is then unusable.
 */
int fl_fault_counter_open(struct fl_fault_counter *c,
			  enum fl_fault_source source, char *err, size_t len);
int fl_fault_counter_read(const struct fl_fault_counter *c,
			  struct fl_fault_counts *out);
void fl_fault_counter_close(struct fl_fault_counter *c);

/* A snapshot of name/value counters from one vmstat file. */
struct fl_vmstat {
	int nr;
	char (*name)[48];
	uint64_t *value;
};

/* Read /proc/vmstat (node < 0) or node N's vmstat. 0 or -errno. */
int fl_vmstat_read(int node, struct fl_vmstat *out);
void fl_vmstat_free(struct fl_vmstat *s);
/* Value of @name in @s, or -1 when absent. */
int64_t fl_vmstat_get(const struct fl_vmstat *s, const char *name);

#endif /* FL_FAULTCOUNT_H */
