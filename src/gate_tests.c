/* gate_tests.c - --gate-tests (SPEC section 11): each test's duration
 * against the baseline's, with the endpoint gate's noise model, threshold,
 * floor, severity and shared level.
 *
 * A test runs once per run, so its run-to-run spread is all the noise
 * there is: in log space, its durations over the baseline's source runs
 * (those it passed in) give a residual variance on k - 1 df, moderated
 * like an endpoint's (PRIOR_DF df) towards a prior w2 + a2 / ms^2, a
 * multiplicative wobble plus an additive jitter that dominates short
 * tests (both fitted over the tests by medians), kept unshrunk when far
 * above it, floored at WOBBLE_FLOOR; a one-run baseline takes the mean
 * latency's default wobble and A_DEFAULT_MS. The judged change is
 * log(current mean / baseline mean) with variance s2 (1/k + 1/kc); its
 * cap joins the endpoints' in the family whose level the gate shares, and
 * e2e_gate_judge_cell() decides it as it decides an endpoint's mean.
 * A test that failed in a current run is not judged (a failure cuts a
 * test short or stretches it to a timeout); tests on one side only are
 * listed as new or missing. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "fmt.h"
#include "gate_impl.h"
#include "stats.h"
#include "testreport.h"
#include "banned.h"

#define PRIOR_DF 24.0 /* as gate_noise.c: weight of the pooled prior */
#define WOBBLE_FLOOR 0.02 /* lowest run-to-run sd (log) */
#define EPS_MS 0.001
#define ENV_MIN_TESTS 5 /* judged tests needed to estimate the suite's factor */
#define ENV_AGREE 0.6 /* share of them that must move with it */
#define A_DEFAULT_MS 2.0 /* additive jitter (sd, ms) when the baseline cannot tell */

/* A test in the comparison: the pieces e2e_gate_judge_cell() reads. */
struct gate_test {
	struct gate_pair p;
	struct e2e_endpoint_cmp cmp;
	struct e2e_baseline_endpoint be; /* only mean_ms: the cap's baseline */
	const struct e2e_test_report *cur; /* NULL: missing */
	const struct e2e_baseline_test *base; /* NULL: new */
	double s2, d; /* residual variance of a run's log duration, its df */
	double k, mlog; /* passed source runs with a duration; their mean log */
};

struct gate_tests {
	struct gate_test *t;
	size_t n;
	double F, var_f; /* the suite's shared factor (log) removed, its variance; 0 when none */
	const char *baseline_name;
	bool no_base_tests; /* the baseline keeps no test durations */
	bool no_cur_tests; /* the current runs have no tests */
};

static double lg(double ms)
{
	return log(ms > EPS_MS ? ms : EPS_MS);
}

/* The baseline side: mean log and residual variance of passed runs. */
static void base_spread(struct gate_test *x)
{
	double sum = 0, ss = 0;

	for (size_t i = 0; i < x->base->nruns; i++)
		if (x->base->runs[i].passed) {
			sum += lg(x->base->runs[i].duration_ms);
			x->k++;
		}
	if (!x->k)
		return;
	x->mlog = sum / x->k;
	for (size_t i = 0; i < x->base->nruns; i++)
		if (x->base->runs[i].passed) {
			double r = lg(x->base->runs[i].duration_ms) - x->mlog;

			ss += r * r;
		}
	x->d = x->k - 1;
	x->s2 = x->d > 0 ? ss / x->d : NAN;
}

/* The prior of a test's variance (log) at a typical duration of ms: a
 * multiplicative wobble w2 and an additive jitter a2 (ms^2: scheduling,
 * start-up, a garbage collection), which dominates short tests. */
static double prior_at(double w2, double a2, double ms)
{
	ms = ms > EPS_MS ? ms : EPS_MS;
	return w2 + a2 / (ms * ms);
}

/* Fits w2 and a2 over the tests with a spread by medians: a2 from each
 * test's variance less the default wobble, scaled to ms^2; w2 from what
 * a2 leaves. */
