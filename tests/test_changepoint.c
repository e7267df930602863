/* Unit tests for changepoint.c: series with known level shifts, spikes,
 * gaps and no change, with the exact positions expected. The noise is a
 * fixed +-4 % pattern, so every case is deterministic. */
#include <check.h>
#include <math.h>
#include <stdlib.h>

#include "changepoint.h"
#include "testutil.h"

/* 2 % to 4 % of wiggle, no period shorter than 7 runs. */
static const double wiggle[] = { 1.00, 1.03, 0.97, 1.02, 0.98, 1.04, 0.96, 1.01, 0.99, 1.03, 0.97 };

/* v[i] = level(i) * wiggle; level changes by factor f[j] at at[j]. */
static void series(double *v, size_t n, const size_t *at, const double *f, size_t k)
{
	double level = 100;

	for (size_t i = 0, j = 0; i < n; i++) {
		if (j < k && at[j] == i)
			level *= f[j++];
		v[i] = level * wiggle[i % (sizeof(wiggle) / sizeof(wiggle[0]))];
	}
}

static size_t detect(const double *v, size_t n, struct e2e_changepoint **cp)
{
	size_t nc = 99;

	ck_assert_int_eq(e2e_cp_detect(v, n, NULL, cp, &nc), 0);
	return nc;
}

/* Exactly one change point, at want; caller frees. */
static struct e2e_changepoint *expect_one(const double *v, size_t n, size_t want)
{
	struct e2e_changepoint *cp = NULL;

	ck_assert_uint_eq(detect(v, n, &cp), 1);
	ck_assert_uint_eq(cp[0].index, want);
	return cp;
}

START_TEST(test_one_step)
{
	double v[40];
	size_t at = 20;
	double f = 1.3;
	struct e2e_changepoint *cp = NULL;

	series(v, 40, &at, &f, 1);
	cp = expect_one(v, 40, 20);
	ck_assert(fabs(cp[0].before - 100) < 2 && fabs(cp[0].after - 130) < 3);
	ck_assert(fabs(cp[0].change - 0.30) < 0.03);
	ck_assert(cp[0].pvalue < 1e-6 && cp[0].score > 0);
	free(cp);
}
END_TEST

START_TEST(test_two_steps)
{
	double v[45];
	size_t at[] = { 15, 30 };
	double f[] = { 1.5, 1 / 1.5 };
	struct e2e_changepoint *cp = NULL;

	series(v, 45, at, f, 2);
	ck_assert_uint_eq(detect(v, 45, &cp), 2);
	ck_assert_uint_eq(cp[0].index, 15);
	ck_assert_uint_eq(cp[1].index, 30);
	ck_assert(cp[0].change > 0.4 && cp[1].change < -0.3);
	free(cp);
}
END_TEST

START_TEST(test_step_down_late)
{
	double v[30];
	size_t at = 25; /* five runs at the new level */
	double f = 0.7;
	struct e2e_changepoint *cp = NULL;

	series(v, 30, &at, &f, 1);
	cp = expect_one(v, 30, 25);
	ck_assert(cp[0].change < -0.25);
	free(cp);
}
END_TEST

START_TEST(test_flat)
{
	double v[60];
	struct e2e_changepoint *cp = (void *)1;

	series(v, 60, NULL, NULL, 0);
	ck_assert_uint_eq(detect(v, 60, &cp), 0);
	ck_assert_ptr_null(cp);
}
END_TEST

START_TEST(test_spikes)
{
	double v[40];
	struct e2e_changepoint *cp = NULL;

	series(v, 40, NULL, NULL, 0);
	v[12] *= 4; /* one spike */
	v[25] *= 2.5; /* a slow runner for two runs */
	v[26] *= 2.5;
	v[39] *= 3; /* the last run */
	ck_assert_uint_eq(detect(v, 40, &cp), 0);
	free(cp);
}
END_TEST

START_TEST(test_gaps)
{
	double v[40];
	size_t at = 20;
	double f = 1.3;

	series(v, 40, &at, &f, 1);
	v[3] = NAN;
	v[18] = NAN; /* the runs before the shift lack the endpoint */
	v[19] = NAN;
	v[33] = 0; /* a zero on a log scale is a gap too */
	free(expect_one(v, 40, 20));
	v[20] = NAN; /* the first run at the new level missing: the next one */
	free(expect_one(v, 40, 21));
	v[10] *= 5; /* and spikes either side */
	v[30] *= 0.2;
	free(expect_one(v, 40, 21));
}
END_TEST

START_TEST(test_too_few)
{
	double v[5] = { 100, 101, 200, 201, 199 };
	struct e2e_changepoint *cp = NULL;

	ck_assert_uint_eq(detect(v, 5, &cp), 0);
	ck_assert_uint_eq(detect(v, 0, &cp), 0);
}
END_TEST

START_TEST(test_small_change_ignored)
{
	double v[60];
	size_t at = 30;
	double f = 1.03; /* significant on this quiet series, below min_change */
	struct e2e_changepoint *cp = NULL;
	struct e2e_cp_config cfg;
	size_t nc = 0;

	for (size_t i = 0; i < 60; i++)
		v[i] = (i < at ? 100 : 100 * f) * (1 + 0.001 * (double)(i % 3));
	ck_assert_uint_eq(detect(v, 60, &cp), 0);
	e2e_cp_config_init(&cfg);
	cfg.min_change = 0;
	e2e_cp_detect(v, 60, &cfg, &cp, &nc);
	ck_assert_uint_eq(nc, 1);
	ck_assert_uint_eq(cp[0].index, 30);
	free(cp);
}
END_TEST

START_TEST(test_rate_linear)
{
	double v[30];
	struct e2e_changepoint *cp = NULL;
	struct e2e_cp_config cfg;
	size_t nc = 0;

	for (size_t i = 0; i < 30; i++)
		v[i] = i < 12 ? 0 : 0.2 + 0.01 * (double)(i % 3);
	v[5] = 0.5; /* one failing run */
	e2e_cp_config_init(&cfg);
	cfg.log_scale = false;
	cfg.noise_floor = 0.005;
	e2e_cp_detect(v, 30, &cfg, &cp, &nc);
	ck_assert_uint_eq(nc, 1);
	ck_assert_uint_eq(cp[0].index, 12);
	ck_assert(cp[0].before == 0 && isnan(cp[0].change));
	free(cp);
}
END_TEST

static Suite *changepoint_suite(void)
{
	Suite *s = suite_create("changepoint");
	TCase *tc = tcase_create("shifts");

	tcase_add_test(tc, test_one_step);
	tcase_add_test(tc, test_two_steps);
	tcase_add_test(tc, test_step_down_late);
	tcase_add_test(tc, test_gaps);
	tcase_add_test(tc, test_rate_linear);
	suite_add_tcase(s, tc);
	tc = tcase_create("no change");
	tcase_add_test(tc, test_flat);
	tcase_add_test(tc, test_spikes);
	tcase_add_test(tc, test_too_few);
	tcase_add_test(tc, test_small_change_ignored);
	suite_add_tcase(s, tc);
	return s;
}

E2E_TEST_MAIN(changepoint_suite)
