/* ab.c - perf-ab's paired test (ab.h). For each endpoint both sides have,
 * round r gives x_r = log(B_r / A_r) of a latency metric (A_r, B_r the
 * metric of the round's two runs) and d_r = B_r - A_r of the error rate;
 * their mean over the rounds is the judged change and its standard error
 * s / sqrt(k) (df k - 1) its noise. The verdicts, the shared level and
 * the sum are the gate's own (gate_impl.h). */
#include "ab.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "error.h"
#include "gate_impl.h"
#include "report.h"
#include "stats.h"
#include "banned.h"

/* The rounds' paired differences of one metric: mean, its variance, df. */
struct paired {
	size_t k;
	double mean, var_mean, df;
};

/* Metric m of round r (oldest first) of an endpoint of a report of n runs;
 * NAN when the round's run has no request there. */
static double round_value(const struct e2e_endpoint_report *e, size_t n, size_t r, int m)
{
	const struct e2e_trend_point *t;

	if (!e->per_run)
		return n == 1 ? METRIC_OF(e, m) : NAN;
	t = &e->per_run[n - 1 - r];
	if (!t->count)
		return NAN;
	return m == E2E_METRIC_ERROR_RATE ? (double)t->errors / (double)t->count
	       : m == E2E_METRIC_P50	  ? t->p50_ms
	       : m == E2E_METRIC_P95	  ? t->p95_ms
	       : m == E2E_METRIC_P99	  ? t->p99_ms
					  : t->mean_ms;
}

static void pair_rounds(const struct e2e_endpoint_report *a, const struct e2e_endpoint_report *b, size_t n,
			int m, struct paired *out)
{
	double *x = e2e_xcalloc(n + 1, sizeof(*x)), s2 = 0;
	size_t k = 0;

	for (size_t r = 0; r < n; r++) {
		double va = round_value(a, n, r, m), vb = round_value(b, n, r, m);

		if (isnan(va) || isnan(vb))
			continue;
		if (m == E2E_METRIC_ERROR_RATE)
			x[k++] = vb - va;
		else if (va > 0 && vb > 0)
			x[k++] = log(vb / va);
	}
	memset(out, 0, sizeof(*out));
	out->k = k;
	for (size_t i = 0; i < k; i++)
		out->mean += x[i] / (double)k;
	for (size_t i = 0; i < k; i++)
		s2 += (x[i] - out->mean) * (x[i] - out->mean);
	if (k >= 2) {
		/* a floor: rounds that agree exactly must not make the change certain */
		out->var_mean = fmax(s2 / (double)(k - 1), 1e-8) / (double)k;
		out->df = (double)(k - 1);
	}
	free(x);
}

/* An endpoint of the comparison and its metrics' paired differences. */
struct ab_pair {
	const struct e2e_endpoint_report *a, *b; /* NULL: missing on that side */
	struct paired d[E2E_METRIC__COUNT];
	bool err_tested; /* the error rate is one of the family's tests */
	struct e2e_baseline_endpoint base; /* A, as the gate reads a baseline */
	struct gate_pair gp; /* what the gate's judge reads: cur B, base A */
};

/* A's figures where the gate reads a baseline endpoint's. */
static void as_baseline(const struct e2e_endpoint_report *a, struct e2e_baseline_endpoint *out)
{
	memset(out, 0, sizeof(*out));
	out->key = a->key;
	out->count = a->count;
	out->errors = a->errors;
	out->error_rate = a->error_rate;
	out->mean_ms = a->mean_ms;
	out->p50_ms = a->p50_ms;
	out->p95_ms = a->p95_ms;
	out->p99_ms = a->p99_ms;
}

static bool enough(const struct ab_pair *p, int m)
{
	return p->d[m].k >= 2 && p->a->count >= e2e_gate_min_samples[m] &&
	       p->b->count >= e2e_gate_min_samples[m];
}

/* The latency cells and the error rate's place in the family. Returns the
 * number of tests. */
static size_t model(struct ab_pair *p, size_t n)
{
	size_t tests = 0;

	for (int m = 0; m < E2E_METRIC__COUNT; m++)
		pair_rounds(p->a, p->b, n, m, &p->d[m]);
	for (int m = 0; m < NLAT; m++) {
		struct gate_cell *c = &p->gp.cell[m];

		c->eligible = enough(p, m);
		c->D = p->d[m].mean;
		c->V = p->d[m].var_mean;
		c->df = p->d[m].df;
		tests += c->eligible;
	}
	p->err_tested = enough(p, E2E_METRIC_ERROR_RATE) && (p->a->errors || p->b->errors);
	return tests + p->err_tested;
}

/* The smallest error-rate increase that could be a regression. */
static double err_min(const struct ab_pair *p)
{
	return fmax(ERR_FLOOR, p->gp.threshold / 100 * p->gp.cmp->metrics[E2E_METRIC_ERROR_RATE].baseline);
}

/* The most each test can add to the chance of a false regression (as the
 * gate's latency_cap): reaching its smallest regression by chance. */
