/* render_text.c - the terminal report: aligned tables, optional ANSI
 * colour (in->color; the command decides), the route view, the gate's
 * verdict and evidence, the trend view and the run list. */
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cpu_report.h"
#include "render_impl.h"
#include "resources.h"
#include "testreport.h"
#include "banned.h"

#define BOLD "\033[1m"
#define RED "\033[31m"
#define GREEN "\033[32m"
#define YELLOW "\033[33m"
#define RESET "\033[0m"

/* Raw paths shown per templated endpoint without --show-paths. */
#define EXAMPLES 3

struct cell {
	char *s;
	const char *color; /* NULL: none */
};

struct table {
	const char *align; /* 'l' or 'r' per column; its length is the column count */
	size_t ncols;
	struct cell *cells;
	size_t n, cap;
	struct e2e_buf tmp; /* the cell being built */
};

static void table_init(struct table *t, const char *align)
{
	memset(t, 0, sizeof(*t));
	t->align = align;
	t->ncols = strlen(align);
}

/* Ends the cell built in t->tmp. */
static void cell_end(struct table *t, const char *color)
{
	if (t->n == t->cap) {
		t->cap = t->cap ? 2 * t->cap : 64;
		t->cells = e2e_xrealloc(t->cells, t->cap * sizeof(*t->cells));
	}
	t->cells[t->n].s = e2e_buf_detach(&t->tmp, NULL);
	t->cells[t->n++].color = color;
}

static void cell_str(struct table *t, const char *s, const char *color)
{
	e2e_fmt_utf8(&t->tmp, s, true);
	cell_end(t, color);
}

/* A commit id, abbreviated ("-" when unknown). */
static void cell_commit(struct table *t, const char *commit)
{
	char c[8];

	snprintf(c, sizeof(c), "%s", commit[0] ? commit : "-");
	cell_str(t, c, NULL);
}

static void cell_ms(struct table *t, double ms)
{
	e2e_fmt_ms(&t->tmp, ms);
	cell_end(t, NULL);
}

static void cell_count(struct table *t, uint64_t n)
{
	e2e_fmt_count(&t->tmp, n);
	cell_end(t, NULL);
}

static size_t width(const char *s)
{
	size_t w = 0;

	for (; *s; s++)
		if (((unsigned char)*s & 0xc0) != 0x80)
			w++;
	return w;
}

static void pad(struct e2e_buf *b, size_t n)
{
	while (n--)
		e2e_buf_putc(b, ' ');
}

/* Emits the table; the first row is the header (bold with colour). */
static void table_emit(struct table *t, struct e2e_buf *b, const char *indent, bool color)
{
	size_t *w = e2e_xcalloc(t->ncols, sizeof(*w));

	for (size_t i = 0; i < t->n; i++) {
		size_t x = width(t->cells[i].s);

		if (x > w[i % t->ncols])
			w[i % t->ncols] = x;
	}
	for (size_t i = 0; i < t->n; i++) {
		size_t c = i % t->ncols, x = width(t->cells[i].s);
		const char *col = color && x ? (i < t->ncols ? BOLD : t->cells[i].color) : NULL;
		bool last = c + 1 == t->ncols;

		if (c == 0)
			e2e_buf_puts(b, indent);
		else
			e2e_buf_puts(b, "  ");
		if (t->align[c] == 'r')
			pad(b, w[c] - x);
		if (col)
			e2e_buf_puts(b, col);
		e2e_buf_puts(b, t->cells[i].s);
		if (col)
			e2e_buf_puts(b, RESET);
		if (t->align[c] != 'r' && !last)
			pad(b, w[c] - x);
		if (last) { /* no trailing blanks after empty cells */
			while (b->len && b->data[b->len - 1] == ' ')
				b->data[--b->len] = '\0';
			e2e_buf_putc(b, '\n');
		}
	}
	free(w);
}

static void table_finish(struct table *t)
{
	for (size_t i = 0; i < t->n; i++)
		free(t->cells[i].s);
	free(t->cells);
	e2e_buf_finish(&t->tmp);
}

static const char *verdict_color(enum e2e_verdict v)
{
	switch (v) {
	case E2E_VERDICT_REGRESSION:
		return RED;
	case E2E_VERDICT_IMPROVED:
		return GREEN;
	case E2E_VERDICT_INCONCLUSIVE:
	case E2E_VERDICT_MISSING:
		return YELLOW;
	default:
		return NULL;
	}
}

