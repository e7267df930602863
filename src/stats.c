/* stats.c - exact quantiles by selection, and summaries. */
#include "stats.h"

#include <math.h>
#include <stdbool.h>
#include <stdlib.h>

#include "banned.h"

/* A strict weak order that puts NaN after every number, so a stray NaN can
 * neither run a partition scan out of bounds nor break its termination. */
static inline int lt(double a, double b)
{
	return a < b || (isnan(b) && !isnan(a));
}

static inline void swap(double *v, size_t i, size_t j)
{
	double t = v[i];

	v[i] = v[j];
	v[j] = t;
}

static void insertion_sort(double *v, size_t lo, size_t hi)
{
	for (size_t i = lo + 1; i < hi; i++) {
		double x = v[i];
		size_t j = i;

		while (j > lo && lt(x, v[j - 1])) {
			v[j] = v[j - 1];
			j--;
		}
		v[j] = x;
	}
}

static void sift_down(double *v, size_t root, size_t n)
{
	for (;;) {
		size_t c = 2 * root + 1;

		if (c >= n)
			return;
		if (c + 1 < n && lt(v[c], v[c + 1]))
			c++;
		if (!lt(v[root], v[c]))
			return;
		swap(v, root, c);
		root = c;
	}
}

/* Worst-case fallback of the introselect: heapsort of v[0..n-1]. */
static void heap_sort(double *v, size_t n)
{
	for (size_t i = n / 2; i-- > 0;)
		sift_down(v, i, n);
	for (size_t end = n; end-- > 1;) {
		swap(v, 0, end);
		sift_down(v, 0, end);
	}
}

/* Puts the k-th smallest of v[lo..hi-1] at v[k], smaller-or-equal ones
 * before it and greater-or-equal ones after it (lo <= k < hi). Median-of-
 * three Hoare partitioning (balanced on ties); after 2 log2(n) rounds
 * without convergence the remaining range is heapsorted. */
static void select_k(double *v, size_t lo, size_t hi, size_t k)
{
	unsigned budget = 0;

	for (size_t m = hi - lo; m > 1; m >>= 1)
		budget += 2;
	while (hi - lo > 16) {
		if (budget-- == 0) {
			heap_sort(v + lo, hi - lo);
			return;
		}
		size_t mid = lo + (hi - lo) / 2;
		if (lt(v[mid], v[lo]))
			swap(v, mid, lo);
		if (lt(v[hi - 1], v[mid])) {
			swap(v, hi - 1, mid);
			if (lt(v[mid], v[lo]))
				swap(v, mid, lo);
		}
		swap(v, lo, mid);
		/* Hoare with the pivot at v[lo]: lo <= j < hi - 1, so both
		 * parts are non-empty and the range always shrinks. */
		double p = v[lo];
		size_t i = lo, j = hi;
		i--;
		for (;;) {
			do
				i++;
			while (lt(v[i], p));
			do
				j--;
			while (lt(p, v[j]));
			if (i >= j)
				break;
			swap(v, i, j);
		}
		if (k <= j)
			hi = j + 1;
		else
			lo = j + 1;
	}
	insertion_sort(v, lo, hi);
}

static size_t min_index(const double *v, size_t lo, size_t hi)
{
	size_t m = lo;

	for (size_t i = lo + 1; i < hi; i++)
		if (lt(v[i], v[m]))
			m = i;
	return m;
}

/* Type 7 for q on v[0..n-1] where v[0..from-1] are known to be <= every
 * element of v[from..n-1] (from <= the rank needed). Returns the rank k
 * whose value now sits at v[k] with everything after it >= v[k]. */
static double quantile_from(double *v, size_t n, size_t from, double q, size_t *rank)
{
	double h, frac, a, b;
	size_t k, m;

	if (q <= 0)
		q = 0;
	if (q >= 1)
		q = 1;
	h = (double)(n - 1) * q;
	k = (size_t)floor(h);
	if (k > n - 1)
		k = n - 1;
	if (k < from)
		from = 0;
	select_k(v, from, n, k);
	*rank = k;
	a = v[k];
	frac = h - (double)k;
	if (frac <= 0 || k + 1 >= n)
		return a;
	/* Move the next order statistic to k + 1 so a later, larger rank can
	 * start its selection after it. */
	m = min_index(v, k + 1, n);
	swap(v, k + 1, m);
	b = v[k + 1];
	return a + frac * (b - a);
}

double e2e_stats_quantile(double *v, size_t n, double q)
{
	size_t k;

	if (n == 0 || isnan(q))
		return NAN;
	return quantile_from(v, n, 0, q, &k);
}

