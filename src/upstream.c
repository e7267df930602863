/* upstream.c - HTTP/1.1 to the target over pooled libcurl connections.
 *
 * libcurl establishes each upstream connection (DNS through its cache and
 * CURLOPT_RESOLVE, TCP, TLS with or without verification) as a
 * CURLOPT_CONNECT_ONLY transfer on a multi handle driven from the proxy's
 * epoll loop, and carries every byte afterwards (curl_easy_send and
 * curl_easy_recv, so https works the same). The request is framed here
 * and the response parsed by http1.c, on the bytes read here: curl's full
 * HTTP engine costs ~25 us of CPU per request (URL parsing, connection
 * matching, header storage, progress timers), several times what a proxy
 * may add, while writing a request head and parsing a response head is a
 * fraction of a microsecond.
 *
 * One connection = one easy handle kept in the multi for its whole life.
 * Idle connections wait in a LIFO pool with EPOLLIN armed, so a close by
 * the upstream is seen at once. Registrations are changed only when the
 * wanted events change (none per request in the steady state).
 *
 * A reused connection can still be closed by the upstream just as a
 * request goes out (its keep-alive timeout fires). Only a retryable
 * request is sent again then: a safe method (GET, HEAD, OPTIONS, TRACE;
 * RFC 9110 9.2.1) without a body, on a reused connection, before any
 * response byte arrived, once. PUT and DELETE are idempotent, but the
 * upstream may have acted on them, so they are not re-sent; everything
 * else ends as 502 `reset`. So that this stays rare, a request that
 * cannot be retried takes a pooled connection only when a peek finds it
 * still open with nothing to read and it has been idle for less than half
 * the shortest idle time after which the upstream was seen to close one,
 * or to drop such a request on one (at most REUSE_IDLE_MAX); else it
 * opens a fresh connection. */
#include "upstream.h"

#include <arpa/inet.h>
#include <curl/curl.h>
#include <errno.h>
#include <netdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "buf.h"
#include "error.h"
#include "http1.h"
#include "sample.h"
#include "banned.h"

#define FREE_XFERS_MAX 256 /* idle transfer objects kept for reuse */
#define IDLE_CONNS_MAX 256 /* idle upstream connections kept */
#define RBUF_SIZE 16384 /* response bytes read at once */
#define SBUF_SIZE 65536 /* request body bytes staged for sending */
#define CHUNK_HDR 10 /* room for "%zx\r\n" before staged body bytes */
#define REUSE_IDLE_MAX 1000000000u /* idle bound before any close is seen */
/* An idle connection closed sooner than this was closed after its last
 * response (the peek catches those), not by a keep-alive timeout. */
#define CLOSE_AFTER_RESPONSE_NS 10000000u

struct conn;

struct sock_state {
	uint8_t want; /* EPOLLIN/EPOLLOUT wanted (by curl while connecting) */
	uint8_t reg; /* what epoll has registered */
	uint8_t ours; /* opened by open_cb, closed by close_cb */
	struct conn *conn; /* set once connected: events go to conn_event() */
};

struct conn {
	struct e2e_upstream *up;
	CURL *easy;
	int fd; /* -1 until connected */
	struct conn *next, *prev; /* idle pool */
	struct e2e_upstream_xfer *x; /* transfer using it (NULL when idle) */
	unsigned served; /* requests completed on it */
	uint64_t parked_at; /* when it last went idle */
	bool idle;
};

struct e2e_upstream_xfer {
	struct e2e_upstream *up;
	void *ctx;
	struct conn *c;
	struct e2e_upstream_xfer *prev, *next; /* active list / free list */
	struct e2e_upstream_xfer *next_resume;
	/* request: head in req[0, req_len), sent up to req_sent */
	char *hdrs; /* "Name: value\r\n"... added before start */
	size_t hdrs_len, hdrs_cap;
	char *req;
	size_t req_len, req_cap, req_sent;
	bool has_host;
	int64_t body_len; /* -1 none, -2 chunked, else exact */
	bool body_eof; /* on_read returned 0 (and the last chunk is staged) */
	char *sbuf; /* staged body bytes [s_rd, s_wr) */
	size_t s_rd, s_wr;
	/* response */
	char *rbuf; /* received bytes [r_rd, r_wr), RBUF_SIZE */
	size_t r_rd, r_wr;
	size_t pend; /* body bytes at r_rd the proxy paused on */
	struct e2e_http1 h1;
	bool is_head, done, got_bytes, retried;
	bool retryable; /* safe method, no body: may be sent again */
	bool running, recv_paused, send_paused, resume_queued;
	bool want_out; /* a send would block: wait for EPOLLOUT */
	uint64_t t_start, t_first, t_end, last_activity;
};

