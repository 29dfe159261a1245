// SPDX-License-Identifier: GPL-2.0
/*
 * Scaling figure: faults/s and ops/s against threads for each series (and,
 * for a workload with an invalidator, with and without it), medians over
 * repetitions with min-max bars and a linear reference from the fewest
 * threads. An untrustworthy run is drawn as a cross at its own value, and
 * a median that includes one is hollow: never averaged in silently.
 */
#include <limits.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "base/faultline.h"
#include "base/format.h"
#include "base/json_doc.h"
#include "report.h"

#define MAX_LINES (2 * RP_MAX_SERIES)
#define MAX_POINTS 64

struct point {
	int threads;
	struct rp_stat faults, ops;
	int bad_faults, bad_ops;	/* runs whose faults/s, ops/s are untrustworthy */
};

struct line {
	char label[192];
	json_t *runs;		/* the series' runs */
	bool inval;		/* those with the invalidator */
	int nr;
	struct point p[MAX_POINTS];
};

static int cmp_point(const void *a, const void *b)
{
	const struct point *x = a, *y = b;

	return (x->threads > y->threads) - (x->threads < y->threads);
}

/* Validity families of the two panels. */
#define FAULTS_FAMILY "faults"
#define OPS_FAMILY "ops"

/* One line: the runs of @runs with or without an invalidator. */
static void build_line(struct line *l, json_t *runs, bool inval)
{
	double f[256], o[256];
	json_t *run;
	size_t i;

	l->nr = 0;
	l->runs = runs;
	l->inval = inval;
	json_array_foreach(runs, i, run) {
		int t = rp_run_threads(run);
		bool seen = false;

		if (rp_run_invalidated(run) != inval)
			continue;
		for (int k = 0; k < l->nr; k++)
			seen |= l->p[k].threads == t;
		if (!seen && l->nr < MAX_POINTS)
			l->p[l->nr++].threads = t;
	}
	for (int k = 0; k < l->nr; k++) {
		int n = 0;

		json_array_foreach(runs, i, run) {
			if (rp_run_threads(run) != l->p[k].threads ||
			    rp_run_invalidated(run) != inval || n == 256)
				continue;
			f[n] = fl_json_num(run, "totals.faults_per_sec");
			o[n] = fl_json_num(run, "totals.ops_per_sec");
			l->p[k].bad_faults += rp_spoiled(run, FAULTS_FAMILY) && isfinite(f[n]);
			l->p[k].bad_ops += rp_spoiled(run, OPS_FAMILY);
			n++;
		}
		rp_stat(f, n, &l->p[k].faults);
		rp_stat(o, n, &l->p[k].ops);
	}
	qsort(l->p, (size_t)l->nr, sizeof(*l->p), cmp_point);
}

/*
 * Where line @i of @n draws @threads: lines of equal thread counts apart,
 * so their bars do not hide each other.
 */
static double point_x(int threads, int i, int n, bool logx, double span)
{
	double nudge = (i - (n - 1) / 2.0) * 0.015;

	return logx ? threads * exp2(nudge * 2) : threads + nudge * span;
}

/*
 * The untrustworthy runs of a line, each at its own value with a flag per
 * panel (0: that metric is not spoiled), at the line's nudged x; and what
 * the reading says about them. Flags, not NaN: a block gnuplot reads as
 * all missing earns a warning.
 */
static int write_bad_runs(FILE *dat, const struct line *l, int li, int n, bool logx,
			  double span, char *reading, size_t len)
{
	int bad = 0;

	for (int k = 0; k < l->nr; k++) {
		const struct point *p = &l->p[k];
		double x = point_x(p->threads, li, n, logx, span);
		char label[256];
		json_t *run;
		size_t i;

		if (!p->bad_faults && !p->bad_ops)
			continue;
		json_array_foreach(l->runs, i, run) {
			bool bf, bo;

			if (!rp_chosen(run, p->threads, l->inval))
				continue;
			double fr = fl_json_num(run, "totals.faults_per_sec");
			double or = fl_json_num(run, "totals.ops_per_sec");

			bf = rp_spoiled(run, FAULTS_FAMILY) && isfinite(fr);
			bo = rp_spoiled(run, OPS_FAMILY) && isfinite(or);
			if (bf || bo)
				fprintf(dat, "%.6g %.6g %.6g %d %d\n", x, bf ? fr : 0, bo ? or : 0,
					bf, bo);
		}
		snprintf(label, sizeof(label), "%s at %d thread%s", l->label, p->threads,
			 p->threads == 1 ? "" : "s");
		bad += rp_spoiled_runs(reading, len, label, l->runs, p->threads, l->inval,
				       FAULTS_FAMILY "," OPS_FAMILY);
	}
	return bad;
}

