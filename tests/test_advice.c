/* Unit tests for advice.c: each recommendation fires on crafted evidence
 * and cites its numbers; none fires on an unchanged run. */
#include <check.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "advice.h"
#include "baseline.h"
#include "error.h"
#include "gate.h"
#include "gate_fixture.h"
#include "rules.h"
#include "testutil.h"

#define N 300 /* requests per endpoint and run */
#define K 5 /* baseline runs */

static const struct {
	const char *key;
	double median_ms;
} eps[] = {
	{ "GET /a", 20 }, { "GET /b", 40 }, { "GET /c", 10 },
	{ "GET /d", 30 }, { "GET /e", 60 }, { "GET /f", 15 },
};
#define NEPS (sizeof(eps) / sizeof(eps[0]))

/* A fixed spread of +-20 % around the median, no randomness. */
static double pattern(double median, size_t i)
{
	return median * (0.8 + 0.4 * (double)((i * 37) % 100) / 100);
}

enum twist {
	NONE,
	SLOWER, /* every request x2 */
	TAIL, /* the slowest 10 % x3 */
	WARM_UP, /* x2, and the first 10 requests x10 on top */
	GROWING, /* x1 at the start rising to x3 at the end */
	MORE_CALLS, /* 3x the calls */
	BIGGER, /* 25x the response bytes */
	ERRORS, /* 12 x 503 and 3 timeouts */
};

static void add_endpoint(struct fx *f, size_t e, double runner, enum twist t)
{
	uint32_t id = fx_endpoint(f, eps[e].key);
	size_t n = t == MORE_CALLS ? 3 * N : N;

	for (size_t i = 0; i < n; i++) {
		double ms = pattern(eps[e].median_ms, i) * runner;
		uint16_t status = 200;
		uint64_t bytes = 2048;

		if (t == SLOWER || t == WARM_UP)
			ms *= 2;
		if (t == WARM_UP && i < 10)
			ms *= 10;
		if (t == TAIL && (i * 37) % 100 >= 90)
			ms *= 3;
		if (t == GROWING)
			ms *= 1 + 2 * (double)i / (double)(n - 1);
		if (t == BIGGER)
			bytes *= 25;
		if (t == ERRORS && i % 25 == 3)
			status = 503;
		fx_add(f, id, ms, status, bytes);
		if (t == ERRORS && i % 100 == 7) {
			f->samples[f->nruns - 1][f->n[f->nruns - 1] - 1].status = 0;
			f->samples[f->nruns - 1][f->n[f->nruns - 1] - 1].error = E2E_EK_TIMEOUT;
		}
	}
}

struct world {
	struct fx f;
	struct e2e_report *base_report, *cur;
	struct e2e_baseline *base;
	struct e2e_gate_result *g;
};

/* Endpoint "GET /a" gets the twist; runner scales the whole current run. */
static void make(struct world *w, enum twist t, double runner, const struct e2e_rules *rules)
{
	static const double factor[K] = { 1.00, 1.02, 0.98, 1.01, 0.99 };
	struct e2e_gate_config cfg = { 50, 1, E2E_FAIL_ON_WARNING, rules };

	memset(w, 0, sizeof(*w));
	fx_init(&w->f);
	for (size_t r = 0; r < K; r++) {
		fx_run(&w->f, (int64_t)r + 1);
		for (size_t e = 0; e < NEPS; e++)
			add_endpoint(&w->f, e, factor[r], NONE);
	}
	w->base_report = fx_report(&w->f, 0, K);
	ck_assert_int_eq(e2e_baseline_from_report(w->base_report, 0, NULL, &w->base), 0);
	fx_run(&w->f, 50);
	for (size_t e = 0; e < NEPS; e++)
		add_endpoint(&w->f, e, runner, e == 0 ? t : NONE);
	w->cur = fx_report(&w->f, K, 1);
	ck_assert_msg(e2e_gate_compare(w->cur, w->base, &cfg, &w->g) == 0, "%s", e2e_error_message());
}

static void finish(struct world *w)
{
	e2e_gate_result_destroy(w->g);
	e2e_baseline_destroy(w->base);
	e2e_report_destroy(w->base_report);
	e2e_report_destroy(w->cur);
	fx_finish(&w->f);
}

/* The one advice of this kind (asserting there is exactly one). */
static const char *advice(const struct e2e_gate_result *g, const char *kind, const char *endpoint)
{
	const struct e2e_advice *found = NULL;

	for (size_t i = 0; i < g->nadvice; i++)
		if (strcmp(g->advice[i].kind, kind) == 0) {
			ck_assert_msg(!found, "two '%s' advice", kind);
			found = &g->advice[i];
		}
	ck_assert_msg(found != NULL, "no '%s' advice (%zu in all)", kind, g->nadvice);
	if (endpoint)
		ck_assert_str_eq(found->endpoint, endpoint);
	else
		ck_assert_ptr_null(found->endpoint);
	return found->message;
}

START_TEST(test_quiet_when_unchanged)
{
	struct world w;

	make(&w, NONE, 1, NULL);
	ck_assert_uint_eq(w.g->nadvice, 0);
	finish(&w);
}
END_TEST

