/* render_junit.c - JUnit XML for CI test views: one <testsuite> for the
 * service, one <testcase> per endpoint (time = its mean latency in
 * seconds). A regression or a rule breach of an endpoint is a <failure>;
 * an endpoint of the baseline missing from the run is <skipped>. A gate
 * that fails on global findings only gets one extra failing testcase
 * named "gate", so a failed gate is never green in a test view. A
 * regression that --confirm saw vanish is no failure (its line is in the
 * testcase's system-out); a confirmed one says so in the failure text. With
 * --changes: one <testcase> per endpoint, a change point that raised the
 * metric a <failure> of type "change_point" (the exit status stays 0),
 * one that lowered it a line of <system-out>. */
#include <inttypes.h>
#include <math.h>
#include <string.h>

#include "render_impl.h"
#include "resources.h"
#include "banned.h"

static void attr(struct e2e_buf *b, const char *name, const char *value)
{
	e2e_buf_printf(b, " %s=\"", name);
	e2e_fmt_xml(b, value ? value : "");
	e2e_buf_putc(b, '"');
}

/* The failure's message and text for an endpoint; false when it passes.
 * A regression that --confirm saw vanish is no failure: its line goes to
 * the test's output (vanished). */

static bool failure_text(const struct e2e_report *r, const struct e2e_gate_result *g,
			 const struct e2e_endpoint_cmp *c, const char *key, struct e2e_buf *msg,
			 struct e2e_buf *text, struct e2e_buf *vanished, const char **type)
{
	bool failed = false;

	for (size_t m = 0; c && m < E2E_METRIC__COUNT; m++) {
		const struct e2e_confirm_item *it = e2e_render_confirm_item(g, key, m);

		if (c->metrics[m].verdict != E2E_VERDICT_REGRESSION)
			continue;
		if (it) {
			e2e_render_confirm_line(it->state == E2E_CONFIRM_VANISHED ? vanished : text,
						g->confirmation, it);
			e2e_buf_putc(it->state == E2E_CONFIRM_VANISHED ? vanished : text, '\n');
			if (it->state == E2E_CONFIRM_VANISHED)
				continue;
		}
		if (!failed)
			e2e_gate_format_metric(&c->metrics[m], NULL, msg);
		e2e_gate_format_metric(&c->metrics[m], NULL, text);
		e2e_buf_putc(text, '\n');
		*type = "regression";
		failed = true;
	}
	if (failed && e2e_render_callers(msg, r, key, "; ")) {
		e2e_render_callers(text, r, key, "");
		e2e_buf_putc(text, '\n');
	}
	for (size_t i = 0; g && i < g->nfindings; i++) {
		const struct e2e_finding *f = &g->findings[i];

		if (!f->endpoint || strcmp(f->endpoint, key) != 0)
			continue;
		if (strcmp(f->kind, "rule") == 0) {
			if (!failed) {
				e2e_buf_puts(msg, f->message);
				*type = "rule";
			}
			failed = true;
		}
		e2e_buf_printf(text, "%s: %s\n", f->kind, f->message);
	}
	for (size_t i = 0; g && i < g->nadvice; i++) {
		if (g->advice[i].endpoint && strcmp(g->advice[i].endpoint, key) == 0)
			e2e_buf_printf(text, "hint: %s\n", g->advice[i].message);
	}
	return failed;
}

static void figures_line(struct e2e_buf *b, const struct e2e_endpoint_report *e)
{
	e2e_buf_puts(b, "n=");
	e2e_fmt_count(b, e->count);
	e2e_buf_puts(b, " errors=");
	e2e_fmt_pct(b, e->error_rate);
	e2e_buf_puts(b, " mean=");
	e2e_fmt_ms(b, e->mean_ms);
	e2e_buf_puts(b, " p50=");
	e2e_fmt_ms(b, e->p50_ms);
	e2e_buf_puts(b, " p95=");
	e2e_fmt_ms(b, e->p95_ms);
	e2e_buf_puts(b, " p99=");
	e2e_fmt_ms(b, e->p99_ms);
	e2e_buf_puts(b, " max=");
	e2e_fmt_ms(b, e->max_ms);
}

