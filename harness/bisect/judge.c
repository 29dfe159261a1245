// SPDX-License-Identifier: GPL-2.0
/* Good, bad or undecided: a bisect step judged by compare's statistics. */
#include <errno.h>
#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "analysis/compare.h"
#include "base/faultline.h"
#include "base/format.h"
#include "base/validity.h"
#include "bisect/judge.h"

/*
 * A bisect pools rounds of repetitions from several documents and its
 * interval widens with their dispersion, so the reasons a document drew
 * from the spread of its own repetitions are not kept: they would leave
 * out every sample of a round that the pooled interval can judge. A run's
 * own reasons (an idle actor, a busy CPU) still leave its samples out.
 */
static void drop_derived_reasons(struct fl_cmp_side *side)
{
	json_t *run;
	size_t i;

	for (int d = 0; d < side->nr_docs; d++)
		json_array_foreach(json_object_get(side->docs[d], "runs"), i, run)
			fl_validity_drop_derived(run);
}

/* Both sides loaded, matched and evaluated; 0 or -errno with @why. */
static int compare_files(const struct fl_bisect_judge *j, const char *base,
			 const char *cur, struct fl_cmp *c, char *why, size_t len)
{
	struct fl_cmp_side sides[2] = { 0 };
	int ret;

	ret = fl_cmp_init(c, &j->stats);
	ret = ret ?: fl_cmp_side_load(&sides[FL_BASE], "BASE", base, why, len);
	ret = ret ?: fl_cmp_side_load(&sides[FL_CUR], "CUR", cur, why, len);
	if (!ret) {
		drop_derived_reasons(&sides[FL_BASE]);
		drop_derived_reasons(&sides[FL_CUR]);
	}
	ret = ret ?: fl_cmp_collect(c, &sides[FL_BASE], FL_BASE);
	ret = ret ?: fl_cmp_collect(c, &sides[FL_CUR], FL_CUR);
	if (!ret && fl_cmp_evaluate(c) < 0)
		ret = -ENOMEM;
	fl_cmp_side_free(&sides[FL_BASE]);
	fl_cmp_side_free(&sides[FL_CUR]);
	if (ret == -ENOMEM)
		fl_set_err(why, len, "out of memory comparing %s with %s", base, cur);
	return ret;
}

static void series_key(const struct fl_cmp_series *s, char *buf, size_t len)
{
	snprintf(buf, len, "%s\x1f%s\x1f%s\x1f%d\x1f%d\x1f%d\x1f%s", s->workload,
		 s->params, s->options, s->baseline, s->threads, s->node, s->metric);
}

static void series_label(const struct fl_cmp_series *s, char *buf, size_t len)
{
	snprintf(buf, len, "%s, %d thread%s%s: %s", s->workload, s->threads,
		 s->threads == 1 ? "" : "s", s->baseline ? " (invalidator's baseline row)" : "",
		 s->metric);
}

/* A series the bisect may follow: a measurement of the run's totals. */
static bool candidate(const struct fl_bisect_judge *j, const struct fl_cmp_series *s)
{
	if (!s->matched || s->kind != FL_MK_STAT || s->node >= 0 || s->same_as >= 0)
		return false;
	return j->metric ? !strcmp(s->metric, j->metric) : s->headline;
}

static const struct fl_cmp_series *find(const struct fl_cmp *c, const char *key)
{
	char k[1024];

	for (int i = 0; i < c->nr; i++) {
		series_key(&c->s[i], k, sizeof(k));
		if (!strcmp(k, key))
			return c->s[i].matched ? &c->s[i] : NULL;
	}
	return NULL;
}

/* "-12.3% [-14.0%, -10.6%]", or the verdict's reason without an interval. */
static void change_text(const struct fl_stats_cmp *r, char *buf, size_t len)
{
	if (r->has_ci)
		snprintf(buf, len, "%+.1f%% [%+.1f%%, %+.1f%%]", r->change_pct,
			 r->ci_lo_pct, r->ci_hi_pct);
	else
		snprintf(buf, len, "%+.1f%% (no interval: %s)", r->change_pct,
			 *r->why ? r->why : "too few samples");
}

