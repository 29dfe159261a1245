// SPDX-License-Identifier: GPL-2.0
/*
 * A/B figures from a compare document (faultline-compare/1): per workload
 * configuration (per check for stress), the CUR/BASE ratio of every
 * metric's median with its confidence interval, coloured by verdict;
 * metrics compare could not judge (verdict "untrustworthy") hatched.
 */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "base/doc_check.h"
#include "base/faultline.h"
#include "base/json_doc.h"
#include "base/schema.h"
#include "base/validity.h"
#include "report.h"

#define MAX_ROWS 80

/*
 * The ratio axis is clipped rather than split into panels. On a log axis a
 * lock wait that vanished (0x) lies at minus infinity and one that appeared
 * from nothing at plus infinity: a panel of their own would not hold them
 * either, and any metric (a throughput collapse too) can go that far. So
 * every metric of a configuration stays in one list on one scale, the axis
 * never reaches beyond AB_CLIP_LO..AB_CLIP_HI (widened only to hold the
 * threshold band), and a metric beyond it is drawn at the edge with an
 * arrow and its true ratio. The range depends on the data only: the same
 * document always gives the same axis.
 */
#define AB_CLIP_LO 0.5
#define AB_CLIP_HI 2.0
/* How far (as a factor) an arrow reaches past the edge of the axis. */
#define AB_ARROW 1.15

static const struct {
	const char *verdict;
	unsigned rgb;	/* as c_better... in common.gp */
} colours[] = {
	{ "better", 0x1A9850 }, { "worse", 0xD73027 },
	{ "unchanged", 0x8C8C8C }, { "noisy", 0xF28E2B },
	{ "untrustworthy", RP_UNTRUST_RGB },
};

enum { V_BETTER, V_WORSE, V_UNCHANGED, V_NOISY, V_UNTRUST, V_OTHER };

/* One metric of a figure: its ratio, and where it is drawn. */
struct row {
	int verdict;		/* V_* */
	double ratio;		/* CUR/BASE: 0 and INFINITY too; NAN: none */
	double a, b;		/* its interval (ratio scale); = ratio without one */
	bool has_ci;
	double x, xa, xb;	/* drawn: clipped to the axis */
	int clip;		/* -1: below the axis, 1: above, 0: on it */
};

static int verdict_of(json_t *m)
{
	const char *v = json_string_value(json_object_get(m, "verdict"));

	/* A metric spoiled by its runs' validity is not judged, whatever it says. */
	if (!fl_validity_ok(m))
		return V_UNTRUST;
	for (size_t i = 0; i < ARRAY_SIZE(colours); i++)
		if (v && !strcmp(v, colours[i].verdict))
			return (int)i;
	return V_OTHER;
}

/* Black for a verdict this report does not know. */
static unsigned verdict_rgb(int v)
{
	return v < (int)ARRAY_SIZE(colours) ? colours[v].rgb : 0x000000;
}

/* "ops_per_sec" -> "ops/s"; other names as they are. */
static void metric_name(char *buf, size_t len, const char *m)
{
	const char *per = m ? strstr(m, "_per_sec") : NULL;

	if (per && !per[8])
		snprintf(buf, len, "%.*s/s", (int)(per - m), m);
	else
		snprintf(buf, len, "%s", m ?: "?");
}

static void node_text(char *buf, size_t len, json_t *node)
{
	if (json_is_integer(node))
		snprintf(buf, len, "node %lld", (long long)json_integer_value(node));
	else if (json_is_string(node) && strcmp(json_string_value(node), "all"))
		snprintf(buf, len, "node %s", json_string_value(node));
	else
		snprintf(buf, len, "all nodes");
}

/* "debian-6.1 (tcg)" from the compare document's base or cur side. */
static void side_label(char *buf, size_t len, json_t *side)
{
	const char *v = json_string_value(json_object_get(side, "variant"));
	const char *a = json_string_value(json_object_get(side, "accel"));
	const char *p = json_string_value(json_array_get(json_object_get(side, "paths"), 0));

	if (v)
		snprintf(buf, len, "%s%s%s%s", v, a ? " (" : "", a ?: "", a ? ")" : "");
	else
		snprintf(buf, len, "%s", p ?: "?");
}

/*
 * The ratio of the medians: from change_pct, else from the medians, where
 * 0 against 0 is no change and anything against 0 is infinitely more.
 */
