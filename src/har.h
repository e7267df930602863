/* har.h - HAR 1.x files read into requests (perf-profile --import
 * FILE.har; import.h records them as a run).
 *
 * Reads a HAR file (browsers' developer tools, Playwright's recordHar,
 * mitmproxy's har_dump, Charles...) with the streaming JSON reader of
 * json_stream.h, keeping only the fields below, so memory stays a small
 * fraction of the file size (one compact record plus method and path per
 * request); the whole file is validated before anything is returned.
 *
 * What each entry (log.entries[i]) becomes:
 *   method       request.method (a non-empty HTTP token, at most 64 bytes)
 *   path         request.url without scheme, authority, query and fragment,
 *                percent-encoding kept as is ("/" when the URL has no path),
 *                cut at E2E_PATH_MAX bytes like proxied traffic (sample.h);
 *                templated by the recorder exactly like proxied traffic
 *   start_ns     startedDateTime minus the earliest startedDateTime of the
 *                imported entries; entries are sorted by it (ties keep file
 *                order)
 *   ttfb_us      timings.wait (milliseconds -> microseconds, rounded);
 *                negative (-1 = "not applicable") -> 0, counted in no_wait
 *   total_us     time; negative -> the sum of the non-negative timings
 *                blocked + dns + connect + send + wait + receive (ssl is
 *                part of connect in HAR 1.2 and not added again)
 *   proxy_us     0
 *   req_bytes    request.bodySize when >= 0, else the UTF-8 length of
 *                request.postData.text, else 0
 *   resp_bytes   response.bodySize when >= 0 (the body bytes on the wire,
 *                what the proxy counts), else response.content.size when
 *                >= 0 (decoded size), else 0
 *   status       response.status; 0 and -1 (Playwright) mean no response
 *   error        none when status >= 100: the service answered, even if
 *                the page dropped the response later (Playwright's
 *                _failureText "net::ERR_ABORTED" after a 200 is a 200,
 *                as the proxy records it); otherwise from response._error
 *                (Chrome, Firefox) or response._failureText (Playwright)
 *                when it is a non-empty string: "...CONNECTION_REFUSED"
 *                -> refused, "...TIMED_OUT" -> timeout, "...ABORTED" ->
 *                client_abort, ...; any other text, or no response
 *                without a text -> upstream_other
 * Entries whose URL is not http: or https: (data:, blob:, ws:, wss:,
 * chrome-extension: ...) are validated like the others, then skipped and
 * counted. So are, since they never reached the service:
 *   - with a host filter (e2e_har_load_hosts), entries for other hosts;
 *   - browser-cache hits: a non-empty string _fromCache on the entry
 *     (Chrome DevTools: "memory", "disk"), or Playwright's form of one,
 *     a response (status >= 100) with _transferSize 0 and bodySize <= 0
 *     (Playwright writes a negative one, and the cache read's own
 *     sub-millisecond wait; a revalidated 304 transfers its headers, so
 *     it is kept).
 * The imported entries' URL authorities (userinfo removed, lower-cased)
 * are counted per host (e2e_har_hosts).
 *
 * Required, and type-checked (a missing or mistyped one is an error naming
 * its JSON path, e.g. log.entries[17].timings.wait): log (object),
 * log.version (string "1.x", "" meaning 1.1), log.entries (array), and per
 * entry: startedDateTime (string, ISO 8601 with seconds and a time zone:
 * "2024-05-01T12:00:00.123Z", "...+02:00"), time (number), request
 * (object) with method and url (strings, url absolute), response (object)
 * with status (integer -1..999), timings (object) with wait (number).
 * Optional but type-checked when present: request.bodySize,
 * request.postData (object) and its text, response.bodySize,
 * response.content (object) and its size, timings.blocked/dns/connect/
 * send/receive/ssl (numbers). Everything else is only checked to be valid
 * JSON; producer extensions (_error, _failureText) of another type are
 * ignored. Array indexes in messages count from 0. A number a sample
 * cannot hold is an error, never clamped: time and timings.* must be -1
 * to 4294967 ms (about 71 minutes), the sizes -1 to 2^53 bytes, status
 * an integer -1..999; startedDateTime must lie in the years 1678 to 2261
 * (another valid date-time gets a message saying so).
 *
 * The file must be UTF-8 JSON (a leading byte order mark is allowed).
 * All errors about the file - unreadable, empty, not JSON (with line and
 * column), not a HAR 1.x file, a missing, mistyped or malformed field - are
 * E2E_ERR_INPUT with one line "'PATH': ..." naming the JSON path. */
