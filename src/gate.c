/* gate.c - the regression gate: the entry point and the verdicts.
 *
 * For each endpoint and latency metric (p50, p95, p99, mean) the noise
 * model (gate_noise.c) gives the change in log space, its variance and
 * the run's shared factor F. The judged change D_e - F gets a t interval.
 * A regression needs the change >= threshold, the change in ms >= the
 * floor, enough samples, and the interval above 0 at a level that keeps
 * the family's chance of any false regression at 2 %, shared among the
 * tests by how likely each is to reach the threshold and floor by chance
 * (shared_level()). A P95 judged on its band (gate_noise.c) must also
 * have moved by the threshold and the floor itself.
 *
 * The error rate is compared in percentage points with a two-proportion
 * z test whose variance adds a run-to-run allowance.
 *
 * The steps of e2e_gate_compare(): pair the endpoints, model the noise,
 * share the level, judge each metric and endpoint, add the findings
 * (gate_text.c words them), sum up, derive the advice. */
#include "gate.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "advice.h"
#include "baseline.h"
#include "buf.h"
#include "gate_impl.h"
#include "report.h"
#include "resources.h"
#include "rules.h"
#include "stats.h"
#include "banned.h"

/* The documented constants of the method (e2e-perf-report(1), THE GATE). */
#define ALPHA_FAMILY 0.02 /* one-sided, shared by every test of a comparison */
#define ENV_REPORT_PCT 15.0 /* a removed factor this large is a finding */
/* The runner is disturbed when the current run's disturbance is at least
 * DISTURB_FACTOR x the baseline's median + DISTURB_MARGIN and above every
 * source run's. */
#define DISTURB_FACTOR 2.0
#define DISTURB_MARGIN 0.1
#define DISTURB_MIN_ENDPOINTS 5 /* p50s the delay it added is measured on */
#define CHI2_1_MEDIAN 0.45494 /* the median of a chi-square with 1 df */

const uint64_t e2e_gate_min_samples[E2E_METRIC__COUNT] = { 10, 40, 100, 20, 10, 10 };

const char *e2e_verdict_name(enum e2e_verdict v)
{
	static const char *const n[] = { "pass", "improved", "inconclusive", "new", "missing", "regression" };
	return (unsigned)v < sizeof(n) / sizeof(n[0]) ? n[v] : "unknown";
}

const char *e2e_severity_name(enum e2e_severity s)
{
	static const char *const n[] = { "", "warning", "critical" };
	return (unsigned)s < sizeof(n) / sizeof(n[0]) ? n[s] : "unknown";
}

const char *e2e_metric_name(enum e2e_metric m)
{
	static const char *const n[] = { "p50", "p95", "p99", "mean", "error_rate", "cpu" };
	return (unsigned)m < sizeof(n) / sizeof(n[0]) ? n[m] : "unknown";
}

/* ---- result helpers ---------------------------------------------------- */

void e2e_gate_add_finding(struct e2e_gate_result *g, const char *kind, const char *endpoint,
			  enum e2e_severity severity, const char *message)
{
	struct e2e_finding *f;

	g->findings = e2e_xrealloc(g->findings, (g->nfindings + 1) * sizeof(*g->findings));
	f = &g->findings[g->nfindings++];
	f->kind = e2e_xstrdup(kind);
	f->endpoint = endpoint ? e2e_xstrdup(endpoint) : NULL;
	f->severity = severity;
	f->message = e2e_xstrdup(message);
}

void e2e_gate_result_destroy(struct e2e_gate_result *g)
{
	if (!g)
		return;
	for (size_t i = 0; i < g->nendpoints; i++)
		free(g->endpoints[i].key);
	free(g->endpoints);
	for (size_t i = 0; i < g->nfindings; i++) {
		free(g->findings[i].kind);
		free(g->findings[i].endpoint);
		free(g->findings[i].message);
	}
	free(g->findings);
	for (size_t i = 0; i < g->nadvice; i++) {
		free(g->advice[i].kind);
		free(g->advice[i].endpoint);
		free(g->advice[i].message);
	}
	free(g->advice);
	free(g->baseline_name);
	free(g->rules_name);
	for (size_t i = 0; i < g->ntests; i++)
		free(g->tests[i].name);
	free(g->tests);
	if (g->confirmation) {
		for (size_t i = 0; i < g->confirmation->nitems; i++)
			free(g->confirmation->items[i].endpoint);
		free(g->confirmation->items);
		free(g->confirmation->runs);
		free(g->confirmation);
	}
	free(g);
}

/* ---- verdicts --------------------------------------------------------- */

static double runs_covering(const struct e2e_endpoint_report *e, size_t nruns)
{
	bool *seen;
	size_t n = 0;

	if (nruns <= 1 || !e->sample_run)
		return 1;
	seen = e2e_xcalloc(nruns, sizeof(*seen));
	for (size_t i = 0; i < e->nsamples; i++)
		if (e->sample_run[i] < nruns && !seen[e->sample_run[i]]) {
			seen[e->sample_run[i]] = true;
			n++;
		}
	free(seen);
	return n ? (double)n : 1;
}