static void endpoint_cells(struct table *t, const struct e2e_endpoint_report *e, const char *name)
{
	cell_str(t, name, NULL);
	cell_count(t, e->count);
	e2e_fmt_pct(&t->tmp, e->error_rate);
	cell_end(t, e->errors ? YELLOW : NULL);
	cell_ms(t, e->mean_ms);
	cell_ms(t, e->p50_ms);
	cell_ms(t, e->p95_ms);
	cell_ms(t, e->p99_ms);
	cell_ms(t, e->max_ms);
	e2e_fmt_rate(&t->tmp, e->throughput_rps);
	cell_end(t, NULL);
}

static void cmp_cells(struct table *t, const struct e2e_endpoint_cmp *c)
{
	if (!c) {
		cell_str(t, "", NULL);
		cell_str(t, "", NULL);
		cell_str(t, "", NULL);
		return;
	}
	const struct e2e_metric_cmp *m = &c->metrics[E2E_METRIC_P95];
	bool have_base = c->verdict != E2E_VERDICT_NEW;

	if (have_base)
		e2e_fmt_ms(&t->tmp, m->baseline);
	cell_end(t, NULL);
	if (have_base && c->verdict != E2E_VERDICT_MISSING)
		e2e_fmt_delta_pct(&t->tmp, m->delta_pct);
	cell_end(t, verdict_color(m->verdict));
	e2e_buf_puts(&t->tmp, e2e_verdict_name(c->verdict));
	if (c->severity != E2E_SEVERITY_NONE)
		e2e_buf_printf(&t->tmp, " (%s)", e2e_severity_name(c->severity));
	cell_end(t, verdict_color(c->verdict));
}

static void main_table(const struct e2e_render_input *in, struct e2e_buf *b)
{
	const struct e2e_report *r = in->report;
	const struct e2e_gate_result *g = e2e_render_comparison(in);
	struct table t;

	table_init(&t, g ? "lrrrrrrrrrrl" : "lrrrrrrrr");
	static const char *const head[] = { "ENDPOINT", "N",   "ERR%", "MEAN",	   "P50",    "P95",
					    "P99",	"MAX", "RPS",  "BASE P95", "CHANGE", "VERDICT" };
	for (size_t i = 0; i < t.ncols; i++)
		cell_str(&t, head[i], NULL);
	for (size_t i = 0; i < r->nendpoints; i++) {
		endpoint_cells(&t, &r->endpoints[i], r->endpoints[i].key);
		if (g)
			cmp_cells(&t, e2e_render_cmp(g, r->endpoints[i].key));
	}
	/* Endpoints of the baseline this report lacks. */
	for (size_t i = 0; g && i < g->nendpoints; i++) {
		if (e2e_report_find(r, g->endpoints[i].key))
			continue;
		cell_str(&t, g->endpoints[i].key, NULL);
		for (size_t k = 1; k < 9; k++)
			cell_str(&t, "-", NULL);
		cmp_cells(&t, &g->endpoints[i]);
	}
	if (r->nendpoints > 1) {
		endpoint_cells(&t, &r->overall, "TOTAL");
		for (size_t k = 9; k < t.ncols; k++)
			cell_str(&t, "", NULL);
	}
	table_emit(&t, b, "", in->color);
	table_finish(&t);
}

