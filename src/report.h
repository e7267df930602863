/* report.h - the analysed report model: per-endpoint figures computed from
 * raw samples. Analysis only: no I/O (the command layer loads runs, paths
 * and samples from the store and hands them in). Renderers read this model
 * and never compute statistics themselves. */
#ifndef E2E_REPORT_H
#define E2E_REPORT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "model.h"
#include "sample.h"

struct e2e_routes;
struct e2e_cpu_profile;

struct e2e_status_count {
	uint16_t status; /* 0 = no response (transport error) */
	uint64_t count;
};

struct e2e_path_count {
	char *path; /* raw path, no query */
	uint64_t count;
};

/* One endpoint's figures in one covered run (trend views). */
struct e2e_trend_point {
	uint64_t count; /* 0: the endpoint has no request in that run */
	uint64_t errors;
	double p50_ms, p95_ms, p99_ms, mean_ms; /* NAN when count is 0 */
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
	/* The service's CPU ms per request (resources.h), set by the pipeline
	 * where attribution is exact; NAN or 0: not measured. */
	double cpu_ms;
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
	/* When the report covers several runs: this endpoint's figures per
	 * run, indexed like e2e_report.runs (newest first); NULL otherwise. */
	struct e2e_trend_point *per_run;
};

struct e2e_report {
	char *service;
	struct e2e_run *runs; /* the runs covered, newest first (copies) */
	size_t nruns;
	int64_t started_ms, ended_ms; /* earliest start, latest end */
	double duration_s; /* summed capture durations */
	uint64_t total_requests, total_errors, dropped;
	uint64_t lost; /* of dropped: what the store failed to write */
	enum e2e_loss lost_cause; /* why (of the newest run that lost any) */
	double error_rate;
	double overall_mean_ms, overall_p50_ms, overall_p95_ms, overall_p99_ms;
	bool incomplete; /* any covered run incomplete */
	bool count_4xx; /* error definition used */
	struct e2e_endpoint_report *endpoints; /* sorted by p95 descending, then key */
	size_t nendpoints;
	/* Every request pooled, with the same figures as an endpoint (key
	 * "*", method and path ""): no samples, paths or per-run points. */
	struct e2e_endpoint_report overall;
	uint64_t distinct_paths; /* raw paths seen over all endpoints */
	uint64_t cut_paths; /* requests whose raw path was cut (sample.h) */
	/* The covered runs' notes summed by kind and name: cache hits, other
	 * hosts, then hosts by requests descending (then name). */
	struct e2e_run_note *notes;
	size_t nnotes;
	/* The service's own cost (resources.h), set by the pipeline; NULL when
	 * no covered run was sampled. Owned: e2e_report_destroy frees it. */
	struct e2e_res_report *resources;
	/* Which tests called what (testreport.h, which computes it and sets
	 * tests_free, so that this module needs none of it); NULL when no run
	 * has tests. */
	struct e2e_tests_report *tests;
	void (*tests_free)(struct e2e_tests_report *t);
	/* The newest covered run's CPU profile (cpu_report.h), set by the
	 * pipeline; NULL when it has none. Owned. */
	struct e2e_cpu_profile *cpu;
	/* Private to report.c: the one allocation every endpoint's samples
	 * and sample_run point into. */
	void *sample_storage;
	void *run_storage;
};

/* Inputs for one run, as loaded from the store. */
struct e2e_report_run {
	const struct e2e_run *run;
	const struct e2e_sample *samples;
	size_t nsamples;
	/* The run's own mapping of path ids to raw paths and endpoints
	 * (e2e_store_run_paths_load); NULL: the table given to
	 * e2e_report_compute. Path ids name the same raw path in every run. */
	const struct e2e_path *paths;
	size_t npaths;
	/* What its capture counted but did not record (model.h); may be
	 * NULL. */
	const struct e2e_run_note *notes;
	size_t nnotes;
};

struct e2e_report_opts {
	bool count_4xx; /* --errors 4xx */
	const struct e2e_routes *routes; /* --routes: re-template raw paths; NULL keeps stored keys */
};

/* Computes the report over one or more runs (runs[0] newest). Each run's
 * samples count under that run's own endpoints (SPEC section 10), or with
 * opts->routes under the endpoints those routes give the raw paths; paths
 * (any order) serves the runs that carry no table of their own. Percentiles
 * of merged runs come from the pooled samples, never from averaged
 * percentiles. Caller destroys. */
int e2e_report_compute(const struct e2e_report_run *runs, size_t nruns, const struct e2e_path *paths,
		       size_t npaths, const struct e2e_report_opts *opts, struct e2e_report **out);
void e2e_report_destroy(struct e2e_report *r);

/* Capture time of a run in seconds from what the run row holds (monotonic
 * duration, else the wall-clock span); NAN when the run never ended. */
double e2e_report_run_duration_s(const struct e2e_run *r);
/* One bar of a latency histogram for charts. */
struct e2e_report_bin {
	double lo_ms, hi_ms; /* [lo, hi); the last bin includes hi */
	uint64_t count;
};
/* Latency distribution of e's samples in nbins bins (out has nbins
 * entries) from its min to its max: log-spaced when max/min > 20 (then
 * *log_scale is true and the lower bound is at least 0.001 ms), equal
 * width otherwise. */
void e2e_report_histogram(const struct e2e_endpoint_report *e, size_t nbins, struct e2e_report_bin *out,
			  bool *log_scale);
/* The endpoint with this key, or NULL. */
const struct e2e_endpoint_report *e2e_report_find(const struct e2e_report *r, const char *key);

#endif
