/* SPDX-License-Identifier: GPL-2.0 */
/*
 * One result document from the per-repetition documents of one suite
 * configuration: the suite runs repetition r of every configuration
 * before repetition r + 1, so that a configuration's repetitions span the
 * whole suite and drift over minutes shows up inside one night.
 */
#ifndef FL_SUITE_MERGE_H
#define FL_SUITE_MERGE_H

#include <jansson.h>
#include <stddef.h>

/*
 * Merge the faultline-result/1 documents @paths[0..n), one repetition
 * each and in that order, into one document for @out: runs concatenated
 * with "repeat" renumbered, run_options.repeat and the command's --repeat
 * and --out set to the whole, the worst status, and validity recomputed
 * over all the runs (fl_validity_result_doc). The document's exit_code is
 * the worst of the parts', with the untrustworthy mark judged again.
 * Returns the document, or NULL with the file and the cause in @err.
 */
json_t *fl_suite_merge(char *const *paths, int n, const char *out, char *err,
		       size_t len);

#endif /* FL_SUITE_MERGE_H */
