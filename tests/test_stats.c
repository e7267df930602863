/* Unit tests for stats.c.
 *
 * Reference values were computed independently of this code, either by
 * hand from the type-7 definition (h = (n-1)q, x[floor h] + frac * (next -
 * x[floor h]) on the sorted data) or with Python 3.11's statistics module,
 * whose method='inclusive' is type 7: cut point i of n=100 is the quantile
 * i/100, so P50, P90, P95, P99 are indexes 49, 89, 94, 98 of the result.
 * Python's interpolation rounds differently ((a*(n-d) + b*d)/n), so values
 * are compared to a relative 1e-12 (a few thousand ulps; a wrong rank is
 * off by far more). */
#include <check.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "stats.h"
#include "testutil.h"

#define N_BIG 1000000

static void assert_close(double got, double want, const char *what)
{
	double tol = 1e-12 * (fabs(want) > 1 ? fabs(want) : 1);

	ck_assert_msg(fabs(got - want) <= tol, "%s: got %.17g, want %.17g", what, got, want);
}

/* The 64-bit LCG used on both sides (Knuth's MMIX constants):
 *   x = (x * 6364136223846793005 + 1442695040888963407) % 2**64 */
static uint64_t lcg(uint64_t x)
{
	return x * 6364136223846793005ull + 1442695040888963407ull;
}

/* Heavy ties: 100000 distinct values, each about 10 times.
 *   python3 -c 'import statistics as st
 *   def g(n, x):
 *     out = []
 *     for _ in range(n):
 *       x = (x * 6364136223846793005 + 1442695040888963407) % 2**64
 *       out.append(((x >> 33) % 100000) / 4)
 *     return out
 *   d = g(10**6, 42); q = st.quantiles(d, n=100, method="inclusive")
 *   print([repr(q[i]) for i in (49, 89, 94, 98)], min(d), max(d), q[0],
 *         repr(st.fmean(d)), repr(st.stdev(d)))' */
static double *gen_ties(size_t n, uint64_t x)
{
	double *v = malloc(n * sizeof(*v));

	ck_assert_ptr_nonnull(v);
	for (size_t i = 0; i < n; i++) {
		x = lcg(x);
		v[i] = (double)((x >> 33) % 100000) / 4;
	}
	return v;
}

/* Continuous: (x >> 11) / 2**53 * 100000.0 in Python, same generator;
 *   d = g2(10**6, 1); q = st.quantiles(d, n=100, method="inclusive")
 *   print([repr(q[i]) for i in (0, 49, 89, 94, 98)], repr(min(d)), repr(max(d))) */
static double *gen_cont(size_t n, uint64_t x)
{
	double *v = malloc(n * sizeof(*v));

	ck_assert_ptr_nonnull(v);
	for (size_t i = 0; i < n; i++) {
		x = lcg(x);
		v[i] = (double)(x >> 11) / 9007199254740992.0 * 100000.0;
	}
	return v;
}

static double quantile_of(const double *data, size_t n, double q)
{
	double *v = malloc((n ? n : 1) * sizeof(*v));
	double r;

	ck_assert_ptr_nonnull(v);
	if (n)
		memcpy(v, data, n * sizeof(*v));
	r = e2e_stats_quantile(v, n, q);
	free(v);
	return r;
}

