/* render.c - format names, the dispatcher, and the model helpers the
 * renderers share (render_impl.h). */
#include "render.h"

#include <inttypes.h>
#include <math.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>

#include "error.h"
#include "gate.h"
#include "render_impl.h"
#include "testreport.h"
#include "report.h"
#include "model.h"
#include "stats.h"
#include "banned.h"

static const char *const names[] = {
	[E2E_FORMAT_TEXT] = "text",	    [E2E_FORMAT_JSON] = "json",
	[E2E_FORMAT_MARKDOWN] = "markdown", [E2E_FORMAT_HTML] = "html",
	[E2E_FORMAT_CSV] = "csv",	    [E2E_FORMAT_JUNIT] = "junit",
	[E2E_FORMAT_GITHUB] = "github",	    [E2E_FORMAT_GITLAB] = "gitlab-codequality",
};

const char *e2e_format_name(enum e2e_format f)
{
	return names[f];
}

static int render_changes(enum e2e_format f, const struct e2e_render_input *in, struct e2e_buf *out)
{
	switch (f) {
	case E2E_FORMAT_TEXT:
		return e2e_render_text_changes(in, out);
	case E2E_FORMAT_JSON:
		return e2e_render_json_changes(in, out);
	case E2E_FORMAT_MARKDOWN:
		return e2e_render_markdown_changes(in, out);
	case E2E_FORMAT_HTML:
		return e2e_render_html_changes(in, out);
	case E2E_FORMAT_CSV:
		return e2e_render_csv_changes(in, out);
	case E2E_FORMAT_JUNIT:
		return e2e_render_junit_changes(in, out);
	case E2E_FORMAT_GITHUB:
	case E2E_FORMAT_GITLAB:
		break;
	}
	return e2e_error(E2E_ERR_INPUT, "'--changes' supports -f text, json, markdown, html, csv, junit");
}

int e2e_render(enum e2e_format f, const struct e2e_render_input *in, struct e2e_buf *out)
{
	if (in->changes)
		return render_changes(f, in, out);
	switch (f) {
	case E2E_FORMAT_TEXT:
		return e2e_render_text(in, out);
	case E2E_FORMAT_JSON:
		return e2e_render_json(in, out);
	case E2E_FORMAT_MARKDOWN:
		return e2e_render_markdown(in, out);
	case E2E_FORMAT_HTML:
		return e2e_render_html(in, out);
	case E2E_FORMAT_CSV:
		return e2e_render_csv(in, out);
	case E2E_FORMAT_JUNIT:
		if (in->trend)
			return e2e_error(E2E_ERR_INPUT,
					 "'--trend' supports -f text, json, markdown, html, csv");
		return e2e_render_junit(in, out);
	case E2E_FORMAT_GITHUB:
		if (in->trend)
			return e2e_error(E2E_ERR_INPUT,
					 "'--trend' supports -f text, json, markdown, html, csv");
		return e2e_render_github(in, out);
	case E2E_FORMAT_GITLAB:
		if (in->trend)
			return e2e_error(E2E_ERR_INPUT,
					 "'--trend' supports -f text, json, markdown, html, csv");
		return e2e_render_gitlab(in, out);
	}
	return e2e_error(E2E_ERR_INPUT, "unknown format %d", (int)f);
}

int e2e_render_runs(enum e2e_format f, const struct e2e_run *runs, size_t n, struct e2e_buf *out)
{
	switch (f) {
	case E2E_FORMAT_TEXT:
		return e2e_render_text_runs(runs, n, out);
	case E2E_FORMAT_JSON:
		return e2e_render_json_runs(runs, n, out);
	case E2E_FORMAT_CSV:
		return e2e_render_csv_runs(runs, n, out);
	default:
		return e2e_error(E2E_ERR_INPUT, "'--list' supports -f text, json, csv");
	}
}

void e2e_render_run_ids(struct e2e_buf *b, const struct e2e_report *r)
{
	for (size_t i = r->nruns; i-- > 0;)
		e2e_buf_printf(b, "%s%" PRId64, i + 1 == r->nruns ? "" : ", ", r->runs[i].id);
}

