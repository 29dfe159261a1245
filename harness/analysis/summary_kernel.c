// SPDX-License-Identifier: GPL-2.0
/*
 * The kernel-side part of a summary: which collectors ran, the most
 * contended locks per NUMA node, and kernel vs user-observed fault latency,
 * for the runs with the most threads (with their invalidator, if any).
 */
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "analysis/declared.h"
#include "analysis/summary.h"
#include "analysis/summary_validity.h"
#include "base/faultline.h"
#include "base/format.h"
#include "base/json_doc.h"
#include "base/stats.h"
#include "base/table.h"
#include "base/validity.h"

#define TOP_LOCKS 5

struct lock_row {
	int node;
	const char *name, *type, *caller;
	double contended, wait_total, wait_max;
};

static int by_total(const void *a, const void *b)
{
	const struct lock_row *x = a, *y = b;

	return x->wait_total < y->wait_total ? 1 : x->wait_total > y->wait_total ? -1 : 0;
}

/* The runs the section describes: most threads, invalidated if any were. */
static bool chosen(json_t *run, int threads, bool invalidated)
{
	return json_integer_value(json_object_get(run, "threads")) == threads &&
	       json_is_object(json_object_get(run, "invalidator")) == invalidated;
}

static void collectors_line(FILE *f, json_t *run)
{
	json_t *kernel = json_object_get(run, "kernel");
	json_t *cols = json_object_get(kernel, "collectors"), *c;
	const char *name;
	bool first = true;

	fprintf(f, "Collectors:");
	json_object_foreach(cols, name, c) {
		fprintf(f, "%s %s %s", first ? "" : ";", name,
			json_string_value(json_object_get(c, "status")) ?: "?");
		first = false;
	}
	fprintf(f, ".\n");
	if (json_is_false(json_object_get(kernel, "trustworthy")))
		fprintf(f, "**Kernel-side data untrustworthy: %s.**\n",
			json_string_value(json_object_get(kernel, "why_untrustworthy")) ?: "?");
	fputc('\n', f);
}

static struct lock_row *find_row(struct lock_row *rows, int nr, int node, json_t *l)
{
	for (int i = 0; i < nr; i++)
		if (rows[i].node == node &&
		    !strcmp(rows[i].name, json_string_value(json_object_get(l, "name")) ?: "") &&
		    !strcmp(rows[i].type, json_string_value(json_object_get(l, "type")) ?: "") &&
		    !strcmp(rows[i].caller, json_string_value(json_object_get(l, "caller")) ?: ""))
			return &rows[i];
	return NULL;
}

/* Whether any chosen run is untrustworthy for metric family @family. */
static bool spoiled(json_t *runs, int threads, bool inval, const char *family)
{
	json_t *run;
	size_t i;

	json_array_foreach(runs, i, run)
		if (chosen(run, threads, inval) && fl_validity_spoils(run, family))
			return true;
	return false;
}

/* Locks summed over the chosen runs, per node; the top few of each node. */
static void locks_table(FILE *f, json_t *runs, int threads, bool inval, int nr_runs)
{
	struct lock_row *rows = NULL;
	int nr = 0, cap = 0;
	struct fl_table *table;
	bool bad;
	json_t *run, *node, *l;
	size_t i, j, k;

	json_array_foreach(runs, i, run) {
		if (!chosen(run, threads, inval))
			continue;
		json_array_foreach(json_object_get(run, "nodes"), j, node) {
			int n = (int)json_integer_value(json_object_get(node, "node"));

			json_array_foreach(json_object_get(node, "locks"), k, l) {
				struct lock_row *r = find_row(rows, nr, n, l);

				if (!r) {
					if (nr == cap) {
						struct lock_row *m;

						cap = cap ? cap * 2 : 64;
						m = realloc(rows, (size_t)cap * sizeof(*rows));
						if (!m)
							goto out;
						rows = m;
					}
					r = &rows[nr++];
					*r = (struct lock_row){
						.node = n,
						.name = json_string_value(json_object_get(l, "name")) ?: "",
						.type = json_string_value(json_object_get(l, "type")) ?: "",
						.caller = json_string_value(json_object_get(l, "caller")) ?: "",
					};
				}
				r->contended += fl_json_num(l, "contended");
				r->wait_total += fl_json_num(l, "wait_total_ns");
				r->wait_max = fmax(r->wait_max, fl_json_num(l, "wait_max_ns"));
			}
		}
	}
	if (!nr) {
		fprintf(f, "No lock contention recorded.\n\n");
		goto out;
	}
	qsort(rows, (size_t)nr, sizeof(*rows), by_total);
	bad = spoiled(runs, threads, inval, "locks");
	table = fl_table_new("rlllrrr", "node", "lock", "type", "caller", "contended/run",
			     "wait/run", "max wait", NULL);
	for (int n = 0; n < 1024; n++) {
		int shown = 0;

		for (int r = 0; r < nr && shown < TOP_LOCKS; r++) {
			char tot[32], max[32], cont[32];

			if (rows[r].node != n)
				continue;
			snprintf(cont, sizeof(cont), "%.0f", rows[r].contended / nr_runs);
			fl_fmt_ns(tot, sizeof(tot), rows[r].wait_total / nr_runs);
			fl_fmt_ns(max, sizeof(max), rows[r].wait_max);
			fl_mark_cell(cont, sizeof(cont), bad);
			fl_mark_cell(tot, sizeof(tot), bad);
			fl_mark_cell(max, sizeof(max), bad);
			fl_table_cell(table, "%d", n);
			fl_table_cells(table, rows[r].name, rows[r].type, rows[r].caller,
				       cont, tot, max, NULL);
			shown++;
		}
	}
	fl_table_print(table, f, true);
	fl_table_free(table);
	fputc('\n', f);
out:
	free(rows);
}

