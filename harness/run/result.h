/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What a `faultline run` measured, in memory, and its JSON form
 * (schema faultline-result/1, documented in results/README.md).
 */
#ifndef FL_RESULT_H
#define FL_RESULT_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "base/faultline.h"
#include "base/hist.h"
#include "run/faultcount.h"
#include "run/placement.h"

struct fl_actor_result {
	int id;
	int role;			/* enum fl_role */
	struct fl_slot slot;
	bool measured;			/* entered the timed window */
	int cpu_first, cpu_last;
	int node_last;			/* NUMA node of cpu_last */
	uint64_t cpu_checks, cpu_moves;
	uint64_t ops;
	uint64_t sigbus;		/* expected SIGBUS (faulters) */
	double window_s;
	double run_wait_s;		/* runnable, not running; < 0: unknown */
	char mempolicy[32];		/* e.g. "local", "preferred:1" */
	bool faults_known;
	struct fl_fault_counts faults;
	struct fl_hist *hist;		/* ticks; NULL without latency */
};

struct fl_run_result {
	int repeat;
	int threads;			/* faulters */
	int nr_actors;			/* faulters + invalidators */
	bool baseline;			/* invalidators left out on purpose */
	double duration_s;		/* as asked for */
	json_t *integrity;		/* from the workload; NULL: none */
	json_t *collected;		/* fl_collect_read(); NULL: no collectors */
	bool interrupted;		/* the window was cut short */
	double tick_ns;			/* ns per tick measured over the window */
	struct fl_actor_result *actors;
	struct fl_vmstat vm_start, vm_end;
	int nr_nodes;
	int *node_ids;
	struct fl_vmstat *node_start, *node_end;
};

enum fl_status {
	FL_STATUS_OK,
	FL_STATUS_INTERRUPTED,
	FL_STATUS_FAILED,
};

struct fl_result {
	enum fl_status status;
	int exit_code;
	char error[512];
	int fault_source;			/* enum fl_fault_source */
	const char *invalidator_kind;		/* NULL without invalidators */
	double inval_rate;			/* ops/s asked for; 0: back to back */
	char faults_unavailable[FL_ERR_LEN];	/* why fault counts are missing */
	int nr_runs;
	struct fl_run_result *runs;
};

void fl_result_free(struct fl_result *r);
/* Free what one run holds and zero it (a run that measured nothing). */
void fl_run_result_release(struct fl_run_result *rr);

/* The "runs" entry of one run; per-node and per-actor sections included. */
json_t *fl_run_result_json(const struct fl_run_result *run,
			   const struct fl_result *res);

#endif /* FL_RESULT_H */
