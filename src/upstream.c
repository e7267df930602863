/* upstream.c - libcurl multi interface on the proxy's epoll loop.
 *
 * Sockets: curl opens them through open_cb, so this module knows each
 * connection socket from birth to close_cb and can keep a pooled idle
 * connection registered in epoll between requests (no epoll_ctl per
 * request); an event on a socket curl no longer watches drops the
 * registration then. Sockets curl opens by itself (resolver) are
 * registered and removed eagerly. */
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
#include "sample.h"
#include "banned.h"

#define FREE_XFERS_MAX 256 /* idle easy handles kept for reuse */
#define MAX_CONNECTS 256L /* idle upstream connections kept */

struct sock_state {
	uint8_t want; /* EPOLLIN/EPOLLOUT curl asked for */
	uint8_t reg; /* what epoll has registered */
	uint8_t ours; /* opened by open_cb, closed by close_cb */
};

struct e2e_upstream_xfer {
	struct e2e_upstream *up;
	CURL *easy;
	void *ctx;
	struct e2e_upstream_xfer *prev, *next; /* active list / free list */
	struct e2e_upstream_xfer *next_resume;
	/* request headers: "Name: value" strings in req, offsets in hoff */
	char *req;
	size_t req_len, req_cap;
	size_t *hoff;
	struct curl_slist *nodes;
	size_t nhdr, hdr_cap;
	bool has_accept;
	/* response headers: "name\0value\0" pairs in resp, offsets in roff */
	char *resp;
	size_t resp_len, resp_cap;
	uint32_t *roff;
	size_t nresp, roff_cap;
	size_t conn_off; /* Connection header value offset + 1 (0 = none) */
	int64_t content_length;
	int status;
	bool running, head_seen, recv_paused, send_paused, resume_queued, in_head;
	uint64_t t_start, t_first, t_end, last_activity;
};

struct e2e_upstream {
	struct e2e_upstream_cbs cbs;
	CURLM *multi;
	int epfd;
	uint64_t timeout_ns;
	bool insecure;
	char *base_url; /* scheme://host:port/ */
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
};

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* ---- HTTP helpers ---- */

static bool token_eq(const char *a, size_t alen, const char *b, size_t blen)
{
	return alen == blen && strncasecmp(a, b, alen) == 0;
}

bool e2e_upstream_hop_by_hop(const char *name, size_t len)
{
	static const struct {
		const char *s;
		size_t len;
	} hop[] = {
		{ "connection", 10 },
		{ "keep-alive", 10 },
		{ "proxy-connection", 16 },
		{ "proxy-authenticate", 18 },
		{ "proxy-authorization", 19 },
		{ "te", 2 },
		{ "trailer", 7 },
		{ "transfer-encoding", 17 },
		{ "upgrade", 7 },
	};

	for (size_t i = 0; i < sizeof(hop) / sizeof(hop[0]); i++)
		if (token_eq(name, len, hop[i].s, hop[i].len))
			return true;
	return false;
}

bool e2e_upstream_conn_listed(const char *v, const char *name, size_t len)
{
	while (v && *v) {
		while (*v == ' ' || *v == '\t' || *v == ',')
			v++;
		const char *s = v;
		while (*v && *v != ',')
			v++;
		const char *e = v;
		while (e > s && (e[-1] == ' ' || e[-1] == '\t'))
			e--;
		if (token_eq(s, (size_t)(e - s), name, len))
			return true;
	}
	return false;
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
	case CURLE_BAD_CONTENT_ENCODING:
	case CURLE_HTTP2:
	case CURLE_HTTP2_STREAM:
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
	case CURLE_WRITE_ERROR:
	case CURLE_READ_ERROR:
	case CURLE_ABORTED_BY_CALLBACK:
		return E2E_EK_CLIENT_ABORT;
	default:
		return E2E_EK_UPSTREAM_OTHER;
	}
}

/* ---- sockets and timer ---- */

static struct sock_state *sock_at(struct e2e_upstream *up, curl_socket_t s)
{
	size_t fd = (size_t)s;

	if (fd >= up->nsocks) {
		size_t n = up->nsocks ? up->nsocks : 64;
		while (n <= fd)
			n *= 2;
		up->socks = e2e_xrealloc(up->socks, n * sizeof(*up->socks));
		memset(up->socks + up->nsocks, 0, (n - up->nsocks) * sizeof(*up->socks));
		up->nsocks = n;
	}
	return &up->socks[fd];
}

