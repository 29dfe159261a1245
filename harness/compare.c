// SPDX-License-Identifier: GPL-2.0
/*
 * The series of `faultline compare`: every metric of every run, keyed by
 * what was measured, with one sample per repetition pooled over a side's
 * documents; then matched between the sides and judged (stats.c).
 *
 * The key of a series: the workload's name and params, the run options
 * that change what is measured (all of workload.run_options except
 * those in key_ignored below), whether the run was an invalidator's
 * baseline, the thread count, the node ("all" for the run's totals) and
 * the metric.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "commands.h"
#include "compare.h"
#include "env.h"
#include "faultline.h"

/*
 * Run options that do not change what is measured: bookkeeping (out,
 * progress), how many runs there are (repeat, threads: the thread count
 * of each run is a key of its own; baseline: whether a baseline run is
 * added, and each run says whether it is one), and where the test files
 * live (dir: a path differs between machines; compare warns when the
 * filesystem type differs). "seed" is for options to come.
 */
static const char *const key_ignored[] = {
	"out", "progress", "repeat", "threads", "baseline", "dir", "seed",
};

/* Most locks a node shows individually (by longest wait). */
#define TOP_LOCKS 3
/*
 * Lock waits below this share of the faulters' time (threads x window)
 * on both sides are "unchanged": a doubling of 40 us in a 1 s window is
 * real but nothing a kernel developer would act on, and such small waits
 * swing with every scheduling hiccup.
 */
#define LOCK_FLOOR 0.001

struct metric_def {
	const char *name;
	const char *unit;
	bool higher_better;
	enum fl_metric_kind kind;
};

/* The metrics in the order they are listed. */
enum {
	M_VIOLATIONS, M_CHECK, M_OPS, M_FAULTS, M_P50, M_P99, M_P999,
	M_INVAL_OPS, M_KFAULT_P50, M_KFAULT_P99, M_LOCK_WAIT, M_LOCK,
};

static const struct metric_def defs[] = {
	[M_VIOLATIONS] = { "integrity_violations", "count", false, FL_MK_INTEGRITY },
	[M_CHECK] = { "check_failed", "count", false, FL_MK_INTEGRITY },
	[M_OPS] = { "ops_per_sec", "ops/s", true, FL_MK_STAT },
	[M_FAULTS] = { "faults_per_sec", "faults/s", true, FL_MK_STAT },
	[M_P50] = { "latency_p50", "ns", false, FL_MK_STAT },
	[M_P99] = { "latency_p99", "ns", false, FL_MK_STAT },
	[M_P999] = { "latency_p999", "ns", false, FL_MK_STAT },
	[M_INVAL_OPS] = { "invalidator_ops_per_sec", "ops/s", true, FL_MK_STAT },
	[M_KFAULT_P50] = { "kernel_fault_latency_p50", "ns", false, FL_MK_STAT },
	[M_KFAULT_P99] = { "kernel_fault_latency_p99", "ns", false, FL_MK_STAT },
	[M_LOCK_WAIT] = { "lock_wait_ns", "ns", false, FL_MK_STAT },
	[M_LOCK] = { "lock_wait_ns", "ns", false, FL_MK_STAT },
};

/* Where the runs of one configuration and thread count go. */
struct ctx {
	const char *workload, *params, *options;
	bool baseline;
	int config, threads;
	double window_ns;	/* threads x the run's window */
};

int fl_cmp_init(struct fl_cmp *c, const struct fl_stats_opts *o)
{
	memset(c, 0, sizeof(*c));
	c->opts = *o;
	c->index = json_object();
	c->configs = json_object();
	return c->index && c->configs ? 0 : -ENOMEM;
}

void fl_cmp_free(struct fl_cmp *c)
{
	for (int i = 0; i < c->nr; i++) {
		free(c->s[i].workload);
		free(c->s[i].params);
		free(c->s[i].options);
		free(c->s[i].v[0]);
		free(c->s[i].v[1]);
	}
	free(c->s);
	json_decref(c->index);
	json_decref(c->configs);
	memset(c, 0, sizeof(*c));
}

const char *fl_cmp_node_str(const struct fl_cmp_series *s, char *buf,
			    size_t len)
{
	if (s->node < 0)
		snprintf(buf, len, "all");
	else
		snprintf(buf, len, "%d", s->node);
	return buf;
}

