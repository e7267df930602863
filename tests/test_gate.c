/* Unit tests for gate.c: verdicts on synthetic runs built through the real
 * report and baseline code, the environment shift, error rates, rules,
 * --fail-on, and the one-line finding text every renderer uses. */
#include <check.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "baseline.h"
#include "buf.h"
#include "error.h"
#include "gate.h"
#include "gate_fixture.h"
#include "rules.h"
#include "testreport.h"
#include "testutil.h"

static const struct {
	const char *key;
	double median_ms, sigma;
} eps[] = {
	{ "GET /users/{id}", 20, 0.3 },	  { "GET /users", 35, 0.4 },	 { "POST /orders", 50, 0.3 },
	{ "GET /orders/{id}", 15, 0.25 }, { "GET /products", 80, 0.35 }, { "GET /health", 0.4, 0.2 },
};
#define NEPS (sizeof(eps) / sizeof(eps[0]))

/* What the current run does differently. */
struct change {
	double scale[NEPS]; /* 0 means 1 */
	size_t count[NEPS]; /* 0 means the default; SIZE_MAX drops the endpoint */
	size_t error_every[NEPS];
	double runner; /* 0 means 1 */
	bool extra; /* a new endpoint */
	int cores; /* 0 means the baseline's 4 */
	double disturbance_base, disturbance_cur; /* runner disturbance; 0: not measured */
};

struct world {
	struct fx f;
	struct e2e_report *base_report, *cur;
	struct e2e_baseline *base;
	struct e2e_gate_result *g;
};

static void set_disturbance(struct e2e_run *r, double d)
{
	r->disturbance = d;
	r->disturbance_probes = d > 0 ? 30 : 0;
}

/* A baseline of k runs (runner factors within +-4 %) of n requests per
 * endpoint, then one current run with the change. */
static void make_world(struct world *w, size_t k, size_t n, const struct change *c)
{
	static const double runner[] = { 1.00, 1.04, 0.97, 1.02, 0.99, 1.01 };

	memset(w, 0, sizeof(*w));
	fx_init(&w->f);
	for (size_t r = 0; r < k; r++) {
		fx_run(&w->f, (int64_t)r + 1);
		set_disturbance(&w->f.runs[r], c ? c->disturbance_base * (1 + 0.1 * (double)r) : 0);
		for (size_t e = 0; e < NEPS; e++)
			fx_lognormal(&w->f, eps[e].key, n, eps[e].median_ms * runner[r % 6], eps[e].sigma, 0,
				     1000);
	}
	w->base_report = fx_report(&w->f, 0, k);
	ck_assert_int_eq(e2e_baseline_from_report(w->base_report, 1767312000000, "0.1.0", &w->base), 0);
	w->base->name = e2e_xstrdup("baselines/shop.json");
	fx_run(&w->f, 100);
	if (c && c->cores)
		w->f.runs[k].host_cores = c->cores;
	set_disturbance(&w->f.runs[k], c ? c->disturbance_cur : 0);
	for (size_t e = 0; e < NEPS; e++) {
		size_t cnt = c && c->count[e] ? c->count[e] : n;
		double scale = (c && c->scale[e] ? c->scale[e] : 1) * (c && c->runner ? c->runner : 1);

		if (cnt == SIZE_MAX)
			continue;
		fx_lognormal(&w->f, eps[e].key, cnt, eps[e].median_ms * scale, eps[e].sigma,
			     c ? c->error_every[e] : 0, 1000);
	}
	if (c && c->extra)
		fx_lognormal(&w->f, "DELETE /orders/{id}", n, 10, 0.3, 0, 10);
	w->cur = fx_report(&w->f, k, 1);
}

static void compare(struct world *w, double threshold, enum e2e_fail_on fail_on,
		    const struct e2e_rules *rules)
{
	struct e2e_gate_config cfg = { threshold, 1.0, fail_on, rules };

	ck_assert_msg(e2e_gate_compare(w->cur, w->base, &cfg, &w->g) == 0, "%s", e2e_error_message());
}

static void world_finish(struct world *w)
{
	e2e_gate_result_destroy(w->g);
	e2e_baseline_destroy(w->base);
	e2e_report_destroy(w->base_report);
	e2e_report_destroy(w->cur);
	fx_finish(&w->f);
}

static const struct e2e_endpoint_cmp *ep(const struct e2e_gate_result *g, const char *key)
{
	for (size_t i = 0; i < g->nendpoints; i++)
		if (strcmp(g->endpoints[i].key, key) == 0)
			return &g->endpoints[i];
	ck_abort_msg("no comparison for '%s'", key);
	return NULL;
}

static size_t count_verdict(const struct e2e_gate_result *g, enum e2e_verdict v)
{
	size_t n = 0;

	for (size_t i = 0; i < g->nendpoints; i++)
		n += g->endpoints[i].verdict == v;
	return n;
}

static const struct e2e_finding *finding(const struct e2e_gate_result *g, const char *kind)
{
	for (size_t i = 0; i < g->nfindings; i++)
		if (strcmp(g->findings[i].kind, kind) == 0)
			return &g->findings[i];
	return NULL;
}

START_TEST(test_unchanged_passes)
{
	struct world w;

	make_world(&w, 5, 300, NULL);
	compare(&w, 50, E2E_FAIL_ON_WARNING, NULL);
	ck_assert_uint_eq(w.g->nendpoints, NEPS);
	ck_assert_uint_eq(count_verdict(w.g, E2E_VERDICT_PASS), NEPS);
	ck_assert_int_eq(w.g->overall, E2E_VERDICT_PASS);
	ck_assert_int_eq(w.g->worst, E2E_SEVERITY_NONE);
	ck_assert(!w.g->failed);
	ck_assert(!w.g->environment_shift);
	ck_assert(!w.g->single_run_baseline);
	ck_assert(!w.g->host_mismatch);
	ck_assert_uint_eq(w.g->baseline_runs, 5);
	ck_assert_str_eq(w.g->baseline_name, "baselines/shop.json");
	ck_assert_uint_eq(w.g->env_endpoints, NEPS);
	ck_assert_uint_eq(w.g->nadvice, 0);
	ck_assert_ptr_null(finding(w.g, "host_mismatch"));
	for (size_t i = 0; i < NEPS; i++)
		for (int m = 0; m < E2E_METRIC__COUNT; m++) {
			const struct e2e_metric_cmp *mc = &w.g->endpoints[i].metrics[m];

			ck_assert_int_eq(mc->metric, m);
			ck_assert_msg(mc->verdict == E2E_VERDICT_PASS, "%s %s: %s", w.g->endpoints[i].key,
				      e2e_metric_name(m), e2e_verdict_name(mc->verdict));
			if (m != E2E_METRIC_ERROR_RATE && m != E2E_METRIC_CPU) /* no CPU sampled here */
				ck_assert_msg(mc->ci_lo_pct < mc->judged_pct &&
						      mc->judged_pct < mc->ci_hi_pct,
					      "%s %s", w.g->endpoints[i].key, e2e_metric_name(m));
		}
	world_finish(&w);
}
END_TEST

