// SPDX-License-Identifier: GPL-2.0
/*
 * `faultline nightly --baseline POOL --out DIR [-- run options]`: run a
 * suite, judge it against a pool of earlier nights (compare in pool mode:
 * a change must clear the threshold and k times the pool's own drift),
 * append the history, write the report, say one verdict, and add the
 * night to the pool only when it is a clean one.
 *
 * Exit: 0 nothing regressed, every check passed and every headline metric
 * could resolve a change of twice the threshold; 1 a regression or a
 * failed check; 5 nothing regressed but the night was blind to some
 * headline metric or a result is untrustworthy; 2 usage or environment;
 * 4 interrupted.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <math.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "analysis/compare.h"
#include "analysis/nightly_pool.h"
#include "base/doc_check.h"
#include "base/faultline.h"
#include "base/json_doc.h"
#include "base/option.h"
#include "base/testdir.h"
#include "base/validity.h"
#include "cli/commands.h"

/* Most metrics listed under the verdict (all are in compare.md). */
#define LISTED 20

struct nightly_opts {
	const char *baseline, *out, *suite, *history;
	double threshold, drift;
	uint64_t keep;
	bool update, run, report;
};

#define N_OPT(f) offsetof(struct nightly_opts, f)

/* A percentage, "5" or "5%". */
static int parse_pct(const char *text, void *field, char *err, size_t len)
{
	char buf[64];
	size_t n = strlen(text);

	snprintf(buf, sizeof(buf), "%.*s", (int)(n && text[n - 1] == '%' ? n - 1 : n), text);
	if (fl_parse_double(buf, field) || !(*(double *)field >= 0) ||
	    *(double *)field > 100) {
		fl_set_err(err, len, "--threshold %s: not a percentage (e.g. 5 or 5%%)", text);
		return -EINVAL;
	}
	return 0;
}

static const char *format_pct(const void *field, char *buf, size_t len)
{
	snprintf(buf, len, "%g", *(const double *)field);
	return buf;
}

static const struct fl_option nightly_options[] = {
	{ .name = "baseline", .type = FL_OPT_STR, .offset = N_OPT(baseline),
	  .arg = "DIR", .help = "the baseline pool: one subdirectory per night that joined it" },
	{ .name = "out", .type = FL_OPT_STR, .offset = N_OPT(out), .arg = "DIR",
	  .help = "where tonight's results go" },
	{ .name = "suite", .type = FL_OPT_STR, .offset = N_OPT(suite), .def = "nightly",
	  .arg = "NAME", .help = "the suite to run (faultline suite --help)" },
	{ .name = "threshold", .type = FL_OPT_CUSTOM, .offset = N_OPT(threshold),
	  .def = "5", .arg = "PCT", .help = "smallest change that is a regression",
	  .parse = parse_pct, .format = format_pct },
	{ .name = "drift", .type = FL_OPT_DOUBLE, .offset = N_OPT(drift), .def = "2",
	  .arg = "K", .min = 0, .max = 100,
	  .help = "a change must also clear K times the pool's drift" },
	{ .name = "history", .type = FL_OPT_STR, .offset = N_OPT(history), .arg = "FILE",
	  .help = "append one line per metric (default: history.jsonl beside --out)" },
	{ .name = "update-baseline", .type = FL_OPT_BOOL, .offset = N_OPT(update),
	  .def = "false", .help = "add tonight to the pool if it is clean" },
	{ .name = "baseline-runs", .type = FL_OPT_UINT, .offset = N_OPT(keep), .def = "5",
	  .arg = "N", .min = 1, .max = 1000, .help = "nights the pool keeps" },
	{ .name = "run", .type = FL_OPT_BOOL, .offset = N_OPT(run), .def = "true",
	  .help = "run the suite (--no-run: judge the results already in --out)" },
	{ .name = "report", .type = FL_OPT_BOOL, .offset = N_OPT(report), .def = "true",
	  .help = "write the report into --out/report (--no-report: skip it)" },
	{ 0 }
};