START_TEST(test_cited_numbers)
{
	static const struct {
		enum twist t;
		const char *kind, *want;
		size_t nadvice;
	} cases[] = {
		{ SLOWER, "whole_distribution",
		  "whole distribution shifted: p25 +99%, p50 +101%, p75 +100%, p99 +97%: every request "
		  "does more "
		  "work (a new query or call, heavier serialisation, a missing index, a cache that stopped "
		  "hitting); "
		  "profile a typical request",
		  1 },
		{ TAIL, "tail_only",
		  "tail only: p50 +0.6%, p90 +20%, p99 +196%: most requests are unchanged and a few got "
		  "much slower "
		  "(lock or pool contention, GC pauses, timeouts and retries, a slow dependency on some code "
		  "paths)",
		  1 },
		{ WARM_UP, "warm_up",
		  "slow first requests: the first 10 of each run have a median of 388 ms vs 40.0 ms for the "
		  "rest "
		  "(x9.70): warm-up (cold caches, JIT, connection pools); add a warm-up step before the "
		  "measured suite "
		  "or keep the service warm",
		  2 },
		{ GROWING, "growing",
		  "latency grows during the run: p50 27.3 ms in the first third, 53.7 ms in the last "
		  "(x1.97): "
		  "something "
		  "accumulates (a leak, a table or queue growing without an index, cache eviction); watch "
		  "memory and "
		  "data size",
		  2 },
		{ MORE_CALLS, "more_calls",
		  "900 calls per run vs 300 in the baseline (x3.00): an N+1 pattern (a call per item in a "
		  "loop), a retry "
		  "loop, or a client that no longer caches; check who calls it",
		  1 },
		{ BIGGER, "larger_responses",
		  "responses grew from 2.0 KiB to 50.0 KiB on average (x25.0): a missing page size or field "
		  "filter, an "
		  "eager-loaded relation, or compression turned off; transfer and serialisation time grow "
		  "with size",
		  1 },
		{ ERRORS, "new_errors",
		  "new error statuses: no response x3 (1.0%), 503 x12 (4.0%); new error kinds: timeout x3 "
		  "(the "
		  "baseline had none of these in 1,500 requests): read the service log for these requests; a "
		  "new failure "
		  "mode, not noise",
		  1 },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct world w;

		make(&w, cases[i].t, 1, NULL);
		ck_assert_str_eq(advice(w.g, cases[i].kind, "GET /a"), cases[i].want);
		ck_assert_msg(w.g->nadvice == cases[i].nadvice, "case %zu: %zu advice", i, w.g->nadvice);
		finish(&w);
	}
}
END_TEST

START_TEST(test_environment_and_rule)
{
	static const char text[] = "{\"rules\": [{\"match\": \"GET /b\", \"max_p95_ms\": 40}]}";
	struct e2e_rules *rules;
	struct world w;
	const char *msg;

	ck_assert_int_eq(e2e_rules_parse(text, strlen(text), "r.json", &rules), 0);
	make(&w, NONE, 1.5, rules);
	msg = advice(w.g, "environment", NULL);
	ck_assert_str_eq(
		msg,
		"6 of 6 endpoints moved together (p50 x1.50, slower): the machine changed, not the code "
		"(another runner class, CPU throttling, noisy neighbours); each endpoint was judged after "
		"removing the shift. Pin the runner class, or rebuild the baseline on this runner "
		"(--set-baseline --repeat 5)");
	msg = advice(w.g, "rule", "GET /b");
	ck_assert_str_eq(msg,
			 "p95 70.6 ms is 76% over the max_p95_ms limit of 40.0 ms (rules[0]): profile this "
			 "endpoint, or change the limit in the rules file if the budget is out of date");
	finish(&w);
	e2e_rules_destroy(rules);
}
END_TEST

START_TEST(test_helpers)
{
	struct e2e_sample samples[4] = {
		{ .total_us = 3000 }, { .total_us = 1500 }, { .total_us = 250 }, { .total_us = 2000 }
	};
	struct e2e_endpoint_report e = { .samples = samples, .nsamples = 4 };
	static const double order[] = { 3, 1.5, 0.25, 2 }, sorted[] = { 0.25, 1.5, 2, 3 };
	double *v = e2e_advice_latencies(&e, false);

	for (size_t i = 0; i < 4; i++)
		ck_assert(v[i] == order[i]);
	free(v);
	v = e2e_advice_latencies(&e, true);
	for (size_t i = 0; i < 4; i++)
		ck_assert(v[i] == sorted[i]);
	free(v);
	e.nsamples = 0;
	v = e2e_advice_latencies(&e, true);
	ck_assert_ptr_nonnull(v);
	free(v);
}
END_TEST

static Suite *advice_suite(void)
{
	Suite *s = suite_create("advice");
	TCase *tc = tcase_create("advice");

	tcase_set_timeout(tc, 30);
	tcase_add_test(tc, test_quiet_when_unchanged);
	tcase_add_test(tc, test_cited_numbers);
	tcase_add_test(tc, test_environment_and_rule);
	tcase_add_test(tc, test_helpers);
	suite_add_tcase(s, tc);
	return s;
}

E2E_TEST_MAIN(advice_suite)