/* The series for a key, created on first use; NULL without memory. */
static struct fl_cmp_series *series_get(struct fl_cmp *c, const struct ctx *x,
					int node, int m, const char *lock_name,
					const char *lock_type)
{
	struct fl_cmp_series *s;
	char key[1024], metric[96];
	json_t *idx;

	if (m == M_LOCK)
		snprintf(metric, sizeof(metric), "lock_wait_ns[%s/%s]", lock_name,
			 lock_type);
	else
		snprintf(metric, sizeof(metric), "%s", defs[m].name);
	snprintf(key, sizeof(key), "%d\x1f%d\x1f%d\x1f%s", x->config, x->threads,
		 node, metric);
	idx = json_object_get(c->index, key);
	if (idx)
		return &c->s[json_integer_value(idx)];
	if (c->nr == c->cap) {
		int cap = c->cap ? c->cap * 2 : 64;
		struct fl_cmp_series *n = realloc(c->s, (size_t)cap * sizeof(*n));

		if (!n)
			return NULL;
		c->s = n;
		c->cap = cap;
	}
	s = &c->s[c->nr];
	*s = (struct fl_cmp_series){
		.workload = strdup(x->workload), .params = strdup(x->params),
		.options = strdup(x->options), .baseline = x->baseline,
		.config = x->config, .threads = x->threads, .node = node,
		.unit = defs[m].unit, .higher_better = defs[m].higher_better,
		.kind = defs[m].kind, .order = m, .parent = -1,
	};
	snprintf(s->metric, sizeof(s->metric), "%s", metric);
	if (lock_name) {
		snprintf(s->lock_name, sizeof(s->lock_name), "%s", lock_name);
		snprintf(s->lock_type, sizeof(s->lock_type), "%s", lock_type);
	}
	if (!s->workload || !s->params || !s->options ||
	    json_object_set_new(c->index, key, json_integer(c->nr))) {
		free(s->workload);
		free(s->params);
		free(s->options);
		return NULL;
	}
	c->nr++;
	return s;
}

static int push(struct fl_cmp_series *s, int which, double v)
{
	if (s->n[which] == s->cap[which]) {
		int cap = s->cap[which] ? s->cap[which] * 2 : 8;
		double *n = realloc(s->v[which], (size_t)cap * sizeof(*n));

		if (!n)
			return -ENOMEM;
		s->v[which] = n;
		s->cap[which] = cap;
	}
	s->v[which][s->n[which]++] = v;
	return 0;
}

/* One sample; absent (non-numeric) values are no sample. */
static int add(struct fl_cmp *c, const struct ctx *x, int node, int m,
	       int which, double v)
{
	struct fl_cmp_series *s;

	if (!isfinite(v))
		return 0;
	s = series_get(c, x, node, m, NULL, NULL);
	return s ? push(s, which, v) : -ENOMEM;
}

/* "k=v,k=v" of a JSON object's scalars, skipping @skip[0..nr_skip). */
static void kv_string(char *buf, size_t len, json_t *obj,
		      const char *const *skip, size_t nr_skip)
{
	const char *key;
	size_t off = 0;
	json_t *v;

	buf[0] = '\0';
	json_object_foreach(obj, key, v) {
		char val[256];
		bool skipped = false;

		for (size_t i = 0; i < nr_skip; i++)
			skipped |= !strcmp(key, skip[i]);
		if (skipped)
			continue;
		if (json_is_string(v))
			snprintf(val, sizeof(val), "%s", json_string_value(v));
		else if (json_is_integer(v))
			snprintf(val, sizeof(val), "%lld", (long long)json_integer_value(v));
		else if (json_is_real(v))
			snprintf(val, sizeof(val), "%g", json_real_value(v));
		else if (json_is_boolean(v))
			snprintf(val, sizeof(val), "%s", json_is_true(v) ? "on" : "off");
		else if (json_is_null(v))
			snprintf(val, sizeof(val), "-");
		else
			continue;
		if (off < len)
			off += (size_t)snprintf(buf + off, len - off, "%s%s=%s",
						off ? "," : "", key, val);
	}
}

