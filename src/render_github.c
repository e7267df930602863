/* render_github.c - GitHub Actions workflow commands: a report a CI step
 * prints so that its findings appear among the run's annotations. One
 * "::error" (critical) or "::warning" per regressed endpoint, its message
 * the gate's own line for each regressed metric; one per rule breach or
 * other finding with a severity; then one "::notice" with the headline
 * and the verdict. Data is escaped as GitHub's toolkit does (% CR LF as
 * %25 %0D %0A; in a property also : and , as %3A %2C), and any other
 * control character becomes '?', so no value can start a command of its
 * own. */
#include <string.h>

#include "render_impl.h"
#include "banned.h"

static const char *esc_common(uint32_t cp)
{
	switch (cp) {
	case '%':
		return "%25";
	case '\r':
		return "%0D";
	case '\n':
		return "%0A";
	default:
		return e2e_fmt_is_control(cp) ? "?" : NULL;
	}
}

static const char *esc_data(uint32_t cp)
{
	return esc_common(cp);
}

static const char *esc_property(uint32_t cp)
{
	if (cp == ':')
		return "%3A";
	if (cp == ',')
		return "%2C";
	return esc_common(cp);
}

/* "::LEVEL title=TITLE::MESSAGE\n" */
static void command(struct e2e_buf *b, const char *level, const char *title, const char *message)
{
	e2e_buf_printf(b, "::%s title=", level);
	e2e_fmt_escaped(b, title, esc_property);
	e2e_buf_puts(b, "::");
	e2e_fmt_escaped(b, message, esc_data);
	e2e_buf_putc(b, '\n');
}

static const char *level_of(enum e2e_severity s)
{
	return s == E2E_SEVERITY_CRITICAL ? "error" : "warning";
}

/* One annotation per regressed endpoint: every regressed metric's line,
 * then the tests that call it most; one per regressed test. */
static void regressions(struct e2e_buf *b, const struct e2e_report *r, const struct e2e_gate_result *g)
{
	struct e2e_buf title = E2E_BUF_INIT, msg = E2E_BUF_INIT;

	for (size_t i = 0; i < g->nendpoints; i++) {
		const struct e2e_endpoint_cmp *c = &g->endpoints[i];

		if (c->verdict != E2E_VERDICT_REGRESSION)
			continue;
		e2e_buf_reset(&title);
		e2e_buf_reset(&msg);
		e2e_buf_printf(&title, "e2e: %s regressed", c->key);
		for (size_t m = 0; m < E2E_METRIC__COUNT; m++) {
			const struct e2e_confirm_item *it = e2e_render_confirm_item(g, c->key, m);

			/* a regression --confirm saw vanish is no annotation */
			if (c->metrics[m].verdict != E2E_VERDICT_REGRESSION ||
			    (it && it->state == E2E_CONFIRM_VANISHED))
				continue;
			if (msg.len)
				e2e_buf_putc(&msg, '\n');
			e2e_gate_format_metric(&c->metrics[m], c->key, &msg);
			if (it) {
				e2e_buf_putc(&msg, '\n');
				e2e_render_confirm_line(&msg, g->confirmation, it);
			}
		}
		if (msg.len) {
			e2e_render_callers(&msg, r, c->key, "\n");
			command(b, level_of(c->severity), title.data, msg.data);
		}
	}
	for (size_t i = 0; i < g->ntests; i++) { /* --gate-tests */
		const struct e2e_metric_cmp *x = &g->tests[i].duration;

		if (x->verdict != E2E_VERDICT_REGRESSION)
			continue;
		e2e_buf_reset(&title);
		e2e_buf_reset(&msg);
		e2e_buf_printf(&title, "e2e: test %s slower", g->tests[i].name);
		e2e_gate_format_test(&g->tests[i], &msg);
		command(b, level_of(x->severity), title.data, msg.data);
	}
	e2e_buf_finish(&title);
	e2e_buf_finish(&msg);
}

/* Rule breaches, a host mismatch, ...: the findings with a severity. */
static void findings(struct e2e_buf *b, const struct e2e_gate_result *g)
{
	struct e2e_buf title = E2E_BUF_INIT;

	for (size_t i = 0; i < g->nfindings; i++) {
		const struct e2e_finding *f = &g->findings[i];

		if (f->severity == E2E_SEVERITY_NONE)
			continue;
		e2e_buf_reset(&title);
		e2e_buf_printf(&title, "e2e: %s", f->kind);
		if (f->endpoint)
			e2e_buf_printf(&title, " %s", f->endpoint);
		command(b, level_of(f->severity), title.data, f->message);
	}
	e2e_buf_finish(&title);
}

int e2e_render_github(const struct e2e_render_input *in, struct e2e_buf *out)
{
	const struct e2e_gate_result *g = in->gate;
	struct e2e_buf msg = E2E_BUF_INIT, title = E2E_BUF_INIT;

	if (g) {
		regressions(out, in->report, g);
		findings(out, g);
	}
	e2e_buf_printf(&title, "e2e perf-report %s", in->report->service);
	e2e_render_headline(&msg, in->report);
	if (g) {
		e2e_buf_puts(&msg, "\ngate: ");
		e2e_render_verdict(&msg, g);
	}
	e2e_buf_putc(&msg, '\n');
	e2e_render_notes(&msg, in->report, "note: ");
	while (msg.len && msg.data[msg.len - 1] == '\n')
		msg.data[--msg.len] = '\0';
	command(out, "notice", title.data, msg.data);
	e2e_buf_finish(&msg);
	e2e_buf_finish(&title);
	return 0;
}
