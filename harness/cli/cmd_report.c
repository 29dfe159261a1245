// SPDX-License-Identifier: GPL-2.0
/*
 * `faultline report DIR... [--out DIR]`: figures (gnuplot, PNG and SVG) and
 * a report page from result directories, a compare document and the
 * nightly history. The figures are in plots/ (fig_*.c and *.gp).
 */
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/faultline.h"
#include "base/testdir.h"
#include "base/tool.h"
#include "cli/commands.h"
#include "plots/report.h"

static void report_usage(FILE *f)
{
	fprintf(f, "usage: faultline report DIR... [--out DIR] [--compare FILE] [--history FILE]\n\n"
		"Render result sets into figures (gnuplot; every figure as PNG and SVG)\n"
		"and a report page, index.html and report.md, that links each figure with\n"
		"a one-line reading computed from the data.\n\n"
		"Each DIR is a results directory (or one result file) and is one series in\n"
		"every figure, labelled with its kernel variant and accelerator (by the\n"
		"directory's name when two have the same variant). Figures per workload\n"
		"configuration: scaling with threads, latency spectrum, per-NUMA-node\n"
		"bars, lock contention; then A/B ratios and nightly trends.\n\n"
		"  --out DIR       where the report goes (default: DIR/report for one DIR)\n"
		"  --compare FILE  a faultline-compare/1 document (default: a compare.json\n"
		"                  in a DIR) for the A/B figures\n"
		"  --history FILE  nightly history, JSON Lines (default: history.jsonl in a\n"
		"                  DIR or its parent) for the trend figures\n\n"
		"The output keeps each figure's data (NAME.dat) and gnuplot script\n"
		"(NAME.gp, built from the templates in plots/): `gnuplot NAME.gp` there\n"
		"draws it again. Figures without data are listed with the reason.\n\n"
		"Untrustworthy runs (their \"validity\") are drawn distinctly in every\n"
		"figure and named in its reading; the Validity section lists them all\n"
		"with their reasons. They do not change the exit code: the report itself\n"
		"is complete (the commands that wrote the results exit 5 for them).\n\n"
		"Exit: 0 ok; 1 gnuplot failed on a figure (report.md says which and why);\n"
		"2 bad usage or an input that is missing or not a result;\n"
		"3 gnuplot (or a template) is not available.\n");
}

/* Whether gnuplot is an executable on PATH. */
static bool have_gnuplot(void)
{
	const char *path = getenv("PATH");
	char buf[PATH_MAX];

	while (path && *path) {
		size_t n = strcspn(path, ":");

		snprintf(buf, sizeof(buf), "%.*s/gnuplot", (int)(n ? n : 1), n ? path : ".");
		if (!access(buf, X_OK))
			return true;
		path += n + (path[n] == ':');
	}
	return false;
}

/* The directory an input lives in: itself, or a file's directory. */
static void input_dir(char *buf, size_t len, const char *path)
{
	struct stat st;
	const char *slash;

	if (!stat(path, &st) && S_ISDIR(st.st_mode)) {
		snprintf(buf, len, "%s", path);
	} else if ((slash = strrchr(path, '/'))) {
		snprintf(buf, len, "%.*s", (int)(slash > path ? slash - path : 1), path);
	} else {
		snprintf(buf, len, ".");
	}
}

/* history.jsonl in an input's directory or its parent (results/). */
static void find_history(struct rp_report *r, char **inputs, int nr, char *found, size_t len)
{
	found[0] = '\0';
	for (int i = 0; i < nr && !found[0]; i++) {
		static const char *const where[] = { "history.jsonl", "../history.jsonl" };
		char dir[PATH_MAX - 32];

		input_dir(dir, sizeof(dir), inputs[i]);
		for (size_t k = 0; k < ARRAY_SIZE(where) && !found[0]; k++) {
			snprintf(found, len, "%s/%s", dir, where[k]);
			if (access(found, R_OK))
				found[0] = '\0';
		}
	}
	if (!found[0])
		snprintf(r->history_why, sizeof(r->history_why),
			 "no --history FILE and no history.jsonl in an input's directory or its parent");
}

/*
 * Whether @dir can be made (or, when it exists, written): it, or its
 * nearest ancestor that exists, is a directory we may write in.
 */
static int out_dir_check(const char *dir, char *err, size_t len)
{
	char path[PATH_MAX], *slash;
	struct stat st;

	snprintf(path, sizeof(path), "%s", dir);
	while (stat(path, &st)) {
		/* Not there (ENOENT), or under a file (ENOTDIR): look higher. */
		if (errno != ENOENT && errno != ENOTDIR) {
			fl_set_err(err, len, "%s: %s", path, strerror(errno));
			return -errno;
		}
		slash = strrchr(path, '/');
		if (!slash) {
			snprintf(path, sizeof(path), ".");
			continue;
		}
		*slash = '\0';
		if (slash == path)
			snprintf(path, sizeof(path), "/");
	}
	if (!S_ISDIR(st.st_mode)) {
		fl_set_err(err, len, "%s: %s is not a directory", dir, path);
		return -ENOTDIR;
	}
	if (access(path, W_OK | X_OK)) {
		fl_set_err(err, len, "%s: %s: %s", dir, path, strerror(errno));
		return -errno;
	}
	return 0;
}