/* Median over the chosen runs of one node's value; NAN when none have it. */
static double node_median(json_t *runs, int threads, bool inval, int node,
			  const char *path)
{
	double v[256];
	int n = 0;
	json_t *run, *nd;
	size_t i, j;

	json_array_foreach(runs, i, run) {
		if (!chosen(run, threads, inval))
			continue;
		json_array_foreach(json_object_get(run, "nodes"), j, nd) {
			double x = fl_json_num(nd, path);

			if (json_integer_value(json_object_get(nd, "node")) == node &&
			    isfinite(x) && n < 256)
				v[n++] = x;
		}
	}
	return n ? fl_stats_median(v, n) : NAN;
}

/*
 * What the user saw (touch latency, and the touches that faulted) beside
 * what the kernel spent per fault, per node.
 */
static void latency_table(FILE *f, json_t *runs, json_t *first, int threads, bool inval)
{
	/* What the actors saw; then what the collectors declared they measured. */
	static const struct {
		const char *label, *path, *family;
	} user[] = {
		{ "touch p99", "latency_ns.p99", "latency" },
		{ "fault p50", "fault_latency_ns.p50", "fault_latency" },
		{ "fault p99", "fault_latency_ns.p99", "fault_latency" },
	};
	json_t *declared = fl_declared_metrics(first), *nd, *m;
	size_t nr_cols = ARRAY_SIZE(user) + json_array_size(declared), j;
	char *align = malloc(nr_cols + 2);
	struct fl_table *t;
	bool marked = false;

	if (!align) {
		json_decref(declared);
		return;
	}
	memset(align, 'r', nr_cols + 1);
	align[nr_cols + 1] = '\0';
	t = fl_table_new(align, "node", NULL);
	for (size_t c = 0; c < ARRAY_SIZE(user); c++)
		fl_table_cell(t, "%s", user[c].label);
	json_array_foreach(declared, j, m)
		fl_table_cell(t, "%s", json_string_value(json_object_get(m, "label")) ?: "?");
	json_array_foreach(json_object_get(first, "nodes"), j, nd) {
		int n = (int)json_integer_value(json_object_get(nd, "node"));

		fl_table_cell(t, "%d", n);
		for (size_t c = 0; c < nr_cols; c++) {
			json_t *d = c < ARRAY_SIZE(user) ? NULL :
				    json_array_get(declared, c - ARRAY_SIZE(user));
			const char *path = d ? json_string_value(json_object_get(d, "path")) :
					   user[c].path;
			const char *family = d ? json_string_value(json_object_get(d, "family")) :
					     user[c].family;
			const char *unit = d ? json_string_value(json_object_get(d, "unit")) : "ns";
			double v = path ? node_median(runs, threads, inval, n, path) : NAN;
			char cell[32];

			if (unit && !strcmp(unit, "ns"))
				fl_fmt_ns(cell, sizeof(cell), v);
			else if (isfinite(v))
				snprintf(cell, sizeof(cell), "%g", v);
			else
				snprintf(cell, sizeof(cell), "-");
			if (strcmp(cell, "-") && family && spoiled(runs, threads, inval, family)) {
				fl_mark_cell(cell, sizeof(cell), true);
				marked = true;
			}
			fl_table_cell(t, "%s", cell);
		}
	}
	fl_table_print(t, f, true);
	fl_table_free(t);
	free(align);
	json_decref(declared);
	fprintf(f, "\nTouch latency is per touch (most touches do not fault); fault latency is that of the touches that faulted, as the actors saw it; kernel latency is per handle_mm_fault() call; \"-\" means not measured (see the collectors' status)%s.\n\n",
		marked ? "; `" FL_MARK "`: spoiled by an untrustworthy run (reasons above)" : "");
}

void fl_summary_kernel(FILE *f, json_t *doc, int markdown)
{
	json_t *runs = json_object_get(doc, "runs"), *run, *first = NULL;
	int threads = 0, nr_runs = 0;
	bool inval = false;
	size_t i;

	if (!markdown)
		return;
	json_array_foreach(runs, i, run) {
		int t = (int)json_integer_value(json_object_get(run, "threads"));
		bool iv = json_is_object(json_object_get(run, "invalidator"));

		if (t > threads || (t == threads && iv && !inval)) {
			threads = t;
			inval = iv;
		}
	}
	json_array_foreach(runs, i, run) {
		if (!chosen(run, threads, inval) ||
		    !json_object_get(json_object_get(run, "kernel"), "collectors"))
			continue;
		if (!first)
			first = run;
		nr_runs++;
	}
	if (!first)
		return;
	fprintf(f, "Kernel side, %d thread%s%s%s (%d run%s):\n\n", threads,
		threads == 1 ? "" : "s", inval ? " with " : "",
		inval ? json_string_value(json_object_get(json_object_get(first, "invalidator"),
							   "kind")) : "",
		nr_runs, nr_runs == 1 ? "" : "s");
	collectors_line(f, first);
	locks_table(f, runs, threads, inval, nr_runs);
	latency_table(f, runs, first, threads, inval);
}
