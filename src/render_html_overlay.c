/* render_html_overlay.c - what moved, in the HTML report: the baseline's
 * and the current distribution overlaid, an endpoint's p95 over the
 * service's last runs, both sides' figures, and the ?check script a test
 * uses to see that nothing overflows. The data comes from overlay.h;
 * nothing here computes a statistic. */
#include <inttypes.h>
#include <math.h>
#include <stdlib.h>

#include "baseline.h"
#include "overlay.h"
#include "render_html.h"
#include "banned.h"

#define C50 "#4c78a8"
#define C95 "#f58518"
#define C99 "#e45756"
#define CBASE "#8c8c8c"
#define CNOW "#1f3b73"
#define SPARK_RUNS 20

static int rank(const struct e2e_endpoint_cmp *c)
{
	if (!c)
		return 5;
	switch (c->verdict) {
	case E2E_VERDICT_REGRESSION:
		return 0;
	case E2E_VERDICT_INCONCLUSIVE:
		return 1;
	case E2E_VERDICT_NEW:
		return 2;
	case E2E_VERDICT_MISSING:
		return 3;
	case E2E_VERDICT_IMPROVED:
		return 4;
	case E2E_VERDICT_PASS:
		break;
	}
	return 5;
}

void e2e_render_html_items(const struct e2e_render_input *in, struct e2e_html_item **out, size_t *n)
{
	const struct e2e_report *r = in->report;
	const struct e2e_gate_result *g = e2e_render_comparison(in);
	size_t cap = r->nendpoints + (g ? g->nendpoints : 0), k = 0;
	struct e2e_html_item *all = e2e_xcalloc(cap ? cap : 1, sizeof(*all));
	struct e2e_html_item *sorted = e2e_xcalloc(cap ? cap : 1, sizeof(*sorted));
	size_t ns = 0;

	for (size_t i = 0; i < r->nendpoints; i++)
		all[k++] = (struct e2e_html_item){ r->endpoints[i].key, &r->endpoints[i],
						   e2e_render_cmp(g, r->endpoints[i].key) };
	for (size_t i = 0; g && i < g->nendpoints; i++)
		if (!e2e_report_find(r, g->endpoints[i].key))
			all[k++] = (struct e2e_html_item){ g->endpoints[i].key, NULL, &g->endpoints[i] };
	for (int want = 0; want <= 5; want++)
		for (size_t i = 0; i < k; i++)
			if (rank(all[i].c) == want)
				sorted[ns++] = all[i];
	free(all);
	*out = sorted;
	*n = ns;
}

bool e2e_render_html_expanded(const struct e2e_render_input *in, const struct e2e_html_item *it)
{
	return !e2e_render_comparison(in) || (it->c && it->c->verdict == E2E_VERDICT_REGRESSION);
}

static void svg_begin(struct e2e_buf *b, const char *cls, double w, double h)
{
	e2e_buf_printf(
		b,
		"<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"%s\" width=\"%.0f\" height=\"%.0f\" "
		"viewBox=\"0 0 %.0f %.0f\" role=\"img\"><title>",
		cls, w, h, w, h);
}

/* ---- the overlay ---- */

struct axis {
	double left, top, w, h, lo, hi;
};

static double ax_x(const struct axis *a, double ms)
{
	double v = fmin(fmax(ms, a->lo), a->hi);

	return a->left + a->w * (log(v) - log(a->lo)) / (log(a->hi) - log(a->lo));
}

static double ax_y(const struct axis *a, double q)
{
	return a->top + a->h * (1 - q);
}

static void curve(struct e2e_buf *b, const struct axis *a, const double *ms, const char *color,
		  const char *dash)
{
	e2e_buf_printf(b, "<polyline fill=\"none\" stroke=\"%s\" stroke-width=\"2\"%s points=\"", color,
		       dash);
	for (size_t i = 0; i < E2E_OVERLAY_POINTS; i++)
		e2e_buf_printf(b, "%s%.1f,%.1f", i ? " " : "", ax_x(a, ms[i]),
			       ax_y(a, (double)i / (E2E_OVERLAY_POINTS - 1)));
	e2e_buf_puts(b, "\"/>\n");
}

/* Ticks at 1, 2 and 5 times each power of ten inside the axis; only the
 * powers of ten when that makes more than 8. */
