// SPDX-License-Identifier: GPL-2.0
/*
 * Nightly trend figures from the history (JSON Lines, one line per night
 * and metric): per workload configuration one panel per metric and thread
 * count, the night's median against the baseline's min-max band, points
 * coloured by verdict. A night whose number was untrustworthy (its verdict,
 * or a "validity" in the line) gets a cross, and the reading names it.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "base/faultline.h"
#include "base/json_doc.h"
#include "base/validity.h"
#include "report.h"

#define MAX_PANELS 8
#define MAX_POINTS 1024

struct point {
	double t, med, bmed, bmin, bmax, change;
	const char *verdict;
	json_t *line;		/* the history entry */
	bool bad;		/* untrustworthy */
};

struct panel {
	char metric[64], unit[32];
	int threads;
	struct point p[MAX_POINTS];
	int nr;
};

/* As c_better... in common.gp; black for a verdict this report does not know. */
static unsigned verdict_rgb(const char *v)
{
	if (!v)
		return 0;
	if (!strcmp(v, "better"))
		return 0x1A9850;
	if (!strcmp(v, "worse"))
		return 0xD73027;
	if (!strcmp(v, "noisy"))
		return 0xF28E2B;
	if (!strcmp(v, "unchanged"))
		return 0x8C8C8C;
	if (!strcmp(v, "untrustworthy"))
		return RP_UNTRUST_RGB;
	return 0;
}

static bool untrusted(json_t *line)
{
	const char *v = json_string_value(json_object_get(line, "verdict"));

	return (v && !strcmp(v, "untrustworthy")) || !fl_validity_ok(line);
}

/* Entries for the whole run ("all") when there are any, else the first node. */
static bool node_wanted(json_t *line, json_t *want)
{
	return rp_same(json_object_get(line, "node"), want);
}

static json_t *pick_node(json_t *hist, json_t *first)
{
	json_t *l, *best = NULL;
	size_t i;

	json_array_foreach(hist, i, l) {
		json_t *n = json_object_get(l, "node");

		if (!rp_same_group(l, first))
			continue;
		if (json_is_string(n) && !strcmp(json_string_value(n), "all"))
			return n;
		if (!best || (json_is_integer(n) && json_is_integer(best) &&
			      json_integer_value(n) < json_integer_value(best)))
			best = n;
	}
	return best;
}

static int cmp_point(const void *a, const void *b)
{
	const struct point *x = a, *y = b;

	return (x->t > y->t) - (x->t < y->t);
}

static void day(char *buf, size_t len, double t)
{
	time_t tt = (time_t)t;
	struct tm tm;

	gmtime_r(&tt, &tm);
	strftime(buf, len, "%Y-%m-%d", &tm);
}

static void metric_name(char *buf, size_t len, const char *m)
{
	const char *per = strstr(m, "_per_sec");

	if (per && !per[8])
		snprintf(buf, len, "%.*s/s", (int)(per - m), m);
	else
		snprintf(buf, len, "%s", m);
}

/* The panel's y unit: rates with k or M tick suffixes, times in ns..s. */
static void panel_unit(const struct panel *pn, double *div, char *fmt, size_t flen,
		       char *ylabel, size_t ylen)
{
	double max = 0;
	char name[64];

	for (int i = 0; i < pn->nr; i++)
		max = fmax(max, fmax(pn->p[i].med, pn->p[i].bmax));
	metric_name(name, sizeof(name), pn->metric);
	if (!strcmp(pn->unit, "ns")) {
		const char *u;

		rp_ns_unit(max, div, &u);
		snprintf(fmt, flen, "%%g");
		snprintf(ylabel, ylen, "%s (%s)", name, u);
		return;
	}
	*div = max >= 1e6 ? 1e6 : max >= 1e3 ? 1e3 : 1;
	snprintf(fmt, flen, "%%g%s", max >= 1e6 ? "M" : max >= 1e3 ? "k" : "");
	snprintf(ylabel, ylen, "%s", pn->unit[0] ? pn->unit : name);
}