void e2e_stats_quantiles(double *v, size_t n, const double *qs, size_t nq, double *out)
{
	size_t from = 0, k;

	for (size_t i = 0; i < nq; i++) {
		if (n == 0 || isnan(qs[i])) {
			out[i] = NAN;
			continue;
		}
		out[i] = quantile_from(v, n, from, qs[i], &k);
		/* v[0..k] are now the k + 1 smallest, in no particular order
		 * except that v[k] is their maximum: a later rank >= k can
		 * select within v[k..n-1]. */
		from = k;
	}
}

double e2e_stats_median(double *v, size_t n)
{
	return e2e_stats_quantile(v, n, 0.5);
}

double e2e_stats_quantile_sorted(const double *sorted, size_t n, double q)
{
	double h, lo;
	size_t i;

	if (!n)
		return NAN;
	h = (double)(n - 1) * (q < 0 ? 0 : q > 1 ? 1 : q);
	lo = floor(h);
	i = (size_t)lo;
	if (i + 1 >= n)
		return sorted[n - 1];
	return sorted[i] + (h - lo) * (sorted[i + 1] - sorted[i]);
}

double e2e_stats_sorted_qfn(const void *ctx, double q)
{
	const struct e2e_stats_sorted *s = ctx;

	return e2e_stats_quantile_sorted(s->v, s->n, q);
}

double e2e_stats_band_log_mean(e2e_stats_qfn qf, const void *ctx, double lo, double hi, size_t grid)
{
	double sum = 0;

	if (!grid)
		return NAN;
	for (size_t j = 0; j < grid; j++) {
		double v = qf(ctx, lo + ((double)j + 0.5) * (hi - lo) / (double)grid);

		if (!(v > 0))
			return NAN;
		sum += log(v);
	}
	return sum / (double)grid;
}

double e2e_stats_band_log_var(e2e_stats_qfn qf, const void *ctx, double lo, double hi, size_t grid, double n)
{
	double var = 0, prev, w = hi - lo;

	if (!(n >= 1) || !grid || !(w > 0))
		return 0;
	prev = qf(ctx, lo);
	if (!(prev > 0))
		return 0;
	prev = log(prev);
	/* var = sum_j d_j (d_j K(u_j, u_j) + 2 sum_{k<j} d_k K(u_k, u_j)), and
	 * for u_k <= u_j K = u_k (1 - u_j): the inner sum is (1 - u_j) times
	 * the running sum of d_k u_k */
	{
		double run = 0;

		for (size_t j = 0; j < grid; j++) {
			double u = lo + ((double)j + 0.5) * w / (double)grid;
			double v = qf(ctx, lo + (double)(j + 1) * w / (double)grid), d;

			if (!(v > 0))
				return 0;
			v = log(v);
			d = v - prev;
			prev = v;
			var += d * (d * u * (1 - u) + 2 * (1 - u) * run);
			run += d * u;
		}
	}
	return var / (n * w * w);
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return lt(x, y) ? -1 : lt(y, x);
}

void e2e_stats_sort(double *v, size_t n)
{
	if (n)
		qsort(v, n, sizeof(*v), cmp_double);
}

void e2e_stats_summary(const double *v, size_t n, struct e2e_summary *out)
{
	struct e2e_summary s = { 0 };

	if (n > 0) {
		double sum = 0, ss = 0;

		s.min = s.max = v[0];
		for (size_t i = 0; i < n; i++) {
			sum += v[i];
			if (v[i] < s.min)
				s.min = v[i];
			if (v[i] > s.max)
				s.max = v[i];
		}
		s.n = n;
		s.sum = sum;
		s.mean = sum / (double)n;
		for (size_t i = 0; i < n; i++)
			ss += (v[i] - s.mean) * (v[i] - s.mean);
		s.stddev = n > 1 ? sqrt(ss / (double)(n - 1)) : 0;
	}
	*out = s;
}

/* ---- distributions (the gate's tests) ---------------------------------- */

