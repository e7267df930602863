/* gate.h - the regression gate: current report vs baseline, per endpoint
 * and metric, with a noise model that includes run-to-run variation.
 * Analysis only: no I/O. Renderers read e2e_gate_result. */
#ifndef E2E_GATE_H
#define E2E_GATE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

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
int e2e_fail_on_parse(const char *s, enum e2e_fail_on *out); /* E2E_ERR_INPUT if bad */

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
};

struct e2e_endpoint_cmp {
	char *key;
	enum e2e_verdict verdict; /* worst over the metrics */
	enum e2e_severity severity;
	uint64_t n_baseline; /* requests in the baseline (all source runs) */
	uint64_t n_current;
	struct e2e_metric_cmp metrics[E2E_METRIC__COUNT];
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
};

/* Compares. Caller destroys. */
int e2e_gate_compare(const struct e2e_report *current, const struct e2e_baseline *baseline,
		     const struct e2e_gate_config *cfg, struct e2e_gate_result **out);
void e2e_gate_result_destroy(struct e2e_gate_result *g);

#endif
