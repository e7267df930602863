/* render_markdown.c - GitHub-flavoured Markdown for $GITHUB_STEP_SUMMARY
 * and pull-request comments: the verdict line first, the per-endpoint
 * table (baseline -> current with the change and n when a comparison
 * exists), then the evidence in collapsed <details> blocks. */
#include <ctype.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "overlay.h"
#include "cpu_report.h"
#include "render_impl.h"
#include "resources.h"
#include "testreport.h"
#include "banned.h"

#define EXAMPLES 5

/* Text safe inside a table cell: pipes escaped, Markdown emphasis and
 * link characters escaped, HTML special characters as entities, control
 * characters as '?'. */
static const char *esc_md(uint32_t cp)
{
	switch (cp) {
	case '|':
		return "\\|";
	case '<':
		return "&lt;";
	case '>':
		return "&gt;";
	case '&':
		return "&amp;";
	case '*':
		return "\\*";
	case '_':
		return "\\_";
	case '`':
		return "\\`";
	case '[':
		return "\\[";
	case ']':
		return "\\]";
	case '\\':
		return "\\\\";
	default:
		return e2e_fmt_is_control(cp) ? "?" : NULL;
	}
}

static void md(struct e2e_buf *b, const char *s)
{
	e2e_fmt_escaped(b, s, esc_md);
}

/* Inside a code span: backticks cannot occur, pipes stay escaped (GitHub
 * splits table rows on them first). */
static const char *esc_code(uint32_t cp)
{
	if (cp == '`')
		return "'";
	if (cp == '|')
		return "\\|";
	return e2e_fmt_is_control(cp) ? "?" : NULL;
}

/* An endpoint key or raw path as code. */
static void code(struct e2e_buf *b, const char *s)
{
	e2e_buf_putc(b, '`');
	e2e_fmt_escaped(b, s, esc_code);
	e2e_buf_putc(b, '`');
}

/* The first n bytes of a commit id, as code or as text. */
static void short_commit(struct e2e_buf *b, const char *commit, int n, bool as_code)
{
	struct e2e_buf c = E2E_BUF_INIT;

	e2e_buf_printf(&c, "%.*s", n, commit);
	if (as_code)
		code(b, c.data);
	else
		md(b, c.data);
	e2e_buf_finish(&c);
}

static void verdict_line(const struct e2e_render_input *in, struct e2e_buf *b)
{
	const struct e2e_report *r = in->report;
	const struct e2e_gate_result *g = in->gate;

	if (g) {
		const char *mark = g->failed ? "❌"
				   : (g->overall == E2E_VERDICT_PASS || g->overall == E2E_VERDICT_IMPROVED)
					   ? "✅"
					   : "⚠️";

		e2e_buf_printf(b, "### %s ", mark);
		md(b, r->service);
		e2e_buf_puts(b, ": **");
		e2e_render_verdict(b, g);
		e2e_buf_puts(b, "**\n\n");
		return;
	}
	e2e_buf_puts(b, "### ");
	md(b, r->service);
	e2e_buf_puts(b, ": ");
	e2e_fmt_count(b, r->total_requests);
	e2e_buf_printf(b, " requests, %zu endpoint%s, ", r->nendpoints, r->nendpoints == 1 ? "" : "s");
	e2e_fmt_pct(b, r->error_rate);
	e2e_buf_puts(b, " errors, p95 ");
	e2e_fmt_ms(b, r->overall_p95_ms);
	e2e_buf_puts(b, "\n\n");
}

static void cmp_row(struct e2e_buf *b, const char *key, const struct e2e_endpoint_report *e,
		    const struct e2e_endpoint_cmp *c)
{
	e2e_buf_puts(b, "| ");
	code(b, key);
	e2e_render_cmp_cells(b, e, c, " | ", " | ", " | ");
	if (c) {
		bool bad = c->verdict == E2E_VERDICT_REGRESSION;

		e2e_buf_printf(b, "%s%s%s", bad ? "**" : "", e2e_verdict_name(c->verdict), bad ? "**" : "");
		if (c->severity != E2E_SEVERITY_NONE)
			e2e_buf_printf(b, " (%s)", e2e_severity_name(c->severity));
	}
	e2e_buf_puts(b, " |\n");
}

