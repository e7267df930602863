/* changes.h - change points in a service's stored history (perf-report
 * --changes): per endpoint, the series of one metric over the covered
 * runs, and the runs at which its level shifted (changepoint.h).
 * Analysis only: it reads a computed report (report.h) and does no I/O. */
#ifndef E2E_CHANGES_H
#define E2E_CHANGES_H

#include <stdbool.h>
#include <stddef.h>

struct e2e_report;
struct e2e_endpoint_report;

enum e2e_changes_metric {
	E2E_CHANGES_P50 = 0,
	E2E_CHANGES_P95,
	E2E_CHANGES_P99,
	E2E_CHANGES_MEAN,
	E2E_CHANGES_ERROR_RATE,
	E2E_CHANGES_CPU, /* the service's CPU ms per request (resources.h) */
};

/* "p50", "p95", "p99", "mean", "error_rate", "cpu". */
const char *e2e_changes_metric_name(enum e2e_changes_metric m);

/* One level shift. Runs are indexes into e2e_report.runs (newest first). */
struct e2e_change {
	size_t run; /* the first run at the new level */
	size_t prev_run; /* the last run with a figure before it */
	double before, after; /* medians of the metric over the two segments */
	double change; /* after / before - 1; NAN when before is 0 */
	double pvalue; /* Welch's t-test of the segments */
	double score; /* fall in squared error, in noise variances */
};

struct e2e_endpoint_changes {
	const struct e2e_endpoint_report *endpoint; /* in the report */
	double *values; /* the metric per covered run, oldest first; NAN: no figure */
	size_t nvalues; /* == report nruns */
	size_t with_data; /* runs with a figure */
	struct e2e_change *changes; /* oldest first */
	size_t nchanges;
};

struct e2e_changes {
	enum e2e_changes_metric metric;
	size_t min_runs; /* fewest runs with a figure an analysis needs */
	bool too_few; /* the report covers fewer than min_runs runs */
	size_t total; /* change points over every endpoint */
	struct e2e_endpoint_changes *endpoints; /* in the report's order */
	size_t nendpoints;
};

/* The change points of every endpoint of r (a report over several runs:
 * its per_run points) in metric m. The result points into r: destroy it
 * first. Caller destroys. Returns 0. */
int e2e_changes_compute(const struct e2e_report *r, enum e2e_changes_metric m, struct e2e_changes **out);
void e2e_changes_destroy(struct e2e_changes *c);

#endif
