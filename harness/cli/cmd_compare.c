// SPDX-License-Identifier: GPL-2.0
/*
 * `faultline compare BASE CUR`: per metric medians, % change, confidence
 * interval and verdict, as a text table, Markdown, JSON and history lines.
 */
#include <errno.h>
#include <math.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "analysis/compare.h"
#include "base/faultline.h"
#include "base/format.h"
#include "base/json_doc.h"
#include "base/option.h"
#include "base/out_file.h"
#include "base/table.h"
#include "base/validity.h"
#include "cli/commands.h"

/* Most unmatched metrics listed on the terminal (all are in --json). */
#define UNMATCHED_SHOWN 12

struct compare_opts {
	double threshold, noise, confidence;
	const char *markdown, *json, *history;
	bool force;
};

#define CMP_OPT(f) offsetof(struct compare_opts, f)

static const struct fl_option compare_options[] = {
	{ .name = "threshold", .type = FL_OPT_DOUBLE, .offset = CMP_OPT(threshold),
	  .def = "2", .arg = "PCT", .min = 0, .max = 1000,
	  .help = "a significant change within +-PCT% is \"unchanged\"" },
	{ .name = "noise", .type = FL_OPT_DOUBLE, .offset = CMP_OPT(noise),
	  .def = "10", .arg = "PCT", .min = 0, .max = 1e6,
	  .help = "a CI that holds 0 but reaches past +-PCT% is \"noisy\"" },
	{ .name = "confidence", .type = FL_OPT_DOUBLE, .offset = CMP_OPT(confidence),
	  .def = "0.95", .arg = "C", .min = 0.5, .max = 0.999,
	  .help = "confidence level of the intervals" },
	{ .name = "markdown", .type = FL_OPT_STR, .offset = CMP_OPT(markdown),
	  .arg = "FILE", .help = "also write the comparison as Markdown to FILE" },
	{ .name = "json", .type = FL_OPT_STR, .offset = CMP_OPT(json),
	  .arg = "FILE", .help = "also write it as JSON (faultline-compare/1) to FILE" },
	{ .name = "history", .type = FL_OPT_STR, .offset = CMP_OPT(history),
	  .arg = "FILE", .help = "append one JSON line per compared metric to FILE" },
	{ .name = "force", .type = FL_OPT_BOOL, .offset = CMP_OPT(force),
	  .def = "false",
	  .help = "compare even when accel differs (native, kvm, tcg)" },
	{ 0 }
};

static void compare_usage(FILE *f)
{
	fprintf(f, "usage: faultline compare [options] BASE CUR\n\n"
		"Compare results before (BASE) and after (CUR) a change. Each side is a\n"
		"result file (faultline-result/1 or faultline-stress/1), a directory of\n"
		"them, a directory of such directories, or a comma-separated list of\n"
		"those; the repetitions of all of a side's files are pooled.\n\n"
		"Runs match by workload, params, run options (all but out, repeat,\n"
		"threads, baseline, dir, progress), thread count, invalidator baseline\n"
		"or not, and NUMA node (\"all\": the run's totals). Per metric: medians,\n"
		"%% change, its confidence interval (Hodges-Lehmann shift of\n"
		"log(CUR/BASE) with the exact Mann-Whitney interval) and a verdict:\n"
		"  worse, better  the CI excludes 0 and the change is beyond --threshold\n"
		"  unchanged      the CI excludes 0 but the change is within --threshold,\n"
		"                 or the CI holds 0 and stays within --noise\n"
		"  noisy          under 3 runs a side, too few for the interval (4 vs 4\n"
		"                 or 3 vs 5 at 95%%), or the CI holds 0 and reaches\n"
		"                 past --noise\n"
		"  untrustworthy  too few samples left once those of runs whose validity\n"
		"                 spoils the metric are left out (never better or worse)\n"
		"An integrity violation or a failed stress check in CUR is always worse;\n"
		"a stress check that ran no iteration (not run) failed; one that failed\n"
		"as the known-failures list expects is \"known\" and passes.\n\n"
		"Options:\n");
	fl_opt_help(f, compare_options);
	fprintf(f, "\nExit: 0 nothing worse, 1 at least one metric worse (a regression\n"
		"or an integrity violation), 2 usage or input error (a file missing,\n"
		"not JSON or not a result; no matching runs; accel differs without\n"
		"--force; an output that cannot be written), 3 an output's filesystem\n"
		"or device is full, 5 nothing worse but a metric untrustworthy.\n");
}

