// SPDX-License-Identifier: GPL-2.0
/*
 * Summaries of result documents: a table per workload configuration
 * (medians over repetitions, per thread count and NUMA node), rendered as
 * aligned text for the terminal or Markdown for summary.md. Values that an
 * untrustworthy run spoils are marked (summary_validity.h).
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "analysis/summary.h"
#include "analysis/summary_validity.h"
#include "base/faultline.h"
#include "base/format.h"
#include "base/json_doc.h"
#include "base/schema.h"
#include "base/stats.h"
#include "base/table.h"
#include "base/validity.h"

#define NR_COLS 9
#define NR_VALUES (NR_COLS - 3)	/* after threads, invalidator, node */

enum { FMT_RATE, FMT_RATIO, FMT_NS };

/* A value column; the first of a layout is the headline, with min-max. */
struct column {
	const char *header;
	const char *path;		/* in totals, or in the node */
	bool beside_totals;		/* the all-node row finds it in the run */
	int fmt;
	const char *family, *family2;	/* the metric families that spoil it */
};

/* Without an invalidator: throughput and touch latency. */
static const struct column touch_cols[NR_VALUES] = {
	{ "ops/s", "ops_per_sec", false, FMT_RATE, "ops", NULL },
	{ "faults/s", "faults_per_sec", false, FMT_RATE, "faults", NULL },
	{ "faults/op", "faults_per_op", false, FMT_RATIO, "ops", "faults" },
	{ "p50", "latency_ns.p50", true, FMT_NS, "latency", NULL },
	{ "p99", "latency_ns.p99", true, FMT_NS, "latency", NULL },
	{ "max", "latency_ns.max", true, FMT_NS, "latency", NULL },
};

/*
 * With one, every row (the baseline's too, so the two compare) leads with
 * faults/s and the latency of the touches that faulted: invalidation
 * makes faults, and touch latency is mostly page-cache hits.
 */
static const struct column inval_cols[NR_VALUES] = {
	{ "faults/s", "faults_per_sec", false, FMT_RATE, "faults", NULL },
	{ "fault p50", "fault_latency_ns.p50", true, FMT_NS, "fault_latency", NULL },
	{ "fault p99", "fault_latency_ns.p99", true, FMT_NS, "fault_latency", NULL },
	{ "ops/s", "ops_per_sec", false, FMT_RATE, "ops", NULL },
	{ "faults/op", "faults_per_op", false, FMT_RATIO, "ops", "faults" },
	{ "touch p99", "latency_ns.p99", true, FMT_NS, "latency", NULL },
};

struct table {
	const struct column *cols;
	struct fl_table *cells;
};

/* Runs group by thread count and by whether an invalidator ran. */
static int group_of(json_t *run)
{
	return (int)json_integer_value(json_object_get(run, "threads")) * 2 +
	       json_is_object(json_object_get(run, "invalidator"));
}

/* "-" without invalidators, "none" for a baseline, else kind and rate. */
static void invalidator_cell(char *buf, size_t len, json_t *runs, int group)
{
	json_t *run, *inv = NULL;
	bool baseline = false;
	double rates[256];
	char rate[16];
	int n = 0;
	size_t i;

	json_array_foreach(runs, i, run) {
		if (group_of(run) != group)
			continue;
		baseline |= json_is_true(json_object_get(run, "baseline"));
		if (json_is_object(json_object_get(run, "invalidator")) && n < 256) {
			inv = json_object_get(run, "invalidator");
			rates[n++] = fl_json_num(inv, "ops_per_sec");
		}
	}
	if (!inv) {
		snprintf(buf, len, "%s", baseline ? "none" : "-");
		return;
	}
	fl_fmt_rate(rate, sizeof(rate), fl_stats_median(rates, n));
	snprintf(buf, len, "%s %s/s",
		 json_string_value(json_object_get(inv, "kind")) ?: "?", rate);
}

/* A run's value of @col in the section of @node (-1: the run's totals). */
static double column_value(json_t *run, const struct column *col, int node)
{
	json_t *nd, *sec = NULL;
	size_t k;

	if (node < 0)
		return fl_json_num(col->beside_totals ? run : json_object_get(run, "totals"),
				   col->path);
	json_array_foreach(json_object_get(run, "nodes"), k, nd)
		if (json_integer_value(json_object_get(nd, "node")) == node)
			sec = nd;
	return sec ? fl_json_num(sec, col->path) : NAN;
}

static bool has_node(json_t *run, int node)
{
	json_t *nd;
	size_t k;

	if (node < 0)
		return json_object_get(run, "totals");
	json_array_foreach(json_object_get(run, "nodes"), k, nd)
		if (json_integer_value(json_object_get(nd, "node")) == node)
			return true;
	return false;
}