static void sock_register(struct e2e_upstream *up, curl_socket_t s, struct sock_state *st, uint8_t mask)
{
	struct epoll_event ev = { .events = mask, .data.u64 = E2E_UPSTREAM_EV_TAG | (uint32_t)s };

	if (mask == st->reg)
		return;
	if (!mask) {
		epoll_ctl(up->epfd, EPOLL_CTL_DEL, s, NULL);
	} else if (!st->reg) {
		if (epoll_ctl(up->epfd, EPOLL_CTL_ADD, s, &ev) < 0 && errno == EEXIST)
			epoll_ctl(up->epfd, EPOLL_CTL_MOD, s, &ev);
	} else if (epoll_ctl(up->epfd, EPOLL_CTL_MOD, s, &ev) < 0 && errno == ENOENT) {
		epoll_ctl(up->epfd, EPOLL_CTL_ADD, s, &ev);
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
	if (what == CURL_POLL_IN || what == CURL_POLL_INOUT)
		want |= EPOLLIN;
	if (what == CURL_POLL_OUT || what == CURL_POLL_INOUT)
		want |= EPOLLOUT;
	st->want = want;
	/* Our own sockets keep a superset registered (dropped lazily in
	 * e2e_upstream_event); foreign ones follow curl exactly. */
	if (!st->ours || (want & ~st->reg))
		sock_register(up, s, st, st->ours ? (uint8_t)(st->reg | want) : want);
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
	return s;
}

static int close_cb(void *clientp, curl_socket_t s)
{
	struct e2e_upstream *up = clientp;
	struct sock_state *st = sock_at(up, s);

	if (st->reg)
		epoll_ctl(up->epfd, EPOLL_CTL_DEL, s, NULL);
	st->want = st->reg = st->ours = 0;
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

/* Ends a running transfer; calls on_done unless silent. */
static void finish(struct e2e_upstream_xfer *x, int kind, bool silent)
{
	struct e2e_upstream *up = x->up;

	if (!x->running)
		return;
	curl_multi_remove_handle(up->multi, x->easy);
	active_unlink(x);
	x->running = false;
	x->recv_paused = x->send_paused = false;
	x->t_end = now_ns();
	if (!silent)
		up->cbs.on_done(x->ctx, kind);
}

static void check_done(struct e2e_upstream *up)
{
	CURLMsg *m;
	int left;

	while ((m = curl_multi_info_read(up->multi, &left))) {
		struct e2e_upstream_xfer *x = NULL;

		if (m->msg != CURLMSG_DONE)
			continue;
		curl_easy_getinfo(m->easy_handle, CURLINFO_PRIVATE, (char **)&x);
		if (x)
			finish(x, kind_of(m->data.result), false);
	}
}

static void resp_add(struct e2e_upstream_xfer *x, const char *s, size_t len)
{
	if (x->resp_len + len + 1 > x->resp_cap) {
		size_t n = x->resp_cap ? x->resp_cap : 1024;
		while (n < x->resp_len + len + 1)
			n *= 2;
		x->resp = e2e_xrealloc(x->resp, n);
		x->resp_cap = n;
	}
	memcpy(x->resp + x->resp_len, s, len);
	x->resp_len += len;
	x->resp[x->resp_len++] = '\0';
}

static void head_reset(struct e2e_upstream_xfer *x)
{
	x->resp_len = 0;
	x->nresp = 0;
	x->conn_off = 0;
	x->content_length = -1;
}

/* Drops the headers the Connection header named (hop-by-hop too). */
static void head_filter(struct e2e_upstream_xfer *x)
{
	const char *conn = x->resp + x->conn_off - 1;
	size_t j = 0;

	for (size_t i = 0; i < x->nresp; i++) {
		const char *name = x->resp + x->roff[2 * i];
		if (e2e_upstream_conn_listed(conn, name, strlen(name)))
			continue;
		x->roff[2 * j] = x->roff[2 * i];
		x->roff[2 * j + 1] = x->roff[2 * i + 1];
		j++;
	}
	x->nresp = j;
}

static void head_line(struct e2e_upstream_xfer *x, const char *b, size_t n)
{
	const char *colon = memchr(b, ':', n);
	const char *v, *e;
	size_t nlen;

	while (n && (b[n - 1] == '\n' || b[n - 1] == '\r'))
		n--;
	if (!colon || colon == b || b[0] == ' ' || b[0] == '\t')
		return; /* obsolete line folding or garbage: dropped */
	nlen = (size_t)(colon - b);
	v = colon + 1;
	e = b + n;
	while (v < e && (*v == ' ' || *v == '\t'))
		v++;
	while (e > v && (e[-1] == ' ' || e[-1] == '\t'))
		e--;
	if (token_eq(b, nlen, "content-length", 14)) {
		char tmp[32];
		size_t vl = (size_t)(e - v) < sizeof(tmp) - 1 ? (size_t)(e - v) : sizeof(tmp) - 1;
		memcpy(tmp, v, vl);
		tmp[vl] = '\0';
		x->content_length = strtoll(tmp, NULL, 10);
		return;
	}
	if (token_eq(b, nlen, "connection", 10)) {
		x->conn_off = x->resp_len + 1;
		resp_add(x, v, (size_t)(e - v));
		return;
	}
	if (e2e_upstream_hop_by_hop(b, nlen))
		return;
	if (x->nresp == x->roff_cap) {
		x->roff_cap = x->roff_cap ? 2 * x->roff_cap : 16;
		x->roff = e2e_xrealloc(x->roff, 2 * x->roff_cap * sizeof(*x->roff));
	}
	x->roff[2 * x->nresp] = (uint32_t)x->resp_len;
	resp_add(x, b, nlen);
	x->roff[2 * x->nresp + 1] = (uint32_t)x->resp_len;
	resp_add(x, v, (size_t)(e - v));
	x->nresp++;
}

static size_t header_cb(char *b, size_t size, size_t nmemb, void *userp)
{
	struct e2e_upstream_xfer *x = userp;
	size_t n = size * nmemb;

	x->last_activity = x->up->now;
	if (!x->t_first)
		x->t_first = now_ns();
	if (x->head_seen)
		return n; /* trailers */
	if (n >= 5 && memcmp(b, "HTTP/", 5) == 0) {
		const char *sp = memchr(b, ' ', n);
		head_reset(x);
		x->status = sp ? atoi(sp + 1) : 0;
		x->in_head = true;
		return n;
	}
	if (n <= 2 && (b[0] == '\r' || b[0] == '\n')) {
		if (!x->in_head || x->status < 200) {
			x->in_head = false;
			return n; /* end of an interim 1xx head */
		}
		if (x->conn_off)
			head_filter(x);
		x->head_seen = true;
		x->up->cbs.on_head(x->ctx, x->status);
		return n;
	}
	head_line(x, b, n);
	return n;
}

static size_t write_cb(char *b, size_t size, size_t nmemb, void *userp)
{
	struct e2e_upstream_xfer *x = userp;
	size_t n = size * nmemb;

	x->last_activity = x->up->now;
	if (!x->up->cbs.on_body(x->ctx, b, n)) {
		x->recv_paused = true;
		return CURL_WRITEFUNC_PAUSE;
	}
	return n;
}

static size_t read_cb(char *b, size_t size, size_t nmemb, void *userp)
{
	struct e2e_upstream_xfer *x = userp;
	size_t n = x->up->cbs.on_read(x->ctx, b, size * nmemb);

	if (n == E2E_UPSTREAM_READ_PAUSE) {
		x->send_paused = true;
		return CURL_READFUNC_PAUSE;
	}
	x->last_activity = x->up->now;
	return n;
}

static struct e2e_upstream_xfer *xfer_new(struct e2e_upstream *up)
{
	struct e2e_upstream_xfer *x = e2e_xcalloc(1, sizeof(*x));
	CURL *e = curl_easy_init();

	if (!e)
		abort();
	x->up = up;
	x->easy = e;
	curl_easy_setopt(e, CURLOPT_PRIVATE, x);
	curl_easy_setopt(e, CURLOPT_URL, up->base_url);
	curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(e, CURLOPT_TCP_NODELAY, 1L);
	curl_easy_setopt(e, CURLOPT_HTTP_VERSION, (long)CURL_HTTP_VERSION_1_1);
	curl_easy_setopt(e, CURLOPT_HTTP_CONTENT_DECODING, 0L);
	curl_easy_setopt(e, CURLOPT_HEADERFUNCTION, header_cb);
	curl_easy_setopt(e, CURLOPT_HEADERDATA, x);
	curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, write_cb);
	curl_easy_setopt(e, CURLOPT_WRITEDATA, x);
	curl_easy_setopt(e, CURLOPT_READFUNCTION, read_cb);
	curl_easy_setopt(e, CURLOPT_READDATA, x);
	curl_easy_setopt(e, CURLOPT_OPENSOCKETFUNCTION, open_cb);
	curl_easy_setopt(e, CURLOPT_OPENSOCKETDATA, up);
	curl_easy_setopt(e, CURLOPT_CLOSESOCKETFUNCTION, close_cb);
	curl_easy_setopt(e, CURLOPT_CLOSESOCKETDATA, up);
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
	return x;
}

static void xfer_free(struct e2e_upstream_xfer *x)
{
	curl_easy_cleanup(x->easy);
	free(x->req);
	free(x->hoff);
	free(x->nodes);
	free(x->resp);
	free(x->roff);
	free(x);
}

struct e2e_upstream_xfer *e2e_upstream_xfer(struct e2e_upstream *up, void *ctx)
{
	struct e2e_upstream_xfer *x = up->free_list;

	if (x) {
		up->free_list = x->next;
		up->nfree--;
		x->next = NULL;
	} else {
		x = xfer_new(up);
	}
	x->ctx = ctx;
	x->req_len = 0;
	x->nhdr = 0;
	x->has_accept = false;
	head_reset(x);
	x->status = 0;
	x->head_seen = x->in_head = false;
	x->recv_paused = x->send_paused = x->resume_queued = false;
	x->t_start = x->t_first = x->t_end = 0;
	return x;
}

static void req_add(struct e2e_upstream_xfer *x, const char *s, size_t len)
{
	if (x->req_len + len > x->req_cap) {
		size_t n = x->req_cap ? x->req_cap : 2048;
		while (n < x->req_len + len)
			n *= 2;
		x->req = e2e_xrealloc(x->req, n);
		x->req_cap = n;
	}
	memcpy(x->req + x->req_len, s, len);
	x->req_len += len;
}

/* sep ":" for "Name: value" (or "Name:", which removes a header curl
 * would add), ";" for a header sent with an empty value. */
static void header_push(struct e2e_upstream_xfer *x, const char *name, size_t nlen, const char *sep,
			const char *value, size_t vlen)
{
	if (x->nhdr == x->hdr_cap) {
		x->hdr_cap = x->hdr_cap ? 2 * x->hdr_cap : 32;
		x->hoff = e2e_xrealloc(x->hoff, x->hdr_cap * sizeof(*x->hoff));
		x->nodes = e2e_xrealloc(x->nodes, x->hdr_cap * sizeof(*x->nodes));
	}
	x->hoff[x->nhdr++] = x->req_len;
	req_add(x, name, nlen);
	req_add(x, sep, 1);
	if (vlen) {
		req_add(x, " ", 1);
		req_add(x, value, vlen);
	}
	req_add(x, "", 1);
}

void e2e_upstream_add_header(struct e2e_upstream_xfer *x, const char *name, size_t name_len,
			     const char *value, size_t value_len)
{
	if (token_eq(name, name_len, "accept", 6))
		x->has_accept = true;
	header_push(x, name, name_len, value_len ? ":" : ";", value, value_len);
}

void e2e_upstream_start(struct e2e_upstream_xfer *x, const char *method, const char *target,
			size_t target_len, int64_t body_len)
{
	struct e2e_upstream *up = x->up;
	CURL *e = x->easy;
	size_t toff;

	/* Keep curl from adding headers the client did not send. */
	header_push(x, "Expect", 6, ":", "", 0);
	if (!x->has_accept)
		header_push(x, "Accept", 6, ":", "", 0);
	toff = x->req_len;
	if (target_len && target[0] == '/')
		req_add(x, up->prefix, up->prefix_len);
	req_add(x, target, target_len);
	req_add(x, "", 1);
	for (size_t i = 0; i < x->nhdr; i++) {
		x->nodes[i].data = x->req + x->hoff[i];
		x->nodes[i].next = i + 1 < x->nhdr ? &x->nodes[i + 1] : NULL;
	}

	curl_easy_setopt(e, CURLOPT_HTTPGET, 1L);
	curl_easy_setopt(e, CURLOPT_HTTPHEADER, x->nhdr ? x->nodes : NULL);
	curl_easy_setopt(e, CURLOPT_REQUEST_TARGET, x->req + toff);
	if (strcmp(method, "GET") == 0) {
		curl_easy_setopt(e, CURLOPT_CUSTOMREQUEST, NULL);
	} else if (strcmp(method, "HEAD") == 0) {
		curl_easy_setopt(e, CURLOPT_CUSTOMREQUEST, NULL);
		curl_easy_setopt(e, CURLOPT_NOBODY, 1L);
	} else {
		curl_easy_setopt(e, CURLOPT_CUSTOMREQUEST, method);
	}
	if (body_len != -1) {
		curl_easy_setopt(e, CURLOPT_UPLOAD, 1L);
		curl_easy_setopt(e, CURLOPT_INFILESIZE_LARGE, (curl_off_t)(body_len >= 0 ? body_len : -1));
		if (strcmp(method, "PUT") != 0)
			curl_easy_setopt(e, CURLOPT_CUSTOMREQUEST, method);
	}

	up->now = now_ns();
	x->t_start = x->last_activity = up->now;
	x->running = true;
	x->next = up->active;
	x->prev = NULL;
	if (up->active)
		up->active->prev = x;
	up->active = x;
	up->nactive++;
	if (curl_multi_add_handle(up->multi, x->easy) != CURLM_OK) {
		/* Reported from the next e2e_upstream_run() as INTERNAL. */
		x->status = -1;
		up->next_scan = 0;
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
	if (i >= x->nresp)
		return false;
	*name = x->resp + x->roff[2 * i];
	*value = x->resp + x->roff[2 * i + 1];
	return true;
}

int64_t e2e_upstream_content_length(const struct e2e_upstream_xfer *x)
{
	return x->content_length;
}

static uint32_t us_between(uint64_t a, uint64_t b)
{
	uint64_t d = b > a ? (b - a) / 1000u : 0;
	return d > UINT32_MAX ? UINT32_MAX : (uint32_t)d;
}

void e2e_upstream_times(const struct e2e_upstream_xfer *x, uint32_t *ttfb_us, uint32_t *total_us)
{
	*ttfb_us = x->t_first ? us_between(x->t_start, x->t_first) : 0;
	*total_us = x->t_start ? us_between(x->t_start, x->t_end ? x->t_end : now_ns()) : 0;
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
	curl_socket_t s = (curl_socket_t)(uint32_t)data;
	struct sock_state *st = sock_at(up, s);
	int mask = 0;
	int running;

	if ((events & (EPOLLIN | EPOLLOUT)) & ~(uint32_t)st->want || (!st->want && events))
		sock_register(up, s, st, st->want);
	if (!st->want)
		return;
	if (events & EPOLLIN & st->want)
		mask |= CURL_CSELECT_IN;
	if (events & EPOLLOUT & st->want)
		mask |= CURL_CSELECT_OUT;
	if (events & (EPOLLERR | EPOLLHUP))
		mask |= CURL_CSELECT_ERR | ((st->want & EPOLLIN) ? CURL_CSELECT_IN : 0);
	up->now = now_ns();
	curl_multi_socket_action(up->multi, s, mask, &running);
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
		if (!x->running)
			continue;
		x->recv_paused = x->send_paused = false;
		x->last_activity = now;
		curl_easy_pause(x->easy, CURLPAUSE_CONT);
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
			if (x->status == -1)
				finish(x, E2E_EK_INTERNAL, false);
			else if (up->timeout_ns && !x->recv_paused && !x->send_paused &&
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
		const void *src = ai->ai_family == AF_INET6
					  ? (const void *)&((struct sockaddr_in6 *)ai->ai_addr)->sin6_addr
					  : (const void *)&((struct sockaddr_in *)ai->ai_addr)->sin_addr;
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
	char *scheme = NULL, *host = NULL, *port = NULL, *path = NULL, *query = NULL;
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
	curl_url_get(u, CURLUPART_PATH, &path, 0);
	{
		struct e2e_buf b = E2E_BUF_INIT;
		size_t plen = path ? strlen(path) : 0;
		while (plen && path[plen - 1] == '/')
			plen--;
		up->prefix = e2e_xmalloc(plen + 1);
		if (plen)
			memcpy(up->prefix, path, plen);
		up->prefix[plen] = '\0';
		up->prefix_len = plen;
		e2e_buf_printf(&b, "%s://%s:%s/", scheme, host, port ? port : "80");
		up->base_url = e2e_buf_detach(&b, NULL);
	}
	{
		char bare[256];
		size_t hl = strlen(host);
		if (host[0] == '[' && hl >= 2 && hl - 2 < sizeof(bare)) {
			memcpy(bare, host + 1, hl - 2);
			bare[hl - 2] = '\0';
		} else {
			snprintf(bare, sizeof(bare), "%s", host);
		}
		if (host[0] != '[')
			resolve_once(up, bare, port ? port : "80");
	}
out:
	curl_free(scheme);
	curl_free(host);
	curl_free(port);
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
	up->insecure = cfg->insecure;
	up->timer_at = UINT64_MAX;
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
	curl_multi_setopt(up->multi, CURLMOPT_MAXCONNECTS, MAX_CONNECTS);
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
	free(up->prefix);
	free(up);
	curl_global_cleanup();
}