static void judge_latency(struct gate_pair *p, int m, double F, double var_f, double alpha,
			  double min_delta_ms)
{
	struct e2e_metric_cmp *mc = &p->cmp->metrics[m];
	const struct gate_cell *c = &p->cell[m];
	double logT = log1p(p->threshold / 100), A, up, down, sd, t95, tcrit, abs_ms;

	mc->env_factor = exp(F);
	if (!c->eligible) {
		mc->verdict = E2E_VERDICT_INCONCLUSIVE;
		mc->reason = "too few samples";
		return;
	}
	A = c->D - F;
	sd = sqrt(c->V + var_f);
	t95 = e2e_stats_t_quantile(0.975, c->df);
	tcrit = e2e_stats_t_quantile(1 - alpha, c->df);
	mc->judged_pct = 100 * expm1(A);
	mc->ci_lo_pct = 100 * expm1(A - t95 * sd);
	mc->ci_hi_pct = 100 * expm1(A + t95 * sd);
	/* a P95 judged on its band must itself have moved by the threshold:
	 * the finding names the P95 and its values */
	up = down = A;
	if (c->band) {
		up = fmin(A, c->D_raw - F);
		down = fmax(A, c->D_raw - F);
	}
	abs_ms = mc->baseline * expm1(up);
	if (up >= logT) {
		if (abs_ms < min_delta_ms) {
			mc->reason = "below the absolute floor";
		} else if (A - tcrit * sd > 0) {
			mc->verdict = E2E_VERDICT_REGRESSION;
			mc->severity = A >= log1p(2 * p->threshold / 100) ? E2E_SEVERITY_CRITICAL
									  : E2E_SEVERITY_WARNING;
		} else {
			mc->verdict = E2E_VERDICT_INCONCLUSIVE;
			mc->reason = "change within noise";
		}
	} else if (down <= -logT) {
		abs_ms = mc->baseline * expm1(down);
		if (-abs_ms < min_delta_ms)
			mc->reason = "below the absolute floor";
		else if (A + tcrit * sd < 0)
			mc->verdict = E2E_VERDICT_IMPROVED;
		else
			mc->reason = "change within noise";
	} else if (c->D >= logT) {
		mc->reason = "within the environment shift";
	}
}

static void judge_errors(struct gate_pair *p, double zcrit)
{
	struct e2e_metric_cmp *mc = &p->cmp->metrics[E2E_METRIC_ERROR_RATE];
	double delta = mc->current - mc->baseline;
	double T = p->threshold / 100;
	struct gate_err_test t;

	mc->judged_pct = 100 * delta;
	if (!e2e_gate_noise_err_test(p, &t)) {
		mc->verdict = E2E_VERDICT_INCONCLUSIVE;
		mc->reason = "too few samples";
		return;
	}
	e2e_gate_err_decide(mc, delta, t.half95, t.z, zcrit, T);
}

void e2e_gate_err_decide(struct e2e_metric_cmp *mc, double delta, double half95, double z, double zcrit,
			 double T)
{
	double pc = mc->current, pb = mc->baseline, rel;

	mc->ci_lo_pct = 100 * (delta - half95);
	mc->ci_hi_pct = 100 * (delta + half95);
	rel = pb > 0 ? delta / pb : (delta > 0 ? INFINITY : 0);
	if (delta >= ERR_FLOOR && rel >= T) {
		if (z >= zcrit) {
			mc->verdict = E2E_VERDICT_REGRESSION;
			mc->severity = rel >= 2 * T ? E2E_SEVERITY_CRITICAL : E2E_SEVERITY_WARNING;
		} else {
			mc->verdict = E2E_VERDICT_INCONCLUSIVE;
			mc->reason = "change within noise";
		}
	} else if (delta > 0 && rel >= T) {
		mc->reason = "below the absolute floor";
	} else if (-delta >= ERR_FLOOR && pb >= (1 + T) * pc && z <= -zcrit) {
		mc->verdict = E2E_VERDICT_IMPROVED;
	}
}

/* ---- runner disturbance ----------------------------------------------- */

/* Median of the measured values of n items (NAN when none); *max gets the
 * largest. v has room for n. */
static double disturbance_median(double *v, size_t n, double *max)
{
	size_t k = 0;

	*max = NAN;
	for (size_t i = 0; i < n; i++)
		if (!isnan(v[i])) {
			if (!(v[i] <= *max))
				*max = v[i];
			v[k++] = v[i];
		}
	return k ? e2e_stats_median(v, k) : NAN;
}

