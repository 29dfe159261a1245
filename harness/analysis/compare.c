// SPDX-License-Identifier: GPL-2.0
/*
 * The series of `faultline compare`: every metric of every run, keyed by
 * what was measured, with one sample per repetition pooled over a side's
 * documents; then matched between the sides and judged (stats.c).
 *
 * The key of a series: the workload's name and params, the run options
 * that change what is measured (all of workload.run_options except
 * those in key_ignored below, and those in key_added at their old value),
 * whether the run was an invalidator's
 * baseline, the thread count, the node ("all" for the run's totals) and
 * the metric.
 *
 * A sample from a run whose validity spoils the metric's family is left
 * out and counted; a metric left with too few samples is "untrustworthy",
 * never better or worse.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "analysis/compare.h"
#include "analysis/declared.h"
#include "base/faultline.h"
#include "base/json_doc.h"
#include "base/schema.h"
#include "base/tool.h"
#include "base/validity.h"

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

/*
 * Run options added later, with the value every older document measured
 * with: left out of the key at that value, so old and new documents match.
 */
static const struct {
	const char *key, *value;
} key_added[] = {
	{ "mode", "threads" },
};

static bool added_at_default(const char *key, json_t *v)
{
	for (size_t i = 0; i < ARRAY_SIZE(key_added); i++)
		if (!strcmp(key, key_added[i].key) && json_is_string(v) &&
		    !strcmp(json_string_value(v), key_added[i].value))
			return true;
	return false;
}

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
	const char *family;	/* what a validity reason spoils; NULL: never */
};

/* The metrics in the order they are listed. */
enum {
	M_VIOLATIONS, M_CHECK, M_OPS, M_FAULTS, M_P50, M_P99, M_P999,
	M_FLAT_P50, M_FLAT_P99, M_INVAL_OPS,
	M_DECLARED,	/* what the run's collectors declared, by name */
	M_LOCK_WAIT, M_LOCK,
};

static const struct metric_def defs[] = {
	[M_VIOLATIONS] = { "integrity_violations", "count", false, FL_MK_INTEGRITY, NULL },
	[M_CHECK] = { "check_failed", "count", false, FL_MK_INTEGRITY, NULL },
	[M_OPS] = { "ops_per_sec", "ops/s", true, FL_MK_STAT, "ops" },
	[M_FAULTS] = { "faults_per_sec", "faults/s", true, FL_MK_STAT, "faults" },
	[M_P50] = { "latency_p50", "ns", false, FL_MK_STAT, "latency" },
	[M_P99] = { "latency_p99", "ns", false, FL_MK_STAT, "latency" },
	[M_P999] = { "latency_p999", "ns", false, FL_MK_STAT, "latency" },
	[M_FLAT_P50] = { "fault_latency_p50", "ns", false, FL_MK_STAT, "fault_latency" },
	[M_FLAT_P99] = { "fault_latency_p99", "ns", false, FL_MK_STAT, "fault_latency" },
	[M_INVAL_OPS] = { "invalidator_ops_per_sec", "ops/s", true, FL_MK_STAT, "invalidator" },
	[M_LOCK_WAIT] = { "lock_wait_ns", "ns", false, FL_MK_STAT, "locks" },
	[M_LOCK] = { "lock_wait_ns", "ns", false, FL_MK_STAT, "locks" },
};

/* Where the runs of one configuration and thread count go. */
struct ctx {
	const char *workload, *params, *options;
	bool baseline;
	bool inval;		/* the invalidator ran (not its baseline) */
	int config, threads;
	int group;		/* of the document: a pool's night */
	const char *file;	/* the document's path */
	json_t *run;		/* whose validity says what is spoiled */
	double window_ns;	/* threads x the run's window */
};

/*
 * A run's own number, the one a nightly must be able to resolve: ops/s
 * of a run without an invalidator; with one, faults/s and the median
 * latency of the touches that faulted (an op under invalidation is not
 * the op of the baseline row).
 */