static int add_signal(struct fl_bisect_judge *j, const struct fl_cmp_series *s)
{
	char key[1024], label[256];
	char **sig = realloc(j->signal, (j->nr_signal + 1) * sizeof(*sig));
	char **lab = sig ? realloc(j->label, (j->nr_signal + 1) * sizeof(*lab)) : NULL;

	if (sig)
		j->signal = sig;
	if (!lab)
		return -ENOMEM;
	j->label = lab;
	series_key(s, key, sizeof(key));
	series_label(s, label, sizeof(label));
	j->signal[j->nr_signal] = strdup(key);
	j->label[j->nr_signal] = strdup(label);
	if (!j->signal[j->nr_signal] || !j->label[j->nr_signal])
		return -ENOMEM;
	j->nr_signal++;
	return 0;
}

int fl_bisect_signal(struct fl_bisect_judge *j, const char *good,
		     const char *bad, char *why, size_t len)
{
	struct fl_cmp c;
	int ret, seen = 0, unsure = 0;
	char ch[160];

	ret = compare_files(j, good, bad, &c, why, len);
	if (ret) {
		fl_cmp_free(&c);
		return ret;
	}
	*why = '\0';
	for (int i = 0; i < c.nr && !ret; i++) {
		const struct fl_cmp_series *s = &c.s[i];
		char label[256];

		if (!candidate(j, s))
			continue;
		seen++;
		series_label(s, label, sizeof(label));
		change_text(&s->res, ch, sizeof(ch));
		if (s->res.verdict == FL_VERDICT_WORSE) {
			ret = add_signal(j, s);
			fl_fmt_cat(why, len, "%s%s %s", *why ? "; " : "", label, ch);
		} else if (s->res.verdict != FL_VERDICT_UNCHANGED &&
			   s->res.verdict != FL_VERDICT_BETTER) {
			unsure++;
		}
	}
	fl_cmp_free(&c);
	if (ret)
		return ret;
	if (!seen) {
		snprintf(why, len, "no %s%s in both endpoints' results to follow",
			 j->metric ? "series of metric " : "headline metric",
			 j->metric ? j->metric : "");
		return FL_CALL_SKIP;
	}
	if (j->nr_signal)
		return FL_CALL_BAD;
	snprintf(why, len, "%d of %d %s %s", unsure ? unsure : seen, seen,
		 j->metric ? j->metric : "headline metrics",
		 unsure ? "cannot be told apart yet (noisy)" : "unchanged or better");
	return unsure ? FL_CALL_UNDECIDED : FL_CALL_GOOD;
}

int fl_bisect_judge_run(const struct fl_bisect_judge *j, const char *good,
			const char *bad, const char *step, char *why, size_t len)
{
	struct fl_cmp from_good, to_bad;
	int ret, nr_bad = 0, nr_good = 0;
	char ch1[160], ch2[160];

	ret = compare_files(j, good, step, &from_good, why, len);
	ret = ret ?: compare_files(j, step, bad, &to_bad, why, len);
	if (ret) {
		fl_cmp_free(&from_good);
		fl_cmp_free(&to_bad);
		return ret;
	}
	*why = '\0';
	for (int i = 0; i < j->nr_signal; i++) {
		const struct fl_cmp_series *g = find(&from_good, j->signal[i]);
		const struct fl_cmp_series *b = find(&to_bad, j->signal[i]);
		bool worse = g && g->res.verdict == FL_VERDICT_WORSE;

		if (!g || !b) {
			fl_fmt_cat(why, len, "%s%s: missing from this step", *why ? "; " : "",
			       j->label[i]);
			continue;
		}
		change_text(&g->res, ch1, sizeof(ch1));
		change_text(&b->res, ch2, sizeof(ch2));
		nr_bad += worse;
		nr_good += !worse && b->res.verdict == FL_VERDICT_WORSE;
		fl_fmt_cat(why, len, "%s%s %s against the good endpoint (%s), %s to the bad one (%s)",
		       *why ? "; " : "", j->label[i], ch1, fl_verdict_str(g->res.verdict),
		       ch2, fl_verdict_str(b->res.verdict));
	}
	fl_cmp_free(&from_good);
	fl_cmp_free(&to_bad);
	if (nr_bad)
		return FL_CALL_BAD;
	return nr_good == j->nr_signal ? FL_CALL_GOOD : FL_CALL_UNDECIDED;
}