/* The order of a configuration; new ones get the next number. */
static int config_of(struct fl_cmp *c, const struct ctx *x)
{
	char key[4096];
	json_t *v;
	int n;

	snprintf(key, sizeof(key), "%s\x1f%s\x1f%s\x1f%d", x->workload, x->params,
		 x->options, x->baseline);
	v = json_object_get(c->configs, key);
	if (v)
		return (int)json_integer_value(v);
	n = (int)json_object_size(c->configs);
	if (json_object_set_new(c->configs, key, json_integer(n)))
		return -ENOMEM;
	return n;
}

/*
 * A node's lock waits: the total (plus what the list left out), and each
 * lock by name and type, summed over its callers.
 */
static int add_locks(struct fl_cmp *c, const struct ctx *x, int node,
		     json_t *nd, bool lockcon_ok, int which)
{
	json_t *locks = json_object_get(nd, "locks"), *l;
	struct { const char *name, *type; double wait; } agg[64];
	struct fl_cmp_series *s;
	double sum = 0;
	int nr = 0, total, ret;
	size_t i;

	/* No list where lockcon worked: nothing on this node waited. */
	if (!json_is_array(locks) && !lockcon_ok)
		return 0;
	json_array_foreach(locks, i, l) {
		const char *name = json_string_value(json_object_get(l, "name")) ?: "?";
		const char *type = json_string_value(json_object_get(l, "type")) ?: "?";
		double w = json_number_value(json_object_get(l, "wait_total_ns"));
		int k;

		sum += w;
		for (k = 0; k < nr; k++)
			if (!strcmp(agg[k].name, name) && !strcmp(agg[k].type, type))
				break;
		if (k == nr && nr < (int)ARRAY_SIZE(agg))
			agg[nr++] = (typeof(agg[0])){ name, type, 0 };
		if (k < nr)
			agg[k].wait += w;
	}
	sum += json_number_value(json_object_get(json_object_get(nd, "locks_omitted"),
						 "wait_total_ns"));
	s = series_get(c, x, node, M_LOCK_WAIT, NULL, NULL);
	if (!s || push(s, which, sum))
		return -ENOMEM;
	s->floor = fmax(s->floor, LOCK_FLOOR * x->window_ns);
	total = (int)(s - c->s);	/* an index: c->s may move */
	for (int k = 0; k < nr; k++) {
		s = series_get(c, x, node, M_LOCK, agg[k].name, agg[k].type);
		if (!s)
			return -ENOMEM;
		s->parent = total;
		s->floor = c->s[total].floor;
		ret = push(s, which, agg[k].wait);
		if (ret)
			return ret;
	}
	return 0;
}

/* Per node: kernel-side data always, user-side only with several nodes. */
static int add_nodes(struct fl_cmp *c, const struct ctx *x, json_t *run,
		     int which)
{
	json_t *nodes = json_object_get(run, "nodes"), *nd;
	json_t *collectors = json_object_get(json_object_get(run, "kernel"), "collectors");
	const char *lockcon = json_string_value(json_object_get(
		json_object_get(collectors, "lockcon"), "status"));
	bool lockcon_ok = lockcon && !strcmp(lockcon, "ok");
	int with_threads = 0, ret = 0;
	size_t i;

	json_array_foreach(nodes, i, nd)
		with_threads += json_integer_value(json_object_get(nd, "threads")) > 0;
	json_array_foreach(nodes, i, nd) {
		int node = (int)json_integer_value(json_object_get(nd, "node"));

		/* With one node these would repeat the run's totals. */
		if (with_threads > 1 &&
		    json_integer_value(json_object_get(nd, "threads")) > 0) {
			ret = add(c, x, node, M_OPS, which, fl_json_num(nd, "ops_per_sec"));
			ret = ret ?: add(c, x, node, M_P99, which,
					 fl_json_num(nd, "latency_ns.p99"));
		}
		ret = ret ?: add(c, x, node, M_KFAULT_P50, which,
				 fl_json_num(nd, "kernel_fault_latency_ns.p50"));
		ret = ret ?: add(c, x, node, M_KFAULT_P99, which,
				 fl_json_num(nd, "kernel_fault_latency_ns.p99"));
		ret = ret ?: add_locks(c, x, node, nd, lockcon_ok, which);
		if (ret)
			return ret;
	}
	return 0;
}

