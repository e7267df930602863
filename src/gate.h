/* gate.h - the regression gate: current report vs baseline, per endpoint
 * and metric, with a noise model that includes run-to-run variation.
 * Analysis only: no I/O. Renderers read e2e_gate_result (verdict.h). */
#ifndef E2E_GATE_H
#define E2E_GATE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "severity.h"
#include "verdict.h"

struct e2e_buf;
struct e2e_report;
struct e2e_baseline;
struct e2e_rules;

/* --fail-on: the lowest severity that fails the gate (NEVER never fails). */
enum e2e_fail_on {
	E2E_FAIL_ON_WARNING = 0,
	E2E_FAIL_ON_CRITICAL,
	E2E_FAIL_ON_NEVER,
};

/* The reason of a latency metric set aside on a disturbed runner. */
#define E2E_GATE_REASON_DISTURBED "runner disturbed"

const char *e2e_verdict_name(enum e2e_verdict v); /* "pass", "regression", ... */
const char *e2e_severity_name(enum e2e_severity s); /* "", "warning", "critical" */
const char *e2e_metric_name(enum e2e_metric m); /* "p50", ..., "error_rate" */

struct e2e_gate_config {
	double threshold_pct; /* -t, default 50 */
	double min_delta_ms; /* absolute floor, default 1 */
	enum e2e_fail_on fail_on;
	const struct e2e_rules *rules; /* NULL = none */
};

/* Compares. baseline may be NULL when only rules are checked (no
 * endpoint comparisons then). A rule that matches no endpoint of the
 * current run or the baseline is E2E_ERR_INPUT naming the rule. The method
 * is described in e2e-perf-report(1), THE GATE. Caller destroys. */
int e2e_gate_compare(const struct e2e_report *current, const struct e2e_baseline *baseline,
		     const struct e2e_gate_config *cfg, struct e2e_gate_result **out);

/* e2e_gate_compare(), and with gate_tests (--gate-tests) each test's
 * duration too (current->tests against the baseline's tests, in the same
 * family of comparisons): the result's tests. */
int e2e_gate_compare_tests(const struct e2e_report *current, const struct e2e_baseline *baseline,
			   const struct e2e_gate_config *cfg, bool gate_tests, struct e2e_gate_result **out);

/* The one-line text of a metric's finding that every renderer uses:
 * "GET /users/{id}: p95 142 ms -> 210 ms (+48%, 95% CI +31..+66%)
 * regression [warning]". No newline. endpoint may be NULL (no prefix). */
void e2e_gate_format_metric(const struct e2e_metric_cmp *m, const char *endpoint, struct e2e_buf *out);

/* The one-line text of a test's finding: "test test_checkout: duration
 * 120 ms -> 480 ms (+300%, 95% CI +250..+350%) regression [critical]",
 * "test test_new: new test (now 12.0 ms in 1 run), not judged". No
 * newline; the name as stored (a format escapes the text). */
void e2e_gate_format_test(const struct e2e_test_cmp *t, struct e2e_buf *out);

/* Frees g and everything it holds; accepts NULL. */
void e2e_gate_result_destroy(struct e2e_gate_result *g);

/* The metric of an endpoint that decided its verdict (the regression with
 * the largest judged change, else the most telling one); never NULL. */
const struct e2e_metric_cmp *e2e_gate_endpoint_headline(const struct e2e_endpoint_cmp *e);

/* --confirm N: the regressions of a first judgement judged again on the
 * pooled re-runs (e2e-perf-report(1), THE GATE). */

/* Starts g's confirmation: every regressed metric whose severity reaches
 * fail_on becomes a pending item. Returns the number of items; 0 leaves g
 * as it was (nothing to confirm: no re-run is needed). first_run is the
 * newest run of the first judgement, asked the N of --confirm N. */
size_t e2e_gate_confirm_begin(struct e2e_gate_result *g, size_t asked, int64_t first_run,
			      enum e2e_fail_on fail_on);

/* Judges g's pending items on pooled, the gate's comparison of the re-runs
 * runs[0..n-1] (oldest first, all re-runs so far) with the same baseline:
 * an item is confirmed when pooled finds the same endpoint and metric a
 * regression whose severity reaches fail_on, vanished when it does not and
 * the change is not "within noise" or this was the last re-run (n == the
 * asked N). g's failed and worst then count confirmed and pending items,
 * never vanished ones. Returns true when no item is pending. */
bool e2e_gate_confirm_step(struct e2e_gate_result *g, const struct e2e_gate_result *pooled,
			   const int64_t *runs, size_t n, enum e2e_fail_on fail_on);

/* A re-run's command failed with status: the confirmation stops there,
 * pending items stay pending (and count as failing). */
void e2e_gate_confirm_stop(struct e2e_gate_result *g, int status);

/* "confirmed", "vanished" or "pending". */
const char *e2e_confirm_state_name(enum e2e_confirm_state s);

/* Appends a finding (strings copied; endpoint may be NULL). */
void e2e_gate_add_finding(struct e2e_gate_result *g, const char *kind, const char *endpoint,
			  enum e2e_severity severity, const char *message);

#endif
