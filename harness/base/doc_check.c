// SPDX-License-Identifier: GPL-2.0
/*
 * Documents read from disk held to their bounds before anything uses
 * them: a thread count of INT_MAX once made a figure loop for ever, and
 * every reader trusted what it read. The numbers below are the schemas'
 * (results/schema*.json carry the same maximum, maxItems and maxLength;
 * tests/test_doc_check.c keeps the two in step).
 */
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/doc_check.h"
#include "base/faultline.h"
#include "base/schema.h"

#define THREADS 65536		/* actors of one run, ranks of one job */
#define NODES 4096		/* NUMA nodes */
#define NAME 256		/* bytes of a name: variant, workload, lock, check */
#define DURATION 1e6		/* seconds: eleven days */
#define RUNS 100000
#define HIST 100000		/* buckets of one histogram */
#define LOCKS 65536

#define HISTS(prefix)							\
	{ prefix "latency_ns.hist", FL_DOC_ARR, 0, HIST },		\
	{ prefix "fault_latency_ns.hist", FL_DOC_ARR, 0, HIST }

static const struct fl_doc_rule result_rules[] = {
	{ "variant", FL_DOC_STR, 1, NAME },
	{ "workload.name", FL_DOC_STR, 0, NAME },
	{ "runs", FL_DOC_ARR, 0, RUNS },
	{ "runs[].threads", FL_DOC_INT, 1, THREADS },
	{ "runs[].repeat", FL_DOC_INT, 0, RUNS },
	{ "runs[].duration_s", FL_DOC_NUM, 0, DURATION },
	HISTS("runs[]."),
	{ "runs[].nodes", FL_DOC_ARR, 0, NODES },
	{ "runs[].nodes[].node", FL_DOC_INT, 0, NODES - 1 },
	{ "runs[].nodes[].threads", FL_DOC_INT, 0, THREADS },
	HISTS("runs[].nodes[]."),
	{ "runs[].nodes[].locks", FL_DOC_ARR, 0, LOCKS },
	{ "runs[].nodes[].locks[].name", FL_DOC_STR, 0, NAME },
	{ "runs[].nodes[].locks[].type", FL_DOC_STR, 0, NAME },
	{ "runs[].actors", FL_DOC_ARR, 0, THREADS + 64 },
};

static const struct fl_doc_rule stress_rules[] = {
	{ "duration_s", FL_DOC_NUM, 0, DURATION },
	{ "faulters", FL_DOC_INT, 1, THREADS },
	{ "checks", FL_DOC_ARR, 0, 4096 },
	{ "checks[].name", FL_DOC_STR, 0, NAME },
};

static const struct fl_doc_rule mpi_rules[] = {
	{ "variant", FL_DOC_STR, 0, NAME },
	{ "nodes", FL_DOC_ARR, 0, NODES },
	{ "ranks", FL_DOC_ARR, 0, THREADS },
	{ "ranks[].rank", FL_DOC_INT, 0, THREADS - 1 },
};

/* Compare documents and history lines have no JSON schema (results/README.md). */
static const struct fl_doc_rule compare_rules[] = {
	{ "base.variant", FL_DOC_STR, 0, NAME },
	{ "cur.variant", FL_DOC_STR, 0, NAME },
	{ "metrics[].threads", FL_DOC_INT, 0, THREADS },
	{ "metrics[].workload", FL_DOC_STR, 0, NAME },
	{ "metrics[].metric", FL_DOC_STR, 0, NAME },
	{ "metrics[].verdict", FL_DOC_STR, 0, NAME },
	{ "threshold_pct", FL_DOC_NUM, 0, 1000 },
	{ "confidence", FL_DOC_NUM, 0, 1 },
};

static const struct fl_doc_rule history_rules[] = {
	{ "threads", FL_DOC_INT, 0, THREADS },
	{ "workload", FL_DOC_STR, 0, NAME },
	{ "metric", FL_DOC_STR, 0, NAME },
	{ "unit", FL_DOC_STR, 0, NAME },
	{ "verdict", FL_DOC_STR, 0, NAME },
	{ "time", FL_DOC_STR, 0, 64 },
};

static const struct fl_doc_rule pool_rules[] = {
	{ "files", FL_DOC_ARR, 0, RUNS },
	{ "files[]", FL_DOC_STR, 1, NAME },
};

static const struct {
	const char *kind;
	const struct fl_doc_rule *rules;
	size_t nr;
} kinds[] = {
#define KIND(id, table) { id, table, ARRAY_SIZE(table) }
	KIND(FL_SCHEMA_RESULT, result_rules),
	KIND(FL_SCHEMA_STRESS, stress_rules),
	KIND(FL_SCHEMA_MPI, mpi_rules),
	KIND(FL_SCHEMA_COMPARE, compare_rules),
	KIND(FL_SCHEMA_POOL_NIGHT, pool_rules),
	KIND(FL_DOC_HISTORY_LINE, history_rules),
#undef KIND
};

