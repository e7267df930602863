/* front.h - the proxy's HTTP/1.1 server: client connections on the proxy's
 * own epoll set, request heads scanned here and judged by http1_req.c,
 * request bodies decoded (Content-Length, chunked), responses framed and
 * written (writev of what is queued and what is new, straight from the
 * caller's buffer when the socket takes it). Used only by proxy.c; one
 * thread (the proxy's event loop) calls everything here.
 *
 * A connection carries one request at a time: pipelined requests wait in
 * its buffer and are answered in order. Its head buffer starts at
 * E2E_FRONT_BUF_MIN bytes and grows only for a larger head, up to the
 * head limit; nothing is zeroed per request.
 *
 * Timeouts: a request head must be complete within E2E_FRONT_HEAD_NS of
 * its first byte (of the connection's opening for the first one); a
 * connection idle for E2E_FRONT_IDLE_NS between requests is closed; past
 * E2E_FRONT_PARTIAL_PER_PEER connections of one client address in a head,
 * the oldest of them is closed (slowloris).
 *
 * Memory: the front owns its connections and their buffers; a request's
 * context (what on_request returns) is the caller's, never freed here. */
#ifndef E2E_FRONT_H
#define E2E_FRONT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* epoll_event.data.u64 of the front's descriptors in the loop's epoll set:
 * this bit plus the descriptor in the low 32 bits. */
#define E2E_FRONT_EV_TAG ((uint64_t)1 << 41)

#define E2E_FRONT_BUF_MIN 4096u
#define E2E_FRONT_HEAD_NS 10000000000u
#define E2E_FRONT_IDLE_NS 75000000000u
#define E2E_FRONT_PARTIAL_PER_PEER 256

struct e2e_front;
struct e2e_front_conn;

struct e2e_front_field {
	const char *name, *value; /* NUL-terminated too */
	size_t nlen, vlen; /* the value without surrounding whitespace */
};

/* A request head, valid only during on_request. */
struct e2e_front_req {
	const char *method, *target;
	size_t method_len, target_len;
	const struct e2e_front_field *fields;
	size_t nfields;
	const char *peer; /* the client's address as text ("" if unknown) */
	size_t peer_len;
	int status; /* 0 = acceptable, else the status to refuse it with */
	const char *why; /* with status: a short plain-text body ending in "\n" */
	int64_t body_len; /* with status 0: -1 none, -2 chunked, else the length */
	bool head_method; /* HEAD: a response has no body */
};

struct e2e_front_cbs {
	/* A complete request head (or one refused: q->status). Returns the
	 * request's context, passed to the callbacks below until on_end. The
	 * caller answers with e2e_front_respond() + e2e_front_send() +
	 * e2e_front_finish(), or e2e_front_reply(), now or later. */
	void *(*on_request)(void *ctx, struct e2e_front_conn *c, const struct e2e_front_req *q);
	/* Request body bytes (chunked framing removed). Returns how many it
	 * took; fewer than len stops reading until e2e_front_resume(). */
	size_t (*on_body)(void *rctx, const char *data, size_t len);
	/* The request body is complete (or there was none): bad is NULL; or
	 * its framing is broken: bad is the status (400) and why, and the
	 * caller should refuse the request (e2e_front_reply() with close). */
	void (*on_body_end)(void *rctx, int bad, const char *why);
	/* Response bytes queued by e2e_front_send() went out: room again. */
	void (*on_drain)(void *rctx);
	/* The request is over: ok when the whole response was written, false
	 * when the client went away or it was aborted. rctx is not used again. */
	void (*on_end)(void *rctx, bool ok);
	/* A client connection opened (open) or closed. */
	void (*on_conn)(void *ctx, bool open);
};

struct e2e_front_config {
	int epfd; /* the loop's epoll set */
	int listen_fd; /* non-blocking, listening (-1: none); the front closes it */
	size_t max_head; /* request heads over this get 431 */
	size_t out_max; /* response bytes queued per connection before e2e_front_send refuses */
	unsigned max_conns; /* connections accepted at most at once */
};

/* Adds the listening socket to the epoll set. Caller destroys. */
int e2e_front_create(const struct e2e_front_config *cfg, const struct e2e_front_cbs *cbs, void *ctx,
		     struct e2e_front **out);
/* Closes every connection (on_end(false) for requests still open) and the
 * listening socket, frees everything. Accepts NULL. */
void e2e_front_destroy(struct e2e_front *f);

/* Adds a connected, non-blocking socket as a client connection (tests
 * and the fuzz harness: a socketpair). The front closes it. */
int e2e_front_adopt(struct e2e_front *f, int fd);
/* Event loop: an epoll event whose data has E2E_FRONT_EV_TAG. */
void e2e_front_event(struct e2e_front *f, uint64_t data, uint32_t events);
/* Runs the timeouts due. Once per loop iteration. */
void e2e_front_run(struct e2e_front *f, uint64_t now_ns);
/* Milliseconds until e2e_front_run() has work (-1 = none). */
int e2e_front_wait_ms(const struct e2e_front *f, uint64_t now_ns);
/* Stops accepting (closes the listening socket); idle connections are
 * closed, others close after their current request. */
void e2e_front_quiesce(struct e2e_front *f);
/* Closes every connection now: on_end(false) for requests still open. */
void e2e_front_close_all(struct e2e_front *f);

/* The response head: status and reason, the fields given, Date unless
 * given, then the framing: body_len >= 0 is Content-Length; -1 is an
 * unknown length (chunked to an HTTP/1.1 client, else the connection
 * closes after it). no_body: HEAD, 204, 304 (the fields say what a body
 * would be, none follows). close: the connection closes after it. */
void e2e_front_respond(struct e2e_front_conn *c, unsigned status, int64_t body_len, bool no_body, bool close);
/* A response field, between e2e_front_respond() and the first send. */
void e2e_front_field(struct e2e_front_conn *c, const char *name, size_t nlen, const char *value, size_t vlen);
/* Response body bytes: written now if the socket takes them, the rest
 * copied. false (nothing taken) when over out_max would be queued: wait
 * for on_drain. */
bool e2e_front_send(struct e2e_front_conn *c, const char *data, size_t len);
/* The response is complete (ok) or broken (!ok: the connection is closed
 * once the bytes queued are out, so the client sees it cut short). */
void e2e_front_finish(struct e2e_front_conn *c, bool ok);
/* A whole plain-text response (text/plain; charset=utf-8). */
void e2e_front_reply(struct e2e_front_conn *c, unsigned status, const char *body, size_t len, bool close);
/* Reading the request body goes on (after on_body took less). */
void e2e_front_resume(struct e2e_front_conn *c);
/* Ends the connection now: on_end(false). */
void e2e_front_abort(struct e2e_front_conn *c);
/* Response bytes queued and not yet written. */
size_t e2e_front_queued(const struct e2e_front_conn *c);

#endif