static void fit_prior(const struct gate_tests *ts, double *w2, double *a2)
{
	double *v = e2e_xcalloc(ts->n + 1, sizeof(*v)), w0 = e2e_gate_wobble_default[E2E_METRIC_MEAN];
	size_t n = 0;

	*w2 = w0 * w0;
	*a2 = A_DEFAULT_MS * A_DEFAULT_MS;
	for (size_t i = 0; i < ts->n; i++)
		if (ts->t[i].d > 0) {
			double ms = exp(ts->t[i].mlog);

			v[n++] = fmax(ts->t[i].s2 - *w2, 0) * ms * ms;
		}
	if (n >= 3) {
		*a2 = e2e_stats_median(v, n);
		n = 0;
		for (size_t i = 0; i < ts->n; i++)
			if (ts->t[i].d > 0)
				v[n++] = fmax(ts->t[i].s2 - prior_at(0, *a2, exp(ts->t[i].mlog)),
					      WOBBLE_FLOOR * WOBBLE_FLOOR);
		*w2 = e2e_stats_median(v, n);
	}
	free(v);
}

/* Moderates each test's variance towards its prior (gate_noise.c's
 * moderate(): PRIOR_DF df of prior; a test far above it keeps its own). */
static void moderate(struct gate_tests *ts)
{
	double w2, a2;

	fit_prior(ts, &w2, &a2);
	for (size_t i = 0; i < ts->n; i++) {
		struct gate_test *x = &ts->t[i];
		double prior = prior_at(w2, a2, exp(x->mlog)), cut;

		if (!x->base)
			continue;
		if (!(x->d > 0)) {
			x->s2 = prior;
			x->d = PRIOR_DF;
			continue;
		}
		cut = 2.5 * sqrt(e2e_stats_trigamma(x->d / 2) + e2e_stats_trigamma(PRIOR_DF / 2));
		if (log(fmax(x->s2, 1e-12) / prior) <= cut) {
			x->s2 = (x->d * x->s2 + PRIOR_DF * prior) / (x->d + PRIOR_DF);
			x->d += PRIOR_DF;
		}
		x->s2 = fmax(x->s2, WOBBLE_FLOOR * WOBBLE_FLOOR);
	}
}

/* The current side: the mean of the runs it passed in, whether one
 * failed; kc runs with a duration. */
static double cur_mean(const struct e2e_test_report *t, size_t nruns, double *mlog, double *kc, bool *failed)
{
	double sum = 0, sl = 0;

	*kc = 0;
	*failed = t->failed > 0;
	for (size_t k = 0; k < nruns; k++)
		if (t->run_state[k] == E2E_TEST_PASSED && !isnan(t->run_ms[k])) {
			sum += t->run_ms[k];
			sl += lg(t->run_ms[k]);
			(*kc)++;
		}
	*mlog = *kc ? sl / *kc : NAN;
	return *kc ? sum / *kc : NAN;
}

static void init_test(struct gate_test *x, const struct e2e_report *cur, double threshold)
{
	struct e2e_metric_cmp *mc = &x->cmp.metrics[E2E_METRIC_MEAN];
	double kc = 0, clog = NAN;
	bool failed = false;

	x->p.cmp = &x->cmp;
	x->p.threshold = threshold;
	x->p.base = &x->be;
	mc->metric = E2E_METRIC_MEAN;
	mc->baseline = x->base ? x->base->duration_ms : NAN;
	mc->current = x->cur ? cur_mean(x->cur, cur->nruns, &clog, &kc, &failed) : NAN;
	if (x->cur && isnan(mc->current))
		mc->current = x->cur->duration_ms; /* only failed (or unfinished) runs: shown */
	x->be.mean_ms = mc->baseline;
	mc->delta = mc->current - mc->baseline;
	mc->delta_pct = mc->baseline > 0 ? 100 * (mc->current / mc->baseline - 1) : NAN;
	mc->judged_pct = mc->delta_pct;
	mc->ci_lo_pct = mc->ci_hi_pct = NAN;
	mc->env_factor = 1;
	mc->n_needed = 1;
	mc->n_baseline = (uint64_t)x->k;
	mc->n_current = (uint64_t)kc;
	mc->threshold_pct = threshold;
	mc->verdict = !x->base ? E2E_VERDICT_NEW : !x->cur ? E2E_VERDICT_MISSING : E2E_VERDICT_PASS;
	if (mc->verdict != E2E_VERDICT_PASS)
		return;
	if (failed) {
		mc->verdict = E2E_VERDICT_INCONCLUSIVE;
		mc->reason = "failed now";
	} else if (!kc || !x->k) {
		mc->verdict = E2E_VERDICT_INCONCLUSIVE;
		mc->reason = !kc ? "no duration now" : "no passed run in the baseline";
	} else {
		struct gate_cell *c = &x->p.cell[E2E_METRIC_MEAN];

		c->eligible = true;
		c->D = c->D_raw = clog - x->mlog;
		c->V = x->s2 * (1 / x->k + 1 / kc);
		c->df = x->d;
	}
}

