/* cmd_pipeline.h - the output stage both commands share: load the
 * selected runs from the store, compute the report (analysis), set or
 * compare the baseline (gate), render, write to stdout or --out
 * atomically. Command layer: it takes the parsed options, chooses the
 * gate's exit status and writes the report out. */
#ifndef E2E_CMD_PIPELINE_H
#define E2E_CMD_PIPELINE_H

/* The last runs the HTML sparklines and the Markdown p95 trends show. */
#define E2E_PIPELINE_HISTORY_RUNS 20

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "changes.h"

struct e2e_buf;
struct e2e_store;
struct e2e_common_opts;
struct e2e_gate_result;

/* Validates, before any capture starts, the files the options name that
 * the end of the run will need (--rules, and with --compare-baseline the
 * baseline file), so a bad file fails fast with exit 2 and never after a
 * whole test suite has run. Returns 0 or a negative code. */
int e2e_pipeline_check(const struct e2e_common_opts *o);

/* Reports runs run_ids[0..n-1] (oldest first; merged when n > 1) with the
 * options in o: --set-baseline writes the baseline, --compare-baseline
 * runs the gate, --rules without it a gate of the rules' limits alone; the
 * report in o->format goes to stdout or o->out.
 * cmd is the command name for diagnostics ("perf-profile"). *gate_exit
 * gets E2E_EXIT_OK, E2E_EXIT_GATE, or E2E_EXIT_EMPTY (a comparison was
 * asked but the runs hold no request). Returns 0 or a negative code.
 * Unlike other out-parameters, *gate_exit is written as soon as the gate
 * has judged (or none was asked), before the report is rendered and
 * written: a caller that keeps the verdict when a later step fails
 * (perf-profile) needs it; it stays untouched when a failure came first. */
int e2e_pipeline_run(struct e2e_store *st, const int64_t *run_ids, size_t n, const struct e2e_common_opts *o,
		     const char *cmd, int *gate_exit);

/* The report of runs run_ids[0..n-1] (oldest first; merged when n > 1)
 * with o's --errors and --routes. Caller destroys *out. */
struct e2e_report;
int e2e_pipeline_compute(struct e2e_store *st, const int64_t *run_ids, size_t n,
			 const struct e2e_common_opts *o, struct e2e_report **out);

/* What perf-report adds to e2e_pipeline_run(). */
struct e2e_pipeline_extra {
	bool color; /* ANSI colour in the text report (e2e_pipeline_color()) */
	bool show_paths; /* --show-paths */
	bool trend; /* --trend: per-endpoint figures across the runs */
	/* --confirm: called when the comparison with the baseline failed,
	 * before the exit status is chosen and the report rendered, with the
	 * gate's result to confirm (e2e_gate_confirm_*: it may clear
	 * g->failed); NULL: none. Returns 0 or a negative code. */
	int (*confirm)(void *ctx, struct e2e_gate_result *g);
	void *confirm_ctx;
	bool changes; /* --changes: change points across the runs */
	enum e2e_changes_metric metric; /* with changes: --metric */
	/* perf-profile: the gate's verdicts on the runs judged against a
	 * baseline are stored with the newest of them (for 'e2e push') */
	bool keep_verdicts;
};

/* The gate's comparison of runs run_ids[0..n-1] (oldest first, pooled as
 * one report) with o's baseline and rules, rendered nowhere: what
 * --confirm judges its re-runs with. Caller destroys *out. Returns 0 or a
 * negative code. */
int e2e_pipeline_judge(struct e2e_store *st, const int64_t *run_ids, size_t n,
		       const struct e2e_common_opts *o, const char *cmd, struct e2e_gate_result **out);

/* e2e_pipeline_run() with the extras; x NULL means none, with colour
 * decided by e2e_pipeline_color(). */
int e2e_pipeline_report(struct e2e_store *st, const int64_t *run_ids, size_t n,
			const struct e2e_common_opts *o, const struct e2e_pipeline_extra *x, const char *cmd,
			int *gate_exit);

/* Colour for the text report: stdout is a terminal, no --out, and
 * NO_COLOR is unset or empty (https://no-color.org). */
bool e2e_pipeline_color(const struct e2e_common_opts *o);

/* Writes a rendered report to o->out (atomically: a temporary file in the
 * same directory, fsync, rename; never a partial file: see
 * e2e_fsutil_write_atomic()) or to stdout.
 * E2E_ERR_RUNTIME naming the file on failure. */
int e2e_pipeline_emit(const struct e2e_common_opts *o, const struct e2e_buf *b);

#endif