/* --compact shows an endpoint whose verdict needs a look. */
static bool shown(const struct e2e_render_input *in, const struct e2e_endpoint_cmp *c)
{
	return !in->compact || (c && c->verdict != E2E_VERDICT_PASS && c->verdict != E2E_VERDICT_IMPROVED);
}

static void table(const struct e2e_render_input *in, struct e2e_buf *b)
{
	const struct e2e_report *r = in->report;
	const struct e2e_gate_result *g = e2e_render_comparison(in);

	if (g) {
		e2e_buf_puts(
			b, "| Endpoint | n (baseline → now) | p50 | p95 | p99 | errors | Δ p95 | verdict |\n"
			   "|---|--:|--:|--:|--:|--:|--:|---|\n");
		for (size_t i = 0; i < r->nendpoints; i++) {
			const struct e2e_endpoint_cmp *c = e2e_render_cmp(g, r->endpoints[i].key);

			if (shown(in, c))
				cmp_row(b, r->endpoints[i].key, &r->endpoints[i], c);
		}
		for (size_t i = 0; i < g->nendpoints; i++)
			if (!e2e_report_find(r, g->endpoints[i].key))
				cmp_row(b, g->endpoints[i].key, NULL, &g->endpoints[i]);
		return;
	}
	e2e_buf_puts(b, "| Endpoint | n | errors | mean | p50 | p90 | p95 | p99 | max | req/s |\n"
			"|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|\n");
	for (size_t i = 0; i <= r->nendpoints; i++) {
		const struct e2e_endpoint_report *e = i < r->nendpoints ? &r->endpoints[i] : &r->overall;
		const double v[] = { e->mean_ms, e->p50_ms, e->p90_ms, e->p95_ms, e->p99_ms, e->max_ms };

		if (i == r->nendpoints && r->nendpoints < 2)
			break;
		e2e_buf_puts(b, "| ");
		if (i < r->nendpoints)
			code(b, e->key);
		else
			e2e_buf_puts(b, "**total**");
		e2e_buf_puts(b, " | ");
		e2e_fmt_count(b, e->count);
		e2e_buf_puts(b, " | ");
		e2e_fmt_pct(b, e->error_rate);
		for (size_t k = 0; k < sizeof(v) / sizeof(v[0]); k++) {
			e2e_buf_puts(b, " | ");
			e2e_fmt_ms(b, v[k]);
		}
		e2e_buf_puts(b, " | ");
		e2e_fmt_rate(b, e->throughput_rps);
		e2e_buf_puts(b, " |\n");
	}
}

static void details_open(struct e2e_buf *b, const char *summary)
{
	e2e_buf_printf(b, "\n<details><summary>%s</summary>\n\n", summary);
}

static void details_close(struct e2e_buf *b)
{
	e2e_buf_puts(b, "\n</details>\n");
}

