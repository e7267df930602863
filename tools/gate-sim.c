/* gate-sim.c - accuracy simulation of the regression gate.
 *
 * Each trial draws a service of E endpoints with realistic latency
 * distributions (lognormal bodies, slow-mode mixtures, Pareto tails,
 * warm-up on the first requests, small error rates), records a K-run
 * baseline and then several current runs, each through the real
 * e2e_report_compute(), e2e_baseline_from_report() and e2e_gate_compare():
 *
 *   null        nothing changed
 *   env x1.4    the runner is uniformly 40 % slower
 *   p50 +30 %   one endpoint's whole distribution x1.3
 *   p50 +50 %   one endpoint's whole distribution x1.5
 *   p95 +50 %   one endpoint's tail above its p75 stretched so p95 is x1.5
 *
 * Every run (baseline and current) gets a runner factor exp(N(0, s_r))
 * shared by all endpoints (s_r = 0.15 by default: 15 % multiplicative
 * run-to-run noise), a per-endpoint wobble exp(N(0, 0.03)), a per-run
 * wobble of the slow-mode weight and of the error rate.
 *
 * It prints, per scenario and threshold, the share of runs with any false
 * regression and the detection power, plus the share of unchanged
 * endpoints a pooled Mann-Whitney test (every request independent) flags,
 * and an information bound for the P95 scenario: how often a test that
 * knew the changed endpoint's true run-to-run noise (measured by
 * simulating its model) would flag it at the level the gate used.
 *
 *   gate-sim [--trials N] [--seed S] [--endpoints E] [--requests N]
 *            [--baseline-runs K] [--runner-sd S] [--wobble-sd S] [--mode-sd S]
 *            [--change PCT] [--neighbour-delay MS] [--confirm N] [--trace]
 *            [--calibration] [--tail-breakdown]
 *   gate-sim --ab ROUNDS [--ab-within-sd S] [--ab-drift D] [--ab-disturbed P]
 *            [--ab-change PCT] [--ab-no-signal] [--ab-model loaded]
 *            [--ab-oracle] [--ab-min-delta-ms MS]
 *            [the options above]  (perf-ab; see ab_main)
 *
 * It also runs the noisy-neighbour scenarios (nn_trial() below): additive
 * scheduling delay the baseline never saw, with and without the runner
 * disturbance signal.
 *
 * --change sets the size of the second whole-distribution change (50 %).
 *
 * --confirm N adds a table: the same runs judged as perf-profile
 * --confirm N would (see confirm_judge()).
 *
 * --trace prints to stderr every false regression and the lines of each
 * changed endpoint; --calibration prints how often the judged change of
 * an unchanged endpoint lies beyond z standard errors (its tails should be
 * about those of a t distribution with a few tens of df). */
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "baseline.h"
#include "buf.h"
#include "error.h"
#include "ab.h"
#include "gate.h"
#include "gate_impl.h"
#include "advice.h"
#include "report.h"
#include "stats.h"
#include "model.h"

/* ---- random numbers (xoshiro256**, seeded by splitmix64) --------------- */

static uint64_t rng_s[4];