struct e2e_upstream {
	struct e2e_upstream_cbs cbs;
	CURLM *multi;
	int epfd;
	uint64_t timeout_ns;
	size_t head_max; /* response head limit (0: http1.c's default) */
	bool insecure;
	bool tls; /* https: bytes go through curl_easy_send/recv */
	char *base_url; /* scheme://host:port/ */
	char *host_hdr; /* "Host: host[:port]\r\n" */
	size_t host_hdr_len;
	char *prefix; /* target path without the trailing '/' ("" for none) */
	size_t prefix_len;
	struct curl_slist *resolve;
	struct sock_state *socks;
	size_t nsocks;
	uint64_t timer_at; /* curl's timer deadline, UINT64_MAX = none */
	uint64_t next_scan;
	uint64_t now;
	struct e2e_upstream_xfer *active; /* running transfers */
	size_t nactive;
	struct e2e_upstream_xfer *free_list;
	size_t nfree;
	struct e2e_upstream_xfer *resume_head;
	struct conn *idle; /* most recently used first */
	size_t nidle;
	uint64_t reuse_idle_ns; /* non-retryable requests reuse younger idle ones */
};

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static int kind_of(CURLcode rc)
{
	switch (rc) {
	case CURLE_OK:
		return E2E_EK_NONE;
	case CURLE_COULDNT_CONNECT:
		return E2E_EK_REFUSED;
	case CURLE_OPERATION_TIMEDOUT:
		return E2E_EK_TIMEOUT;
	case CURLE_RECV_ERROR:
	case CURLE_SEND_ERROR:
	case CURLE_GOT_NOTHING:
	case CURLE_PARTIAL_FILE:
		return E2E_EK_RESET;
	case CURLE_WEIRD_SERVER_REPLY:
	case CURLE_UNSUPPORTED_PROTOCOL:
		return E2E_EK_PROTOCOL;
	case CURLE_SSL_CONNECT_ERROR:
	case CURLE_PEER_FAILED_VERIFICATION:
	case CURLE_SSL_CERTPROBLEM:
	case CURLE_SSL_CIPHER:
	case CURLE_SSL_CACERT_BADFILE:
	case CURLE_SSL_ENGINE_NOTFOUND:
	case CURLE_SSL_ENGINE_SETFAILED:
	case CURLE_SSL_ENGINE_INITFAILED:
	case CURLE_SSL_SHUTDOWN_FAILED:
	case CURLE_SSL_CRL_BADFILE:
	case CURLE_SSL_ISSUER_ERROR:
	case CURLE_SSL_PINNEDPUBKEYNOTMATCH:
	case CURLE_SSL_INVALIDCERTSTATUS:
	case CURLE_SSL_CLIENTCERT:
	case CURLE_USE_SSL_FAILED:
		return E2E_EK_TLS;
	case CURLE_COULDNT_RESOLVE_HOST:
		return E2E_EK_RESOLVE;
	case CURLE_OUT_OF_MEMORY:
		return E2E_EK_INTERNAL;
	default:
		return E2E_EK_UPSTREAM_OTHER;
	}
}

static uint32_t us_between(uint64_t a, uint64_t b)
{
	uint64_t d = b > a ? (b - a) / 1000u : 0;
	return d > UINT32_MAX ? UINT32_MAX : (uint32_t)d;
}

/* ---- sockets and timer ---- */

static struct sock_state *sock_at(struct e2e_upstream *up, int fd)
{
	size_t i = (size_t)fd;

	if (i >= up->nsocks) {
		size_t n = up->nsocks ? up->nsocks : 64;
		while (n <= i)
			n *= 2;
		up->socks = e2e_xrealloc(up->socks, n * sizeof(*up->socks));
		memset(up->socks + up->nsocks, 0, (n - up->nsocks) * sizeof(*up->socks));
		up->nsocks = n;
	}
	return &up->socks[i];
}

static void sock_register(struct e2e_upstream *up, int fd, struct sock_state *st, uint8_t mask)
{
	struct epoll_event ev = { .events = mask, .data.u64 = E2E_UPSTREAM_EV_TAG | (uint32_t)fd };

	if (mask == st->reg)
		return;
	if (!mask) {
		epoll_ctl(up->epfd, EPOLL_CTL_DEL, fd, NULL);
	} else if (!st->reg) {
		if (epoll_ctl(up->epfd, EPOLL_CTL_ADD, fd, &ev) < 0 && errno == EEXIST)
			epoll_ctl(up->epfd, EPOLL_CTL_MOD, fd, &ev);
	} else if (epoll_ctl(up->epfd, EPOLL_CTL_MOD, fd, &ev) < 0 && errno == ENOENT) {
		epoll_ctl(up->epfd, EPOLL_CTL_ADD, fd, &ev);
	}
	st->reg = mask;
}

static int sock_cb(CURL *e, curl_socket_t s, int what, void *userp, void *socketp)
{
	struct e2e_upstream *up = userp;
	struct sock_state *st = sock_at(up, s);
	uint8_t want = 0;

	(void)e;
	(void)socketp;
	if (st->conn)
		return 0; /* connected: ours now */
	if (what == CURL_POLL_IN || what == CURL_POLL_INOUT)
		want |= EPOLLIN;
	if (what == CURL_POLL_OUT || what == CURL_POLL_INOUT)
		want |= EPOLLOUT;
	st->want = want;
	sock_register(up, s, st, want);
	return 0;
}

static curl_socket_t open_cb(void *clientp, curlsocktype purpose, struct curl_sockaddr *a)
{
	struct e2e_upstream *up = clientp;
	int s;

	(void)purpose;
	s = socket(a->family, a->socktype | SOCK_CLOEXEC, a->protocol);
	if (s < 0)
		return CURL_SOCKET_BAD;
	struct sock_state *st = sock_at(up, s);
	st->want = st->reg = 0;
	st->ours = 1;
	st->conn = NULL;
	return s;
}

static int close_cb(void *clientp, curl_socket_t s)
{
	struct e2e_upstream *up = clientp;
	struct sock_state *st = sock_at(up, s);

	if (st->reg)
		epoll_ctl(up->epfd, EPOLL_CTL_DEL, s, NULL);
	if (st->conn) /* not by conn_close(): the next I/O on it fails cleanly */
		st->conn->fd = -1;
	memset(st, 0, sizeof(*st));
	return close(s);
}

static int timer_cb(CURLM *m, long ms, void *userp)
{
	struct e2e_upstream *up = userp;

	(void)m;
	if (ms < 0)
		up->timer_at = UINT64_MAX;
	else if (ms == 0)
		up->timer_at = 0;
	else
		up->timer_at = now_ns() + (uint64_t)ms * 1000000u;
	return 0;
}

/* ---- connections ---- */

/* Plain http connections are read and written on the socket curl
 * connected (nothing of curl's sits between); TLS ones through curl. */
