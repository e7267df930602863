/* verdict.h - what the gate found, as data: per-metric and per-endpoint
 * verdicts, findings and recommendations (struct e2e_gate_result). Header
 * only: the gate (gate.h) fills it, the advice (advice.h) adds to it and
 * renderers read it, so the advice depends on these types and not on the
 * gate that calls it. */
#ifndef E2E_VERDICT_H
#define E2E_VERDICT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "severity.h"

enum e2e_verdict {
	E2E_VERDICT_PASS = 0,
	E2E_VERDICT_IMPROVED,
	E2E_VERDICT_INCONCLUSIVE,
	E2E_VERDICT_NEW,
	E2E_VERDICT_MISSING,
	E2E_VERDICT_REGRESSION,
};

enum e2e_metric {
	E2E_METRIC_P50 = 0,
	E2E_METRIC_P95,
	E2E_METRIC_P99,
	E2E_METRIC_MEAN,
	E2E_METRIC_ERROR_RATE,
	E2E_METRIC_CPU, /* the service's CPU ms per request (SPEC section 12) */
	E2E_METRIC__COUNT
};

struct e2e_metric_cmp {
	enum e2e_metric metric;
	double baseline; /* ms; error rate as a fraction 0..1 */
	double current;
	double delta; /* current - baseline (ms, or fraction for error rate) */
	double delta_pct; /* relative change in %, NAN when baseline is 0 */
	double ci_lo_pct; /* 95 % interval of the relative change, NAN if none */
	double ci_hi_pct;
	enum e2e_verdict verdict;
	enum e2e_severity severity;
	const char *reason; /* why inconclusive/pass, static text; NULL if none */
	/* Added by the gate: the change it judged, after removing the
	 * environment factor (== delta_pct when none was removed; for the
	 * error rate the change in percentage points). ci_lo_pct/ci_hi_pct
	 * bound this judged change (percentage points for the error rate). */
	double judged_pct;
	double env_factor; /* factor removed for this metric, 1 when none */
	uint64_t n_needed; /* samples this metric needs on each side */
	uint64_t n_baseline, n_current; /* requests on each side */
	double threshold_pct; /* threshold applied (rules may override -t) */
	/* A p50 on a disturbed runner judged beyond the delay the disturbance
	 * added (e2e_gate_result.disturbance_delay_ms): the ms removed before
	 * judging; 0 when none was. */
	double disturbance_ms;
};

struct e2e_endpoint_cmp {
	char *key;
	enum e2e_verdict verdict; /* worst over the metrics */
	enum e2e_severity severity;
	uint64_t n_baseline; /* requests in the baseline (all source runs) */
	uint64_t n_current;
	struct e2e_metric_cmp metrics[E2E_METRIC__COUNT];
	enum e2e_severity breach; /* worst rule breach of this endpoint, NONE if none */
};

/* A finding that is not a per-metric verdict: a rule breach, an
 * environment shift, a host mismatch, a rule matching nothing. */
struct e2e_finding {
	char *kind; /* "rule", "environment_shift", "host_mismatch", ... */
	char *endpoint; /* NULL when global */
	enum e2e_severity severity;
	char *message; /* one line citing the numbers */
};

/* A recommendation derived from evidence, citing its numbers. */
struct e2e_advice {
	char *endpoint; /* NULL when global */
	char *kind; /* "tail_only", "more_calls", "larger_responses", ... */
	char *message;
};

/* --confirm: a regression of the first judgement, judged again on the
 * pooled re-runs (gate.h, e2e_gate_confirm_*). */
enum e2e_confirm_state {
	E2E_CONFIRM_PENDING = 0, /* not decided (no re-run yet, or one failed) */
	E2E_CONFIRM_CONFIRMED, /* the pooled re-runs judge it a regression too */
	E2E_CONFIRM_VANISHED, /* they do not */
};

