/* render_html.c - one self-contained HTML file: inline CSS, inline SVG
 * charts (the p50/p95/p99 of every endpoint, each endpoint's latency
 * distribution, and its trend when several runs are covered; with
 * --changes the metric across the runs with its change points; with a
 * comparison each endpoint's baseline and current distributions overlaid,
 * render_html_overlay.c), nothing loaded from the network, readable
 * without script (the one script only checks the layout for a test). The markup is also well-formed XML
 * (void elements self-closed, only the five XML entities), so XML tools
 * can check and transform it. */
#include <inttypes.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "render_html.h"
#include "cpu_report.h"
#include "render_impl.h"
#include "resources.h"
#include "testreport.h"
#include "banned.h"

#define NBINS 40
#define C50 "#4c78a8"
#define C95 "#f58518"
#define C99 "#e45756"

static const char style[] =
	"body{font:14px/1.45 system-ui,-apple-system,'Segoe UI',sans-serif;margin:2em auto;max-width:80em;"
	"padding:0 1em;color:#222;overflow-wrap:anywhere}\n"
	"h1{font-size:1.5em;margin-bottom:.2em}h2{margin-top:1.6em;border-bottom:1px solid #ddd}\n"
	"table{border-collapse:collapse;margin:.5em 0}th,td{padding:.25em .6em;border-bottom:1px solid #eee;"
	"text-align:right;white-space:nowrap}\n"
	"th:first-child,td:first-child{text-align:left;white-space:normal}th{background:#f6f6f6}"
	"code{font-size:.95em}\n"
	"td.key{min-width:10em;max-width:30em;word-break:break-all}\n"
	".verdict{font-size:1.15em;font-weight:600;padding:.4em "
	".7em;border-radius:4px;display:inline-block}\n"
	".pass{background:#e3f4e1}.fail{background:#fbe1e1}.warn{background:#fdf1d8}.info{background:#eef2f7}"
	"\n"
	".regression{color:#b00020;font-weight:600}.improved{color:#1b7a2c}.note{color:#8a5a00}\n"
	"section.endpoint,details.endpoint{margin:1.2em 0;padding:.2em 0 .6em;border-top:1px solid #eee}\n"
	"details.endpoint>summary{cursor:pointer;font-size:1.05em;padding:.3em 0}\n"
	"details.endpoint>summary .sum{color:#555;margin-left:.5em}\n"
	"svg.spark{display:inline-block;vertical-align:middle;margin:0 .3em}\n"
	".legend span.ln{height:0;border-top:2px solid #1f3b73}.legend span.ln.base{border-top:2px dashed "
	"#8c8c8c}\n"
	"svg{display:block;margin:.4em 0;max-width:100%;height:auto}svg text{font:11px "
	"sans-serif;fill:#444}\n"
	".legend span{display:inline-block;width:.9em;height:.9em;margin:0 .3em 0 "
	"1em;vertical-align:middle}\n"
	"footer{margin-top:2em;color:#888;font-size:.9em}.cap{margin:.6em 0 0;color:#666;font-size:.9em}\n";

static void text(struct e2e_buf *b, const char *s)
{
	e2e_fmt_xml(b, s ? s : "");
}

static void tag_text(struct e2e_buf *b, const char *open, const char *s, const char *close)
{
	e2e_buf_puts(b, open);
	text(b, s);
	e2e_buf_puts(b, close);
}

static void td_ms(struct e2e_buf *b, double ms)
{
	e2e_buf_puts(b, "<td>");
	e2e_fmt_ms(b, ms);
	e2e_buf_puts(b, "</td>");
}

/* Opens an inline SVG of class cls, w x h, and its <title> element (the
 * caller writes the title text and closes it). */
static void svg_open(struct e2e_buf *b, const char *cls, double w, double h)
{
	e2e_buf_printf(
		b,
		"<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"%s\" width=\"%.0f\" height=\"%.0f\" "
		"viewBox=\"0 0 %.0f %.0f\" role=\"img\"><title>",
		cls, w, h, w, h);
}

static void legend(struct e2e_buf *b)
{
	e2e_buf_puts(b, "<p class=\"legend\"><span style=\"background:" C50
			"\"></span>p50<span style=\"background:" C95
			"\"></span>p95<span style=\"background:" C99 "\"></span>p99</p>\n");
}

