/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Validity: whether a number can be trusted. Every run, result document,
 * stress check and MPI rank carries
 *   "validity": {"status": "ok" | "untrustworthy",
 *                "reasons": [{"code", "text", "metrics"}]}
 * where "metrics" names what the reason spoils ("all", or e.g. "latency").
 * A document is untrustworthy when any of its parts is. The codes, what
 * they mean and what to do about them are in fl_validity_codes[] (and the
 * README, which a test keeps in step).
 */
#ifndef FL_VALIDITY_H
#define FL_VALIDITY_H

#include <jansson.h>
#include <stdbool.h>

struct fl_validity_code {
	const char *code;
	const char *meaning;
	const char *advice;
};

/* Every reason code, NULL-terminated. */
extern const struct fl_validity_code fl_validity_codes[];

/*
 * Bounds of the reasons that compare numbers. A run's faulters are
 * "imbalanced" when the fastest did more than FL_VALID_IMBALANCE times
 * the ops/s of the slowest; repetitions "spread" when their ops/s range
 * is more than FL_VALID_SPREAD of their median; scaling is "superlinear"
 * when N threads beat N/M times M threads' ops/s by more than the larger
 * of FL_VALID_SUPERLINEAR_FLOOR and the two groups' spreads.
 */
#define FL_VALID_IMBALANCE 2.0
#define FL_VALID_SPREAD 0.25
#define FL_VALID_SUPERLINEAR_FLOOR 0.10
/* An actor that measured less than this share of the window. */
#define FL_VALID_WINDOW_SHARE 0.5
/* An actor runnable but off its CPU for more than this share of the window. */
#define FL_VALID_RUN_WAIT 0.10
/* An invalidator with fewer ops than this in its window barely ran. */
#define FL_VALID_MIN_INVAL_OPS 10
/* ... or below this share of the rate it was asked for. */
#define FL_VALID_INVAL_RATE_SHARE 0.5
/* TSC rate over a window off its calibration by more than this. */
#define FL_VALID_CLOCK_DRIFT 0.005

/* {"status": "ok", "reasons": []} */
json_t *fl_validity_new(void);

/*
 * Add a reason to @v (a validity object) and mark it untrustworthy.
 * @metrics: comma-separated metric families it spoils ("all", "latency",
 * "locks", ...).
 */
void fl_validity_add(json_t *v, const char *code, const char *metrics,
		     const char *fmt, ...) __attribute__((format(printf, 4, 5)));

/* True unless @holder's "validity" says untrustworthy (absent: true). */
bool fl_validity_ok(json_t *holder);

/*
 * Whether @holder's validity spoils metric family @family: some reason
 * names it or "all". False for a trustworthy holder.
 */
bool fl_validity_spoils(json_t *holder, const char *family);

/*
 * Copy the reasons of @holder's "validity" into @into (a validity object),
 * each text prefixed with "@where: " when @where is not NULL.
 */
void fl_validity_absorb(json_t *into, json_t *holder, const char *where);

/*
 * On stderr, when @holder is untrustworthy: "@what: the result is
 * untrustworthy" and one line per reason code with its first text.
 */
void fl_validity_warn(const char *what, json_t *holder);

/*
 * (Re)compute the validity that depends on several runs of a
 * faultline-result document: spread of repetitions and superlinear
 * scaling go into the runs concerned, then the document's "validity"
 * gathers every run's reasons. Safe to call again after runs change.
 */
void fl_validity_result_doc(json_t *doc);

/*
 * Take the reasons computed across a document's runs (spread,
 * superlinear) off @run, keeping its own. For a reader that pools the
 * runs of several documents and judges their dispersion itself.
 */
void fl_validity_drop_derived(json_t *run);

/*
 * The worse of two exit codes: interrupted, resource, usage, a failed
 * check, untrustworthy, ok, in that order.
 */
int fl_exit_worst(int a, int b);

#endif /* FL_VALIDITY_H */