static void nightly_usage(FILE *f)
{
	fprintf(f, "usage: faultline nightly --baseline DIR --out DIR [options] [-- RUN-OPTIONS]\n\n"
		"Run a suite (RUN-OPTIONS go to every run), compare it with the pool of\n"
		"earlier nights in --baseline, append the history, write the report and\n"
		"say one verdict. A metric regressed when its whole 95%% interval lies\n"
		"beyond both --threshold and --drift K times the pool's drift (the\n"
		"spread of its nights' medians; at least what the spread of repetitions\n"
		"within a night makes of a night's median). A headline metric (ops/s of a run; faults/s and fault latency\n"
		"under an invalidator) that could not have resolved a change of twice\n"
		"the threshold is blind: the night says so and does not pass.\n"
		"--update-baseline adds the night to the pool only when it exits 0 (or,\n"
		"on the first night, when its checks passed and its results can be\n"
		"trusted); the pool keeps the last --baseline-runs nights it added.\n\n"
		"Options:\n");
	fl_opt_help(f, nightly_options);
	fprintf(f, "\nExit: 0 ok; 1 a regression or a failed check; 2 usage or environment\n"
		"error (no baseline, nothing comparable, a suite that could not run);\n"
		"4 interrupted; 5 nothing regressed, but the night was blind to a\n"
		"headline metric or a result is untrustworthy.\n");
}

static bool is_dir(const char *path)
{
	struct stat st;

	return !stat(path, &st) && S_ISDIR(st.st_mode);
}

/* Whether @dir holds *.json directly or in a subdirectory. */
static bool has_results(const char *dir)
{
	struct dirent **ents;
	char sub[PATH_MAX];
	int n = fl_json_files(dir, &ents);
	bool any = n > 0;

	for (int i = 0; i < n; i++)
		free(ents[i]);
	if (n > 0)
		free(ents);
	n = scandir(dir, &ents, NULL, alphasort);
	for (int i = 0; i < n; i++) {
		snprintf(sub, sizeof(sub), "%s/%s", dir, ents[i]->d_name);
		if (!any && ents[i]->d_name[0] != '.' && is_dir(sub)) {
			struct dirent **in;
			int k = fl_json_files(sub, &in);

			any = k > 0;
			for (int j = 0; j < k; j++)
				free(in[j]);
			if (k > 0)
				free(in);
		}
		free(ents[i]);
	}
	if (n > 0)
		free(ents);
	return any;
}

/*
 * The night's own exit code, from its documents: the worst exit_code of
 * its results and stress runs (for --no-run; a suite that ran says so).
 */
static int night_status(const char *dir)
{
	struct dirent **ents;
	char path[PATH_MAX], msg[FL_ERR_LEN];
	int n = fl_json_files(dir, &ents), worst = FL_EXIT_OK;

	for (int i = 0; i < n; i++) {
		json_t *doc;

		snprintf(path, sizeof(path), "%s/%s", dir, ents[i]->d_name);
		fl_doc_load(path, &doc, msg, sizeof(msg));	/* out of bounds: read as none */
		if (json_is_integer(json_object_get(doc, "exit_code")))
			worst = fl_exit_worst(worst, (int)json_integer_value(
				json_object_get(doc, "exit_code")));
		if (doc && !fl_validity_ok(doc))
			worst = fl_exit_worst(worst, FL_EXIT_UNTRUSTWORTHY);
		json_decref(doc);
		free(ents[i]);
	}
	if (n > 0)
		free(ents);
	return worst;
}

