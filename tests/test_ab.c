/* Unit tests for ab.c: perf-ab's paired test on synthetic rounds built
 * through the real report code. Each round's runner factor (shared by its
 * A and B runs) swings far more than the changes judged: the pairing must
 * cancel it. */
#include <check.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "ab.h"
#include "error.h"
#include "gate_fixture.h"
#include "testutil.h"

#define ROUNDS 5

static const struct {
	const char *key;
	double median_ms, sigma;
} eps[] = {
	{ "GET /users/{id}", 20, 0.3 }, { "GET /users", 35, 0.4 }, { "POST /orders", 50, 0.3 },
	{ "GET /slow", 15, 0.25 },	{ "GET /health", 5, 0.2 },
};
#define NEPS (sizeof(eps) / sizeof(eps[0]))

static const double round_factor[ROUNDS] = { 1.0, 1.35, 0.75, 1.2, 0.9 };
/* NULL, or what the runner did to each B run alone (between the round's
 * two runs: it does not cancel in the pair) */
static const double *b_factor;
/* NULL, or each B run's sigma factor of GET /health (a tail a neighbour
 * inflated), and the disturbance stored with each A and B run */
static const double *b_tail;
static const double *a_disturb, *b_disturb;
/* each endpoint's own wobble per run beyond sampling (sd of log) */
static double own_wobble;
/* NULL, or each endpoint's factor on own_wobble */
static const double *own_scale;

/* A's ROUNDS runs, then B's (GET /slow x slow, every err_every-th request
 * of GET /health a 500 when err_every), compared at threshold. */
static struct e2e_gate_result *ab_world(size_t rounds_b, double slow, size_t err_every, double threshold,
					int *rc)
{
	struct e2e_gate_config cfg = { threshold, 1.0, E2E_FAIL_ON_WARNING, NULL };
	struct e2e_gate_result *g = NULL;
	struct e2e_report *a, *b;
	struct fx f;

	fx_init(&f);
	for (int side = 0; side < 2; side++)
		for (size_t r = 0; r < (side ? rounds_b : ROUNDS); r++) {
			const double *dist = side ? b_disturb : a_disturb;

			fx_run(&f, (int64_t)(1 + 2 * r + (size_t)side));
			if (dist) {
				f.runs[f.nruns - 1].disturbance = dist[r];
				f.runs[f.nruns - 1].disturbance_probes = 100;
			}
			for (size_t e = 0; e < NEPS; e++)
				fx_lognormal(
					&f, eps[e].key, 200,
					eps[e].median_ms * round_factor[r] *
						exp(own_wobble * (own_scale ? own_scale[e] : 1) *
						    fx_gauss(&f)) *
						(side && b_factor ? b_factor[r] : 1) *
						(side && strcmp(eps[e].key, "GET /slow") == 0 ? slow : 1),
					eps[e].sigma *
						(side && b_tail && strcmp(eps[e].key, "GET /health") == 0
							 ? b_tail[r]
							 : 1),
					side && strcmp(eps[e].key, "GET /health") == 0 ? err_every : 0, 100);
		}
	a = fx_report(&f, 0, ROUNDS);
	b = fx_report(&f, ROUNDS, rounds_b);
	*rc = e2e_ab_compare(a, b, &cfg, "A (http://127.0.0.1:1)", &g);
	e2e_report_destroy(a);
	e2e_report_destroy(b);
	fx_finish(&f);
	return g;
}

static const struct e2e_endpoint_cmp *find(const struct e2e_gate_result *g, const char *key)
{
	for (size_t i = 0; i < g->nendpoints; i++)
		if (strcmp(g->endpoints[i].key, key) == 0)
			return &g->endpoints[i];
	ck_abort_msg("no endpoint %s", key);
	return NULL;
}

