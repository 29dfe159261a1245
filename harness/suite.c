// SPDX-License-Identifier: GPL-2.0
/*
 * `faultline suite NAME --out-dir DIR [run options]`: a named list of runs,
 * one result file each, then summary.md. Extra options are appended to every
 * run, so they override the suite's own (e.g. --duration 1 for a smoke run).
 */
#include <errno.h>
#include <stdbool.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "commands.h"
#include "faultline.h"

#define MAX_ARGS 64

struct suite_run {
	const char *file;	/* result file name in the out dir */
	const char *args;	/* `faultline run` arguments, space separated */
};

struct suite {
	const char *name;
	const char *help;
	const char *common;	/* arguments for every run */
	const struct suite_run *runs;	/* ends with a NULL file */
	const char *inval_common;	/* for invalidator_runs; NULL: none */
	const char *stress_duration;	/* seconds per check; NULL: no stress */
};

/* will-it-scale's page_fault1/2/3 loops. */
static const struct suite_run page_fault_runs[] = {
	{ "page_fault1.json", "fault --map anon --access write" },
	{ "page_fault2.json", "fault --map private --access write" },
	{ "page_fault3.json", "fault --map shared --access write" },
	{ NULL, NULL },
};

/* Each invalidator against faulters on a shared file, beside its baseline. */
static const struct suite_run invalidator_runs[] = {
	{ "inval-truncate.json", "fault --map shared --invalidator truncate" },
	{ "inval-dio.json", "fault --map shared --invalidator dio" },
	{ "inval-punch.json", "fault --map shared --invalidator punch" },
	{ "inval-fadvise.json", "fault --map shared --invalidator fadvise" },
	{ "inval-madvise.json", "fault --map shared --invalidator madvise" },
	{ "inval-mmap-churn.json", "fault --map shared --invalidator mmap-churn" },
	{ NULL, NULL },
};

static const struct suite suites[] = {
	{
		.name = "default",
		.help = "will-it-scale page_fault1/2/3 on the running kernel, 1..#PUs threads",
		.common = "--threads scale --duration 4 --warmup 1 --repeat 3",
		.runs = page_fault_runs,
		.inval_common = "--threads max --duration 2 --warmup 0.5 --size 32M",
		.stress_duration = "3",
	},
	{
		.name = "nightly",
		.help = "the default suite's runs with 5 repetitions each, for compare and ./run.sh --nightly",
		.common = "--threads scale --duration 3 --warmup 1 --repeat 5",
		.runs = page_fault_runs,
		.inval_common = "--threads max --duration 2 --warmup 0.5 --size 32M --repeat 5",
		.stress_duration = "3",
	},
	{
		.name = "quick",
		.help = "the default suite's runs, short: for smoke tests",
		.common = "--threads scale --duration 0.5 --warmup 0.2 --repeat 1 --size 16M",
		.runs = page_fault_runs,
		.inval_common = "--threads max --duration 0.3 --warmup 0.1 --size 8M",
		.stress_duration = "0.5",
	},
};

/* Split @text on spaces into @argv (which points into @buf). */
static int split(const char *text, char *buf, size_t len, char **argv, int at)
{
	char *save, *tok;

	snprintf(buf, len, "%s", text);
	for (tok = strtok_r(buf, " ", &save); tok && at < MAX_ARGS - 1;
	     tok = strtok_r(NULL, " ", &save))
		argv[at++] = tok;
	return at;
}

/*
 * `faultline run` each of @runs with @common and the user's extra options
 * (argv[4..]). Raises *@worst to the worst exit code; false when the suite
 * must stop (interrupted, or options that no run will accept).
 */
static bool run_list(const struct suite *s, const struct suite_run *runs,
		     const char *common, int argc, char **argv,
		     const char *out_dir, int *worst)
{
	for (int r = 0; runs[r].file; r++) {
		char buf_run[512], buf_common[512], out[PATH_MAX];
		char *args[MAX_ARGS];
		int n = 0, code;

		args[n++] = "run";
		n = split(runs[r].args, buf_run, sizeof(buf_run), args, n);
		n = split(common, buf_common, sizeof(buf_common), args, n);
		for (int i = 4; i < argc && n < MAX_ARGS - 3; i++)
			args[n++] = argv[i];
		snprintf(out, sizeof(out), "%s/%s", out_dir, runs[r].file);
		args[n++] = "--out";
		args[n++] = out;
		args[n] = NULL;
		fprintf(stderr, "faultline: suite %s: %s\n", s->name, runs[r].args);
		code = cmd_run(n, args);
		if (code > *worst)
			*worst = code;
		if (code == FL_EXIT_INTERRUPTED || code == FL_EXIT_USAGE)
			return false;
	}
	return true;
}

static void suite_help(void)
{
	printf("usage: faultline suite NAME --out-dir DIR [run options...]\n\nSuites:\n");
	for (size_t i = 0; i < ARRAY_SIZE(suites); i++)
		printf("  %-10s %s\n", suites[i].name, suites[i].help);
	printf("\nRun options after --out-dir are added to every run and override the suite's.\n");
}

int cmd_suite(int argc, char **argv)
{
	const struct suite *s = NULL;
	const char *out_dir;
	int worst = FL_EXIT_OK;
	struct stat st;

	if (argc >= 2 && (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h"))) {
		suite_help();
		return FL_EXIT_OK;
	}
	if (argc < 4 || strcmp(argv[2], "--out-dir")) {
		suite_help();
		return FL_EXIT_USAGE;
	}
	for (size_t i = 0; i < ARRAY_SIZE(suites); i++)
		if (!strcmp(argv[1], suites[i].name))
			s = &suites[i];
	if (!s) {
		fl_err("suite: unknown suite \"%s\" (faultline suite --help lists them)",
		       argv[1]);
		return FL_EXIT_USAGE;
	}
	out_dir = argv[3];
	if (stat(out_dir, &st) || !S_ISDIR(st.st_mode)) {
		int e = errno;

		fl_err("suite: --out-dir %s: %s", out_dir,
		       strerror(access(out_dir, F_OK) ? e : ENOTDIR));
		return FL_EXIT_USAGE;
	}
	if (run_list(s, s->runs, s->common, argc, argv, out_dir, &worst) &&
	    (!s->inval_common ||
	     run_list(s, invalidator_runs, s->inval_common, argc, argv, out_dir,
		      &worst)) &&
	    s->stress_duration) {
		char out[PATH_MAX];
		char *args[] = { "stress", "--duration", (char *)s->stress_duration,
				 "--out", out, NULL };
		int code;

		snprintf(out, sizeof(out), "%s/stress.json", out_dir);
		fprintf(stderr, "faultline: suite %s: stress, %s s per check\n",
			s->name, s->stress_duration);
		code = cmd_stress(5, args);
		if (code > worst)
			worst = code;
	}
	char *sum_argv[] = { "summary", (char *)out_dir, NULL };

	cmd_summary(2, sum_argv);
	return worst;
}
