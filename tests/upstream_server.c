#include "upstream_server.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define HEAD_MAX 65536
#define MAX_DELAYS 16
#define PATTERN_BLOCK 65536

struct conn {
	struct tus *s;
	pthread_t thread;
	int fd; /* -1 once closed (under s->mu) */
	atomic_bool done;
	struct conn *next;
};

struct tus {
	int lfd;
	uint16_t port;
	char url[64];
	pthread_t accept_thread;
	atomic_bool stopping;
	pthread_mutex_t mu;
	struct conn *conns;
	struct {
		char path[128];
		unsigned ms;
	} delays[MAX_DELAYS];
	size_t ndelays;
	char *last;
	unsigned long requests, connections;
};

/* Reads a connection: bytes already received first, then the socket. */
struct rd {
	int fd;
	char *buf;
	size_t off, len;
};

static char pattern[PATTERN_BLOCK + 26];
static const char chunked_body[] = "6\r\nhello \r\n8\r\nchunked \r\n6\r\nworld\n\r\n0\r\n\r\n";

uint32_t tus_checksum(uint32_t h, const void *data, size_t len)
{
	const unsigned char *p = data;

	for (size_t i = 0; i < len; i++) {
		h ^= p[i];
		h *= 16777619u;
	}
	return h;
}

static bool send_all(int fd, const void *data, size_t len)
{
	const char *p = data;

	while (len) {
		ssize_t n = send(fd, p, len, MSG_NOSIGNAL);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return false;
		p += n;
		len -= (size_t)n;
	}
	return true;
}

