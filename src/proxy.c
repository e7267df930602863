/* proxy.c - the front end (front.c, our HTTP/1.1 server) and the upstream
 * module on one event-loop thread, one epoll set.
 *
 * A request's life: the front hands over a complete request head and we
 * take a struct req from a free list and start the upstream transfer;
 * request body bytes go through a bounded buffer (the front stops reading
 * when it is full, the upstream pauses when it is empty); once the body
 * is in, the response head goes out as soon as the upstream's arrives;
 * response body bytes are written to the client straight from the
 * upstream's buffer (the front queues what the socket does not take, and
 * the upstream pauses while too much is queued). Body bytes that come
 * before the response head can go out wait in the request's buffer and
 * leave with the head in one writev. The front's on_end records the
 * request into the current capture batch. */
#include "proxy.h"

#include <errno.h>
#include <limits.h>
#include <netdb.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "buf.h"
#include "capture.h"
#include "error.h"
#include "front.h"
#include "http1.h"
#include "http1_req.h"
#include "sample.h"
#include "testmark.h"
#include "upstream.h"
#include "banned.h"

#define EV_WAKE 2u
#define RESP_BUF_MAX (128 * 1024) /* response bytes held per request */
#define REQ_BUF_MAX (64 * 1024) /* request body bytes held per request */
#define FLUSH_NS 150000000u /* a partial batch is submitted after this */
#define FREE_REQS_MAX 256
#define METHOD_MAX (E2E_HTTP1_METHOD_MAX + 1)
#define FD_RESERVE 64 /* descriptors kept for the store, curl, the loop */

struct req {
	struct e2e_proxy *p;
	struct e2e_front_conn *c;
	struct e2e_upstream_xfer *x;
	struct req *prev, *next; /* in-flight list / free list */
	uint64_t t_start;
	uint64_t req_bytes, resp_bytes;
	uint32_t ttfb_us, total_us;
	uint16_t status;
	uint8_t kind;
	bool up_head, up_done, up_paused, send_paused, client_eof, queued, finished, aborting, is_head;
	bool no_body; /* the response has none (HEAD, 204, 304) */
	bool qb_wait; /* the front stopped reading until the upstream takes request body bytes */
	bool control; /* for the control endpoint: answered here, never recorded */
	bool ready; /* on the ready list */
	struct req *ready_next;
	uint32_t test_id; /* which test issued it (sample.h) */
	size_t method_len;
	char method[METHOD_MAX];
	char *uri;
	size_t uri_len, uri_cap;
	char *rb; /* response body before the head went out: bytes [rb_rd, rb_wr) */
	size_t rb_cap, rb_rd, rb_wr;
	char *qb; /* request body: bytes [qb_rd, qb_wr) */
	size_t qb_cap, qb_rd, qb_wr;
};

struct e2e_proxy {
	char *listen_host;
	char *target;
	uint64_t run_start_ns;
	bool preserve_host;
	struct e2e_capture_queue *queue;
	int epfd, wakefd, listen_fd;
	uint16_t port;
	size_t max_head; /* request and response heads: the most bytes each */
	struct e2e_front *front;
	struct e2e_upstream *up;
	pthread_t thread;
	bool thread_started, joined;
	atomic_bool stop_req;
	_Atomic uint64_t grace_ns;
	struct req *inflight;
	size_t ninflight;
	struct req *free_reqs;
	size_t nfree;
	struct req *ready; /* response heads to send once the upstream's events are read */
	struct e2e_capture_batch *batch;
	uint64_t batch_t0;
	struct e2e_testmark *tm; /* the loop's; read by others only after the join */
	uint64_t lost_events; /* test events with no free batch */
	struct e2e_proxy_loop_stats loop; /* the loop's; read by others only after the join */
	_Atomic uint64_t requests, errors, dropped;
	_Atomic uint32_t active, peak;
};

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* ---- requests ---- */

static struct req *req_get(struct e2e_proxy *p)
{
	struct req *r = p->free_reqs;

	if (r) {
		p->free_reqs = r->next;
		p->nfree--;
	} else {
		r = e2e_xcalloc(1, sizeof(*r));
		r->p = p;
	}
	r->c = NULL;
	r->x = NULL;
	r->t_start = 0;
	r->req_bytes = r->resp_bytes = 0;
	r->ttfb_us = r->total_us = 0;
	r->status = 0;
	r->kind = E2E_EK_NONE;
	r->up_head = r->up_done = r->up_paused = r->send_paused = false;
	r->client_eof = r->queued = r->finished = r->aborting = r->is_head = r->qb_wait = false;
	r->no_body = r->control = r->ready = false;
	r->test_id = E2E_TEST_OUTSIDE;
	r->method_len = 0;
	r->uri_len = 0;
	r->rb_rd = r->rb_wr = 0;
	r->qb_rd = r->qb_wr = 0;
	r->prev = NULL;
	r->next = p->inflight;
	if (p->inflight)
		p->inflight->prev = r;
	p->inflight = r;
	p->ninflight++;
	return r;
}

