/* SPDX-License-Identifier: GPL-2.0 */
/*
 * How `faultline bisect` calls a prefix good or bad. A workload is judged
 * with compare's statistics against both endpoints; a stress check by its
 * own verdict. A call that the statistics cannot make is "undecided",
 * never a guess: the bisect then adds repetitions or stops.
 */
#ifndef FL_BISECT_JUDGE_H
#define FL_BISECT_JUDGE_H

#include <stdbool.h>
#include <stddef.h>

#include "base/stats.h"

enum fl_bisect_call {
	FL_CALL_GOOD,
	FL_CALL_BAD,
	FL_CALL_UNDECIDED,	/* more repetitions may decide it */
	FL_CALL_SKIP,		/* this prefix cannot be judged */
};

struct fl_bisect_judge {
	struct fl_stats_opts stats;
	const char *metric;	/* NULL: each run's headline metrics */
	/* The regression between the endpoints, found by fl_bisect_signal(). */
	int nr_signal;
	char **signal;		/* series keys */
	char **label;		/* "page_fault1, 1 thread: ops_per_sec" */
};

/*
 * The series that got worse from the good endpoint's documents to the bad
 * one's (each a comma-separated list of files): headline metrics, or
 * @j->metric, of the runs' totals. FL_CALL_BAD when some did (kept in @j
 * as the signal the steps are judged by), FL_CALL_GOOD when none did and
 * none was noisy (nothing to bisect), FL_CALL_UNDECIDED otherwise;
 * -errno on a file that could not be read. @why says which and by how much.
 */
int fl_bisect_signal(struct fl_bisect_judge *j, const char *good,
		     const char *bad, char *why, size_t len);

/*
 * A step's documents against both endpoints', on the signal's series: bad
 * when one of them is worse than at the good endpoint, good when every one
 * is better than at the bad endpoint and none worse than at the good one,
 * undecided otherwise. -errno on a file that could not be read.
 */
int fl_bisect_judge_run(const struct fl_bisect_judge *j, const char *good,
			const char *bad, const char *step, char *why, size_t len);

/*
 * One faultline-stress/1 document: bad when a check failed, good when
 * every check passed (or failed as a known kernel behaviour), skip when
 * a check did not run, errored or was skipped, or nothing was checked.
 */
int fl_bisect_judge_stress(const char *file, char *why, size_t len);

/*
 * The change from one prefix to the next on the signal's series, with its
 * interval: the evidence printed for the first bad patch.
 */
int fl_bisect_evidence(const struct fl_bisect_judge *j, const char *before,
		       const char *after, char *why, size_t len);

void fl_bisect_judge_free(struct fl_bisect_judge *j);

const char *fl_bisect_call_name(enum fl_bisect_call c);

#endif /* FL_BISECT_JUDGE_H */