/* The end of a case built on its own fixture: the comparison, the
 * baseline, both reports and the fixture. */
static void case_finish(struct e2e_gate_result *g, struct e2e_baseline *b, struct e2e_report *br,
			struct e2e_report *cur, struct fx *f)
{
	e2e_gate_result_destroy(g);
	e2e_baseline_destroy(b);
	e2e_report_destroy(br);
	e2e_report_destroy(cur);
	fx_finish(f);
}

/* A slow mode of 6 % (x5) puts the P95 just inside it: its sampling
 * variance, read across +-2 standard errors of its rank, spans the gap,
 * so the gate judges P95 on its band (P95..P99, all in the slow mode).
 * Unchanged, it passes; the slow mode 50 % slower is a P95 regression
 * reported with the P95's own values. Without the band (a baseline file
 * from before it was kept) the P95 alone is within the noise (its P99
 * still finds the change). */
static void bimodal_run(struct fx *f, int64_t id, double runner, double slow_x)
{
	uint32_t pid;

	fx_run(f, id);
	for (size_t e = 0; e < NEPS; e++)
		fx_lognormal(f, eps[e].key, 300, eps[e].median_ms * runner, eps[e].sigma, 0, 1000);
	pid = fx_endpoint(f, "GET /search");
	for (size_t i = 0; i < 1000; i++) {
		double x = 20 * runner * exp(0.2 * fx_gauss(f));

		fx_add(f, pid, i % 50 < 3 ? x * 5 * slow_x : x, 200, 1000);
	}
}

START_TEST(test_p95_band)
{
	static const double runner[] = { 1.00, 1.04, 0.97, 1.02, 0.99 };
	const double slow[] = { 1, 1.5 };
	const enum e2e_verdict want[2][2] = { { E2E_VERDICT_PASS, E2E_VERDICT_REGRESSION },
					      { E2E_VERDICT_PASS, E2E_VERDICT_INCONCLUSIVE } };

	for (int old = 0; old < 2; old++)
		for (int c = 0; c < 2; c++) {
			struct fx f;
			struct e2e_report *br, *cur;
			struct e2e_baseline *b;
			struct e2e_gate_config cfg = { 20, 1.0, E2E_FAIL_ON_WARNING, NULL };
			struct e2e_gate_result *g;
			const struct e2e_metric_cmp *mc;

			fx_init(&f);
			for (size_t r = 0; r < 5; r++)
				bimodal_run(&f, (int64_t)r + 1, runner[r], 1);
			br = fx_report(&f, 0, 5);
			ck_assert_int_eq(e2e_baseline_from_report(br, 1767312000000, "0.1.0", &b), 0);
			for (size_t e = 0; old && e < b->nendpoints; e++)
				for (size_t r = 0; r < b->endpoints[e].nruns; r++)
					b->endpoints[e].runs[r].p95_band_ms = NAN;
			bimodal_run(&f, 100, 1.01, slow[c]);
			cur = fx_report(&f, 5, 1);
			ck_assert_int_eq(e2e_gate_compare(cur, b, &cfg, &g), 0);
			mc = &ep(g, "GET /search")->metrics[E2E_METRIC_P95];
			ck_assert_msg(mc->verdict == want[old][c], "old %d change %d: %s", old, c,
				      e2e_verdict_name(mc->verdict));
			ck_assert(mc->current == e2e_report_find(cur, "GET /search")->p95_ms);
			ck_assert_uint_eq(count_verdict(g, E2E_VERDICT_REGRESSION), (size_t)c);
			case_finish(g, b, br, cur, &f);
		}
}
END_TEST

/* P95's sampling variance in the current run: its own read-off (from
 * its sorted requests) pooled with the baseline runs' at its request
 * count, weighted by the runs each rests on (1 and 5), not the larger of
 * the two. Known sample: five quiet runs, then one whose GET /users is
 * twice as spread (sigma 0.8, median x0.52: its P95 about level), so its
 * own read-off is the larger and weighs 1/6. The P95's judged change and
 * 95 % interval, exact; the rule before (the larger read-off, whole)
 * gave -20.1..+15.2 %. */
START_TEST(test_p95_sampling_pooled)
{
	struct fx f;
	struct e2e_report *br, *cur;
	struct e2e_baseline *b;
	struct e2e_gate_config cfg = { 20, 1.0, E2E_FAIL_ON_WARNING, NULL };
	struct e2e_gate_result *g;
	const struct e2e_metric_cmp *mc;

	fx_init(&f);
	for (size_t r = 0; r < 6; r++) {
		fx_run(&f, r < 5 ? (int64_t)r + 1 : 100);
		for (size_t e = 0; e < NEPS; e++) {
			bool wide = r == 5 && e == 1;

			fx_lognormal(&f, eps[e].key, 400, eps[e].median_ms * (wide ? 0.52 : 1),
				     eps[e].sigma * (wide ? 2 : 1), 0, 1000);
		}
	}
	br = fx_report(&f, 0, 5);
	ck_assert_int_eq(e2e_baseline_from_report(br, 1767312000000, "0.1.0", &b), 0);
	cur = fx_report(&f, 5, 1);
	ck_assert_int_eq(e2e_gate_compare(cur, b, &cfg, &g), 0);
	mc = &ep(g, "GET /users")->metrics[E2E_METRIC_P95];
	ck_assert_double_eq_tol(mc->judged_pct, -4.064729, 1e-6);
	ck_assert_double_eq_tol(mc->ci_lo_pct, -15.725845, 1e-6);
	ck_assert_double_eq_tol(mc->ci_hi_pct, 9.209950, 1e-6);
	case_finish(g, b, br, cur, &f);
}
END_TEST

/* The family's 2 % is shared among the tests by how likely each is to
 * reach the threshold and floor by chance: with a threshold no test can
 * reach every test gets the whole 2 %, with a tiny one it is Bonferroni
 * over the tests that can reach the floor, and in between the level grows
 * with the threshold. */
START_TEST(test_shared_level)
{
	static const double thresholds[] = { 1e-9, 10, 20, 50, 1e6 };
	double level[5];
	struct world w;

	make_world(&w, 5, 300, NULL);
	for (size_t i = 0; i < 5; i++) {
		e2e_gate_result_destroy(w.g);
		compare(&w, thresholds[i], E2E_FAIL_ON_WARNING, NULL);
		ck_assert_uint_eq(w.g->comparisons, NEPS * 4);
		level[i] = w.g->test_level;
	}
	/* any increase is over the threshold, but the 1 ms floor is out of
	 * reach for the four tests of /health (0.4 ms): the other 20 share */
	ck_assert_double_eq_tol(level[0], 0.02 / (NEPS * 4 - 4), 1e-6);
	ck_assert_double_ge(level[1], level[0]);
	for (size_t i = 2; i < 5; i++)
		ck_assert_double_gt(level[i], level[i - 1]);
	ck_assert_double_eq_tol(level[4], 0.02, 1e-15);
	world_finish(&w);
}
END_TEST

