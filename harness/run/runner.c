// SPDX-License-Identifier: GPL-2.0
/* The runner: actors, phases, the timed window, signals. */
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include "base/clock.h"
#include "base/shared_mem.h"
#include "base/sigbus.h"
#include "base/stop.h"
#include "run/procs.h"
#include "run/result.h"
#include "run/runner.h"

/* An actor's statistics and histogram, one shared block in processes mode. */
#define STATS_SIZE ((sizeof(struct fl_actor_stats) + 63) & ~(size_t)63)
#define SHARED_STATS_SIZE (STATS_SIZE + sizeof(struct fl_hist))

static bool processes(const struct fl_run_ctx *run)
{
	return run->opts->mode == FL_MODE_PROCESSES;
}

#define RUN_OPT(f) offsetof(struct fl_run_opts, f)

const char *const fl_actor_mode_names[] = { "threads", "processes", NULL };

const struct fl_option fl_run_options[] = {
	{ .name = "threads", .type = FL_OPT_CUSTOM, .offset = RUN_OPT(threads),
	  .def = "1", .arg = "LIST",
	  .help = "thread counts: 1,2,4 or 1-8 or 1-max or scale (powers of two up to max)",
	  .parse = fl_threads_parse, .format = fl_threads_format },
	{ .name = "mode", .type = FL_OPT_ENUM, .offset = RUN_OPT(mode),
	  .def = "threads", .choices = fl_actor_mode_names,
	  .help = "actors as threads of one process (one mm, shared mmap_lock) or one process each (own mm), as will-it-scale's _threads and _processes" },
	{ .name = "duration", .type = FL_OPT_DOUBLE, .offset = RUN_OPT(duration_s),
	  .def = "5", .arg = "SECONDS", .help = "timed window of each run",
	  .min = 0.1, .max = 86400 },
	{ .name = "warmup", .type = FL_OPT_DOUBLE, .offset = RUN_OPT(warmup_s),
	  .def = "1", .arg = "SECONDS", .help = "untimed run before the window",
	  .min = 0, .max = 3600 },
	{ .name = "repeat", .type = FL_OPT_UINT, .offset = RUN_OPT(repeat),
	  .def = "1", .help = "repetitions of every thread count",
	  .min = 1, .max = 1000 },
	{ .name = "placement", .type = FL_OPT_CUSTOM, .offset = RUN_OPT(placement),
	  .def = "spread", .arg = "spread|compact|nodes=LIST",
	  .help = "where actors run: round-robin over NUMA nodes, one node at a time, or only the listed nodes",
	  .parse = fl_placement_opt_parse,
	  .format = fl_placement_opt_format },
	{ .name = "dir", .type = FL_OPT_STR, .offset = RUN_OPT(dir),
	  .arg = "PATH",
	  .help = "directory for test files (default: a fresh one under $TMPDIR or /tmp, removed afterwards)" },
	{ .name = "out", .type = FL_OPT_STR, .offset = RUN_OPT(out),
	  .arg = "FILE", .help = "result JSON (default: results/<workload>-<time>.json)" },
	{ .name = "latency", .type = FL_OPT_BOOL, .offset = RUN_OPT(latency),
	  .def = "true", .help = "time every touch (--no-latency for pure throughput)" },
	{ .name = "baseline", .type = FL_OPT_BOOL, .offset = RUN_OPT(baseline),
	  .def = "true",
	  .help = "with invalidators, also run each count without them (--no-baseline to skip)" },
	{ .name = "fault-counter", .type = FL_OPT_ENUM,
	  .offset = RUN_OPT(fault_counter), .def = "rusage",
	  .choices = fl_fault_source_names,
	  .help = "per-thread fault counts from the thread's rusage (free) or perf software counters (cost ~3% of an anon fault)" },
	{ .name = "collect", .type = FL_OPT_CUSTOM, .offset = RUN_OPT(collect),
	  .def = FL_COLLECT_DEFAULT, .arg = "LIST|all|none",
	  .help = "kernel-side BPF collectors: lockcon,folio,kfault,mmaplock; kfault and mmaplock run on every fault (about 3% of page_fault1), so they are asked for by name or with all (those that cannot run here say why in the result)",
	  .parse = fl_collect_parse, .format = fl_collect_format },
	{ .name = "progress", .type = FL_OPT_BOOL, .offset = RUN_OPT(progress),
	  .def = "true", .help = "progress line when stderr is a terminal" },
	{ 0 }
};

