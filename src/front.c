/* front.c - the proxy's HTTP/1.1 server (see front.h).
 *
 * Descriptors are registered edge-triggered (EPOLLIN | EPOLLOUT |
 * EPOLLRDHUP); a connection remembers whether it may read and write and
 * tries until EAGAIN. Calls from the caller (respond, send, finish,
 * reply, resume, abort) never call back: they write what the socket takes
 * and put the connection on the pending list, which e2e_front_run()
 * drives (so the caller's callbacks never run inside the caller's own
 * calls, e.g. inside an upstream callback).
 *
 * Heads are scanned here, not by Debian's libhttp-parser 2.9.4: its head
 * limit is a compile-time 80 KiB (--max-header-bytes goes to 1 MiB), it
 * refuses a repeated Content-Length even with the same value (RFC 9110
 * 8.6 and http1_req.c accept it) and joins an obs-fold into the value
 * without telling, where http1_req.c must refuse it. The scanner is
 * fuzzed whole (tests/fuzz/fuzz_front.c). */
#include "front.h"

#include <arpa/inet.h>
#include <errno.h>
#include <limits.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <time.h>
#include <unistd.h>

#include "buf.h"
#include "error.h"
#include "http1_req.h"
#include "banned.h"

#define BODY_BUF (32u * 1024u) /* input buffer while reading a request body */
#define KEEP_BUF (16u * 1024u) /* input buffers larger than this are freed between requests */
#define CHUNK_LINE_MAX 4096u /* a chunk-size line with its extensions */
#define OVER_MAX (1024u * 1024u) /* bytes of an oversized head scanned to count it */
#define ACCEPT_BURST 64

enum cstate { S_HEAD, S_BODY, S_WAIT };
enum chstate { CH_SIZE, CH_EXT, CH_DATA, CH_DATA_END, CH_TRAILER };
enum tlist { T_NONE, T_PARTIAL, T_IDLE };

struct e2e_front_conn {
	struct e2e_front *f;
	int fd;
	enum cstate st;
	bool can_read, can_write, rd_eof, dead, pending, closing, rdhup, linger;
	bool keep_alive, http10, expect;
	/* input: bytes [in_off, in_len) not yet consumed */
	char *in;
	size_t in_cap, in_off, in_len;
	/* the head being scanned: from in_off to scan, line state */
	size_t scan, line_len, over;
	bool started; /* a byte of the head came (leading empty lines skipped) */
	char last;
	/* the request */
	void *rctx;
	bool has_req, body_done, paused, resp_started, resp_done, resp_ok, resp_chunked, resp_nobody;
	bool close_after, hdr_open, want_drain, date_given;
	int64_t body_left; /* request: Content-Length bytes left; -2 chunked */
	int64_t resp_len; /* response: its Content-Length, -1 none */
	unsigned resp_status;
	enum chstate ch;
	uint64_t ch_left;
	size_t ch_line;
	/* output: bytes [out_off, out_len) queued */
	char *out;
	size_t out_cap, out_off, out_len;
	/* timers */
	enum tlist tl;
	uint64_t t0;
	struct e2e_front_conn *tprev, *tnext;
	struct e2e_front_conn *pnext; /* pending list */
	struct e2e_front_conn *cprev, *cnext; /* all connections */
	struct e2e_front_field *fields;
	size_t fields_cap;
	char why[256];
	uint8_t peer_len;
	char peer[INET6_ADDRSTRLEN];
};

struct tq {
	struct e2e_front_conn *head, *tail;
};

struct e2e_front {
	struct e2e_front_cbs cbs;
	void *ctx;
	int epfd, listen_fd;
	size_t max_head, out_max;
	unsigned max_conns, nconns;
	bool quiescing;
	struct e2e_front_conn *conns;
	struct e2e_front_conn **byfd; /* connection of a descriptor */
	size_t byfd_cap;
	struct e2e_front_conn *pend;
	struct tq partial, idle;
	time_t date_t;
	char date[40];
};

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* ---- timer lists (oldest first) ---- */

static void t_del(struct e2e_front *f, struct e2e_front_conn *c)
{
	struct tq *q = c->tl == T_PARTIAL ? &f->partial : &f->idle;

	if (c->tl == T_NONE)
		return;
	if (c->tprev)
		c->tprev->tnext = c->tnext;
	else
		q->head = c->tnext;
	if (c->tnext)
		c->tnext->tprev = c->tprev;
	else
		q->tail = c->tprev;
	c->tprev = c->tnext = NULL;
	c->tl = T_NONE;
}

static void t_add(struct e2e_front *f, struct e2e_front_conn *c, enum tlist tl, uint64_t now)
{
	struct tq *q = tl == T_PARTIAL ? &f->partial : &f->idle;

	t_del(f, c);
	c->tl = tl;
	c->t0 = now;
	c->tprev = q->tail;
	if (q->tail)
		q->tail->tnext = c;
	else
		q->head = c;
	q->tail = c;
}

static void pend(struct e2e_front_conn *c)
{
	if (!c->pending) {
		c->pending = true;
		c->pnext = c->f->pend;
		c->f->pend = c;
	}
}

/* ---- output ---- */