/* The untrustworthy documents of the night and their reason codes. */
static void list_untrustworthy(const char *dir)
{
	struct dirent **ents;
	char path[PATH_MAX], msg[FL_ERR_LEN];
	int n = fl_json_files(dir, &ents), shown = 0;

	for (int i = 0; i < n; i++) {
		json_t *doc, *r;
		char codes[256] = "";
		size_t k;

		snprintf(path, sizeof(path), "%s/%s", dir, ents[i]->d_name);
		fl_doc_load(path, &doc, msg, sizeof(msg));
		if (doc && !fl_validity_ok(doc) && shown++ < LISTED) {
			json_array_foreach(json_object_get(json_object_get(doc, "validity"),
							   "reasons"), k, r)
				fl_cmp_add_word(codes, sizeof(codes),
						json_string_value(json_object_get(r, "code")) ?: "?");
			printf("  %s: untrustworthy: %s\n", ents[i]->d_name, codes);
		}
		json_decref(doc);
		free(ents[i]);
	}
	if (n > 0)
		free(ents);
}

/* One metric under the verdict line. */
static void list_metric(const struct fl_cmp_series *s)
{
	const struct fl_stats_cmp *r = &s->res;

	char node[16];

	/* The file names the configuration; compare.md has the params. */
	printf("  %s%s threads %d node %s: %s", s->file[0] ? s->file : s->workload,
	       s->baseline ? " (baseline run)" : "", s->threads,
	       fl_cmp_node_str(s, node, sizeof(node)), s->metric);
	if (isfinite(r->change_pct))
		printf(" %+.1f%%", r->change_pct);
	if (r->has_ci)
		printf(" (95%% interval %+.1f to %+.1f%%)", r->ci_lo_pct, r->ci_hi_pct);
	printf(": %s\n", r->why);
}

/* What the comparison found, counted once per measurement. */
struct judged {
	int worse, headlines, blind, untrusted, other_blind;
};

static void judge(const struct fl_cmp *c, struct judged *j)
{
	*j = (struct judged){ 0 };
	for (int i = 0; i < c->nr; i++) {
		const struct fl_cmp_series *s = &c->s[i];

		if (!s->matched || s->same_as >= 0)
			continue;
		j->worse += s->res.verdict == FL_VERDICT_WORSE;
		if (!s->headline) {
			j->other_blind += s->res.verdict == FL_VERDICT_BLIND;
			continue;
		}
		j->headlines++;
		j->blind += s->res.verdict == FL_VERDICT_BLIND;
		j->untrusted += s->res.verdict == FL_VERDICT_UNTRUSTWORTHY;
	}
}

/* The groups (pool nights) that hold documents. */
static int nights_of(const struct fl_cmp_side *s)
{
	int nr = 0;

	for (int i = 0; i < s->nr_docs; i++) {
		bool seen = false;

		for (int k = 0; k < i; k++)
			seen |= s->group[k] == s->group[i];
		nr += !seen;
	}
	return nr;
}

static void warn_line(const char *msg)
{
	fl_warn("nightly: %s", msg);
}

/*
 * Compare @o->out with the pool into @c (the caller frees it) and write
 * compare.json, compare.md and the history. Returns the exit code the
 * comparison gives (0, 1 or 5), or 2 when it could not be made; fills @j.
 * @night is the night's own exit code, recorded in compare.json.
 */