static void commit_label(struct e2e_buf *b, const struct e2e_run *run)
{
	char c[8];

	if (run->git_commit[0]) {
		snprintf(c, sizeof(c), "%s", run->git_commit);
		e2e_buf_puts(b, ", commit ");
		e2e_fmt_utf8(b, c, true);
		if (run->git_branch[0]) {
			e2e_buf_putc(b, ' ');
			e2e_fmt_utf8(b, run->git_branch, true);
		}
	}
}

void e2e_render_headline(struct e2e_buf *b, const struct e2e_report *r)
{
	e2e_buf_puts(b, "service ");
	e2e_fmt_utf8(b, r->service, true);
	if (r->nruns == 0) {
		e2e_buf_puts(b, ", no runs");
		return;
	}
	if (r->nruns == 1) {
		e2e_buf_printf(b, ", run %" PRId64 " (", r->runs[0].id);
		e2e_fmt_time(b, r->started_ms, false);
	} else {
		e2e_buf_puts(b, ", runs ");
		e2e_render_run_ids(b, r);
		e2e_buf_puts(b, " merged (");
		e2e_fmt_time(b, r->started_ms, false);
		e2e_buf_puts(b, " to ");
		e2e_fmt_time(b, r->runs[0].started_ms, false);
	}
	e2e_buf_puts(b, ", ");
	e2e_fmt_count(b, r->total_requests);
	e2e_buf_puts(b, r->total_requests == 1 ? " request in " : " requests in ");
	e2e_fmt_duration(b, r->duration_s);
	commit_label(b, &r->runs[0]);
	e2e_buf_putc(b, ')');
}

const struct e2e_gate_result *e2e_render_comparison(const struct e2e_render_input *in)
{
	return in->gate && in->gate->baseline_name ? in->gate : NULL;
}

void e2e_render_cmp_cells(struct e2e_buf *b, const struct e2e_endpoint_report *e,
			  const struct e2e_endpoint_cmp *c, const char *open, const char *sep,
			  const char *close)
{
	static const enum e2e_metric ms[] = { E2E_METRIC_P50, E2E_METRIC_P95, E2E_METRIC_P99 };
	bool base = c && c->verdict != E2E_VERDICT_NEW;

	e2e_buf_puts(b, open);
	if (base) {
		e2e_fmt_count(b, c->n_baseline);
		e2e_buf_puts(b, " → ");
	}
	if (e)
		e2e_fmt_count(b, e->count);
	else
		e2e_buf_puts(b, "-");
	for (size_t k = 0; k < 3; k++) {
		e2e_buf_puts(b, sep);
		if (base)
			e2e_fmt_ms_pair(b, c->metrics[ms[k]].baseline, e ? c->metrics[ms[k]].current : NAN);
		else
			e2e_fmt_ms(b, e ? (k == 0 ? e->p50_ms : k == 1 ? e->p95_ms : e->p99_ms) : NAN);
	}
	e2e_buf_puts(b, sep);
	if (base) {
		e2e_fmt_pct(b, c->metrics[E2E_METRIC_ERROR_RATE].baseline);
		e2e_buf_puts(b, " → ");
	}
	e2e_fmt_pct(b, e ? e->error_rate : NAN);
	e2e_buf_puts(b, sep);
	if (base && e)
		e2e_fmt_delta_pct(b, c->metrics[E2E_METRIC_P95].delta_pct);
	e2e_buf_puts(b, close);
}

const struct e2e_endpoint_cmp *e2e_render_cmp(const struct e2e_gate_result *g, const char *key)
{
	if (!g)
		return NULL;
	for (size_t i = 0; i < g->nendpoints; i++)
		if (strcmp(g->endpoints[i].key, key) == 0)
			return &g->endpoints[i];
	return NULL;
}

bool e2e_render_templated(const struct e2e_endpoint_report *e)
{
	return e->npaths > 1 || (e->npaths == 1 && strcmp(e->paths[0].path, e->path) != 0);
}