static void out_append(struct e2e_front_conn *c, const char *s, size_t n)
{
	if (c->out_off && c->out_off == c->out_len)
		c->out_off = c->out_len = 0;
	if (c->out_cap - c->out_len < n) {
		size_t used = c->out_len - c->out_off, cap = c->out_cap ? c->out_cap : 1024;
		if (c->out_off) {
			memmove(c->out, c->out + c->out_off, used);
			c->out_off = 0;
			c->out_len = used;
		}
		while (cap - used < n)
			cap *= 2;
		if (cap != c->out_cap) {
			c->out = e2e_xrealloc(c->out, cap);
			c->out_cap = cap;
		}
	}
	memcpy(c->out + c->out_len, s, n);
	c->out_len += n;
}

/* Writes what is queued and then the pieces given, in one writev as far
 * as the socket takes it; the rest is queued. */
static void emit(struct e2e_front_conn *c, const struct iovec *piece, int npiece)
{
	struct iovec iov[8];
	int n = 0, first;
	size_t sent = 0, qlen = c->out_len - c->out_off;

	if (c->dead) {
		return;
	}
	if (qlen)
		iov[n++] = (struct iovec){ c->out + c->out_off, qlen };
	for (int i = 0; i < npiece; i++)
		if (piece[i].iov_len)
			iov[n++] = piece[i];
	if (c->can_write && n) {
		struct msghdr m = { .msg_iov = iov, .msg_iovlen = (size_t)n };
		ssize_t w;
		do
			w = sendmsg(c->fd, &m, MSG_NOSIGNAL | MSG_DONTWAIT);
		while (w < 0 && errno == EINTR);
		if (w >= 0) {
			sent = (size_t)w;
		} else if (errno == EAGAIN || errno == EWOULDBLOCK) {
			c->can_write = false;
		} else {
			c->dead = true;
			pend(c);
			return;
		}
	}
	/* drop what went out, queue the rest */
	first = qlen ? 1 : 0;
	if (sent >= qlen) {
		sent -= qlen;
		c->out_off = c->out_len = 0;
		qlen = 0;
	} else {
		c->out_off += sent;
		sent = 0;
	}
	for (int i = first; i < n; i++) {
		if (sent >= iov[i].iov_len) {
			sent -= iov[i].iov_len;
			continue;
		}
		out_append(c, (const char *)iov[i].iov_base + sent, iov[i].iov_len - sent);
		sent = 0;
	}
	/* drive() goes on once the output is out, or the response is
	 * complete and more can be written now; blocked on a full socket, the
	 * EPOLLOUT edge pends it (never a spin: it would starve the loop) */
	if (c->out_len == c->out_off || (c->resp_done && c->can_write))
		pend(c);
}

static void flush(struct e2e_front_conn *c)
{
	if (c->out_len > c->out_off)
		emit(c, NULL, 0);
}

static const char *reason(unsigned s)
{
	switch (s) {
	case 100:
		return "Continue";
	case 101:
		return "Switching Protocols";
	case 200:
		return "OK";
	case 201:
		return "Created";
	case 202:
		return "Accepted";
	case 203:
		return "Non-Authoritative Information";
	case 204:
		return "No Content";
	case 205:
		return "Reset Content";
	case 206:
		return "Partial Content";
	case 207:
		return "Multi-Status";
	case 300:
		return "Multiple Choices";
	case 301:
		return "Moved Permanently";
	case 302:
		return "Found";
	case 303:
		return "See Other";
	case 304:
		return "Not Modified";
	case 307:
		return "Temporary Redirect";
	case 308:
		return "Permanent Redirect";
	case 400:
		return "Bad Request";
	case 401:
		return "Unauthorized";
	case 402:
		return "Payment Required";
	case 403:
		return "Forbidden";
	case 404:
		return "Not Found";
	case 405:
		return "Method Not Allowed";
	case 406:
		return "Not Acceptable";
	case 408:
		return "Request Timeout";
	case 409:
		return "Conflict";
	case 410:
		return "Gone";
	case 411:
		return "Length Required";
	case 412:
		return "Precondition Failed";
	case 413:
		return "Content Too Large";
	case 414:
		return "URI Too Long";
	case 415:
		return "Unsupported Media Type";
	case 416:
		return "Range Not Satisfiable";
	case 417:
		return "Expectation Failed";
	case 418:
		return "I'm a teapot";
	case 421:
		return "Misdirected Request";
	case 422:
		return "Unprocessable Content";
	case 425:
		return "Too Early";
	case 426:
		return "Upgrade Required";
	case 428:
		return "Precondition Required";
	case 429:
		return "Too Many Requests";
	case 431:
		return "Request Header Fields Too Large";
	case 451:
		return "Unavailable For Legal Reasons";
	case 500:
		return "Internal Server Error";
	case 501:
		return "Not Implemented";
	case 502:
		return "Bad Gateway";
	case 503:
		return "Service Unavailable";
	case 504:
		return "Gateway Timeout";
	case 505:
		return "HTTP Version Not Supported";
	default:
		return "Unknown";
	}
}

static const char *date_field(struct e2e_front *f)
{
	time_t t = time(NULL);

	if (t != f->date_t) {
		struct tm tm;
		f->date_t = t;
		if (gmtime_r(&t, &tm))
			strftime(f->date, sizeof(f->date), "Date: %a, %d %b %Y %H:%M:%S GMT\r\n", &tm);
		else
			f->date[0] = '\0';
	}
	return f->date;
}

/* ---- the caller's side of a response ---- */

