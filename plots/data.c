// SPDX-License-Identifier: GPL-2.0
/*
 * What every figure of a report needs from result documents: statistics
 * over repetitions, which runs a per-node figure shows, latency histograms
 * merged over repetitions, and formatting for readings.
 */
#define _GNU_SOURCE
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "base/stats.h"
#include "base/validity.h"
#include "report.h"

/* Median, min and max of the finite values of @v (which is reordered). */
void rp_stat(double *v, int n, struct rp_stat *s)
{
	int k = 0;

	for (int i = 0; i < n; i++)
		k += isfinite(v[i]);
	s->n = k;
	s->med = fl_stats_median(v, n);	/* sorts the finite values first */
	s->min = k ? v[0] : NAN;
	s->max = k ? v[k - 1] : NAN;
}

int rp_run_threads(json_t *run)
{
	return (int)json_integer_value(json_object_get(run, "threads"));
}

bool rp_run_invalidated(json_t *run)
{
	return json_is_object(json_object_get(run, "invalidator"));
}

static bool has_threads(json_t *runs, int threads)
{
	json_t *run;
	size_t i;

	json_array_foreach(runs, i, run)
		if (rp_run_threads(run) == threads)
			return true;
	return false;
}

/*
 * Series measured on different machines may have different thread counts:
 * the per-node figures compare the largest count they all have, or the
 * largest of any when they have none in common.
 */
int rp_config_threads(const struct rp_report *r, const struct rp_config *c)
{
	int best = 0, any = 0;
	json_t *run;
	size_t i;

	for (int s = 0; s < r->nr_series; s++) {
		json_array_foreach(c->runs[s], i, run) {
			int t = rp_run_threads(run);
			bool everywhere = true;

			if (t > any)
				any = t;
			for (int o = 0; o < r->nr_series; o++)
				if (c->runs[o] && !has_threads(c->runs[o], t))
					everywhere = false;
			if (everywhere && t > best)
				best = t;
		}
	}
	return best ? best : any;
}

bool rp_invalidated_at(json_t *runs, int threads)
{
	json_t *run;
	size_t i;

	json_array_foreach(runs, i, run)
		if (rp_run_threads(run) == threads && rp_run_invalidated(run))
			return true;
	return false;
}

bool rp_chosen(json_t *run, int threads, bool invalidated)
{
	return rp_run_threads(run) == threads && rp_run_invalidated(run) == invalidated;
}

/* The invalidator kind of the runs at @threads, or NULL for none. */
const char *rp_inval_kind(json_t *runs, int threads)
{
	json_t *run;
	size_t i;

	json_array_foreach(runs, i, run)
		if (rp_run_threads(run) == threads && rp_run_invalidated(run))
			return json_string_value(json_object_get(
				json_object_get(run, "invalidator"), "kind"));
	return NULL;
}

static int cmp_int(const void *a, const void *b)
{
	int x = *(const int *)a, y = *(const int *)b;

	return (x > y) - (x < y);
}

int rp_nodes(json_t *runs, int threads, bool invalidated, int *nodes, int cap)
{
	json_t *run, *nd;
	size_t i, j;
	int nr = 0;

	json_array_foreach(runs, i, run) {
		if (!rp_chosen(run, threads, invalidated))
			continue;
		json_array_foreach(json_object_get(run, "nodes"), j, nd) {
			int n = (int)json_integer_value(json_object_get(nd, "node"));
			bool seen = false;

			for (int k = 0; k < nr; k++)
				seen |= nodes[k] == n;
			if (!seen && nr < cap)
				nodes[nr++] = n;
		}
	}
	qsort(nodes, (size_t)nr, sizeof(*nodes), cmp_int);
	return nr;
}

json_t *rp_run_node(json_t *run, int node)
{
	json_t *nd;
	size_t i;

	json_array_foreach(json_object_get(run, "nodes"), i, nd)
		if (json_integer_value(json_object_get(nd, "node")) == node)
			return nd;
	return NULL;
}

void rp_hist_add(struct rp_hist *h, json_t *latency)
{
	json_t *b;
	size_t i;

	json_array_foreach(json_object_get(latency, "hist"), i, b) {
		double c = json_number_value(json_array_get(b, 2));

		if (!json_is_number(json_array_get(b, 0)) || !(c > 0))
			continue;
		if (h->nr == h->cap) {
			int cap = h->cap ? h->cap * 2 : 1024;
			struct rp_bucket *m = realloc(h->b, (size_t)cap * sizeof(*m));

			if (!m)
				return;
			h->b = m;
			h->cap = cap;
		}
		h->b[h->nr++] = (struct rp_bucket){
			.lo = json_number_value(json_array_get(b, 0)),
			.hi = json_number_value(json_array_get(b, 1)),
			.count = c,
		};
		h->total += c;
	}
}