static void ticks(struct e2e_buf *b, const struct axis *a)
{
	static const double mult[] = { 1, 2, 5 };
	int first = (int)floor(log10(a->lo)), last = (int)ceil(log10(a->hi));
	size_t n = 0;
	bool sparse;

	for (int d = first; d <= last; d++)
		for (size_t m = 0; m < 3; m++)
			n += mult[m] * pow(10, d) >= a->lo && mult[m] * pow(10, d) <= a->hi;
	sparse = n > 8;
	for (int d = first; d <= last; d++) {
		for (size_t m = 0; m < (sparse ? 1u : 3u); m++) {
			double v = mult[m] * pow(10, d), x;

			if (v < a->lo || v > a->hi)
				continue;
			x = ax_x(a, v);
			e2e_buf_printf(
				b,
				"<line x1=\"%.1f\" y1=\"%.0f\" x2=\"%.1f\" y2=\"%.0f\" stroke=\"#e4e4e4\"/>"
				"<text x=\"%.1f\" y=\"%.0f\" text-anchor=\"middle\">",
				x, a->top, x, a->top + a->h, x, a->top + a->h + 14);
			e2e_fmt_ms(b, v);
			e2e_buf_puts(b, "</text>\n");
		}
	}
}

static const char *const pct_names[] = { "p50", "p95", "p99" };
static const enum e2e_metric pct_metric[] = { E2E_METRIC_P50, E2E_METRIC_P95, E2E_METRIC_P99 };
static const double pct_q[] = { 0.50, 0.95, 0.99 };
static const char *const pct_color[] = { C50, C95, C99 };

/* The p50/p95/p99 of one side: the gate's figures when it compared the
 * endpoint, else the report's (current) or the baseline file's. */
static double side_value(const struct e2e_render_input *in, const struct e2e_html_item *it, bool base,
			 size_t k)
{
	const struct e2e_baseline_endpoint *be;

	if (it->c && it->c->verdict != E2E_VERDICT_NEW && (base || it->e))
		return base ? it->c->metrics[pct_metric[k]].baseline : it->c->metrics[pct_metric[k]].current;
	if (!base)
		return it->e ? (k == 0 ? it->e->p50_ms : k == 1 ? it->e->p95_ms : it->e->p99_ms) : NAN;
	be = in->baseline ? e2e_baseline_find(in->baseline, it->key) : NULL;
	return be ? (k == 0 ? be->p50_ms : k == 1 ? be->p95_ms : be->p99_ms) : NAN;
}

static void markers(struct e2e_buf *b, const struct axis *a, const struct e2e_render_input *in,
		    const struct e2e_html_item *it, bool base)
{
	for (size_t k = 0; k < 3; k++) {
		double v = side_value(in, it, base, k), x, y;

		if (!isfinite(v))
			continue;
		x = ax_x(a, v);
		y = ax_y(a, pct_q[k]);
		e2e_buf_printf(b,
			       "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.0f\" stroke=\"%s\" "
			       "stroke-width=\"1.5\"%s/>"
			       "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"4\" fill=\"%s\" stroke=\"%s\" "
			       "stroke-width=\"2\"><title>%s %s ",
			       x, y, x, a->top + a->h, pct_color[k], base ? " stroke-dasharray=\"3 3\"" : "",
			       x, y, base ? "#fff" : pct_color[k], pct_color[k], base ? "baseline" : "now",
			       pct_names[k]);
		e2e_fmt_ms(b, v);
		e2e_buf_puts(b, "</title></circle>\n");
	}
}

