/* overlay.h - what the baseline-vs-now pictures draw: both sides'
 * empirical distribution functions on one log-scaled time axis, and an
 * endpoint's p95 over the service's stored history. Analysis only (no I/O):
 * renderers draw these and compute nothing themselves. */
#ifndef E2E_OVERLAY_H
#define E2E_OVERLAY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct e2e_hist;
struct e2e_endpoint_report;
struct e2e_report;

/* Points of each ECDF: the latency at share q of the requests for
 * q = 0, 1/(E2E_OVERLAY_POINTS-1), ..., 1 (type-7 quantiles of the raw
 * samples; of the histogram's bucket values for the baseline, which are
 * within 1 % of the raw ones). */
#define E2E_OVERLAY_POINTS 201

struct e2e_overlay {
	bool has_base, has_cur; /* a side without requests draws nothing */
	double base_ms[E2E_OVERLAY_POINTS];
	double cur_ms[E2E_OVERLAY_POINTS];
	double lo_ms, hi_ms; /* the shared axis (log scale): lo > 0, hi > lo */
};

/* Both sides of an endpoint: e's raw samples (NULL: the endpoint is not
 * in the current runs) and the baseline's histogram of it in us (NULL:
 * not in the baseline). false, writing nothing, when neither side holds
 * a request. */
bool e2e_overlay_compute(const struct e2e_endpoint_report *e, const struct e2e_hist *base,
			 struct e2e_overlay *out);

/* An endpoint's p95 over the history report's runs (a report over the
 * service's last runs, e2e_report.per_run set), oldest first: p95_ms[i]
 * and run_id[i] for i < *n (NAN where the run has no request of it).
 * At most max points, the newest ones. false when the history holds the
 * endpoint in fewer than two runs. */
bool e2e_overlay_p95_series(const struct e2e_report *history, const char *key, size_t max, double *p95_ms,
			    int64_t *run_id, size_t *n);

#endif