const struct e2e_trend_point *e2e_render_point(const struct e2e_endpoint_report *e, size_t k,
					       struct e2e_trend_point *one)
{
	if (e->per_run)
		return &e->per_run[k];
	one->count = e->count;
	one->errors = e->errors;
	one->p50_ms = e->p50_ms;
	one->p95_ms = e->p95_ms;
	one->p99_ms = e->p99_ms;
	one->mean_ms = e->mean_ms;
	return one;
}

bool e2e_render_rule_breach(const struct e2e_gate_result *g, const char *key)
{
	if (!g)
		return false;
	for (size_t i = 0; i < g->nfindings; i++)
		if (g->findings[i].endpoint && strcmp(g->findings[i].endpoint, key) == 0 &&
		    strcmp(g->findings[i].kind, "rule") == 0)
			return true;
	return false;
}

/* --gate-tests: regressed tests, *critical of them. */
static size_t tests_regressed(const struct e2e_gate_result *g, size_t *critical)
{
	size_t n = 0;

	*critical = 0;
	for (size_t i = 0; i < g->ntests; i++)
		if (g->tests[i].duration.verdict == E2E_VERDICT_REGRESSION) {
			n++;
			*critical += g->tests[i].duration.severity == E2E_SEVERITY_CRITICAL;
		}
	return n;
}

void e2e_render_verdict(struct e2e_buf *b, const struct e2e_gate_result *g)
{
	size_t n[E2E_VERDICT_REGRESSION + 1] = { 0 }, critical = 0, rules = 0, tests_critical = 0;
	size_t n_t = tests_regressed(g, &tests_critical);
	const char *sep = ": ";

	for (size_t i = 0; i < g->nendpoints; i++) {
		if ((unsigned)g->endpoints[i].verdict <= E2E_VERDICT_REGRESSION)
			n[g->endpoints[i].verdict]++;
		if (g->endpoints[i].verdict == E2E_VERDICT_REGRESSION &&
		    g->endpoints[i].severity == E2E_SEVERITY_CRITICAL)
			critical++;
	}
	for (size_t i = 0; i < g->nfindings; i++)
		if (strcmp(g->findings[i].kind, "rule") == 0)
			rules++;
	e2e_buf_puts(b, e2e_verdict_name(g->overall));
	if (n[E2E_VERDICT_REGRESSION]) {
		e2e_buf_printf(b, "%s%zu regressed", sep, n[E2E_VERDICT_REGRESSION]);
		if (critical)
			e2e_buf_printf(b, " (%zu critical)", critical);
		sep = ", ";
	}
	if (n_t) {
		e2e_buf_printf(b, "%s%zu test%s slower", sep, n_t, n_t == 1 ? "" : "s");
		if (tests_critical)
			e2e_buf_printf(b, " (%zu critical)", tests_critical);
		sep = ", ";
	}
	if (rules) {
		e2e_buf_printf(b, "%s%zu rule breach%s", sep, rules, rules == 1 ? "" : "es");
		sep = ", ";
	}
	if (g->environment_shift) {
		e2e_buf_printf(b, "%senvironment shift ", sep);
		e2e_fmt_factor(b, g->environment_factor);
		sep = ", ";
	}
	static const struct {
		enum e2e_verdict v;
		const char *what;
	} other[] = {
		{ E2E_VERDICT_IMPROVED, "improved" }, { E2E_VERDICT_INCONCLUSIVE, "inconclusive" },
		{ E2E_VERDICT_NEW, "new" },	      { E2E_VERDICT_MISSING, "missing" },
		{ E2E_VERDICT_PASS, "pass" },
	};
	for (size_t i = 0; i < sizeof(other) / sizeof(other[0]); i++) {
		if (n[other[i].v]) {
			e2e_buf_printf(b, "%s%zu %s", sep, n[other[i].v], other[i].what);
			sep = ", ";
		}
	}
	if (g->confirmation) {
		e2e_buf_puts(b, "; ");
		e2e_render_confirm_summary(b, g->confirmation);
	}
	e2e_buf_puts(b, g->failed ? "; gate failed" : "; gate passed");
}

/* "re-runs 13, 14" or "re-run 13". */
static void rerun_ids(struct e2e_buf *b, const struct e2e_confirmation *c, size_t n)
{
	e2e_buf_puts(b, n == 1 ? "re-run " : "re-runs ");
	for (size_t i = 0; i < n && i < c->nruns; i++)
		e2e_buf_printf(b, "%s%lld", i ? ", " : "", (long long)c->runs[i]);
}

