// SPDX-License-Identifier: GPL-2.0
/*
 * Summaries of result documents: a table per workload configuration
 * (medians over repetitions, per thread count and NUMA node), rendered as
 * aligned text for the terminal or Markdown for summary.md.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "commands.h"
#include "faultline.h"
#include "result.h"
#include "stats.h"

#define MAX_ROWS 512
#define NR_COLS 9

static const char *const headers[NR_COLS] = {
	"threads", "invalidator", "node", "ops/s", "faults/s", "faults/op",
	"p50", "p99", "max",
};

struct table {
	int nr;
	char cell[MAX_ROWS][NR_COLS][48];
};

void fl_fmt_rate(char *buf, size_t len, double v)
{
	if (!isfinite(v))
		snprintf(buf, len, "-");
	else if (v >= 1e6)
		snprintf(buf, len, "%.2fM", v / 1e6);
	else if (v >= 1e3)
		snprintf(buf, len, "%.1fk", v / 1e3);
	else
		snprintf(buf, len, "%.0f", v);
}

void fl_fmt_ns(char *buf, size_t len, double ns)
{
	if (!isfinite(ns))
		snprintf(buf, len, "-");
	else if (ns >= 1e9)
		snprintf(buf, len, "%.2f s", ns / 1e9);
	else if (ns >= 1e6)
		snprintf(buf, len, "%.2f ms", ns / 1e6);
	else if (ns >= 1e3)
		snprintf(buf, len, "%.2f us", ns / 1e3);
	else
		snprintf(buf, len, "%.0f ns", ns);
}

double fl_json_num(json_t *o, const char *path)
{
	char key[64];
	const char *dot;

	while ((dot = strchr(path, '.'))) {
		snprintf(key, sizeof(key), "%.*s", (int)(dot - path), path);
		o = json_object_get(o, key);
		path = dot + 1;
	}
	o = json_object_get(o, path);
	return json_is_number(o) ? json_number_value(o) : NAN;
}

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

/*
 * One row: medians over the runs of @group (see group_of) of the section
 * selected by @node (-1: the run's totals and overall latency).
 */
static void add_row(struct table *t, json_t *runs, int group, int node)
{
	static const char *const fields[] = {
		"ops_per_sec", "faults_per_sec", "faults_per_op",
		"latency_ns.p50", "latency_ns.p99", "latency_ns.max",
	};
	double v[ARRAY_SIZE(fields)][256], lo = INFINITY, hi = 0;
	int n = 0;
	size_t i;
	json_t *run;

	if (t->nr == MAX_ROWS)
		return;
	json_array_foreach(runs, i, run) {
		json_t *sec = NULL, *nd;
		size_t k;

		if (group_of(run) != group || n == 256)
			continue;
		if (node < 0) {
			sec = json_object_get(run, "totals");
		} else {
			json_array_foreach(json_object_get(run, "nodes"), k, nd)
				if (json_integer_value(json_object_get(nd, "node")) == node)
					sec = nd;
		}
		if (!sec)
			continue;
		for (size_t f = 0; f < ARRAY_SIZE(fields); f++) {
			/* Overall latency lives beside totals, not in it. */
			json_t *from = node < 0 && f >= 3 ? run : sec;

			v[f][n] = fl_json_num(from, fields[f]);
		}
		if (v[0][n] < lo)
			lo = v[0][n];
		if (v[0][n] > hi)
			hi = v[0][n];
		n++;
	}
	if (!n)
		return;
	char (*c)[48] = t->cell[t->nr++];

	snprintf(c[0], sizeof(c[0]), "%d", group / 2);
	invalidator_cell(c[1], sizeof(c[1]), runs, group);
	if (node < 0)
		snprintf(c[2], sizeof(c[2]), "all");
	else
		snprintf(c[2], sizeof(c[2]), "%d", node);
	fl_fmt_rate(c[3], sizeof(c[3]), fl_stats_median(v[0], n));
	if (n > 1) {
		char a[16], b[16];
		size_t used = strlen(c[3]);

		fl_fmt_rate(a, sizeof(a), lo);
		fl_fmt_rate(b, sizeof(b), hi);
		snprintf(c[3] + used, sizeof(c[3]) - used, " (%s-%s)", a, b);
	}
	fl_fmt_rate(c[4], sizeof(c[4]), fl_stats_median(v[1], n));
	double fpo = fl_stats_median(v[2], n);

	if (isfinite(fpo))
		snprintf(c[5], sizeof(c[5]), "%.3f", fpo);
	else
		snprintf(c[5], sizeof(c[5]), "-");
	fl_fmt_ns(c[6], sizeof(c[6]), fl_stats_median(v[3], n));
	fl_fmt_ns(c[7], sizeof(c[7]), fl_stats_median(v[4], n));
	fl_fmt_ns(c[8], sizeof(c[8]), fl_stats_median(v[5], n));
}