static double ratio_of(json_t *m)
{
	double pct = fl_json_num(m, "change_pct");
	double b = fl_json_num(m, "base.median"), c = fl_json_num(m, "cur.median");

	if (isfinite(pct))
		return 1 + pct / 100;
	if (b == 0 && c == 0)
		return 1;
	if (b == 0 && c > 0)
		return INFINITY;
	return c / b;
}

static void row_of(struct row *w, json_t *m, double clip_lo, double clip_hi)
{
	json_t *ci = json_object_get(m, "ci_pct");

	*w = (struct row){ .verdict = verdict_of(m), .ratio = ratio_of(m) };
	w->a = w->b = w->ratio;
	if (json_is_number(json_array_get(ci, 0)) && json_is_number(json_array_get(ci, 1))) {
		w->a = 1 + json_number_value(json_array_get(ci, 0)) / 100;
		w->b = 1 + json_number_value(json_array_get(ci, 1)) / 100;
		w->has_ci = true;
	}
	if (isnan(w->ratio)) {
		w->x = w->xa = w->xb = NAN;
		return;
	}
	w->clip = w->ratio < clip_lo ? -1 : w->ratio > clip_hi ? 1 : 0;
	w->x = fmin(fmax(w->ratio, clip_lo), clip_hi);
	w->xa = isnan(w->a) ? w->x : fmin(fmax(w->a, clip_lo), clip_hi);
	w->xb = isnan(w->b) ? w->x : fmin(fmax(w->b, clip_lo), clip_hi);
}

/* A ratio as its label says it: "0x", "94x", "0.31x", "from 0". */
static void ratio_text(char *buf, size_t len, double ratio)
{
	if (isinf(ratio))
		snprintf(buf, len, "from 0");
	else if (ratio == 0 || ratio >= 10)
		snprintf(buf, len, "%.0fx", ratio);
	else
		snprintf(buf, len, "%.2gx", ratio);
}

static int cmp_rows(json_t *a, json_t *b)
{
	int ta = (int)json_integer_value(json_object_get(a, "threads"));
	int tb = (int)json_integer_value(json_object_get(b, "threads"));
	json_t *na = json_object_get(a, "node"), *nb = json_object_get(b, "node");

	if (ta != tb)
		return ta - tb;
	/* "all" first, then nodes in order. */
	if (json_is_integer(na) != json_is_integer(nb))
		return json_is_integer(na) ? 1 : -1;
	if (json_is_integer(na))
		return (int)(json_integer_value(na) - json_integer_value(nb));
	return 0;
}

/*
 * The filesystems (host.test_fs.type) each stress check ran on, into
 * @map {check: [type, ...]}, from one stress document.
 */
static void stress_fs_add(json_t *map, json_t *doc)
{
	const char *type = json_string_value(json_object_get(
		json_object_get(json_object_get(doc, "host"), "test_fs"), "type"));
	const char *schema = json_string_value(json_object_get(doc, "schema"));
	json_t *chk;
	size_t i;

	if (!type || !schema || strcmp(schema, FL_SCHEMA_STRESS))
		return;
	json_array_foreach(json_object_get(doc, "checks"), i, chk) {
		const char *name = json_string_value(json_object_get(chk, "name"));
		json_t *types, *t;
		size_t k;
		bool seen = false;

		if (!name)
			continue;
		types = json_object_get(map, name);
		if (!types) {
			types = json_array();
			json_object_set_new(map, name, types);
		}
		json_array_foreach(types, k, t)
			seen |= !strcmp(json_string_value(t), type);
		if (!seen)
			json_array_append_new(types, json_string(type));
	}
}

/* The stress documents a compare side read (its paths[]), where still readable. */
static json_t *stress_fs_side(json_t *side)
{
	json_t *map = json_object(), *p;
	size_t i;

	json_array_foreach(json_object_get(side, "paths"), i, p) {
		const char *path = json_string_value(p);
		char msg[FL_ERR_LEN];
		json_t *doc = NULL;

		/* Gone is fine (the figure says less); out of bounds is said. */
		if (path && fl_doc_load(path, &doc, msg, sizeof(msg)) == -ERANGE)
			fl_warn("report: %s; its filesystem is not shown", msg);
		stress_fs_add(map, doc);
		json_decref(doc);
	}
	return map;
}

/* "ext4" or "ext4, tmpfs" for @check in @map; "" when unknown. */
static void fs_text(char *buf, size_t len, json_t *map, const char *check)
{
	json_t *t;
	size_t i;

	buf[0] = '\0';
	json_array_foreach(json_object_get(map, check), i, t)
		fl_fmt_cat(buf, len, "%s%s", i ? ", " : "", json_string_value(t));
}