static void format_value(char *buf, size_t len, int fmt, double v)
{
	if (fmt == FMT_RATE)
		fl_fmt_rate(buf, len, v);
	else if (fmt == FMT_NS)
		fl_fmt_ns(buf, len, v);
	else if (isfinite(v))
		snprintf(buf, len, "%.3f", v);
	else
		snprintf(buf, len, "-");
}

/*
 * One row: medians over the runs of @group (see group_of) of the section
 * selected by @node (-1: the run's totals and overall latency), the
 * headline with its min-max. A value is marked when any of those runs is
 * untrustworthy for its metric family: a median over repetitions hides
 * which one was bad, so the row says it holds one.
 */
static void add_row(struct table *t, json_t *runs, int group, int node)
{
	double v[NR_VALUES][256], lo = INFINITY, hi = -INFINITY;
	bool spoiled[NR_VALUES] = { false }, inval_spoiled = false;
	int n = 0;
	size_t i;
	json_t *run;

	json_array_foreach(runs, i, run) {
		if (group_of(run) != group || n == 256 || !has_node(run, node))
			continue;
		for (int c = 0; c < NR_VALUES; c++) {
			const struct column *col = &t->cols[c];

			v[c][n] = column_value(run, col, node);
			spoiled[c] |= fl_validity_spoils(run, col->family) ||
				      (col->family2 && fl_validity_spoils(run, col->family2));
		}
		inval_spoiled |= fl_validity_spoils(run, "invalidator");
		if (isfinite(v[0][n])) {
			lo = fmin(lo, v[0][n]);
			hi = fmax(hi, v[0][n]);
		}
		n++;
	}
	if (!n)
		return;
	char c[NR_COLS][48];

	snprintf(c[0], sizeof(c[0]), "%d", group / 2);
	invalidator_cell(c[1], sizeof(c[1]), runs, group);
	/* "-" and a baseline's "none" hold no invalidator figure. */
	fl_mark_cell(c[1], sizeof(c[1]), inval_spoiled && group % 2);
	if (node < 0)
		snprintf(c[2], sizeof(c[2]), "all");
	else
		snprintf(c[2], sizeof(c[2]), "%d", node);
	for (int k = 0; k < NR_VALUES; k++) {
		char *cell = c[3 + k];

		format_value(cell, sizeof(c[0]), t->cols[k].fmt, fl_stats_median(v[k], n));
		if (!k && n > 1 && lo <= hi) {
			char a[16], b[16];
			size_t used = strlen(cell);

			format_value(a, sizeof(a), t->cols[k].fmt, lo);
			format_value(b, sizeof(b), t->cols[k].fmt, hi);
			snprintf(cell + used, sizeof(c[0]) - used, " (%s-%s)", a, b);
		}
		/* No value, nothing to distrust. */
		fl_mark_cell(cell, sizeof(c[0]), spoiled[k] && strcmp(cell, "-"));
	}
	for (int k = 0; k < NR_COLS; k++)
		fl_table_cell(t->cells, "%s", c[k]);
}

/* "map=shared access=write ..." from workload.params, and a mode other than threads. */
static void params_line(json_t *doc, char *buf, size_t len)
{
	json_t *params = json_object_get(json_object_get(doc, "workload"), "params");
	const char *key;
	json_t *v;
	size_t off = 0;

	buf[0] = '\0';
	json_object_foreach(params, key, v) {
		char val[64];

		if (json_is_string(v))
			snprintf(val, sizeof(val), "%s", json_string_value(v));
		else if (json_is_integer(v))
			snprintf(val, sizeof(val), "%lld",
				 (long long)json_integer_value(v));
		else if (json_is_boolean(v))
			snprintf(val, sizeof(val), "%s", json_is_true(v) ? "on" : "off");
		else
			continue;
		if (off < len)
			off += (size_t)snprintf(buf + off, len - off, "%s%s=%s",
						off ? " " : "", key, val);
	}
	/* Actors as processes measure something else: say so beside the params. */
	v = json_object_get(json_object_get(json_object_get(doc, "workload"), "run_options"), "mode");
	if (json_is_string(v) && strcmp(json_string_value(v), "threads") && off < len)
		snprintf(buf + off, len - off, "%smode=%s", off ? " " : "", json_string_value(v));
}

/* Append @v to @set unless it is there already (small sets: linear). */
static void add_unique(int *set, int *nr, int cap, int v)
{
	for (int i = 0; i < *nr; i++)
		if (set[i] == v)
			return;
	if (*nr < cap)
		set[(*nr)++] = v;
}

/*
 * Under the table: the reasons, once each (Markdown), or how many runs
 * are untrustworthy (terminal; `faultline run` lists the reasons).
 */