const struct e2e_confirm_item *e2e_render_confirm_item(const struct e2e_gate_result *g, const char *key,
						       size_t m)
{
	const struct e2e_confirmation *c = g ? g->confirmation : NULL;

	for (size_t i = 0; c && i < c->nitems; i++)
		if ((size_t)c->items[i].metric == m && strcmp(c->items[i].endpoint, key) == 0)
			return &c->items[i];
	return NULL;
}

void e2e_render_confirm_summary(struct e2e_buf *b, const struct e2e_confirmation *c)
{
	size_t pending = c->nitems - c->confirmed - c->vanished;

	e2e_buf_printf(b, "confirm: %zu confirmed, %zu vanished", c->confirmed, c->vanished);
	if (pending)
		e2e_buf_printf(b, ", %zu pending", pending);
	if (c->nruns) {
		e2e_buf_puts(b, " over ");
		rerun_ids(b, c, c->nruns);
	}
	if (c->rerun_status)
		e2e_buf_printf(b, " (re-run %zu failed with exit status %d)", c->nruns + 1, c->rerun_status);
	else if (pending)
		e2e_buf_puts(b, " (a re-run could not be stored)");
}

void e2e_render_confirm_line(struct e2e_buf *b, const struct e2e_confirmation *c,
			     const struct e2e_confirm_item *it)
{
	bool err = it->metric == E2E_METRIC_ERROR_RATE;

	e2e_fmt_utf8(b, it->endpoint, true);
	e2e_buf_printf(b, ": %s %s: ", e2e_metric_name(it->metric), e2e_confirm_state_name(it->state));
	(err ? e2e_fmt_pp : e2e_fmt_delta_pct)(b, it->first_pct);
	e2e_buf_printf(b, " [%s] in run %lld", e2e_severity_name(it->severity), (long long)c->first_run);
	if (!it->reruns)
		return;
	e2e_buf_puts(b, ", ");
	if (isnan(it->pooled_pct)) {
		e2e_buf_puts(b, "no figure");
	} else {
		(err ? e2e_fmt_pp : e2e_fmt_delta_pct)(b, it->pooled_pct);
		if (!isnan(it->pooled_ci_lo_pct)) {
			e2e_buf_puts(b, " (95% CI ");
			(err ? e2e_fmt_pp_range : e2e_fmt_delta_range)(b, it->pooled_ci_lo_pct,
								       it->pooled_ci_hi_pct);
			e2e_buf_putc(b, ')');
		}
	}
	e2e_buf_printf(b, " %s", e2e_verdict_name(it->pooled_verdict));
	if (it->pooled_verdict == E2E_VERDICT_REGRESSION)
		e2e_buf_printf(b, " [%s]", e2e_severity_name(it->pooled_severity));
	e2e_buf_puts(b, " over ");
	rerun_ids(b, c, it->reruns);
}

/* PASS stands for --gate-tests' tests listed but not judged (new, missing,
 * failed now): judged tests that pass are not listed, as endpoints. */
static const enum e2e_verdict gate_groups[] = { E2E_VERDICT_REGRESSION, E2E_VERDICT_INCONCLUSIVE,
						E2E_VERDICT_NEW,	E2E_VERDICT_MISSING,
						E2E_VERDICT_IMPROVED,	E2E_VERDICT_PASS };

const char *e2e_render_gate_heading(enum e2e_verdict v)
{
	switch (v) {
	case E2E_VERDICT_REGRESSION:
		return "regressions";
	case E2E_VERDICT_INCONCLUSIVE:
		return "inconclusive";
	case E2E_VERDICT_NEW:
		return "new endpoints";
	case E2E_VERDICT_MISSING:
		return "missing endpoints";
	case E2E_VERDICT_IMPROVED:
		return "improved";
	case E2E_VERDICT_PASS:
		return "tests not judged";
	default:
		return "other";
	}
}

