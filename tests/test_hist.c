/* Unit tests for hist.c: the 1 % error bound against exact type-7
 * quantiles (stats.c) over several distributions and sizes, merge, the
 * text encoding and its validation. */
#include <check.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "error.h"
#include "hist.h"
#include "stats.h"
#include "testutil.h"

/* xorshift64*: deterministic, platform-independent. */
static uint64_t rng_state;

static double uniform01(void)
{
	rng_state ^= rng_state >> 12;
	rng_state ^= rng_state << 25;
	rng_state ^= rng_state >> 27;
	return (double)((rng_state * 2685821657736338717ull) >> 11) / 9007199254740992.0;
}

static double normal(void)
{
	double u = uniform01(), v = uniform01();

	return sqrt(-2 * log(1 - u)) * cos(2 * M_PI * v);
}

enum dist { LOGNORMAL, BIMODAL, UNIFORM, HEAVY, INT_SMALL, SUB_US, N_DIST };
static const char *const dist_name[] = { "lognormal",  "bimodal",   "uniform",
					 "heavy-tail", "int-small", "sub-us" };

static double draw(enum dist d)
{
	double x;

	switch (d) {
	case LOGNORMAL: /* median 20 ms, sigma 1 */
		return exp(log(20000) + normal());
	case BIMODAL: /* cache hits around 2 ms, misses around 150 ms */
		x = uniform01() < 0.7 ? 2000 + 200 * normal() : 150000 + 20000 * normal();
		return x < 0 ? 0 : x;
	case UNIFORM:
		return uniform01() * 1e6;
	case HEAVY: /* Pareto alpha 1.2 from 500 us, cut at one hour */
		x = 500 / pow(1 - uniform01(), 1 / 1.2);
		return x > 3.6e9 ? 3.6e9 : x;
	case INT_SMALL: /* whole microseconds, mean 50, many ties and zeros */
		return floor(-50 * log(1 - uniform01()));
	case SUB_US: /* fractions of a microsecond down to 1 ns */
		return 0.001 + uniform01() * 2;
	default:
		return 0;
	}
}

/* Worst relative error seen by this test (run on 2 cores, glibc, x86-64):
 * 0.7813 % (int-small n=100 q=0.05: the value 1 read as the midpoint of
 * [1, 1 + 1/64)), the 1/128 bound of the layout. */
START_TEST(test_error_bound)
{
	static const size_t sizes[] = { 1, 2, 3, 10, 100, 1000, 10000, 100000 };
	double qs[101 + 6], exact[101 + 6], worst = 0;
	size_t nq = 0;
	const char *worst_at = "";
	char where[128] = "";

	for (int i = 0; i <= 100; i++) {
		qs[nq++] = i / 100.0;
		if (i == 0)
			qs[nq++] = 0.001;
		if (i == 99) {
			qs[nq++] = 0.995;
			qs[nq++] = 0.999;
			qs[nq++] = 0.9999;
		}
	}
	for (int d = 0; d < N_DIST; d++) {
		for (size_t si = 0; si < sizeof(sizes) / sizeof(sizes[0]); si++) {
			size_t n = sizes[si];
			double *v = malloc(n * sizeof(*v));
			struct e2e_hist *h = e2e_hist_create();

			ck_assert_ptr_nonnull(v);
			rng_state = 0x9e3779b97f4a7c15ull + (uint64_t)d * 1000003 + n;
			for (size_t i = 0; i < n; i++) {
				v[i] = draw((enum dist)d);
				e2e_hist_add(h, v[i]);
			}
			ck_assert_uint_eq(e2e_hist_count(h), n);
			e2e_stats_quantiles(v, n, qs, nq, exact);
			for (size_t i = 0; i < nq; i++) {
				double got = e2e_hist_quantile(h, qs[i]);
				double err = exact[i] == 0 ? fabs(got) : fabs(got - exact[i]) / exact[i];

				ck_assert_msg(err <= 0.01, "%s n=%zu q=%g: hist %.17g exact %.17g (%.4f %%)",
					      dist_name[d], n, qs[i], got, exact[i], 100 * err);
				if (err > worst) {
					worst = err;
					snprintf(where, sizeof(where), "%s n=%zu q=%g", dist_name[d], n,
						 qs[i]);
					worst_at = where;
				}
			}
			e2e_hist_destroy(h);
			free(v);
		}
	}
	printf("hist: worst relative quantile error %.4f %% (%s)\n", 100 * worst, worst_at);
	ck_assert(worst > 0.001); /* the comparison really ran over bucketed values */
}
END_TEST

