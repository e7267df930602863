/* render_html.h - private to render_html*.c: the baseline-vs-now pieces
 * of the HTML report (render_html_overlay.c). */
#ifndef E2E_RENDER_HTML_H
#define E2E_RENDER_HTML_H

#include <stdbool.h>
#include <stddef.h>

#include "render_impl.h"

/* An endpoint of the page: its figures in the current runs (NULL when
 * missing there) and its comparison (NULL without one). */
struct e2e_html_item {
	const char *key;
	const struct e2e_endpoint_report *e;
	const struct e2e_endpoint_cmp *c;
};

/* Every endpoint of the report, then those only the baseline has; with a
 * comparison the regressed first, then inconclusive, new, missing,
 * improved and passing ones, each group in the report's order (p95
 * descending). Caller frees *out. */
void e2e_render_html_items(const struct e2e_render_input *in, struct e2e_html_item **out, size_t *n);

/* Does the item open expanded (a regression, or no comparison at all)? */
bool e2e_render_html_expanded(const struct e2e_render_input *in, const struct e2e_html_item *it);

/* The baseline's and the current distribution of an endpoint as ECDFs on
 * one log-scaled time axis, p50/p95/p99 of both marked (the gate's
 * figures), and a caption. Nothing when neither side holds a request. */
void e2e_render_html_overlay(struct e2e_buf *b, const struct e2e_render_input *in,
			     const struct e2e_html_item *it);

/* The endpoint's p95 over the service's last runs (in->history) as a
 * small inline SVG; false, writing nothing, without two runs of it. */
bool e2e_render_html_spark(struct e2e_buf *b, const struct e2e_render_input *in, const char *key);

/* The figures of both sides in a short table (details on demand). */
void e2e_render_html_figures(struct e2e_buf *b, const struct e2e_render_input *in,
			     const struct e2e_html_item *it);

/* The page's only script: with "?check" in the address (a test opens
 * it so) it records on <html> whether anything overflows horizontally
 * (data-e2e-check); without it, it does nothing. */
void e2e_render_html_check_script(struct e2e_buf *b);

#endif
