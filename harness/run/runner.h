/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The runner: for each repetition and thread count it sets the workload
 * up, starts one bound thread (or, with --mode processes, one process)
 * per actor behind a barrier, runs warm-up and the timed window, and
 * collects what each actor measured. In processes mode the run context,
 * the actors, their statistics and the start gate live in shared memory
 * (base/shared_mem.h), so the code is the same in both modes.
 */
#ifndef FL_RUNNER_H
#define FL_RUNNER_H

#include <setjmp.h>
#include <stdbool.h>
#include <stdint.h>

#include "base/faultline.h"
#include "base/hist.h"
#include "base/thread_list.h"
#include "collect/collect.h"
#include "run/faultcount.h"
#include "run/placement.h"
#include "run/result.h"
#include "run/workload.h"

enum fl_role {
	FL_ROLE_FAULTER,
	FL_ROLE_INVALIDATOR,
};

enum fl_phase {
	FL_PHASE_SETUP,
	FL_PHASE_WARMUP,
	FL_PHASE_MEASURE,
	FL_PHASE_STOP,
};

/*
 * How actors run: threads of one process sharing one mm (will-it-scale's
 * _threads), or one process each with its own mm (its _processes): no
 * shared mmap_lock, only the file's and the page cache's contention.
 */
enum fl_actor_mode {
	FL_MODE_THREADS,
	FL_MODE_PROCESSES,
};

/* Option choices, indexed by enum fl_actor_mode; NULL-terminated. */
extern const char *const fl_actor_mode_names[];

/* Options every `faultline run` takes, before the workload's own. */
struct fl_run_opts {
	struct fl_thread_spec threads;
	int mode;		/* enum fl_actor_mode */
	double duration_s;
	double warmup_s;
	uint64_t repeat;
	struct fl_placement placement;
	const char *dir;
	const char *out;
	bool latency;		/* time and record every touch */
	bool baseline;		/* also run without invalidators */
	int fault_counter;	/* enum fl_fault_source */
	bool progress;		/* progress line on a terminal */
	unsigned int collect;	/* BPF collectors, a mask of fl_collectors[] */
};

extern const struct fl_option fl_run_options[];

/* What one actor measured in the timed window. */
struct fl_actor_stats {
	uint64_t ops;			/* since the actor started: never reset */
	uint64_t ops_start, ops_end;	/* @ops at the window's edges */
	uint64_t t_start, t_end;	/* ticks */
	struct fl_fault_counts faults_start, faults_end;
	int cpu_first, cpu_last;	/* sched_getcpu() at window edges */
	uint64_t cpu_checks, cpu_moves;	/* samples, and ones off the plan */
	bool measured;			/* the window was entered */
	bool faults_ok;			/* both counter reads worked */
	bool wait_ok;			/* both run-delay reads worked */
	uint64_t wait_start, wait_end;	/* ns runnable but not running */
	uint64_t sigbus;		/* expected SIGBUS taken in the window */
	struct fl_hist *hist;		/* touch (or op) latency, ticks */
};

struct fl_actor {
	int id;
	enum fl_role role;
	struct fl_run_ctx *run;
	struct fl_slot slot;
	void *state;			/* the workload's, per actor */
	uint64_t seed;			/* for random patterns */
	int seen_phase;
	uint64_t last_tick;		/* chained timestamp of the last touch */
	struct fl_actor_stats *stats;	/* on the actor's node (first touch) */
	struct fl_fault_counter counter;
	sigjmp_buf *sigbus_env;
	bool after_sigbus;		/* the last iteration was left by SIGBUS */
	char mempolicy[32];		/* the thread's, once bound */
	bool at_gate;			/* reached the start gate */
	int error;			/* -errno that stopped the actor */
	char errmsg[FL_ERR_LEN];
};

struct fl_run_ctx {
	const struct workload *wl;
	const void *params;
	const struct fl_run_opts *opts;
	const char *dir;		/* where test files live */
	int nr_actors;			/* faulters + invalidators */
	int nr_faulters;
	int nr_invalidators;		/* 0 in a baseline run */
	bool baseline;			/* invalidators left out on purpose */
	bool sigbus_expected;		/* set by setup: SIGBUS is a result */
	int repeat;
	struct fl_actor *actors;
	void *state;			/* the workload's, per run */
	int phase;			/* enum fl_phase, atomic */
	bool latency;
	uint64_t page_size;
	const struct fl_topology *topo;
	struct fl_start_gate *gate;
	char faults_unavailable[FL_ERR_LEN];	/* perf counters could not open */
};

/* Out-of-line part of the phase check: start or end the timed window. */
void fl_actor_phase_change(struct fl_actor *a, int phase);

/* Cheap check once per touch: true while the actor should keep going. */
static inline bool fl_actor_running(struct fl_actor *a)
{
	int phase = __atomic_load_n(&a->run->phase, __ATOMIC_RELAXED);

	if (unlikely(phase != a->seen_phase))
		fl_actor_phase_change(a, phase);
	return phase != FL_PHASE_STOP;
}



struct fl_result;

struct fl_runner_cfg {
	const struct workload *wl;
	const void *params;
	const struct fl_run_opts *opts;
	const struct fl_topology *topo;
	const char *dir;		/* where test files live */
	const char *label;		/* for the progress line */
	struct fl_collect_set *collect;	/* kernel-side collectors; may be NULL */
	int invalidators;		/* filled in by fl_runner_execute */
};

/*
 * Run every repetition x thread count. Fills @res (status, exit code,
 * error, runs). SIGINT/SIGTERM stop the current run and skip the rest.
 * Returns the exit code also stored in @res.
 */
int fl_runner_execute(const struct fl_runner_cfg *cfg, struct fl_result *res);
#endif /* FL_RUNNER_H */