static bool is_headline(const struct ctx *x, int node, int m)
{
	if (node >= 0)
		return false;
	if (x->inval)
		return m == M_FAULTS || m == M_FLAT_P50;
	return m == M_OPS;
}

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
		for (int w = 0; w < 2; w++) {
			free(c->s[i].v[w]);
			free(c->s[i].g[w]);
		}
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
static struct fl_cmp_series *series_find(struct fl_cmp *c, const struct ctx *x,
					 int node, int m, const struct metric_def *def,
					 const char *lock_name, const char *lock_type)
{
	struct fl_cmp_series *s;
	char key[1024], metric[96];
	json_t *idx;

	if (m == M_LOCK)
		snprintf(metric, sizeof(metric), "lock_wait_ns[%s/%s]", lock_name,
			 lock_type);
	else
		snprintf(metric, sizeof(metric), "%s", def->name);
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
		.higher_better = def->higher_better,
		.kind = def->kind, .order = m, .parent = -1,
		.headline = is_headline(x, node, m), .same_as = -1,
	};
	snprintf(s->metric, sizeof(s->metric), "%s", metric);
	snprintf(s->unit, sizeof(s->unit), "%s", def->unit);
	if (x->file) {
		const char *base = strrchr(x->file, '/') ? strrchr(x->file, '/') + 1 : x->file;

		snprintf(s->file, sizeof(s->file), "%.*s", (int)strcspn(base, "."), base);
	}
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

static struct fl_cmp_series *series_get(struct fl_cmp *c, const struct ctx *x,
					int node, int m, const char *lock_name,
					const char *lock_type)
{
	return series_find(c, x, node, m, &defs[m], lock_name, lock_type);
}

/* Sample @v of pool night (group) @group. */
static int push(struct fl_cmp_series *s, int which, double v, int group)
{
	if (s->n[which] == s->cap[which]) {
		int cap = s->cap[which] ? s->cap[which] * 2 : 8;
		double *n = realloc(s->v[which], (size_t)cap * sizeof(*n));
		int *g;

		if (!n)
			return -ENOMEM;
		s->v[which] = n;
		g = realloc(s->g[which], (size_t)cap * sizeof(*g));
		if (!g)
			return -ENOMEM;
		s->g[which] = g;
		s->cap[which] = cap;
	}
	s->g[which][s->n[which]] = group;
	s->v[which][s->n[which]++] = v;
	return 0;
}

/*
 * Whether @x's run spoils @family; if so the sample is counted as left
 * out of @s, with the codes of the reasons that spoil it.
 */
static bool left_out(struct fl_cmp_series *s, const struct ctx *x,
		     const char *family, int which)
{
	json_t *r, *m;
	size_t i, k;

	if (!family || !x->run || !fl_validity_spoils(x->run, family))
		return false;
	s->left_out[which]++;
	json_array_foreach(json_object_get(json_object_get(x->run, "validity"),
					   "reasons"), i, r)
		json_array_foreach(json_object_get(r, "metrics"), k, m) {
			const char *f = json_string_value(m);

			if (f && (!strcmp(f, "all") || !strcmp(f, family)))
				fl_cmp_add_word(s->left_why, sizeof(s->left_why),
						json_string_value(json_object_get(r, "code")) ?: "?");
		}
	return true;
}

