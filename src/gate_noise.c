/* gate_noise.c - the gate's noise model.
 *
 * Per latency metric (p50, p95, p99, mean) and in log space: the value of
 * endpoint e in run r is mu_e + f_r + w_re + s_re, where f_r is a factor
 * every endpoint of the run shares (the runner), w_re the endpoint's own
 * run-to-run wobble and s_re the sampling error of the statistic at that
 * run's request count.
 *
 * From the baseline's source runs: f_r is the median over endpoints of the
 * run's deviation from each endpoint's mean; the residual variance of each
 * endpoint (wobble + sampling) is shrunk towards the endpoints' pooled
 * wobble plus the endpoint's own sampling variance (read off the merged
 * histogram with binomial order-statistic bounds). A one-run baseline has
 * no spread to measure: documented default wobble floors stand in.
 *
 * P95 is judged on its band (the mean log quantile over P95..P99, kept
 * per source run) instead of on itself where the baseline's histogram
 * says the band varies less from sampling: where a gap in the
 * distribution sits near the P95, the P95 jumps across it from run to
 * run, while the band moves only by the share of it the gap crosses.
 *
 * For the current run, D_e = log(current / baseline). When enough
 * endpoints can be compared, the run's shared factor F is the median of
 * D_e; if most endpoints sit near it, it is removed (and reported as an
 * environment shift when large), else the runner variance of the
 * baseline is added to every endpoint's variance instead. The variance of
 * the judged change D_e - F is the endpoint's wobble, the current run's
 * own sampling variance, the baseline centre's uncertainty and F's; the
 * sampling parts read off quantile functions are taken on the scale the
 * source runs showed them to have when that is below 1 (moderate()).
 *
 * The error rate's test adds a run-to-run allowance to the binomial
 * variance. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "gate_impl.h"
#include "hist.h"
#include "stats.h"
#include "banned.h"

/* The documented constants of the method (e2e-perf-report(1), THE GATE). */
#define PRIOR_DF 24.0 /* weight (df) of the pooled prior of each endpoint's noise */
#define WOBBLE_FLOOR 0.02 /* lowest per-endpoint run-to-run sd (log) */
#define RUNNER_SD_DEFAULT 0.15 /* runner sd (log) when the baseline cannot tell */
#define ENV_MIN_ENDPOINTS 5 /* endpoints needed to estimate the run's factor */
#define ERR_RUN_CV 0.5 /* run-to-run allowance: 50 % of the rate ... */
#define ERR_RUN_ABS 0.001 /* ... plus 0.1 percentage points (sd) */
#define EPS_MS 0.001
/* Sampling sd of a quantile: the slope of log Q over +-RANK_SE binomial
 * standard errors of its rank. Two rather than one, so that a gap in the
 * distribution just beyond one standard error (a bimodal endpoint whose
 * P95 can jump to the slow mode) shows in the variance. */
#define RANK_SE 2.0
#define BAND_MIN_ORDER 8.0 /* order statistics a P95 band needs: 200 requests */

static const double metric_q[NLAT] = { 0.50, 0.95, 0.99, -1 };
const double e2e_gate_wobble_default[NLAT] = { 0.10, 0.12, 0.15, 0.12 };

static double safe_log(double ms)
{
	return log(ms > EPS_MS ? ms : EPS_MS);
}

/* Sampling variance of log(quantile q) at n requests, from a quantile
 * function: the binomial sd of the rank, read off as values. */
static double log_quantile_var(e2e_stats_qfn qf, const void *ctx, double q, double n)
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

static double run_value(const struct e2e_baseline_run_stats *r, int m, bool band)
{
	switch (m) {
	case E2E_METRIC_P50:
		return r->p50_ms;
	case E2E_METRIC_P95:
		return band ? r->p95_band_ms : r->p95_ms;
	case E2E_METRIC_P99:
		return r->p99_ms;
	default:
		return r->mean_ms;
	}
}

