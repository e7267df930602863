/* gate_text.c - the gate's wording: each metric's line, the findings of
 * rule breaches and the global findings. Numbers go through fmt.h. */
#include <inttypes.h>
#include <math.h>
#include <string.h>

#include "advice.h"
#include "buf.h"
#include "fmt.h"
#include "gate.h"
#include "gate_impl.h"
#include "rules.h"
#include "banned.h"

/* A rule limit's value: an error rate as a share, a latency in ms. */
static void limit_value(struct e2e_buf *b, int l, double v)
{
	if (l == E2E_LIMIT_ERROR_RATE)
		e2e_fmt_pct(b, v);
	else
		e2e_fmt_ms(b, v);
}

void e2e_gate_text_breach(struct e2e_gate_result *g, const struct e2e_rule *rule, int l,
			  const struct e2e_endpoint_report *e, double v)
{
	static const char *const what[] = { "mean", "p50", "p95", "p99", "error rate" };
	struct e2e_buf msg = E2E_BUF_INIT;

	e2e_buf_printf(&msg, "%s ", what[l]);
	limit_value(&msg, l, v);
	e2e_buf_printf(&msg, " exceeds %s ", e2e_rule_limit_name(l));
	limit_value(&msg, l, rule->limit[l]);
	e2e_buf_printf(&msg, " (rules[%zu] '%s', ", rule->index - 1, rule->match[0].text);
	e2e_fmt_count(&msg, e->count);
	e2e_buf_printf(&msg, " requests) breach [%s]", e2e_severity_name(rule->severity));
	e2e_gate_add_finding(g, "rule", e->key, rule->severity, msg.data);
	e2e_buf_reset(&msg);
	e2e_buf_printf(&msg, "%s ", what[l]);
	limit_value(&msg, l, v);
	if (rule->limit[l] > 0) {
		e2e_buf_puts(&msg, " is ");
		e2e_fmt_pct_num(&msg, 100 * (v / rule->limit[l] - 1), false);
		e2e_buf_printf(&msg, "%% over the %s limit of ", e2e_rule_limit_name(l));
	} else {
		e2e_buf_printf(&msg, " exceeds the %s limit of ", e2e_rule_limit_name(l));
	}
	limit_value(&msg, l, rule->limit[l]);
	e2e_buf_printf(&msg,
		       " (rules[%zu]): profile this endpoint, or change the limit in the rules file if the "
		       "budget is out of date",
		       rule->index - 1);
	e2e_advice_add(g, "rule", e->key, msg.data);
	e2e_buf_finish(&msg);
}

void e2e_gate_text_global(struct e2e_gate_result *g, const struct e2e_report *cur,
			  const struct e2e_baseline *b, const struct gate_env *env)
{
	struct e2e_buf msg = E2E_BUF_INIT;

	if (g->environment_shift) {
		e2e_buf_printf(&msg, "environment shift: %zu of %zu endpoints moved together, p50 ",
			       g->env_agree, g->env_endpoints);
		e2e_fmt_factor(&msg, exp(env[E2E_METRIC_P50].factor));
		for (int m = E2E_METRIC_P95; m < NLAT; m++)
			if (env[m].removed) {
				e2e_buf_printf(&msg, ", %s ", e2e_metric_name(m));
				e2e_fmt_factor(&msg, exp(env[m].factor));
			}
		e2e_buf_puts(&msg, "; each endpoint is judged after removing it");
		e2e_gate_add_finding(g, "environment_shift", NULL, E2E_SEVERITY_NONE, msg.data);
	}
	if (g->runner_disturbed) {
		e2e_buf_reset(&msg);
		e2e_buf_printf(&msg,
			       "runner disturbed: run-queue wait %.2f ms per CPU ms in this run, %.2f in the "
			       "baseline's runs (median, at most %.2f); %zu latency %s it can explain %s "
			       "inconclusive, a p50 still fails ",
			       g->disturbance_current, g->disturbance_baseline, g->disturbance_baseline_max,
			       g->disturbance_set_aside,
			       g->disturbance_set_aside == 1 ? "regression" : "regressions",
			       g->disturbance_set_aside == 1 ? "is" : "are");
		if (g->disturbance_delay_n) {
			e2e_buf_puts(&msg, "at 2x the threshold or beyond the ");
			e2e_fmt_ms(&msg, fmax(g->disturbance_delay_ms, 0));
			e2e_buf_puts(&msg, " (sd ");
			e2e_fmt_ms(&msg, g->disturbance_delay_sd_ms);
			e2e_buf_printf(&msg, ") it added to the p50 of %zu endpoints",
				       g->disturbance_delay_n);
		} else {
			e2e_buf_puts(&msg, "at 2x the threshold");
		}
		e2e_gate_add_finding(g, "runner_disturbed", NULL, E2E_SEVERITY_NONE, msg.data);
	}
	if (g->host_mismatch) {
		const struct e2e_run *r = &cur->runs[0];

		e2e_buf_reset(&msg);
		e2e_buf_printf(&msg,
			       "host differs from the baseline's: baseline '%s', %d cores, '%s'; this run "
			       "'%s', %d cores, '%s'",
			       b->host_cpu, b->host_cores, b->host_os, r->host_cpu ? r->host_cpu : "",
			       r->host_cores, r->host_os ? r->host_os : "");
		e2e_gate_add_finding(g, "host_mismatch", NULL, E2E_SEVERITY_WARNING, msg.data);
	}
	if (g->single_run_baseline) {
		e2e_buf_reset(&msg);
		e2e_buf_puts(&msg, "the baseline has one source run: run-to-run noise cannot be measured, "
				   "default floors are used (sd");
		for (int m = 0; m < NLAT; m++) {
			e2e_buf_printf(&msg, "%s %s ", m ? "," : "", e2e_metric_name(m));
			e2e_fmt_pct_num(&msg, 100 * e2e_gate_wobble_default[m], false);
			e2e_buf_putc(&msg, '%');
		}
		e2e_buf_puts(&msg,
			     "); build it from several runs (--repeat 5 or --runs 5) for a sharper gate");
		e2e_gate_add_finding(g, "single_run_baseline", NULL, E2E_SEVERITY_NONE, msg.data);
	}
	e2e_buf_finish(&msg);
}

