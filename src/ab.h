/* ab.h - perf-ab's analysis: build B against build A from rounds run in
 * ABBA order on one runner. Analysis only: no I/O.
 *
 * Each round has one run of each side; per endpoint and metric the
 * verdict rests on the rounds' paired log ratios B/A, so what the runner
 * does to both runs of a round cancels; what it does between the two runs
 * moves every endpoint of the round together, and with 5 or more
 * endpoints that shared part is split off each endpoint's own. The runs'
 * runner disturbance (e2e_run.disturbance) sets aside latency regressions
 * only rounds with a disturbed B run carry. The threshold, floor,
 * severity and the family's level are the gate's (gate.h;
 * e2e-perf-ab(1), THE METHOD). */
#ifndef E2E_AB_H
#define E2E_AB_H

#include "gate.h"

struct e2e_report;

/* Compares b (current) with a (the baseline) as the gate's result: a and
 * b each cover the comparison's runs of their side, one per round (round
 * order is run order: reports list their runs newest first); both need
 * the same number of runs, at least 2 (else E2E_ERR_INPUT). a_name names
 * A in the result (its baseline_name). cfg->rules is not used. Caller
 * destroys *out (e2e_gate_result_destroy). */
int e2e_ab_compare(const struct e2e_report *a, const struct e2e_report *b, const struct e2e_gate_config *cfg,
		   const char *a_name, struct e2e_gate_result **out);

#endif