START_TEST(test_exact_ends_and_stats)
{
	struct e2e_hist *h = e2e_hist_create();
	static const double vals[] = { 1234.5, 7.25, 99999.125, 500 };

	ck_assert(isnan(e2e_hist_quantile(h, 0.5)));
	ck_assert(isnan(e2e_hist_mean(h)) && isnan(e2e_hist_min(h)) && isnan(e2e_hist_max(h)));
	for (size_t i = 0; i < 4; i++)
		e2e_hist_add(h, vals[i]);
	ck_assert(e2e_hist_quantile(h, 0) == 7.25);
	ck_assert(e2e_hist_quantile(h, 1) == 99999.125);
	ck_assert(e2e_hist_min(h) == 7.25);
	ck_assert(e2e_hist_max(h) == 99999.125);
	ck_assert(e2e_hist_mean(h) == (1234.5 + 7.25 + 99999.125 + 500) / 4);
	ck_assert(isnan(e2e_hist_quantile(h, NAN)));
	ck_assert(e2e_hist_quantile(h, -1) == 7.25 && e2e_hist_quantile(h, 2) == 99999.125);
	/* add_n == n times add; NaN is ignored, a zero count too. */
	e2e_hist_add(h, NAN);
	e2e_hist_add_n(h, 3, 0);
	ck_assert_uint_eq(e2e_hist_count(h), 4);
	e2e_hist_destroy(h);
	e2e_hist_destroy(NULL);
}
END_TEST

START_TEST(test_zero_and_overflow)
{
	struct e2e_hist *h = e2e_hist_create();

	/* Zeros, negative and sub-nanosecond values all count as 0. */
	e2e_hist_add_n(h, 0, 5);
	e2e_hist_add(h, -3);
	e2e_hist_add(h, 0.0001);
	ck_assert(e2e_hist_quantile(h, 0.5) == 0 && e2e_hist_max(h) == 0 && e2e_hist_mean(h) == 0);
	/* Above 2^32 us everything shares the top bucket, represented by the
	 * exact max. */
	e2e_hist_add(h, 5e9);
	e2e_hist_add(h, 7e9);
	e2e_hist_add(h, 6e9);
	ck_assert_uint_eq(e2e_hist_count(h), 10);
	ck_assert(e2e_hist_quantile(h, 1) == 7e9);
	ck_assert(e2e_hist_max(h) == 7e9);
	ck_assert(e2e_hist_quantile(h, 8.0 / 9) == 7e9); /* rank 8 in the top bucket */
	ck_assert(e2e_hist_quantile(h, 6.0 / 9) == 0); /* rank 6, last zero */
	/* Absurd values are capped so sums stay finite and encodable. */
	e2e_hist_add(h, INFINITY);
	ck_assert(e2e_hist_max(h) == 1e15);
	char *s = e2e_hist_encode(h);
	struct e2e_hist *back = NULL;
	ck_assert_msg(e2e_hist_decode(s, &back) == 0, "%s: %s", s, e2e_error_message());
	ck_assert(e2e_hist_max(back) == 1e15 && e2e_hist_count(back) == 11);
	free(s);
	e2e_hist_destroy(back);
	e2e_hist_destroy(h);
}
END_TEST

struct walk {
	uint64_t total;
	double prev_hi;
	int n;
};

