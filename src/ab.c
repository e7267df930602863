/* ab.c - perf-ab's paired test (ab.h). For each endpoint both sides have,
 * round r gives x_r = log(B_r / A_r) of a latency metric (A_r, B_r the
 * metric of the round's two runs) and d_r = B_r - A_r of the error rate;
 * their mean over the rounds is the judged change. Its noise: with 5 or
 * more complete endpoints, the rounds' shared part (share_rounds) and
 * each endpoint's own part: its runs' sampling (from their requests) plus
 * a wobble pooled across endpoints, its own spread moderated towards
 * that; else the rounds' own spread s / sqrt(k) (df k - 1). Rounds whose
 * B run the runner disturbed more than A's must not carry a latency
 * regression alone. The verdicts, the shared level and the sum are the
 * gate's own (gate_impl.h). */
#include "ab.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "error.h"
#include "fmt.h"
#include "gate_impl.h"
#include "report.h"
#include "stats.h"
#include "banned.h"

/* The rounds' paired differences of one metric: mean, its variance, df;
 * x the round's difference (NAN: none), s2 their variance, samp the
 * round's sampling variance of x (both runs' own, from their requests;
 * NAN: not known) and samp_mean its mean over the rounds. */
struct paired {
	size_t k;
	double mean, var_mean, df, s2, samp_mean;
	double *x, *samp;
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

static const double lat_q[NLAT] = { 0.5, 0.95, 0.99, NAN };

/* The sampling variance of the log of each latency metric of one run of
 * an endpoint, from that run's own requests (buf has room for all of
 * e's): a quantile's from the order statistics one standard error of the
 * empirical distribution either side of it, the mean's from the spread.
 * NAN where the run has too few requests. */
static void run_sampling(const struct e2e_endpoint_report *e, uint32_t run, double *buf, double out[NLAT])
{
	struct e2e_summary sum;
	size_t n = 0;

	for (int m = 0; m < NLAT; m++)
		out[m] = NAN;
	if (!e->sample_run)
		return;
	for (size_t i = 0; i < e->nsamples; i++)
		if (e->sample_run[i] == run)
			buf[n++] = e->samples[i].total_us / 1000.0;
	if (n < 5)
		return;
	e2e_stats_summary(buf, n, &sum);
	if (sum.mean > 0)
		out[E2E_METRIC_MEAN] = sum.stddev * sum.stddev / (double)n / (sum.mean * sum.mean);
	e2e_stats_sort(buf, n);
	for (int m = 0; m < E2E_METRIC_MEAN; m++) {
		double q = lat_q[m], h = sqrt(q * (1 - q) / (double)n), lo_q = fmax(0, q - h),
		       hi_q = fmin(1, q + h);
		double lo = e2e_stats_quantile_sorted(buf, n, lo_q),
		       hi = e2e_stats_quantile_sorted(buf, n, hi_q);

		if (lo > 0 && hi > 0) {
			double slope = (log(hi) - log(lo)) / (hi_q - lo_q);

			out[m] = slope * slope * q * (1 - q) / (double)n;
		}
	}
}

/* out->x keeps the rounds' differences, out->samp their sampling
 * variances (caller frees both); samp: per round, NULL for the error
 * rate. */
static void pair_rounds(const struct e2e_endpoint_report *a, const struct e2e_endpoint_report *b, size_t n,
			int m, const double *samp, struct paired *out)
{
	double *x = e2e_xcalloc(n + 1, sizeof(*x)), s2 = 0;
	size_t k = 0, ks = 0;

	memset(out, 0, sizeof(*out));
	out->samp = e2e_xcalloc(n + 1, sizeof(*out->samp));
	for (size_t r = 0; r < n; r++) {
		double va = round_value(a, n, r, m), vb = round_value(b, n, r, m);

		x[r] = NAN;
		out->samp[r] = NAN;
		if (isnan(va) || isnan(vb))
			continue;
		if (m == E2E_METRIC_ERROR_RATE)
			x[r] = vb - va;
		else if (va > 0 && vb > 0)
			x[r] = log(vb / va);
		if (!isnan(x[r])) {
			out->mean += x[r];
			k++;
			if (samp && !isnan(samp[r])) {
				out->samp[r] = samp[r];
				out->samp_mean += samp[r];
				ks++;
			}
		}
	}
	out->k = k;
	out->x = x;
	if (k)
		out->mean /= (double)k;
	out->samp_mean = ks ? out->samp_mean / (double)ks : 0;
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
	double *samp = e2e_xcalloc(NLAT * n + 1, sizeof(*samp));
	double *buf = e2e_xcalloc(p->a->nsamples + p->b->nsamples + 1, sizeof(*buf));

	for (size_t r = 0; r < n; r++) {
		double va[NLAT], vb[NLAT];

		run_sampling(p->a, (uint32_t)(n - 1 - r), buf, va);
		run_sampling(p->b, (uint32_t)(n - 1 - r), buf, vb);
		for (int m = 0; m < NLAT; m++)
			samp[(size_t)m * n + r] = va[m] + vb[m];
	}
	for (int m = 0; m < E2E_METRIC__COUNT; m++)
		pair_rounds(p->a, p->b, n, m, m < NLAT ? samp + (size_t)m * n : NULL, &p->d[m]);
	free(samp);
	free(buf);
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
	double wobble2; /* pooled own variance of a round's x beyond sampling */
	double own2, samp2; /* the pooled own variance and its sampling part */
	double prior_df; /* weight of the pooled estimate in each endpoint's */
};

/* The tetragamma function, the sum of 6 / (x + i)^4: by recurrence and
 * its asymptotic series. */
static double tetragamma(double x)
{
	double r = 0, f;

	while (x < 6) {
		r += 6 / (x * x * x * x);
		x += 1;
	}
	f = 1 / (x * x);
	return r + f / x * (2 + 3 / x + f * (2 - f * (1 - f * 4.0 / 3)));
}

/* The prior's degrees of freedom from lr, each endpoint's log of its own
 * variance (d df) over its expected one: the fewer the more they differ;
 * at most dpool, the pooled estimate's own. allow: count only what they
 * differ beyond one standard error of that spread. */
static double prior_df_of(const double *lr, size_t k, double d, double dpool, bool allow)
{
	double mean = 0, v = 0, excess, lo = 1e-3, hi = 1e6, t = e2e_stats_trigamma(d / 2), se;

	if (k < 3)
		return 0;
	for (size_t i = 0; i < k; i++)
		mean += lr[i] / (double)k;
	for (size_t i = 0; i < k; i++)
		v += (lr[i] - mean) * (lr[i] - mean) / (double)(k - 1);
	/* log of a variance on d df spreads by trigamma(d / 2); what the
	 * endpoints spread beyond that is how far their own noises differ
	 * (Smyth's moderated t). With allow, less one standard error of v
	 * (its cumulants are trigamma and tetragamma of d / 2): v alone
	 * reads as disagreement in half the comparisons of 20 endpoints that
	 * have none, and a few df of prior cost the t-test most of its power
	 * at the family's small per-test level. */
	se = sqrt(tetragamma(d / 2) / (double)k + 2 * t * t / (double)(k - 1));
	excess = v - t - (allow ? se : 0);
	if (excess <= e2e_stats_trigamma(dpool / 2))
		return dpool;
	for (int it = 0; it < 100; it++) {
		double mid = sqrt(lo * hi);

		if (e2e_stats_trigamma(mid) > excess)
			lo = mid;
		else
			hi = mid;
	}
	return fmin(2 * sqrt(lo * hi), dpool);
}

/* Latency metric m's noise once the rounds' shared part is known. A
 * round's x of an endpoint varies by its two runs' sampling (known from
 * their requests, many degrees of freedom) plus an own wobble beyond it;
 * the wobble is pooled over the complete endpoints (their rounds' df
 * summed), and each endpoint's own round-to-round variance is moderated
 * towards its expected one (pooled wobble + its sampling) with as many
 * prior degrees of freedom as the endpoints' agreement supports. The
 * cell's V is that own part, sh->C the shared part's. */
static void share_rounds(struct ab_pair *pairs, size_t np, size_t n, int m, struct ab_shared *sh)
{
	double *c = e2e_xcalloc(n + 1, sizeof(*c)), *own = e2e_xcalloc(np + 1, sizeof(*own));
	double *tmp = e2e_xcalloc(3 * np + 1, sizeof(*tmp)), s0, dpool = 0, excess = 0, d = (double)(n - 1);
	/* chi-square's 99.9 % point on d df over d (Wilson and Hilferty) */
	double outlier = pow(1 - 2 / (9 * d) + 3.09 * sqrt(2 / (9 * d)), 3);
	bool *out_ = e2e_xcalloc(np + 1, sizeof(*out_));
	size_t E = shared_part(pairs, np, n, m, c), k = 0;

	memset(sh, 0, sizeof(*sh));
	if (E < AB_MIN_SHARED)
		goto out;
	sh->known = true;
	sh->E = E;
	for (size_t r = 0; r < n; r++)
		sh->C += c[r] * c[r] / (double)(n - 1) / (double)n;
	for (size_t i = 0; i < np; i++) {
		struct paired *dp = &pairs[i].d[m];
		double u2 = 0;

		if (!pairs[i].a || !pairs[i].b || !pairs[i].gp.cell[m].eligible)
			continue;
		for (size_t r = 0; r < n; r++)
			if (!isnan(dp->x[r]))
				u2 += (dp->x[r] - dp->mean - c[r]) * (dp->x[r] - dp->mean - c[r]);
		/* the median of E took a little of each endpoint's own part */
		own[i] = fmax(u2 / (double)(dp->k - 1) * (double)E / (double)(E - 1), 1e-8);
		if (shares(&pairs[i], n, m)) {
			tmp[k] = own[i];
			tmp[np + k] = dp->mean;
			excess += d * (own[i] - dp->samp_mean);
			dpool += d;
			k++;
		}
	}
	s0 = e2e_stats_median(tmp, k);
	sh->F = e2e_stats_median(tmp + np, k);
	/* a median of E means: about pi/2 times a mean's variance */
	sh->var_f = M_PI / 2 * s0 / (double)n / (double)E;
	sh->wobble2 = fmax(excess / dpool, 0);
	/* an endpoint far noisier than expected (beyond the 99.9 % point of
	 * its variance on d df) keeps its own noise and stays out of the
	 * pool: a round a neighbour hit is its own */
	for (size_t i = 0; i < np; i++)
		out_[i] = own[i] > outlier * (sh->wobble2 + pairs[i].d[m].samp_mean);
	excess = dpool = 0;
	for (size_t i = 0; i < np; i++)
		if (shares(&pairs[i], n, m) && !out_[i]) {
			excess += d * (own[i] - pairs[i].d[m].samp_mean);
			dpool += d;
		}
	if (dpool > 0)
		sh->wobble2 = fmax(excess / dpool, 0);
	k = 0;
	for (size_t i = 0; i < np; i++)
		if (shares(&pairs[i], n, m) && !out_[i]) {
			sh->own2 += d * own[i] / dpool;
			sh->samp2 += d * pairs[i].d[m].samp_mean / dpool;
			tmp[k++] = log(own[i] / fmax(sh->wobble2 + pairs[i].d[m].samp_mean, 1e-8));
		}
	/* the allowance on the P50 only: its own noise is the wobble and
	 * sampling the prior's centre models, while a neighbour's delay
	 * makes the tails of fast endpoints truly noisier than the rest
	 * (gate-sim --ab-disturbed 0.5 --ab-no-signal: 5 % false-alarm runs
	 * with it on every metric) */
	sh->prior_df = prior_df_of(tmp, k, d, dpool, m == E2E_METRIC_P50);
	for (size_t i = 0; i < np; i++) {
		struct paired *dp = &pairs[i].d[m];
		struct gate_cell *cell = &pairs[i].gp.cell[m];
		double dk = (double)(dp->k - 1), prior = fmax(sh->wobble2 + dp->samp_mean, 1e-8);
		double d0 = out_[i] ? 0 : sh->prior_df;

		if (!pairs[i].a || !pairs[i].b || !cell->eligible)
			continue;
		cell->V = (dk * own[i] + d0 * prior) / (dk + d0) / (double)dp->k;
		cell->df = dk + d0;
	}
out:
	free(c);
	free(own);
	free(tmp);
	free(out_);
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

/* ---- runner disturbance (disturb.h) ------------------------------------
 * A round whose B run waited markedly longer for the CPU than its A run
 * (the gate's rule: at least AB_DISTURB_FACTOR x A's + AB_DISTURB_MARGIN)
 * gave B scheduling delay A never saw, which inflates B's latencies,
 * tails most. A latency regression stands only when it still holds on the
 * rounds the disturbance did not touch (or is a p50 at 2 x the
 * threshold, as in the gate); else it is inconclusive: runner disturbed. */
#define AB_DISTURB_FACTOR 2.0
#define AB_DISTURB_MARGIN 0.1

/* A run's disturbance, NAN when not measured. */
static double run_disturbance(const struct e2e_report *r, size_t i)
{
	return r->runs[i].disturbance_probes ? r->runs[i].disturbance : NAN;
}

/* Marks the rounds (oldest first) whose B run was markedly more disturbed
 * than their A run; fills g's disturbance figures (B's median as the
 * current, A's median and maximum as the baseline's). Returns how many. */
static size_t disturbed_rounds(const struct e2e_report *a, const struct e2e_report *b, size_t n, bool *hit,
			       struct e2e_gate_result *g, double *hit_a, double *hit_b)
{
	double *va = e2e_xcalloc(3 * n + 1, sizeof(*va)), *vb = va + n, *tmp = va + 2 * n;
	size_t na = 0, nb = 0, nh = 0;

	g->disturbance_current = g->disturbance_baseline = g->disturbance_baseline_max = NAN;
	for (size_t r = 0; r < n; r++) {
		double da = run_disturbance(a, n - 1 - r), db = run_disturbance(b, n - 1 - r);

		hit[r] = !isnan(da) && !isnan(db) && db >= AB_DISTURB_FACTOR * da + AB_DISTURB_MARGIN;
		if (!isnan(da)) {
			va[na++] = da;
			if (!(da <= g->disturbance_baseline_max))
				g->disturbance_baseline_max = da;
		}
		if (!isnan(db))
			vb[nb++] = db;
		if (hit[r]) {
			tmp[nh] = da;
			hit_b[nh++] = db;
		}
	}
	if (na)
		g->disturbance_baseline = e2e_stats_median(va, na);
	if (nb)
		g->disturbance_current = e2e_stats_median(vb, nb);
	*hit_a = nh ? e2e_stats_median(tmp, nh) : NAN;
	free(va);
	return nh;
}

/* Whether latency regression m of p still holds on the undisturbed rounds
 * (F, var_f: the shared part removed), as judge_latency would find it. */
static bool holds_undisturbed(const struct ab_pair *p, int m, const bool *hit, size_t n, double F,
			      double var_f, double alpha)
{
	const struct paired *d = &p->d[m];
	const struct gate_cell *c = &p->gp.cell[m];
	double sum = 0, A, sd;
	size_t k = 0;

	for (size_t r = 0; r < n; r++)
		if (!hit[r] && !isnan(d->x[r])) {
			sum += d->x[r];
			k++;
		}
	if (k < 2)
		return false;
	A = sum / (double)k - F;
	sd = sqrt((c->V + var_f) * (double)d->k / (double)k);
	return A >= log1p(p->gp.threshold / 100) && A - e2e_stats_t_quantile(1 - alpha, c->df) * sd > 0;
}

static void set_aside_disturbed(struct e2e_gate_result *g, struct ab_pair *p, const bool *hit, size_t n,
				const struct ab_shared *sh, double alpha)
{
	for (int m = 0; m < NLAT; m++) {
		struct e2e_metric_cmp *mc = &p->gp.cmp->metrics[m];

		if (mc->verdict != E2E_VERDICT_REGRESSION)
			continue;
		if (m == E2E_METRIC_P50 && mc->judged_pct >= 2 * p->gp.threshold)
			continue;
		if (holds_undisturbed(p, m, hit, n, sh[m].removed ? sh[m].F : 0,
				      sh[m].removed ? sh[m].var_f : 0, alpha))
			continue;
		mc->verdict = E2E_VERDICT_INCONCLUSIVE;
		mc->severity = E2E_SEVERITY_NONE;
		mc->reason = E2E_GATE_REASON_DISTURBED;
		g->disturbance_set_aside++;
	}
}

/* "runner disturbed: in 2 of 5 rounds B's run waited markedly longer for
 * the CPU than A's (...); 1 latency regression it can explain is
 * inconclusive, the others hold on the 3 other rounds" */
static void add_disturbed(struct e2e_gate_result *g, size_t nh, size_t n, double hit_a, double hit_b)
{
	struct e2e_buf b = E2E_BUF_INIT;

	e2e_buf_puts(&b, "runner disturbed: in ");
	e2e_fmt_count(&b, nh);
	e2e_buf_puts(&b, " of ");
	e2e_fmt_count(&b, n);
	e2e_buf_puts(&b, " rounds B's run waited markedly longer for the CPU than A's (run-queue wait ");
	e2e_fmt_ms_num(&b, hit_b);
	e2e_buf_puts(&b, " vs ");
	e2e_fmt_ms_num(&b, hit_a);
	e2e_buf_puts(&b, " ms per CPU ms, medians of those rounds); ");
	e2e_fmt_count(&b, g->disturbance_set_aside);
	e2e_buf_printf(&b, " latency %s it can explain %s inconclusive, the others hold on the ",
		       g->disturbance_set_aside == 1 ? "regression" : "regressions",
		       g->disturbance_set_aside == 1 ? "is" : "are");
	e2e_fmt_count(&b, n - nh);
	e2e_buf_puts(&b, " other rounds");
	e2e_gate_add_finding(g, "runner_disturbed", NULL, E2E_SEVERITY_NONE, b.data);
	e2e_buf_finish(&b);
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

/* A wobble's sd of log as a percentage of a run: "3.0%". */
static void add_wobble(struct e2e_buf *b, double var)
{
	e2e_fmt_pct_num(b, 100 * expm1(sqrt(var)), false);
	e2e_buf_putc(b, '%');
}

/* "rounds' shared part: P50 +4.0% (95% CI -2.0..+10%) over 7 endpoints,
 * the runner's: taken out of each endpoint; each endpoint's own wobble
 * ..." */
static void add_shared(struct e2e_gate_result *g, const struct ab_shared *sh, size_t n)
{
	struct e2e_buf b = E2E_BUF_INIT;
	double h = e2e_stats_t_quantile(0.975, (double)(n - 1)) * sqrt(sh->C);

	if (!sh->known)
		return;
	e2e_buf_puts(&b, "rounds' shared part: P50 ");
	e2e_fmt_delta_pct(&b, 100 * expm1(sh->F));
	e2e_buf_puts(&b, " (95% CI ");
	e2e_fmt_delta_range(&b, 100 * expm1(sh->F - h), 100 * expm1(sh->F + h));
	e2e_buf_puts(&b, ") over ");
	e2e_fmt_count(&b, sh->E);
	e2e_buf_puts(&b, sh->removed
				 ? " endpoints, the runner's: taken out of each endpoint"
				 : " endpoints, B's as a whole: each endpoint judged on its whole change");
	/* a round's x holds two runs' wobble */
	e2e_buf_puts(&b, "; each endpoint's own wobble beyond sampling ");
	add_wobble(&b, sh->wobble2 / 2);
	e2e_buf_puts(&b, " a run (own ");
	add_wobble(&b, sh->own2 / 2);
	e2e_buf_puts(&b, ", sampling ");
	add_wobble(&b, sh->samp2 / 2);
	e2e_buf_puts(&b, "; the pool weighs ");
	e2e_fmt_count(&b, (uint64_t)llround(sh->prior_df));
	e2e_buf_puts(&b, " df in each endpoint's)");
	e2e_gate_add_finding(g, "ab", NULL, E2E_SEVERITY_NONE, b.data);
	e2e_buf_finish(&b);
}

int e2e_ab_compare(const struct e2e_report *a, const struct e2e_report *b, const struct e2e_gate_config *cfg,
		   const char *a_name, struct e2e_gate_result **out)
{
	struct e2e_gate_result *g;
	struct ab_pair *pairs = NULL;
	struct ab_shared sh[NLAT];
	double *capv, *hit_b, hit_a;
	bool *hit;
	size_t np, ncaps = 0, n = a->nruns, nhit;

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
	hit = e2e_xcalloc(n, sizeof(*hit));
	hit_b = e2e_xcalloc(n, sizeof(*hit_b));
	nhit = disturbed_rounds(a, b, n, hit, g, &hit_a, hit_b);
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
		if (nhit)
			set_aside_disturbed(g, p, hit, n, sh, g->test_level);
	}
	for (size_t i = 0; i < np; i++)
		for (int m = 0; m < E2E_METRIC__COUNT; m++) {
			free(pairs[i].d[m].x);
			free(pairs[i].d[m].samp);
		}
	free(pairs);
	add_shared(g, &sh[E2E_METRIC_P50], n);
	g->runner_disturbed = nhit > 0;
	if (nhit)
		add_disturbed(g, nhit, n, hit_a, e2e_stats_median(hit_b, nhit));
	free(hit);
	free(hit_b);
	e2e_gate_sum_up(g, cfg->fail_on);
	*out = g;
	return 0;
}