START_TEST(test_slower_endpoints)
{
	static const struct {
		double scale, threshold;
		enum e2e_severity want;
		bool failed_on_critical;
	} cases[] = {
		{ 2.0, 50, E2E_SEVERITY_CRITICAL, true },
		{ 1.6, 50, E2E_SEVERITY_WARNING, false },
		{ 1.6, 25, E2E_SEVERITY_CRITICAL, true },
		{ 1.3, 20, E2E_SEVERITY_WARNING, false },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct change c = { .scale = { [0] = cases[i].scale } };
		struct world w;
		const struct e2e_endpoint_cmp *e;

		make_world(&w, 5, 300, &c);
		compare(&w, cases[i].threshold, E2E_FAIL_ON_WARNING, NULL);
		e = ep(w.g, "GET /users/{id}");
		ck_assert_int_eq(e->verdict, E2E_VERDICT_REGRESSION);
		ck_assert_msg(e->severity == cases[i].want, "case %zu: %s", i,
			      e2e_severity_name(e->severity));
		ck_assert_int_eq(e->metrics[E2E_METRIC_P50].verdict, E2E_VERDICT_REGRESSION);
		ck_assert_int_eq(e->metrics[E2E_METRIC_MEAN].verdict, E2E_VERDICT_REGRESSION);
		ck_assert_int_eq(e->metrics[E2E_METRIC_ERROR_RATE].verdict, E2E_VERDICT_PASS);
		ck_assert_msg(e->metrics[E2E_METRIC_P50].ci_lo_pct > 0, "case %zu", i);
		ck_assert_uint_eq(count_verdict(w.g, E2E_VERDICT_REGRESSION), 1);
		ck_assert_str_eq(w.g->endpoints[0].key, "GET /users/{id}"); /* regressions first */
		ck_assert_int_eq(w.g->overall, E2E_VERDICT_REGRESSION);
		ck_assert_int_eq(w.g->worst, cases[i].want);
		ck_assert(w.g->failed);
		ck_assert(!w.g->environment_shift);
		e2e_gate_result_destroy(w.g);
		compare(&w, cases[i].threshold, E2E_FAIL_ON_CRITICAL, NULL);
		ck_assert_int_eq(w.g->failed, cases[i].failed_on_critical);
		e2e_gate_result_destroy(w.g);
		compare(&w, cases[i].threshold, E2E_FAIL_ON_NEVER, NULL);
		ck_assert(!w.g->failed);
		world_finish(&w);
	}
}
END_TEST

/* A current run markedly more disturbed than the baseline's runs: latency
 * regressions the disturbance can explain are inconclusive, a p50 that
 * moved 2 x the threshold, or beyond what the disturbance added to the
 * other endpoints' p50 (nothing here: case 0), still fails; not disturbed
 * enough, or a side that did not measure it, and the gate judges as
 * always. */
START_TEST(test_runner_disturbed)
{
	static const struct {
		double scale, base, cur;
		bool disturbed, failed;
		enum e2e_verdict p50, mean;
	} cases[] = {
		{ 1.6, 0.05, 3.0, true, true, E2E_VERDICT_REGRESSION, E2E_VERDICT_INCONCLUSIVE },
		{ 2.5, 0.05, 3.0, true, true, E2E_VERDICT_REGRESSION, E2E_VERDICT_INCONCLUSIVE },
		{ 1.6, 0.05, 0.15, false, true, E2E_VERDICT_REGRESSION, E2E_VERDICT_REGRESSION },
		{ 1.6, 0, 3.0, false, true, E2E_VERDICT_REGRESSION, E2E_VERDICT_REGRESSION },
		{ 1.6, 0.05, 0, false, true, E2E_VERDICT_REGRESSION, E2E_VERDICT_REGRESSION },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct change c = { .scale = { [0] = cases[i].scale },
				    .disturbance_base = cases[i].base,
				    .disturbance_cur = cases[i].cur };
		const struct e2e_endpoint_cmp *e;
		const struct e2e_finding *f;
		struct world w;

		make_world(&w, 5, 300, &c);
		compare(&w, 50, E2E_FAIL_ON_WARNING, NULL);
		e = ep(w.g, "GET /users/{id}");
		ck_assert_msg(w.g->runner_disturbed == cases[i].disturbed, "case %zu", i);
		ck_assert_msg(w.g->failed == cases[i].failed, "case %zu", i);
		ck_assert_msg(e->metrics[E2E_METRIC_P50].verdict == cases[i].p50, "case %zu: p50 %s", i,
			      e2e_verdict_name(e->metrics[E2E_METRIC_P50].verdict));
		ck_assert_msg(e->metrics[E2E_METRIC_MEAN].verdict == cases[i].mean, "case %zu: mean %s", i,
			      e2e_verdict_name(e->metrics[E2E_METRIC_MEAN].verdict));
		f = finding(w.g, "runner_disturbed");
		ck_assert_msg((f != NULL) == cases[i].disturbed, "case %zu", i);
		if (cases[i].disturbed) {
			ck_assert_str_eq(e->metrics[E2E_METRIC_MEAN].reason, "runner disturbed");
			ck_assert_int_eq(e->verdict,
					 cases[i].failed ? E2E_VERDICT_REGRESSION : E2E_VERDICT_INCONCLUSIVE);
			ck_assert_uint_ge(w.g->disturbance_set_aside, 2);
			ck_assert_double_eq_tol(w.g->disturbance_current, 3.0, 1e-9);
			ck_assert_double_eq_tol(w.g->disturbance_baseline, 0.05 * 1.2, 1e-9);
			ck_assert_double_eq_tol(w.g->disturbance_baseline_max, 0.05 * 1.4, 1e-9);
			ck_assert_msg(strstr(f->message, "runner disturbed: run-queue wait 3.00 ms per CPU "
							 "ms in this run, 0.06 in the baseline's runs "
							 "(median, at most 0.07)") == f->message,
				      "%s", f->message);
			ck_assert_int_eq(f->severity, E2E_SEVERITY_NONE);
		}
		world_finish(&w);
	}
}
END_TEST

/* A busy runner adds delay to every request (a few ms, more in the
 * tail) rather than a factor: a p50 that moved beyond the delay the run's
 * endpoints share fails even below 2 x the threshold, and an unchanged
 * run or a tail-only change stays inconclusive (runner disturbed). */