static void walk_fn(void *ctx, double rep, double lo, double hi, uint64_t count)
{
	struct walk *w = ctx;

	ck_assert_msg(lo >= w->prev_hi, "buckets not ascending");
	ck_assert_msg(lo <= rep && rep <= hi, "rep %g outside [%g, %g]", rep, lo, hi);
	ck_assert(count > 0);
	/* Log-linear: a bucket is at most 1/64 of its lower bound wide. */
	if (lo > 0 && lo < 4294967296.0)
		ck_assert_msg((hi - lo) / lo <= 1.0 / 64 + 1e-12, "[%g, %g) too wide", lo, hi);
	w->prev_hi = hi;
	w->total += count;
	w->n++;
}

START_TEST(test_foreach)
{
	struct e2e_hist *h = e2e_hist_create();
	struct walk w = { 0, 0, 0 };

	rng_state = 12345;
	for (int i = 0; i < 10000; i++)
		e2e_hist_add(h, draw(LOGNORMAL));
	e2e_hist_add(h, 0);
	e2e_hist_add(h, 1e10);
	e2e_hist_foreach(h, walk_fn, &w);
	ck_assert_uint_eq(w.total, 10002);
	ck_assert(w.n > 100 && w.n < 1000);
	e2e_hist_destroy(h);
}
END_TEST

/* Integer values keep every sum exact, so the encodings must be equal. */
START_TEST(test_merge)
{
	struct e2e_hist *all = e2e_hist_create(), *part[3], *m = e2e_hist_create();
	char *a, *b;

	for (int i = 0; i < 3; i++)
		part[i] = e2e_hist_create();
	rng_state = 777;
	for (int i = 0; i < 30000; i++) {
		double v = floor(draw(i % 2 ? BIMODAL : INT_SMALL));
		int p = (int)(uniform01() * 3);

		e2e_hist_add(all, v);
		e2e_hist_add(part[p], v);
	}
	e2e_hist_merge(m, part[2]); /* into an empty one */
	e2e_hist_merge(m, part[0]);
	e2e_hist_merge(m, part[1]);
	a = e2e_hist_encode(all);
	b = e2e_hist_encode(m);
	ck_assert_str_eq(a, b);
	ck_assert(e2e_hist_quantile(all, 0.95) == e2e_hist_quantile(m, 0.95));
	ck_assert(e2e_hist_min(all) == e2e_hist_min(m) && e2e_hist_max(all) == e2e_hist_max(m));
	free(b);

	/* Merging an empty one changes nothing; self-merge doubles. */
	struct e2e_hist *empty = e2e_hist_create();
	e2e_hist_merge(m, empty);
	b = e2e_hist_encode(m);
	ck_assert_str_eq(a, b);
	free(b);
	e2e_hist_merge(m, m);
	e2e_hist_add_n(all, 0, 0);
	struct e2e_hist *twice = e2e_hist_create();
	e2e_hist_merge(twice, all);
	e2e_hist_merge(twice, all);
	free(a);
	a = e2e_hist_encode(twice);
	b = e2e_hist_encode(m);
	ck_assert_str_eq(a, b);
	ck_assert_uint_eq(e2e_hist_count(m), 60000);
	free(a);
	free(b);
	e2e_hist_destroy(twice);
	e2e_hist_destroy(empty);
	for (int i = 0; i < 3; i++)
		e2e_hist_destroy(part[i]);
	e2e_hist_destroy(all);
	e2e_hist_destroy(m);
}
END_TEST

/* Fractional values: buckets, count, min and max equal; the sum only up to
 * rounding (addition order differs). */
START_TEST(test_merge_fractional)
{
	struct e2e_hist *all = e2e_hist_create(), *a = e2e_hist_create(), *b = e2e_hist_create();

	rng_state = 4242;
	for (int i = 0; i < 20000; i++) {
		double v = draw(LOGNORMAL);

		e2e_hist_add(all, v);
		e2e_hist_add(i < 7000 ? a : b, v);
	}
	e2e_hist_merge(a, b);
	for (double q = 0; q <= 1; q += 0.01)
		ck_assert(e2e_hist_quantile(a, q) == e2e_hist_quantile(all, q));
	ck_assert(fabs(e2e_hist_mean(a) - e2e_hist_mean(all)) <= 1e-9 * e2e_hist_mean(all));
	ck_assert(e2e_hist_count(a) == 20000 && e2e_hist_max(a) == e2e_hist_max(all));
	e2e_hist_destroy(all);
	e2e_hist_destroy(a);
	e2e_hist_destroy(b);
}
END_TEST