static void draw_group(struct rp_report *r, json_t *first, int index)
{
	const char *wl = json_string_value(json_object_get(first, "workload")) ?: "?";
	const char *params = json_string_value(json_object_get(first, "params")) ?: "";
	const char *options = json_string_value(json_object_get(first, "options"));
	struct rp_config *c = rp_config_for(r, wl, params, options);
	struct panel *pn = calloc(MAX_PANELS, sizeof(*pn));
	json_t *node = pick_node(r->history, first), *l;
	char name[192], titles[MAX_PANELS][192], ylabels[MAX_PANELS][192], fmts[MAX_PANELS][192];
	char node_txt[32], d0[16], d1[16], worse[RP_TEXT / 2] = "";
	double tmin = INFINITY, tmax = -INFINITY, last;
	int np = 0, omitted = 0, nights_worse = 0, nights = 0, counts[6] = { 0 }, bad = 0;
	bool other = false;	/* a verdict this report does not know (black) */
	char bad_txt[RP_TEXT / 4] = "";
	struct rp_fig *f;
	size_t i;

	if (json_is_integer(node))
		snprintf(node_txt, sizeof(node_txt), "node %lld",
			 (long long)json_integer_value(node));
	else
		snprintf(node_txt, sizeof(node_txt), "all nodes");
	bool baseline = json_is_true(json_object_get(first, "baseline"));

	if (c)
		snprintf(name, sizeof(name), "trend-%s%s", c->name, baseline ? "-baseline" : "");
	else
		snprintf(name, sizeof(name), "trend-%s-%d", wl, index);
	f = rp_fig_new(r, RP_TREND, name, "%s%s: nightly trend, %s",
		       c ? c->name : wl, baseline ? " without its invalidator" : "", node_txt);
	if (!f || !pn) {
		free(pn);
		rp_fig_skip(r, f, "out of memory");
		return;
	}
	json_array_foreach(r->history, i, l) {
		const char *metric = json_string_value(json_object_get(l, "metric"));
		int threads = (int)json_integer_value(json_object_get(l, "threads"));
		double t = rp_parse_time(json_string_value(json_object_get(l, "time")));
		struct panel *p = NULL;

		if (!rp_same_group(l, first) || !node_wanted(l, node) || !metric || !isfinite(t))
			continue;
		for (int k = 0; k < np; k++)
			if (!strcmp(pn[k].metric, metric) && pn[k].threads == threads)
				p = &pn[k];
		if (!p && np == MAX_PANELS) {
			omitted++;
			continue;
		}
		if (!p) {
			p = &pn[np++];
			snprintf(p->metric, sizeof(p->metric), "%s", metric);
			snprintf(p->unit, sizeof(p->unit), "%s",
				 json_string_value(json_object_get(l, "unit")) ?: "");
			p->threads = threads;
		}
		if (p->nr == MAX_POINTS)
			continue;
		p->p[p->nr++] = (struct point){
			.t = t,
			.med = fl_json_num(l, "median"),
			.bmed = fl_json_num(l, "base_median"),
			.bmin = fl_json_num(l, "base_min"),
			.bmax = fl_json_num(l, "base_max"),
			.change = fl_json_num(l, "change_pct"),
			.verdict = json_string_value(json_object_get(l, "verdict")),
			.line = l,
			.bad = untrusted(l),
		};
		tmin = fmin(tmin, t);
		tmax = fmax(tmax, t);
	}
	if (!np) {
		rp_fig_skip(r, f, "%s: no entry of %s has a metric and an ISO 8601 time",
			    r->history_path, c ? c->name : wl);
		free(pn);
		return;
	}
	if (tmax <= tmin) {
		day(d0, sizeof(d0), tmin);
		rp_fig_skip(r, f, "%s has one night of %s only (%s): a trend needs two",
			    r->history_path, c ? c->name : wl, d0);
		free(pn);
		return;
	}
	/* Panels by metric as first seen, then threads. */
	for (int a = 0; a < np; a++)
		for (int b = a + 1; b < np; b++)
			if (!strcmp(pn[a].metric, pn[b].metric) && pn[b].threads < pn[a].threads) {
				struct panel t = pn[a];

				pn[a] = pn[b];
				pn[b] = t;
			}
	last = tmax;
	/* Nights: distinct days with any entry; a night is worse if any metric was. */
	double seen[MAX_POINTS];
	int nseen = 0;

	for (int k = 0; k < np; k++) {
		qsort(pn[k].p, (size_t)pn[k].nr, sizeof(pn[k].p[0]), cmp_point);
		for (int j = 0; j < pn[k].nr; j++) {
			bool dup = false;

			for (int s = 0; s < nseen; s++)
				dup |= seen[s] == pn[k].p[j].t;
			if (!dup && nseen < MAX_POINTS)
				seen[nseen++] = pn[k].p[j].t;
		}
	}
	nights = nseen;
	for (int s = 0; s < nseen; s++) {
		bool night_worse = false;

		for (int k = 0; k < np; k++)
			for (int j = 0; j < pn[k].nr; j++)
				night_worse |= pn[k].p[j].t == seen[s] && pn[k].p[j].verdict &&
					       !strcmp(pn[k].p[j].verdict, "worse");
		nights_worse += night_worse;
	}
	fprintf(f->dat, "# time median base_median base_min base_max colour untrustworthy (panel's unit)\n");
	for (int k = 0; k < np; k++) {
		struct panel *p = &pn[k];
		double div;
		char metric[64];

		panel_unit(p, &div, fmts[k], sizeof(fmts[k]), ylabels[k], sizeof(ylabels[k]));
		metric_name(metric, sizeof(metric), p->metric);
		snprintf(titles[k], sizeof(titles[k]), "%s, %d thread%s", metric, p->threads,
			 p->threads == 1 ? "" : "s");
		rp_dat_comment(f->dat, "%s", titles[k]);
		for (int j = 0; j < p->nr; j++) {
			const struct point *q = &p->p[j];

			fprintf(f->dat, "%.0f %.6g %.6g %.6g %.6g %u %d\n", q->t, q->med / div,
				q->bmed / div, q->bmin / div, q->bmax / div,
				verdict_rgb(q->verdict), q->bad);
			other |= !verdict_rgb(q->verdict);
			if (q->bad) {
				char when[16], codes[128] = "";

				day(when, sizeof(when), q->t);
				rp_reason_codes(codes, sizeof(codes), q->line, "all");
				fl_fmt_cat(bad_txt, sizeof(bad_txt), "%s%s (%s%s%s)", *bad_txt ? "; " : "",
				       when, titles[k], *codes ? ": " : "", codes);
				bad++;
			}
		}
		fprintf(f->dat, "\n\n");
		/* The latest night's verdict of this panel. */
		const struct point *q = &p->p[p->nr - 1];

		if (q->t != last)
			continue;
		if (q->bad)
			counts[4]++;
		else if (!q->verdict)
			counts[5]++;
		else if (!strcmp(q->verdict, "unchanged"))
			counts[0]++;
		else if (!strcmp(q->verdict, "worse"))
			counts[1]++;
		else if (!strcmp(q->verdict, "better"))
			counts[2]++;
		else if (!strcmp(q->verdict, "noisy"))
			counts[3]++;
		else
			counts[5]++;
		if (q->verdict && !strcmp(q->verdict, "worse"))
			fl_fmt_cat(worse, sizeof(worse), "%s%s %+.1f%%", *worse ? ", " : "", titles[k],
			       q->change);
	}
	day(d0, sizeof(d0), tmin);
	day(d1, sizeof(d1), tmax);
	snprintf(f->text, sizeof(f->text),
		 "%s: %d nights from %s to %s, %d with a worse metric; last night %d worse%s%s%s, %d better, %d unchanged, %d noisy",
		 c ? c->name : wl, nights, d0, d1, nights_worse, counts[1], *worse ? " (" : "",
		 worse, *worse ? ")" : "", counts[2], counts[0], counts[3]);
	if (counts[4])
		fl_fmt_cat(f->text, sizeof(f->text), ", %d untrustworthy", counts[4]);
	if (counts[5])
		fl_fmt_cat(f->text, sizeof(f->text), ", %d with another verdict (black)", counts[5]);
	if (bad)
		fl_fmt_cat(f->text, sizeof(f->text), "; untrustworthy nights (crosses): %s", bad_txt);
	if (omitted)
		fl_fmt_cat(f->text, sizeof(f->text), "; %d entries of further metrics not drawn", omitted);
	int cols = np > 1 ? 2 : 1, rows = (np + cols - 1) / cols;
	double pad = (tmax - tmin) * 0.04;

	int w = cols == 1 ? 800 : 1200, h = 60 + 300 * rows + 64;

	rp_var_num(f, "W", w);
	rp_var_num(f, "H", h);
	rp_var_num(f, "bmarg", 64.0 / h);
	rp_var_num(f, "np", np);
	rp_var_num(f, "have_bad", bad > 0);
	rp_var_num(f, "have_other", other);
	rp_var_strs(f, "ptitles", titles, np);
	rp_var_strs(f, "pylabels", ylabels, np);
	rp_var_strs(f, "pfmts", fmts, np);
	rp_var_num(f, "rows", rows);
	rp_var_num(f, "cols", cols);
	rp_var_num(f, "tmin", tmin - pad);
	rp_var_num(f, "tmax", tmax + pad);
	rp_var_str(f, "xfmt", "%s", tmax - tmin > 3 * 86400 ? "%m-%d" : "%m-%d %H:%M");
	free(pn);
	rp_fig_draw(r, f, "trend.gp");
}

