// SPDX-License-Identifier: GPL-2.0
/* Validity marks and reason lists, shared by the summaries. */
#include <stdio.h>
#include <string.h>

#include "analysis/summary_validity.h"
#include "base/schema.h"
#include "base/validity.h"

/* Items named per reason before "and N more". */
#define NAMES_SHOWN 6

void fl_mark_cell(char *buf, size_t len, bool spoiled)
{
	size_t used = strlen(buf), mark = strlen(FL_MARK);

	if (!spoiled || len <= mark)
		return;
	/* A full cell loses its last characters, never the mark. */
	if (used + mark >= len)
		used = len - mark - 1;
	snprintf(buf + used, len - used, "%s", FL_MARK);
}

static json_t *reasons_of(json_t *item)
{
	return json_object_get(json_object_get(item, "validity"), "reasons");
}

static bool same_reason(json_t *a, json_t *b)
{
	return !strcmp(json_string_value(json_object_get(a, "code")) ?: "",
		       json_string_value(json_object_get(b, "code")) ?: "") &&
	       !strcmp(json_string_value(json_object_get(a, "text")) ?: "",
		       json_string_value(json_object_get(b, "text")) ?: "");
}

/* Reason @r, the @ri-th of item @k, already appeared before it. */
static bool seen_before(json_t *items, size_t k, size_t ri, json_t *r)
{
	json_t *item, *q;
	size_t j, i;

	json_array_foreach(items, j, item) {
		if (j > k)
			break;
		json_array_foreach(reasons_of(item), i, q) {
			if (j == k && i >= ri)
				break;
			if (same_reason(q, r))
				return true;
		}
	}
	return false;
}

static bool has_reason(json_t *item, json_t *r)
{
	json_t *q;
	size_t i;

	json_array_foreach(reasons_of(item), i, q)
		if (same_reason(q, r))
			return true;
	return false;
}

/* "- run 1 (...), run 5 (...): code [metrics]: text" */
static void reason_line(FILE *f, json_t *items, size_t from, json_t *r, fl_item_name_fn name)
{
	json_t *item, *m;
	size_t j;
	int n = 0;

	fprintf(f, "- ");
	json_array_foreach(items, j, item) {
		char buf[160];

		if (j < from || !has_reason(item, r))
			continue;
		if (n < NAMES_SHOWN) {
			name(item, j, buf, sizeof(buf));
			fprintf(f, "%s%s", n ? ", " : "", buf);
		}
		n++;
	}
	if (n > NAMES_SHOWN)
		fprintf(f, " and %d more", n - NAMES_SHOWN);
	fprintf(f, ": %s [", json_string_value(json_object_get(r, "code")) ?: "?");
	json_array_foreach(json_object_get(r, "metrics"), j, m)
		fprintf(f, "%s%s", j ? ", " : "", json_string_value(m) ?: "?");
	fprintf(f, "]: %s\n", json_string_value(json_object_get(r, "text")) ?: "");
}

void fl_summary_reasons(FILE *f, json_t *items, fl_item_name_fn name)
{
	json_t *item, *r;
	bool any = false;
	size_t k, i;

	json_array_foreach(items, k, item)
		json_array_foreach(reasons_of(item), i, r) {
			if (seen_before(items, k, i, r))
				continue;
			if (!any)
				fprintf(f, "**Untrustworthy** (`%s` marks the values a reason spoils; "
					"[...] names them):\n\n", FL_MARK);
			any = true;
			reason_line(f, items, k, r, name);
		}
	if (any)
		fputc('\n', f);
}

static void doc_name(json_t *doc, size_t index, char *buf, size_t len)
{
	(void)doc;
	(void)index;
	snprintf(buf, len, "the document");
}

void fl_summary_doc_reasons(FILE *f, json_t *doc)
{
	json_t *one = json_pack("[O]", doc);

	fl_summary_reasons(f, one, doc_name);
	json_decref(one);
}

int fl_summary_untrustworthy(json_t *items)
{
	json_t *item;
	size_t i;
	int n = 0;

	json_array_foreach(items, i, item)
		n += !fl_validity_ok(item);
	return n;
}

void fl_summary_run_name(json_t *run, size_t index, char *buf, size_t len)
{
	json_int_t threads = json_integer_value(json_object_get(run, "threads"));
	const char *kind = json_string_value(json_object_get(json_object_get(run, "invalidator"),
							     "kind"));

	snprintf(buf, len, "run %zu (%lld thread%s%s%s, repetition %lld)", index,
		 (long long)threads, threads == 1 ? "" : "s",
		 json_is_true(json_object_get(run, "baseline")) ? ", baseline" : kind ? ", " : "",
		 json_is_true(json_object_get(run, "baseline")) ? "" : kind ?: "",
		 (long long)json_integer_value(json_object_get(run, "repeat")));
}

void fl_doc_count_add(struct fl_doc_count *c, json_t *doc)
{
	const char *schema = json_string_value(json_object_get(doc, "schema")) ?: "";

	if (strcmp(schema, FL_SCHEMA_RESULT) && strcmp(schema, FL_SCHEMA_STRESS) &&
	    strcmp(schema, FL_SCHEMA_MPI))
		return;
	c->docs++;
	c->untrustworthy += !fl_validity_ok(doc);
	c->unjudged += !json_object_get(doc, "validity");
}

void fl_doc_count_text(const struct fl_doc_count *c, char *buf, size_t len)
{
	size_t off;

	if (c->untrustworthy)
		off = (size_t)snprintf(buf, len, "%d of %d document%s untrustworthy",
				       c->untrustworthy, c->docs, c->docs == 1 ? "" : "s");
	else
		off = (size_t)snprintf(buf, len, "%s %d document%s ok", c->docs == 1 ? "the" : "all",
				       c->docs, c->docs == 1 ? "" : "s");
	if (c->unjudged && off < len)
		snprintf(buf + off, len - off, " (%d not judged: written before validity)",
			 c->unjudged);
}