/* How disturbed the current run was against the baseline's source runs. */
static void assess_disturbance(struct e2e_gate_result *g, const struct e2e_report *cur,
			       const struct e2e_baseline *b)
{
	size_t n = cur->nruns > b->nsources ? cur->nruns : b->nsources;
	double *v = e2e_xcalloc(n + 1, sizeof(*v)), max;

	for (size_t i = 0; i < cur->nruns; i++)
		v[i] = cur->runs[i].disturbance_probes ? cur->runs[i].disturbance : NAN;
	g->disturbance_current = disturbance_median(v, cur->nruns, &max);
	for (size_t i = 0; i < b->nsources; i++)
		v[i] = b->sources[i].disturbance;
	g->disturbance_baseline = disturbance_median(v, b->nsources, &g->disturbance_baseline_max);
	g->runner_disturbed =
		g->disturbance_current >= DISTURB_FACTOR * g->disturbance_baseline + DISTURB_MARGIN &&
		g->disturbance_current > g->disturbance_baseline_max;
	free(v);
}

/* An endpoint's own noise on its p50's change in ms (ms^2): its judged
 * variance at the current value. */
static double own_var_ms(const struct gate_pair *p)
{
	double cur = p->cur->p50_ms;

	return p->cell[E2E_METRIC_P50].V * cur * cur;
}

/* How far endpoints stray from the shared delay beyond their own noise
 * (ms^2): the tau^2 at which the median of r_i^2 / (own_i + tau^2) is the
 * median of a chi-square with one degree of freedom, so a minority of
 * endpoints that really changed does not move it; 0 when their own noise
 * explains the residuals. r and own have n items. */
static double delay_spread(const double *r, const double *own, size_t n)
{
	double *z = e2e_xmalloc((n + 1) * sizeof(*z)), lo = 0, hi = 0, mid;

	for (size_t i = 0; i < n; i++)
		hi = fmax(hi, r[i] * r[i] / CHI2_1_MEDIAN);
	for (int it = 0; it < 64 && hi > 0; it++) {
		mid = (lo + hi) / 2;
		for (size_t i = 0; i < n; i++)
			z[i] = r[i] * r[i] / (own[i] + mid);
		if (e2e_stats_median(z, n) > CHI2_1_MEDIAN)
			lo = mid;
		else
			hi = mid;
	}
	for (size_t i = 0; i < n; i++)
		z[i] = r[i] * r[i] / own[i];
	mid = e2e_stats_median(z, n) > CHI2_1_MEDIAN ? hi : 0;
	free(z);
	return mid;
}

/* On a disturbed runner scheduling delay is added to requests, not a
 * factor: what it added to a median request is measured on the run's own
 * endpoints, as the median of their p50's change in ms (a minority of
 * endpoints that really changed does not move it), with how far one
 * endpoint strays from it beyond its own noise (delay_spread). */
static void disturbance_delay(struct e2e_gate_result *g, const struct gate_pair *pairs, size_t np)
{
	double *d = e2e_xmalloc((np + 1) * sizeof(*d)), *own = e2e_xmalloc((np + 1) * sizeof(*own));
	size_t n = 0;

	for (size_t i = 0; i < np; i++)
		if (pairs[i].cur && pairs[i].base && pairs[i].cell[E2E_METRIC_P50].eligible) {
			own[n] = own_var_ms(&pairs[i]);
			d[n++] = pairs[i].cur->p50_ms - pairs[i].base->p50_ms;
		}
	if (n >= DISTURB_MIN_ENDPOINTS) {
		double *r = e2e_xmalloc(n * sizeof(*r)), mean = 0, med;

		memcpy(r, d, n * sizeof(*r));
		med = e2e_stats_median(r, n);
		for (size_t i = 0; i < n; i++)
			r[i] = d[i] - med;
		g->disturbance_delay_ms = med;
		g->disturbance_delay_sd_ms = sqrt(delay_spread(r, own, n));
		for (size_t i = 0; i < n; i++)
			mean += own[i] / (double)n;
		/* the median's variance: pi/2 x an endpoint's over n */
		g->disturbance_delay_var_ms =
			M_PI / 2 * (mean + g->disturbance_delay_sd_ms * g->disturbance_delay_sd_ms) /
			(double)n;
		g->disturbance_delay_n = n;
		free(r);
	}
	free(own);
	free(d);
}

/* A p50 on a disturbed runner judged beyond the delay the disturbance
 * added (never below 0 ms): the change in ms less that delay, against the
 * threshold and the floor; its variance the endpoint's own, an endpoint's
 * spread around the delay beyond its own noise and the delay's own
 * uncertainty. True when that is a regression (then written into the
 * comparison). */
