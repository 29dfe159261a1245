// SPDX-License-Identifier: GPL-2.0
/*
 * The report's Validity section: which documents, runs, stress checks and
 * MPI ranks say their numbers cannot be trusted, and why, one line each,
 * grouped by document; known failures and checks that did not run; and
 * the compare metrics that were not judged. report_page.c writes it out.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "base/faultline.h"
#include "base/schema.h"
#include "base/validity.h"
#include "report.h"

/* A compare document can hold hundreds of metrics: list the first ones. */
#define MAX_METRIC_LINES 40

/* "actor_idle: 198 of 256 actors did no op; spread: ..." */
static void reasons_text(char *buf, size_t len, json_t *holder)
{
	json_t *r;
	size_t i;

	buf[0] = '\0';
	json_array_foreach(json_object_get(json_object_get(holder, "validity"), "reasons"),
			   i, r)
		fl_fmt_cat(buf, len, "%s%s: %s", i ? "; " : "",
		       json_string_value(json_object_get(r, "code")) ?: "?",
		       json_string_value(json_object_get(r, "text")) ?: "");
	if (!buf[0])
		snprintf(buf, len, "untrustworthy, no reason given");
}

static json_t *group_new(struct rp_trust *t, const char *path, const char *label)
{
	json_t *g = json_pack("{s:s, s:s, s:[]}", "path", path, "label", label ?: "",
			      "lines");

	json_array_append_new(t->groups, g);
	return json_object_get(g, "lines");
}

