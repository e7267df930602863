/* advice.h - recommendations derived from evidence in the data, each
 * citing the numbers that triggered it (replacing fixed advice lists).
 * Analysis only: no I/O. The gate calls e2e_advice_derive() after its
 * verdicts; the rules are listed in e2e-perf-report(1), THE GATE. */
#ifndef E2E_ADVICE_H
#define E2E_ADVICE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct e2e_report;
struct e2e_endpoint_report;
struct e2e_baseline;
struct e2e_gate_result;

/* Appends advice to g (g->advice) from the current report, the baseline
 * (may be NULL) and g's verdicts and findings:
 *   environment       the gate found an environment shift
 *   whole_distribution / tail_only
 *                     shape of a regressed endpoint's shift (p25..p99)
 *   more_calls        calls per run >= 1.5x the baseline's and >= 5 more
 *   larger_responses  mean response >= 1.5x the baseline's and >= 1 KiB more
 *   new_errors        error statuses or error kinds the baseline never had
 *   warm_up           first requests of a flagged endpoint >= 2x slower
 *   growing           p50 of the last third of a run >= 1.3x the first third
 *   rule              an absolute limit of the rules file breached */
void e2e_advice_derive(const struct e2e_report *current, const struct e2e_baseline *baseline,
		       struct e2e_gate_result *g);

/* Appends a recommendation to g->advice (strings copied; endpoint may be
 * NULL for a global one). */
void e2e_advice_add(struct e2e_gate_result *g, const char *kind, const char *endpoint, const char *message);

/* The endpoint's latencies in ms, in recording order or sorted ascending.
 * Caller frees. Never NULL. */
double *e2e_advice_latencies(const struct e2e_endpoint_report *e, bool sorted);

#endif