/*
 * Stress checks are one configuration each ("check=NAME"): the figure is
 * named and titled after the check, with the filesystem each side ran it
 * on, from "fs=" in the params when compare puts it there, else from the
 * stress documents.
 */
static void stress_title(char *title, size_t len, char *name, size_t nlen,
			 const char *params, json_t *fs[2], const char *base, const char *cur)
{
	char check[96] = "?", fsb[64] = "", fsc[64] = "";
	const char *p = strstr(params, "check="), *f = strstr(params, "fs=");

	if (p)
		snprintf(check, sizeof(check), "%.*s", (int)strcspn(p + 6, ","), p + 6);
	if (f) {
		snprintf(fsb, sizeof(fsb), "%.*s", (int)strcspn(f + 3, ","), f + 3);
		snprintf(fsc, sizeof(fsc), "%s", fsb);
	} else {
		fs_text(fsb, sizeof(fsb), fs[0], check);
		fs_text(fsc, sizeof(fsc), fs[1], check);
	}
	snprintf(name, nlen, "ab-stress-%s", check);
	if (*fsb && !strcmp(fsb, fsc))
		snprintf(title, len, "stress %s on %s: %s against %s", check, fsb, cur, base);
	else
		snprintf(title, len, "stress %s: %s%s%s against %s%s%s", check, cur,
			 *fsc ? " on " : "", fsc, base, *fsb ? " on " : "", fsb);
}

/* What the reading says of one row: "2 threads, node 0: lock_wait_ns". */
static void row_name(char *buf, size_t len, json_t *m)
{
	long long t = json_integer_value(json_object_get(m, "threads"));
	char metric[96], node[32];

	metric_name(metric, sizeof(metric), json_string_value(json_object_get(m, "metric")));
	node_text(node, sizeof(node), json_object_get(m, "node"));
	snprintf(buf, len, "%lld thread%s, %s: %s", t, t == 1 ? "" : "s", node, metric);
}

/* The ratio axis of one figure: the threshold band, the clip, the range. */
struct ab_axis {
	double band_lo, band_hi;	/* the "unchanged" band */
	double clip_lo, clip_hi;	/* nothing is drawn beyond these */
	double lo, hi;			/* what is drawn spans */
	bool clipped_lo, clipped_hi;	/* a row was beyond an edge */
};

/* What the reading says: verdicts, and the rows it names. */
struct ab_reading {
	int counts[V_OTHER + 1], clipped, longest;
	char worse[RP_TEXT / 4], untrusted[RP_TEXT / 4], others[RP_TEXT / 8];
	char beyond[RP_TEXT / 4];
};

/* The clip holds the threshold band (a --threshold of 60% widens it). */
static void axis_init(struct ab_axis *ax, double th)
{
	ax->band_lo = 1 - th > 0 ? 1 - th : 0;
	ax->band_hi = 1 + th;
	ax->clip_lo = ax->band_lo > 0 ? fmin(AB_CLIP_LO, ax->band_lo / 1.25) : AB_CLIP_LO;
	ax->clip_hi = fmax(AB_CLIP_HI, ax->band_hi * 1.25);
	ax->band_lo = fmax(ax->band_lo, ax->clip_lo);
	ax->lo = ax->band_lo;
	ax->hi = ax->band_hi;
	ax->clipped_lo = ax->clipped_hi = false;
}

/*
 * One metric: its line of NAME.dat (the columns ab.gp lists), the axis
 * range it needs, and what the reading says of it.
 */
