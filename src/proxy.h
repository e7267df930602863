/* proxy.h - the recording reverse proxy: our HTTP/1.1 server (front.h) in
 * front, the upstream module (libcurl) behind, one event-loop thread
 * driving both.
 *
 * Every proxied request becomes one e2e_capture handed to the capture
 * queue in batches (never a wake-up of another thread per request). What
 * is recorded: start offset, method, raw path without query, status,
 * upstream time to first byte and total, time inside the proxy (wall time
 * from request head to response end minus total upstream time), request
 * and response body bytes (as the client sent and received them), error
 * kind, and which test issued it (testmark.h: the control endpoint under
 * E2E_CONTROL_PATH is answered by the proxy itself, never forwarded or
 * recorded; the E2E-Test header is not forwarded). Never header values,
 * bodies or query values. */
#ifndef E2E_PROXY_H
#define E2E_PROXY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct e2e_capture_queue;

struct e2e_proxy_config {
	const char *listen_host; /* NULL = "127.0.0.1" */
	uint16_t listen_port; /* 0 = any free port (see e2e_proxy_port) */
	const char *target; /* http[s]://host[:port][/prefix] */
	uint64_t upstream_timeout_ns; /* no upstream progress for this long -> 504; 0 = never */
	bool preserve_host; /* forward the client's Host instead of the target's */
	bool insecure; /* do not verify the upstream's TLS certificate */
	/* Request heads over this get 431, response heads 502 (recorded as
	 * rejected and head_too_large); 0 = E2E_PROXY_HEADER_BYTES. */
	size_t max_header_bytes;
	uint64_t run_start_ns; /* CLOCK_MONOTONIC origin of the start offsets */
	struct e2e_capture_queue *queue; /* NULL = count requests only */
};

#define E2E_PROXY_HEADER_BYTES (64u * 1024u)

struct e2e_proxy;

/* Binds (E2E_ERR_RUNTIME "cannot listen on 'addr:port': ..."), checks the
 * target (E2E_ERR_INPUT) and starts the event-loop thread. The config's
 * strings are copied. Caller destroys. */
int e2e_proxy_start(const struct e2e_proxy_config *cfg, struct e2e_proxy **out);

/* The port actually bound (useful when 0 was asked). */
uint16_t e2e_proxy_port(const struct e2e_proxy *p);

struct e2e_proxy_stats {
	uint64_t requests; /* recorded (handed to the queue or dropped) */
	uint64_t errors; /* of which: error kind set or status >= 500 */
	uint64_t dropped; /* not queued: no free batch */
	uint32_t active; /* client connections open now */
	uint32_t peak; /* most client connections open at once */
};
/* Cheap, any thread (relaxed atomics). */
void e2e_proxy_stats(const struct e2e_proxy *p, struct e2e_proxy_stats *out);

/* What the test markers and E2E-Test headers did (testmark.h). Only once
 * e2e_proxy_stop() has returned. */
struct e2e_proxy_test_stats {
	uint64_t tests; /* test ids given */
	uint64_t markers; /* markers accepted */
	uint64_t bad_markers; /* markers refused (4xx) */
	uint64_t bad_headers; /* E2E-Test headers refused: their requests unattributed */
	uint64_t lost_events; /* test events that found no free batch */
};
void e2e_proxy_test_stats(const struct e2e_proxy *p, struct e2e_proxy_test_stats *out);

/* How long the event loop's iterations were busy (from epoll_wait's
 * return to the next call): a histogram of powers of two in
 * microseconds (bucket i: below 2^i us, the last: the rest), for finding
 * where a latency tail comes from. Only once e2e_proxy_stop() has
 * returned. */
#define E2E_PROXY_LOOP_BUCKETS 16
struct e2e_proxy_loop_stats {
	uint64_t iterations;
	uint64_t busy_ns; /* in all */
	uint64_t max_ns;
	uint64_t hist[E2E_PROXY_LOOP_BUCKETS];
};
void e2e_proxy_loop_stats(const struct e2e_proxy *p, struct e2e_proxy_loop_stats *out);

/* Stops accepting, lets in-flight requests finish for up to grace_ns, then
 * closes the rest (recorded as client_abort), submits the last partial
 * batch and joins the thread. Idempotent; returns 0. */
int e2e_proxy_stop(struct e2e_proxy *p, uint64_t grace_ns);

/* Stops (no grace) if still running, frees everything. Accepts NULL. */
void e2e_proxy_destroy(struct e2e_proxy *p);

#endif
