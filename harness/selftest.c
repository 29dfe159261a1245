// SPDX-License-Identifier: GPL-2.0
/*
 * `faultline selftest`: a benchmark of the suite itself, not a test. It
 * measures what one histogram record and one timestamp cost, and the fault
 * rate of will-it-scale's page_fault1/2/3 loops three ways, interleaved in
 * rounds so drift hits all alike:
 *   plain    a bare loop written here the way will-it-scale writes it;
 *   untimed  the fault workload through the runner with --no-latency;
 *   timed    the fault workload with every touch timed and recorded.
 *   perf     untimed, but counting faults with perf software counters;
 *   bpf      untimed, with every BPF collector that works here attached.
 * timed/untimed is the instrumentation overhead; untimed/plain is the cost
 * of the harness itself; perf/untimed is what perf counters would cost;
 * bpf/untimed is what the kernel-side collectors cost.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "clock.h"
#include "commands.h"
#include "faultline.h"
#include "hist.h"
#include "result.h"
#include "runner.h"
#include "testdir.h"

struct selftest_opts {
	double duration_s;
	uint64_t rounds;
	uint64_t size;
	const char *dir;
};

static const struct fl_option selftest_options[] = {
	{ .name = "duration", .type = FL_OPT_DOUBLE,
	  .offset = offsetof(struct selftest_opts, duration_s), .def = "2",
	  .arg = "SECONDS", .help = "length of each measurement", .min = 0.2, .max = 600 },
	{ .name = "rounds", .type = FL_OPT_UINT,
	  .offset = offsetof(struct selftest_opts, rounds), .def = "3",
	  .help = "interleaved rounds; medians are reported", .min = 1, .max = 100 },
	{ .name = "size", .type = FL_OPT_SIZE,
	  .offset = offsetof(struct selftest_opts, size), .def = "128M",
	  .help = "bytes mapped per pass (will-it-scale: 128M)", .min = 1 << 20,
	  .max = 1ull << 40 },
	{ .name = "dir", .type = FL_OPT_STR,
	  .offset = offsetof(struct selftest_opts, dir), .arg = "PATH",
	  .help = "directory for the file modes (default: a fresh one in /tmp, as will-it-scale)" },
	{ 0 }
};

static const struct {
	const char *name;
	const char *map;
	int flags;		/* for the plain loop */
} modes[] = {
	{ "page_fault1", "anon", MAP_PRIVATE | MAP_ANONYMOUS },
	{ "page_fault2", "private", MAP_PRIVATE },
	{ "page_fault3", "shared", MAP_SHARED },
};

static double ns_per_call_hist(void)
{
	struct fl_hist *h;
	uint64_t x = 88172645463325252ull, t0, t1, n = 50000000;

	if (fl_hist_init(&h))
		return NAN;
	t0 = fl_mono_ns();
	for (uint64_t i = 0; i < n; i++) {
		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
		/* Log-spread values, like latencies from ns to ms. */
		fl_hist_record(h, (x & 0xffff) << (x >> 60));
	}
	t1 = fl_mono_ns();
	/* Keep the loop from being optimised away. */
	if (h->total != n)
		fl_warn("selftest: histogram lost records");
	fl_hist_free(h);
	return (double)(t1 - t0) / (double)n;
}

static double ns_per_call_clock(void)
{
	uint64_t t0, t1, n = 20000000, sink = 0;

	t0 = fl_mono_ns();
	for (uint64_t i = 0; i < n; i++)
		sink += fl_clock_ticks();
	t1 = fl_mono_ns();
	__asm__ volatile("" : : "r"(sink));
	return (double)(t1 - t0) / (double)n;
}

/* The bare loop, will-it-scale style: a counter the main thread samples. */
struct plain {
	int flags, fd;
	size_t size;
	const struct fl_topology *topo;
	struct fl_slot slot;
	volatile int stop;
	volatile uint64_t ops __attribute__((aligned(64)));
};

static void *plain_loop(void *arg)
{
	struct plain *p = arg;
	long page = sysconf(_SC_PAGESIZE);
	char err[FL_ERR_LEN];

	fl_bind_self(p->topo, &p->slot, err, sizeof(err));
	while (!p->stop) {
		char *c = mmap(NULL, p->size, PROT_READ | PROT_WRITE, p->flags,
			       p->fd, 0);

		if (c == MAP_FAILED)
			return NULL;
		for (size_t i = 0; i < p->size; i += (size_t)page) {
			c[i] = 0;
			p->ops++;
		}
		munmap(c, p->size);
	}
	return NULL;
}