static void testcase(struct e2e_buf *b, const struct e2e_report *r, const struct e2e_gate_result *g,
		     const char *key, const struct e2e_endpoint_report *e, size_t *failures)
{
	const struct e2e_endpoint_cmp *c = e2e_render_cmp(g, key);
	struct e2e_buf msg = E2E_BUF_INIT, text = E2E_BUF_INIT, out = E2E_BUF_INIT, vanished = E2E_BUF_INIT;
	const char *type = "";

	e2e_buf_puts(b, "    <testcase");
	attr(b, "classname", r->service);
	attr(b, "name", key);
	e2e_buf_printf(b, " time=\"%.6f\">\n", e && e->count ? e->mean_ms / 1000 : 0.0);
	if (failure_text(r, g, c, key, &msg, &text, &vanished, &type)) {
		e2e_buf_puts(b, "      <failure");
		attr(b, "type", type);
		attr(b, "message", msg.data);
		e2e_buf_puts(b, ">");
		e2e_fmt_xml(b, text.data ? text.data : "");
		e2e_buf_puts(b, "</failure>\n");
		(*failures)++;
	} else if (c && c->verdict == E2E_VERDICT_MISSING) {
		e2e_buf_puts(b, "      <skipped message=\"in the baseline but not in this run\"/>\n");
	}
	if (e || vanished.len) {
		if (e)
			figures_line(&out, e);
		if (vanished.len) {
			if (out.len)
				e2e_buf_putc(&out, '\n');
			e2e_buf_add(&out, vanished.data, vanished.len - 1);
		}
		e2e_buf_puts(b, "      <system-out>");
		e2e_fmt_xml(b, out.data);
		e2e_buf_puts(b, "</system-out>\n");
	}
	e2e_buf_puts(b, "    </testcase>\n");
	e2e_buf_finish(&msg);
	e2e_buf_finish(&text);
	e2e_buf_finish(&out);
	e2e_buf_finish(&vanished);
}

/* --gate-tests: a testcase per test of the comparison (classname
 * "SERVICE.tests"): a regression fails, a test not judged is skipped. */
static void test_testcase(struct e2e_buf *b, const struct e2e_report *r, const struct e2e_test_cmp *t,
			  size_t *failures, size_t *skipped)
{
	const struct e2e_metric_cmp *x = &t->duration;
	struct e2e_buf line = E2E_BUF_INIT, cls = E2E_BUF_INIT;

	e2e_gate_format_test(t, &line);
	e2e_buf_printf(&cls, "%s.tests", r->service);
	e2e_buf_puts(b, "    <testcase");
	attr(b, "classname", cls.data);
	attr(b, "name", t->name);
	e2e_buf_printf(b, " time=\"%.6f\">\n", isnan(x->current) ? 0.0 : x->current / 1000);
	if (x->verdict == E2E_VERDICT_REGRESSION) {
		e2e_buf_puts(b, "      <failure type=\"test_duration\"");
		attr(b, "message", line.data);
		e2e_buf_puts(b, "/>\n");
		(*failures)++;
	} else if (e2e_render_test_listed(x)) {
		e2e_buf_puts(b, "      <skipped");
		attr(b, "message", line.data);
		e2e_buf_puts(b, "/>\n");
		(*skipped)++;
	} else {
		e2e_buf_puts(b, "      <system-out>");
		e2e_fmt_xml(b, line.data);
		e2e_buf_puts(b, "</system-out>\n");
	}
	e2e_buf_puts(b, "    </testcase>\n");
	e2e_buf_finish(&line);
	e2e_buf_finish(&cls);
}

/* ---- the service's own cost (resources.h): one property per line ---- */

static void res_property(void *ctx, const char *label, const char *text, bool warn)
{
	struct e2e_buf *b = ctx, name = E2E_BUF_INIT;

	e2e_buf_puts(&name, "service_cost.");
	for (const char *p = label; *p; p++)
		e2e_buf_putc(&name, *p == ' ' ? '_' : *p);
	e2e_buf_puts(b, "      <property");
	attr(b, "name", name.data);
	if (warn) {
		struct e2e_buf v = E2E_BUF_INIT;

		e2e_buf_printf(&v, "warning: %s", text);
		attr(b, "value", v.data);
		e2e_buf_finish(&v);
	} else {
		attr(b, "value", text);
	}
	e2e_buf_puts(b, "/>\n");
	e2e_buf_finish(&name);
}

static void resources_junit(const struct e2e_res_report *r, struct e2e_buf *b)
{
	if (!r)
		return;
	e2e_render_res_lines(r, res_property, b);
	for (size_t i = 0; i < r->nendpoints; i++) {
		struct e2e_buf n = E2E_BUF_INIT, v = E2E_BUF_INIT;

		e2e_buf_printf(&n, "service_cost.cpu_per_request.%s", r->endpoints[i].endpoint);
		e2e_fmt_ms(&v, r->endpoints[i].cpu_ms);
		e2e_buf_puts(b, "      <property");
		attr(b, "name", n.data);
		attr(b, "value", v.data);
		e2e_buf_puts(b, "/>\n");
		e2e_buf_finish(&n);
		e2e_buf_finish(&v);
	}
}

