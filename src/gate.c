/* gate.c - the regression gate.
 *
 * Model, per latency metric (p50, p95, p99, mean) and in log space: the
 * value of endpoint e in run r is mu_e + f_r + w_re + s_re, where f_r is a
 * factor every endpoint of the run shares (the runner), w_re the
 * endpoint's own run-to-run wobble and s_re the sampling error of the
 * statistic at that run's request count.
 *
 * From the baseline's source runs: f_r is the median over endpoints of the
 * run's deviation from each endpoint's mean; the residual variance of each
 * endpoint (wobble + sampling) is shrunk towards the endpoints' pooled
 * wobble plus the endpoint's own sampling variance (read off the merged
 * histogram with binomial order-statistic bounds). A one-run baseline has
 * no spread to measure: documented default wobble floors stand in.
 *
 * For the current run, D_e = log(current / baseline). When enough
 * endpoints can be compared, the run's shared factor F is the median of
 * D_e; if most endpoints sit near it, it is removed (and reported as an
 * environment shift when large), else the runner variance of the
 * baseline is added to every endpoint's variance instead. The judged
 * change D_e - F gets a t interval whose variance is the endpoint's wobble,
 * the current run's own sampling variance, the baseline centre's
 * uncertainty and F's. A regression needs the change >= threshold, the
 * change in ms >= the floor, enough samples, and the interval above 0 at
 * a level that keeps the family's chance of any false regression at 2 %,
 * shared among the tests by how likely each is to reach the threshold and
 * floor by chance (shared_level()).
 *
 * The error rate is compared in percentage points with a two-proportion
 * z test whose variance adds a run-to-run allowance. */
#include "gate.h"

#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "advice.h"
#include "baseline.h"
#include "buf.h"
#include "error.h"
#include "fmt.h"
#include "hist.h"
#include "report.h"
#include "rules.h"
#include "stats.h"
#include "banned.h"

/* The documented constants of the method (e2e-perf-report(1), THE GATE). */
#define ALPHA_FAMILY 0.02 /* one-sided, shared by every test of a comparison */
#define PRIOR_DF 24.0 /* weight (df) of the pooled prior of each endpoint's noise */
#define WOBBLE_FLOOR 0.02 /* lowest per-endpoint run-to-run sd (log) */
#define RUNNER_SD_DEFAULT 0.15 /* runner sd (log) when the baseline cannot tell */
#define ENV_MIN_ENDPOINTS 5 /* endpoints needed to estimate the run's factor */
#define ENV_REPORT_PCT 15.0 /* a removed factor this large is a finding */
#define ERR_FLOOR 0.005 /* error-rate floor: 0.5 percentage points */
#define ERR_RUN_CV 0.5 /* run-to-run allowance: 50 % of the rate ... */
#define ERR_RUN_ABS 0.001 /* ... plus 0.1 percentage points (sd) */
#define EPS_MS 0.001
/* Sampling sd of a quantile: the slope of log Q over +-RANK_SE binomial
 * standard errors of its rank. Two rather than one, so that a gap in the
 * distribution just beyond one standard error (a bimodal endpoint whose
 * P95 can jump to the slow mode) shows in the variance. */
#define RANK_SE 2.0

enum { NLAT = 4 }; /* latency metrics: p50, p95, p99, mean */

static const double metric_q[NLAT] = { 0.50, 0.95, 0.99, -1 };
/* Default per-endpoint wobble (sd of log) for a one-run baseline. */
static const double wobble_default[NLAT] = { 0.10, 0.12, 0.15, 0.12 };
static const uint64_t min_samples[E2E_METRIC__COUNT] = { 10, 40, 100, 20, 10 };

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
	static const char *const n[] = { "p50", "p95", "p99", "mean", "error_rate" };
	return (unsigned)m < sizeof(n) / sizeof(n[0]) ? n[m] : "unknown";
}

/* ---- numbers ----------------------------------------------------------- */

static double safe_log(double ms)
{
	return log(ms > EPS_MS ? ms : EPS_MS);
}

/* Sampling variance of log(quantile q) at n requests, from a quantile
 * function: the binomial sd of the rank, read off as values. */
typedef double (*quantile_fn)(const void *ctx, double q);

static double log_quantile_var(quantile_fn qf, const void *ctx, double q, double n)
{
	double se, lo, hi, vlo, vhi, sd;

	if (!(n >= 1))
		return 0;
	se = sqrt(q * (1 - q) / n);
	lo = q - RANK_SE * se > 0 ? q - RANK_SE * se : 0;
	hi = q + RANK_SE * se < 1 ? q + RANK_SE * se : 1;
	vlo = qf(ctx, lo);
	vhi = qf(ctx, hi);
	if (!(hi > lo) || !isfinite(vlo) || !isfinite(vhi))
		return 0;
	sd = (safe_log(vhi) - safe_log(vlo)) * se / (hi - lo);
	return sd * sd;
}

static double hist_q_ms(const void *ctx, double q)
{
	return e2e_hist_quantile(ctx, q) / 1000.0;
}

struct sorted {
	const double *v;
	size_t n;
};

static double sorted_q(const void *ctx, double q)
{
	const struct sorted *s = ctx;

	return e2e_stats_quantile_sorted(s->v, s->n, q);
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
	free(g);
}