void e2e_front_respond(struct e2e_front_conn *c, unsigned status, int64_t body_len, bool no_body, bool close)
{
	char line[64];
	int n = snprintf(line, sizeof(line), "HTTP/1.1 %03u %s\r\n", status % 1000, reason(status));

	if (status == 204 || status == 304 || status < 200)
		no_body = true;
	c->resp_started = true;
	c->hdr_open = true;
	c->date_given = false;
	c->resp_nobody = no_body;
	c->resp_chunked = false;
	if (close || !c->keep_alive || c->f->quiescing)
		c->close_after = true;
	if (body_len == -1 && !no_body) {
		if (c->http10)
			c->close_after = true;
		else
			c->resp_chunked = true;
	}
	out_append(c, line, (size_t)n);
	c->resp_len = body_len;
	c->resp_status = status;
}

void e2e_front_field(struct e2e_front_conn *c, const char *name, size_t nlen, const char *value, size_t vlen)
{
	if (!c->hdr_open)
		return;
	if (nlen == 4 && strncasecmp(name, "date", 4) == 0)
		c->date_given = true;
	out_append(c, name, nlen);
	out_append(c, ": ", 2);
	out_append(c, value, vlen);
	out_append(c, "\r\n", 2);
}

static void head_close(struct e2e_front_conn *c)
{
	char cl[48];
	int64_t len = c->resp_len;

	if (!c->hdr_open)
		return;
	c->hdr_open = false;
	if (!c->date_given) {
		const char *d = date_field(c->f);
		out_append(c, d, strlen(d));
	}
	if (c->resp_status == 204 || c->resp_status < 200) {
		/* never a length (RFC 9110 8.6) */
	} else if (len >= 0) {
		int n = snprintf(cl, sizeof(cl), "Content-Length: %lld\r\n", (long long)len);
		out_append(c, cl, (size_t)n);
	} else if (c->resp_chunked) {
		out_append(c, "Transfer-Encoding: chunked\r\n", 28);
	}
	if (c->close_after)
		out_append(c, "Connection: close\r\n\r\n", 21);
	else if (c->http10)
		out_append(c, "Connection: keep-alive\r\n\r\n", 26);
	else
		out_append(c, "\r\n", 2);
}

size_t e2e_front_queued(const struct e2e_front_conn *c)
{
	return c->out_len - c->out_off;
}

bool e2e_front_send(struct e2e_front_conn *c, const char *data, size_t len)
{
	char pre[24];
	struct iovec iov[3];
	int n = 0;

	head_close(c);
	if (c->dead || c->resp_nobody || !len)
		return true;
	if (c->out_len - c->out_off >= c->f->out_max) {
		c->want_drain = true;
		return false;
	}
	if (c->resp_chunked) {
		int pl = snprintf(pre, sizeof(pre), "%zx\r\n", len);
		iov[n++] = (struct iovec){ pre, (size_t)pl };
	}
	iov[n++] = (struct iovec){ (void *)data, len };
	if (c->resp_chunked)
		iov[n++] = (struct iovec){ "\r\n", 2 };
	emit(c, iov, n);
	return true;
}

void e2e_front_finish(struct e2e_front_conn *c, bool ok)
{
	head_close(c);
	if (ok && c->resp_chunked && !c->dead) {
		struct iovec end = { "0\r\n\r\n", 5 };
		emit(c, &end, 1);
	}
	if (!ok)
		c->close_after = true;
	c->resp_done = true;
	c->resp_ok = ok;
	flush(c);
	pend(c);
}

void e2e_front_reply(struct e2e_front_conn *c, unsigned status, const char *body, size_t len, bool close)
{
	e2e_front_respond(c, status, (int64_t)len, c->resp_nobody, close);
	if (len)
		e2e_front_field(c, "Content-Type", 12, "text/plain; charset=utf-8", 25);
	e2e_front_send(c, body, len);
	e2e_front_finish(c, true);
}

void e2e_front_resume(struct e2e_front_conn *c)
{
	if (c->paused) {
		c->paused = false;
		pend(c);
	}
}

void e2e_front_abort(struct e2e_front_conn *c)
{
	c->dead = true;
	pend(c);
}

/* ---- connections ---- */

static void conn_free(struct e2e_front_conn *c)
{
	free(c->in);
	free(c->out);
	free(c->fields);
	free(c);
}

static void conn_close(struct e2e_front_conn *c)
{
	struct e2e_front *f = c->f;

	if (c->has_req) {
		c->has_req = false;
		f->cbs.on_end(c->rctx, false);
	}
	t_del(f, c);
	if (c->cprev)
		c->cprev->cnext = c->cnext;
	else
		f->conns = c->cnext;
	if (c->cnext)
		c->cnext->cprev = c->cprev;
	if ((size_t)c->fd < f->byfd_cap)
		f->byfd[c->fd] = NULL;
	close(c->fd);
	f->nconns--;
	f->cbs.on_conn(f->ctx, false);
	if (c->pending) {
		/* still on the pending list: freed there */
		c->closing = true;
		return;
	}
	conn_free(c);
}

static bool in_room(struct e2e_front_conn *c, size_t want)
{
	if (c->in_off == c->in_len) {
		c->in_off = c->in_len = 0;
		c->scan = 0;
	}
	if (c->in_cap - c->in_len >= want)
		return true;
	if (c->in_off) {
		memmove(c->in, c->in + c->in_off, c->in_len - c->in_off);
		c->in_len -= c->in_off;
		c->scan -= c->in_off;
		c->in_off = 0;
		if (c->in_cap - c->in_len >= want)
			return true;
	}
	return false;
}

static void in_grow(struct e2e_front_conn *c, size_t cap)
{
	if (cap > c->in_cap) {
		c->in = e2e_xrealloc(c->in, cap);
		c->in_cap = cap;
	}
}