static void route_view(const struct e2e_render_input *in, struct e2e_buf *b)
{
	const struct e2e_report *r = in->report;
	bool any = false;

	if (in->show_paths) {
		e2e_buf_puts(b, "\nraw paths per endpoint (");
		e2e_fmt_count(b, r->distinct_paths);
		e2e_buf_puts(b, " distinct):\n");
		for (size_t i = 0; i < r->nendpoints; i++) {
			const struct e2e_endpoint_report *e = &r->endpoints[i];
			struct table t;

			e2e_fmt_utf8(b, e->key, true);
			e2e_buf_putc(b, '\n');
			table_init(&t, "rl");
			for (size_t k = 0; k < e->npaths; k++) {
				cell_count(&t, e->paths[k].count);
				cell_str(&t, e->paths[k].path, NULL);
			}
			table_emit(&t, b, "  ", false);
			table_finish(&t);
		}
		return;
	}
	for (size_t i = 0; i < r->nendpoints; i++) {
		const struct e2e_endpoint_report *e = &r->endpoints[i];

		if (!e2e_render_templated(e))
			continue;
		if (!any)
			e2e_buf_puts(b, "\nraw paths behind templates (--show-paths lists all):\n");
		any = true;
		e2e_buf_puts(b, "  ");
		e2e_fmt_utf8(b, e->key, true);
		e2e_buf_puts(b, ": ");
		if (e->npaths == 1) {
			e2e_buf_puts(b, "only ");
		} else {
			e2e_fmt_count(b, e->npaths);
			e2e_buf_puts(b, " paths, e.g. ");
		}
		for (size_t k = 0; k < e->npaths && k < EXAMPLES; k++) {
			if (k)
				e2e_buf_puts(b, ", ");
			e2e_fmt_utf8(b, e->paths[k].path, true);
			e2e_buf_puts(b, " (");
			e2e_fmt_count(b, e->paths[k].count);
			e2e_buf_putc(b, ')');
		}
		if (e->npaths > EXAMPLES)
			e2e_buf_puts(b, ", ...");
		e2e_buf_putc(b, '\n');
	}
}

struct lines_ctx {
	struct e2e_buf *b;
	bool color;
	int last; /* verdict of the previous line's group, -1 before the first */
};

static void gate_line_text(void *ctx, enum e2e_verdict v, const char *line)
{
	struct lines_ctx *x = ctx;
	const char *col = x->color ? verdict_color(v) : NULL;

	if ((int)v != x->last)
		e2e_buf_printf(x->b, "\n%s:\n", e2e_render_gate_heading(v));
	x->last = (int)v;
	e2e_buf_puts(x->b, "  ");
	if (col)
		e2e_buf_puts(x->b, col);
	e2e_fmt_utf8(x->b, line, true);
	if (col)
		e2e_buf_puts(x->b, RESET);
	e2e_buf_putc(x->b, '\n');
}

/* --confirm: each regression of the first run, confirmed or vanished. */
static void confirm_text(const struct e2e_render_input *in, struct e2e_buf *b)
{
	const struct e2e_confirmation *c = in->gate->confirmation;

	if (!c)
		return;
	e2e_buf_printf(b, "\nconfirmation (--confirm %zu):\n", c->asked);
	for (size_t i = 0; i < c->nitems; i++) {
		bool col = in->color && c->items[i].state != E2E_CONFIRM_PENDING;

		e2e_buf_puts(b, "  ");
		if (col)
			e2e_buf_puts(b, c->items[i].state == E2E_CONFIRM_CONFIRMED ? RED : GREEN);
		e2e_render_confirm_line(b, c, &c->items[i]);
		if (col)
			e2e_buf_puts(b, RESET);
		e2e_buf_putc(b, '\n');
	}
}

static void gate_details(const struct e2e_render_input *in, struct e2e_buf *b)
{
	const struct e2e_gate_result *g = in->gate;
	struct lines_ctx lc = { b, in->color, -1 };

	e2e_render_gate_lines(g, in->report, gate_line_text, &lc);
	confirm_text(in, b);
	if (g->nfindings)
		e2e_buf_puts(b, "\nfindings:\n");
	for (size_t i = 0; i < g->nfindings; i++) {
		const struct e2e_finding *f = &g->findings[i];

		e2e_buf_printf(b, "  %s", f->kind);
		if (f->severity != E2E_SEVERITY_NONE)
			e2e_buf_printf(b, " (%s)", e2e_severity_name(f->severity));
		if (f->endpoint) {
			e2e_buf_puts(b, " ");
			e2e_fmt_utf8(b, f->endpoint, true);
		}
		e2e_buf_puts(b, ": ");
		e2e_fmt_utf8(b, f->message, true);
		e2e_buf_putc(b, '\n');
	}
	if (g->nadvice)
		e2e_buf_puts(b, "\nrecommendations:\n");
	for (size_t i = 0; i < g->nadvice; i++) {
		const struct e2e_advice *a = &g->advice[i];

		e2e_buf_puts(b, "  ");
		if (a->endpoint) {
			e2e_fmt_utf8(b, a->endpoint, true);
			e2e_buf_puts(b, ": ");
		}
		e2e_fmt_utf8(b, a->message, true);
		e2e_buf_putc(b, '\n');
	}
}