static int compare_pool(const struct nightly_opts *o, const char *history,
			int night, struct fl_cmp *c, struct judged *j)
{
	struct fl_cmp_side sides[2] = { 0 };
	char err[FL_ERR_LEN], json[PATH_MAX], md[PATH_MAX];
	struct fl_cmp_outputs out = { .json = json, .markdown = md, .history = history };
	struct fl_stats_opts so;
	int ret, code = FL_EXIT_USAGE;

	snprintf(json, sizeof(json), "%s/compare.json", o->out);
	snprintf(md, sizeof(md), "%s/compare.md", o->out);
	fl_stats_opts_default(&so);
	so.threshold_pct = o->threshold;
	so.drift_k = o->drift;
	ret = fl_cmp_init(c, &so);
	c->pool = true;
	ret = ret ?: fl_cmp_side_load(&sides[FL_BASE], "BASE", o->baseline, err, sizeof(err));
	ret = ret ?: fl_cmp_side_load(&sides[FL_CUR], "CUR", o->out, err, sizeof(err));
	ret = ret ?: fl_cmp_refuse(sides, false, err, sizeof(err), warn_line);
	if (ret) {
		fl_err("nightly: %s", ret == -ENOMEM ? "out of memory" : err);
		goto out;
	}
	ret = fl_cmp_collect(c, &sides[FL_BASE], FL_BASE);
	ret = ret ?: fl_cmp_collect(c, &sides[FL_CUR], FL_CUR);
	ret = ret ?: fl_cmp_evaluate(c);
	if (ret <= 0) {
		if (ret)
			fl_err("nightly: out of memory");
		else
			fl_err("nightly: cannot compare %s with the baseline %s: no run matches (workload, params, run options, threads)",
			       o->out, o->baseline);
		goto out;
	}
	judge(c, j);
	code = j->worse ? FL_EXIT_CHECK :
	       j->blind || j->untrusted ? FL_EXIT_UNTRUSTWORTHY : FL_EXIT_OK;
	out.extra = json_pack("{s:{s:s, s:f, s:f, s:i, s:i, s:i, s:i, s:i}}", "nightly",
			      "verdict", code == FL_EXIT_CHECK ? "regression" :
			      code ? "blind" : "ok", "threshold_pct", o->threshold,
			      "drift_k", o->drift, "pool_nights", nights_of(&sides[FL_BASE]),
			      "headline", j->headlines, "headline_blind", j->blind,
			      "headline_untrustworthy", j->untrusted, "night_exit", night);
	/* Compared, but not written (a full disk is exit 3): the night fails. */
	ret = fl_cmp_write(c, sides, &out);
	if (ret)
		code = fl_exit_worst(code, fl_exit_for_errno(ret));
	json_decref(out.extra);
out:
	fl_cmp_side_free(&sides[FL_BASE]);
	fl_cmp_side_free(&sides[FL_CUR]);
	return code;
}

/* The report of the night, its chatter thrown away. */
static void write_report(const struct nightly_opts *o, const char *history,
			 bool compared)
{
	char dir[PATH_MAX], cmp[PATH_MAX];
	char *argv[8] = { "report", (char *)o->out, "--out", dir };
	int argc = 4;

	snprintf(dir, sizeof(dir), "%s/report", o->out);
	snprintf(cmp, sizeof(cmp), "%s/compare.json", o->out);
	if (compared) {
		argv[argc++] = "--compare";
		argv[argc++] = cmp;
	}
	if (!access(history, F_OK)) {
		argv[argc++] = "--history";
		argv[argc++] = (char *)history;
	}
	argv[argc] = NULL;
	if (fl_run_quietly(cmd_report, argc, argv))
		fl_warn("nightly: the report is incomplete (see %s/report.md)", dir);
}

