/* gate_confirm.c - --confirm N: a first judgement's regressions judged
 * again on the pooled re-runs. The re-runs go through the same
 * e2e_gate_compare() as the first run (same baseline, noise model,
 * thresholds and multiple-comparison level), pooled as one current side
 * so their run-to-run variation counts once per run; the first run is left
 * out (it was picked for looking slow). An item is confirmed when the
 * pooled re-runs find the same endpoint and metric a failing regression,
 * vanished when they do not and more runs could not change that (the
 * change is not "within noise", or no re-run is left). */
#include "gate.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "banned.h"

const char *e2e_confirm_state_name(enum e2e_confirm_state s)
{
	static const char *const n[] = { "pending", "confirmed", "vanished" };
	return (unsigned)s < sizeof(n) / sizeof(n[0]) ? n[s] : "unknown";
}

static enum e2e_severity failing_severity(enum e2e_fail_on fail_on)
{
	return fail_on == E2E_FAIL_ON_WARNING ? E2E_SEVERITY_WARNING : E2E_SEVERITY_CRITICAL;
}

static bool fails(enum e2e_severity s, enum e2e_fail_on fail_on)
{
	return fail_on != E2E_FAIL_ON_NEVER && s >= failing_severity(fail_on);
}

size_t e2e_gate_confirm_begin(struct e2e_gate_result *g, size_t asked, int64_t first_run,
			      enum e2e_fail_on fail_on)
{
	struct e2e_confirmation *c;

	if (g->confirmation || !asked)
		return 0;
	c = e2e_xcalloc(1, sizeof(*c));
	for (size_t i = 0; i < g->nendpoints; i++)
		for (int m = 0; m < E2E_METRIC__COUNT; m++) {
			const struct e2e_metric_cmp *mc = &g->endpoints[i].metrics[m];
			struct e2e_confirm_item *it;

			if (mc->verdict != E2E_VERDICT_REGRESSION || !fails(mc->severity, fail_on))
				continue;
			c->items = e2e_xrealloc(c->items, (c->nitems + 1) * sizeof(*c->items));
			it = &c->items[c->nitems++];
			memset(it, 0, sizeof(*it));
			it->endpoint = e2e_xstrdup(g->endpoints[i].key);
			it->metric = (enum e2e_metric)m;
			it->severity = mc->severity;
			it->first_pct = mc->judged_pct;
			it->pooled_pct = it->pooled_ci_lo_pct = it->pooled_ci_hi_pct = NAN;
		}
	if (!c->nitems) {
		free(c);
		return 0;
	}
	c->asked = asked;
	c->first_run = first_run;
	g->confirmation = c;
	return c->nitems;
}

static const struct e2e_confirm_item *find_item(const struct e2e_confirmation *c, const char *key, int m)
{
	for (size_t i = 0; i < c->nitems; i++)
		if ((int)c->items[i].metric == m && strcmp(c->items[i].endpoint, key) == 0)
			return &c->items[i];
	return NULL;
}

/* The severity each regression counts with now: a vanished item none, a
 * confirmed one the pooled re-runs', a pending one the first run's. */
static enum e2e_severity counted(const struct e2e_confirm_item *it)
{
	switch (it->state) {
	case E2E_CONFIRM_CONFIRMED:
		return it->pooled_severity;
	case E2E_CONFIRM_VANISHED:
		return E2E_SEVERITY_NONE;
	default:
		return it->severity;
	}
}

/* g's worst severity and failed again, as sum_up() in gate.c decides them
 * but with each confirmation item counted as counted() says. */
static void sum_up_confirmed(struct e2e_gate_result *g, enum e2e_fail_on fail_on)
{
	const struct e2e_confirmation *c = g->confirmation;
	enum e2e_severity worst = E2E_SEVERITY_NONE;

	for (size_t i = 0; i < g->nfindings; i++)
		if (g->findings[i].severity > worst)
			worst = g->findings[i].severity;
	for (size_t i = 0; i < g->nendpoints; i++)
		for (int m = 0; m < E2E_METRIC__COUNT; m++) {
			const struct e2e_metric_cmp *mc = &g->endpoints[i].metrics[m];
			const struct e2e_confirm_item *it;
			enum e2e_severity s;

			if (mc->verdict != E2E_VERDICT_REGRESSION)
				continue;
			it = find_item(c, g->endpoints[i].key, m);
			s = it ? counted(it) : mc->severity;
			if (s > worst)
				worst = s;
		}
	g->worst = worst;
	g->failed = fails(worst, fail_on);
}

bool e2e_gate_confirm_step(struct e2e_gate_result *g, const struct e2e_gate_result *pooled,
			   const int64_t *runs, size_t n, enum e2e_fail_on fail_on)
{
	struct e2e_confirmation *c = g->confirmation;
	bool last, done = true;

	if (!c)
		return true;
	last = n >= c->asked;
	free(c->runs);
	c->runs = e2e_xcalloc(n ? n : 1, sizeof(*c->runs));
	memcpy(c->runs, runs, n * sizeof(*runs));
	c->nruns = n;
	for (size_t i = 0; i < c->nitems; i++) {
		struct e2e_confirm_item *it = &c->items[i];
		const struct e2e_metric_cmp *mc = NULL;

		if (it->state != E2E_CONFIRM_PENDING)
			continue;
		for (size_t j = 0; j < pooled->nendpoints && !mc; j++)
			if (strcmp(pooled->endpoints[j].key, it->endpoint) == 0)
				mc = &pooled->endpoints[j].metrics[it->metric];
		it->reruns = n;
		if (mc) {
			it->pooled_verdict = mc->verdict;
			it->pooled_severity = mc->severity;
			it->pooled_pct = mc->judged_pct;
			it->pooled_ci_lo_pct = mc->ci_lo_pct;
			it->pooled_ci_hi_pct = mc->ci_hi_pct;
		} else {
			it->pooled_verdict = E2E_VERDICT_MISSING;
		}
		if (mc && mc->verdict == E2E_VERDICT_REGRESSION && fails(mc->severity, fail_on))
			it->state = E2E_CONFIRM_CONFIRMED;
		else if (last || !mc || !mc->reason || strcmp(mc->reason, "change within noise") != 0)
			it->state = E2E_CONFIRM_VANISHED;
		if (it->state == E2E_CONFIRM_CONFIRMED)
			c->confirmed++;
		else if (it->state == E2E_CONFIRM_VANISHED)
			c->vanished++;
		else
			done = false;
	}
	sum_up_confirmed(g, fail_on);
	return done;
}

void e2e_gate_confirm_stop(struct e2e_gate_result *g, int status)
{
	if (g->confirmation)
		g->confirmation->rerun_status = status;
}