static int collect_result(struct fl_cmp *c, json_t *doc, int which)
{
	json_t *wl = json_object_get(doc, "workload"), *run;
	char params[1024], options[1024];
	struct ctx x = {
		.workload = json_string_value(json_object_get(wl, "name")) ?: "?",
		.options = options,
	};
	size_t i;
	int ret;

	kv_string(params, sizeof(params), json_object_get(wl, "params"), NULL, 0);
	kv_string(options, sizeof(options), json_object_get(wl, "run_options"),
		  key_ignored, ARRAY_SIZE(key_ignored));
	json_array_foreach(json_object_get(doc, "runs"), i, run) {
		char p[1100];
		json_t *integ = json_object_get(run, "integrity");

		/* A window cut short measured something else. */
		if (json_is_true(json_object_get(run, "interrupted")))
			continue;
		x.baseline = json_is_true(json_object_get(run, "baseline"));
		snprintf(p, sizeof(p), "%s%s", params, x.baseline ? ",baseline" : "");
		x.params = p;
		x.threads = (int)json_integer_value(json_object_get(run, "threads"));
		x.window_ns = x.threads * fl_json_num(run, "duration_s") * 1e9;
		x.config = config_of(c, &x);
		if (x.config < 0)
			return -ENOMEM;
		ret = add(c, &x, -1, M_OPS, which, fl_json_num(run, "totals.ops_per_sec"));
		ret = ret ?: add(c, &x, -1, M_FAULTS, which,
				 fl_json_num(run, "totals.faults_per_sec"));
		ret = ret ?: add(c, &x, -1, M_P50, which, fl_json_num(run, "latency_ns.p50"));
		ret = ret ?: add(c, &x, -1, M_P99, which, fl_json_num(run, "latency_ns.p99"));
		ret = ret ?: add(c, &x, -1, M_P999, which, fl_json_num(run, "latency_ns.p999"));
		ret = ret ?: add(c, &x, -1, M_INVAL_OPS, which,
				 fl_json_num(run, "invalidator.ops_per_sec"));
		if (!ret && json_is_true(json_object_get(integ, "verified")))
			ret = add(c, &x, -1, M_VIOLATIONS, which,
				  fl_json_num(integ, "violations"));
		ret = ret ?: add_nodes(c, &x, run, which);
		if (ret)
			return ret;
	}
	return 0;
}

/* A stress check: passed (0) or failed (1), and its oracle's violations. */
static int collect_stress(struct fl_cmp *c, json_t *doc, int which)
{
	char params[160], options[64];
	struct ctx x = { .workload = "stress", .params = params, .options = options };
	json_t *chk;
	size_t i;
	int ret;

	snprintf(options, sizeof(options), "duration=%g",
		 fl_json_num(doc, "duration_s"));
	x.threads = (int)json_integer_value(json_object_get(doc, "faulters"));
	json_array_foreach(json_object_get(doc, "checks"), i, chk) {
		const char *verdict = json_string_value(json_object_get(chk, "verdict")) ?: "?";
		struct fl_cmp_series *s;

		snprintf(params, sizeof(params), "check=%s",
			 json_string_value(json_object_get(chk, "name")) ?: "?");
		x.config = config_of(c, &x);
		if (x.config < 0)
			return -ENOMEM;
		s = series_get(c, &x, -1, M_CHECK, NULL, NULL);
		if (!s)
			return -ENOMEM;
		if (strcmp(verdict, "pass") && strcmp(verdict, "fail")) {
			s->errors[which]++;
			continue;
		}
		ret = push(s, which, !strcmp(verdict, "fail"));
		ret = ret ?: add(c, &x, -1, M_VIOLATIONS, which,
				 fl_json_num(chk, "oracle.violations"));
		if (ret)
			return ret;
	}
	return 0;
}

int fl_cmp_collect(struct fl_cmp *c, const struct fl_cmp_side *side, int which)
{
	for (int i = 0; i < side->nr_docs; i++) {
		json_t *doc = side->docs[i];
		const char *schema = json_string_value(json_object_get(doc, "schema"));
		int ret;

		if (!strcmp(schema, "faultline-stress/1"))
			ret = collect_stress(c, doc, which);
		else
			ret = collect_result(c, doc, which);
		if (ret)
			return ret;
	}
	return 0;
}