static void runner_disturbance(struct e2e_buf *out, const struct e2e_report *r)
{
	struct e2e_buf line = E2E_BUF_INIT;

	if (e2e_render_disturbance_line(&line, r)) {
		e2e_buf_puts(out, "      <property name=\"runner_disturbance\"");
		attr(out, "value", line.data);
		e2e_buf_puts(out, "/>\n");
	}
	e2e_buf_finish(&line);
}

int e2e_render_junit(const struct e2e_render_input *in, struct e2e_buf *out)
{
	const struct e2e_report *r = in->report;
	const struct e2e_gate_result *g = in->gate;
	struct e2e_buf body = E2E_BUF_INIT, ts = E2E_BUF_INIT, ids = E2E_BUF_INIT;
	size_t tests = 0, failures = 0, skipped = 0;

	for (size_t i = 0; i < r->nendpoints; i++, tests++)
		testcase(&body, r, g, r->endpoints[i].key, &r->endpoints[i], &failures);
	for (size_t i = 0; g && i < g->nendpoints; i++) {
		if (e2e_report_find(r, g->endpoints[i].key))
			continue;
		testcase(&body, r, g, g->endpoints[i].key, NULL, &failures);
		tests++;
		if (g->endpoints[i].verdict == E2E_VERDICT_MISSING)
			skipped++;
	}
	for (size_t i = 0; g && i < g->ntests; i++, tests++)
		test_testcase(&body, r, &g->tests[i], &failures, &skipped);
	if (g && g->failed && failures == 0) {
		struct e2e_buf v = E2E_BUF_INIT;

		e2e_render_verdict(&v, g);
		e2e_buf_puts(&body, "    <testcase");
		attr(&body, "classname", r->service);
		attr(&body, "name", "gate");
		e2e_buf_puts(&body, " time=\"0\">\n      <failure type=\"gate\"");
		attr(&body, "message", v.data);
		e2e_buf_puts(&body, "/>\n    </testcase>\n");
		e2e_buf_finish(&v);
		tests++;
		failures++;
	}

	e2e_fmt_time(&ts, r->nruns ? r->runs[0].started_ms : 0, true);
	if (ts.len && ts.data[ts.len - 1] == 'Z')
		ts.data[--ts.len] = '\0'; /* the JUnit schema's timestamp has no zone: UTC */
	e2e_render_run_ids(&ids, r);
	e2e_buf_puts(out, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
	e2e_buf_printf(out,
		       "<testsuites name=\"e2e perf-report\" tests=\"%zu\" failures=\"%zu\" errors=\"0\" "
		       "skipped=\"%zu\" time=\"%.3f\">\n",
		       tests, failures, skipped, r->duration_s);
	e2e_buf_puts(out, "  <testsuite");
	attr(out, "name", r->service);
	e2e_buf_printf(out, " tests=\"%zu\" failures=\"%zu\" errors=\"0\" skipped=\"%zu\" time=\"%.3f\"",
		       tests, failures, skipped, r->duration_s);
	if (ts.len)
		attr(out, "timestamp", ts.data);
	e2e_buf_puts(out, ">\n    <properties>\n      <property name=\"run_ids\"");
	attr(out, "value", ids.data ? ids.data : "");
	e2e_buf_puts(out, "/>\n");
	if (r->nruns && r->runs[0].git_commit[0]) {
		e2e_buf_puts(out, "      <property name=\"git_commit\"");
		attr(out, "value", r->runs[0].git_commit);
		e2e_buf_puts(out, "/>\n");
	}
	runner_disturbance(out, r);
	if (g) {
		e2e_buf_puts(out, "      <property name=\"verdict\"");
		attr(out, "value", e2e_verdict_name(g->overall));
		e2e_buf_puts(out, "/>\n");
	}
	resources_junit(r->resources, out);
	e2e_buf_puts(out, "    </properties>\n");
	e2e_buf_add(out, body.data ? body.data : "", body.len);
	{
		struct e2e_buf t = E2E_BUF_INIT;

		for (size_t i = 0; g && i < g->nfindings; i++)
			if (!g->findings[i].endpoint)
				e2e_buf_printf(&t, "%s: %s\n", g->findings[i].kind, g->findings[i].message);
		e2e_render_notes(&t, r, "note: ");
		if (t.len) {
			e2e_buf_puts(out, "    <system-out>");
			e2e_fmt_xml(out, t.data);
			e2e_buf_puts(out, "</system-out>\n");
		}
		e2e_buf_finish(&t);
	}
	e2e_buf_puts(out, "  </testsuite>\n</testsuites>\n");
	e2e_buf_finish(&body);
	e2e_buf_finish(&ts);
	e2e_buf_finish(&ids);
	return 0;
}

/* "p50 10.2 ms -> 15.3 ms (+50%) at run 7 (abc1234..def5678), p 1.2e-08" */
static void change_line(struct e2e_buf *b, const struct e2e_render_input *in, const struct e2e_change *x)
{
	const struct e2e_report *r = in->report;
	struct e2e_buf c = E2E_BUF_INIT;

	e2e_buf_printf(b, "%s ", e2e_changes_metric_name(in->changes->metric));
	e2e_render_change_value(b, in->changes, x->before);
	e2e_buf_puts(b, " -> ");
	e2e_render_change_value(b, in->changes, x->after);
	e2e_buf_puts(b, " (");
	e2e_fmt_delta_pct(b, x->change * 100);
	e2e_buf_printf(b, ") at run %" PRId64, r->runs[x->run].id);
	e2e_render_commits(&c, r, x);
	if (c.len)
		e2e_buf_printf(b, " (%s)", c.data);
	e2e_buf_printf(b, ", p %.1e", x->pvalue);
	e2e_buf_finish(&c);
}

int e2e_render_junit_changes(const struct e2e_render_input *in, struct e2e_buf *out)
{
	const struct e2e_report *r = in->report;
	const struct e2e_changes *c = in->changes;
	struct e2e_buf body = E2E_BUF_INIT, title = E2E_BUF_INIT;
	size_t failures = 0;

	for (size_t i = 0; i < c->nendpoints; i++) {
		const struct e2e_endpoint_changes *e = &c->endpoints[i];
		struct e2e_buf worse = E2E_BUF_INIT, better = E2E_BUF_INIT, first = E2E_BUF_INIT;

		for (size_t j = 0; j < e->nchanges; j++) {
			struct e2e_buf *to = e2e_render_change_is_worse(&e->changes[j]) ? &worse : &better;

			if (to == &worse && !first.len)
				change_line(&first, in, &e->changes[j]);
			change_line(to, in, &e->changes[j]);
			e2e_buf_putc(to, '\n');
		}
		e2e_buf_puts(&body, "    <testcase");
		attr(&body, "classname", r->service);
		attr(&body, "name", e->endpoint->key);
		e2e_buf_puts(&body, " time=\"0\">\n");
		if (worse.len) {
			e2e_buf_puts(&body, "      <failure type=\"change_point\"");
			attr(&body, "message", first.data);
			e2e_buf_puts(&body, ">");
			e2e_fmt_xml(&body, worse.data);
			e2e_buf_puts(&body, "</failure>\n");
			failures++;
		}
		if (better.len) {
			e2e_buf_puts(&body, "      <system-out>");
			e2e_fmt_xml(&body, better.data);
			e2e_buf_puts(&body, "</system-out>\n");
		}
		e2e_buf_puts(&body, "    </testcase>\n");
		e2e_buf_finish(&worse);
		e2e_buf_finish(&better);
		e2e_buf_finish(&first);
	}
	e2e_render_changes_title(&title, in);
	e2e_buf_puts(out, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
	e2e_buf_printf(out,
		       "<testsuites name=\"e2e perf-report --changes\" tests=\"%zu\" failures=\"%zu\">\n",
		       c->nendpoints, failures);
	e2e_buf_puts(out, "  <testsuite");
	attr(out, "name", r->service);
	e2e_buf_printf(out, " tests=\"%zu\" failures=\"%zu\" errors=\"0\" skipped=\"0\">\n", c->nendpoints,
		       failures);
	e2e_buf_puts(out, "    <system-out>");
	e2e_fmt_xml(out, title.data);
	if (c->too_few || c->total == 0) {
		e2e_buf_reset(&title);
		e2e_render_changes_note(&title, in);
		e2e_buf_puts(out, ": ");
		e2e_fmt_xml(out, title.data);
	}
	e2e_buf_puts(out, "</system-out>\n");
	e2e_buf_add(out, body.data ? body.data : "", body.len);
	e2e_buf_puts(out, "  </testsuite>\n</testsuites>\n");
	e2e_buf_finish(&body);
	e2e_buf_finish(&title);
	return 0;
}
