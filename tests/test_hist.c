// SPDX-License-Identifier: GPL-2.0
/* Unit tests for the log-linear histogram (harness/base/hist.c). */
#include <stdint.h>
#include <stdlib.h>

#include "base/hist.h"
#include "harness.h"

#define NR_SAMPLES 1000000u
/* log2(1e10): samples span 1 ns .. 10 s in log space. */
#define LOG2_RANGE 33.219280948873623

static uint64_t xorshift64(uint64_t *s)
{
	uint64_t x = *s;

	x ^= x << 13;
	x ^= x >> 7;
	x ^= x << 17;
	*s = x;
	return x;
}

/* 2^f for f in [0, 1) by Taylor series of e^(f ln 2); avoids needing libm. */
static double exp2_frac(double f)
{
	double y = f * 0.69314718055994530942;
	double term = 1.0, sum = 1.0;
	int k;

	for (k = 1; k < 24; k++) {
		term *= y / k;
		sum += term;
	}
	return sum;
}

/* Log-uniform in [1, 1e10). */
static uint64_t log_uniform(uint64_t *s)
{
	double u = (double)(xorshift64(s) >> 11) * 0x1p-53;
	double x = u * LOG2_RANGE;
	int k = (int)x;

	return (uint64_t)((double)(UINT64_C(1) << k) * exp2_frac(x - k));
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return (x > y) - (x < y);
}

/* Exact percentile of sorted @v for p = @pm / 1000 %, same rank rule. */
static uint64_t exact_percentile(const uint64_t *v, uint64_t n, uint64_t pm)
{
	uint64_t rank = (pm * n + 99999) / 100000;

	if (rank < 1)
		rank = 1;
	return v[rank - 1];
}

static struct fl_hist *new_hist(void)
{
	struct fl_hist *h;

	ASSERT_EQ(fl_hist_init(&h), 0);
	ASSERT_TRUE(h != NULL);
	return h;
}

static void assert_empty(const struct fl_hist *h)
{
	struct fl_hist_iter it;
	struct fl_hist_bucket b;
	uint32_t i;

	ASSERT_EQ(h->total, 0u);
	ASSERT_EQ(h->out_of_range, 0u);
	ASSERT_TRUE(h->min == UINT64_MAX);
	ASSERT_EQ(h->max, 0u);
	for (i = 0; i < FL_HIST_NR_BUCKETS; i++)
		ASSERT_EQ(h->counts[i], 0u);
	ASSERT_EQ(fl_hist_percentile(h, 0), 0u);
	ASSERT_EQ(fl_hist_percentile(h, 50), 0u);
	ASSERT_EQ(fl_hist_percentile(h, 100), 0u);
	ASSERT_TRUE(fl_hist_mean(h) == 0.0);
	fl_hist_iter_init(&it, h);
	ASSERT_FALSE(fl_hist_iter_next(&it, &b));
}

TEST(init_is_empty)
{
	struct fl_hist *h = new_hist();

	assert_empty(h);
	/* posix_memalign promises the cache-line alignment hist.c asks for. */
	ASSERT_EQ((uintptr_t)h % 64, 0u);
	fl_hist_free(h);
}

TEST(exact_below_256)
{
	struct fl_hist *h = new_hist();
	struct fl_hist_iter it;
	struct fl_hist_bucket b;
	uint64_t v;

	for (v = 0; v < 2 * FL_HIST_SUB_BUCKETS; v++) {
		ASSERT_EQ(fl_hist_index(v), v);
		for (uint64_t k = 0; k <= v; k++)
			ASSERT_TRUE(fl_hist_record(h, v));
	}
	for (v = 0; v < 2 * FL_HIST_SUB_BUCKETS; v++)
		ASSERT_EQ(h->counts[v], v + 1);
	ASSERT_EQ(h->total, 256u * 257u / 2);
	ASSERT_EQ(h->min, 0u);
	ASSERT_EQ(h->max, 255u);

	fl_hist_iter_init(&it, h);
	for (v = 0; v < 2 * FL_HIST_SUB_BUCKETS; v++) {
		ASSERT_TRUE(fl_hist_iter_next(&it, &b));
		ASSERT_EQ(b.lo, v);
		ASSERT_EQ(b.hi, v);
		ASSERT_EQ(b.count, v + 1);
	}
	ASSERT_FALSE(fl_hist_iter_next(&it, &b));

	/* One of each value: every percentile is an exact sample. */
	fl_hist_reset(h);
	for (v = 0; v < 2 * FL_HIST_SUB_BUCKETS; v++)
		fl_hist_record(h, v);
	ASSERT_EQ(fl_hist_percentile(h, 0), 0u);
	ASSERT_EQ(fl_hist_percentile(h, 50), 127u);	/* rank 128 */
	ASSERT_EQ(fl_hist_percentile(h, 50.1), 128u);	/* rank 129 */
	ASSERT_EQ(fl_hist_percentile(h, 99), 253u);	/* rank 254 */
	ASSERT_EQ(fl_hist_percentile(h, 100), 255u);
	ASSERT_TRUE(fl_hist_mean(h) == 127.5);
	fl_hist_free(h);
}