bool e2e_render_callers(struct e2e_buf *b, const struct e2e_report *r, const char *key, const char *prefix)
{
	const struct e2e_endpoint_report *e = r && r->tests ? e2e_report_find(r, key) : NULL;
	size_t i = e ? (size_t)(e - r->endpoints) : 0;

	if (!e || !r->tests->ntop[i])
		return false;
	e2e_buf_puts(b, prefix);
	e2e_buf_puts(b, "called by ");
	e2e_tests_report_callers(r->tests, i, b);
	return true;
}

bool e2e_render_test_listed(const struct e2e_metric_cmp *t)
{
	return t->verdict == E2E_VERDICT_NEW || t->verdict == E2E_VERDICT_MISSING ||
	       (t->verdict == E2E_VERDICT_INCONCLUSIVE && t->reason &&
		strcmp(t->reason, "change within noise") != 0 &&
		strcmp(t->reason, E2E_GATE_REASON_DISTURBED) != 0);
}

/* The group a test's line goes in: PASS for one listed, not judged. */
static int test_group(const struct e2e_metric_cmp *t)
{
	if (e2e_render_test_listed(t))
		return E2E_VERDICT_PASS;
	return t->verdict == E2E_VERDICT_PASS ? -1 : (int)t->verdict;
}

/* --gate-tests: the tests of one group, after its endpoints. */
static void test_lines(const struct e2e_gate_result *g, enum e2e_verdict group, struct e2e_buf *line,
		       void (*fn)(void *ctx, enum e2e_verdict v, const char *line), void *ctx)
{
	for (size_t i = 0; i < g->ntests; i++) {
		if (test_group(&g->tests[i].duration) != (int)group)
			continue;
		e2e_buf_reset(line);
		e2e_gate_format_test(&g->tests[i], line);
		fn(ctx, group, line->data);
	}
}

void e2e_render_gate_lines(const struct e2e_gate_result *g, const struct e2e_report *r,
			   void (*fn)(void *ctx, enum e2e_verdict v, const char *line), void *ctx)
{
	struct e2e_buf line = E2E_BUF_INIT;

	for (size_t k = 0; k < sizeof(gate_groups) / sizeof(gate_groups[0]); k++) {
		enum e2e_verdict group = gate_groups[k];
		bool reg = group == E2E_VERDICT_REGRESSION;

		for (size_t i = 0; group != E2E_VERDICT_PASS && i < g->nendpoints; i++) {
			const struct e2e_endpoint_cmp *c = &g->endpoints[i];

			if (c->verdict != group)
				continue;
			for (size_t m = 0; m < E2E_METRIC__COUNT; m++) {
				const struct e2e_metric_cmp *x =
					reg ? &c->metrics[m] : e2e_gate_endpoint_headline(c);

				if (reg && x->verdict != E2E_VERDICT_REGRESSION)
					continue;
				e2e_buf_reset(&line);
				e2e_gate_format_metric(x, c->key, &line);
				if (reg)
					e2e_render_callers(&line, r, c->key, "; ");
				fn(ctx, group, line.data ? line.data : "");
				if (!reg)
					break;
			}
		}
		test_lines(g, group, &line, fn, ctx);
	}
	e2e_buf_finish(&line);
}

/* A HAR import's hosts: "requests to 2 hosts recorded: a (12), b (3)". */
static bool host_note(struct e2e_buf *b, const struct e2e_report *r)
{
	size_t hosts = 0, k = 0;

	for (size_t i = 0; i < r->nnotes; i++)
		hosts += r->notes[i].kind == E2E_NOTE_HOST;
	if (!hosts)
		return false;
	e2e_buf_printf(b, "requests to %zu hosts recorded:", hosts);
	for (size_t i = 0; i < r->nnotes; i++) {
		if (r->notes[i].kind != E2E_NOTE_HOST)
			continue;
		e2e_buf_puts(b, k++ ? ", " : " ");
		e2e_fmt_utf8(b, r->notes[i].name, true);
		e2e_buf_puts(b, " (");
		e2e_fmt_count(b, r->notes[i].count);
		e2e_buf_putc(b, ')');
	}
	e2e_buf_puts(b, "; perf-profile --import --host HOST keeps one");
	return true;
}