static bool sendf(int fd, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static bool sendf(int fd, const char *fmt, ...)
{
	char buf[4096];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	return n > 0 && (size_t)n < sizeof(buf) && send_all(fd, buf, (size_t)n);
}

static ssize_t rd_read(struct rd *r, char *out, size_t max)
{
	if (r->off < r->len) {
		size_t n = r->len - r->off;
		if (n > max)
			n = max;
		memcpy(out, r->buf + r->off, n);
		r->off += n;
		return (ssize_t)n;
	}
	for (;;) {
		ssize_t n = recv(r->fd, out, max, 0);
		if (n < 0 && errno == EINTR)
			continue;
		return n;
	}
}

static bool rd_line(struct rd *r, char *line, size_t max)
{
	size_t n = 0;

	for (;;) {
		char c;
		if (rd_read(r, &c, 1) != 1)
			return false;
		if (c == '\n')
			break;
		if (n + 1 < max && c != '\r')
			line[n++] = c;
	}
	line[n] = '\0';
	return true;
}

struct sink {
	uint64_t len;
	uint32_t sum;
	char *data; /* NULL unless keeping */
	size_t cap;
	bool keep;
};

static void sink_add(struct sink *k, const char *p, size_t n)
{
	k->len += n;
	k->sum = tus_checksum(k->sum, p, n);
	if (k->keep) {
		if (k->len > k->cap) {
			k->cap = k->len * 2;
			k->data = realloc(k->data, k->cap);
			if (!k->data)
				abort();
		}
		memcpy(k->data + k->len - n, p, n);
	}
}

static bool read_body(struct rd *r, long long cl, bool chunked, struct sink *k)
{
	char buf[16384];

	if (chunked) {
		for (;;) {
			char line[128];
			unsigned long long sz;
			if (!rd_line(r, line, sizeof(line)))
				return false;
			sz = strtoull(line, NULL, 16);
			if (sz == 0) {
				/* trailers until an empty line */
				do {
					if (!rd_line(r, line, sizeof(line)))
						return false;
				} while (line[0]);
				return true;
			}
			while (sz) {
				ssize_t n = rd_read(r, buf, sz < sizeof(buf) ? sz : sizeof(buf));
				if (n <= 0)
					return false;
				sink_add(k, buf, (size_t)n);
				sz -= (unsigned long long)n;
			}
			if (!rd_line(r, line, sizeof(line)))
				return false;
		}
	}
	while (cl > 0) {
		ssize_t n = rd_read(r, buf, (size_t)cl < sizeof(buf) ? (size_t)cl : sizeof(buf));
		if (n <= 0)
			return false;
		sink_add(k, buf, (size_t)n);
		cl -= n;
	}
	return true;
}

static const char *header_value(const char *head, const char *name, size_t *len)
{
	size_t nl = strlen(name);
	const char *p = strstr(head, "\r\n");

	while (p && p[2] && !(p[2] == '\r' && p[3] == '\n')) {
		const char *line = p + 2;
		const char *eol = strstr(line, "\r\n");
		if (!eol)
			break;
		if ((size_t)(eol - line) > nl && line[nl] == ':' && strncasecmp(line, name, nl) == 0) {
			const char *v = line + nl + 1;
			while (*v == ' ' || *v == '\t')
				v++;
			*len = (size_t)(eol - v);
			while (*len && (v[*len - 1] == ' ' || v[*len - 1] == '\t'))
				(*len)--;
			return v;
		}
		p = eol;
	}
	return NULL;
}

static unsigned long long qparam(const char *target, const char *name, unsigned long long dflt)
{
	const char *q = strchr(target, '?');
	size_t nl = strlen(name);

	while (q) {
		q++;
		if (strncmp(q, name, nl) == 0 && q[nl] == '=')
			return strtoull(q + nl + 1, NULL, 10);
		q = strchr(q, '&');
	}
	return dflt;
}

static unsigned delay_for(struct tus *s, const char *path)
{
	unsigned ms = 0;

	pthread_mutex_lock(&s->mu);
	for (size_t i = 0; i < s->ndelays; i++)
		if (strcmp(s->delays[i].path, path) == 0)
			ms = s->delays[i].ms;
	pthread_mutex_unlock(&s->mu);
	return ms;
}

static void sleep_ms(unsigned ms)
{
	struct timespec ts = { .tv_sec = ms / 1000, .tv_nsec = (long)(ms % 1000) * 1000000L };

	while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
		;
}

static void close_conn(struct conn *c, bool reset)
{
	struct tus *s = c->s;

	pthread_mutex_lock(&s->mu);
	if (c->fd >= 0) {
		if (reset) {
			struct linger lg = { .l_onoff = 1, .l_linger = 0 };
			setsockopt(c->fd, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg));
		}
		close(c->fd);
		c->fd = -1;
	}
	pthread_mutex_unlock(&s->mu);
}

static bool send_big(int fd, unsigned long long bytes, bool chunked, bool head)
{
	unsigned long long off = 0;

	if (chunked) {
		if (!sendf(fd, "HTTP/1.1 200 OK\r\nContent-Type: application/octet-stream\r\n"
			       "Transfer-Encoding: chunked\r\n\r\n"))
			return false;
	} else if (!sendf(fd,
			  "HTTP/1.1 200 OK\r\nContent-Type: application/octet-stream\r\nContent-Length: "
			  "%llu\r\n\r\n",
			  bytes)) {
		return false;
	}
	if (head)
		return true;
	while (off < bytes) {
		size_t n = bytes - off < PATTERN_BLOCK ? (size_t)(bytes - off) : PATTERN_BLOCK;
		if (chunked && !sendf(fd, "%zx\r\n", n))
			return false;
		if (!send_all(fd, pattern + off % 26, n))
			return false;
		if (chunked && !send_all(fd, "\r\n", 2))
			return false;
		off += n;
	}
	return !chunked || send_all(fd, "0\r\n\r\n", 5);
}