/* Reads what the socket has into free space (at most room bytes). Returns
 * the count; 0 at EAGAIN or EOF (rd_eof set) or on error (dead). */
static size_t rd(struct e2e_front_conn *c, size_t room)
{
	ssize_t n;

	if (!c->can_read || c->rd_eof || c->dead || !room)
		return 0;
	do
		n = recv(c->fd, c->in + c->in_len, room, 0);
	while (n < 0 && errno == EINTR);
	if (n > 0) {
		c->in_len += (size_t)n;
		if ((size_t)n < room && !c->rdhup)
			c->can_read = false; /* drained: the next edge says when there is more */
		return (size_t)n;
	}
	if (n == 0)
		c->rd_eof = true;
	else if (errno == EAGAIN || errno == EWOULDBLOCK)
		c->can_read = false;
	else
		c->dead = true;
	return 0;
}

/* ---- request heads ---- */

static bool is_ows(char ch)
{
	return ch == ' ' || ch == '\t';
}

/* The request line: method SP target SP HTTP/1.x. false when it is not one
 * (why says with which status). */
static bool request_line(struct e2e_front_conn *c, const char *s, size_t n, struct e2e_front_req *q, int *st,
			 const char **why)
{
	const char *sp1 = memchr(s, ' ', n), *sp2 = NULL;

	for (size_t i = n; i > 0; i--)
		if (s[i - 1] == ' ') {
			sp2 = s + i - 1;
			break;
		}
	if (!sp1 || sp2 == sp1 || !sp2 || sp1 == s || sp2 == sp1 + 1) {
		/* no method, no target or no version */
		*st = 400;
		*why = "400 bad request: malformed request line\n";
		return false;
	}
	const char *ver = sp2 + 1;
	size_t vlen = n - (size_t)(ver - s);
	if (vlen != 8 || memcmp(ver, "HTTP/1.", 7) != 0 || (ver[7] != '0' && ver[7] != '1')) {
		if (vlen == 8 && memcmp(ver, "HTTP/", 5) == 0 && ver[5] >= '0' && ver[5] <= '9' &&
		    ver[6] == '.' && ver[7] >= '0' && ver[7] <= '9') {
			*st = 505;
			*why = "505 http version not supported\n";
		} else {
			*st = 400;
			*why = "400 bad request: malformed request line\n";
		}
		return false;
	}
	c->http10 = ver[7] == '0';
	q->method = s;
	q->method_len = (size_t)(sp1 - s);
	q->target = sp1 + 1;
	q->target_len = (size_t)(sp2 - sp1 - 1);
	return true;
}

/* Connection tokens: close, keep-alive. */
static void connection_tokens(struct e2e_front_conn *c, const char *v, size_t n)
{
	size_t i = 0;

	while (i < n) {
		size_t a, b;
		while (i < n && (is_ows(v[i]) || v[i] == ','))
			i++;
		a = i;
		while (i < n && v[i] != ',')
			i++;
		b = i;
		while (b > a && is_ows(v[b - 1]))
			b--;
		if (b - a == 5 && strncasecmp(v + a, "close", 5) == 0)
			c->keep_alive = false;
		else if (b - a == 10 && strncasecmp(v + a, "keep-alive", 10) == 0 && c->http10)
			c->keep_alive = true;
	}
}

static void dispatch(struct e2e_front_conn *c, struct e2e_front_req *q)
{
	struct e2e_front *f = c->f;

	c->has_req = true;
	c->body_done = false;
	c->paused = false;
	c->resp_started = c->resp_done = c->resp_ok = c->resp_chunked = false;
	c->resp_nobody = q->head_method;
	c->hdr_open = c->want_drain = false;
	c->st = S_WAIT;
	q->peer = c->peer;
	q->peer_len = c->peer_len;
	c->rctx = f->cbs.on_request(f->ctx, c, q);
	if (q->status) {
		c->close_after = true;
		c->body_done = true;
		return;
	}
	if (q->body_len == -1 || q->body_len == 0) {
		c->body_done = true;
		f->cbs.on_body_end(c->rctx, 0, NULL);
		return;
	}
	c->st = S_BODY;
	c->body_left = q->body_len;
	c->ch = CH_SIZE;
	c->ch_left = 0;
	c->ch_line = 0;
	if (c->expect && !c->http10 && !c->resp_started) {
		struct iovec iov = { "HTTP/1.1 100 Continue\r\n\r\n", 25 };
		emit(c, &iov, 1);
	}
	in_grow(c, BODY_BUF);
	t_add(f, c, T_IDLE, now_ns());
}

/* A complete head in [in_off, end): parses it, judges it and hands it to
 * the caller, or refuses it without one. */