START_TEST(test_disturbed_delay)
{
	static const double median_ms[] = { 10, 15, 20, 25, 30, 40 };
	static const char *const keys[] = { "GET /a", "GET /b", "GET /c", "GET /d", "GET /e", "GET /f" };
	enum { K = 5, N = 300, NE = 6, C = 2 /* GET /c changes */ };
	static const struct {
		double p50_ms; /* added to every request of GET /c */
		double tail_ms; /* added to every 4th request of GET /c */
		bool failed;
		enum e2e_verdict p50;
	} cases[] = {
		{ 0, 0, false, E2E_VERDICT_PASS },
		{ 14, 0, true, E2E_VERDICT_REGRESSION },
		{ 0, 60, false, E2E_VERDICT_PASS },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct e2e_gate_config cfg = { 50, 1.0, E2E_FAIL_ON_WARNING, NULL };
		struct e2e_report *base_report, *cur;
		struct e2e_baseline *b;
		struct e2e_gate_result *g;
		const struct e2e_metric_cmp *m;
		struct fx f;

		fx_init(&f);
		for (size_t r = 0; r <= K; r++) {
			fx_run(&f, (int64_t)r + 1);
			set_disturbance(&f.runs[r], r < K ? 0.05 : 3.0);
			for (size_t e = 0; e < NE; e++) {
				uint32_t id = fx_endpoint(&f, keys[e]);

				for (size_t j = 0; j < N; j++) {
					double ms = median_ms[e] * exp(0.2 * fx_gauss(&f));

					/* the busy runner: +3 ms, +25 ms on every 5th */
					if (r == K)
						ms += 3 + (j % 5 == 0 ? 25 : 0) +
						      (e == C ? cases[i].p50_ms +
									(j % 4 == 1 ? cases[i].tail_ms : 0)
							      : 0);
					fx_add(&f, id, ms, 200, 100);
				}
			}
		}
		base_report = fx_report(&f, 0, K);
		ck_assert_int_eq(e2e_baseline_from_report(base_report, 1767312000000, "0.1.0", &b), 0);
		cur = fx_report(&f, K, 1);
		ck_assert_msg(e2e_gate_compare(cur, b, &cfg, &g) == 0, "%s", e2e_error_message());
		ck_assert_msg(g->runner_disturbed, "case %zu", i);
		ck_assert_uint_eq(g->disturbance_delay_n, NE);
		/* 3 ms, and the median moves up past the 20 % of +25 ms: by about
		 * 6.6 % of the endpoints' median p50 (22.5 ms) */
		ck_assert_msg(fabs(g->disturbance_delay_ms - 4.5) < 0.7, "case %zu: delay %g ms", i,
			      g->disturbance_delay_ms);
		ck_assert_msg(g->failed == cases[i].failed, "case %zu", i);
		m = &ep(g, "GET /c")->metrics[E2E_METRIC_P50];
		ck_assert_msg(m->verdict == cases[i].p50, "case %zu: p50 %s (%s)", i,
			      e2e_verdict_name(m->verdict), m->reason ? m->reason : "");
		if (cases[i].failed) {
			struct e2e_buf msg = E2E_BUF_INIT;

			/* +14 ms on 20 ms: +70 % beyond the delay, +65 % after a factor */
			ck_assert_msg(m->judged_pct > 60 && m->judged_pct < 80, "judged %g", m->judged_pct);
			ck_assert_double_eq(m->disturbance_ms, g->disturbance_delay_ms);
			ck_assert_int_eq(m->severity, E2E_SEVERITY_WARNING);
			e2e_gate_format_metric(m, NULL, &msg);
			ck_assert_msg(strstr(msg.data, "% beyond the 4.") &&
					      strstr(msg.data, " ms the runner disturbance added, 95% CI "),
				      "%s", msg.data);
			e2e_buf_finish(&msg);
		} else {
			/* the tails are set aside, never a regression */
			ck_assert_uint_ge(g->disturbance_set_aside, 1);
			ck_assert_int_eq(ep(g, "GET /c")->verdict, E2E_VERDICT_INCONCLUSIVE);
			ck_assert_str_eq(ep(g, "GET /c")->metrics[E2E_METRIC_P95].reason, "runner disturbed");
			ck_assert_double_eq(m->disturbance_ms, 0);
		}
		ck_assert_msg(
			strstr(finding(g, "runner_disturbed")->message, "it added to the p50 of 6 endpoints"),
			"%s", finding(g, "runner_disturbed")->message);
		case_finish(g, b, base_report, cur, &f);
	}
}
END_TEST

START_TEST(test_floor_and_few_samples)
{
	/* GET /health: 0.4 ms x2 = +0.4 ms (p99 +0.64 ms), under the 1 ms floor;
	 * GET /products: 20 requests, so p95 and p99 cannot be judged */
	struct change c = { .scale = { [5] = 2 }, .count = { [4] = 20 } };
	struct world w;
	const struct e2e_endpoint_cmp *h, *p;
	struct e2e_buf line = E2E_BUF_INIT;

	make_world(&w, 5, 300, &c);
	compare(&w, 10, E2E_FAIL_ON_WARNING, NULL);
	h = ep(w.g, "GET /health");
	ck_assert_int_eq(h->metrics[E2E_METRIC_P50].verdict, E2E_VERDICT_PASS);
	ck_assert_str_eq(h->metrics[E2E_METRIC_P50].reason, "below the absolute floor");
	ck_assert_int_eq(h->verdict, E2E_VERDICT_PASS);
	p = ep(w.g, "GET /products");
	ck_assert_uint_eq(p->n_current, 20);
	ck_assert_int_eq(p->metrics[E2E_METRIC_P50].verdict, E2E_VERDICT_PASS);
	ck_assert_int_eq(p->metrics[E2E_METRIC_P95].verdict, E2E_VERDICT_INCONCLUSIVE);
	ck_assert_str_eq(p->metrics[E2E_METRIC_P95].reason, "too few samples");
	ck_assert_uint_eq(p->metrics[E2E_METRIC_P95].n_needed, 40);
	ck_assert_int_eq(p->metrics[E2E_METRIC_P99].verdict, E2E_VERDICT_INCONCLUSIVE);
	ck_assert_uint_eq(p->metrics[E2E_METRIC_P99].n_needed, 100);
	ck_assert_int_eq(p->verdict, E2E_VERDICT_PASS); /* what could be judged passed */
	e2e_gate_format_metric(&p->metrics[E2E_METRIC_P99], p->key, &line);
	ck_assert_msg(
		strstr(line.data,
		       ") inconclusive: too few samples (20 now, 1,500 in the baseline; p99 needs 100)"),
		"%s", line.data);
	e2e_buf_finish(&line);
	world_finish(&w);
}
END_TEST

START_TEST(test_environment_shift)
{
	struct change c = { .runner = 1.4 };
	struct world w;
	const struct e2e_finding *f;

	make_world(&w, 5, 300, &c);
	compare(&w, 20, E2E_FAIL_ON_WARNING, NULL);
	ck_assert_uint_eq(count_verdict(w.g, E2E_VERDICT_REGRESSION), 0);
	ck_assert(!w.g->failed);
	ck_assert(w.g->environment_shift);
	ck_assert_msg(w.g->environment_factor > 1.35 && w.g->environment_factor < 1.45, "%g",
		      w.g->environment_factor);
	ck_assert_uint_eq(w.g->env_endpoints, NEPS);
	ck_assert_uint_eq(w.g->env_agree, NEPS);
	f = finding(w.g, "environment_shift");
	ck_assert_ptr_nonnull(f);
	ck_assert_int_eq(f->severity, E2E_SEVERITY_NONE);
	ck_assert_ptr_null(f->endpoint);
	ck_assert_msg(
		strncmp(f->message, "environment shift: 6 of 6 endpoints moved together, p50 x1.", 59) == 0,
		"%s", f->message);
	ck_assert_str_eq(w.g->advice[0].kind, "environment");
	ck_assert(strncmp(w.g->advice[0].message, "6 of 6 endpoints moved together (p50 x1.", 40) == 0);
	/* each metric's line names the raw change and the judged one */
	for (size_t i = 0; i < w.g->nendpoints; i++) {
		const struct e2e_metric_cmp *mc = &w.g->endpoints[i].metrics[E2E_METRIC_P50];

		ck_assert(mc->delta_pct > 25);
		ck_assert(fabs(mc->judged_pct) < 15);
		ck_assert(mc->env_factor > 1.35);
	}
	world_finish(&w);

	/* and a regression on top of it is still found */
	c.scale[2] = 2.0;
	make_world(&w, 5, 300, &c);
	compare(&w, 50, E2E_FAIL_ON_WARNING, NULL);
	ck_assert(w.g->environment_shift);
	ck_assert_uint_eq(count_verdict(w.g, E2E_VERDICT_REGRESSION), 1);
	ck_assert_int_eq(ep(w.g, "POST /orders")->verdict, E2E_VERDICT_REGRESSION);
	world_finish(&w);
}
END_TEST