const struct fl_doc_rule *fl_doc_rules(const char *kind, size_t *nr)
{
	for (size_t i = 0; kind && i < ARRAY_SIZE(kinds); i++)
		if (!strcmp(kinds[i].kind, kind)) {
			*nr = kinds[i].nr;
			return kinds[i].rules;
		}
	*nr = 0;
	return NULL;
}

/* What went wrong, and where. */
struct ctx {
	const char *name;
	char *err;
	size_t len;
	char where[512];	/* "runs[3].threads" */
};

/* Append ".key" or "[i]" to ctx->where; returns the length to cut back to. */
static size_t enter(struct ctx *x, const char *key, size_t index)
{
	size_t at = strlen(x->where);

	if (key)
		snprintf(x->where + at, sizeof(x->where) - at, "%s%s", at ? "." : "", key);
	else
		snprintf(x->where + at, sizeof(x->where) - at, "[%zu]", index);
	return at;
}

static const char *type_name(json_t *v)
{
	switch (json_typeof(v)) {
	case JSON_OBJECT: return "an object";
	case JSON_ARRAY: return "an array";
	case JSON_STRING: return "a string";
	case JSON_INTEGER: return "an integer";
	case JSON_REAL: return "a number";
	case JSON_TRUE: case JSON_FALSE: return "a boolean";
	default: return "null";
	}
}

