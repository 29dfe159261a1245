// SPDX-License-Identifier: GPL-2.0
/*
 * `faultline selftest`: a benchmark of the suite itself, not a test.
 *
 * It holds the fault workload in will-it-scale's page_fault1/2/3 modes
 * against faultline-bare, will-it-scale's loop alone, at each thread
 * count. Every measurement is its own process (faultline-bare, or
 * `faultline run fault ... --out FILE`), and the programs take turns in
 * rounds, so that drift of a shared machine hits them alike; a ratio is
 * taken within a round, and the table shows the median of those ratios.
 * The variants of `run` show what latency recording, the BPF collectors
 * and perf fault counters cost. In-process figures first: what one
 * histogram record and one timestamp cost.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/clock.h"
#include "base/faultline.h"
#include "base/format.h"
#include "base/hist.h"
#include "base/option.h"
#include "base/rand.h"
#include "base/stats.h"
#include "base/testdir.h"
#include "base/thread_list.h"
#include "base/validity.h"
#include "cli/commands.h"
#include "cli/selftest.h"
#include "run/placement.h"

struct selftest_opts {
	double duration_s;
	double warmup_s;
	uint64_t rounds;
	uint64_t size;
	struct fl_thread_spec threads;
	int mode;		/* index into modes[], or ARRAY_SIZE: all */
	const char *dir;
};

static const struct {
	const char *name;
	const char *map;
} modes[] = {
	{ "page_fault1", "anon" },
	{ "page_fault2", "private" },
	{ "page_fault3", "shared" },
};

static const char *const mode_choices[] = {
	"page_fault1", "page_fault2", "page_fault3", "all", NULL
};

/*
 * The programs of a round. The first is the yardstick; `run` alone is
 * what a user gets (latency on, default collectors).
 */
static const struct {
	const char *label;
	const char *extra;	/* one more `run` option, or NULL */
} variants[] = {
	{ "bare", NULL },
	{ "run", NULL },
	{ "run --no-latency", "--no-latency" },
	{ "run --collect all", "--collect=all" },
	{ "run --fault-counter perf", "--fault-counter=perf" },
};

#define NR_VARIANTS ((int)ARRAY_SIZE(variants))
#define MAX_ROUNDS 100
/*
 * bare's threads had less of their PUs' time than this: other work ran
 * there, and the ratios say more about it than about faultline.
 */
#define MIN_CPU_SHARE 0.9

static const struct fl_option selftest_options[] = {
	{ .name = "duration", .type = FL_OPT_DOUBLE,
	  .offset = offsetof(struct selftest_opts, duration_s), .def = "2",
	  .arg = "SECONDS", .help = "timed window of each measurement", .min = 0.1, .max = 600 },
	{ .name = "warmup", .type = FL_OPT_DOUBLE,
	  .offset = offsetof(struct selftest_opts, warmup_s), .def = "1",
	  .arg = "SECONDS", .help = "untimed run before each window (as `faultline run`)",
	  .min = 0, .max = 600 },
	{ .name = "rounds", .type = FL_OPT_UINT,
	  .offset = offsetof(struct selftest_opts, rounds), .def = "5",
	  .help = "rounds, each program once per round; medians are reported",
	  .min = 1, .max = MAX_ROUNDS },
	{ .name = "threads", .type = FL_OPT_CUSTOM,
	  .offset = offsetof(struct selftest_opts, threads), .def = "scale",
	  .arg = "LIST", .help = "thread counts, as `faultline run --threads`",
	  .parse = fl_threads_parse, .format = fl_threads_format },
	{ .name = "mode", .type = FL_OPT_ENUM,
	  .offset = offsetof(struct selftest_opts, mode), .def = "all",
	  .choices = mode_choices, .help = "which will-it-scale loop" },
	{ .name = "size", .type = FL_OPT_SIZE,
	  .offset = offsetof(struct selftest_opts, size), .def = "128M",
	  .help = "bytes mapped per pass (will-it-scale: 128M)", .min = 1 << 20,
	  .max = 1ull << 40 },
	{ .name = "dir", .type = FL_OPT_STR,
	  .offset = offsetof(struct selftest_opts, dir), .arg = "PATH",
	  .help = "directory for the file modes (default: a fresh one in /tmp, as will-it-scale)" },
	{ 0 }
};

