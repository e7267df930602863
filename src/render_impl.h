/* render_impl.h - private to the renderers (render*.c): the per-format
 * entry points e2e_render() dispatches to, and the formatting helpers
 * they share. Helpers only format values the model holds; none of them
 * computes a statistic. */
#ifndef E2E_RENDER_IMPL_H
#define E2E_RENDER_IMPL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "buf.h"
#include "gate.h"
#include "render.h"
#include "report.h"
#include "model.h"

/* Reports (in->trend selects the trend view where a format has one). */
int e2e_render_text(const struct e2e_render_input *in, struct e2e_buf *out);
int e2e_render_json(const struct e2e_render_input *in, struct e2e_buf *out);
int e2e_render_markdown(const struct e2e_render_input *in, struct e2e_buf *out);
int e2e_render_html(const struct e2e_render_input *in, struct e2e_buf *out);
int e2e_render_csv(const struct e2e_render_input *in, struct e2e_buf *out);
int e2e_render_junit(const struct e2e_render_input *in, struct e2e_buf *out);

/* Run lists (--list). */
int e2e_render_text_runs(const struct e2e_run *runs, size_t n, struct e2e_buf *out);
int e2e_render_json_runs(const struct e2e_run *runs, size_t n, struct e2e_buf *out);
int e2e_render_csv_runs(const struct e2e_run *runs, size_t n, struct e2e_buf *out);

/* Numbers. NAN prints as "-" everywhere a helper takes a double. */
/* 1204 -> "1,204" */
void e2e_fmt_count(struct e2e_buf *b, uint64_t n);
/* Milliseconds with precision that suits the size: "0.412", "4.25",
 * "12.1", "1234" (no unit; e2e_fmt_ms adds "ms"). */
void e2e_fmt_ms_num(struct e2e_buf *b, double ms);
void e2e_fmt_ms(struct e2e_buf *b, double ms);
/* A fraction 0..1 as a percentage with one decimal: "0.5%". */
void e2e_fmt_pct(struct e2e_buf *b, double frac);
/* A signed relative change in percent: "+51.2%", "-3.0%"; "n/a" for NAN. */
void e2e_fmt_delta_pct(struct e2e_buf *b, double pct);
/* v rounded half away from zero to decimals places (the same rounding
 * in every format), "" for NAN: "43.618". */
void e2e_fmt_fixed(struct e2e_buf *b, double v, int decimals);
double e2e_fmt_round(double v, int decimals);
/* Requests per second: "15.7", "1,234". */
void e2e_fmt_rate(struct e2e_buf *b, double rps);
/* Bytes: "512 B", "1.5 KiB", "3.2 MiB". */
void e2e_fmt_bytes(struct e2e_buf *b, double bytes);
/* Seconds: "38.2 s", "12 min 5 s". */
void e2e_fmt_duration(struct e2e_buf *b, double s);
/* Unix ms as UTC: "2026-11-20 14:02:11 UTC" (iso: "2026-11-20T14:02:11Z"). */
void e2e_fmt_time(struct e2e_buf *b, int64_t ms, bool iso);

/* Text. */
/* Appends s with invalid UTF-8 replaced by U+FFFD and, when no_ctl is set,
 * control characters by '?'. */
void e2e_fmt_utf8(struct e2e_buf *b, const char *s, bool no_ctl);
/* Appends s as valid UTF-8 (invalid bytes become U+FFFD), each code point
 * for which esc returns a string replaced by it (esc may be NULL). */
void e2e_fmt_escaped(struct e2e_buf *b, const char *s, const char *(*esc)(uint32_t cp));
/* XML/HTML text and attribute escaping (&<>"'), valid UTF-8, no control
 * characters XML forbids. */
void e2e_fmt_xml(struct e2e_buf *b, const char *s);

/* The model, as renderers need it. */
/* "service users-api, run 12 (2026-11-20 14:02:11 UTC, 1,204 requests in
 * 38.2 s, commit abc1234 main)" without a newline. */
void e2e_render_headline(struct e2e_buf *b, const struct e2e_report *r);
/* "12" or "10, 11, 12" (oldest first). */
void e2e_render_run_ids(struct e2e_buf *b, const struct e2e_report *r);
/* The gate's comparison for key, or NULL. */
const struct e2e_endpoint_cmp *e2e_render_cmp(const struct e2e_gate_result *g, const char *key);
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
/* The gate's evidence, one line per item in the gate's own wording
 * (e2e_gate_format_metric, endpoint prefixed), grouped by verdict in this
 * order: every regressed metric, then the deciding metric of every
 * endpoint that is inconclusive, new, missing, improved. fn gets the
 * group's verdict; a renderer starts a section (e2e_render_gate_heading)
 * when it changes. */
const char *e2e_render_gate_heading(enum e2e_verdict v); /* "regressions", "new endpoints", ... */
void e2e_render_gate_lines(const struct e2e_gate_result *g,
			   void (*fn)(void *ctx, enum e2e_verdict v, const char *line), void *ctx);
/* One line per data-quality note (incomplete run, dropped requests), each
 * starting with prefix and ending with a newline. */
void e2e_render_notes(struct e2e_buf *b, const struct e2e_report *r, const char *prefix);

#endif