/* One sample; absent (non-numeric) values are no sample. */
static int add(struct fl_cmp *c, const struct ctx *x, int node, int m,
	       int which, double v)
{
	struct fl_cmp_series *s;

	if (!isfinite(v))
		return 0;
	s = series_get(c, x, node, m, NULL, NULL);
	if (!s)
		return -ENOMEM;
	if (left_out(s, x, defs[m].family, which))
		return 0;
	return push(s, which, v, x->group);
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
		/* Run options (the call with @skip) also elide key_added. */
		if (skipped || (skip && added_at_default(key, v)))
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
 * A lock's samples stay in step with its node's total: a run that did not
 * list the lock waited 0 on it. Pads @s with zeros up to the total's
 * samples less @ahead (the total's sample of the run being added).
 */
static int pad_lock(struct fl_cmp *c, struct fl_cmp_series *s, int which,
		    int ahead)
{
	const struct fl_cmp_series *p = &c->s[s->parent];

	while (s->n[which] < p->n[which] - ahead)
		if (push(s, which, 0, p->g[which][s->n[which]]))
			return -ENOMEM;
	return 0;
}

/*
 * A node's lock waits: the total (plus what the list left out), and each
 * lock by name and type, summed over its callers.
 */
static int add_locks(struct fl_cmp *c, const struct ctx *x, int node,
		     json_t *nd, bool locks_complete, int which)
{
	json_t *locks = json_object_get(nd, "locks"), *l;
	struct { const char *name, *type; double wait; } agg[64];
	struct fl_cmp_series *s;
	double sum = 0;
	int nr = 0, total, ret;
	size_t i;

	/* No list where a complete collector worked: nothing here waited. */
	if (!json_is_array(locks) && !locks_complete)
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
	if (!s)
		return -ENOMEM;
	/* Spoiled counts: the locks of this run are no samples at all. */
	if (left_out(s, x, defs[M_LOCK_WAIT].family, which))
		return 0;
	if (push(s, which, sum, x->group))
		return -ENOMEM;
	s->floor = fmax(s->floor, LOCK_FLOOR * x->window_ns);
	total = (int)(s - c->s);	/* an index: c->s may move */
	for (int k = 0; k < nr; k++) {
		s = series_get(c, x, node, M_LOCK, agg[k].name, agg[k].type);
		if (!s)
			return -ENOMEM;
		s->parent = total;
		s->floor = c->s[total].floor;
		ret = pad_lock(c, s, which, 1);
		ret = ret ?: push(s, which, agg[k].wait, x->group);
		if (ret)
			return ret;
	}
	return 0;
}

/*
 * The numbers the run's collectors declared (kernel.collectors.*.metrics)
 * that compare tests, from node @nd: a new collector's metrics are
 * compared without compare naming them.
 */
static int add_declared(struct fl_cmp *c, const struct ctx *x, json_t *declared,
			int node, json_t *nd, int which)
{
	json_t *m;
	size_t i;

	json_array_foreach(declared, i, m) {
		const char *better = json_string_value(json_object_get(m, "better"));
		struct metric_def def = {
			.name = json_string_value(json_object_get(m, "name")),
			.unit = json_string_value(json_object_get(m, "unit")) ?: "",
			.higher_better = better && !strcmp(better, "higher"),
			.kind = FL_MK_STAT,
			.family = json_string_value(json_object_get(m, "family")),
		};
		const char *path = json_string_value(json_object_get(m, "path"));
		double v = path ? fl_json_num(nd, path) : NAN;
		struct fl_cmp_series *s;

		if (!json_is_true(json_object_get(m, "compare")) || !def.name || !isfinite(v))
			continue;
		s = series_find(c, x, node, M_DECLARED, &def, NULL, NULL);
		if (!s)
			return -ENOMEM;
		if (left_out(s, x, def.family, which))
			continue;
		if (push(s, which, v, x->group))
			return -ENOMEM;
	}
	return 0;
}

/* Per node: kernel-side data always, user-side only with several nodes. */
static int add_nodes(struct fl_cmp *c, const struct ctx *x, json_t *run,
		     int which)
{
	json_t *nodes = json_object_get(run, "nodes"), *nd;
	bool locks_complete = fl_list_complete(run, "locks");
	json_t *declared = fl_declared_metrics(run);
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
			ret = ret ?: add(c, x, node, M_FLAT_P99, which,
					 fl_json_num(nd, "fault_latency_ns.p99"));
		}
		ret = ret ?: add_declared(c, x, declared, node, nd, which);
		ret = ret ?: add_locks(c, x, node, nd, locks_complete, which);
		if (ret)
			break;
	}
	json_decref(declared);
	return ret;
}

