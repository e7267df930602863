/* render_csv.c - CSV (RFC 4180 quoting, "\n" line ends, UTF-8): a header
 * row, then one row per endpoint (the report), per endpoint and run (the
 * trend) or per run (the list). Text fields are safe to open in a
 * spreadsheet: no formulas, no control characters. Latencies in ms with 3
 * decimals, fractions with 6, rates and bytes with 3; an empty field is a
 * value that does not exist. The columns stay the same with and without a comparison (the
 * comparison's are empty without one); endpoints of the baseline missing
 * from the report get a row with count 0 and verdict "missing"; the last
 * column, confirmation, holds --confirm's lines for the endpoint. */
#include <inttypes.h>
#include <math.h>
#include <string.h>

#include "render_impl.h"
#include "resources.h"
#include "testreport.h"
#include "banned.h"

/* Tab, CR and LF may stand in a quoted field; other control characters
 * never reach the file. */
static const char *esc_csv(uint32_t cp)
{
	return cp != '\t' && cp != '\r' && cp != '\n' && e2e_fmt_is_control(cp) ? "?" : NULL;
}

/* A text field. One that a spreadsheet would take for a formula (starting
 * with '=', '+', '-', '@', tab or CR: OWASP's CSV injection rule) gets a
 * single quote in front and is quoted; numbers never come here. */
static void field(struct e2e_buf *b, const char *s, bool last)
{
	struct e2e_buf clean = E2E_BUF_INIT;
	const char *v;
	bool formula;

	e2e_fmt_escaped(&clean, s ? s : "", esc_csv);
	v = clean.data ? clean.data : "";
	formula = v[0] && strchr("=+-@\t\r", v[0]);
	if (formula || strpbrk(v, ",\"\r\n") || (v[0] == ' ') || (v[0] && v[strlen(v) - 1] == ' ')) {
		e2e_buf_putc(b, '"');
		if (formula)
			e2e_buf_putc(b, '\'');
		for (; *v; v++) {
			if (*v == '"')
				e2e_buf_putc(b, '"');
			e2e_buf_putc(b, *v);
		}
		e2e_buf_putc(b, '"');
	} else {
		e2e_buf_puts(b, v);
	}
	e2e_buf_puts(b, last ? "\n" : ",");
	e2e_buf_finish(&clean);
}

static void num(struct e2e_buf *b, double v, int decimals)
{
	e2e_fmt_fixed(b, v, decimals);
	e2e_buf_putc(b, ',');
}

static void u64(struct e2e_buf *b, uint64_t v)
{
	e2e_buf_printf(b, "%" PRIu64 ",", v);
}

static void header(struct e2e_buf *b, const char *const *cols, size_t n)
{
	for (size_t i = 0; i < n; i++)
		field(b, cols[i], i + 1 == n);
}

static const char *const report_cols[] = {
	"service",
	"run_ids",
	"endpoint",
	"method",
	"path",
	"count",
	"errors",
	"error_rate",
	"throughput_rps",
	"min_ms",
	"mean_ms",
	"p50_ms",
	"p90_ms",
	"p95_ms",
	"p99_ms",
	"max_ms",
	"stddev_ms",
	"mean_req_bytes",
	"mean_resp_bytes",
	"distinct_paths",
	"verdict",
	"severity",
	"baseline_count",
	"baseline_p50_ms",
	"baseline_p95_ms",
	"baseline_p99_ms",
	"baseline_error_rate",
	"p95_delta_pct",
	"confirmation",
};

static void cmp_fields(struct e2e_buf *b, const struct e2e_endpoint_cmp *c)
{
	if (!c) {
		e2e_buf_puts(b, ",,,,,,,,");
		return;
	}
	field(b, e2e_verdict_name(c->verdict), false);
	field(b, e2e_severity_name(c->severity), false);
	if (c->verdict == E2E_VERDICT_NEW) {
		e2e_buf_puts(b, ",,,,,,");
		return;
	}
	u64(b, c->n_baseline);
	num(b, c->metrics[E2E_METRIC_P50].baseline, 3);
	num(b, c->metrics[E2E_METRIC_P95].baseline, 3);
	num(b, c->metrics[E2E_METRIC_P99].baseline, 3);
	num(b, c->metrics[E2E_METRIC_ERROR_RATE].baseline, 6);
	if (c->verdict != E2E_VERDICT_MISSING)
		e2e_fmt_fixed(b, c->metrics[E2E_METRIC_P95].delta_pct, 3);
	e2e_buf_putc(b, ',');
}