/*
 * Options go to the table parser, the rest are BASE and CUR: an option
 * that takes a value takes the next word unless written --name=value.
 */
static int split_args(int argc, char **argv, char **opts, int *nr_opts,
		      char **pos, int *nr_pos)
{
	*nr_opts = *nr_pos = 0;
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		const struct fl_option *o;
		size_t n;

		if (strncmp(a, "--", 2) && strcmp(a, "-h")) {
			if (*nr_pos == 2)
				return -EINVAL;
			pos[(*nr_pos)++] = argv[i];
			continue;
		}
		opts[(*nr_opts)++] = argv[i];
		n = strcspn(a + 2, "=");
		for (o = compare_options; o->name; o++)
			if (strlen(o->name) == n && !strncmp(o->name, a + 2, n))
				break;
		if (o->name && o->type != FL_OPT_BOOL && !a[2 + n] && i + 1 < argc)
			opts[(*nr_opts)++] = argv[++i];
	}
	return 0;
}

static void fmt_value(char *buf, size_t len, const char *unit, double v)
{
	if (!isfinite(v))
		snprintf(buf, len, "-");
	else if (!strcmp(unit, "ns"))
		fl_fmt_ns(buf, len, v);
	else if (!strcmp(unit, "count"))
		snprintf(buf, len, "%.0f", v);
	else if (fabs(v) >= 1e6)
		snprintf(buf, len, "%.3gM", v / 1e6);
	else if (fabs(v) >= 1e3)
		snprintf(buf, len, "%.4gk", v / 1e3);
	else
		snprintf(buf, len, "%.4g", v);
}

#define NR_COLS 10

static const char *const headers[NR_COLS] = {
	"workload", "threads", "node", "metric", "base", "cur", "change",
	"CI", "verdict", "why",
};

static void row_cells(const struct fl_cmp_series *s, char cell[NR_COLS][128])
{
	const struct fl_stats_cmp *r = &s->res;

	snprintf(cell[0], 128, "%s", s->workload);
	snprintf(cell[1], 128, "%d", s->threads);
	fl_cmp_node_str(s, cell[2], 128);
	snprintf(cell[3], 128, "%s", s->metric);
	fmt_value(cell[4], 128, s->unit, r->base_median);
	fmt_value(cell[5], 128, s->unit, r->cur_median);
	if (isfinite(r->change_pct))
		snprintf(cell[6], 128, "%+.1f%%", r->change_pct);
	else
		snprintf(cell[6], 128, "-");
	if (r->has_ci)
		snprintf(cell[7], 128, "[%+.1f, %+.1f]%%", r->ci_lo_pct, r->ci_hi_pct);
	else
		snprintf(cell[7], 128, "-");
	snprintf(cell[8], 128, "%s", fl_verdict_str(r->verdict));
	snprintf(cell[9], 128, "%s", r->why);
}

/* One configuration's rows, aligned (text) or as a Markdown table. */
static void render_group(FILE *f, const struct fl_cmp *c, int from, int to,
			 bool markdown)
{
	/* Names and words left-aligned, numbers right-aligned. */
	struct fl_table *t = fl_table_new("lrrlrrrrll", NULL);
	char cells[NR_COLS][128];

	snprintf(cells[7], sizeof(cells[7]), "%g%% CI", c->opts.confidence * 100);
	for (int k = 0; k < NR_COLS; k++)
		fl_table_cell(t, "%s", k == 7 ? cells[7] : headers[k]);
	for (int i = from; i < to; i++) {
		if (!c->s[i].matched)
			continue;
		row_cells(&c->s[i], cells);
		for (int k = 0; k < NR_COLS; k++)
			fl_table_cell(t, "%s", cells[k]);
	}
	fl_table_print(t, f, markdown);
	fl_table_free(t);
}

