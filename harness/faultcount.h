/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Faults as the kernel counts them: per-thread perf software counters
 * (minor and major page faults, read as one group), and /proc/vmstat plus
 * per-node vmstat snapshots for a system-wide cross-check.
 */
#ifndef FL_FAULTCOUNT_H
#define FL_FAULTCOUNT_H

#include <stdbool.h>
#include <stdint.h>

struct fl_fault_counts {
	uint64_t minor, major;
};

struct fl_fault_counter {
	int fd;				/* group leader; -1 when unavailable */
	int fd_major;
};

/*
 * Open counters for the calling thread. 0, or -errno with @err saying why
 * (e.g. perf_event_paranoid, seccomp); the counter is then unusable.
 */
int fl_fault_counter_open(struct fl_fault_counter *c, char *err, size_t len);
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
