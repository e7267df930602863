/* ab.c - perf-ab's paired test (ab.h). For each endpoint both sides have,
 * round r gives x_r = log(B_r / A_r) of a latency metric (A_r, B_r the
 * metric of the round's two runs) and d_r = B_r - A_r of the error rate;
 * their mean over the rounds is the judged change. Its noise: with 5 or
 * more complete endpoints, the rounds' shared part (share_rounds) and
 * each endpoint's own part, moderated across endpoints; else the rounds'
 * own spread s / sqrt(k) (df k - 1). The verdicts, the shared level and
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

/* The rounds' paired differences of one metric: mean, its variance, df;
 * x the round's difference (NAN: none), s2 their variance. */
struct paired {
	size_t k;
	double mean, var_mean, df, s2;
	double *x;
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

/* out->x keeps the rounds' differences (caller frees). */
static void pair_rounds(const struct e2e_endpoint_report *a, const struct e2e_endpoint_report *b, size_t n,
			int m, struct paired *out)
{
	double *x = e2e_xcalloc(n + 1, sizeof(*x)), s2 = 0;
	size_t k = 0;

	memset(out, 0, sizeof(*out));
	for (size_t r = 0; r < n; r++) {
		double va = round_value(a, n, r, m), vb = round_value(b, n, r, m);

		x[r] = NAN;
		if (isnan(va) || isnan(vb))
			continue;
		if (m == E2E_METRIC_ERROR_RATE)
			x[r] = vb - va;
		else if (va > 0 && vb > 0)
			x[r] = log(vb / va);
		if (!isnan(x[r])) {
			out->mean += x[r];
			k++;
		}
	}
	out->k = k;
	out->x = x;
	if (k)
		out->mean /= (double)k;
	for (size_t r = 0; r < n; r++)
		if (!isnan(x[r]))
			s2 += (x[r] - out->mean) * (x[r] - out->mean);
	if (k >= 2) {
		/* a floor: rounds that agree exactly must not make the change certain */
		out->s2 = fmax(s2 / (double)(k - 1), 1e-8);
		out->var_mean = out->s2 / (double)k;
		out->df = (double)(k - 1);
	}
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

enum { AB_MIN_SHARED = 5 }; /* complete endpoints the rounds' shared part needs */

static bool shares(const struct ab_pair *p, size_t n, int m)
{
	return p->a && p->b && p->gp.cell[m].eligible && p->d[m].k == n;
}

/* The rounds' shared part of latency metric m: per round the median over
 * the complete endpoints of their centred differences, centred (c, n). */
static size_t shared_part(const struct ab_pair *pairs, size_t np, size_t n, int m, double *c)
{
	double *col = e2e_xcalloc(np + 1, sizeof(*col)), mean = 0;
	size_t E = 0;

	for (size_t r = 0; r < n; r++) {
		E = 0;
		for (size_t i = 0; i < np; i++)
			if (shares(&pairs[i], n, m))
				col[E++] = pairs[i].d[m].x[r] - pairs[i].d[m].mean;
		c[r] = E ? e2e_stats_median(col, E) : 0;
		mean += c[r] / (double)n;
	}
	for (size_t r = 0; r < n; r++)
		c[r] -= mean;
	free(col);
	return E;
}

/* A latency metric's shared part: what moved every endpoint of a round
 * together (the runner between the round's A and B runs, or B as a
 * whole). */
struct ab_shared {
	bool known; /* estimated on >= AB_MIN_SHARED complete endpoints */
	bool removed; /* judged as the runner's: F taken out of each endpoint */
	double F; /* log: the median endpoint's change */
	double var_f; /* its variance as an estimate of the shared part */
	double C; /* variance of the rounds' mean shared part, df n - 1 */
	size_t E;
};

/* Latency metric m's noise once the rounds' shared part is known: each
 * endpoint's own round-to-round variance, moderated towards the median
 * endpoint's when below it (as many degrees of freedom again; the prior
 * larger for an endpoint with fewer requests than the median one); the
 * cell's V is that own part, sh->C the shared part's. */
static void share_rounds(struct ab_pair *pairs, size_t np, size_t n, int m, struct ab_shared *sh)
{
	double *c = e2e_xcalloc(n + 1, sizeof(*c)), *own = e2e_xcalloc(np + 1, sizeof(*own));
	double *tmp = e2e_xcalloc(3 * np + 1, sizeof(*tmp)), s0, nmed, d0 = (double)(n - 1);
	size_t E = shared_part(pairs, np, n, m, c), k = 0;

	memset(sh, 0, sizeof(*sh));
	if (E < AB_MIN_SHARED)
		goto out;
	sh->known = true;
	sh->E = E;
	for (size_t r = 0; r < n; r++)
		sh->C += c[r] * c[r] / (double)(n - 1) / (double)n;
	for (size_t i = 0; i < np; i++) {
		struct paired *d = &pairs[i].d[m];
		double u2 = 0;

		if (!pairs[i].a || !pairs[i].b || !pairs[i].gp.cell[m].eligible)
			continue;
		for (size_t r = 0; r < n; r++)
			if (!isnan(d->x[r]))
				u2 += (d->x[r] - d->mean - c[r]) * (d->x[r] - d->mean - c[r]);
		/* the median of E took a little of each endpoint's own part */
		own[i] = fmax(u2 / (double)(d->k - 1) * (double)E / (double)(E - 1), 1e-8);
		if (shares(&pairs[i], n, m)) {
			tmp[k] = own[i];
			tmp[np + k] = (double)fmin(pairs[i].a->count, pairs[i].b->count);
			tmp[2 * np + k++] = d->mean;
		}
	}
	s0 = e2e_stats_median(tmp, k);
	nmed = e2e_stats_median(tmp + np, k);
	sh->F = e2e_stats_median(tmp + 2 * np, k);
	/* a median of E means: about pi/2 times a mean's variance */
	sh->var_f = M_PI / 2 * s0 / (double)n / (double)E;
	for (size_t i = 0; i < np; i++) {
		struct paired *d = &pairs[i].d[m];
		struct gate_cell *cell = &pairs[i].gp.cell[m];
		double dk = (double)(d->k - 1), prior;
		bool pool;

		if (!pairs[i].a || !pairs[i].b || !cell->eligible)
			continue;
		prior = s0 * fmax(1, nmed / (double)fmin(pairs[i].a->count, pairs[i].b->count));
		/* never below the endpoint's own: a round a neighbour hit is its own */
		pool = own[i] < prior;
		cell->V = (pool ? (dk * own[i] + d0 * prior) / (dk + d0) : own[i]) / (double)d->k;
		cell->df = pool ? dk + d0 : dk;
	}
out:
	free(c);
	free(own);
	free(tmp);
}

/* Whether the shared part is B's as a whole: beyond the threshold either
 * way and clear of zero at the level on its n - 1 degrees of freedom.
 * Then each endpoint is judged on its whole change, the shared part's
 * variance added (Satterthwaite's degrees of freedom); otherwise the
 * shared part is the runner's and is taken out, as the gate takes out an
 * environment shift. */
static void place_shared(struct ab_pair *pairs, size_t np, size_t n, int m, double threshold, double alpha,
			 struct ab_shared *sh)
{
	double tq = e2e_stats_t_quantile(1 - alpha, (double)(n - 1));

	if (!sh->known)
		return;
	sh->removed = !(fabs(sh->F) >= log1p(threshold / 100) && fabs(sh->F) - tq * sqrt(sh->C) > 0);
	if (sh->removed)
		return;
	for (size_t i = 0; i < np; i++) {
		struct gate_cell *cell = &pairs[i].gp.cell[m];
		double R = cell->V, dr = cell->df;

		if (!pairs[i].a || !pairs[i].b || !cell->eligible)
			continue;
		cell->V = sh->C + R;
		cell->df = cell->V * cell->V / (sh->C * sh->C / (double)(n - 1) + R * R / dr);
	}
}

/* The smallest error-rate increase that could be a regression. */
static double err_min(const struct ab_pair *p)
{
	return fmax(ERR_FLOOR, p->gp.threshold / 100 * p->gp.cmp->metrics[E2E_METRIC_ERROR_RATE].baseline);
}

/* The most each test can add to the chance of a false regression (as the
 * gate's latency_cap): reaching its smallest regression by chance. */
static size_t caps(const struct ab_pair *p, const struct ab_shared *sh, double min_delta_ms, double *out)
{
	size_t n = 0;

	for (int m = 0; m < NLAT; m++)
		if (p->gp.cell[m].eligible)
			out[n++] = e2e_gate_cell_cap(&p->gp, m, sh[m].var_f, min_delta_ms);
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

/* "rounds' shared part: P50 x1.04 (95 % CI 0.98..1.10) over 7 endpoints,
 * the runner's: taken out of each endpoint" */
static void add_shared(struct e2e_gate_result *g, const struct ab_shared *sh, size_t n)
{
	struct e2e_buf b = E2E_BUF_INIT;
	double h = e2e_stats_t_quantile(0.975, (double)(n - 1)) * sqrt(sh->C);

	if (!sh->known)
		return;
	e2e_buf_printf(&b, "rounds' shared part: P50 x%.3f (95%% CI %.3f..%.3f) over %zu endpoints, %s",
		       exp(sh->F), exp(sh->F - h), exp(sh->F + h), sh->E,
		       sh->removed ? "the runner's: taken out of each endpoint"
				   : "B's as a whole: each endpoint judged on its whole change");
	e2e_gate_add_finding(g, "ab", NULL, E2E_SEVERITY_NONE, b.data);
	e2e_buf_finish(&b);
}

int e2e_ab_compare(const struct e2e_report *a, const struct e2e_report *b, const struct e2e_gate_config *cfg,
		   const char *a_name, struct e2e_gate_result **out)
{
	struct e2e_gate_result *g;
	struct ab_pair *pairs = NULL;
	struct ab_shared sh[NLAT];
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
	for (int m = 0; m < NLAT; m++)
		share_rounds(pairs, np, n, m, &sh[m]);
	capv = e2e_xcalloc(g->comparisons + 1, sizeof(*capv));
	for (size_t i = 0; i < np; i++)
		if (pairs[i].a && pairs[i].b)
			ncaps += caps(&pairs[i], sh, cfg->min_delta_ms, capv + ncaps);
	g->test_level = e2e_gate_family_level(capv, ncaps);
	free(capv);
	for (int m = 0; m < NLAT; m++)
		place_shared(pairs, np, n, m, cfg->threshold_pct, g->test_level, &sh[m]);
	for (size_t i = 0; i < np; i++) {
		struct ab_pair *p = &pairs[i];

		if (!p->a || !p->b)
			continue;
		for (int m = 0; m < NLAT; m++)
			e2e_gate_judge_cell(&p->gp, m, sh[m].removed ? sh[m].F : 0,
					    sh[m].removed ? sh[m].var_f : 0, g->test_level,
					    cfg->min_delta_ms);
		judge_errors(p, g->test_level);
	}
	for (size_t i = 0; i < np; i++)
		for (int m = 0; m < E2E_METRIC__COUNT; m++)
			free(pairs[i].d[m].x);
	free(pairs);
	add_shared(g, &sh[E2E_METRIC_P50], n);
	e2e_gate_sum_up(g, cfg->fail_on);
	*out = g;
	return 0;
}