static CURLcode io_recv(struct conn *c, char *buf, size_t len, size_t *n)
{
	ssize_t r;

	if (c->up->tls)
		return curl_easy_recv(c->easy, buf, len, n);
	do
		r = recv(c->fd, buf, len, 0);
	while (r < 0 && errno == EINTR);
	if (r < 0)
		return errno == EAGAIN || errno == EWOULDBLOCK ? CURLE_AGAIN : CURLE_RECV_ERROR;
	*n = (size_t)r;
	return CURLE_OK;
}

static CURLcode io_send(struct conn *c, const char *buf, size_t len, size_t *n)
{
	ssize_t r;

	if (c->up->tls)
		return curl_easy_send(c->easy, buf, len, n);
	do
		r = send(c->fd, buf, len, MSG_NOSIGNAL);
	while (r < 0 && errno == EINTR);
	if (r < 0)
		return errno == EAGAIN || errno == EWOULDBLOCK ? CURLE_AGAIN : CURLE_SEND_ERROR;
	*n = (size_t)r;
	return CURLE_OK;
}

static void conn_want(struct conn *c, uint8_t mask)
{
	struct sock_state *st = sock_at(c->up, c->fd);

	st->want = mask;
	sock_register(c->up, c->fd, st, mask);
}

static void conn_close(struct conn *c)
{
	struct e2e_upstream *up = c->up;

	if (c->idle) {
		if (c->prev)
			c->prev->next = c->next;
		else
			up->idle = c->next;
		if (c->next)
			c->next->prev = c->prev;
		up->nidle--;
	}
	if (c->fd >= 0)
		sock_at(up, c->fd)->conn = NULL;
	/* removing a CONNECT_ONLY handle from its multi closes the connection */
	curl_multi_remove_handle(up->multi, c->easy);
	curl_easy_cleanup(c->easy);
	free(c);
}

static void conn_park(struct conn *c)
{
	struct e2e_upstream *up = c->up;

	c->x = NULL;
	if (up->nidle >= IDLE_CONNS_MAX) {
		conn_close(c);
		return;
	}
	conn_want(c, EPOLLIN); /* notice a close while idle */
	c->parked_at = up->now;
	c->idle = true;
	c->prev = NULL;
	c->next = up->idle;
	if (up->idle)
		up->idle->prev = c;
	up->idle = c;
	up->nidle++;
}

/* The upstream closed a connection idle for idle_ns: from now on a
 * request that cannot be retried reuses only younger ones. */
static void learn_idle_close(struct e2e_upstream *up, uint64_t idle_ns)
{
	if (idle_ns / 2 < up->reuse_idle_ns)
		up->reuse_idle_ns = idle_ns / 2;
}

/* Nothing to read on an idle connection (no close, no stray bytes): one
 * recv(MSG_PEEK) on the socket, TLS or not. */
static bool conn_quiet(const struct conn *c)
{
	char b;
	ssize_t r;

	if (c->fd < 0)
		return false;
	do
		r = recv(c->fd, &b, 1, MSG_PEEK | MSG_DONTWAIT);
	while (r < 0 && errno == EINTR);
	return r < 0 && (errno == EAGAIN || errno == EWOULDBLOCK);
}

/* The most recently used idle connection, or NULL. For a request that
 * cannot be retried, only one idle for less than reuse_idle_ns that the
 * peek finds quiet (closed ones are dropped on the way). */
static struct conn *conn_take_idle(struct e2e_upstream *up, bool retryable)
{
	struct conn *c;

	while ((c = up->idle) && !retryable) {
		if (up->now - c->parked_at >= up->reuse_idle_ns)
			return NULL; /* the ones after it are older still */
		if (conn_quiet(c))
			break;
		conn_close(c);
	}
	if (!c)
		return NULL;
	up->idle = c->next;
	if (up->idle)
		up->idle->prev = NULL;
	up->nidle--;
	c->idle = false;
	c->next = c->prev = NULL;
	return c;
}

static struct conn *conn_new(struct e2e_upstream *up)
{
	struct conn *c = e2e_xcalloc(1, sizeof(*c));
	CURL *e = curl_easy_init();

	if (!e)
		abort();
	c->up = up;
	c->easy = e;
	c->fd = -1;
	curl_easy_setopt(e, CURLOPT_PRIVATE, c);
	curl_easy_setopt(e, CURLOPT_URL, up->base_url);
	curl_easy_setopt(e, CURLOPT_CONNECT_ONLY, 1L);
	curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(e, CURLOPT_NOPROXY, "*");
	curl_easy_setopt(e, CURLOPT_TCP_NODELAY, 1L);
	curl_easy_setopt(e, CURLOPT_OPENSOCKETFUNCTION, open_cb);
	curl_easy_setopt(e, CURLOPT_OPENSOCKETDATA, up);
	curl_easy_setopt(e, CURLOPT_CLOSESOCKETFUNCTION, close_cb);
	curl_easy_setopt(e, CURLOPT_CLOSESOCKETDATA, up);
	/* Our connections outlive curl's idea of an idle one. */
	curl_easy_setopt(e, CURLOPT_MAXAGE_CONN, 0x7fffffffL);
	/* HTTP/1.1 is what we speak on it, so never negotiate h2. */
	curl_easy_setopt(e, CURLOPT_SSL_ENABLE_ALPN, 0L);
	if (up->timeout_ns) {
		long ms = (long)((up->timeout_ns + 999999) / 1000000);
		curl_easy_setopt(e, CURLOPT_CONNECTTIMEOUT_MS, ms > 0 ? ms : 1L);
	}
	if (up->insecure) {
		curl_easy_setopt(e, CURLOPT_SSL_VERIFYPEER, 0L);
		curl_easy_setopt(e, CURLOPT_SSL_VERIFYHOST, 0L);
	}
	if (up->resolve)
		curl_easy_setopt(e, CURLOPT_RESOLVE, up->resolve);
	if (curl_multi_add_handle(up->multi, e) != CURLM_OK)
		abort();
	return c;
}

