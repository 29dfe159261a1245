// SPDX-License-Identifier: GPL-2.0
/*
 * `faultline suite NAME --out-dir DIR [run options]`: a named list of runs,
 * one result file each, then summary.md. Extra options are appended to every
 * run, so they override the suite's own (e.g. --duration 1 for a smoke run).
 *
 * Repetitions are interleaved: the suite runs repetition r of every
 * configuration (one `faultline run --repeat 1` each) before repetition
 * r + 1, then merges each configuration's repetitions into its file. Runs
 * minutes apart differ by more than back-to-back repetitions do (8.5% with
 * no overlap, measured here); spread over the whole suite, a
 * configuration's repetitions show that drift instead of hiding it.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "analysis/suite_merge.h"
#include "analysis/summary.h"
#include "base/faultline.h"
#include "base/json_doc.h"
#include "base/validity.h"
#include "cli/commands.h"

#define MAX_ARGS 64

struct suite_run {
	const char *file;	/* result file name in the out dir */
	const char *args;	/* `faultline run` arguments, space separated */
};

struct suite {
	const char *name;
	const char *help;
	const char *common;		/* arguments for every run */
	const char *inval_common;	/* for invalidator_runs; NULL: none */
	const char *stress_duration;	/* seconds per check; NULL: no stress */
};

static const struct suite_run page_fault_runs[] = {
#define SUITE_RUN(file, args) { file, args },
#include "cli/suites.def"
#undef SUITE_RUN
	{ NULL, NULL },
};

static const struct suite_run invalidator_runs[] = {
#define SUITE_INVAL_RUN(file, args) { file, args },
#include "cli/suites.def"
#undef SUITE_INVAL_RUN
	{ NULL, NULL },
};

