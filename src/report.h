/* report.h - the analysed report model: per-endpoint figures computed from
 * raw samples. Analysis only: no I/O (the command layer loads runs, paths
 * and samples from the store and hands them in). Renderers read this model
 * and never compute statistics themselves. */
#ifndef E2E_REPORT_H
#define E2E_REPORT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sample.h"
#include "store.h"

struct e2e_routes;

struct e2e_status_count {
	uint16_t status; /* 0 = no response (transport error) */
	uint64_t count;
};

struct e2e_path_count {
	char *path; /* raw path, no query */
	uint64_t count;
};

struct e2e_endpoint_report {
	char *key; /* "GET /users/{id}" */
	char *method; /* "GET" */
	char *path; /* "/users/{id}" */
	uint64_t count;
	uint64_t errors;
	double error_rate; /* errors / count, 0..1 */
	double throughput_rps; /* count / run wall duration (summed over merged runs) */
	double min_ms, mean_ms, p50_ms, p90_ms, p95_ms, p99_ms, max_ms, stddev_ms;
	double mean_req_bytes, mean_resp_bytes;
	uint64_t total_req_bytes, total_resp_bytes;
	struct e2e_status_count *statuses; /* ascending status */
	size_t nstatuses;
	uint64_t error_kinds[E2E_EK__COUNT];
	struct e2e_path_count *paths; /* raw paths, count descending then path */
	size_t npaths;
	/* This endpoint's samples in recording order (per run, runs oldest
	 * first), for charts, the gate and recommendations; with the index of
	 * the run (into e2e_report.runs) each came from. */
	struct e2e_sample *samples;
	uint32_t *sample_run;
	size_t nsamples;
};

struct e2e_report {
	char *service;
	struct e2e_run *runs; /* the runs covered, newest first (copies) */
	size_t nruns;
	int64_t started_ms, ended_ms; /* earliest start, latest end */
	double duration_s; /* summed capture durations */
	uint64_t total_requests, total_errors, dropped;
	double error_rate;
	double overall_mean_ms, overall_p50_ms, overall_p95_ms, overall_p99_ms;
	bool incomplete; /* any covered run incomplete */
	bool count_4xx; /* error definition used */
	struct e2e_endpoint_report *endpoints; /* sorted by p95 descending, then key */
	size_t nendpoints;
};

/* Inputs for one run, as loaded from the store. */
struct e2e_report_run {
	const struct e2e_run *run;
	const struct e2e_sample *samples;
	size_t nsamples;
};

struct e2e_report_opts {
	bool count_4xx; /* --errors 4xx */
	const struct e2e_routes *routes; /* --routes: re-template raw paths; NULL keeps stored keys */
};

/* Computes the report over one or more runs (runs[0] newest). paths is the
 * store's path table (any order). Percentiles of merged runs come from the
 * pooled samples, never from averaged percentiles. Caller destroys. */
int e2e_report_compute(const struct e2e_report_run *runs, size_t nruns, const struct e2e_path *paths,
		       size_t npaths, const struct e2e_report_opts *opts, struct e2e_report **out);
void e2e_report_destroy(struct e2e_report *r);
/* The endpoint with this key, or NULL. */
const struct e2e_endpoint_report *e2e_report_find(const struct e2e_report *r, const char *key);

#endif