/* p50/p95/p99 of every endpoint as grouped horizontal bars. */
static void percentile_chart(const struct e2e_report *r, struct e2e_buf *b)
{
	const double label_w = 260, bar_w = 420, row_h = 30, top = 8;
	double max = 0, h = top + row_h * (double)r->nendpoints + 24;
	static const char *const colors[] = { C50, C95, C99 };

	for (size_t i = 0; i < r->nendpoints; i++)
		if (r->endpoints[i].p99_ms > max)
			max = r->endpoints[i].p99_ms;
	if (max <= 0)
		max = 1;
	svg_open(b, "pct", label_w + bar_w + 80, h);
	e2e_buf_puts(b, "p50, p95 and p99 per endpoint</title>\n");
	for (size_t i = 0; i < r->nendpoints; i++) {
		const struct e2e_endpoint_report *e = &r->endpoints[i];
		const double v[] = { e->p50_ms, e->p95_ms, e->p99_ms };
		double y = top + row_h * (double)i;

		e2e_buf_printf(b, "<text x=\"%.0f\" y=\"%.1f\" text-anchor=\"end\">", label_w - 8, y + 17);
		text(b, e->key);
		e2e_buf_puts(b, "</text>\n");
		for (size_t k = 0; k < 3; k++) {
			e2e_buf_printf(
				b,
				"<rect x=\"%.0f\" y=\"%.1f\" width=\"%.1f\" height=\"7\" fill=\"%s\"><title>",
				label_w, y + 4 + 8 * (double)k, isnan(v[k]) ? 0 : bar_w * v[k] / max,
				colors[k]);
			text(b, e->key);
			e2e_buf_printf(b, " p%s ", k == 0 ? "50" : k == 1 ? "95" : "99");
			e2e_fmt_ms(b, v[k]);
			e2e_buf_puts(b, "</title></rect>\n");
		}
		e2e_buf_printf(b, "<text x=\"%.1f\" y=\"%.1f\">", label_w + bar_w * e->p99_ms / max + 4,
			       y + 23);
		e2e_fmt_ms(b, e->p99_ms);
		e2e_buf_puts(b, "</text>\n");
	}
	e2e_buf_printf(b, "<line x1=\"%.0f\" y1=\"%.0f\" x2=\"%.0f\" y2=\"%.0f\" stroke=\"#999\"/>\n",
		       label_w, top, label_w, h - 20);
	e2e_buf_printf(b,
		       "<text x=\"%.0f\" y=\"%.0f\">0</text><text x=\"%.0f\" y=\"%.0f\" text-anchor=\"end\">",
		       label_w, h - 6, label_w + bar_w, h - 6);
	e2e_fmt_ms(b, max);
	e2e_buf_puts(b, "</text>\n</svg>\n");
}

/* An endpoint's latency histogram with its p50/p95/p99 marked. */
static void distribution_chart(const struct e2e_endpoint_report *e, struct e2e_buf *b)
{
	struct e2e_report_bin bins[NBINS];
	const double w = 600, h = 150, left = 10, bottom = 20, bw = w / NBINS;
	const double marks[] = { e->p50_ms, e->p95_ms, e->p99_ms };
	static const char *const colors[] = { C50, C95, C99 };
	uint64_t max = 1;
	bool lg = false;
	double lo, hi;

	e2e_report_histogram(e, NBINS, bins, &lg);
	lo = bins[0].lo_ms;
	hi = bins[NBINS - 1].hi_ms;
	for (size_t i = 0; i < NBINS; i++)
		if (bins[i].count > max)
			max = bins[i].count;
	svg_open(b, "dist", w + 2 * left, h + bottom);
	e2e_buf_puts(b, "latency distribution of ");
	text(b, e->key);
	e2e_buf_printf(b, " (%s scale)</title>\n", lg ? "log" : "linear");
	for (size_t i = 0; i < NBINS; i++) {
		double bh = (h - 10) * (double)bins[i].count / (double)max;

		if (!bins[i].count)
			continue;
		e2e_buf_printf(
			b,
			"<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\" fill=\"#9ecae1\"><title>",
			left + bw * (double)i, h - bh, bw - 1, bh);
		e2e_fmt_ms_num(b, bins[i].lo_ms);
		e2e_buf_puts(b, "–");
		e2e_fmt_ms(b, bins[i].hi_ms);
		e2e_buf_puts(b, ": ");
		e2e_fmt_count(b, bins[i].count);
		e2e_buf_puts(b, "</title></rect>\n");
	}
	for (size_t k = 0; k < 3; k++) {
		double v = marks[k], x;

		if (isnan(v) || hi <= lo)
			continue;
		if (lg)
			x = (log(v < lo ? lo : v) - log(lo)) / (log(hi) - log(lo));
		else
			x = (v - lo) / (hi - lo);
		x = left + w * (x < 0 ? 0 : x > 1 ? 1 : x);
		e2e_buf_printf(
			b,
			"<line x1=\"%.1f\" y1=\"0\" x2=\"%.1f\" y2=\"%.0f\" stroke=\"%s\" stroke-width=\"2\">"
			"<title>p%s ",
			x, x, h, colors[k],
			k == 0	 ? "50"
			: k == 1 ? "95"
				 : "99");
		e2e_fmt_ms(b, v);
		e2e_buf_puts(b, "</title></line>\n");
	}
	e2e_buf_printf(b, "<line x1=\"%.0f\" y1=\"%.0f\" x2=\"%.0f\" y2=\"%.0f\" stroke=\"#999\"/>\n", left,
		       h, left + w, h);
	e2e_buf_printf(b, "<text x=\"%.0f\" y=\"%.0f\">", left, h + 14);
	e2e_fmt_ms(b, lo);
	e2e_buf_printf(b, "</text><text x=\"%.0f\" y=\"%.0f\" text-anchor=\"end\">", left + w, h + 14);
	e2e_fmt_ms(b, hi);
	e2e_buf_puts(b, "</text>\n</svg>\n");
}

