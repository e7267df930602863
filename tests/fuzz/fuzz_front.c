/* fuzz_front.c - the proxy's HTTP/1.1 server (front.h) on arbitrary bytes
 * from a client: request heads, bodies (Content-Length, chunked),
 * pipelining, as the real code reads them from a socket.
 *
 * The first byte picks how the rest is written to one end of a
 * socketpair whose other end the front serves: in pieces of 1 to 64
 * bytes (low six bits + 1), or whole (top bit). Then the client end is
 * shut for writing and the front runs until it closes the connection
 * (bounded). The caller's side answers each request at once: a refused
 * one with its status and reason (closing), a broken body with 400, any
 * other with 200 "ok" once its body is in. Checked: every request handed
 * over ends exactly once (on_end); a refusal's status is 400, 431, 501 or
 * 505 with a reason that starts with it and ends in a newline; field
 * values are NUL-terminated at their length; what the client reads
 * starts with "HTTP/1.1 "; no connection is left open in the end.
 * Returns 0, or E2E_ERR_INPUT when a request was refused (or the first
 * response is a 4xx or 5xx). */
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include "error.h"
#include "front.h"
#include "fuzz.h"

struct fz {
	int requests, ended, open;
	bool refused;
};

struct fz_req {
	struct fz *z;
	struct e2e_front_conn *c;
	bool answered;
};

static void *fz_request(void *ctx, struct e2e_front_conn *c, const struct e2e_front_req *q)
{
	struct fz *z = ctx;
	struct fz_req *r = calloc(1, sizeof(*r));

	E2E_FUZZ_CHECK(r != NULL);
	r->z = z;
	r->c = c;
	z->requests++;
	E2E_FUZZ_CHECK(q->method_len > 0);
	if (q->status) {
		char st[5];
		E2E_FUZZ_CHECK(q->status == 400 || q->status == 431 || q->status == 501 || q->status == 505);
		E2E_FUZZ_CHECK(q->why != NULL && q->why[strlen(q->why) - 1] == '\n');
		snprintf(st, sizeof(st), "%d ", q->status);
		E2E_FUZZ_CHECK(strncmp(q->why, st, 4) == 0);
		z->refused = true;
		r->answered = true;
		e2e_front_reply(c, (unsigned)q->status, q->why, strlen(q->why), true);
		return r;
	}
	for (size_t i = 0; i < q->nfields; i++) {
		E2E_FUZZ_CHECK(q->fields[i].nlen > 0);
		E2E_FUZZ_CHECK(strlen(q->fields[i].value) == q->fields[i].vlen);
	}
	E2E_FUZZ_CHECK(q->body_len >= -2);
	return r;
}

static size_t fz_body(void *rctx, const char *data, size_t len)
{
	(void)rctx;
	(void)data;
	return len;
}

static void fz_body_end(void *rctx, int bad, const char *why)
{
	struct fz_req *r = rctx;

	E2E_FUZZ_CHECK(!r->answered);
	r->answered = true;
	if (bad) {
		E2E_FUZZ_CHECK(bad == 400 && why && strncmp(why, "400 ", 4) == 0);
		r->z->refused = true;
		e2e_front_reply(r->c, 400, why, strlen(why), true);
		return;
	}
	e2e_front_respond(r->c, 200, -1, false, false);
	e2e_front_send(r->c, "ok\n", 3);
	e2e_front_finish(r->c, true);
}

static void fz_drain(void *rctx)
{
	(void)rctx;
}

static void fz_end(void *rctx, bool ok)
{
	struct fz_req *r = rctx;

	(void)ok;
	r->z->ended++;
	free(r);
}

static void fz_conn(void *ctx, bool open)
{
	struct fz *z = ctx;

	z->open += open ? 1 : -1;
}

static const struct e2e_front_cbs fz_cbs = {
	.on_request = fz_request,
	.on_body = fz_body,
	.on_body_end = fz_body_end,
	.on_drain = fz_drain,
	.on_end = fz_end,
	.on_conn = fz_conn,
};

/* Runs the front once: its events, then what is pending. */
static void fz_step(struct e2e_front *f, int epfd)
{
	struct epoll_event evs[8];
	int n = epoll_wait(epfd, evs, 8, 0);

	for (int i = 0; i < n; i++)
		e2e_front_event(f, evs[i].data.u64, evs[i].events);
	e2e_front_run(f, 0);
}

/* Reads what the front wrote; checks each status line at the start of a
 * response it can find (after a blank line). Returns false at EOF. */
static bool fz_read(int fd, char *tail, size_t *tail_len)
{
	char buf[65536];
	ssize_t n = read(fd, buf, sizeof(buf));

	if (n == 0)
		return false;
	if (n < 0)
		return errno == EAGAIN;
	if (*tail_len < 12) {
		size_t k = 12 - *tail_len < (size_t)n ? 12 - *tail_len : (size_t)n;
		memcpy(tail + *tail_len, buf, k);
		*tail_len += k;
		if (*tail_len == 12)
			E2E_FUZZ_CHECK(memcmp(tail, "HTTP/1.1 ", 9) == 0);
	}
	return true;
}

int e2e_fuzz_front(const uint8_t *data, size_t size)
{
	struct fz z = { 0 };
	struct e2e_front *f = NULL;
	struct e2e_front_config cfg = { .listen_fd = -1, .max_head = 4096, .out_max = 65536, .max_conns = 4 };
	int sv[2], epfd;
	size_t piece, off = 1;
	char tail[12];
	size_t tail_len = 0;
	bool open = true;

	if (!size)
		return 0;
	piece = (data[0] & 0x80) ? size : (size_t)(data[0] & 0x3f) + 1;
	epfd = epoll_create1(EPOLL_CLOEXEC);
	E2E_FUZZ_CHECK(epfd >= 0);
	E2E_FUZZ_CHECK(socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0, sv) == 0);
	cfg.epfd = epfd;
	E2E_FUZZ_CHECK(e2e_front_create(&cfg, &fz_cbs, &z, &f) == 0);
	E2E_FUZZ_CHECK(e2e_front_adopt(f, sv[1]) == 0);
	for (int guard = 0; off < size && guard < 100000; guard++) {
		size_t n = size - off < piece ? size - off : piece;
		ssize_t w = write(sv[0], data + off, n);
		if (w > 0)
			off += (size_t)w;
		else if (w < 0 && errno != EAGAIN)
			break; /* the front closed: the rest is not read */
		fz_step(f, epfd);
		if (!fz_read(sv[0], tail, &tail_len)) {
			open = false;
			break;
		}
	}
	shutdown(sv[0], SHUT_WR);
	for (int guard = 0; open && guard < 1000; guard++) {
		fz_step(f, epfd);
		open = fz_read(sv[0], tail, &tail_len);
	}
	e2e_front_destroy(f);
	E2E_FUZZ_CHECK(z.ended == z.requests);
	E2E_FUZZ_CHECK(z.open == 0);
	close(sv[0]);
	close(epfd);
	/* refused by the caller's side, or by the front itself (no request line) */
	if (tail_len == 12 && tail[9] >= '4')
		z.refused = true;
	return z.refused ? E2E_ERR_INPUT : 0;
}

E2E_FUZZ_TARGET(e2e_fuzz_front)
