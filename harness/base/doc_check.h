/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Documents read from disk are untrusted input: before compare, report,
 * summary or the nightly use one, it is held to the bounds the shipped
 * schemas (results/schema*.json) give its counts, thread counts, sizes,
 * durations, array lengths and string lengths. One table here, one
 * message: "r.json: runs[0].threads = 2147483647: above 65536".
 */
#ifndef FL_DOC_CHECK_H
#define FL_DOC_CHECK_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

/* A nightly history line (JSON Lines, no "schema" of its own). */
#define FL_DOC_HISTORY_LINE "history line"

/*
 * The bounds of one field. @path names keys by '.' and every element of
 * an array by "[]" ("runs[].nodes[].node"); an absent field or a null is
 * not checked here (the schemas say what is required).
 */
enum fl_doc_type { FL_DOC_INT, FL_DOC_NUM, FL_DOC_STR, FL_DOC_ARR };
struct fl_doc_rule {
	const char *path;
	enum fl_doc_type type;
	double min, max;	/* the value; the length for strings (bytes) and arrays */
};

/* Whatever the kind: no string, array or nesting beyond these. */
#define FL_DOC_MAX_STRING (1 << 20)
#define FL_DOC_MAX_ARRAY 1000000
#define FL_DOC_MAX_DEPTH 32
/* No document file larger than this is read. */
#define FL_DOC_MAX_BYTES (256L << 20)

/* The rules of a kind (a schema id or FL_DOC_HISTORY_LINE); NULL, 0 for none. */
const struct fl_doc_rule *fl_doc_rules(const char *kind, size_t *nr);

/*
 * Hold @doc to the bounds of @kind (NULL: its own "schema"; other kinds
 * get the limits every document has). 0, or -ERANGE with "NAME: FIELD =
 * VALUE: above MAX" (or what else is wrong) in @err.
 */
int fl_doc_check(json_t *doc, const char *kind, const char *name, char *err, size_t len);

/*
 * Read the document at @path into @doc and check it. 0; -ERANGE when it
 * is out of bounds; -EINVAL when it is not JSON (or not a regular file,
 * or too large); -errno when it cannot be read. @err names @path.
 */
int fl_doc_load(const char *path, json_t **doc, char *err, size_t len);
/* The same for @n bytes at @buf (named @name in messages): for fuzzers too. */
int fl_doc_loadb(const char *buf, size_t n, const char *name, json_t **doc, char *err,
		 size_t len);

#endif /* FL_DOC_CHECK_H */
