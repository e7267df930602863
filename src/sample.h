/* sample.h - what is recorded per request, shared by capture, store,
 * import and analysis. No header values, bodies or query values ever. */
#ifndef E2E_SAMPLE_H
#define E2E_SAMPLE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Why a request did not complete normally. Stored as a small integer:
 * never renumber, only append. */
enum e2e_error_kind {
	E2E_EK_NONE = 0,
	E2E_EK_REFUSED = 1, /* upstream refused the connection -> 502 */
	E2E_EK_RESET = 2, /* upstream reset or closed mid-exchange -> 502 */
	E2E_EK_TIMEOUT = 3, /* no upstream answer within --upstream-timeout -> 504 */
	E2E_EK_PROTOCOL = 4, /* upstream sent invalid HTTP -> 502 */
	E2E_EK_TLS = 5, /* TLS handshake or certificate failure -> 502 */
	E2E_EK_RESOLVE = 6, /* cannot resolve the target host -> 502 */
	E2E_EK_CLIENT_ABORT = 7, /* the client went away before the response ended */
	E2E_EK_INTERNAL = 8, /* the proxy itself failed (out of memory...) */
	E2E_EK_UPSTREAM_OTHER = 9, /* any other upstream transfer failure -> 502 */
	E2E_EK_REJECTED = 10, /* the proxy refused the client's request (400/501), sent nothing upstream */
	E2E_EK_HEAD_TOO_LARGE = 11, /* upstream response head over the proxy's limit -> 502 */
	E2E_EK__COUNT
};

/* "refused", "reset", "timeout", ... ("" for NONE, "unknown" out of range). */
const char *e2e_error_kind_name(int kind);
/* Parses a name back; -1 if unknown. */
int e2e_error_kind_parse(const char *name);

/* One stored request. path_id refers to the store's path table, which
 * maps it to (method, raw path without query, endpoint). */
struct e2e_sample {
	uint64_t start_ns; /* monotonic offset from the run's start */
	uint32_t path_id;
	uint16_t status; /* 0 when no response was produced */
	uint8_t error; /* enum e2e_error_kind */
	uint32_t test_id; /* E2E_TEST_OUTSIDE, E2E_TEST_UNATTRIBUTED or a run_tests id */
	uint32_t ttfb_us; /* upstream: request sent -> first response byte */
	uint32_t total_us; /* upstream: request start -> last response byte */
	uint32_t proxy_us; /* time spent inside the proxy itself */
	uint64_t req_bytes; /* request body bytes */
	uint64_t resp_bytes; /* response body bytes */
};

/* n samples in the store's compact encoding (store.c), len bytes: how
 * runs travel between the local store and the team store. */
struct e2e_sample_chunk {
	const uint8_t *data;
	size_t len;
	uint32_t n;
};

/* Which test issued a request (SPEC section 11). Ids from
 * E2E_TEST_FIRST on name a test of the run (the store's run_tests). */
#define E2E_TEST_OUTSIDE 0u /* no test was running: setup, fixtures, a suite without markers */
#define E2E_TEST_UNATTRIBUTED 1u /* several tests were running and none named itself, or a bad name */
#define E2E_TEST_FIRST 2u

/* Latency used by every report: total upstream time in microseconds. */
static inline uint32_t e2e_sample_latency_us(const struct e2e_sample *s)
{
	return s->total_us;
}

/* Is this sample an error? Transport errors always; 5xx always; 4xx only
 * when count_4xx is set (perf-report --errors 4xx). */
bool e2e_sample_is_error(const struct e2e_sample *s, bool count_4xx);

/* Raw paths are stored at most E2E_PATH_MAX bytes long: a longer one
 * (a 50 MB URL in a HAR file, a hostile client) is cut, never inside a
 * UTF-8 sequence, and E2E_PATH_CUT_MARK appended. The mark is long enough
 * that a stored path longer than E2E_PATH_MAX is exactly one that was cut,
 * so reports can count them from the paths alone. */
#define E2E_PATH_MAX 8192
#define E2E_PATH_CUT_MARK "[\xe2\x80\xa6]" /* "[…]" */
#define E2E_PATH_CUT_MARK_LEN 5

/* The number of bytes of a raw path of len bytes to store: len when it
 * fits; else the cut point, and *cut is set (the caller appends the mark:
 * the stored path is then longer than E2E_PATH_MAX). */
size_t e2e_sample_path_keep(const char *path, size_t len, bool *cut);
/* Is this stored raw path one that was cut? */
bool e2e_sample_path_was_cut(const char *path, size_t len);

/* What a test marker or a named request tells the store about a test
 * of the run (SPEC section 11), in the same batches as the captures. */
enum e2e_test_event_kind {
	E2E_TEST_EV_BEGIN = 1, /* a new test id: text is its name */
	E2E_TEST_EV_END = 2, /* the test ended: text is its status */
};
struct e2e_test_event {
	uint32_t id; /* >= E2E_TEST_FIRST */
	uint8_t kind; /* enum e2e_test_event_kind */
	uint64_t at_ns; /* offset from the run's start */
	uint64_t duration_ns; /* END: since its start marker; 0 when none */
	const char *text; /* owned by the producer, not NUL-terminated */
	uint32_t text_len;
};
/* Longest test name kept; a longer one leaves its requests unattributed. */
#define E2E_TEST_NAME_MAX 1024

/* A captured request before it has a path id: what the proxy and the HAR
 * importer hand to the recorder. method and path point into memory owned
 * by the producer (a batch arena) and are not NUL-terminated. */
struct e2e_capture {
	struct e2e_sample s; /* path_id unset */
	const char *method;
	const char *path; /* raw path, query already removed */
	uint16_t method_len;
	uint32_t path_len;
};

#endif