static void gate_line(const struct e2e_render_input *in, struct e2e_buf *b)
{
	const struct e2e_gate_result *g = in->gate;

	e2e_buf_puts(b, "gate: ");
	if (in->color)
		e2e_buf_puts(b, g->failed ? RED BOLD : GREEN BOLD);
	e2e_render_verdict(b, g);
	if (in->color)
		e2e_buf_puts(b, RESET);
	if (!g->baseline_name) {
		e2e_buf_puts(b, " (rules ");
		e2e_fmt_utf8(b, g->rules_name ? g->rules_name : "-", true);
		e2e_buf_puts(b, ", no baseline)\n");
		return;
	}
	e2e_buf_puts(b, " (baseline ");
	e2e_fmt_utf8(b, g->baseline_name, true);
	e2e_buf_printf(b, ", %zu run%s, threshold ", g->baseline_runs, g->baseline_runs == 1 ? "" : "s");
	e2e_fmt_pct_setting(b, g->threshold_pct);
	if (g->single_run_baseline)
		e2e_buf_puts(b, ", default noise floors");
	e2e_buf_puts(b, ")\n");
}

static void trend(const struct e2e_render_input *in, struct e2e_buf *b)
{
	const struct e2e_report *r = in->report;

	e2e_buf_puts(b, "service ");
	e2e_fmt_utf8(b, r->service, true);
	e2e_buf_printf(b, ": trend over %zu run%s", r->nruns, r->nruns == 1 ? "" : "s");
	if (r->nruns) {
		e2e_buf_puts(b, " (");
		e2e_fmt_time(b, r->started_ms, false);
		e2e_buf_puts(b, " to ");
		e2e_fmt_time(b, r->runs[0].started_ms, false);
		e2e_buf_putc(b, ')');
	}
	e2e_buf_putc(b, '\n');
	if (r->nendpoints == 0)
		e2e_buf_puts(b, "no requests recorded\n");
	for (size_t i = 0; i < r->nendpoints; i++) {
		const struct e2e_endpoint_report *e = &r->endpoints[i];
		struct table t;

		e2e_buf_putc(b, '\n');
		if (in->color)
			e2e_buf_puts(b, BOLD);
		e2e_fmt_utf8(b, e->key, true);
		if (in->color)
			e2e_buf_puts(b, RESET);
		e2e_buf_putc(b, '\n');
		table_init(&t, "rllrrrrrr");
		static const char *const head[] = { "RUN",  "STARTED", "COMMIT", "N",  "ERR%",
						    "MEAN", "P50",     "P95",	 "P99" };
		for (size_t k = 0; k < t.ncols; k++)
			cell_str(&t, head[k], NULL);
		for (size_t k = r->nruns; k-- > 0;) {
			const struct e2e_run *run = &r->runs[k];
			struct e2e_trend_point one;
			const struct e2e_trend_point *p = e2e_render_point(e, k, &one);

			e2e_buf_printf(&t.tmp, "%" PRId64, run->id);
			cell_end(&t, NULL);
			e2e_fmt_time(&t.tmp, run->started_ms, false);
			cell_end(&t, NULL);
			cell_commit(&t, run->git_commit);
			cell_count(&t, p->count);
			e2e_fmt_pct(&t.tmp, p->count ? (double)p->errors / (double)p->count : NAN);
			cell_end(&t, p->errors ? YELLOW : NULL);
			cell_ms(&t, p->mean_ms);
			cell_ms(&t, p->p50_ms);
			cell_ms(&t, p->p95_ms);
			cell_ms(&t, p->p99_ms);
		}
		table_emit(&t, b, "  ", in->color);
		table_finish(&t);
	}
}

/* ---- the service's own cost (resources.h) ---- */

static void res_line_text(void *ctx, const char *label, const char *text, bool warn)
{
	struct e2e_buf *b = ctx;

	e2e_buf_printf(b, "  %-17s", label);
	if (warn)
		e2e_buf_puts(b, "warning: ");
	e2e_fmt_utf8(b, text, true);
	e2e_buf_putc(b, '\n');
}