void e2e_render_html_overlay(struct e2e_buf *b, const struct e2e_render_input *in,
			     const struct e2e_html_item *it)
{
	const struct e2e_baseline_endpoint *be =
		in->baseline ? e2e_baseline_find(in->baseline, it->key) : NULL;
	struct e2e_overlay *o = e2e_xmalloc(sizeof(*o));
	const double w = 660, h = 210;
	struct axis a = { 46, 8, w - 46 - 14, h - 8 - 26, 0, 0 };

	if (!e2e_overlay_compute(it->e, be ? be->hist : NULL, o))
		goto out;
	a.lo = o->lo_ms;
	a.hi = o->hi_ms;
	svg_begin(b, "overlay", w, h);
	e2e_buf_puts(b, "share of requests at or below a latency (log scale), baseline and now: ");
	e2e_fmt_xml(b, it->key);
	e2e_buf_puts(b, "</title>\n");
	ticks(b, &a);
	for (int q = 0; q <= 4; q++)
		e2e_buf_printf(b,
			       "<line x1=\"%.0f\" y1=\"%.1f\" x2=\"%.0f\" y2=\"%.1f\" stroke=\"#eee\"/>"
			       "<text x=\"%.0f\" y=\"%.1f\" text-anchor=\"end\">%d%%</text>\n",
			       a.left, ax_y(&a, q / 4.0), a.left + a.w, ax_y(&a, q / 4.0), a.left - 4,
			       ax_y(&a, q / 4.0) + 4, q * 25);
	e2e_buf_printf(b,
		       "<rect x=\"%.0f\" y=\"%.0f\" width=\"%.0f\" height=\"%.0f\" fill=\"none\" "
		       "stroke=\"#999\"/>\n",
		       a.left, a.top, a.w, a.h);
	if (o->has_base)
		curve(b, &a, o->base_ms, CBASE, " stroke-dasharray=\"6 4\"");
	if (o->has_cur)
		curve(b, &a, o->cur_ms, CNOW, "");
	if (o->has_base)
		markers(b, &a, in, it, true);
	if (o->has_cur)
		markers(b, &a, in, it, false);
	e2e_buf_puts(b,
		     "</svg>\n<p class=\"legend\"><span class=\"ln base\"></span>baseline"
		     "<span class=\"ln now\"></span>now<span style=\"background:" C50
		     "\"></span>p50<span style=\"background:" C95 "\"></span>p95<span style=\"background:" C99
		     "\"></span>p99 (hollow: baseline)</p>\n<p class=\"cap\">");
	for (size_t k = 0; k < 3; k++) {
		e2e_buf_printf(b, "%s%s ", k ? ", " : "", pct_names[k]);
		e2e_fmt_ms_pair(b, side_value(in, it, true, k), side_value(in, it, false, k));
	}
	e2e_buf_puts(b, "</p>\n");
out:
	free(o);
}

/* ---- the sparkline ---- */

bool e2e_render_html_spark(struct e2e_buf *b, const struct e2e_render_input *in, const char *key)
{
	double v[SPARK_RUNS], lo = INFINITY, hi = -INFINITY;
	int64_t id[SPARK_RUNS];
	size_t n = 0, last = 0;
	const double w = 80, h = 22, pad = 3;
	bool first = true;

	if (!e2e_overlay_p95_series(in->history, key, SPARK_RUNS, v, id, &n))
		return false;
	for (size_t i = 0; i < n; i++) {
		if (isnan(v[i]))
			continue;
		lo = fmin(lo, v[i]);
		hi = fmax(hi, v[i]);
		last = i;
	}
	svg_begin(b, "spark", w, h);
	e2e_buf_printf(b, "p95 over runs %" PRId64 " to %" PRId64 ":", id[0], id[n - 1]);
	for (size_t i = 0; i < n; i++) {
		e2e_buf_printf(b, "%s run %" PRId64 " ", i ? "," : "", id[i]);
		e2e_fmt_ms(b, v[i]);
	}
	e2e_buf_puts(b, "</title><polyline fill=\"none\" stroke=\"" CNOW "\" stroke-width=\"1.5\" points=\"");
	for (size_t i = 0; i < n; i++) {
		double x = pad + (w - 2 * pad) * (double)i / (double)(n - 1);
		double y = hi > lo ? pad + (h - 2 * pad) * (hi - v[i]) / (hi - lo) : h / 2;

		if (isnan(v[i]))
			continue;
		e2e_buf_printf(b, "%s%.1f,%.1f", first ? "" : " ", x, y);
		first = false;
	}
	e2e_buf_printf(b, "\"/><circle cx=\"%.1f\" cy=\"%.1f\" r=\"2.5\" fill=\"" C95 "\"/></svg>",
		       pad + (w - 2 * pad) * (double)last / (double)(n - 1),
		       hi > lo ? pad + (h - 2 * pad) * (hi - v[last]) / (hi - lo) : h / 2);
	return true;
}

