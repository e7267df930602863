/* proxy.c - libmicrohttpd (external epoll mode) and the upstream module
 * (curl multi) on one event-loop thread.
 *
 * A request's life: MHD's URI log callback hands us the raw request target
 * and we take a struct req from a free list; the first access-handler call
 * starts the upstream transfer; request body chunks go through a bounded
 * buffer (the MHD connection is suspended when it is full, curl paused
 * when it is empty); at the end of the request the connection is suspended
 * until the upstream's response head arrives; the response body streams
 * through a bounded buffer (curl paused when full, the MHD connection
 * suspended when empty). A response already complete when the head is
 * forwarded is sent from that buffer in one piece. MHD's completion
 * callback records the request into the current capture batch. */
#include "proxy.h"

#include <arpa/inet.h>
#include <errno.h>
#include <limits.h>
#include <microhttpd.h>
#include <netdb.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/epoll.h>
#include <sys/ioctl.h>
#include <sys/eventfd.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "buf.h"
#include "capture.h"
#include "error.h"
#include "http1.h"
#include "http1_req.h"
#include "sample.h"
#include "testmark.h"
#include "upstream.h"
#include "banned.h"

#define EV_MHD 1u
#define EV_WAKE 2u
#define RESP_BUF_MAX (128 * 1024) /* response bytes held per request */
#define REQ_BUF_MAX (64 * 1024) /* request body bytes held per request */
#define FLUSH_NS 150000000u /* a partial batch is submitted after this */
#define FREE_REQS_MAX 256
#define METHOD_MAX (E2E_HTTP1_METHOD_MAX + 1)
#define CLIENT_IDLE_S 75u
#define HEAD_NS 10000000000u /* a request head must be complete within this */
#define PARTIAL_PER_PEER 256 /* connections in a request head per client address */
#define STALL_NS 1000000000u /* request body bytes waiting unread this long: stuck */
#define FD_RESERVE 64 /* descriptors kept for the store, curl, the loop */
/* MHD's per-connection pool holds the request head (its bytes, about
 * HDR_POOL_COST per field, and for a Cookie field a second copy and a
 * record per name=value pair, which MHD parses whether we want it or not),
 * the read buffer and the response head. MHD zeroes about 1.5 times the
 * pool after every request and has no option against it, so the pool
 * follows the request head limit (pool_size()) and every request pays for
 * it: tools/bench-heads.sh. A response head from the upstream must fit
 * beside the request head (less POOL_SLACK): past what is left it gets
 * 502, recorded as head_too_large; so does one over the head limit
 * (http1.c counts it as it arrives). */
#define POOL_MIN (16u * 1024u)
#define POOL_FACTOR 3u
#define POOL_EXTRA (16u * 1024u)
#define HDR_POOL_COST 48u
#define COOKIE_POOL_COST 64u /* MHD's record of one cookie, aligned */
#define POOL_SLACK 4096u

/* Per client connection, made when it opens: its address as text for
 * X-Forwarded-For, formatted once instead of per request. While the
 * connection is in a request head (from its opening or its request line
 * to the complete head) it is on the proxy's partial list, oldest first. */
struct client {
	struct MHD_Connection *conn;
	struct client *prev, *next; /* partial list */
	uint64_t head_t0; /* when the current head began; 0 = not in a head */
	uint8_t ip_len;
	char ip[INET6_ADDRSTRLEN];
};

enum req_state { R_NEW, R_FORWARDED };

