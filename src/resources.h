/* resources.h - the service's own cost (SPEC section 12): the records the
 * sampler (sampler.h) takes and the store keeps, and the analysis of a
 * run's samples against its requests: CPU per request and per endpoint,
 * peak and end RSS, RSS slope. No I/O here. */
#ifndef E2E_RESOURCES_H
#define E2E_RESOURCES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* One sample of the watched processes (or cgroup). Counters are
 * cumulative since the sampler started (processes that ended keep their
 * last values in them); gauges are the sum over what is alive. */
struct e2e_res_sample {
	uint64_t t_ns; /* since the run's start (the clock of e2e_sample.start_ns) */
	uint64_t cpu_user_ns, cpu_sys_ns; /* counters */
	uint64_t rss_bytes; /* gauge */
	uint64_t ctx_vol, ctx_invol; /* counters: voluntary, involuntary context switches */
	uint64_t runq_wait_ns; /* counter: time runnable but waiting for a CPU */
	uint32_t threads, fds, procs; /* gauges */
};

/* Which fields of the samples were measured (the others are 0). */
enum e2e_res_have {
	E2E_RES_CPU = 1u << 0,
	E2E_RES_RSS = 1u << 1,
	E2E_RES_THREADS = 1u << 2,
	E2E_RES_FDS = 1u << 3,
	E2E_RES_CTX = 1u << 4,
	E2E_RES_RUNQ = 1u << 5,
};

/* What a run's samples are of. Strings are owned (e2e_res_info_finish). */
struct e2e_res_info {
	char *source; /* "pid 123 (and descendants)", "cgroup /sys/fs/cgroup/x" */
	unsigned have; /* enum e2e_res_have bits */
	unsigned hz; /* the rate asked for */
	uint64_t errors; /* reads that failed (counted, never fatal) */
	uint64_t peak_rss_bytes; /* the cgroup's memory.peak, else the samples' peak */
	uint64_t sampler_cpu_ns; /* the sampler's own CPU time: its overhead */
	char *serve_log; /* --serve's log file, "" without --serve */
	char *serve_end; /* how --serve's service ended, "" without --serve */
};

void e2e_res_info_finish(struct e2e_res_info *info);

/* One request of a run, as the analysis needs it: its upstream interval on
 * the samples' clock and its endpoint. */
struct e2e_res_request {
	uint64_t t0_ns, t1_ns;
	const char *endpoint; /* borrowed */
};

/* One run's inputs. */
struct e2e_res_run {
	int64_t run_id; /* the stored run's id: e2e_res_run_cpu says which run */
	const struct e2e_res_sample *samples;
	size_t nsamples;
	const struct e2e_res_info *info;
	const struct e2e_res_request *requests;
	size_t nrequests;
	uint64_t max_concurrency; /* the run's: > 1 and CPU is not attributable */
};

struct e2e_res_endpoint {
	char *endpoint;
	uint64_t requests;
	double cpu_ms; /* mean CPU ms per request */
};

/* One run's CPU per request, what a baseline keeps per source run and the
 * gate judges: over the run, and per endpoint when that run's attribution
 * is exact (nendpoints 0 otherwise), by key ascending. */
struct e2e_res_run_cpu {
	int64_t run_id;
	double cpu_ms_per_request; /* NAN without requests or CPU samples */
	struct e2e_res_endpoint *endpoints;
	size_t nendpoints;
};

/* Points of the time-line (at most E2E_RES_TIMELINE_MAX, of the newest
 * run): CPU in cores (a rate), RSS in bytes. */
#define E2E_RES_TIMELINE_MAX 400
struct e2e_res_point {
	double t_s;
	double cpu_cores;
	uint64_t rss_bytes;
};

/* The resources section of a report, over the runs that have samples. */
struct e2e_res_report {
	char *source; /* of the newest run */
	char *serve_log, *serve_end; /* "" without --serve */
	unsigned have; /* enum e2e_res_have bits, of every run */
	unsigned hz;
	size_t runs; /* runs with samples */
	uint64_t samples, errors;
	double duration_s; /* sampled time, summed */
	uint64_t requests;
	double cpu_user_ms, cpu_sys_ms; /* over the sampled time */
	double cpu_ms_per_request; /* (user + sys) / requests; NAN without requests */
	bool attributable; /* every run had one request in flight at a time */
	uint64_t concurrency; /* the highest max concurrency seen */
	struct e2e_res_endpoint *endpoints; /* attributable only: by cpu_ms descending */
	size_t nendpoints;
	uint64_t start_rss, peak_rss, end_rss; /* newest run */
	double rss_slope_bps; /* newest run: least-squares bytes per second */
	double rss_growth_per_request; /* newest run: (end - start) / requests, bytes */
	bool rss_growing; /* newest run: RSS grew steadily (a leak's sign) */
	uint32_t peak_threads, peak_fds;
	uint64_t ctx_vol, ctx_invol; /* over the sampled time */
	double runq_wait_ms;
	double sampler_cpu_pct; /* the sampler's own CPU time, % of one CPU */
	struct e2e_res_point *timeline;
	size_t ntimeline;
	struct e2e_res_run_cpu *run_cpu; /* the runs with samples, in the order given */
	size_t nrun_cpu;
};

/* The CPU ms per request of endpoint key over r's runs (attributable
 * only), or NAN. */
double e2e_res_endpoint_cpu(const struct e2e_res_report *r, const char *key);
/* The figures of run run_id, or NULL. */
const struct e2e_res_run_cpu *e2e_res_run_find(const struct e2e_res_report *r, int64_t run_id);
/* The CPU ms per request of endpoint key in one run, or NAN. */
double e2e_res_run_endpoint_cpu(const struct e2e_res_run_cpu *rc, const char *key);

/* Computes the section from runs[0..n-1] (newest first). Runs without
 * samples are skipped; *out is NULL when none has any. Returns 0. */
int e2e_res_compute(const struct e2e_res_run *runs, size_t n, struct e2e_res_report **out);
void e2e_res_report_destroy(struct e2e_res_report *r);

#endif
