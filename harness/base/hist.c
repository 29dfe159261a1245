// SPDX-License-Identifier: GPL-2.0
/* Log-linear latency histogram: allocation, merging and queries. */
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "base/hist.h"

/* A cache line, so two writers' histograms never share one. */
#define FL_HIST_ALIGN 64

int fl_hist_init(struct fl_hist **out)
{
	void *p;

	*out = NULL;
	if (posix_memalign(&p, FL_HIST_ALIGN, sizeof(struct fl_hist)))
		return -ENOMEM;
	fl_hist_reset(p);
	*out = p;
	return 0;
}

void fl_hist_free(struct fl_hist *h)
{
	free(h);
}

void fl_hist_reset(struct fl_hist *h)
{
	memset(h, 0, sizeof(*h));
	/* So the first recorded value always becomes the minimum. */
	h->min = UINT64_MAX;
}

void fl_hist_add(struct fl_hist *to, const struct fl_hist *from)
{
	uint32_t i;

	for (i = 0; i < FL_HIST_NR_BUCKETS; i++)
		to->counts[i] += from->counts[i];
	to->total += from->total;
	to->out_of_range += from->out_of_range;
	/* An empty @from has min UINT64_MAX and max 0, so this is a no-op. */
	if (from->min < to->min)
		to->min = from->min;
	if (from->max > to->max)
		to->max = from->max;
}

uint64_t fl_hist_add_top(struct fl_hist *to, const struct fl_hist *from,
			 uint64_t n)
{
	uint64_t left = n, lowest = 0;
	bool any = false;

	/* Values above the range are the slowest of all: they go first. */
	if (from->out_of_range) {
		uint64_t k = from->out_of_range < left ? from->out_of_range : left;

		to->out_of_range += k;
		left -= k;
	}
	for (uint32_t i = FL_HIST_NR_BUCKETS; i-- > 0 && left;) {
		uint64_t k = from->counts[i] < left ? from->counts[i] : left;

		if (!k)
			continue;
		to->counts[i] += k;
		to->total += k;
		left -= k;
		lowest = fl_hist_bucket_lo(i);
		if (!any && from->max > to->max)
			to->max = from->max;
		any = true;
	}
	/* The lowest value taken is only known to its bucket. */
	if (any) {
		if (lowest < from->min)
			lowest = from->min;
		if (lowest < to->min)
			to->min = lowest;
	}
	return n - left;
}

/*
 * Representative value of bucket @i: its midpoint, but never outside the
 * values actually seen, so a histogram of one value reports that value.
 */
static uint64_t bucket_value(const struct fl_hist *h, uint32_t i)
{
	uint64_t lo = fl_hist_bucket_lo(i);
	uint64_t v = lo + (fl_hist_bucket_hi(i) - lo) / 2;

	if (v < h->min)
		v = h->min;
	if (v > h->max)
		v = h->max;
	return v;
}

uint64_t fl_hist_percentile(const struct fl_hist *h, double p)
{
	uint64_t rank, seen = 0;
	double r;
	uint32_t i;

	if (!h->total)
		return 0;
	if (p >= 100.0)
		return h->max;
	/* Written to also catch NaN, which must not reach the cast below. */
	if (!(p > 0.0))
		return bucket_value(h, fl_hist_index(h->min));

	/*
	 * Multiply before dividing: p * total then rounds to the whole
	 * product for the usual p and totals (99.9 * 1000 = 99900), where
	 * p / 100 * total would overshoot and ceil() would add a rank.
	 * Open-coded ceil() keeps libm out of the link.
	 */
	r = p * (double)h->total / 100.0;
	rank = (uint64_t)r;
	if ((double)rank < r)
		rank++;
	if (rank < 1)
		rank = 1;
	if (rank > h->total)
		rank = h->total;

	for (i = 0; i < FL_HIST_NR_BUCKETS; i++) {
		seen += h->counts[i];
		if (seen >= rank)
			return bucket_value(h, i);
	}
	/* Only reachable if counts and total disagree (racy reader). */
	return h->max;
}

double fl_hist_mean(const struct fl_hist *h)
{
	double sum = 0.0;
	uint32_t i;

	if (!h->total)
		return 0.0;
	for (i = 0; i < FL_HIST_NR_BUCKETS; i++) {
		uint64_t c = h->counts[i];

		if (c)
			sum += (double)c * (double)bucket_value(h, i);
	}
	return sum / (double)h->total;
}

void fl_hist_iter_init(struct fl_hist_iter *it, const struct fl_hist *h)
{
	it->h = h;
	it->next = 0;
}

bool fl_hist_iter_next(struct fl_hist_iter *it, struct fl_hist_bucket *b)
{
	const struct fl_hist *h = it->h;
	uint32_t i;

	for (i = it->next; i < FL_HIST_NR_BUCKETS; i++) {
		if (!h->counts[i])
			continue;
		b->lo = fl_hist_bucket_lo(i);
		b->hi = fl_hist_bucket_hi(i);
		b->count = h->counts[i];
		it->next = i + 1;
		return true;
	}
	it->next = FL_HIST_NR_BUCKETS;
	return false;
}
