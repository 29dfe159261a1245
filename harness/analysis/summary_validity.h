/* SPDX-License-Identifier: GPL-2.0 */
/*
 * How summaries show validity: a value that an untrustworthy run or rank
 * spoils ends in FL_MARK, and the reasons are listed once each under the
 * table, with the runs or ranks that have them.
 */
#ifndef FL_SUMMARY_VALIDITY_H
#define FL_SUMMARY_VALIDITY_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#define FL_MARK "!"

/* Append FL_MARK to the cell @buf when @spoiled. */
void fl_mark_cell(char *buf, size_t len, bool spoiled);

/* Names an item of a reasons list: "run 3 (2 threads, repetition 0)". */
typedef void (*fl_item_name_fn)(json_t *item, size_t index, char *buf, size_t len);

/*
 * Under a table of @items (runs or ranks, each with a "validity"): one
 * line per distinct reason (code and text), naming the items that have
 * it. Markdown only; nothing when every item is ok.
 */
void fl_summary_reasons(FILE *f, json_t *items, fl_item_name_fn name);

/* The reasons of @doc itself, for a document whose parts carry none. */
void fl_summary_doc_reasons(FILE *f, json_t *doc);

/* How many of @items are untrustworthy. */
int fl_summary_untrustworthy(json_t *items);

/* Documents of a summary, by validity. */
struct fl_doc_count {
	int docs;		/* result, stress and MPI documents */
	int untrustworthy;
	int unjudged;		/* written before documents carried "validity" */
};

/* Count @doc when it is a result, stress or MPI document. */
void fl_doc_count_add(struct fl_doc_count *c, json_t *doc);

/* "2 of 11 documents untrustworthy", "all 11 documents ok", in @buf. */
void fl_doc_count_text(const struct fl_doc_count *c, char *buf, size_t len);

/* "run 3 (2 threads, truncate, repetition 0)": a run of a result document. */
void fl_summary_run_name(json_t *run, size_t index, char *buf, size_t len);

#endif /* FL_SUMMARY_VALIDITY_H */