const struct e2e_metric_cmp *e2e_gate_endpoint_headline(const struct e2e_endpoint_cmp *e)
{
	const struct e2e_metric_cmp *best = NULL;

	for (int m = 0; m < E2E_METRIC__COUNT; m++) {
		const struct e2e_metric_cmp *mc = &e->metrics[m];

		if (mc->verdict != e->verdict)
			continue;
		if (!best || (mc->verdict == E2E_VERDICT_REGRESSION &&
			      (mc->severity > best->severity ||
			       (mc->severity == best->severity && mc->metric != E2E_METRIC_ERROR_RATE &&
				best->metric != E2E_METRIC_ERROR_RATE && mc->judged_pct > best->judged_pct))))
			best = mc;
	}
	if (!best)
		best = &e->metrics[E2E_METRIC_P95];
	return best;
}

/* "p95" or "error rate": the metric as a finding names it. */
static const char *metric_words(const struct e2e_metric_cmp *m)
{
	return m->metric == E2E_METRIC_ERROR_RATE ? "error rate"
	       : m->metric == E2E_METRIC_CPU	  ? "CPU per request"
						  : e2e_metric_name(m->metric);
}

/* A metric's value: an error rate as a share, a latency in ms. */
static void metric_value(struct e2e_buf *b, const struct e2e_metric_cmp *m, double v)
{
	if (m->metric == E2E_METRIC_ERROR_RATE)
		e2e_fmt_pct(b, v);
	else
		e2e_fmt_ms(b, v);
}

void e2e_gate_format_metric(const struct e2e_metric_cmp *m, const char *endpoint, struct e2e_buf *out)
{
	bool err = m->metric == E2E_METRIC_ERROR_RATE;
	bool env = !err && fabs(m->env_factor - 1) >= 0.005;

	if (endpoint)
		e2e_buf_printf(out, "%s: ", endpoint);
	if (m->verdict == E2E_VERDICT_NEW || m->verdict == E2E_VERDICT_MISSING) {
		bool is_new = m->verdict == E2E_VERDICT_NEW;

		e2e_buf_printf(out, "%s (%s %s ", is_new ? "new endpoint" : "missing endpoint",
			       is_new ? "now" : "baseline", metric_words(m));
		metric_value(out, m, is_new ? m->current : m->baseline);
		e2e_buf_puts(out, ", ");
		e2e_fmt_count(out, is_new ? m->n_current : m->n_baseline);
		e2e_buf_printf(out, " requests) %s", e2e_verdict_name(m->verdict));
		return;
	}
	e2e_buf_printf(out, "%s ", metric_words(m));
	metric_value(out, m, m->baseline);
	e2e_buf_puts(out, " -> ");
	metric_value(out, m, m->current);
	e2e_buf_puts(out, " (");
	if (err) {
		e2e_fmt_pp(out, m->judged_pct);
	} else {
		e2e_fmt_delta_pct(out, m->delta_pct);
		if (m->disturbance_ms > 0) {
			e2e_buf_puts(out, "; ");
			e2e_fmt_delta_pct(out, m->judged_pct);
			e2e_buf_puts(out, " beyond the ");
			e2e_fmt_ms(out, m->disturbance_ms);
			e2e_buf_puts(out, " the runner disturbance added");
		} else if (env && !isnan(m->judged_pct)) {
			e2e_buf_puts(out, "; ");
			e2e_fmt_delta_pct(out, m->judged_pct);
			e2e_buf_puts(out, " after the ");
			e2e_fmt_factor(out, m->env_factor);
			e2e_buf_puts(out, " environment shift");
		}
	}
	if (!isnan(m->ci_lo_pct)) {
		e2e_buf_puts(out, ", 95% CI ");
		if (err)
			e2e_fmt_pp_range(out, m->ci_lo_pct, m->ci_hi_pct);
		else
			e2e_fmt_delta_range(out, m->ci_lo_pct, m->ci_hi_pct);
	}
	e2e_buf_putc(out, ')');
	e2e_buf_printf(out, " %s", e2e_verdict_name(m->verdict));
	if (m->verdict == E2E_VERDICT_REGRESSION)
		e2e_buf_printf(out, " [%s]", e2e_severity_name(m->severity));
	if (m->reason && strcmp(m->reason, "too few samples") == 0) {
		e2e_buf_puts(out, ": too few samples (");
		e2e_fmt_count(out, m->n_current);
		e2e_buf_puts(out, " now, ");
		e2e_fmt_count(out, m->n_baseline);
		e2e_buf_printf(out, " in the baseline; %s needs ", metric_words(m));
		e2e_fmt_count(out, m->n_needed);
		e2e_buf_putc(out, ')');
	} else if (m->reason) {
		e2e_buf_printf(out, ": %s", m->reason);
	}
}