static void req_put(struct e2e_proxy *p, struct req *r)
{
	if (r->prev)
		r->prev->next = r->next;
	else
		p->inflight = r->next;
	if (r->next)
		r->next->prev = r->prev;
	p->ninflight--;
	if (r->ready) {
		struct req **pp = &p->ready;
		while (*pp != r)
			pp = &(*pp)->ready_next;
		*pp = r->ready_next;
		r->ready = false;
	}
	e2e_upstream_release(r->x);
	r->x = NULL;
	if (p->nfree >= FREE_REQS_MAX) {
		free(r->uri);
		free(r->rb);
		free(r->qb);
		free(r);
		return;
	}
	/* Keep small buffers for the next request; give big ones back. */
	if (r->rb_cap > 16384) {
		free(r->rb);
		r->rb = NULL;
		r->rb_cap = 0;
	}
	if (r->qb_cap > 16384) {
		free(r->qb);
		r->qb = NULL;
		r->qb_cap = 0;
	}
	r->next = p->free_reqs;
	p->free_reqs = r;
	p->nfree++;
}

/* Makes room for len more bytes in a [rd, wr) buffer of at most max bytes. */
static bool buf_room(char **b, size_t *cap, size_t *rd, size_t *wr, size_t len, size_t max)
{
	size_t used = *wr - *rd;

	if (*cap - *wr >= len)
		return true;
	if (used + len > max)
		return false;
	if (*rd) {
		memmove(*b, *b + *rd, used);
		*rd = 0;
		*wr = used;
	}
	if (*cap - *wr < len) {
		size_t n = *cap ? *cap : 4096;
		while (n < used + len)
			n *= 2;
		if (n > max)
			n = max;
		*b = e2e_xrealloc(*b, n);
		*cap = n;
	}
	return true;
}

/* The request target as sent upstream: origin-form (an absolute-form
 * "http://host/p" becomes "/p"). */
static const char *origin_form(const struct req *r, size_t *len)
{
	const char *u = r->uri, *end = r->uri + r->uri_len;

	if (r->uri_len > 7 && (strncasecmp(u, "http://", 7) == 0 || strncasecmp(u, "https://", 8) == 0)) {
		const char *s = memchr(u, ':', r->uri_len) + 3;
		const char *slash = memchr(s, '/', (size_t)(end - s));
		if (!slash) {
			*len = 1;
			return "/";
		}
		u = slash;
	}
	*len = (size_t)(end - u);
	return u;
}

/* ---- recording ---- */

static void record(struct e2e_proxy *p, struct req *r)
{
	struct e2e_sample s = { 0 };
	uint64_t now = now_ns();
	uint64_t wall_us = now > r->t_start ? (now - r->t_start) / 1000u : 0;
	size_t plen;
	const char *path = origin_form(r, &plen);
	const char *q = memchr(path, '?', plen);

	if (q)
		plen = (size_t)(q - path);
	s.start_ns = r->t_start > p->run_start_ns ? r->t_start - p->run_start_ns : 0;
	s.status = r->status;
	s.error = r->kind;
	s.test_id = r->test_id;
	s.ttfb_us = r->ttfb_us;
	s.total_us = r->total_us;
	s.proxy_us =
		wall_us > r->total_us
			? (uint32_t)(wall_us - r->total_us > UINT32_MAX ? UINT32_MAX : wall_us - r->total_us)
			: 0;
	s.req_bytes = r->req_bytes;
	s.resp_bytes = r->resp_bytes;
	atomic_store_explicit(&p->requests, atomic_load_explicit(&p->requests, memory_order_relaxed) + 1,
			      memory_order_relaxed);
	if (s.error != E2E_EK_NONE || s.status >= 500)
		atomic_store_explicit(&p->errors, atomic_load_explicit(&p->errors, memory_order_relaxed) + 1,
				      memory_order_relaxed);
	if (!p->queue)
		return;
	if (!p->batch) {
		p->batch = e2e_capture_queue_take(p->queue);
		p->batch_t0 = now;
	}
	if (p->batch && !e2e_capture_batch_add(p->batch, &s, r->method, r->method_len, path, plen)) {
		e2e_capture_queue_submit(p->queue, p->batch);
		p->batch = e2e_capture_queue_take(p->queue);
		p->batch_t0 = now;
		if (p->batch && !e2e_capture_batch_add(p->batch, &s, r->method, r->method_len, path, plen)) {
			e2e_capture_queue_submit(p->queue, p->batch);
			p->batch = NULL;
		}
	}
	if (!p->batch) {
		e2e_capture_queue_drop(p->queue, 1);
		atomic_store_explicit(&p->dropped,
				      atomic_load_explicit(&p->dropped, memory_order_relaxed) + 1,
				      memory_order_relaxed);
	}
}