/* ---- transfers ---- */

static void active_unlink(struct e2e_upstream_xfer *x)
{
	struct e2e_upstream *up = x->up;

	if (x->prev)
		x->prev->next = x->next;
	else
		up->active = x->next;
	if (x->next)
		x->next->prev = x->prev;
	x->prev = x->next = NULL;
	up->nactive--;
}

/* Ends a running transfer, parks or closes its connection and calls
 * on_done unless silent. */
static void finish(struct e2e_upstream_xfer *x, int kind, bool silent)
{
	struct conn *c = x->c;

	if (!x->running)
		return;
	x->running = false;
	active_unlink(x);
	x->recv_paused = x->send_paused = false;
	x->t_end = now_ns();
	x->c = NULL;
	if (c) {
		bool reuse = kind == E2E_EK_NONE && x->done && e2e_http1_keep_alive(&x->h1) &&
			     x->r_rd == x->r_wr && x->req_sent == x->req_len &&
			     (x->body_len == -1 || (x->body_eof && x->s_rd == x->s_wr));
		c->x = NULL;
		if (reuse) {
			c->served++;
			conn_park(c);
		} else {
			conn_close(c);
		}
	}
	if (!silent)
		x->up->cbs.on_done(x->ctx, kind);
}

/* Events wanted on the transfer's connection now. */
static void conn_update(struct e2e_upstream_xfer *x)
{
	if (x->c && x->c->fd >= 0)
		conn_want(x->c, (uint8_t)((x->recv_paused ? 0 : EPOLLIN) | (x->want_out ? EPOLLOUT : 0)));
}

/* Hands the pending body bytes to the proxy, unless it pauses us. */
static void deliver(struct e2e_upstream_xfer *x)
{
	if (!x->up->cbs.on_body(x->ctx, x->rbuf + x->r_rd, x->pend)) {
		x->recv_paused = true;
		return;
	}
	x->r_rd += x->pend;
	x->pend = 0;
}

/* Runs what rbuf holds through the parser and hands heads and body bytes
 * to the proxy. Returns an error kind, or NONE (all used, paused, or done:
 * see x->done). */
static int parse(struct e2e_upstream_xfer *x)
{
	while (!x->done && !x->recv_paused && x->running) {
		size_t used = 0, n = 0;
		const char *body;

		if (x->pend) {
			deliver(x);
			continue;
		}
		switch (e2e_http1_parse(&x->h1, x->rbuf + x->r_rd, x->r_wr - x->r_rd, &used, &body, &n)) {
		case E2E_HTTP1_NEED:
			x->r_rd += used;
			return E2E_EK_NONE;
		case E2E_HTTP1_HEAD:
			x->r_rd += used;
			x->up->cbs.on_head(x->ctx, e2e_http1_status(&x->h1));
			break;
		case E2E_HTTP1_BODY:
			x->r_rd += used - n;
			x->pend = n;
			break;
		case E2E_HTTP1_DONE:
			x->r_rd += used;
			x->done = true;
			break;
		case E2E_HTTP1_ERROR:
			return e2e_http1_head_too_large(&x->h1) ? E2E_EK_HEAD_TOO_LARGE : E2E_EK_PROTOCOL;
		}
	}
	return E2E_EK_NONE;
}

/* The connection died before any response byte: a retryable request on a
 * reused connection is sent again on a fresh one (the upstream may have
 * closed it just as we sent), once. */
static bool retry(struct e2e_upstream_xfer *x)
{
	struct conn *c = x->c;

	if (x->got_bytes || x->retried || !x->retryable || !c || !c->served)
		return false;
	x->retried = true;
	c->x = NULL;
	conn_close(c);
	x->c = conn_new(x->up);
	x->c->x = x;
	x->req_sent = 0;
	x->want_out = false;
	e2e_http1_reset(&x->h1, x->is_head); /* the close was seen as a cut response */
	return true;
}

static void fail(struct e2e_upstream_xfer *x, int kind)
{
	if (kind == E2E_EK_RESET && retry(x))
		return;
	if (kind == E2E_EK_RESET && !x->got_bytes && x->c && x->c->served)
		learn_idle_close(x->up, x->t_start - x->c->parked_at);
	finish(x, kind, false);
}

/* Reads while the proxy takes the bytes; ends the transfer at the end of
 * the response or on an error. */
static void conn_read(struct e2e_upstream_xfer *x)
{
	struct conn *c = x->c;

	while (x->running && x->c == c && !x->recv_paused) {
		size_t n = 0;
		CURLcode rc;
		int kind;

		/* the parser used all it was given (else we would be paused
		 * or done), so every read starts at the buffer's start */
		x->r_rd = x->r_wr = 0;
		if (!x->rbuf)
			x->rbuf = e2e_xmalloc(RBUF_SIZE);
		rc = io_recv(c, x->rbuf, RBUF_SIZE, &n);
		if (rc == CURLE_AGAIN)
			break;
		if (rc != CURLE_OK) {
			fail(x, kind_of(rc) == E2E_EK_TLS ? E2E_EK_TLS : E2E_EK_RESET);
			return;
		}
		if (n == 0) { /* closed by the upstream */
			if (e2e_http1_eof(&x->h1)) {
				x->done = true;
				finish(x, E2E_EK_NONE, false);
			} else {
				fail(x, E2E_EK_RESET);
			}
			return;
		}
		if (!x->got_bytes) {
			x->got_bytes = true;
			x->t_first = now_ns();
		}
		x->last_activity = x->up->now;
		x->r_wr = n;
		kind = parse(x);
		if (kind != E2E_EK_NONE) {
			finish(x, kind, false);
			return;
		}
		if (x->done) {
			finish(x, E2E_EK_NONE, false);
			return;
		}
	}
	if (x->running && x->c == c)
		conn_update(x); /* EPOLLIN off while paused */
}