void rp_fig_trend(struct rp_report *r)
{
	json_t *l, *seen;
	size_t i;
	int groups = 0, others = 0;

	if (!r->history || !json_array_size(r->history)) {
		struct rp_fig *f = rp_fig_new(r, RP_TREND, "trend", "nightly trend");

		if (r->history)
			rp_fig_skip(r, f, "%s has no entries", r->history_path);
		else
			rp_fig_skip(r, f, "%s", r->history_why);
		return;
	}
	seen = json_object();
	json_array_foreach(r->history, i, l) {
		if (rp_group_seen(seen, l))
			continue;
		/* A history has every configuration ever run: show those reported on. */
		const char *wl = json_string_value(json_object_get(l, "workload"));
		const char *params = json_string_value(json_object_get(l, "params"));
		const char *options = json_string_value(json_object_get(l, "options"));

		if (r->nr_series && !rp_config_for(r, wl, params, options)) {
			others++;
			continue;
		}
		if (++groups <= RP_MAX_GROUP_FIGS)
			draw_group(r, l, groups);
	}
	json_decref(seen);
	if (groups > RP_MAX_GROUP_FIGS) {
		struct rp_fig *f = rp_fig_new(r, RP_TREND, "trend-more", "nightly trend: the rest");

		rp_fig_skip(r, f, "%s: %d more configurations not drawn (at most %d)",
			    r->history_path, groups - RP_MAX_GROUP_FIGS, RP_MAX_GROUP_FIGS);
	}
	if (!groups) {
		struct rp_fig *f = rp_fig_new(r, RP_TREND, "trend", "nightly trend");

		rp_fig_skip(r, f, "%s has none of these results' workload configurations (%d others)",
			    r->history_path, others);
	}
}
