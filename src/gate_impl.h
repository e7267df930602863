/* gate_impl.h - private to the gate (gate*.c): what its three parts share.
 *   gate_noise.c  the noise model: each baseline endpoint's run-to-run
 *                 variance, the runner factor, the current run's
 *                 environment shift, the error rate's test statistic
 *   gate.c        the entry point and the verdicts: per-metric decisions,
 *                 severity, the shared level, rule breaches
 *   gate_text.c   the wording of findings and of each metric's line */
#ifndef E2E_GATE_IMPL_H
#define E2E_GATE_IMPL_H

#include <math.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "baseline.h"
#include "gate.h"
#include "report.h"
#include "verdict.h"

struct e2e_rule;

#define ERR_FLOOR 0.005 /* error-rate floor: 0.5 percentage points */

enum { NLAT = 4 }; /* latency metrics: p50, p95, p99, mean */

/* Requests a metric needs on each side to be judged (gate.c). */
extern const uint64_t e2e_gate_min_samples[E2E_METRIC__COUNT];
/* Default per-endpoint wobble (sd of log) for a one-run baseline
 * (gate_noise.c). */
extern const double e2e_gate_wobble_default[NLAT];

/* Metric m of a report endpoint or a baseline endpoint (same field names). */
#define METRIC_OF(e, m)                                                                                      \
	((m) == E2E_METRIC_P50		? (e)->p50_ms                                                        \
	 : (m) == E2E_METRIC_P95	? (e)->p95_ms                                                        \
	 : (m) == E2E_METRIC_P99	? (e)->p99_ms                                                        \
	 : (m) == E2E_METRIC_MEAN	? (e)->mean_ms                                                       \
	 : (m) == E2E_METRIC_ERROR_RATE ? (e)->error_rate                                                    \
					: (e)->cpu_ms)

static inline double cur_value(const struct e2e_endpoint_report *e, int m)
{
	return METRIC_OF(e, m);
}

static inline double base_value(const struct e2e_baseline_endpoint *e, int m)
{
	return METRIC_OF(e, m);
}

/* Per baseline endpoint and latency metric: the variance of one run's log
 * value around the endpoint's centre (wobble + sampling), its sampling
 * part, its degrees of freedom and the runs it rests on. */
struct gate_ep_noise {
	double s2; /* per-run variance after shrinkage */
	double samp2; /* sampling part at the baseline's per-run count */
	double df;
	double k; /* usable source runs (>= 1) */
	double n; /* requests per source run that samp2 is for */
	bool band; /* P95 judged on its band (chosen from the baseline) */
	double centre; /* P95 band: log of the baseline's value (mean over runs) */
};

/* The baseline's noise, per latency metric. */
struct gate_noise {
	struct gate_ep_noise *ep[NLAT]; /* by baseline endpoint index */
	double runner2[NLAT]; /* variance of the runner factor */
	/* how the endpoints' run-to-run spread compared with the sampling
	 * variance read off their quantile functions (<= 1: the prior's scale
	 * of moderate(), gate_noise.c) */
	double samp_scale[NLAT];
};

/* One latency metric of a pair. */
struct gate_cell {
	bool eligible;
	bool band; /* D is the P95 band's change */
	double D; /* log(current / baseline); of the band for a banded P95 */
	double D_raw; /* log(current / baseline) of the metric itself */
	double V; /* variance of D, without the environment part */
	double df;
};

/* A current endpoint and its baseline, and what the gate works out for
 * them; cmp is the comparison in the result. */
struct gate_pair {
	const struct e2e_endpoint_report *cur; /* NULL: missing */
	const struct e2e_baseline_endpoint *base; /* NULL: new */
	size_t base_index;
	double *sorted; /* current latencies, ascending */
	double kc; /* current runs holding the endpoint */
	double threshold;
	struct gate_cell cell[E2E_METRIC__COUNT]; /* latency metrics and CPU */
	struct e2e_endpoint_cmp *cmp;
};

/* The run's shared factor for one latency metric. */
struct gate_env {
	double factor; /* log of the factor removed, 0 when none */
	double var_f; /* its variance */
	bool removed;
	size_t n; /* endpoints it was estimated on */
	size_t agree; /* of those, how many moved with it */
};

/* Error rate: percentage points, two proportions plus a run-to-run
 * allowance estimated from the baseline's source runs. */
struct gate_err_test {
	double z; /* the test statistic */
	double zmin; /* its value at the smallest increase that could be a regression */
	double half95; /* half the 95 % interval of the change, as a rate */
};