START_TEST(test_small)
{
	/* By hand, and for n >= 2 also with
	 *   python3 -c 'import statistics as st; q = st.quantiles(D, n=100,
	 *   method="inclusive"); print([q[i] for i in (9, 24, 49, 89, 98)])' */
	static const double one[] = { 42.5 };
	static const double two[] = { 20, 10 };
	static const double three[] = { 3, 1, 2 };
	static const double ties[] = { 5, 5, 5, 1, 9, 5 };
	static const struct {
		const double *data;
		size_t n;
		double q, want;
	} cases[] = {
		/* n = 1: every quantile is the value (h = 0). */
		{ one, 1, 0, 42.5 },
		{ one, 1, 0.5, 42.5 },
		{ one, 1, 0.99, 42.5 },
		{ one, 1, 1, 42.5 },
		/* n = 2, D = [10.0, 20.0] -> 11.0 12.5 15.0 19.0 19.9 */
		{ two, 2, 0, 10 },
		{ two, 2, 0.10, 11 },
		{ two, 2, 0.25, 12.5 },
		{ two, 2, 0.5, 15 },
		{ two, 2, 0.9, 19 },
		{ two, 2, 0.99, 19.9 },
		{ two, 2, 1, 20 },
		/* n = 3, D = [3.0, 1.0, 2.0] -> 1.2 1.5 2.0 2.8 2.98 */
		{ three, 3, 0, 1 },
		{ three, 3, 0.10, 1.2 },
		{ three, 3, 0.25, 1.5 },
		{ three, 3, 0.5, 2 },
		{ three, 3, 0.9, 2.8 },
		{ three, 3, 0.99, 2.98 },
		{ three, 3, 1, 3 },
		/* By hand: h = 2 * (1/3) = 0.666..., 1 + 0.666... * 1. */
		{ three, 3, 1.0 / 3, 1 + 2.0 / 3 },
		/* Ties, D = [5.0, 5.0, 5.0, 1.0, 9.0, 5.0] -> 3.0 5.0 5.0 7.0 8.8 */
		{ ties, 6, 0, 1 },
		{ ties, 6, 0.10, 3 },
		{ ties, 6, 0.25, 5 },
		{ ties, 6, 0.5, 5 },
		{ ties, 6, 0.9, 7 },
		{ ties, 6, 0.99, 8.8 },
		{ ties, 6, 1, 9 },
		/* Out-of-range q is clamped to [0, 1]. */
		{ three, 3, -0.5, 1 },
		{ three, 3, 7, 3 },
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char what[64];

		snprintf(what, sizeof(what), "case %zu (n %zu, q %g)", i, cases[i].n, cases[i].q);
		assert_close(quantile_of(cases[i].data, cases[i].n, cases[i].q), cases[i].want, what);
	}
}
END_TEST

START_TEST(test_empty_and_nan)
{
	double v[1] = { 1 };
	double qs[2] = { 0.5, 0.9 }, out[2] = { 0, 0 };

	ck_assert(isnan(e2e_stats_quantile(NULL, 0, 0.5)));
	ck_assert(isnan(e2e_stats_quantile(v, 1, NAN)));
	e2e_stats_quantiles(NULL, 0, qs, 2, out);
	ck_assert(isnan(out[0]) && isnan(out[1]));
}
END_TEST

/* 100 values from the tie generator (seed 7), printed by
 *   python3 -c '...; d = g(100, 7); q = st.quantiles(d, n=100,
 *   method="inclusive"); print([repr(q[i]) for i in (0, 24, 49, 89, 94, 98)],
 *   min(d), max(d), repr(st.fmean(d)), repr(st.stdev(d)))'
 * -> 508.76 8424.0 14009.125 22339.1 23423.8375 24678.8675, min 386.0,
 *    max 24962.75, mean 13612.1425, stdev 6871.45734162679 */
START_TEST(test_hundred)
{
	static const double qs[] = { 0, 0.01, 0.25, 0.5, 0.9, 0.95, 0.99, 1 };
	static const double want[] = { 386.0,	508.76,	    8424.0,	14009.125,
				       22339.1, 23423.8375, 24678.8675, 24962.75 };
	double *v = gen_ties(100, 7), out[8];
	struct e2e_summary s;

	e2e_stats_summary(v, 100, &s);
	ck_assert_uint_eq(s.n, 100);
	assert_close(s.min, 386.0, "min");
	assert_close(s.max, 24962.75, "max");
	assert_close(s.mean, 13612.1425, "mean");
	assert_close(s.sum, 1361214.25, "sum");
	assert_close(s.stddev, 6871.45734162679, "stddev");
	for (size_t i = 0; i < 8; i++)
		assert_close(quantile_of(v, 100, qs[i]), want[i], "single");
	e2e_stats_quantiles(v, 100, qs, 8, out);
	for (size_t i = 0; i < 8; i++)
		assert_close(out[i], want[i], "batch");
	free(v);
}
END_TEST