static bool beyond_disturbance(const struct e2e_gate_result *g, const struct gate_pair *p, double alpha,
			       double min_delta_ms)
{
	struct e2e_metric_cmp *mc = &p->cmp->metrics[E2E_METRIC_P50];
	const struct gate_cell *c = &p->cell[E2E_METRIC_P50];
	double base = mc->baseline, T = p->threshold / 100, n = (double)g->disturbance_delay_n;
	double delay, u, own, spread, df, sd, t95;

	if (!g->disturbance_delay_n || !c->eligible || !(base > 0))
		return false;
	delay = fmax(g->disturbance_delay_ms, 0);
	u = mc->current - base - delay;
	own = own_var_ms(p);
	spread = g->disturbance_delay_sd_ms * g->disturbance_delay_sd_ms + g->disturbance_delay_var_ms;
	sd = sqrt(own + spread);
	/* Satterthwaite: the spread is known from n endpoints only */
	df = spread > 0 ? (own + spread) * (own + spread) / (own * own / c->df + spread * spread / (n - 1))
			: c->df;
	if (!(df >= 1))
		df = 1;
	if (u < T * base || u < min_delta_ms || u - e2e_stats_t_quantile(1 - alpha, df) * sd <= 0)
		return false;
	t95 = e2e_stats_t_quantile(0.975, df);
	mc->severity = u >= 2 * T * base ? E2E_SEVERITY_CRITICAL : E2E_SEVERITY_WARNING;
	mc->judged_pct = 100 * u / base;
	mc->ci_lo_pct = 100 * (u - t95 * sd) / base;
	mc->ci_hi_pct = 100 * (u + t95 * sd) / base;
	mc->env_factor = 1;
	mc->disturbance_ms = delay;
	return true;
}

/* On a disturbed runner scheduling delay the baseline never saw inflates
 * latencies, tails most. A latency regression stands only on a p50 the
 * disturbance cannot explain: one that moved at least twice the
 * threshold, or, where enough endpoints tell the delay it added to a
 * median request, one that is also a regression beyond that delay in ms
 * (by the threshold, the floor and the test). The others become
 * inconclusive. The delay matters because the environment factor is a
 * median of the endpoints' ratios: on a small suite the changed endpoints
 * pull it up, and a real change judged after it can fall under twice the
 * threshold. */
static void judge_disturbed(struct e2e_gate_result *g, const struct gate_pair *p, int m, double alpha,
			    double min_delta_ms)
{
	struct e2e_metric_cmp *mc = &p->cmp->metrics[m];

	if (mc->verdict != E2E_VERDICT_REGRESSION)
		return;
	if (m == E2E_METRIC_P50 &&
	    (mc->judged_pct >= 2 * p->threshold || beyond_disturbance(g, p, alpha, min_delta_ms)))
		return;
	mc->verdict = E2E_VERDICT_INCONCLUSIVE;
	mc->severity = E2E_SEVERITY_NONE;
	mc->reason = E2E_GATE_REASON_DISTURBED;
	g->disturbance_set_aside++;
}

/* ---- the shared level --------------------------------------------------- */

/* The most one latency test can add to the chance of a false regression:
 * the probability, with nothing changed, that its judged change reaches
 * the smallest change that could be a regression (the threshold, the
 * floor in ms), whatever the significance level. */
static double latency_cap(const struct gate_pair *p, int m, double var_f, double min_delta_ms)
{
	const struct gate_cell *c = &p->cell[m];
	double base = base_value(p->base, m), L = log1p(p->threshold / 100);

	if (base > 0 && log1p(min_delta_ms / base) > L)
		L = log1p(min_delta_ms / base);
	return e2e_stats_t_upper(L / sqrt(c->V + var_f), c->df);
}

/* The per-test level: the family's level shared so that the tests' caps
 * and the level add up to it (a weighted Bonferroni bound: each test gets
 * min(level, cap)). A test that cannot reach the threshold by chance
 * costs little; the rest go to the tests that could. Reorders caps. */
static double shared_level(double *caps, size_t n, double family)
{
	double used = 0;

	if (!n)
		return family;
	e2e_stats_sort(caps, n);
	for (size_t k = 0; k < n; k++) {
		double level = (family - used) / (double)(n - k);

		if (level <= caps[k])
			return level;
		used += caps[k];
	}
	return family;
}

/* ---- endpoints and the whole comparison ---------------------------------- */

static void init_metrics(struct e2e_endpoint_cmp *ec, const struct gate_pair *p, double threshold)
{
	for (int m = 0; m < E2E_METRIC__COUNT; m++) {
		struct e2e_metric_cmp *mc = &ec->metrics[m];

		mc->metric = (enum e2e_metric)m;
		mc->baseline = p->base ? base_value(p->base, m) : NAN;
		mc->current = p->cur ? cur_value(p->cur, m) : NAN;
		if (m == E2E_METRIC_CPU && !e2e_gate_cpu_measured(mc->baseline))
			mc->baseline = NAN;
		if (m == E2E_METRIC_CPU && !e2e_gate_cpu_measured(mc->current))
			mc->current = NAN;
		mc->delta = mc->current - mc->baseline;
		mc->delta_pct = mc->baseline > 0 ? 100 * (mc->current / mc->baseline - 1) : NAN;
		if (mc->baseline == 0 && mc->current == 0)
			mc->delta_pct = 0;
		mc->ci_lo_pct = mc->ci_hi_pct = NAN;
		mc->judged_pct = m == E2E_METRIC_ERROR_RATE ? 100 * mc->delta : mc->delta_pct;
		mc->env_factor = 1;
		mc->n_needed = e2e_gate_min_samples[m];
		mc->n_baseline = p->base ? p->base->count : 0;
		mc->n_current = p->cur ? p->cur->count : 0;
		mc->threshold_pct = threshold;
		mc->verdict = !p->base ? E2E_VERDICT_NEW : !p->cur ? E2E_VERDICT_MISSING : E2E_VERDICT_PASS;
	}
}