int fl_bisect_evidence(const struct fl_bisect_judge *j, const char *before,
		       const char *after, char *why, size_t len)
{
	struct fl_cmp c;
	int ret = compare_files(j, before, after, &c, why, len);
	char ch[160];

	if (ret) {
		fl_cmp_free(&c);
		return ret;
	}
	*why = '\0';
	for (int i = 0; i < j->nr_signal; i++) {
		const struct fl_cmp_series *s = find(&c, j->signal[i]);

		if (!s)
			continue;
		change_text(&s->res, ch, sizeof(ch));
		fl_fmt_cat(why, len, "%s%s %s (%s; %d against %d repetitions)", *why ? "; " : "",
		       j->label[i], ch, fl_verdict_str(s->res.verdict), s->n[FL_CUR],
		       s->n[FL_BASE]);
	}
	fl_cmp_free(&c);
	return 0;
}

int fl_bisect_judge_stress(const char *file, char *why, size_t len)
{
	json_error_t jerr;
	json_t *doc = json_load_file(file, 0, &jerr), *check;
	int fail = 0, pass = 0, other = 0;
	size_t i;

	if (!doc) {
		snprintf(why, len, "%s: %s", file, jerr.text);
		return -EINVAL;
	}
	*why = '\0';
	json_array_foreach(json_object_get(doc, "checks"), i, check) {
		const char *name = json_string_value(json_object_get(check, "name"));
		const char *verdict = json_string_value(json_object_get(check, "verdict"));
		json_t *oracle = json_object_get(check, "oracle");
		json_t *kinds = json_object_get(oracle, "by_kind"), *n;
		char what[512] = "";
		const char *kind;

		name = name ? name : "?";
		verdict = verdict ? verdict : "no verdict";
		if (!strcmp(verdict, "pass") || !strcmp(verdict, "known")) {
			pass++;
			continue;
		}
		if (strcmp(verdict, "fail")) {
			other++;
			fl_fmt_cat(why, len, "%s%s: %s", *why ? "; " : "", name, verdict);
			continue;
		}
		fail++;
		json_object_foreach(kinds, kind, n) {
			size_t w = strlen(what);

			if (json_integer_value(n) > 0 && w < sizeof(what))
				snprintf(what + w, sizeof(what) - w, "%s%s %lld", w ? ", " : "",
					 kind, (long long)json_integer_value(n));
		}
		fl_fmt_cat(why, len, "%s%s: fail, %s", *why ? "; " : "", name,
		       *what ? what : "no violation counted (a kernel-log finding?)");
	}
	json_decref(doc);
	if (fail)
		return FL_CALL_BAD;
	if (!pass && !other)
		snprintf(why, len, "%s: no check ran", file);
	return other || !pass ? FL_CALL_SKIP : FL_CALL_GOOD;
}

void fl_bisect_judge_free(struct fl_bisect_judge *j)
{
	for (int i = 0; i < j->nr_signal; i++) {
		free(j->signal[i]);
		free(j->label[i]);
	}
	free(j->signal);
	free(j->label);
	j->signal = j->label = NULL;
	j->nr_signal = 0;
}

const char *fl_bisect_call_name(enum fl_bisect_call c)
{
	static const char *const names[] = { "good", "bad", "undecided", "skip" };

	return names[c];
}