/* Test events go into the current batch like captures; one that finds no
 * free batch is counted (e2e_proxy_test_stats), never waited for. */
static void emit_events(struct e2e_proxy *p, const struct e2e_test_event *ev, size_t n)
{
	for (size_t i = 0; p->queue && i < n; i++) {
		if (!p->batch) {
			p->batch = e2e_capture_queue_take(p->queue);
			p->batch_t0 = now_ns();
		}
		if (p->batch && !e2e_capture_batch_event(p->batch, &ev[i])) {
			e2e_capture_queue_submit(p->queue, p->batch);
			p->batch = e2e_capture_queue_take(p->queue);
			p->batch_t0 = now_ns();
			if (p->batch && !e2e_capture_batch_event(p->batch, &ev[i])) {
				e2e_capture_queue_submit(p->queue, p->batch);
				p->batch = NULL;
			}
		}
		if (!p->batch)
			p->lost_events++;
	}
}

static uint64_t run_offset(const struct e2e_proxy *p, uint64_t t)
{
	return t > p->run_start_ns ? t - p->run_start_ns : 0;
}

static void flush_batch(struct e2e_proxy *p)
{
	if (p->batch) {
		e2e_capture_queue_submit(p->queue, p->batch);
		p->batch = NULL;
	}
}

/* Gives up the request's upstream transfer, keeping its times. */
static void abandon(struct req *r)
{
	if (r->x && !r->up_done) {
		e2e_upstream_times(r->x, &r->ttfb_us, &r->total_us);
		e2e_upstream_release(r->x);
		r->x = NULL;
		r->up_done = true;
	}
}

/* ---- responses ---- */

static const char *error_body(int kind, unsigned *status)
{
	*status = 502;
	switch (kind) {
	case E2E_EK_REFUSED:
		return "502 bad gateway: the upstream refused the connection\n";
	case E2E_EK_RESET:
		return "502 bad gateway: the upstream closed the connection\n";
	case E2E_EK_TIMEOUT:
		*status = 504;
		return "504 gateway timeout: no answer from the upstream in time\n";
	case E2E_EK_PROTOCOL:
		return "502 bad gateway: invalid response from the upstream\n";
	case E2E_EK_HEAD_TOO_LARGE:
		return "502 bad gateway: the upstream's response head is too large\n";
	case E2E_EK_TLS:
		return "502 bad gateway: TLS failure with the upstream\n";
	case E2E_EK_RESOLVE:
		return "502 bad gateway: cannot resolve the upstream host\n";
	case E2E_EK_INTERNAL:
		*status = 500;
		return "500 internal server error: the proxy failed\n";
	default:
		return "502 bad gateway: the upstream transfer failed\n";
	}
}

/* The whole answer at once (an error, a refusal, the control endpoint). */
static void reply(struct req *r, unsigned status, const char *body, size_t len, bool close)
{
	r->queued = r->finished = true;
	r->status = (uint16_t)status;
	r->resp_bytes = r->is_head ? 0 : len;
	e2e_front_reply(r->c, status, body, len, close);
}

/* The response head goes out (the request body is in and the upstream's
 * head or end came), with any body bytes already here. */
static void respond(struct req *r)
{
	int64_t cl, len;
	const char *name, *value;

	if (r->queued || r->aborting)
		return;
	/* Nothing has gone to the client yet: a response already known to
	 * be broken is answered as an error, at once. */
	if (r->up_head && r->up_done && r->kind != E2E_EK_NONE)
		r->up_head = false;
	if (!r->up_head) {
		unsigned status;
		const char *msg;
		if (r->kind == E2E_EK_NONE)
			r->kind = E2E_EK_PROTOCOL; /* finished without a response head */
		msg = error_body(r->kind, &status);
		reply(r, status, msg, strlen(msg), false);
		return;
	}
	cl = e2e_upstream_content_length(r->x);
	r->no_body = r->is_head || r->status == 204 || r->status == 304;
	len = cl;
	if (r->status == 204)
		len = -1;
	e2e_front_respond(r->c, r->status, len, r->no_body, false);
	for (size_t i = 0; e2e_upstream_header(r->x, i, &name, &value); i++)
		e2e_front_field(r->c, name, strlen(name), value, strlen(value));
	r->queued = true;
	if (r->rb_wr > r->rb_rd && !r->no_body) {
		e2e_front_send(r->c, r->rb + r->rb_rd, r->rb_wr - r->rb_rd);
		r->resp_bytes += r->rb_wr - r->rb_rd;
	}
	r->rb_rd = r->rb_wr = 0;
	if (r->up_done) {
		r->finished = true;
		e2e_front_finish(r->c, true);
	} else if (r->up_paused) {
		r->up_paused = false;
		e2e_upstream_resume(r->x);
	}
}

