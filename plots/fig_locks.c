// SPDX-License-Identifier: GPL-2.0
/*
 * Lock contention: wait time per run on each NUMA node, stacked by lock
 * (name and type) from nodes[].locks[] of the chosen runs, one bar per
 * series and node. Without any lock data it says why: the collectors'
 * status from kernel.collectors. The bars of a series whose runs include
 * one with untrustworthy lock data are hatched.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "analysis/declared.h"
#include "base/faultline.h"
#include "base/format.h"
#include "base/json_doc.h"
#include "report.h"

#define MAX_KEYS 256
#define MAX_BARS 128
#define TOP_KEYS 7
/* The validity family of lock waits. */
#define FAMILY "locks"

struct bar {
	int series, node;
	double wait[MAX_KEYS];	/* ns per run, by key */
	double total;
};

struct locks {
	char key[MAX_KEYS][192];	/* "mmap_lock rwsem:W" */
	double total[MAX_KEYS];
	int nr_keys;
	struct bar bar[MAX_BARS];
	int nr_bars;
	/* The single most waited-on lock of each series. */
	char top[RP_MAX_SERIES][256];
	double top_wait[RP_MAX_SERIES];
	/* Runs of each series with untrustworthy lock data. */
	int bad[RP_MAX_SERIES];
};

static int key_index(struct locks *L, json_t *l)
{
	const char *name = json_string_value(json_object_get(l, "name")) ?: "?";
	const char *type = json_string_value(json_object_get(l, "type")) ?: "?";
	char key[192];

	if (!strcmp(name, type))
		snprintf(key, sizeof(key), "%s", name);
	else
		snprintf(key, sizeof(key), "%s %s", name, type);
	for (int i = 0; i < L->nr_keys; i++)
		if (!strcmp(L->key[i], key))
			return i;
	if (L->nr_keys == MAX_KEYS)
		return -1;
	snprintf(L->key[L->nr_keys], sizeof(L->key[0]), "%s", key);
	return L->nr_keys++;
}

static struct bar *bar_of(struct locks *L, int s, int node)
{
	for (int i = 0; i < L->nr_bars; i++)
		if (L->bar[i].series == s && L->bar[i].node == node)
			return &L->bar[i];
	if (L->nr_bars == MAX_BARS)
		return NULL;
	L->bar[L->nr_bars] = (struct bar){ .series = s, .node = node };
	return &L->bar[L->nr_bars++];
}

static bool same_lock(json_t *a, json_t *b)
{
	static const char *const keys[] = { "name", "type", "caller" };

	for (size_t i = 0; i < ARRAY_SIZE(keys); i++)
		if (!rp_same(json_object_get(a, keys[i]), json_object_get(b, keys[i])))
			return false;
	return true;
}

/* The single lock (name, type, caller, node) of a series with the most wait. */
static void find_top(struct locks *L, int s, json_t *runs, int threads, bool inval,
		     int nr_runs)
{
	struct row {
		json_t *l;
		int node;
		double wait;
	} *rows = calloc(1024, sizeof(*rows));
	json_t *run, *nd, *l;
	size_t i, j, k;
	int nr = 0, best = -1;
	char wait[32];

	if (!rows)
		return;
	json_array_foreach(runs, i, run) {
		if (!rp_chosen(run, threads, inval))
			continue;
		json_array_foreach(json_object_get(run, "nodes"), j, nd) {
			int node = (int)json_integer_value(json_object_get(nd, "node"));

			json_array_foreach(json_object_get(nd, "locks"), k, l) {
				int at = 0;

				while (at < nr && !(rows[at].node == node && same_lock(l, rows[at].l)))
					at++;
				if (at == nr && nr == 1024)
					continue;
				if (at == nr)
					rows[nr++] = (struct row){ .l = l, .node = node };
				rows[at].wait += fl_json_num(l, "wait_total_ns") / nr_runs;
				if (best < 0 || rows[at].wait > rows[best].wait)
					best = at;
			}
		}
	}
	if (best >= 0) {
		l = rows[best].l;
		L->top_wait[s] = rows[best].wait;
		fl_fmt_ns(wait, sizeof(wait), rows[best].wait);
		snprintf(L->top[s], sizeof(L->top[s]), "%s %s %s, %s on node %d",
			 json_string_value(json_object_get(l, "name")) ?: "?",
			 json_string_value(json_object_get(l, "type")) ?: "?",
			 json_string_value(json_object_get(l, "caller")) ?: "?",
			 wait, rows[best].node);
	}
	free(rows);
}