/* ---- values ------------------------------------------------------------ */

/* Metric m of a report endpoint or a baseline endpoint (same field names). */
#define METRIC_OF(e, m)                                                                                      \
	((m) == E2E_METRIC_P50	  ? (e)->p50_ms                                                              \
	 : (m) == E2E_METRIC_P95  ? (e)->p95_ms                                                              \
	 : (m) == E2E_METRIC_P99  ? (e)->p99_ms                                                              \
	 : (m) == E2E_METRIC_MEAN ? (e)->mean_ms                                                             \
				  : (e)->error_rate)

static double cur_value(const struct e2e_endpoint_report *e, int m)
{
	return METRIC_OF(e, m);
}

static double base_value(const struct e2e_baseline_endpoint *e, int m)
{
	return METRIC_OF(e, m);
}

static double run_value(const struct e2e_baseline_run_stats *r, int m)
{
	switch (m) {
	case E2E_METRIC_P50:
		return r->p50_ms;
	case E2E_METRIC_P95:
		return r->p95_ms;
	case E2E_METRIC_P99:
		return r->p99_ms;
	default:
		return r->mean_ms;
	}
}

/* ---- baseline noise ---------------------------------------------------- */

/* Per baseline endpoint and latency metric: the variance of one run's log
 * value around the endpoint's centre (wobble + sampling), its sampling
 * part, its degrees of freedom and the runs it rests on. */
struct noise {
	double s2; /* per-run variance after shrinkage */
	double samp2; /* sampling part at the baseline's per-run count */
	double df;
	double k; /* usable source runs (>= 1) */
	double n; /* requests per source run that samp2 is for */
};

struct base_noise {
	struct noise *ep[NLAT]; /* by baseline endpoint index */
	double runner2[NLAT]; /* variance of the runner factor */
};

/* Moderated variances (after Smyth 2004, limma): each endpoint's residual
 * variance s2 on d = k - 1 df is shrunk towards a prior proportional to
 * its own sampling variance plus the pooled wobble, worth PRIOR_DF df
 * (twenty endpoints cannot estimate that weight themselves). The prior's
 * scale is set by the median endpoint. An endpoint whose own variance is
 * far above its prior (2.5 sd of log variance) keeps it, unshrunk, on its
 * own d df: erratic endpoints must not borrow calm ones' noise. */
static void moderate(struct noise *ns, const size_t *ke, const bool *skip, size_t E, double tau_pool2, int m)
{
	double *z = e2e_xcalloc(E + 1, sizeof(*z)), *t = e2e_xcalloc(E + 1, sizeof(*t));
	double scale = 1, cut = INFINITY;
	size_t n = 0;

	for (size_t e = 0; e < E; e++) {
		double d = (double)ke[e] - 1;

		z[e] = NAN;
		if (skip[e] || ke[e] < 2)
			continue;
		/* log(s2 / prior) with its expectation under the prior made 0 */
		z[e] = log(fmax(ns[e].s2, 1e-12) / (ns[e].samp2 + tau_pool2 + 1e-12)) -
		       e2e_stats_digamma(d / 2) + log(d / 2);
		t[n++] = z[e];
	}
	if (n >= 3) {
		double d = (double)(ke[0] >= 2 ? ke[0] : 5) - 1, med = e2e_stats_median(t, n);
		/* the median of log(chi2_d / d), centred like z */
		double med_off = 3 * log1p(-2 / (9 * d)) - e2e_stats_digamma(d / 2) + log(d / 2);

		scale = exp(med - med_off);
		cut = med + 2.5 * sqrt(e2e_stats_trigamma(d / 2) + e2e_stats_trigamma(PRIOR_DF / 2));
	}
	for (size_t e = 0; e < E; e++) {
		double prior = scale * (ns[e].samp2 + tau_pool2);

		if (skip[e])
			continue;
		if (ke[e] >= 2) {
			double d = (double)ke[e] - 1, w = z[e] > cut ? 0 : PRIOR_DF;

			ns[e].s2 = (d * ns[e].s2 + w * prior) / (d + w);
			ns[e].df = d + w;
		} else if (!isnan(tau_pool2)) {
			ns[e].s2 = prior;
			ns[e].df = PRIOR_DF;
		} else {
			ns[e].s2 = ns[e].samp2 + wobble_default[m] * wobble_default[m];
			ns[e].df = INFINITY;
		}
		if (ns[e].s2 < ns[e].samp2 + WOBBLE_FLOOR * WOBBLE_FLOOR)
			ns[e].s2 = ns[e].samp2 + WOBBLE_FLOOR * WOBBLE_FLOOR;
	}
	free(z);
	free(t);
}

static size_t source_index(const struct e2e_baseline *b, int64_t id)
{
	for (size_t j = 0; j < b->nsources; j++)
		if (b->sources[j].id == id)
			return j;
	return b->nsources;
}