/* Moderated variances (after Smyth 2004, limma): each endpoint's residual
 * variance s2 on d = k - 1 df is shrunk towards a prior proportional to
 * its own sampling variance plus the pooled wobble, worth PRIOR_DF df
 * (twenty endpoints cannot estimate that weight themselves). The prior's
 * scale is set by the median endpoint. An endpoint whose own variance is
 * far above its prior (2.5 sd of log variance) keeps it, unshrunk, on its
 * own d df: erratic endpoints must not borrow calm ones' noise. */
static double moderate(struct gate_ep_noise *ns, const size_t *ke, const bool *skip, size_t E,
		       double tau_pool2, int m)
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
			ns[e].s2 = ns[e].samp2 + e2e_gate_wobble_default[m] * e2e_gate_wobble_default[m];
			ns[e].df = INFINITY;
		}
		if (ns[e].s2 < ns[e].samp2 + WOBBLE_FLOOR * WOBBLE_FLOOR)
			ns[e].s2 = ns[e].samp2 + WOBBLE_FLOOR * WOBBLE_FLOOR;
	}
	free(z);
	free(t);
	return scale;
}

static size_t source_index(const struct e2e_baseline *b, int64_t id)
{
	for (size_t j = 0; j < b->nsources; j++)
		if (b->sources[j].id == id)
			return j;
	return b->nsources;
}

/* One metric's estimate in progress: the log value of baseline endpoint e
 * in source run j, L[e * K + j] (NAN when unusable), its mean lbar[e]
 * over the ke[e] usable runs, and each run's factor f[j] (fok[j] when
 * there was one). */
struct estimate {
	const struct e2e_baseline *b;
	const bool *skip;
	int m;
	bool band; /* the baseline has P95 bands */
	bool *useband; /* by endpoint: P95 on its band */
	size_t E, K;
	double *L, *lbar, *f, *tmp;
	size_t *ke;
	bool *fok;
};

static void run_logs(struct estimate *x)
{
	size_t K = x->K;

	for (size_t i = 0; i < x->E * K; i++)
		x->L[i] = NAN;
	for (size_t e = 0; e < x->E; e++) {
		const struct e2e_baseline_endpoint *be = &x->b->endpoints[e];

		if (x->skip[e])
			continue;
		for (size_t r = 0; r < be->nruns; r++) {
			size_t j = source_index(x->b, be->runs[r].run_id);
			double v = run_value(&be->runs[r], x->m, x->useband[e]);

			if (j == K || be->runs[r].count < e2e_gate_min_samples[x->m] || !(v >= 0))
				continue;
			x->L[e * K + j] = safe_log(v);
			x->lbar[e] += x->L[e * K + j];
			x->ke[e]++;
		}
		if (x->ke[e])
			x->lbar[e] /= (double)x->ke[e];
	}
}

/* The runner factor of each source run; returns how many runs have one. */
static size_t run_factors(struct estimate *x)
{
	size_t K = x->K, nf = 0;

	for (size_t j = 0; j < K; j++) {
		size_t n = 0;

		for (size_t e = 0; e < x->E; e++)
			if (x->ke[e] >= 2 && !isnan(x->L[e * K + j]))
				x->tmp[n++] = x->L[e * K + j] - x->lbar[e];
		if (n >= 3) {
			x->f[j] = e2e_stats_median(x->tmp, n);
			x->fok[j] = true;
			nf++;
		}
	}
	return nf;
}

/* The runner factor's variance over the nf runs that have one, pooled
 * with the default. */
static double runner_var(const struct estimate *x, size_t nf)
{
	double fvar = NAN, runner2 = RUNNER_SD_DEFAULT * RUNNER_SD_DEFAULT;

	if (nf >= 2) {
		double mean = 0, ss = 0;

		for (size_t j = 0; j < x->K; j++)
			mean += x->fok[j] ? x->f[j] : 0;
		mean /= (double)nf;
		for (size_t j = 0; j < x->K; j++)
			if (x->fok[j])
				ss += (x->f[j] - mean) * (x->f[j] - mean);
		fvar = ss / (double)(nf - 1);
	}
	if (!isnan(fvar))
		runner2 = ((double)(nf - 1) * fvar + 2 * runner2) / ((double)(nf - 1) + 2);
	return runner2;
}

/* Endpoint e's sampling variance, and its residual variance once the run
 * factors are taken out (ns->s2, when it has two usable runs: true). */