/* Stages the next piece of the request body (chunk-framed if need be). */
static bool stage_body(struct e2e_upstream_xfer *x)
{
	size_t n;

	if (x->body_eof || x->send_paused)
		return false;
	if (!x->sbuf)
		x->sbuf = e2e_xmalloc(SBUF_SIZE);
	n = x->up->cbs.on_read(x->ctx, x->sbuf + CHUNK_HDR, SBUF_SIZE - CHUNK_HDR - 7);
	if (n == E2E_UPSTREAM_READ_PAUSE) {
		x->send_paused = true;
		return false;
	}
	if (n == 0) {
		x->body_eof = true;
		if (x->body_len != -2)
			return false;
		memcpy(x->sbuf, "0\r\n\r\n", 5);
		x->s_rd = 0;
		x->s_wr = 5;
		return true;
	}
	if (x->body_len == -2) {
		char h[CHUNK_HDR + 1];
		int hl = snprintf(h, sizeof(h), "%zx\r\n", n);
		memcpy(x->sbuf + CHUNK_HDR - hl, h, (size_t)hl);
		memcpy(x->sbuf + CHUNK_HDR + n, "\r\n", 2);
		x->s_rd = CHUNK_HDR - (size_t)hl;
		x->s_wr = CHUNK_HDR + n + 2;
	} else {
		x->s_rd = CHUNK_HDR;
		x->s_wr = CHUNK_HDR + n;
	}
	return true;
}

/* Sends the request head and body as far as the socket takes them. */
static void conn_write(struct e2e_upstream_xfer *x)
{
	struct conn *c = x->c;

	for (;;) {
		const char *p;
		size_t len, n = 0;
		CURLcode rc;

		if (x->req_sent < x->req_len) {
			p = x->req + x->req_sent;
			len = x->req_len - x->req_sent;
		} else if (x->body_len != -1 && (x->s_rd < x->s_wr || stage_body(x))) {
			p = x->sbuf + x->s_rd;
			len = x->s_wr - x->s_rd;
		} else {
			break; /* all sent, or waiting for body bytes */
		}
		rc = io_send(c, p, len, &n);
		if (rc == CURLE_AGAIN) {
			x->want_out = true;
			conn_update(x);
			return;
		}
		if (rc != CURLE_OK) {
			fail(x, E2E_EK_RESET);
			return;
		}
		x->last_activity = x->up->now;
		if (x->req_sent < x->req_len)
			x->req_sent += n;
		else
			x->s_rd += n;
	}
	x->want_out = false;
	conn_update(x);
}

static void begin_send(struct e2e_upstream_xfer *x)
{
	conn_write(x);
	if (x->running && !x->recv_paused)
		conn_read(x);
}

static void conn_event(struct conn *c, uint32_t events)
{
	struct e2e_upstream_xfer *x = c->x;

	if (!x) {
		/* idle: data or a close from the upstream ends it */
		if (c->up->now - c->parked_at >= CLOSE_AFTER_RESPONSE_NS)
			learn_idle_close(c->up, c->up->now - c->parked_at);
		conn_close(c);
		return;
	}
	if ((events & EPOLLOUT) && x->running)
		conn_write(x);
	if ((events & (EPOLLIN | EPOLLERR | EPOLLHUP)) && x->running && x->c == c && !x->recv_paused)
		conn_read(x);
}

/* A connect finished (CONNECT_ONLY transfer done). */
static void connected(struct conn *c, CURLcode rc)
{
	struct e2e_upstream_xfer *x = c->x;
	curl_socket_t fd = CURL_SOCKET_BAD;

	if (rc == CURLE_OK && curl_easy_getinfo(c->easy, CURLINFO_ACTIVESOCKET, &fd) == CURLE_OK &&
	    fd != CURL_SOCKET_BAD) {
		struct sock_state *st = sock_at(c->up, fd);
		char byte;
		size_t n = 0;
		/* One curl_easy_recv() attaches the connection to its handle
		 * again: curl then counts it in use and never prunes it as an
		 * idle one (which it would, with response bytes waiting, while
		 * plain http reads the socket directly). Nothing can be there
		 * yet, so anything but "again" means the connection is bad. */
		if (curl_easy_recv(c->easy, &byte, 1, &n) != CURLE_AGAIN) {
			rc = CURLE_RECV_ERROR;
			goto bad;
		}
		c->fd = fd;
		st->conn = c;
		st->want = 0;
		if (!x) {
			conn_park(c);
			return;
		}
		begin_send(x);
		return;
	}
bad:
	if (x) {
		c->x = NULL;
		x->c = NULL;
		conn_close(c);
		finish(x, rc == CURLE_OK ? E2E_EK_INTERNAL : kind_of(rc), false);
	} else {
		conn_close(c);
	}
}

static void check_done(struct e2e_upstream *up)
{
	CURLMsg *m;
	int left;

	while ((m = curl_multi_info_read(up->multi, &left))) {
		struct conn *c = NULL;

		if (m->msg != CURLMSG_DONE)
			continue;
		curl_easy_getinfo(m->easy_handle, CURLINFO_PRIVATE, (char **)&c);
		if (c)
			connected(c, m->data.result);
	}
}

struct e2e_upstream_xfer *e2e_upstream_xfer(struct e2e_upstream *up, void *ctx)
{
	struct e2e_upstream_xfer *x = up->free_list;