/* An endpoint's p50/p95/p99 per covered run, oldest to newest. */
static void trend_chart(const struct e2e_report *r, const struct e2e_endpoint_report *e, struct e2e_buf *b)
{
	const double w = 600, h = 140, left = 10, top = 10, bottom = 20;
	static const char *const colors[] = { C50, C95, C99 };
	double max = 0, step = r->nruns > 1 ? w / (double)(r->nruns - 1) : 0;

	for (size_t k = 0; k < r->nruns; k++)
		if (e->per_run[k].count && e->per_run[k].p99_ms > max)
			max = e->per_run[k].p99_ms;
	if (max <= 0)
		max = 1;
	svg_open(b, "trend", w + 2 * left, h + top + bottom);
	e2e_buf_puts(b, "trend of ");
	text(b, e->key);
	e2e_buf_puts(b, " across runs</title>\n");
	for (size_t s = 0; s < 3; s++) {
		e2e_buf_printf(b, "<polyline fill=\"none\" stroke=\"%s\" stroke-width=\"2\" points=\"",
			       colors[s]);
		for (size_t i = 0; i < r->nruns; i++) {
			const struct e2e_trend_point *p = &e->per_run[r->nruns - 1 - i];
			double v = s == 0 ? p->p50_ms : s == 1 ? p->p95_ms : p->p99_ms;

			if (p->count)
				e2e_buf_printf(b, "%s%.1f,%.1f", i ? " " : "", left + step * (double)i,
					       top + h - h * v / max);
		}
		e2e_buf_puts(b, "\"/>\n");
	}
	for (size_t i = 0; i < r->nruns; i++) {
		const struct e2e_trend_point *p = &e->per_run[r->nruns - 1 - i];

		if (!p->count)
			continue;
		e2e_buf_printf(b,
			       "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"3\" fill=\"" C95 "\"><title>run %" PRId64
			       ": p95 ",
			       left + step * (double)i, top + h - h * p->p95_ms / max,
			       r->runs[r->nruns - 1 - i].id);
		e2e_fmt_ms(b, p->p95_ms);
		e2e_buf_puts(b, ", n ");
		e2e_fmt_count(b, p->count);
		e2e_buf_puts(b, "</title></circle>\n");
	}
	e2e_buf_printf(b, "<text x=\"%.0f\" y=\"%.0f\">", left + 2, top + 10);
	e2e_fmt_ms(b, max);
	e2e_buf_puts(b, "</text>\n");
	e2e_buf_printf(b, "<text x=\"%.0f\" y=\"%.0f\">run %" PRId64 "</text>", left, top + h + 16,
		       r->runs[r->nruns - 1].id);
	e2e_buf_printf(b, "<text x=\"%.0f\" y=\"%.0f\" text-anchor=\"end\">run %" PRId64 "</text>\n",
		       left + w, top + h + 16, r->runs[0].id);
	e2e_buf_puts(b, "</svg>\n");
}

/* The endpoints at a glance, in the page's order (regressed first): with
 * a comparison each figure as "baseline → now", as in the Markdown; the
 * rest of the figures are in each endpoint's details, so that the table
 * fits a 1280-px window. */
static void endpoint_row(const struct e2e_render_input *in, const struct e2e_html_item *it, struct e2e_buf *b)
{
	const struct e2e_endpoint_cmp *c = it->c;

	tag_text(b, "<tr><td class=\"key\"><code>", it->key, "</code></td>");
	e2e_render_cmp_cells(b, it->e, c, "<td>", "</td><td>", "</td>");
	if (c)
		e2e_buf_printf(b, "<td class=\"%s\">%s%s%s</td>", e2e_verdict_name(c->verdict),
			       e2e_verdict_name(c->verdict), c->severity ? " " : "",
			       e2e_severity_name(c->severity));
	else
		e2e_buf_puts(b, "<td></td>");
}

static void plain_row(const struct e2e_endpoint_report *e, bool total, struct e2e_buf *b)
{
	if (total)
		e2e_buf_puts(b, "<tr><td><strong>total</strong></td>");
	else
		tag_text(b, "<tr><td class=\"key\"><code>", e->key, "</code></td>");
	e2e_buf_puts(b, "<td>");
	e2e_fmt_count(b, e->count);
	e2e_buf_puts(b, "</td><td>");
	e2e_fmt_pct(b, e->error_rate);
	e2e_buf_puts(b, "</td><td>");
	e2e_fmt_rate(b, e->throughput_rps);
	e2e_buf_puts(b, "</td>");
	td_ms(b, e->mean_ms);
	td_ms(b, e->p50_ms);
	td_ms(b, e->p90_ms);
	td_ms(b, e->p95_ms);
	td_ms(b, e->p99_ms);
	td_ms(b, e->max_ms);
}

static void endpoint_table(const struct e2e_render_input *in, const struct e2e_html_item *items, size_t n,
			   struct e2e_buf *b)
{
	const struct e2e_report *r = in->report;
	const struct e2e_gate_result *g = e2e_render_comparison(in);