bool e2e_render_run_note(struct e2e_buf *b, const struct e2e_report *r, enum e2e_note_kind kind)
{
	if (kind == E2E_NOTE_HOST)
		return host_note(b, r);
	for (size_t i = 0; i < r->nnotes; i++) {
		const struct e2e_run_note *n = &r->notes[i];
		bool one = n->count == 1;

		if (n->kind != kind)
			continue;
		e2e_fmt_count(b, n->count);
		if (kind == E2E_NOTE_CACHE_HITS)
			e2e_buf_puts(b,
				     one ? " browser-cache hit was not imported: it never reached the service"
					 : " browser-cache hits were not imported: they never reached the "
					   "service");
		else if (kind == E2E_NOTE_REPLAY_LATE)
			e2e_buf_puts(b,
				     one ? " replayed request was sent over 1 ms after its intended time "
					   "(its latency counts from that time)"
					 : " replayed requests were sent over 1 ms after their intended time "
					   "(their latencies count from that time)");
		else if (kind == E2E_NOTE_REPLAY_SKIPPED)
			e2e_buf_puts(b,
				     one ? " arrival of the replay was not sent: --max-in-flight requests "
					   "were outstanding"
					 : " arrivals of the replay were not sent: --max-in-flight requests "
					   "were outstanding");
		else
			e2e_buf_puts(b, one ? " HAR entry for another host was not imported (--host)"
					    : " HAR entries for other hosts were not imported (--host)");
		return true;
	}
	return false;
}

size_t e2e_render_tests_summary(struct e2e_buf *b, const struct e2e_tests_report *ts, size_t max)
{
	size_t n = ts->ntests < max ? ts->ntests : max;

	e2e_fmt_count(b, ts->ntests);
	e2e_buf_puts(b, ts->ntests == 1 ? " test" : " tests");
	if (n < ts->ntests)
		e2e_buf_printf(b, " (the %zu slowest shown)", n);
	e2e_buf_puts(b, "; requests outside any test: ");
	e2e_fmt_count(b, ts->outside);
	e2e_buf_puts(b, ", unattributed: ");
	e2e_fmt_count(b, ts->unattributed);
	return n;
}

void e2e_render_notes(struct e2e_buf *b, const struct e2e_report *r, const char *prefix)
{
	struct e2e_buf note = E2E_BUF_INIT;

	for (size_t i = r->nruns; i-- > 0;) {
		if (!r->runs[i].complete)
			e2e_buf_printf(
				b, "%srun %" PRId64 " did not finish normally: its figures may be partial\n",
				prefix, r->runs[i].id);
	}
	if (r->dropped) {
		e2e_buf_puts(b, prefix);
		e2e_render_loss(b, r->dropped, r->lost, e2e_loss_text(r->lost_cause));
		e2e_buf_puts(b, " and are not in these figures\n");
	}
	for (int k = 0; k < E2E_NOTE__COUNT; k++) {
		e2e_buf_reset(&note);
		if (e2e_render_run_note(&note, r, (enum e2e_note_kind)k))
			e2e_buf_printf(b, "%s%s\n", prefix, note.data);
	}
	e2e_buf_reset(&note);
	if (e2e_render_disturbance_line(&note, r))
		e2e_buf_printf(b, "%s%s\n", prefix, note.data);
	if (r->cut_paths) {
		e2e_buf_puts(b, prefix);
		e2e_fmt_count(b, r->cut_paths);
		e2e_buf_puts(b, r->cut_paths == 1 ? " request had" : " requests had");
		e2e_buf_printf(b, " a raw path longer than %d KiB: stored cut short, ending in \"%s\"\n",
			       E2E_PATH_MAX / 1024, E2E_PATH_CUT_MARK);
	}
	e2e_buf_finish(&note);
}

size_t e2e_render_disturbance(const struct e2e_report *r, double *median, double *lo, double *hi)
{
	double *v = e2e_xcalloc(r->nruns + 1, sizeof(*v));
	size_t n = 0;

	for (size_t i = 0; i < r->nruns; i++)
		if (r->runs[i].disturbance_probes)
			v[n++] = r->runs[i].disturbance;
	*median = *lo = *hi = NAN;
	if (n) {
		*median = e2e_stats_median(v, n);
		e2e_stats_sort(v, n);
		*lo = v[0];
		*hi = v[n - 1];
	}
	free(v);
	return n;
}