	if (x) {
		up->free_list = x->next;
		up->nfree--;
		x->next = NULL;
	} else {
		x = e2e_xcalloc(1, sizeof(*x));
		x->up = up;
		e2e_http1_init(&x->h1);
		e2e_http1_set_head_max(&x->h1, up->head_max);
	}
	x->ctx = ctx;
	x->c = NULL;
	x->hdrs_len = 0;
	x->has_host = false;
	e2e_http1_reset(&x->h1, false);
	return x;
}

static void add_bytes(char **b, size_t *len, size_t *cap, const char *s, size_t n)
{
	if (*len + n > *cap) {
		size_t c = *cap ? *cap : 1024;
		while (c < *len + n)
			c *= 2;
		*b = e2e_xrealloc(*b, c);
		*cap = c;
	}
	memcpy(*b + *len, s, n);
	*len += n;
}

void e2e_upstream_add_header(struct e2e_upstream_xfer *x, const char *name, size_t name_len,
			     const char *value, size_t value_len)
{
	if (name_len == 4 && strncasecmp(name, "host", 4) == 0)
		x->has_host = true;
	add_bytes(&x->hdrs, &x->hdrs_len, &x->hdrs_cap, name, name_len);
	add_bytes(&x->hdrs, &x->hdrs_len, &x->hdrs_cap, ": ", 2);
	add_bytes(&x->hdrs, &x->hdrs_len, &x->hdrs_cap, value, value_len);
	add_bytes(&x->hdrs, &x->hdrs_len, &x->hdrs_cap, "\r\n", 2);
}

void e2e_upstream_start(struct e2e_upstream_xfer *x, const char *method, const char *target,
			size_t target_len, int64_t body_len)
{
	struct e2e_upstream *up = x->up;
	char framing[64];
	int fl = 0;

	x->req_len = x->req_sent = 0;
	add_bytes(&x->req, &x->req_len, &x->req_cap, method, strlen(method));
	add_bytes(&x->req, &x->req_len, &x->req_cap, " ", 1);
	if (target_len && target[0] == '/')
		add_bytes(&x->req, &x->req_len, &x->req_cap, up->prefix, up->prefix_len);
	else if (!target_len)
		add_bytes(&x->req, &x->req_len, &x->req_cap, "/", 1);
	add_bytes(&x->req, &x->req_len, &x->req_cap, target, target_len);
	add_bytes(&x->req, &x->req_len, &x->req_cap, " HTTP/1.1\r\n", 11);
	if (!x->has_host)
		add_bytes(&x->req, &x->req_len, &x->req_cap, up->host_hdr, up->host_hdr_len);
	if (x->hdrs_len)
		add_bytes(&x->req, &x->req_len, &x->req_cap, x->hdrs, x->hdrs_len);
	if (body_len == -2)
		fl = snprintf(framing, sizeof(framing), "Transfer-Encoding: chunked\r\n");
	else if (body_len >= 0)
		fl = snprintf(framing, sizeof(framing), "Content-Length: %lld\r\n", (long long)body_len);
	add_bytes(&x->req, &x->req_len, &x->req_cap, framing, (size_t)fl);
	add_bytes(&x->req, &x->req_len, &x->req_cap, "\r\n", 2);

	x->body_len = body_len < -2 ? -1 : body_len;
	x->body_eof = body_len == 0;
	x->s_rd = x->s_wr = 0;
	x->r_rd = x->r_wr = x->pend = 0;
	x->is_head = strcmp(method, "HEAD") == 0;
	x->retryable = x->body_len == -1 && (x->is_head || strcmp(method, "GET") == 0 ||
					     strcmp(method, "OPTIONS") == 0 || strcmp(method, "TRACE") == 0);
	e2e_http1_reset(&x->h1, x->is_head);
	x->done = x->got_bytes = x->retried = false;
	x->recv_paused = x->send_paused = x->resume_queued = x->want_out = false;
	up->now = now_ns();
	x->t_start = x->last_activity = up->now;
	x->t_first = x->t_end = 0;
	x->running = true;
	x->next = up->active;
	x->prev = NULL;
	if (up->active)
		up->active->prev = x;
	up->active = x;
	up->nactive++;

	x->c = conn_take_idle(up, x->retryable);
	if (x->c) {
		x->c->x = x;
		begin_send(x);
	} else {
		x->c = conn_new(up); /* sends once connected */
		x->c->x = x;
	}
}

void e2e_upstream_resume(struct e2e_upstream_xfer *x)
{
	struct e2e_upstream *up = x->up;

	if (!x->running || x->resume_queued || !(x->recv_paused || x->send_paused))
		return;
	x->resume_queued = true;
	x->next_resume = up->resume_head;
	up->resume_head = x;
}

bool e2e_upstream_header(const struct e2e_upstream_xfer *x, size_t i, const char **name, const char **value)
{
	return e2e_http1_header(&x->h1, i, name, value);
}

int64_t e2e_upstream_content_length(const struct e2e_upstream_xfer *x)
{
	return e2e_http1_content_length(&x->h1);
}

void e2e_upstream_times(const struct e2e_upstream_xfer *x, uint32_t *ttfb_us, uint32_t *total_us)
{
	*ttfb_us = x->t_first ? us_between(x->t_start, x->t_first) : 0;
	*total_us = x->t_start ? us_between(x->t_start, x->t_end ? x->t_end : now_ns()) : 0;
}

static void xfer_free(struct e2e_upstream_xfer *x)
{
	free(x->hdrs);
	free(x->req);
	free(x->sbuf);
	free(x->rbuf);
	e2e_http1_finish(&x->h1);
	free(x);
}

void e2e_upstream_release(struct e2e_upstream_xfer *x)
{
	struct e2e_upstream *up;

	if (!x)
		return;
	up = x->up;
	finish(x, E2E_EK_CLIENT_ABORT, true);
	if (x->resume_queued) {
		struct e2e_upstream_xfer **pp = &up->resume_head;
		while (*pp && *pp != x)
			pp = &(*pp)->next_resume;
		if (*pp)
			*pp = x->next_resume;
		x->resume_queued = false;
	}
	x->ctx = NULL;
	if (up->nfree >= FREE_XFERS_MAX) {
		xfer_free(x);
		return;
	}
	x->next = up->free_list;
	up->free_list = x;
	up->nfree++;
}