static void runs_details(const struct e2e_report *r, struct e2e_buf *b)
{
	struct e2e_buf line = E2E_BUF_INIT;

	details_open(b, r->nruns == 1 ? "Run" : "Runs");
	e2e_buf_puts(b, "| Run | Started | Commit | Requests | Duration | Host | Status |\n"
			"|--:|---|---|--:|--:|---|---|\n");
	for (size_t i = 0; i < r->nruns; i++) {
		const struct e2e_run *run = &r->runs[i];

		e2e_buf_printf(b, "| %" PRId64 " | ", run->id);
		e2e_fmt_time(b, run->started_ms, false);
		e2e_buf_puts(b, " | ");
		if (run->git_commit[0]) {
			short_commit(b, run->git_commit, 12, true);
			if (run->git_branch[0]) {
				e2e_buf_putc(b, ' ');
				md(b, run->git_branch);
			}
		}
		e2e_buf_puts(b, " | ");
		e2e_fmt_count(b, run->recorded);
		e2e_buf_puts(b, " | ");
		e2e_fmt_duration(b, e2e_report_run_duration_s(run));
		e2e_buf_puts(b, " | ");
		if (run->host_cpu[0] || run->host_os[0]) {
			md(b, run->host_cpu);
			e2e_buf_printf(b, ", %d cores, ", run->host_cores);
			md(b, run->host_os);
		} else {
			e2e_buf_puts(b, "-");
		}
		e2e_buf_printf(b, " | %s |\n", run->complete ? "complete" : "incomplete");
	}
	e2e_buf_puts(b, "\n");
	e2e_render_headline(&line, r);
	md(b, line.data);
	e2e_buf_finish(&line);
	e2e_buf_puts(b, r->count_4xx ? "; errors: transport errors, 5xx and 4xx.\n"
				     : "; errors: transport errors and 5xx.\n");
	details_close(b);
}

struct lines_ctx {
	struct e2e_buf *b;
	int last; /* verdict group of the previous line, -1 before the first */
};

static void gate_line_md(void *ctx, enum e2e_verdict v, const char *line)
{
	struct lines_ctx *x = ctx;
	if ((int)v != x->last) {
		char title[32];

		if (x->last >= 0)
			details_close(x->b);
		snprintf(title, sizeof(title), "%s", e2e_render_gate_heading(v));
		title[0] = (char)toupper((unsigned char)title[0]);
		details_open(x->b, title);
	}
	x->last = (int)v;
	e2e_buf_puts(x->b, "- ");
	md(x->b, line);
	e2e_buf_putc(x->b, '\n');
}

/* --confirm: each regression of the first run, confirmed or vanished. */
static void confirm_md(const struct e2e_confirmation *c, struct e2e_buf *b)
{
	struct e2e_buf line = E2E_BUF_INIT;
	char title[48];

	if (!c)
		return;
	snprintf(title, sizeof(title), "Confirmation (--confirm %zu)", c->asked);
	details_open(b, title);
	for (size_t i = 0; i < c->nitems; i++) {
		e2e_buf_reset(&line);
		e2e_render_confirm_line(&line, c, &c->items[i]);
		e2e_buf_puts(b, "- ");
		md(b, line.data);
		e2e_buf_putc(b, '\n');
	}
	details_close(b);
	e2e_buf_finish(&line);
}

static void gate_details(const struct e2e_gate_result *g, const struct e2e_report *r, struct e2e_buf *b)
{
	struct lines_ctx lc = { b, -1 };

	e2e_render_gate_lines(g, r, gate_line_md, &lc);
	if (lc.last >= 0)
		details_close(b);
	confirm_md(g->confirmation, b);
	if (g->nfindings) {
		details_open(b, "Findings");
		for (size_t i = 0; i < g->nfindings; i++) {
			const struct e2e_finding *f = &g->findings[i];

			e2e_buf_puts(b, "- **");
			md(b, f->kind);
			e2e_buf_puts(b, "**");
			if (f->severity != E2E_SEVERITY_NONE)
				e2e_buf_printf(b, " (%s)", e2e_severity_name(f->severity));
			if (f->endpoint) {
				e2e_buf_putc(b, ' ');
				code(b, f->endpoint);
			}
			e2e_buf_puts(b, ": ");
			md(b, f->message);
			e2e_buf_putc(b, '\n');
		}
		details_close(b);
	}
	if (g->nadvice) {
		details_open(b, "Recommendations");
		for (size_t i = 0; i < g->nadvice; i++) {
			e2e_buf_puts(b, "- ");
			if (g->advice[i].endpoint) {
				code(b, g->advice[i].endpoint);
				e2e_buf_puts(b, ": ");
			}
			md(b, g->advice[i].message);
			e2e_buf_putc(b, '\n');
		}
		details_close(b);
	}
	if (!g->baseline_name) {
		details_open(b, "Rules");
		e2e_buf_puts(b, "Rules ");
		code(b, g->rules_name ? g->rules_name : "-");
		e2e_buf_puts(b, " alone: no baseline to compare with.\n");
		details_close(b);
		return;
	}
	details_open(b, "Baseline");
	e2e_buf_puts(b, "Baseline ");
	code(b, g->baseline_name);
	e2e_buf_printf(b, " from %zu run%s, threshold ", g->baseline_runs, g->baseline_runs == 1 ? "" : "s");
	e2e_fmt_pct_setting(b, g->threshold_pct);
	e2e_buf_printf(b, "%s.\n",
		       g->single_run_baseline ? "; a single-run baseline: default noise floors were used"
					      : "");
	details_close(b);
}