#ifndef E2E_HAR_H
#define E2E_HAR_H

#include <stddef.h>
#include <stdint.h>

#include "sample.h"

struct e2e_har;

struct e2e_har_stats {
	uint64_t imported; /* requests (samples) in the file */
	uint64_t skipped; /* entries with a non-HTTP(S) URL */
	uint64_t no_wait; /* imported entries whose timings.wait was negative */
	uint64_t no_response; /* imported entries with status 0 or -1 */
	uint64_t cached; /* browser-cache hits, not imported */
	uint64_t other_host; /* entries the host filter left out */
	uint64_t cut_paths; /* imported entries whose path was cut (sample.h) */
};

/* Reads and validates the whole file. Returns 0 and *out (caller
 * destroys), or E2E_ERR_INPUT as above. */
int e2e_har_load(const char *path, struct e2e_har **out);
/* The same, importing only entries whose URL authority one of hosts[i]
 * names: "HOST" (any port) or "HOST:PORT" (the scheme's default port when
 * the URL has none), compared case-insensitively. nhosts 0: all. hosts
 * is only read during the call. */
int e2e_har_load_hosts(const char *path, const char *const *hosts, size_t nhosts, struct e2e_har **out);
/* The same (all hosts), also keeping what perf-replay sends again: each
 * request's query, its headers (request.headers, name and value strings,
 * required when present; HTTP/2 pseudo-headers and ones with a line break
 * left out) and its body (request.postData.text). Memory then grows with
 * what the file's requests hold. */
int e2e_har_load_replay(const char *path, struct e2e_har **out);
/* Accepts NULL. */
void e2e_har_destroy(struct e2e_har *h);

/* What e2e_har_load_replay() kept of request i (pointing into h; after
 * e2e_har_load() the fields are empty). */
struct e2e_har_request {
	const char *target; /* path and query as in the URL */
	size_t target_len;
	const char *headers; /* "Name: value\n" lines */
	size_t headers_len;
	const char *body; /* NULL: no postData.text */
	size_t body_len;
};
void e2e_har_request(const struct e2e_har *h, size_t i, struct e2e_har_request *out);

/* The requests in start order, i < e2e_har_count(h). The capture's method
 * and path point into h. */
size_t e2e_har_count(const struct e2e_har *h);
void e2e_har_capture(const struct e2e_har *h, size_t i, struct e2e_capture *out);
const struct e2e_har_stats *e2e_har_stats(const struct e2e_har *h);

/* One URL authority among the imported requests. */
struct e2e_har_host {
	const char *name; /* "host" or "host:port", lower-case; owned by the har */
	uint64_t requests;
};

/* The imported requests' hosts, most requests first (ties by name);
 * *out points into h. */
size_t e2e_har_hosts(const struct e2e_har *h, const struct e2e_har_host **out);

/* "har:BASENAME sha256:HEX" (SHA-256 of the file's bytes). */
const char *e2e_har_source(const struct e2e_har *h);
/* Wall clock of the run, Unix ms: the earliest startedDateTime and the
 * latest startedDateTime + total time of the imported requests. A file
 * without any imported request has both set to the file's modification
 * time. */
int64_t e2e_har_started_ms(const struct e2e_har *h);
int64_t e2e_har_ended_ms(const struct e2e_har *h);
/* Latest end minus earliest start, ns (0 without requests). */
uint64_t e2e_har_duration_ns(const struct e2e_har *h);
/* Most requests in flight at once ([start, start + total) intervals). */
uint32_t e2e_har_max_concurrency(const struct e2e_har *h);

#endif