static double max_of(const double *v, int n)
{
	double m = -INFINITY;

	for (int i = 0; i < n; i++)
		m = v[i] > m ? v[i] : m;
	return m;
}

static double median_of(const double *v, int n)
{
	double tmp[n > 0 ? n : 1];

	if (!n)
		return NAN;
	memcpy(tmp, v, (size_t)n * sizeof(*v));
	return fl_stats_median(tmp, n);
}

/* A node's only lock would repeat its total. */
static bool same_values(const struct fl_cmp_series *s,
			const struct fl_cmp_series *p)
{
	for (int w = 0; w < 2; w++)
		for (int i = 0; i < s->n[w]; i++)
			if (i >= p->n[w] || s->v[w][i] != p->v[w][i])
				return false;
	return true;
}

/*
 * Locks are compared one by one only when both sides saw them, and only
 * the TOP_LOCKS longest waits of a node; a run that did not list a lock
 * (no contention) counts as 0 wait.
 */
static int pick_locks(struct fl_cmp *c)
{
	for (int i = 0; i < c->nr; i++) {
		struct fl_cmp_series *s = &c->s[i], *p;

		if (s->order != M_LOCK)
			continue;
		p = &c->s[s->parent];
		for (int w = 0; w < 2; w++)
			while (s->n[w] < p->n[w])
				if (push(s, w, 0))
					return -ENOMEM;
		s->dropped = !s->n[FL_BASE] || !s->n[FL_CUR] || !p->n[FL_BASE] ||
			     !p->n[FL_CUR] || same_values(s, p);
	}
	for (int i = 0; i < c->nr; i++) {
		struct fl_cmp_series *s = &c->s[i];
		double score;
		int above = 0;

		if (s->order != M_LOCK || s->dropped)
			continue;
		score = fmax(median_of(s->v[0], s->n[0]), median_of(s->v[1], s->n[1]));
		for (int j = 0; j < c->nr && above < TOP_LOCKS; j++) {
			struct fl_cmp_series *t = &c->s[j];
			double other;

			if (j == i || t->order != M_LOCK || t->parent != s->parent ||
			    !t->n[0] || !t->n[1])
				continue;
			other = fmax(median_of(t->v[0], t->n[0]), median_of(t->v[1], t->n[1]));
			above += other > score || (other == score && j < i);
		}
		s->dropped = above >= TOP_LOCKS || score <= 0;
	}
	return 0;
}

/* Violations and failed checks: any in CUR is worse, whatever the rest. */
static void judge_integrity(struct fl_cmp_series *s)
{
	struct fl_stats_cmp *r = &s->res;
	bool check = s->order == M_CHECK;
	double bad_cur = max_of(s->v[FL_CUR], s->n[FL_CUR]);
	double bad_base = max_of(s->v[FL_BASE], s->n[FL_BASE]);
	double sum = 0;
	int failed = 0;

	for (int j = 0; j < s->n[FL_CUR]; j++) {
		sum += s->v[FL_CUR][j];
		failed += s->v[FL_CUR][j] > 0;
	}
	*r = (struct fl_stats_cmp){ .verdict = FL_VERDICT_UNCHANGED,
		.change_pct = NAN, .shift_pct = NAN, .ci_lo_pct = NAN,
		.ci_hi_pct = NAN, .coverage = NAN };
	r->base_median = median_of(s->v[FL_BASE], s->n[FL_BASE]);
	r->cur_median = median_of(s->v[FL_CUR], s->n[FL_CUR]);
	if (r->base_median > 0)
		r->change_pct = (r->cur_median / r->base_median - 1) * 100;
	else if (r->base_median == 0 && r->cur_median == 0)
		r->change_pct = 0;
	if (bad_cur > 0) {
		r->verdict = FL_VERDICT_WORSE;
		if (check)
			snprintf(r->why, sizeof(r->why), "failed in %d of %d CUR runs",
				 failed, s->n[FL_CUR]);
		else
			snprintf(r->why, sizeof(r->why), "%.0f violations in CUR (%d of %d runs)",
				 sum, failed, s->n[FL_CUR]);
	} else if (!s->n[FL_CUR]) {
		r->verdict = FL_VERDICT_NOISY;
		snprintf(r->why, sizeof(r->why), "skipped or errored in CUR");
	} else if (bad_base > 0) {
		r->verdict = FL_VERDICT_BETTER;
		snprintf(r->why, sizeof(r->why), check ? "failed in BASE, passes in CUR" :
			 "violations in BASE, none in CUR");
	} else if (!s->n[FL_BASE]) {
		r->verdict = FL_VERDICT_NOISY;
		snprintf(r->why, sizeof(r->why), "skipped or errored in BASE");
	} else {
		snprintf(r->why, sizeof(r->why), check ? "passes on both sides" :
			 "none on either side");
	}
}