static void paths_details(const struct e2e_render_input *in, struct e2e_buf *b)
{
	const struct e2e_report *r = in->report;
	bool any = false;

	for (size_t i = 0; i < r->nendpoints; i++)
		if (in->show_paths || e2e_render_templated(&r->endpoints[i]))
			any = true;
	if (!any)
		return;
	details_open(b, "Raw paths behind templates");
	e2e_buf_puts(b, "| Endpoint | Raw paths | Most frequent |\n|---|--:|---|\n");
	for (size_t i = 0; i < r->nendpoints; i++) {
		const struct e2e_endpoint_report *e = &r->endpoints[i];

		if (!in->show_paths && !e2e_render_templated(e))
			continue;
		e2e_buf_puts(b, "| ");
		code(b, e->key);
		e2e_buf_puts(b, " | ");
		e2e_fmt_count(b, e->npaths);
		e2e_buf_puts(b, " | ");
		for (size_t k = 0; k < e->npaths && (in->show_paths || k < EXAMPLES); k++) {
			if (k)
				e2e_buf_puts(b, ", ");
			code(b, e->paths[k].path);
			e2e_buf_puts(b, " (");
			e2e_fmt_count(b, e->paths[k].count);
			e2e_buf_putc(b, ')');
		}
		if (!in->show_paths && e->npaths > EXAMPLES)
			e2e_buf_puts(b, ", …");
		e2e_buf_puts(b, " |\n");
	}
	details_close(b);
}

#define MD_TESTS_MAX 20 /* slowest tests listed; the JSON report has all */

/* SPEC section 11: the slowest tests and each endpoint's callers. */
static void tests_details(const struct e2e_report *r, struct e2e_buf *b)
{
	const struct e2e_tests_report *ts = r->tests;
	size_t n;

	if (!ts)
		return;
	details_open(b, "Tests");
	n = e2e_render_tests_summary(b, ts, MD_TESTS_MAX);
	e2e_buf_puts(b,
		     ".\n\n| Test | Status | Time | HTTP | Requests | Errors |\n|---|---|--:|--:|--:|--:|\n");
	for (size_t i = 0; i < n; i++) {
		const struct e2e_test_report *x = &ts->tests[i];

		e2e_buf_puts(b, "| ");
		code(b, x->name);
		e2e_buf_puts(b, " | ");
		md(b, x->flaky ? "flaky" : x->status[0] ? x->status : "-");
		e2e_buf_puts(b, " | ");
		e2e_fmt_ms(b, x->duration_ms);
		e2e_buf_puts(b, " | ");
		e2e_fmt_ms(b, x->http_ms);
		e2e_buf_puts(b, " | ");
		e2e_fmt_count(b, x->requests);
		e2e_buf_puts(b, " | ");
		e2e_fmt_count(b, x->errors);
		e2e_buf_puts(b, " |\n");
	}
	e2e_buf_puts(b, "\n| Endpoint | Called by |\n|---|---|\n");
	for (size_t e = 0; e < r->nendpoints; e++) {
		struct e2e_buf line = E2E_BUF_INIT;

		if (!ts->ntop[e])
			continue;
		e2e_tests_report_callers(ts, e, &line);
		e2e_buf_puts(b, "| ");
		code(b, r->endpoints[e].key);
		e2e_buf_puts(b, " | ");
		md(b, line.data);
		e2e_buf_puts(b, " |\n");
		e2e_buf_finish(&line);
	}
	details_close(b);
}