START_TEST(test_unchanged_passes)
{
	int rc;
	struct e2e_gate_result *g = ab_world(ROUNDS, 1, 0, 10, &rc);

	ck_assert_int_eq(rc, 0);
	ck_assert(!g->failed);
	ck_assert_uint_eq(g->nendpoints, NEPS);
	ck_assert_uint_eq(g->baseline_runs, ROUNDS);
	ck_assert_str_eq(g->baseline_name, "A (http://127.0.0.1:1)");
	for (size_t i = 0; i < g->nendpoints; i++)
		ck_assert_msg(g->endpoints[i].verdict != E2E_VERDICT_REGRESSION, "%s", g->endpoints[i].key);
	ck_assert_uint_gt(g->comparisons, 0);
	ck_assert(g->test_level > 0 && g->test_level <= 0.02);
	e2e_gate_result_destroy(g);
}
END_TEST

START_TEST(test_slower_endpoint_found)
{
	int rc;
	struct e2e_gate_result *g = ab_world(ROUNDS, 1.3, 0, 10, &rc);
	const struct e2e_endpoint_cmp *slow;

	ck_assert_int_eq(rc, 0);
	ck_assert(g->failed);
	slow = find(g, "GET /slow");
	ck_assert_int_eq(slow->verdict, E2E_VERDICT_REGRESSION);
	ck_assert_int_eq(slow->severity, E2E_SEVERITY_CRITICAL); /* +30 % >= 2 x 10 % */
	ck_assert_int_eq(slow->metrics[E2E_METRIC_P50].verdict, E2E_VERDICT_REGRESSION);
	ck_assert(slow->metrics[E2E_METRIC_P50].judged_pct > 20 &&
		  slow->metrics[E2E_METRIC_P50].judged_pct < 40);
	ck_assert_str_eq(g->endpoints[0].key, "GET /slow"); /* regressions first */
	for (size_t i = 0; i < g->nendpoints; i++)
		if (strcmp(g->endpoints[i].key, "GET /slow") != 0)
			ck_assert_msg(g->endpoints[i].verdict != E2E_VERDICT_REGRESSION, "%s",
				      g->endpoints[i].key);
	e2e_gate_result_destroy(g);
}
END_TEST

START_TEST(test_error_rate)
{
	int rc;
	struct e2e_gate_result *g = ab_world(ROUNDS, 1, 5, 10, &rc); /* 20 % errors on B */
	const struct e2e_endpoint_cmp *h;

	ck_assert_int_eq(rc, 0);
	h = find(g, "GET /health");
	ck_assert_int_eq(h->metrics[E2E_METRIC_ERROR_RATE].verdict, E2E_VERDICT_REGRESSION);
	ck_assert(g->failed);
	e2e_gate_result_destroy(g);
}
END_TEST

START_TEST(test_rounds_must_match)
{
	int rc;
	struct e2e_gate_result *g = ab_world(ROUNDS - 1, 1, 0, 10, &rc);

	ck_assert_int_eq(rc, E2E_ERR_INPUT);
	ck_assert_ptr_null(g);
	ck_assert_ptr_nonnull(strstr(e2e_error_message(), "same number of runs"));
}
END_TEST

/* The runner moves B's runs against A's by up to 15 % a round: the
 * rounds' shared part is the runner's and is taken out, so a 30 % change
 * of one endpoint is found and no other endpoint moves; a 50 % change of
 * every endpoint is B's as a whole and every endpoint regresses. */
