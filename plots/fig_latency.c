// SPDX-License-Identifier: GPL-2.0
/*
 * Latency spectrum: touch latency against percentile per series and NUMA
 * node, from the latency_ns histograms of the chosen runs (most threads
 * common to all series; with the invalidator when there is one) merged
 * over repetitions. A curve that merges an untrustworthy run is marked
 * with crosses and named so in the legend.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "base/faultline.h"
#include "base/format.h"
#include "report.h"

#define MAX_CURVES 32
#define MAX_NODES 64
/* The validity family of touch latency. */
#define FAMILY "latency"

struct curve {
	int series, node;	/* node -1: the whole run (no per-node data) */
	bool bad;		/* it merges an untrustworthy run */
	struct rp_hist h;
};

/* Where a marked curve gets its crosses. */
static const double marks[] = { 0.5, 0.9, 0.99, 0.999 };

/* The runs' histograms: of node @node, or overall for -1. */
static void merge_runs(struct rp_hist *h, json_t *runs, int threads, bool inval, int node)
{
	json_t *run;
	size_t i;

	json_array_foreach(runs, i, run) {
		if (!rp_chosen(run, threads, inval))
			continue;
		if (node < 0)
			rp_hist_add(h, json_object_get(run, "latency_ns"));
		else
			rp_hist_add(h, json_object_get(rp_run_node(run, node), "latency_ns"));
	}
	rp_hist_finish(h);
}

/*
 * Each bucket holds its value from the percentile where it starts: rows
 * of (1/(1-p) at the bucket's start, its midpoint) drawn as steps.
 */
static void write_curve(FILE *dat, const struct rp_hist *h, double *xmax)
{
	double cum = 0, n = h->total + 1, x = 1;

	for (int i = 0; i < h->nr; i++) {
		fprintf(dat, "%.6g %.6g\n", x, (h->b[i].lo + h->b[i].hi) / 2);
		cum += h->b[i].count;
		x = 1 / (1 - cum / n);
	}
	fprintf(dat, "%.6g %.6g\n\n\n", x, (h->b[h->nr - 1].lo + h->b[h->nr - 1].hi) / 2);
	*xmax = fmax(*xmax, x);
}

static void ns_label(char *buf, size_t len, double ns)
{
	if (ns >= 1e9)
		snprintf(buf, len, "%g s", ns / 1e9);
	else if (ns >= 1e6)
		snprintf(buf, len, "%g ms", ns / 1e6);
	else if (ns >= 1e3)
		snprintf(buf, len, "%g us", ns / 1e3);
	else
		snprintf(buf, len, "%g ns", ns);
}

/* Decades labelled with units; 2 and 5 too when there are few decades. */
static void latency_tics(struct rp_tics *t, double lo, double hi)
{
	int decades = (int)lround(log10(hi / lo));

	t->n = 0;
	/* An infinite @hi (a bucket near DBL_MAX rounds up) has no last decade. */
	if (!(lo > 0) || !(hi >= lo) || !isfinite(hi))
		return;
	for (double d = lo; d <= hi * 1.001 && t->n < RP_MAX_TICS; d *= 10) {
		static const double steps[] = { 1, 2, 5 };

		for (size_t k = 0; k < (decades <= 2 ? 3u : 1u); k++) {
			char label[32];

			if (d * steps[k] > hi * 1.001)
				break;
			ns_label(label, sizeof(label), d * steps[k]);
			rp_tic(t, label, d * steps[k]);
		}
	}
}

static void read_series(char *buf, size_t len, const char *label, const struct rp_hist *h)
{
	char p50[32], p99[32], p999[32], max[32];

	fl_fmt_ns(p50, sizeof(p50), rp_hist_pct(h, 0.50));
	fl_fmt_ns(p99, sizeof(p99), rp_hist_pct(h, 0.99));
	fl_fmt_ns(p999, sizeof(p999), rp_hist_pct(h, 0.999));
	fl_fmt_ns(max, sizeof(max), h->b[h->nr - 1].hi);
	fl_fmt_cat(buf, len, "%s%s p50 %s, p99 %s, p99.9 %s, max %s", *buf ? "; " : "",
	       label, p50, p99, p999, max);
}

/* "p99 on node 1 is 3.2x node 0's": the slowest node against the fastest. */
static void read_nodes(char *buf, size_t len, const char *label, struct curve *cv,
		       int first, int last)
{
	int lo = -1, hi = -1;

	for (int i = first; i < last; i++) {
		double p = rp_hist_pct(&cv[i].h, 0.99);

		if (!isfinite(p))
			continue;
		if (lo < 0 || p < rp_hist_pct(&cv[lo].h, 0.99))
			lo = i;
		if (hi < 0 || p > rp_hist_pct(&cv[hi].h, 0.99))
			hi = i;
	}
	if (lo < 0 || lo == hi)
		return;
	fl_fmt_cat(buf, len, "; %s: p99 on node %d is %.2fx node %d's", label, cv[hi].node,
	       rp_hist_pct(&cv[hi].h, 0.99) / rp_hist_pct(&cv[lo].h, 0.99), cv[lo].node);
}