static void head_done(struct e2e_front_conn *c, size_t end)
{
	struct e2e_front *f = c->f;
	struct e2e_front_req q = { .body_len = -1 };
	struct e2e_http1_req chk;
	const char *s = c->in + c->in_off, *e = c->in + end, *nl;
	size_t nf = 0, size = end - c->in_off + c->over;
	int st = 0;
	const char *why = NULL;

	t_del(f, c);
	c->keep_alive = true;
	c->expect = false;
	c->close_after = false;
	nl = memchr(s, '\n', (size_t)(e - s));
	if (!nl || !request_line(c, s, (size_t)(nl - s) - (nl > s && nl[-1] == '\r'), &q, &st, &why)) {
		if (!st) {
			st = 431;
			why = c->why;
			snprintf(c->why, sizeof(c->why),
				 "431 request header fields too large: the request line is over the proxy's "
				 "limit of %zu bytes (e2e perf-profile --max-header-bytes raises it)\n",
				 f->max_head);
		}
		c->in_off = c->in_len = c->scan = 0;
		c->over = 0;
		c->has_req = false;
		c->st = S_WAIT;
		c->resp_nobody = false;
		c->keep_alive = false;
		c->rctx = NULL;
		e2e_front_reply(c, (unsigned)st, why, strlen(why), true);
		return;
	}
	c->keep_alive = !c->http10;
	q.head_method = q.method_len == 4 && memcmp(q.method, "HEAD", 4) == 0;
	if (size > f->max_head) {
		snprintf(c->why, sizeof(c->why),
			 c->over >= OVER_MAX
				 ? "431 request header fields too large: the request head is over %zu "
				   "bytes, over the proxy's limit of %zu bytes (e2e perf-profile "
				   "--max-header-bytes raises it)\n"
				 : "431 request header fields too large: the request head is %zu bytes, "
				   "over the proxy's limit of %zu bytes (e2e perf-profile "
				   "--max-header-bytes raises it)\n",
			 size, f->max_head);
		q.status = 431;
		q.why = c->why;
		c->in_off = c->in_len = c->scan = 0;
		c->over = 0;
		dispatch(c, &q);
		return;
	}
	st = e2e_http1_req_line(q.method, q.method_len, q.target, q.target_len, &chk.v);
	if (st) {
		q.status = st;
		q.why = chk.v.why;
	} else {
		e2e_http1_req_init(&chk);
		for (const char *l = nl + 1; l < e;) {
			const char *le = memchr(l, '\n', (size_t)(e - l));
			size_t ll = (size_t)(le - l);
			if (ll && l[ll - 1] == '\r')
				ll--;
			if (!ll)
				break;
			if (is_ows(l[0])) {
				e2e_http1_req_folded(&chk);
				break;
			}
			const char *colon = memchr(l, ':', ll);
			if (!colon) {
				chk.v.status = 400;
				chk.v.why = "400 bad request: header line without a colon\n";
				break;
			}
			const char *v = colon + 1, *ve = l + ll;
			while (v < ve && is_ows(*v))
				v++;
			while (ve > v && is_ows(ve[-1]))
				ve--;
			if (nf == c->fields_cap) {
				c->fields_cap = c->fields_cap ? 2 * c->fields_cap : 32;
				c->fields = e2e_xrealloc(c->fields, c->fields_cap * sizeof(*c->fields));
			}
			struct e2e_front_field *fl = &c->fields[nf++];
			fl->name = l;
			fl->nlen = (size_t)(colon - l);
			fl->value = v;
			fl->vlen = (size_t)(ve - v);
			if (!e2e_http1_req_field(&chk, fl->name, fl->nlen, fl->value, fl->vlen))
				break;
			if (fl->nlen == 10 && strncasecmp(fl->name, "connection", 10) == 0)
				connection_tokens(c, fl->value, fl->vlen);
			else if (fl->nlen == 6 && strncasecmp(fl->name, "expect", 6) == 0 && fl->vlen == 12 &&
				 strncasecmp(fl->value, "100-continue", 12) == 0)
				c->expect = true;
			((char *)colon)[0] = '\0';
			((char *)ve)[0] = '\0';
			l = le + 1;
		}
		if (chk.v.status)
			st = chk.v.status;
		else
			st = e2e_http1_req_end(&chk, &q.body_len);
		if (st) {
			q.status = st;
			q.why = chk.v.why;
		}
	}
	q.fields = c->fields;
	q.nfields = nf;
	c->in_off = end;
	c->scan = end;
	c->over = 0;
	dispatch(c, &q);
}

/* Scans [scan, in_len) for the end of the head (an empty line). Returns
 * the offset past it, or 0. */
static size_t head_scan(struct e2e_front_conn *c)
{
	for (size_t i = c->scan; i < c->in_len; i++) {
		char ch = c->in[i];
		if (!c->started) {
			if (ch == '\r' || ch == '\n') {
				c->in_off = i + 1; /* empty lines before the request line */
				continue;
			}
			c->started = true;
		}
		if (ch == '\n') {
			if (c->line_len == 0 || (c->line_len == 1 && c->last == '\r')) {
				c->scan = i + 1;
				return i + 1;
			}
			c->line_len = 0;
		} else {
			c->line_len++;
		}
		c->last = ch;
	}
	c->scan = c->in_len;
	return 0;
}

static void head_reset(struct e2e_front_conn *c)
{
	c->scan = c->in_off;
	c->line_len = 0;
	c->last = 0;
	c->over = 0;
	c->started = false;
}

/* Reads and scans a head; returns true when it handed one over (or
 * refused it). */
static bool step_head(struct e2e_front_conn *c)
{
	struct e2e_front *f = c->f;

	for (;;) {
		size_t end = head_scan(c);
		if (end) {
			head_done(c, end);
			return true;
		}
		if (c->in_len > c->in_off && c->tl != T_PARTIAL)
			t_add(f, c, T_PARTIAL, now_ns());
		if (c->in_len - c->in_off > f->max_head) {
			/* too large: keep max_head bytes (the request line), count the rest */
			size_t keep = c->in_off + f->max_head;
			c->over += c->in_len - keep;
			c->in_len = keep;
			c->scan = keep;
			if (c->over >= OVER_MAX) {
				head_done(c, keep);
				return true;
			}
		}
		if (c->rd_eof || c->dead)
			return false;
		if (!in_room(c, 1)) {
			size_t used = c->in_len - c->in_off;
			size_t cap = c->in_cap ? c->in_cap * 2 : E2E_FRONT_BUF_MIN;
			if (used >= f->max_head)
				cap = c->in_off + f->max_head + E2E_FRONT_BUF_MIN;
			else if (cap > f->max_head + E2E_FRONT_BUF_MIN)
				cap = f->max_head + E2E_FRONT_BUF_MIN;
			in_grow(c, cap);
			if (!in_room(c, 1))
				return false;
		}
		if (!rd(c, c->in_cap - c->in_len))
			return false;
	}
}