TEST(small_percentile_ranks)
{
	struct fl_hist *h = new_hist();
	uint64_t v;

	for (v = 1; v <= 100; v++)
		fl_hist_record(h, v);
	ASSERT_EQ(fl_hist_percentile(h, -5), 1u);
	ASSERT_EQ(fl_hist_percentile(h, 0), 1u);
	ASSERT_EQ(fl_hist_percentile(h, 0.5), 1u);	/* ceil(0.5) */
	ASSERT_EQ(fl_hist_percentile(h, 1), 1u);
	ASSERT_EQ(fl_hist_percentile(h, 1.5), 2u);
	ASSERT_EQ(fl_hist_percentile(h, 50), 50u);
	ASSERT_EQ(fl_hist_percentile(h, 90), 90u);
	ASSERT_EQ(fl_hist_percentile(h, 99), 99u);
	ASSERT_EQ(fl_hist_percentile(h, 99.9), 100u);
	ASSERT_EQ(fl_hist_percentile(h, 100), 100u);
	ASSERT_EQ(fl_hist_percentile(h, 250), 100u);
	ASSERT_TRUE(fl_hist_mean(h) == 50.5);

	/* 99.9 of 1000 must be rank 999, not 1000 through rounding. */
	fl_hist_reset(h);
	for (v = 0; v < 999; v++)
		fl_hist_record(h, 10);
	fl_hist_record(h, 20);
	ASSERT_EQ(fl_hist_percentile(h, 99.9), 10u);
	ASSERT_EQ(fl_hist_percentile(h, 99.95), 20u);
	fl_hist_free(h);
}

TEST(midpoint_and_clamp)
{
	struct fl_hist *h = new_hist();
	uint32_t i = fl_hist_index(1000);

	/* 1000..1003 share one bucket of width 4. */
	ASSERT_EQ(fl_hist_bucket_lo(i), 1000u);
	ASSERT_EQ(fl_hist_bucket_hi(i), 1003u);

	fl_hist_record(h, 1000);
	fl_hist_record(h, 1003);
	fl_hist_record(h, 2000);
	ASSERT_EQ(fl_hist_percentile(h, 50), 1001u);	/* midpoint */
	ASSERT_EQ(fl_hist_percentile(h, 100), 2000u);

	/* Alone in its bucket, a value is reported exactly. */
	fl_hist_reset(h);
	fl_hist_record(h, 1000);
	ASSERT_EQ(fl_hist_percentile(h, 50), 1000u);	/* clamped to max */
	ASSERT_TRUE(fl_hist_mean(h) == 1000.0);
	fl_hist_reset(h);
	fl_hist_record(h, 1003);
	ASSERT_EQ(fl_hist_percentile(h, 0), 1003u);	/* clamped to min */
	ASSERT_EQ(fl_hist_percentile(h, 50), 1003u);
	ASSERT_TRUE(fl_hist_mean(h) == 1003.0);
	fl_hist_free(h);
}

TEST(bucket_width)
{
	uint32_t i;

	for (i = 0; i < FL_HIST_NR_BUCKETS; i++) {
		uint64_t lo = fl_hist_bucket_lo(i), hi = fl_hist_bucket_hi(i);
		uint64_t width = hi - lo + 1;

		ASSERT_LE(lo, hi);
		if (i < 2 * FL_HIST_SUB_BUCKETS)
			ASSERT_EQ(width, 1u);
		/* Below 128 a width of 1 is exact, though more than lo/128. */
		if (i >= FL_HIST_SUB_BUCKETS)
			ASSERT_LE(width * FL_HIST_SUB_BUCKETS, lo);
	}
}