START_TEST(test_shared_part)
{
	static const double between[ROUNDS] = { 1.15, 0.87, 1.1, 0.9, 1.05 };
	static const double whole[ROUNDS] = { 1.5, 1.5, 1.5, 1.5, 1.5 };
	struct e2e_gate_result *g;
	const char *msg = NULL;
	int rc;

	b_factor = between;
	g = ab_world(ROUNDS, 1.3, 0, 10, &rc);
	ck_assert_int_eq(rc, 0);
	ck_assert_int_eq(find(g, "GET /slow")->verdict, E2E_VERDICT_REGRESSION);
	for (size_t i = 0; i < g->nendpoints; i++)
		if (strcmp(g->endpoints[i].key, "GET /slow") != 0)
			ck_assert_msg(g->endpoints[i].verdict != E2E_VERDICT_REGRESSION, "%s",
				      g->endpoints[i].key);
	for (size_t i = 0; i < g->nfindings; i++)
		if (strncmp(g->findings[i].message, "rounds' shared part", 19) == 0)
			msg = g->findings[i].message;
	ck_assert_ptr_nonnull(msg);
	ck_assert_ptr_nonnull(strstr(msg, " over 5 endpoints, the runner's: taken out of each endpoint"));
	e2e_gate_result_destroy(g);

	b_factor = whole;
	g = ab_world(ROUNDS, 1, 0, 10, &rc);
	ck_assert_int_eq(rc, 0);
	for (size_t i = 0; i < g->nendpoints; i++)
		ck_assert_msg(g->endpoints[i].verdict == E2E_VERDICT_REGRESSION, "%s", g->endpoints[i].key);
	ck_assert_ptr_nonnull(strstr(g->findings[0].message, "B's as a whole"));
	e2e_gate_result_destroy(g);
	b_factor = NULL;
}
END_TEST

/* A neighbour hogs the CPU during every B run (a periodic job in step
 * with the rounds): GET /health's tail (a fast endpoint, hit hardest) is
 * 1.8 x as wide there.
 * Without the disturbance stored that is a P95 regression; with it
 * (B's runs waited 1.2 ms per CPU ms, A's 0.1) it is inconclusive: runner
 * disturbed, said in one finding, while GET /slow's +30 % (no tail of
 * its own in those rounds) still fails. */
START_TEST(test_disturbed_rounds)
{
	static const double tail[ROUNDS] = { 1.8, 1.8, 1.8, 1.8, 1.8 };
	static const double quiet[ROUNDS] = { 0.1, 0.12, 0.1, 0.11, 0.1 };
	static const double hogged[ROUNDS] = { 1.2, 1.25, 1.3, 1.1, 1.2 };
	const struct e2e_metric_cmp *p95;
	struct e2e_gate_result *g;
	const char *msg = NULL;
	int rc;

	b_tail = tail;
	g = ab_world(ROUNDS, 1.3, 0, 10, &rc);
	ck_assert_int_eq(rc, 0);
	p95 = &find(g, "GET /health")->metrics[E2E_METRIC_P95];
	ck_assert_msg(p95->verdict == E2E_VERDICT_REGRESSION, "%s %.1f %.1f..%.1f",
		      p95->reason ? p95->reason : "", p95->judged_pct, p95->ci_lo_pct, p95->ci_hi_pct);
	ck_assert(!g->runner_disturbed);
	ck_assert(isnan(g->disturbance_current));
	e2e_gate_result_destroy(g);

	a_disturb = quiet;
	b_disturb = hogged;
	g = ab_world(ROUNDS, 1.3, 0, 10, &rc);
	ck_assert_int_eq(rc, 0);
	p95 = &find(g, "GET /health")->metrics[E2E_METRIC_P95];
	ck_assert_int_eq(p95->verdict, E2E_VERDICT_INCONCLUSIVE);
	ck_assert_str_eq(p95->reason, "runner disturbed");
	ck_assert_int_ne(find(g, "GET /health")->verdict, E2E_VERDICT_REGRESSION);
	ck_assert_int_eq(find(g, "GET /slow")->verdict, E2E_VERDICT_REGRESSION);
	ck_assert(g->runner_disturbed);
	ck_assert_double_eq_tol(g->disturbance_current, 1.2, 1e-9);
	ck_assert_double_eq_tol(g->disturbance_baseline, 0.1, 1e-9);
	ck_assert_double_eq_tol(g->disturbance_baseline_max, 0.12, 1e-9);
	ck_assert_uint_ge(g->disturbance_set_aside, 1);
	for (size_t i = 0; i < g->nfindings; i++)
		if (strcmp(g->findings[i].kind, "runner_disturbed") == 0)
			msg = g->findings[i].message;
	ck_assert_ptr_nonnull(msg);
	ck_assert_ptr_nonnull(strstr(msg,
				     "runner disturbed: in 5 of 5 rounds B's run waited markedly longer "
				     "for the CPU than A's (run-queue wait 1.20 vs 0.100 ms per CPU ms"));

	/* the same disturbance on A's side cannot make B regress: nothing set aside */
	e2e_gate_result_destroy(g);
	a_disturb = hogged;
	b_disturb = quiet;
	b_tail = NULL;
	g = ab_world(ROUNDS, 1, 0, 10, &rc);
	ck_assert(!g->runner_disturbed);
	ck_assert(!g->failed);
	e2e_gate_result_destroy(g);
	a_disturb = b_disturb = NULL;
}
END_TEST