static int cmp_bucket(const void *a, const void *b)
{
	const struct rp_bucket *x = a, *y = b;

	return (x->lo > y->lo) - (x->lo < y->lo);
}

/*
 * Buckets are in ns converted from TSC cycles, so the same bucket of two
 * runs may differ in the last printed digit: edges within 1e-6 are equal.
 */
void rp_hist_finish(struct rp_hist *h)
{
	int k = 0;

	if (!h->nr)
		return;
	qsort(h->b, (size_t)h->nr, sizeof(*h->b), cmp_bucket);
	for (int i = 1; i < h->nr; i++) {
		if (fabs(h->b[i].lo - h->b[k].lo) <= 1e-6 * h->b[k].lo)
			h->b[k].count += h->b[i].count;
		else
			h->b[++k] = h->b[i];
	}
	h->nr = k + 1;
}

double rp_hist_pct(const struct rp_hist *h, double p)
{
	double want = p * h->total, cum = 0;

	for (int i = 0; i < h->nr; i++) {
		cum += h->b[i].count;
		if (cum >= want)
			return (h->b[i].lo + h->b[i].hi) / 2;
	}
	return h->nr ? (h->b[h->nr - 1].lo + h->b[h->nr - 1].hi) / 2 : NAN;
}

void rp_hist_free(struct rp_hist *h)
{
	free(h->b);
	*h = (struct rp_hist){ 0 };
}

void rp_ns_unit(double max, double *div, const char **unit)
{
	if (max >= 1e9) {
		*div = 1e9;
		*unit = "s";
	} else if (max >= 1e6) {
		*div = 1e6;
		*unit = "ms";
	} else if (max >= 1e3) {
		*div = 1e3;
		*unit = "us";
	} else {
		*div = 1;
		*unit = "ns";
	}
}

void rp_safe_name(char *dst, size_t len, const char *src)
{
	size_t i;

	for (i = 0; src[i] && i + 1 < len; i++) {
		char c = src[i];

		dst[i] = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
			 (c >= '0' && c <= '9') || c == '-' || c == '.' ? c : '_';
	}
	dst[i] = '\0';
}

double rp_parse_time(const char *s)
{
	struct tm tm = { 0 };
	const char *rest;
	time_t t;
	int h = 0, m = 0;

	if (!s || !(rest = strptime(s, "%Y-%m-%dT%H:%M:%S", &tm)))
		return NAN;
	while (*rest == '.' || (*rest >= '0' && *rest <= '9'))
		rest++;	/* fractions of a second */
	t = timegm(&tm);
	if (*rest == '+' || *rest == '-') {
		int sign = *rest == '-' ? -1 : 1;

		if (sscanf(rest + 1, "%2d:%2d", &h, &m) != 2 &&
		    sscanf(rest + 1, "%2d%2d", &h, &m) < 1)
			return NAN;
		t -= sign * (h * 3600 + m * 60);
	} else if (*rest && *rest != 'Z') {
		return NAN;
	}
	return (double)t;
}

bool rp_same(json_t *a, json_t *b)
{
	return (!a && !b) || json_equal(a, b);
}

bool rp_same_group(json_t *a, json_t *b)
{
	static const char *const keys[] = { "workload", "params", "options" };

	for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++)
		if (!rp_same(json_object_get(a, keys[i]), json_object_get(b, keys[i])))
			return false;
	return true;
}

bool rp_group_seen(json_t *seen, json_t *entry)
{
	json_t *key = json_pack("[O?O?O?]", json_object_get(entry, "workload"),
				json_object_get(entry, "params"),
				json_object_get(entry, "options"));
	char *s = key ? json_dumps(key, JSON_COMPACT | JSON_SORT_KEYS) : NULL;
	bool was = s && json_object_get(seen, s);

	if (s && !was)
		json_object_set_new(seen, s, json_true());
	free(s);
	json_decref(key);
	return was;
}

/* Whether a params value @v, as the compare tool writes it, is @val. */
static bool same_value(json_t *val, const char *v)
{
	char buf[64];

	if (json_is_string(val))
		return !strcmp(json_string_value(val), v);
	if (json_is_integer(val)) {
		snprintf(buf, sizeof(buf), "%lld", (long long)json_integer_value(val));
		return !strcmp(buf, v);
	}
	if (json_is_boolean(val))
		return json_is_true(val) ?
		       !strcmp(v, "true") || !strcmp(v, "on") || !strcmp(v, "1") :
		       !strcmp(v, "false") || !strcmp(v, "off") || !strcmp(v, "0");
	if (json_is_real(val)) {
		double x = json_real_value(val);

		return fabs(x - strtod(v, NULL)) <= 1e-9 * fabs(x);
	}
	return false;
}