static bool residual(const struct estimate *x, size_t e, struct gate_ep_noise *ns)
{
	const struct e2e_baseline_endpoint *be = &x->b->endpoints[e];
	const double *L = x->L + e * x->K;
	size_t ke = x->ke[e];
	double fbar = 0, ss = 0, nbar = ke ? 0 : (double)be->count / (double)(be->nruns ? be->nruns : 1);

	for (size_t r = 0; r < be->nruns; r++) {
		size_t j = source_index(x->b, be->runs[r].run_id);

		if (j < x->K && !isnan(L[j]))
			nbar += (double)be->runs[r].count / (double)ke;
	}
	if (x->m == E2E_METRIC_MEAN) {
		double cv = be->mean_ms > 0 ? be->stddev_ms / be->mean_ms : 0;

		ns->samp2 = nbar >= 1 ? cv * cv / nbar : 0;
	} else if (x->useband[e]) {
		ns->band = true;
		ns->samp2 = e2e_stats_band_log_var(hist_q_ms, be->hist, E2E_BASELINE_BAND_LO,
						   E2E_BASELINE_BAND_HI, E2E_BASELINE_BAND_GRID, nbar);
	} else {
		ns->samp2 = log_quantile_var(hist_q_ms, be->hist, metric_q[x->m], nbar);
	}
	ns->centre = ke ? x->lbar[e]
			: e2e_stats_band_log_mean(hist_q_ms, be->hist, E2E_BASELINE_BAND_LO,
						  E2E_BASELINE_BAND_HI, E2E_BASELINE_BAND_GRID);
	ns->k = ke ? (double)ke : 1;
	ns->n = nbar;
	if (ke < 2)
		return false;
	for (size_t j = 0; j < x->K; j++)
		if (!isnan(L[j]))
			fbar += x->f[j] / (double)ke;
	for (size_t j = 0; j < x->K; j++) {
		double r;

		if (isnan(L[j]))
			continue;
		r = L[j] - x->lbar[e] - (x->f[j] - fbar);
		ss += r * r;
	}
	ns->s2 = ss / (double)(ke - 1);
	return true;
}

/* Does every source run of every endpoint judged have a P95 band (a
 * baseline written before it was kept has none)? */
static bool has_band(const struct e2e_baseline *b, const bool *skip)
{
	for (size_t e = 0; e < b->nendpoints; e++)
		for (size_t r = 0; !skip[e] && r < b->endpoints[e].nruns; r++)
			if (!(b->endpoints[e].runs[r].p95_band_ms > 0) ||
			    !isfinite(b->endpoints[e].runs[r].p95_band_ms))
				return false;
	return b->nendpoints > 0;
}

/* P95 on its band where, by the baseline's histogram, the band varies
 * less from sampling than the P95 itself, and each source run had enough
 * requests for the band to span BAND_MIN_ORDER order statistics (its
 * variance is read off their spacings). */
static void choose_band(struct estimate *x)
{
	for (size_t e = 0; x->band && e < x->E; e++) {
		const struct e2e_baseline_endpoint *be = &x->b->endpoints[e];
		double n = (double)be->count / (double)(be->nruns ? be->nruns : 1);

		x->useband[e] = n * (E2E_BASELINE_BAND_HI - E2E_BASELINE_BAND_LO) >= BAND_MIN_ORDER &&
				e2e_stats_band_log_var(hist_q_ms, be->hist, E2E_BASELINE_BAND_LO,
						       E2E_BASELINE_BAND_HI, E2E_BASELINE_BAND_GRID,
						       n) < log_quantile_var(hist_q_ms, be->hist, 0.95, n);
	}
}