/* ---- upstream callbacks ---- */

static void up_head(void *ctx, int status)
{
	struct req *r = ctx;

	r->up_head = true;
	r->status = (uint16_t)status;
	/* Not at once: the rest of what the upstream sent with the head (its
	 * end, or broken framing) is read first, so that a response broken
	 * already gets its 502 instead of a cut 200. */
	if (r->client_eof && !r->ready) {
		r->ready = true;
		r->ready_next = r->p->ready;
		r->p->ready = r;
	}
}

/* The response heads that became ready while the upstream's events were
 * read. */
static void ready_run(struct e2e_proxy *p)
{
	while (p->ready) {
		struct req *r = p->ready;
		p->ready = r->ready_next;
		r->ready = false;
		respond(r);
	}
}

static bool up_body(void *ctx, const char *data, size_t len)
{
	struct req *r = ctx;

	if (r->is_head || r->aborting)
		return true;
	if (r->queued) {
		if (r->no_body || r->finished)
			return true;
		if (!e2e_front_send(r->c, data, len)) {
			r->up_paused = true;
			return false;
		}
		r->resp_bytes += len;
		return true;
	}
	if (!buf_room(&r->rb, &r->rb_cap, &r->rb_rd, &r->rb_wr, len, RESP_BUF_MAX)) {
		r->up_paused = true;
		return false;
	}
	memcpy(r->rb + r->rb_wr, data, len);
	r->rb_wr += len;
	return true;
}

static size_t up_read(void *ctx, char *buf, size_t max)
{
	struct req *r = ctx;
	size_t n = r->qb_wr - r->qb_rd;

	if (!n) {
		if (r->client_eof)
			return 0;
		r->send_paused = true;
		return E2E_UPSTREAM_READ_PAUSE;
	}
	if (n > max)
		n = max;
	memcpy(buf, r->qb + r->qb_rd, n);
	r->qb_rd += n;
	if (r->qb_rd == r->qb_wr)
		r->qb_rd = r->qb_wr = 0;
	if (r->qb_wait) {
		r->qb_wait = false;
		e2e_front_resume(r->c);
	}
	return n;
}

static void up_done(void *ctx, int kind)
{
	struct req *r = ctx;

	r->up_done = true;
	if (kind != E2E_EK_NONE && r->kind == E2E_EK_NONE)
		r->kind = (uint8_t)kind;
	e2e_upstream_times(r->x, &r->ttfb_us, &r->total_us);
	if (r->queued) {
		if (!r->finished) {
			r->finished = true;
			e2e_front_finish(r->c, r->kind == E2E_EK_NONE);
		}
	} else if (r->client_eof) {
		respond(r);
	}
}

static const struct e2e_upstream_cbs upstream_cbs = {
	.on_head = up_head,
	.on_body = up_body,
	.on_read = up_read,
	.on_done = up_done,
};

/* ---- requests from the front ---- */

static const struct e2e_front_field *field(const struct e2e_front_req *q, const char *name, size_t nlen)
{
	for (size_t i = 0; i < q->nfields; i++)
		if (q->fields[i].nlen == nlen && strncasecmp(q->fields[i].name, name, nlen) == 0)
			return &q->fields[i];
	return NULL;
}

static bool named(const struct e2e_front_field *h, const char *name, size_t nlen)
{
	return h->nlen == nlen && strncasecmp(h->name, name, nlen) == 0;
}