/* The verdict line, then what it is about. */
static void say_verdict(const struct nightly_opts *o, int code, int night,
			const struct fl_cmp *c, const struct judged *j)
{
	double t = o->threshold;
	int shown = 0;

	if (!c) {
		printf("nightly: no baseline to compare with yet; %s\n",
		       night == FL_EXIT_OK ? "checks passed" :
		       night == FL_EXIT_UNTRUSTWORTHY ? "checks passed, but a result is UNTRUSTWORTHY" :
		       "checks FAILED");
		if (night == FL_EXIT_UNTRUSTWORTHY)
			list_untrustworthy(o->out);
		return;
	}
	if (code == FL_EXIT_OK) {
		printf("nightly: OK: nothing worse than the baseline beyond %g%% and %g x its drift; every headline metric resolves %g%%; every check passed (%s/compare.md)",
		       t, o->drift, 2 * t, o->out);
		if (j->other_blind)
			printf("; %d other metrics blind", j->other_blind);
		printf("\n");
		return;
	}
	if (code == FL_EXIT_CHECK) {
		printf("nightly: REGRESSION: %d metrics worse beyond %g%% and %g x the drift%s (%s/compare.md)\n",
		       j->worse, t, o->drift, night == FL_EXIT_CHECK ? ", or a check failed" : "",
		       o->out);
		for (int i = 0; i < c->nr && shown < LISTED; i++)
			if (c->s[i].matched && c->s[i].same_as < 0 &&
			    c->s[i].res.verdict == FL_VERDICT_WORSE) {
				list_metric(&c->s[i]);
				shown++;
			}
		return;
	}
	if (j->blind || j->untrusted) {
		printf("nightly: BLIND: %d of %d headline metrics cannot resolve a %g%% change%s; nothing it could see regressed (%s/compare.md)\n",
		       j->blind + j->untrusted, j->headlines, 2 * t,
		       j->untrusted ? " or are untrustworthy" : "", o->out);
		for (int i = 0; i < c->nr && shown < LISTED; i++)
			if (c->s[i].matched && c->s[i].headline &&
			    (c->s[i].res.verdict == FL_VERDICT_BLIND ||
			     c->s[i].res.verdict == FL_VERDICT_UNTRUSTWORTHY)) {
				list_metric(&c->s[i]);
				shown++;
			}
	}
	if (night == FL_EXIT_UNTRUSTWORTHY) {
		printf("nightly: UNTRUSTWORTHY: nothing regressed, but results of this night cannot be trusted (their validity says why)\n");
		list_untrustworthy(o->out);
	}
}

/*
 * Add the night to the pool when it is clean: it exited 0, or it is the
 * first night and its checks passed with trustworthy results.
 */
static int update_pool(const struct nightly_opts *o, int code)
{
	char name[NAME_MAX + 1], err[FL_ERR_LEN];
	int left;

	if (code != FL_EXIT_OK) {
		printf("nightly: %s not added to the baseline: it %s\n", o->out,
		       code == FL_EXIT_CHECK ? "regressed or failed a check" :
		       "was blind or untrustworthy");
		return FL_EXIT_OK;
	}
	if (fl_pool_name(o->out, name, sizeof(name), err, sizeof(err)) ||
	    fl_pool_add(o->baseline, o->out, name, err, sizeof(err))) {
		fl_err("%s", err);
		return FL_EXIT_USAGE;
	}
	left = fl_pool_prune(o->baseline, (int)o->keep, err, sizeof(err));
	if (left < 0) {
		fl_err("%s", err);
		return FL_EXIT_USAGE;
	}
	printf("nightly: %s joined the baseline (%s: %d night%s, at most %llu)\n", o->out,
	       o->baseline, left, left == 1 ? "" : "s", (unsigned long long)o->keep);
	return FL_EXIT_OK;
}

/* The suite into --out; its exit code, or -1 when the night must stop. */
static int run_suite(const struct nightly_opts *o, int argc, char **argv)
{
	char *args[128] = { "suite", (char *)o->suite, "--out-dir", (char *)o->out };
	char err[FL_ERR_LEN];
	int n = 4, code;

	for (int i = 0; i < argc && n < (int)ARRAY_SIZE(args) - 1; i++)
		args[n++] = argv[i];
	args[n] = NULL;
	if (fl_mkdir_p(o->out, err, sizeof(err))) {
		fl_err("nightly: --out %s: %s", o->out, err);
		return -FL_EXIT_USAGE;
	}
	code = cmd_suite(n, args);
	switch (code) {
	case FL_EXIT_OK:
	case FL_EXIT_CHECK:
	case FL_EXIT_UNTRUSTWORTHY:
		return code;
	case FL_EXIT_INTERRUPTED:
		fl_err("nightly: interrupted; partial results in %s", o->out);
		return -FL_EXIT_INTERRUPTED;
	default:
		fl_err("nightly: the suite could not run (exit %d); see above", code);
		return -FL_EXIT_USAGE;
	}
}