static double run_plain(struct plain *p, double seconds)
{
	pthread_t tid;
	uint64_t c0, c1, t0, t1;

	p->stop = 0;
	p->ops = 0;
	if (pthread_create(&tid, NULL, plain_loop, p))
		return NAN;
	usleep(500000);		/* the same warm-up the runner gets */
	c0 = p->ops;
	t0 = fl_mono_ns();
	usleep((useconds_t)(seconds * 1e6));
	c1 = p->ops;
	t1 = fl_mono_ns();
	p->stop = 1;
	pthread_join(tid, NULL);
	return (double)(c1 - c0) * 1e9 / (double)(t1 - t0);
}

static double run_workload(const struct fl_topology *topo, const char *dir,
			   const char *map, bool timed, int fault_counter,
			   struct fl_collect_set *collect, double seconds, uint64_t size)
{
	const struct workload *wl = fl_workload_find("fault");
	char size_text[32], err[FL_ERR_LEN];
	char *argv[] = { "--map", (char *)map, "--access", "write",
			 "--size", size_text };
	struct fl_run_opts opts;
	struct fl_result res = { 0 };
	void *params = calloc(1, wl->params_size);
	struct fl_opt_set sets[] = { { fl_run_options, &opts }, { wl->options, params } };
	double rate = NAN;