/* Current runs whose CPU per request of this endpoint was measured. */
static double cpu_runs(const struct e2e_report *cur, const char *key)
{
	double n = 0;

	for (size_t i = 0; cur->resources && i < cur->resources->nrun_cpu; i++)
		n += e2e_gate_cpu_measured(e2e_res_run_endpoint_cpu(&cur->resources->run_cpu[i], key));
	return n;
}

/* CPU per request, judged like a latency metric without an environment
 * factor: a busy runner slows requests but adds little CPU to each. */
static void judge_cpu(struct gate_pair *p, double alpha, double min_delta_ms)
{
	struct e2e_metric_cmp *mc = &p->cmp->metrics[E2E_METRIC_CPU];

	if (isnan(mc->baseline) && isnan(mc->current)) {
		mc->reason = "not measured"; /* the verdict stays pass: nothing to judge */
		return;
	}
	if (isnan(mc->baseline) || isnan(mc->current)) {
		mc->verdict = E2E_VERDICT_INCONCLUSIVE;
		mc->reason = isnan(mc->baseline) ? "not measured in the baseline" : "not measured now";
		return;
	}
	judge_latency(p, E2E_METRIC_CPU, 0, 0, alpha, min_delta_ms);
}

/* regression > inconclusive (a change the noise could explain) > improved
 * > pass > inconclusive for too few samples only. */
static void endpoint_verdict(struct e2e_endpoint_cmp *ec)
{
	bool any_reg = false, any_noise = false, any_impr = false, any_pass = false;

	if (ec->metrics[0].verdict == E2E_VERDICT_NEW || ec->metrics[0].verdict == E2E_VERDICT_MISSING) {
		ec->verdict = ec->metrics[0].verdict;
		return;
	}
	for (int m = 0; m < E2E_METRIC__COUNT; m++) {
		const struct e2e_metric_cmp *mc = &ec->metrics[m];

		switch (mc->verdict) {
		case E2E_VERDICT_REGRESSION:
			any_reg = true;
			if (mc->severity > ec->severity)
				ec->severity = mc->severity;
			break;
		case E2E_VERDICT_INCONCLUSIVE:
			if (mc->reason && (strcmp(mc->reason, "change within noise") == 0 ||
					   strcmp(mc->reason, E2E_GATE_REASON_DISTURBED) == 0))
				any_noise = true;
			break;
		case E2E_VERDICT_IMPROVED:
			any_impr = true;
			break;
		case E2E_VERDICT_PASS:
			any_pass = true;
			break;
		default:
			break;
		}
	}
	ec->verdict = any_reg	  ? E2E_VERDICT_REGRESSION
		      : any_noise ? E2E_VERDICT_INCONCLUSIVE
		      : any_impr  ? E2E_VERDICT_IMPROVED
		      : any_pass  ? E2E_VERDICT_PASS
				  : E2E_VERDICT_INCONCLUSIVE;
}

static int cmp_endpoint_cmp(const void *a, const void *b)
{
	const struct e2e_endpoint_cmp *x = a, *y = b;
	int rx = x->verdict == E2E_VERDICT_REGRESSION ? (int)x->severity : 0;
	int ry = y->verdict == E2E_VERDICT_REGRESSION ? (int)y->severity : 0;

	if (rx != ry)
		return ry - rx;
	return strcmp(x->key, y->key);
}

/* The observed value that limit l of a rule bounds. */
static double limit_observed(const struct e2e_endpoint_report *e, int l)
{
	return l == E2E_LIMIT_AVG   ? e->mean_ms
	       : l == E2E_LIMIT_P50 ? e->p50_ms
	       : l == E2E_LIMIT_P95 ? e->p95_ms
	       : l == E2E_LIMIT_P99 ? e->p99_ms
				    : e->error_rate;
}