/* Listed order: configuration, threads, node ("all" first), metric. */
static int cmp_series(const void *a, const void *b)
{
	const struct fl_cmp_series *x = a, *y = b;

	if (x->config != y->config)
		return x->config - y->config;
	if (x->threads != y->threads)
		return x->threads - y->threads;
	if (x->node != y->node)
		return x->node - y->node;
	if (x->order != y->order)
		return x->order - y->order;
	return strcmp(x->metric, y->metric);
}

int fl_cmp_evaluate(struct fl_cmp *c)
{
	int matched = 0, ret;

	ret = pick_locks(c);
	if (ret)
		return ret;
	for (int i = 0; i < c->nr; i++) {
		struct fl_cmp_series *s = &c->s[i];
		bool in_base = s->n[FL_BASE] || s->errors[FL_BASE];
		bool in_cur = s->n[FL_CUR] || s->errors[FL_CUR];

		if (s->dropped)
			continue;
		if (s->kind == FL_MK_INTEGRITY) {
			/* A violation counts even with nothing to match it. */
			bool bad = s->n[FL_CUR] && max_of(s->v[FL_CUR], s->n[FL_CUR]) > 0;

			if (!in_cur || (!in_base && !bad)) {
				c->unmatched[in_cur ? FL_CUR : FL_BASE]++;
				continue;
			}
			judge_integrity(s);
		} else {
			if (!s->n[FL_BASE] || !s->n[FL_CUR]) {
				c->unmatched[s->n[FL_CUR] ? FL_CUR : FL_BASE]++;
				continue;
			}
			ret = fl_stats_compare(s->v[FL_BASE], s->n[FL_BASE], s->v[FL_CUR],
					       s->n[FL_CUR], s->higher_better, &c->opts,
					       &s->res);
			if (ret)
				return ret;
			if (s->res.base_median < s->floor && s->res.cur_median < s->floor) {
				s->res.verdict = FL_VERDICT_UNCHANGED;
				snprintf(s->res.why, sizeof(s->res.why),
					 "below %g%% of the faulters' time", LOCK_FLOOR * 100);
			}
		}
		s->matched = true;
		c->counts[s->res.verdict]++;
		/* A violation in CUR alone is listed but matches nothing. */
		matched += in_base;
	}
	qsort(c->s, (size_t)c->nr, sizeof(*c->s), cmp_series);
	/* The index points at the old order; nothing looks it up any more. */
	json_object_clear(c->index);
	return matched;
}

static json_t *num(double v)
{
	return isfinite(v) ? json_real(v) : json_null();
}

static json_t *side_json(const struct fl_cmp_series *s, int w)
{
	json_t *vals = json_array();
	double lo = INFINITY, hi = -INFINITY;

	for (int i = 0; i < s->n[w]; i++) {
		json_array_append_new(vals, json_real(s->v[w][i]));
		lo = fmin(lo, s->v[w][i]);
		hi = fmax(hi, s->v[w][i]);
	}
	return json_pack("{s:i, s:o, s:o, s:o, s:o}", "n", s->n[w],
			 "median", num(w == FL_BASE ? s->res.base_median : s->res.cur_median),
			 "min", num(lo), "max", num(hi), "values", vals);
}