/* Options, and whether the pool and --out are usable. -exit code or 0. */
static int check_opts(struct nightly_opts *o, int argc, char **argv,
		      char *history, size_t len)
{
	struct fl_opt_set set = { nightly_options, o };
	char err[FL_ERR_LEN];
	int ret;

	if (fl_opt_defaults(&set, 1, err, sizeof(err))) {
		fl_err("nightly: %s", err);
		return -FL_EXIT_USAGE;
	}
	ret = fl_opt_parse(&set, 1, argc, argv, err, sizeof(err));
	if (ret == 1) {
		nightly_usage(stdout);
		return 1;
	}
	if (ret) {
		fl_err("nightly: %s", err);
		return -FL_EXIT_USAGE;
	}
	if (!o->baseline || !o->out) {
		fl_err("nightly: needs --baseline DIR and --out DIR (faultline nightly --help)");
		return -FL_EXIT_USAGE;
	}
	if (fl_pool_check_out(o->baseline, o->out, err, sizeof(err))) {
		fl_err("%s", err);
		return -FL_EXIT_USAGE;
	}
	if (!is_dir(o->baseline) && !o->update) {
		fl_err("nightly: baseline %s does not exist (the first night: add --update-baseline to make this run the baseline)",
		       o->baseline);
		return -FL_EXIT_USAGE;
	}
	if (is_dir(o->baseline) && !has_results(o->baseline)) {
		fl_err("nightly: baseline %s has no faultline result files (*.json, or */*.json for pooled nights)",
		       o->baseline);
		return -FL_EXIT_USAGE;
	}
	if (!o->run && (!is_dir(o->out) || !has_results(o->out))) {
		fl_err("nightly: --no-run: %s has no results to judge", o->out);
		return -FL_EXIT_USAGE;
	}
	if (o->history) {
		snprintf(history, len, "%s", o->history);
	} else {
		/* Beside --out, whatever slashes end it. */
		size_t end = strlen(o->out);

		while (end > 1 && o->out[end - 1] == '/')
			end--;
		while (end > 0 && o->out[end - 1] != '/')
			end--;
		snprintf(history, len, "%.*shistory.jsonl", (int)end, o->out);
	}
	return 0;
}

int cmd_nightly(int argc, char **argv)
{
	struct nightly_opts o;
	struct judged j = { 0 };
	struct fl_cmp c = { 0 };
	char history[PATH_MAX];
	int nr_opts = 1, night, code = FL_EXIT_OK, ret;
	bool compared = false;

	/* Options up to "--"; what follows goes to every run. */
	while (nr_opts < argc && strcmp(argv[nr_opts], "--"))
		nr_opts++;
	ret = check_opts(&o, nr_opts - 1, argv + 1, history, sizeof(history));
	if (ret)
		return ret > 0 ? FL_EXIT_OK : -ret;
	if (nr_opts < argc)
		nr_opts++;
	if (o.run) {
		night = run_suite(&o, argc - nr_opts, argv + nr_opts);
		if (night < 0)
			return -night;
	} else {
		night = night_status(o.out);
	}
	if (is_dir(o.baseline)) {
		code = compare_pool(&o, history, night, &c, &j);
		compared = code != FL_EXIT_USAGE;
		if (!compared) {
			fl_cmp_free(&c);
			return FL_EXIT_USAGE;
		}
	}
	code = fl_exit_worst(code, night);
	if (o.report)
		write_report(&o, history, compared);
	ret = o.update ? update_pool(&o, code) : FL_EXIT_OK;
	say_verdict(&o, code, night, compared ? &c : NULL, &j);
	fl_cmp_free(&c);
	return fl_exit_worst(code, ret);
}