/* ---- loop ---- */

void e2e_upstream_event(struct e2e_upstream *up, uint64_t data, uint32_t events)
{
	int fd = (int)(uint32_t)data;
	struct sock_state *st = sock_at(up, fd);
	int mask = 0;
	int running;

	up->now = now_ns();
	if (st->conn) {
		conn_event(st->conn, events);
		return;
	}
	if (!st->want) {
		sock_register(up, fd, st, 0);
		return;
	}
	if (events & EPOLLIN)
		mask |= CURL_CSELECT_IN;
	if (events & EPOLLOUT)
		mask |= CURL_CSELECT_OUT;
	if (events & (EPOLLERR | EPOLLHUP))
		mask |= CURL_CSELECT_ERR;
	curl_multi_socket_action(up->multi, fd, mask, &running);
	check_done(up);
}

static uint64_t scan_period(const struct e2e_upstream *up)
{
	uint64_t p = up->timeout_ns / 8;

	if (p < 5000000u)
		p = 5000000u;
	if (p > 100000000u)
		p = 100000000u;
	return p;
}

void e2e_upstream_run(struct e2e_upstream *up, uint64_t now)
{
	int running;

	up->now = now;
	while (up->resume_head) {
		struct e2e_upstream_xfer *x = up->resume_head;
		up->resume_head = x->next_resume;
		x->resume_queued = false;
		if (!x->running || !x->c || x->c->fd < 0)
			continue;
		x->last_activity = now;
		if (x->send_paused) {
			x->send_paused = false;
			conn_write(x);
		}
		if (x->running && x->recv_paused) {
			int kind;
			x->recv_paused = false;
			kind = parse(x);
			if (kind != E2E_EK_NONE)
				finish(x, kind, false);
			else if (x->running && x->done)
				finish(x, E2E_EK_NONE, false);
			else if (x->running && !x->recv_paused)
				conn_read(x);
			else if (x->running)
				conn_update(x);
		}
	}
	if (up->timer_at <= now) {
		up->timer_at = UINT64_MAX;
		curl_multi_socket_action(up->multi, CURL_SOCKET_TIMEOUT, 0, &running);
		check_done(up);
	}
	if (up->nactive && now >= up->next_scan) {
		struct e2e_upstream_xfer *x = up->active, *next;
		up->next_scan = now + scan_period(up);
		for (; x; x = next) {
			next = x->next;
			if (up->timeout_ns && !x->recv_paused && !x->send_paused &&
			    now - x->last_activity >= up->timeout_ns)
				finish(x, E2E_EK_TIMEOUT, false);
		}
	}
}

int e2e_upstream_wait_ms(const struct e2e_upstream *up, uint64_t now)
{
	uint64_t at = up->timer_at;

	if (up->resume_head)
		return 0;
	if (up->nactive && up->next_scan < at)
		at = up->next_scan;
	if (at == UINT64_MAX)
		return -1;
	if (at <= now)
		return 0;
	return (int)((at - now + 999999) / 1000000);
}

size_t e2e_upstream_active(const struct e2e_upstream *up)
{
	return up->nactive;
}

/* ---- setup ---- */

static bool is_ip_literal(const char *host)
{
	unsigned char buf[sizeof(struct in6_addr)];

	return inet_pton(AF_INET, host, buf) == 1 || inet_pton(AF_INET6, host, buf) == 1;
}

static void resolve_once(struct e2e_upstream *up, const char *host, const char *port)
{
	struct addrinfo hints = { .ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM };
	struct addrinfo *res = NULL;
	struct e2e_buf b = E2E_BUF_INIT;
	size_t n = 0;

	if (is_ip_literal(host) || getaddrinfo(host, port, &hints, &res) != 0)
		return;
	e2e_buf_printf(&b, "%s:%s:", host, port);
	for (struct addrinfo *ai = res; ai; ai = ai->ai_next) {
		char addr[INET6_ADDRSTRLEN];
		const void *src =
			ai->ai_family == AF_INET6
				? (const void *)&((struct sockaddr_in6 *)(void *)ai->ai_addr)->sin6_addr
				: (const void *)&((struct sockaddr_in *)(void *)ai->ai_addr)->sin_addr;
		if (!inet_ntop(ai->ai_family, src, addr, sizeof(addr)))
			continue;
		e2e_buf_printf(&b, ai->ai_family == AF_INET6 ? "%s[%s]" : "%s%s", n ? "," : "", addr);
		n++;
	}
	freeaddrinfo(res);
	if (n)
		up->resolve = curl_slist_append(NULL, b.data);
	e2e_buf_finish(&b);
}