/* Inverse standard normal CDF (Acklam; relative error < 1.2e-9). */
double e2e_stats_norm_quantile(double p)
{
	static const double a[] = { -3.969683028665376e+01, 2.209460984245205e+02,  -2.759285104469687e+02,
				    1.383577518672690e+02,  -3.066479806614716e+01, 2.506628277459239e+00 };
	static const double b[] = { -5.447609879822406e+01, 1.615858368580409e+02, -1.556989798598866e+02,
				    6.680131188771972e+01, -1.328068155288572e+01 };
	static const double c[] = { -7.784894002430293e-03, -3.223964580411365e-01, -2.400758277161838e+00,
				    -2.549732539343734e+00, 4.374664141464968e+00,  2.938163982698783e+00 };
	static const double d[] = { 7.784695709041462e-03, 3.224671290700398e-01, 2.445134137142996e+00,
				    3.754408661907416e+00 };
	double q, r;

	if (p <= 0)
		return -INFINITY;
	if (p >= 1)
		return INFINITY;
	if (p < 0.02425) {
		q = sqrt(-2 * log(p));
		return (((((c[0] * q + c[1]) * q + c[2]) * q + c[3]) * q + c[4]) * q + c[5]) /
		       ((((d[0] * q + d[1]) * q + d[2]) * q + d[3]) * q + 1);
	}
	if (p > 1 - 0.02425)
		return -e2e_stats_norm_quantile(1 - p);
	q = p - 0.5;
	r = q * q;
	return (((((a[0] * r + a[1]) * r + a[2]) * r + a[3]) * r + a[4]) * r + a[5]) * q /
	       (((((b[0] * r + b[1]) * r + b[2]) * r + b[3]) * r + b[4]) * r + 1);
}

/* Regularised incomplete beta I_x(a, b) by its continued fraction
 * (modified Lentz), on the side where it converges fast. */
static double inc_beta(double x, double a, double b)
{
	double front, c = 1, d, f, tiny = 1e-300;
	bool flip = x > (a + 1) / (a + b + 2);

	if (x <= 0)
		return 0;
	if (x >= 1)
		return 1;
	if (flip) {
		double t = a;

		a = b;
		b = t;
		x = 1 - x;
	}
	front = exp(lgamma(a + b) - lgamma(a) - lgamma(b) + a * log(x) + b * log1p(-x)) / a;
	d = 1 - (a + b) * x / (a + 1);
	d = 1 / (fabs(d) < tiny ? tiny : d);
	f = d;
	for (int i = 1; i <= 300; i++) {
		double num = i * (b - i) * x / ((a + 2 * i - 1) * (a + 2 * i)), delta;

		d = 1 + num * d;
		d = 1 / (fabs(d) < tiny ? tiny : d);
		c = 1 + num / c;
		c = fabs(c) < tiny ? tiny : c;
		f *= c * d;
		num = -(a + i) * (a + b + i) * x / ((a + 2 * i) * (a + 2 * i + 1));
		d = 1 + num * d;
		d = 1 / (fabs(d) < tiny ? tiny : d);
		c = 1 + num / c;
		c = fabs(c) < tiny ? tiny : c;
		delta = c * d;
		f *= delta;
		if (fabs(delta - 1) < 1e-12)
			break;
	}
	return flip ? 1 - front * f : front * f;
}

/* P(T > x) for Student's t with df degrees of freedom (normal when df is
 * infinite). */
double e2e_stats_t_upper(double x, double df)
{
	double p;

	if (isnan(x))
		return 1;
	if (!(df < 1e6))
		return 0.5 * erfc(x / M_SQRT2);
	p = 0.5 * inc_beta(df / (df + x * x), df / 2, 0.5);
	return x >= 0 ? p : 1 - p;
}

/* Student t quantile: the x with P(T <= x) = p, by bisection on t_upper
 * (to 1e-9 at any df, where series expansions fail at small df and
 * extreme p). */
double e2e_stats_t_quantile(double p, double df)
{
	double a, lo = 0, hi = 1;

	if (!(df < 1e6))
		return e2e_stats_norm_quantile(p);
	if (!(p > 0))
		return -INFINITY;
	if (!(p < 1))
		return INFINITY;
	if (p < 0.5)
		return -e2e_stats_t_quantile(1 - p, df);
	a = 1 - p; /* the upper tail wanted */
	while (e2e_stats_t_upper(hi, df) > a && hi < 1e300)
		hi *= 2; /* one df at p = 0.9999 is already 3183 */
	for (int i = 0; i < 400 && hi - lo > 1e-10 * (hi > 1 ? hi : 1); i++) {
		double mid = (lo + hi) / 2;

		if (e2e_stats_t_upper(mid, df) > a)
			lo = mid;
		else
			hi = mid;
	}
	return (lo + hi) / 2;
}

/* Digamma and trigamma by recurrence and their asymptotic series. */
double e2e_stats_digamma(double x)
{
	double r = 0, f;

	while (x < 6) {
		r -= 1 / x;
		x += 1;
	}
	f = 1 / (x * x);
	return r + log(x) - 0.5 / x - f * (1.0 / 12 - f * (1.0 / 120 - f * (1.0 / 252)));
}

double e2e_stats_trigamma(double x)
{
	double r = 0, f;

	while (x < 6) {
		r += 1 / (x * x);
		x += 1;
	}
	f = 1 / (x * x);
	return r + 1 / x + f / 2 + f / x * (1.0 / 6 - f * (1.0 / 30 - f * (1.0 / 42)));
}