/* A slower or faster runner stretches every test: as the endpoints'
 * environment shift, the median change over ENV_MIN_TESTS or more judged
 * tests is removed when most of them (ENV_AGREE) sit within half the
 * threshold of it; its variance, that of a median, joins each test's. */
static void shared_factor(struct gate_tests *ts, double threshold)
{
	double *d = e2e_xcalloc(ts->n + 1, sizeof(*d)), *v = e2e_xcalloc(ts->n + 1, sizeof(*v)), F;
	double half = log1p(threshold / 100) / 2;
	size_t n = 0, agree = 0;

	for (size_t i = 0; i < ts->n; i++) {
		const struct gate_cell *c = &ts->t[i].p.cell[E2E_METRIC_MEAN];

		if (c->eligible) {
			d[n] = c->D;
			v[n++] = c->V;
		}
	}
	if (n >= ENV_MIN_TESTS) {
		F = e2e_stats_median(d, n);
		for (size_t i = 0; i < n; i++)
			agree += fabs(d[i] - F) <= half;
		if ((double)agree >= ENV_AGREE * (double)n) {
			ts->F = F;
			ts->var_f = M_PI / 2 * e2e_stats_median(v, n) / (double)n;
		}
	}
	free(d);
	free(v);
}

static int cmp_name(const void *a, const void *b)
{
	const struct gate_test *x = a, *y = b;

	return strcmp(x->cur ? x->cur->name : x->base->name, y->cur ? y->cur->name : y->base->name);
}

size_t e2e_gate_tests_model(const struct e2e_report *cur, const struct e2e_baseline *b, double threshold,
			    struct gate_tests **out)
{
	const struct e2e_tests_report *tr = cur->tests;
	struct gate_tests *ts = e2e_xcalloc(1, sizeof(*ts));
	size_t ncur = tr ? tr->ntests : 0, judged = 0;

	bool *seen = e2e_xcalloc(b->ntests + 1, sizeof(*seen));

	ts->baseline_name = b->name;
	ts->no_base_tests = !b->ntests;
	ts->no_cur_tests = !ncur;

	ts->t = e2e_xcalloc(ncur + b->ntests + 1, sizeof(*ts->t));
	for (size_t i = 0; i < ncur; i++) {
		struct gate_test *x = &ts->t[ts->n++];

		x->cur = &tr->tests[i];
		x->base = e2e_baseline_find_test(b, x->cur->name);
		if (x->base)
			seen[x->base - b->tests] = true;
	}
	for (size_t i = 0; i < b->ntests; i++)
		if (!seen[i])
			ts->t[ts->n++].base = &b->tests[i];
	free(seen);
	qsort(ts->t, ts->n, sizeof(*ts->t), cmp_name);
	for (size_t i = 0; i < ts->n; i++)
		if (ts->t[i].base)
			base_spread(&ts->t[i]);
	moderate(ts);
	for (size_t i = 0; i < ts->n; i++) {
		init_test(&ts->t[i], cur, threshold);
		judged += ts->t[i].p.cell[E2E_METRIC_MEAN].eligible;
	}
	shared_factor(ts, threshold);
	*out = ts;
	return judged;
}

size_t e2e_gate_tests_caps(const struct gate_tests *ts, double min_delta_ms, double *caps)
{
	size_t n = 0;

	for (size_t i = 0; ts && i < ts->n; i++)
		if (ts->t[i].p.cell[E2E_METRIC_MEAN].eligible)
			caps[n++] = e2e_gate_cell_cap(&ts->t[i].p, E2E_METRIC_MEAN, ts->var_f, min_delta_ms);
	return n;
}

static int cmp_test_cmp(const void *a, const void *b)
{
	const struct e2e_test_cmp *x = a, *y = b;
	int rx = x->duration.verdict == E2E_VERDICT_REGRESSION ? (int)x->duration.severity : 0;
	int ry = y->duration.verdict == E2E_VERDICT_REGRESSION ? (int)y->duration.severity : 0;

	if (rx != ry)
		return ry - rx;
	return strcmp(x->name, y->name);
}