	if (g)
		e2e_buf_puts(b,
			     "<table class=\"endpoints\">\n<thead><tr><th>Endpoint</th><th>n</th><th>p50</th>"
			     "<th>p95</th><th>p99</th><th>errors</th><th>Δ p95</th><th>verdict</th>");
	else
		e2e_buf_puts(b,
			     "<table class=\"endpoints\">\n<thead><tr><th>Endpoint</th><th>n</th>"
			     "<th>errors</th><th>req/s</th><th>mean</th><th>p50</th><th>p90</th><th>p95</th>"
			     "<th>p99</th><th>max</th>");
	if (in->history)
		e2e_buf_puts(b, "<th>p95 trend</th>");
	e2e_buf_puts(b, "</tr></thead>\n<tbody>\n");
	for (size_t i = 0; i < n; i++) {
		if (g)
			endpoint_row(in, &items[i], b);
		else
			plain_row(items[i].e, false, b);
		if (in->history) {
			e2e_buf_puts(b, "<td>");
			e2e_render_html_spark(b, in, items[i].key);
			e2e_buf_puts(b, "</td>");
		}
		e2e_buf_puts(b, "</tr>\n");
	}
	if (r->nendpoints >= 2 && !g) {
		plain_row(&r->overall, true, b);
		e2e_buf_puts(b, in->history ? "<td></td></tr>\n" : "</tr>\n");
	}
	e2e_buf_puts(b, "</tbody>\n</table>\n");
}

struct lines_ctx {
	struct e2e_buf *b;
	int last; /* verdict of the previous line's group, -1 before the first */
};

static void gate_line_html(void *ctx, enum e2e_verdict v, const char *line)
{
	struct lines_ctx *x = ctx;

	if ((int)v != x->last) {
		if (x->last >= 0)
			e2e_buf_puts(x->b, "</ul>\n");
		e2e_buf_printf(x->b, "<h3>%s</h3>\n<ul>\n", e2e_render_gate_heading(v));
	}
	x->last = (int)v;
	e2e_buf_printf(x->b, "<li class=\"%s\">", e2e_verdict_name(v));
	text(x->b, line);
	e2e_buf_puts(x->b, "</li>\n");
}

/* --confirm: each regression of the first run, confirmed or vanished. */
static void confirm_html(const struct e2e_confirmation *c, struct e2e_buf *b)
{
	struct e2e_buf line = E2E_BUF_INIT;

	if (!c)
		return;
	e2e_buf_printf(b, "<h3>confirmation (--confirm %zu)</h3>\n<ul>\n", c->asked);
	for (size_t i = 0; i < c->nitems; i++) {
		const char *cls = c->items[i].state == E2E_CONFIRM_CONFIRMED  ? "regression"
				  : c->items[i].state == E2E_CONFIRM_VANISHED ? "improved"
									      : "note";

		e2e_buf_reset(&line);
		e2e_render_confirm_line(&line, c, &c->items[i]);
		e2e_buf_printf(b, "<li class=\"%s\">", cls);
		tag_text(b, "", line.data, "</li>\n");
	}
	e2e_buf_puts(b, "</ul>\n");
	e2e_buf_finish(&line);
}

static void gate_section(const struct e2e_gate_result *g, const struct e2e_report *r, struct e2e_buf *b)
{
	struct lines_ctx lc = { b, -1 };

	if (g->baseline_name) {
		e2e_buf_puts(b, "<h2>Comparison</h2>\n<p>Baseline <code>");
		text(b, g->baseline_name);
		e2e_buf_printf(b, "</code> from %zu run%s, threshold ", g->baseline_runs,
			       g->baseline_runs == 1 ? "" : "s");
		e2e_fmt_pct_setting(b, g->threshold_pct);
		e2e_buf_printf(b, "%s.</p>\n",
			       g->single_run_baseline
				       ? "; single-run baseline: default noise floors were used"
				       : "");
	} else {
		e2e_buf_puts(b, "<h2>Rules</h2>\n<p>Rules <code>");
		text(b, g->rules_name ? g->rules_name : "-");
		e2e_buf_puts(b, "</code> alone: no baseline to compare with.</p>\n");
	}
	e2e_render_gate_lines(g, r, gate_line_html, &lc);
	if (lc.last >= 0)
		e2e_buf_puts(b, "</ul>\n");
	confirm_html(g->confirmation, b);
	if (g->nfindings)
		e2e_buf_puts(b, "<h3>findings</h3>\n<ul>\n");
	for (size_t i = 0; i < g->nfindings; i++) {
		const struct e2e_finding *f = &g->findings[i];

		tag_text(b, "<li class=\"note\"><strong>", f->kind, "</strong>");
		if (f->endpoint)
			tag_text(b, " <code>", f->endpoint, "</code>");
		tag_text(b, ": ", f->message, "</li>\n");
	}
	if (g->nfindings)
		e2e_buf_puts(b, "</ul>\n");
	if (g->nadvice) {
		e2e_buf_puts(b, "<details open=\"open\"><summary>Recommendations</summary>\n<ul>\n");
		for (size_t i = 0; i < g->nadvice; i++) {
			e2e_buf_puts(b, "<li>");
			if (g->advice[i].endpoint)
				tag_text(b, "<code>", g->advice[i].endpoint, "</code>: ");
			tag_text(b, "", g->advice[i].message, "</li>\n");
		}
		e2e_buf_puts(b, "</ul>\n</details>\n");
	}
}

/* The summary line of an endpoint's details: its key, verdict, p95 and
 * its p95 over the last runs. */
static void endpoint_summary(const struct e2e_render_input *in, const struct e2e_html_item *it,
			     struct e2e_buf *b)
{
	const struct e2e_endpoint_cmp *c = it->c;

