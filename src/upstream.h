/* upstream.h - the proxy's HTTP/1.1 client to the target. libcurl makes
 * every upstream connection (DNS, TCP, TLS or not, --insecure) on a multi
 * handle driven from the proxy's own epoll loop and carries the bytes of
 * https ones; the connections are pooled (keep-alive), the request is
 * framed in upstream.c and the response parsed by http1.c. Used only by
 * proxy.c; the only module that includes <curl/curl.h>.
 *
 * Everything here runs on the proxy's event-loop thread. Callbacks are
 * called from inside e2e_upstream_start(), e2e_upstream_event() and
 * e2e_upstream_run(); they must not call e2e_upstream_release() on their
 * own transfer. */
#ifndef E2E_UPSTREAM_H
#define E2E_UPSTREAM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* epoll_event.data.u64 of the sockets upstream adds to the loop's epoll
 * set: this bit plus the fd in the low 32 bits. */
#define E2E_UPSTREAM_EV_TAG ((uint64_t)1 << 40)

/* on_read's "no request body bytes yet": the transfer pauses until
 * e2e_upstream_resume(). */
#define E2E_UPSTREAM_READ_PAUSE ((size_t)-1)

struct e2e_upstream_cbs {
	/* The final (non-1xx) response head arrived; headers are readable with
	 * e2e_upstream_header() from now until release. */
	void (*on_head)(void *ctx, int status);
	/* Response body bytes. Return false to pause the transfer (the same
	 * bytes are offered again after e2e_upstream_resume()). */
	bool (*on_body)(void *ctx, const char *data, size_t len);
	/* Request body: copy up to max bytes into buf; return the count, 0 at
	 * the end, or E2E_UPSTREAM_READ_PAUSE. */
	size_t (*on_read)(void *ctx, char *buf, size_t max);
	/* The transfer ended: kind is an enum e2e_error_kind (NONE on success).
	 * Called once per started transfer, never after e2e_upstream_release(). */
	void (*on_done)(void *ctx, int kind);
};

struct e2e_upstream_config {
	const char *target; /* http[s]://host[:port][/prefix] */
	uint64_t timeout_ns; /* no upstream progress for this long -> TIMEOUT */
	size_t head_max; /* a response head over this -> HEAD_TOO_LARGE; 0 = 64 KiB */
	bool insecure; /* do not verify TLS certificates */
	int epfd; /* the loop's epoll set (level-triggered registrations) */
};

struct e2e_upstream;
struct e2e_upstream_xfer;

/* Validates the target (E2E_ERR_INPUT "'%s': ..." on a bad URL), resolves
 * its host once (a failure is reported per request as RESOLVE) and sets up
 * the multi handle. Caller destroys. */
int e2e_upstream_create(const struct e2e_upstream_config *cfg, const struct e2e_upstream_cbs *cbs,
			struct e2e_upstream **out);
/* Aborts any transfer still running (no on_done), frees everything.
 * Accepts NULL. */
void e2e_upstream_destroy(struct e2e_upstream *up);

/* Event loop: an epoll event whose data has E2E_UPSTREAM_EV_TAG. */
void e2e_upstream_event(struct e2e_upstream *up, uint64_t data, uint32_t events);
/* Runs what is due: deferred resumes, curl's timer, idle timeouts. Call
 * once per loop iteration (cheap when nothing is due). */
void e2e_upstream_run(struct e2e_upstream *up, uint64_t now_ns);
/* Milliseconds until e2e_upstream_run() has work (0 = now, -1 = none). */
int e2e_upstream_wait_ms(const struct e2e_upstream *up, uint64_t now_ns);
/* Transfers started and not yet done. */
size_t e2e_upstream_active(const struct e2e_upstream *up);

/* A transfer for one request: add headers, then start. ctx is passed to
 * every callback. Never NULL (aborts on out-of-memory). */
struct e2e_upstream_xfer *e2e_upstream_xfer(struct e2e_upstream *up, void *ctx);
/* Adds a request header sent as-is ("Name: value"); curl adds Host from
 * the target unless one is given here. */
void e2e_upstream_add_header(struct e2e_upstream_xfer *x, const char *name, size_t name_len,
			     const char *value, size_t value_len);
/* Starts the request: target is the raw request target ("/p?q", appended
 * to the target's path prefix). body_len: -1 none, -2 chunked/unknown
 * length, else the exact length (0 sends "Content-Length: 0"). */
void e2e_upstream_start(struct e2e_upstream_xfer *x, const char *method, const char *target,
			size_t target_len, int64_t body_len);
/* Continues a paused transfer (body accepted again or request body bytes
 * available); deferred to the next e2e_upstream_run(). */
void e2e_upstream_resume(struct e2e_upstream_xfer *x);
/* The i-th forwarded response header (hop-by-hop ones and Content-Length
 * already removed); false past the end. Strings are NUL-terminated and
 * live until release. */
bool e2e_upstream_header(const struct e2e_upstream_xfer *x, size_t i, const char **name, const char **value);
/* Content-Length of the response, or -1 when the upstream sent none. */
int64_t e2e_upstream_content_length(const struct e2e_upstream_xfer *x);
/* Upstream timings in microseconds: start -> first response byte (0 if
 * none yet) and start -> end (or -> now while still running). */
void e2e_upstream_times(const struct e2e_upstream_xfer *x, uint32_t *ttfb_us, uint32_t *total_us);
/* Ends the transfer (aborting it if still running, without on_done) and
 * recycles it. Accepts NULL. */
void e2e_upstream_release(struct e2e_upstream_xfer *x);

/* One blocking POST with an empty body to url (http only, no proxy from
 * the environment), for `e2e mark`: *status gets the HTTP status and body
 * the response body (at most 4 KiB kept). E2E_ERR_RUNTIME naming the URL
 * when there is no answer within timeout_ms. Not for the proxy's loop. */
struct e2e_buf;
int e2e_upstream_post_once(const char *url, long timeout_ms, long *status, struct e2e_buf *body);

#endif