static void render(FILE *f, const struct table *t, int markdown)
{
	int w[NR_COLS];

	for (int c = 0; c < NR_COLS; c++) {
		w[c] = (int)strlen(headers[c]);
		for (int r = 0; r < t->nr; r++)
			if ((int)strlen(t->cell[r][c]) > w[c])
				w[c] = (int)strlen(t->cell[r][c]);
	}
	for (int r = -1; r < t->nr; r++) {
		for (int c = 0; c < NR_COLS; c++) {
			const char *s = r < 0 ? headers[c] : t->cell[r][c];

			if (markdown)
				fprintf(f, "| %*s ", w[c], s);
			else
				fprintf(f, "%s%*s", c ? "  " : "", w[c], s);
		}
		fprintf(f, markdown ? "|\n" : "\n");
		if (r < 0 && markdown) {
			for (int c = 0; c < NR_COLS; c++)
				fprintf(f, "|%.*s:", w[c] + 1,
					"--------------------------------------------------");
			fprintf(f, "|\n");
		}
	}
}

/* "map=shared access=write ..." from workload.params. */
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

void fl_summary_table(FILE *f, json_t *doc, int markdown)
{
	json_t *runs = json_object_get(doc, "runs"), *run;
	struct table *t = calloc(1, sizeof(*t));
	int groups[512], nr_groups = 0;
	const char *status = json_string_value(json_object_get(doc, "status"));
	char params[512];
	size_t i;

	if (!t)
		return;
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
	render(f, t, markdown);
	if (markdown)
		fputc('\n', f);
	free(t);
}

/* The verdict table of a `faultline stress` document. */
static void stress_table(FILE *f, json_t *doc)
{
	json_t *chk;
	size_t i;

	fprintf(f, "### stress: %s\n\n",
		json_string_value(json_object_get(doc, "status")) ?: "?");
	fprintf(f, "| check | iterations | violations | unexpected SIGBUS | kernel log | verdict |\n"
		"|:--|--:|--:|--:|--:|:--|\n");
	json_array_foreach(json_object_get(doc, "checks"), i, chk) {
		json_t *oracle = json_object_get(chk, "oracle");
		json_t *klog = json_object_get(chk, "kernel_log");
		json_t *reason = json_object_get(chk, "reason");
		char kl[32];

		if (json_is_array(klog))
			snprintf(kl, sizeof(kl), "%zu", json_array_size(klog));
		else
			snprintf(kl, sizeof(kl), "n/a");
		fprintf(f, "| %s | %lld | %lld | %lld | %s | %s%s%s |\n",
			json_string_value(json_object_get(chk, "name")) ?: "?",
			(long long)json_integer_value(json_object_get(chk, "iterations")),
			(long long)json_integer_value(json_object_get(oracle, "violations")),
			(long long)json_integer_value(json_object_get(oracle, "sigbus_unexpected")),
			kl, json_string_value(json_object_get(chk, "verdict")) ?: "?",
			reason ? ": " : "", reason ? json_string_value(reason) : "");
	}
	fputc('\n', f);
}