static int parse_target(struct e2e_upstream *up, const char *target)
{
	CURLU *u = curl_url();
	char *scheme = NULL, *host = NULL, *port = NULL, *path = NULL, *query = NULL, *given_port = NULL;
	struct e2e_buf b = E2E_BUF_INIT;
	int rc = 0;

	if (!u)
		abort();
	if (curl_url_set(u, CURLUPART_URL, target, 0) != CURLUE_OK ||
	    curl_url_get(u, CURLUPART_SCHEME, &scheme, 0) != CURLUE_OK ||
	    curl_url_get(u, CURLUPART_HOST, &host, 0) != CURLUE_OK || !*host) {
		rc = e2e_error(E2E_ERR_INPUT, "'%s': not a valid target URL", target);
		goto out;
	}
	if (strcmp(scheme, "http") != 0 && strcmp(scheme, "https") != 0) {
		rc = e2e_error(E2E_ERR_INPUT, "'%s': the target must be an http or https URL", target);
		goto out;
	}
	if (curl_url_get(u, CURLUPART_QUERY, &query, 0) == CURLUE_OK && query) {
		rc = e2e_error(E2E_ERR_INPUT, "'%s': the target must not have a query string", target);
		goto out;
	}
	curl_url_get(u, CURLUPART_PORT, &port, CURLU_DEFAULT_PORT);
	curl_url_get(u, CURLUPART_PORT, &given_port, 0);
	curl_url_get(u, CURLUPART_PATH, &path, 0);
	{
		size_t plen = path ? strlen(path) : 0;
		while (plen && path[plen - 1] == '/')
			plen--;
		up->prefix = e2e_xmalloc(plen + 1);
		if (plen)
			memcpy(up->prefix, path, plen);
		up->prefix[plen] = '\0';
		up->prefix_len = plen;
	}
	up->tls = strcmp(scheme, "https") == 0;
	e2e_buf_printf(&b, "%s://%s:%s/", scheme, host, port);
	up->base_url = e2e_buf_detach(&b, NULL);
	/* Host as curl would send it: the port only when not the default */
	{
		bool dflt = !given_port || (strcmp(scheme, "http") == 0 && strcmp(given_port, "80") == 0) ||
			    (strcmp(scheme, "https") == 0 && strcmp(given_port, "443") == 0);
		e2e_buf_printf(&b, dflt ? "Host: %s\r\n" : "Host: %s:%s\r\n", host, given_port);
		up->host_hdr = e2e_buf_detach(&b, &up->host_hdr_len);
	}
	if (host[0] != '[')
		resolve_once(up, host, port);
out:
	curl_free(scheme);
	curl_free(host);
	curl_free(port);
	curl_free(given_port);
	curl_free(path);
	curl_free(query);
	curl_url_cleanup(u);
	return rc;
}

int e2e_upstream_create(const struct e2e_upstream_config *cfg, const struct e2e_upstream_cbs *cbs,
			struct e2e_upstream **out)
{
	struct e2e_upstream *up;
	int rc;

	/* Reference-counted (and thread-safe since curl 7.84); undone in destroy. */
	curl_global_init(CURL_GLOBAL_DEFAULT);
	up = e2e_xcalloc(1, sizeof(*up));
	up->cbs = *cbs;
	up->epfd = cfg->epfd;
	up->timeout_ns = cfg->timeout_ns;
	up->head_max = cfg->head_max;
	up->insecure = cfg->insecure;
	up->timer_at = UINT64_MAX;
	up->reuse_idle_ns = REUSE_IDLE_MAX;
	rc = parse_target(up, cfg->target ? cfg->target : "");
	if (rc < 0)
		goto out;
	up->multi = curl_multi_init();
	if (!up->multi)
		abort();
	curl_multi_setopt(up->multi, CURLMOPT_SOCKETFUNCTION, sock_cb);
	curl_multi_setopt(up->multi, CURLMOPT_SOCKETDATA, up);
	curl_multi_setopt(up->multi, CURLMOPT_TIMERFUNCTION, timer_cb);
	curl_multi_setopt(up->multi, CURLMOPT_TIMERDATA, up);
	/* never let curl close one of our connections to make room */
	curl_multi_setopt(up->multi, CURLMOPT_MAXCONNECTS, 1000000L);
	*out = up;
	return 0;
out:
	e2e_upstream_destroy(up);
	return rc;
}

void e2e_upstream_destroy(struct e2e_upstream *up)
{
	if (!up)
		return;
	while (up->active)
		finish(up->active, E2E_EK_CLIENT_ABORT, true);
	while (up->idle)
		conn_close(up->idle);
	while (up->free_list) {
		struct e2e_upstream_xfer *x = up->free_list;
		up->free_list = x->next;
		xfer_free(x);
	}
	if (up->multi)
		curl_multi_cleanup(up->multi);
	curl_slist_free_all(up->resolve);
	free(up->socks);
	free(up->base_url);
	free(up->host_hdr);
	free(up->prefix);
	free(up);
	curl_global_cleanup();
}

static size_t post_once_body(char *data, size_t size, size_t n, void *ctx)
{
	struct e2e_buf *b = ctx;
	size_t len = size * n;

	if (b->len < 4096)
		e2e_buf_add(b, data, len < 4096 - b->len ? len : 4096 - b->len);
	return len;
}

int e2e_upstream_post_once(const char *url, long timeout_ms, long *status, struct e2e_buf *body)
{
	char err[CURL_ERROR_SIZE] = "";
	CURL *h;
	CURLcode cc;
	int rc = 0;

	curl_global_init(CURL_GLOBAL_DEFAULT);
	h = curl_easy_init();
	if (!h) {
		rc = e2e_error(E2E_ERR_RUNTIME, "cannot set up a request to '%s'", url);
		goto out;
	}
	curl_easy_setopt(h, CURLOPT_URL, url);
	curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "http");
	curl_easy_setopt(h, CURLOPT_NOPROXY, "*");
	curl_easy_setopt(h, CURLOPT_POST, 1L);
	curl_easy_setopt(h, CURLOPT_POSTFIELDS, "");
	curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE, 0L);
	curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, timeout_ms);
	curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(h, CURLOPT_ERRORBUFFER, err);
	curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, post_once_body);
	curl_easy_setopt(h, CURLOPT_WRITEDATA, body);
	cc = curl_easy_perform(h);
	if (cc != CURLE_OK) {
		rc = e2e_error(E2E_ERR_RUNTIME, "'%s': %s", url, err[0] ? err : curl_easy_strerror(cc));
		goto out;
	}
	curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, status);
out:
	curl_easy_cleanup(h);
	curl_global_cleanup();
	return rc;
}