void e2e_gate_noise_estimate(const struct e2e_baseline *b, const bool *skip, int m, struct gate_noise *bn)
{
	size_t E = b->nendpoints, K = b->nsources, nt = 0;
	struct estimate x = {
		.b = b,
		.skip = skip,
		.m = m,
		.band = m == E2E_METRIC_P95 && has_band(b, skip),
		.E = E,
		.K = K,
		.L = e2e_xmalloc((E * K + 1) * sizeof(*x.L)),
		.lbar = e2e_xcalloc(E ? E : 1, sizeof(*x.lbar)),
		.f = e2e_xcalloc(K ? K : 1, sizeof(*x.f)),
		.tmp = e2e_xmalloc((E > K ? E : K) * sizeof(*x.tmp) + sizeof(*x.tmp)),
		.ke = e2e_xcalloc(E ? E : 1, sizeof(*x.ke)),
		.fok = e2e_xcalloc(K ? K : 1, sizeof(*x.fok)),
		.useband = e2e_xcalloc(E ? E : 1, sizeof(bool)),
	};
	struct gate_ep_noise *ns = e2e_xcalloc(E ? E : 1, sizeof(*ns));
	double tau_pool2 = NAN;

	choose_band(&x);
	run_logs(&x);
	bn->runner2[m] = runner_var(&x, run_factors(&x));
	for (size_t e = 0; e < E; e++)
		if (!skip[e] && residual(&x, e, &ns[e]))
			x.tmp[nt++] = ns[e].s2 > ns[e].samp2 ? ns[e].s2 - ns[e].samp2 : 0;
	if (nt)
		tau_pool2 = e2e_stats_median(x.tmp, nt);
	bn->samp_scale[m] = fmin(moderate(ns, x.ke, skip, E, tau_pool2, m), 1);
	bn->ep[m] = ns;
	free(x.L);
	free(x.lbar);
	free(x.f);
	free(x.tmp);
	free(x.ke);
	free(x.fok);
	free(x.useband);
}