START_TEST(test_new_missing_improved)
{
	struct change c = { .count = { [3] = SIZE_MAX }, .scale = { [1] = 0.4 }, .extra = true };
	struct world w;
	const struct e2e_endpoint_cmp *e;
	struct e2e_buf line = E2E_BUF_INIT;

	make_world(&w, 5, 300, &c);
	compare(&w, 50, E2E_FAIL_ON_WARNING, NULL);
	ck_assert_uint_eq(w.g->nendpoints, NEPS + 1);
	e = ep(w.g, "GET /orders/{id}");
	ck_assert_int_eq(e->verdict, E2E_VERDICT_MISSING);
	ck_assert_uint_eq(e->n_current, 0);
	ck_assert_uint_eq(e->n_baseline, 1500);
	e2e_gate_format_metric(&e->metrics[E2E_METRIC_P50], e->key, &line);
	ck_assert_msg(strncmp(line.data, "GET /orders/{id}: missing endpoint (baseline p50 1", 50) == 0, "%s",
		      line.data);
	ck_assert_msg(strstr(line.data, " ms, 1,500 requests) missing"), "%s", line.data);
	e = ep(w.g, "DELETE /orders/{id}");
	ck_assert_int_eq(e->verdict, E2E_VERDICT_NEW);
	ck_assert_uint_eq(e->n_baseline, 0);
	e = ep(w.g, "GET /users");
	ck_assert_int_eq(e->verdict, E2E_VERDICT_IMPROVED);
	ck_assert_int_eq(e->metrics[E2E_METRIC_P50].verdict, E2E_VERDICT_IMPROVED);
	ck_assert(e->metrics[E2E_METRIC_P50].ci_hi_pct < 0);
	ck_assert_int_eq(w.g->overall, E2E_VERDICT_IMPROVED);
	ck_assert(!w.g->failed);
	e2e_buf_finish(&line);
	world_finish(&w);
}
END_TEST

START_TEST(test_error_rate)
{
	/* 0 % -> 20 % on GET /users/{id}; 0 % -> 0.3 % (1 in 300) on POST
	 * /orders stays under the 0.5 point floor */
	struct change c = { .error_every = { [0] = 5, [2] = 300 } };
	struct world w;
	const struct e2e_metric_cmp *m;
	struct e2e_buf line = E2E_BUF_INIT;

	make_world(&w, 5, 300, &c);
	compare(&w, 50, E2E_FAIL_ON_WARNING, NULL);
	m = &ep(w.g, "GET /users/{id}")->metrics[E2E_METRIC_ERROR_RATE];
	ck_assert_int_eq(m->verdict, E2E_VERDICT_REGRESSION);
	ck_assert_int_eq(m->severity, E2E_SEVERITY_CRITICAL);
	ck_assert(m->baseline == 0);
	ck_assert(fabs(m->current - 0.2) < 1e-12);
	ck_assert(isnan(m->delta_pct));
	ck_assert(fabs(m->judged_pct - 20) < 1e-9);
	e2e_gate_format_metric(m, "GET /users/{id}", &line);
	ck_assert_str_eq(line.data,
			 "GET /users/{id}: error rate 0.0% -> 20.0% (+20.0 pp, 95% CI +15.5..+24.5 pp) "
			 "regression [critical]");
	m = &ep(w.g, "POST /orders")->metrics[E2E_METRIC_ERROR_RATE];
	ck_assert_int_eq(m->verdict, E2E_VERDICT_PASS);
	ck_assert(w.g->failed);
	e2e_buf_finish(&line);
	world_finish(&w);
}
END_TEST

START_TEST(test_single_run_and_host)
{
	struct change c = { .scale = { [0] = 2.0 }, .cores = 2 };
	struct world w;
	const struct e2e_finding *f;

	make_world(&w, 1, 400, &c);
	compare(&w, 50, E2E_FAIL_ON_WARNING, NULL);
	ck_assert(w.g->single_run_baseline);
	ck_assert_uint_eq(w.g->baseline_runs, 1);
	f = finding(w.g, "single_run_baseline");
	ck_assert_ptr_nonnull(f);
	ck_assert_str_eq(f->message,
			 "the baseline has one source run: run-to-run noise cannot be measured, default "
			 "floors are used (sd p50 10%, p95 12%, p99 15%, mean 12%); build it from "
			 "several runs (--repeat 5 or --runs 5) for a sharper gate");
	ck_assert(w.g->host_mismatch);
	f = finding(w.g, "host_mismatch");
	ck_assert_int_eq(f->severity, E2E_SEVERITY_WARNING);
	ck_assert_str_eq(f->message,
			 "host differs from the baseline's: baseline 'Test CPU', 4 cores, 'Linux 6.1'; "
			 "this run 'Test CPU', 2 cores, 'Linux 6.1'");
	/* 2x is still a critical regression with the default floors */
	ck_assert_int_eq(ep(w.g, "GET /users/{id}")->severity, E2E_SEVERITY_CRITICAL);
	ck_assert_uint_eq(count_verdict(w.g, E2E_VERDICT_REGRESSION), 1);
	world_finish(&w);
}
END_TEST