static int collect_result(struct fl_cmp *c, json_t *doc, int which, int group,
			  const char *file)
{
	json_t *wl = json_object_get(doc, "workload"), *run;
	char params[1024], options[1024];
	struct ctx x = {
		.workload = json_string_value(json_object_get(wl, "name")) ?: "?",
		.options = options, .group = group, .file = file,
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
		x.run = run;
		x.baseline = json_is_true(json_object_get(run, "baseline"));
		x.inval = json_is_object(json_object_get(run, "invalidator"));
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
		ret = ret ?: add(c, &x, -1, M_FLAT_P50, which,
				 fl_json_num(run, "fault_latency_ns.p50"));
		ret = ret ?: add(c, &x, -1, M_FLAT_P99, which,
				 fl_json_num(run, "fault_latency_ns.p99"));
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

/*
 * A stress check: passed (0) or failed (1), and its oracle's violations.
 * "known" (a failure the known-failures list expects) passes and is
 * counted; skip and error are no sample; anything else, "not run" (no
 * iteration: it checked nothing) included, fails.
 */
static int collect_stress(struct fl_cmp *c, json_t *doc, int which, int group,
			  const char *file)
{
	char params[160], options[64];
	struct ctx x = { .workload = "stress", .params = params, .options = options,
			 .group = group, .file = file };
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
		if (!strcmp(verdict, "skip") || !strcmp(verdict, "error")) {
			s->errors[which]++;
			continue;
		}
		s->known[which] += !strcmp(verdict, "known");
		s->not_run[which] += !strncmp(verdict, "not", 3);
		ret = push(s, which, strcmp(verdict, "pass") && strcmp(verdict, "known"),
			   group);
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

		int group = side->group ? side->group[i] : 0;

		if (!strcmp(schema, FL_SCHEMA_STRESS))
			ret = collect_stress(c, doc, which, group, side->files[i]);
		else
			ret = collect_result(c, doc, which, group, side->files[i]);
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
			if (pad_lock(c, s, w, 0))
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
		if (check && s->not_run[FL_CUR])
			snprintf(r->why, sizeof(r->why),
				 "failed in %d of %d CUR runs (%d not run: no iteration)",
				 failed, s->n[FL_CUR], s->not_run[FL_CUR]);
		else if (check)
			snprintf(r->why, sizeof(r->why), "failed in %d of %d CUR runs",
				 failed, s->n[FL_CUR]);
		else
			snprintf(r->why, sizeof(r->why), "%.0f violations in CUR (%d of %d runs)",
				 sum, failed, s->n[FL_CUR]);
	} else if (!s->n[FL_CUR]) {
		r->verdict = FL_VERDICT_NOISY;
		snprintf(r->why, sizeof(r->why), "skipped or errored in CUR");
	} else if (s->known[FL_CUR]) {
		/* Passes for the verdict, but never silently green. */
		r->verdict = FL_VERDICT_KNOWN;
		snprintf(r->why, sizeof(r->why), "known failure in %d of %d CUR runs (expected)",
			 s->known[FL_CUR], s->n[FL_CUR]);
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

/*
 * Too few samples left once the untrustworthy ones are out: no verdict
 * but this one. True when @s got it.
 */
static bool judge_untrustworthy(const struct fl_cmp *c, struct fl_cmp_series *s)
{
	struct fl_stats_cmp *r = &s->res;

	if (!s->left_out[FL_BASE] && !s->left_out[FL_CUR])
		return false;
	if (s->n[FL_BASE] >= c->opts.min_n && s->n[FL_CUR] >= c->opts.min_n)
		return false;
	*r = (struct fl_stats_cmp){ .verdict = FL_VERDICT_UNTRUSTWORTHY,
		.change_pct = NAN, .shift_pct = NAN, .ci_lo_pct = NAN,
		.ci_hi_pct = NAN, .coverage = NAN, .drift_pct = NAN,
		.bound_pct = NAN };
	r->base_median = median_of(s->v[FL_BASE], s->n[FL_BASE]);
	r->cur_median = median_of(s->v[FL_CUR], s->n[FL_CUR]);
	snprintf(r->why, sizeof(r->why), "%d of %d BASE, %d of %d CUR samples untrustworthy (%.32s)",
		 s->left_out[FL_BASE], s->left_out[FL_BASE] + s->n[FL_BASE],
		 s->left_out[FL_CUR], s->left_out[FL_CUR] + s->n[FL_CUR], s->left_why);
	return true;
}

/*
 * faults/s that is ops/s times one constant in every sample (faults/op
 * never changes, as in page_fault1) is the same measurement: listed, but
 * counted once.
 */
static void mark_same(struct fl_cmp *c)
{
	for (int i = 0; i < c->nr; i++) {
		struct fl_cmp_series *f = &c->s[i], *o = NULL;
		bool same = true;
		double k = NAN;

		if (f->order != M_FAULTS || !f->matched)
			continue;
		for (int j = 0; j < c->nr && !o; j++)
			if (c->s[j].order == M_OPS && c->s[j].config == f->config &&
			    c->s[j].threads == f->threads && c->s[j].node == f->node)
				o = &c->s[j];
		if (!o || !o->matched)
			continue;
		for (int w = 0; w < 2 && same; w++) {
			same = o->n[w] == f->n[w];
			for (int j = 0; j < f->n[w] && same; j++) {
				double q = f->v[w][j] / o->v[w][j];

				if (isnan(k))
					k = q;
				same = isfinite(q) && fabs(q - k) <= 1e-9 * fabs(k);
			}
		}
		if (same && f->res.verdict == o->res.verdict) {
			f->same_as = (int)(o - c->s);
			c->counts[f->res.verdict]--;
		}
	}
}

/*
 * A measurement: untrustworthy when too few samples are left, else the
 * statistics (against a pool, or alone), with the lock floor. Returns 0
 * when judged, 1 when it is on one side only (counted as unmatched), or
 * -ENOMEM.
 */
static int judge_stat(struct fl_cmp *c, struct fl_cmp_series *s, bool in_base,
		      bool in_cur)
{
	int ret;

	/* Listed and counted, never better or worse. */
	if (in_base && in_cur && judge_untrustworthy(c, s))
		return 0;
	if (!s->n[FL_BASE] || !s->n[FL_CUR]) {
		c->unmatched[s->n[FL_CUR] ? FL_CUR : FL_BASE]++;
		return 1;
	}
	if (c->pool)
		ret = fl_stats_pool(s->v[FL_BASE], s->g[FL_BASE], s->n[FL_BASE],
				    s->v[FL_CUR], s->n[FL_CUR], s->higher_better,
				    &c->opts, &s->res);
	else
		ret = fl_stats_compare(s->v[FL_BASE], s->n[FL_BASE], s->v[FL_CUR],
				       s->n[FL_CUR], s->higher_better, &c->opts, &s->res);
	if (ret)
		return ret;
	if (s->res.base_median < s->floor && s->res.cur_median < s->floor) {
		s->res.verdict = FL_VERDICT_UNCHANGED;
		snprintf(s->res.why, sizeof(s->res.why),
			 "below %g%% of the faulters' time", LOCK_FLOOR * 100);
	}
	return 0;
}

int fl_cmp_evaluate(struct fl_cmp *c)
{
	int matched = 0, ret;

	ret = pick_locks(c);
	if (ret)
		return ret;
	for (int i = 0; i < c->nr; i++) {
		struct fl_cmp_series *s = &c->s[i];
		bool in_base = s->n[FL_BASE] || s->errors[FL_BASE] || s->left_out[FL_BASE];
		bool in_cur = s->n[FL_CUR] || s->errors[FL_CUR] || s->left_out[FL_CUR];

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
			ret = judge_stat(c, s, in_base, in_cur);
			if (ret < 0)
				return ret;
			if (ret)
				continue;
		}
		s->matched = true;
		c->counts[s->res.verdict]++;
		/* A violation in CUR alone is listed but matches nothing. */
		matched += in_base;
	}
	/* qsort() on NULL, even of nothing, is undefined. */
	if (c->nr)
		qsort(c->s, (size_t)c->nr, sizeof(*c->s), cmp_series);
	mark_same(c);
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

static json_t *series_json(const struct fl_cmp *c, const struct fl_cmp_series *s)
{
	const struct fl_cmp_series *same = s->same_as >= 0 ? &c->s[s->same_as] : NULL;
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
	json_object_set_new(o, "headline", json_boolean(s->headline));
	json_object_set_new(o, "file", json_string(s->file));
	if (s->same_as >= 0)
		json_object_set_new(o, "same_as", json_string(same->metric));
	if (s->left_out[FL_BASE] || s->left_out[FL_CUR])
		json_object_set_new(o, "left_out", json_pack("{s:i, s:i, s:s}",
				    "base", s->left_out[FL_BASE], "cur", s->left_out[FL_CUR],
				    "reasons", s->left_why));
	if (s->kind == FL_MK_INTEGRITY && (s->known[FL_CUR] || s->not_run[FL_CUR]))
		json_object_set_new(o, "checks", json_pack("{s:i, s:i}", "known",
				    s->known[FL_CUR], "not_run", s->not_run[FL_CUR]));
	if (isfinite(r->bound_pct))
		json_object_set_new(o, "pool", json_pack("{s:i, s:f, s:f}", "nights",
				    r->nights, "drift_pct", r->drift_pct,
				    "bound_pct", r->bound_pct));
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

	for (int i = 0; i < c->nr; i++) {
		const struct fl_cmp_series *s = &c->s[i];
		char nb[16];

		if (s->matched) {
			json_array_append_new(metrics, series_json(c, s));
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
	doc = fl_doc_new(FL_SCHEMA_COMPARE, NULL, 0, NULL);
	json_object_update_new(doc, json_pack("{s:s, s:f, s:f, s:f, s:i}",
			"method", "Hodges-Lehmann shift of log(CUR/BASE) with the exact Mann-Whitney confidence interval",
			"confidence", c->opts.confidence,
			"threshold_pct", c->opts.threshold_pct,
			"noise_pct", c->opts.noise_pct, "min_samples", c->opts.min_n));
	if (!doc)
		return NULL;
	json_object_set_new(doc, "base", sidedoc_json(&sides[FL_BASE]));
	json_object_set_new(doc, "cur", sidedoc_json(&sides[FL_CUR]));
	json_object_set_new(doc, "verdict", json_string(fl_cmp_verdict(c)));
	json_object_set_new(doc, "counts", json_pack("{s:i, s:i, s:i, s:i, s:i, s:i, s:i, s:i}",
		"better", c->counts[FL_VERDICT_BETTER],
		"worse", c->counts[FL_VERDICT_WORSE],
		"unchanged", c->counts[FL_VERDICT_UNCHANGED],
		"noisy", c->counts[FL_VERDICT_NOISY],
		"blind", c->counts[FL_VERDICT_BLIND],
		"untrustworthy", c->counts[FL_VERDICT_UNTRUSTWORTHY],
		"known", c->counts[FL_VERDICT_KNOWN],
		"unmatched", c->unmatched[FL_BASE] + c->unmatched[FL_CUR]));
	if (c->pool)
		json_object_set_new(doc, "drift_k", json_real(c->opts.drift_k));
	json_object_set_new(doc, "metrics", metrics);
	json_object_set_new(doc, "unmatched", unmatched);
	return doc;
}

const char *fl_cmp_verdict(const struct fl_cmp *c)
{
	if (c->counts[FL_VERDICT_WORSE])
		return "worse";
	return c->counts[FL_VERDICT_UNTRUSTWORTHY] ? "untrustworthy" : "ok";
}