/* ---- both sides' figures ---- */

static void td_ms(struct e2e_buf *b, double ms)
{
	e2e_buf_puts(b, "<td>");
	e2e_fmt_ms(b, ms);
	e2e_buf_puts(b, "</td>");
}

static void td_bytes(struct e2e_buf *b, double v)
{
	e2e_buf_puts(b, "<td>");
	e2e_fmt_bytes(b, v);
	e2e_buf_puts(b, "</td>");
}

/* One side: n, errors, min, mean, p50, p90, p95, p99, max (ms[7]) and
 * the mean bytes each way. */
static void figures_row(struct e2e_buf *b, const char *label, uint64_t n, double error_rate, const double *ms,
			double req_bytes, double resp_bytes)
{
	e2e_buf_printf(b, "<tr><td>%s</td><td>", label);
	e2e_fmt_count(b, n);
	e2e_buf_puts(b, "</td><td>");
	e2e_fmt_pct(b, error_rate);
	e2e_buf_puts(b, "</td>");
	for (size_t i = 0; i < 7; i++)
		td_ms(b, ms[i]);
	td_bytes(b, req_bytes);
	td_bytes(b, resp_bytes);
	e2e_buf_puts(b, "</tr>\n");
}

void e2e_render_html_figures(struct e2e_buf *b, const struct e2e_render_input *in,
			     const struct e2e_html_item *it)
{
	const struct e2e_baseline_endpoint *be =
		in->baseline ? e2e_baseline_find(in->baseline, it->key) : NULL;
	const struct e2e_endpoint_report *e = it->e;

	e2e_buf_puts(b,
		     "<table class=\"figures\">\n<thead><tr><th></th><th>n</th>"
		     "<th>errors</th><th>min</th><th>mean</th><th>p50</th><th>p90</th><th>p95</th>"
		     "<th>p99</th><th>max</th><th>bytes in</th><th>bytes out</th></tr></thead>\n<tbody>\n");
	if (be) {
		const double ms[] = { be->min_ms, be->mean_ms, be->p50_ms, be->p90_ms,
				      be->p95_ms, be->p99_ms,  be->max_ms };

		figures_row(b, "baseline", be->count, be->error_rate, ms, be->mean_req_bytes,
			    be->mean_resp_bytes);
	}
	if (e) {
		const double ms[] = { e->min_ms, e->mean_ms, e->p50_ms, e->p90_ms,
				      e->p95_ms, e->p99_ms,  e->max_ms };

		figures_row(b, be ? "now" : "this report", e->count, e->error_rate, ms, e->mean_req_bytes,
			    e->mean_resp_bytes);
	}
	e2e_buf_puts(b, "</tbody></table>\n");
}

/* ---- the overflow check ---- */

void e2e_render_html_check_script(struct e2e_buf *b)
{
	/* CDATA keeps the page well-formed XML; the comments hide it from
	   the HTML parser. No "<" or "&" in the code all the same. */
	e2e_buf_puts(
		b,
		"<script>//<![CDATA[\n"
		"(function () {\n"
		"  if (!/[?&]check\\b/.test(location.search)) return;\n"
		"  window.addEventListener('load', function () {\n"
		"    var d = document.documentElement, bad = [];\n"
		"    if (d.scrollWidth > window.innerWidth) bad.push('page ' + d.scrollWidth);\n"
		"    document.querySelectorAll('details').forEach(function (x) { x.open = true; });\n"
		"    if (d.scrollWidth > window.innerWidth) bad.push('page, all open, ' + d.scrollWidth);\n"
		"    document.querySelectorAll('table').forEach(function (t, i) {\n"
		"      var c = t.parentElement, cw = c.clientWidth;\n"
		"      if (t.getBoundingClientRect().right > c.getBoundingClientRect().right + 1)\n"
		"        bad.push('table ' + i + ' ' + t.scrollWidth + ' in ' + cw);\n"
		"    });\n"
		"    d.setAttribute('data-e2e-check', bad.length ? 'overflow: ' + bad.join('; ') : 'ok');\n"
		"    d.setAttribute('data-e2e-width', d.scrollWidth + '/' + window.innerWidth);\n"
		"  });\n"
		"})();\n"
		"//]]></script>\n");
}