/* ---- request bodies ---- */

static void body_bad(struct e2e_front_conn *c, const char *why)
{
	c->body_done = true;
	c->st = S_WAIT;
	c->close_after = true;
	t_del(c->f, c);
	c->f->cbs.on_body_end(c->rctx, 400, why);
}

static void body_end(struct e2e_front_conn *c)
{
	c->body_done = true;
	c->st = S_WAIT;
	t_del(c->f, c);
	c->f->cbs.on_body_end(c->rctx, 0, NULL);
}

static int hexval(char ch)
{
	if (ch >= '0' && ch <= '9')
		return ch - '0';
	if (ch >= 'a' && ch <= 'f')
		return ch - 'a' + 10;
	if (ch >= 'A' && ch <= 'F')
		return ch - 'A' + 10;
	return -1;
}

/* Hands over the body bytes in the buffer; false when the caller took
 * fewer than offered (paused) or the body ended. */
static bool body_feed(struct e2e_front_conn *c)
{
	struct e2e_front *f = c->f;

	while (c->in_off < c->in_len && c->st == S_BODY) {
		const char *p = c->in + c->in_off;
		size_t n = c->in_len - c->in_off;
		if (c->body_left >= 0) {
			size_t want = n < (uint64_t)c->body_left ? n : (size_t)c->body_left;
			size_t took = f->cbs.on_body(c->rctx, p, want);
			c->in_off += took;
			c->body_left -= (int64_t)took;
			if (!c->body_left) {
				body_end(c);
				return false;
			}
			if (took < want) {
				c->paused = true;
				return false;
			}
			continue;
		}
		/* chunked */
		switch (c->ch) {
		case CH_SIZE: {
			int h = hexval(*p);
			if (h >= 0) {
				if (c->ch_left > (UINT64_MAX >> 5)) {
					body_bad(c, "400 bad request: chunk size too large\n");
					return false;
				}
				c->ch_left = c->ch_left * 16 + (uint64_t)h;
				c->ch_line++;
				c->in_off++;
				break;
			}
			if (!c->ch_line || !strchr(";\r\n \t", *p) || !*p) {
				body_bad(c, "400 bad request: invalid chunked encoding\n");
				return false;
			}
			c->ch = CH_EXT;
			break;
		}
		case CH_EXT: {
			const char *nl = memchr(p, '\n', n);
			size_t take = nl ? (size_t)(nl - p) + 1 : n;
			c->ch_line += take;
			c->in_off += take;
			if (c->ch_line > CHUNK_LINE_MAX) {
				body_bad(c, "400 bad request: chunk-size line too long\n");
				return false;
			}
			if (nl) {
				c->ch_line = 0;
				c->last = 0;
				c->over = 0;
				c->ch = c->ch_left ? CH_DATA : CH_TRAILER;
			}
			break;
		}
		case CH_DATA: {
			size_t want = n < c->ch_left ? n : (size_t)c->ch_left;
			size_t took = f->cbs.on_body(c->rctx, p, want);
			c->in_off += took;
			c->ch_left -= took;
			if (!c->ch_left) {
				c->ch = CH_DATA_END;
				c->ch_line = 0;
			}
			if (took < want) {
				c->paused = true;
				return false;
			}
			break;
		}
		case CH_DATA_END:
			if (*p == '\r' && c->ch_line == 0) {
				c->ch_line = 1;
				c->in_off++;
			} else if (*p == '\n') {
				c->in_off++;
				c->ch = CH_SIZE;
				c->ch_line = 0;
			} else {
				body_bad(c, "400 bad request: invalid chunked encoding\n");
				return false;
			}
			break;
		case CH_TRAILER:
			/* trailer lines, ignored, until an empty one */
			c->in_off++;
			if (++c->over > f->max_head) {
				body_bad(c, "400 bad request: trailer section too large\n");
				return false;
			}
			if (*p == '\n') {
				if (c->ch_line == 0 || (c->ch_line == 1 && c->last == '\r')) {
					body_end(c);
					return false;
				}
				c->ch_line = 0;
			} else {
				c->ch_line++;
			}
			c->last = *p;
			break;
		}
	}
	return c->st == S_BODY;
}

static void step_body(struct e2e_front_conn *c)
{
	for (;;) {
		if (!body_feed(c))
			return;
		if (c->paused || c->rd_eof || c->dead)
			return;
		in_room(c, BODY_BUF / 2);
		if (!rd(c, c->in_cap - c->in_len))
			return;
		t_add(c->f, c, T_IDLE, now_ns());
	}
}

static void linger_start(struct e2e_front_conn *c);