static void rate_unit(double max, double *div, const char **unit)
{
	*div = max >= 1e6 ? 1e6 : max >= 1e3 ? 1e3 : 1;
	*unit = max >= 1e6 ? "M" : max >= 1e3 ? "k" : "";
}

/* "host (native) scales to 2 threads at 1.66x of 1-thread faults/s (linear: 2x)" */
static void read_line(char *buf, size_t len, const struct line *l, bool faults)
{
	const struct point *lo = &l->p[0], *hi = &l->p[l->nr - 1];
	double a = faults ? lo->faults.med : lo->ops.med;
	double b = faults ? hi->faults.med : hi->ops.med;
	char rate[16];

	if (l->nr < 2 || !(a > 0) || !isfinite(b))
		return;
	fl_fmt_rate(rate, sizeof(rate), b);
	fl_fmt_cat(buf, len, "%s%s scales to %d threads at %.2fx of %d-thread %s (linear: %.3gx; %s/s)",
	       *buf ? "; " : "", l->label, hi->threads, b / a, lo->threads,
	       faults ? "faults/s" : "ops/s", (double)hi->threads / lo->threads, rate);
}

void rp_fig_scaling(struct rp_report *r, struct rp_config *c)
{
	struct line *lines = calloc(MAX_LINES, sizeof(*lines));
	/* Two more labels: the untrustworthy key entries, for the legend's size. */
	char labels[MAX_LINES + 2][192], colors[MAX_LINES][192];
	struct rp_tics tics = { 0 };
	char name[192], reading[RP_TEXT / 2] = "", untrusted[RP_TEXT / 2 - 100] = "";
	double fmx = 0, omax = 0;
	int n = 0, most = 0, tmin = INT_MAX, tmax = INT_MIN, bad = 0;
	bool have_faults = false;
	struct rp_fig *f;

	snprintf(name, sizeof(name), "scaling-%s", c->name);
	f = rp_fig_new(r, RP_SCALING, name, "%s: throughput against threads", c->name);
	if (!f || !lines) {
		free(lines);
		rp_fig_skip(r, f, "out of memory");
		return;
	}
	for (int s = 0; s < r->nr_series; s++) {
		const char *kind = NULL;

		if (!c->runs[s])
			continue;
		for (int iv = 1; iv >= 0; iv--) {
			struct line *l = &lines[n];

			build_line(l, c->runs[s], iv);
			if (!l->nr)
				continue;
			if (iv) {
				json_t *run;
				size_t i;

				json_array_foreach(c->runs[s], i, run)
					if (rp_run_invalidated(run))
						kind = json_string_value(json_object_get(
							json_object_get(run, "invalidator"), "kind"));
				snprintf(l->label, sizeof(l->label), "%s, %s invalidator",
					 r->series[s].label, kind ?: "?");
			} else {
				snprintf(l->label, sizeof(l->label), "%s%s", r->series[s].label,
					 kind ? ", no invalidator" : "");
			}
			most = l->nr > most ? l->nr : most;
			n++;
		}
	}
	if (most < 2) {
		rp_fig_skip(r, f, "only %d thread count measured; scaling needs two or more (--threads 1,2,...)",
			    most);
		free(lines);
		return;
	}
	for (int i = 0; i < n; i++) {
		for (int k = 0; k < lines[i].nr; k++) {
			const struct point *p = &lines[i].p[k];

			double scale = (double)p->threads / lines[i].p[0].threads;

			/* The linear reference is drawn too: the axis unit must fit it. */
			fmx = fmax(fmx, isfinite(p->faults.max) ? p->faults.max : 0);
			fmx = fmax(fmx, isfinite(lines[i].p[0].faults.med) ?
				   lines[i].p[0].faults.med * scale : 0);
			omax = fmax(omax, isfinite(p->ops.max) ? p->ops.max : 0);
			omax = fmax(omax, isfinite(lines[i].p[0].ops.med) ?
				    lines[i].p[0].ops.med * scale : 0);
			have_faults |= isfinite(p->faults.med);
			if (p->threads < tmin)
				tmin = p->threads;
			if (p->threads > tmax)
				tmax = p->threads;
		}
	}
	bool logx = tmax >= 8.0 * tmin;
	double span = (double)tmax - tmin;

	/*
	 * A tic at each thread count measured, in order: the counts
	 * themselves, not every integer from the fewest to the most (2^31
	 * of them, and a loop that wrapped, for a document saying INT_MAX).
	 */
	for (long long last = (long long)INT_MIN - 1;;) {
		long long next = LLONG_MAX;
		char at[24];

		for (int i = 0; i < n; i++)
			for (int k = 0; k < lines[i].nr; k++)
				if (lines[i].p[k].threads > last && lines[i].p[k].threads < next)
					next = lines[i].p[k].threads;
		if (next == LLONG_MAX)
			break;
		snprintf(at, sizeof(at), "%lld", next);
		rp_tic(&tics, at, (double)next);
		last = next;
	}
	fprintf(f->dat, "# threads x faults/s:median min max ops/s:median min max linear:faults/s ops/s untrustworthy:faults ops\n");
	for (int i = 0; i < n; i++) {
		const struct line *l = &lines[i];
		const struct point *p0 = &l->p[0];
		rp_dat_comment(f->dat, "%s", l->label);
		for (int k = 0; k < l->nr; k++) {
			const struct point *p = &l->p[k];
			double x = point_x(p->threads, i, n, logx, span);
			double scale = (double)p->threads / p0->threads;

			fprintf(f->dat, "%d %.6g %.6g %.6g %.6g %.6g %.6g %.6g %.6g %.6g %d %d\n",
				p->threads, x, p->faults.med, p->faults.min, p->faults.max,
				p->ops.med, p->ops.min, p->ops.max,
				p0->faults.med * scale, p0->ops.med * scale,
				p->bad_faults > 0, p->bad_ops > 0);
		}
		fprintf(f->dat, "\n\n");
		snprintf(labels[i], sizeof(labels[i]), "%s", l->label);
		snprintf(colors[i], sizeof(colors[i]), "%s", rp_color(i));
		read_line(reading, sizeof(reading), l, have_faults);
	}
	/* The last block: every untrustworthy run, x faults/s ops/s. */
	fprintf(f->dat, "# untrustworthy runs: x faults/s ops/s untrustworthy:faults ops\n");
	for (int i = 0; i < n; i++)
		bad += write_bad_runs(f->dat, &lines[i], i, n, logx, span,
				      untrusted, sizeof(untrusted));
	if (!bad)	/* gnuplot needs a block to plot, even an invisible one */
		fprintf(f->dat, "%d 0 0 0 0\n", tmin);
	double div;
	const char *unit;

	snprintf(f->text, sizeof(f->text), "%s: %s", c->name, reading);
	if (bad)
		fl_fmt_cat(f->text, sizeof(f->text), "; untrustworthy (crosses; hollow medians include them): %s",
		       untrusted);
	/* The legend under the panels: as many rows as it needs. */
	int w = have_faults ? 1200 : 760, key;

	snprintf(labels[n], sizeof(labels[n]), "untrustworthy run");
	snprintf(labels[n + 1], sizeof(labels[n + 1]), "median includes untrustworthy runs");
	key = rp_legend_px(labels, n + (bad ? 2 : 0), 30, w);

	rp_var_num(f, "W", w);
	rp_var_num(f, "H", 440 + key);
	rp_var_num(f, "bmarg", (double)key / (440 + key));
	rp_var_num(f, "n", n);
	rp_var_num(f, "have_bad", bad > 0);
	rp_var_strs(f, "labels", labels, n);
	rp_var_strs(f, "colors", colors, n);
	rp_var_num(f, "have_faults", have_faults);
	rp_var_tics(f, &tics);
	rp_var_num(f, "logx", logx);
	rp_var_num(f, "xmin", logx ? tmin / 1.25 : tmin - 0.12 * span);
	rp_var_num(f, "xmax", logx ? tmax * 1.25 : tmax + 0.12 * span);
	rate_unit(fmx, &div, &unit);
	rp_var_num(f, "f_div", div);
	rp_var_str(f, "f_unit", "%s", unit);
	rate_unit(omax, &div, &unit);
	rp_var_num(f, "o_div", div);
	rp_var_str(f, "o_unit", "%s", unit);
	free(lines);
	rp_fig_draw(r, f, "scaling.gp");
}
