/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The check contract: a check is a stress workload with an
 * invariant. It starts its own actors, races them against invalidation
 * until the deadline, and reports every violation through the oracle; the
 * stress runner owns the oracle, the kernel-log window, the verdict and
 * the result. Adding a check: one file in workloads/checks/ defining
 * `const struct fl_check check_<name>`, one line in workloads/checks/list.h.
 */
#ifndef FL_CHECK_H
#define FL_CHECK_H

#include <signal.h>
#include <stdbool.h>
#include <stdint.h>

#include "base/clock.h"
#include "base/faultline.h"
#include "base/stop.h"
#include "integrity/oracle.h"

/* Actor ids a check may use with the oracle: 0..FL_CHECK_ACTORS-1. */
#define FL_CHECK_ACTORS 16

struct fl_check_ctx {
	const char *dir;		/* where the check's files live */
	const char *fstype;		/* of @dir, e.g. "ext4", "tmpfs" */
	double duration_s;
	uint64_t deadline_ns;		/* fl_mono_ns() */
	uint32_t page_size;
	int nr_faulters;		/* readers/faulters to start */
	struct fl_oracle *oracle;
	uint64_t iterations;		/* add with __atomic_fetch_add */
	/* Stop after this many (test hook FAULTLINE_STRESS_MAX_ITERATIONS). */
	uint64_t max_iterations;
	char note[256];			/* optional: what was exercised */
};

struct fl_check {
	const char *name;
	const char *summary;
	/* "Page cache invalidation failure" in the log fails this check. */
	bool inval_failure_fails;
	/*
	 * Run until fl_check_running() says stop. 0; -EOPNOTSUPP to skip
	 * (with @err saying why, e.g. no O_DIRECT); -errno with @err.
	 */
	int (*run)(struct fl_check_ctx *c, char *err, size_t len);
};

extern const struct fl_check *const fl_checks[];
const struct fl_check *fl_check_find(const char *name);

/* Checks stop on a stop signal too (base/stop.h: fl_stop_signal). */
static inline bool fl_check_running(const struct fl_check_ctx *c)
{
	return !fl_stop_signal && fl_mono_ns() < c->deadline_ns &&
	       __atomic_load_n(&c->iterations, __ATOMIC_RELAXED) <
	       c->max_iterations;
}

static inline void fl_check_iteration(struct fl_check_ctx *c)
{
	__atomic_fetch_add(&c->iterations, 1, __ATOMIC_RELAXED);
}

#endif /* FL_CHECK_H */