TEST(bucket_round_trip)
{
	uint64_t v, prev_idx = 0;
	uint32_t i;

	ASSERT_EQ(fl_hist_bucket_lo(0), 0u);
	ASSERT_EQ(fl_hist_bucket_hi(FL_HIST_NR_BUCKETS - 1), FL_HIST_HIGHEST);
	ASSERT_EQ(fl_hist_index(FL_HIST_HIGHEST), FL_HIST_NR_BUCKETS - 1);
	for (i = 0; i < FL_HIST_NR_BUCKETS; i++) {
		uint64_t lo = fl_hist_bucket_lo(i), hi = fl_hist_bucket_hi(i);

		ASSERT_EQ(fl_hist_index(lo), i);
		ASSERT_EQ(fl_hist_index(lo + (hi - lo) / 2), i);
		ASSERT_EQ(fl_hist_index(hi), i);
		if (i + 1 < FL_HIST_NR_BUCKETS) {
			ASSERT_EQ(fl_hist_index(hi + 1), i + 1);
			ASSERT_EQ(fl_hist_bucket_lo(i + 1), hi + 1);
		}
		if (lo > 0)
			ASSERT_EQ(fl_hist_index(lo - 1), i - 1);
	}
	/* Independent of the inverse: the index never skips a bucket. */
	for (v = 0; v < (UINT64_C(1) << 22); v++) {
		uint64_t idx = fl_hist_index(v);

		ASSERT_TRUE(idx == prev_idx || idx == prev_idx + 1);
		prev_idx = idx;
	}
}

TEST(zero_and_highest)
{
	struct fl_hist *h = new_hist();
	uint64_t lo = fl_hist_bucket_lo(FL_HIST_NR_BUCKETS - 1);

	ASSERT_TRUE(fl_hist_record(h, 0));
	ASSERT_TRUE(fl_hist_record(h, FL_HIST_HIGHEST));
	ASSERT_EQ(h->total, 2u);
	ASSERT_EQ(h->out_of_range, 0u);
	ASSERT_EQ(h->counts[0], 1u);
	ASSERT_EQ(h->counts[FL_HIST_NR_BUCKETS - 1], 1u);
	ASSERT_EQ(h->min, 0u);
	ASSERT_EQ(h->max, FL_HIST_HIGHEST);
	ASSERT_EQ(fl_hist_percentile(h, 0), 0u);
	ASSERT_EQ(fl_hist_percentile(h, 50), 0u);
	ASSERT_EQ(fl_hist_percentile(h, 75), lo + (FL_HIST_HIGHEST - lo) / 2);
	ASSERT_EQ(fl_hist_percentile(h, 100), FL_HIST_HIGHEST);
	fl_hist_free(h);
}

TEST(out_of_range)
{
	struct fl_hist *h = new_hist();

	ASSERT_FALSE(fl_hist_record(h, FL_HIST_HIGHEST + 1));
	ASSERT_FALSE(fl_hist_record(h, UINT64_MAX));
	ASSERT_EQ(h->out_of_range, 2u);
	ASSERT_EQ(h->total, 0u);
	ASSERT_TRUE(h->min == UINT64_MAX);
	ASSERT_EQ(h->max, 0u);
	ASSERT_EQ(fl_hist_percentile(h, 100), 0u);
	ASSERT_TRUE(fl_hist_mean(h) == 0.0);

	ASSERT_TRUE(fl_hist_record(h, 5));
	ASSERT_EQ(h->total, 1u);
	ASSERT_EQ(h->out_of_range, 2u);
	ASSERT_EQ(fl_hist_percentile(h, 100), 5u);
	ASSERT_EQ(h->max, 5u);
	fl_hist_free(h);
}

TEST(reset_empties)
{
	struct fl_hist *h = new_hist();
	uint64_t s = 42;
	int k;

	for (k = 0; k < 10000; k++)
		fl_hist_record(h, log_uniform(&s));
	fl_hist_record(h, UINT64_MAX);
	ASSERT_GT(h->total, 0u);
	fl_hist_reset(h);
	assert_empty(h);
	/* And it is usable again. */
	fl_hist_record(h, 7);
	ASSERT_EQ(h->min, 7u);
	ASSERT_EQ(h->max, 7u);
	fl_hist_free(h);
}

