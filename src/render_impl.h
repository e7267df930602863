/* render_impl.h - private to the renderers (render*.c): the per-format
 * entry points e2e_render() dispatches to, and the model helpers they
 * share (numbers, times and text are formatted by fmt.h). Helpers only
 * format values the model holds; none of them computes a statistic. */
#ifndef E2E_RENDER_IMPL_H
#define E2E_RENDER_IMPL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "buf.h"
#include "fmt.h"
#include "gate.h"
#include "render.h"
#include "report.h"
#include "model.h"
#include "changes.h"

/* Reports (in->trend selects the trend view where a format has one). */
int e2e_render_text(const struct e2e_render_input *in, struct e2e_buf *out);
int e2e_render_json(const struct e2e_render_input *in, struct e2e_buf *out);
int e2e_render_markdown(const struct e2e_render_input *in, struct e2e_buf *out);
int e2e_render_html(const struct e2e_render_input *in, struct e2e_buf *out);
int e2e_render_csv(const struct e2e_render_input *in, struct e2e_buf *out);
int e2e_render_junit(const struct e2e_render_input *in, struct e2e_buf *out);
int e2e_render_github(const struct e2e_render_input *in, struct e2e_buf *out);
int e2e_render_gitlab(const struct e2e_render_input *in, struct e2e_buf *out);

/* A new JSON string (jansson's json_t; caller decrefs) of s made valid
 * UTF-8, for the JSON renderers: a path a client chose may not be. */
struct json_t;
struct json_t *e2e_render_jstr(const char *s);

/* Run lists (--list). */
int e2e_render_text_runs(const struct e2e_run *runs, size_t n, struct e2e_buf *out);
int e2e_render_json_runs(const struct e2e_run *runs, size_t n, struct e2e_buf *out);
int e2e_render_csv_runs(const struct e2e_run *runs, size_t n, struct e2e_buf *out);

/* The model, as renderers need it. */
/* "service users-api, run 12 (2026-11-20 14:02:11 UTC, 1,204 requests in
 * 38.2 s, commit abc1234 main)" without a newline; control characters in
 * the values are '?' (a format with its own escaping escapes the line). */
void e2e_render_headline(struct e2e_buf *b, const struct e2e_report *r);
/* "12" or "10, 11, 12" (oldest first). */
void e2e_render_run_ids(struct e2e_buf *b, const struct e2e_report *r);
/* The figures of a comparison table's row (HTML, Markdown) after its
 * endpoint: n, p50, p95, p99, errors (each "baseline → now" when the
 * baseline has the endpoint, else now alone), Δ p95; open before the
 * first cell, sep between cells, close after the last. e NULL: an
 * endpoint only the baseline has; c NULL: none compared. */
void e2e_render_cmp_cells(struct e2e_buf *b, const struct e2e_endpoint_report *e,
			  const struct e2e_endpoint_cmp *c, const char *open, const char *sep,
			  const char *close);
/* The gate's comparison for key, or NULL. */
const struct e2e_endpoint_cmp *e2e_render_cmp(const struct e2e_gate_result *g, const char *key);
/* The gate's result when it compared with a baseline (the comparison
 * columns); NULL when there is no gate or it checked the rules alone. */
const struct e2e_gate_result *e2e_render_comparison(const struct e2e_render_input *in);
/* Does the endpoint stand for several raw paths (or one that differs from
 * its template)? The route view shows these. */
bool e2e_render_templated(const struct e2e_endpoint_report *e);
/* An endpoint's figures in covered run k (index into report.runs): its
 * per-run point, or for a single-run report its own figures (in *one). */
const struct e2e_trend_point *e2e_render_point(const struct e2e_endpoint_report *e, size_t k,
					       struct e2e_trend_point *one);
/* Findings of the gate that name this endpoint with kind "rule". */
bool e2e_render_rule_breach(const struct e2e_gate_result *g, const char *key);
/* A one-line verdict: "pass", "regression: 2 endpoints (1 critical)", ... */
void e2e_render_verdict(struct e2e_buf *b, const struct e2e_gate_result *g);
/* --confirm (g->confirmation): "confirm: 1 confirmed, 1 vanished over
 * re-runs 13, 14" (e2e_render_verdict() ends with it), and one line per
 * item: "GET /orders/{id}: p50 vanished: +210% [critical] in run 12, +3%
 * (95% CI -2..+8%) pass over re-runs 13, 14". No newline. */
void e2e_render_confirm_summary(struct e2e_buf *b, const struct e2e_confirmation *c);
/* --confirm's item for the endpoint's metric m, or NULL. */
const struct e2e_confirm_item *e2e_render_confirm_item(const struct e2e_gate_result *g, const char *key,
						       size_t m);
void e2e_render_confirm_line(struct e2e_buf *b, const struct e2e_confirmation *c,
			     const struct e2e_confirm_item *it);