START_TEST(test_rules)
{
	static const char text[] = "{\"rules\": ["
				   "{\"match\": \"GET /users/*\", \"max_p50_ms\": 10},"
				   "{\"match\": \"/products\", \"max_p99_ms\": 100000, \"max_avg_ms\": 50, "
				   "\"severity\": \"warning\"},"
				   "{\"match\": \"POST /orders\", \"regression_pct\": 10}],"
				   " \"ignore\": [\"/health\"]}";
	struct change c = { .scale = { [2] = 1.3, [5] = 5 } };
	struct e2e_rules *rules;
	struct world w;
	struct e2e_gate_config cfg = { 50, 1, E2E_FAIL_ON_CRITICAL, NULL };
	size_t nrule = 0;

	ck_assert_int_eq(e2e_rules_parse(text, strlen(text), "rules.json", &rules), 0);
	make_world(&w, 5, 300, &c);
	compare(&w, 50, E2E_FAIL_ON_CRITICAL, rules);
	/* ignored: not compared at all, though 5x slower */
	for (size_t i = 0; i < w.g->nendpoints; i++)
		ck_assert_str_ne(w.g->endpoints[i].key, "GET /health");
	/* regression_pct 10 for POST /orders: +30 % is critical there */
	ck_assert_int_eq(ep(w.g, "POST /orders")->verdict, E2E_VERDICT_REGRESSION);
	ck_assert_int_eq(ep(w.g, "POST /orders")->severity, E2E_SEVERITY_CRITICAL);
	ck_assert(ep(w.g, "POST /orders")->metrics[E2E_METRIC_P50].threshold_pct == 10);
	for (size_t i = 0; i < w.g->nfindings; i++) {
		const struct e2e_finding *f = &w.g->findings[i];

		if (strcmp(f->kind, "rule") != 0)
			continue;
		nrule++;
		if (strcmp(f->endpoint, "GET /users/{id}") == 0) {
			ck_assert_int_eq(f->severity, E2E_SEVERITY_CRITICAL);
			ck_assert_msg(
				strncmp(f->message, "p50 ", 4) == 0 &&
					strstr(f->message,
					       " exceeds max_p50_ms 10.0 ms (rules[0] 'GET /users/*', 300 "
					       "requests) breach [critical]"),
				"%s", f->message);
		} else {
			ck_assert_str_eq(f->endpoint, "GET /products");
			ck_assert_int_eq(f->severity, E2E_SEVERITY_WARNING);
			ck_assert(strstr(f->message, "mean ") &&
				  strstr(f->message, "exceeds max_avg_ms 50.0 ms"));
		}
	}
	ck_assert_uint_eq(nrule, 2);
	ck_assert_int_eq(ep(w.g, "GET /users/{id}")->breach, E2E_SEVERITY_CRITICAL);
	ck_assert_int_eq(ep(w.g, "GET /products")->breach, E2E_SEVERITY_WARNING);
	ck_assert_int_eq(ep(w.g, "GET /users")->breach, E2E_SEVERITY_NONE);
	ck_assert_int_eq(w.g->worst, E2E_SEVERITY_CRITICAL);
	ck_assert(w.g->failed);
	e2e_gate_result_destroy(w.g);
	w.g = NULL;
	e2e_rules_destroy(rules);

	/* a rule that matches nothing is an error, never a silent pass */
	{
		static const char nope[] = "{\"rules\": [{\"match\": \"GET /nope/**\", \"max_p95_ms\": 1}]}";

		ck_assert_int_eq(e2e_rules_parse(nope, strlen(nope), "rules.json", &rules), 0);
	}
	cfg.rules = rules;
	w.g = (struct e2e_gate_result *)1;
	ck_assert_int_eq(e2e_gate_compare(w.cur, w.base, &cfg, &w.g), E2E_ERR_INPUT);
	ck_assert(w.g == (struct e2e_gate_result *)1);
	ck_assert_str_eq(e2e_error_message(),
			 "'rules.json': rules[0]: pattern 'GET /nope/**' matches no recorded endpoint");
	w.g = NULL;
	/* rules without a baseline: only the limits are checked */
	e2e_rules_destroy(rules);
	ck_assert_int_eq(e2e_rules_parse(text, strlen(text), "rules.json", &rules), 0);
	cfg.rules = rules;
	ck_assert_int_eq(e2e_gate_compare(w.cur, NULL, &cfg, &w.g), 0);
	ck_assert_uint_eq(w.g->nendpoints, 0);
	ck_assert_int_eq(w.g->worst, E2E_SEVERITY_CRITICAL);
	ck_assert(w.g->failed);
	e2e_rules_destroy(rules);
	world_finish(&w);
}
END_TEST

START_TEST(test_format)
{
	static const struct {
		struct e2e_metric_cmp m;
		const char *want;
	} cases[] = {
		{ { .metric = E2E_METRIC_P95,
		    .baseline = 142,
		    .current = 210,
		    .delta_pct = 47.887,
		    .judged_pct = 47.887,
		    .ci_lo_pct = 31.2,
		    .ci_hi_pct = 66.4,
		    .verdict = E2E_VERDICT_REGRESSION,
		    .severity = E2E_SEVERITY_WARNING,
		    .env_factor = 1 },
		  "GET /users/{id}: p95 142 ms -> 210 ms (+48%, 95% CI +31..+66%) regression [warning]" },
		{ { .metric = E2E_METRIC_P50,
		    .baseline = 20,
		    .current = 28.4,
		    .delta_pct = 42,
		    .judged_pct = 1.43,
		    .ci_lo_pct = -3.1,
		    .ci_hi_pct = 6.2,
		    .verdict = E2E_VERDICT_PASS,
		    .env_factor = 1.4,
		    .reason = "within the environment shift" },
		  "GET /users/{id}: p50 20.0 ms -> 28.4 ms (+42%; +1.4% after the x1.40 environment shift, "
		  "95% CI "
		  "-3.1..+6.2%) pass: within the environment shift" },
		{ { .metric = E2E_METRIC_P99,
		    .baseline = 0.512,
		    .current = 4.5,
		    .delta_pct = 778.9,
		    .judged_pct = 778.9,
		    .ci_lo_pct = -12,
		    .ci_hi_pct = 2900,
		    .verdict = E2E_VERDICT_INCONCLUSIVE,
		    .env_factor = 1,
		    .reason = "change within noise" },
		  "GET /users/{id}: p99 0.512 ms -> 4.50 ms (+779%, 95% CI -12..+2,900%) inconclusive: "
		  "change within "
		  "noise" },
		{ { .metric = E2E_METRIC_MEAN,
		    .baseline = 1234.6,
		    .current = 617,
		    .delta_pct = -50.02,
		    .judged_pct = -50.02,
		    .ci_lo_pct = -55,
		    .ci_hi_pct = -45,
		    .verdict = E2E_VERDICT_IMPROVED,
		    .env_factor = 1 },
		  "GET /users/{id}: mean 1,235 ms -> 617 ms (-50%, 95% CI -55..-45%) improved" },
		{ { .metric = E2E_METRIC_ERROR_RATE,
		    .baseline = 0.01,
		    .current = 0.015,
		    .delta_pct = 50,
		    .judged_pct = 0.5,
		    .ci_lo_pct = -0.2,
		    .ci_hi_pct = 1.2,
		    .verdict = E2E_VERDICT_PASS,
		    .env_factor = 1,
		    .reason = "below the absolute floor" },
		  "GET /users/{id}: error rate 1.0% -> 1.5% (+0.5 pp, 95% CI -0.2..+1.2 pp) pass: below "
		  "the absolute "
		  "floor" },
		{ { .metric = E2E_METRIC_P50,
		    .baseline = NAN,
		    .current = 3.25,
		    .delta_pct = NAN,
		    .judged_pct = NAN,
		    .ci_lo_pct = NAN,
		    .ci_hi_pct = NAN,
		    .verdict = E2E_VERDICT_NEW,
		    .n_current = 12,
		    .env_factor = 1 },
		  "GET /users/{id}: new endpoint (now p50 3.25 ms, 12 requests) new" },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct e2e_buf b = E2E_BUF_INIT;

		e2e_gate_format_metric(&cases[i].m, "GET /users/{id}", &b);
		ck_assert_str_eq(b.data, cases[i].want);
		e2e_buf_reset(&b);
		e2e_gate_format_metric(&cases[i].m, NULL, &b);
		ck_assert_str_eq(b.data, cases[i].want + strlen("GET /users/{id}: "));
		e2e_buf_finish(&b);
	}
}
END_TEST