/* The value of @key in "k=v,k=v" @kvs into @buf; @def when it is absent. */
static const char *kv_value(const char *kvs, const char *key, const char *def,
			    char *buf, size_t len)
{
	size_t n = strlen(key);

	for (const char *p = kvs; p && *p; p += strcspn(p, ","), p += *p == ',') {
		if (!strncmp(p, key, n) && p[n] == '=') {
			snprintf(buf, len, "%.*s", (int)strcspn(p + n + 1, ","), p + n + 1);
			return buf;
		}
	}
	return def;
}

/*
 * Compare and history entries name a configuration by workload and
 * "k=v,k=v" params: the config whose params agree with every pair, and
 * whose actors' mode is the entry's (compare leaves mode=threads out of
 * its options, as older documents had no mode).
 */
struct rp_config *rp_config_for(struct rp_report *r, const char *workload,
				const char *params, const char *options)
{
	char mode_buf[16];
	const char *mode = kv_value(options, "mode", "threads", mode_buf, sizeof(mode_buf));

	for (int i = 0; i < r->nr_configs; i++) {
		struct rp_config *c = &r->configs[i];
		char buf[1024], *save = NULL, *kv;
		bool match = workload && !strcmp(workload, c->workload) &&
			     !strcmp(mode, c->mode);

		snprintf(buf, sizeof(buf), "%s", params ?: "");
		for (kv = strtok_r(buf, ", ", &save); match && kv;
		     kv = strtok_r(NULL, ", ", &save)) {
			char *eq = strchr(kv, '=');

			if (!eq)
				continue;
			*eq = '\0';
			match = same_value(json_object_get(c->params_obj, kv), eq + 1);
		}
		if (match)
			return c;
	}
	return NULL;
}

bool rp_spoiled(json_t *run, const char *families)
{
	char fam[64];
	const char *p = families;

	while (p && *p) {
		size_t n = strcspn(p, ",");

		snprintf(fam, sizeof(fam), "%.*s", (int)n, p);
		if (fl_validity_spoils(run, fam))
			return true;
		p += n + (p[n] == ',');
	}
	return false;
}

/* Whether reason @r names one of @families or "all" (as fl_validity_spoils). */
static bool reason_spoils(json_t *r, const char *families)
{
	json_t *m;
	size_t i;

	json_array_foreach(json_object_get(r, "metrics"), i, m) {
		const char *f = json_string_value(m), *p = families;

		if (!f)
			continue;
		if (!strcmp(f, "all"))
			return true;
		while (*p) {
			size_t n = strcspn(p, ",");

			if (strlen(f) == n && !strncmp(f, p, n))
				return true;
			p += n + (p[n] == ',');
		}
	}
	return false;
}

void rp_reason_codes(char *buf, size_t len, json_t *holder, const char *families)
{
	json_t *r;
	size_t i;

	json_array_foreach(json_object_get(json_object_get(holder, "validity"), "reasons"),
			   i, r) {
		const char *code = json_string_value(json_object_get(r, "code")) ?: "?";
		const char *at = buf;
		size_t n = strlen(code);
		bool seen = false;

		if (!reason_spoils(r, families))
			continue;
		/* Codes are words: a match between separators is the same code. */
		while ((at = strstr(at, code))) {
			if ((at == buf || at[-1] == ' ') && (at[n] == ',' || !at[n]))
				seen = true;
			at += n;
		}
		if (!seen)
			fl_fmt_cat(buf, len, "%s%s", *buf ? ", " : "", code);
	}
}

int rp_spoiled_runs(char *buf, size_t len, const char *label, json_t *runs, int threads,
		    bool inval, const char *families)
{
	char codes[256] = "";
	int all = 0, bad = 0;
	json_t *run;
	size_t i;

	json_array_foreach(runs, i, run) {
		if (!rp_chosen(run, threads, inval))
			continue;
		all++;
		if (!rp_spoiled(run, families))
			continue;
		bad++;
		rp_reason_codes(codes, sizeof(codes), run, families);
	}
	if (bad && buf)
		fl_fmt_cat(buf, len, "%s%s: %d of %d run%s (%s)", *buf ? "; " : "", label, bad, all,
		       all == 1 ? "" : "s", codes);
	return bad;
}