START_TEST(test_encode_exact)
{
	/* By hand: 0 -> index 0; 1 = 2^0 -> 1 + (0 + 10) * 64 = 641;
	 * 3 = 1.5 * 2^1 -> 1 + 11 * 64 + 32 = 737. Groups (gap from the index
	 * after the previous group, run, counts): (0, 1, 1) = "ABB";
	 * (641 - 2 = 639, 1, 2) with 639 = 31 + 19 * 32 -> '_' (32|31) 'T',
	 * "B", "C"; (737 - 643 = 94, 1, 1) with 94 = 30 + 2 * 32 -> '-' 'C'. */
	struct e2e_hist *h = e2e_hist_create(), *back = NULL;
	char *s, *t;

	s = e2e_hist_encode(h);
	ck_assert_str_eq(s, "h1,0,0,0,");
	free(s);
	e2e_hist_add(h, 3);
	e2e_hist_add(h, 1);
	e2e_hist_add(h, 0);
	e2e_hist_add(h, 1);
	s = e2e_hist_encode(h);
	ck_assert_str_eq(s, "h1,0,3,5,ABB_TBC-CBB");
	ck_assert_int_eq(e2e_hist_decode(s, &back), 0);
	t = e2e_hist_encode(back);
	ck_assert_str_eq(s, t);
	free(s);
	free(t);
	e2e_hist_destroy(back);
	e2e_hist_destroy(h);

	/* Runs of adjacent buckets share one group; numbers use the shortest
	 * exact decimal form. */
	h = e2e_hist_create();
	e2e_hist_add(h, 1);
	e2e_hist_add(h, 1.02);
	e2e_hist_add_n(h, 1.04, 1000);
	s = e2e_hist_encode(h);
	/* 641, 642, 643: gap 641 = 1 + 20 * 32 -> 'h' (32|1) 'U'; run 3 'D';
	 * counts 1, 1, 1000 = 8 + 31 * 32 -> 'o' (32|8) 'f'. The sum is
	 * 2.02 + 1000 * 1.04 in doubles. */
	char want[64];
	snprintf(want, sizeof(want), "h1,1,1.04,%.17g,hUDBBof", 1 + 1.02 + 1.04 * 1000);
	ck_assert_msg(strncmp(s, "h1,1,1.04,", 10) == 0 && strcmp(strrchr(s, ',') + 1, "hUDBBof") == 0, "%s",
		      s);
	ck_assert_double_eq(strtod(s + 10, NULL), strtod(want + 10, NULL));
	free(s);
	e2e_hist_destroy(h);
}
END_TEST

static void assert_same(const struct e2e_hist *a, const struct e2e_hist *b)
{
	ck_assert_uint_eq(e2e_hist_count(a), e2e_hist_count(b));
	if (!e2e_hist_count(a))
		return;
	ck_assert(e2e_hist_min(a) == e2e_hist_min(b) && e2e_hist_max(a) == e2e_hist_max(b));
	ck_assert(e2e_hist_mean(a) == e2e_hist_mean(b));
	for (double q = 0; q <= 1.0; q += 0.005)
		ck_assert(e2e_hist_quantile(a, q) == e2e_hist_quantile(b, q));
}