/* Rule limits: each limit a matching rule sets, against the observed value. */
static void check_rules(const struct e2e_rules *rules, const struct e2e_report *cur,
			struct e2e_gate_result *g)
{
	for (size_t i = 0; i < cur->nendpoints; i++) {
		const struct e2e_endpoint_report *e = &cur->endpoints[i];

		if (e2e_rules_ignored(rules, e->key))
			continue;
		for (size_t r = 0; r < rules->nrules; r++) {
			const struct e2e_rule *rule = &rules->rules[r];

			if (!e2e_rule_matches(rule, e->key))
				continue;
			for (int l = 0; l < E2E_LIMIT__COUNT; l++) {
				double v = limit_observed(e, l);

				if (!isnan(rule->limit[l]) && v > rule->limit[l])
					e2e_gate_text_breach(g, rule, l, e, v);
			}
		}
	}
}

static int check_coverage(const struct e2e_rules *rules, const struct e2e_report *cur,
			  const struct e2e_baseline *b)
{
	size_t n = cur->nendpoints + (b ? b->nendpoints : 0);
	const char **keys = e2e_xmalloc((n ? n : 1) * sizeof(*keys));
	int rc;

	for (size_t i = 0; i < cur->nendpoints; i++)
		keys[i] = cur->endpoints[i].key;
	for (size_t i = 0; b && i < b->nendpoints; i++)
		keys[cur->nendpoints + i] = b->endpoints[i].key;
	rc = e2e_rules_check_coverage(rules, keys, n);
	free(keys);
	return rc;
}

/* A comparison in progress: e2e_gate_compare()'s steps share it. */
struct compare {
	const struct e2e_report *cur;
	const struct e2e_baseline *b; /* NULL: rules only */
	const struct e2e_gate_config *cfg;
	struct e2e_gate_result *g;
	struct gate_pair *pairs;
	size_t np;
	bool *skip; /* baseline endpoints the rules ignore */
	struct gate_noise bn;
	struct gate_env env[NLAT];
	struct gate_tests *tests; /* --gate-tests; NULL when not asked */
};

static struct e2e_gate_result *result_create(const struct e2e_report *cur, const struct e2e_baseline *b,
					     const struct e2e_gate_config *cfg)
{
	struct e2e_gate_result *g = e2e_xcalloc(1, sizeof(*g));

	g->threshold_pct = cfg->threshold_pct;
	g->environment_factor = 1;
	g->disturbance_current = g->disturbance_baseline = g->disturbance_baseline_max = NAN;
	if (cfg->rules)
		g->rules_name = e2e_xstrdup(cfg->rules->name ? cfg->rules->name : "");
	if (b) {
		g->baseline_name = e2e_xstrdup(b->name ? b->name : "");
		g->baseline_runs = b->nsources;
		g->single_run_baseline = b->nsources <= 1;
		g->host_mismatch = cur->nruns && e2e_baseline_host_differs(b, &cur->runs[0]);
	}
	return g;
}

/* Pairs: current endpoints (with their baseline, or new), then missing
 * ones; each gets its comparison in g->endpoints. */
static void make_pairs(struct compare *c)
{
	const struct e2e_report *cur = c->cur;
	const struct e2e_baseline *b = c->b;
	const struct e2e_rules *rules = c->cfg->rules;
	struct e2e_gate_result *g = c->g;
	size_t np = 0;

	c->skip = e2e_xcalloc(b->nendpoints + 1, sizeof(*c->skip));
	for (size_t i = 0; i < b->nendpoints; i++)
		c->skip[i] = e2e_rules_ignored(rules, b->endpoints[i].key);
	c->pairs = e2e_xcalloc(cur->nendpoints + b->nendpoints + 1, sizeof(*c->pairs));
	for (size_t i = 0; i < cur->nendpoints; i++) {
		const struct e2e_endpoint_report *e = &cur->endpoints[i];
		struct gate_pair *p;

		if (e2e_rules_ignored(rules, e->key))
			continue;
		p = &c->pairs[np++];
		p->cur = e;
		p->base = e2e_baseline_find(b, e->key);
		p->base_index = p->base ? (size_t)(p->base - b->endpoints) : 0;
		p->kc = runs_covering(e, cur->nruns);
	}
	for (size_t i = 0; i < b->nendpoints; i++)
		if (!c->skip[i] && !e2e_report_find(cur, b->endpoints[i].key)) {
			c->pairs[np].base = &b->endpoints[i];
			c->pairs[np++].base_index = i;
		}
	g->endpoints = e2e_xcalloc(np + 1, sizeof(*g->endpoints));
	g->nendpoints = np;
	for (size_t i = 0; i < np; i++) {
		struct gate_pair *p = &c->pairs[i];

		p->cmp = &g->endpoints[i];
		p->threshold = e2e_rules_threshold(rules, p->cur ? p->cur->key : p->base->key,
						   c->cfg->threshold_pct);
		p->cmp->key = e2e_xstrdup(p->cur ? p->cur->key : p->base->key);
		p->cmp->n_baseline = p->base ? p->base->count : 0;
		p->cmp->n_current = p->cur ? p->cur->count : 0;
		init_metrics(p->cmp, p, p->threshold);
		if (p->cur && p->base)
			p->sorted = e2e_advice_latencies(p->cur, true);
	}
	c->np = np;
}