static int fail(struct ctx *x, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int fail(struct ctx *x, const char *fmt, ...)
{
	char msg[FL_ERR_LEN];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	fl_set_err(x->err, x->len, "%s: %s", x->name, msg);
	return -ERANGE;
}

/* "above 65536" or "below 1" when @v lies outside [@min, @max]; NULL inside. */
static const char *outside(double v, double min, double max, char *buf, size_t len)
{
	if (v > max)
		snprintf(buf, len, "above %.15g", max);
	else if (v < min)
		snprintf(buf, len, "below %.15g", min);
	else
		return NULL;
	return buf;
}

static int check_value(struct ctx *x, json_t *v, const struct fl_doc_rule *r)
{
	char why[64];

	if (json_is_null(v))
		return 0;
	switch (r->type) {
	case FL_DOC_INT:
		if (json_is_real(v))
			return fail(x, "%s = %.15g: not an integer", x->where, json_real_value(v));
		if (!json_is_integer(v))
			return fail(x, "%s is %s, not an integer", x->where, type_name(v));
		if (outside((double)json_integer_value(v), r->min, r->max, why, sizeof(why)))
			return fail(x, "%s = %lld: %s", x->where,
				    (long long)json_integer_value(v), why);
		return 0;
	case FL_DOC_NUM:
		if (!json_is_number(v))
			return fail(x, "%s is %s, not a number", x->where, type_name(v));
		if (outside(json_number_value(v), r->min, r->max, why, sizeof(why)))
			return fail(x, "%s = %.15g: %s", x->where, json_number_value(v), why);
		return 0;
	case FL_DOC_STR:
		if (!json_is_string(v))
			return fail(x, "%s is %s, not a string", x->where, type_name(v));
		if (outside((double)json_string_length(v), r->min, r->max, why, sizeof(why)))
			return fail(x, "%s is %zu bytes long: %s", x->where,
				    json_string_length(v), why);
		return 0;
	case FL_DOC_ARR:
		if (!json_is_array(v))
			return fail(x, "%s is %s, not an array", x->where, type_name(v));
		if (outside((double)json_array_size(v), r->min, r->max, why, sizeof(why)))
			return fail(x, "%s has %zu elements: %s", x->where, json_array_size(v),
				    why);
		return 0;
	}
	return 0;
}

/* The values @path reaches from @v (every element at "[]"), each checked. */
static int walk_rule(struct ctx *x, json_t *v, const char *path, const struct fl_doc_rule *r)
{
	size_t n = strcspn(path, ".["), at;
	char key[128];
	json_t *e;
	size_t i;
	int ret = 0;

	if (!n && path[0] == '[') {	/* "[]": every element of the array here */
		const char *rest = path + 2;

		if (*rest == '.')
			rest++;
		json_array_foreach(v, i, e) {
			at = enter(x, NULL, i);
			ret = *rest ? walk_rule(x, e, rest, r) : check_value(x, e, r);
			x->where[at] = '\0';
			if (ret)
				return ret;
		}
		return 0;
	}
	snprintf(key, sizeof(key), "%.*s", (int)n, path);
	e = json_object_get(v, key);
	if (!e)
		return 0;
	at = enter(x, key, 0);
	path += n;
	if (*path == '.')
		path++;
	ret = *path ? walk_rule(x, e, path, r) : check_value(x, e, r);
	x->where[at] = '\0';
	return ret;
}

/* What every document keeps to: string and array lengths, nesting. */
static int walk_all(struct ctx *x, json_t *v, int depth)
{
	const char *key;
	json_t *e;
	size_t i, at;
	int ret = 0;

	if (depth > FL_DOC_MAX_DEPTH)
		return fail(x, "%s: nested deeper than %d levels", x->where[0] ? x->where : "(top)",
			    FL_DOC_MAX_DEPTH);
	if (json_is_string(v) && json_string_length(v) > FL_DOC_MAX_STRING)
		return fail(x, "%s is %zu bytes long: above %d", x->where, json_string_length(v),
			    FL_DOC_MAX_STRING);
	if (json_is_array(v)) {
		if (json_array_size(v) > FL_DOC_MAX_ARRAY)
			return fail(x, "%s has %zu elements: above %d", x->where,
				    json_array_size(v), FL_DOC_MAX_ARRAY);
		json_array_foreach(v, i, e) {
			at = enter(x, NULL, i);
			ret = walk_all(x, e, depth + 1);
			x->where[at] = '\0';
			if (ret)
				return ret;
		}
	}
	json_object_foreach(v, key, e) {
		if (strlen(key) > FL_DOC_MAX_STRING)
			return fail(x, "%s has a key of %zu bytes: above %d",
				    x->where[0] ? x->where : "(top)", strlen(key), FL_DOC_MAX_STRING);
		at = enter(x, key, 0);
		ret = walk_all(x, e, depth + 1);
		x->where[at] = '\0';
		if (ret)
			return ret;
	}
	return 0;
}

int fl_doc_check(json_t *doc, const char *kind, const char *name, char *err, size_t len)
{
	struct ctx x = { .name = name, .err = err, .len = len };
	const struct fl_doc_rule *rules;
	size_t nr;
	int ret = walk_all(&x, doc, 0);

	if (!kind)
		kind = json_string_value(json_object_get(doc, "schema"));
	rules = fl_doc_rules(kind, &nr);
	for (size_t i = 0; !ret && i < nr; i++)
		ret = walk_rule(&x, doc, rules[i].path, &rules[i]);
	return ret;
}

static int parsed(json_t *doc, const json_error_t *jerr, const char *name, json_t **out,
		  char *err, size_t len)
{
	int ret;

	*out = NULL;
	if (!doc) {
		if (jerr->line > 0)
			fl_set_err(err, len, "%s:%d: not JSON: %s", name, jerr->line, jerr->text);
		else
			fl_set_err(err, len, "%s: not JSON: %s", name, jerr->text);
		return -EINVAL;
	}
	ret = fl_doc_check(doc, NULL, name, err, len);
	if (ret) {
		json_decref(doc);
		return ret;
	}
	*out = doc;
	return 0;
}

int fl_doc_loadb(const char *buf, size_t n, const char *name, json_t **doc, char *err,
		 size_t len)
{
	json_error_t jerr = { .line = 0 };

	return parsed(json_loadb(buf, n, 0, &jerr), &jerr, name, doc, err, len);
}

int fl_doc_load(const char *path, json_t **doc, char *err, size_t len)
{
	struct stat st;
	size_t got = 0, size;
	ssize_t n = 0;
	char *buf;
	int fd, ret;

	*doc = NULL;
	/* Not a FIFO or a device: a reader must never wait on its input. */
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
	if (fd < 0) {
		ret = -errno;
		fl_set_err(err, len, "%s: %s", path, strerror(errno));
		return ret;
	}
	if (fstat(fd, &st)) {
		ret = -errno;
		fl_set_err(err, len, "%s: %s", path, strerror(errno));
		close(fd);
		return ret;
	}
	if (!S_ISREG(st.st_mode) || st.st_size > FL_DOC_MAX_BYTES) {
		if (!S_ISREG(st.st_mode))
			fl_set_err(err, len, "%s: not a regular file", path);
		else
			fl_set_err(err, len, "%s: %lld MiB: above %ld MiB", path,
				   (long long)st.st_size >> 20, FL_DOC_MAX_BYTES >> 20);
		close(fd);
		return -EINVAL;
	}
	/*
	 * Read whole, then parse: json_loadfd reads a byte per read(), 1.6 s
	 * of system time for a 1 MB document here.
	 */
	size = (size_t)st.st_size;
	buf = malloc(size + 1);
	for (got = 0; buf && got <= size; got += (size_t)n) {
		n = read(fd, buf + got, size + 1 - got);
		if (n <= 0)
			break;
	}
	if (!buf || n < 0) {
		ret = buf ? -errno : -ENOMEM;
		fl_set_err(err, len, "%s: %s", path, strerror(-ret));
		close(fd);
		free(buf);
		return ret;
	}
	close(fd);
	/* Grown since fstat: a writer is still at it; refuse, as for a FIFO. */
	if (got > size) {
		fl_set_err(err, len, "%s: grew while it was read", path);
		free(buf);
		return -EINVAL;
	}
	ret = fl_doc_loadb(buf, got, path, doc, err, len);
	free(buf);
	return ret;
}