/* Answers one request; returns false when the connection must end. */
static bool handle(struct conn *c, struct rd *r, char *head, bool *reset)
{
	struct tus *s = c->s;
	char method[16], target[4096], path[4096];
	const char *v;
	size_t vl;
	long long cl = 0;
	bool chunked = false, close_after = false, is_head;
	struct sink k = { .sum = TUS_CHECKSUM_INIT };
	int fd = c->fd;
	char *q;

	if (sscanf(head, "%15s %4095s", method, target) != 2)
		return false;
	is_head = strcmp(method, "HEAD") == 0;
	snprintf(path, sizeof(path), "%s", target);
	q = strchr(path, '?');
	if (q)
		*q = '\0';
	if ((v = header_value(head, "Content-Length", &vl)))
		cl = strtoll(v, NULL, 10);
	if ((v = header_value(head, "Transfer-Encoding", &vl)) && vl >= 7 &&
	    strncasecmp(v, "chunked", 7) == 0)
		chunked = true;
	if ((v = header_value(head, "Connection", &vl)) && vl >= 5 && strncasecmp(v, "close", 5) == 0)
		close_after = true;

	pthread_mutex_lock(&s->mu);
	free(s->last);
	s->last = strdup(head);
	s->requests++;
	pthread_mutex_unlock(&s->mu);

	k.keep = strcmp(path, "/echo") == 0;
	if (!read_body(r, cl, chunked, &k)) {
		free(k.data);
		return false;
	}
	if (strcmp(path, "/stall") == 0) {
		while (!atomic_load(&s->stopping)) {
			struct pollfd pfd = { .fd = fd, .events = POLLIN };
			char tmp[256];
			if (poll(&pfd, 1, 50) > 0 && recv(fd, tmp, sizeof(tmp), 0) <= 0)
				break;
		}
		return false;
	}
	{
		unsigned ms = delay_for(s, path);
		if (ms)
			sleep_ms(ms);
	}

	bool ok = true;
	const char *conn_hdr = close_after ? "Connection: close\r\n" : "";
	if (strcmp(path, "/big") == 0) {
		ok = send_big(fd, qparam(target, "bytes", 0), qparam(target, "chunked", 0) != 0, is_head);
	} else if (strcmp(path, "/chunked") == 0) {
		ok = sendf(fd,
			   "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nTransfer-Encoding: "
			   "chunked\r\n%s\r\n",
			   conn_hdr) &&
		     (is_head || send_all(fd, chunked_body, sizeof(chunked_body) - 1));
	} else if (strcmp(path, "/echo") == 0) {
		ok = sendf(fd,
			   "HTTP/1.1 200 OK\r\nContent-Type: application/octet-stream\r\nContent-Length: "
			   "%llu\r\n"
			   "X-Echo-Length: %llu\r\nX-Echo-Sum: %08x\r\n%s\r\n",
			   (unsigned long long)k.len, (unsigned long long)k.len, k.sum, conn_hdr) &&
		     (is_head || !k.len || send_all(fd, k.data, (size_t)k.len));
	} else if (strcmp(path, "/sum") == 0) {
		char body[64];
		int n = snprintf(body, sizeof(body), "%llu %08x\n", (unsigned long long)k.len, k.sum);
		ok = sendf(fd,
			   "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: %d\r\n%s\r\n%s", n,
			   conn_hdr, is_head ? "" : body);
	} else if (strcmp(path, "/reset") == 0) {
		unsigned long long n = qparam(target, "after", 1000);
		sendf(fd,
		      "HTTP/1.1 200 OK\r\nContent-Type: application/octet-stream\r\nContent-Length: "
		      "%llu\r\n\r\n",
		      10 * n);
		while (n) {
			size_t m = n < PATTERN_BLOCK ? (size_t)n : PATTERN_BLOCK;
			if (!send_all(fd, pattern, m))
				break;
			n -= m;
		}
		sleep_ms(100);
		*reset = true;
		ok = false;
	} else if (strncmp(path, "/status/", 8) == 0) {
		int st = atoi(path + 8);
		if (st == 204 || st == 304 || st < 200)
			ok = sendf(fd, "HTTP/1.1 %d X\r\n%s%s\r\n", st, st == 304 ? "ETag: \"abc\"\r\n" : "",
				   conn_hdr);
		else
			ok = sendf(fd,
				   "HTTP/1.1 %d X\r\nContent-Type: text/plain\r\nContent-Length: "
				   "%d\r\n%s\r\n%s%.0d%s",
				   st, snprintf(NULL, 0, "status %d\n", st), conn_hdr,
				   is_head ? "" : "status ", is_head ? 0 : st, is_head ? "" : "\n");
	} else if (strcmp(path, "/hop") == 0) {
		ok = sendf(
			fd,
			"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nConnection: X-Drop\r\nX-Drop: 1\r\n"
			"Keep-Alive: timeout=5\r\nUpgrade: foo\r\nProxy-Authenticate: Basic\r\nX-Keep: "
			"yes\r\n"
			"Content-Length: 4\r\n\r\n%s",
			is_head ? "" : "hop\n");
	} else if (strcmp(path, "/close10") == 0) {
		/* HTTP/1.0, no length: the body ends when the connection does */
		sendf(fd, "HTTP/1.0 200 OK\r\nContent-Type: text/plain\r\n\r\n%s",
		      is_head ? "" : "until close\n");
		ok = false;
	} else if (strcmp(path, "/oneshot") == 0) {
		/* looks keep-alive, but the server closes right after */
		sendf(fd, "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 8\r\n\r\n%s",
		      is_head ? "" : "oneshot\n");
		ok = false;
	} else if (strcmp(path, "/garbage") == 0) {
		sendf(fd, "HTTP/1.1 2x0 Whatever\r\n\r\n");
		ok = false;
	} else if (strcmp(path, "/target") == 0) {
		ok = sendf(fd,
			   "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: %zu\r\n%s\r\n%s",
			   strlen(target), conn_hdr, is_head ? "" : target);
	} else {
		ok = sendf(fd, "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 3\r\n%s\r\n%s",
			   conn_hdr, is_head ? "" : "ok\n");
	}
	free(k.data);
	return ok && !close_after;
}