/* The noise model, metric by metric: the baseline's noise, each pair's
 * cell, the run's shared factor. Returns the number of tests to judge
 * (the multiple-comparison family). */
static size_t model_noise(struct compare *c)
{
	size_t family = 0;

	for (int m = 0; m < NLAT; m++) {
		e2e_gate_noise_estimate(c->b, c->skip, m, &c->bn);
		for (size_t i = 0; i < c->np; i++)
			if (c->pairs[i].cur && c->pairs[i].base) {
				e2e_gate_noise_cell(&c->pairs[i], &c->bn, m);
				family += c->pairs[i].cell[m].eligible;
			}
		e2e_gate_noise_environment(c->pairs, c->np, &c->bn, m, &c->env[m]);
	}
	for (size_t i = 0; i < c->np; i++) {
		struct gate_pair *p = &c->pairs[i];

		if (p->cur && p->base) {
			e2e_gate_noise_cpu(p, cpu_runs(c->cur, p->cur->key));
			family += p->cell[E2E_METRIC_CPU].eligible;
		}
	}
	for (size_t i = 0; i < c->np; i++) {
		const struct gate_pair *p = &c->pairs[i];

		if (p->cur && p->base && p->cur->count >= e2e_gate_min_samples[E2E_METRIC_ERROR_RATE] &&
		    p->base->count >= e2e_gate_min_samples[E2E_METRIC_ERROR_RATE] &&
		    (p->cur->errors || p->base->errors))
			family++;
	}
	return family;
}

/* The level of each test: the family's shared by the tests' caps. */
static double test_level(const struct compare *c, size_t family)
{
	double *caps = e2e_xcalloc(family + 1, sizeof(*caps)), alpha;
	size_t ncaps = 0;

	for (size_t i = 0; i < c->np; i++) {
		const struct gate_pair *p = &c->pairs[i];
		struct gate_err_test et;

		if (!p->cur || !p->base)
			continue;
		for (int m = 0; m < NLAT; m++)
			if (p->cell[m].eligible)
				caps[ncaps++] = latency_cap(p, m, c->env[m].var_f, c->cfg->min_delta_ms);
		if (p->cell[E2E_METRIC_CPU].eligible)
			caps[ncaps++] = latency_cap(p, E2E_METRIC_CPU, 0, c->cfg->min_delta_ms);
		if ((p->cur->errors || p->base->errors) && e2e_gate_noise_err_test(p, &et))
			caps[ncaps++] = 0.5 * erfc(et.zmin / M_SQRT2);
	}
	ncaps += e2e_gate_tests_caps(c->tests, c->cfg->min_delta_ms, caps + ncaps);
	alpha = shared_level(caps, ncaps, ALPHA_FAMILY);
	free(caps);
	return alpha;
}

/* Every metric of every pair at level alpha, then each endpoint's
 * verdict; the environment shift (p50's factor) goes into the result. */
static void judge(struct compare *c, double alpha)
{
	struct e2e_gate_result *g = c->g;
	const struct gate_env *p50 = &c->env[E2E_METRIC_P50];

	if (g->runner_disturbed)
		disturbance_delay(g, c->pairs, c->np);
	for (size_t i = 0; i < c->np; i++) {
		struct gate_pair *p = &c->pairs[i];

		if (!p->cur || !p->base)
			continue;
		for (int m = 0; m < NLAT; m++) {
			judge_latency(p, m, c->env[m].factor, c->env[m].var_f, alpha, c->cfg->min_delta_ms);
			if (g->runner_disturbed)
				judge_disturbed(g, p, m, alpha, c->cfg->min_delta_ms);
		}
		judge_errors(p, e2e_stats_norm_quantile(1 - alpha));
		judge_cpu(p, alpha, c->cfg->min_delta_ms);
	}
	for (size_t i = 0; i < c->np; i++)
		endpoint_verdict(&g->endpoints[i]);
	if (c->tests)
		e2e_gate_tests_judge(c->tests, g, alpha, c->cfg->min_delta_ms);
	g->env_endpoints = p50->n;
	g->env_agree = p50->agree;
	if (p50->removed) {
		g->environment_factor = exp(p50->factor);
		g->environment_shift = fabs(g->environment_factor - 1) * 100 >= ENV_REPORT_PCT;
	}
}

/* Rule breaches mark their endpoints; the worst severity, the overall
 * verdict and whether the gate failed. */