static void write_row(FILE *dat, int k, json_t *m, struct ab_axis *ax, struct ab_reading *rd)
{
	const char *verdict = json_string_value(json_object_get(m, "verdict"));
	char what[192], label[192], vtext[64], rtext[32], pct[32];
	struct row w;

	row_of(&w, m, ax->clip_lo, ax->clip_hi);
	if (isfinite(w.x)) {
		ax->lo = fmin(ax->lo, fmin(w.xa, w.x));
		ax->hi = fmax(ax->hi, fmax(w.xb, w.x));
	}
	row_name(what, sizeof(what), m);
	rp_dat_str(label, sizeof(label), what);
	rp_dat_str(vtext, sizeof(vtext), verdict ?: "no verdict");
	ratio_text(rtext, sizeof(rtext), w.ratio);
	/* Beyond the axis the label says the true ratio. */
	if (w.clip)
		snprintf(pct, sizeof(pct), "%s", rtext);
	else if (isnan(w.ratio))
		snprintf(pct, sizeof(pct), "no ratio");
	else
		snprintf(pct, sizeof(pct), "%+.1f%%", (w.ratio - 1) * 100);
	rd->longest = (int)strlen(what) > rd->longest ? (int)strlen(what) : rd->longest;
	/*
	 * A clipped row's arrow leaves the edge outwards; its label starts
	 * after the arrow when that points right.
	 */
	double adx = w.clip > 0 ? w.x * (AB_ARROW - 1) : w.clip < 0 ? w.x * (1 / AB_ARROW - 1) : 0;
	double lx = w.clip > 0 ? w.x * AB_ARROW : w.xb;

	fprintf(dat, "%d %.6g %.6g %.6g %u \"%s\" \"%s %s\" %.6g %d %.6g %d %.6g %.6g %.6g\n",
		k + 1, w.x, w.xa, w.xb, verdict_rgb(w.verdict), label, pct, vtext, lx, w.clip,
		adx, w.verdict == V_UNTRUST, w.ratio, fmin(w.xa, w.x / 1.04),
		fmax(w.xb, w.x * 1.04));
	rd->counts[w.verdict]++;
	if (w.clip) {
		rd->clipped++;
		ax->clipped_lo |= w.clip < 0;
		ax->clipped_hi |= w.clip > 0;
		fl_fmt_cat(rd->beyond, sizeof(rd->beyond), "%s%s %s", *rd->beyond ? "; " : "", what,
		       rtext);
	}
	if (w.verdict == V_WORSE) {
		fl_fmt_cat(rd->worse, sizeof(rd->worse), "%s%s %s", *rd->worse ? "; " : "", what, pct);
		if (w.has_ci)
			fl_fmt_cat(rd->worse, sizeof(rd->worse), " [%+.1f%%, %+.1f%%]",
			       (w.a - 1) * 100, (w.b - 1) * 100);
	} else if (w.verdict == V_UNTRUST) {
		const char *why = json_string_value(json_object_get(m, "why"));
		char codes[128] = "";

		/* The reason codes when the metric carries them, else compare's why. */
		rp_reason_codes(codes, sizeof(codes), m, "all");
		if (!*codes && why)
			snprintf(codes, sizeof(codes), "%s", why);
		fl_fmt_cat(rd->untrusted, sizeof(rd->untrusted), "%s%s%s%s%s",
		       *rd->untrusted ? "; " : "", what, *codes ? " (" : "", codes,
		       *codes ? ")" : "");
	} else if (w.verdict == V_OTHER) {
		fl_fmt_cat(rd->others, sizeof(rd->others), "%s%s \"%s\"", *rd->others ? "; " : "",
		       what, vtext);
	}
}

/* "1 better, 2 worse (...), 3 unchanged, 0 noisy, 1 untrustworthy...", after @buf's start. */
static void read_group(char *buf, size_t len, const struct ab_reading *rd,
		       const struct ab_axis *ax, int omitted)
{
	fl_fmt_cat(buf, len, ": %d better, %d worse%s%s%s, %d unchanged, %d noisy",
	       rd->counts[V_BETTER], rd->counts[V_WORSE], *rd->worse ? " (" : "", rd->worse,
	       *rd->worse ? ")" : "", rd->counts[V_UNCHANGED], rd->counts[V_NOISY]);
	if (rd->counts[V_UNTRUST])
		fl_fmt_cat(buf, len, ", %d untrustworthy, not judged (hatched: %s)",
		       rd->counts[V_UNTRUST], rd->untrusted);
	if (rd->counts[V_OTHER])
		fl_fmt_cat(buf, len, ", %d with a verdict this report does not know (black: %s)",
		       rd->counts[V_OTHER], rd->others);
	if (rd->clipped)
		fl_fmt_cat(buf, len, "; %d beyond the %gx-%gx axis, drawn at its edge with an arrow: %s",
		       rd->clipped, ax->clip_lo, ax->clip_hi, rd->beyond);
	if (omitted)
		fl_fmt_cat(buf, len, "; %d more metrics not drawn", omitted);
}