START_TEST(test_names)
{
	ck_assert_str_eq(e2e_verdict_name(E2E_VERDICT_REGRESSION), "regression");
	ck_assert_str_eq(e2e_verdict_name((enum e2e_verdict)99), "unknown");
	ck_assert_str_eq(e2e_severity_name(E2E_SEVERITY_CRITICAL), "critical");
	ck_assert_str_eq(e2e_metric_name(E2E_METRIC_ERROR_RATE), "error_rate");
	e2e_gate_result_destroy(NULL);
}
END_TEST

/* --confirm: hand-made results (the judging itself is tested above). */
static struct e2e_gate_result *confirm_result(const char *const *keys, size_t n)
{
	struct e2e_gate_result *g = e2e_xcalloc(1, sizeof(*g));

	g->endpoints = e2e_xcalloc(n, sizeof(*g->endpoints));
	g->nendpoints = n;
	for (size_t i = 0; i < n; i++) {
		g->endpoints[i].key = e2e_xstrdup(keys[i]);
		for (int m = 0; m < E2E_METRIC__COUNT; m++) {
			g->endpoints[i].metrics[m].metric = (enum e2e_metric)m;
			g->endpoints[i].metrics[m].ci_lo_pct = NAN;
			g->endpoints[i].metrics[m].ci_hi_pct = NAN;
		}
	}
	return g;
}

static void set_metric(struct e2e_gate_result *g, size_t ep, enum e2e_metric m, enum e2e_verdict v,
		       enum e2e_severity sev, const char *reason, double pct)
{
	struct e2e_metric_cmp *mc = &g->endpoints[ep].metrics[m];

	mc->verdict = v;
	mc->severity = sev;
	mc->reason = reason;
	mc->judged_pct = pct;
	if (v == E2E_VERDICT_REGRESSION && sev > g->endpoints[ep].severity) {
		g->endpoints[ep].verdict = v;
		g->endpoints[ep].severity = sev;
	}
	if (v == E2E_VERDICT_REGRESSION && sev > g->worst)
		g->worst = sev;
	g->failed = g->worst >= E2E_SEVERITY_WARNING;
}

START_TEST(test_confirm)
{
	static const char *const keys[] = { "GET /a", "GET /b" };
	struct e2e_gate_result *g = confirm_result(keys, 2), *p1 = confirm_result(keys, 2),
			       *p2 = confirm_result(keys, 2);
	const int64_t runs[] = { 13, 14 };
	const struct e2e_confirmation *c;
	struct e2e_buf line = E2E_BUF_INIT;

	set_metric(g, 0, E2E_METRIC_P50, E2E_VERDICT_REGRESSION, E2E_SEVERITY_WARNING, NULL, 60);
	set_metric(g, 0, E2E_METRIC_P95, E2E_VERDICT_REGRESSION, E2E_SEVERITY_CRITICAL, NULL, 140);
	set_metric(g, 1, E2E_METRIC_P95, E2E_VERDICT_REGRESSION, E2E_SEVERITY_WARNING, NULL, 70);
	ck_assert_uint_eq(e2e_gate_confirm_begin(g, 0, 12, E2E_FAIL_ON_WARNING), 0);
	ck_assert_ptr_null(g->confirmation);
	ck_assert_uint_eq(e2e_gate_confirm_begin(g, 2, 12, E2E_FAIL_ON_WARNING), 3);
	c = g->confirmation;

	/* re-run 1: /a p50 persists, /a p95 is within noise, /b p95 is gone */
	set_metric(p1, 0, E2E_METRIC_P50, E2E_VERDICT_REGRESSION, E2E_SEVERITY_WARNING, NULL, 55);
	set_metric(p1, 0, E2E_METRIC_P95, E2E_VERDICT_INCONCLUSIVE, E2E_SEVERITY_NONE, "change within noise",
		   90);
	set_metric(p1, 1, E2E_METRIC_P95, E2E_VERDICT_PASS, E2E_SEVERITY_NONE, NULL, 4);
	ck_assert(!e2e_gate_confirm_step(g, p1, runs, 1, E2E_FAIL_ON_WARNING));
	ck_assert_int_eq(c->items[0].state, E2E_CONFIRM_CONFIRMED);
	ck_assert_int_eq(c->items[1].state, E2E_CONFIRM_PENDING);
	ck_assert_int_eq(c->items[2].state, E2E_CONFIRM_VANISHED);
	ck_assert(g->failed);
	ck_assert_int_eq(g->worst, E2E_SEVERITY_CRITICAL); /* the pending critical counts */

	/* re-run 2, the last: still within noise, so it vanished */
	set_metric(p2, 0, E2E_METRIC_P50, E2E_VERDICT_PASS, E2E_SEVERITY_NONE, NULL, 5);
	set_metric(p2, 0, E2E_METRIC_P95, E2E_VERDICT_INCONCLUSIVE, E2E_SEVERITY_NONE, "change within noise",
		   80);
	ck_assert(e2e_gate_confirm_step(g, p2, runs, 2, E2E_FAIL_ON_WARNING));
	ck_assert_int_eq(c->items[0].state, E2E_CONFIRM_CONFIRMED); /* decided items stay */
	ck_assert_uint_eq(c->items[0].reruns, 1);
	ck_assert_int_eq(c->items[1].state, E2E_CONFIRM_VANISHED);
	ck_assert_uint_eq(c->items[1].reruns, 2);
	ck_assert_uint_eq(c->confirmed, 1);
	ck_assert_uint_eq(c->vanished, 2);
	ck_assert(g->failed);
	ck_assert_int_eq(g->worst, E2E_SEVERITY_WARNING);
	e2e_gate_confirm_stop(g, 0);
	e2e_gate_format_metric(&g->endpoints[0].metrics[0], NULL, &line); /* the first run's line stays */
	ck_assert_ptr_nonnull(strstr(line.data, "regression [warning]"));
	ck_assert_str_eq(e2e_confirm_state_name(E2E_CONFIRM_VANISHED), "vanished");
	e2e_buf_finish(&line);
	e2e_gate_result_destroy(g);

	/* everything vanishes: the gate passes; --fail-on critical confirms
	 * only the critical one */
	g = confirm_result(keys, 2);
	set_metric(g, 0, E2E_METRIC_P95, E2E_VERDICT_REGRESSION, E2E_SEVERITY_CRITICAL, NULL, 140);
	set_metric(g, 1, E2E_METRIC_P95, E2E_VERDICT_REGRESSION, E2E_SEVERITY_WARNING, NULL, 70);
	ck_assert_uint_eq(e2e_gate_confirm_begin(g, 2, 12, E2E_FAIL_ON_CRITICAL), 1);
	ck_assert(e2e_gate_confirm_step(g, p2, runs, 2, E2E_FAIL_ON_CRITICAL));
	ck_assert(!g->failed);
	ck_assert_int_eq(g->worst, E2E_SEVERITY_WARNING); /* /b's, never an item */
	e2e_gate_result_destroy(g);
	e2e_gate_result_destroy(p1);
	e2e_gate_result_destroy(p2);
}
END_TEST