static void sum_up(struct e2e_gate_result *g, enum e2e_fail_on fail_on)
{
	for (size_t i = 0; i < g->nfindings; i++) {
		const struct e2e_finding *f = &g->findings[i];

		if (f->severity > g->worst)
			g->worst = f->severity;
		if (f->endpoint && strcmp(f->kind, "rule") == 0)
			for (size_t j = 0; j < g->nendpoints; j++)
				if (strcmp(g->endpoints[j].key, f->endpoint) == 0 &&
				    f->severity > g->endpoints[j].breach)
					g->endpoints[j].breach = f->severity;
	}
	g->overall = g->worst > E2E_SEVERITY_NONE ? E2E_VERDICT_REGRESSION : E2E_VERDICT_PASS;
	for (size_t i = 0; i < g->nendpoints; i++) {
		const struct e2e_endpoint_cmp *ec = &g->endpoints[i];

		if (ec->verdict == E2E_VERDICT_REGRESSION) {
			g->overall = E2E_VERDICT_REGRESSION;
			if (ec->severity > g->worst)
				g->worst = ec->severity;
		} else if (ec->verdict == E2E_VERDICT_INCONCLUSIVE && g->overall != E2E_VERDICT_REGRESSION) {
			g->overall = E2E_VERDICT_INCONCLUSIVE;
		} else if (ec->verdict == E2E_VERDICT_IMPROVED && g->overall == E2E_VERDICT_PASS) {
			g->overall = E2E_VERDICT_IMPROVED;
		}
	}
	for (size_t i = 0; i < g->ntests; i++) { /* --gate-tests: a regression counts as an endpoint's */
		const struct e2e_metric_cmp *t = &g->tests[i].duration;

		if (t->verdict == E2E_VERDICT_REGRESSION) {
			g->overall = E2E_VERDICT_REGRESSION;
			if (t->severity > g->worst)
				g->worst = t->severity;
		}
	}
	g->failed =
		fail_on != E2E_FAIL_ON_NEVER &&
		g->worst >= (fail_on == E2E_FAIL_ON_WARNING ? E2E_SEVERITY_WARNING : E2E_SEVERITY_CRITICAL);
}

static void compare_finish(struct compare *c)
{
	for (size_t i = 0; i < c->np; i++)
		free(c->pairs[i].sorted);
	free(c->pairs);
	free(c->skip);
	e2e_gate_noise_finish(&c->bn);
	e2e_gate_tests_destroy(c->tests);
}

int e2e_gate_compare(const struct e2e_report *cur, const struct e2e_baseline *b,
		     const struct e2e_gate_config *cfg, struct e2e_gate_result **out)
{
	return e2e_gate_compare_tests(cur, b, cfg, false, out);
}

int e2e_gate_compare_tests(const struct e2e_report *cur, const struct e2e_baseline *b,
			   const struct e2e_gate_config *cfg, bool gate_tests, struct e2e_gate_result **out)
{
	struct compare c = { .cur = cur, .b = b, .cfg = cfg };
	int rc;

	if (cfg->rules) {
		rc = check_coverage(cfg->rules, cur, b);
		if (rc < 0)
			return rc;
	}
	c.g = result_create(cur, b, cfg);
	if (b) {
		assess_disturbance(c.g, cur, b);
		make_pairs(&c);
		c.g->comparisons = model_noise(&c);
		if (gate_tests)
			c.g->comparisons += e2e_gate_tests_model(cur, b, cfg->threshold_pct, &c.tests);
		c.g->test_level = test_level(&c, c.g->comparisons);
		judge(&c, c.g->test_level);
	}
	e2e_gate_text_global(c.g, cur, b, c.env);
	if (cfg->rules)
		check_rules(cfg->rules, cur, c.g);
	sum_up(c.g, cfg->fail_on);
	e2e_advice_derive(cur, b, c.g);
	if (c.g->nendpoints)
		qsort(c.g->endpoints, c.g->nendpoints, sizeof(*c.g->endpoints), cmp_endpoint_cmp);
	compare_finish(&c);
	*out = c.g;
	return 0;
}

/* ---- the pieces perf-ab's paired test shares (ab.c) ------------------- */

void e2e_gate_init_cmp(struct gate_pair *p)
{
	init_metrics(p->cmp, p, p->threshold);
}

double e2e_gate_cell_cap(const struct gate_pair *p, int m, double var_f, double min_delta_ms)
{
	return latency_cap(p, m, var_f, min_delta_ms);
}

void e2e_gate_judge_cell(struct gate_pair *p, int m, double F, double var_f, double alpha,
			 double min_delta_ms)
{
	judge_latency(p, m, F, var_f, alpha, min_delta_ms);
}

double e2e_gate_family_level(double *caps, size_t n)
{
	return shared_level(caps, n, ALPHA_FAMILY);
}

void e2e_gate_sum_up(struct e2e_gate_result *g, enum e2e_fail_on fail_on)
{
	for (size_t i = 0; i < g->nendpoints; i++)
		endpoint_verdict(&g->endpoints[i]);
	sum_up(g, fail_on);
	if (g->nendpoints)
		qsort(g->endpoints, g->nendpoints, sizeof(*g->endpoints), cmp_endpoint_cmp);
}