TEST(percentiles_log_uniform)
{
	static const uint64_t pms[] = {	/* percentile * 1000 */
		0, 1000, 10000, 25000, 50000, 75000, 90000, 99000,
		99900, 99990, 100000,
	};
	struct fl_hist *h = new_hist();
	uint64_t *v = malloc(NR_SAMPLES * sizeof(*v));
	uint64_t s = 0x9e3779b97f4a7c15ull;
	double worst = 0, exact_mean = 0;
	uint32_t n;
	size_t k;

	ASSERT_TRUE(v != NULL);
	for (n = 0; n < NR_SAMPLES; n++) {
		v[n] = log_uniform(&s);
		ASSERT_TRUE(fl_hist_record(h, v[n]));
		exact_mean += (double)v[n];
	}
	exact_mean /= NR_SAMPLES;
	qsort(v, NR_SAMPLES, sizeof(*v), cmp_u64);
	ASSERT_EQ(h->total, (uint64_t)NR_SAMPLES);
	ASSERT_EQ(h->min, v[0]);
	ASSERT_EQ(h->max, v[NR_SAMPLES - 1]);
	/* The generator really spans the range it claims. */
	ASSERT_LE(v[0], 2u);
	ASSERT_GE(v[NR_SAMPLES - 1], UINT64_C(9000000000));
	ASSERT_LT(v[NR_SAMPLES - 1], UINT64_C(10000000000));

	for (k = 0; k < sizeof(pms) / sizeof(pms[0]); k++) {
		uint64_t e = exact_percentile(v, NR_SAMPLES, pms[k]);
		uint64_t got = fl_hist_percentile(h, (double)pms[k] / 1000);
		uint64_t diff = got > e ? got - e : e - got;

		TH_LOG("p%g exact %" PRIu64 " hist %" PRIu64,
		       (double)pms[k] / 1000, e, got);
		ASSERT_LE(diff * 100, e);	/* within 1% */
		/* Stronger: the same bucket as the exact sample. */
		ASSERT_EQ(fl_hist_index(got), fl_hist_index(e));
		if (e && (double)diff / (double)e > worst)
			worst = (double)diff / (double)e;
	}
	TH_LOG("worst relative percentile error %.4f%%", worst * 100);
	/* Midpoints are within half a bucket, 1/256 of the value. */
	EXPECT_TRUE(fl_hist_mean(h) > exact_mean * (1 - 1.0 / 256));
	EXPECT_TRUE(fl_hist_mean(h) < exact_mean * (1 + 1.0 / 256));
	free(v);
	fl_hist_free(h);
}

TEST(iterator)
{
	struct fl_hist *h = new_hist();
	struct fl_hist_iter it;
	struct fl_hist_bucket b;
	uint64_t s = 7, sum = 0, prev_hi = 0, visits = 0, nonempty = 0;
	bool first = true;
	uint32_t i;

	for (i = 0; i < 200000; i++)
		fl_hist_record(h, log_uniform(&s));
	fl_hist_record(h, 0);
	fl_hist_record(h, FL_HIST_HIGHEST);
	for (i = 0; i < FL_HIST_NR_BUCKETS; i++)
		nonempty += h->counts[i] != 0;

	fl_hist_iter_init(&it, h);
	while (fl_hist_iter_next(&it, &b)) {
		i = fl_hist_index(b.lo);
		ASSERT_EQ(b.lo, fl_hist_bucket_lo(i));
		ASSERT_EQ(b.hi, fl_hist_bucket_hi(i));
		ASSERT_GT(b.count, 0u);
		ASSERT_EQ(b.count, h->counts[i]);
		/* Strictly increasing, buckets never overlap. */
		if (!first)
			ASSERT_GT(b.lo, prev_hi);
		first = false;
		prev_hi = b.hi;
		sum += b.count;
		visits++;
	}
	ASSERT_EQ(visits, nonempty);
	ASSERT_EQ(sum, h->total);
	ASSERT_EQ(prev_hi, FL_HIST_HIGHEST);
	/* Stays exhausted. */
	ASSERT_FALSE(fl_hist_iter_next(&it, &b));
	fl_hist_free(h);
}