static void gather(struct locks *L, int s, json_t *runs, int threads, bool inval)
{
	json_t *run, *nd, *l;
	size_t i, j, k;
	int nr_runs = 0;

	json_array_foreach(runs, i, run)
		nr_runs += rp_chosen(run, threads, inval);
	if (!nr_runs)
		return;
	json_array_foreach(runs, i, run) {
		if (!rp_chosen(run, threads, inval))
			continue;
		json_array_foreach(json_object_get(run, "nodes"), j, nd) {
			int node = (int)json_integer_value(json_object_get(nd, "node"));

			json_array_foreach(json_object_get(nd, "locks"), k, l) {
				struct bar *b = bar_of(L, s, node);
				int key = key_index(L, l);
				double w = fl_json_num(l, "wait_total_ns") / nr_runs;

				if (!b || key < 0 || !isfinite(w))
					continue;
				b->wait[key] += w;
				b->total += w;
				L->total[key] += w;
			}
		}
	}
	find_top(L, s, runs, threads, inval, nr_runs);
}

/* Why there is nothing to draw, from the chosen runs' collector status. */
static void why_none(char *buf, size_t len, const struct rp_report *r,
		     const struct rp_config *c, int threads)
{
	char ran[512] = "", down[1024] = "";

	for (int s = 0; s < r->nr_series; s++) {
		bool inval = rp_invalidated_at(c->runs[s], threads), seen = false;
		json_t *run;
		size_t i;

		json_array_foreach(c->runs[s], i, run) {
			json_t *cols = json_object_get(json_object_get(run, "kernel"), "collectors");
			json_t *fillers, *f;
			size_t k;

			if (!rp_chosen(run, threads, inval) || seen)
				continue;
			seen = true;
			if (!json_is_object(cols)) {
				fl_fmt_cat(down, sizeof(down), "%s%s: no kernel.collectors in the results",
				       *down ? "; " : "", r->series[s].label);
				continue;
			}
			/* Whoever declared nodes[].locks[], by its status. */
			fillers = fl_declared_lists(run, "locks");
			json_array_foreach(fillers, k, f) {
				const char *name = json_string_value(json_object_get(f, "collector"));
				const char *st = json_string_value(json_object_get(f, "status")) ?: "absent";

				if (!strcmp(st, "ok"))
					fl_fmt_cat(ran, sizeof(ran), "%s%s on %s", *ran ? ", " : "",
					       name, r->series[s].label);
				else
					fl_fmt_cat(down, sizeof(down), "%s%s: %s %s", *down ? "; " : "",
					       r->series[s].label, name, st);
			}
			json_decref(fillers);
		}
	}
	if (*ran)
		snprintf(buf, len, "no lock contention recorded in the %d-thread runs (collectors ran: %s%s%s)",
			 threads, ran, *down ? "; unavailable: " : "", down);
	else
		snprintf(buf, len, "no lock contention data (collectors unavailable: %s)",
			 *down ? down : "no runs at this thread count");
}