struct req {
	struct e2e_proxy *p;
	struct MHD_Connection *conn;
	struct e2e_upstream_xfer *x;
	struct req *prev, *next; /* in-flight list / free list */
	uint64_t t_start;
	uint64_t req_bytes, resp_bytes;
	size_t req_head; /* pool bytes the request head takes (estimate) */
	uint32_t ttfb_us, total_us;
	uint16_t status;
	uint8_t kind;
	uint8_t state;
	bool suspended, up_head, up_done, up_paused, send_paused, client_eof, queued, aborting, is_head;
	bool qb_wait; /* suspended until the upstream takes request body bytes */
	bool chunked; /* the request body is chunked */
	bool control; /* for the control endpoint: answered here, never recorded */
	uint32_t test_id; /* which test issued it (sample.h) */
	uint64_t rx_at; /* when the head or request body bytes last came */
	size_t pause_want;
	size_t method_len;
	char method[METHOD_MAX];
	char *uri;
	size_t uri_len, uri_cap;
	char *rb; /* response body: bytes [rb_rd, rb_wr) */
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
	size_t pool; /* MHD's memory per connection */
	struct MHD_Daemon *d;
	struct e2e_upstream *up;
	pthread_t thread;
	bool thread_started, joined;
	atomic_bool stop_req;
	_Atomic uint64_t grace_ns;
	bool need_mhd;
	uint64_t mhd_at; /* MHD wants a run by then (UINT64_MAX = no) */
	struct req *inflight;
	size_t ninflight;
	struct client *partial, *partial_tail; /* connections in a request head */
	uint64_t stall_at; /* next look for stuck chunked request bodies */
	struct req *free_reqs;
	size_t nfree;
	struct e2e_capture_batch *batch;
	uint64_t batch_t0;
	struct e2e_testmark *tm; /* the loop's; read by others only after the join */
	uint64_t lost_events; /* test events with no free batch */
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
	r->conn = NULL;
	r->x = NULL;
	r->t_start = 0;
	r->req_bytes = r->resp_bytes = 0;
	r->req_head = 0;
	r->ttfb_us = r->total_us = 0;
	r->status = 0;
	r->kind = E2E_EK_NONE;
	r->state = R_NEW;
	r->suspended = r->up_head = r->up_done = r->up_paused = r->send_paused = false;
	r->client_eof = r->queued = r->aborting = r->is_head = r->qb_wait = false;
	r->control = false;
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

static void suspend(struct req *r)
{
	if (!r->suspended) {
		MHD_suspend_connection(r->conn);
		r->suspended = true;
	}
}

static void resume(struct req *r)
{
	if (r->suspended) {
		r->suspended = false;
		MHD_resume_connection(r->conn);
		r->p->need_mhd = true;
	}
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

/* ---- upstream callbacks ---- */

static void up_head(void *ctx, int status)
{
	struct req *r = ctx;

	r->up_head = true;
	r->status = (uint16_t)status;
	resume(r);
}

static bool up_body(void *ctx, const char *data, size_t len)
{
	struct req *r = ctx;

	if (r->is_head || r->aborting)
		return true;
	if (!buf_room(&r->rb, &r->rb_cap, &r->rb_rd, &r->rb_wr, len, RESP_BUF_MAX)) {
		r->up_paused = true;
		r->pause_want = len;
		return false;
	}
	memcpy(r->rb + r->rb_wr, data, len);
	r->rb_wr += len;
	if (r->queued)
		resume(r);
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
		resume(r);
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
	resume(r);
}

static const struct e2e_upstream_cbs upstream_cbs = {
	.on_head = up_head,
	.on_body = up_body,
	.on_read = up_read,
	.on_done = up_done,
};

/* ---- MHD callbacks ---- */

static ssize_t body_reader(void *cls, uint64_t pos, char *buf, size_t max)
{
	struct req *r = cls;
	size_t n = r->rb_wr - r->rb_rd;

	(void)pos;
	if (n) {
		if (n > max)
			n = max;
		memcpy(buf, r->rb + r->rb_rd, n);
		r->rb_rd += n;
		if (r->rb_rd == r->rb_wr)
			r->rb_rd = r->rb_wr = 0;
		r->resp_bytes += n;
		if (r->up_paused && r->rb_cap - (r->rb_wr - r->rb_rd) >= r->pause_want) {
			r->up_paused = false;
			e2e_upstream_resume(r->x);
		}
		return (ssize_t)n;
	}
	if (r->aborting)
		return MHD_CONTENT_READER_END_WITH_ERROR;
	if (r->up_done)
		return r->kind == E2E_EK_NONE ? MHD_CONTENT_READER_END_OF_STREAM
					      : MHD_CONTENT_READER_END_WITH_ERROR;
	suspend(r);
	return 0;
}

static ssize_t empty_reader(void *cls, uint64_t pos, char *buf, size_t max)
{
	(void)cls;
	(void)pos;
	(void)buf;
	(void)max;
	return MHD_CONTENT_READER_END_OF_STREAM;
}

static const char *error_body(int kind, unsigned *status)
{
	*status = MHD_HTTP_BAD_GATEWAY;
	switch (kind) {
	case E2E_EK_REFUSED:
		return "502 bad gateway: the upstream refused the connection\n";
	case E2E_EK_RESET:
		return "502 bad gateway: the upstream closed the connection\n";
	case E2E_EK_TIMEOUT:
		*status = MHD_HTTP_GATEWAY_TIMEOUT;
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
		*status = MHD_HTTP_INTERNAL_SERVER_ERROR;
		return "500 internal server error: the proxy failed\n";
	default:
		return "502 bad gateway: the upstream transfer failed\n";
	}
}

/* Does the response head MHD would write fit beside the request head? */
static bool resp_head_fits(const struct req *r)
{
	const char *name, *value;
	size_t n = 128; /* status line, Date, Content-Length or Transfer-Encoding, Connection */
	size_t pool = r->p->pool;

	if (r->req_head + POOL_SLACK >= pool)
		return false;
	for (size_t i = 0; e2e_upstream_header(r->x, i, &name, &value); i++)
		n += strlen(name) + strlen(value) + 4;
	return n <= pool - POOL_SLACK - r->req_head;
}

static enum MHD_Result respond(struct req *r)
{
	struct MHD_Response *resp;
	unsigned status;
	enum MHD_Result ret;

	/* Nothing has gone to the client yet: a response already known to
	 * be broken, or too large a head, is answered as an error, at once. */
	if (r->up_head && r->up_done && r->kind != E2E_EK_NONE)
		r->up_head = false;
	else if (r->up_head && !resp_head_fits(r)) {
		r->kind = E2E_EK_HEAD_TOO_LARGE;
		r->up_head = false;
	}
	if (!r->up_head) {
		if (r->kind == E2E_EK_NONE)
			r->kind = E2E_EK_PROTOCOL; /* finished without a response head */
		const char *msg = error_body(r->kind, &status);
		size_t len = strlen(msg);
		resp = MHD_create_response_from_buffer(len, (void *)msg, MHD_RESPMEM_PERSISTENT);
		if (resp)
			MHD_add_response_header(resp, "Content-Type", "text/plain; charset=utf-8");
		r->resp_bytes = r->is_head ? 0 : len;
	} else {
		int64_t cl = e2e_upstream_content_length(r->x);
		const char *name, *value;

		status = r->status;
		if (r->is_head || status == 204 || status == 304) {
			uint64_t size = cl >= 0 ? (uint64_t)cl : status == 304 ? 0 : MHD_SIZE_UNKNOWN;
			resp = MHD_create_response_from_callback(size, 64, empty_reader, NULL, NULL);
		} else if (r->up_done && r->kind == E2E_EK_NONE) {
			/* complete already: one piece, chunked again if it came so */
			size_t len = r->rb_wr - r->rb_rd;
			resp = MHD_create_response_from_buffer(len, r->rb + r->rb_rd, MHD_RESPMEM_PERSISTENT);
			if (resp && cl < 0)
				MHD_add_response_header(resp, "Transfer-Encoding", "chunked");
			r->resp_bytes = len;
		} else {
			size_t block = cl >= 0 && cl < 65536 ? (size_t)(cl > 256 ? cl : 256) : 65536;
			resp = MHD_create_response_from_callback(cl >= 0 ? (uint64_t)cl : MHD_SIZE_UNKNOWN,
								 block, body_reader, r, NULL);
		}
		for (size_t i = 0; resp && e2e_upstream_header(r->x, i, &name, &value); i++)
			MHD_add_response_header(resp, name, value);
	}
	if (!resp) {
		if (!r->kind)
			r->kind = E2E_EK_INTERNAL;
		return MHD_NO;
	}
	ret = MHD_queue_response(r->conn, status, resp);
	MHD_destroy_response(resp);
	if (ret == MHD_YES) {
		r->queued = true;
		r->status = (uint16_t)status;
	} else if (!r->kind) {
		r->kind = E2E_EK_INTERNAL;
	}
	return ret;
}

struct fwd {
	struct req *r;
	const char *conn_hdr;
	const char *xff;
	size_t xff_len;
	int64_t body_len;
	bool preserve_host;
};

static enum MHD_Result fwd_header(void *cls, enum MHD_ValueKind kind, const char *key, size_t klen,
				  const char *value, size_t vlen)
{
	struct fwd *f = cls;

	(void)kind;
	f->r->req_head += klen + vlen + 4 + HDR_POOL_COST;
	if (klen == 6 && strncasecmp(key, "cookie", 6) == 0) {
		/* MHD's copy of the value and a record per name=value pair */
		f->r->req_head += vlen + 1 + COOKIE_POOL_COST;
		for (const char *c = value; (c = memchr(c, ';', vlen - (size_t)(c - value))); c++)
			f->r->req_head += COOKIE_POOL_COST;
	}
	if (klen == 14 && strncasecmp(key, "content-length", 14) == 0) {
		if (f->body_len == -1)
			f->body_len = strtoll(value, NULL, 10);
		return MHD_YES;
	}
	if (klen == 17 && strncasecmp(key, "transfer-encoding", 17) == 0) {
		f->body_len = -2;
		return MHD_YES;
	}
	if (e2e_http1_hop_by_hop(key, klen) || (f->conn_hdr && e2e_http1_conn_listed(f->conn_hdr, key, klen)))
		return MHD_YES;
	if ((klen == 4 && strncasecmp(key, "host", 4) == 0 && !f->preserve_host) ||
	    (klen == 6 && strncasecmp(key, "expect", 6) == 0) ||
	    (klen == 17 && strncasecmp(key, "x-forwarded-proto", 17) == 0))
		return MHD_YES;
	if (klen == sizeof(E2E_TEST_HEADER) - 1 && strncasecmp(key, E2E_TEST_HEADER, klen) == 0)
		return MHD_YES;
	if (klen == 15 && strncasecmp(key, "x-forwarded-for", 15) == 0) {
		f->xff = value;
		f->xff_len = vlen;
		return MHD_YES;
	}
	e2e_upstream_add_header(f->r->x, key, klen, value, vlen);
	return MHD_YES;
}

static void forward(struct req *r)
{
	struct e2e_proxy *p = r->p;
	struct fwd f = { .r = r, .body_len = -1, .preserve_host = p->preserve_host };
	const union MHD_ConnectionInfo *ci;
	const struct client *cl = NULL;
	char xff[1024 + INET6_ADDRSTRLEN];
	size_t n = 0;
	const char *target;
	size_t tlen;

	f.conn_hdr = MHD_lookup_connection_value(r->conn, MHD_HEADER_KIND, "Connection");
	r->x = e2e_upstream_xfer(p->up, r);
	MHD_get_connection_values_n(r->conn, MHD_HEADER_KIND, fwd_header, &f);
	ci = MHD_get_connection_info(r->conn, MHD_CONNECTION_INFO_SOCKET_CONTEXT);
	if (ci)
		cl = ci->socket_context;
	/* X-Forwarded-For: the client's list, then the client */
	if (f.xff && f.xff_len && f.xff_len <= 1024) {
		memcpy(xff, f.xff, f.xff_len);
		n = f.xff_len;
		if (cl && cl->ip_len) {
			memcpy(xff + n, ", ", 2);
			n += 2;
		}
	}
	if (cl && cl->ip_len) {
		memcpy(xff + n, cl->ip, cl->ip_len);
		n += cl->ip_len;
	}
	if (n)
		e2e_upstream_add_header(r->x, "X-Forwarded-For", 15, xff, n);
	e2e_upstream_add_header(r->x, "X-Forwarded-Proto", 17, "http", 4);
	target = origin_form(r, &tlen);
	r->chunked = f.body_len == -2;
	e2e_upstream_start(r->x, r->method, target, tlen, f.body_len);
}

/* ---- connections in a request head ---- */

static void partial_del(struct e2e_proxy *p, struct client *cl)
{
	if (!cl->head_t0)
		return;
	if (cl->prev)
		cl->prev->next = cl->next;
	else
		p->partial = cl->next;
	if (cl->next)
		cl->next->prev = cl->prev;
	else
		p->partial_tail = cl->prev;
	cl->prev = cl->next = NULL;
	cl->head_t0 = 0;
}

static void partial_add(struct e2e_proxy *p, struct client *cl, uint64_t now)
{
	partial_del(p, cl);
	cl->head_t0 = now ? now : 1;
	cl->prev = p->partial_tail;
	if (p->partial_tail)
		p->partial_tail->next = cl;
	else
		p->partial = cl;
	p->partial_tail = cl;
}

/* Ends a connection from outside MHD: it sees the socket closed. */
static void partial_close(struct e2e_proxy *p, struct client *cl)
{
	const union MHD_ConnectionInfo *ci =
		MHD_get_connection_info(cl->conn, MHD_CONNECTION_INFO_CONNECTION_FD);

	partial_del(p, cl);
	if (ci)
		shutdown(ci->connect_fd, SHUT_RDWR);
	p->need_mhd = true;
}

/* Closes the connections whose head is not complete in HEAD_NS. */
static void partial_sweep(struct e2e_proxy *p, uint64_t now)
{
	while (p->partial && now - p->partial->head_t0 >= HEAD_NS)
		partial_close(p, p->partial);
}

/* A new connection from cl's address: past PARTIAL_PER_PEER of them in a
 * head, the oldest of those is closed (a slow client must not crowd out
 * the quick ones from the same address). */
static void partial_cap(struct e2e_proxy *p, struct client *cl)
{
	struct client *oldest = NULL;
	size_t n = 0;

	for (struct client *c = p->partial_tail; c; c = c->prev) {
		if (c->ip_len == cl->ip_len && memcmp(c->ip, cl->ip, cl->ip_len) == 0) {
			n++;
			oldest = c;
		}
	}
	if (n > PARTIAL_PER_PEER && oldest != cl)
		partial_close(p, oldest);
}

static struct client *client_of(struct MHD_Connection *conn)
{
	const union MHD_ConnectionInfo *ci =
		MHD_get_connection_info(conn, MHD_CONNECTION_INFO_SOCKET_CONTEXT);

	return ci ? ci->socket_context : NULL;
}

static void *on_uri(void *cls, const char *uri, struct MHD_Connection *conn)
{
	struct e2e_proxy *p = cls;
	struct req *r = req_get(p);
	size_t len = strlen(uri);
	struct client *cl = client_of(conn);

	if (cl && !cl->head_t0) /* a later request on the connection */
		partial_add(p, cl, now_ns());
	if (len + 1 > r->uri_cap) {
		r->uri_cap = len + 1 > 256 ? len + 1 : 256;
		free(r->uri);
		r->uri = e2e_xmalloc(r->uri_cap);
	}
	memcpy(r->uri, uri, len + 1);
	r->uri_len = len;
	r->req_head = len + 48; /* with the method and version */
	return r;
}

/* libmicrohttpd 0.9.75 leaves a field where it lay in the head (the value
 * after the name, its colon, now a NUL, and optional whitespace) but
 * rebuilds a folded one (obs-fold) elsewhere in its memory pool, the
 * continuation line joined to the name ("X-A: a" CRLF " b" becomes
 * "X-Ab: a"): a field not in place was folded. */
static bool in_place(const char *key, size_t klen, const char *value)
{
	uintptr_t k = (uintptr_t)key, v = (uintptr_t)value;

	if (v <= k + klen || v - k - klen > 256)
		return false;
	for (const char *c = key + klen + 1; c < value; c++)
		if (*c != ' ' && *c != '\t')
			return false;
	return true;
}

static enum MHD_Result check_field(void *cls, enum MHD_ValueKind kind, const char *key, size_t klen,
				   const char *value, size_t vlen)
{
	(void)kind;
	if (!in_place(key, klen, value)) {
		e2e_http1_req_folded(cls);
		return MHD_NO;
	}
	return e2e_http1_req_field(cls, key, klen, value, vlen) ? MHD_YES : MHD_NO;
}

static enum MHD_Result count_field(void *cls, enum MHD_ValueKind kind, const char *key, size_t klen,
				   const char *value, size_t vlen)
{
	(void)kind;
	(void)key;
	(void)value;
	*(size_t *)cls += klen + vlen + 4; /* "name: value" CRLF */
	return MHD_YES;
}

/* The request head's size as "METHOD target HTTP/1.1", its fields as
 * "name: value" lines and the empty line, each ending in CRLF: over the
 * limit, the status (431) and the body to refuse it with, in why. */
static int check_size(const struct req *r, struct MHD_Connection *conn, size_t method_len,
		      struct e2e_http1_verdict *v, char *why, size_t why_size)
{
	size_t n = method_len + 1 + r->uri_len + 11 + 2;
	size_t max = r->p->max_head;

	MHD_get_connection_values_n(conn, MHD_HEADER_KIND, count_field, &n);
	if (n <= max)
		return 0;
	snprintf(why, why_size,
		 "431 request header fields too large: the request head is %zu bytes, over the "
		 "proxy's limit of %zu bytes (e2e perf-profile --max-header-bytes raises it)\n",
		 n, max);
	v->status = 431;
	v->why = why;
	return 431;
}

/* The request head as a strict server judges it (http1_req.h): 0, or the
 * status to refuse it with and why. */
static int check_head(struct req *r, struct MHD_Connection *conn, const char *method,
		      struct e2e_http1_verdict *v)
{
	struct e2e_http1_req q;
	int64_t body_len;
	int st = e2e_http1_req_line(method, strlen(method), r->uri, r->uri_len, v);

	if (st)
		return st;
	e2e_http1_req_init(&q);
	MHD_get_connection_values_n(conn, MHD_HEADER_KIND, check_field, &q);
	st = e2e_http1_req_end(&q, &body_len);
	*v = q.v;
	return st;
}

/* Answers a refused request with its status and a short plain-text body
 * and closes the connection (its framing is not to be trusted); nothing
 * goes upstream. Recorded as rejected. */
static enum MHD_Result reject(struct req *r, const struct e2e_http1_verdict *v)
{
	size_t len = strlen(v->why);
	struct MHD_Response *resp =
		MHD_create_response_from_buffer(len, (void *)v->why, MHD_RESPMEM_MUST_COPY);
	enum MHD_Result ret;

	r->kind = E2E_EK_REJECTED;
	r->up_done = true;
	if (!resp)
		return MHD_NO;
	MHD_add_response_header(resp, "Content-Type", "text/plain; charset=utf-8");
	MHD_add_response_header(resp, "Connection", "close");
	ret = MHD_queue_response(r->conn, (unsigned)v->status, resp);
	MHD_destroy_response(resp);
	if (ret == MHD_YES) {
		r->queued = true;
		r->status = (uint16_t)v->status;
		r->resp_bytes = r->is_head ? 0 : len;
	}
	return ret;
}

/* Answers a control request (testmark.h) once its body, ignored, is in. */
static enum MHD_Result control_respond(struct req *r)
{
	struct e2e_proxy *p = r->p;
	struct e2e_testmark_reply rep;
	struct MHD_Response *resp;
	enum MHD_Result ret;
	char msg[320];
	size_t tlen, len = 0;
	const char *target = origin_form(r, &tlen);

	e2e_testmark_control(p->tm, r->method, target, tlen, run_offset(p, r->t_start), &rep);
	emit_events(p, rep.ev, rep.nev);
	if (rep.status != 204)
		len = (size_t)snprintf(msg, sizeof(msg), "%u %s\n", rep.status, rep.message);
	if (len >= sizeof(msg))
		len = sizeof(msg) - 1;
	resp = MHD_create_response_from_buffer(len, msg, MHD_RESPMEM_MUST_COPY);
	if (!resp)
		return MHD_NO;
	if (len)
		MHD_add_response_header(resp, "Content-Type", "text/plain; charset=utf-8");
	ret = MHD_queue_response(r->conn, rep.status, resp);
	MHD_destroy_response(resp);
	if (ret == MHD_YES)
		r->queued = true;
	return ret;
}

/* The request's test (testmark.h), from its E2E-Test header or the
 * markers so far. */
static void attribute(struct req *r, struct MHD_Connection *conn)
{
	struct e2e_proxy *p = r->p;
	struct e2e_test_event ev;
	const char *hdr = NULL;
	size_t hlen = 0, nev;

	if (MHD_lookup_connection_value_n(conn, MHD_HEADER_KIND, E2E_TEST_HEADER, sizeof(E2E_TEST_HEADER) - 1,
					  &hdr, &hlen) != MHD_YES)
		hdr = NULL;
	r->test_id = e2e_testmark_attribute(p->tm, hdr, hlen, run_offset(p, r->t_start), &ev, &nev);
	emit_events(p, &ev, nev);
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *conn, const char *url, const char *method,
				  const char *version, const char *upload_data, size_t *upload_data_size,
				  void **req_cls)
{
	struct req *r = *req_cls;
	struct e2e_http1_verdict v;
	char why[256];

	if (!r)
		return MHD_NO;
	if (r->state == R_NEW) {
		size_t ml = strlen(method);
		struct client *cl = client_of(conn);
		if (cl)
			partial_del(cls, cl);
		/* MHD hands over C strings: a NUL byte inside the request target
		 * would silently cut the path we forward. The target spans from
		 * url to the NUL MHD wrote before the version; anything shorter
		 * in the raw copy means an embedded NUL: close the connection. */
		if (version > url && (size_t)(version - url) - 1 != r->uri_len)
			return MHD_NO;
		int st = check_size(r, conn, ml, &v, why, sizeof(why));
		if (!st)
			st = check_head(r, conn, method, &v);
		r->state = R_FORWARDED;
		r->conn = conn;
		r->t_start = now_ns();
		r->method_len = ml < METHOD_MAX - 1 ? ml : METHOD_MAX - 1;
		memcpy(r->method, method, r->method_len);
		r->method[r->method_len] = '\0';
		r->is_head = strcmp(method, "HEAD") == 0;
		r->rx_at = r->t_start;
		if (!st) {
			size_t tlen;
			const char *target = origin_form(r, &tlen);
			r->control = e2e_testmark_is_control(target, tlen);
			if (r->control)
				return MHD_YES;
		}
		attribute(r, conn);
		if (st)
			return reject(r, &v);
		forward(r);
		return MHD_YES;
	}
	if (r->aborting || r->kind == E2E_EK_REJECTED)
		return MHD_NO;
	if (r->control) {
		if (*upload_data_size) {
			*upload_data_size = 0;
			return MHD_YES;
		}
		return r->queued ? MHD_YES : control_respond(r);
	}
	if (*upload_data_size) {
		size_t n = *upload_data_size;
		r->rx_at = now_ns();
		if (r->up_done) {
			r->req_bytes += n;
			*upload_data_size = 0;
			return MHD_YES;
		}
		if (n > REQ_BUF_MAX - (r->qb_wr - r->qb_rd))
			n = REQ_BUF_MAX - (r->qb_wr - r->qb_rd);
		if (n) {
			buf_room(&r->qb, &r->qb_cap, &r->qb_rd, &r->qb_wr, n, REQ_BUF_MAX);
			memcpy(r->qb + r->qb_wr, upload_data, n);
			r->qb_wr += n;
			r->req_bytes += n;
			*upload_data_size -= n;
		}
		if (r->send_paused) {
			r->send_paused = false;
			e2e_upstream_resume(r->x);
		}
		if (*upload_data_size) {
			r->qb_wait = true;
			suspend(r);
		}
		return MHD_YES;
	}
	if (!r->client_eof) {
		r->client_eof = true;
		if (r->send_paused) {
			r->send_paused = false;
			e2e_upstream_resume(r->x);
		}
	}
	if (r->up_head || r->up_done)
		return respond(r);
	suspend(r);
	return MHD_YES;
}

static void on_completed(void *cls, struct MHD_Connection *conn, void **req_cls,
			 enum MHD_RequestTerminationCode toe)
{
	struct e2e_proxy *p = cls;
	struct req *r = *req_cls;

	(void)conn;
	if (!r)
		return;
	*req_cls = NULL;
	if (r->state != R_NEW) {
		if (toe != MHD_REQUEST_TERMINATED_COMPLETED_OK && r->kind == E2E_EK_NONE)
			r->kind = E2E_EK_CLIENT_ABORT;
		if (r->x && !r->up_done)
			e2e_upstream_times(r->x, &r->ttfb_us, &r->total_us);
		if (!r->control)
			record(p, r);
	}
	req_put(p, r);
}

static void on_connection(void *cls, struct MHD_Connection *conn, void **socket_context,
			  enum MHD_ConnectionNotificationCode toe)
{
	struct e2e_proxy *p = cls;
	uint32_t a = atomic_load_explicit(&p->active, memory_order_relaxed);

	if (toe == MHD_CONNECTION_NOTIFY_STARTED) {
		struct client *cl = e2e_xcalloc(1, sizeof(*cl));
		const union MHD_ConnectionInfo *ci =
			MHD_get_connection_info(conn, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
		const struct sockaddr *sa = ci ? ci->client_addr : NULL;
		if (sa && sa->sa_family == AF_INET)
			inet_ntop(AF_INET, &((const struct sockaddr_in *)(const void *)sa)->sin_addr, cl->ip,
				  sizeof(cl->ip));
		else if (sa && sa->sa_family == AF_INET6)
			inet_ntop(AF_INET6, &((const struct sockaddr_in6 *)(const void *)sa)->sin6_addr,
				  cl->ip, sizeof(cl->ip));
		cl->ip_len = (uint8_t)strlen(cl->ip);
		cl->conn = conn;
		*socket_context = cl;
		partial_add(p, cl, now_ns());
		partial_cap(p, cl);
		a++;
		if (a > atomic_load_explicit(&p->peak, memory_order_relaxed))
			atomic_store_explicit(&p->peak, a, memory_order_relaxed);
	} else {
		struct client *cl = *socket_context;
		if (cl)
			partial_del(p, cl);
		free(cl);
		*socket_context = NULL;
		if (a)
			a--;
	}
	atomic_store_explicit(&p->active, a, memory_order_relaxed);
}

static size_t unescape_none(void *cls, struct MHD_Connection *conn, char *s)
{
	(void)cls;
	(void)conn;
	return strlen(s);
}

/* ---- the loop ---- */

static int wait_ms(struct e2e_proxy *p, uint64_t now, bool stopping, uint64_t stop_at)
{
	MHD_UNSIGNED_LONG_LONG to;
	int w = -1, uw;

	p->mhd_at = UINT64_MAX;
	if (p->need_mhd)
		return 0;
	if (MHD_get_timeout(p->d, &to) == MHD_YES) {
		w = to > INT_MAX ? INT_MAX : (int)to;
		p->mhd_at = now + (uint64_t)w * 1000000u;
	}
	if (p->partial) {
		uint64_t at = p->partial->head_t0 + HEAD_NS;
		int hw = at > now ? (int)((at - now + 999999) / 1000000) : 0;
		if (w < 0 || hw < w)
			w = hw;
	}
	if (p->ninflight && (w < 0 || w > 250)) /* unstick() */
		w = 250;
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

/* libmicrohttpd 0.9.75 stops reading a chunked request body whose
 * chunk-size line (with its extensions) outgrows its buffer, and waits for
 * the idle timeout. Such a request, not held back by the proxy, with bytes
 * waiting in the socket that MHD has not read for STALL_NS, gets a 400
 * written straight to the socket (nothing of its response was sent yet:
 * MHD only answers once the body is in) and the connection is closed;
 * the upstream transfer is abandoned and the request recorded as
 * rejected. */
static void unstick(struct e2e_proxy *p, uint64_t now)
{
	static const char msg[] = "HTTP/1.1 400 Bad Request\r\n"
				  "Content-Type: text/plain; charset=utf-8\r\n"
				  "Content-Length: 42\r\n"
				  "Connection: close\r\n\r\n"
				  "400 bad request: chunk-size line too long\n";

	if (now < p->stall_at)
		return;
	p->stall_at = now + STALL_NS / 4;
	for (struct req *r = p->inflight; r; r = r->next) {
		const union MHD_ConnectionInfo *ci;
		int pending = 0;
		if (r->state == R_NEW || !r->chunked || r->client_eof || r->suspended || r->aborting ||
		    r->kind != E2E_EK_NONE || now - r->rx_at < STALL_NS)
			continue;
		ci = MHD_get_connection_info(r->conn, MHD_CONNECTION_INFO_CONNECTION_FD);
		if (!ci || ioctl(ci->connect_fd, FIONREAD, &pending) < 0 || pending <= 0)
			continue;
		if (send(ci->connect_fd, msg, sizeof(msg) - 1, MSG_NOSIGNAL | MSG_DONTWAIT) ==
		    (ssize_t)sizeof(msg) - 1)
			r->status = 400;
		shutdown(ci->connect_fd, SHUT_RDWR);
		r->kind = E2E_EK_REJECTED;
		r->aborting = true;
		abandon(r);
		p->need_mhd = true;
	}
}

/* Grace is over: every request still in flight ends as client_abort. */
static void abort_inflight(struct e2e_proxy *p)
{
	for (struct req *r = p->inflight; r; r = r->next) {
		if (r->state == R_NEW)
			continue;
		r->aborting = true;
		if (r->kind == E2E_EK_NONE)
			r->kind = E2E_EK_CLIENT_ABORT;
		abandon(r);
		resume(r);
	}
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
		bool run_mhd = false;

		now = now_ns();
		for (int i = 0; i < n; i++) {
			uint64_t d = evs[i].data.u64;
			if (d & E2E_UPSTREAM_EV_TAG) {
				e2e_upstream_event(p->up, d, evs[i].events);
			} else if (d == EV_MHD) {
				run_mhd = true;
			} else if (d == EV_WAKE) {
				uint64_t v;
				ssize_t rr = read(p->wakefd, &v, sizeof(v));
				(void)rr;
			}
		}
		if (run_mhd || p->need_mhd || now >= p->mhd_at) {
			p->need_mhd = false;
			MHD_run(p->d);
		}
		now = now_ns();
		partial_sweep(p, now);
		unstick(p, now);
		e2e_upstream_run(p->up, now);
		if (p->batch && p->batch->n && now - p->batch_t0 >= FLUSH_NS)
			flush_batch(p);
		if (!stopping && atomic_load(&p->stop_req)) {
			MHD_socket fd = MHD_quiesce_daemon(p->d);
			if (fd != MHD_INVALID_SOCKET)
				close(fd);
			stopping = true;
			stop_at = now + atomic_load(&p->grace_ns);
		}
		if (stopping && (!p->ninflight || now >= stop_at))
			break;
	}
	abort_inflight(p);
	p->need_mhd = false;
	MHD_run(p->d);
	MHD_stop_daemon(p->d);
	p->d = NULL;
	while (p->inflight) {
		struct req *r = p->inflight;
		if (r->state != R_NEW && !r->control) {
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

/* MHD's memory per connection for request heads up to max bytes: a head
 * of that size, three quarters of it a Cookie of 45-byte pairs, passes
 * (tests/cli/heads.sh); a Cookie of many shorter pairs costs MHD more and
 * can still get its own 431. */
static size_t pool_size(size_t max)
{
	size_t n = POOL_FACTOR * max + POOL_EXTRA;

	return n < POOL_MIN ? POOL_MIN : n;
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
	const union MHD_DaemonInfo *info;
	struct epoll_event ev = { .events = EPOLLIN };
	unsigned flags = MHD_USE_EPOLL | MHD_ALLOW_SUSPEND_RESUME | MHD_USE_TURBO;
	int rc;

	p->listen_host = e2e_xstrdup(cfg->listen_host && *cfg->listen_host ? cfg->listen_host : "127.0.0.1");
	p->target = e2e_xstrdup(cfg->target ? cfg->target : "");
	p->run_start_ns = cfg->run_start_ns;
	p->preserve_host = cfg->preserve_host;
	p->max_head = cfg->max_header_bytes ? cfg->max_header_bytes : (size_t)E2E_PROXY_HEADER_BYTES;
	p->pool = pool_size(p->max_head);
	p->queue = cfg->queue;
	p->listen_fd = -1;
	p->wakefd = -1;
	p->mhd_at = UINT64_MAX;
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
	if (rc == 1)
		flags |= MHD_USE_IPv6;
	p->d = MHD_start_daemon(
		flags, 0, NULL, NULL, on_request, p, MHD_OPTION_LISTEN_SOCKET, p->listen_fd,
		MHD_OPTION_URI_LOG_CALLBACK, on_uri, p, MHD_OPTION_NOTIFY_COMPLETED, on_completed, p,
		MHD_OPTION_NOTIFY_CONNECTION, on_connection, p, MHD_OPTION_UNESCAPE_CALLBACK, unescape_none,
		NULL, MHD_OPTION_CONNECTION_TIMEOUT, CLIENT_IDLE_S, MHD_OPTION_CONNECTION_LIMIT,
		connection_limit(), MHD_OPTION_CONNECTION_MEMORY_LIMIT, p->pool, MHD_OPTION_END);
	if (!p->d) {
		rc = e2e_error(E2E_ERR_RUNTIME, "cannot listen on '%s:%u': cannot start the HTTP server",
			       p->listen_host, (unsigned)p->port);
		goto out;
	}
	p->listen_fd = -1; /* MHD's now */
	info = MHD_get_daemon_info(p->d, MHD_DAEMON_INFO_EPOLL_FD);
	ev.data.u64 = EV_MHD;
	if (!info || epoll_ctl(p->epfd, EPOLL_CTL_ADD, info->epoll_fd, &ev) < 0) {
		rc = e2e_error(E2E_ERR_RUNTIME, "cannot add the HTTP server to the event loop");
		goto out;
	}
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
	if (p->d)
		MHD_stop_daemon(p->d);
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
