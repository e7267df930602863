/* changes.c - per-endpoint change points over a report's covered runs. */
#include "changes.h"

#include <math.h>
#include <stdlib.h>

#include "buf.h"
#include "changepoint.h"
#include "report.h"
#include "resources.h"
#include "banned.h"

#define RATE_NOISE_FLOOR 0.005 /* half a percentage point of error rate */

static const char *const metric_names[] = {
	[E2E_CHANGES_P50] = "p50",
	[E2E_CHANGES_P95] = "p95",
	[E2E_CHANGES_P99] = "p99",
	[E2E_CHANGES_MEAN] = "mean",
	[E2E_CHANGES_ERROR_RATE] = "error_rate",
	[E2E_CHANGES_CPU] = "cpu",
};

const char *e2e_changes_metric_name(enum e2e_changes_metric m)
{
	return metric_names[m];
}

static double metric_of(const struct e2e_trend_point *p, enum e2e_changes_metric m)
{
	if (p->count == 0)
		return NAN;
	switch (m) {
	case E2E_CHANGES_P50:
		return p->p50_ms;
	case E2E_CHANGES_P95:
		return p->p95_ms;
	case E2E_CHANGES_P99:
		return p->p99_ms;
	case E2E_CHANGES_MEAN:
		return p->mean_ms;
	case E2E_CHANGES_ERROR_RATE:
		return (double)p->errors / (double)p->count;
	case E2E_CHANGES_CPU:
		break; /* not a trend point's: cpu_of() */
	}
	return NAN;
}

/* The CPU ms per request of e in run k of r (newest first), where that run
 * sampled the service and attributed it; NAN otherwise. */
static double cpu_of(const struct e2e_report *r, const struct e2e_endpoint_report *e, size_t k)
{
	double v = e2e_res_run_endpoint_cpu(e2e_res_run_find(r->resources, r->runs[k].id), e->key);

	return v > 0 ? v : NAN;
}

static void endpoint_changes(const struct e2e_report *r, const struct e2e_endpoint_report *e,
			     const struct e2e_cp_config *cfg, enum e2e_changes_metric m,
			     struct e2e_endpoint_changes *out)
{
	size_t n = r->nruns, ncp = 0;
	struct e2e_changepoint *cp = NULL;

	out->endpoint = e;
	out->nvalues = n;
	out->values = e2e_xmalloc((n ? n : 1) * sizeof(*out->values));
	for (size_t k = 0; k < n; k++) { /* k oldest first; per_run newest first */
		out->values[k] = m == E2E_CHANGES_CPU ? cpu_of(r, e, n - 1 - k)
				 : e->per_run	      ? metric_of(&e->per_run[n - 1 - k], m)
						      : NAN;
		out->with_data += !isnan(out->values[k]);
	}
	e2e_cp_detect(out->values, n, cfg, &cp, &ncp);
	out->changes = e2e_xcalloc(ncp ? ncp : 1, sizeof(*out->changes));
	for (size_t i = 0; i < ncp; i++) {
		struct e2e_change *c = &out->changes[out->nchanges++];
		size_t prev = cp[i].index;

		while (prev > 0 && isnan(out->values[--prev]))
			;
		c->run = n - 1 - cp[i].index;
		c->prev_run = n - 1 - prev;
		c->before = cp[i].before;
		c->after = cp[i].after;
		c->change = cp[i].change;
		c->pvalue = cp[i].pvalue;
		c->score = cp[i].score;
	}
	free(cp);
}

int e2e_changes_compute(const struct e2e_report *r, enum e2e_changes_metric m, struct e2e_changes **out)
{
	struct e2e_changes *c = e2e_xcalloc(1, sizeof(*c));
	struct e2e_cp_config cfg;

	e2e_cp_config_init(&cfg);
	if (m == E2E_CHANGES_ERROR_RATE) {
		cfg.log_scale = false;
		cfg.noise_floor = RATE_NOISE_FLOOR;
	}
	c->metric = m;
	c->min_runs = 2 * cfg.min_size;
	c->too_few = r->nruns < c->min_runs;
	c->endpoints = e2e_xcalloc(r->nendpoints ? r->nendpoints : 1, sizeof(*c->endpoints));
	c->nendpoints = r->nendpoints;
	for (size_t i = 0; i < r->nendpoints; i++) {
		endpoint_changes(r, &r->endpoints[i], &cfg, m, &c->endpoints[i]);
		c->total += c->endpoints[i].nchanges;
	}
	*out = c;
	return 0;
}

void e2e_changes_destroy(struct e2e_changes *c)
{
	if (!c)
		return;
	for (size_t i = 0; i < c->nendpoints; i++) {
		free(c->endpoints[i].values);
		free(c->endpoints[i].changes);
	}
	free(c->endpoints);
	free(c);
}