/* The newest run's CPU profile files (cpu_report.h), one a line. */
static void cpu_section(const struct e2e_report *r, struct e2e_buf *b)
{
	struct e2e_buf label = E2E_BUF_INIT;

	if (!r->cpu)
		return;
	e2e_buf_printf(b, "\nCPU profile of run %lld\n", (long long)r->cpu->run_id);
	if (r->cpu->ngrown) {
		e2e_buf_reset(&label);
		e2e_cpu_grown_text(&label, r->cpu->grown, r->cpu->ngrown);
		e2e_buf_puts(b, "  self time grew most in: ");
		e2e_fmt_utf8(b, label.data, true);
		e2e_buf_putc(b, '\n');
	}
	for (size_t i = 0; i < r->cpu->nfiles; i++) {
		e2e_buf_reset(&label);
		e2e_cpu_file_label(&label, &r->cpu->files[i]);
		e2e_buf_puts(b, "  ");
		e2e_fmt_utf8(b, label.data, true);
		e2e_buf_puts(b, ": ");
		e2e_fmt_utf8(b, r->cpu->files[i].path, true);
		e2e_buf_putc(b, '\n');
	}
	e2e_buf_finish(&label);
}

static void resources_section(const struct e2e_render_input *in, struct e2e_buf *b)
{
	const struct e2e_res_report *r = in->report->resources;
	struct table t;

	if (!r)
		return;
	e2e_buf_puts(b, "\nservice cost\n");
	e2e_render_res_lines(r, res_line_text, b);
	if (!r->nendpoints)
		return;
	e2e_buf_putc(b, '\n');
	table_init(&t, "lrr");
	cell_str(&t, "ENDPOINT", NULL);
	cell_str(&t, "N", NULL);
	cell_str(&t, "CPU/REQ", NULL);
	for (size_t i = 0; i < r->nendpoints; i++) {
		cell_str(&t, r->endpoints[i].endpoint, NULL);
		cell_count(&t, r->endpoints[i].requests);
		cell_ms(&t, r->endpoints[i].cpu_ms);
	}
	table_emit(&t, b, "", false);
	table_finish(&t);
}

#define TEXT_TESTS_MAX 20 /* slowest tests listed; the JSON report has all */

/* SPEC section 11: the slowest tests, then each endpoint's callers. */
static void tests_section(const struct e2e_render_input *in, struct e2e_buf *b)
{
	const struct e2e_report *r = in->report;
	const struct e2e_tests_report *ts = r->tests;
	struct table t;
	size_t n;

	if (!ts)
		return;
	e2e_buf_puts(b, "\n");
	n = e2e_render_tests_summary(b, ts, TEXT_TESTS_MAX);
	e2e_buf_puts(b, "\n\n");
	table_init(&t, r->nruns > 1 ? "llrrrrl" : "llrrrr");
	static const char *const head[] = { "TEST", "STATUS", "TIME", "HTTP", "REQUESTS", "ERRORS", "RUNS" };
	for (size_t i = 0; i < t.ncols; i++)
		cell_str(&t, head[i], NULL);
	for (size_t i = 0; i < n; i++) {
		const struct e2e_test_report *x = &ts->tests[i];

		cell_str(&t, x->name, NULL);
		cell_str(&t,
			 x->flaky	? "flaky"
			 : x->status[0] ? x->status
					: "-",
			 x->flaky || x->failed ? YELLOW : NULL);
		cell_ms(&t, x->duration_ms);
		cell_ms(&t, x->http_ms);
		cell_count(&t, x->requests);
		cell_count(&t, x->errors);
		if (r->nruns > 1) {
			e2e_buf_printf(&t.tmp, "%" PRIu32 " of %zu, %" PRIu32 " failed", x->runs, r->nruns,
				       x->failed);
			cell_end(&t, NULL);
		}
	}
	table_emit(&t, b, "", in->color);
	table_finish(&t);
	e2e_buf_puts(b, "\ncalled by:\n");
	for (size_t e = 0; e < r->nendpoints; e++) {
		if (!ts->ntop[e])
			continue;
		e2e_buf_puts(b, "  ");
		e2e_buf_puts(b, r->endpoints[e].key);
		e2e_buf_puts(b, ": ");
		e2e_tests_report_callers(ts, e, b);
		e2e_buf_putc(b, '\n');
	}
}