START_TEST(test_million_ties)
{
	/* Seed 42: ['12494.5', '22495.5', '23738.2625', '24746.5'] 0.0
	 * 24999.75 244.25 12493.79467875 7214.760983842348 */
	static const double qs[] = { 0, 0.01, 0.5, 0.9, 0.95, 0.99, 1 };
	static const double want[] = { 0.0, 244.25, 12494.5, 22495.5, 23738.2625, 24746.5, 24999.75 };
	double *v = gen_ties(N_BIG, 42), out[7];
	struct e2e_summary s;

	e2e_stats_summary(v, N_BIG, &s);
	assert_close(s.mean, 12493.79467875, "mean");
	ck_assert_msg(fabs(s.stddev - 7214.760983842348) < 1e-9, "stddev %.17g", s.stddev);
	assert_close(s.min, 0, "min");
	assert_close(s.max, 24999.75, "max");
	e2e_stats_quantiles(v, N_BIG, qs, 7, out);
	for (size_t i = 0; i < 7; i++)
		assert_close(out[i], want[i], "batch");
	/* The reordered array still holds the same multiset: a second pass
	 * over it (now partly partitioned) gives the same answers. */
	for (size_t i = 0; i < 7; i++)
		assert_close(e2e_stats_quantile(v, N_BIG, qs[i]), want[i], "again");
	free(v);
}
END_TEST

START_TEST(test_million_continuous)
{
	/* Seed 1: ['979.4899115097296', '49968.868617141816',
	 * '89981.02285697605', '94988.7961831035', '98998.08952318695']
	 * 0.28697032693481006 99999.96858143203 */
	static const double qs[] = { 0, 0.01, 0.5, 0.9, 0.95, 0.99, 1 };
	static const double want[] = { 0.28697032693481006, 979.4899115097296, 49968.868617141816,
				       89981.02285697605,   94988.7961831035,  98998.08952318695,
				       99999.96858143203 };
	double *v = gen_cont(N_BIG, 1), out[7];

	e2e_stats_quantiles(v, N_BIG, qs, 7, out);
	for (size_t i = 0; i < 7; i++)
		assert_close(out[i], want[i], "batch");
	free(v);
	/* Each one alone on a fresh copy. */
	for (size_t i = 0; i < 7; i += 3) {
		v = gen_cont(N_BIG, 1);
		assert_close(e2e_stats_quantile(v, N_BIG, qs[i]), want[i], "single");
		free(v);
	}
}
END_TEST

/* Inputs that defeat naive pivots: sorted, reversed, organ pipe, all
 * equal, and two values alternating. Type 7 on 0..n-1 (each once) is
 * (n-1)q by definition. */
START_TEST(test_adversarial)
{
	enum { n = 100001 };
	double *v = malloc(n * sizeof(*v));
	static const double qs[] = { 0, 0.5, 0.9, 0.95, 0.99, 0.999, 1 };

	ck_assert_ptr_nonnull(v);
	for (int shape = 0; shape < 3; shape++) {
		double out[7];

		for (size_t i = 0; i < n; i++) {
			if (shape == 0)
				v[i] = (double)i;
			else if (shape == 1)
				v[i] = (double)(n - 1 - i);
			else
				v[i] = (double)(i < (n + 1) / 2 ? 2 * i : 2 * (n - 1 - i) + 1);
		}
		e2e_stats_quantiles(v, n, qs, 7, out);
		for (size_t i = 0; i < 7; i++)
			assert_close(out[i], (n - 1) * qs[i], "shape");
	}
	for (size_t i = 0; i < n; i++)
		v[i] = 3.5;
	assert_close(e2e_stats_quantile(v, n, 0.95), 3.5, "equal");
	for (size_t i = 0; i < n; i++)
		v[i] = (double)(i % 2);
	/* Sorted: 50001 zeros (ranks 0..50000), then 50000 ones. */
	assert_close(e2e_stats_quantile(v, n, 0.5), 0, "alternating");
	/* h = 100000 * 0.500005 = 50000.5 up to rounding of q. */
	ck_assert(fabs(e2e_stats_quantile(v, n, 0.500005) - 0.5) < 1e-6);
	assert_close(e2e_stats_quantile(v, n, 0.6), 1, "alternating");
	free(v);
}
END_TEST