START_TEST(test_roundtrip)
{
	for (int d = -1; d < N_DIST; d++) {
		struct e2e_hist *h = e2e_hist_create(), *back = NULL;
		char *s, *t;

		rng_state = 99 + (uint64_t)d;
		for (int i = 0; d >= 0 && i < 5000; i++)
			e2e_hist_add(h, draw((enum dist)d));
		if (d == HEAVY)
			e2e_hist_add_n(h, 1e12, 3);
		s = e2e_hist_encode(h);
		ck_assert_msg(strpbrk(s, "\"\\ \t\n") == NULL, "%s", s);
		ck_assert_msg(e2e_hist_decode(s, &back) == 0, "%s: %s", e2e_error_message(), s);
		assert_same(h, back);
		t = e2e_hist_encode(back);
		ck_assert_str_eq(s, t);
		if (d == LOGNORMAL)
			printf("hist: 5000 lognormal samples encode to %zu bytes\n", strlen(s));
		free(s);
		free(t);
		e2e_hist_destroy(back);
		e2e_hist_destroy(h);
	}
}
END_TEST

START_TEST(test_bad_encodings)
{
	static const struct {
		const char *in;
		const char *msg;
	} cases[] = {
		{ "", "invalid histogram: expected 'h1,' at character 1" },
		{ "h2,0,0,0,", "invalid histogram: expected 'h1,' at character 1" },
		{ "h1,", "invalid histogram: bad min at character 4" },
		{ "h1,0,0,0", "invalid histogram: bad sum at character 8" },
		{ "h1,x,0,0,", "invalid histogram: bad min at character 4" },
		{ "h1,-1,0,0,", "invalid histogram: bad min at character 4" },
		{ "h1,nan,0,0,", "invalid histogram: bad min at character 4" },
		{ "h1,0,1e999,0,", "invalid histogram: bad max at character 6" },
		{ "h1,0,0x10,0,", "invalid histogram: bad max at character 6" },
		{ "h1,0,1e16,0,", "invalid histogram: bad max at character 6" },
		{ "h1,0,0.0001,0,", "invalid histogram: bad max at character 6" },
		{ "h1,0,1..2,0,", "invalid histogram: bad max at character 6" },
		{ "h1,0,0,1,", "invalid histogram: min, max or sum set without buckets at character 10" },
		{ "h1,0,0,0,A", "invalid histogram: truncated data at character 11" },
		{ "h1,0,0,0,AB", "invalid histogram: truncated data at character 12" },
		{ "h1,0,0,0,AB=", "invalid histogram: unexpected character at character 12" },
		{ "h1,0,0,0,AB\"", "invalid histogram: unexpected character at character 12" },
		{ "h1,0,0,0,AAB", "invalid histogram: empty run at character 12" },
		{ "h1,0,0,0,ABA", "invalid histogram: empty bucket at character 13" },
		{ "h1,0,0,0,ABgA", "invalid histogram: non-canonical number at character 13" },
		{ "h1,0,0,0,ABBAB", "invalid histogram: truncated data at character 15" },
		/* 1 + (2^64 - 1) over two buckets; 2^64 - 1 is twelve '_' (31
		 * with "more") and 'P' (15): 60 + 4 bits. */
		{ "h1,0,0,0,ACB____________P", "invalid histogram: total count too large at character 26" },
		/* A thirteenth '_' needs bit 64. */
		{ "h1,0,0,0,ABB_____________", "invalid histogram: number too large at character 25" },
		/* gap beyond the top bucket (2689 = 1 + 42 * 64). */
		{ "h1,0,0,0,iiDB", "invalid histogram: bucket index out of range at character 14" },
		{ "h1,5,1,6,ABB",
		  "invalid histogram: min or max outside the first or last bucket at character 13" },
		{ "h1,1,1,1,ABB",
		  "invalid histogram: min or max outside the first or last bucket at character 13" },
		{ "h1,0,0,5,ABB",
		  "invalid histogram: sum inconsistent with min, max and count at character 13" },
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct e2e_hist *h = (struct e2e_hist *)&cases; /* must stay untouched */

		ck_assert_msg(e2e_hist_decode(cases[i].in, &h) == E2E_ERR_INPUT, "'%s' accepted",
			      cases[i].in);
		ck_assert_ptr_eq(h, (struct e2e_hist *)&cases);
		ck_assert_str_eq(e2e_error_message(), cases[i].msg);
	}
	struct e2e_hist *h = NULL;
	ck_assert_int_eq(e2e_hist_decode(NULL, &h), E2E_ERR_INPUT);
	ck_assert_str_eq(e2e_error_message(), "invalid histogram: missing");
	/* Edge cases that are valid: one zero; the largest total count; the
	 * top bucket (gap 2689 = 1 + 20 * 32 + 2 * 1024 -> 'h' '0' 'C'). */
	ck_assert_int_eq(e2e_hist_decode("h1,0,0,0,ABB", &h), 0);
	ck_assert(e2e_hist_count(h) == 1 && e2e_hist_max(h) == 0);
	e2e_hist_destroy(h);
	ck_assert_int_eq(e2e_hist_decode("h1,0,0,0,AB____________P", &h), 0);
	ck_assert_uint_eq(e2e_hist_count(h), UINT64_MAX);
	e2e_hist_destroy(h);
	ck_assert_int_eq(e2e_hist_decode("h1,5e9,5e9,5e9,h0CBB", &h), 0);
	ck_assert(e2e_hist_quantile(h, 0.5) == 5e9);
	e2e_hist_destroy(h);
}
END_TEST