static void estimate_noise_metric(const struct e2e_baseline *b, const bool *skip, int m,
				  struct base_noise *bn)
{
	size_t E = b->nendpoints, K = b->nsources;
	double *L = e2e_xmalloc((E * K + 1) * sizeof(*L)); /* [e * K + j], NAN = unusable */
	double *lbar = e2e_xcalloc(E ? E : 1, sizeof(*lbar));
	size_t *ke = e2e_xcalloc(E ? E : 1, sizeof(*ke));
	double *f = e2e_xcalloc(K ? K : 1, sizeof(*f));
	bool *fok = e2e_xcalloc(K ? K : 1, sizeof(*fok));
	double *tmp = e2e_xmalloc((E > K ? E : K) * sizeof(*tmp) + sizeof(*tmp));
	struct noise *ns = e2e_xcalloc(E ? E : 1, sizeof(*ns));
	double tau_pool2 = NAN, fvar = NAN;
	size_t nt = 0, nf = 0;

	for (size_t i = 0; i < E * K; i++)
		L[i] = NAN;
	for (size_t e = 0; e < E; e++) {
		const struct e2e_baseline_endpoint *be = &b->endpoints[e];

		if (skip[e])
			continue;
		for (size_t r = 0; r < be->nruns; r++) {
			size_t j = source_index(b, be->runs[r].run_id);
			double v = run_value(&be->runs[r], m);

			if (j == K || be->runs[r].count < min_samples[m] || !(v >= 0))
				continue;
			L[e * K + j] = safe_log(v);
			lbar[e] += L[e * K + j];
			ke[e]++;
		}
		if (ke[e])
			lbar[e] /= (double)ke[e];
	}
	/* the runner factor of each source run */
	for (size_t j = 0; j < K; j++) {
		size_t n = 0;

		for (size_t e = 0; e < E; e++)
			if (ke[e] >= 2 && !isnan(L[e * K + j]))
				tmp[n++] = L[e * K + j] - lbar[e];
		if (n >= 3) {
			f[j] = e2e_stats_median(tmp, n);
			fok[j] = true;
			nf++;
		}
	}
	if (nf >= 2) {
		double mean = 0, ss = 0;

		for (size_t j = 0; j < K; j++)
			mean += fok[j] ? f[j] : 0;
		mean /= (double)nf;
		for (size_t j = 0; j < K; j++)
			if (fok[j])
				ss += (f[j] - mean) * (f[j] - mean);
		fvar = ss / (double)(nf - 1);
	}
	bn->runner2[m] = RUNNER_SD_DEFAULT * RUNNER_SD_DEFAULT;
	if (!isnan(fvar))
		bn->runner2[m] = ((double)(nf - 1) * fvar + 2 * bn->runner2[m]) / ((double)(nf - 1) + 2);

	/* residual variance per endpoint, and its sampling part */
	for (size_t e = 0; e < E; e++) {
		const struct e2e_baseline_endpoint *be = &b->endpoints[e];
		double fbar = 0, ss = 0, nbar;

		if (skip[e])
			continue;
		nbar = ke[e] ? 0 : (double)be->count / (double)(be->nruns ? be->nruns : 1);
		for (size_t r = 0; r < be->nruns; r++) {
			size_t j = source_index(b, be->runs[r].run_id);

			if (j < K && !isnan(L[e * K + j]))
				nbar += (double)be->runs[r].count / (double)ke[e];
		}
		if (m == E2E_METRIC_MEAN) {
			double cv = be->mean_ms > 0 ? be->stddev_ms / be->mean_ms : 0;

			ns[e].samp2 = nbar >= 1 ? cv * cv / nbar : 0;
		} else {
			ns[e].samp2 = log_quantile_var(hist_q_ms, be->hist, metric_q[m], nbar);
		}
		ns[e].k = ke[e] ? (double)ke[e] : 1;
		ns[e].n = nbar;
		if (ke[e] < 2)
			continue;
		for (size_t j = 0; j < K; j++)
			if (!isnan(L[e * K + j]))
				fbar += f[j] / (double)ke[e];
		for (size_t j = 0; j < K; j++) {
			double r;

			if (isnan(L[e * K + j]))
				continue;
			r = L[e * K + j] - lbar[e] - (f[j] - fbar);
			ss += r * r;
		}
		ns[e].s2 = ss / (double)(ke[e] - 1);
		tmp[nt++] = ns[e].s2 > ns[e].samp2 ? ns[e].s2 - ns[e].samp2 : 0;
	}
	if (nt)
		tau_pool2 = e2e_stats_median(tmp, nt);
	moderate(ns, ke, skip, E, tau_pool2, m);
	bn->ep[m] = ns;
	free(L);
	free(lbar);
	free(ke);
	free(f);
	free(fok);
	free(tmp);
}

/* ---- comparing --------------------------------------------------------- */

struct cell {
	bool eligible;
	double D; /* log(current / baseline) */
	double V; /* variance of D, without the environment part */
	double df;
};

struct pair {
	const struct e2e_endpoint_report *cur; /* NULL: missing */
	const struct e2e_baseline_endpoint *base; /* NULL: new */
	size_t base_index;
	double *sorted; /* current latencies, ascending */
	double kc; /* current runs holding the endpoint */
	double threshold;
	struct cell cell[NLAT];
	struct e2e_endpoint_cmp *cmp;
};

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

