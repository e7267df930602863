/* render.h - report renderers: text, json, markdown, html, csv, junit,
 * github.
 * Renderers format the model (report.h, gate.h); they never compute
 * statistics and never do I/O: they append to a buffer. */
#ifndef E2E_RENDER_H
#define E2E_RENDER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "buf.h"

struct e2e_report;
struct e2e_gate_result;
struct e2e_run;
struct e2e_changes;
struct e2e_baseline;

enum e2e_format {
	E2E_FORMAT_TEXT = 0,
	E2E_FORMAT_JSON,
	E2E_FORMAT_MARKDOWN,
	E2E_FORMAT_HTML,
	E2E_FORMAT_CSV,
	E2E_FORMAT_JUNIT,
	E2E_FORMAT_GITHUB,
	E2E_FORMAT_GITLAB, /* GitLab Code Quality JSON */
};

/* "text", "json", "markdown", "html", "csv", "junit", "github" or
 * "gitlab-codequality". */
const char *e2e_format_name(enum e2e_format f);

struct e2e_render_input {
	const struct e2e_report *report;
	const struct e2e_gate_result *gate; /* NULL without a comparison */
	bool color; /* ANSI colour (text only) */
	bool show_paths; /* list every raw path per template */
	bool trend; /* --trend: per-endpoint figures across the covered runs
		       (text, json, markdown, html, csv; E2E_ERR_INPUT otherwise) */
	const char *tool_version;
	bool compact; /* --compact (markdown): only what did not pass */
	bool always; /* --always: with compact, something even when all pass */
	/* --changes: change points over the covered runs (every format);
	   NULL otherwise */
	const struct e2e_changes *changes;
	/* The baseline the gate compared with (its histograms draw the HTML
	   overlays); NULL otherwise. */
	const struct e2e_baseline *baseline;
	/* The service's history up to the newest covered run: a report over
	   its last runs (newest first, per_run set) for the HTML sparklines
	   and the Markdown p95 trends; NULL when the store holds no earlier
	   run or the format draws none. */
	const struct e2e_report *history;
};

int e2e_render(enum e2e_format f, const struct e2e_render_input *in, struct e2e_buf *out);

/* What requests were left out of a run and why, for a note: "N requests
 * were dropped (capture queue full)" when the capture queue overflowed,
 * "N requests were not recorded (disk full)" when the store failed (cause:
 * e2e_loss_text() or the caller's words), "N requests were not recorded
 * (capture queue full: Q, disk full: L)" for both. dropped counts both,
 * lost the store's part. */
void e2e_render_loss(struct e2e_buf *b, uint64_t dropped, uint64_t lost, const char *cause);
/* Only the causes: "capture queue full", "disk full", "capture queue
 * full: Q, disk full: L". */
void e2e_render_loss_causes(struct e2e_buf *b, uint64_t dropped, uint64_t lost, const char *cause);

/* The run list of --list (runs newest first): text, json or csv;
 * E2E_ERR_INPUT naming the formats otherwise. */
int e2e_render_runs(enum e2e_format f, const struct e2e_run *runs, size_t n, struct e2e_buf *out);

#endif