static size_t caps(const struct ab_pair *p, double min_delta_ms, double *out)
{
	size_t n = 0;

	for (int m = 0; m < NLAT; m++)
		if (p->gp.cell[m].eligible)
			out[n++] = e2e_gate_cell_cap(&p->gp, m, min_delta_ms);
	if (p->err_tested) {
		const struct paired *d = &p->d[E2E_METRIC_ERROR_RATE];

		out[n++] = e2e_stats_t_upper(err_min(p) / sqrt(d->var_mean), d->df);
	}
	return n;
}

/* The error rate in percentage points, by the gate's rules (judge_errors)
 * on the paired differences. */
static void judge_errors(struct ab_pair *p, double alpha)
{
	struct e2e_metric_cmp *mc = &p->gp.cmp->metrics[E2E_METRIC_ERROR_RATE];
	const struct paired *d = &p->d[E2E_METRIC_ERROR_RATE];
	double se;

	if (!enough(p, E2E_METRIC_ERROR_RATE)) {
		mc->verdict = E2E_VERDICT_INCONCLUSIVE;
		mc->reason = "too few samples";
		return;
	}
	mc->judged_pct = 100 * d->mean;
	if (!p->err_tested)
		return;
	se = sqrt(d->var_mean);
	e2e_gate_err_decide(mc, d->mean, e2e_stats_t_quantile(0.975, d->df) * se, d->mean / se,
			    e2e_stats_t_quantile(1 - alpha, d->df), p->gp.threshold / 100);
}

/* B's endpoints with A's, then the ones only A has. */
static size_t make_pairs(const struct e2e_report *a, const struct e2e_report *b, struct e2e_gate_result *g,
			 double threshold, struct ab_pair **out)
{
	struct ab_pair *pairs = e2e_xcalloc(a->nendpoints + b->nendpoints + 1, sizeof(*pairs));
	size_t np = 0;

	for (size_t i = 0; i < b->nendpoints; i++) {
		pairs[np].b = &b->endpoints[i];
		pairs[np++].a = e2e_report_find(a, b->endpoints[i].key);
	}
	for (size_t i = 0; i < a->nendpoints; i++)
		if (!e2e_report_find(b, a->endpoints[i].key))
			pairs[np++].a = &a->endpoints[i];
	g->endpoints = e2e_xcalloc(np + 1, sizeof(*g->endpoints));
	g->nendpoints = np;
	for (size_t i = 0; i < np; i++) {
		struct ab_pair *p = &pairs[i];

		if (p->a)
			as_baseline(p->a, &p->base);
		p->gp.cur = p->b;
		p->gp.base = p->a ? &p->base : NULL;
		p->gp.cmp = &g->endpoints[i];
		p->gp.threshold = threshold;
		p->gp.cmp->key = e2e_xstrdup(p->b ? p->b->key : p->a->key);
		p->gp.cmp->n_baseline = p->a ? p->a->count : 0;
		p->gp.cmp->n_current = p->b ? p->b->count : 0;
		e2e_gate_init_cmp(&p->gp);
	}
	*out = pairs;
	return np;
}

int e2e_ab_compare(const struct e2e_report *a, const struct e2e_report *b, const struct e2e_gate_config *cfg,
		   const char *a_name, struct e2e_gate_result **out)
{
	struct e2e_gate_result *g;
	struct ab_pair *pairs = NULL;
	double *capv;
	size_t np, ncaps = 0, n = a->nruns;

	if (a->nruns != b->nruns || n < 2)
		return e2e_error(E2E_ERR_INPUT,
				 "an A/B comparison needs the same number of runs (at least 2) on "
				 "each side, not %zu and %zu",
				 a->nruns, b->nruns);
	g = e2e_xcalloc(1, sizeof(*g));
	g->threshold_pct = cfg->threshold_pct;
	g->environment_factor = 1;
	g->baseline_name = e2e_xstrdup(a_name);
	g->baseline_runs = n;
	np = make_pairs(a, b, g, cfg->threshold_pct, &pairs);
	for (size_t i = 0; i < np; i++)
		if (pairs[i].a && pairs[i].b)
			g->comparisons += model(&pairs[i], n);
	capv = e2e_xcalloc(g->comparisons + 1, sizeof(*capv));
	for (size_t i = 0; i < np; i++)
		if (pairs[i].a && pairs[i].b)
			ncaps += caps(&pairs[i], cfg->min_delta_ms, capv + ncaps);
	g->test_level = e2e_gate_family_level(capv, ncaps);
	free(capv);
	for (size_t i = 0; i < np; i++) {
		struct ab_pair *p = &pairs[i];

		if (!p->a || !p->b)
			continue;
		for (int m = 0; m < NLAT; m++)
			e2e_gate_judge_cell(&p->gp, m, g->test_level, cfg->min_delta_ms);
		judge_errors(p, g->test_level);
	}
	free(pairs);
	e2e_gate_sum_up(g, cfg->fail_on);
	*out = g;
	return 0;
}
