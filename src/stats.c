/* stats.c - exact quantiles by selection, and summaries. */
#include "stats.h"

#include <math.h>

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