/* The response is out: the next request, or the end of the connection. */
static void req_over(struct e2e_front_conn *c)
{
	struct e2e_front *f = c->f;
	bool ok = c->resp_ok;

	c->has_req = false;
	f->cbs.on_end(c->rctx, ok);
	c->rctx = NULL;
	if (!ok || !c->body_done) {
		c->dead = true;
		return;
	}
	if (c->close_after) {
		linger_start(c);
		return;
	}
	c->st = S_HEAD;
	head_reset(c);
	if (c->in_cap > KEEP_BUF && c->in_off == c->in_len) {
		free(c->in);
		c->in = NULL;
		c->in_cap = c->in_off = c->in_len = 0;
		c->scan = 0;
	}
	if (c->in_len > c->in_off)
		t_add(f, c, T_PARTIAL, now_ns());
	else
		t_add(f, c, T_IDLE, now_ns());
}

/* After a response that closes the connection: no more writes, and what
 * the client still sends is read and dropped for a while (closing with
 * unread bytes would reset the connection, and the client could lose the
 * response), then closed. */
static void linger_start(struct e2e_front_conn *c)
{
	shutdown(c->fd, SHUT_WR);
	c->linger = true;
	t_add(c->f, c, T_PARTIAL, now_ns());
}

static void linger_read(struct e2e_front_conn *c)
{
	c->in_off = c->in_len = c->scan = 0;
	if (!c->in)
		in_grow(c, E2E_FRONT_BUF_MIN);
	while (rd(c, c->in_cap))
		c->in_len = 0;
	if (c->rd_eof)
		c->dead = true;
}

/* Does everything the connection can do now. */
static void drive(struct e2e_front_conn *c)
{
	for (int guard = 0; guard < 64; guard++) {
		if (c->dead) {
			conn_close(c);
			return;
		}
		if (c->linger) {
			linger_read(c);
			if (c->dead)
				continue;
			return;
		}
		flush(c);
		if (c->dead)
			continue;
		if (c->want_drain && c->out_len == c->out_off && c->has_req) {
			c->want_drain = false;
			c->f->cbs.on_drain(c->rctx);
			continue;
		}
		if (c->st == S_WAIT) {
			if (c->has_req && c->resp_done && c->out_len == c->out_off &&
			    (c->body_done || !c->resp_ok)) {
				req_over(c);
				continue;
			}
			if (!c->has_req && c->resp_done && c->out_len == c->out_off) {
				linger_start(c);
				continue;
			}
			if (c->has_req && c->resp_done && c->out_len == c->out_off && !c->body_done) {
				c->dead = true;
				continue;
			}
			return;
		}
		if (c->st == S_BODY) {
			if (c->paused)
				return;
			step_body(c);
			if (c->st == S_BODY) {
				if (c->dead || c->rd_eof) {
					c->dead = true;
					continue;
				}
				return;
			}
			continue;
		}
		/* S_HEAD */
		if (c->f->quiescing && c->in_len == c->in_off) {
			c->dead = true;
			continue;
		}
		if (!step_head(c)) {
			if (c->rd_eof || c->dead) {
				c->dead = true;
				continue;
			}
			return;
		}
	}
	pend(c); /* more to do: next round */
}

/* A connected client socket becomes a connection (ss: its address). */
static int conn_add(struct e2e_front *f, int fd, const struct sockaddr_storage *ss)
{
	struct epoll_event ev = { .events = EPOLLIN | EPOLLOUT | EPOLLRDHUP | EPOLLET };
	struct e2e_front_conn *c, *oldest = NULL;
	size_t same = 0;
	int one = 1;

	if (f->nconns >= f->max_conns)
		return -1;
	c = e2e_xcalloc(1, sizeof(*c));
	c->f = f;
	c->fd = fd;
	c->st = S_HEAD;
	c->can_write = true;
	c->can_read = true;
	if (ss->ss_family == AF_INET)
		inet_ntop(AF_INET, &((const struct sockaddr_in *)(const void *)ss)->sin_addr, c->peer,
			  sizeof(c->peer));
	else if (ss->ss_family == AF_INET6)
		inet_ntop(AF_INET6, &((const struct sockaddr_in6 *)(const void *)ss)->sin6_addr, c->peer,
			  sizeof(c->peer));
	c->peer_len = (uint8_t)strlen(c->peer);
	if (ss->ss_family != AF_UNIX)
		setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	ev.data.u64 = E2E_FRONT_EV_TAG | (uint32_t)fd;
	if (epoll_ctl(f->epfd, EPOLL_CTL_ADD, fd, &ev) < 0) {
		free(c);
		return -1;
	}
	if ((size_t)fd >= f->byfd_cap) {
		size_t cap = f->byfd_cap ? f->byfd_cap : 256;
		while (cap <= (size_t)fd)
			cap *= 2;
		f->byfd = e2e_xrealloc(f->byfd, cap * sizeof(*f->byfd));
		memset(f->byfd + f->byfd_cap, 0, (cap - f->byfd_cap) * sizeof(*f->byfd));
		f->byfd_cap = cap;
	}
	f->byfd[fd] = c;
	c->cnext = f->conns;
	if (f->conns)
		f->conns->cprev = c;
	f->conns = c;
	f->nconns++;
	f->cbs.on_conn(f->ctx, true);
	t_add(f, c, T_PARTIAL, now_ns());
	/* past E2E_FRONT_PARTIAL_PER_PEER in a head from this address, the oldest goes */
	for (struct e2e_front_conn *o = f->partial.tail; o; o = o->tprev)
		if (o->peer_len == c->peer_len && memcmp(o->peer, c->peer, c->peer_len) == 0) {
			same++;
			oldest = o;
		}
	if (same > E2E_FRONT_PARTIAL_PER_PEER && oldest && oldest != c) {
		oldest->dead = true;
		pend(oldest);
	}
	pend(c);
	return 0;
}

