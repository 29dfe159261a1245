// SPDX-License-Identifier: GPL-2.0
/* Binary search over the prefixes of a patch series, with skips. */
#include <stdlib.h>

#include "bisect/search.h"

struct fl_bisect *fl_bisect_new(int good, int bad)
{
	struct fl_bisect *b;

	if (good < 0 || bad <= good)
		return NULL;
	b = calloc(1, sizeof(*b) + (bad + 1) * sizeof(b->mark[0]));
	if (b) {
		b->good = good;
		b->bad = bad;
	}
	return b;
}

static bool endpoint(const struct fl_bisect *b, int k, enum fl_bisect_mark want,
		     enum fl_bisect_end wrong, struct fl_bisect_state *st)
{
	switch (b->mark[k]) {
	case FL_BS_UNTESTED:
		st->next = k;
		return true;
	case FL_BS_SKIP:
		st->end = FL_BE_ENDPOINT_SKIPPED;
		st->first = st->last = k;
		return true;
	default:
		if (b->mark[k] == want)
			return false;
		st->end = wrong;
		st->first = st->last = k;
		return true;
	}
}

void fl_bisect_state(const struct fl_bisect *b, struct fl_bisect_state *st)
{
	int lo, hi, best = -1;

	*st = (struct fl_bisect_state){ .end = FL_BE_NONE, .next = -1,
					.first = -1, .last = -1 };
	if (endpoint(b, b->good, FL_BS_GOOD, FL_BE_GOOD_IS_BAD, st) ||
	    endpoint(b, b->bad, FL_BS_BAD, FL_BE_BAD_IS_GOOD, st))
		return;
	for (hi = b->good + 1; b->mark[hi] != FL_BS_BAD; hi++)
		;
	for (lo = hi - 1; b->mark[lo] != FL_BS_GOOD; lo--)
		;
	st->lo = lo;
	st->hi = hi;
	/* Twice the distance to the middle, so that a half is exact. */
	for (int k = lo + 1; k < hi; k++) {
		if (b->mark[k] != FL_BS_UNTESTED)
			continue;
		if (best < 0 || abs(2 * k - (lo + hi)) < abs(2 * best - (lo + hi)))
			best = k;
	}
	if (best >= 0) {
		st->next = best;
		return;
	}
	st->first = lo + 1;
	st->last = hi;
	st->end = lo + 1 == hi ? FL_BE_FOUND : FL_BE_AMBIGUOUS;
}

const char *fl_bisect_mark_name(enum fl_bisect_mark m)
{
	static const char *const names[] = { "untested", "good", "bad", "skip" };

	return names[m];
}