static void *conn_main(void *arg)
{
	struct conn *c = arg;
	char *buf = malloc(HEAD_MAX + 1);
	struct rd r = { .fd = c->fd, .buf = buf };
	bool reset = false;

	if (!buf)
		abort();
	for (;;) {
		char *end;
		size_t hlen;

		/* keep what follows the previous request */
		memmove(buf, buf + r.off, r.len - r.off);
		r.len -= r.off;
		r.off = 0;
		while (!(end = memmem(buf, r.len, "\r\n\r\n", 4))) {
			ssize_t n;
			if (r.len == HEAD_MAX)
				goto out;
			n = recv(c->fd, buf + r.len, HEAD_MAX - r.len, 0);
			if (n < 0 && errno == EINTR)
				continue;
			if (n <= 0)
				goto out;
			r.len += (size_t)n;
		}
		hlen = (size_t)(end - buf) + 4;
		char *head = malloc(hlen + 1);
		if (!head)
			abort();
		memcpy(head, buf, hlen);
		head[hlen] = '\0';
		r.off = hlen;
		bool more = handle(c, &r, head, &reset);
		free(head);
		if (!more)
			break;
	}
out:
	free(buf);
	close_conn(c, reset);
	atomic_store(&c->done, true);
	return NULL;
}

static void reap(struct tus *s, bool all)
{
	struct conn **pp = &s->conns;

	pthread_mutex_lock(&s->mu);
	while (*pp) {
		struct conn *c = *pp;
		if (all || atomic_load(&c->done)) {
			*pp = c->next;
			if (c->fd >= 0)
				shutdown(c->fd, SHUT_RDWR);
			pthread_mutex_unlock(&s->mu);
			pthread_join(c->thread, NULL);
			free(c);
			pthread_mutex_lock(&s->mu);
		} else {
			pp = &c->next;
		}
	}
	pthread_mutex_unlock(&s->mu);
}