static json_t *series_json(const struct fl_cmp_series *s)
{
	const struct fl_stats_cmp *r = &s->res;
	json_t *o = json_pack("{s:s, s:s, s:s, s:b, s:i, s:o, s:s, s:s, s:s, s:o, s:o}",
			      "workload", s->workload, "params", s->params,
			      "options", s->options, "baseline", s->baseline,
			      "threads", s->threads,
			      "node", s->node < 0 ? json_string("all") : json_integer(s->node),
			      "metric", s->metric, "unit", s->unit,
			      "direction", s->higher_better ? "higher" : "lower",
			      "base", side_json(s, FL_BASE), "cur", side_json(s, FL_CUR));

	if (!o)
		return NULL;
	if (s->lock_name[0])
		json_object_set_new(o, "lock", json_pack("{s:s, s:s}", "name",
				    s->lock_name, "type", s->lock_type));
	json_object_set_new(o, "change_pct", num(r->change_pct));
	json_object_set_new(o, "ci_pct", r->has_ci ?
			    json_pack("[f, f]", r->ci_lo_pct, r->ci_hi_pct) : json_null());
	json_object_set_new(o, "shift_pct", num(r->shift_pct));
	json_object_set_new(o, "coverage", num(r->coverage));
	json_object_set_new(o, "scale", json_string(s->kind == FL_MK_INTEGRITY ? "count" :
				r->log_scale ? "log" : "linear"));
	json_object_set_new(o, "verdict", json_string(fl_verdict_str(r->verdict)));
	json_object_set_new(o, "why", json_string(r->why));
	return o;
}

static json_t *paths_json(const struct fl_cmp_side *s)
{
	json_t *a = json_array();

	for (int i = 0; i < s->nr_docs; i++)
		json_array_append_new(a, json_string(s->files[i]));
	return a;
}

static json_t *sidedoc_json(const struct fl_cmp_side *s)
{
	return json_pack("{s:s, s:o, s:s, s:s, s:s, s:s?}", "arg", s->arg,
			 "paths", paths_json(s), "variant", s->variant,
			 "accel", s->accel, "kernel", s->kernel, "written",
			 s->written[0] ? s->written : NULL);
}

json_t *fl_cmp_json(const struct fl_cmp *c, const struct fl_cmp_side *sides)
{
	json_t *doc, *metrics = json_array(), *unmatched = json_array();
	char now[64];
	time_t t = time(NULL);

	strftime(now, sizeof(now), "%Y-%m-%dT%H:%M:%S%z", localtime(&t));
	for (int i = 0; i < c->nr; i++) {
		const struct fl_cmp_series *s = &c->s[i];
		char nb[16];

		if (s->matched) {
			json_array_append_new(metrics, series_json(s));
		} else if (!s->dropped) {
			json_t *u = json_pack("{s:s, s:s, s:s, s:s, s:i, s:s, s:s}",
				"side", s->n[FL_CUR] || s->errors[FL_CUR] ? "cur" : "base",
				"workload", s->workload, "params", s->params,
				"options", s->options, "threads", s->threads,
				"node", fl_cmp_node_str(s, nb, sizeof(nb)),
				"metric", s->metric);

			json_array_append_new(unmatched, u);
		}
	}
	doc = json_pack("{s:s, s:o, s:s, s:s, s:f, s:f, s:f, s:i}",
			"schema", "faultline-compare/1", "tool", fl_env_tool_json(),
			"written", now,
			"method", "Hodges-Lehmann shift of log(CUR/BASE) with the exact Mann-Whitney confidence interval",
			"confidence", c->opts.confidence,
			"threshold_pct", c->opts.threshold_pct,
			"noise_pct", c->opts.noise_pct, "min_samples", c->opts.min_n);
	if (!doc)
		return NULL;
	json_object_set_new(doc, "base", sidedoc_json(&sides[FL_BASE]));
	json_object_set_new(doc, "cur", sidedoc_json(&sides[FL_CUR]));
	json_object_set_new(doc, "verdict",
			    json_string(c->counts[FL_VERDICT_WORSE] ? "worse" : "ok"));
	json_object_set_new(doc, "counts", json_pack("{s:i, s:i, s:i, s:i, s:i}",
		"better", c->counts[FL_VERDICT_BETTER],
		"worse", c->counts[FL_VERDICT_WORSE],
		"unchanged", c->counts[FL_VERDICT_UNCHANGED],
		"noisy", c->counts[FL_VERDICT_NOISY],
		"unmatched", c->unmatched[FL_BASE] + c->unmatched[FL_CUR]));
	json_object_set_new(doc, "metrics", metrics);
	json_object_set_new(doc, "unmatched", unmatched);
	return doc;
}