bool e2e_render_disturbance_line(struct e2e_buf *b, const struct e2e_report *r)
{
	double med, lo, hi;
	size_t n = e2e_render_disturbance(r, &med, &lo, &hi);

	if (!n)
		return false;
	if (n == 1)
		e2e_buf_printf(b, "runner disturbance %.2f", med);
	else
		e2e_buf_printf(b, "runner disturbance median %.2f, %.2f..%.2f over %zu runs", med, lo, hi, n);
	e2e_buf_puts(b, " (run-queue wait per CPU ms of e2e's probe)");
	return true;
}

void e2e_render_loss_causes(struct e2e_buf *b, uint64_t dropped, uint64_t lost, const char *cause)
{
	const char *queue = "capture queue full";

	if (!lost) {
		e2e_buf_puts(b, queue);
	} else if (lost < dropped) {
		e2e_buf_printf(b, "%s: ", queue);
		e2e_fmt_count(b, dropped - lost);
		e2e_buf_printf(b, ", %s: ", cause);
		e2e_fmt_count(b, lost);
	} else {
		e2e_buf_puts(b, cause);
	}
}

void e2e_render_loss(struct e2e_buf *b, uint64_t dropped, uint64_t lost, const char *cause)
{
	e2e_fmt_count(b, dropped);
	e2e_buf_puts(b, dropped == 1 ? " request was" : " requests were");
	e2e_buf_puts(b, lost ? " not recorded (" : " dropped (");
	e2e_render_loss_causes(b, dropped, lost, cause);
	e2e_buf_putc(b, ')');
}

/* --changes */

void e2e_render_changes_title(struct e2e_buf *b, const struct e2e_render_input *in)
{
	const struct e2e_report *r = in->report;

	e2e_buf_puts(b, "service ");
	e2e_fmt_utf8(b, r->service, true);
	e2e_buf_printf(b, ": change points in %s over %zu run%s",
		       e2e_changes_metric_name(in->changes->metric), r->nruns, r->nruns == 1 ? "" : "s");
	if (r->nruns) {
		e2e_buf_puts(b, " (");
		e2e_render_run_ids_span(b, r);
		e2e_buf_putc(b, ')');
	}
}

void e2e_render_run_ids_span(struct e2e_buf *b, const struct e2e_report *r)
{
	if (r->nruns == 1)
		e2e_buf_printf(b, "run %" PRId64, r->runs[0].id);
	else if (r->nruns > 1)
		e2e_buf_printf(b, "runs %" PRId64 " to %" PRId64, r->runs[r->nruns - 1].id, r->runs[0].id);
}

void e2e_render_changes_note(struct e2e_buf *b, const struct e2e_render_input *in)
{
	const struct e2e_changes *c = in->changes;

	if (c->too_few)
		e2e_buf_printf(b, "too few runs: %zu, change points need at least %zu", in->report->nruns,
			       c->min_runs);
	else if (c->total == 0)
		e2e_buf_puts(b, "no change points");
}

void e2e_render_commits(struct e2e_buf *b, const struct e2e_report *r, const struct e2e_change *c)
{
	const char *from = r->runs[c->prev_run].git_commit, *to = r->runs[c->run].git_commit;
	char x[8], y[8];

	if (!from[0] || !to[0])
		return;
	snprintf(x, sizeof(x), "%s", from);
	snprintf(y, sizeof(y), "%s", to);
	e2e_fmt_utf8(b, x, true);
	e2e_buf_puts(b, "..");
	e2e_fmt_utf8(b, y, true);
}

void e2e_render_change_value(struct e2e_buf *b, const struct e2e_changes *c, double v)
{
	if (c->metric == E2E_CHANGES_ERROR_RATE)
		e2e_fmt_pct(b, v);
	else
		e2e_fmt_ms(b, v);
}

bool e2e_render_change_is_worse(const struct e2e_change *c)
{
	return c->after > c->before;
}
