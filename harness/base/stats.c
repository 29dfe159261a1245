// SPDX-License-Identifier: GPL-2.0
/*
 * Statistics for `faultline compare`.
 *
 * The method: a metric's samples are its value in each repetition, BASE
 * x[0..m) and CUR y[0..n). On the log scale (so the shift is a ratio
 * CUR/BASE and a 10% change means the same at 1k and 1M ops/s), the
 * Hodges-Lehmann estimate of the shift is the median of the m*n pairwise
 * differences log y[j] - log x[i], and its confidence interval is
 * [d(k), d(mn+1-k)] of the sorted differences, with k taken from the
 * exact null distribution of the Mann-Whitney statistic U.
 *
 * Why this and not a t-test or a bootstrap: runs on a shared or virtual
 * machine have outliers (a stolen CPU, a page-cache hiccup) and the
 * usual 5 repetitions say nothing about normality; the rank interval
 * needs no distribution, one outlier moves it by one rank, and its
 * coverage is exact for any continuous distribution. A bootstrap
 * interval from 5 samples has at most 126 distinct resamples and badly
 * under-covers. The price: the interval only exists once C(m+n, m) >= 2/
 * alpha (4 vs 4, or 3 vs 5, at 95%), and its real coverage is somewhat
 * above the nominal one (96.8% for 5 vs 5). Ties (histogram buckets) make
 * it conservative, not wrong.
 *
 * A value <= 0 (a lock wait of 0, a count) has no logarithm: such a
 * metric is compared on the linear scale and the shift is expressed as a
 * percentage of BASE's median.
 *
 * The verdict of a metric, with threshold T (default 2%) and noise limit
 * N (default 10%):
 *   noisy      fewer than 3 samples on a side, or too few for the
 *              interval; or the interval holds 0 but reaches past +-N%
 *              (it cannot rule out a change that matters)
 *   worse or   the interval excludes 0 and the change of the medians is
 *   better     beyond +-T%, in the metric's bad or good direction
 *   unchanged  the interval excludes 0 but the change is within +-T%, or
 *              the interval holds 0 and lies within +-N%
 *
 * The nightly (fl_stats_pool) compares one night with a pool of earlier
 * nights. Nights minutes apart differ by more than the repetitions inside
 * one night say (8.5% with every repetition of one below every one of the
 * other, measured here), so an interval that only excludes 0, or even
 * only clears T, cries wolf. The pool measures that drift: the spread of
 * its night medians, and at least the spread that the repetitions within
 * a night imply for a night's median (their order is interleaved over
 * the night, so minutes-scale drift shows there too, and a pool of one
 * night has no other measure).
 * A change must have its whole interval beyond both T and k times the
 * drift. When even a change of 2T could not pass that (the drift or the
 * interval too wide), the metric is "blind": the night could not have seen
 * a regression there, and says so instead of passing.
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "base/faultline.h"
#include "base/stats.h"

/* Beyond this many pairs the exact table gives way to the normal limit. */
#define MW_EXACT_MAX_PAIRS 40000

static const char *const verdict_names[FL_VERDICT_NR] = {
	[FL_VERDICT_UNCHANGED] = "unchanged",
	[FL_VERDICT_BETTER] = "better",
	[FL_VERDICT_WORSE] = "worse",
	[FL_VERDICT_NOISY] = "noisy",
	[FL_VERDICT_BLIND] = "blind",
	[FL_VERDICT_UNTRUSTWORTHY] = "untrustworthy",
	[FL_VERDICT_KNOWN] = "known",
};