/* --confirm: the endpoint's confirmation lines, "; " between them; empty
 * without. The row's last field. */
static void confirm_field(struct e2e_buf *b, const struct e2e_gate_result *g, const char *key)
{
	const struct e2e_confirmation *c = g ? g->confirmation : NULL;
	struct e2e_buf v = E2E_BUF_INIT;

	for (size_t i = 0; c && i < c->nitems; i++) {
		if (strcmp(c->items[i].endpoint, key) != 0)
			continue;
		if (v.len)
			e2e_buf_puts(&v, "; ");
		e2e_render_confirm_line(&v, c, &c->items[i]);
	}
	field(b, v.data, true);
	e2e_buf_finish(&v);
}

static void prefix(struct e2e_buf *b, const struct e2e_report *r, const char *key, const char *method,
		   const char *path)
{
	struct e2e_buf ids = E2E_BUF_INIT;

	for (size_t i = r->nruns; i-- > 0;)
		e2e_buf_printf(&ids, "%s%" PRId64, i + 1 == r->nruns ? "" : " ", r->runs[i].id);
	field(b, r->service, false);
	field(b, ids.data, false);
	field(b, key, false);
	field(b, method, false);
	field(b, path, false);
	e2e_buf_finish(&ids);
}

/* With tests (SPEC section 11), each row ends with one more column, the
 * endpoint's top callers ("called_by"; the header's when key is NULL). */
static void callers_column(struct e2e_buf *b, const struct e2e_report *r, const char *key)
{
	const struct e2e_endpoint_report *e = key ? e2e_report_find(r, key) : NULL;
	struct e2e_buf line = E2E_BUF_INIT;

	if (!r->tests)
		return;
	b->data[--b->len] = '\0'; /* the row's newline */
	e2e_buf_putc(b, ',');
	if (!key)
		e2e_buf_puts(&line, "called_by");
	else if (e)
		e2e_tests_report_callers(r->tests, (size_t)(e - r->endpoints), &line);
	field(b, line.data, true);
	e2e_buf_finish(&line);
}

/* With the service's cost sampled (SPEC section 12), each row ends with
 * three more columns: its CPU ms per request, the baseline's, their
 * relative change (the header's when key is NULL). */
static void cpu_columns(struct e2e_buf *b, const struct e2e_report *r, const struct e2e_gate_result *g,
			const char *key)
{
	const struct e2e_endpoint_cmp *c = key ? e2e_render_cmp(g, key) : NULL;
	const struct e2e_metric_cmp *m = c ? &c->metrics[E2E_METRIC_CPU] : NULL;

	if (!r->resources)
		return;
	b->data[--b->len] = '\0'; /* the row's newline */
	e2e_buf_putc(b, ',');
	if (!key) {
		e2e_buf_puts(b, "cpu_ms,baseline_cpu_ms,cpu_delta_pct\n");
		return;
	}
	num(b, e2e_res_endpoint_cpu(r->resources, key), 3);
	num(b, m ? m->baseline : NAN, 3);
	e2e_fmt_fixed(b, m && !isnan(m->baseline) && !isnan(m->current) ? m->delta_pct : NAN, 3);
	e2e_buf_putc(b, '\n');
}

/* --gate-tests: a row per test of the comparison, method "TEST" (endpoint
 * "test NAME", path NAME): count its current runs with a duration,
 * mean_ms its current mean duration, the verdict and severity,
 * baseline_count the baseline's runs, the gate's line (with the baseline's
 * duration and the change) in the last text column; the rest empty. */
