// SPDX-License-Identifier: GPL-2.0
/*
 * Per-node bars: each NUMA node's fault rate and p99 touch latency, one
 * bar per series in the node's group, from the runs' nodes[] (the chosen
 * runs: most threads common to all series, invalidated if any are). A bar
 * whose median includes an untrustworthy run is hatched.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "base/faultline.h"
#include "base/format.h"
#include "base/json_doc.h"
#include "report.h"

#define MAX_NODES 64

struct bar {
	bool present;
	struct rp_stat rate, p99;
	bool bad_rate, bad_p99;	/* the median includes an untrustworthy run */
};

/* The validity family of the p99 panel (the rate panel's is "faults" or "ops"). */
#define LATENCY_FAMILY "latency"

static void node_stats(json_t *runs, int threads, bool inval, int node,
		       const char *rate_path, const char *rate_family, struct bar *b)
{
	double rate[256], p99[256];
	json_t *run;
	size_t i;
	int n = 0;

	json_array_foreach(runs, i, run) {
		json_t *nd;

		if (!rp_chosen(run, threads, inval) || !(nd = rp_run_node(run, node)) || n == 256)
			continue;
		rate[n] = fl_json_num(nd, rate_path);
		p99[n] = fl_json_num(nd, "latency_ns.p99");
		b->bad_rate |= rp_spoiled(run, rate_family);
		b->bad_p99 |= isfinite(p99[n]) && rp_spoiled(run, LATENCY_FAMILY);
		n++;
	}
	b->present = n > 0;
	rp_stat(rate, n, &b->rate);
	rp_stat(p99, n, &b->p99);
}

/* Whether any chosen run has a kernel fault count on a node. */
static bool have_faults(const struct rp_report *r, const struct rp_config *c, int threads)
{
	for (int s = 0; s < r->nr_series; s++) {
		bool inval = rp_invalidated_at(c->runs[s], threads);
		json_t *run, *nd;
		size_t i, j;

		json_array_foreach(c->runs[s], i, run) {
			if (!rp_chosen(run, threads, inval))
				continue;
			json_array_foreach(json_object_get(run, "nodes"), j, nd)
				if (isfinite(fl_json_num(nd, "faults_per_sec")))
					return true;
		}
	}
	return false;
}

/* "node 1 has 0.52x node 0's faults/s and 3.1x its p99" for one series. */
static void read_spread(char *buf, size_t len, const char *label, const char *what,
			struct bar *bars, const int *nodes, int nr)
{
	int lo = -1, hi = -1;

	for (int k = 0; k < nr; k++) {
		if (!bars[k].present || !isfinite(bars[k].p99.med))
			continue;
		if (lo < 0 || bars[k].p99.med < bars[lo].p99.med)
			lo = k;
		if (hi < 0 || bars[k].p99.med > bars[hi].p99.med)
			hi = k;
	}
	if (lo < 0 || lo == hi)
		return;
	fl_fmt_cat(buf, len, "; %s: p99 on node %d is %.2fx node %d's, at %.2fx its %s", label,
	       nodes[hi], bars[hi].p99.med / bars[lo].p99.med, nodes[lo],
	       bars[hi].rate.med / bars[lo].rate.med, what);
}