static int report_main(struct rp_report *r, char **inputs, int nr, const char *out,
		       const char *compare, const char *history)
{
	char err[FL_ERR_LEN], hist[PATH_MAX];
	int ret;

	if (!have_gnuplot()) {
		fl_err("report: gnuplot not found; run: apt-get install -y gnuplot-nox");
		return FL_EXIT_RESOURCE;
	}
	fl_tree_dir("plots", r->plots, sizeof(r->plots));
	if (!rp_templates_ok(r, err, sizeof(err))) {
		fl_err("%s", err);
		return FL_EXIT_RESOURCE;
	}
	if (out) {
		snprintf(r->out, sizeof(r->out), "%s", out);
	} else {
		char dir[RP_DIR_MAX - 16];

		input_dir(dir, sizeof(dir), inputs[0]);
		snprintf(r->out, sizeof(r->out), "%s/report", dir);
	}
	if (strlen(r->out) + 1 >= sizeof(r->out)) {
		fl_err("report: --out %s: path too long", r->out);
		return FL_EXIT_USAGE;
	}
	/* Check first, work after: a report that cannot be written fails now. */
	if (out_dir_check(r->out, err, sizeof(err))) {
		fl_err("report: --out %s", err);
		return FL_EXIT_USAGE;
	}
	for (int i = 0; i < nr; i++)
		if (rp_add_input(r, inputs[i], err, sizeof(err))) {
			fl_err("%s", err);
			return FL_EXIT_USAGE;
		}
	if (compare && rp_load_compare(r, compare, err, sizeof(err))) {
		fl_err("%s", err);
		return FL_EXIT_USAGE;
	}
	if (!history) {
		find_history(r, inputs, nr, hist, sizeof(hist));
		history = hist[0] ? hist : NULL;
	}
	if (history && rp_load_history(r, history, err, sizeof(err))) {
		fl_err("%s", err);
		return FL_EXIT_USAGE;
	}
	if (fl_mkdir_p(r->out, err, sizeof(err))) {
		fl_err("report: --out %s: %s", r->out, err);
		return FL_EXIT_USAGE;
	}
	rp_label_series(r);
	if (rp_build_configs(r)) {
		fl_err("report: out of memory");
		return FL_EXIT_RESOURCE;
	}
	rp_draw_figures(r);
	ret = rp_write_pages(r, err, sizeof(err));
	if (ret) {
		fl_err("report: %s", err);
		return fl_exit_for_errno(ret);
	}
	printf("%s/index.html\n%s/report.md\n", r->out, r->out);
	if (r->bad_docs)
		fl_warn("report: %d untrustworthy document%s among the inputs (listed with their reasons in %s/report.md, Validity)",
			r->bad_docs, r->bad_docs == 1 ? "" : "s", r->out);
	if (r->failed) {
		fl_err("report: gnuplot failed on %d figure%s (listed in %s/report.md)",
		       r->failed, r->failed == 1 ? "" : "s", r->out);
		return FL_EXIT_CHECK;
	}
	return FL_EXIT_OK;
}

int cmd_report(int argc, char **argv)
{
	const char *out = NULL, *compare = NULL, *history = NULL;
	struct rp_report *r;
	char **inputs;
	int nr = 0, ret;

	inputs = calloc((size_t)argc, sizeof(*inputs));
	if (!inputs) {
		fl_err("report: out of memory");
		return FL_EXIT_RESOURCE;
	}
	for (int i = 1; i < argc; i++) {
		const char **opt = !strcmp(argv[i], "--out") ? &out :
				   !strcmp(argv[i], "--compare") ? &compare :
				   !strcmp(argv[i], "--history") ? &history : NULL;

		if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
			report_usage(stdout);
			free(inputs);
			return FL_EXIT_OK;
		}
		if (opt && i + 1 < argc) {
			*opt = argv[++i];
		} else if (opt || argv[i][0] == '-') {
			fl_err("report: %s \"%s\" (faultline report --help)",
			       opt ? "missing value after" : "unknown option", argv[i]);
			free(inputs);
			return FL_EXIT_USAGE;
		} else {
			inputs[nr++] = argv[i];
		}
	}
	if (!nr || (nr > 1 && !out)) {
		fl_err("report: %s (usage: faultline report DIR... [--out DIR])",
		       nr ? "several inputs: say where the report goes with --out DIR" :
		       "which results? give one DIR or more");
		free(inputs);
		return FL_EXIT_USAGE;
	}
	r = calloc(1, sizeof(*r));
	if (!r) {
		free(inputs);
		fl_err("report: out of memory");
		return FL_EXIT_RESOURCE;
	}
	ret = report_main(r, inputs, nr, out, compare, history);
	rp_report_free(r);
	free(r);
	free(inputs);
	return ret;
}