static void validity_notes(FILE *f, json_t *doc, int markdown)
{
	json_t *runs = json_object_get(doc, "runs"), *run;
	int bad = fl_summary_untrustworthy(runs), unknown = 0;
	size_t i;

	json_array_foreach(runs, i, run)
		unknown += json_is_string(json_object_get(run, "fault_latency_unknown"));

	if (!markdown) {
		if (bad)
			fprintf(f, "untrustworthy: %d of %zu run%s (%s marks the values), see validity in the result\n",
			       bad, json_array_size(runs), json_array_size(runs) == 1 ? "" : "s",
			       FL_MARK);
		else if (!fl_validity_ok(doc))
			fprintf(f, "untrustworthy: see validity in the result\n");
		return;
	}
	if (unknown)
		fprintf(f, "Fault latency `-`: in %d run%s the touches that faulted could not be told "
			"from the others (`fault_latency_unknown` in the result says why).\n\n",
			unknown, unknown == 1 ? "" : "s");
	if (bad) {
		fl_summary_reasons(f, runs, fl_summary_run_name);
		return;
	}
	/* Reasons of the document alone (no run carries them). */
	fl_summary_doc_reasons(f, doc);
}

void fl_summary_table(FILE *f, json_t *doc, int markdown)
{
	json_t *runs = json_object_get(doc, "runs"), *run;
	struct table table = { .cols = touch_cols }, *t = &table;
	int groups[512], nr_groups = 0;
	const char *status = json_string_value(json_object_get(doc, "status"));
	char params[512];
	size_t i;

	json_array_foreach(runs, i, run)
		if (json_is_object(json_object_get(run, "invalidator")))
			t->cols = inval_cols;
	t->cells = fl_table_new("rrrrrrrrr", "threads", "invalidator", "node",
				t->cols[0].header, t->cols[1].header, t->cols[2].header,
				t->cols[3].header, t->cols[4].header, t->cols[5].header, NULL);
	params_line(doc, params, sizeof(params));
	fprintf(f, markdown ? "### %s: %s\n\n" : "%s: %s\n",
		json_string_value(json_object_get(json_object_get(doc, "workload"), "name")),
		params);
	if (status && strcmp(status, "ok"))
		fprintf(f, markdown ? "**status: %s** (%s)\n\n" : "status: %s (%s)\n",
			status, json_string_value(json_object_get(doc, "error")) ?: "");
	json_array_foreach(runs, i, run)
		add_unique(groups, &nr_groups, 512, group_of(run));
	for (int k = 0; k < nr_groups; k++) {
		int nodes[64], nr_nodes = 0;
		json_t *nd;
		size_t j;

		json_array_foreach(runs, i, run) {
			if (group_of(run) != groups[k])
				continue;
			json_array_foreach(json_object_get(run, "nodes"), j, nd)
				add_unique(nodes, &nr_nodes, 64, (int)json_integer_value(
					   json_object_get(nd, "node")));
		}
		/* The overall row only adds information with several nodes. */
		if (nr_nodes != 1)
			add_row(t, runs, groups[k], -1);
		for (int n = 0; n < nr_nodes; n++)
			add_row(t, runs, groups[k], nodes[n]);
	}
	fl_table_print(t->cells, f, markdown);
	fl_table_free(t->cells);
	if (markdown)
		fputc('\n', f);
	validity_notes(f, doc, markdown);
}

/* A stress check, in the list of reasons under its table: its name. */
static void check_name(json_t *chk, size_t index, char *buf, size_t len)
{
	(void)index;
	snprintf(buf, len, "%s", json_string_value(json_object_get(chk, "name")) ?: "?");
}

/*
 * The verdict table of a `faultline stress` document: the verdicts
 * counted in the heading (known and not_run never pass unseen), a known
 * failure's reason and reference in its row, an untrustworthy check's
 * verdict marked, and its reasons under the table.
 */