void e2e_gate_noise_cell(struct gate_pair *p, const struct gate_noise *bn, int m)
{
	struct gate_cell *c = &p->cell[m];
	const struct gate_ep_noise *ns = &bn->ep[m][p->base_index];
	double cv = cur_value(p->cur, m), bv = base_value(p->base, m), samp_c, coef;
	struct e2e_stats_sorted s = { p->sorted, p->cur->nsamples };

	c->eligible = p->cur->count >= e2e_gate_min_samples[m] && p->base->count >= e2e_gate_min_samples[m] &&
		      cv >= 0 && bv >= 0;
	if (!c->eligible)
		return;
	c->D = c->D_raw = safe_log(cv) - safe_log(bv);
	if (m == E2E_METRIC_MEAN) {
		double r = cv > 0 ? p->cur->stddev_ms / cv : 0;

		samp_c = r * r / (double)p->cur->count;
	} else if (m == E2E_METRIC_P95 && ns->band) {
		c->band = true;
		c->D = safe_log(e2e_baseline_p95_band_ms(p->sorted, p->cur->nsamples)) - ns->centre;
		samp_c = e2e_stats_band_log_var(e2e_stats_sorted_qfn, &s, E2E_BASELINE_BAND_LO,
						E2E_BASELINE_BAND_HI, E2E_BASELINE_BAND_GRID,
						(double)p->cur->count);
	} else {
		samp_c = log_quantile_var(e2e_stats_sorted_qfn, &s, metric_q[m], (double)p->cur->count);
	}
	/* wobble of the current run(s) + its sampling + the baseline centre's
	 * uncertainty; only the s2 part is estimated (df by Satterthwaite) */
	coef = 1 / p->kc + 1 / ns->k;
	/* the current run's sampling variance, read off one sample, is itself
	 * noisy where the quantile sits near a gap. For P95 (on its band or
	 * not) it is pooled with the baseline runs' at the current request
	 * count, each weighted by the runs it was read off (the baseline's
	 * histogram holds k runs' requests): taking the larger of the two,
	 * as for the other metrics, overstates it, since a noisy read-off is
	 * kept whenever it errs upwards (tools/gate-sim --tail-breakdown).
	 * Elsewhere never below the baseline runs': a P99's few highest
	 * requests (warm-up) are not a random sample. */
	if (ns->n >= 1) {
		double at_n = ns->samp2 * ns->n / (double)p->cur->count;

		if (m == E2E_METRIC_P95)
			samp_c = (p->kc * samp_c + ns->k * at_n) / (p->kc + ns->k);
		else if (samp_c < at_n)
			samp_c = at_n;
	}
	/* the sampling variances read off the quantile function, on the
	 * scale the baseline's runs showed them to have (never above it) */
	c->V = coef * ns->s2 + bn->samp_scale[m] * (samp_c - ns->samp2 / p->kc);
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

/* CPU per request: a prior wobble between runs (sd of its log) and the
 * weight of that prior in degrees of freedom, pooled with the source runs'
 * own spread (e2e-perf-report(1), THE GATE). */
#define CPU_WOBBLE 0.10
#define CPU_PRIOR_DF 2.0

void e2e_gate_noise_cpu(struct gate_pair *p, double kc)
{
	struct gate_cell *c = &p->cell[E2E_METRIC_CPU];
	const struct e2e_baseline_endpoint *b = p->base;
	double mean = 0, ss = 0, k = 0, s2;

	memset(c, 0, sizeof(*c));
	if (!e2e_gate_cpu_measured(p->cur->cpu_ms) || !e2e_gate_cpu_measured(b->cpu_ms))
		return;
	for (size_t j = 0; j < b->nruns; j++)
		if (e2e_gate_cpu_measured(b->runs[j].cpu_ms)) {
			double x = log(b->runs[j].cpu_ms), d = x - mean;

			k++;
			mean += d / k;
			ss += d * (x - mean);
		}
	if (k < 1)
		k = 1;
	s2 = (ss + CPU_PRIOR_DF * CPU_WOBBLE * CPU_WOBBLE) / (k - 1 + CPU_PRIOR_DF);
	c->eligible = p->cur->count >= e2e_gate_min_samples[E2E_METRIC_CPU] &&
		      b->count >= e2e_gate_min_samples[E2E_METRIC_CPU];
	c->D = c->D_raw = log(p->cur->cpu_ms / b->cpu_ms);
	c->V = s2 * (1 / k + 1 / (kc >= 1 ? kc : 1));
	c->df = k - 1 + CPU_PRIOR_DF;
}

void e2e_gate_noise_environment(struct gate_pair *pairs, size_t np, const struct gate_noise *bn, int m,
				struct gate_env *env)
{
	double *d = e2e_xmalloc((np ? np : 1) * sizeof(*d)), *v = e2e_xmalloc((np ? np : 1) * sizeof(*v));
	size_t n = 0, agree = 0;
	double F, vmed;

	for (size_t i = 0; i < np; i++)
		if (pairs[i].cur && pairs[i].base && pairs[i].cell[m].eligible) {
			d[n] = pairs[i].cell[m].D;
			v[n++] = pairs[i].cell[m].V;
		}
	env->removed = false;
	env->factor = 0;
	env->var_f = 0;
	env->n = n;
	env->agree = 0;
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
		env->agree = agree;
		if (2 * agree > n) {
			env->removed = true;
			env->factor = F;
			env->var_f = M_PI / 2 * vmed / (double)n;
		}
	}
	if (!env->removed) {
		for (size_t i = 0; i < np; i++)
			if (pairs[i].cur && pairs[i].base && pairs[i].cell[m].eligible)
				pairs[i].cell[m].V += bn->runner2[m] * (1 / pairs[i].kc +
									1 / bn->ep[m][pairs[i].base_index].k);
	}
	free(d);
	free(v);
}

static double anscombe(double x, double n)
{
	return asin(sqrt((x + 0.375) / (n + 0.75)));
}

bool e2e_gate_noise_err_test(const struct gate_pair *p, struct gate_err_test *t)
{
	const struct e2e_baseline_endpoint *be = p->base;
	double nc = (double)p->cur->count, nb = (double)be->count;
	double pc = (double)p->cur->errors / nc, pb = be->error_rate, pbar, between, v0, v1, kb, dmin;

	if (p->cur->count < e2e_gate_min_samples[E2E_METRIC_ERROR_RATE] ||
	    be->count < e2e_gate_min_samples[E2E_METRIC_ERROR_RATE])
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

void e2e_gate_noise_finish(struct gate_noise *bn)
{
	for (int m = 0; m < NLAT; m++)
		free(bn->ep[m]);
}