static const struct suite suites[] = {
#define SUITE(name, help, common, inval_common, stress) \
	{ #name, help, common, inval_common, stress },
#include "cli/suites.def"
#undef SUITE
};

/* One configuration of a suite: its run and its common arguments. */
struct suite_conf {
	const struct suite_run *run;
	const char *common;
	int done;		/* repetitions that wrote their document */
	char **reps;		/* their paths */
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
 * The repetitions asked for: the last --repeat of @common and the user's
 * options (argv[4..]), which override the suite's; 1 when none (the run
 * default). Bad values are left to `faultline run` to report.
 */
static int repetitions(const char *common, int argc, char **argv)
{
	const char *s = strstr(common, "--repeat ");
	int reps = s ? atoi(s + 9) : 1;

	for (int i = 4; i < argc; i++) {
		if (!strcmp(argv[i], "--repeat") && i + 1 < argc)
			reps = atoi(argv[++i]);
		else if (!strncmp(argv[i], "--repeat=", 9))
			reps = atoi(argv[i] + 9);
	}
	return reps > 0 ? reps : 1;
}

/*
 * One repetition of one configuration: `faultline run` with the suite's
 * arguments, the user's (argv[4..]), then --repeat 1 and @out. Its table
 * on stdout is held back (the merged one is printed); errors and warnings
 * go to stderr as usual. Returns its exit code.
 */
static int run_once(const struct suite_conf *cf, int argc, char **argv,
		    const char *out)
{
	char buf_run[512], buf_common[512];
	char *args[MAX_ARGS];
	int n = 0;

	args[n++] = "run";
	n = split(cf->run->args, buf_run, sizeof(buf_run), args, n);
	n = split(cf->common, buf_common, sizeof(buf_common), args, n);
	for (int i = 4; i < argc && n < MAX_ARGS - 5; i++)
		args[n++] = argv[i];
	args[n++] = "--repeat";
	args[n++] = "1";
	args[n++] = "--out";
	args[n++] = (char *)out;
	args[n] = NULL;
	/* Writeback left by the previous run would land in this one's window. */
	sync();
	return fl_run_quietly(cmd_run, n, args);
}

/*
 * Merge each configuration's repetitions into its file in @out_dir, print
 * its table, and remove the repetitions. Returns the worst exit code of
 * the merged documents (a write error counts too).
 */
static int merge_all(struct suite_conf *confs, int nr, const char *out_dir)
{
	char err[FL_ERR_LEN], out[PATH_MAX];
	int worst = FL_EXIT_OK;

	for (int c = 0; c < nr; c++) {
		json_t *doc;
		int ret;

		if (!confs[c].done)
			continue;
		snprintf(out, sizeof(out), "%s/%s", out_dir, confs[c].run->file);
		doc = fl_suite_merge(confs[c].reps, confs[c].done, out, err, sizeof(err));
		ret = doc ? fl_json_write_atomic(doc, out, err, sizeof(err)) : -EINVAL;
		if (ret) {
			fl_err("%s", err);
			worst = fl_exit_worst(worst, FL_EXIT_USAGE);
		} else {
			worst = fl_exit_worst(worst, (int)json_integer_value(
				json_object_get(doc, "exit_code")));
			fl_summary_table(stdout, doc, 0);
			printf("result: %s\n", out);
		}
		json_decref(doc);
		for (int r = 0; r < confs[c].done; r++) {
			unlink(confs[c].reps[r]);
			free(confs[c].reps[r]);
		}
		free(confs[c].reps);
		confs[c].reps = NULL;
	}
	return worst;
}

/*
 * Every configuration of @s, repetition by repetition, into @out_dir.
 * Returns the worst exit code; *@stop when the suite must not go on
 * (interrupted, or options that no run will accept).
 */
static int run_suite(const struct suite *s, int argc, char **argv,
		     const char *out_dir, bool *stop)
{
	struct suite_conf confs[16];
	char tmp[PATH_MAX - 64], path[PATH_MAX];
	int nr = 0, reps = 0, worst = FL_EXIT_OK;

	for (int r = 0; page_fault_runs[r].file; r++)
		confs[nr++] = (struct suite_conf){ .run = &page_fault_runs[r],
						   .common = s->common };
	for (int r = 0; s->inval_common && invalidator_runs[r].file; r++)
		confs[nr++] = (struct suite_conf){ .run = &invalidator_runs[r],
						   .common = s->inval_common };
	for (int c = 0; c < nr; c++) {
		int n = repetitions(confs[c].common, argc, argv);

		reps = n > reps ? n : reps;
	}
	snprintf(tmp, sizeof(tmp), "%s/.repetitions", out_dir);
	if (mkdir(tmp, 0755) && errno != EEXIST) {
		fl_err("suite: %s: %s", tmp, strerror(errno));
		*stop = true;
		return FL_EXIT_USAGE;
	}
	*stop = false;
	for (int rep = 0; rep < reps && !*stop; rep++) {
		for (int c = 0; c < nr && !*stop; c++) {
			struct suite_conf *cf = &confs[c];
			char **more;
			int code;

			if (rep >= repetitions(cf->common, argc, argv))
				continue;
			snprintf(path, sizeof(path), "%s/%s.%d", tmp, cf->run->file, rep);
			fprintf(stderr, "faultline: suite %s: repetition %d of %d: %s\n",
				s->name, rep + 1, repetitions(cf->common, argc, argv),
				cf->run->args);
			code = run_once(cf, argc, argv, path);
			/* Its mark is judged again over all repetitions. */
			if (code != FL_EXIT_UNTRUSTWORTHY)
				worst = fl_exit_worst(worst, code);
			*stop = code == FL_EXIT_INTERRUPTED || code == FL_EXIT_USAGE;
			if (access(path, F_OK))
				continue;
			more = realloc(cf->reps, (size_t)(cf->done + 1) * sizeof(*more));
			if (more)
				more[cf->done] = strdup(path);
			if (!more || !more[cf->done]) {
				fl_err("suite: out of memory");
				free(more);
				cf->reps = NULL;
				*stop = true;
				worst = fl_exit_worst(worst, FL_EXIT_RESOURCE);
				break;
			}
			cf->reps = more;
			cf->done++;
		}
	}
	worst = fl_exit_worst(worst, merge_all(confs, nr, out_dir));
	rmdir(tmp);
	return worst;
}

static void suite_help(void)
{
	printf("usage: faultline suite NAME --out-dir DIR [run options...]\n"
	       "       faultline suite --list\n\nSuites:\n");
	for (size_t i = 0; i < ARRAY_SIZE(suites); i++)
		printf("  %-10s %s\n", suites[i].name, suites[i].help);
	printf("\nRun options after --out-dir are added to every run and override the suite's.\n");
}

int cmd_suite(int argc, char **argv)
{
	const struct suite *s = NULL;
	const char *out_dir;
	int worst;
	bool stop;
	struct stat st;

	if (argc >= 2 && (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h"))) {
		suite_help();
		return FL_EXIT_OK;
	}
	/* For scripts (run.sh checks a name before any work): one a line. */
	if (argc == 2 && !strcmp(argv[1], "--list")) {
		for (size_t i = 0; i < ARRAY_SIZE(suites); i++)
			printf("%s\n", suites[i].name);
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
	worst = run_suite(s, argc, argv, out_dir, &stop);
	if (!stop && s->stress_duration) {
		char out[PATH_MAX];
		char *args[] = { "stress", "--duration", (char *)s->stress_duration,
				 "--out", out, NULL };
		int code;

		snprintf(out, sizeof(out), "%s/stress.json", out_dir);
		fprintf(stderr, "faultline: suite %s: stress, %s s per check\n",
			s->name, s->stress_duration);
		code = cmd_stress(5, args);
		worst = fl_exit_worst(worst, code);
	}
	char *sum_argv[] = { "summary", (char *)out_dir, NULL };

	cmd_summary(2, sum_argv);
	return worst;
}