/* The gate's evidence, one line per item in the gate's own wording
 * (e2e_gate_format_metric, endpoint prefixed), grouped by verdict in this
 * order: every regressed metric, then the deciding metric of every
 * endpoint that is inconclusive, new, missing, improved; --gate-tests'
 * tests after the endpoints of their group (e2e_gate_format_test), and
 * last the tests listed but not judged, as the group PASS ("tests not
 * judged"). fn gets the
 * group's verdict; a renderer starts a section (e2e_render_gate_heading)
 * when it changes. A regression line ends with "; called by" and the
 * tests that call its endpoint most when r has tests (r may be NULL). */
const char *e2e_render_gate_heading(enum e2e_verdict v); /* "regressions", "new endpoints", ... */
/* SPEC section 11: prefix and "called by test_checkout (38x), test_profile
 * (2x)" (e2e_tests_report_callers) for endpoint key of r, appended to b;
 * false (nothing appended) when r has no tests or the endpoint no caller. */
bool e2e_render_callers(struct e2e_buf *b, const struct e2e_report *r, const char *key, const char *prefix);
/* --gate-tests: is this test's comparison one listed but not judged (new,
 * missing, failed now, no duration)? */
bool e2e_render_test_listed(const struct e2e_metric_cmp *t);
void e2e_render_gate_lines(const struct e2e_gate_result *g, const struct e2e_report *r,
			   void (*fn)(void *ctx, enum e2e_verdict v, const char *line), void *ctx);
/* "12 tests (the 10 slowest shown); requests outside any test: 3,
 * unattributed: 0" (no newline) for a list of at most max tests; returns
 * how many to list. */
struct e2e_tests_report;
size_t e2e_render_tests_summary(struct e2e_buf *b, const struct e2e_tests_report *ts, size_t max);

/* One line per data-quality note (incomplete run, dropped requests, the
 * runner disturbance, raw paths cut short), each
 * starting with prefix and ending with a newline. */
/* One kind of the report's run notes as a sentence without a final
 * newline (all hosts in one); false, writing nothing, when it has none. */
bool e2e_render_run_note(struct e2e_buf *b, const struct e2e_report *r, enum e2e_note_kind kind);
void e2e_render_notes(struct e2e_buf *b, const struct e2e_report *r, const char *prefix);

/* The service's own cost (report.resources) as labelled lines of plain
 * text, in order: "watched", "CPU", "CPU per endpoint" (when not
 * attributable), "memory", "memory growth" (warn: a leak's sign),
 * "threads", "sampler", "service". A renderer escapes them. The
 * per-endpoint CPU table is the renderer's. */
struct e2e_res_report;
typedef void (*e2e_render_res_fn)(void *ctx, const char *label, const char *text, bool warn);
void e2e_render_res_lines(const struct e2e_res_report *r, e2e_render_res_fn fn, void *ctx);
/* The covered runs' runner disturbance (e2e_run.disturbance): how many
 * runs measured it, and their median, lowest and highest (NAN when none). */
size_t e2e_render_disturbance(const struct e2e_report *r, double *median, double *lo, double *hi);
/* The one line every format shows when a covered run measured it, no
 * newline: "runner disturbance 0.42 (run-queue wait per CPU ms of e2e's
 * probe)"; over several runs "median 0.42, 0.31..0.60 over 5 runs". Says
 * nothing (and returns false) when none did. */
bool e2e_render_disturbance_line(struct e2e_buf *b, const struct e2e_report *r);
/* --changes (in->changes set): each renderer's view of the change points. */
int e2e_render_text_changes(const struct e2e_render_input *in, struct e2e_buf *out);
int e2e_render_json_changes(const struct e2e_render_input *in, struct e2e_buf *out);
int e2e_render_markdown_changes(const struct e2e_render_input *in, struct e2e_buf *out);
int e2e_render_html_changes(const struct e2e_render_input *in, struct e2e_buf *out);
int e2e_render_csv_changes(const struct e2e_render_input *in, struct e2e_buf *out);
int e2e_render_junit_changes(const struct e2e_render_input *in, struct e2e_buf *out);
/* "service svc: change points in p50 over 12 runs (runs 3 to 14)"
 * without a newline; control characters '?'. */
void e2e_render_changes_title(struct e2e_buf *b, const struct e2e_render_input *in);
/* "run 3" or "runs 3 to 14" (oldest to newest); nothing for no runs. */
void e2e_render_run_ids_span(struct e2e_buf *b, const struct e2e_report *r);
/* "too few runs: 4, change points need at least 6", "no change points",
 * or nothing when there are change points. */
void e2e_render_changes_note(struct e2e_buf *b, const struct e2e_render_input *in);
/* The commits around a change point, "abc1234..def5678" (7 characters
 * each); nothing when either run carries none. */
void e2e_render_commits(struct e2e_buf *b, const struct e2e_report *r, const struct e2e_change *c);
/* A value of the metric: milliseconds, or a share for error_rate. */
void e2e_render_change_value(struct e2e_buf *b, const struct e2e_changes *c, double v);
/* Did the metric rise (a slowdown, more errors)? */
bool e2e_render_change_is_worse(const struct e2e_change *c);

#endif