static void test_rows(struct e2e_buf *b, const struct e2e_report *r, const struct e2e_gate_result *g)
{
	struct e2e_buf key = E2E_BUF_INIT, line = E2E_BUF_INIT;

	for (size_t i = 0; g && i < g->ntests; i++) {
		const struct e2e_metric_cmp *x = &g->tests[i].duration;

		e2e_buf_reset(&key);
		e2e_buf_printf(&key, "test %s", g->tests[i].name);
		prefix(b, r, key.data, "TEST", g->tests[i].name);
		u64(b, x->n_current);
		e2e_buf_puts(b, "0,,,,"); /* errors .. min_ms */
		num(b, x->current, 3);
		for (int k = 0; k < 9; k++) /* p50_ms .. distinct_paths */
			e2e_buf_putc(b, ',');
		field(b, e2e_verdict_name(x->verdict), false);
		field(b, e2e_severity_name(x->severity), false);
		u64(b, x->n_baseline);
		e2e_buf_puts(b, ",,,,,"); /* baseline_p50_ms .. p95_delta_pct */
		e2e_buf_reset(&line);
		e2e_gate_format_test(&g->tests[i], &line);
		field(b, line.data, true);
		cpu_columns(b, r, NULL, "");
		callers_column(b, r, "");
	}
	e2e_buf_finish(&key);
	e2e_buf_finish(&line);
}

static void report(const struct e2e_render_input *in, struct e2e_buf *b)
{
	const struct e2e_report *r = in->report;
	const struct e2e_gate_result *g = in->gate;

	header(b, report_cols, sizeof(report_cols) / sizeof(report_cols[0]));
	cpu_columns(b, r, g, NULL);
	callers_column(b, r, NULL);
	for (size_t i = 0; i < r->nendpoints; i++) {
		const struct e2e_endpoint_report *e = &r->endpoints[i];

		prefix(b, r, e->key, e->method, e->path);
		u64(b, e->count);
		u64(b, e->errors);
		num(b, e->error_rate, 6);
		num(b, e->throughput_rps, 3);
		num(b, e->min_ms, 3);
		num(b, e->mean_ms, 3);
		num(b, e->p50_ms, 3);
		num(b, e->p90_ms, 3);
		num(b, e->p95_ms, 3);
		num(b, e->p99_ms, 3);
		num(b, e->max_ms, 3);
		num(b, e->stddev_ms, 3);
		num(b, e->mean_req_bytes, 3);
		num(b, e->mean_resp_bytes, 3);
		u64(b, e->npaths);
		cmp_fields(b, e2e_render_cmp(g, e->key));
		confirm_field(b, g, e->key);
		cpu_columns(b, r, g, e->key);
		callers_column(b, r, e->key);
	}
	for (size_t i = 0; g && i < g->nendpoints; i++) {
		const struct e2e_endpoint_cmp *c = &g->endpoints[i];
		const char *sp = strchr(c->key, ' ');
		struct e2e_buf method = E2E_BUF_INIT;

		if (e2e_report_find(r, c->key))
			continue;
		if (sp)
			e2e_buf_add(&method, c->key, (size_t)(sp - c->key));
		prefix(b, r, c->key, method.data ? method.data : "", sp ? sp + 1 : c->key);
		e2e_buf_puts(b, "0,0,");
		for (int k = 0; k < 12; k++) /* error_rate .. mean_resp_bytes */
			e2e_buf_putc(b, ',');
		e2e_buf_puts(b, "0,");
		cmp_fields(b, c);
		confirm_field(b, g, c->key);
		cpu_columns(b, r, g, c->key);
		callers_column(b, r, c->key);
		e2e_buf_finish(&method);
	}
	test_rows(b, r, g);
}

static void trend(const struct e2e_render_input *in, struct e2e_buf *b)
{
	const struct e2e_report *r = in->report;
	static const char *const cols[] = { "service",	  "endpoint", "run_id", "started_at",
					    "git_commit", "count",    "errors", "error_rate",
					    "mean_ms",	  "p50_ms",   "p95_ms", "p99_ms" };
	struct e2e_buf t = E2E_BUF_INIT;

	header(b, cols, sizeof(cols) / sizeof(cols[0]));
	for (size_t i = 0; i < r->nendpoints; i++) {
		const struct e2e_endpoint_report *e = &r->endpoints[i];

		for (size_t k = r->nruns; k-- > 0;) {
			struct e2e_trend_point one;
			const struct e2e_trend_point *p = e2e_render_point(e, k, &one);

			field(b, r->service, false);
			field(b, e->key, false);
			e2e_buf_printf(b, "%" PRId64 ",", r->runs[k].id);
			e2e_buf_reset(&t);
			e2e_fmt_time(&t, r->runs[k].started_ms, true);
			field(b, t.data, false);
			field(b, r->runs[k].git_commit, false);
			u64(b, p->count);
			u64(b, p->errors);
			num(b, p->count ? (double)p->errors / (double)p->count : NAN, 6);
			num(b, p->mean_ms, 3);
			num(b, p->p50_ms, 3);
			num(b, p->p95_ms, 3);
			e2e_fmt_fixed(b, p->p99_ms, 3);
			e2e_buf_putc(b, '\n');
		}
	}
	e2e_buf_finish(&t);
}