static void forward(struct req *r, const struct e2e_front_req *q)
{
	struct e2e_proxy *p = r->p;
	const struct e2e_front_field *conn = field(q, "connection", 10), *xff_in = NULL;
	char xff[1024 + INET6_ADDRSTRLEN];
	size_t n = 0, tlen;
	const char *target;

	r->x = e2e_upstream_xfer(p->up, r);
	for (size_t i = 0; i < q->nfields; i++) {
		const struct e2e_front_field *h = &q->fields[i];
		if (named(h, "content-length", 14) || named(h, "transfer-encoding", 17))
			continue;
		if (e2e_http1_hop_by_hop(h->name, h->nlen) ||
		    (conn && e2e_http1_conn_listed(conn->value, h->name, h->nlen)))
			continue;
		if ((named(h, "host", 4) && !p->preserve_host) || named(h, "expect", 6) ||
		    named(h, "x-forwarded-proto", 17) ||
		    named(h, E2E_TEST_HEADER, sizeof(E2E_TEST_HEADER) - 1))
			continue;
		if (named(h, "x-forwarded-for", 15)) {
			if (!xff_in)
				xff_in = h;
			continue;
		}
		e2e_upstream_add_header(r->x, h->name, h->nlen, h->value, h->vlen);
	}
	/* X-Forwarded-For: the client's list, then the client */
	if (xff_in && xff_in->vlen && xff_in->vlen <= 1024) {
		memcpy(xff, xff_in->value, xff_in->vlen);
		n = xff_in->vlen;
		if (q->peer_len) {
			memcpy(xff + n, ", ", 2);
			n += 2;
		}
	}
	memcpy(xff + n, q->peer, q->peer_len);
	n += q->peer_len;
	if (n)
		e2e_upstream_add_header(r->x, "X-Forwarded-For", 15, xff, n);
	e2e_upstream_add_header(r->x, "X-Forwarded-Proto", 17, "http", 4);
	target = origin_form(r, &tlen);
	e2e_upstream_start(r->x, r->method, target, tlen, q->body_len);
}

/* Answers a refused request with its status and a short plain-text body
 * and closes the connection (its framing is not to be trusted); nothing
 * (more) goes upstream. Recorded as rejected. */
static void reject(struct req *r, int status, const char *why)
{
	r->kind = E2E_EK_REJECTED;
	r->aborting = true;
	abandon(r);
	reply(r, (unsigned)status, why, strlen(why), true);
}

/* Answers a control request (testmark.h) once its body, ignored, is in. */
static void control_respond(struct req *r)
{
	struct e2e_proxy *p = r->p;
	struct e2e_testmark_reply rep;
	char msg[320];
	size_t tlen, len = 0;
	const char *target = origin_form(r, &tlen);

	e2e_testmark_control(p->tm, r->method, target, tlen, run_offset(p, r->t_start), &rep);
	emit_events(p, rep.ev, rep.nev);
	if (rep.status != 204)
		len = (size_t)snprintf(msg, sizeof(msg), "%u %s\n", rep.status, rep.message);
	if (len >= sizeof(msg))
		len = sizeof(msg) - 1;
	reply(r, rep.status, msg, len, false);
}

/* The request's test (testmark.h), from its E2E-Test header or the
 * markers so far. */
static void attribute(struct req *r, const struct e2e_front_req *q)
{
	struct e2e_proxy *p = r->p;
	struct e2e_test_event ev;
	const struct e2e_front_field *h = field(q, E2E_TEST_HEADER, sizeof(E2E_TEST_HEADER) - 1);
	size_t nev;

	r->test_id = e2e_testmark_attribute(p->tm, h ? h->value : NULL, h ? h->vlen : 0,
					    run_offset(p, r->t_start), &ev, &nev);
	emit_events(p, &ev, nev);
}

static void *on_request(void *ctx, struct e2e_front_conn *c, const struct e2e_front_req *q)
{
	struct e2e_proxy *p = ctx;
	struct req *r = req_get(p);

	r->c = c;
	r->t_start = now_ns();
	if (q->target_len + 1 > r->uri_cap) {
		r->uri_cap = q->target_len + 1 > 256 ? q->target_len + 1 : 256;
		free(r->uri);
		r->uri = e2e_xmalloc(r->uri_cap);
	}
	memcpy(r->uri, q->target, q->target_len);
	r->uri[q->target_len] = '\0';
	r->uri_len = q->target_len;
	r->method_len = q->method_len < METHOD_MAX - 1 ? q->method_len : METHOD_MAX - 1;
	memcpy(r->method, q->method, r->method_len);
	r->method[r->method_len] = '\0';
	r->is_head = q->head_method;
	if (!q->status) {
		size_t tlen;
		const char *target = origin_form(r, &tlen);
		r->control = e2e_testmark_is_control(target, tlen);
		if (r->control)
			return r;
	}
	attribute(r, q);
	if (q->status)
		reject(r, q->status, q->why);
	else
		forward(r, q);
	return r;
}

static size_t on_body(void *rctx, const char *data, size_t len)
{
	struct req *r = rctx;
	size_t n = len;

	if (r->control || r->aborting)
		return len;
	if (r->up_done) {
		r->req_bytes += len;
		return len;
	}
	if (n > REQ_BUF_MAX - (r->qb_wr - r->qb_rd))
		n = REQ_BUF_MAX - (r->qb_wr - r->qb_rd);
	if (n) {
		buf_room(&r->qb, &r->qb_cap, &r->qb_rd, &r->qb_wr, n, REQ_BUF_MAX);
		memcpy(r->qb + r->qb_wr, data, n);
		r->qb_wr += n;
		r->req_bytes += n;
	}
	if (r->send_paused) {
		r->send_paused = false;
		e2e_upstream_resume(r->x);
	}
	if (n < len)
		r->qb_wait = true;
	return n;
}