	tag_text(b, "<summary><code>", it->key, "</code>");
	if (c)
		e2e_buf_printf(b, " <span class=\"%s\">%s%s%s</span>", e2e_verdict_name(c->verdict),
			       e2e_verdict_name(c->verdict), c->severity ? " " : "",
			       e2e_severity_name(c->severity));
	e2e_buf_puts(b, " <span class=\"sum\">p95 ");
	if (c && c->verdict != E2E_VERDICT_NEW) {
		e2e_fmt_ms_pair(b, c->metrics[E2E_METRIC_P95].baseline,
				it->e ? c->metrics[E2E_METRIC_P95].current : NAN);
		if (it->e) {
			e2e_buf_puts(b, " (");
			e2e_fmt_delta_pct(b, c->metrics[E2E_METRIC_P95].delta_pct);
			e2e_buf_putc(b, ')');
		}
	} else {
		e2e_fmt_ms(b, it->e ? it->e->p95_ms : NAN);
	}
	e2e_buf_puts(b, "</span> ");
	e2e_render_html_spark(b, in, it->key);
	e2e_buf_puts(b, "</summary>\n");
}

static void endpoint_statuses(const struct e2e_endpoint_report *e, struct e2e_buf *b)
{
	e2e_buf_puts(b, "<p>");
	e2e_fmt_count(b, e->count);
	e2e_buf_puts(b, " requests, ");
	e2e_fmt_pct(b, e->error_rate);
	e2e_buf_puts(b, " errors; statuses");
	for (size_t i = 0; i < e->nstatuses; i++) {
		if (e->statuses[i].status)
			e2e_buf_printf(b, " %u&#215;", (unsigned)e->statuses[i].status);
		else
			e2e_buf_puts(b, " none&#215;");
		e2e_fmt_count(b, e->statuses[i].count);
	}
	for (int k = 1; k < E2E_EK__COUNT; k++) {
		if (e->error_kinds[k]) {
			e2e_buf_printf(b, ", %s&#215;", e2e_error_kind_name(k));
			e2e_fmt_count(b, e->error_kinds[k]);
		}
	}
	e2e_buf_puts(b, "</p>\n");
}

/* An endpoint's details: expanded for a regression (or without a
 * comparison), collapsed otherwise. */
static void endpoint_section(const struct e2e_render_input *in, const struct e2e_html_item *it,
			     struct e2e_buf *b)
{
	const struct e2e_endpoint_report *e = it->e;

	e2e_buf_puts(b, e2e_render_html_expanded(in, it) ? "<details class=\"endpoint\" open=\"open\">\n"
							 : "<details class=\"endpoint\">\n");
	endpoint_summary(in, it, b);
	if (e)
		endpoint_statuses(e, b);
	if (e2e_render_comparison(in)) {
		e2e_buf_puts(b, "<p class=\"cap\">Share of requests at or below each latency, baseline and "
				"now (log scale)</p>\n");
		e2e_render_html_overlay(b, in, it);
	} else if (e) {
		e2e_buf_puts(b, "<p class=\"cap\">Latency distribution (lines: p50, p95, p99)</p>\n");
		distribution_chart(e, b);
	}
	e2e_render_html_figures(b, in, it);
	if (e && e->per_run) {
		e2e_buf_puts(b, "<p class=\"cap\">p50, p95 and p99 across the runs, oldest to newest</p>\n");
		trend_chart(in->report, e, b);
	}
	if (e && (in->show_paths || e2e_render_templated(e))) {
		e2e_buf_puts(b, "<details><summary>");
		e2e_fmt_count(b, e->npaths);
		e2e_buf_puts(b, e->npaths == 1 ? " raw path" : " raw paths");
		e2e_buf_puts(b,
			     "</summary>\n<table><thead><tr><th>path</th><th>n</th></tr></thead><tbody>\n");
		for (size_t k = 0; k < e->npaths && (in->show_paths || k < 50); k++) {
			tag_text(b, "<tr><td><code>", e->paths[k].path, "</code></td><td>");
			e2e_fmt_count(b, e->paths[k].count);
			e2e_buf_puts(b, "</td></tr>\n");
		}
		e2e_buf_puts(b, "</tbody></table>\n</details>\n");
	}
	e2e_buf_puts(b, "</details>\n");
}

/* ---- the newest run's CPU profile (cpu_report.h): links to its files ---- */

static void cpu_html(const struct e2e_report *r, struct e2e_buf *b)
{
	struct e2e_buf label = E2E_BUF_INIT;

	if (!r->cpu)
		return;
	e2e_buf_printf(b, "<h2>CPU profile of run %lld</h2>\n", (long long)r->cpu->run_id);
	if (r->cpu->ngrown) {
		e2e_cpu_grown_text(&label, r->cpu->grown, r->cpu->ngrown);
		tag_text(b, "<p>Self time grew most in: ", label.data, "</p>\n");
	}
	e2e_buf_puts(b, "<ul>\n");
	for (size_t i = 0; i < r->cpu->nfiles; i++) {
		e2e_buf_reset(&label);
		e2e_cpu_file_label(&label, &r->cpu->files[i]);
		tag_text(b, "<li><a href=\"", r->cpu->files[i].path, "\">");
		tag_text(b, "", label.data, "</a>: ");
		tag_text(b, "<code>", r->cpu->files[i].path, "</code></li>\n");
	}
	e2e_buf_puts(b, "</ul>\n");
	e2e_buf_finish(&label);
}

/* ---- the service's own cost (resources.h) ---- */