/* --gate-tests (SPEC section 11): three baseline runs whose tests wobble
 * by a few percent, then one where t0 is three times slower, t1..t5 as
 * before, t6 gone, t_new new and t7 failed. */
#define NT 8
static const double t_base_ms[NT] = { 200, 150, 80, 400, 1200, 30, 90, 60 };
static const double t_wobble[3] = { 1.0, 1.05, 0.96 };

static void tests_of(struct e2e_test *t, size_t *n, int run, bool current)
{
	static const char *const names[NT] = { "t0", "t1", "t2", "t3", "t4", "t5", "t6", "t7" };

	*n = 0;
	for (size_t i = 0; i < NT; i++) {
		double ms = t_base_ms[i] * (current ? (i == 0 ? 3.0 : 1.02) : t_wobble[run]);

		if (current && i == 6)
			continue;
		t[*n] = (struct e2e_test){ (uint32_t)(i + 1),
					   (char *)names[i],
					   (char *)(current && i == 7 ? "failed" : "passed"),
					   0,
					   0,
					   (uint64_t)(ms * 1e6),
					   NULL,
					   0 };
		(*n)++;
	}
	if (current)
		t[(*n)++] = (struct e2e_test){ 99, "t_new", "passed", 0, 0, 5000000, NULL, 0 };
}

START_TEST(test_gate_tests)
{
	struct fx f;
	struct e2e_report *base_report, *cur;
	struct e2e_baseline *b = NULL;
	struct e2e_test bt[3][NT + 1], ct[NT + 1];
	const struct e2e_test *btp[3] = { bt[0], bt[1], bt[2] }, *ctp[1] = { ct };
	size_t bn[3], cn[1];
	struct e2e_gate_config cfg = { 50, 1.0, E2E_FAIL_ON_WARNING, NULL };
	struct e2e_gate_result *g = NULL;
	static const struct {
		const char *name;
		enum e2e_verdict v;
		const char *reason;
	} want[] = {
		{ "t0", E2E_VERDICT_REGRESSION, NULL }, { "t1", E2E_VERDICT_PASS, NULL },
		{ "t2", E2E_VERDICT_PASS, NULL },	{ "t3", E2E_VERDICT_PASS, NULL },
		{ "t4", E2E_VERDICT_PASS, NULL },	{ "t5", E2E_VERDICT_PASS, NULL },
		{ "t6", E2E_VERDICT_MISSING, NULL },	{ "t7", E2E_VERDICT_INCONCLUSIVE, "failed now" },
		{ "t_new", E2E_VERDICT_NEW, NULL },
	};

	fx_init(&f);
	for (int r = 0; r < 3; r++) {
		fx_run(&f, r + 1);
		fx_lognormal(&f, "GET /a", 200, 10, 0.2, 0, 1000);
	}
	fx_run(&f, 100);
	fx_lognormal(&f, "GET /a", 200, 10, 0.2, 0, 1000);
	base_report = fx_report(&f, 0, 3);
	for (int k = 0; k < 3; k++) /* the report's runs are newest first */
		tests_of(bt[k], &bn[k], 2 - k, false);
	ck_assert_int_eq(e2e_report_add_tests(base_report, btp, bn), 0);
	ck_assert_int_eq(e2e_baseline_from_report(base_report, 1767312000000, "0.1.0", &b), 0);
	ck_assert_uint_eq(b->ntests, NT);
	cur = fx_report(&f, 3, 1);
	tests_of(ct, &cn[0], 0, true);
	ck_assert_int_eq(e2e_report_add_tests(cur, ctp, cn), 0);

	ck_assert_int_eq(e2e_gate_compare(cur, b, &cfg, &g), 0); /* not asked: no test judged */
	ck_assert(!g->tests_gated && g->ntests == 0 && !g->failed);
	e2e_gate_result_destroy(g);

	ck_assert_int_eq(e2e_gate_compare_tests(cur, b, &cfg, true, &g), 0);
	ck_assert(g->tests_gated && g->failed);
	ck_assert_int_eq(g->worst, E2E_SEVERITY_CRITICAL);
	ck_assert_uint_eq(g->ntests, 9);
	ck_assert_uint_eq(g->tests_judged, 6);
	ck_assert_str_eq(g->tests[0].name, "t0"); /* regressions first */
	ck_assert_int_eq(g->tests[0].duration.severity, E2E_SEVERITY_CRITICAL);
	ck_assert(fabs(g->tests[0].duration.delta_pct - (600 / (200 * (1 + 1.05 + 0.96) / 3) - 1) * 100) <
		  1e-6);
	for (size_t i = 0; i < sizeof(want) / sizeof(want[0]); i++) {
		const struct e2e_test_cmp *t = NULL;

		for (size_t j = 0; j < g->ntests; j++)
			if (strcmp(g->tests[j].name, want[i].name) == 0)
				t = &g->tests[j];
		ck_assert_msg(t != NULL, "%s", want[i].name);
		ck_assert_msg(t->duration.verdict == want[i].v, "%s: %s", want[i].name,
			      e2e_verdict_name(t->duration.verdict));
		if (want[i].reason)
			ck_assert_str_eq(t->duration.reason, want[i].reason);
	}
	e2e_gate_result_destroy(g);
	e2e_baseline_destroy(b);
	e2e_report_destroy(base_report);
	e2e_report_destroy(cur);
	fx_finish(&f);
}
END_TEST

static Suite *gate_suite(void)
{
	Suite *s = suite_create("gate");
	TCase *tc = tcase_create("gate");

	tcase_set_timeout(tc, 30);
	tcase_add_test(tc, test_unchanged_passes);
	tcase_add_test(tc, test_shared_level);
	tcase_add_test(tc, test_p95_band);
	tcase_add_test(tc, test_p95_sampling_pooled);
	tcase_add_test(tc, test_slower_endpoints);
	tcase_add_test(tc, test_runner_disturbed);
	tcase_add_test(tc, test_disturbed_delay);
	tcase_add_test(tc, test_floor_and_few_samples);
	tcase_add_test(tc, test_environment_shift);
	tcase_add_test(tc, test_new_missing_improved);
	tcase_add_test(tc, test_error_rate);
	tcase_add_test(tc, test_single_run_and_host);
	tcase_add_test(tc, test_rules);
	tcase_add_test(tc, test_format);
	tcase_add_test(tc, test_names);
	tcase_add_test(tc, test_confirm);
	tcase_add_test(tc, test_gate_tests);
	suite_add_tcase(s, tc);
	return s;
}

E2E_TEST_MAIN(gate_suite)