/* The header of summary.md, from the first document's host section. */
static void summary_header(FILE *f, json_t *doc, const char *dir)
{
	json_t *host = json_object_get(doc, "host");
	json_t *kernel = json_object_get(host, "kernel");
	json_t *cpu = json_object_get(host, "cpu");
	json_t *fs = json_object_get(host, "test_fs");
	json_t *counter = json_object_get(json_object_get(json_object_get(
		json_array_get(json_object_get(doc, "runs"), 0), "kernel"),
		"fault_counter"), "source");
	long long nodes = json_integer_value(json_object_get(cpu, "nodes"));

	fprintf(f, "# faultline summary\n\n");
	fprintf(f, "- results: `%s`\n", dir);
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
	if (strcmp(json_string_value(json_object_get(doc, "schema")) ?: "", "faultline-result/1")) {
		fputc('\n', f);
		return;
	}
	fprintf(f, "- ops are page touches; faults are counted by the kernel "
		"for the actors' threads (%s); ops/s is the median over "
		"repetitions (min-max in parentheses); latency is per touch, the "
		"median over repetitions of each percentile.\n\n",
		json_string_value(counter) ? json_string_value(counter) : "unknown source");
}

int cmd_summary(int argc, char **argv)
{
	struct dirent **names;
	char path[PATH_MAX];
	int n, docs = 0;
	FILE *f;

	if (argc != 2 || !strcmp(argv[1], "--help")) {
		printf("usage: faultline summary DIR\n\nWrite DIR/summary.md from the result files in DIR.\n");
		return argc == 2 ? FL_EXIT_OK : FL_EXIT_USAGE;
	}
	n = fl_json_files(argv[1], &names);
	if (n < 0) {
		fl_err("summary: %s: %s", argv[1], strerror(errno));
		return FL_EXIT_USAGE;
	}
	snprintf(path, sizeof(path), "%s/summary.md", argv[1]);
	f = fopen(path, "w");
	/* No documents here: a directory of per-variant directories? */
	if (f && !n && fl_summary_variants(f, argv[1]))
		docs = 1;
	if (!f) {
		fl_err("summary: write %s: %s", path, strerror(errno));
		for (int i = 0; i < n; i++)
			free(names[i]);
		free(names);
		return FL_EXIT_USAGE;
	}
	for (int i = 0; i < n; i++) {
		char file[PATH_MAX];
		json_error_t jerr;
		json_t *doc;

		snprintf(file, sizeof(file), "%s/%s", argv[1], names[i]->d_name);
		doc = json_load_file(file, 0, &jerr);
		if (!doc) {
			fl_warn("summary: %s:%d: %s", file, jerr.line, jerr.text);
		} else {
			const char *schema = json_string_value(json_object_get(doc, "schema"));

			if (schema && !strcmp(schema, "faultline-result/1")) {
				if (!docs++)
					summary_header(f, doc, argv[1]);
				fl_summary_table(f, doc, 1);
				fl_summary_kernel(f, doc, 1);
				fprintf(f, "source: `%s`\n\n", names[i]->d_name);
			} else if (schema && !strcmp(schema, "faultline-mpi/1")) {
				if (!docs++)
					summary_header(f, doc, argv[1]);
				fl_summary_mpi(f, doc);
				fprintf(f, "source: `%s`\n\n", names[i]->d_name);
			} else if (schema && !strcmp(schema, "faultline-stress/1")) {
				if (!docs++)
					summary_header(f, doc, argv[1]);
				stress_table(f, doc);
				fprintf(f, "source: `%s`\n\n", names[i]->d_name);
			}
		}
		json_decref(doc);
		free(names[i]);
	}
	free(names);
	if (!docs)
		fprintf(f, "# faultline summary\n\nNo result files in `%s`.\n", argv[1]);
	if (fclose(f)) {
		fl_err("summary: write %s: %s", path, strerror(errno));
		return FL_EXIT_USAGE;
	}
	printf("%s\n", path);
	return docs ? FL_EXIT_OK : FL_EXIT_USAGE;
}