static void res_line_html(void *ctx, const char *label, const char *s, bool warn)
{
	struct e2e_buf *b = ctx;

	tag_text(b, "<tr><th>", label, "</th>");
	tag_text(b, warn ? "<td class=\"note\" style=\"text-align:left\">" : "<td style=\"text-align:left\">",
		 s, "</td></tr>\n");
}

/* CPU (cores, a rate) and RSS over the newest sampled run: two lines on
 * their own scales, CPU on the left axis, RSS on the right. */
static void resources_chart(const struct e2e_res_report *r, struct e2e_buf *b)
{
	const double w = 720, h = 220, l = 50, rt = 70, t = 12, bot = 28;
	double tmax = 0, cmax = 0, mmax = 0;
	struct e2e_buf v = E2E_BUF_INIT;

	if (r->ntimeline < 2)
		return;
	for (size_t i = 0; i < r->ntimeline; i++) {
		tmax = fmax(tmax, r->timeline[i].t_s);
		cmax = fmax(cmax, r->timeline[i].cpu_cores);
		mmax = fmax(mmax, (double)r->timeline[i].rss_bytes);
	}
	cmax = cmax > 0 ? cmax * 1.1 : 1;
	mmax = mmax > 0 ? mmax * 1.1 : 1;
	tmax = tmax > 0 ? tmax : 1;
	svg_open(b, "resources", w, h);
	e2e_buf_puts(b, "CPU (cores) and RSS over the run</title>\n");
	e2e_buf_printf(b, "<line x1=\"%.0f\" y1=\"%.0f\" x2=\"%.0f\" y2=\"%.0f\" stroke=\"#999\"/>\n", l,
		       h - bot, w - rt, h - bot);
	for (int k = 0; k < 2; k++) {
		const char *color = k ? "#d95f02" : "#1b9e77";

		e2e_buf_printf(b, "<polyline fill=\"none\" stroke=\"%s\" stroke-width=\"1.5\" points=\"",
			       color);
		for (size_t i = 0; i < r->ntimeline; i++) {
			const struct e2e_res_point *p = &r->timeline[i];
			double y = k ? (double)p->rss_bytes / mmax : p->cpu_cores / cmax;

			e2e_buf_printf(b, "%.1f,%.1f ", l + (w - l - rt) * p->t_s / tmax,
				       h - bot - (h - t - bot) * y);
		}
		e2e_buf_puts(b, "\"/>\n");
	}
	e2e_buf_printf(b, "<text x=\"2\" y=\"%.0f\" fill=\"#1b9e77\">%.2f cores</text>\n", t + 4, cmax);
	e2e_fmt_bytes(&v, mmax);
	e2e_buf_printf(b, "<text x=\"%.0f\" y=\"%.0f\" fill=\"#d95f02\">%s RSS</text>\n", w - rt + 4, t + 4,
		       v.data);
	e2e_buf_reset(&v);
	e2e_fmt_duration(&v, tmax);
	e2e_buf_printf(b, "<text x=\"%.0f\" y=\"%.0f\">0</text><text x=\"%.0f\" y=\"%.0f\">%s</text>\n", l,
		       h - 8, w - rt - 40, h - 8, v.data);
	e2e_buf_puts(b, "</svg>\n<p class=\"legend\"><span style=\"background:#1b9e77\"></span>CPU (cores)"
			"<span style=\"background:#d95f02\"></span>RSS</p>\n");
	e2e_buf_finish(&v);
}

static void resources_html(const struct e2e_res_report *r, struct e2e_buf *b)
{
	if (!r)
		return;
	e2e_buf_puts(b, "<h2>Service cost</h2>\n<table>\n");
	e2e_render_res_lines(r, res_line_html, b);
	e2e_buf_puts(b, "</table>\n");
	resources_chart(r, b);
	if (!r->nendpoints)
		return;
	e2e_buf_puts(b, "<table>\n<tr><th>Endpoint</th><th>n</th><th>CPU per request</th></tr>\n");
	for (size_t i = 0; i < r->nendpoints; i++) {
		tag_text(b, "<tr><td><code>", r->endpoints[i].endpoint, "</code></td><td>");
		e2e_fmt_count(b, r->endpoints[i].requests);
		e2e_buf_puts(b, "</td>");
		td_ms(b, r->endpoints[i].cpu_ms);
		e2e_buf_puts(b, "</tr>\n");
	}
	e2e_buf_puts(b, "</table>\n");
}

/* The document up to the page's <h1> (the service). */
static void page_open(struct e2e_buf *b, const char *service)
{
	e2e_buf_puts(b, "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\"/>\n"
			"<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\"/>\n");
	tag_text(b, "<title>e2e report: ", service, "</title>\n");
	e2e_buf_printf(b, "<style>\n%s</style>\n</head>\n<body>\n", style);
	tag_text(b, "<h1>", service, "</h1>\n");
}

#define HTML_TESTS_MAX 50 /* slowest tests listed; the JSON report has all */