/*
 * Wait up to @ms for a stop signal: the stop signals are blocked in every
 * thread while runs go on, and the main thread takes them here. True when
 * one arrived, now or before (main()'s handler recorded it), and it is
 * remembered in *@stop_sig and in fl_stop_signal for the caller's caller.
 */
static bool wait_for_stop(long ms, int *stop_sig)
{
	struct timespec ts = { .tv_sec = ms / 1000, .tv_nsec = (ms % 1000) * 1000000 };
	sigset_t set;
	int sig;

	if (!*stop_sig)
		*stop_sig = fl_stop_signal;
	if (*stop_sig)
		return true;
	fl_stop_signals(&set);
	sig = sigtimedwait(&set, NULL, &ts);
	if (sig > 0) {
		*stop_sig = fl_stop_signal = sig;
		return true;
	}
	return false;
}

/*
 * How long the calling thread has been runnable but not running (the
 * scheduler's run delay, /proc/thread-self/schedstat): time another task
 * had its CPU. False when the kernel does not say.
 */
static bool read_run_delay(uint64_t *ns)
{
	unsigned long long run, wait;
	FILE *f = fopen("/proc/thread-self/schedstat", "re");
	bool ok;

	if (!f)
		return false;
	ok = fscanf(f, "%llu %llu", &run, &wait) == 2;
	fclose(f);
	*ns = wait;
	return ok;
}

void fl_actor_phase_change(struct fl_actor *a, int phase)
{
	struct fl_actor_stats *st = a->stats;
	uint64_t now = fl_clock_ticks();

	if (phase == FL_PHASE_MEASURE && !st->measured) {
		if (st->hist)
			fl_hist_reset(st->hist);
		/* Not reset: workloads find their place in a pass from it. */
		st->ops_start = st->ops;
		st->measured = true;
		st->cpu_first = sched_getcpu();
		st->faults_ok = !fl_fault_counter_read(&a->counter,
						       &st->faults_start);
		st->wait_ok = read_run_delay(&st->wait_start);
		st->t_start = fl_clock_ticks();
	} else if (phase == FL_PHASE_STOP && st->measured && !st->t_end) {
		st->t_end = now;
		st->ops_end = st->ops;
		if (fl_fault_counter_read(&a->counter, &st->faults_end))
			st->faults_ok = false;
		if (!read_run_delay(&st->wait_end))
			st->wait_ok = false;
		st->cpu_last = sched_getcpu();
	}
	a->seen_phase = phase;
}