void rp_fig_latency(struct rp_report *r, struct rp_config *c)
{
	char labels[MAX_CURVES][192], colors[MAX_CURVES][192], name[192];
	struct rp_tics tics;
	char reading[RP_TEXT / 2] = "", nodes_txt[RP_TEXT / 4] = "";
	char untrusted[RP_TEXT / 4 - 100] = "";
	struct curve *cv = calloc(MAX_CURVES, sizeof(*cv));
	struct rp_hist all[RP_MAX_SERIES] = { 0 };
	int threads = rp_config_threads(r, c), nc = 0, multi = 0, bad = 0;
	double dashes[MAX_CURVES], xmax = 1, ymin = INFINITY, ymax = 0;
	const char *kind = NULL;
	struct rp_fig *f;

	snprintf(name, sizeof(name), "latency-%s", c->name);
	f = rp_fig_new(r, RP_LATENCY, name, "%s: touch latency spectrum, %d thread%s",
		       c->name, threads, threads == 1 ? "" : "s");
	if (!f || !cv) {
		free(cv);
		rp_fig_skip(r, f, "out of memory");
		return;
	}
	for (int s = 0; s < r->nr_series; s++) {
		int nodes[MAX_NODES], nr, first = nc;
		bool inval;

		if (!c->runs[s])
			continue;
		inval = rp_invalidated_at(c->runs[s], threads);
		if (inval)
			kind = rp_inval_kind(c->runs[s], threads);
		nr = rp_nodes(c->runs[s], threads, inval, nodes, MAX_NODES);
		if (!nr)
			nodes[nr++] = -1;
		multi |= nr > 1;
		/* Validity is per run: every node's curve of a spoiled run is marked. */
		int spoiled = rp_spoiled_runs(untrusted, sizeof(untrusted), r->series[s].label,
					      c->runs[s], threads, inval, FAMILY);

		bad += spoiled;
		for (int k = 0; k < nr && nc < MAX_CURVES; k++) {
			cv[nc] = (struct curve){ .series = s, .node = nodes[k], .bad = spoiled > 0 };
			merge_runs(&cv[nc].h, c->runs[s], threads, inval, nodes[k]);
			if (cv[nc].h.nr)
				nc++;
			else
				rp_hist_free(&cv[nc].h);
		}
		merge_runs(&all[s], c->runs[s], threads, inval, -1);
		if (all[s].nr)
			read_series(reading, sizeof(reading), r->series[s].label, &all[s]);
		read_nodes(nodes_txt, sizeof(nodes_txt), r->series[s].label, cv, first, nc);
	}
	if (!nc) {
		rp_fig_skip(r, f, "no latency histograms in the %d-thread runs (measured with --no-latency?)",
			    threads);
		goto out;
	}
	if (kind)
		fl_fmt_cat(f->title, sizeof(f->title), ", with the %s invalidator", kind);
	fprintf(f->dat, "# 1/(1-p) latency_ns: one block per curve\n");
	for (int i = 0; i < nc; i++) {
		const struct curve *v = &cv[i];
		int same = 0;

		rp_dat_comment(f->dat, "%s node %d", r->series[v->series].label, v->node);
		write_curve(f->dat, &v->h, &xmax);
		ymin = fmin(ymin, v->h.b[0].lo);
		ymax = fmax(ymax, v->h.b[v->h.nr - 1].hi);
		for (int k = 0; k < i; k++)
			same += cv[k].series == v->series;
		if (multi && v->node >= 0)
			snprintf(labels[i], sizeof(labels[i]), "%s, node %d",
				 r->series[v->series].label, v->node);
		else if (v->node >= 0)
			snprintf(labels[i], sizeof(labels[i]), "%s (node %d)",
				 r->series[v->series].label, v->node);
		else
			snprintf(labels[i], sizeof(labels[i]), "%s", r->series[v->series].label);
		if (v->bad)
			fl_fmt_cat(labels[i], sizeof(labels[i]), " (untrustworthy)");
		snprintf(colors[i], sizeof(colors[i]), "%s", rp_color(v->series));
		dashes[i] = same + 1;
	}
	/* The last block: crosses on the curves that merge untrustworthy runs. */
	fprintf(f->dat, "# untrustworthy curves: 1/(1-p) latency_ns at p50, p90, p99, p99.9, 1\n");
	for (int i = 0; i < nc; i++)
		for (size_t k = 0; cv[i].bad && k < ARRAY_SIZE(marks); k++)
			fprintf(f->dat, "%.6g %.6g 1\n", 1 / (1 - marks[k]),
				rp_hist_pct(&cv[i].h, marks[k]));
	/* gnuplot needs a block to plot, even an invisible one (flag 0) */
	if (!bad)
		fprintf(f->dat, "1 1 0\n");
	/* A log axis has no 0: a 0 ns bucket (coarse clocks under emulation) sits at 1. */
	ymin = pow(10, floor(log10(fmax(ymin, 1))));
	ymax = pow(10, ceil(log10(ymax)));
	xmax = pow(10, ceil(log10(xmax)));
	latency_tics(&tics, ymin, ymax);
	snprintf(f->text, sizeof(f->text), "%s at %d thread%s: %s%s", c->name, threads,
		 threads == 1 ? "" : "s", reading, nodes_txt);
	if (bad)
		fl_fmt_cat(f->text, sizeof(f->text), "; untrustworthy latency (crosses) merged in: %s",
		       untrusted);
	rp_var_num(f, "W", 900);
	rp_var_num(f, "H", 560);
	rp_var_num(f, "n", nc);
	rp_var_num(f, "have_bad", bad > 0);
	rp_var_strs(f, "labels", labels, nc);
	rp_var_strs(f, "colors", colors, nc);
	rp_var_nums(f, "dashes", dashes, nc);
	rp_var_num(f, "xmax", xmax);
	rp_var_num(f, "ymin", ymin);
	rp_var_num(f, "ymax", ymax);
	rp_var_tics(f, &tics);
	rp_fig_draw(r, f, "latency.gp");
out:
	for (int i = 0; i < nc; i++)
		rp_hist_free(&cv[i].h);
	for (int s = 0; s < RP_MAX_SERIES; s++)
		rp_hist_free(&all[s]);
	free(cv);
}