void rp_fig_locks(struct rp_report *r, struct rp_config *c)
{
	int threads = rp_config_threads(r, c), order[MAX_KEYS], nl, nodes_seen = -2;
	char keys[TOP_KEYS + 1][192], colors[TOP_KEYS + 1][192], name[192];
	struct rp_tics tics = { 0 };
	char reading[RP_TEXT / 2] = "", untrusted[RP_TEXT / 2 - 200] = "";
	struct locks *L = calloc(1, sizeof(*L));
	double max = 0, div, x[MAX_BARS], pos = 0, gx[RP_MAX_SERIES], gfirst = 0;
	char glabels[RP_MAX_SERIES][192];
	int ng = 0, bad = 0;
	bool one_node = true;
	const char *unit;
	struct rp_fig *f;

	snprintf(name, sizeof(name), "locks-%s", c->name);
	f = rp_fig_new(r, RP_LOCKS, name, "%s: lock wait per NUMA node, %d thread%s",
		       c->name, threads, threads == 1 ? "" : "s");
	if (!f || !L) {
		free(L);
		rp_fig_skip(r, f, "out of memory");
		return;
	}
	for (int s = 0; s < r->nr_series; s++) {
		bool inval = rp_invalidated_at(c->runs[s], threads);

		if (!c->runs[s])
			continue;
		gather(L, s, c->runs[s], threads, inval);
		L->bad[s] = rp_spoiled_runs(untrusted, sizeof(untrusted), r->series[s].label,
					    c->runs[s], threads, inval, FAMILY);
		bad += L->bad[s];
	}
	if (!L->nr_keys) {
		char why[RP_TEXT - 16];

		why_none(why, sizeof(why), r, c, threads);
		rp_fig_skip(r, f, "%s", why);
		free(L);
		return;
	}
	/* The locks with the most wait overall get a colour; the rest is "other". */
	for (int i = 0; i < L->nr_keys; i++)
		order[i] = i;
	for (int i = 0; i < L->nr_keys; i++)
		for (int j = i + 1; j < L->nr_keys; j++)
			if (L->total[order[j]] > L->total[order[i]]) {
				int t = order[i];

				order[i] = order[j];
				order[j] = t;
			}
	nl = L->nr_keys > TOP_KEYS + 1 ? TOP_KEYS : L->nr_keys;
	for (int k = 0; k < nl; k++) {
		snprintf(keys[k], sizeof(keys[k]), "%s", L->key[order[k]]);
		snprintf(colors[k], sizeof(colors[k]), "%s", rp_color(k));
	}
	if (nl < L->nr_keys) {
		snprintf(keys[nl], sizeof(keys[nl]), "other (%d locks)", L->nr_keys - nl);
		snprintf(colors[nl], sizeof(colors[nl]), "#BBBBBB");
	}
	for (int b = 0; b < L->nr_bars; b++) {
		max = fmax(max, L->bar[b].total);
		if (nodes_seen != -2 && nodes_seen != L->bar[b].node)
			one_node = false;
		nodes_seen = L->bar[b].node;
	}
	rp_ns_unit(max, &div, &unit);
	/* Bars of one series together, a gap between series. */
	for (int b = 0; b < L->nr_bars; b++) {
		char label[256];

		if (b && L->bar[b].series != L->bar[b - 1].series)
			pos += 0.5;
		x[b] = pos++;
		if (one_node)
			snprintf(label, sizeof(label), "%s\nnode %d",
				 r->series[L->bar[b].series].label, L->bar[b].node);
		else
			snprintf(label, sizeof(label), "node %d", L->bar[b].node);
		rp_tic(&tics, label, x[b]);
		/* Several nodes: the series' name centred under its bars. */
		if (one_node)
			continue;
		if (!b || L->bar[b].series != L->bar[b - 1].series) {
			snprintf(glabels[ng], sizeof(glabels[ng]), "%s",
				 r->series[L->bar[b].series].label);
			gfirst = x[b];
			ng++;
		}
		gx[ng - 1] = (gfirst + x[b]) / 2;
	}
	fprintf(f->dat, "# wait per run in %s: one block per lock (x bottom top), then bar totals\n",
		unit);
	int blocks = nl < L->nr_keys ? nl + 1 : nl;

	for (int k = 0; k < blocks; k++) {
		rp_dat_comment(f->dat, "%s", keys[k]);
		for (int b = 0; b < L->nr_bars; b++) {
			double below = 0, v = 0;

			for (int j = 0; j < L->nr_keys; j++) {
				int rank = 0;

				while (order[rank] != j)
					rank++;
				if (rank < k)
					below += L->bar[b].wait[j];
				else if (rank == k || (k == nl && rank >= nl))
					v += L->bar[b].wait[j];
			}
			fprintf(f->dat, "%.4g %.6g %.6g\n", x[b], below / div, (below + v) / div);
		}
		fprintf(f->dat, "\n\n");
	}
	fprintf(f->dat, "# totals: x total label untrustworthy\n");
	for (int b = 0; b < L->nr_bars; b++) {
		char total[32];

		fl_fmt_ns(total, sizeof(total), L->bar[b].total);
		fprintf(f->dat, "%.4g %.6g \"%s\" %d\n", x[b], L->bar[b].total / div, total,
			L->bad[L->bar[b].series] > 0);
	}
	for (int s = 0; s < r->nr_series; s++)
		if (L->top[s][0])
			fl_fmt_cat(reading, sizeof(reading), "%s%s (%s)", *reading ? "; " : "",
			       L->top[s], r->series[s].label);
	snprintf(f->text, sizeof(f->text), "%s at %d thread%s, top lock per run: %s", c->name,
		 threads, threads == 1 ? "" : "s", reading);
	if (bad)
		fl_fmt_cat(f->text, sizeof(f->text), "; untrustworthy lock data (hatched): %s",
		       untrusted);
	rp_var_num(f, "W", 1000 + (L->nr_bars > 6 ? 60 * (L->nr_bars - 6) : 0));
	rp_var_num(f, "H", 540);
	rp_var_num(f, "nl", blocks);
	rp_var_num(f, "have_bad", bad > 0);
	rp_var_strs(f, "locks", keys, blocks);
	rp_var_strs(f, "lcolors", colors, blocks);
	rp_var_num(f, "bw", 0.7);
	rp_var_tics(f, &tics);
	rp_var_num(f, "xmin", -0.7);
	rp_var_num(f, "xmax", pos - 0.3);
	rp_var_str(f, "yunit", "%s", unit);
	rp_var_num(f, "ng", ng);
	rp_var_strs(f, "glabels", glabels, ng);
	rp_var_nums(f, "gx", gx, ng);
	free(L);
	rp_fig_draw(r, f, "locks.gp");
}
