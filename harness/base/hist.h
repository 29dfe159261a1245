/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Log-linear latency histogram, HdrHistogram style: values below
 * 2 * FL_HIST_SUB_BUCKETS are counted exactly, larger values fall into
 * FL_HIST_SUB_BUCKETS linear buckets per power of two, so a bucket is never
 * wider than 1/FL_HIST_SUB_BUCKETS (0.78%) of the values it holds.
 * Memory is fixed (one array, no allocation after init); recording is
 * lock-free for a single writer and costs a few nanoseconds.
 * Values are in whatever unit the caller records (ticks or ns).
 */
#ifndef FL_HIST_H
#define FL_HIST_H

#include <stdbool.h>
#include <stdint.h>

#define FL_HIST_SUB_BITS 7
#define FL_HIST_SUB_BUCKETS (1u << FL_HIST_SUB_BITS)
/* Highest value recorded without being counted as out of range: 2^44 - 1. */
#define FL_HIST_MAX_BITS 44
#define FL_HIST_HIGHEST ((UINT64_C(1) << FL_HIST_MAX_BITS) - 1)
#define FL_HIST_NR_BUCKETS \
	((FL_HIST_MAX_BITS - FL_HIST_SUB_BITS + 1) * FL_HIST_SUB_BUCKETS)

struct fl_hist {
	uint64_t total;		/* values recorded in range */
	uint64_t out_of_range;	/* values above FL_HIST_HIGHEST, not recorded */
	uint64_t min;
	uint64_t max;
	uint64_t counts[FL_HIST_NR_BUCKETS];
};

/* One non-empty bucket, as returned by the iterator. */
struct fl_hist_bucket {
	uint64_t lo;		/* lowest value the bucket holds */
	uint64_t hi;		/* highest value the bucket holds */
	uint64_t count;
};

struct fl_hist_iter {
	const struct fl_hist *h;
	uint32_t next;
};

/* Allocate a zeroed histogram; returns 0 or -ENOMEM. */
int fl_hist_init(struct fl_hist **out);
void fl_hist_free(struct fl_hist *h);
void fl_hist_reset(struct fl_hist *h);

static inline uint32_t fl_hist_index(uint64_t v)
{
	unsigned int msb, shift;

	if (v < 2 * FL_HIST_SUB_BUCKETS)
		return (uint32_t)v;
	msb = 63 - (unsigned int)__builtin_clzll(v);
	shift = msb - FL_HIST_SUB_BITS;
	return shift * FL_HIST_SUB_BUCKETS + (uint32_t)(v >> shift);
}

/* Lowest value counted in bucket @i (0 <= i <= FL_HIST_NR_BUCKETS). */
static inline uint64_t fl_hist_bucket_lo(uint32_t i)
{
	unsigned int shift;

	if (i < 2 * FL_HIST_SUB_BUCKETS)
		return i;
	shift = i / FL_HIST_SUB_BUCKETS - 1;
	return (uint64_t)(i - shift * FL_HIST_SUB_BUCKETS) << shift;
}

/* Highest value counted in bucket @i: buckets are contiguous. */
static inline uint64_t fl_hist_bucket_hi(uint32_t i)
{
	return fl_hist_bucket_lo(i + 1) - 1;
}

/* Record one value; false when it is above FL_HIST_HIGHEST (counted apart). */
static inline bool fl_hist_record(struct fl_hist *h, uint64_t v)
{
	if (__builtin_expect(v > FL_HIST_HIGHEST, 0)) {
		h->out_of_range++;
		return false;
	}
	h->counts[fl_hist_index(v)]++;
	h->total++;
	if (__builtin_expect(v > h->max, 0))
		h->max = v;
	if (__builtin_expect(v < h->min, 0))
		h->min = v;
	return true;
}

/* Record @v @n times (merging histograms of another layout). */
static inline void fl_hist_record_n(struct fl_hist *h, uint64_t v, uint64_t n)
{
	if (!n)
		return;
	if (v > FL_HIST_HIGHEST) {
		h->out_of_range += n;
		return;
	}
	h->counts[fl_hist_index(v)] += n;
	h->total += n;
	if (v > h->max)
		h->max = v;
	if (v < h->min)
		h->min = v;
}

/* Add every count of @from into @to. */
void fl_hist_add(struct fl_hist *to, const struct fl_hist *from);

/*
 * Add the @n largest values of @from into @to (all of them when it holds
 * fewer). Returns how many were added. Used to pick the touches that
 * faulted out of all touches: a fault is always slower than a hit.
 */
uint64_t fl_hist_add_top(struct fl_hist *to, const struct fl_hist *from,
			 uint64_t n);

/*
 * Value at percentile @p (0..100): the midpoint of the bucket holding it,
 * clamped to [min, max]; 0 for an empty histogram.
 */
uint64_t fl_hist_percentile(const struct fl_hist *h, double p);
double fl_hist_mean(const struct fl_hist *h);

void fl_hist_iter_init(struct fl_hist_iter *it, const struct fl_hist *h);
/* Next non-empty bucket in increasing value order; false at the end. */
bool fl_hist_iter_next(struct fl_hist_iter *it, struct fl_hist_bucket *b);

#endif /* FL_HIST_H */
