/* SPDX-License-Identifier: GPL-2.0 */
/* Tables of result documents: terminal text and summary.md. */
#ifndef FL_SUMMARY_H
#define FL_SUMMARY_H

#include <jansson.h>
#include <stddef.h>
#include <stdio.h>

struct fl_doc_count;

/* Text (terminal) or Markdown table of one result document. */
void fl_summary_table(FILE *f, json_t *doc, int markdown);
/* summary.md's kernel-side section: collectors, top locks, kernel latency. */
void fl_summary_kernel(FILE *f, json_t *doc, int markdown);
/*
 * summary.md of a directory of per-variant result directories, side by
 * side per accelerator; returns how many variants it found (0: none), or
 * -ERANGE with the document out of its bounds in @err (nothing written).
 */
int fl_summary_variants(FILE *f, const char *dir, char *err, size_t len);
/*
 * summary.md of guest-cluster runs: @dir is one (it has cluster.json) or
 * holds one per subdirectory. Returns how many (0: none), or -ERANGE with
 * a document out of its bounds in @err.
 */
int fl_summary_clusters(FILE *f, const char *dir, char *err, size_t len);
/* summary.md's table of an MPI result (faultline-mpi/1). */
void fl_summary_mpi(FILE *f, json_t *doc);
/* summary.md's table of a stress document (faultline-stress/1). */
void fl_summary_stress(FILE *f, json_t *doc);
/*
 * summary.md's header from the first document's host section, with how
 * many of the documents are untrustworthy (@count).
 */
void fl_summary_header(FILE *f, json_t *doc, const char *dir,
		       const struct fl_doc_count *count);

#endif /* FL_SUMMARY_H */