TEST(merge_equals_union)
{
	static const double ps[] = { 0, 10, 50, 90, 99, 99.9, 99.99, 100 };
	struct fl_hist *a = new_hist(), *b = new_hist(), *u = new_hist();
	struct fl_hist *e = new_hist();
	uint64_t sa = 1, sb = 2, x;
	size_t k;
	int n;

	/* Different shapes, so min and max come from different sides. */
	for (n = 0; n < 300000; n++) {
		x = log_uniform(&sa) / 1000;
		fl_hist_record(a, x);
		fl_hist_record(u, x);
	}
	for (n = 0; n < 200000; n++) {
		x = log_uniform(&sb) + 5000;
		fl_hist_record(b, x);
		fl_hist_record(u, x);
	}
	/* Both ends of the range, so merging must cover every bucket. */
	fl_hist_record(a, 0);
	fl_hist_record(u, 0);
	fl_hist_record(b, FL_HIST_HIGHEST);
	fl_hist_record(u, FL_HIST_HIGHEST);
	fl_hist_record(a, UINT64_MAX);
	fl_hist_record(u, UINT64_MAX);
	fl_hist_record(b, FL_HIST_HIGHEST + 1);
	fl_hist_record(u, FL_HIST_HIGHEST + 1);

	fl_hist_add(a, b);
	ASSERT_EQ(memcmp(a->counts, u->counts, sizeof(u->counts)), 0);
	ASSERT_EQ(a->total, u->total);
	ASSERT_EQ(a->total, 500002u);
	ASSERT_EQ(a->out_of_range, 2u);
	ASSERT_EQ(a->min, 0u);
	ASSERT_EQ(a->max, FL_HIST_HIGHEST);
	ASSERT_EQ(a->min, u->min);
	ASSERT_EQ(a->max, u->max);
	for (k = 0; k < sizeof(ps) / sizeof(ps[0]); k++)
		ASSERT_EQ(fl_hist_percentile(a, ps[k]),
			  fl_hist_percentile(u, ps[k]));
	ASSERT_TRUE(fl_hist_mean(a) == fl_hist_mean(u));

	/* Empty into full changes nothing; full into empty copies. */
	fl_hist_add(u, e);
	ASSERT_EQ(memcmp(a, u, sizeof(*u)), 0);
	fl_hist_add(e, u);
	ASSERT_EQ(memcmp(e, u, sizeof(*u)), 0);

	fl_hist_free(a);
	fl_hist_free(b);
	fl_hist_free(u);
	fl_hist_free(e);
}

/* The slowest n values: exact where buckets are exact, whole buckets above. */
TEST(add_top_takes_the_slowest)
{
	struct fl_hist *h, *top;

	ASSERT_EQ(fl_hist_init(&h), 0);
	ASSERT_EQ(fl_hist_init(&top), 0);
	/* 900 hits of 20 and 100 faults from 1000 to 1099. */
	for (int i = 0; i < 900; i++)
		fl_hist_record(h, 20);
	for (int i = 0; i < 100; i++)
		fl_hist_record(h, 1000 + (uint64_t)i);
	EXPECT_EQ(fl_hist_add_top(top, h, 100), 100);
	EXPECT_EQ(top->total, 100);
	EXPECT_GE(top->min, 1000);
	EXPECT_EQ(top->max, 1099);
	EXPECT_GE(fl_hist_percentile(top, 0.5), 1000);
	/* Asking for more than there is takes everything once. */
	fl_hist_reset(top);
	EXPECT_EQ(fl_hist_add_top(top, h, 5000), 1000);
	EXPECT_EQ(top->total, 1000);
	EXPECT_EQ(top->min, 20);
	/* None asked, none taken; the target stays empty. */
	fl_hist_reset(top);
	EXPECT_EQ(fl_hist_add_top(top, h, 0), 0);
	EXPECT_EQ(top->total, 0);
	/* Part of a bucket: 950 slowest are the 100 faults and 850 hits. */
	EXPECT_EQ(fl_hist_add_top(top, h, 950), 950);
	EXPECT_EQ(fl_hist_percentile(top, 50), 20);
	fl_hist_free(top);
	fl_hist_free(h);
}

TEST_HARNESS_MAIN