int e2e_render_text(const struct e2e_render_input *in, struct e2e_buf *b)
{
	const struct e2e_report *r = in->report;

	if (in->trend) {
		trend(in, b);
		return 0;
	}
	e2e_render_headline(b, r);
	e2e_buf_putc(b, '\n');
	if (in->gate)
		gate_line(in, b);
	if (r->count_4xx)
		e2e_buf_puts(b, "errors: transport errors, 5xx and 4xx\n");
	e2e_render_notes(b, r, "note: ");
	if (r->nendpoints == 0 && !(in->gate && in->gate->nendpoints)) {
		e2e_buf_puts(b, "no requests recorded\n");
	} else {
		e2e_buf_putc(b, '\n');
		main_table(in, b);
	}
	if (in->gate)
		gate_details(in, b);
	route_view(in, b);
	resources_section(in, b);
	cpu_section(in->report, b);
	tests_section(in, b);
	return 0;
}

int e2e_render_text_runs(const struct e2e_run *runs, size_t n, struct e2e_buf *b)
{
	struct table t;
	static const char *const head[] = { "ID",     "SERVICE",  "STARTED",  "COMMIT",
					    "BRANCH", "REQUESTS", "DURATION", "STATUS" };

	if (n == 0) {
		e2e_buf_puts(b, "no runs recorded\n");
		return 0;
	}
	table_init(&t, "rllllrrl");
	for (size_t k = 0; k < t.ncols; k++)
		cell_str(&t, head[k], NULL);
	for (size_t i = 0; i < n; i++) {
		const struct e2e_run *run = &runs[i];

		e2e_buf_printf(&t.tmp, "%" PRId64, run->id);
		cell_end(&t, NULL);
		cell_str(&t, run->service, NULL);
		e2e_fmt_time(&t.tmp, run->started_ms, false);
		cell_end(&t, NULL);
		cell_commit(&t, run->git_commit);
		cell_str(&t, run->git_branch[0] ? run->git_branch : "-", NULL);
		cell_count(&t, run->recorded);
		e2e_fmt_duration(&t.tmp, e2e_report_run_duration_s(run));
		cell_end(&t, NULL);
		cell_str(&t, run->complete ? "complete" : "incomplete", NULL);
	}
	table_emit(&t, b, "", false);
	table_finish(&t);
	return 0;
}

/* --changes: one row per change point, endpoints in the report's order. */
int e2e_render_text_changes(const struct e2e_render_input *in, struct e2e_buf *b)
{
	const struct e2e_report *r = in->report;
	const struct e2e_changes *c = in->changes;
	struct table t;
	static const char *const head[] = { "ENDPOINT", "RUN",	  "COMMITS", "BEFORE",
					    "AFTER",	"CHANGE", "P-VALUE" };

	e2e_render_changes_title(b, in);
	e2e_buf_putc(b, '\n');
	if (c->too_few || c->total == 0) {
		e2e_render_changes_note(b, in);
		e2e_buf_putc(b, '\n');
		return 0;
	}
	e2e_buf_putc(b, '\n');
	table_init(&t, "lrlrrrr");
	for (size_t k = 0; k < t.ncols; k++)
		cell_str(&t, head[k], NULL);
	for (size_t i = 0; i < c->nendpoints; i++) {
		const struct e2e_endpoint_changes *e = &c->endpoints[i];

		for (size_t j = 0; j < e->nchanges; j++) {
			const struct e2e_change *x = &e->changes[j];
			const char *tint = e2e_render_change_is_worse(x) ? RED : GREEN;

			cell_str(&t, e->endpoint->key, NULL);
			e2e_buf_printf(&t.tmp, "%" PRId64, r->runs[x->run].id);
			cell_end(&t, NULL);
			e2e_render_commits(&t.tmp, r, x);
			if (!t.tmp.len)
				e2e_buf_putc(&t.tmp, '-');
			cell_end(&t, NULL);
			e2e_render_change_value(&t.tmp, c, x->before);
			cell_end(&t, NULL);
			e2e_render_change_value(&t.tmp, c, x->after);
			cell_end(&t, NULL);
			e2e_fmt_delta_pct(&t.tmp, x->change * 100);
			cell_end(&t, tint);
			e2e_buf_printf(&t.tmp, "%.1e", x->pvalue);
			cell_end(&t, NULL);
		}
	}
	table_emit(&t, b, "", in->color);
	table_finish(&t);
	return 0;
}