static void accept_some(struct e2e_front *f)
{
	for (int i = 0; i < ACCEPT_BURST; i++) {
		struct sockaddr_storage ss;
		socklen_t sl = sizeof(ss);
		int fd = accept4(f->listen_fd, (struct sockaddr *)&ss, &sl, SOCK_NONBLOCK | SOCK_CLOEXEC);

		if (fd < 0)
			return;
		if (conn_add(f, fd, &ss) < 0)
			close(fd);
	}
}

int e2e_front_adopt(struct e2e_front *f, int fd)
{
	struct sockaddr_storage ss = { .ss_family = AF_UNIX };

	return conn_add(f, fd, &ss) < 0 ? e2e_error(E2E_ERR_RUNTIME, "cannot add a connection") : 0;
}

static struct e2e_front_conn *find(struct e2e_front *f, int fd);

void e2e_front_event(struct e2e_front *f, uint64_t data, uint32_t events)
{
	int fd = (int)(uint32_t)data;
	struct e2e_front_conn *c;

	if (fd == f->listen_fd) {
		accept_some(f);
		return;
	}
	c = find(f, fd);
	if (!c)
		return;
	if (events & (EPOLLIN | EPOLLRDHUP))
		c->can_read = true;
	if (events & EPOLLRDHUP)
		c->rdhup = true;
	if (events & EPOLLOUT)
		c->can_write = true;
	if (events & (EPOLLERR | EPOLLHUP)) {
		c->can_read = c->can_write = true;
		if (c->st != S_HEAD || c->in_len == c->in_off)
			c->dead = c->dead || (events & EPOLLERR) || c->st == S_WAIT;
	}
	pend(c);
}

/* The pending connections: driven, or (closed already) freed. */
static void pend_run(struct e2e_front *f, bool drive_them)
{
	while (f->pend) {
		struct e2e_front_conn *c = f->pend;
		f->pend = c->pnext;
		c->pending = false;
		if (c->closing)
			conn_free(c);
		else if (drive_them)
			drive(c);
	}
}

void e2e_front_run(struct e2e_front *f, uint64_t now)
{
	pend_run(f, true);
	while (f->partial.head && f->partial.head->t0 + E2E_FRONT_HEAD_NS <= now) {
		struct e2e_front_conn *c = f->partial.head;
		t_del(f, c);
		c->dead = true;
		drive(c);
	}
	while (f->idle.head && f->idle.head->t0 + E2E_FRONT_IDLE_NS <= now) {
		struct e2e_front_conn *c = f->idle.head;
		t_del(f, c);
		c->dead = true;
		drive(c);
	}
	pend_run(f, true);
}

int e2e_front_wait_ms(const struct e2e_front *f, uint64_t now)
{
	int w = -1;

	if (f->pend)
		return 0;
	if (f->partial.head) {
		uint64_t at = f->partial.head->t0 + E2E_FRONT_HEAD_NS;
		w = at > now ? (int)((at - now + 999999) / 1000000) : 0;
	}
	if (f->idle.head) {
		uint64_t at = f->idle.head->t0 + E2E_FRONT_IDLE_NS;
		int iw = at > now ? (int)((at - now + 999999) / 1000000) : 0;
		if (w < 0 || iw < w)
			w = iw;
	}
	return w;
}

void e2e_front_quiesce(struct e2e_front *f)
{
	if (f->listen_fd >= 0) {
		epoll_ctl(f->epfd, EPOLL_CTL_DEL, f->listen_fd, NULL);
		close(f->listen_fd);
		f->listen_fd = -1;
	}
	f->quiescing = true;
	for (struct e2e_front_conn *c = f->conns; c; c = c->cnext) {
		c->close_after = true;
		pend(c);
	}
}

void e2e_front_close_all(struct e2e_front *f)
{
	while (f->conns)
		conn_close(f->conns);
	pend_run(f, false);
}

static struct e2e_front_conn *find(struct e2e_front *f, int fd)
{
	return fd >= 0 && (size_t)fd < f->byfd_cap ? f->byfd[fd] : NULL;
}

int e2e_front_create(const struct e2e_front_config *cfg, const struct e2e_front_cbs *cbs, void *ctx,
		     struct e2e_front **out)
{
	struct e2e_front *f = e2e_xcalloc(1, sizeof(*f));
	struct epoll_event ev = { .events = EPOLLIN };

	f->cbs = *cbs;
	f->ctx = ctx;
	f->epfd = cfg->epfd;
	f->listen_fd = cfg->listen_fd;
	f->max_head = cfg->max_head;
	f->out_max = cfg->out_max;
	f->max_conns = cfg->max_conns;
	f->date_t = (time_t)-1;
	ev.data.u64 = E2E_FRONT_EV_TAG | (uint32_t)cfg->listen_fd;
	if (cfg->listen_fd >= 0 && epoll_ctl(f->epfd, EPOLL_CTL_ADD, cfg->listen_fd, &ev) < 0) {
		int err = errno;
		free(f);
		return e2e_error(E2E_ERR_RUNTIME, "cannot add the listening socket to the event loop: %s",
				 strerror(err));
	}
	*out = f;
	return 0;
}

void e2e_front_destroy(struct e2e_front *f)
{
	if (!f)
		return;
	e2e_front_close_all(f);
	if (f->listen_fd >= 0)
		close(f->listen_fd);
	free(f->byfd);
	free(f);
}