static void fill_cell(struct pair *p, const struct base_noise *bn, int m)
{
	struct cell *c = &p->cell[m];
	const struct noise *ns = &bn->ep[m][p->base_index];
	double cv = cur_value(p->cur, m), bv = base_value(p->base, m), samp_c, coef;
	struct sorted s = { p->sorted, p->cur->nsamples };

	c->eligible =
		p->cur->count >= min_samples[m] && p->base->count >= min_samples[m] && cv >= 0 && bv >= 0;
	if (!c->eligible)
		return;
	c->D = safe_log(cv) - safe_log(bv);
	if (m == E2E_METRIC_MEAN) {
		double r = cv > 0 ? p->cur->stddev_ms / cv : 0;

		samp_c = r * r / (double)p->cur->count;
	} else {
		samp_c = log_quantile_var(sorted_q, &s, metric_q[m], (double)p->cur->count);
	}
	/* wobble of the current run(s) + its sampling + the baseline centre's
	 * uncertainty; only the s2 part is estimated (df by Satterthwaite) */
	coef = 1 / p->kc + 1 / ns->k;
	/* the current run's sampling variance, read off one sample, is itself
	 * noisy where the quantile sits near a gap: never take it below the
	 * baseline runs' at the current request count */
	if (ns->n >= 1 && samp_c < ns->samp2 * ns->n / (double)p->cur->count)
		samp_c = ns->samp2 * ns->n / (double)p->cur->count;
	c->V = coef * ns->s2 - ns->samp2 / p->kc + samp_c;
	if (c->V < coef * ns->s2 * 0.5)
		c->V = coef * ns->s2 * 0.5;
	/* Satterthwaite, never below the df of the estimated part: an erratic
	 * endpoint keeps its own few df (its variance is the least known),
	 * and a current run quieter than the baseline's runs does not make
	 * the estimate less certain */
	c->df = isinf(ns->df) ? INFINITY : c->V * c->V / (coef * ns->s2 * coef * ns->s2 / ns->df);
	if (c->df < ns->df)
		c->df = ns->df;
}

/* Estimates the run's shared factor for metric m; fills the result. */
static void environment(struct pair *pairs, size_t np, const struct base_noise *bn, int m, double *factor,
			double *var_f, bool *removed, size_t *nused, size_t *nagree)
{
	double *d = e2e_xmalloc((np ? np : 1) * sizeof(*d)), *v = e2e_xmalloc((np ? np : 1) * sizeof(*v));
	size_t n = 0, agree = 0;
	double F, vmed;

	for (size_t i = 0; i < np; i++)
		if (pairs[i].cur && pairs[i].base && pairs[i].cell[m].eligible) {
			d[n] = pairs[i].cell[m].D;
			v[n++] = pairs[i].cell[m].V;
		}
	*removed = false;
	*factor = 0;
	*var_f = 0;
	*nused = n;
	*nagree = 0;
	if (n >= ENV_MIN_ENDPOINTS) {
		double *dd = e2e_xmalloc(n * sizeof(*dd));

		memcpy(dd, d, n * sizeof(*dd));
		F = e2e_stats_median(dd, n);
		free(dd);
		for (size_t i = 0; i < n; i++) {
			double band = 3 * sqrt(v[i]);

			if (band < log(1.1))
				band = log(1.1);
			if (fabs(d[i] - F) <= band)
				agree++;
		}
		vmed = e2e_stats_median(v, n);
		*nagree = agree;
		if (2 * agree > n) {
			*removed = true;
			*factor = F;
			*var_f = M_PI / 2 * vmed / (double)n;
		}
	}
	if (!*removed) {
		for (size_t i = 0; i < np; i++)
			if (pairs[i].cur && pairs[i].base && pairs[i].cell[m].eligible)
				pairs[i].cell[m].V += bn->runner2[m] * (1 / pairs[i].kc +
									1 / bn->ep[m][pairs[i].base_index].k);
	}
	free(d);
	free(v);
}