static void actor_fail(struct fl_actor *a, int err, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void actor_fail(struct fl_actor *a, int err, const char *fmt, ...)
{
	va_list ap;

	if (fmt) {
		va_start(ap, fmt);
		vsnprintf(a->errmsg, sizeof(a->errmsg), fmt, ap);
		va_end(ap);
	}
	a->error = err ? err : -EIO;
	__atomic_store_n(&a->run->phase, FL_PHASE_STOP, __ATOMIC_RELEASE);
}

/*
 * Stats on the actor's node, touched before the window. In processes
 * mode the runner mapped them shared before the fork, untouched: the
 * actor's first touch places them all the same.
 */
static int actor_alloc_stats(struct fl_actor *a)
{
	struct fl_actor_stats *st = a->stats;

	if (!st)
		st = aligned_alloc(64, STATS_SIZE);
	if (!st)
		return -ENOMEM;
	memset(st, 0, sizeof(*st));
	a->stats = st;
	if (a->run->latency) {
		if (processes(a->run))
			st->hist = (struct fl_hist *)((char *)st + STATS_SIZE);
		else if (fl_hist_init(&st->hist))
			return -ENOMEM;	/* free_actors() frees @st */
		/* Fault the histogram in now so the window counts no faults of ours. */
		memset(st->hist, 0, sizeof(*st->hist));
		fl_hist_reset(st->hist);
	}
	st->cpu_first = st->cpu_last = -1;
	return 0;
}

static void actor_sample_cpu(struct fl_actor *a)
{
	struct fl_actor_stats *st = a->stats;

	if (a->seen_phase != FL_PHASE_MEASURE)
		return;
	st->cpu_checks++;
	if (sched_getcpu() != a->slot.pu)
		st->cpu_moves++;
}

/*
 * All actors get ready, then start at once. Unlike a pthread barrier the
 * gate can be opened with actors missing, when one failed to start.
 */
struct fl_start_gate {
	pthread_mutex_t lock;
	pthread_cond_t cond;
	int ready;
	bool open;
};

static void gate_init(struct fl_start_gate *g, bool shared)
{
	pthread_mutexattr_t ma;
	pthread_condattr_t ca;

	pthread_mutexattr_init(&ma);
	pthread_condattr_init(&ca);
	if (shared) {
		pthread_mutexattr_setpshared(&ma, PTHREAD_PROCESS_SHARED);
		/* An actor process that dies holding it must not hang the runner. */
		pthread_mutexattr_setrobust(&ma, PTHREAD_MUTEX_ROBUST);
		pthread_condattr_setpshared(&ca, PTHREAD_PROCESS_SHARED);
	}
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_mutex_init(&g->lock, &ma);
	pthread_cond_init(&g->cond, &ca);
	pthread_mutexattr_destroy(&ma);
	pthread_condattr_destroy(&ca);
	g->ready = 0;
	g->open = false;
}

static void gate_fini(struct fl_start_gate *g)
{
	pthread_cond_destroy(&g->cond);
	pthread_mutex_destroy(&g->lock);
}

/* The lock is robust: a dead owner's state is taken over as it is. */
static void gate_locked(int ret, struct fl_start_gate *g)
{
	if (ret == EOWNERDEAD)
		pthread_mutex_consistent(&g->lock);
}

static void gate_arrive(struct fl_start_gate *g, struct fl_actor *a)
{
	gate_locked(pthread_mutex_lock(&g->lock), g);
	g->ready++;
	a->at_gate = true;
	pthread_cond_broadcast(&g->cond);
	while (!g->open)
		gate_locked(pthread_cond_wait(&g->cond, &g->lock), g);
	pthread_mutex_unlock(&g->lock);
}

/* How the runner starts, watches and joins its actors. */
struct crew {
	struct fl_run_ctx *run;
	pthread_t *tids;		/* threads mode */
	struct fl_procs procs;		/* processes mode */
	int gone_before_gate;		/* processes that died before the gate */
};

/* A process ended: one that failed stops the run, with the reason. */
static void actor_ended(void *ctx, int i, int status)
{
	struct crew *c = ctx;
	struct fl_actor *a = &c->run->actors[i];
	char why[128];

	if (!a->at_gate)
		c->gone_before_gate++;
	if (!fl_procs_failure(status, why, sizeof(why)) || a->error)
		return;
	snprintf(a->errmsg, sizeof(a->errmsg), "actor %d (process %d): %s", i,
		 (int)c->procs.pid[i], why);
	a->error = -ECHILD;
	__atomic_store_n(&c->run->phase, FL_PHASE_STOP, __ATOMIC_RELEASE);
}

/* Processes mode: notice actors that died. */
static void crew_check(struct crew *c)
{
	if (processes(c->run))
		fl_procs_reap(&c->procs, false, actor_ended, c);
}

/*
 * Open the gate once @nr actors are at it; in processes mode one that
 * died on the way counts, so the gate never waits for the dead.
 */
static void gate_open_when_ready(struct crew *c, struct fl_start_gate *g, int nr)
{
	gate_locked(pthread_mutex_lock(&g->lock), g);
	while (g->ready + c->gone_before_gate < nr) {
		struct timespec ts;

		if (!processes(c->run)) {
			pthread_cond_wait(&g->cond, &g->lock);
			continue;
		}
		clock_gettime(CLOCK_MONOTONIC, &ts);
		ts.tv_nsec += 100000000;
		if (ts.tv_nsec >= 1000000000) {
			ts.tv_sec++;
			ts.tv_nsec -= 1000000000;
		}
		gate_locked(pthread_cond_timedwait(&g->cond, &g->lock, &ts), g);
		pthread_mutex_unlock(&g->lock);
		crew_check(c);
		gate_locked(pthread_mutex_lock(&g->lock), g);
	}
	g->open = true;
	pthread_cond_broadcast(&g->cond);
	pthread_mutex_unlock(&g->lock);
}

/*
 * Sleep until @deadline (CLOCK_MONOTONIC ns) in slices short enough to
 * notice the end of the run.
 */
static void pace_until(struct fl_actor *a, uint64_t deadline)
{
	for (;;) {
		uint64_t now = fl_mono_ns(), step;
		struct timespec ts;

		if (now >= deadline || !fl_actor_running(a))
			return;
		step = deadline - now;
		if (step > 100000000u)
			step = 100000000u;
		ts.tv_sec = (time_t)(step / 1000000000u);
		ts.tv_nsec = (long)(step % 1000000000u);
		nanosleep(&ts, NULL);
	}
}

/* An invalidator: timed ops, paced to the workload's rate. */
static void invalidator_loop(struct fl_actor *a)
{
	struct fl_run_ctx *run = a->run;
	double rate = 0;
	const char *kind;
	uint64_t next = 0, period_ns = 0;
	char err[FL_ERR_LEN];

	run->wl->invalidators(run->params, &rate, &kind);
	if (rate > 0)
		period_ns = (uint64_t)(1e9 / rate);
	a->seen_phase = FL_PHASE_SETUP;
	while (fl_actor_running(a)) {
		uint64_t t0, t1;
		int ret;

		if (period_ns) {
			uint64_t now = fl_mono_ns();

			/* Behind schedule: start afresh rather than burst. */
			if (!next || now > next + period_ns)
				next = now;
			pace_until(a, next);
			next += period_ns;
			if (!fl_actor_running(a))
				break;
		}
		actor_sample_cpu(a);
		t0 = fl_clock_ticks();
		ret = run->wl->invalidate(a, err, sizeof(err));
		t1 = fl_clock_ticks();
		if (ret) {
			actor_fail(a, ret, "invalidator %d: %s", a->id, err);
			fl_actor_phase_change(a, FL_PHASE_STOP);
			break;
		}
		if (a->stats->hist)
			fl_hist_record(a->stats->hist, t1 - t0);
		a->stats->ops++;
	}
}

static void *actor_main(void *arg)
{
	struct fl_actor *a = arg;
	struct fl_run_ctx *run = a->run;
	sigjmp_buf env;
	char err[FL_ERR_LEN];
	int ret;

	ret = fl_bind_self(run->topo, &a->slot, err, sizeof(err));
	if (ret) {
		actor_fail(a, ret, "actor %d: %s", a->id, err);
		goto wait_start;
	}
	fl_mempolicy_str(a->mempolicy, sizeof(a->mempolicy));
	ret = actor_alloc_stats(a);
	if (ret) {
		actor_fail(a, ret, "actor %d: statistics: %s", a->id, strerror(-ret));
		goto wait_start;
	}
	if (fl_fault_counter_open(&a->counter, run->opts->fault_counter, err,
				  sizeof(err)) && a->id == 0)
		snprintf(run->faults_unavailable, sizeof(run->faults_unavailable),
			 "%s", err);
	if (run->wl->actor_init) {
		ret = run->wl->actor_init(a, err, sizeof(err));
		if (ret)
			actor_fail(a, ret, "actor %d: %s", a->id, err);
	}
wait_start:
	gate_arrive(run->gate, a);
	if (a->error)
		goto out;

	if (a->role == FL_ROLE_INVALIDATOR) {
		invalidator_loop(a);
		goto fini;
	}
	a->sigbus_env = &env;
	fl_sigbus_env = &env;
	a->seen_phase = FL_PHASE_SETUP;
	if (sigsetjmp(env, 1)) {
		/*
		 * Back from a SIGBUS. When an invalidator shrinks the file it
		 * is a result: count it, and let the workload go on with its
		 * pass after the touch that took it.
		 */
		if (run->sigbus_expected) {
			if (a->seen_phase == FL_PHASE_MEASURE)
				a->stats->sigbus++;
			a->after_sigbus = true;
			goto faulter;
		}
		actor_fail(a, -EFAULT,
			   "actor %d: unexpected SIGBUS (%s) at %#lx; is the filesystem of the test directory full?",
			   a->id, fl_sigbus_code_str(fl_sigbus_last.code),
			   (unsigned long)fl_sigbus_last.addr);
		fl_actor_phase_change(a, FL_PHASE_STOP);
		goto fini;
	}
faulter:
	while (fl_actor_running(a)) {
		actor_sample_cpu(a);
		ret = run->wl->iteration(a);
		if (ret) {
			actor_fail(a, ret, NULL);
			fl_actor_phase_change(a, FL_PHASE_STOP);
			break;
		}
	}
fini:
	fl_sigbus_env = NULL;
	if (run->wl->actor_fini)
		run->wl->actor_fini(a);
out:
	fl_fault_counter_close(&a->counter);
	return NULL;
}

/* Start actor @i: a thread, or a process that the collectors follow. */
static int crew_start(struct crew *c, int i, struct fl_collect_set *collect,
		      char *err, size_t len)
{
	struct fl_actor *a = &c->run->actors[i];
	pid_t pid;
	int ret;

	if (!processes(c->run)) {
		ret = pthread_create(&c->tids[i], NULL, actor_main, a);
		if (ret)
			fl_set_err(err, len, "starting actor %d: %s", i, strerror(ret));
		return -ret;
	}
	pid = fl_procs_start(&c->procs, i, actor_main, a, err, len);
	if (pid < 0)
		return pid;
	ret = fl_collect_follow(collect, pid, err, len);
	if (ret)
		fl_set_err(err, len, "actor %d (process %d): %s", i, (int)pid, strdupa(err));
	return ret;
}

/* Wait for every started actor to end. */
static void crew_join(struct crew *c, int started)
{
	if (processes(c->run)) {
		fl_procs_reap(&c->procs, true, actor_ended, c);
		return;
	}
	for (int i = 0; i < started; i++)
		pthread_join(c->tids[i], NULL);
}

static void read_vmstats(struct fl_run_result *rr, bool end)
{
	fl_vmstat_read(-1, end ? &rr->vm_end : &rr->vm_start);
	for (int i = 0; i < rr->nr_nodes; i++)
		fl_vmstat_read(rr->node_ids[i],
			       end ? &rr->node_end[i] : &rr->node_start[i]);
}

static int collect_nodes(const struct fl_topology *topo, struct fl_run_result *rr)
{
	int n = fl_topology_nr_nodes(topo), k = 0;

	rr->node_ids = calloc((size_t)n, sizeof(int));
	rr->node_start = calloc((size_t)n, sizeof(struct fl_vmstat));
	rr->node_end = calloc((size_t)n, sizeof(struct fl_vmstat));
	if (!rr->node_ids || !rr->node_start || !rr->node_end)
		return -ENOMEM;
	/* Node OS indexes may have gaps; probe which sysfs nodes exist. */
	for (int id = 0; k < n && id < FL_MAX_NODES; id++) {
		char path[64];

		snprintf(path, sizeof(path), "/sys/devices/system/node/node%d", id);
		if (access(path, F_OK) == 0)
			rr->node_ids[k++] = id;
	}
	rr->nr_nodes = k;
	return 0;
}

static void progress(const struct fl_runner_cfg *cfg, int idx, int total,
		     const struct fl_run_ctx *run, const char *phase, double t,
		     double of)
{
	if (!cfg->opts->progress || !isatty(STDERR_FILENO))
		return;
	fprintf(stderr, "\r\033[K%s  run %d/%d  threads %d%s  repeat %d/%d  %s %.0f/%.0f s",
		cfg->label, idx, total, run->nr_faulters,
		run->baseline ? " (baseline)" : "", run->repeat + 1,
		(int)cfg->opts->repeat, phase, t, of);
	fflush(stderr);
}

/*
 * Let the actors run through @phase for @seconds, waking every 200 ms to
 * notice signals, failed actors and to update the progress line.
 */
static bool run_phase(struct crew *c, const struct fl_runner_cfg *cfg,
		      const char *name, double seconds, int idx, int total,
		      int *stop_sig)
{
	struct fl_run_ctx *run = c->run;
	uint64_t t0 = fl_mono_ns();
	uint64_t end = t0 + (uint64_t)(seconds * 1e9);

	for (;;) {
		uint64_t now = fl_mono_ns();
		long ms;

		progress(cfg, idx, total, run, name,
			 (double)(now - t0) / 1e9, seconds);
		crew_check(c);
		if (now >= end)
			return true;
		if (__atomic_load_n(&run->phase, __ATOMIC_ACQUIRE) == FL_PHASE_STOP)
			return false;
		ms = (long)((end - now) / 1000000);
		if (ms > 200)
			ms = 200;
		if (wait_for_stop(ms ? ms : 1, stop_sig))
			return false;
	}
}

static void harvest(struct fl_run_ctx *run, struct fl_run_result *rr)
{
	for (int i = 0; i < run->nr_actors; i++) {
		struct fl_actor *a = &run->actors[i];
		struct fl_actor_stats *st = a->stats;
		struct fl_actor_result *ar = &rr->actors[i];

		ar->id = a->id;
		ar->role = a->role;
		ar->slot = a->slot;
		snprintf(ar->mempolicy, sizeof(ar->mempolicy), "%s", a->mempolicy);
		ar->cpu_first = ar->cpu_last = ar->node_last = -1;
		/* An actor process that died in the window never ended it. */
		if (!st || !st->measured || (processes(run) && !st->t_end))
			continue;
		ar->measured = true;
		ar->cpu_first = st->cpu_first;
		ar->cpu_last = st->cpu_last;
		ar->node_last = fl_topology_node_of_pu(run->topo, st->cpu_last);
		ar->cpu_checks = st->cpu_checks;
		ar->cpu_moves = st->cpu_moves;
		ar->ops = (st->t_end ? st->ops_end : st->ops) - st->ops_start;
		ar->sigbus = st->sigbus;
		ar->window_s = fl_clock_ns(st->t_end - st->t_start) / 1e9;
		ar->faults_known = st->faults_ok;
		ar->run_wait_s = st->wait_ok && st->t_end ?
				 (double)(st->wait_end - st->wait_start) / 1e9 : -1;
		ar->faults.minor = st->faults_end.minor - st->faults_start.minor;
		ar->faults.major = st->faults_end.major - st->faults_start.major;
		if (processes(run) && st->hist) {
			/* The result outlives the shared block: a copy of its own. */
			if (!fl_hist_init(&ar->hist))
				memcpy(ar->hist, st->hist, sizeof(*ar->hist));
		} else {
			ar->hist = st->hist;
			st->hist = NULL;
		}
	}
}

static void free_actors(struct fl_run_ctx *run)
{
	for (int i = 0; run->actors && i < run->nr_actors; i++) {
		struct fl_actor_stats *st = run->actors[i].stats;

		if (processes(run)) {
			fl_shared_free(st, SHARED_STATS_SIZE);
		} else if (st) {
			fl_hist_free(st->hist);
			free(st);
		}
	}
	if (processes(run))
		fl_shared_free(run->actors, (size_t)run->nr_actors * sizeof(*run->actors));
	else
		free(run->actors);
	run->actors = NULL;
}

/*
 * What actors and the runner share: the run context, the start gate and
 * the actors (their statistics too, in processes mode). In processes mode
 * all of it is shared memory; @init is copied there.
 */
static struct fl_run_ctx *run_ctx_new(const struct fl_run_ctx *init,
				      struct fl_start_gate *local_gate)
{
	bool shared = init->opts->mode == FL_MODE_PROCESSES;
	size_t size = sizeof(*init) + sizeof(struct fl_start_gate);
	size_t actors = (size_t)init->nr_actors * sizeof(struct fl_actor);
	struct fl_run_ctx *run;

	if (!shared) {
		run = malloc(sizeof(*run));
		if (!run)
			return NULL;
		*run = *init;
		run->gate = local_gate;
		run->actors = calloc((size_t)init->nr_actors, sizeof(*run->actors));
	} else {
		run = fl_shared_alloc(size);
		if (!run)
			return NULL;
		*run = *init;
		run->gate = (struct fl_start_gate *)(run + 1);
		run->actors = fl_shared_alloc(actors);
		for (int i = 0; run->actors && i < init->nr_actors; i++) {
			run->actors[i].stats = fl_shared_alloc(SHARED_STATS_SIZE);
			if (!run->actors[i].stats)
				break;
		}
	}
	gate_init(run->gate, shared);
	return run;
}

/* Whether run_ctx_new() got everything. */
static bool run_ctx_complete(const struct fl_run_ctx *run)
{
	if (!run->actors)
		return false;
	for (int i = 0; processes(run) && i < run->nr_actors; i++)
		if (!run->actors[i].stats)
			return false;
	return true;
}

static void run_ctx_free(struct fl_run_ctx *run)
{
	if (!run)
		return;
	free_actors(run);
	gate_fini(run->gate);
	if (processes(run))
		fl_shared_free(run, sizeof(*run) + sizeof(struct fl_start_gate));
	else
		free(run);
}

/*
 * One run: @threads actors for one repetition. Returns 0, or -errno with
 * @err; *@stop_sig is set when a signal cut the run short.
 */
static int run_once(const struct fl_runner_cfg *cfg, int threads,
		    int invalidators, int repeat, int idx, int total,
		    struct fl_run_result *rr, struct fl_result *res,
		    int *stop_sig, char *err, size_t len)
{
	int nr = threads + invalidators;
	const struct fl_run_ctx init = {
		.wl = cfg->wl,
		.params = cfg->params,
		.opts = cfg->opts,
		.topo = cfg->topo,
		.dir = cfg->dir,
		.nr_actors = nr,
		.nr_faulters = threads,
		.nr_invalidators = invalidators,
		.baseline = !invalidators && cfg->invalidators,
		.repeat = repeat,
		.latency = cfg->opts->latency,
		.page_size = (uint64_t)sysconf(_SC_PAGESIZE),
		.phase = FL_PHASE_SETUP,
	};
	struct fl_start_gate local_gate;
	struct fl_run_ctx *run = run_ctx_new(&init, &local_gate);
	struct crew crew = { .run = run };
	struct fl_slot *slots = NULL;
	bool measured = false;
	int started = 0, ret;

	rr->repeat = repeat;
	rr->threads = threads;
	rr->nr_actors = nr;
	rr->baseline = init.baseline;
	rr->duration_s = cfg->opts->duration_s;
	slots = calloc((size_t)nr, sizeof(*slots));
	crew.tids = calloc((size_t)nr, sizeof(*crew.tids));
	rr->actors = calloc((size_t)nr, sizeof(*rr->actors));
	if (!run || !run_ctx_complete(run) || !slots || !crew.tids || !rr->actors ||
	    (processes(run) && fl_procs_init(&crew.procs, nr))) {
		ret = -ENOMEM;
		fl_set_err(err, len, "run with %d threads: out of memory", threads);
		goto out_free;
	}
	/* Invalidators are placed after the faulters, by the same policy. */
	ret = fl_plan(cfg->topo, &cfg->opts->placement, nr, slots, err, len);
	if (ret)
		goto out_free;
	ret = collect_nodes(cfg->topo, rr);
	if (ret) {
		fl_set_err(err, len, "node list: %s", strerror(-ret));
		goto out_free;
	}
	if (cfg->wl->setup) {
		ret = cfg->wl->setup(run, err, len);
		if (ret)
			goto out_free;
	}
	for (int i = 0; i < nr; i++) {
		struct fl_actor *a = &run->actors[i];

		a->id = i;
		a->role = i < threads ? FL_ROLE_FAULTER : FL_ROLE_INVALIDATOR;
		a->run = run;
		a->slot = slots[i];
		a->counter.fd = a->counter.fd_major = -1;
		/* Distinct, reproducible per actor and repetition. */
		a->seed = 0x9e3779b97f4a7c15ull * (uint64_t)(i + 1) ^
			  (uint64_t)repeat << 32;
		ret = crew_start(&crew, i, cfg->collect, err, len);
		if (ret)
			break;
		started++;
	}
	if (started < nr) {
		/* Let the started ones through the gate straight into STOP. */
		__atomic_store_n(&run->phase, FL_PHASE_STOP, __ATOMIC_RELEASE);
		gate_open_when_ready(&crew, run->gate, started);
		crew_join(&crew, started);
		goto out_teardown;
	}

	/* Actors that failed to initialise have already set STOP. */
	__atomic_compare_exchange_n(&run->phase, &(int){ FL_PHASE_SETUP },
				    FL_PHASE_WARMUP, false, __ATOMIC_ACQ_REL,
				    __ATOMIC_ACQUIRE);
	gate_open_when_ready(&crew, run->gate, nr);
	if (run_phase(&crew, cfg, "warm-up", cfg->opts->warmup_s, idx, total,
		      stop_sig)) {
		uint64_t ns0, ticks0;

		read_vmstats(rr, false);
		fl_collect_start(cfg->collect);
		ns0 = fl_mono_ns();
		ticks0 = fl_clock_ticks();
		__atomic_store_n(&run->phase, FL_PHASE_MEASURE, __ATOMIC_RELEASE);
		if (!run_phase(&crew, cfg, "measuring", cfg->opts->duration_s, idx,
			       total, stop_sig))
			rr->interrupted = *stop_sig != 0;
		/* The window itself recalibrates the clock: a drift shows here. */
		rr->tick_ns = (double)(fl_mono_ns() - ns0) /
			      (double)(fl_clock_ticks() - ticks0);
		read_vmstats(rr, true);
		measured = true;
	}
	__atomic_store_n(&run->phase, FL_PHASE_STOP, __ATOMIC_RELEASE);
	crew_join(&crew, nr);
	/*
	 * Actors end their windows when they see STOP: the collectors stop
	 * after that, so both count the same faults (the collectors also the
	 * few of the actors' exit).
	 */
	if (measured) {
		fl_collect_stop(cfg->collect);
		rr->collected = fl_collect_read(cfg->collect);
	}
	if (cfg->opts->progress && isatty(STDERR_FILENO))
		fprintf(stderr, "\r\033[K");

	ret = 0;
	for (int i = 0; i < nr; i++) {
		if (run->actors[i].error) {
			ret = run->actors[i].error;
			fl_set_err(err, len, "%s", run->actors[i].errmsg[0] ?
				   run->actors[i].errmsg : strerror(-ret));
			break;
		}
	}
	if (!res->faults_unavailable[0] && run->faults_unavailable[0])
		snprintf(res->faults_unavailable, sizeof(res->faults_unavailable),
			 "%s", run->faults_unavailable);
	harvest(run, rr);
	if (cfg->wl->integrity) {
		json_int_t bad;

		rr->integrity = cfg->wl->integrity(run);
		bad = json_integer_value(json_object_get(rr->integrity, "violations"));
		if (bad && !ret) {
			ret = -EFAULT;
			fl_set_err(err, len, "%lld integrity violation%s with %d threads%s (see runs[].integrity.details)",
				   (long long)bad, bad == 1 ? "" : "s", threads,
				   invalidators ? "" : " (baseline)");
		}
	}
out_teardown:
	if (cfg->wl->teardown)
		cfg->wl->teardown(run);
out_free:
	if (run && processes(run))
		fl_procs_free(&crew.procs);
	run_ctx_free(run);
	free(crew.tids);
	free(slots);
	return ret;
}

int fl_runner_execute(const struct fl_runner_cfg *cfg_in, struct fl_result *res)
{
	struct fl_runner_cfg copy = *cfg_in, *cfg = &copy;
	double rate = 0;
	int passes, max;
	int counts[FL_THREADS_LIMIT];
	int nr_counts, total, idx = 0, stop_sig = 0, ret = 0;
	char err[FL_ERR_LEN] = "";
	sigset_t set, old;

	cfg->invalidators = cfg->wl->invalidators ?
			    cfg->wl->invalidators(cfg->params, &rate,
						  &res->invalidator_kind) : 0;
	res->inval_rate = cfg->invalidators ? rate : 0;
	/* "max" faulters leave a PU to each invalidator: none shares a CPU. */
	max = fl_topology_nr_pus(cfg->topo) - cfg->invalidators;
	nr_counts = fl_threads_expand(&cfg->opts->threads, max > 0 ? max : 1,
				      counts, (int)ARRAY_SIZE(counts));
	if (nr_counts <= 0) {
		fl_set_err(res->error, sizeof(res->error),
			   "--threads: no thread count in range on this machine (%d PUs)",
			   fl_topology_nr_pus(cfg->topo));
		res->status = FL_STATUS_FAILED;
		return res->exit_code = FL_EXIT_USAGE;
	}
	/* With invalidators, each run is preceded by its baseline. */
	passes = cfg->invalidators && cfg->opts->baseline ? 2 : 1;
	total = nr_counts * (int)cfg->opts->repeat * passes;
	res->runs = calloc((size_t)total, sizeof(*res->runs));
	if (!res->runs) {
		fl_set_err(res->error, sizeof(res->error), "out of memory");
		res->status = FL_STATUS_FAILED;
		return res->exit_code = FL_EXIT_RESOURCE;
	}
	res->fault_source = cfg->opts->fault_counter;
	fl_sigbus_install();
	fl_stop_signals(&set);
	pthread_sigmask(SIG_BLOCK, &set, &old);
	/* A signal before the first run: no run starts. */
	wait_for_stop(0, &stop_sig);

	/* Repetitions outermost, so slow drift touches every count alike. */
	for (int r = 0; r < (int)cfg->opts->repeat && !ret && !stop_sig; r++) {
		for (int k = 0; k < nr_counts * passes && !ret && !stop_sig; k++) {
			struct fl_run_result *rr = &res->runs[res->nr_runs];
			bool baseline = passes == 2 && k % 2 == 0;

			idx++;
			ret = run_once(cfg, counts[k / passes],
				       baseline ? 0 : cfg->invalidators, r, idx,
				       total, rr, res, &stop_sig, err, sizeof(err));
			/* Keep runs that measured something, even if cut short. */
			if (rr->vm_end.nr)
				res->nr_runs++;
			else
				fl_run_result_release(rr);
			if (!stop_sig)
				wait_for_stop(0, &stop_sig);
		}
	}
	pthread_sigmask(SIG_SETMASK, &old, NULL);

	if (ret) {
		snprintf(res->error, sizeof(res->error), "%s", err);
		res->status = FL_STATUS_FAILED;
		res->exit_code = ret == -EFAULT ? FL_EXIT_CHECK :
				 fl_exit_for_errno(ret);
	} else if (stop_sig) {
		snprintf(res->error, sizeof(res->error),
			 "interrupted by %s after %d of %d runs",
			 strsignal(stop_sig), res->nr_runs, total);
		res->status = FL_STATUS_INTERRUPTED;
		res->exit_code = FL_EXIT_INTERRUPTED;
	} else {
		res->status = FL_STATUS_OK;
		res->exit_code = FL_EXIT_OK;
	}
	return res->exit_code;
}
