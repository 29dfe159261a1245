// SPDX-License-Identifier: GPL-2.0
/*
 * `faultline hog --share S`: one thread pinned on every CPU this process
 * may use, each taking S of its CPU in every period (it spins for S x
 * period, then sleeps to the next period). Beside
 * a faultline run it takes S of every CPU from the faulters: a known
 * slowdown, for the nightly's sensitivity benchmark. A cgroup cpu.max
 * limit would slow 1-thread runs by S but 2-thread runs far more.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "base/faultline.h"
#include "base/option.h"
#include "base/stop.h"
#include "cli/commands.h"

struct hog_opts {
	double share, period_ms, duration;
};

#define HOG_OPT(f) offsetof(struct hog_opts, f)

static const struct fl_option hog_options[] = {
	{ .name = "share", .type = FL_OPT_DOUBLE, .offset = HOG_OPT(share), .def = "0.1",
	  .arg = "S", .min = 0.01, .max = 0.99, .help = "share of every CPU to take" },
	{ .name = "period", .type = FL_OPT_DOUBLE, .offset = HOG_OPT(period_ms),
	  .def = "10", .arg = "MS", .min = 1, .max = 1000,
	  .help = "period of the duty cycle, in milliseconds" },
	{ .name = "duration", .type = FL_OPT_DOUBLE, .offset = HOG_OPT(duration),
	  .def = "0", .arg = "SECONDS", .min = 0, .max = 1e6,
	  .help = "stop after this long (0: when signalled)" },
	{ 0 }
};

static atomic_bool stop;

struct hog {
	pthread_t thread;
	int cpu;
	const struct hog_opts *o;
};

static double ns_of(clockid_t clock)
{
	struct timespec t;

	clock_gettime(clock, &t);
	return t.tv_sec * 1e9 + t.tv_nsec;
}

/*
 * Spin for share x period, sleep out the period. The spin reads the vDSO
 * clock: a clock that enters the kernel (the thread's CPU time) would make
 * the hog a stream of syscalls that costs its neighbours far more than its
 * share (a 10% hog took 26% from a faulter that way, measured here). A
 * hog just woken from sleep preempts and keeps its CPU for the spin, so
 * its wall time is its CPU time.
 */
static void *hog_thread(void *arg)
{
	struct hog *h = arg;
	double period = h->o->period_ms * 1e6, busy = h->o->share * period;
	struct timespec next;
	cpu_set_t set;

	CPU_ZERO(&set);
	CPU_SET(h->cpu, &set);
	pthread_setaffinity_np(pthread_self(), sizeof(set), &set);
	clock_gettime(CLOCK_MONOTONIC, &next);
	while (!atomic_load(&stop)) {
		double until = ns_of(CLOCK_MONOTONIC) + busy;

		while (ns_of(CLOCK_MONOTONIC) < until && !atomic_load(&stop))
			;
		next.tv_nsec += (long)period;
		while (next.tv_nsec >= 1000000000) {
			next.tv_nsec -= 1000000000;
			next.tv_sec++;
		}
		clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &next, NULL);
	}
	return NULL;
}

int cmd_hog(int argc, char **argv)
{
	struct hog_opts o;
	struct fl_opt_set set = { hog_options, &o };
	struct hog *hogs;
	char err[FL_ERR_LEN];
	cpu_set_t cpus;
	int nr = 0, ret;

	if (fl_opt_defaults(&set, 1, err, sizeof(err)))
		goto usage;
	ret = fl_opt_parse(&set, 1, argc - 1, argv + 1, err, sizeof(err));
	if (ret == 1) {
		printf("usage: faultline hog [--share S] [--period MS] [--duration SECONDS]\n\n"
		       "Take S of every CPU this process may use (one pinned thread each,\n"
		       "a duty cycle per period) until signalled or --duration ends: a known\n"
		       "slowdown of whatever else runs there.\n\nOptions:\n");
		fl_opt_help(stdout, hog_options);
		return FL_EXIT_OK;
	}
	if (ret)
		goto usage;
	if (sched_getaffinity(0, sizeof(cpus), &cpus)) {
		fl_err("hog: sched_getaffinity: %s", strerror(errno));
		return FL_EXIT_RESOURCE;
	}
	hogs = calloc(CPU_SETSIZE, sizeof(*hogs));
	if (!hogs) {
		fl_err("hog: out of memory");
		return FL_EXIT_RESOURCE;
	}
	for (int cpu = 0; cpu < CPU_SETSIZE; cpu++) {
		if (!CPU_ISSET(cpu, &cpus))
			continue;
		hogs[nr] = (struct hog){ .cpu = cpu, .o = &o };
		if (pthread_create(&hogs[nr].thread, NULL, hog_thread, &hogs[nr])) {
			fl_err("hog: thread for CPU %d: cannot create", cpu);
			atomic_store(&stop, true);
			break;
		}
		nr++;
	}
	fprintf(stderr, "faultline: hog: %.0f%% of %d CPUs, period %g ms\n",
		o.share * 100, nr, o.period_ms);
	for (double end = ns_of(CLOCK_MONOTONIC) + o.duration * 1e9;
	     !atomic_load(&stop) && !fl_stop_signal && (!o.duration || ns_of(CLOCK_MONOTONIC) < end);)
		usleep(10000);
	atomic_store(&stop, true);
	for (int i = 0; i < nr; i++)
		pthread_join(hogs[i].thread, NULL);
	free(hogs);
	return FL_EXIT_OK;
usage:
	fl_err("hog: %s", err);
	return FL_EXIT_USAGE;
}
