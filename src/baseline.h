/* baseline.h - the committed baseline file: per-endpoint summaries, a
 * merged latency histogram and the per-run statistics of every source run
 * (the gate estimates run-to-run noise from them).
 *
 * Building a baseline from a report is analysis (no I/O); reading and
 * writing are the only I/O here, and this is the only module that touches
 * the baseline's JSON (jansson). The format is documented in
 * e2e-baseline(5). */
#ifndef E2E_BASELINE_H
#define E2E_BASELINE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "report.h"
#include "sample.h"

struct e2e_hist;

/* The version written; files from E2E_BASELINE_SCHEMA_OLDEST on are read
 * (version 1 has no runner disturbance per source run). */
#define E2E_BASELINE_SCHEMA_VERSION 2
#define E2E_BASELINE_SCHEMA_OLDEST 1

/* One endpoint's figures in one source run. Latencies in ms over every
 * request of that run (errors included, as in the report). */
struct e2e_baseline_run_stats {
	int64_t run_id;
	uint64_t count;
	uint64_t errors;
	double mean_ms, p50_ms, p95_ms, p99_ms;
	double p95_band_ms; /* e2e_baseline_p95_band_ms(); NAN in older files */
	double mean_resp_bytes;
	double cpu_ms; /* the service's CPU ms per request (resources.h); NAN: not measured */
};

struct e2e_baseline_endpoint {
	char *key; /* "GET /users/{id}" */
	uint64_t count; /* over all source runs */
	uint64_t errors;
	double error_rate; /* errors / count */
	double min_ms, mean_ms, p50_ms, p90_ms, p95_ms, p99_ms, max_ms, stddev_ms;
	double mean_req_bytes, mean_resp_bytes;
	double cpu_ms; /* CPU ms per request over the source runs; NAN: not measured */
	struct e2e_status_count *statuses; /* ascending status */
	size_t nstatuses;
	uint64_t error_kinds[E2E_EK__COUNT]; /* [E2E_EK_NONE] is 0 */
	struct e2e_hist *hist; /* every latency of every source run, in us */
	struct e2e_baseline_run_stats *runs; /* source runs holding this endpoint, oldest first */
	size_t nruns;
};

/* A source run of the baseline. */
struct e2e_baseline_source {
	int64_t id;
	int64_t started_ms; /* wall clock, Unix ms */
	double duration_s;
	uint64_t requests;
	char *commit; /* "" when unknown */
	char *branch;
	double disturbance; /* runner disturbance (e2e_run.disturbance); NAN: not measured */
	double cpu_ms_per_request; /* the service's, over the run; NAN: not measured */
};

/* One test's duration in one source run (SPEC section 11). */
struct e2e_baseline_test_run {
	int64_t run_id;
	double duration_ms;
	bool passed; /* a failed or skipped run's duration is kept but not used by the gate */
};

/* A test of the source runs with a known duration in at least one. */
struct e2e_baseline_test {
	char *name;
	double duration_ms; /* mean over the source runs it passed in; NAN when it passed in none */
	struct e2e_baseline_test_run *runs; /* oldest first */
	size_t nruns;
};

struct e2e_baseline {
	int schema_version;
	char *service;
	char *commit; /* of the newest source run; "" when unknown */
	char *branch;
	int64_t created_ms; /* when the baseline was written (wall clock, Unix ms) */
	char *tool_version;
	char *host_cpu; /* host fingerprint of the newest source run */
	int host_cores;
	char *host_os;
	bool count_4xx; /* error definition the figures were computed with */
	struct e2e_baseline_source *sources; /* oldest first */
	size_t nsources;
	struct e2e_baseline_endpoint *endpoints; /* ascending key */
	size_t nendpoints;
	struct e2e_baseline_test *tests; /* ascending name; none in files without "tests" */
	size_t ntests;
	char *name; /* file it was read from or written to, for messages; may be NULL */
};

/* The P95 band, the gate's lower-variance statistic for a P95 whose
 * distribution has a gap near it: the geometric mean of the type-7
 * quantiles from P95 to P99 (the centres of E2E_BASELINE_BAND_GRID equal
 * cells), in ms. NAN when n is 0 or a value in the band is not positive. */
#define E2E_BASELINE_BAND_LO 0.95
#define E2E_BASELINE_BAND_HI 0.99
#define E2E_BASELINE_BAND_GRID 32
double e2e_baseline_p95_band_ms(const double *sorted, size_t n);

/* Builds a baseline from a report over one or several runs (one report over
 * merged runs: each sample's run comes from e2e_endpoint_report.sample_run).
 * created_ms labels the file; tool_version may be NULL. E2E_ERR_EMPTY when
 * the report holds no request. Caller destroys. */
int e2e_baseline_from_report(const struct e2e_report *r, int64_t created_ms, const char *tool_version,
			     struct e2e_baseline **out);
void e2e_baseline_destroy(struct e2e_baseline *b);

/* The endpoint with this key, or NULL. */
const struct e2e_baseline_endpoint *e2e_baseline_find(const struct e2e_baseline *b, const char *key);

/* The JSON text of a baseline: sorted keys, two-space indent, numbers
 * rounded to fixed decimals (ms to 1 us) and printed in their shortest
 * form, a trailing newline. Equal baselines give equal text. Caller frees. */
char *e2e_baseline_encode(const struct e2e_baseline *b);

/* Parses and validates baseline text; name (the file) is used in messages
 * and copied into b->name. E2E_ERR_INPUT naming the file and the JSON path
 * of the first bad field ("'x.json': endpoints["GET /a"].p95_ms: expected
 * a number"). Caller destroys. */
int e2e_baseline_parse(const char *text, size_t len, const char *name, struct e2e_baseline **out);

/* The test with this name, or NULL. */
const struct e2e_baseline_test *e2e_baseline_find_test(const struct e2e_baseline *b, const char *name);

/* Reads and validates a baseline file. A missing or unreadable file is
 * E2E_ERR_INPUT naming it (the user named or implied that file). */
int e2e_baseline_read(const char *path, struct e2e_baseline **out);

/* Writes the file atomically with e2e_fsutil_write_atomic() (mode 0666
 * less the umask, never left partial), creating the directory when
 * missing. E2E_ERR_RUNTIME on I/O failure. */
int e2e_baseline_write(const struct e2e_baseline *b, const char *path);

/* "dir/<service>.json", any '/' or NUL-unsafe character of the service
 * replaced by '_'. Caller frees. */
char *e2e_baseline_default_path(const char *dir, const char *service);
/* The baseline file the options name: file (-b) when set, else the
 * default path in dir for the service. Caller frees. */
char *e2e_baseline_path(const char *file, const char *dir, const char *service);

/* Do the host fingerprints of the baseline and the run differ? */
bool e2e_baseline_host_differs(const struct e2e_baseline *b, const struct e2e_run *run);

#endif