/* A non-ascending qs is allowed too (each answer still exact). */
START_TEST(test_unordered_qs)
{
	static const double qs[] = { 0.99, 0.5, 1, 0, 0.25 };
	static const double want[] = { 24678.8675, 14009.125, 24962.75, 386.0, 8424.0 };
	double *v = gen_ties(100, 7), out[5];

	e2e_stats_quantiles(v, 100, qs, 5, out);
	for (size_t i = 0; i < 5; i++)
		assert_close(out[i], want[i], "unordered");
	free(v);
}
END_TEST

/* Reference values from the distributions' definitions (numerical
 * integration of the t density, Abramowitz & Stegun for the rest). */
START_TEST(test_distributions)
{
	static const struct {
		double p, df, want;
	} tq[] = {
		{ 0.975, 1, 12.7062047 },
		{ 0.975, 4, 2.7764451 },
		{ 0.975, 24, 2.0638986 },
		{ 0.999, 10, 4.1437005 },
		{ 0.9995, 4, 8.6103016 },
		{ 0.995, 2, 9.9248432 },
		{ 0.99, 30, 2.4572615 },
		{ 0.025, 4, -2.7764451 },
		{ 0.5, 7, 0 },
		{ 0.975, INFINITY, 1.959964 },
		/* Cauchy: tan(pi (p - 1/2)) */
		{ 0.9998, 1, 1591.5494 },
		{ 0.0002, 1, -1591.5494 },
	};
	static const struct {
		double x, df, want;
	} tu[] = {
		{ 2, 5, 0.0509697394 },		  { 1, 1, 0.25 }, { 0, 3, 0.5 }, { -1, 1, 0.75 },
		{ 1.959963985, INFINITY, 0.025 },
	};

	for (size_t i = 0; i < sizeof(tq) / sizeof(tq[0]); i++)
		ck_assert_msg(fabs(e2e_stats_t_quantile(tq[i].p, tq[i].df) - tq[i].want) <
				      2e-6 * (fabs(tq[i].want) > 1 ? fabs(tq[i].want) : 1),
			      "t quantile %g, df %g: %.9g", tq[i].p, tq[i].df,
			      e2e_stats_t_quantile(tq[i].p, tq[i].df));
	for (size_t i = 0; i < sizeof(tu) / sizeof(tu[0]); i++)
		ck_assert_msg(fabs(e2e_stats_t_upper(tu[i].x, tu[i].df) - tu[i].want) < 1e-9,
			      "P(T > %g), df %g: %.12g", tu[i].x, tu[i].df,
			      e2e_stats_t_upper(tu[i].x, tu[i].df));
	ck_assert_double_eq(e2e_stats_t_upper(NAN, 4), 1);
	ck_assert(isinf(e2e_stats_t_quantile(1, 4)) && isinf(e2e_stats_t_quantile(0, 4)));
	ck_assert_double_eq_tol(e2e_stats_norm_quantile(0.975), 1.959963985, 1e-8);
	ck_assert_double_eq_tol(e2e_stats_norm_quantile(0.9999), 3.719016485, 1e-8);
	ck_assert_double_eq_tol(e2e_stats_norm_quantile(1e-10), -6.361340902, 1e-7);
	ck_assert(isinf(e2e_stats_norm_quantile(0)) && e2e_stats_norm_quantile(0) < 0);
	ck_assert(isinf(e2e_stats_norm_quantile(1)) && e2e_stats_norm_quantile(1) > 0);
	ck_assert_double_eq_tol(e2e_stats_digamma(1), -0.5772156649, 1e-8);
	ck_assert_double_eq_tol(e2e_stats_digamma(0.5), -1.9635100260, 1e-8);
	ck_assert_double_eq_tol(e2e_stats_trigamma(1), M_PI * M_PI / 6, 1e-8);
	ck_assert_double_eq_tol(e2e_stats_trigamma(0.5), M_PI * M_PI / 2, 1e-8);
}
END_TEST

