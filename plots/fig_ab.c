// SPDX-License-Identifier: GPL-2.0
/*
 * A/B figures from a compare document (faultline-compare/1): per workload
 * configuration, the CUR/BASE ratio of every metric's median with its
 * confidence interval, coloured by verdict.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "commands.h"
#include "faultline.h"
#include "report.h"

#define MAX_ROWS 80

static const struct {
	const char *verdict;
	unsigned rgb;	/* as c_better... in common.gp */
} colours[] = {
	{ "better", 0x1A9850 }, { "worse", 0xD73027 },
	{ "unchanged", 0x8C8C8C }, { "noisy", 0xF28E2B },
};

static unsigned verdict_rgb(const char *v)
{
	for (size_t i = 0; i < ARRAY_SIZE(colours); i++)
		if (v && !strcmp(v, colours[i].verdict))
			return colours[i].rgb;
	return 0x000000;
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

static double ratio_of(json_t *m)
{
	double pct = fl_json_num(m, "change_pct");

	if (isfinite(pct))
		return 1 + pct / 100;
	return fl_json_num(m, "cur.median") / fl_json_num(m, "base.median");
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

static void draw_group(struct rp_report *r, json_t *metrics, json_t *first, int index,
		       const char *base, const char *cur)
{
	const char *wl = json_string_value(json_object_get(first, "workload")) ?: "?";
	const char *params = json_string_value(json_object_get(first, "params")) ?: "";
	struct rp_config *c = rp_config_for(r, wl, params);
	json_t *rows[MAX_ROWS], *m;
	int nr = 0, counts[ARRAY_SIZE(colours)] = { 0 }, omitted = 0, longest = 0;
	double lo = 1, hi = 1, th = fl_json_num(r->compare, "threshold_pct") / 100;
	double conf = fl_json_num(r->compare, "confidence");
	char name[192], worse[RP_TEXT / 2] = "";
	struct rp_fig *f;
	size_t i;

	/* A workload's runs without its invalidator are compared on their own. */
	bool baseline = json_is_true(json_object_get(first, "baseline"));

	if (c)
		snprintf(name, sizeof(name), "ab-%s%s", c->name, baseline ? "-baseline" : "");
	else
		snprintf(name, sizeof(name), "ab-%s-%d", wl, index);
	f = rp_fig_new(r, RP_AB, name, "%s%s: %s against %s", c ? c->name : wl,
		       baseline ? " without its invalidator" : "", cur, base);
	json_array_foreach(metrics, i, m) {
		if (!rp_same_group(m, first))
			continue;
		if (nr == MAX_ROWS) {
			omitted++;
			continue;
		}
		/* Insertion sort: a few dozen rows. */
		int at = nr++;

		while (at > 0 && cmp_rows(rows[at - 1], m) > 0) {
			rows[at] = rows[at - 1];
			at--;
		}
		rows[at] = m;
	}
	fprintf(f->dat, "# row ratio low high colour \"metric\" \"change\"\n");
	for (int k = 0; k < nr; k++) {
		const char *verdict = json_string_value(json_object_get(rows[k], "verdict"));
		json_t *ci = json_object_get(rows[k], "ci_pct");
		double ratio = ratio_of(rows[k]), a = ratio, b = ratio;
		long long t = json_integer_value(json_object_get(rows[k], "threads"));
		char metric[64], node[32], change[64], threads[32];

		if (json_is_array(ci) && json_is_number(json_array_get(ci, 0))) {
			a = 1 + json_number_value(json_array_get(ci, 0)) / 100;
			b = 1 + json_number_value(json_array_get(ci, 1)) / 100;
		}
		if (isfinite(ratio)) {
			lo = fmin(lo, fmin(a, ratio));
			hi = fmax(hi, fmax(b, ratio));
		}
		metric_name(metric, sizeof(metric),
			    json_string_value(json_object_get(rows[k], "metric")));
		node_text(node, sizeof(node), json_object_get(rows[k], "node"));
		snprintf(change, sizeof(change), "%+.1f%%", (ratio - 1) * 100);
		snprintf(threads, sizeof(threads), "%lld thread%s", t, t == 1 ? "" : "s");
		int len = (int)(strlen(threads) + strlen(node) + strlen(metric) + 4);

		longest = len > longest ? len : longest;
		fprintf(f->dat, "%d %.6g %.6g %.6g %u \"%s, %s: %s\" \"%s%s%s\"\n", k + 1,
			ratio, a, b, verdict_rgb(verdict), threads, node, metric, change,
			verdict ? " " : "", verdict ?: "");
		for (size_t v = 0; v < ARRAY_SIZE(colours); v++)
			if (verdict && !strcmp(verdict, colours[v].verdict))
				counts[v]++;
		if (verdict && !strcmp(verdict, "worse")) {
			rp_cat(worse, sizeof(worse), "%s%s, %s: %s %s", *worse ? "; " : "",
			       threads, node, metric, change);
			if (json_is_array(ci))
				rp_cat(worse, sizeof(worse), " [%+.1f%%, %+.1f%%]",
				       (a - 1) * 100, (b - 1) * 100);
		}
	}
	snprintf(f->text, sizeof(f->text), "%s%s, %s against %s: %d better, %d worse%s%s%s, %d unchanged, %d noisy",
		 c ? c->name : wl, baseline ? " without its invalidator" : "", cur, base,
		 counts[0], counts[1], *worse ? " (" : "", worse,
		 *worse ? ")" : "", counts[2], counts[3]);
	if (omitted)
		rp_cat(f->text, sizeof(f->text), "; %d more metrics not drawn", omitted);
	if (!isfinite(th) || th < 0)
		th = 0;
	lo = fmin(lo, 1 - th);
	hi = fmax(hi, 1 + th);
	/* Wide enough for the row labels, the points and their change labels. */
	int w = 560 + 8 * longest, h = 190 + 26 * nr;

	w = w < 900 ? 900 : w > 1600 ? 1600 : w;
	rp_var_num(f, "W", w);
	rp_var_num(f, "H", h);
	rp_var_num(f, "bmarg", 50.0 / h);
	rp_var_num(f, "n", nr);
	rp_var_num(f, "threshold", th);
	/*
	 * A log axis: a halving and a doubling are the same distance, and one
	 * 90x outlier does not squash every other row onto 1. Room on the
	 * right for the change labels.
	 */
	lo = fmax(lo, 1e-3);
	hi = fmax(hi, lo * 1.01);
	rp_var_num(f, "xmin", lo / pow(hi / lo, 0.08));
	rp_var_num(f, "xmax", hi * pow(hi / lo, 0.35));
	if (strlen(cur) + strlen(base) < 36)
		rp_var_str(f, "xlabel_str", "ratio of medians, %s / %s (bars: %.0f%% interval)",
			   cur, base, isfinite(conf) ? conf * 100 : 95);
	else
		rp_var_str(f, "xlabel_str", "ratio of medians, CUR / BASE (bars: %.0f%% interval)",
			   isfinite(conf) ? conf * 100 : 95);
	rp_var_str(f, "threshold_str", "unchanged: within %.0f%%", th * 100);
	rp_fig_draw(r, f, "ab.gp");
}

void rp_fig_ab(struct rp_report *r)
{
	json_t *metrics = json_object_get(r->compare, "metrics"), *m, *prev;
	char base[192], cur[192];
	size_t i, j;
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
	/* One figure per configuration, in the order the document has them. */
	json_array_foreach(metrics, i, m) {
		bool seen = false;

		json_array_foreach(metrics, j, prev) {
			if (j >= i)
				break;
			seen |= rp_same_group(prev, m);
		}
		if (!seen)
			draw_group(r, metrics, m, ++groups, base, cur);
	}
}
