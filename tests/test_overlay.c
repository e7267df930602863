/* Unit tests for overlay.c: the ECDF points of both sides (type-7
 * quantiles of the raw samples; the histogram's within 1 %), the shared
 * log axis, and an endpoint's p95 series over the history's runs. */
#include <check.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "hist.h"
#include "overlay.h"
#include "report.h"
#include "testutil.h"

/* An endpoint of n samples: 1, 2, ..., n ms. */
static struct e2e_endpoint_report *endpoint(size_t n)
{
	struct e2e_endpoint_report *e = calloc(1, sizeof(*e));

	e->key = "GET /x";
	e->samples = calloc(n ? n : 1, sizeof(*e->samples));
	e->nsamples = n;
	for (size_t i = 0; i < n; i++)
		e->samples[n - 1 - i].total_us = (uint32_t)((i + 1) * 1000); /* any order */
	return e;
}

static void endpoint_free(struct e2e_endpoint_report *e)
{
	free(e->samples);
	free(e);
}

START_TEST(ecdf_both_sides)
{
	static const struct {
		size_t point; /* index into the E2E_OVERLAY_POINTS */
		double want_ms; /* type 7 on 1..100 ms */
	} cases[] = {
		{ 0, 1 }, { 100, 50.5 }, { 190, 95.05 }, { 198, 99.01 }, { 200, 100 },
	};
	struct e2e_endpoint_report *e = endpoint(100);
	struct e2e_hist *h = e2e_hist_create();
	struct e2e_overlay o;

	for (size_t i = 1; i <= 100; i++)
		e2e_hist_add(h, 2000.0 * (double)i); /* the baseline: 2..200 ms */
	ck_assert(e2e_overlay_compute(e, h, &o));
	ck_assert(o.has_cur && o.has_base);
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		ck_assert_double_eq_tol(o.cur_ms[cases[i].point], cases[i].want_ms, 1e-9);
		ck_assert_double_eq_tol(o.base_ms[cases[i].point], 2 * cases[i].want_ms,
					0.01 * 2 * cases[i].want_ms);
	}
	for (size_t i = 1; i < E2E_OVERLAY_POINTS; i++)
		ck_assert(o.cur_ms[i] >= o.cur_ms[i - 1] && o.base_ms[i] >= o.base_ms[i - 1]);
	ck_assert_double_eq_tol(o.lo_ms, 1, 1e-9);
	ck_assert_double_eq_tol(o.hi_ms, 200, 2);
	endpoint_free(e);
	e2e_hist_destroy(h);
}
END_TEST

START_TEST(one_side_or_none)
{
	struct e2e_endpoint_report *e = endpoint(1), *none = endpoint(0);
	struct e2e_hist *empty = e2e_hist_create();
	struct e2e_overlay o;

	memset(&o, 0x5a, sizeof(o));
	ck_assert(!e2e_overlay_compute(NULL, NULL, &o));
	ck_assert(!e2e_overlay_compute(none, empty, &o));
	ck_assert_uint_eq(((unsigned char *)&o)[0], 0x5a); /* untouched */
	/* one request of 1 ms: an axis a factor of 2 wide around it */
	ck_assert(e2e_overlay_compute(e, empty, &o));
	ck_assert(o.has_cur && !o.has_base);
	ck_assert_double_eq_tol(o.lo_ms * o.hi_ms, 1, 1e-9);
	ck_assert_double_eq_tol(o.hi_ms / o.lo_ms, 2, 1e-9);
	endpoint_free(e);
	endpoint_free(none);
	e2e_hist_destroy(empty);
}
END_TEST

START_TEST(p95_series)
{
	struct e2e_trend_point pts[4] = {
		{ .count = 5, .p95_ms = 40 }, /* run 13, newest */
		{ .count = 0, .p95_ms = NAN },
		{ .count = 5, .p95_ms = 20 },
		{ .count = 5, .p95_ms = 10 }, /* run 10 */
	};
	struct e2e_run runs[4] = { { .id = 13 }, { .id = 12 }, { .id = 11 }, { .id = 10 } };
	struct e2e_endpoint_report e = { .key = "GET /x", .per_run = pts };
	struct e2e_report r = { .runs = runs, .nruns = 4, .endpoints = &e, .nendpoints = 1 };
	double v[4];
	int64_t id[4];
	size_t n = 0;

	ck_assert(e2e_overlay_p95_series(&r, "GET /x", 4, v, id, &n));
	ck_assert_uint_eq(n, 4);
	ck_assert(id[0] == 10 && id[1] == 11 && id[2] == 12 && id[3] == 13);
	ck_assert(v[0] == 10 && v[1] == 20 && isnan(v[2]) && v[3] == 40);
	/* at most max points, the newest */
	ck_assert(e2e_overlay_p95_series(&r, "GET /x", 3, v, id, &n));
	ck_assert(n == 3 && id[0] == 11 && id[2] == 13);
	/* fewer than two runs with the endpoint, or no such endpoint */
	ck_assert(!e2e_overlay_p95_series(&r, "GET /x", 2, v, id, &n));
	ck_assert(!e2e_overlay_p95_series(&r, "GET /y", 4, v, id, &n));
	ck_assert(!e2e_overlay_p95_series(NULL, "GET /x", 4, v, id, &n));
}
END_TEST

static Suite *make_suite(void)
{
	Suite *s = suite_create("overlay");
	TCase *t = tcase_create("overlay");

	tcase_add_test(t, ecdf_both_sides);
	tcase_add_test(t, one_side_or_none);
	tcase_add_test(t, p95_series);
	suite_add_tcase(s, t);
	return s;
}

E2E_TEST_MAIN(make_suite)