/* The figure's size, legend and axis for ab.gp. */
static void set_vars(struct rp_fig *f, const struct ab_axis *ax, const struct ab_reading *rd,
		     int nr, double th, double conf, const char *base, const char *cur)
{
	/* Wide enough for the row labels, the points and their change labels. */
	int w = 560 + 8 * rd->longest, h, key, nk = 0;
	double lo = ax->lo, hi = fmax(ax->hi, ax->lo * 1.01);
	char keys[8][192];

	w = w < 900 ? 900 : w > 1600 ? 1600 : w;
	/* The legend's entries (as in ab.gp), for its height. */
	for (int v = 0; v < V_UNTRUST; v++)
		snprintf(keys[nk++], sizeof(keys[0]), "%s", colours[v].verdict);
	if (rd->counts[V_UNTRUST])
		snprintf(keys[nk++], sizeof(keys[0]), "untrustworthy");
	if (rd->counts[V_OTHER])
		snprintf(keys[nk++], sizeof(keys[0]), "other verdict");
	if (rd->clipped)
		snprintf(keys[nk++], sizeof(keys[0]), "beyond the axis (label: true ratio)");
	snprintf(keys[nk++], sizeof(keys[0]), "unchanged: within %.0f%%", th * 100);
	key = rp_legend_px(keys, nk, 0, w);
	h = 164 + 26 * nr + key;
	rp_var_num(f, "W", w);
	rp_var_num(f, "H", h);
	rp_var_num(f, "bmarg", (double)key / h);
	rp_var_num(f, "n", nr);
	rp_var_num(f, "threshold", th);
	rp_var_num(f, "band_lo", ax->band_lo);
	rp_var_num(f, "band_hi", ax->band_hi);
	rp_var_num(f, "clip_lo", ax->clip_lo);
	rp_var_num(f, "clip_hi", ax->clip_hi);
	rp_var_num(f, "have_bad", rd->counts[V_UNTRUST] > 0);
	rp_var_num(f, "have_other", rd->counts[V_OTHER] > 0);
	rp_var_num(f, "have_clip", rd->clipped > 0);
	/*
	 * A log axis: a halving and a doubling are the same distance. Room
	 * on the left for an arrow, on the right for an arrow and the change
	 * labels.
	 */
	rp_var_num(f, "xmin", lo / fmax(ax->clipped_lo ? AB_ARROW * 1.08 : 1, pow(hi / lo, 0.08)));
	rp_var_num(f, "xmax", hi * fmax(ax->clipped_hi ? AB_ARROW * 1.6 : 1, pow(hi / lo, 0.35)));
	if (strlen(cur) + strlen(base) < 36)
		rp_var_str(f, "xlabel_str", "ratio of medians, %s / %s (bars: %.0f%% interval)",
			   cur, base, isfinite(conf) ? conf * 100 : 95);
	else
		rp_var_str(f, "xlabel_str", "ratio of medians, CUR / BASE (bars: %.0f%% interval)",
			   isfinite(conf) ? conf * 100 : 95);
	rp_var_str(f, "threshold_str", "unchanged: within %.0f%%", th * 100);
}

/*
 * The figure of one configuration (the metrics that share @first's
 * workload, params and options): rows by threads and node, drawn on the
 * clipped ratio axis, with a reading of verdicts, untrustworthy metrics
 * and rows beyond the axis.
 */