/* Every truncation and single-character change of a valid encoding either
 * decodes to something that re-encodes consistently or fails with a
 * message; never a crash (run under ASan/UBSan in CI). */
START_TEST(test_garbage)
{
	static const char alphabet[] = "ABgh_-09.e+-,xP\"\\";
	struct e2e_hist *src = e2e_hist_create();
	char *enc, *buf;
	size_t len, ok = 0, rejected = 0;

	rng_state = 31337;
	for (int i = 0; i < 300; i++)
		e2e_hist_add(src, draw(BIMODAL));
	enc = e2e_hist_encode(src);
	len = strlen(enc);
	buf = malloc(len + 1);
	ck_assert_ptr_nonnull(buf);
	for (size_t cut = 0; cut <= len; cut++) {
		for (size_t a = 0; a <= sizeof(alphabet) - 1; a++) {
			struct e2e_hist *h = NULL;

			memcpy(buf, enc, len + 1);
			if (a == sizeof(alphabet) - 1)
				buf[cut] = '\0';
			else if (cut < len)
				buf[cut] = alphabet[a];
			if (e2e_hist_decode(buf, &h) == 0) {
				char *again = e2e_hist_encode(h);
				struct e2e_hist *h2 = NULL;

				ck_assert_int_eq(e2e_hist_decode(again, &h2), 0);
				assert_same(h, h2);
				free(again);
				e2e_hist_destroy(h2);
				e2e_hist_destroy(h);
				ok++;
			} else {
				ck_assert_ptr_null(h);
				ck_assert(strncmp(e2e_error_message(), "invalid histogram: ", 19) == 0);
				rejected++;
			}
		}
	}
	ck_assert(ok > 0 && rejected > ok);
	free(buf);
	free(enc);
	e2e_hist_destroy(src);
}
END_TEST

static Suite *hist_suite(void)
{
	Suite *s = suite_create("hist");
	TCase *tc = tcase_create("accuracy");

	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_error_bound);
	tcase_add_test(tc, test_exact_ends_and_stats);
	tcase_add_test(tc, test_zero_and_overflow);
	tcase_add_test(tc, test_foreach);
	suite_add_tcase(s, tc);

	tc = tcase_create("merge");
	tcase_add_test(tc, test_merge);
	tcase_add_test(tc, test_merge_fractional);
	suite_add_tcase(s, tc);

	tc = tcase_create("encoding");
	tcase_set_timeout(tc, 30);
	tcase_add_test(tc, test_encode_exact);
	tcase_add_test(tc, test_roundtrip);
	tcase_add_test(tc, test_bad_encodings);
	tcase_add_test(tc, test_garbage);
	suite_add_tcase(s, tc);
	return s;
}

E2E_TEST_MAIN(hist_suite)