int e2e_render_csv(const struct e2e_render_input *in, struct e2e_buf *out)
{
	if (in->trend)
		trend(in, out);
	else
		report(in, out);
	return 0;
}

int e2e_render_csv_runs(const struct e2e_run *runs, size_t n, struct e2e_buf *b)
{
	static const char *const cols[] = { "id",	   "service",	 "started_at", "ended_at",
					    "duration_s",  "complete",	 "requests",   "dropped",
					    "exit_status", "git_commit", "git_branch", "source",
					    "target",	   "host_cpu",	 "host_cores", "host_os",
					    "tool_version" };
	struct e2e_buf t = E2E_BUF_INIT;

	header(b, cols, sizeof(cols) / sizeof(cols[0]));
	for (size_t i = 0; i < n; i++) {
		const struct e2e_run *r = &runs[i];

		e2e_buf_printf(b, "%" PRId64 ",", r->id);
		field(b, r->service, false);
		e2e_buf_reset(&t);
		e2e_fmt_time(&t, r->started_ms, true);
		field(b, t.data, false);
		e2e_buf_reset(&t);
		e2e_fmt_time(&t, r->ended_ms, true);
		field(b, t.data, false);
		num(b, e2e_report_run_duration_s(r), 3);
		field(b, r->complete ? "true" : "false", false);
		u64(b, r->recorded);
		u64(b, r->dropped);
		if (r->exit_status >= 0)
			e2e_buf_printf(b, "%d", r->exit_status);
		e2e_buf_putc(b, ',');
		field(b, r->git_commit, false);
		field(b, r->git_branch, false);
		field(b, r->source, false);
		field(b, r->target, false);
		field(b, r->host_cpu, false);
		e2e_buf_printf(b, "%d,", r->host_cores);
		field(b, r->host_os, false);
		field(b, r->tool_version, true);
	}
	e2e_buf_finish(&t);
	return 0;
}

/* --changes: one row per change point. */
int e2e_render_csv_changes(const struct e2e_render_input *in, struct e2e_buf *b)
{
	const struct e2e_report *r = in->report;
	const struct e2e_changes *c = in->changes;
	static const char *const cols[] = { "service", "endpoint", "metric", "run_id",	   "previous_run_id",
					    "commits", "before",   "after",  "change_pct", "p_value" };
	struct e2e_buf t = E2E_BUF_INIT;
	int decimals = c->metric == E2E_CHANGES_ERROR_RATE ? 6 : 3;

	header(b, cols, sizeof(cols) / sizeof(cols[0]));
	for (size_t i = 0; i < c->nendpoints; i++) {
		const struct e2e_endpoint_changes *e = &c->endpoints[i];

		for (size_t j = 0; j < e->nchanges; j++) {
			const struct e2e_change *x = &e->changes[j];

			field(b, r->service, false);
			field(b, e->endpoint->key, false);
			field(b, e2e_changes_metric_name(c->metric), false);
			e2e_buf_printf(b, "%" PRId64 ",%" PRId64 ",", r->runs[x->run].id,
				       r->runs[x->prev_run].id);
			e2e_buf_reset(&t);
			e2e_render_commits(&t, r, x);
			field(b, t.data ? t.data : "", false);
			num(b, x->before, decimals);
			num(b, x->after, decimals);
			num(b, x->change * 100, 3);
			e2e_buf_printf(b, "%.3g\n", x->pvalue);
		}
	}
	e2e_buf_finish(&t);
	return 0;
}
