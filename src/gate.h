/* gate.h - the regression gate: current report vs baseline, per endpoint
 * and metric, with a noise model that includes run-to-run variation.
 * Analysis only: no I/O. Renderers read e2e_gate_result. */
#ifndef E2E_GATE_H
#define E2E_GATE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct e2e_buf;
struct e2e_report;
struct e2e_baseline;
struct e2e_rules;

enum e2e_verdict {
	E2E_VERDICT_PASS = 0,
	E2E_VERDICT_IMPROVED,
	E2E_VERDICT_INCONCLUSIVE,
	E2E_VERDICT_NEW,
	E2E_VERDICT_MISSING,
	E2E_VERDICT_REGRESSION,
};

enum e2e_severity {
	E2E_SEVERITY_NONE = 0,
	E2E_SEVERITY_WARNING,
	E2E_SEVERITY_CRITICAL,
};

/* --fail-on: the lowest severity that fails the gate (NEVER never fails). */
enum e2e_fail_on {
	E2E_FAIL_ON_WARNING = 0,
	E2E_FAIL_ON_CRITICAL,
	E2E_FAIL_ON_NEVER,
};

enum e2e_metric {
	E2E_METRIC_P50 = 0,
	E2E_METRIC_P95,
	E2E_METRIC_P99,
	E2E_METRIC_MEAN,
	E2E_METRIC_ERROR_RATE,
	E2E_METRIC__COUNT
};

const char *e2e_verdict_name(enum e2e_verdict v); /* "pass", "regression", ... */
const char *e2e_severity_name(enum e2e_severity s); /* "", "warning", "critical" */
const char *e2e_metric_name(enum e2e_metric m); /* "p50", ..., "error_rate" */

struct e2e_gate_config {
	double threshold_pct; /* -t, default 50 */
	double min_delta_ms; /* absolute floor, default 1 */
	enum e2e_fail_on fail_on;
	const struct e2e_rules *rules; /* NULL = none */
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
	char *baseline_name; /* file name for display */
	/* Added by the gate. */
	size_t env_endpoints; /* endpoints the environment factor was estimated on */
	size_t env_agree; /* of those, how many moved with it */
	bool host_mismatch;
	size_t comparisons; /* metric tests judged (the multiple-comparison family) */
	double test_level; /* one-sided level of each test (ALPHA_FAMILY shared among them) */
};

/* Compares. baseline may be NULL when only rules are checked (no
 * endpoint comparisons then). A rule that matches no endpoint of the
 * current run or the baseline is E2E_ERR_INPUT naming the rule. The method
 * is described in e2e-perf-report(1), THE GATE. Caller destroys. */
int e2e_gate_compare(const struct e2e_report *current, const struct e2e_baseline *baseline,
		     const struct e2e_gate_config *cfg, struct e2e_gate_result **out);
void e2e_gate_result_destroy(struct e2e_gate_result *g);

/* The one-line text of a metric's finding that every renderer uses:
 * "GET /users/{id}: p95 142 ms -> 210 ms (+48%, 95% CI +31..+66%)
 * regression [warning]". No newline. endpoint may be NULL (no prefix). */
void e2e_gate_format_metric(const struct e2e_metric_cmp *m, const char *endpoint, struct e2e_buf *out);

/* The metric of an endpoint that decided its verdict (the regression with
 * the largest judged change, else the most telling one); never NULL. */
const struct e2e_metric_cmp *e2e_gate_endpoint_headline(const struct e2e_endpoint_cmp *e);

/* Appends a finding / advice (strings copied; endpoint may be NULL). */
void e2e_gate_add_finding(struct e2e_gate_result *g, const char *kind, const char *endpoint,
			  enum e2e_severity severity, const char *message);
void e2e_gate_add_advice(struct e2e_gate_result *g, const char *kind, const char *endpoint,
			 const char *message);

#endif