static void trend(const struct e2e_render_input *in, struct e2e_buf *b)
{
	const struct e2e_report *r = in->report;

	e2e_buf_puts(b, "### ");
	md(b, r->service);
	e2e_buf_printf(b, ": trend over %zu run%s\n\n", r->nruns, r->nruns == 1 ? "" : "s");
	e2e_buf_puts(b, "| Endpoint | Run | Started | Commit | n | errors | p50 | p95 | p99 |\n"
			"|---|--:|---|---|--:|--:|--:|--:|--:|\n");
	for (size_t i = 0; i < r->nendpoints; i++) {
		const struct e2e_endpoint_report *e = &r->endpoints[i];

		for (size_t k = r->nruns; k-- > 0;) {
			struct e2e_trend_point one;
			const struct e2e_trend_point *p = e2e_render_point(e, k, &one);

			e2e_buf_puts(b, "| ");
			code(b, e->key);
			e2e_buf_printf(b, " | %" PRId64 " | ", r->runs[k].id);
			e2e_fmt_time(b, r->runs[k].started_ms, false);
			e2e_buf_puts(b, " | ");
			if (r->runs[k].git_commit[0])
				short_commit(b, r->runs[k].git_commit, 7, false);
			e2e_buf_puts(b, " | ");
			e2e_fmt_count(b, p->count);
			e2e_buf_puts(b, " | ");
			e2e_fmt_pct(b, p->count ? (double)p->errors / (double)p->count : NAN);
			e2e_buf_puts(b, " | ");
			e2e_fmt_ms(b, p->p50_ms);
			e2e_buf_puts(b, " | ");
			e2e_fmt_ms(b, p->p95_ms);
			e2e_buf_puts(b, " | ");
			e2e_fmt_ms(b, p->p99_ms);
			e2e_buf_puts(b, " |\n");
		}
	}
}

/* The report's notes, each its own quoted paragraph, then a blank line. */
static void notes(struct e2e_buf *b, const struct e2e_report *r)
{
	struct e2e_buf t = E2E_BUF_INIT;

	e2e_render_notes(&t, r, "> **Note:** ");
	for (const char *p = t.data, *nl; p && *p; p = nl + 1) {
		nl = strchr(p, '\n');
		e2e_buf_add(b, p, (size_t)(nl - p));
		e2e_buf_puts(b, "\n\n");
	}
	e2e_buf_finish(&t);
}

/* ---- the p95 trend of each regressed endpoint (Mermaid, GitHub draws it) ---- */

#define MERMAID_RUNS 20 /* the last runs a trend shows */

/* Inside a quoted Mermaid string: nothing that ends the string, the code
 * fence or reads as markup or an entity. */
static const char *esc_mermaid(uint32_t cp)
{
	switch (cp) {
	case '"':
	case '`':
		return "'";
	case '<':
	case '>':
	case '&':
	case '#':
	case ';':
	case '\\':
		return "?";
	default:
		return e2e_fmt_is_control(cp) ? "?" : NULL;
	}
}