const char *fl_verdict_str(enum fl_verdict v)
{
	return v < FL_VERDICT_NR ? verdict_names[v] : "?";
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

double fl_stats_median(double *v, int n)
{
	int k = 0;

	for (int i = 0; i < n; i++)
		if (isfinite(v[i]))
			v[k++] = v[i];
	if (!k)
		return NAN;
	qsort(v, (size_t)k, sizeof(*v), cmp_double);
	return k % 2 ? v[k / 2] : (v[k / 2 - 1] + v[k / 2]) / 2;
}

/*
 * The number of arrangements with U = u, u = 0..mn, for sizes m and n:
 * the coefficients of the Gaussian binomial [m+n, m]_q, built as the
 * product over i = 1..m of (1 - q^(n+i)) / (1 - q^i). After step i the
 * polynomial is [n+i, i]_q, so every division is exact; the lower tail,
 * which is what we use, never subtracts anything large. Returns a
 * malloc'ed array of mn + 1 counts, or NULL (no memory, or too large).
 */
static double *mw_counts(int m, int n)
{
	size_t len = (size_t)m * (size_t)n + (size_t)m + 1;
	double *c;

	if ((size_t)m * (size_t)n > MW_EXACT_MAX_PAIRS)
		return NULL;
	c = calloc(len, sizeof(*c));
	if (!c)
		return NULL;
	c[0] = 1;
	for (int i = 1; i <= m; i++) {
		size_t up = (size_t)n + (size_t)i;
		size_t deg = (size_t)(i - 1) * (size_t)n + up;

		for (size_t k = deg; k >= up; k--)
			c[k] -= c[k - up];
		for (size_t k = (size_t)i; k <= deg; k++)
			c[k] += c[k - (size_t)i];
	}
	return c;
}

/* Standard normal lower tail. */
static double norm_cdf(double z)
{
	return 0.5 * erfc(-z / M_SQRT2);
}

/* U's normal limit with a continuity correction, for large samples. */
static double mw_cdf_normal(int m, int n, int u)
{
	double mn = (double)m * n;
	double sd = sqrt(mn * (m + n + 1) / 12.0);

	return norm_cdf((u + 0.5 - mn / 2) / sd);
}

double fl_mw_cdf(int m, int n, int u)
{
	double *c, below = 0, total = 0;
	int mn = m * n;

	if (m <= 0 || n <= 0)
		return NAN;
	if (u < 0)
		return 0;
	if (u >= mn)
		return 1;
	c = mw_counts(m < n ? m : n, m < n ? n : m);
	if (!c)
		return mw_cdf_normal(m, n, u);
	for (int k = 0; k <= mn; k++) {
		total += c[k];
		if (k <= u)
			below += c[k];
	}
	free(c);
	return below / total;
}

int fl_mw_ci_rank(int m, int n, double conf, double *coverage)
{
	double half = (1 - conf) / 2, total = 0, below = 0, *c;
	int mn = m * n, k = 0;

	*coverage = NAN;
	if (m <= 0 || n <= 0 || !(conf > 0 && conf < 1))
		return 0;
	c = mw_counts(m < n ? m : n, m < n ? n : m);
	if (!c) {
		/* The normal limit: scan up to the median (few steps needed). */
		while (k < mn / 2 && mw_cdf_normal(m, n, k) <= half)
			k++;
		if (k)
			*coverage = 1 - 2 * mw_cdf_normal(m, n, k - 1);
		return k;
	}
	for (int u = 0; u <= mn; u++)
		total += c[u];
	/* k is the largest with P(U <= k - 1) <= alpha/2. */
	while (k < mn / 2 + 1 && (below + c[k]) / total <= half + 1e-12) {
		below += c[k];
		k++;
	}
	free(c);
	if (k)
		*coverage = 1 - 2 * below / total;
	return k;
}

/* The m*n differences y[j] - x[i], sorted; NULL without memory. */
static double *pair_diffs(const double *x, int m, const double *y, int n)
{
	double *d = malloc((size_t)m * (size_t)n * sizeof(*d));

	if (!d)
		return NULL;
	for (int i = 0; i < m; i++)
		for (int j = 0; j < n; j++)
			d[(size_t)i * n + j] = y[j] - x[i];
	qsort(d, (size_t)m * n, sizeof(*d), cmp_double);
	return d;
}

double fl_hodges_lehmann(const double *x, int m, const double *y, int n)
{
	double *d, est;
	size_t mn = (size_t)m * (size_t)n;

	if (m <= 0 || n <= 0)
		return NAN;
	d = pair_diffs(x, m, y, n);
	if (!d)
		return NAN;
	est = mn % 2 ? d[mn / 2] : (d[mn / 2 - 1] + d[mn / 2]) / 2;
	free(d);
	return est;
}

void fl_stats_opts_default(struct fl_stats_opts *o)
{
	o->confidence = 0.95;
	o->threshold_pct = 2;
	o->noise_pct = 10;
	o->min_n = 3;
	o->drift_k = 2;
}

/* A shift on the working scale as a percentage of BASE. */
static double to_pct(double v, bool log_scale, double base_median)
{
	if (log_scale)
		return expm1(v) * 100;
	return base_median > 0 ? v / base_median * 100 : NAN;
}

/*
 * The verdict from the interval [lo, hi] (working scale) and the change of
 * the medians; see the top of the file.
 */
static void judge(struct fl_stats_cmp *r, double lo, double hi,
		  bool higher_better, const struct fl_stats_opts *o)
{
	bool up = lo > 0, significant = lo > 0 || hi < 0;

	if (significant) {
		if (isfinite(r->change_pct) && (r->change_pct > 0) != up) {
			r->verdict = FL_VERDICT_NOISY;
			snprintf(r->why, sizeof(r->why),
				 "medians and shift disagree in sign");
			return;
		}
		if (isfinite(r->change_pct) &&
		    fabs(r->change_pct) <= o->threshold_pct) {
			r->verdict = FL_VERDICT_UNCHANGED;
			snprintf(r->why, sizeof(r->why),
				 "significant but within +-%g%%", o->threshold_pct);
			return;
		}
		r->verdict = up == higher_better ? FL_VERDICT_BETTER : FL_VERDICT_WORSE;
		if (isfinite(r->change_pct))
			snprintf(r->why, sizeof(r->why),
				 "CI excludes 0, change beyond +-%g%%", o->threshold_pct);
		else
			snprintf(r->why, sizeof(r->why), "CI excludes 0 (BASE median is 0)");
		return;
	}
	if (r->has_ci && (r->ci_lo_pct < -o->noise_pct || r->ci_hi_pct > o->noise_pct)) {
		r->verdict = FL_VERDICT_NOISY;
		snprintf(r->why, sizeof(r->why), "CI holds 0 but reaches past +-%g%%",
			 o->noise_pct);
		return;
	}
	r->verdict = FL_VERDICT_UNCHANGED;
	if (r->has_ci)
		snprintf(r->why, sizeof(r->why), "CI holds 0, within +-%g%%",
			 o->noise_pct);
	else
		snprintf(r->why, sizeof(r->why), "CI holds 0");
}

int fl_stats_compare(const double *base, int m, const double *cur, int n,
		     bool higher_better, const struct fl_stats_opts *o,
		     struct fl_stats_cmp *r)
{
	double *x = NULL, *y = NULL, *d = NULL, *tmp;
	size_t mn = (size_t)m * (size_t)n;
	int k, ret = 0;

	*r = (struct fl_stats_cmp){ .verdict = FL_VERDICT_NOISY,
		.base_median = NAN, .cur_median = NAN, .change_pct = NAN,
		.shift_pct = NAN, .ci_lo_pct = NAN, .ci_hi_pct = NAN,
		.coverage = NAN, .log_scale = true, .drift_pct = NAN,
		.bound_pct = NAN };
	tmp = malloc(((size_t)m + (size_t)n + 1) * sizeof(*tmp));
	if (!tmp)
		return -ENOMEM;
	for (int i = 0; i < m; i++)
		tmp[i] = base[i];
	r->base_median = fl_stats_median(tmp, m);
	for (int j = 0; j < n; j++)
		tmp[j] = cur[j];
	r->cur_median = fl_stats_median(tmp, n);
	free(tmp);
	if (r->base_median > 0)
		r->change_pct = (r->cur_median / r->base_median - 1) * 100;
	else if (r->base_median == 0 && r->cur_median == 0)
		r->change_pct = 0;

	if (m < o->min_n || n < o->min_n) {
		snprintf(r->why, sizeof(r->why), "%d vs %d samples: need %d per side",
			 m, n, o->min_n);
		return 0;
	}
	k = fl_mw_ci_rank(m, n, o->confidence, &r->coverage);
	if (!k) {
		snprintf(r->why, sizeof(r->why),
			 "%d vs %d samples: too few for a %g%% interval", m, n,
			 o->confidence * 100);
		return 0;
	}

	x = malloc((size_t)m * sizeof(*x));
	y = malloc((size_t)n * sizeof(*y));
	if (!x || !y) {
		ret = -ENOMEM;
		goto out;
	}
	for (int i = 0; i < m; i++)
		r->log_scale &= base[i] > 0;
	for (int j = 0; j < n; j++)
		r->log_scale &= cur[j] > 0;
	for (int i = 0; i < m; i++)
		x[i] = r->log_scale ? log(base[i]) : base[i];
	for (int j = 0; j < n; j++)
		y[j] = r->log_scale ? log(cur[j]) : cur[j];
	d = pair_diffs(x, m, y, n);
	if (!d) {
		ret = -ENOMEM;
		goto out;
	}
	double lo = d[k - 1], hi = d[mn - (size_t)k];
	double est = mn % 2 ? d[mn / 2] : (d[mn / 2 - 1] + d[mn / 2]) / 2;

	r->shift_pct = to_pct(est, r->log_scale, r->base_median);
	r->ci_lo_pct = to_pct(lo, r->log_scale, r->base_median);
	r->ci_hi_pct = to_pct(hi, r->log_scale, r->base_median);
	r->has_ci = isfinite(r->ci_lo_pct) && isfinite(r->ci_hi_pct);
	judge(r, lo, hi, higher_better, o);
out:
	free(x);
	free(y);
	free(d);
	return ret;
}

/* A value on the working scale of @r: log, or a fraction of BASE's median. */
static double working(const struct fl_stats_cmp *r, double v)
{
	return r->log_scale ? log(v) : v / r->base_median;
}

/*
 * The drift of a pool, in % on the working scale: the larger of the
 * standard deviation of its night medians and the standard error of one
 * night's median that the repetitions within a night imply (their pooled
 * standard deviation, the pool's nights and CUR's, x sqrt(pi / 2) /
 * sqrt(repetitions a night)). The second is what a pool of one night has;
 * with several it keeps a lucky run of close medians from passing as no
 * drift at all.
 */
static int pool_drift(const double *base, const int *night, int m,
		      const double *cur, int n, struct fl_stats_cmp *r)
{
	double *tmp = malloc(((size_t)m + (size_t)n) * sizeof(*tmp));
	double *meds = malloc(((size_t)m + 1) * sizeof(*meds));
	double ss = 0, msum = 0, mss = 0, sem;
	int df = 0, nights = 0, groups = 0;
	int ret = 0;

	if (!tmp || !meds) {
		ret = -ENOMEM;
		goto out;
	}
	/* Each pool night, then CUR (night -1 stands for it). */
	for (int i = 0; i <= m; i++) {
		int id = i < m ? night[i] : -1, k = 0, seen = 0;
		double mean = 0;

		for (int j = 0; j < i && i < m; j++)
			seen |= night[j] == id;
		if (seen)
			continue;
		if (i < m) {
			for (int j = i; j < m; j++)
				if (night[j] == id)
					tmp[k++] = working(r, base[j]);
		} else {
			for (int j = 0; j < n; j++)
				tmp[k++] = working(r, cur[j]);
		}
		for (int j = 0; j < k; j++)
			mean += tmp[j] / k;
		for (int j = 0; j < k; j++)
			ss += (tmp[j] - mean) * (tmp[j] - mean);
		df += k - 1;
		groups++;
		if (i < m)
			meds[nights++] = fl_stats_median(tmp, k);
	}
	for (int g = 0; g < nights; g++)
		msum += meds[g];
	for (int g = 0; g < nights; g++)
		mss += (meds[g] - msum / nights) * (meds[g] - msum / nights);
	/* groups - 1 + df is the number of samples less one per night. */
	sem = df > 0 ? sqrt(ss / df) * sqrt(M_PI / 2 * groups / (df + groups)) : 0;
	r->nights = nights;
	r->drift_pct = 100 * fmax(sem, nights > 1 ? sqrt(mss / (nights - 1)) : 0);
out:
	free(tmp);
	free(meds);
	return ret;
}

int fl_stats_pool(const double *base, const int *night, int m,
		  const double *cur, int n, bool higher_better,
		  const struct fl_stats_opts *o, struct fl_stats_cmp *r)
{
	double t = o->threshold_pct, half, down, up;
	int ret = fl_stats_compare(base, m, cur, n, higher_better, o, r);

	if (ret)
		return ret;
	if (!r->has_ci) {
		r->verdict = FL_VERDICT_BLIND;
		return 0;
	}
	if (!r->log_scale && !(r->base_median > 0)) {
		r->verdict = FL_VERDICT_BLIND;
		snprintf(r->why, sizeof(r->why), "BASE median is 0: no relative change");
		return 0;
	}
	ret = pool_drift(base, night, m, cur, n, r);
	if (ret)
		return ret;
	r->bound_pct = fmax(t, o->drift_k * r->drift_pct);
	half = (r->ci_hi_pct - r->ci_lo_pct) / 2;
	/* The interval in the bad (down) and good (up) direction. */
	down = higher_better ? r->ci_hi_pct : -r->ci_lo_pct;
	up = higher_better ? r->ci_lo_pct : -r->ci_hi_pct;
	if (down < -r->bound_pct || up > r->bound_pct) {
		r->verdict = down < -r->bound_pct ? FL_VERDICT_WORSE : FL_VERDICT_BETTER;
		snprintf(r->why, sizeof(r->why),
			 "whole CI beyond +-%.1f%% (%g%%; %g x %.1f%% drift, %d nights)",
			 r->bound_pct, t, o->drift_k, r->drift_pct, r->nights);
	} else if (half >= t || o->drift_k * r->drift_pct + half >= 2 * t) {
		r->verdict = FL_VERDICT_BLIND;
		snprintf(r->why, sizeof(r->why),
			 "cannot resolve %g%%: CI +-%.1f%%, %g x %.1f%% drift (%d nights)",
			 2 * t, half, o->drift_k, r->drift_pct, r->nights);
	} else {
		r->verdict = FL_VERDICT_UNCHANGED;
		snprintf(r->why, sizeof(r->why),
			 "CI within +-%.1f%% (%g x %.1f%% drift, %d nights)",
			 r->bound_pct, o->drift_k, r->drift_pct, r->nights);
	}
	return 0;
}
