// SPDX-License-Identifier: GPL-2.0
/*
 * Statistics of `faultline compare`: exact Mann-Whitney tables against
 * hand-counted cases, the Hodges-Lehmann estimate, and the verdicts on
 * synthetic data from a seeded PRNG: the false-alarm rate of A/A
 * comparisons and the detection rate of a 10% shift at 5 repetitions.
 */
#include <math.h>
#include <stdint.h>
#include <string.h>

#include "base/stats.h"
#include "harness.h"

#define TRIALS 1000
#define REPS 5

static uint64_t rng_state;

/* splitmix64: small, seedable, good enough for test data. */
static uint64_t rng_next(void)
{
	uint64_t z = (rng_state += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

static double rng_uniform(void)
{
	return ((rng_next() >> 11) + 0.5) / 9007199254740992.0;
}

/* Standard normal (Box-Muller; one of the pair is thrown away). */
static double rng_normal(void)
{
	return sqrt(-2 * log(rng_uniform())) * cos(2 * M_PI * rng_uniform());
}

/* @n samples of a lognormal around @center with relative noise @sigma. */
static void draw(double *v, int n, double center, double sigma)
{
	for (int i = 0; i < n; i++)
		v[i] = center * exp(sigma * rng_normal());
}

static enum fl_verdict verdict_of(const double *b, int m, const double *c,
				  int n, bool higher_better)
{
	struct fl_stats_opts o;
	struct fl_stats_cmp r;

	fl_stats_opts_default(&o);
	ASSERT_EQ(fl_stats_compare(b, m, c, n, higher_better, &o, &r), 0);
	return r.verdict;
}

/* Counts of U = 0.. for small sizes, from the partitions in an m x n box. */
TEST(mw_exact_small)
{
	static const int c33[] = { 1, 1, 2, 3, 3, 3, 3, 2, 1, 1 };	/* of 20 */
	static const int c44[] = { 1, 1, 2, 3, 5, 5, 7, 7, 8 };	/* of 70 */
	double cum = 0;

	for (int u = 0; u < 10; u++) {
		cum += c33[u];
		ASSERT_TRUE(fabs(fl_mw_cdf(3, 3, u) - cum / 20) < 1e-12);
	}
	cum = 0;
	for (int u = 0; u < 9; u++) {
		cum += c44[u];
		ASSERT_TRUE(fabs(fl_mw_cdf(4, 4, u) - cum / 70) < 1e-12);
	}
	/* 2 vs 3: 1,1,2,2,2,1,1 of 10; U's law is the same with m, n swapped. */
	ASSERT_TRUE(fabs(fl_mw_cdf(2, 3, 2) - 4.0 / 10) < 1e-12);
	ASSERT_TRUE(fabs(fl_mw_cdf(3, 2, 2) - 4.0 / 10) < 1e-12);
	/* 5 vs 5: 1,1,2,3,5,... of 252 (the textbook critical value is 2). */
	ASSERT_TRUE(fabs(fl_mw_cdf(5, 5, 2) - 4.0 / 252) < 1e-12);
	ASSERT_TRUE(fabs(fl_mw_cdf(5, 5, 3) - 7.0 / 252) < 1e-12);
	ASSERT_TRUE(fabs(fl_mw_cdf(5, 5, 12) - 0.5) < 1e-12);
	ASSERT_TRUE(fabs(fl_mw_cdf(5, 5, 25) - 1) < 1e-12);
	ASSERT_TRUE(isnan(fl_mw_cdf(0, 5, 0)));
}

TEST(mw_interval_ranks)
{
	double cov;

	ASSERT_EQ(fl_mw_ci_rank(5, 5, 0.95, &cov), 3);
	ASSERT_TRUE(fabs(cov - (1 - 8.0 / 252)) < 1e-12);
	ASSERT_EQ(fl_mw_ci_rank(4, 4, 0.95, &cov), 1);
	ASSERT_TRUE(fabs(cov - (1 - 2.0 / 70)) < 1e-12);
	ASSERT_EQ(fl_mw_ci_rank(3, 5, 0.95, &cov), 1);	/* 1/56 <= 2.5% */
	ASSERT_EQ(fl_mw_ci_rank(3, 4, 0.95, &cov), 0);	/* 1/35 > 2.5% */
	ASSERT_EQ(fl_mw_ci_rank(3, 3, 0.95, &cov), 0);
	ASSERT_EQ(fl_mw_ci_rank(3, 3, 0.90, &cov), 1);	/* 1/20 <= 5% */
	/* 10 vs 10 at 95%: the tables' critical value 23, so k = 24. */
	ASSERT_EQ(fl_mw_ci_rank(10, 10, 0.95, &cov), 24);
	ASSERT_TRUE(cov >= 0.95 && cov < 0.96);
	/* Large samples use the normal limit; coverage stays near 95%. */
	ASSERT_GT(fl_mw_ci_rank(250, 250, 0.95, &cov), 0);
	ASSERT_TRUE(cov >= 0.949 && cov < 0.952);
}

TEST(hodges_lehmann_known)
{
	const double x[] = { 1, 2, 3 }, y[] = { 2, 4, 6 };
	const double a[] = { 10, 20 }, b[] = { 11, 25, 100 };

	/* y - x: -1 0 1 1 2 3 3 4 5: the median is 2. */
	ASSERT_TRUE(fl_hodges_lehmann(x, 3, y, 3) == 2);
	/* b - a: -9 1 5 15 80 90: the median is (5 + 15) / 2. */
	ASSERT_TRUE(fl_hodges_lehmann(a, 2, b, 3) == 10);
	/* An outlier moves it by one rank only. */
	ASSERT_TRUE(fl_hodges_lehmann(x, 3, (double[]){ 2, 4, 1e9 }, 3) == 2);
	ASSERT_TRUE(isnan(fl_hodges_lehmann(x, 0, y, 3)));
}

TEST(verdicts_by_hand)
{
	const double base[] = { 100, 101, 99, 100.5, 99.5 };
	const double same[] = { 100, 101, 99, 100.5, 99.5 };
	const double slow[] = { 80, 81, 79, 80.5, 79.5 };
	const double wild[] = { 70, 130, 100, 85, 115 };
	const double zeros[] = { 0, 0, 0, 0, 0 };
	const double some[] = { 2, 3, 5, 4, 6 };
	struct fl_stats_opts o;
	struct fl_stats_cmp r;

	fl_stats_opts_default(&o);
	ASSERT_EQ(fl_stats_compare(base, 5, same, 5, true, &o, &r), 0);
	ASSERT_EQ(r.verdict, FL_VERDICT_UNCHANGED);
	ASSERT_TRUE(r.has_ci && r.ci_lo_pct <= 0 && r.ci_hi_pct >= 0);

	ASSERT_EQ(fl_stats_compare(base, 5, slow, 5, true, &o, &r), 0);
	ASSERT_EQ(r.verdict, FL_VERDICT_WORSE);
	ASSERT_TRUE(fabs(r.change_pct + 20) < 1e-9);
	ASSERT_TRUE(r.ci_hi_pct < 0 && r.log_scale);
	TH_LOG("-20%%: change %.2f%%, CI [%.2f, %.2f]%%, %s", r.change_pct,
	       r.ci_lo_pct, r.ci_hi_pct, r.why);
	ASSERT_EQ(fl_stats_compare(base, 5, slow, 5, false, &o, &r), 0);
	ASSERT_EQ(r.verdict, FL_VERDICT_BETTER);

	/* Within the threshold: significant, yet unchanged. */
	o.threshold_pct = 25;
	ASSERT_EQ(fl_stats_compare(base, 5, slow, 5, true, &o, &r), 0);
	ASSERT_EQ(r.verdict, FL_VERDICT_UNCHANGED);
	fl_stats_opts_default(&o);

	/* A CI holding 0 but reaching past the noise limit. */
	ASSERT_EQ(fl_stats_compare(base, 5, wild, 5, true, &o, &r), 0);
	ASSERT_EQ(r.verdict, FL_VERDICT_NOISY);

	/* Too few repetitions: 2 per side, or 3 vs 3 (no 95% interval). */
	ASSERT_EQ(fl_stats_compare(base, 2, slow, 5, true, &o, &r), 0);
	ASSERT_EQ(r.verdict, FL_VERDICT_NOISY);
	ASSERT_FALSE(r.has_ci);
	ASSERT_EQ(fl_stats_compare(base, 3, slow, 3, true, &o, &r), 0);
	ASSERT_EQ(r.verdict, FL_VERDICT_NOISY);
	ASSERT_EQ(fl_stats_compare(base, 4, slow, 4, true, &o, &r), 0);
	ASSERT_EQ(r.verdict, FL_VERDICT_WORSE);

	/* Zeros: the linear scale; from 0, no percentage but a verdict. */
	ASSERT_EQ(fl_stats_compare(zeros, 5, zeros, 5, false, &o, &r), 0);
	ASSERT_EQ(r.verdict, FL_VERDICT_UNCHANGED);
	ASSERT_TRUE(r.change_pct == 0 && !r.log_scale);
	ASSERT_EQ(fl_stats_compare(zeros, 5, some, 5, false, &o, &r), 0);
	ASSERT_EQ(r.verdict, FL_VERDICT_WORSE);
	ASSERT_TRUE(isnan(r.change_pct) && !r.has_ci);
	ASSERT_EQ(fl_stats_compare(some, 5, (double[]){ 0, 4, 5, 4, 5 }, 5,
				   false, &o, &r), 0);
	ASSERT_TRUE(r.has_ci && !r.log_scale);
}

/* The same distribution on both sides: no alarm in >= 95% of trials. */
TEST(aa_false_alarms)
{
	double b[REPS], c[REPS];
	int alarms[2] = { 0 }, noisy = 0;

	rng_state = 42;
	for (int t = 0; t < TRIALS; t++) {
		draw(b, REPS, 250e3, 0.02);
		draw(c, REPS, 250e3, 0.02);
		for (int dir = 0; dir < 2; dir++) {
			enum fl_verdict v = verdict_of(b, REPS, c, REPS, dir);

			alarms[dir] += v == FL_VERDICT_WORSE || v == FL_VERDICT_BETTER;
			noisy += v == FL_VERDICT_NOISY;
		}
	}
	TH_LOG("A/A, %d vs %d, 2%% lognormal noise: false alarms %.1f%% "
	       "(higher-better) %.1f%% (lower-better), noisy %.1f%%", REPS, REPS,
	       alarms[1] * 100.0 / TRIALS, alarms[0] * 100.0 / TRIALS,
	       noisy * 50.0 / TRIALS);
	ASSERT_LE(alarms[0], TRIALS / 20);
	ASSERT_LE(alarms[1], TRIALS / 20);

	/* Heavier noise: more "noisy", still few alarms. */
	alarms[0] = noisy = 0;
	for (int t = 0; t < TRIALS; t++) {
		draw(b, REPS, 250e3, 0.10);
		draw(c, REPS, 250e3, 0.10);
		enum fl_verdict v = verdict_of(b, REPS, c, REPS, true);

		alarms[0] += v == FL_VERDICT_WORSE || v == FL_VERDICT_BETTER;
		noisy += v == FL_VERDICT_NOISY;
	}
	TH_LOG("A/A, 10%% noise: false alarms %.1f%%, noisy %.1f%%",
	       alarms[0] * 100.0 / TRIALS, noisy * 100.0 / TRIALS);
	ASSERT_LE(alarms[0], TRIALS / 20);
}

/* A 10% shift with 2% noise at 5 repetitions is found, the right way round. */
TEST(shift_detected)
{
	double b[REPS], c[REPS];
	int worse_tput = 0, worse_lat = 0, better_tput = 0, better_lat = 0;

	rng_state = 7;
	for (int t = 0; t < TRIALS; t++) {
		draw(b, REPS, 250e3, 0.02);
		draw(c, REPS, 250e3 * 0.90, 0.02);	/* throughput fell */
		worse_tput += verdict_of(b, REPS, c, REPS, true) == FL_VERDICT_WORSE;
		better_lat += verdict_of(b, REPS, c, REPS, false) == FL_VERDICT_BETTER;
		draw(b, REPS, 900, 0.02);
		draw(c, REPS, 900 * 1.10, 0.02);	/* latency rose */
		worse_lat += verdict_of(b, REPS, c, REPS, false) == FL_VERDICT_WORSE;
		better_tput += verdict_of(b, REPS, c, REPS, true) == FL_VERDICT_BETTER;
	}
	TH_LOG("10%% shift, 2%% noise, %d vs %d: throughput drop called worse "
	       "%.1f%%, latency rise called worse %.1f%%; opposite direction "
	       "called better %.1f%% / %.1f%%", REPS, REPS,
	       worse_tput * 100.0 / TRIALS, worse_lat * 100.0 / TRIALS,
	       better_lat * 100.0 / TRIALS, better_tput * 100.0 / TRIALS);
	ASSERT_GE(worse_tput, TRIALS * 95 / 100);
	ASSERT_GE(worse_lat, TRIALS * 95 / 100);
	ASSERT_GE(better_tput, TRIALS * 95 / 100);
	ASSERT_GE(better_lat, TRIALS * 95 / 100);
}

/* An outlier in one repetition does not turn a clean A/A into an alarm. */
TEST(outlier_robust)
{
	const double b[] = { 250e3, 251e3, 249e3, 250.5e3, 249.5e3 };
	const double c[] = { 250.2e3, 250.8e3, 249.2e3, 150e3, 249.8e3 };

	ASSERT_TRUE(verdict_of(b, 5, c, 5, true) != FL_VERDICT_WORSE);
	ASSERT_TRUE(verdict_of(b, 5, c, 5, true) != FL_VERDICT_BETTER);
}

/*
 * Nights for fl_stats_pool: @nights of @reps repetitions around @center,
 * each night moved by its own drift (lognormal @drift), each repetition
 * by @sigma. Night i's samples get id i.
 */
static int draw_pool(double *v, int *id, int nights, int reps, double center,
		     double drift, double sigma)
{
	int n = 0;

	for (int g = 0; g < nights; g++) {
		double night = center * exp(drift * rng_normal());

		for (int r = 0; r < reps; r++, n++) {
			v[n] = night * exp(sigma * rng_normal());
			id[n] = g;
		}
	}
	return n;
}

static enum fl_verdict pool_verdict(const double *b, const int *id, int m,
				    const double *c, int n, bool higher_better,
				    struct fl_stats_cmp *r)
{
	struct fl_stats_opts o;
	struct fl_stats_cmp tmp;

	fl_stats_opts_default(&o);
	o.threshold_pct = 5;
	ASSERT_EQ(fl_stats_pool(b, id, m, c, n, higher_better, &o, r ?: &tmp), 0);
	return (r ?: &tmp)->verdict;
}

/* The rule by hand: bound, drift from the night medians, blind, worse. */
TEST(pool_by_hand)
{
	/* Three nights 2% apart, repetitions within 0.2%. */
	const double b[] = { 100, 100.2, 99.8, 102, 102.2, 101.8, 98, 98.2, 97.8 };
	const int id[] = { 0, 0, 0, 1, 1, 1, 2, 2, 2 };
	const double same[] = { 100.1, 99.9, 100.3, 99.7 };
	const double down15[] = { 85, 85.2, 84.8, 85.1 };
	const double down3[] = { 97, 97.2, 96.8, 97.1 };
	struct fl_stats_cmp r;

	ASSERT_EQ(pool_verdict(b, id, 9, same, 4, true, &r), FL_VERDICT_UNCHANGED);
	ASSERT_EQ(r.nights, 3);
	/* The SD of the night medians (100, 102, 98) on the log scale. */
	ASSERT_TRUE(fabs(r.drift_pct - 2.0) < 0.05);
	ASSERT_TRUE(fabs(r.bound_pct - 5) < 1e-9);	/* 2 x 2% < the 5% threshold */
	ASSERT_EQ(pool_verdict(b, id, 9, down15, 4, true, &r), FL_VERDICT_WORSE);
	ASSERT_TRUE(r.ci_hi_pct < -r.bound_pct);
	TH_LOG("-15%%: %s", r.why);
	ASSERT_EQ(pool_verdict(b, id, 9, down15, 4, false, &r), FL_VERDICT_BETTER);
	/* Significant, but inside the drift and the threshold. */
	ASSERT_EQ(pool_verdict(b, id, 9, down3, 4, true, &r), FL_VERDICT_UNCHANGED);

	/* Nights 6% apart: 2 x 6% + the interval cannot resolve 10%. */
	const double wide[] = { 100, 100.2, 99.8, 106, 106.2, 105.8, 94, 94.2, 93.8 };

	ASSERT_EQ(pool_verdict(wide, id, 9, same, 4, true, &r), FL_VERDICT_BLIND);
	ASSERT_TRUE(strstr(r.why, "cannot resolve 10%") != NULL);
	TH_LOG("wide pool: %s", r.why);
	/* Blind to 10%, not to 15% beyond the pool's whole range. */
	const double down30[] = { 70, 70.2, 69.8, 70.1 };

	ASSERT_EQ(pool_verdict(wide, id, 9, down30, 4, true, &r), FL_VERDICT_WORSE);

	/* One repetition a night: no interval, so blind, never "unchanged". */
	const double one[] = { 100, 102, 98 };

	ASSERT_EQ(pool_verdict(one, (const int[]){ 0, 1, 2 }, 3, (const double[]){ 100 },
			       1, true, &r), FL_VERDICT_BLIND);
	ASSERT_FALSE(r.has_ci);

	/* A pool of one night: the repetitions' spread is the drift. */
	const double night[] = { 100, 100.2, 99.8, 100.1, 99.9 };

	ASSERT_EQ(pool_verdict(night, (const int[5]){ 0 }, 5, same, 4, true, &r), FL_VERDICT_UNCHANGED);
	ASSERT_EQ(r.nights, 1);
	ASSERT_TRUE(r.drift_pct > 0.1 && r.drift_pct < 0.5);
	ASSERT_EQ(pool_verdict(night, (const int[5]){ 0 }, 5, down15, 4, true, &r), FL_VERDICT_WORSE);
}

#define POOL_NIGHTS 5
#define POOL_REPS 6

/*
 * Nights on a machine whose speed drifts from night to night (1.5%) with
 * 2% noise between repetitions: an unchanged night is quiet, a 15% drop
 * is found, and the rates of a 10% drop and of false alarms are logged.
 */
TEST(pool_quiet_and_sensitive)
{
	double b[POOL_NIGHTS * POOL_REPS], c[POOL_REPS];
	int id[POOL_NIGHTS * POOL_REPS], cid[POOL_REPS];
	int alarms = 0, blind = 0, found10 = 0, found15 = 0;

	rng_state = 11;
	for (int t = 0; t < TRIALS; t++) {
		int m = draw_pool(b, id, POOL_NIGHTS, POOL_REPS, 250e3, 0.015, 0.02);
		enum fl_verdict v;

		draw_pool(c, cid, 1, POOL_REPS, 250e3, 0.015, 0.02);
		v = pool_verdict(b, id, m, c, POOL_REPS, true, NULL);
		alarms += v == FL_VERDICT_WORSE || v == FL_VERDICT_BETTER;
		blind += v == FL_VERDICT_BLIND;
		draw_pool(c, cid, 1, POOL_REPS, 250e3 * 0.90, 0.015, 0.02);
		found10 += pool_verdict(b, id, m, c, POOL_REPS, true, NULL) == FL_VERDICT_WORSE;
		draw_pool(c, cid, 1, POOL_REPS, 250e3 * 0.85, 0.015, 0.02);
		found15 += pool_verdict(b, id, m, c, POOL_REPS, true, NULL) == FL_VERDICT_WORSE;
	}
	TH_LOG("pool of %d nights x %d, drift 1.5%%, noise 2%%: A/A alarms %.1f%%, "
	       "blind %.1f%%; -10%% found %.1f%%, -15%% found %.1f%%", POOL_NIGHTS,
	       POOL_REPS, alarms * 100.0 / TRIALS, blind * 100.0 / TRIALS,
	       found10 * 100.0 / TRIALS, found15 * 100.0 / TRIALS);
	ASSERT_LE(alarms, TRIALS / 100);
	ASSERT_LE(blind, TRIALS / 20);
	ASSERT_GE(found15, TRIALS * 95 / 100);
	ASSERT_GE(found10, TRIALS / 2);
}

/*
 * The second night has a pool of one: it must not be blind for want of
 * nights (a blind night never joins the pool, so the pool would never
 * grow), even with repetitions 5% apart; its alarm rate is logged.
 */
TEST(pool_of_one_night_bootstraps)
{
	double b[POOL_REPS], c[POOL_REPS];
	int id[POOL_REPS], cid[POOL_REPS];
	int alarms = 0, blind = 0;

	rng_state = 3;
	for (int t = 0; t < TRIALS; t++) {
		enum fl_verdict v;

		draw_pool(b, id, 1, POOL_REPS, 250e3, 0.015, 0.025);
		draw_pool(c, cid, 1, POOL_REPS, 250e3, 0.015, 0.025);
		v = pool_verdict(b, id, POOL_REPS, c, POOL_REPS, true, NULL);
		alarms += v == FL_VERDICT_WORSE || v == FL_VERDICT_BETTER;
		blind += v == FL_VERDICT_BLIND;
	}
	TH_LOG("pool of 1 night x %d, drift 1.5%%, noise 2.5%%: alarms %.1f%%, blind %.1f%%",
	       POOL_REPS, alarms * 100.0 / TRIALS, blind * 100.0 / TRIALS);
	ASSERT_LE(blind, TRIALS / 10);
	ASSERT_LE(alarms, TRIALS / 50);
}

/*
 * Drift the pool cannot tell from a change: nights 6% apart. Unchanged
 * nights are blind, not passed; a halving is still worse. A night whose
 * median moved by more than twice the drift estimated from 5 nights is
 * called worse or better (the machine moved that much: the nightly cannot
 * tell the machine from the kernel), which is rare but not 1%.
 */
TEST(pool_blind_when_drift_is_wide)
{
	double b[POOL_NIGHTS * POOL_REPS], c[POOL_REPS];
	int id[POOL_NIGHTS * POOL_REPS], cid[POOL_REPS];
	int blind = 0, alarms = 0, halved = 0;

	rng_state = 5;
	for (int t = 0; t < TRIALS; t++) {
		int m = draw_pool(b, id, POOL_NIGHTS, POOL_REPS, 250e3, 0.06, 0.02);
		enum fl_verdict v;

		draw_pool(c, cid, 1, POOL_REPS, 250e3, 0.06, 0.02);
		v = pool_verdict(b, id, m, c, POOL_REPS, true, NULL);
		blind += v == FL_VERDICT_BLIND;
		alarms += v == FL_VERDICT_WORSE || v == FL_VERDICT_BETTER;
		draw_pool(c, cid, 1, POOL_REPS, 125e3, 0.06, 0.02);
		halved += pool_verdict(b, id, m, c, POOL_REPS, true, NULL) == FL_VERDICT_WORSE;
	}
	TH_LOG("drift 6%%: blind %.1f%%, alarms %.1f%%, a halving found %.1f%%",
	       blind * 100.0 / TRIALS, alarms * 100.0 / TRIALS, halved * 100.0 / TRIALS);
	ASSERT_GE(blind, TRIALS * 80 / 100);
	ASSERT_LE(alarms, TRIALS / 10);
	ASSERT_GE(halved, TRIALS * 99 / 100);
}

TEST_HARNESS_MAIN