	snprintf(size_text, sizeof(size_text), "%llu", (unsigned long long)size);
	if (!params || fl_opt_defaults(sets, 2, err, sizeof(err)) ||
	    fl_opt_parse(sets, 2, (int)ARRAY_SIZE(argv), argv, err, sizeof(err))) {
		free(params);
		return NAN;
	}
	opts.duration_s = seconds;
	opts.warmup_s = 0.5;
	opts.latency = timed;
	opts.fault_counter = fault_counter;
	opts.progress = false;
	struct fl_runner_cfg cfg = {
		.wl = wl, .params = params, .opts = &opts, .topo = topo,
		.dir = dir, .label = "selftest", .collect = collect,
	};
	if (fl_runner_execute(&cfg, &res) == FL_EXIT_OK && res.nr_runs == 1)
		rate = (double)res.runs[0].actors[0].ops / res.runs[0].actors[0].window_s;
	else
		fl_err("selftest: %s", res.error);
	fl_result_free(&res);
	free(params);
	return rate;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

static double median(double *v, int n)
{
	qsort(v, (size_t)n, sizeof(*v), cmp_double);
	return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

/* " median (min-max)" of @n rates, in thousands, 22 columns wide. */
static void print_rates(double *v, int n)
{
	char buf[64];
	double med = median(v, n);	/* sorts @v: min and max are at the ends */

	snprintf(buf, sizeof(buf), "%.0fk (%.0fk-%.0fk)", med / 1e3, v[0] / 1e3,
		 v[n - 1] / 1e3);
	printf(" %-22s", buf);
}

/* Which collectors the bpf column has, from an empty window's status. */
static void print_collectors(struct fl_collect_set *collect)
{
	json_t *doc = fl_collect_read(collect), *c;
	const char *name;

	printf("bpf collectors:\n");
	json_object_foreach(json_object_get(doc, "collectors"), name, c)
		printf("  %-9s %s\n", name,
		       json_string_value(json_object_get(c, "status")) ?: "?");
	printf("\n");
	json_decref(doc);
}

int cmd_selftest(int argc, char **argv)
{
	struct selftest_opts opts;
	struct fl_opt_set set = { selftest_options, &opts };
	struct fl_topology *topo;
	struct fl_testdir td;
	struct fl_slot slot;
	struct fl_placement spread = { .policy = FL_PLACE_SPREAD };
	struct fl_collect_set *collect;
	char err[FL_ERR_LEN];
	int ret;

	ret = fl_opt_defaults(&set, 1, err, sizeof(err));
	if (!ret)
		ret = fl_opt_parse(&set, 1, argc - 1, argv + 1, err, sizeof(err));
	if (ret == 1) {
		printf("usage: faultline selftest [options]\n\n"
		       "Benchmark the suite's own cost (not a test: it prints figures).\n\n");
		fl_opt_help(stdout, selftest_options);
		return FL_EXIT_OK;
	}
	if (ret) {
		fl_err("selftest: %s", err);
		return FL_EXIT_USAGE;
	}
	if (fl_topology_load(&topo, err, sizeof(err))) {
		fl_err("selftest: topology: %s", err);
		return FL_EXIT_RESOURCE;
	}
	if (fl_plan(topo, &spread, 1, &slot, err, sizeof(err)) ||
	    fl_testdir_prepare(&td, opts.dir, err, sizeof(err))) {
		fl_err("selftest: %s", err);
		fl_topology_free(topo);
		return FL_EXIT_USAGE;
	}
	fl_clock_init();
	collect = fl_collect_prepare(FL_COLLECT_ALL, &(struct fl_collect_env){
					     .tgid = getpid() });

	printf("clock: %s", fl_clock.source);
	if (fl_clock.tsc)
		printf(" at %.3f GHz", fl_clock.tsc_hz / 1e9);
	printf("\nhistogram record:   %6.2f ns\n", ns_per_call_hist());
	printf("timestamp:          %6.2f ns\n\n", ns_per_call_clock());
	printf("1 thread on PU %d, %llu MiB per pass, %llu rounds of %.1f s, medians:\n",
	       slot.pu, (unsigned long long)(opts.size >> 20),
	       (unsigned long long)opts.rounds, opts.duration_s);
	print_collectors(collect);
	printf("%-12s %-22s %-22s %-22s %-22s %-22s %6s %6s %6s %6s %6s\n", "mode",
	       "plain ops/s", "untimed ops/s", "timed ops/s", "perf ops/s",
	       "bpf ops/s", "t/u", "t/p", "u/p", "perf/u", "bpf/u");

	for (size_t m = 0; m < ARRAY_SIZE(modes); m++) {
		double plain[100], untimed[100], timed[100], perf[100], bpf[100];
		double tu[100], tp[100], up[100], pu[100], bu[100];
		int n = (int)opts.rounds;
		struct plain p = {
			.flags = modes[m].flags, .fd = -1, .size = opts.size,
			.topo = topo, .slot = slot,
		};

		if (!(modes[m].flags & MAP_ANONYMOUS)) {
			char path[PATH_MAX + 32];

			snprintf(path, sizeof(path), "%s/faultline-selftest-%d",
				 td.path, (int)getpid());
			p.fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0600);
			if (p.fd < 0 || ftruncate(p.fd, (off_t)opts.size)) {
				fl_err("selftest: %s: %s", path, strerror(errno));
				break;
			}
			unlink(path);
		}
		for (int r = 0; r < n; r++) {
			plain[r] = run_plain(&p, opts.duration_s);
			untimed[r] = run_workload(topo, td.path, modes[m].map, false,
						  FL_FAULTS_RUSAGE, NULL,
						  opts.duration_s, opts.size);
			timed[r] = run_workload(topo, td.path, modes[m].map, true,
						FL_FAULTS_RUSAGE, NULL,
						opts.duration_s, opts.size);
			perf[r] = run_workload(topo, td.path, modes[m].map, false,
					       FL_FAULTS_PERF, NULL,
					       opts.duration_s, opts.size);
			bpf[r] = run_workload(topo, td.path, modes[m].map, false,
					      FL_FAULTS_RUSAGE, collect,
					      opts.duration_s, opts.size);
		}
		if (p.fd >= 0)
			close(p.fd);
		/* Ratios within a round first: pairs cancel slow drift. */
		for (int r = 0; r < n; r++) {
			tu[r] = timed[r] / untimed[r];
			tp[r] = timed[r] / plain[r];
			up[r] = untimed[r] / plain[r];
			pu[r] = perf[r] / untimed[r];
			bu[r] = bpf[r] / untimed[r];
		}
		printf("%-12s", modes[m].name);
		print_rates(plain, n);
		print_rates(untimed, n);
		print_rates(timed, n);
		print_rates(perf, n);
		print_rates(bpf, n);
		printf(" %6.3f %6.3f %6.3f %6.3f %6.3f\n", median(tu, n), median(tp, n),
		       median(up, n), median(pu, n), median(bu, n));
		fflush(stdout);
	}
	printf("\nt/u: timed/untimed (the cost of timing every touch); t/p: timed/plain\n"
	       "(the workload against a bare will-it-scale loop); u/p: untimed/plain\n"
	       "(the harness); perf/u: perf fault counters instead of rusage; bpf/u:\n"
	       "the BPF collectors listed above attached. Each is the median of\n"
	       "per-round ratios. Rates: median (min-max).\n");
	fl_collect_finish(collect);
	fl_testdir_cleanup(&td);
	fl_topology_free(topo);
	return FL_EXIT_OK;
}