static void judge_latency(struct pair *p, int m, double F, double var_f, double alpha, double min_delta_ms)
{
	struct e2e_metric_cmp *mc = &p->cmp->metrics[m];
	const struct cell *c = &p->cell[m];
	double logT = log1p(p->threshold / 100), A, sd, t95, tcrit, abs_ms;

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
	abs_ms = mc->baseline * expm1(A);
	if (A >= logT) {
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
	} else if (A <= -logT) {
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

static double anscombe(double x, double n)
{
	return asin(sqrt((x + 0.375) / (n + 0.75)));
}

/* Error rate: percentage points, two proportions plus a run-to-run
 * allowance estimated from the baseline's source runs. */
struct err_test {
	double z; /* the test statistic */
	double zmin; /* its value at the smallest increase that could be a regression */
	double half95; /* half the 95 % interval of the change, as a rate */
};

static bool err_test(const struct pair *p, struct err_test *t)
{
	const struct e2e_baseline_endpoint *be = p->base;
	double nc = (double)p->cur->count, nb = (double)be->count;
	double pc = (double)p->cur->errors / nc, pb = be->error_rate, pbar, between, v0, v1, kb, dmin;

	if (p->cur->count < min_samples[E2E_METRIC_ERROR_RATE] ||
	    be->count < min_samples[E2E_METRIC_ERROR_RATE])
		return false;
	between = (ERR_RUN_CV * pb) * (ERR_RUN_CV * pb) + ERR_RUN_ABS * ERR_RUN_ABS;
	if (be->nruns >= 2) {
		double mean = 0, ss = 0, binom = 0;

		for (size_t r = 0; r < be->nruns; r++)
			mean += (double)be->runs[r].errors / (double)be->runs[r].count / (double)be->nruns;
		for (size_t r = 0; r < be->nruns; r++) {
			double pr = (double)be->runs[r].errors / (double)be->runs[r].count;

			ss += (pr - mean) * (pr - mean);
			binom += pb * (1 - pb) / (double)be->runs[r].count / (double)be->nruns;
		}
		if (ss / (double)(be->nruns - 1) - binom > between)
			between = ss / (double)(be->nruns - 1) - binom;
	}
	kb = be->nruns ? (double)be->nruns : 1;
	/* the test on Anscombe's arcsine scale: its variance does not depend
	 * on the rate and its upper tail stays honest for a handful of errors */
	pbar = ((double)p->cur->errors + (double)be->errors + 0.375) / (nc + nb + 0.75);
	v0 = 1 / (4 * nc) + 1 / (4 * nb) + between / (4 * pbar * (1 - pbar)) * (1 / p->kc + 1 / kb);
	t->z = (anscombe((double)p->cur->errors, nc) - anscombe((double)be->errors, nb)) / sqrt(v0);
	dmin = fmax(ERR_FLOOR, pb * p->threshold / 100);
	t->zmin = pb + dmin >= 1
			  ? INFINITY
			  : (anscombe((pb + dmin) * nc, nc) - anscombe((double)be->errors, nb)) / sqrt(v0);
	v1 = pc * (1 - pc) / nc + pb * (1 - pb) / nb + between * (1 / p->kc + 1 / kb);
	t->half95 = 1.959964 * sqrt(v1);
	return true;
}

static void judge_errors(struct pair *p, double zcrit)
{
	struct e2e_metric_cmp *mc = &p->cmp->metrics[E2E_METRIC_ERROR_RATE];
	double pc = mc->current, pb = mc->baseline, delta = pc - pb, rel;
	double T = p->threshold / 100;
	struct err_test t;

	mc->judged_pct = 100 * delta;
	if (!err_test(p, &t)) {
		mc->verdict = E2E_VERDICT_INCONCLUSIVE;
		mc->reason = "too few samples";
		return;
	}
	mc->ci_lo_pct = 100 * (delta - t.half95);
	mc->ci_hi_pct = 100 * (delta + t.half95);
	rel = pb > 0 ? delta / pb : (delta > 0 ? INFINITY : 0);
	if (delta >= ERR_FLOOR && rel >= T) {
		if (t.z >= zcrit) {
			mc->verdict = E2E_VERDICT_REGRESSION;
			mc->severity = rel >= 2 * T ? E2E_SEVERITY_CRITICAL : E2E_SEVERITY_WARNING;
		} else {
			mc->verdict = E2E_VERDICT_INCONCLUSIVE;
			mc->reason = "change within noise";
		}
	} else if (delta > 0 && rel >= T) {
		mc->reason = "below the absolute floor";
	} else if (-delta >= ERR_FLOOR && pb >= (1 + T) * pc && t.z <= -zcrit) {
		mc->verdict = E2E_VERDICT_IMPROVED;
	}
}

/* ---- the shared level --------------------------------------------------- */

/* The most one latency test can add to the chance of a false regression:
 * the probability, with nothing changed, that its judged change reaches
 * the smallest change that could be a regression (the threshold, the
 * floor in ms), whatever the significance level. */
static double latency_cap(const struct pair *p, int m, double var_f, double min_delta_ms)
{
	const struct cell *c = &p->cell[m];
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

static void init_metrics(struct e2e_endpoint_cmp *ec, const struct pair *p, double threshold)
{
	for (int m = 0; m < E2E_METRIC__COUNT; m++) {
		struct e2e_metric_cmp *mc = &ec->metrics[m];

		mc->metric = (enum e2e_metric)m;
		mc->baseline = p->base ? base_value(p->base, m) : NAN;
		mc->current = p->cur ? cur_value(p->cur, m) : NAN;
		mc->delta = mc->current - mc->baseline;
		mc->delta_pct = mc->baseline > 0 ? 100 * (mc->current / mc->baseline - 1) : NAN;
		if (mc->baseline == 0 && mc->current == 0)
			mc->delta_pct = 0;
		mc->ci_lo_pct = mc->ci_hi_pct = NAN;
		mc->judged_pct = m == E2E_METRIC_ERROR_RATE ? 100 * mc->delta : mc->delta_pct;
		mc->env_factor = 1;
		mc->n_needed = min_samples[m];
		mc->n_baseline = p->base ? p->base->count : 0;
		mc->n_current = p->cur ? p->cur->count : 0;
		mc->threshold_pct = threshold;
		mc->verdict = !p->base ? E2E_VERDICT_NEW : !p->cur ? E2E_VERDICT_MISSING : E2E_VERDICT_PASS;
	}
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
			if (mc->reason && strcmp(mc->reason, "change within noise") == 0)
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

/* A rule limit's value: an error rate as a share, a latency in ms. */
static void limit_value(struct e2e_buf *b, int l, double v)
{
	if (l == E2E_LIMIT_ERROR_RATE)
		e2e_fmt_pct(b, v);
	else
		e2e_fmt_ms(b, v);
}

/* Rule limits: each limit a matching rule sets, against the observed value. */
static void check_rules(const struct e2e_rules *rules, const struct e2e_report *cur,
			struct e2e_gate_result *g)
{
	struct e2e_buf msg = E2E_BUF_INIT;

	for (size_t i = 0; i < cur->nendpoints; i++) {
		const struct e2e_endpoint_report *e = &cur->endpoints[i];

		if (e2e_rules_ignored(rules, e->key))
			continue;
		for (size_t r = 0; r < rules->nrules; r++) {
			const struct e2e_rule *rule = &rules->rules[r];

			if (!e2e_rule_matches(rule, e->key))
				continue;
			for (int l = 0; l < E2E_LIMIT__COUNT; l++) {
				static const char *const what[] = { "mean", "p50", "p95", "p99",
								    "error rate" };
				double v = l == E2E_LIMIT_AVG	? e->mean_ms
					   : l == E2E_LIMIT_P50 ? e->p50_ms
					   : l == E2E_LIMIT_P95 ? e->p95_ms
					   : l == E2E_LIMIT_P99 ? e->p99_ms
								: e->error_rate;

				if (isnan(rule->limit[l]) || !(v > rule->limit[l]))
					continue;
				e2e_buf_reset(&msg);
				e2e_buf_printf(&msg, "%s ", what[l]);
				limit_value(&msg, l, v);
				e2e_buf_printf(&msg, " exceeds %s ", e2e_rule_limit_name(l));
				limit_value(&msg, l, rule->limit[l]);
				e2e_buf_printf(&msg, " (rules[%zu] '%s', ", rule->index - 1,
					       rule->match[0].text);
				e2e_fmt_count(&msg, e->count);
				e2e_buf_printf(&msg, " requests) breach [%s]",
					       e2e_severity_name(rule->severity));
				e2e_gate_add_finding(g, "rule", e->key, rule->severity, msg.data);
				e2e_buf_reset(&msg);
				e2e_buf_printf(&msg, "%s ", what[l]);
				limit_value(&msg, l, v);
				if (rule->limit[l] > 0) {
					e2e_buf_puts(&msg, " is ");
					e2e_fmt_pct_num(&msg, 100 * (v / rule->limit[l] - 1), false);
					e2e_buf_printf(&msg, "%% over the %s limit of ",
						       e2e_rule_limit_name(l));
				} else {
					e2e_buf_printf(&msg, " exceeds the %s limit of ",
						       e2e_rule_limit_name(l));
				}
				limit_value(&msg, l, rule->limit[l]);
				e2e_buf_printf(
					&msg,
					" (rules[%zu]): profile this endpoint, or change the limit in the "
					"rules file if the budget is out of date",
					rule->index - 1);
				e2e_advice_add(g, "rule", e->key, msg.data);
			}
		}
	}
	e2e_buf_finish(&msg);
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

static void global_findings(struct e2e_gate_result *g, const struct e2e_report *cur,
			    const struct e2e_baseline *b, const double *factor, const bool *removed)
{
	struct e2e_buf msg = E2E_BUF_INIT;

	if (g->environment_shift) {
		e2e_buf_printf(&msg, "environment shift: %zu of %zu endpoints moved together, p50 ",
			       g->env_agree, g->env_endpoints);
		e2e_fmt_factor(&msg, exp(factor[E2E_METRIC_P50]));
		for (int m = E2E_METRIC_P95; m < NLAT; m++)
			if (removed[m]) {
				e2e_buf_printf(&msg, ", %s ", e2e_metric_name(m));
				e2e_fmt_factor(&msg, exp(factor[m]));
			}
		e2e_buf_puts(&msg, "; each endpoint is judged after removing it");
		e2e_gate_add_finding(g, "environment_shift", NULL, E2E_SEVERITY_NONE, msg.data);
	}
	if (g->host_mismatch) {
		const struct e2e_run *r = &cur->runs[0];

		e2e_buf_reset(&msg);
		e2e_buf_printf(&msg,
			       "host differs from the baseline's: baseline '%s', %d cores, '%s'; this run "
			       "'%s', %d cores, '%s'",
			       b->host_cpu, b->host_cores, b->host_os, r->host_cpu ? r->host_cpu : "",
			       r->host_cores, r->host_os ? r->host_os : "");
		e2e_gate_add_finding(g, "host_mismatch", NULL, E2E_SEVERITY_WARNING, msg.data);
	}
	if (g->single_run_baseline) {
		e2e_buf_reset(&msg);
		e2e_buf_puts(&msg, "the baseline has one source run: run-to-run noise cannot be measured, "
				   "default floors are used (sd");
		for (int m = 0; m < NLAT; m++) {
			e2e_buf_printf(&msg, "%s %s ", m ? "," : "", e2e_metric_name(m));
			e2e_fmt_pct_num(&msg, 100 * wobble_default[m], false);
			e2e_buf_putc(&msg, '%');
		}
		e2e_buf_puts(&msg,
			     "); build it from several runs (--repeat 5 or --runs 5) for a sharper gate");
		e2e_gate_add_finding(g, "single_run_baseline", NULL, E2E_SEVERITY_NONE, msg.data);
	}
	e2e_buf_finish(&msg);
}

int e2e_gate_compare(const struct e2e_report *cur, const struct e2e_baseline *b,
		     const struct e2e_gate_config *cfg, struct e2e_gate_result **out)
{
	struct e2e_gate_result *g;
	const struct e2e_rules *rules = cfg->rules;
	struct pair *pairs = NULL;
	struct base_noise bn = { 0 };
	bool *skip = NULL;
	size_t np = 0, family = 0, ncaps = 0;
	double factor[NLAT] = { 0 }, var_f[NLAT] = { 0 }, alpha, *caps;
	bool removed[NLAT] = { false };
	size_t env_n[NLAT], env_agree[NLAT];
	int rc;

	if (rules) {
		rc = check_coverage(rules, cur, b);
		if (rc < 0)
			return rc;
	}
	g = e2e_xcalloc(1, sizeof(*g));
	g->threshold_pct = cfg->threshold_pct;
	g->environment_factor = 1;
	if (!b)
		goto findings;
	g->baseline_name = e2e_xstrdup(b->name ? b->name : "");
	g->baseline_runs = b->nsources;
	g->single_run_baseline = b->nsources <= 1;
	g->host_mismatch = cur->nruns && e2e_baseline_host_differs(b, &cur->runs[0]);

	/* pairs: current endpoints (with their baseline, or new), then missing */
	skip = e2e_xcalloc(b->nendpoints + 1, sizeof(*skip));
	for (size_t i = 0; i < b->nendpoints; i++)
		skip[i] = e2e_rules_ignored(rules, b->endpoints[i].key);
	pairs = e2e_xcalloc(cur->nendpoints + b->nendpoints + 1, sizeof(*pairs));
	for (size_t i = 0; i < cur->nendpoints; i++) {
		const struct e2e_endpoint_report *e = &cur->endpoints[i];
		struct pair *p;

		if (e2e_rules_ignored(rules, e->key))
			continue;
		p = &pairs[np++];
		p->cur = e;
		p->base = e2e_baseline_find(b, e->key);
		p->base_index = p->base ? (size_t)(p->base - b->endpoints) : 0;
		p->kc = runs_covering(e, cur->nruns);
	}
	for (size_t i = 0; i < b->nendpoints; i++)
		if (!skip[i] && !e2e_report_find(cur, b->endpoints[i].key)) {
			pairs[np].base = &b->endpoints[i];
			pairs[np++].base_index = i;
		}
	g->endpoints = e2e_xcalloc(np + 1, sizeof(*g->endpoints));
	g->nendpoints = np;
	for (size_t i = 0; i < np; i++) {
		struct pair *p = &pairs[i];

		p->cmp = &g->endpoints[i];
		p->threshold =
			e2e_rules_threshold(rules, p->cur ? p->cur->key : p->base->key, cfg->threshold_pct);
		p->cmp->key = e2e_xstrdup(p->cur ? p->cur->key : p->base->key);
		p->cmp->n_baseline = p->base ? p->base->count : 0;
		p->cmp->n_current = p->cur ? p->cur->count : 0;
		init_metrics(p->cmp, p, p->threshold);
		if (p->cur && p->base)
			p->sorted = e2e_advice_latencies(p->cur, true);
	}

	for (int m = 0; m < NLAT; m++) {
		estimate_noise_metric(b, skip, m, &bn);
		for (size_t i = 0; i < np; i++)
			if (pairs[i].cur && pairs[i].base) {
				fill_cell(&pairs[i], &bn, m);
				family += pairs[i].cell[m].eligible;
			}
		environment(pairs, np, &bn, m, &factor[m], &var_f[m], &removed[m], &env_n[m], &env_agree[m]);
	}
	for (size_t i = 0; i < np; i++)
		if (pairs[i].cur && pairs[i].base &&
		    pairs[i].cur->count >= min_samples[E2E_METRIC_ERROR_RATE] &&
		    pairs[i].base->count >= min_samples[E2E_METRIC_ERROR_RATE] &&
		    (pairs[i].cur->errors || pairs[i].base->errors))
			family++;
	g->comparisons = family;
	caps = e2e_xcalloc(family + 1, sizeof(*caps));
	for (size_t i = 0; i < np; i++) {
		struct pair *p = &pairs[i];
		struct err_test et;

		if (!p->cur || !p->base)
			continue;
		for (int m = 0; m < NLAT; m++)
			if (p->cell[m].eligible)
				caps[ncaps++] = latency_cap(p, m, var_f[m], cfg->min_delta_ms);
		if ((p->cur->errors || p->base->errors) && err_test(p, &et))
			caps[ncaps++] = 0.5 * erfc(et.zmin / M_SQRT2);
	}
	alpha = shared_level(caps, ncaps, ALPHA_FAMILY);
	g->test_level = alpha;
	free(caps);
	for (size_t i = 0; i < np; i++) {
		struct pair *p = &pairs[i];

		if (!p->cur || !p->base)
			continue;
		for (int m = 0; m < NLAT; m++)
			judge_latency(p, m, factor[m], var_f[m], alpha, cfg->min_delta_ms);
		judge_errors(p, e2e_stats_norm_quantile(1 - alpha));
	}
	for (size_t i = 0; i < np; i++)
		endpoint_verdict(&g->endpoints[i]);
	g->env_endpoints = env_n[E2E_METRIC_P50];
	g->env_agree = env_agree[E2E_METRIC_P50];
	if (removed[E2E_METRIC_P50]) {
		g->environment_factor = exp(factor[E2E_METRIC_P50]);
		g->environment_shift = fabs(g->environment_factor - 1) * 100 >= ENV_REPORT_PCT;
	}

findings:
	global_findings(g, cur, b, factor, removed);
	if (rules)
		check_rules(rules, cur, g);
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
	g->failed = cfg->fail_on != E2E_FAIL_ON_NEVER &&
		    g->worst >= (cfg->fail_on == E2E_FAIL_ON_WARNING ? E2E_SEVERITY_WARNING
								     : E2E_SEVERITY_CRITICAL);
	e2e_advice_derive(cur, b, g);
	if (g->nendpoints)
		qsort(g->endpoints, g->nendpoints, sizeof(*g->endpoints), cmp_endpoint_cmp);

	for (size_t i = 0; i < np; i++)
		free(pairs[i].sorted);
	free(pairs);
	free(skip);
	for (int m = 0; m < NLAT; m++)
		free(bn.ep[m]);
	*out = g;
	return 0;
}

/* ---- text -------------------------------------------------------------- */

const struct e2e_metric_cmp *e2e_gate_endpoint_headline(const struct e2e_endpoint_cmp *e)
{
	const struct e2e_metric_cmp *best = NULL;

	for (int m = 0; m < E2E_METRIC__COUNT; m++) {
		const struct e2e_metric_cmp *mc = &e->metrics[m];

		if (mc->verdict != e->verdict)
			continue;
		if (!best || (mc->verdict == E2E_VERDICT_REGRESSION &&
			      (mc->severity > best->severity ||
			       (mc->severity == best->severity && mc->metric != E2E_METRIC_ERROR_RATE &&
				best->metric != E2E_METRIC_ERROR_RATE && mc->judged_pct > best->judged_pct))))
			best = mc;
	}
	if (!best)
		best = &e->metrics[E2E_METRIC_P95];
	return best;
}

/* "p95" or "error rate": the metric as a finding names it. */
static const char *metric_words(const struct e2e_metric_cmp *m)
{
	return m->metric == E2E_METRIC_ERROR_RATE ? "error rate" : e2e_metric_name(m->metric);
}

/* A metric's value: an error rate as a share, a latency in ms. */
static void metric_value(struct e2e_buf *b, const struct e2e_metric_cmp *m, double v)
{
	if (m->metric == E2E_METRIC_ERROR_RATE)
		e2e_fmt_pct(b, v);
	else
		e2e_fmt_ms(b, v);
}

void e2e_gate_format_metric(const struct e2e_metric_cmp *m, const char *endpoint, struct e2e_buf *out)
{
	bool err = m->metric == E2E_METRIC_ERROR_RATE;
	bool env = !err && fabs(m->env_factor - 1) >= 0.005;

	if (endpoint)
		e2e_buf_printf(out, "%s: ", endpoint);
	if (m->verdict == E2E_VERDICT_NEW || m->verdict == E2E_VERDICT_MISSING) {
		bool is_new = m->verdict == E2E_VERDICT_NEW;

		e2e_buf_printf(out, "%s (%s %s ", is_new ? "new endpoint" : "missing endpoint",
			       is_new ? "now" : "baseline", metric_words(m));
		metric_value(out, m, is_new ? m->current : m->baseline);
		e2e_buf_puts(out, ", ");
		e2e_fmt_count(out, is_new ? m->n_current : m->n_baseline);
		e2e_buf_printf(out, " requests) %s", e2e_verdict_name(m->verdict));
		return;
	}
	e2e_buf_printf(out, "%s ", metric_words(m));
	metric_value(out, m, m->baseline);
	e2e_buf_puts(out, " -> ");
	metric_value(out, m, m->current);
	e2e_buf_puts(out, " (");
	if (err) {
		e2e_fmt_pp(out, m->judged_pct);
	} else {
		e2e_fmt_delta_pct(out, m->delta_pct);
		if (env && !isnan(m->judged_pct)) {
			e2e_buf_puts(out, "; ");
			e2e_fmt_delta_pct(out, m->judged_pct);
			e2e_buf_puts(out, " after the ");
			e2e_fmt_factor(out, m->env_factor);
			e2e_buf_puts(out, " environment shift");
		}
	}
	if (!isnan(m->ci_lo_pct)) {
		e2e_buf_puts(out, ", 95% CI ");
		if (err)
			e2e_fmt_pp_range(out, m->ci_lo_pct, m->ci_hi_pct);
		else
			e2e_fmt_delta_range(out, m->ci_lo_pct, m->ci_hi_pct);
	}
	e2e_buf_putc(out, ')');
	e2e_buf_printf(out, " %s", e2e_verdict_name(m->verdict));
	if (m->verdict == E2E_VERDICT_REGRESSION)
		e2e_buf_printf(out, " [%s]", e2e_severity_name(m->severity));
	if (m->reason && strcmp(m->reason, "too few samples") == 0) {
		e2e_buf_puts(out, ": too few samples (");
		e2e_fmt_count(out, m->n_current);
		e2e_buf_puts(out, " now, ");
		e2e_fmt_count(out, m->n_baseline);
		e2e_buf_printf(out, " in the baseline; %s needs ", metric_words(m));
		e2e_fmt_count(out, m->n_needed);
		e2e_buf_putc(out, ')');
	} else if (m->reason) {
		e2e_buf_printf(out, ": %s", m->reason);
	}
}
