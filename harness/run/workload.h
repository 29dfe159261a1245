/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The workload contract. A workload sets up its files and mappings and says
 * what one actor does in one iteration; the harness owns option parsing,
 * threads, placement, the start barrier, warm-up, the timed window,
 * counters, histograms, signals and results.
 *
 * Adding a workload: one file in workloads/ defining a `struct workload`
 * named wl_<name>, and one line in workloads/list.h.
 */
#ifndef FL_WORKLOAD_H
#define FL_WORKLOAD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "base/option.h"

struct fl_run_ctx;
struct fl_actor;

struct workload {
	const char *name;
	const char *summary;		/* one line for `faultline list` */
	const char *description;	/* a paragraph for --help; may be NULL */
	const struct fl_option *options;	/* drives parsing and --help */
	size_t params_size;		/* the struct the options point into */

	/* Reject bad option combinations: 0 or -EINVAL with @err set. */
	int (*validate)(const void *params, char *err, size_t len);
	/*
	 * Once per run, before actors start (files, shared state in
	 * run->state). 0 or -errno with @err naming the object and cause.
	 */
	int (*setup)(struct fl_run_ctx *run, char *err, size_t len);
	/* In the actor's thread after it is bound (a->role says which kind). */
	int (*actor_init)(struct fl_actor *a, char *err, size_t len);
	/*
	 * One faulter iteration. 0, or -errno with a->errmsg set to stop the
	 * run. When an expected SIGBUS (run->sigbus_expected) left the last
	 * one, it is called again with a->after_sigbus set: the touch that
	 * took it was not counted, and the pass should go on after it, so
	 * that an op means the same with and without SIGBUS.
	 */
	int (*iteration)(struct fl_actor *a);
	/*
	 * How many invalidator actors the params ask for (beside the faulters),
	 * their rate in ops/s (0: back to back) and kind (for results). The
	 * runner also runs a baseline without them unless --no-baseline.
	 * May be NULL: none.
	 */
	int (*invalidators)(const void *params, double *rate, const char **kind);
	/* One invalidator op, timed by the runner. 0 or -errno with @err. */
	int (*invalidate)(struct fl_actor *a, char *err, size_t len);
	/*
	 * After the actors stopped: {verified, checked, violations, ...} for
	 * the run's "integrity"; violations fail the run. May be NULL.
	 */
	json_t *(*integrity)(struct fl_run_ctx *run);
	/* In the actor's thread; also after a SIGBUS left an iteration. */
	void (*actor_fini)(struct fl_actor *a);
	/* Once per run after all actors have stopped. */
	void (*teardown)(struct fl_run_ctx *run);
};

/* The registry, from workloads/list.h. */
extern const struct workload *const fl_workloads[];
const struct workload *fl_workload_find(const char *name);

#endif /* FL_WORKLOAD_H */