static void on_body_end(void *rctx, int bad, const char *why)
{
	struct req *r = rctx;

	if (r->aborting)
		return;
	if (bad) {
		reject(r, bad, why);
		return;
	}
	r->client_eof = true;
	if (r->control) {
		control_respond(r);
		return;
	}
	if (r->send_paused) {
		r->send_paused = false;
		e2e_upstream_resume(r->x);
	}
	if (r->up_head || r->up_done)
		respond(r);
}

static void on_drain(void *rctx)
{
	struct req *r = rctx;

	if (r->up_paused && r->x) {
		r->up_paused = false;
		e2e_upstream_resume(r->x);
	}
}

static void on_end(void *rctx, bool ok)
{
	struct req *r = rctx;
	struct e2e_proxy *p = r->p;

	if (!ok && r->kind == E2E_EK_NONE)
		r->kind = E2E_EK_CLIENT_ABORT;
	if (r->x && !r->up_done)
		e2e_upstream_times(r->x, &r->ttfb_us, &r->total_us);
	if (!r->control)
		record(p, r);
	req_put(p, r);
}

static void on_conn(void *ctx, bool open)
{
	struct e2e_proxy *p = ctx;
	uint32_t a = atomic_load_explicit(&p->active, memory_order_relaxed);

	if (open) {
		a++;
		if (a > atomic_load_explicit(&p->peak, memory_order_relaxed))
			atomic_store_explicit(&p->peak, a, memory_order_relaxed);
	} else if (a) {
		a--;
	}
	atomic_store_explicit(&p->active, a, memory_order_relaxed);
}

static const struct e2e_front_cbs front_cbs = {
	.on_request = on_request,
	.on_body = on_body,
	.on_body_end = on_body_end,
	.on_drain = on_drain,
	.on_end = on_end,
	.on_conn = on_conn,
};

/* ---- the loop ---- */

static int wait_ms(struct e2e_proxy *p, uint64_t now, bool stopping, uint64_t stop_at)
{
	int w = e2e_front_wait_ms(p->front, now), uw;

	if (!w || p->ready)
		return 0;
	uw = e2e_upstream_wait_ms(p->up, now);
	if (uw >= 0 && (w < 0 || uw < w))
		w = uw;
	if (p->batch && p->batch->n) {
		uint64_t at = p->batch_t0 + FLUSH_NS;
		int bw = at > now ? (int)((at - now + 999999) / 1000000) : 0;
		if (w < 0 || bw < w)
			w = bw;
	}
	if (stopping) {
		int sw = stop_at > now ? (int)((stop_at - now + 999999) / 1000000) : 0;
		if (w < 0 || sw < w)
			w = sw;
	}
	return w;
}

/* Grace is over: every request still in flight ends as client_abort. */
static void abort_inflight(struct e2e_proxy *p)
{
	for (struct req *r = p->inflight; r; r = r->next) {
		r->aborting = true;
		if (r->kind == E2E_EK_NONE)
			r->kind = E2E_EK_CLIENT_ABORT;
		abandon(r);
	}
}

static void loop_account(struct e2e_proxy_loop_stats *l, uint64_t from, uint64_t to)
{
	uint64_t ns = to > from ? to - from : 0, us = ns / 1000u;
	unsigned b = 0;

	while (b < E2E_PROXY_LOOP_BUCKETS - 1 && us >= ((uint64_t)1 << b))
		b++;
	l->iterations++;
	l->busy_ns += ns;
	if (ns > l->max_ns)
		l->max_ns = ns;
	l->hist[b]++;
}