START_TEST(test_summary_edges)
{
	struct e2e_summary s;
	double one = 7;

	memset(&s, 0xff, sizeof(s));
	e2e_stats_summary(NULL, 0, &s);
	ck_assert_uint_eq(s.n, 0);
	ck_assert(s.min == 0 && s.max == 0 && s.mean == 0 && s.stddev == 0 && s.sum == 0);
	e2e_stats_summary(&one, 1, &s);
	ck_assert(s.n == 1 && s.min == 7 && s.max == 7 && s.mean == 7 && s.stddev == 0 && s.sum == 7);
	/* By hand: [2, 4, 4, 4, 5, 5, 7, 9]: mean 5, squared deviations sum
	 * 32, sample variance 32/7. */
	static const double d[] = { 2, 4, 4, 4, 5, 5, 7, 9 };
	e2e_stats_summary(d, 8, &s);
	assert_close(s.mean, 5, "mean");
	assert_close(s.stddev, sqrt(32.0 / 7), "stddev");
	assert_close(s.min, 2, "min");
	assert_close(s.max, 9, "max");
}
END_TEST

/* The helpers the gate and the advice share: type 7 on sorted values,
 * the median, the sort. */
START_TEST(test_sorted_helpers)
{
	static const double v[] = { 1, 2, 3, 4, 10 };
	double odd[] = { 10, 1, 4, 3, 2 }, even[] = { 4, 1, 3, 2 }, s[] = { 3, NAN, -1, 2, 2 };

	ck_assert(e2e_stats_quantile_sorted(v, 5, 0.5) == 3);
	ck_assert(fabs(e2e_stats_quantile_sorted(v, 5, 0.9) - 7.6) < 1e-12);
	ck_assert(e2e_stats_quantile_sorted(v, 5, 1) == 10);
	ck_assert(e2e_stats_quantile_sorted(v, 5, -1) == 1);
	ck_assert(e2e_stats_quantile_sorted(v, 1, 0.3) == 1);
	ck_assert(isnan(e2e_stats_quantile_sorted(v, 0, 0.5)));
	ck_assert(e2e_stats_median(odd, 5) == 3);
	ck_assert(e2e_stats_median(even, 4) == 2.5);
	ck_assert(isnan(e2e_stats_median(even, 0)));
	e2e_stats_sort(s, 5);
	ck_assert(s[0] == -1 && s[1] == 2 && s[2] == 2 && s[3] == 3 && isnan(s[4]));
	e2e_stats_sort(s, 0);
}
END_TEST

/* The quantile band on 1, 2, 4, 8, 16 (type 7: h = 4u), cases worked by
 * hand: cell centres on order statistics, between them, and the variance
 * d_j d_k (min(u_j, u_k) - u_j u_k) / (n (hi - lo)^2) summed over cells. */