static void mermaid_trend(const struct e2e_render_input *in, const char *key, struct e2e_buf *b)
{
	double v[MERMAID_RUNS];
	int64_t id[MERMAID_RUNS];
	size_t n = 0;
	bool first = true;

	if (!e2e_overlay_p95_series(in->history, key, MERMAID_RUNS, v, id, &n))
		return;
	e2e_buf_puts(b, "\np95 of ");
	code(b, key);
	e2e_buf_printf(b,
		       " over runs %" PRId64 " to %" PRId64 " (ms):\n\n```mermaid\nxychart-beta\n  title \"",
		       id[0], id[n - 1]);
	e2e_fmt_escaped(b, key, esc_mermaid);
	e2e_buf_puts(b, " p95\"\n  x-axis \"run\" [");
	for (size_t i = 0; i < n; i++) {
		if (isnan(v[i]))
			continue;
		e2e_buf_printf(b, "%s\"%" PRId64 "\"", first ? "" : ", ", id[i]);
		first = false;
	}
	e2e_buf_puts(b, "]\n  y-axis \"p95 (ms)\"\n  line [");
	first = true;
	for (size_t i = 0; i < n; i++) {
		if (isnan(v[i]))
			continue;
		e2e_buf_puts(b, first ? "" : ", ");
		e2e_fmt_fixed(b, v[i], 3);
		first = false;
	}
	e2e_buf_puts(b, "]\n```\n");
}

/* Each regressed endpoint's p95 over the service's last runs, when the
 * store holds earlier runs of it (in->history). */
static void mermaid_trends(const struct e2e_render_input *in, struct e2e_buf *b)
{
	const struct e2e_gate_result *g = e2e_render_comparison(in);

	for (size_t i = 0; g && in->history && i < g->nendpoints; i++)
		if (g->endpoints[i].verdict == E2E_VERDICT_REGRESSION)
			mermaid_trend(in, g->endpoints[i].key, b);
}

/* --compact, for a pull-request comment: nothing when every endpoint
 * passed (or improved) and the gate did not fail, unless --always; else
 * the verdict line, the notes, the endpoints that need a look and the
 * gate's evidence. */
static void cpu_md(const struct e2e_report *r, struct e2e_buf *b);

/* --compact: what needs a look, for a pull request's comment; the CPU
 * profile's links with it, as the full Markdown has them (the files say
 * where a regression's time went). */
static int compact(const struct e2e_render_input *in, struct e2e_buf *b)
{
	const struct e2e_gate_result *g = in->gate;
	bool quiet =
		!g || (!g->failed && (g->overall == E2E_VERDICT_PASS || g->overall == E2E_VERDICT_IMPROVED));

	if (quiet && !in->always)
		return 0;
	verdict_line(in, b);
	notes(b, in->report);
	if (!quiet || !g)
		table(in, b);
	mermaid_trends(in, b);
	if (g && !quiet)
		gate_details(g, in->report, b);
	if (!quiet)
		cpu_md(in->report, b);
	return 0;
}

/* ---- the newest run's CPU profile (cpu_report.h): links to its files ---- */

static void cpu_md(const struct e2e_report *r, struct e2e_buf *b)
{
	struct e2e_buf label = E2E_BUF_INIT;

	if (!r->cpu)
		return;
	e2e_buf_printf(b, "\n### CPU profile of run %lld\n\n", (long long)r->cpu->run_id);
	if (r->cpu->ngrown) {
		e2e_cpu_grown_text(&label, r->cpu->grown, r->cpu->ngrown);
		e2e_buf_puts(b, "Self time grew most in: ");
		md(b, label.data);
		e2e_buf_puts(b, "\n\n");
	}
	for (size_t i = 0; i < r->cpu->nfiles; i++) {
		e2e_buf_reset(&label);
		e2e_cpu_file_label(&label, &r->cpu->files[i]);
		e2e_buf_puts(b, "- [");
		md(b, label.data);
		e2e_buf_puts(b, "](<");
		for (const char *p = r->cpu->files[i].path; *p;
		     p++) /* a link destination in <>: no <, >, newline */
			e2e_buf_putc(b, *p == '<' || *p == '>' || (unsigned char)*p < 0x20 ? '_' : *p);
		e2e_buf_puts(b, ">)\n");
	}
	e2e_buf_finish(&label);
}

/* ---- the service's own cost (resources.h) ---- */

static void res_line_md(void *ctx, const char *label, const char *text, bool warn)
{
	struct e2e_buf *b = ctx;

	e2e_buf_puts(b, "- **");
	md(b, label);
	e2e_buf_puts(b, warn ? ":** :warning: " : ":** ");
	md(b, text);
	e2e_buf_putc(b, '\n');
}