static void *loop_main(void *arg)
{
	struct e2e_proxy *p = arg;
	struct epoll_event evs[64];
	bool stopping = false;
	uint64_t stop_at = 0;

	for (;;) {
		uint64_t now = now_ns();
		int n = epoll_wait(p->epfd, evs, 64, wait_ms(p, now, stopping, stop_at));
		uint64_t woke = now_ns();

		for (int i = 0; i < n; i++) {
			uint64_t d = evs[i].data.u64;
			if (d & E2E_FRONT_EV_TAG) {
				e2e_front_event(p->front, d, evs[i].events);
			} else if (d & E2E_UPSTREAM_EV_TAG) {
				e2e_upstream_event(p->up, d, evs[i].events);
			} else if (d == EV_WAKE) {
				uint64_t v;
				ssize_t rr = read(p->wakefd, &v, sizeof(v));
				(void)rr;
			}
		}
		ready_run(p);
		now = now_ns();
		e2e_front_run(p->front, now);
		/* after the front: transfers it started are not older than now */
		now = now_ns();
		e2e_upstream_run(p->up, now);
		ready_run(p);
		e2e_front_run(p->front, now);
		if (p->batch && p->batch->n && now - p->batch_t0 >= FLUSH_NS)
			flush_batch(p);
		if (!stopping && atomic_load(&p->stop_req)) {
			e2e_front_quiesce(p->front);
			stopping = true;
			stop_at = now + atomic_load(&p->grace_ns);
		}
		if (stopping && (!p->ninflight || now >= stop_at))
			break;
		loop_account(&p->loop, woke, now_ns());
	}
	abort_inflight(p);
	e2e_front_close_all(p->front);
	while (p->inflight) {
		struct req *r = p->inflight;
		if (!r->control) {
			if (r->kind == E2E_EK_NONE)
				r->kind = E2E_EK_CLIENT_ABORT;
			record(p, r);
		}
		req_put(p, r);
	}
	flush_batch(p);
	return NULL;
}

/* ---- start / stop ---- */

static int listen_socket(struct e2e_proxy *p, uint16_t port)
{
	struct addrinfo hints = { .ai_family = AF_UNSPEC,
				  .ai_socktype = SOCK_STREAM,
				  .ai_flags = AI_PASSIVE | AI_NUMERICSERV };
	struct addrinfo *res = NULL;
	char portstr[8];
	const char *host = p->listen_host;
	bool v6 = strchr(host, ':') != NULL;
	int fd = -1, one = 1, gai;
	struct sockaddr_storage ss;
	socklen_t sl = sizeof(ss);

	snprintf(portstr, sizeof(portstr), "%u", (unsigned)port);
	gai = getaddrinfo(host, portstr, &hints, &res);
	if (gai != 0)
		return e2e_error(E2E_ERR_RUNTIME,
				 v6 ? "cannot listen on '[%s]:%u': %s" : "cannot listen on '%s:%u': %s", host,
				 (unsigned)port, gai_strerror(gai));
	fd = socket(res->ai_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0 || setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) < 0 ||
	    bind(fd, res->ai_addr, res->ai_addrlen) < 0 || listen(fd, 4096) < 0 ||
	    getsockname(fd, (struct sockaddr *)&ss, &sl) < 0) {
		int err = errno;
		if (fd >= 0)
			close(fd);
		freeaddrinfo(res);
		return e2e_error(E2E_ERR_RUNTIME,
				 v6 ? "cannot listen on '[%s]:%u': %s" : "cannot listen on '%s:%u': %s", host,
				 (unsigned)port, strerror(err));
	}
	freeaddrinfo(res);
	p->listen_fd = fd;
	p->port = ntohs(ss.ss_family == AF_INET6 ? ((struct sockaddr_in6 *)&ss)->sin6_port
						 : ((struct sockaddr_in *)&ss)->sin_port);
	return ss.ss_family == AF_INET6 ? 1 : 0;
}

/* Raises the soft descriptor limit to the hard one (idle clients must not
 * exhaust it) and returns how many client connections fit under it. */
static unsigned connection_limit(void)
{
	struct rlimit rl;
	rlim_t cur;

	if (getrlimit(RLIMIT_NOFILE, &rl) < 0)
		return 1000;
	if (rl.rlim_cur < rl.rlim_max) {
		struct rlimit want = { rl.rlim_max, rl.rlim_max };
		if (setrlimit(RLIMIT_NOFILE, &want) == 0)
			rl = want;
	}
	cur = rl.rlim_cur == RLIM_INFINITY || rl.rlim_cur > 1048576 ? 1048576 : rl.rlim_cur;
	return cur > 2 * FD_RESERVE ? (unsigned)(cur - FD_RESERVE) : FD_RESERVE;
}