/* gate_noise.c */
/* The noise of metric m of every baseline endpoint not skipped (bn->ep[m],
 * freed by e2e_gate_noise_finish) and of the runner. */
void e2e_gate_noise_estimate(const struct e2e_baseline *b, const bool *skip, int m, struct gate_noise *bn);
void e2e_gate_noise_finish(struct gate_noise *bn);
/* p->cell[m] from the current run and the baseline's noise. */
void e2e_gate_noise_cell(struct gate_pair *p, const struct gate_noise *bn, int m);
/* The run's shared factor for metric m over the eligible pairs; when it is
 * not removed, the runner's variance is added to each pair's cell. */
void e2e_gate_noise_environment(struct gate_pair *pairs, size_t np, const struct gate_noise *bn, int m,
				struct gate_env *env);
/* p->cell[E2E_METRIC_CPU]: the log change of CPU per request and its
 * variance from the baseline's source runs (a prior wobble for few runs);
 * not eligible unless both sides measured it. kc: current runs that
 * measured it (>= 1). */
void e2e_gate_noise_cpu(struct gate_pair *p, double kc);
/* Whether a CPU per request was measured. */
static inline bool e2e_gate_cpu_measured(double v)
{
	return v > 0 && isfinite(v);
}
/* The error-rate test of a pair; false when either side has too few
 * requests. */
bool e2e_gate_noise_err_test(const struct gate_pair *p, struct gate_err_test *t);

/* gate_text.c */
/* The finding and the advice for observed value v over limit l of rule. */
void e2e_gate_text_breach(struct e2e_gate_result *g, const struct e2e_rule *rule, int l,
			  const struct e2e_endpoint_report *e, double v);
/* The global findings: environment shift (env per latency metric), host
 * mismatch, single-run baseline. */
void e2e_gate_text_global(struct e2e_gate_result *g, const struct e2e_report *cur,
			  const struct e2e_baseline *b, const struct gate_env *env);

/* gate_tests.c: --gate-tests, each test's duration (the gate's tests). */
struct gate_tests;
/* Pairs the report's tests (cur->tests, judged over cur's runs) with the
 * baseline's and models their noise; returns how many will be judged
 * (they join the multiple-comparison family). Destroy *out. */
size_t e2e_gate_tests_model(const struct e2e_report *cur, const struct e2e_baseline *b, double threshold,
			    struct gate_tests **out);
/* The caps of the tests judged, into caps; returns how many. */
size_t e2e_gate_tests_caps(const struct gate_tests *ts, double min_delta_ms, double *caps);
/* Judges them at level alpha into g->tests (g->runner_disturbed set). */
void e2e_gate_tests_judge(struct gate_tests *ts, struct e2e_gate_result *g, double alpha,
			  double min_delta_ms);
/* Accepts NULL. */
void e2e_gate_tests_destroy(struct gate_tests *ts);

/* gate.c: the pieces perf-ab's paired test (ab.c) shares with the gate. */
/* p->cmp's metrics from p->cur, p->base and p->threshold, before any
 * test (the verdict new, missing or pass). */
void e2e_gate_init_cmp(struct gate_pair *p);
/* The most p->cell[m]'s test can add to the chance of a false regression,
 * var_f the variance of a shared factor removed (0: none). */
double e2e_gate_cell_cap(const struct gate_pair *p, int m, double var_f, double min_delta_ms);
/* The error rate's verdict (percentage points): delta the judged change,
 * half95 half its 95 % interval, z its test statistic against the
 * critical zcrit, T the threshold as a fraction. */
void e2e_gate_err_decide(struct e2e_metric_cmp *mc, double delta, double half95, double z, double zcrit,
			 double T);
/* Judges latency metric m of p from p->cell[m] with the shared factor F
 * (log; 0: none) of variance var_f removed, at one-sided level alpha: the
 * gate's threshold, floor and severity. */
void e2e_gate_judge_cell(struct gate_pair *p, int m, double F, double var_f, double alpha,
			 double min_delta_ms);
/* The level of each test when caps (reordered) are the tests' caps: the
 * family's 2 %, shared as the gate shares it. */
double e2e_gate_family_level(double *caps, size_t n);
/* Each endpoint's verdict from its metrics, then the overall verdict,
 * worst severity and failed (fail_on), endpoints sorted as the gate's. */
void e2e_gate_sum_up(struct e2e_gate_result *g, enum e2e_fail_on fail_on);

#endif