struct e2e_confirm_item {
	char *endpoint;
	enum e2e_metric metric;
	enum e2e_severity severity; /* in the first judgement */
	double first_pct; /* the first judgement's judged change */
	enum e2e_confirm_state state;
	/* the pooled re-runs' judgement when it was decided (the last one
	 * while pending; NAN and PASS before any) */
	enum e2e_verdict pooled_verdict;
	enum e2e_severity pooled_severity;
	double pooled_pct, pooled_ci_lo_pct, pooled_ci_hi_pct;
	size_t reruns; /* re-runs pooled in that judgement */
};

struct e2e_confirmation {
	size_t asked; /* N of --confirm N */
	int64_t first_run; /* newest run of the first judgement */
	int64_t *runs; /* re-runs judged, oldest first */
	size_t nruns;
	struct e2e_confirm_item *items;
	size_t nitems;
	size_t confirmed, vanished; /* items in each state */
	int rerun_status; /* a re-run's command failed with this status: stopped */
};

/* --gate-tests (SPEC section 11): one test's duration, baseline against
 * current. duration.metric is E2E_METRIC_MEAN (the figures are the mean
 * durations over the runs in ms, judged in log space like a latency);
 * NEW and MISSING tests are listed, not judged, and so is a test that
 * failed in a current run (verdict INCONCLUSIVE, reason "failed now"). */
struct e2e_test_cmp {
	char *name;
	struct e2e_metric_cmp duration; /* n_baseline, n_current: runs with a duration */
};

struct e2e_gate_result {
	struct e2e_endpoint_cmp *endpoints; /* sorted: regressions first, then key */
	size_t nendpoints;
	struct e2e_finding *findings;
	size_t nfindings;
	struct e2e_advice *advice;
	size_t nadvice;
	enum e2e_verdict overall; /* worst verdict that matters */
	enum e2e_severity worst; /* worst severity of regressions and breaches */
	bool failed; /* worst >= fail_on */
	bool environment_shift;
	double environment_factor; /* e.g. 1.40 when most endpoints are 40 % slower */
	bool single_run_baseline; /* default noise floors were used */
	size_t baseline_runs;
	double threshold_pct;
	char *baseline_name; /* file name for display; NULL: the rules alone were checked */
	char *rules_name; /* the rules file, NULL when none */
	/* Added by the gate. */
	size_t env_endpoints; /* endpoints the environment factor was estimated on */
	size_t env_agree; /* of those, how many moved with it */
	bool host_mismatch;
	size_t comparisons; /* metric tests judged (the multiple-comparison family) */
	double test_level; /* one-sided level of each test (ALPHA_FAMILY shared among them) */
	/* Runner disturbance (SPEC section 14, e2e_run.disturbance): the
	 * median over the current runs and over the baseline's source runs
	 * that measured it (NAN when none did), the baseline's largest, and
	 * whether the current run was markedly more disturbed; then latency
	 * regressions the disturbance can explain became inconclusive
	 * (disturbance_set_aside of them). */
	double disturbance_current, disturbance_baseline, disturbance_baseline_max;
	bool runner_disturbed;
	size_t disturbance_set_aside;
	/* On a disturbed runner: the delay it added to a median request (the
	 * median over the disturbance_delay_n endpoints of their p50's change
	 * in ms) and how far an endpoint strays from it beyond its own noise
	 * (sd, ms); n 0 when
	 * not measured (too few endpoints, or not disturbed). */
	double disturbance_delay_ms, disturbance_delay_sd_ms;
	double disturbance_delay_var_ms; /* the delay's own variance (ms^2) */
	size_t disturbance_delay_n;
	struct e2e_confirmation *confirmation; /* --confirm; NULL when no re-run was judged */
	/* --gate-tests: every test of the baseline or the current runs,
	 * regressions first (critical first), then by name; tests_gated when
	 * it was asked for (ntests 0 then: no test on either side). */
	bool tests_gated;
	struct e2e_test_cmp *tests;
	size_t ntests;
	size_t tests_judged; /* tests whose duration was judged (in the comparisons) */
};

#endif