static void render(FILE *f, const struct fl_cmp *c,
		   const struct fl_cmp_side *sides, bool markdown)
{
	int shown = 0;

	if (markdown)
		fprintf(f, "# faultline compare\n\n");
	for (int k = 0; k < 2; k++) {
		const struct fl_cmp_side *s = &sides[k];

		fprintf(f, markdown ? "- **%s**: `%s` (%d file%s): variant %s, %s, kernel %s\n" :
			"%-4s %s (%d file%s): variant %s, %s, kernel %s\n",
			s->name, s->arg, s->nr_docs, s->nr_docs == 1 ? "" : "s",
			s->variant, s->accel, s->kernel);
	}
	if (c->pool)
		fprintf(f, markdown ? "- method: Hodges-Lehmann shift of log(CUR/BASE), exact Mann-Whitney %g%% CI against a pool of nights; worse or better when the whole CI clears +-%g%% and %g x the pool's drift; blind when +-%g%% could not be resolved\n\n" :
			"method: Hodges-Lehmann shift of log(CUR/BASE), exact Mann-Whitney %g%% CI against a pool of nights; worse or better when the whole CI clears +-%g%% and %g x the pool's drift; blind when +-%g%% could not be resolved\n",
			c->opts.confidence * 100, c->opts.threshold_pct, c->opts.drift_k,
			2 * c->opts.threshold_pct);
	else
		fprintf(f, markdown ? "- method: Hodges-Lehmann shift of log(CUR/BASE), exact Mann-Whitney %g%% CI; threshold +-%g%%, noise limit +-%g%%\n\n" :
			"method: Hodges-Lehmann shift of log(CUR/BASE), exact Mann-Whitney %g%% CI; threshold +-%g%%, noise limit +-%g%%\n",
			c->opts.confidence * 100, c->opts.threshold_pct, c->opts.noise_pct);
	for (int i = 0; i < c->nr;) {
		int j = i, any = 0;

		while (j < c->nr && c->s[j].config == c->s[i].config)
			any |= c->s[j++].matched;
		if (any) {
			const struct fl_cmp_series *s = &c->s[i];

			fprintf(f, markdown ? "### %s: %s\n\noptions: %s\n\n" : "\n%s: %s [%s]\n",
				s->workload, s->params, s->options);
			render_group(f, c, i, j, markdown);
			if (markdown)
				fputc('\n', f);
		}
		i = j;
	}
	if (c->unmatched[FL_BASE] + c->unmatched[FL_CUR])
		fprintf(f, markdown ? "\nUnmatched (on one side only): %d in BASE, %d in CUR.\n\n" :
			"\nunmatched (on one side only): %d in BASE, %d in CUR\n",
			c->unmatched[FL_BASE], c->unmatched[FL_CUR]);
	for (int i = 0; i < c->nr && !markdown; i++) {
		const struct fl_cmp_series *s = &c->s[i];
		char nb[16];

		if (s->matched || s->dropped)
			continue;
		if (shown++ == UNMATCHED_SHOWN) {
			fprintf(f, "  ... (all in --json)\n");
			break;
		}
		fprintf(f, "  only in %s: %s %s [%s] threads %d node %s %s\n",
			s->n[FL_CUR] || s->errors[FL_CUR] ? "CUR" : "BASE", s->workload,
			s->params, s->options, s->threads, fl_cmp_node_str(s, nb, sizeof(nb)),
			s->metric);
	}
	/* A pool's night is blind where a lone comparison is noisy. */
	fprintf(f, markdown ? "**verdict: %s** (%d worse, %d better, %d unchanged, %d %s, %d untrustworthy, %d known, %d unmatched)\n" :
		"\nverdict: %s (%d worse, %d better, %d unchanged, %d %s, %d untrustworthy, %d known, %d unmatched)\n",
		fl_cmp_verdict(c), c->counts[FL_VERDICT_WORSE],
		c->counts[FL_VERDICT_BETTER], c->counts[FL_VERDICT_UNCHANGED],
		c->counts[c->pool ? FL_VERDICT_BLIND : FL_VERDICT_NOISY],
		c->pool ? "blind" : "noisy", c->counts[FL_VERDICT_UNTRUSTWORTHY],
		c->counts[FL_VERDICT_KNOWN], c->unmatched[FL_BASE] + c->unmatched[FL_CUR]);
}

static int write_markdown(const char *path, const struct fl_cmp *c,
			  const struct fl_cmp_side *sides)
{
	char err[FL_ERR_LEN];
	struct fl_out_file o;
	int ret = fl_out_open(&o, path, err, sizeof(err));

	if (!ret) {
		render(o.f, c, sides, true);
		ret = fl_out_commit(&o, err, sizeof(err));
	}
	if (ret)
		fl_err("compare: %s", err);
	return ret;
}