static void *accept_main(void *arg)
{
	struct tus *s = arg;

	while (!atomic_load(&s->stopping)) {
		int fd = accept4(s->lfd, NULL, NULL, SOCK_CLOEXEC);
		int one = 1;
		if (fd < 0) {
			if (atomic_load(&s->stopping))
				break;
			if (errno == EMFILE || errno == ENFILE)
				sleep_ms(10);
			continue;
		}
		setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
		reap(s, false);
		struct conn *c = calloc(1, sizeof(*c));
		if (!c)
			abort();
		c->s = s;
		c->fd = fd;
		pthread_mutex_lock(&s->mu);
		s->connections++;
		c->next = s->conns;
		s->conns = c;
		if (pthread_create(&c->thread, NULL, conn_main, c) != 0)
			abort();
		pthread_mutex_unlock(&s->mu);
	}
	return NULL;
}

struct tus *tus_start(void)
{
	struct tus *s = calloc(1, sizeof(*s));
	struct sockaddr_in sa = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	socklen_t sl = sizeof(sa);

	if (!s)
		abort();
	for (size_t i = 0; i < sizeof(pattern); i++)
		pattern[i] = (char)('a' + i % 26);
	pthread_mutex_init(&s->mu, NULL);
	s->lfd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (s->lfd < 0 || bind(s->lfd, (struct sockaddr *)&sa, sizeof(sa)) < 0 || listen(s->lfd, 1024) < 0 ||
	    getsockname(s->lfd, (struct sockaddr *)&sa, &sl) < 0)
		abort();
	s->port = ntohs(sa.sin_port);
	snprintf(s->url, sizeof(s->url), "http://127.0.0.1:%u", (unsigned)s->port);
	if (pthread_create(&s->accept_thread, NULL, accept_main, s) != 0)
		abort();
	return s;
}

void tus_stop(struct tus *s)
{
	if (!s)
		return;
	atomic_store(&s->stopping, true);
	shutdown(s->lfd, SHUT_RDWR);
	pthread_join(s->accept_thread, NULL);
	close(s->lfd);
	reap(s, true);
	pthread_mutex_destroy(&s->mu);
	free(s->last);
	free(s);
}

uint16_t tus_port(const struct tus *s)
{
	return s->port;
}

const char *tus_url(const struct tus *s)
{
	return s->url;
}

void tus_set_delay(struct tus *s, const char *path, unsigned delay_ms)
{
	pthread_mutex_lock(&s->mu);
	size_t i;
	for (i = 0; i < s->ndelays; i++)
		if (strcmp(s->delays[i].path, path) == 0)
			break;
	if (i == s->ndelays && i < MAX_DELAYS) {
		snprintf(s->delays[i].path, sizeof(s->delays[i].path), "%s", path);
		s->ndelays++;
	}
	if (i < MAX_DELAYS)
		s->delays[i].ms = delay_ms;
	pthread_mutex_unlock(&s->mu);
}

char *tus_last_headers(struct tus *s)
{
	char *r;

	pthread_mutex_lock(&s->mu);
	r = strdup(s->last ? s->last : "");
	pthread_mutex_unlock(&s->mu);
	if (!r)
		abort();
	return r;
}

char *tus_last_header(struct tus *s, const char *name)
{
	char *r = NULL;
	const char *v;
	size_t vl;

	pthread_mutex_lock(&s->mu);
	if (s->last && (v = header_value(s->last, name, &vl)))
		r = strndup(v, vl);
	pthread_mutex_unlock(&s->mu);
	return r;
}

static unsigned long locked_read(struct tus *s, const unsigned long *counter)
{
	unsigned long n;

	pthread_mutex_lock(&s->mu);
	n = *counter;
	pthread_mutex_unlock(&s->mu);
	return n;
}

unsigned long tus_requests(struct tus *s)
{
	return locked_read(s, &s->requests);
}

unsigned long tus_connections(struct tus *s)
{
	return locked_read(s, &s->connections);
}