/* The figure after marker in the shared part's finding of an unchanged
 * comparison where each endpoint's own wobble is sd (times its scale). */
static double shared_figure(double sd, const double *scale, const char *marker)
{
	struct e2e_gate_result *g;
	const char *msg = NULL, *w;
	double v = NAN;
	int rc;

	own_wobble = sd;
	own_scale = scale;
	g = ab_world(ROUNDS, 1, 0, 10, &rc);
	own_wobble = 0;
	own_scale = NULL;
	ck_assert_int_eq(rc, 0);
	for (size_t i = 0; i < g->nfindings; i++)
		if (strncmp(g->findings[i].message, "rounds' shared part", 19) == 0)
			msg = g->findings[i].message;
	ck_assert_ptr_nonnull(msg);
	w = strstr(msg, marker);
	ck_assert_ptr_nonnull(w);
	v = strtod(w + strlen(marker), NULL);
	ck_assert_msg(!g->failed, "%s", msg);
	e2e_gate_result_destroy(g);
	return v;
}

/* The wobble of each endpoint's runs beyond their sampling, pooled over
 * the endpoints: near none when there is none (each run's sampling is
 * estimated from its own requests), near the 6 % put in when there is. */
static double wobble_found(double sd)
{
	return shared_figure(sd, NULL, "; each endpoint's own wobble beyond sampling ");
}

START_TEST(test_pooled_wobble)
{
	double none = wobble_found(0), some = wobble_found(0.06);

	ck_assert_msg(none < 1.5, "%.1f%% found, none put in", none);
	ck_assert_msg(some > 4 && some < 10, "%.1f%% found, 6%% put in", some);
}
END_TEST

/* How many degrees of freedom the pooled estimate weighs in each
 * endpoint's own: all of the pool's (4 rounds' df x 5 endpoints) when the
 * endpoints' own variances differ no more than chance makes them differ,
 * fewer when they do. */
START_TEST(test_pool_weight)
{
	static const double same[NEPS] = { 1, 1, 1, 1, 1 }, differ[NEPS] = { 1, 4, 1, 0.25, 2 };
	const char *marker = "; the pool weighs ";

	/* on these rounds the endpoints' log variances spread beyond their
	 * sampling by half a standard error of that spread: chance, yet read
	 * as heterogeneity it gave the pool 9 df */
	ck_assert_double_eq(shared_figure(0.04, same, marker), 20);
	/* own variances 16 times apart: each endpoint keeps its own */
	ck_assert_double_eq(shared_figure(0.04, differ, marker), 1);
}
END_TEST

static Suite *ab_suite(void)
{
	Suite *s = suite_create("ab");
	TCase *tc = tcase_create("paired");

	tcase_set_timeout(tc, 30);
	tcase_add_test(tc, test_unchanged_passes);
	tcase_add_test(tc, test_slower_endpoint_found);
	tcase_add_test(tc, test_error_rate);
	tcase_add_test(tc, test_rounds_must_match);
	tcase_add_test(tc, test_shared_part);
	tcase_add_test(tc, test_disturbed_rounds);
	tcase_add_test(tc, test_pooled_wobble);
	tcase_add_test(tc, test_pool_weight);
	suite_add_tcase(s, tc);
	return s;
}

E2E_TEST_MAIN(ab_suite)