static json_t *num_or_null(double v)
{
	return isfinite(v) ? json_real(v) : json_null();
}

/* One JSON line per compared metric, appended: the nightly trend. */
static int append_history(const char *path, const struct fl_cmp *c,
			  const struct fl_cmp_side *sides)
{
	const struct fl_cmp_side *cur = &sides[FL_CUR];
	char now[64];
	time_t t = time(NULL);
	char err[FL_ERR_LEN];
	struct fl_out_file o;
	int ret = fl_out_open_append(&o, path, err, sizeof(err));

	if (ret) {
		fl_err("compare: %s", err);
		return ret;
	}
	strftime(now, sizeof(now), "%Y-%m-%dT%H:%M:%S%z", localtime(&t));
	for (int i = 0; i < c->nr && !ret; i++) {
		const struct fl_cmp_series *s = &c->s[i];
		const struct fl_stats_cmp *r = &s->res;
		double lo = INFINITY, hi = -INFINITY;
		json_t *line;

		if (!s->matched)
			continue;
		for (int k = 0; k < s->n[FL_BASE]; k++) {
			lo = fmin(lo, s->v[FL_BASE][k]);
			hi = fmax(hi, s->v[FL_BASE][k]);
		}
		line = json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:b, s:i}",
				 "time", cur->written[0] ? cur->written : now,
				 "written_at", now, "cur_path", cur->arg,
				 "base_path", sides[FL_BASE].arg, "variant", cur->variant,
				 "accel", cur->accel, "kernel", cur->kernel,
				 "workload", s->workload, "params", s->params,
				 "options", s->options, "baseline", s->baseline,
				 "threads", s->threads);
		if (!line) {
			ret = -ENOMEM;
			break;
		}
		json_object_set_new(line, "node", s->node < 0 ? json_string("all") :
				    json_integer(s->node));
		json_object_set_new(line, "metric", json_string(s->metric));
		json_object_set_new(line, "unit", json_string(s->unit));
		json_object_set_new(line, "direction",
				    json_string(s->higher_better ? "higher" : "lower"));
		json_object_set_new(line, "median", num_or_null(r->cur_median));
		json_object_set_new(line, "base_median", num_or_null(r->base_median));
		json_object_set_new(line, "base_min", num_or_null(lo));
		json_object_set_new(line, "base_max", num_or_null(hi));
		json_object_set_new(line, "change_pct", num_or_null(r->change_pct));
		json_object_set_new(line, "ci_lo", num_or_null(r->has_ci ? r->ci_lo_pct : NAN));
		json_object_set_new(line, "ci_hi", num_or_null(r->has_ci ? r->ci_hi_pct : NAN));
		json_object_set_new(line, "verdict", json_string(fl_verdict_str(r->verdict)));
		if (json_dumpf(line, o.f, JSON_COMPACT | JSON_PRESERVE_ORDER |
			       JSON_REAL_PRECISION(10)) || fputc('\n', o.f) == EOF)
			ret = -(o.error ?: EIO);
		json_decref(line);
	}
	if (ret) {
		fl_err("compare: append to %s: %s", path, strerror(-ret));
		fl_out_discard(&o);
		return ret;
	}
	ret = fl_out_commit(&o, err, sizeof(err));
	if (ret)
		fl_err("compare: %s", err);
	return ret;
}

static void warn_line(const char *msg)
{
	fl_warn("%s", msg);
}

int fl_cmp_write(const struct fl_cmp *c, const struct fl_cmp_side *sides,
		 const struct fl_cmp_outputs *o)
{
	char err[FL_ERR_LEN];
	int ret = 0;

	render(stdout, c, sides, false);
	if (o->json) {
		json_t *doc = fl_cmp_json(c, sides);

		if (doc && o->extra)
			json_object_update(doc, o->extra);
		ret = doc ? fl_json_write_atomic(doc, o->json, err, sizeof(err)) : -ENOMEM;
		json_decref(doc);
		if (ret)
			fl_err("compare: %s", ret == -ENOMEM && !doc ?
			       "out of memory" : err);
	}
	if (o->markdown && !ret)
		ret = write_markdown(o->markdown, c, sides);
	if (o->history && !ret)
		ret = append_history(o->history, c, sides);
	return ret;
}

