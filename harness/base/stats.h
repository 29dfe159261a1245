/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Two-sample statistics for `faultline compare`: the Hodges-Lehmann shift
 * with its exact Mann-Whitney confidence interval, and the verdict of one
 * metric (better / worse / unchanged / too noisy), alone or, for the
 * nightly, against a pool of earlier nights that knows its own drift. The
 * method and why it was chosen: stats.c and the README's "Statistics".
 */
#ifndef FL_STATS_H
#define FL_STATS_H

#include <stdbool.h>

enum fl_verdict {
	FL_VERDICT_UNCHANGED,
	FL_VERDICT_BETTER,
	FL_VERDICT_WORSE,
	FL_VERDICT_NOISY,
	FL_VERDICT_BLIND,	/* a pool's night cannot resolve 2x the threshold */
	FL_VERDICT_UNTRUSTWORTHY,	/* too few samples left that can be trusted */
	FL_VERDICT_KNOWN,	/* a stress check failed as expected */
	FL_VERDICT_NR,
};

/*
 * "unchanged", "better", "worse", "noisy", "blind", "untrustworthy",
 * "known".
 */
const char *fl_verdict_str(enum fl_verdict v);

/*
 * Median of the finite values of @v[0..n) (moved to the front and sorted
 * in place); NAN when there are none.
 */
double fl_stats_median(double *v, int n);

/*
 * P(U <= u) for the Mann-Whitney count U (pairs x < y) of samples of
 * sizes @m and @n under the null hypothesis, without ties; exact.
 * NAN when m or n is 0 or the sizes are too large for the exact table.
 */
double fl_mw_cdf(int m, int n, int u);

/*
 * The rank k of the exact two-sided Mann-Whitney interval at confidence
 * @conf: the interval is [d(k), d(mn+1-k)] of the mn sorted differences.
 * Its real coverage (>= conf) goes to @coverage. 0 when no interval with
 * that confidence exists for these sizes (3 vs 3 at 95%, for example).
 */
int fl_mw_ci_rank(int m, int n, double conf, double *coverage);

/* Hodges-Lehmann shift: the median of all y[j] - x[i]. NAN when empty. */
double fl_hodges_lehmann(const double *x, int m, const double *y, int n);

/* What one metric's comparison found. Percentages are of BASE. */
struct fl_stats_cmp {
	enum fl_verdict verdict;
	double base_median, cur_median;
	double change_pct;	/* cur/base median - 1, in %; NAN if base is 0 */
	double shift_pct;	/* Hodges-Lehmann shift, in % */
	bool has_ci;
	double ci_lo_pct, ci_hi_pct;
	double coverage;	/* the interval's exact coverage */
	bool log_scale;		/* false when a value was <= 0 */
	/* Against a pool (fl_stats_pool); NAN otherwise. */
	int nights;		/* pool nights with samples */
	double drift_pct;	/* run-to-run spread of a night's median */
	double bound_pct;	/* what a change must clear: max(T, k x drift) */
	char why[96];
};

struct fl_stats_opts {
	double confidence;	/* 0.95 */
	double threshold_pct;	/* smaller changes are "unchanged" */
	double noise_pct;	/* a CI holding 0 that reaches past this: noisy */
	int min_n;		/* fewer samples on a side: noisy */
	double drift_k;		/* fl_stats_pool: k, the drifts a change must clear */
};

/* Defaults: 95%, threshold 2%, noise 10%, at least 3 per side, k = 2. */
void fl_stats_opts_default(struct fl_stats_opts *o);

/*
 * Compare samples @base[0..m) and @cur[0..n) (finite values only) of a
 * metric where @higher_better says which way is better. Returns 0, or
 * -ENOMEM.
 */
int fl_stats_compare(const double *base, int m, const double *cur, int n,
		     bool higher_better, const struct fl_stats_opts *o,
		     struct fl_stats_cmp *out);

/*
 * One night (@cur) against a pool of nights: @base[i] came from night
 * @night[i]. The interval is fl_stats_compare()'s; the drift is the larger
 * of the standard deviation of the pool's night medians and the standard
 * error of a night's median that the repetitions within nights imply
 * (both in % on the working scale). Verdict:
 *   worse, better  the whole interval lies beyond max(threshold, k x drift)
 *   blind          otherwise, when a change of twice the threshold could
 *                  not have been called: no interval, an interval wider
 *                  than +-threshold, or k x drift + half the interval at
 *                  or beyond twice the threshold
 *   unchanged      otherwise
 * Returns 0 or -ENOMEM.
 */
int fl_stats_pool(const double *base, const int *night, int m,
		  const double *cur, int n, bool higher_better,
		  const struct fl_stats_opts *o, struct fl_stats_cmp *out);

#endif /* FL_STATS_H */
