/* render_gitlab.c - GitLab Code Quality JSON (the codequality report of a
 * CI job, artifacts:reports:codequality): one issue per regressed metric
 * of an endpoint, per rule breach and per other finding with a severity,
 * so that a merge request's widget lists what got worse and, comparing
 * fingerprints with the target branch's report, which problems are new
 * and which were resolved. Each issue's description is the gate's own
 * line; its fingerprint is the service, the check and the endpoint (never
 * the numbers), so one problem keeps its identity from run to run. The
 * location is the baseline file (the rules file without one), line 1: a
 * file the merge request's repository holds. */
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "error.h"
#include "render_impl.h"
#include "sha256.h"
#include "banned.h"

/* "critical" for a critical finding, "major" for a warning (GitLab's
 * info, minor, major, critical, blocker). */
static const char *severity_of(enum e2e_severity s)
{
	return s == E2E_SEVERITY_CRITICAL ? "critical" : "major";
}

static void fingerprint(const char *service, const char *check, const char *endpoint,
			char out[E2E_SHA256_HEX_LEN + 1])
{
	struct e2e_sha256 c;
	uint8_t d[E2E_SHA256_LEN];

	e2e_sha256_init(&c);
	e2e_sha256_update(&c, service, strlen(service) + 1);
	e2e_sha256_update(&c, check, strlen(check) + 1);
	e2e_sha256_update(&c, endpoint ? endpoint : "", strlen(endpoint ? endpoint : "") + 1);
	e2e_sha256_final(&c, d);
	e2e_sha256_hex(d, out);
}

static void issue(json_t *list, const char *service, const char *path, const char *check,
		  const char *endpoint, enum e2e_severity sev, const char *description)
{
	char fp[E2E_SHA256_HEX_LEN + 1];
	struct e2e_buf name = E2E_BUF_INIT;

	e2e_buf_printf(&name, "e2e-perf/%s", check);
	fingerprint(service, name.data, endpoint, fp);
	json_array_append_new(list, json_pack("{s:o, s:s, s:s, s:s, s:{s:o, s:{s:i}}}", "description",
					      e2e_render_jstr(description), "check_name", name.data,
					      "fingerprint", fp, "severity", severity_of(sev), "location",
					      "path", e2e_render_jstr(path), "lines", "begin", 1));
	e2e_buf_finish(&name);
}

static void regressions(json_t *list, const struct e2e_report *r, const struct e2e_gate_result *g,
			const char *path)
{
	struct e2e_buf line = E2E_BUF_INIT;

	for (size_t i = 0; i < g->nendpoints; i++) {
		const struct e2e_endpoint_cmp *c = &g->endpoints[i];

		for (size_t m = 0; c->verdict == E2E_VERDICT_REGRESSION && m < E2E_METRIC__COUNT; m++) {
			const struct e2e_confirm_item *it = e2e_render_confirm_item(g, c->key, m);

			/* a regression --confirm saw vanish is no issue */
			if (c->metrics[m].verdict != E2E_VERDICT_REGRESSION ||
			    (it && it->state == E2E_CONFIRM_VANISHED))
				continue;
			e2e_buf_reset(&line);
			e2e_gate_format_metric(&c->metrics[m], c->key, &line);
			if (it) {
				e2e_buf_puts(&line, "; ");
				e2e_render_confirm_line(&line, g->confirmation, it);
			}
			e2e_render_callers(&line, r, c->key, "; ");
			issue(list, r->service, path, e2e_metric_name((enum e2e_metric)m), c->key,
			      c->metrics[m].severity, line.data);
		}
	}
	for (size_t i = 0; i < g->ntests; i++) { /* --gate-tests */
		if (g->tests[i].duration.verdict != E2E_VERDICT_REGRESSION)
			continue;
		e2e_buf_reset(&line);
		e2e_gate_format_test(&g->tests[i], &line);
		issue(list, r->service, path, "test_duration", g->tests[i].name,
		      g->tests[i].duration.severity, line.data);
	}
	e2e_buf_finish(&line);
}

int e2e_render_gitlab(const struct e2e_render_input *in, struct e2e_buf *out)
{
	const struct e2e_gate_result *g = in->gate;
	json_t *list = json_array();
	char *s;

	if (g) {
		const char *path = g->baseline_name ? g->baseline_name : g->rules_name ? g->rules_name : "";

		regressions(list, in->report, g, path);
		for (size_t i = 0; i < g->nfindings; i++) {
			const struct e2e_finding *f = &g->findings[i];

			if (f->severity != E2E_SEVERITY_NONE)
				issue(list, in->report->service, path, f->kind, f->endpoint, f->severity,
				      f->message);
		}
	}
	s = json_dumps(list, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
	json_decref(list);
	if (!s)
		return e2e_error(E2E_ERR_RUNTIME, "out of memory");
	e2e_buf_puts(out, s);
	e2e_buf_putc(out, '\n');
	free(s);
	return 0;
}
