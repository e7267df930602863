/* stats.h - exact descriptive statistics on raw samples. Pure functions,
 * no I/O. */
#ifndef E2E_STATS_H
#define E2E_STATS_H

#include <stddef.h>
#include <stdint.h>

/* Quantile q in [0,1] of v[0..n-1], Hyndman-Fan type 7 (numpy's default
 * "linear"): h = (n-1)q, result = x[floor h] + (h - floor h)(x[floor h + 1]
 * - x[floor h]) on the sorted values. Reorders v in place (selection,
 * O(n) expected, no full sort). n == 0 returns NAN. */
double e2e_stats_quantile(double *v, size_t n, double q);

/* Several quantiles at once (qs ascending), reusing the partitioning of the
 * previous one; out[i] for qs[i]. Reorders v. */
void e2e_stats_quantiles(double *v, size_t n, const double *qs, size_t nq, double *out);

/* The median (type 7 at 0.5: the mean of the middle two for an even n) of
 * v[0..n-1]. Reorders v. NAN when n is 0. */
double e2e_stats_median(double *v, size_t n);

/* Type 7 for q on values already sorted ascending (not changed); NAN when
 * n is 0. */
double e2e_stats_quantile_sorted(const double *sorted, size_t n, double q);

/* A quantile function: the value at q in [0,1] of some distribution
 * (sorted samples, a histogram). */
typedef double (*e2e_stats_qfn)(const void *ctx, double q);

/* ctx of e2e_stats_sorted_qfn: values sorted ascending (not owned). */
struct e2e_stats_sorted {
	const double *v;
	size_t n;
};

/* e2e_stats_quantile_sorted() as an e2e_stats_qfn. */
double e2e_stats_sorted_qfn(const void *ctx, double q);

/* A band of quantiles, the gate's lower-variance tail statistic: the mean
 * of log qf(u) over grid cells of [lo, hi] (at the centres u_j = lo + (j +
 * 1/2)(hi - lo) / grid). NAN when a value is not positive. */
double e2e_stats_band_log_mean(e2e_stats_qfn qf, const void *ctx, double lo, double hi, size_t grid);

/* Its sampling variance at n observations (Bahadur's representation):
 * sum over cells j, k of d_j d_k (min(u_j, u_k) - u_j u_k) / (n (hi -
 * lo)^2), d_j the rise of log qf across cell j. 0 when n < 1 or a value
 * is not positive. */
double e2e_stats_band_log_var(e2e_stats_qfn qf, const void *ctx, double lo, double hi, size_t grid, double n);

/* Sorts v[0..n-1] ascending (NAN last). */
void e2e_stats_sort(double *v, size_t n);

struct e2e_summary {
	size_t n;
	double min, max, mean;
	double stddev; /* sample standard deviation (n-1); 0 when n < 2 */
	double sum;
};

/* Summary of v (not reordered). All fields 0 (and n 0) when n == 0. */
void e2e_stats_summary(const double *v, size_t n, struct e2e_summary *out);

/* Distributions for the gate's tests. */

/* Inverse standard normal CDF (Acklam, relative error < 1.2e-9):
 * -INFINITY at p <= 0, INFINITY at p >= 1. */
double e2e_stats_norm_quantile(double p);

/* P(T > x) for Student's t with df degrees of freedom; the normal's when
 * df is infinite (or >= 1e6). 1 for a NAN x. */
double e2e_stats_t_upper(double x, double df);

/* The x with P(T <= x) = p, to a relative 1e-10; -INFINITY at p <= 0,
 * INFINITY at p >= 1. */
double e2e_stats_t_quantile(double p, double df);

/* Digamma and trigamma of x > 0. */
double e2e_stats_digamma(double x);
double e2e_stats_trigamma(double x);

#endif