void e2e_gate_tests_judge(struct gate_tests *ts, struct e2e_gate_result *g, double alpha, double min_delta_ms)
{
	g->tests_gated = true;
	if (ts->no_base_tests || ts->no_cur_tests) {
		struct e2e_buf b = E2E_BUF_INIT;

		if (ts->no_base_tests)
			e2e_buf_printf(&b,
				       "--gate-tests: baseline '%s' keeps no test durations "
				       "(write it again from runs with tests), tests not judged",
				       ts->baseline_name ? ts->baseline_name : "");
		else
			e2e_buf_puts(&b, "--gate-tests: the current runs have no tests, tests not judged");
		e2e_gate_add_finding(g, "tests_not_judged", NULL, E2E_SEVERITY_NONE, b.data);
		e2e_buf_finish(&b);
	}
	g->tests = e2e_xcalloc(ts->n + 1, sizeof(*g->tests));
	g->ntests = ts->n;
	for (size_t i = 0; i < ts->n; i++) {
		struct gate_test *x = &ts->t[i];
		struct e2e_metric_cmp *mc = &x->cmp.metrics[E2E_METRIC_MEAN];

		if (x->p.cell[E2E_METRIC_MEAN].eligible) {
			e2e_gate_judge_cell(&x->p, E2E_METRIC_MEAN, ts->F, ts->var_f, alpha, min_delta_ms);
			g->tests_judged++;
			/* a disturbed runner stretches tests as it does requests:
			 * as an endpoint's p50, only twice the threshold stands */
			if (g->runner_disturbed && mc->verdict == E2E_VERDICT_REGRESSION &&
			    mc->judged_pct < 2 * x->p.threshold) {
				mc->verdict = E2E_VERDICT_INCONCLUSIVE;
				mc->severity = E2E_SEVERITY_NONE;
				mc->reason = E2E_GATE_REASON_DISTURBED;
				g->disturbance_set_aside++;
			}
		}
		g->tests[i].name = e2e_xstrdup(x->cur ? x->cur->name : x->base->name);
		g->tests[i].duration = *mc;
	}
	qsort(g->tests, g->ntests, sizeof(*g->tests), cmp_test_cmp);
}

void e2e_gate_tests_destroy(struct gate_tests *ts)
{
	if (!ts)
		return;
	free(ts->t);
	free(ts);
}

void e2e_gate_format_test(const struct e2e_test_cmp *t, struct e2e_buf *out)
{
	const struct e2e_metric_cmp *m = &t->duration;

	e2e_buf_printf(out, "test %s: ", t->name);
	if (m->verdict == E2E_VERDICT_NEW || m->verdict == E2E_VERDICT_MISSING) {
		bool is_new = m->verdict == E2E_VERDICT_NEW;
		double v = is_new ? m->current : m->baseline;

		e2e_buf_printf(out, "%s test", is_new ? "new" : "missing");
		if (!isnan(v)) {
			e2e_buf_printf(out, " (%s ", is_new ? "now" : "baseline");
			e2e_fmt_ms(out, v);
			e2e_buf_putc(out, ')');
		}
		e2e_buf_puts(out, ", not judged");
		return;
	}
	e2e_buf_puts(out, "duration ");
	e2e_fmt_ms(out, m->baseline);
	e2e_buf_puts(out, " -> ");
	e2e_fmt_ms(out, m->current);
	if (!isnan(m->delta_pct)) {
		e2e_buf_puts(out, " (");
		e2e_fmt_delta_pct(out, m->delta_pct);
		if (fabs(m->env_factor - 1) >= 0.005 && !isnan(m->judged_pct)) {
			e2e_buf_puts(out, "; ");
			e2e_fmt_delta_pct(out, m->judged_pct);
			e2e_buf_puts(out, " after the suite's ");
			e2e_fmt_factor(out, m->env_factor);
			e2e_buf_puts(out, " shift");
		}
		if (!isnan(m->ci_lo_pct)) {
			e2e_buf_puts(out, ", 95% CI ");
			e2e_fmt_delta_range(out, m->ci_lo_pct, m->ci_hi_pct);
		}
		e2e_buf_putc(out, ')');
	}
	if (m->verdict == E2E_VERDICT_INCONCLUSIVE && m->reason && strcmp(m->reason, "failed now") == 0) {
		e2e_buf_puts(out, " failed now, not judged");
		return;
	}
	e2e_buf_printf(out, " %s", e2e_verdict_name(m->verdict));
	if (m->verdict == E2E_VERDICT_REGRESSION)
		e2e_buf_printf(out, " [%s]", e2e_severity_name(m->severity));
	else if (m->reason)
		e2e_buf_printf(out, " (%s)", m->reason);
}