void fl_summary_stress(FILE *f, json_t *doc)
{
	static const char *const verdicts[] = {
		"pass", "fail", "known", "not_run", "skip", "error",
	};
	int counts[ARRAY_SIZE(verdicts)] = { 0 };
	struct fl_table *t;
	json_t *chk;
	size_t i;
	bool first = true;

	json_array_foreach(json_object_get(doc, "checks"), i, chk)
		for (size_t v = 0; v < ARRAY_SIZE(verdicts); v++)
			counts[v] += !strcmp(json_string_value(json_object_get(chk, "verdict")) ?: "",
					     verdicts[v]);
	fprintf(f, "### stress: %s (",
		json_string_value(json_object_get(doc, "status")) ?: "?");
	for (size_t v = 0; v < ARRAY_SIZE(verdicts); v++)
		if (counts[v]) {
			fprintf(f, "%s%d %s", first ? "" : ", ", counts[v], verdicts[v]);
			first = false;
		}
	fprintf(f, ")\n\n");
	t = fl_table_new("lrrrrl", "check", "iterations", "violations", "unexpected SIGBUS",
			 "kernel log", "verdict", NULL);
	json_array_foreach(json_object_get(doc, "checks"), i, chk) {
		json_t *oracle = json_object_get(chk, "oracle");
		json_t *klog = json_object_get(chk, "kernel_log");
		json_t *known = json_object_get(chk, "known");
		const char *reason = json_string_value(json_object_get(chk, "reason"));
		char kl[32], verdict[32];

		if (json_is_array(klog))
			snprintf(kl, sizeof(kl), "%zu", json_array_size(klog));
		else
			snprintf(kl, sizeof(kl), "n/a");
		snprintf(verdict, sizeof(verdict), "%s",
			 json_string_value(json_object_get(chk, "verdict")) ?: "?");
		fl_mark_cell(verdict, sizeof(verdict), !fl_validity_ok(chk));
		fl_table_cell(t, "%s", json_string_value(json_object_get(chk, "name")) ?: "?");
		fl_table_cell(t, "%lld", (long long)json_integer_value(json_object_get(chk, "iterations")));
		fl_table_cell(t, "%lld", (long long)json_integer_value(json_object_get(oracle, "violations")));
		fl_table_cell(t, "%lld", (long long)json_integer_value(json_object_get(oracle, "sigbus_unexpected")));
		fl_table_cell(t, "%s", kl);
		if (known)
			fl_table_cell(t, "%s: %s; reference: %s", verdict,
				      json_string_value(json_object_get(known, "reason")) ?: "",
				      json_string_value(json_object_get(known, "reference")) ?: "");
		else if (reason)
			fl_table_cell(t, "%s: %s", verdict, reason);
		else
			fl_table_cell(t, "%s", verdict);
	}
	fl_table_print(t, f, true);
	fl_table_free(t);
	fputc('\n', f);
	fl_summary_reasons(f, json_object_get(doc, "checks"), check_name);
}

/*
 * The header of summary.md, from the first document's host section, and
 * how many of the documents are untrustworthy (@count).
 */
void fl_summary_header(FILE *f, json_t *doc, const char *dir,
		       const struct fl_doc_count *count)
{
	json_t *host = json_object_get(doc, "host");
	json_t *kernel = json_object_get(host, "kernel");
	json_t *cpu = json_object_get(host, "cpu");
	json_t *fs = json_object_get(host, "test_fs");
	json_t *counter = json_object_get(json_object_get(json_object_get(
		json_array_get(json_object_get(doc, "runs"), 0), "kernel"),
		"fault_counter"), "source");
	long long nodes = json_integer_value(json_object_get(cpu, "nodes"));
	char counted[128];

	fl_doc_count_text(count, counted, sizeof(counted));
	fprintf(f, "# faultline summary\n\n");
	fprintf(f, "- results: `%s`\n", dir);
	fprintf(f, "- validity: %s%s\n", counted, count->untrustworthy ?
		" (`" FL_MARK "` marks the values they spoil; the reasons are under each table)" : "");
	fprintf(f, "- host: %s, kernel %s (%s, %s)\n",
		json_string_value(json_object_get(host, "hostname")) ?: "?",
		json_string_value(json_object_get(kernel, "release")) ?: "?",
		json_string_value(json_object_get(doc, "variant")) ?: "?",
		json_string_value(json_object_get(doc, "accel")) ?: "?");
	fprintf(f, "- cpu: %s; %lld PUs, %lld NUMA node%s (%s)\n",
		json_string_value(json_object_get(cpu, "model")) ?: "?",
		(long long)json_integer_value(json_object_get(cpu, "pus")),
		nodes, nodes == 1 ? "" : "s",
		json_string_value(json_object_get(cpu, "topology")) ?: "?");
	fprintf(f, "- THP: %s; test files on %s\n",
		json_string_value(json_object_get(json_object_get(host, "thp"),
						  "enabled")) ?: "?",
		json_string_value(json_object_get(fs, "type")) ?: "?");
	/* The reading guide of `faultline run` tables; MPI tables explain themselves. */
	if (strcmp(json_string_value(json_object_get(doc, "schema")) ?: "", FL_SCHEMA_RESULT)) {
		fputc('\n', f);
		return;
	}
	fprintf(f, "- ops are page touches; faults are counted by the kernel "
		"for the actors' threads (%s); ops/s is the median over "
		"repetitions (min-max in parentheses); latency is per touch, the "
		"median over repetitions of each percentile. Tables of runs with "
		"an invalidator lead with faults/s (min-max) and the latency of "
		"the touches that faulted (fault p50, fault p99), on the baseline "
		"rows too.\n\n",
		json_string_value(counter) ? json_string_value(counter) : "unknown source");
}