int e2e_proxy_start(const struct e2e_proxy_config *cfg, struct e2e_proxy **out)
{
	struct e2e_proxy *p = e2e_xcalloc(1, sizeof(*p));
	struct e2e_upstream_config ucfg = { 0 };
	struct e2e_front_config fcfg = { 0 };
	struct epoll_event ev = { .events = EPOLLIN };
	int rc;

	p->listen_host = e2e_xstrdup(cfg->listen_host && *cfg->listen_host ? cfg->listen_host : "127.0.0.1");
	p->target = e2e_xstrdup(cfg->target ? cfg->target : "");
	p->run_start_ns = cfg->run_start_ns;
	p->preserve_host = cfg->preserve_host;
	p->max_head = cfg->max_header_bytes ? cfg->max_header_bytes : (size_t)E2E_PROXY_HEADER_BYTES;
	p->queue = cfg->queue;
	p->listen_fd = -1;
	p->wakefd = -1;
	p->tm = e2e_testmark_create();
	p->epfd = epoll_create1(EPOLL_CLOEXEC);
	p->wakefd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	if (p->epfd < 0 || p->wakefd < 0) {
		rc = e2e_error(E2E_ERR_RUNTIME, "cannot create the proxy's event loop: %s", strerror(errno));
		goto out;
	}
	ucfg.target = p->target;
	ucfg.timeout_ns = cfg->upstream_timeout_ns;
	ucfg.insecure = cfg->insecure;
	ucfg.head_max = p->max_head;
	ucfg.epfd = p->epfd;
	rc = e2e_upstream_create(&ucfg, &upstream_cbs, &p->up);
	if (rc < 0)
		goto out;
	rc = listen_socket(p, cfg->listen_port);
	if (rc < 0)
		goto out;
	fcfg.epfd = p->epfd;
	fcfg.listen_fd = p->listen_fd;
	fcfg.max_head = p->max_head;
	fcfg.out_max = RESP_BUF_MAX;
	fcfg.max_conns = connection_limit();
	rc = e2e_front_create(&fcfg, &front_cbs, p, &p->front);
	if (rc < 0)
		goto out;
	p->listen_fd = -1; /* the front's now */
	ev.data.u64 = EV_WAKE;
	if (epoll_ctl(p->epfd, EPOLL_CTL_ADD, p->wakefd, &ev) < 0) {
		rc = e2e_error(E2E_ERR_RUNTIME, "cannot add the wake-up descriptor to the event loop: %s",
			       strerror(errno));
		goto out;
	}
	if (pthread_create(&p->thread, NULL, loop_main, p) != 0) {
		rc = e2e_error(E2E_ERR_RUNTIME, "cannot start the proxy thread");
		goto out;
	}
	p->thread_started = true;
	*out = p;
	return 0;
out:
	e2e_proxy_destroy(p);
	return rc;
}

uint16_t e2e_proxy_port(const struct e2e_proxy *p)
{
	return p->port;
}

void e2e_proxy_stats(const struct e2e_proxy *p, struct e2e_proxy_stats *out)
{
	struct e2e_proxy *q = (struct e2e_proxy *)p;

	out->requests = atomic_load_explicit(&q->requests, memory_order_relaxed);
	out->errors = atomic_load_explicit(&q->errors, memory_order_relaxed);
	out->dropped = atomic_load_explicit(&q->dropped, memory_order_relaxed);
	out->active = atomic_load_explicit(&q->active, memory_order_relaxed);
	out->peak = atomic_load_explicit(&q->peak, memory_order_relaxed);
}

void e2e_proxy_test_stats(const struct e2e_proxy *p, struct e2e_proxy_test_stats *out)
{
	struct e2e_testmark_stats ts;

	e2e_testmark_stats(p->tm, &ts);
	out->tests = ts.tests;
	out->markers = ts.markers;
	out->bad_markers = ts.bad_markers;
	out->bad_headers = ts.bad_headers;
	out->lost_events = p->lost_events;
}

void e2e_proxy_loop_stats(const struct e2e_proxy *p, struct e2e_proxy_loop_stats *out)
{
	*out = p->loop;
}

int e2e_proxy_stop(struct e2e_proxy *p, uint64_t grace_ns)
{
	uint64_t one = 1;

	if (!p->thread_started || p->joined)
		return 0;
	atomic_store(&p->grace_ns, grace_ns);
	atomic_store(&p->stop_req, true);
	if (write(p->wakefd, &one, sizeof(one)) < 0 && errno != EAGAIN)
		return e2e_error(E2E_ERR_RUNTIME, "cannot wake the proxy thread: %s", strerror(errno));
	pthread_join(p->thread, NULL);
	p->joined = true;
	return 0;
}

void e2e_proxy_destroy(struct e2e_proxy *p)
{
	if (!p)
		return;
	e2e_proxy_stop(p, 0);
	e2e_front_destroy(p->front);
	e2e_upstream_destroy(p->up);
	while (p->free_reqs) {
		struct req *r = p->free_reqs;
		p->free_reqs = r->next;
		free(r->uri);
		free(r->rb);
		free(r->qb);
		free(r);
	}
	if (p->listen_fd >= 0)
		close(p->listen_fd);
	if (p->wakefd >= 0)
		close(p->wakefd);
	if (p->epfd >= 0)
		close(p->epfd);
	e2e_testmark_destroy(p->tm);
	free(p->listen_host);
	free(p->target);
	free(p);
}
