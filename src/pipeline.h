/* pipeline.h - the output stage both commands share: load the selected
 * runs from the store, compute the report (analysis), set or compare the
 * baseline (gate), render, write to stdout or --out atomically.
 *
 * Written by the lead as the contract cmd_perf_profile.c calls; the report
 * helper implements it in pipeline.c (with the GATE hooks) and may add
 * fields to e2e_pipeline_extra, but keeps these two functions. */
#ifndef E2E_PIPELINE_H
#define E2E_PIPELINE_H

#include <stddef.h>
#include <stdint.h>

struct e2e_store;
struct e2e_common_opts;

/* Validates, before any capture starts, the files the options name that
 * the end of the run will need (--rules, and with --compare-baseline the
 * baseline file), so a bad file fails fast with exit 2 and never after a
 * whole test suite has run. Returns 0 or a negative code. */
int e2e_pipeline_check(const struct e2e_common_opts *o);

/* Reports runs run_ids[0..n-1] (oldest first; merged when n > 1) with the
 * options in o: --set-baseline writes the baseline, --compare-baseline
 * runs the gate; the report in o->format goes to stdout or o->out.
 * cmd is the command name for diagnostics ("perf-profile"). *gate_exit
 * gets E2E_EXIT_OK, E2E_EXIT_GATE, or E2E_EXIT_EMPTY (a comparison was
 * asked but the runs hold no request). Returns 0 or a negative code. */
int e2e_pipeline_run(struct e2e_store *st, const int64_t *run_ids, size_t n,
		     const struct e2e_common_opts *o, const char *cmd, int *gate_exit);

#endif