/* The comparison itself, once both sides are loaded. */
static int compare_sides(struct fl_cmp_side *sides, const struct compare_opts *co,
			 const struct fl_stats_opts *so)
{
	const struct fl_cmp_outputs out = { .json = co->json,
		.markdown = co->markdown, .history = co->history };
	char err[FL_ERR_LEN];
	struct fl_cmp c;
	int ret, status;

	if (fl_cmp_refuse(sides, co->force, err, sizeof(err), warn_line)) {
		fl_err("%s", err);
		return FL_EXIT_USAGE;
	}
	if (fl_cmp_init(&c, so)) {
		fl_err("compare: out of memory");
		return FL_EXIT_RESOURCE;
	}
	ret = fl_cmp_collect(&c, &sides[FL_BASE], FL_BASE);
	ret = ret ?: fl_cmp_collect(&c, &sides[FL_CUR], FL_CUR);
	ret = ret ?: fl_cmp_evaluate(&c);
	if (ret < 0) {
		fl_err("compare: out of memory");
		fl_cmp_free(&c);
		return FL_EXIT_RESOURCE;
	}
	if (ret == 0) {
		fl_err("compare: no matching runs: no run in CUR (%s) has the workload, params, run options and thread count of a run in BASE (%s); see --help for what must match",
		       sides[FL_CUR].arg, sides[FL_BASE].arg);
		fl_cmp_free(&c);
		return FL_EXIT_USAGE;
	}
	status = c.counts[FL_VERDICT_WORSE] ? FL_EXIT_CHECK :
		 c.counts[FL_VERDICT_UNTRUSTWORTHY] ? FL_EXIT_UNTRUSTWORTHY : FL_EXIT_OK;
	ret = fl_cmp_write(&c, sides, &out);
	if (ret)
		status = fl_exit_worst(status, fl_exit_for_errno(ret));
	fl_cmp_free(&c);
	return status;
}

int cmd_compare(int argc, char **argv)
{
	struct compare_opts co = { 0 };
	struct fl_opt_set set = { compare_options, &co };
	struct fl_cmp_side sides[2] = { 0 };
	struct fl_stats_opts so;
	char err[FL_ERR_LEN], *opts[64], *pos[2];
	int nr_opts, nr_pos, ret;

	if (argc > (int)ARRAY_SIZE(opts) ||
	    split_args(argc, argv, opts, &nr_opts, pos, &nr_pos)) {
		fl_err("compare: too many arguments (usage: faultline compare [options] BASE CUR)");
		return FL_EXIT_USAGE;
	}
	if (fl_opt_defaults(&set, 1, err, sizeof(err))) {
		fl_err("compare: %s", err);
		return FL_EXIT_USAGE;
	}
	ret = fl_opt_parse(&set, 1, nr_opts, opts, err, sizeof(err));
	if (ret == 1) {
		compare_usage(stdout);
		return FL_EXIT_OK;
	}
	if (ret) {
		fl_err("compare: %s", err);
		return FL_EXIT_USAGE;
	}
	if (nr_pos != 2) {
		fl_err("compare: expected BASE and CUR (usage: faultline compare [options] BASE CUR)");
		return FL_EXIT_USAGE;
	}
	/* An output that cannot be written fails now, not after the work. */
	const char *outs[][2] = { { "json", co.json }, { "markdown", co.markdown },
				  { "history", co.history } };

	for (size_t i = 0; i < ARRAY_SIZE(outs); i++) {
		if (outs[i][1] && fl_out_check(outs[i][1], err, sizeof(err))) {
			fl_err("compare: --%s %s", outs[i][0], err);
			return FL_EXIT_USAGE;
		}
	}
	fl_stats_opts_default(&so);
	so.threshold_pct = co.threshold;
	so.noise_pct = co.noise;
	so.confidence = co.confidence;

	ret = fl_cmp_side_load(&sides[FL_BASE], "BASE", pos[0], err, sizeof(err));
	if (!ret)
		ret = fl_cmp_side_load(&sides[FL_CUR], "CUR", pos[1], err, sizeof(err));
	if (ret) {
		fl_err("%s", ret == -ENOMEM ? "compare: out of memory" : err);
		ret = ret == -ENOMEM ? FL_EXIT_RESOURCE : FL_EXIT_USAGE;
	} else {
		ret = compare_sides(sides, &co, &so);
	}
	fl_cmp_side_free(&sides[FL_BASE]);
	fl_cmp_side_free(&sides[FL_CUR]);
	return ret;
}
