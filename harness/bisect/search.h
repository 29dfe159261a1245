/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The search of `faultline bisect` over a patch series: prefixes of the
 * series (prefix k = the first k patches applied) are marked good, bad or
 * skipped, and the next prefix to test follows from the marks alone, so a
 * resumed bisect replays the same order from the steps on disk.
 */
#ifndef FL_BISECT_SEARCH_H
#define FL_BISECT_SEARCH_H

#include <stdbool.h>

enum fl_bisect_mark {
	FL_BS_UNTESTED,
	FL_BS_GOOD,
	FL_BS_BAD,
	FL_BS_SKIP,	/* could not be built, booted or judged */
};

struct fl_bisect {
	int good, bad;		/* the given endpoints, good < bad */
	enum fl_bisect_mark mark[];	/* by prefix length, 0..bad */
};

enum fl_bisect_end {
	FL_BE_NONE,		/* not decided: test @next */
	FL_BE_FOUND,		/* prefix @first is the first bad one */
	FL_BE_AMBIGUOUS,	/* the first bad is one of @first..@last (skips) */
	FL_BE_GOOD_IS_BAD,	/* the good endpoint was bad */
	FL_BE_BAD_IS_GOOD,	/* the bad endpoint was good */
	FL_BE_ENDPOINT_SKIPPED,	/* an endpoint could not be tested: @first */
};

struct fl_bisect_state {
	enum fl_bisect_end end;
	int next;		/* FL_BE_NONE: the prefix to test */
	int first, last;	/* the answer, or the range it lies in */
	int lo, hi;		/* the last good and first bad prefix known */
};

/* NULL when out of memory; every prefix untested. */
struct fl_bisect *fl_bisect_new(int good, int bad);

/*
 * Where the search stands. The endpoints are tested first, good then bad.
 * Then the first bad prefix lies in (lo, hi], hi the lowest bad prefix and
 * lo the highest good one below it; the next prefix to test is the
 * untested one nearest the middle of (lo, hi), the lower on a tie, as
 * git bisect picks a commit next to a skipped one.
 */
void fl_bisect_state(const struct fl_bisect *b, struct fl_bisect_state *st);

const char *fl_bisect_mark_name(enum fl_bisect_mark m);

#endif /* FL_BISECT_SEARCH_H */