void rp_fig_nodes(struct rp_report *r, struct rp_config *c)
{
	char labels[RP_MAX_SERIES][192], colors[RP_MAX_SERIES][192], name[192];
	struct rp_tics tics = { 0 };
	char reading[RP_TEXT / 2] = "", spread[RP_TEXT / 4] = "";
	char untrusted[RP_TEXT / 4 - 200] = "";
	int threads = rp_config_threads(r, c), nodes[MAX_NODES], nr = 0, ns = 0, bad = 0;
	struct bar (*bars)[MAX_NODES] = calloc(RP_MAX_SERIES, sizeof(*bars));
	double rmax = 0, lmax = 0, bw, div, ldiv;
	bool have_p99 = false;
	const char *path, *what, *family, *runit, *lunit;
	struct rp_fig *f;

	snprintf(name, sizeof(name), "nodes-%s", c->name);
	f = rp_fig_new(r, RP_NODES, name, "%s: per NUMA node, %d thread%s", c->name,
		       threads, threads == 1 ? "" : "s");
	if (!f || !bars) {
		free(bars);
		rp_fig_skip(r, f, "out of memory");
		return;
	}
	bool faults = have_faults(r, c, threads);

	path = faults ? "faults_per_sec" : "ops_per_sec";
	what = faults ? "faults/s" : "ops/s";
	family = faults ? "faults" : "ops";
	for (int s = 0; s < r->nr_series; s++) {
		int got[MAX_NODES], n;

		if (!c->runs[s])
			continue;
		n = rp_nodes(c->runs[s], threads, rp_invalidated_at(c->runs[s], threads),
			     got, MAX_NODES);
		for (int k = 0; k < n; k++) {
			bool seen = false;

			for (int j = 0; j < nr; j++)
				seen |= nodes[j] == got[k];
			if (!seen && nr < MAX_NODES)	/* the rest is not drawn */
				nodes[nr++] = got[k];
		}
	}
	if (!nr) {
		rp_fig_skip(r, f, "the %d-thread runs have no per-node data (nodes[])", threads);
		free(bars);
		return;
	}
	for (int a = 0; a < nr; a++)	/* nodes in order */
		for (int b = a + 1; b < nr; b++)
			if (nodes[b] < nodes[a]) {
				int t = nodes[a];

				nodes[a] = nodes[b];
				nodes[b] = t;
			}
	for (int s = 0; s < r->nr_series; s++)
		if (c->runs[s])
			ns++;
	bw = 0.8 / ns;
	fprintf(f->dat, "# x node %s:median min max p99_ns:median min max \"%s\" \"p99\" untrustworthy:%s p99\n",
		what, what, what);
	for (int s = 0, i = 0; s < r->nr_series; s++) {
		bool inval;

		if (!c->runs[s])
			continue;
		inval = rp_invalidated_at(c->runs[s], threads);
		rp_dat_comment(f->dat, "%s", r->series[s].label);
		for (int k = 0; k < nr; k++) {
			struct bar *b = &bars[s][k];
			char rate[16], p99[32];

			node_stats(c->runs[s], threads, inval, nodes[k], path, family, b);
			if (!b->present)
				continue;
			fl_fmt_rate(rate, sizeof(rate), b->rate.med);
			fl_fmt_ns(p99, sizeof(p99), b->p99.med);
			fprintf(f->dat, "%.4g %d %.6g %.6g %.6g %.6g %.6g %.6g \"%s\" \"%s\" %d %d\n",
				k + (i - (ns - 1) / 2.0) * bw, nodes[k], b->rate.med, b->rate.min,
				b->rate.max, b->p99.med, b->p99.min, b->p99.max, rate, p99,
				b->bad_rate, b->bad_p99);
			rmax = fmax(rmax, isfinite(b->rate.max) ? b->rate.max : 0);
			lmax = fmax(lmax, isfinite(b->p99.max) ? b->p99.max : 0);
			have_p99 |= isfinite(b->p99.med);
			if (nr == 1)
				fl_fmt_cat(reading, sizeof(reading), "%s%s %s %s%s%s",
				       *reading ? "; " : "", r->series[s].label, rate, what,
				       isfinite(b->p99.med) ? ", p99 " : "",
				       isfinite(b->p99.med) ? p99 : "");
		}
		fprintf(f->dat, "\n\n");
		read_spread(spread, sizeof(spread), r->series[s].label, what, bars[s], nodes, nr);
		char families[32];

		snprintf(families, sizeof(families), "%s%s", family, have_p99 ? ",latency" : "");
		bad += rp_spoiled_runs(untrusted, sizeof(untrusted), r->series[s].label,
				       c->runs[s], threads, inval, families);
		snprintf(labels[i], sizeof(labels[i]), "%s", r->series[s].label);
		snprintf(colors[i], sizeof(colors[i]), "%s", rp_color(s));
		i++;
	}
	for (int k = 0; k < nr; k++) {
		char label[32];

		snprintf(label, sizeof(label), "node %d", nodes[k]);
		rp_tic(&tics, label, k);
	}
	if (nr == 1)
		snprintf(f->text, sizeof(f->text), "%s at %d thread%s, one NUMA node (%d): %s",
			 c->name, threads, threads == 1 ? "" : "s", nodes[0], reading);
	else
		snprintf(f->text, sizeof(f->text), "%s at %d thread%s, %d NUMA nodes%s",
			 c->name, threads, threads == 1 ? "" : "s", nr,
			 spread[0] ? spread : ": nodes within a few percent of each other");
	rp_ns_unit(lmax, &ldiv, &lunit);
	div = rmax >= 1e6 ? 1e6 : rmax >= 1e3 ? 1e3 : 1;
	runit = rmax >= 1e6 ? "M" : rmax >= 1e3 ? "k" : "";
	/* The legend under the panels: as many rows as it needs. */
	int key = rp_legend_px(labels, ns, bad ? 32 : 0, have_p99 ? 1100 : 650);

	if (!have_p99)
		fl_fmt_cat(f->text, sizeof(f->text), " (no latency measured: --no-latency)");
	if (bad)
		fl_fmt_cat(f->text, sizeof(f->text), "; untrustworthy runs in the medians (hatched): %s",
		       untrusted);
	rp_var_num(f, "have_p99", have_p99);
	rp_var_num(f, "W", have_p99 ? 1100 : 650);
	rp_var_num(f, "H", 440 + key);
	rp_var_num(f, "bmarg", (double)key / (440 + key));
	rp_var_num(f, "n", ns);
	rp_var_num(f, "have_bad", bad > 0);
	rp_var_strs(f, "labels", labels, ns);
	rp_var_strs(f, "colors", colors, ns);
	rp_var_num(f, "bw", bw * 0.9);
	rp_var_tics(f, &tics);
	rp_var_num(f, "xmin", -0.6);
	rp_var_num(f, "xmax", nr - 0.4);
	rp_var_str(f, "rate_what", "%s", what);
	rp_var_num(f, "rate_div", div);
	rp_var_str(f, "rate_unit", "%s", runit);
	rp_var_num(f, "lat_div", ldiv);
	rp_var_str(f, "lat_unit", "%s", lunit);
	free(bars);
	rp_fig_draw(r, f, "nodes.gp");
}
