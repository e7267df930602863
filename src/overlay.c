/* overlay.c - the data of the baseline-vs-now pictures (overlay.h). */
#include "overlay.h"

#include <math.h>
#include <stdlib.h>

#include "buf.h"
#include "hist.h"
#include "report.h"
#include "sample.h"
#include "stats.h"
#include "banned.h"

/* Keeps a log axis finite: latencies below 1 us draw at 1 us. */
#define FLOOR_MS 0.001

static double q_of(size_t i)
{
	return (double)i / (double)(E2E_OVERLAY_POINTS - 1);
}

bool e2e_overlay_compute(const struct e2e_endpoint_report *e, const struct e2e_hist *base,
			 struct e2e_overlay *out)
{
	struct e2e_overlay o = { .lo_ms = INFINITY, .hi_ms = 0 };

	if (e && e->nsamples) {
		double *v = e2e_xmalloc(e->nsamples * sizeof(*v));

		for (size_t i = 0; i < e->nsamples; i++)
			v[i] = (double)e2e_sample_latency_us(&e->samples[i]) / 1000.0;
		e2e_stats_sort(v, e->nsamples);
		for (size_t i = 0; i < E2E_OVERLAY_POINTS; i++)
			o.cur_ms[i] = fmax(FLOOR_MS, e2e_stats_quantile_sorted(v, e->nsamples, q_of(i)));
		free(v);
		o.has_cur = true;
		o.lo_ms = o.cur_ms[0];
		o.hi_ms = o.cur_ms[E2E_OVERLAY_POINTS - 1];
	}
	if (base && e2e_hist_count(base)) {
		for (size_t i = 0; i < E2E_OVERLAY_POINTS; i++)
			o.base_ms[i] = fmax(FLOOR_MS, e2e_hist_quantile(base, q_of(i)) / 1000.0);
		o.has_base = true;
		o.lo_ms = fmin(o.lo_ms, o.base_ms[0]);
		o.hi_ms = fmax(o.hi_ms, o.base_ms[E2E_OVERLAY_POINTS - 1]);
	}
	if (!o.has_cur && !o.has_base)
		return false;
	/* at least a factor of 2 wide, so that one latency still has an axis */
	if (o.hi_ms < o.lo_ms * 2) {
		double mid = sqrt(o.lo_ms * o.hi_ms);

		o.lo_ms = fmax(FLOOR_MS, mid / M_SQRT2);
		o.hi_ms = o.lo_ms * 2;
	}
	*out = o;
	return true;
}

bool e2e_overlay_p95_series(const struct e2e_report *history, const char *key, size_t max, double *p95_ms,
			    int64_t *run_id, size_t *n)
{
	const struct e2e_endpoint_report *e = history ? e2e_report_find(history, key) : NULL;
	size_t k, have = 0, len;

	if (!e || !e->per_run || max == 0)
		return false;
	len = history->nruns < max ? history->nruns : max;
	for (k = 0; k < len; k++)
		have += e->per_run[k].count > 0;
	if (have < 2)
		return false;
	for (size_t i = 0; i < len; i++) {
		k = len - 1 - i; /* per_run is newest first */
		p95_ms[i] = e->per_run[k].count ? e->per_run[k].p95_ms : NAN;
		run_id[i] = history->runs[k].id;
	}
	*n = len;
	return true;
}