static void draw_group(struct rp_report *r, json_t *metrics, json_t *first, int index,
		       const char *base, const char *cur, json_t *fs[2])
{
	const char *wl = json_string_value(json_object_get(first, "workload")) ?: "?";
	const char *params = json_string_value(json_object_get(first, "params")) ?: "";
	const char *options = json_string_value(json_object_get(first, "options"));
	struct rp_config *c = rp_config_for(r, wl, params, options);
	/* A workload's runs without its invalidator are compared on their own. */
	bool baseline = json_is_true(json_object_get(first, "baseline"));
	bool stress = !strcmp(wl, "stress");
	double th = fl_json_num(r->compare, "threshold_pct") / 100;
	struct ab_reading *rd = calloc(1, sizeof(*rd));
	json_t *sorted[MAX_ROWS], *m;
	char name[192], title[640];
	int nr = 0, omitted = 0;
	struct ab_axis ax;
	struct rp_fig *f;
	size_t i;

	if (stress)
		stress_title(title, sizeof(title), name, sizeof(name), params, fs, base, cur);
	else if (c)
		snprintf(name, sizeof(name), "ab-%s%s", c->name, baseline ? "-baseline" : "");
	else
		snprintf(name, sizeof(name), "ab-%s-%d", wl, index);
	if (!stress)
		snprintf(title, sizeof(title), "%s%s: %s against %s", c ? c->name : wl,
			 baseline ? " without its invalidator" : "", cur, base);
	f = rp_fig_new(r, RP_AB, name, "%s", title);
	if (!f || !rd) {
		free(rd);
		rp_fig_skip(r, f, "out of memory");
		return;
	}
	json_array_foreach(metrics, i, m) {
		if (!rp_same_group(m, first))
			continue;
		if (nr == MAX_ROWS) {
			omitted++;
			continue;
		}
		/* Insertion sort: a few dozen rows. */
		int at = nr++;

		while (at > 0 && cmp_rows(sorted[at - 1], m) > 0) {
			sorted[at] = sorted[at - 1];
			at--;
		}
		sorted[at] = m;
	}
	if (!isfinite(th) || th < 0)
		th = 0;
	axis_init(&ax, th);
	fprintf(f->dat, "# row ratio low high colour \"metric\" \"change\" label_x clipped arrow_dx untrustworthy true_ratio hatch_low hatch_high\n"
		"# (ratio, low, high as drawn: clipped to %g..%g; true_ratio as measured)\n",
		ax.clip_lo, ax.clip_hi);
	for (int k = 0; k < nr; k++)
		write_row(f->dat, k, sorted[k], &ax, rd);
	/* A stress figure's title already says CUR against BASE. */
	if (stress)
		snprintf(f->text, sizeof(f->text), "%s", title);
	else
		snprintf(f->text, sizeof(f->text), "%s%s, %s against %s", c ? c->name : wl,
			 baseline ? " without its invalidator" : "", cur, base);
	read_group(f->text, sizeof(f->text), rd, &ax, omitted);
	set_vars(f, &ax, rd, nr, th, fl_json_num(r->compare, "confidence"), base, cur);
	free(rd);
	rp_fig_draw(r, f, "ab.gp");
}

/*
 * Stress documents, per side, for the filesystems of their checks: those
 * the compare document read, else the report's own inputs for both.
 */
static void stress_fs(struct rp_report *r, json_t *fs[2])
{
	fs[0] = stress_fs_side(json_object_get(r->compare, "base"));
	fs[1] = stress_fs_side(json_object_get(r->compare, "cur"));
	if (json_object_size(fs[0]) || json_object_size(fs[1]))
		return;
	for (int s = 0; s < r->nr_series; s++) {
		json_t *doc;
		size_t i;

		json_array_foreach(r->series[s].others, i, doc) {
			stress_fs_add(fs[0], doc);
			stress_fs_add(fs[1], doc);
		}
	}
}

void rp_fig_ab(struct rp_report *r)
{
	json_t *metrics = json_object_get(r->compare, "metrics"), *m, *seen;
	char base[192], cur[192];
	json_t *fs[2];
	size_t i;
	int groups = 0;

	if (!r->compare) {
		struct rp_fig *f = rp_fig_new(r, RP_AB, "ab", "A/B comparison");

		rp_fig_skip(r, f, "no compare document: none of the inputs has a compare.json and no --compare FILE was given (faultline compare BASE CUR writes one)");
		return;
	}
	if (!json_array_size(metrics)) {
		struct rp_fig *f = rp_fig_new(r, RP_AB, "ab", "A/B comparison");

		rp_fig_skip(r, f, "%s has no metrics: BASE and CUR had no runs in common",
			    r->compare_path);
		return;
	}
	side_label(base, sizeof(base), json_object_get(r->compare, "base"));
	side_label(cur, sizeof(cur), json_object_get(r->compare, "cur"));
	if (!strcmp(base, cur)) {
		snprintf(base, sizeof(base), "BASE");
		snprintf(cur, sizeof(cur), "CUR");
	}
	stress_fs(r, fs);
	seen = json_object();
	/* One figure per configuration, in the order the document has them. */
	json_array_foreach(metrics, i, m) {
		if (rp_group_seen(seen, m))
			continue;
		if (++groups <= RP_MAX_GROUP_FIGS)
			draw_group(r, metrics, m, groups, base, cur, fs);
	}
	if (groups > RP_MAX_GROUP_FIGS) {
		struct rp_fig *f = rp_fig_new(r, RP_AB, "ab-more", "A/B comparison: the rest");

		rp_fig_skip(r, f, "%s: %d more configurations not drawn (at most %d)",
			    r->compare_path, groups - RP_MAX_GROUP_FIGS, RP_MAX_GROUP_FIGS);
	}
	json_decref(seen);
	json_decref(fs[0]);
	json_decref(fs[1]);
}