/* SPEC section 11: the slowest tests and each endpoint's callers. */
static void tests_section(const struct e2e_report *r, struct e2e_buf *b)
{
	const struct e2e_tests_report *ts = r->tests;
	size_t n;

	if (!ts)
		return;
	e2e_buf_puts(b, "<h2>Tests</h2>\n<p>");
	n = e2e_render_tests_summary(b, ts, HTML_TESTS_MAX);
	e2e_buf_puts(b, ".</p>\n<table class=\"tests\">\n<thead><tr><th>Test</th><th>status</th><th>time</th>"
			"<th>HTTP</th><th>requests</th><th>errors</th></tr></thead>\n<tbody>\n");
	for (size_t i = 0; i < n; i++) {
		const struct e2e_test_report *x = &ts->tests[i];

		tag_text(b, "<tr><td><code>", x->name, "</code></td>");
		tag_text(b, "<td>", x->flaky ? "flaky" : x->status[0] ? x->status : "-", "</td>");
		td_ms(b, x->duration_ms);
		td_ms(b, x->http_ms);
		e2e_buf_puts(b, "<td>");
		e2e_fmt_count(b, x->requests);
		e2e_buf_puts(b, "</td><td>");
		e2e_fmt_count(b, x->errors);
		e2e_buf_puts(b, "</td></tr>\n");
	}
	e2e_buf_puts(b, "</tbody>\n</table>\n<table class=\"callers\">\n<thead><tr><th>Endpoint</th>"
			"<th>called by</th></tr></thead>\n<tbody>\n");
	for (size_t e = 0; e < r->nendpoints; e++) {
		struct e2e_buf line = E2E_BUF_INIT;

		if (!ts->ntop[e])
			continue;
		e2e_tests_report_callers(ts, e, &line);
		tag_text(b, "<tr><td><code>", r->endpoints[e].key, "</code></td>");
		tag_text(b, "<td>", line.data, "</td></tr>\n");
		e2e_buf_finish(&line);
	}
	e2e_buf_puts(b, "</tbody>\n</table>\n");
}

int e2e_render_html(const struct e2e_render_input *in, struct e2e_buf *b)
{
	const struct e2e_report *r = in->report;
	const struct e2e_gate_result *g = in->gate;
	struct e2e_buf line = E2E_BUF_INIT;
	struct e2e_html_item *items = NULL;
	size_t nitems = 0;

	e2e_render_html_items(in, &items, &nitems);
	page_open(b, r->service);
	if (g) {
		e2e_render_verdict(&line, g);
		e2e_buf_printf(b, "<p class=\"verdict %s\">",
			       g->failed ? "fail"
			       : (g->overall == E2E_VERDICT_PASS || g->overall == E2E_VERDICT_IMPROVED)
				       ? "pass"
				       : "warn");
		tag_text(b, "", line.data, "</p>\n");
		e2e_buf_reset(&line);
	}
	e2e_render_headline(&line, r);
	tag_text(b, "<p>", line.data, "</p>\n");
	e2e_buf_reset(&line);
	e2e_render_notes(&line, r, "");
	if (line.len)
		tag_text(b, "<p class=\"note\">", line.data, "</p>\n");
	if (nitems == 0) {
		e2e_buf_puts(b, "<p>No requests recorded.</p>\n");
	} else {
		e2e_buf_puts(b, "<h2>Endpoints</h2>\n");
		endpoint_table(in, items, nitems, b);
		e2e_buf_printf(b, "<p>Errors: %s. Percentiles are exact on the raw samples (type 7).%s</p>\n",
			       r->count_4xx ? "transport errors, 5xx and 4xx" : "transport errors and 5xx",
			       in->history ? " Trend: p95 over the service's last runs." : "");
	}
	if (g)
		gate_section(g, in->report, b);
	tests_section(r, b);
	if (r->nendpoints) {
		e2e_buf_puts(b, "<h2>Percentiles</h2>\n");
		legend(b);
		percentile_chart(r, b);
	}
	if (nitems) {
		e2e_buf_puts(b, "<h2>Per endpoint</h2>\n");
		for (size_t i = 0; i < nitems; i++)
			endpoint_section(in, &items[i], b);
	}
	resources_html(r->resources, b);
	cpu_html(r, b);
	e2e_buf_puts(b,
		     "<footer>Generated by e2e perf-report. Latency: the upstream's total time per request."
		     "</footer>\n");
	e2e_render_html_check_script(b);
	e2e_buf_puts(b, "</body>\n</html>\n");
	free(items);
	e2e_buf_finish(&line);
	return 0;
}

/* --changes */

/* The metric per run, oldest to newest, a dashed line at each change
 * point and the level of each segment. */
static void changes_chart(const struct e2e_render_input *in, const struct e2e_endpoint_changes *e,
			  struct e2e_buf *b)
{
	const struct e2e_report *r = in->report;
	const double w = 600, h = 140, left = 10, top = 10, bottom = 20;
	size_t n = e->nvalues;
	double max = 0, step = n > 1 ? w / (double)(n - 1) : 0;
	bool first = true;