static void line_add(json_t *lines, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void line_add(json_t *lines, const char *fmt, ...)
{
	char buf[RP_TEXT];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	/* No UTF-8 check: a line cut at RP_TEXT may end inside a character. */
	json_array_append_new(lines, json_string_nocheck(buf));
}

/* Whether @doc or any element of its array @parts records a validity. */
static bool has_validity(json_t *doc, json_t *parts)
{
	json_t *p;
	size_t i;

	if (json_object_get(doc, "validity"))
		return true;
	json_array_foreach(parts, i, p)
		if (json_object_get(p, "validity"))
			return true;
	return false;
}

/* A result document: its untrustworthy runs. */
static void result_doc(struct rp_trust *t, json_t *lines, json_t *doc)
{
	char what[160], why[RP_TEXT - 200];
	json_t *run;
	size_t i;
	int listed = 0;

	json_array_foreach(json_object_get(doc, "runs"), i, run) {
		int threads = rp_run_threads(run);
		const char *kind = json_string_value(json_object_get(
			json_object_get(run, "invalidator"), "kind"));
		char inval[64] = "";

		if (fl_validity_ok(run))
			continue;
		if (kind)
			snprintf(inval, sizeof(inval), ", with the %s invalidator", kind);
		else if (json_is_true(json_object_get(run, "baseline")))
			snprintf(inval, sizeof(inval), ", baseline");
		snprintf(what, sizeof(what), "run %zu (%d thread%s%s, repetition %lld)", i,
			 threads, threads == 1 ? "" : "s", inval,
			 (long long)json_integer_value(json_object_get(run, "repeat")));
		reasons_text(why, sizeof(why), run);
		line_add(lines, "%s: %s", what, why);
		t->bad_runs++;
		listed++;
	}
	if (!listed && !fl_validity_ok(doc)) {
		reasons_text(why, sizeof(why), doc);
		line_add(lines, "the document: %s", why);
	}
}

/*
 * A stress document: untrustworthy checks, checks that did not run (they
 * fail) and known failures (expected, visible, not a failure).
 */
static void stress_doc(struct rp_trust *t, json_t *lines, json_t *doc)
{
	char what[128], why[RP_TEXT - 200];
	json_t *chk;
	size_t i;
	int listed = 0;

	json_array_foreach(json_object_get(doc, "checks"), i, chk) {
		const char *verdict = json_string_value(json_object_get(chk, "verdict")) ?: "?";
		const char *reason = json_string_value(json_object_get(chk, "reason"));
		json_t *known = json_object_get(chk, "known");

		snprintf(what, sizeof(what), "check %s",
			 json_string_value(json_object_get(chk, "name")) ?: "?");
		if (!strcmp(verdict, "known")) {
			const char *kr = json_string_value(json_object_get(known, "reason"));
			const char *ref = json_string_value(json_object_get(known, "reference"));

			snprintf(why, sizeof(why), "%s%s%s%s", kr ?: reason ?: "on the list of known failures",
				 ref ? " (" : "", ref ?: "", ref ? ")" : "");
			line_add(lines, "%s: known failure, counted but not failing: %s", what, why);
			t->known++;
			listed++;
		} else if (!strcmp(verdict, "not_run")) {
			if (!fl_validity_ok(chk))
				reasons_text(why, sizeof(why), chk);
			else
				snprintf(why, sizeof(why), "%s", reason ?: "no iteration ran");
			line_add(lines, "%s: not run, so it fails: %s", what, why);
			t->not_run++;
			listed++;
		} else if (!fl_validity_ok(chk)) {
			reasons_text(why, sizeof(why), chk);
			line_add(lines, "%s: %s", what, why);
			t->bad_checks++;
			listed++;
		}
	}
	if (!listed && !fl_validity_ok(doc)) {
		reasons_text(why, sizeof(why), doc);
		line_add(lines, "the document: %s", why);
	}
}

/* An MPI document: its untrustworthy ranks. */
static void mpi_doc(struct rp_trust *t, json_t *lines, json_t *doc)
{
	char what[128], why[RP_TEXT - 200];
	json_t *rank;
	size_t i;
	int listed = 0;

	json_array_foreach(json_object_get(doc, "ranks"), i, rank) {
		if (fl_validity_ok(rank))
			continue;
		snprintf(what, sizeof(what), "rank %lld (%s)",
			 (long long)json_integer_value(json_object_get(rank, "rank")),
			 json_string_value(json_object_get(rank, "host")) ?: "?");
		reasons_text(why, sizeof(why), rank);
		line_add(lines, "%s: %s", what, why);
		t->bad_ranks++;
		listed++;
	}
	if (!listed && !fl_validity_ok(doc)) {
		reasons_text(why, sizeof(why), doc);
		line_add(lines, "the document: %s", why);
	}
}

static void one_doc(struct rp_trust *t, json_t *doc, const char *path, const char *label)
{
	const char *schema = json_string_value(json_object_get(doc, "schema")) ?: "";
	bool result = !strcmp(schema, FL_SCHEMA_RESULT);
	bool stress = !strcmp(schema, FL_SCHEMA_STRESS);
	bool mpi = !strcmp(schema, FL_SCHEMA_MPI);
	json_t *parts = json_object_get(doc, result ? "runs" : stress ? "checks" : "ranks");
	json_t *lines;

	/* Documents that carry no numbers (a guest's boot record) are not judged. */
	if (!result && !stress && !mpi)
		return;
	t->docs++;
	if (!has_validity(doc, parts)) {
		json_array_append_new(t->unjudged, json_string(path));
		return;
	}
	int before = t->bad_runs + t->bad_checks + t->not_run + t->bad_ranks;

	lines = group_new(t, path, label);
	if (result)
		result_doc(t, lines, doc);
	else if (stress)
		stress_doc(t, lines, doc);
	else
		mpi_doc(t, lines, doc);
	if (!fl_validity_ok(doc) || t->bad_runs + t->bad_checks + t->not_run + t->bad_ranks > before)
		t->bad_docs++;
	if (!json_array_size(lines))	/* nothing to say: every part valid */
		json_array_remove(t->groups, json_array_size(t->groups) - 1);
}

/* The compare metrics that could not be judged. */
static void compare_doc(struct rp_trust *t, const struct rp_report *r)
{
	json_t *m, *lines = NULL;
	size_t i;

	json_array_foreach(json_object_get(r->compare, "metrics"), i, m) {
		const char *v = json_string_value(json_object_get(m, "verdict"));
		const char *why = json_string_value(json_object_get(m, "why"));
		json_t *node = json_object_get(m, "node");
		long long threads = json_integer_value(json_object_get(m, "threads"));
		char what[512], codes[128] = "", where[32] = "all nodes";

		if ((!v || strcmp(v, "untrustworthy")) && fl_validity_ok(m))
			continue;
		if (!lines)
			lines = group_new(t, r->compare_path, "compare: not judged");
		if (++t->bad_metrics > MAX_METRIC_LINES)
			continue;
		rp_reason_codes(codes, sizeof(codes), m, "all");
		if (json_is_integer(node))
			snprintf(where, sizeof(where), "node %lld", (long long)json_integer_value(node));
		snprintf(what, sizeof(what), "%s %s, %lld thread%s, %s: %s",
			 json_string_value(json_object_get(m, "workload")) ?: "?",
			 json_string_value(json_object_get(m, "params")) ?: "", threads,
			 threads == 1 ? "" : "s", where,
			 json_string_value(json_object_get(m, "metric")) ?: "?");
		line_add(lines, "%s: %s", what, *codes ? codes : why ?: "untrustworthy");
	}
	if (t->bad_metrics > MAX_METRIC_LINES)
		line_add(lines, "%d more metrics not judged (the compare document lists them)",
			 t->bad_metrics - MAX_METRIC_LINES);
}

int rp_trust_gather(const struct rp_report *r, struct rp_trust *t)
{
	*t = (struct rp_trust){ .groups = json_array(), .unjudged = json_array() };
	if (!t->groups || !t->unjudged)
		return -ENOMEM;
	for (int s = 0; s < r->nr_series; s++) {
		const struct rp_series *v = &r->series[s];
		json_t *doc;
		size_t i;

		json_array_foreach(v->docs, i, doc)
			one_doc(t, doc, json_string_value(json_array_get(v->files, i)) ?: "?",
				v->label);
		json_array_foreach(v->others, i, doc)
			one_doc(t, doc, json_string_value(json_array_get(v->other_files, i)) ?: "?",
				v->label);
	}
	compare_doc(t, r);
	return 0;
}

void rp_trust_free(struct rp_trust *t)
{
	json_decref(t->groups);
	json_decref(t->unjudged);
	t->groups = t->unjudged = NULL;
}