static double ns_per_call_hist(void)
{
	struct fl_hist *h;
	uint64_t x = 88172645463325252ull, t0, t1, n = 50000000;

	if (fl_hist_init(&h))
		return NAN;
	t0 = fl_mono_ns();
	for (uint64_t i = 0; i < n; i++) {
		fl_rand(&x);
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

/* One cell of the table: a program's rates and ratios over the rounds. */
struct cell {
	double rate[MAX_ROUNDS];	/* NAN: failed or untrustworthy */
	double cpu[MAX_ROUNDS];		/* bare: its threads' CPU share */
	int untrustworthy;
	char why[64];			/* the first untrustworthy reason code */
	json_t *collectors;		/* the last run's kernel.collectors */
};

/*
 * Run variant @v once for @mode at @threads into @c's round @r. A failed
 * program is reported and leaves NAN; so does an untrustworthy run, which
 * is counted instead of averaged. Returns an exit code: the program's
 * when it failed, FL_EXIT_UNTRUSTWORTHY, or FL_EXIT_OK.
 */
static int measure(const struct fl_selftest_env *env,
		   const struct selftest_opts *o, int mode, int threads,
		   int v, int r, struct cell *c)
{
	char threads_text[16], dur[32], warm[32], size[32], err[FL_ERR_LEN];
	struct fl_selftest_prog p = { .bare = v == 0 };
	int ret;

	snprintf(threads_text, sizeof(threads_text), "%d", threads);
	snprintf(dur, sizeof(dur), "%g", o->duration_s);
	snprintf(warm, sizeof(warm), "%g", o->warmup_s);
	snprintf(size, sizeof(size), "%llu", (unsigned long long)o->size);
	p.map = modes[mode].map;
	p.threads = threads_text;
	p.duration = dur;
	p.warmup = warm;
	p.size = size;
	p.extra = variants[v].extra;
	ret = fl_selftest_spawn(env, &p, err, sizeof(err));
	c->rate[r] = NAN;
	c->cpu[r] = NAN;
	if (p.collectors) {
		json_decref(c->collectors);
		c->collectors = p.collectors;
	}
	if (ret) {
		fl_err("selftest: %s %s, %d threads, round %d: %s",
		       modes[mode].name, variants[v].label, threads, r + 1, err);
		return p.exit_code > 0 ? p.exit_code : fl_exit_for_errno(ret);
	}
	if (!p.trustworthy) {
		c->untrustworthy++;
		if (!c->why[0])
			snprintf(c->why, sizeof(c->why), "%s", p.why);
		return FL_EXIT_UNTRUSTWORTHY;
	}
	c->rate[r] = p.ops_per_sec;
	c->cpu[r] = p.cpu_share;
	return FL_EXIT_OK;
}

/* "median (min-max)" of the finite values of @v[0..n), through @fmt. */
static void fmt_spread(char *buf, size_t len, const double *v, int n,
		       void (*fmt)(char *, size_t, double))
{
	double s[MAX_ROUNDS], lo = INFINITY, hi = -INFINITY, med;
	char a[32], b[32], m[32];

	memcpy(s, v, (size_t)n * sizeof(*v));
	med = fl_stats_median(s, n);
	if (!isfinite(med)) {
		snprintf(buf, len, "-");
		return;
	}
	for (int i = 0; i < n; i++) {
		if (!isfinite(v[i]))
			continue;
		lo = fmin(lo, v[i]);
		hi = fmax(hi, v[i]);
	}
	fmt(m, sizeof(m), med);
	fmt(a, sizeof(a), lo);
	fmt(b, sizeof(b), hi);
	snprintf(buf, len, "%s (%s-%s)", m, a, b);
}

static void fmt_ratio(char *buf, size_t len, double v)
{
	snprintf(buf, len, "%.3f", v);
}

static void fmt_percent(char *buf, size_t len, double v)
{
	snprintf(buf, len, "%.0f%%", v * 100);
}

/*
 * The rows of one mode and thread count: every program against bare, and
 * on bare's row the share of its PUs its threads had. Returns
 * FL_EXIT_UNTRUSTWORTHY when that share says the machine was busy.
 */
static int print_rows(int mode, int threads, struct cell *cells, int n)
{
	double cpu[MAX_ROUNDS], share;
	int code = FL_EXIT_OK;

	memcpy(cpu, cells[0].cpu, (size_t)n * sizeof(*cpu));
	share = fl_stats_median(cpu, n);
	for (int v = 0; v < NR_VARIANTS; v++) {
		double ratio[MAX_ROUNDS];
		char rate[128], rel[128];

		fmt_spread(rate, sizeof(rate), cells[v].rate, n, fl_fmt_rate);
		/* Ratios within a round first: pairs cancel slow drift. */
		for (int r = 0; r < n; r++)
			ratio[r] = cells[v].rate[r] / cells[0].rate[r];
		fmt_spread(rel, sizeof(rel), ratio, n, fmt_ratio);
		printf("%-12s %7d  %-26s %-26s ", modes[mode].name, threads,
		       variants[v].label, rate);
		if (v) {
			printf("%s", rel);
		} else {
			fmt_spread(rel, sizeof(rel), cells[0].cpu, n, fmt_percent);
			printf("cpu %s", rel);
		}
		if (cells[v].untrustworthy)
			printf("  (%d untrustworthy: %s)", cells[v].untrustworthy,
			       cells[v].why);
		if (!v && share < MIN_CPU_SHARE) {
			printf("  busy machine: ratios unreliable");
			code = FL_EXIT_UNTRUSTWORTHY;
		}
		printf("\n");
	}
	fflush(stdout);
	return code;
}

/* What each variant's collectors did, from its last run. */
static void print_collectors(struct cell *cells)
{
	for (int v = 0; v < NR_VARIANTS; v++) {
		const char *name, *status;
		json_t *c;

		if (!cells[v].collectors)
			continue;
		printf("collectors of %s:", variants[v].label);
		json_object_foreach(cells[v].collectors, name, c) {
			int len;

			status = json_string_value(json_object_get(c, "status")) ?: "?";
			/* The word before the reason: ok, partial, unavailable, off. */
			len = (int)strcspn(status, ":( ");
			printf(" %s %.*s;", name, len, status);
		}
		printf("\n");
	}
}

/* Forget the collectors of the last cells. */
static void clear_cells(struct cell *cells)
{
	for (int v = 0; v < NR_VARIANTS; v++)
		json_decref(cells[v].collectors);
	memset(cells, 0, NR_VARIANTS * sizeof(*cells));
}

/* Usage and argument errors; 0 to go on, else the exit code. */
static int parse_args(int argc, char **argv, struct selftest_opts *o)
{
	struct fl_opt_set set = { selftest_options, o };
	char err[FL_ERR_LEN];
	int ret;

	ret = fl_opt_defaults(&set, 1, err, sizeof(err));
	if (!ret)
		ret = fl_opt_parse(&set, 1, argc - 1, argv + 1, err, sizeof(err));
	if (ret == 1) {
		printf("usage: faultline selftest [options]\n\n"
		       "Benchmark the suite's own cost (not a test: it prints figures):\n"
		       "`faultline run fault` in will-it-scale's page_fault1/2/3 modes against\n"
		       "faultline-bare, will-it-scale's loop alone, each its own process,\n"
		       "interleaved in rounds.\n\n");
		fl_opt_help(stdout, selftest_options);
		return -1;
	}
	if (ret) {
		fl_err("selftest: %s", err);
		return FL_EXIT_USAGE;
	}
	return 0;
}

int cmd_selftest(int argc, char **argv)
{
	struct selftest_opts o = { .dir = NULL };
	struct fl_selftest_env env = { 0 };
	struct fl_topology *topo = NULL;
	struct fl_testdir td = { .created = false };
	int counts[FL_THREADS_LIMIT], nr_counts = 0, nr_modes, first_mode;
	struct cell *cells = NULL;
	char err[FL_ERR_LEN];
	int ret, code = FL_EXIT_USAGE, worst = FL_EXIT_OK;

	ret = parse_args(argc, argv, &o);
	if (ret)
		return ret < 0 ? FL_EXIT_OK : ret;
	ret = fl_topology_load(&topo, err, sizeof(err));
	if (!ret) {
		nr_counts = fl_threads_expand(&o.threads, fl_topology_nr_pus(topo),
					      counts, (int)ARRAY_SIZE(counts));
		if (nr_counts <= 0) {
			ret = -EINVAL;
			snprintf(err, sizeof(err), "--threads: no thread count in range (%d PUs)",
				 fl_topology_nr_pus(topo));
		}
	}
	if (!ret)
		ret = fl_testdir_prepare(&td, o.dir, err, sizeof(err));
	if (!ret)
		ret = fl_selftest_env_init(&env, td.path, err, sizeof(err));
	cells = calloc(NR_VARIANTS, sizeof(*cells));
	if (!ret && !cells) {
		ret = -ENOMEM;
		snprintf(err, sizeof(err), "out of memory");
	}
	if (ret) {
		fl_err("selftest: %s", err);
		code = fl_exit_for_errno(ret);
		goto out;
	}
	first_mode = o.mode == (int)ARRAY_SIZE(modes) ? 0 : o.mode;
	nr_modes = o.mode == (int)ARRAY_SIZE(modes) ? (int)ARRAY_SIZE(modes) : 1;

	fl_clock_init();
	printf("clock: %s", fl_clock.source);
	if (fl_clock.tsc)
		printf(" at %.3f GHz", fl_clock.tsc_hz / 1e9);
	printf("\nhistogram record:   %6.2f ns\n", ns_per_call_hist());
	printf("timestamp:          %6.2f ns\n\n", ns_per_call_clock());
	printf("%llu rounds of %g s (after %g s warm-up), %llu MiB per pass, files in %s;\n"
	       "each program its own process, in turns; run = faultline run fault --map M\n"
	       "--access write (latency on, default collectors); x/bare: median of the\n"
	       "per-round ratios (min-max); ops/s: median (min-max); cpu: the share of\n"
	       "their PUs bare's threads had (below %.0f%%, other work ran there).\n\n",
	       (unsigned long long)o.rounds, o.duration_s, o.warmup_s,
	       (unsigned long long)(o.size >> 20), td.path, MIN_CPU_SHARE * 100);
	printf("%-12s %7s  %-26s %-26s %s\n", "mode", "threads", "program",
	       "ops/s", "x/bare");

	for (int m = first_mode; m < first_mode + nr_modes; m++) {
		for (int k = 0; k < nr_counts; k++) {
			int n = (int)o.rounds;

			clear_cells(cells);
			/* Each round starts with another program: no fixed order. */
			for (int r = 0; r < n; r++) {
				for (int i = 0; i < NR_VARIANTS; i++) {
					int v = (r + i) % NR_VARIANTS;

					worst = fl_exit_worst(worst,
						measure(&env, &o, m, counts[k], v, r,
							&cells[v]));
				}
			}
			worst = fl_exit_worst(worst, print_rows(m, counts[k], cells, n));
		}
	}
	printf("\n");
	print_collectors(cells);
	code = worst;
out:
	if (cells)
		clear_cells(cells);
	free(cells);
	fl_selftest_env_fini(&env);
	fl_testdir_cleanup(&td);
	fl_topology_free(topo);
	return code;
}