	for (size_t k = 0; k < n; k++)
		if (!isnan(e->values[k]) && e->values[k] > max)
			max = e->values[k];
	if (max <= 0)
		max = 1;
	svg_open(b, "changes", w + 2 * left, h + top + bottom);
	e2e_buf_printf(b, "%s of ", e2e_changes_metric_name(in->changes->metric));
	text(b, e->endpoint->key);
	e2e_buf_puts(b, " across runs, change points marked</title>\n");
	e2e_buf_puts(b, "<polyline fill=\"none\" stroke=\"" C50 "\" stroke-width=\"2\" points=\"");
	for (size_t k = 0; k < n; k++) {
		if (isnan(e->values[k]))
			continue;
		e2e_buf_printf(b, "%s%.1f,%.1f", first ? "" : " ", left + step * (double)k,
			       top + h - h * e->values[k] / max);
		first = false;
	}
	e2e_buf_puts(b, "\"/>\n");
	for (size_t j = 0; j < e->nchanges; j++) {
		const struct e2e_change *x = &e->changes[j];
		double at = left + step * (double)(n - 1 - x->run);
		double from = j ? left + step * (double)(n - 1 - e->changes[j - 1].run) : left;
		double to = j + 1 < e->nchanges ? left + step * (double)(n - 1 - e->changes[j + 1].run)
						: left + w;

		e2e_buf_printf(b,
			       "<line x1=\"%.1f\" y1=\"%.0f\" x2=\"%.1f\" y2=\"%.0f\" stroke=\"" C99
			       "\" stroke-dasharray=\"4 3\"><title>change point at run %" PRId64 ": ",
			       at, top, at, top + h, r->runs[x->run].id);
		e2e_render_change_value(b, in->changes, x->before);
		e2e_buf_puts(b, " to ");
		e2e_render_change_value(b, in->changes, x->after);
		e2e_buf_puts(b, " (");
		e2e_fmt_delta_pct(b, x->change * 100);
		e2e_buf_puts(b, ")</title></line>\n");
		e2e_buf_printf(b,
			       "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"" C95 "\"/>\n"
			       "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"" C95 "\"/>\n",
			       from, top + h - h * x->before / max, at, top + h - h * x->before / max, at,
			       top + h - h * x->after / max, to, top + h - h * x->after / max);
	}
	e2e_buf_printf(b, "<text x=\"%.0f\" y=\"%.0f\">", left + 2, top + 10);
	e2e_render_change_value(b, in->changes, max);
	e2e_buf_puts(b, "</text>\n");
	if (n) {
		e2e_buf_printf(b, "<text x=\"%.0f\" y=\"%.0f\">run %" PRId64 "</text>", left, top + h + 16,
			       r->runs[n - 1].id);
		e2e_buf_printf(b, "<text x=\"%.0f\" y=\"%.0f\" text-anchor=\"end\">run %" PRId64 "</text>\n",
			       left + w, top + h + 16, r->runs[0].id);
	}
	e2e_buf_puts(b, "</svg>\n");
}

static void changes_table(const struct e2e_render_input *in, struct e2e_buf *b)
{
	const struct e2e_report *r = in->report;
	const struct e2e_changes *c = in->changes;
	struct e2e_buf t = E2E_BUF_INIT;

	e2e_buf_printf(
		b,
		"<table class=\"changes\">\n<thead><tr><th>Endpoint</th><th>run</th><th>commits</th>"
		"<th>%s before</th><th>after</th><th>change</th><th>p-value</th></tr></thead>\n<tbody>\n",
		e2e_changes_metric_name(c->metric));
	for (size_t i = 0; i < c->nendpoints; i++) {
		const struct e2e_endpoint_changes *e = &c->endpoints[i];

		for (size_t j = 0; j < e->nchanges; j++) {
			const struct e2e_change *x = &e->changes[j];

			tag_text(b, "<tr><td><code>", e->endpoint->key, "</code></td>");
			e2e_buf_printf(b, "<td>%" PRId64 "</td><td>", r->runs[x->run].id);
			e2e_buf_reset(&t);
			e2e_render_commits(&t, r, x);
			tag_text(b, "<code>", t.data, "</code></td><td>");
			e2e_render_change_value(b, c, x->before);
			e2e_buf_puts(b, "</td><td>");
			e2e_render_change_value(b, c, x->after);
			e2e_buf_printf(b, "</td><td class=\"%s\">",
				       e2e_render_change_is_worse(x) ? "regression" : "improved");
			e2e_fmt_delta_pct(b, x->change * 100);
			e2e_buf_printf(b, "</td><td>%.1e</td></tr>\n", x->pvalue);
		}
	}
	e2e_buf_puts(b, "</tbody></table>\n");
	e2e_buf_finish(&t);
}

int e2e_render_html_changes(const struct e2e_render_input *in, struct e2e_buf *b)
{
	const struct e2e_changes *c = in->changes;
	struct e2e_buf line = E2E_BUF_INIT;

	page_open(b, in->report->service);
	e2e_render_changes_title(&line, in);
	tag_text(b, "<p>", line.data, "</p>\n");
	e2e_buf_reset(&line);
	e2e_render_changes_note(&line, in);
	if (line.len)
		tag_text(b, "<p class=\"note\">", line.data, "</p>\n");
	else
		changes_table(in, b);
	if (!c->too_few && c->nendpoints) {
		e2e_buf_puts(b, "<h2>Per endpoint</h2>\n");
		for (size_t i = 0; i < c->nendpoints; i++) {
			e2e_buf_puts(b, "<section class=\"endpoint\">\n");
			tag_text(b, "<h3><code>", c->endpoints[i].endpoint->key, "</code></h3>\n");
			changes_chart(in, &c->endpoints[i], b);
			e2e_buf_puts(b, "</section>\n");
		}
	}
	e2e_buf_puts(b, "<footer>Generated by e2e perf-report --changes. Change points: PELT on the "
			"Hampel-filtered series, each re-tested with Welch's t-test (see e2e-perf-report(1))."
			"</footer>\n</body>\n</html>\n");
	e2e_buf_finish(&line);
	return 0;
}