static uint64_t splitmix(uint64_t *x)
{
	uint64_t z = (*x += 0x9e3779b97f4a7c15ull);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

static void rng_seed(uint64_t seed)
{
	for (int i = 0; i < 4; i++)
		rng_s[i] = splitmix(&seed);
}

static uint64_t rotl(uint64_t x, int k)
{
	return (x << k) | (x >> (64 - k));
}

static uint64_t rng_next(void)
{
	uint64_t r = rotl(rng_s[1] * 5, 7) * 9, t = rng_s[1] << 17;

	rng_s[2] ^= rng_s[0];
	rng_s[3] ^= rng_s[1];
	rng_s[1] ^= rng_s[2];
	rng_s[0] ^= rng_s[3];
	rng_s[2] ^= t;
	rng_s[3] = rotl(rng_s[3], 45);
	return r;
}

static double unif(void) /* (0, 1) */
{
	return ((double)(rng_next() >> 11) + 0.5) / 9007199254740992.0;
}

static double gauss(void)
{
	return sqrt(-2 * log(unif())) * cos(2 * M_PI * unif());
}

static double unif_in(double lo, double hi)
{
	return lo + (hi - lo) * unif();
}

/* ---- the simulated service --------------------------------------------- */

enum shape { LOGNORMAL, SLOW_MODE, HEAVY_TAIL };

struct endpoint_model {
	enum shape shape;
	double median_ms, sigma;
	double slow_w, slow_x; /* slow mode: weight and factor */
	double tail_p, tail_alpha; /* Pareto tail: probability and index */
	double warm_n, warm_x; /* first warm_n requests of a run x warm_x */
	double err_rate;
	double resp_bytes;
	/* the p95 scenario: the model's own p75 and p95 (ms) */
	double q75, q95;
};

struct change {
	int endpoint; /* -1: none */
	double scale; /* whole distribution */
	bool tail; /* stretch above p75 so that p95 is x1.5 */
	double runner; /* extra runner factor for every endpoint */
};

static double draw_base(const struct endpoint_model *m, double slow_w)
{
	double x = m->median_ms * exp(m->sigma * gauss());

	if (m->shape == SLOW_MODE && unif() < slow_w)
		x *= m->slow_x * exp(0.2 * gauss());
	else if (m->shape == HEAVY_TAIL && unif() < m->tail_p)
		x *= 1 + 2 * (pow(unif(), -1 / m->tail_alpha) - 1);
	return x;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

static void model_init(struct endpoint_model *m)
{
	double u = unif();
	enum { NREF = 40000 };
	double *ref = malloc(NREF * sizeof(*ref));

	memset(m, 0, sizeof(*m));
	m->shape = u < 0.4 ? LOGNORMAL : u < 0.7 ? SLOW_MODE : HEAVY_TAIL;
	m->median_ms = exp(unif_in(log(3), log(300)));
	m->sigma = unif_in(0.15, 0.6);
	m->slow_w = unif_in(0.02, 0.10);
	m->slow_x = unif_in(3, 8);
	m->tail_p = unif_in(0.01, 0.04);
	m->tail_alpha = unif_in(1.3, 2.5);
	m->warm_n = unif() < 0.5 ? 5 : 0;
	m->warm_x = unif_in(2, 8);
	m->err_rate = unif() < 0.5 ? 0 : exp(unif_in(log(0.0005), log(0.01)));
	m->resp_bytes = exp(unif_in(log(200), log(50000)));
	for (int i = 0; i < NREF; i++)
		ref[i] = draw_base(m, m->slow_w);
	qsort(ref, NREF, sizeof(*ref), cmp_double);
	m->q75 = ref[(int)(0.75 * NREF)];
	m->q95 = ref[(int)(0.95 * NREF)];
	free(ref);
}

/* A monotone stretch of the tail: x1 up to p75, rising linearly to x1.5 at
 * p95 and x1.5 above: p50 stays, p95 becomes x1.5. */
static double tail_stretch(const struct endpoint_model *m, double x)
{
	if (x <= m->q75)
		return x;
	if (x >= m->q95)
		return 1.5 * x;
	return x * (1 + 0.5 * (x - m->q75) / (m->q95 - m->q75));
}

struct sim {
	size_t nep, nreq, kbase;
	double runner_sd, wobble_sd, mode_sd;
	struct endpoint_model *ep;
	struct e2e_path *paths;
};

/* Samples of one run (endpoints interleaved at random, like a suite). */
static struct e2e_sample *gen_run(const struct sim *s, const struct change *c, size_t *n)
{
	size_t total = s->nep * s->nreq, *left = malloc(s->nep * sizeof(size_t)),
	       *done = calloc(s->nep, sizeof(size_t));
	struct e2e_sample *out = calloc(total, sizeof(*out));
	double runner = exp(s->runner_sd * gauss()) * (c->runner > 0 ? c->runner : 1);
	double *wob = malloc(s->nep * sizeof(double)), *slow = malloc(s->nep * sizeof(double));
	double *err = malloc(s->nep * sizeof(double));
	uint64_t t = 0;
	size_t remaining = total;

	for (size_t e = 0; e < s->nep; e++) {
		left[e] = s->nreq;
		wob[e] = exp(s->wobble_sd * gauss());
		slow[e] = s->ep[e].slow_w * exp(s->mode_sd * gauss());
		err[e] = s->ep[e].err_rate * exp(0.3 * gauss());
	}
	for (size_t i = 0; i < total; i++) {
		size_t pick = (size_t)(unif() * (double)remaining), e = 0;
		const struct endpoint_model *m;
		double x;

		while (pick >= left[e]) {
			pick -= left[e];
			e++;
		}
		m = &s->ep[e];
		x = draw_base(m, slow[e]);
		if ((int)e == c->endpoint) {
			if (c->tail)
				x = tail_stretch(m, x);
			x *= c->scale;
		}
		if ((double)done[e] < m->warm_n)
			x *= m->warm_x;
		x *= runner * wob[e];
		out[i].start_ns = t;
		out[i].path_id = (uint32_t)e + 1;
		out[i].total_us = (uint32_t)fmin(x * 1000, 4e9);
		out[i].ttfb_us = out[i].total_us;
		out[i].resp_bytes = (uint64_t)(m->resp_bytes * exp(0.05 * gauss()));
		out[i].status = unif() < err[e] ? 500 : 200;
		t += (uint64_t)(x * 1e6) + 100000;
		left[e]--;
		done[e]++;
		remaining--;
	}
	free(left);
	free(done);
	free(wob);
	free(slow);
	free(err);
	*n = total;
	return out;
}

static struct e2e_run make_run(int64_t id)
{
	struct e2e_run r;

	memset(&r, 0, sizeof(r));
	r.id = id;
	r.service = "sim";
	r.started_ms = 1700000000000 + id * 60000;
	r.ended_ms = r.started_ms + 30000;
	r.duration_ns = 30000000000ull;
	r.command = r.git_commit = r.git_branch = r.host_cpu = r.host_os = r.tool_version = r.source =
		r.target = "";
	r.exit_status = 0;
	r.complete = true;
	return r;
}

/* Report over runs (ids first_id..), samples freed by the caller. */
static struct e2e_report *report_of(const struct sim *s, struct e2e_sample **samples, const size_t *n,
				    size_t nruns, int64_t first_id)
{
	struct e2e_run *runs = calloc(nruns, sizeof(*runs));
	struct e2e_report_run *in = calloc(nruns, sizeof(*in));
	struct e2e_report *r = NULL;

	for (size_t k = 0; k < nruns; k++) { /* in[0] newest */
		runs[k] = make_run(first_id + (int64_t)(nruns - 1 - k));
		in[k].run = &runs[k];
		in[k].samples = samples[nruns - 1 - k];
		in[k].nsamples = n[nruns - 1 - k];
	}
	if (e2e_report_compute(in, nruns, s->paths, s->nep, NULL, &r) < 0) {
		fprintf(stderr, "gate-sim: %s\n", e2e_error_message());
		exit(3);
	}
	free(runs);
	free(in);
	return r;
}

/* ---- the pooled Mann-Whitney reference --------------------------------- */

struct tagged {
	double v;
	int side;
};

static int cmp_tagged(const void *a, const void *b)
{
	return cmp_double(&((const struct tagged *)a)->v, &((const struct tagged *)b)->v);
}

/* Two-sided p < 0.05 with the normal approximation (ties ranked by average). */
static bool mann_whitney_flags(const struct e2e_endpoint_report *base, const struct e2e_endpoint_report *cur)
{
	size_t n1 = base->nsamples, n2 = cur->nsamples, n = n1 + n2;
	struct tagged *t = malloc(n * sizeof(*t));
	double r2 = 0, mu, sd, z;

	for (size_t i = 0; i < n1; i++)
		t[i] = (struct tagged){ base->samples[i].total_us, 0 };
	for (size_t i = 0; i < n2; i++)
		t[n1 + i] = (struct tagged){ cur->samples[i].total_us, 1 };
	qsort(t, n, sizeof(*t), cmp_tagged);
	for (size_t i = 0; i < n;) {
		size_t j = i;

		while (j < n && t[j].v == t[i].v)
			j++;
		for (size_t k = i; k < j; k++)
			if (t[k].side)
				r2 += (double)(i + j + 1) / 2;
		i = j;
	}
	free(t);
	mu = (double)n2 * (double)(n + 1) / 2;
	sd = sqrt((double)n1 * (double)n2 * (double)(n + 1) / 12);
	z = (r2 - mu) / sd;
	return fabs(z) > 1.959964;
}

/* ---- the information bound ---------------------------------------------- */

/* How well could any test built on an endpoint's P95 (or P99) do? For the
 * changed endpoint of the P95 scenario: the true run-to-run sd of log P95
 * and log P99 from sampling and wobble alone (ORACLE_NULL simulated runs of
 * its model, no runner factor), the true change (mean of ORACLE_CHG
 * changed runs), and z = change / (sd sqrt(1 + 1/K)): what a test that knew
 * the noise exactly, and judged the change at the gate's own level, would
 * see. Runs on its own random stream so the gate's figures do not move. */
enum { ORACLE_NULL = 40, ORACLE_CHG = 20 };

/* Statistics of one simulated run of the endpoint alone: log P95, log
 * P99, and two that are not quantiles, to see whether a test on another
 * scale could do better: the fraction of its requests above the model's
 * own P95 (the rank or probability scale) and the mean log latency of its
 * slowest 10 % (a tail mean). */
enum { OR_P95, OR_P99, OR_RANK, OR_TOP10, OR_NSTAT };

static void oracle_run(const struct sim *s, const struct endpoint_model *m, bool changed, double *buf,
		       double out[OR_NSTAT])
{
	double wob = exp(s->wobble_sd * gauss()), slow = m->slow_w * exp(s->mode_sd * gauss());

	for (size_t i = 0; i < s->nreq; i++) {
		double x = draw_base(m, slow);

		if (changed)
			x = tail_stretch(m, x);
		if ((double)i < m->warm_n)
			x *= m->warm_x;
		buf[i] = x * wob;
	}
	out[OR_RANK] = out[OR_TOP10] = 0;
	for (size_t i = 0; i < s->nreq; i++)
		out[OR_RANK] += buf[i] > m->q95 ? 1.0 / (double)s->nreq : 0;
	{
		static const double qs[2] = { 0.95, 0.99 };

		e2e_stats_quantiles(buf, s->nreq, qs, 2, out);
	}
	qsort(buf, s->nreq, sizeof(*buf), cmp_double);
	for (size_t i = s->nreq - s->nreq / 10; i < s->nreq; i++)
		out[OR_TOP10] += log(buf[i]) / (double)(s->nreq / 10);
	out[0] = log(out[0]);
	out[1] = log(out[1]);
}

struct oracle {
	size_t n[3];
	double power95[3], power_best[3]; /* sums of detection probabilities */
	double power95_one[3]; /* P95 judged alone at the family's 2 %, no multiplicity */
	double power_rank[3], power_top[3]; /* the rank scale, the tail mean */
	double *sd95[3]; /* per run, for the median */
	double log_level; /* sum of log(the gate's level) */
};

static void oracle_add(struct oracle *o, const struct sim *s, const struct endpoint_model *m, double level,
		       uint64_t seed)
{
	uint64_t saved[4];
	double *buf = malloc(s->nreq * sizeof(*buf)), v[OR_NSTAT], sum[2][OR_NSTAT] = { { 0 } };
	double ss[OR_NSTAT] = { 0 }, null[ORACLE_NULL][OR_NSTAT], zc = e2e_stats_norm_quantile(1 - level),
	       best = 0;
	int sh = m->shape;

	memcpy(saved, rng_s, sizeof(saved));
	rng_seed(seed);
	for (int r = 0; r < ORACLE_NULL; r++) {
		oracle_run(s, m, false, buf, null[r]);
		for (int j = 0; j < OR_NSTAT; j++)
			sum[0][j] += null[r][j] / ORACLE_NULL;
	}
	for (int r = 0; r < ORACLE_NULL; r++)
		for (int j = 0; j < OR_NSTAT; j++)
			ss[j] += (null[r][j] - sum[0][j]) * (null[r][j] - sum[0][j]) / (ORACLE_NULL - 1);
	for (int r = 0; r < ORACLE_CHG; r++) {
		oracle_run(s, m, true, buf, v);
		for (int j = 0; j < OR_NSTAT; j++)
			sum[1][j] += v[j] / ORACLE_CHG;
	}
	memcpy(rng_s, saved, sizeof(saved));
	free(buf);
	for (int j = 0; j < OR_NSTAT; j++) {
		double z = (sum[1][j] - sum[0][j]) / sqrt(ss[j] * (1 + 1.0 / (double)s->kbase) + 1e-300);
		double pw = 0.5 * erfc(-(z - zc) / M_SQRT2);

		if (j == OR_RANK || j == OR_TOP10) {
			*(j == OR_RANK ? &o->power_rank[sh] : &o->power_top[sh]) += pw;
			continue;
		}
		if (j == 0) {
			o->power95[sh] += pw;
			o->power95_one[sh] += 0.5 * erfc(-(z - e2e_stats_norm_quantile(0.98)) / M_SQRT2);
		}
		if (pw > best)
			best = pw;
	}
	o->power_best[sh] += best;
	o->log_level += log(level);
	o->sd95[sh] = realloc(o->sd95[sh], (o->n[sh] + 1) * sizeof(double));
	o->sd95[sh][o->n[sh]++] = sqrt(ss[0]);
}

/* ---- scenarios --------------------------------------------------------- */

enum { NTHR = 3 };
static const double thresholds[NTHR] = { 50, 25, 20 };

static const char *const shape_names[] = { "lognormal", "slow mode", "heavy tail" };

struct tally {
	const char *name;
	size_t runs;
	size_t any_false[NTHR]; /* a regression on an endpoint that did not change */
	size_t hit_metric[NTHR]; /* the changed endpoint's target metric flagged */
	size_t hit_endpoint[NTHR]; /* the changed endpoint flagged at all */
	size_t env_finding[NTHR];
	size_t shape_runs[3], shape_hit[3]; /* at the lowest threshold, by the changed endpoint's shape */
	double last_level; /* the gate's per-test level in the last run, lowest threshold */
};

/* z = judged change / its sd, read back from the 95 % interval (the df
 * are large enough for 1.96), per latency metric, unchanged endpoints. */
struct calibration {
	size_t n[4], above[4][4], below2[4];
};

static const double calib_z[4] = { 2, 2.5, 3, 3.5 };

static void calibrate(struct calibration *cal, const struct e2e_gate_result *g)
{
	for (size_t i = 0; i < g->nendpoints; i++)
		for (int m = 0; m < 4; m++) {
			const struct e2e_metric_cmp *mc = &g->endpoints[i].metrics[m];
			double a, sd;

			if (isnan(mc->ci_lo_pct))
				continue;
			a = log1p(mc->judged_pct / 100);
			sd = (log1p(mc->ci_hi_pct / 100) - log1p(mc->ci_lo_pct / 100)) / (2 * 1.959964);
			cal->n[m]++;
			for (int z = 0; z < 4; z++)
				cal->above[m][z] += a / sd > calib_z[z];
			cal->below2[m] += a / sd < -2;
		}
}

static void trace(const struct e2e_endpoint_cmp *ec, bool changed, const struct endpoint_model *m,
		  const char *name, double threshold)
{
	struct e2e_buf line = E2E_BUF_INIT;

	for (int k = 0; k < E2E_METRIC__COUNT; k++) {
		e2e_buf_reset(&line);
		e2e_gate_format_metric(&ec->metrics[k], ec->key, &line);
		fprintf(stderr, "%s [%s, -t %.0f] %s (%s)\n", changed ? "changed" : "FALSE ALARM", name,
			threshold, line.data, shape_names[m->shape]);
	}
	e2e_buf_finish(&line);
}

static void judge(const struct sim *s, const struct e2e_report *cur, const struct e2e_baseline *b,
		  const struct change *c, int target_metric, struct tally *t, struct calibration *cal,
		  bool tracing)
{
	t->runs++;
	for (int k = 0; k < NTHR; k++) {
		struct e2e_gate_config cfg = { thresholds[k], 1.0, E2E_FAIL_ON_WARNING, NULL };
		struct e2e_gate_result *g;
		char key[32];
		bool any_false = false;

		if (e2e_gate_compare(cur, b, &cfg, &g) < 0) {
			fprintf(stderr, "gate-sim: %s\n", e2e_error_message());
			exit(3);
		}
		snprintf(key, sizeof(key), "GET /ep/%d", c->endpoint);
		for (size_t i = 0; i < g->nendpoints; i++) {
			const struct e2e_endpoint_cmp *ec = &g->endpoints[i];
			bool changed = c->endpoint >= 0 && strcmp(ec->key, key) == 0;
			bool flagged = ec->verdict == E2E_VERDICT_REGRESSION;
			const struct endpoint_model *m =
				&s->ep[strtoul(ec->key + strlen("GET /ep/"), NULL, 10)];

			if (!changed && flagged)
				any_false = true;
			if (changed && flagged)
				t->hit_endpoint[k]++;
			if (changed && target_metric >= 0 &&
			    ec->metrics[target_metric].verdict == E2E_VERDICT_REGRESSION)
				t->hit_metric[k]++;
			if (changed && k == NTHR - 1) {
				t->shape_runs[m->shape]++;
				t->shape_hit[m->shape] += flagged;
			}
			if (tracing && ((changed && k == NTHR - 1) || (!changed && flagged)))
				trace(ec, changed, m, t->name, thresholds[k]);
		}
		if (cal && k == 0)
			calibrate(cal, g);
		if (k == NTHR - 1)
			t->last_level = g->test_level;
		t->any_false[k] += any_false;
		t->env_finding[k] += g->environment_shift;
		e2e_gate_result_destroy(g);
	}
}

/* ---- --confirm N ---------------------------------------------------------
 * When a run's gate fails, up to N re-runs with the same change (fresh
 * runner noise, from an RNG stream of their own so that the figures
 * without --confirm stay those of a plain run) are judged pooled by
 * e2e_gate_confirm_step(), as perf-profile --confirm does. A run counts as
 * a false alarm when a regression of an unchanged endpoint is confirmed
 * (or stays pending), as found when the changed endpoint's is. */

struct confirm_tally {
	size_t runs, any_false[NTHR], hit_endpoint[NTHR], hit_metric[NTHR];
	size_t confirming[NTHR], reruns[NTHR]; /* runs that needed re-runs, re-runs made */
};

static void confirm_judge(const struct sim *s, const struct e2e_report *cur, const struct e2e_baseline *b,
			  const struct change *c, int target_metric, struct confirm_tally *t, size_t nconfirm,
			  uint64_t stream)
{
	uint64_t saved[4];
	char key[32];

	memcpy(saved, rng_s, sizeof(saved));
	snprintf(key, sizeof(key), "GET /ep/%d", c->endpoint);
	t->runs++;
	for (int k = 0; k < NTHR; k++) {
		struct e2e_gate_config cfg = { thresholds[k], 1.0, E2E_FAIL_ON_WARNING, NULL };
		struct e2e_sample **rs = calloc(nconfirm, sizeof(*rs));
		size_t *rn = calloc(nconfirm, sizeof(*rn)), n = 0;
		int64_t *ids = calloc(nconfirm, sizeof(*ids));
		struct e2e_gate_result *g;
		const struct e2e_confirmation *cf;
		bool any_false = false;

		rng_seed(stream * 7919 + (uint64_t)k);
		if (e2e_gate_compare(cur, b, &cfg, &g) < 0) {
			fprintf(stderr, "gate-sim: %s\n", e2e_error_message());
			exit(3);
		}
		if (g->failed && e2e_gate_confirm_begin(g, nconfirm, 100, cfg.fail_on)) {
			t->confirming[k]++;
			while (n < nconfirm) {
				struct e2e_report *pr;
				struct e2e_gate_result *pg;
				bool done;

				rs[n] = gen_run(s, c, &rn[n]);
				ids[n] = 200 + (int64_t)n;
				n++;
				pr = report_of(s, rs, rn, n, 200);
				if (e2e_gate_compare(pr, b, &cfg, &pg) < 0) {
					fprintf(stderr, "gate-sim: %s\n", e2e_error_message());
					exit(3);
				}
				done = e2e_gate_confirm_step(g, pg, ids, n, cfg.fail_on);
				e2e_gate_result_destroy(pg);
				e2e_report_destroy(pr);
				if (done)
					break;
			}
			t->reruns[k] += n;
		}
		cf = g->confirmation;
		for (size_t i = 0; i < g->nendpoints; i++) {
			const struct e2e_endpoint_cmp *ec = &g->endpoints[i];
			bool changed = c->endpoint >= 0 && strcmp(ec->key, key) == 0, flagged = false,
			     metric = false;

			for (int m = 0; m < E2E_METRIC__COUNT; m++) {
				bool reg = ec->metrics[m].verdict == E2E_VERDICT_REGRESSION;

				for (size_t j = 0; reg && cf && j < cf->nitems; j++)
					if ((int)cf->items[j].metric == m &&
					    strcmp(cf->items[j].endpoint, ec->key) == 0)
						reg = cf->items[j].state != E2E_CONFIRM_VANISHED;
				flagged |= reg;
				metric |= reg && m == target_metric;
			}
			any_false |= !changed && flagged;
			t->hit_endpoint[k] += changed && flagged;
			t->hit_metric[k] += changed && metric;
		}
		t->any_false[k] += any_false;
		e2e_gate_result_destroy(g);
		for (size_t j = 0; j < n; j++)
			free(rs[j]);
		free(rs);
		free(rn);
		free(ids);
	}
	memcpy(rng_s, saved, sizeof(saved));
}

static void confirm_print(const struct confirm_tally *t, const struct tally *plain, size_t nsc,
			  size_t nconfirm)
{
	printf("\nwith --confirm %zu (the same runs; re-runs pooled, e2e_gate_confirm_step):\n", nconfirm);
	printf("%-30s %9s  %21s  %21s  %21s  %s\n", "scenario", "threshold", "runs w/ false alarm",
	       "changed ep flagged", "target metric flagged", "runs re-run, re-runs/run");
	for (size_t i = 0; i < nsc; i++)
		for (int k = 0; k < NTHR; k++) {
			printf("%-30s %8.0f%%  %20.1f%%", k == 0 ? plain[i].name : "", thresholds[k],
			       100.0 * (double)t[i].any_false[k] / (double)t[i].runs);
			if (i >= 2)
				printf("  %20.1f%%  %20.1f%%",
				       100.0 * (double)t[i].hit_endpoint[k] / (double)t[i].runs,
				       100.0 * (double)t[i].hit_metric[k] / (double)t[i].runs);
			else
				printf("  %21s  %21s", "", "");
			printf("  %5.1f%%, %.2f\n", 100.0 * (double)t[i].confirming[k] / (double)t[i].runs,
			       t[i].confirming[k] ? (double)t[i].reruns[k] / (double)t[i].confirming[k]
						  : 0.0);
		}
}

static double pct(size_t a, size_t n)
{
	return n ? 100.0 * (double)a / (double)n : 0;
}

static double pct_d(double a, size_t n)
{
	return n ? 100.0 * a / (double)n : 0;
}

/* ---- noisy neighbour (issue 20) ----------------------------------------- */

/* A busy runner (two busy loops on a small machine) does not multiply
 * latencies: it adds scheduling delay. Each request of a disturbed run is
 * preempted k ~ Poisson(0.3 u) times, each for Exp(--neighbour-delay,
 * 3 ms by default) of run-queue wait; u ~ U(0.5, 1.5) is the run's
 * intensity. That reproduces what two busy loops did to the demo service
 * (GET /users/{id}: p95 +3.2..4.8 ms on 5.5 ms, the median far less). The
 * baseline's runs never saw it. The signal e2e's probe would record:
 * 0.02 exp(0.5 N) on a quiet run, 1.5 u exp(0.2 N) on a disturbed one.
 * Scenarios: nothing changed, judged with the signal and without it (a
 * run or baseline that did not measure it); and one endpoint whose p50
 * rose +150 % (>= 2 x every threshold) on the disturbed runner. Runs on
 * its own random stream so the other scenarios' figures do not move. */
static double nn_delay_ms = 3;

enum { NN_NSC = 3 };

static unsigned nn_poisson(double lambda)
{
	double l = exp(-lambda), p = unif();
	unsigned k = 0;

	while (p > l) {
		p *= unif();
		k++;
	}
	return k;
}

static void nn_disturb(struct e2e_sample *smp, size_t n, double u)
{
	for (size_t i = 0; i < n; i++) {
		double add = 0;

		for (unsigned k = nn_poisson(0.3 * u); k > 0; k--)
			add += -nn_delay_ms * log(unif());
		smp[i].total_us = (uint32_t)fmin(smp[i].total_us + add * 1000, 4e9);
		smp[i].ttfb_us = smp[i].total_us;
	}
}

static void nn_signal(struct e2e_report *r, double value)
{
	for (size_t i = 0; i < r->nruns; i++) {
		r->runs[i].disturbance = value;
		r->runs[i].disturbance_probes = value > 0 ? 30 : 0;
	}
}

static void nn_trial(const struct sim *s, struct e2e_baseline *b, struct tally *t, uint64_t seed)
{
	uint64_t saved[4];

	memcpy(saved, rng_s, sizeof(saved));
	rng_seed(seed);
	for (size_t k = 0; k < b->nsources; k++)
		b->sources[k].disturbance = 0.02 * exp(0.5 * gauss());
	for (int i = 0; i < 2; i++) {
		struct change c = { i ? (int)(rng_next() % s->nep) : -1, i ? 2.5 : 1, false, 0 };
		double u = unif_in(0.5, 1.5), signal = 1.5 * u * exp(0.2 * gauss());
		size_t n;
		struct e2e_sample *cs = gen_run(s, &c, &n);
		struct e2e_report *cr;

		nn_disturb(cs, n, u);
		cr = report_of(s, &cs, &n, 1, 100);
		nn_signal(cr, signal);
		judge(s, cr, b, &c, i ? E2E_METRIC_P50 : -1, &t[i ? 2 : 0], NULL, false);
		if (!i) {
			nn_signal(cr, 0);
			judge(s, cr, b, &c, -1, &t[1], NULL, false);
		}
		e2e_report_destroy(cr);
		free(cs);
	}
	for (size_t k = 0; k < b->nsources; k++)
		b->sources[k].disturbance = NAN;
	memcpy(rng_s, saved, sizeof(saved));
}

static void nn_print(const struct tally *t)
{
	printf("\nnoisy neighbour (additive scheduling delay, mean %.1f ms per preemption; the baseline "
	       "quiet):\n",
	       nn_delay_ms);
	for (int i = 0; i < NN_NSC; i++)
		for (int k = 0; k < NTHR; k++) {
			printf("%-30s %8.0f%%  %20.1f%%", k == 0 ? t[i].name : "", thresholds[k],
			       pct(t[i].any_false[k], t[i].runs));
			if (i == 2)
				printf("  %20.1f%%  %20.1f%%", pct(t[i].hit_endpoint[k], t[i].runs),
				       pct(t[i].hit_metric[k], t[i].runs));
			printf("\n");
		}
}

/* ---- where the tail power goes (--tail-breakdown) ------------------------
 * For the changed endpoint of the P95 +50 % scenario at the lowest
 * threshold, the gate's own noise pieces (gate_impl.h) are worked out
 * again as e2e_gate_compare() does, and the P95 test's variance split
 * into its terms: the endpoint's run-to-run wobble and the baseline's
 * per-run sampling (both over 1/kc + 1/k, the current run's and the
 * baseline centre's share), the current run's own sampling (net, on the
 * baseline's scale), the runner's variance (added when no shared factor
 * was removed) and the removed factor's. A missed change is put down to
 * the first rule it failed: the judged (band) change below the
 * threshold, the P95 itself below it (band only), the floor, or the
 * interval reaching 0 at the gate's level; for the last, whether it would
 * have been found at the family's whole 2 % (the multiple-comparison
 * cost) or with the same level on infinite df (the cost of estimating
 * the noise from few runs). The rank lines judge the same P95s on the
 * probability scale as a gate could (tail_rank_z): binomial variance
 * alone, then scaled so that unchanged P95s of the shape have z^2 1. */
enum { TB_BAND_T, TB_RAW_T, TB_FLOOR, TB_NOISE, TB_OTHER, TB_NREASON };
enum { TB_WOBBLE, TB_BASE_SAMP, TB_CUR_SAMP, TB_RUNNER, TB_FACTOR, TB_NTERM };

struct tail_breakdown {
	size_t runs[3], missed[3], reason[3][TB_NREASON], at_family[3], at_inf_df[3], band[3];
	double share[3][TB_NTERM], share_all[3][TB_NTERM], z_missed[3], tcrit[3], sd_all[3];
	/* unchanged runs: each endpoint's P95 z = judged change / its sd */
	size_t null_n[3], null_above2[3];
	double null_z2[3];
	/* the rank scale as the gate would judge it (tail_rank_z) */
	size_t rank_null_flag[3], rank_found[3], rank_union[3], rank_nz[3];
	double rank_null_z2[3], rank_z[3][1024], rank_level[3];
};

/* The rank-scale z of a P95: the share of the current run's requests
 * above the baseline's pooled P95 times the removed environment factor,
 * against the 5 % expected, on binomial sampling alone (current run and
 * the baseline's pooled P95 both; no run-to-run overdispersion). */
static double tail_rank_z(const struct e2e_report *cur, const struct e2e_baseline *b, const char *key,
			  double env_factor)
{
	const struct e2e_endpoint_report *e = NULL;
	const struct e2e_baseline_endpoint *be = e2e_baseline_find(b, key);
	double *lat, thr, p0 = 0.05, above = 0;

	for (size_t i = 0; i < cur->nendpoints; i++)
		if (strcmp(cur->endpoints[i].key, key) == 0)
			e = &cur->endpoints[i];
	if (!e || !be || !e->count)
		return NAN;
	lat = e2e_advice_latencies(e, false);
	thr = be->p95_ms * (isnan(env_factor) ? 1 : env_factor);
	for (size_t i = 0; i < e->count; i++)
		above += lat[i] > thr;
	free(lat);
	return (above / (double)e->count - p0) /
	       sqrt(p0 * (1 - p0) * (1 / (double)e->count + 1 / (double)be->count));
}

/* The P95 z of every endpoint of an unchanged run, by shape: their mean
 * square is 1 when the P95's variance is right. */
static void tail_breakdown_null(struct tail_breakdown *tb, const struct sim *s, const struct e2e_report *cur,
				const struct e2e_baseline *b)
{
	struct e2e_gate_config cfg = { thresholds[NTHR - 1], 1.0, E2E_FAIL_ON_WARNING, NULL };
	struct e2e_gate_result *g;

	if (e2e_gate_compare(cur, b, &cfg, &g) < 0) {
		fprintf(stderr, "gate-sim: %s\n", e2e_error_message());
		exit(3);
	}
	for (size_t i = 0; i < g->nendpoints; i++) {
		const struct e2e_metric_cmp *mc = &g->endpoints[i].metrics[E2E_METRIC_P95];
		int sh = s->ep[strtoul(g->endpoints[i].key + strlen("GET /ep/"), NULL, 10)].shape;
		double z;

		if (isnan(mc->ci_lo_pct))
			continue;
		z = log1p(mc->judged_pct / 100) /
		    ((log1p(mc->ci_hi_pct / 100) - log1p(mc->ci_lo_pct / 100)) / (2 * 1.959964));
		tb->null_n[sh]++;
		tb->null_z2[sh] += z * z;
		tb->null_above2[sh] += z > 2;
		z = tail_rank_z(cur, b, g->endpoints[i].key, mc->env_factor);
		tb->rank_null_z2[sh] += z * z;
		tb->rank_null_flag[sh] += z > e2e_stats_norm_quantile(1 - g->test_level);
	}
	e2e_gate_result_destroy(g);
}

static void tail_breakdown_add(struct tail_breakdown *tb, const struct sim *s, const struct e2e_report *cur,
			       const struct e2e_baseline *b, int endpoint)
{
	struct e2e_gate_config cfg = { thresholds[NTHR - 1], 1.0, E2E_FAIL_ON_WARNING, NULL };
	const int m = E2E_METRIC_P95;
	int sh = s->ep[endpoint].shape;
	size_t np = cur->nendpoints, target = np;
	struct gate_pair *pairs = calloc(np, sizeof(*pairs));
	bool *skip = calloc(b->nendpoints + 1, sizeof(*skip));
	double *v0 = calloc(np, sizeof(*v0)), term[TB_NTERM], total = 0,
	       logT = log1p(cfg.threshold_pct / 100);
	struct gate_noise bn;
	struct gate_env env;
	struct e2e_gate_result *g;
	const struct e2e_metric_cmp *mc = NULL;

	if (e2e_gate_compare(cur, b, &cfg, &g) < 0) {
		fprintf(stderr, "gate-sim: %s\n", e2e_error_message());
		exit(3);
	}
	memset(&bn, 0, sizeof(bn));
	e2e_gate_noise_estimate(b, skip, m, &bn);
	for (size_t i = 0; i < np; i++) {
		struct gate_pair *p = &pairs[i];

		p->cur = &cur->endpoints[i];
		p->base = e2e_baseline_find(b, p->cur->key);
		if (!p->base)
			continue;
		p->base_index = (size_t)(p->base - b->endpoints);
		p->kc = 1;
		p->threshold = cfg.threshold_pct;
		p->sorted = e2e_advice_latencies(p->cur, true);
		e2e_gate_noise_cell(p, &bn, m);
		v0[i] = p->cell[m].V;
		if (strcmp(p->cur->key, s->paths[endpoint].endpoint) == 0)
			target = i;
	}
	e2e_gate_noise_environment(pairs, np, &bn, m, &env);
	for (size_t i = 0; i < g->nendpoints; i++)
		if (strcmp(g->endpoints[i].key, s->paths[endpoint].endpoint) == 0)
			mc = &g->endpoints[i].metrics[m];
	if (target < np && mc && pairs[target].cell[m].eligible) {
		const struct gate_pair *p = &pairs[target];
		const struct gate_ep_noise *ns = &bn.ep[m][p->base_index];
		const struct gate_cell *c = &p->cell[m];
		double coef = 1 / p->kc + 1 / ns->k, A = c->D - env.factor, sd = sqrt(c->V + env.var_f);
		double up = c->band ? fmin(A, c->D_raw - env.factor) : A;
		double tcrit = e2e_stats_t_quantile(1 - g->test_level, c->df);
		int r = TB_OTHER;

		term[TB_WOBBLE] = coef * fmax(ns->s2 - ns->samp2, 0);
		term[TB_BASE_SAMP] = coef * fmin(ns->samp2, ns->s2);
		term[TB_CUR_SAMP] = v0[target] - coef * ns->s2;
		term[TB_RUNNER] = c->V - v0[target];
		term[TB_FACTOR] = env.var_f;
		for (int k = 0; k < TB_NTERM; k++)
			total += term[k];
		{
			double rz = tail_rank_z(cur, b, p->cur->key, mc->env_factor);
			bool rf = rz > e2e_stats_norm_quantile(1 - g->test_level);

			tb->rank_found[sh] += rf;
			tb->rank_union[sh] += rf || mc->verdict == E2E_VERDICT_REGRESSION;
			tb->rank_level[sh] += log(g->test_level);
			if (tb->rank_nz[sh] < 1024)
				tb->rank_z[sh][tb->rank_nz[sh]++] = rz;
		}
		tb->runs[sh]++;
		tb->band[sh] += c->band;
		tb->sd_all[sh] += sd;
		for (int k = 0; k < TB_NTERM; k++)
			tb->share_all[sh][k] += term[k] / total;
		if (mc->verdict != E2E_VERDICT_REGRESSION) {
			if (A < logT)
				r = TB_BAND_T;
			else if (up < logT)
				r = TB_RAW_T;
			else if (mc->baseline * expm1(up) < cfg.min_delta_ms)
				r = TB_FLOOR;
			else if (A - tcrit * sd <= 0)
				r = TB_NOISE;
			tb->missed[sh]++;
			tb->reason[sh][r]++;
			if (r == TB_NOISE) {
				tb->at_family[sh] += A - e2e_stats_t_quantile(1 - 0.02, c->df) * sd > 0;
				tb->at_inf_df[sh] += A - e2e_stats_norm_quantile(1 - g->test_level) * sd > 0;
				tb->z_missed[sh] += A / sd;
				tb->tcrit[sh] += tcrit;
				for (int k = 0; k < TB_NTERM; k++)
					tb->share[sh][k] += term[k] / total;
			}
		}
	}
	for (size_t i = 0; i < np; i++)
		free(pairs[i].sorted);
	free(pairs);
	free(skip);
	free(v0);
	e2e_gate_noise_finish(&bn);
	e2e_gate_result_destroy(g);
}

static void tail_breakdown_print(const struct tail_breakdown *tb)
{
	static const char *const reason[TB_NREASON] = { "judged<T", "P95<T", "floor", "noise", "other" };
	static const char *const term[TB_NTERM] = { "wobble", "sampling", "cur extra", "runner", "factor" };

	printf("\nwhere the P95 +50 %% power goes (-t %.0f %%, the changed endpoint's P95 test):\n",
	       thresholds[NTHR - 1]);
	for (int sh = 0; sh < 3; sh++) {
		size_t nn = tb->reason[sh][TB_NOISE];

		if (!tb->runs[sh])
			continue;
		printf("  %-10s  %zu runs (%zu on the band), P95 missed %zu; sd %.1f %%; variance shares "
		       "(all):",
		       shape_names[sh], tb->runs[sh], tb->band[sh], tb->missed[sh],
		       100 * tb->sd_all[sh] / (double)tb->runs[sh]);
		for (int k = 0; k < TB_NTERM; k++)
			printf(" %s %.0f %%", term[k], pct_d(tb->share_all[sh][k], tb->runs[sh]));
		printf("\n              unchanged P95s: %zu, mean z^2 %.2f, z > 2 %.1f %% (normal 2.3 %%)",
		       tb->null_n[sh], tb->null_n[sh] ? tb->null_z2[sh] / (double)tb->null_n[sh] : NAN,
		       pct(tb->null_above2[sh], tb->null_n[sh]));
		printf("\n              rank scale (binomial only): unchanged P95s mean z^2 %.2f, flagged at "
		       "the "
		       "gate's level %.2f %%;\n              changed found %zu (with the P95 test %zu); "
		       "variance "
		       "scaled to unchanged z^2 1: found",
		       tb->null_n[sh] ? tb->rank_null_z2[sh] / (double)tb->null_n[sh] : NAN,
		       pct(tb->rank_null_flag[sh], tb->null_n[sh]), tb->rank_found[sh], tb->rank_union[sh]);
		{
			double sc = tb->null_n[sh] ? sqrt(tb->rank_null_z2[sh] / (double)tb->null_n[sh]) : 1;
			double zc =
				e2e_stats_norm_quantile(1 - exp(tb->rank_level[sh] / (double)tb->runs[sh]));
			size_t f = 0;

			for (size_t k = 0; k < tb->rank_nz[sh]; k++)
				f += tb->rank_z[sh][k] / sc > zc;
			printf(" %zu", f);
		}
		printf("\n              missed by:");
		for (int r = 0; r < TB_NREASON; r++)
			printf(" %s %zu", reason[r], tb->reason[sh][r]);
		printf("\n");
		if (!nn)
			continue;
		printf("              noise misses: z %.2f vs t %.2f; found at 2 %% %zu, on infinite df %zu; "
		       "shares:",
		       tb->z_missed[sh] / (double)nn, tb->tcrit[sh] / (double)nn, tb->at_family[sh],
		       tb->at_inf_df[sh]);
		for (int k = 0; k < TB_NTERM; k++)
			printf(" %s %.0f %%", term[k], pct_d(tb->share[sh][k], nn));
		printf("\n");
	}
}

/* ---- perf-ab: interleaved A/B rounds (--ab ROUNDS) ----------------------
 *
 * A and B run the same service, B with one endpoint's whole distribution
 * x(1 + --ab-change/100) or nothing changed. Runs go in ABBA order; each
 * round gets its own runner factor exp(N(0, --runner-sd)) shared by its
 * two runs, each run its own exp(N(0, --ab-within-sd)) on top, a linear
 * drift of --ab-drift (log) per run, and with probability --ab-disturbed
 * a noisy neighbour: 10 % of the run's requests get an extra exponential
 * delay of mean 5 ms (tails inflated that no other run of the round
 * shares). Each run records the runner disturbance its probe would see
 * (disturb.h: about 0.12 quiet, 1.0 disturbed, each x exp(N(0, 0.3))),
 * unless --ab-no-signal. Judged by e2e_ab_compare() at each threshold.
 * --ab-model loaded takes the per-endpoint wobble measured on real A/A
 * perf-ab runs of the demo service on a loaded runner
 * (tools/bench-ab-wobble.sh) instead of the default 3 %.
 * --ab-min-delta-ms MS is perf-ab's --min-delta-ms (1): a change of an
 * endpoint whose median times X % is below it cannot be a regression,
 * and the third column counts only the changes that reach it.
 * --ab-oracle adds the bound (ab_oracle below) with perf-ab's mean
 * per-test level and the number of tests sharing the family's 2 %. */

struct ab_sim {
	size_t rounds;
	double within_sd, drift, disturbed, change;
	bool no_signal; /* --ab-no-signal: runs carry no disturbance */
	bool oracle; /* --ab-oracle: print the bound (ab_oracle) */
	double min_delta_ms; /* --ab-min-delta-ms: perf-ab's --min-delta-ms (1) */
};

static const double ab_thresholds[3] = { 5, 10, 20 };

/* --ab-model loaded: each endpoint's own wobble beyond sampling per run
 * as tools/bench-ab-wobble.sh measured it on real A/A perf-ab comparisons
 * of two demo services on a loaded 2-CPU runner (load average 13 to 15,
 * 2026-12-02): 1.3 %, 11.7 % and 20.7 % in three comparisons, the median
 * taken; the default 3 % stays the quiet model. */
#define AB_LOADED_WOBBLE_SD 0.12

/* One run of the service at the given runner factor, perhaps disturbed
 * (*disturbance: what the run's probe records). */
static struct e2e_sample *ab_run(const struct sim *s, const struct ab_sim *ab, const struct change *c,
				 double runner, size_t *n, double *disturbance)
{
	struct sim w = *s;
	struct change cc = *c;
	struct e2e_sample *out;
	bool hit;

	w.runner_sd = ab->within_sd;
	cc.runner = runner;
	out = gen_run(&w, &cc, n);
	hit = unif() < ab->disturbed;
	if (hit)
		for (size_t i = 0; i < *n; i++)
			if (unif() < 0.1)
				out[i].total_us += (uint32_t)(-5000 * log(unif()));
	*disturbance = (hit ? 1.0 : 0.12) * exp(0.3 * gauss());
	return out;
}

/* One comparison: the flags of the thresholds in hit (the changed
 * endpoint a regression) and any_false (another endpoint one). */
static void ab_trial(const struct sim *s, const struct ab_sim *ab, const struct change *c, size_t *any_false,
		     size_t *hit, double *level, double *ntests)
{
	size_t nr = ab->rounds, *n[2];
	double *dist[2];
	struct e2e_sample **smp[2];
	struct e2e_report *rep[2];
	size_t run = 0;

	for (int side = 0; side < 2; side++) {
		smp[side] = calloc(nr, sizeof(*smp[side]));
		n[side] = calloc(nr, sizeof(*n[side]));
		dist[side] = calloc(nr, sizeof(*dist[side]));
	}
	for (size_t r = 0; r < nr; r++) {
		double round = exp(s->runner_sd * gauss());

		for (int k = 0; k < 2; k++, run++) {
			int side = r % 2 == 0 ? k : 1 - k; /* ABBA */
			struct change none = { -1, 1, false, 0 };

			smp[side][r] = ab_run(s, ab, side ? c : &none, round * exp(ab->drift * (double)run),
					      &n[side][r], &dist[side][r]);
		}
	}
	for (int side = 0; side < 2; side++) {
		rep[side] = report_of(s, smp[side], n[side], nr, 1 + 1000 * side);
		for (size_t k = 0; k < nr && !ab->no_signal; k++) { /* runs newest first */
			rep[side]->runs[k].disturbance = dist[side][nr - 1 - k];
			rep[side]->runs[k].disturbance_probes = 100;
		}
	}
	for (int k = 0; k < 3; k++) {
		struct e2e_gate_config cfg = { ab_thresholds[k], ab->min_delta_ms, E2E_FAIL_ON_WARNING,
					       NULL };
		struct e2e_gate_result *g;

		if (e2e_ab_compare(rep[0], rep[1], &cfg, "A", &g) < 0) {
			fprintf(stderr, "gate-sim: %s\n", e2e_error_message());
			exit(3);
		}
		level[k] = g->test_level;
		ntests[k] = (double)g->comparisons;
		for (size_t i = 0; i < g->nendpoints; i++) {
			const struct e2e_endpoint_cmp *ec = &g->endpoints[i];
			bool changed =
				c->endpoint >= 0 && strcmp(ec->key, s->paths[c->endpoint].endpoint) == 0;

			if (ec->verdict != E2E_VERDICT_REGRESSION)
				continue;
			if (changed)
				hit[k]++;
			else {
				any_false[k]++;
				break;
			}
		}
		e2e_gate_result_destroy(g);
	}
	for (int side = 0; side < 2; side++) {
		e2e_report_destroy(rep[side]);
		for (size_t r = 0; r < nr; r++)
			free(smp[side][r]);
		free(smp[side]);
		free(n[side]);
		free(dist[side]);
	}
}

/* ---- --ab-oracle: the bound a test that knew the noise would reach -------
 *
 * A test that knew the changed endpoint's true noise exactly (and the
 * rounds' shared part, so nothing of it is estimated): its P50's paired
 * log ratio x of one round is simulated AB_ORACLE_REPS times from the
 * endpoint's model alone (both runs' own wobble, sampling of the run's
 * requests, warm-up, the noisy neighbour's delay in the runs it hits;
 * the runner factors divided out), which gives x's true mean and
 * variance; the mean of the rounds is normal with those. It flags the
 * change when that mean reaches the threshold and the floor and its
 * z-test clears zero at the per-test level perf-ab used in the same
 * comparison: the power of that test is the bound at that level. */
enum { AB_ORACLE_REPS = 300 };

/* The log P50 of one run of endpoint e alone, scaled by scale, the
 * runner factor divided out; buf has room for s->nreq. */
static double ab_oracle_run(const struct sim *s, const struct ab_sim *ab, int e, double scale, double *buf)
{
	const struct endpoint_model *m = &s->ep[e];
	double runner = exp(s->runner_sd * gauss()) * exp(ab->within_sd * gauss());
	double wob = exp(s->wobble_sd * gauss()), slow = m->slow_w * exp(s->mode_sd * gauss());
	bool hit = unif() < ab->disturbed;

	for (size_t i = 0; i < s->nreq; i++) {
		double x = draw_base(m, slow) * scale;

		if ((double)i < m->warm_n)
			x *= m->warm_x;
		x *= runner * wob;
		if (hit && unif() < 0.1)
			x += -5 * log(unif());
		buf[i] = x;
	}
	qsort(buf, s->nreq, sizeof(*buf), cmp_double);
	return log(e2e_stats_quantile_sorted(buf, s->nreq, 0.5) / runner);
}

/* The bound's power at each threshold for a change of endpoint e at the
 * per-test levels alpha (the method's in the same comparison). */
static void ab_oracle(const struct sim *s, const struct ab_sim *ab, int e, double scale, const double *alpha,
		      double *power)
{
	double *buf = malloc(s->nreq * sizeof(*buf)), sum = 0, sum2 = 0, mu, var, sd;
	uint64_t saved[4];

	/* a stream of its own: the trials stay those of a run without it */
	memcpy(saved, rng_s, sizeof(saved));
	rng_seed(rng_s[0] ^ 0x6f7261636c65ull);
	for (int r = 0; r < AB_ORACLE_REPS; r++) {
		double x = ab_oracle_run(s, ab, e, scale, buf) - ab_oracle_run(s, ab, e, 1, buf);

		sum += x;
		sum2 += x * x;
	}
	free(buf);
	memcpy(rng_s, saved, sizeof(saved));
	mu = sum / AB_ORACLE_REPS;
	var = (sum2 - sum * mu) / (AB_ORACLE_REPS - 1);
	sd = sqrt(var / (double)ab->rounds);
	for (int k = 0; k < 3; k++) {
		double cut = fmax(log1p(ab_thresholds[k] / 100), log1p(1 / s->ep[e].median_ms));

		cut = fmax(cut, e2e_stats_norm_quantile(1 - alpha[k]) * sd);
		power[k] = 0.5 * erfc((cut - mu) / (sd * M_SQRT2));
	}
}

static int ab_main(struct sim *s, const struct ab_sim *ab, size_t trials, uint64_t seed)
{
	size_t null_false[3] = { 0 }, chg_false[3] = { 0 }, hit[3] = { 0 }, unused[3] = { 0 };
	size_t above = 0, hit_above[3] = { 0 };
	double orc[3] = { 0 }, orc_above[3] = { 0 }, lvl[3] = { 0 }, level[3], dummy[3], nt[3],
	       tests[3] = { 0 };

	for (size_t trial = 0; trial < trials; trial++) {
		struct change c = { (int)(rng_next() % s->nep), 1 + ab->change / 100, false, 0 };
		struct change none = { -1, 1, false, 0 };
		size_t h[3] = { 0 };
		double power[3] = { 0 };
		bool reach;

		for (size_t e = 0; e < s->nep; e++)
			model_init(&s->ep[e]);
		/* a change below the floor cannot be a regression */
		reach = s->ep[c.endpoint].median_ms * ab->change / 100 >= ab->min_delta_ms;
		ab_trial(s, ab, &none, null_false, unused, dummy, nt);
		ab_trial(s, ab, &c, chg_false, h, level, nt);
		if (ab->oracle)
			ab_oracle(s, ab, c.endpoint, c.scale, level, power);
		above += reach;
		for (int k = 0; k < 3; k++) {
			hit[k] += h[k];
			hit_above[k] += reach ? h[k] : 0;
			orc[k] += power[k];
			orc_above[k] += reach ? power[k] : 0;
			lvl[k] += level[k] / (double)trials;
			tests[k] += nt[k] / (double)trials;
		}
	}
	printf("gate-sim --ab: %zu trials, %zu endpoints x %zu requests, %zu rounds ABBA; sd (log) of the "
	       "round's runner %.2f, of each run within it %.2f, endpoint %.2f; drift %.3f per run; "
	       "disturbed runs %.0f %% (signal %s); floor %g ms; seed %" PRIu64 "\n\n",
	       trials, s->nep, s->nreq, ab->rounds, s->runner_sd, ab->within_sd, s->wobble_sd, ab->drift,
	       100 * ab->disturbed, ab->no_signal ? "off" : "on", ab->min_delta_ms, seed);
	printf("%9s  %21s  %26s  %26s  %26s\n", "threshold", "null: runs w/ false",
	       "one ep p50 +X: ep flagged", "... of those >= the floor", "... runs w/ other flagged");
	for (int k = 0; k < 3; k++)
		printf("%8.0f%%  %20.1f%%  %25.1f%%  %25.1f%%  %25.1f%%\n", ab_thresholds[k],
		       pct(null_false[k], trials), pct(hit[k], trials), pct(hit_above[k], above),
		       pct(chg_false[k], trials));
	printf("(X = %.0f %%; %zu of %zu changes >= the %g ms floor)\n", ab->change, above, trials,
	       ab->min_delta_ms);
	if (!ab->oracle)
		return 0;
	printf("\nthe bound: a z-test that knew the changed endpoint's true P50 noise, at perf-ab's per-test "
	       "level\n%9s  %26s  %26s  %26s  %10s\n",
	       "threshold", "bound: ep flagged", "... of those >= the floor", "perf-ab's per-test level",
	       "tests");
	for (int k = 0; k < 3; k++)
		printf("%8.0f%%  %25.1f%%  %25.1f%%  %25.4f%%  %10.1f\n", ab_thresholds[k],
		       pct_d(orc[k], trials), pct_d(orc_above[k], above), 100 * lvl[k], tests[k]);
	return 0;
}

/* The endpoint models and paths main() made. */
static void sim_free(struct sim *s)
{
	for (size_t e = 0; e < s->nep; e++) {
		free(s->paths[e].method);
		free(s->paths[e].path);
		free(s->paths[e].endpoint);
	}
	free(s->paths);
	free(s->ep);
}

int main(int argc, char **argv)
{
	struct sim s = {
		.nep = 20, .nreq = 1000, .kbase = 5, .runner_sd = 0.15, .wobble_sd = 0.03, .mode_sd = 0
	};
	size_t trials = 200, mw_flags = 0, mw_tests = 0;
	bool tracing = false, calibration = false;
	struct tail_breakdown *tb = NULL;
	size_t nconfirm = 0;
	struct confirm_tally ct[5] = { { 0 } };
	struct calibration cal = { 0 };
	struct oracle oracle;
	uint64_t seed = 1;
	enum { NSC = 5 };
	struct tally t[NSC] = {
		{ .name = "null (nothing changed)" }, { .name = "runner x1.4 (all endpoints)" },
		{ .name = "one endpoint p50 +30 %" }, { .name = "one endpoint p50 +50 %" },
		{ .name = "one endpoint p95 +50 %" },
	};
	struct tally nn[NN_NSC] = {
		{ .name = "nothing changed, signal" },
		{ .name = "nothing changed, no signal" },
		{ .name = "one endpoint p50 +150 %" },
	};
	double big = 50; /* the second whole-distribution change, % */
	struct ab_sim ab = { 0, 0.03, 0.01, 0.2, 10, false, false, 1 };
	char big_name[64];

	for (int i = 1; i < argc; i++) {
		const char *v = i + 1 < argc ? argv[i + 1] : "0";

		if (strcmp(argv[i], "--trials") == 0)
			trials = strtoull(v, NULL, 10), i++;
		else if (strcmp(argv[i], "--seed") == 0)
			seed = strtoull(v, NULL, 10), i++;
		else if (strcmp(argv[i], "--endpoints") == 0)
			s.nep = strtoull(v, NULL, 10), i++;
		else if (strcmp(argv[i], "--requests") == 0)
			s.nreq = strtoull(v, NULL, 10), i++;
		else if (strcmp(argv[i], "--baseline-runs") == 0)
			s.kbase = strtoull(v, NULL, 10), i++;
		else if (strcmp(argv[i], "--runner-sd") == 0)
			s.runner_sd = strtod(v, NULL), i++;
		else if (strcmp(argv[i], "--wobble-sd") == 0)
			s.wobble_sd = strtod(v, NULL), i++;
		else if (strcmp(argv[i], "--mode-sd") == 0)
			s.mode_sd = strtod(v, NULL), i++;
		else if (strcmp(argv[i], "--change") == 0)
			big = strtod(v, NULL), i++;
		else if (strcmp(argv[i], "--neighbour-delay") == 0)
			nn_delay_ms = strtod(v, NULL), i++;
		else if (strcmp(argv[i], "--confirm") == 0)
			nconfirm = strtoull(v, NULL, 10), i++;
		else if (strcmp(argv[i], "--ab") == 0)
			ab.rounds = strtoull(v, NULL, 10), i++;
		else if (strcmp(argv[i], "--ab-within-sd") == 0)
			ab.within_sd = strtod(v, NULL), i++;
		else if (strcmp(argv[i], "--ab-drift") == 0)
			ab.drift = strtod(v, NULL), i++;
		else if (strcmp(argv[i], "--ab-disturbed") == 0)
			ab.disturbed = strtod(v, NULL), i++;
		else if (strcmp(argv[i], "--ab-change") == 0)
			ab.change = strtod(v, NULL), i++;
		else if (strcmp(argv[i], "--ab-no-signal") == 0)
			ab.no_signal = true;
		else if (strcmp(argv[i], "--ab-oracle") == 0)
			ab.oracle = true;
		else if (strcmp(argv[i], "--ab-min-delta-ms") == 0)
			ab.min_delta_ms = strtod(v, NULL), i++;
		else if (strcmp(argv[i], "--ab-model") == 0 && strcmp(v, "loaded") == 0)
			s.wobble_sd = AB_LOADED_WOBBLE_SD, i++;
		else if (strcmp(argv[i], "--trace") == 0)
			tracing = true;
		else if (strcmp(argv[i], "--calibration") == 0)
			calibration = true;
		else if (strcmp(argv[i], "--tail-breakdown") == 0)
			tb = calloc(1, sizeof(*tb));
		else {
			fprintf(stderr,
				"usage: gate-sim [--trials N] [--seed S] [--endpoints E] [--requests N] "
				"[--baseline-runs K] [--runner-sd S] [--wobble-sd S] [--mode-sd S] [--change "
				"PCT] "
				"[--neighbour-delay MS] [--confirm N] [--trace] [--calibration] "
				"[--tail-breakdown] [--ab ROUNDS "
				"[--ab-within-sd S] "
				"[--ab-drift D] [--ab-disturbed P] [--ab-change PCT] [--ab-no-signal] "
				"[--ab-model loaded] [--ab-oracle] [--ab-min-delta-ms MS]]\n");
			return 2;
		}
	}
	if (!s.nep || !s.nreq || !s.kbase || !trials || !(big > 0))
		return 2;
	snprintf(big_name, sizeof(big_name), "one endpoint p50 +%.0f %%", big);
	t[3].name = big_name;
	memset(&oracle, 0, sizeof(oracle));
	rng_seed(seed);
	s.ep = calloc(s.nep, sizeof(*s.ep));
	s.paths = calloc(s.nep, sizeof(*s.paths));
	for (size_t e = 0; e < s.nep; e++) {
		char key[32], path[32];

		snprintf(path, sizeof(path), "/ep/%zu", e);
		snprintf(key, sizeof(key), "GET /ep/%zu", e);
		s.paths[e].id = (uint32_t)e + 1;
		s.paths[e].method = strdup("GET");
		s.paths[e].path = strdup(path);
		s.paths[e].endpoint = strdup(key);
	}

	if (ab.rounds) {
		int rc = ab_main(&s, &ab, trials, seed);

		sim_free(&s);
		return rc;
	}
	for (size_t trial = 0; trial < trials; trial++) {
		struct e2e_sample **bs = calloc(s.kbase, sizeof(*bs));
		size_t *bn = calloc(s.kbase, sizeof(*bn));
		struct e2e_report *br;
		struct e2e_baseline *b;
		const struct {
			double scale, runner;
			bool tail;
			int metric;
		} sc[NSC] = {
			{ 1, 0, false, -1 },
			{ 1, 1.4, false, -1 },
			{ 1.3, 0, false, E2E_METRIC_P50 },
			{ 1 + big / 100, 0, false, E2E_METRIC_P50 },
			{ 1, 0, true, E2E_METRIC_P95 },
		};

		for (size_t e = 0; e < s.nep; e++)
			model_init(&s.ep[e]);
		for (size_t k = 0; k < s.kbase; k++)
			bs[k] = gen_run(&s, &(struct change){ -1, 1, false, 0 }, &bn[k]);
		br = report_of(&s, bs, bn, s.kbase, 1);
		if (e2e_baseline_from_report(br, 0, "sim", &b) < 0) {
			fprintf(stderr, "gate-sim: %s\n", e2e_error_message());
			return 3;
		}
		for (int i = 0; i < NSC; i++) {
			struct change c = { sc[i].metric >= 0 ? (int)(rng_next() % s.nep) : -1, sc[i].scale,
					    sc[i].tail, sc[i].runner };
			size_t n;
			struct e2e_sample *cs = gen_run(&s, &c, &n);
			struct e2e_report *cr = report_of(&s, &cs, &n, 1, 100);

			judge(&s, cr, b, &c, sc[i].metric, &t[i], i == 0 && calibration ? &cal : NULL,
			      tracing);
			if (nconfirm)
				confirm_judge(&s, cr, b, &c, sc[i].metric, &ct[i], nconfirm,
					      seed * 1000003 + trial * 8 + (uint64_t)i);
			if (i == 0 && tb)
				tail_breakdown_null(tb, &s, cr, b);
			if (sc[i].tail && tb)
				tail_breakdown_add(tb, &s, cr, b, c.endpoint);
			if (sc[i].tail)
				oracle_add(&oracle, &s, &s.ep[c.endpoint], t[i].last_level,
					   seed * 1000003 + trial);
			if (i == 0) {
				for (size_t e = 0; e < cr->nendpoints; e++) {
					const struct e2e_endpoint_report *be =
						e2e_report_find(br, cr->endpoints[e].key);

					if (be) {
						mw_flags += mann_whitney_flags(be, &cr->endpoints[e]);
						mw_tests++;
					}
				}
			}
			e2e_report_destroy(cr);
			free(cs);
		}
		nn_trial(&s, b, nn, seed * 1000033 + trial);
		e2e_baseline_destroy(b);
		e2e_report_destroy(br);
		for (size_t k = 0; k < s.kbase; k++)
			free(bs[k]);
		free(bs);
		free(bn);
	}

	printf("gate-sim: %zu trials, %zu endpoints x %zu requests, %zu-run baseline, run-to-run sd (log): "
	       "runner %.2f, endpoint %.2f, slow-mode weight %.2f; seed %" PRIu64 "\n\n",
	       trials, s.nep, s.nreq, s.kbase, s.runner_sd, s.wobble_sd, s.mode_sd, seed);
	printf("%-30s %9s  %21s  %21s  %21s\n", "scenario", "threshold", "runs w/ false alarm",
	       "changed ep flagged", "target metric flagged");
	for (int i = 0; i < NSC; i++) {
		for (int k = 0; k < NTHR; k++) {
			printf("%-30s %8.0f%%  %20.1f%%", k == 0 ? t[i].name : "", thresholds[k],
			       pct(t[i].any_false[k], t[i].runs));
			if (i >= 2)
				printf("  %20.1f%%  %20.1f%%", pct(t[i].hit_endpoint[k], t[i].runs),
				       pct(t[i].hit_metric[k], t[i].runs));
			else if (i == 1)
				printf("  %21s  env finding %6.1f%%", "",
				       pct(t[i].env_finding[k], t[i].runs));
			printf("\n");
		}
	}
	nn_print(nn);
	if (nconfirm)
		confirm_print(ct, t, NSC, nconfirm);
	printf("\nchanged endpoint flagged at -t %.0f %%, by its distribution:\n", thresholds[NTHR - 1]);
	for (int i = 2; i < NSC; i++) {
		printf("  %-28s", t[i].name);
		for (int sh = 0; sh < 3; sh++)
			printf("  %s %5.1f %% (%zu)", shape_names[sh],
			       pct(t[i].shape_hit[sh], t[i].shape_runs[sh]), t[i].shape_runs[sh]);
		printf("\n");
	}
	printf("\ninformation bound, one endpoint p95 +50 %% (a test that knew the endpoint's true noise,\n"
	       "at the gate's level at -t %.0f %%): its P95's run-to-run sd (median), runs it would flag\n"
	       "through P95, through the better of P95 and P99; the gate's level (geometric mean) %.2g;\n"
	       "through P95 alone as the only test, at 2 %%; and at the gate's level through two\n"
	       "statistics on other scales: the share of requests above the baseline's P95 (rank),\n"
	       "the mean log latency of the slowest 10 %% (top 10 %%):\n",
	       thresholds[NTHR - 1], exp(oracle.log_level / (double)t[NSC - 1].runs));
	{
		size_t n = oracle.n[0] + oracle.n[1] + oracle.n[2];

		printf("  %-10s  %10s  P95 %5.1f %%  better of P95, P99 %5.1f %%  alone %5.1f %%  (%zu)"
		       "  rank %5.1f %%  top 10 %% %5.1f %%\n",
		       "all", "", pct_d(oracle.power95[0] + oracle.power95[1] + oracle.power95[2], n),
		       pct_d(oracle.power_best[0] + oracle.power_best[1] + oracle.power_best[2], n),
		       pct_d(oracle.power95_one[0] + oracle.power95_one[1] + oracle.power95_one[2], n), n,
		       pct_d(oracle.power_rank[0] + oracle.power_rank[1] + oracle.power_rank[2], n),
		       pct_d(oracle.power_top[0] + oracle.power_top[1] + oracle.power_top[2], n));
	}
	for (int sh = 0; sh < 3; sh++) {
		size_t n = oracle.n[sh];

		if (!n)
			continue;
		qsort(oracle.sd95[sh], n, sizeof(double), cmp_double);
		printf("  %-10s  sd %5.1f %%  P95 %5.1f %%  better of P95, P99 %5.1f %%  alone %5.1f %%  "
		       "(%zu)  rank %5.1f %%  top 10 %% %5.1f %%\n",
		       shape_names[sh], 100 * expm1(oracle.sd95[sh][n / 2]), pct_d(oracle.power95[sh], n),
		       pct_d(oracle.power_best[sh], n), pct_d(oracle.power95_one[sh], n), n,
		       pct_d(oracle.power_rank[sh], n), pct_d(oracle.power_top[sh], n));
		free(oracle.sd95[sh]);
	}
	if (tb)
		tail_breakdown_print(tb);
	free(tb);
	if (calibration) {
		printf("\ncalibration (unchanged endpoints, -t %.0f %%): share beyond z; normal: 2.28 0.62 "
		       "0.135 0.023 %%\n",
		       thresholds[0]);
		for (int m = 0; m < 4; m++)
			printf("  %-5s n=%-6zu z>2 %5.2f %%  z>2.5 %5.2f %%  z>3 %6.3f %%  z>3.5 %6.3f %%  "
			       "z<-2 %5.2f %%\n",
			       e2e_metric_name((enum e2e_metric)m), cal.n[m], pct(cal.above[m][0], cal.n[m]),
			       pct(cal.above[m][1], cal.n[m]), pct(cal.above[m][2], cal.n[m]),
			       pct(cal.above[m][3], cal.n[m]), pct(cal.below2[m], cal.n[m]));
	}
	printf("\npooled Mann-Whitney (every request independent), p < 0.05: %.1f %% of unchanged endpoints "
	       "flagged\n",
	       pct(mw_flags, mw_tests));
	sim_free(&s);
	return 0;
}