static void resources_md(const struct e2e_res_report *r, struct e2e_buf *b)
{
	if (!r)
		return;
	e2e_buf_puts(b, "\n### Service cost\n\n");
	e2e_render_res_lines(r, res_line_md, b);
	if (!r->nendpoints)
		return;
	e2e_buf_puts(b, "\n| Endpoint | n | CPU per request |\n|---|---:|---:|\n");
	for (size_t i = 0; i < r->nendpoints; i++) {
		e2e_buf_puts(b, "| ");
		code(b, r->endpoints[i].endpoint);
		e2e_buf_puts(b, " | ");
		e2e_fmt_count(b, r->endpoints[i].requests);
		e2e_buf_puts(b, " | ");
		e2e_fmt_ms(b, r->endpoints[i].cpu_ms);
		e2e_buf_puts(b, " |\n");
	}
}

int e2e_render_markdown(const struct e2e_render_input *in, struct e2e_buf *b)
{
	const struct e2e_report *r = in->report;

	if (in->trend) {
		trend(in, b);
		return 0;
	}
	if (in->compact)
		return compact(in, b);
	verdict_line(in, b);
	notes(b, r);
	if (r->nendpoints == 0 && !(in->gate && in->gate->nendpoints))
		e2e_buf_puts(b, "No requests recorded.\n");
	else
		table(in, b);
	mermaid_trends(in, b);
	if (in->gate)
		gate_details(in->gate, in->report, b);
	paths_details(in, b);
	tests_details(r, b);
	runs_details(r, b);
	resources_md(r->resources, b);
	cpu_md(r, b);
	return 0;
}

/* --changes: a table fit for a PR comment. */
int e2e_render_markdown_changes(const struct e2e_render_input *in, struct e2e_buf *b)
{
	const struct e2e_report *r = in->report;
	const struct e2e_changes *c = in->changes;
	struct e2e_buf t = E2E_BUF_INIT;

	e2e_render_changes_title(&t, in);
	e2e_buf_puts(b, "### ");
	md(b, t.data);
	e2e_buf_puts(b, "\n\n");
	if (c->too_few || c->total == 0) {
		e2e_buf_reset(&t);
		e2e_render_changes_note(&t, in);
		t.data[0] = (char)(t.data[0] - 'a' + 'A');
		e2e_buf_printf(b, "%s.\n", t.data);
		e2e_buf_finish(&t);
		return 0;
	}
	e2e_buf_printf(b,
		       "| Endpoint | Run | Commits | %s before | after | Change | p-value |\n"
		       "|---|--:|---|--:|--:|--:|--:|\n",
		       e2e_changes_metric_name(c->metric));
	for (size_t i = 0; i < c->nendpoints; i++) {
		const struct e2e_endpoint_changes *e = &c->endpoints[i];

		for (size_t j = 0; j < e->nchanges; j++) {
			const struct e2e_change *x = &e->changes[j];

			e2e_buf_puts(b, "| ");
			code(b, e->endpoint->key);
			e2e_buf_printf(b, " | %" PRId64 " | ", r->runs[x->run].id);
			e2e_buf_reset(&t);
			e2e_render_commits(&t, r, x);
			if (t.len)
				code(b, t.data);
			e2e_buf_puts(b, " | ");
			e2e_render_change_value(b, c, x->before);
			e2e_buf_puts(b, " | ");
			e2e_render_change_value(b, c, x->after);
			e2e_buf_puts(b, e2e_render_change_is_worse(x) ? " | **" : " | ");
			e2e_fmt_delta_pct(b, x->change * 100);
			e2e_buf_printf(b, "%s | %.1e |\n", e2e_render_change_is_worse(x) ? "**" : "",
				       x->pvalue);
		}
	}
	e2e_buf_finish(&t);
	return 0;
}