START_TEST(test_band)
{
	static const double v[] = { 1, 2, 4, 8, 16 };
	struct e2e_stats_sorted s = { v, 5 }, one = { v, 1 }, bad = { (const double[]){ 0, 0, 1 }, 3 };
	double l2 = log(2);
	static const struct {
		double lo, hi;
		size_t grid;
		double want; /* in units of log 2 */
	} mean[] = {
		{ 0.375, 0.875, 2, 2.5 }, /* u = 0.5, 0.75: x[2], x[3] */
		{ 0.5, 1.0, 2, -1 }, /* u = 0.625, 0.875: 6 and 12 */
		{ 0, 1, 1, 2 }, /* u = 0.5: the median */
		{ 0.125, 0.875, 3, 2 }, /* u = 0.25, 0.5, 0.75: 2, 4, 8 */
	};
	static const struct {
		double lo, hi;
		size_t grid;
		double n, want; /* in units of (log 2)^2 */
	} var[] = {
		/* one cell, edges 4 and 16, u = 0.75: 4 x 0.1875 / (5 x 0.25) */
		{ 0.5, 1.0, 1, 5, 0.6 },
		/* cells 4..8, 8..16 at u = 0.625, 0.875: (0.234375 + 0.109375 +
		 * 2 x 0.078125) / 0.25 / n */
		{ 0.5, 1.0, 2, 4, 0.5 },
		{ 0.5, 1.0, 2, 0.5, 0 }, /* n < 1 */
		{ 0.5, 0.5, 2, 4, 0 }, /* empty band */
	};

	for (size_t i = 0; i < sizeof(mean) / sizeof(mean[0]); i++) {
		double got = e2e_stats_band_log_mean(e2e_stats_sorted_qfn, &s, mean[i].lo, mean[i].hi,
						     mean[i].grid);
		double want = mean[i].want < 0 ? 0.5 * log(72) : mean[i].want * l2;

		ck_assert_msg(fabs(got - want) < 1e-12, "mean case %zu: %.15g, want %.15g", i, got, want);
	}
	for (size_t i = 0; i < sizeof(var) / sizeof(var[0]); i++) {
		double got = e2e_stats_band_log_var(e2e_stats_sorted_qfn, &s, var[i].lo, var[i].hi,
						    var[i].grid, var[i].n);

		ck_assert_msg(fabs(got - var[i].want * l2 * l2) < 1e-12, "var case %zu: %.15g", i, got);
	}
	ck_assert(e2e_stats_band_log_mean(e2e_stats_sorted_qfn, &one, 0.9, 1, 4) == 0);
	ck_assert(e2e_stats_band_log_var(e2e_stats_sorted_qfn, &one, 0.9, 1, 4, 10) == 0);
	ck_assert(isnan(e2e_stats_band_log_mean(e2e_stats_sorted_qfn, &bad, 0, 1, 4)));
	ck_assert(e2e_stats_band_log_var(e2e_stats_sorted_qfn, &bad, 0, 1, 4, 10) == 0);
	ck_assert(isnan(e2e_stats_band_log_mean(e2e_stats_sorted_qfn, &s, 0, 1, 0)));
}
END_TEST

static Suite *stats_suite(void)
{
	Suite *s = suite_create("stats");
	TCase *tc = tcase_create("quantile");

	tcase_add_test(tc, test_small);
	tcase_add_test(tc, test_empty_and_nan);
	tcase_add_test(tc, test_hundred);
	tcase_add_test(tc, test_unordered_qs);
	tcase_add_test(tc, test_adversarial);
	suite_add_tcase(s, tc);

	tc = tcase_create("million");
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_million_ties);
	tcase_add_test(tc, test_million_continuous);
	suite_add_tcase(s, tc);

	tc = tcase_create("summary");
	tcase_add_test(tc, test_summary_edges);
	suite_add_tcase(s, tc);
	tc = tcase_create("sorted");
	tcase_add_test(tc, test_sorted_helpers);
	tcase_add_test(tc, test_band);
	suite_add_tcase(s, tc);
	tc = tcase_create("distributions");
	tcase_add_test(tc, test_distributions);
	suite_add_tcase(s, tc);
	return s;
}

E2E_TEST_MAIN(stats_suite)
