/* Integration tests for proxy.c and upstream.c: real clients (libcurl and
 * the curl binary) through the proxy to a real upstream server on
 * 127.0.0.1, with the real capture queue collecting what is recorded. */
#include <check.h>
#include <curl/curl.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "buf.h"
#include "capture.h"
#include "error.h"
#include "proxy.h"
#include "sample.h"
#include "testutil.h"
#include "upstream_server.h"

/* ---- what the proxy recorded ---- */

struct rec {
	char method[16];
	char path[256];
	size_t path_len;
	bool path_cut; /* e2e_sample_path_was_cut() */
	struct e2e_sample s;
};

struct coll {
	pthread_mutex_t mu;
	struct rec *v;
	size_t n, cap;
	size_t batches;
};

static void consume(void *ctx, const struct e2e_capture_batch *b)
{
	struct coll *c = ctx;

	pthread_mutex_lock(&c->mu);
	c->batches++;
	for (size_t i = 0; i < b->n; i++) {
		const struct e2e_capture *cap = &b->caps[i];
		if (c->n == c->cap) {
			c->cap = c->cap ? 2 * c->cap : 64;
			c->v = realloc(c->v, c->cap * sizeof(*c->v));
			ck_assert_ptr_nonnull(c->v);
		}
		struct rec *r = &c->v[c->n++];
		snprintf(r->method, sizeof(r->method), "%.*s", (int)cap->method_len, cap->method);
		snprintf(r->path, sizeof(r->path), "%.*s", (int)cap->path_len, cap->path);
		r->path_len = cap->path_len;
		r->path_cut = e2e_sample_path_was_cut(cap->path, cap->path_len);
		r->s = cap->s;
	}
	pthread_mutex_unlock(&c->mu);
}

/* ---- fixture: upstream server + capture queue + proxy ---- */

struct fx {
	struct tus *up;
	struct e2e_capture_queue *q;
	struct coll c;
	struct e2e_proxy *p;
	char url[64]; /* http://127.0.0.1:PROXYPORT */
};

static uint64_t mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* target NULL = the fixture's upstream server. */
static void fx_start(struct fx *f, const char *target, uint64_t timeout_ns, bool preserve_host)
{
	struct e2e_proxy_config cfg = { 0 };

	memset(f, 0, sizeof(*f));
	pthread_mutex_init(&f->c.mu, NULL);
	f->up = tus_start();
	ck_assert_int_eq(e2e_capture_queue_create(8, consume, &f->c, &f->q), 0);
	cfg.listen_host = "127.0.0.1";
	cfg.target = target ? target : tus_url(f->up);
	cfg.upstream_timeout_ns = timeout_ns ? timeout_ns : 10000000000ull;
	cfg.preserve_host = preserve_host;
	cfg.run_start_ns = mono_ns();
	cfg.queue = f->q;
	ck_assert_msg(e2e_proxy_start(&cfg, &f->p) == 0, "%s", e2e_error_message());
	snprintf(f->url, sizeof(f->url), "http://127.0.0.1:%u", (unsigned)e2e_proxy_port(f->p));
}

/* Stops the proxy and waits until every batch has been consumed. */
static void fx_stop_proxy(struct fx *f, uint64_t grace_ns)
{
	ck_assert_int_eq(e2e_proxy_stop(f->p, grace_ns), 0);
	e2e_capture_queue_drain(f->q);
}

static void fx_finish(struct fx *f)
{
	e2e_proxy_destroy(f->p);
	e2e_capture_queue_destroy(f->q);
	tus_stop(f->up);
	free(f->c.v);
	pthread_mutex_destroy(&f->c.mu);
}

/* ---- a libcurl client ---- */

struct resp {
	long status;
	CURLcode rc;
	char *body;
	size_t len;
	char *head;
	size_t head_len;
	size_t abort_after; /* abort the transfer after this many body bytes (0 = never) */
};

/* fetch() aborts a transfer after this many body bytes (0 = never). */
static size_t g_abort_after;
/* fetch() leaves curl's "Expect: 100-continue" on for uploads. */
static bool g_expect;

static size_t grow_add(char **p, size_t *len, const char *data, size_t n)
{
	*p = realloc(*p, *len + n + 1);
	ck_assert_ptr_nonnull(*p);
	memcpy(*p + *len, data, n);
	*len += n;
	(*p)[*len] = '\0';
	return n;
}

static size_t on_body(char *data, size_t size, size_t n, void *ud)
{
	struct resp *r = ud;

	if (r->abort_after && r->len + size * n > r->abort_after)
		return 0;
	if (r->len > (1u << 20)) { /* count big bodies without keeping them */
		r->len += size * n;
		return size * n;
	}
	return grow_add(&r->body, &r->len, data, size * n);
}

static size_t on_head(char *data, size_t size, size_t n, void *ud)
{
	struct resp *r = ud;

	return grow_add(&r->head, &r->head_len, data, size * n);
}

struct upload {
	const char *data;
	size_t len, off;
};

static size_t on_read(char *buf, size_t size, size_t n, void *ud)
{
	struct upload *u = ud;
	size_t k = u->len - u->off;

	if (k > size * n)
		k = size * n;
	if (k > 7777)
		k = 7777; /* odd pieces: several chunks */
	memcpy(buf, u->data + u->off, k);
	u->off += k;
	return k;
}

static void resp_free(struct resp *r)
{
	free(r->body);
	free(r->head);
	memset(r, 0, sizeof(*r));
}

/* One request on handle e (reused for keep-alive). body != NULL uploads it
 * (chunked when chunked, else with Content-Length). */
static void fetch(CURL *e, const char *method, const char *url, const char *body, size_t blen, bool chunked,
		  struct curl_slist *headers, struct resp *out)
{
	struct upload u = { body, blen, 0 };
	struct curl_slist *h = NULL;

	memset(out, 0, sizeof(*out));
	out->abort_after = g_abort_after;
	curl_easy_setopt(e, CURLOPT_URL, url);
	curl_easy_setopt(e, CURLOPT_HTTPGET, 1L);
	curl_easy_setopt(e, CURLOPT_CUSTOMREQUEST, NULL);
	curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, on_body);
	curl_easy_setopt(e, CURLOPT_WRITEDATA, out);
	curl_easy_setopt(e, CURLOPT_HEADERFUNCTION, on_head);
	curl_easy_setopt(e, CURLOPT_HEADERDATA, out);
	curl_easy_setopt(e, CURLOPT_TIMEOUT, 60L);
	curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
	if (strcmp(method, "HEAD") == 0) {
		curl_easy_setopt(e, CURLOPT_NOBODY, 1L);
	} else if (body) {
		curl_easy_setopt(e, CURLOPT_UPLOAD, 1L);
		curl_easy_setopt(e, CURLOPT_READFUNCTION, on_read);
		curl_easy_setopt(e, CURLOPT_READDATA, &u);
		curl_easy_setopt(e, CURLOPT_INFILESIZE_LARGE, chunked ? (curl_off_t)-1 : (curl_off_t)blen);
		curl_easy_setopt(e, CURLOPT_CUSTOMREQUEST, method);
		if (chunked)
			h = curl_slist_append(h, "Transfer-Encoding: chunked");
		if (!g_expect)
			h = curl_slist_append(h, "Expect:");
	} else if (strcmp(method, "GET") != 0) {
		curl_easy_setopt(e, CURLOPT_CUSTOMREQUEST, method);
	}
	for (struct curl_slist *x = headers; x; x = x->next)
		h = curl_slist_append(h, x->data);
	curl_easy_setopt(e, CURLOPT_HTTPHEADER, h);
	out->rc = curl_easy_perform(e);
	out->status = 0;
	curl_easy_getinfo(e, CURLINFO_RESPONSE_CODE, &out->status);
	curl_easy_setopt(e, CURLOPT_HTTPHEADER, NULL);
	curl_slist_free_all(h);
}

static void get(struct fx *f, const char *path, struct resp *out)
{
	char url[512];
	CURL *e = curl_easy_init();

	snprintf(url, sizeof(url), "%s%s", f->url, path);
	fetch(e, "GET", url, NULL, 0, false, NULL, out);
	curl_easy_cleanup(e);
}

/* The value of a response header in r->head (static buffer, "" if absent). */
static const char *resp_header(const struct resp *r, const char *name)
{
	static char val[512];
	size_t nl = strlen(name);
	const char *p = r->head;

	val[0] = '\0';
	while (p && *p) {
		const char *eol = strstr(p, "\r\n");
		if (!eol)
			break;
		if ((size_t)(eol - p) > nl && p[nl] == ':' && strncasecmp(p, name, nl) == 0) {
			const char *v = p + nl + 1;
			while (*v == ' ')
				v++;
			snprintf(val, sizeof(val), "%.*s", (int)(eol - v), v);
			return val;
		}
		p = eol + 2;
	}
	return val;
}

static bool has_header(const struct resp *r, const char *name)
{
	size_t nl = strlen(name);

	for (const char *p = r->head; p && *p;) {
		if (strncasecmp(p, name, nl) == 0 && p[nl] == ':')
			return true;
		p = strstr(p, "\r\n");
		if (p)
			p += 2;
	}
	return false;
}

static const struct rec *only_rec(struct fx *f)
{
	ck_assert_uint_eq(f->c.n, 1);
	return &f->c.v[0];
}

/* ---- tests ---- */

START_TEST(test_records_each_request)
{
	struct fx f;
	CURL *e = curl_easy_init();
	const int n = 40;

	fx_start(&f, NULL, 0, false);
	for (int i = 0; i < n; i++) {
		struct resp r;
		char url[256];
		snprintf(url, sizeof(url), "%s/target?secret=%d&x=y", f.url, i);
		fetch(e, "GET", url, NULL, 0, false, NULL, &r);
		ck_assert_int_eq(r.rc, CURLE_OK);
		ck_assert_int_eq(r.status, 200);
		char want[64];
		snprintf(want, sizeof(want), "/target?secret=%d&x=y", i);
		ck_assert_str_eq(r.body, want);
		resp_free(&r);
	}
	curl_easy_cleanup(e);
	fx_stop_proxy(&f, 1000000000ull);

	ck_assert_uint_eq(f.c.n, (size_t)n);
	for (int i = 0; i < n; i++) {
		const struct rec *r = &f.c.v[i];
		char want[64];
		ck_assert_str_eq(r->method, "GET");
		ck_assert_str_eq(r->path, "/target");
		ck_assert_uint_eq(r->s.status, 200);
		ck_assert_uint_eq(r->s.error, E2E_EK_NONE);
		snprintf(want, sizeof(want), "/target?secret=%d&x=y", i);
		ck_assert_uint_eq(r->s.resp_bytes, strlen(want));
		ck_assert_uint_eq(r->s.req_bytes, 0);
		ck_assert_uint_gt(r->s.total_us, 0);
		ck_assert_uint_le(r->s.ttfb_us, r->s.total_us);
		if (i)
			ck_assert_uint_ge(r->s.start_ns, f.c.v[i - 1].s.start_ns);
	}
	struct e2e_proxy_stats st;
	e2e_proxy_stats(f.p, &st);
	ck_assert_uint_eq(st.requests, (uint64_t)n);
	ck_assert_uint_eq(st.errors, 0);
	ck_assert_uint_eq(st.dropped, 0);
	ck_assert_uint_eq(e2e_capture_queue_dropped(f.q), 0);
	fx_finish(&f);
}
END_TEST

/* A raw path over E2E_PATH_MAX is forwarded but recorded cut, with the
 * mark, like an imported one. */
START_TEST(test_long_path_recorded_cut)
{
	struct fx f;
	CURL *e = curl_easy_init();
	struct e2e_buf url = E2E_BUF_INIT;
	struct resp r;

	fx_start(&f, NULL, 0, false);
	e2e_buf_printf(&url, "%s/", f.url);
	for (int i = 0; i < 10000; i++)
		e2e_buf_putc(&url, 'a');
	e2e_buf_puts(&url, "?q=1");
	fetch(e, "GET", url.data, NULL, 0, false, NULL, &r);
	ck_assert_int_eq(r.rc, CURLE_OK);
	ck_assert_int_eq(r.status, 200);
	ck_assert_str_eq(r.body, "ok\n");
	resp_free(&r);
	curl_easy_cleanup(e);
	fx_stop_proxy(&f, 1000000000ull);
	ck_assert_uint_eq(f.c.n, 1);
	ck_assert_uint_eq(f.c.v[0].path_len, E2E_PATH_MAX + E2E_PATH_CUT_MARK_LEN);
	ck_assert(f.c.v[0].path_cut);
	e2e_buf_finish(&url);
	fx_finish(&f);
}
END_TEST

START_TEST(test_keep_alive_both_sides)
{
	struct fx f;
	CURL *e = curl_easy_init();
	const int n = 200;

	fx_start(&f, NULL, 0, false);
	for (int i = 0; i < n; i++) {
		struct resp r;
		char url[128];
		snprintf(url, sizeof(url), "%s/k%d", f.url, i % 7);
		const char *m = i % 3 == 1 ? "DELETE" : i % 3 == 2 ? "OPTIONS" : "GET";
		fetch(e, m, url, NULL, 0, false, NULL, &r);
		ck_assert_int_eq(r.rc, CURLE_OK);
		ck_assert_int_eq(r.status, 200);
		ck_assert_str_eq(r.body, "ok\n");
		resp_free(&r);
		/* the method went upstream as sent (request objects are recycled) */
		char *line = tus_last_headers(f.up), want[64];
		snprintf(want, sizeof(want), "%s /k%d HTTP/1.1\r\n", m, i % 7);
		ck_assert_msg(strncmp(line, want, strlen(want)) == 0, "%.40s", line);
		free(line);
	}
	long conns = -1;
	curl_easy_getinfo(e, CURLINFO_NUM_CONNECTS, &conns);
	ck_assert_int_eq(conns, 0); /* the last request reused the connection */
	struct e2e_proxy_stats st;
	e2e_proxy_stats(f.p, &st);
	ck_assert_uint_eq(st.peak, 1);
	ck_assert_uint_eq(st.active, 1);
	ck_assert_uint_eq(tus_connections(f.up), 1); /* upstream connection pooled */
	ck_assert_uint_eq(tus_requests(f.up), (unsigned long)n);
	curl_easy_cleanup(e);
	fx_stop_proxy(&f, 1000000000ull);
	ck_assert_uint_eq(f.c.n, (size_t)n);
	for (int i = 0; i < n; i++) {
		char want[16];
		snprintf(want, sizeof(want), "/k%d", i % 7);
		ck_assert_str_eq(f.c.v[i].path, want);
		ck_assert_str_eq(f.c.v[i].method, i % 3 == 1 ? "DELETE" : i % 3 == 2 ? "OPTIONS" : "GET");
	}
	fx_finish(&f);
}
END_TEST

static long vm_kib(const char *field)
{
	char *s = tu_read_file("/proc/self/status", NULL);
	const char *p = s ? strstr(s, field) : NULL;
	long v = p ? strtol(p + strlen(field) + 1, NULL, 10) : -1;

	free(s);
	return v;
}

START_TEST(test_big_response_bounded_memory)
{
	struct fx f;
	struct resp r;
	const unsigned long long big = 100ull << 20;
	char path[64];

	fx_start(&f, NULL, 0, false);
	get(&f, "/big?bytes=1000", &r); /* warm everything up */
	ck_assert_uint_eq(r.len, 1000);
	resp_free(&r);
	long hwm0 = vm_kib("VmHWM:");
	for (int chunked = 0; chunked < 2; chunked++) {
		snprintf(path, sizeof(path), "/big?bytes=%llu&chunked=%d", big, chunked);
		get(&f, path, &r);
		ck_assert_int_eq(r.rc, CURLE_OK);
		ck_assert_int_eq(r.status, 200);
		ck_assert_uint_eq(r.len, big);
		for (size_t i = 0; i < 1000000; i += 999)
			ck_assert_int_eq(r.body[i], 'a' + (int)(i % 26));
		ck_assert_str_eq(resp_header(&r, "Transfer-Encoding"), chunked ? "chunked" : "");
		resp_free(&r);
	}
	long hwm1 = vm_kib("VmHWM:");
	ck_assert_int_gt(hwm0, 0);
#ifndef __SANITIZE_ADDRESS__ /* ASan keeps freed memory in quarantine */
	/* so does valgrind (meson test --setup valgrind) */
	if (!getenv("E2E_VALGRIND"))
		ck_assert_msg(hwm1 - hwm0 < 16 * 1024, "peak RSS grew by %ld KiB for 2 x 100 MiB",
			      hwm1 - hwm0);
#else
	(void)hwm1;
#endif
	fx_stop_proxy(&f, 1000000000ull);
	ck_assert_uint_eq(f.c.n, 3);
	ck_assert_uint_eq(f.c.v[1].s.resp_bytes, big);
	ck_assert_uint_eq(f.c.v[2].s.resp_bytes, big);
	ck_assert_uint_eq(f.c.v[2].s.error, E2E_EK_NONE);
	ck_assert_str_eq(f.c.v[2].path, "/big");
	fx_finish(&f);
}
END_TEST

static char *make_data(size_t len)
{
	char *d = malloc(len);

	ck_assert_ptr_nonnull(d);
	for (size_t i = 0; i < len; i++)
		d[i] = (char)(i * 7 + i / 251);
	return d;
}

START_TEST(test_uploads)
{
	static const struct {
		const char *method;
		const char *path;
		size_t len;
		bool chunked;
		bool expect; /* let curl send "Expect: 100-continue" */
	} cases[] = {
		{ "POST", "/echo", 100000, false, false }, { "PUT", "/echo", 300001, true, false },
		{ "POST", "/sum", 5u << 20, true, false }, { "PATCH", "/sum", 3u << 20, false, false },
		{ "POST", "/echo", 0, false, false },	   { "PUT", "/sum", 2u << 20, false, true },
		{ "POST", "/echo", 900000, true, true },
	};
	const size_t ncases = sizeof(cases) / sizeof(cases[0]);
	struct fx f;
	CURL *e = curl_easy_init();

	fx_start(&f, NULL, 0, false);
	for (size_t i = 0; i < ncases; i++) {
		char *data = make_data(cases[i].len + 1);
		char url[128], want[64];
		struct resp r;
		uint32_t sum = tus_checksum(TUS_CHECKSUM_INIT, data, cases[i].len);

		snprintf(url, sizeof(url), "%s%s", f.url, cases[i].path);
		g_expect = cases[i].expect;
		fetch(e, cases[i].method, url, data, cases[i].len, cases[i].chunked, NULL, &r);
		g_expect = false;
		ck_assert_msg(r.rc == CURLE_OK, "case %zu: %s", i, curl_easy_strerror(r.rc));
		ck_assert_int_eq(r.status, 200);
		if (strcmp(cases[i].path, "/echo") == 0) {
			char len[32], s[16];
			snprintf(len, sizeof(len), "%zu", cases[i].len);
			snprintf(s, sizeof(s), "%08x", sum);
			ck_assert_str_eq(resp_header(&r, "X-Echo-Length"), len);
			ck_assert_str_eq(resp_header(&r, "X-Echo-Sum"), s);
			ck_assert_uint_eq(r.len, cases[i].len);
			ck_assert(cases[i].len == 0 || memcmp(r.body, data, cases[i].len) == 0);
		} else {
			snprintf(want, sizeof(want), "%zu %08x\n", cases[i].len, sum);
			ck_assert_str_eq(r.body, want);
		}
		resp_free(&r);
		free(data);
	}
	curl_easy_cleanup(e);
	fx_stop_proxy(&f, 1000000000ull);
	ck_assert_uint_eq(f.c.n, ncases);
	for (size_t i = 0; i < ncases; i++) {
		ck_assert_str_eq(f.c.v[i].method, cases[i].method);
		ck_assert_str_eq(f.c.v[i].path, cases[i].path);
		ck_assert_uint_eq(f.c.v[i].s.req_bytes, cases[i].len);
		ck_assert_uint_eq(f.c.v[i].s.error, E2E_EK_NONE);
	}
	fx_finish(&f);
}
END_TEST

START_TEST(test_head_204_304_chunked)
{
	struct fx f;
	CURL *e = curl_easy_init();
	struct resp r;
	char url[128];

	fx_start(&f, NULL, 0, false);
	snprintf(url, sizeof(url), "%s/big?bytes=12345", f.url);
	fetch(e, "HEAD", url, NULL, 0, false, NULL, &r);
	ck_assert_int_eq(r.rc, CURLE_OK);
	ck_assert_int_eq(r.status, 200);
	ck_assert_str_eq(resp_header(&r, "Content-Length"), "12345");
	ck_assert_uint_eq(r.len, 0);
	resp_free(&r);

	snprintf(url, sizeof(url), "%s/status/204", f.url);
	fetch(e, "GET", url, NULL, 0, false, NULL, &r);
	ck_assert_int_eq(r.rc, CURLE_OK);
	ck_assert_int_eq(r.status, 204);
	ck_assert_uint_eq(r.len, 0);
	ck_assert(!has_header(&r, "Content-Length") && !has_header(&r, "Transfer-Encoding"));
	resp_free(&r);

	snprintf(url, sizeof(url), "%s/status/304", f.url);
	fetch(e, "GET", url, NULL, 0, false, NULL, &r);
	ck_assert_int_eq(r.rc, CURLE_OK);
	ck_assert_int_eq(r.status, 304);
	ck_assert_uint_eq(r.len, 0);
	ck_assert_str_eq(resp_header(&r, "ETag"), "\"abc\"");
	ck_assert(!has_header(&r, "Transfer-Encoding"));
	resp_free(&r);

	snprintf(url, sizeof(url), "%s/status/404", f.url);
	fetch(e, "GET", url, NULL, 0, false, NULL, &r);
	ck_assert_int_eq(r.status, 404);
	ck_assert_str_eq(r.body, "status 404\n");
	resp_free(&r);

	snprintf(url, sizeof(url), "%s/chunked", f.url);
	fetch(e, "GET", url, NULL, 0, false, NULL, &r);
	ck_assert_int_eq(r.rc, CURLE_OK);
	ck_assert_str_eq(r.body, "hello chunked world\n");
	resp_free(&r);

	/* the keep-alive connection survived all of it */
	snprintf(url, sizeof(url), "%s/", f.url);
	fetch(e, "GET", url, NULL, 0, false, NULL, &r);
	ck_assert_str_eq(r.body, "ok\n");
	long conns = -1;
	curl_easy_getinfo(e, CURLINFO_NUM_CONNECTS, &conns);
	ck_assert_int_eq(conns, 0);
	resp_free(&r);
	curl_easy_cleanup(e);
	fx_stop_proxy(&f, 1000000000ull);

	static const struct {
		const char *method, *path;
		int status;
		uint64_t resp_bytes;
	} want[] = {
		{ "HEAD", "/big", 200, 0 },	  { "GET", "/status/204", 204, 0 },
		{ "GET", "/status/304", 304, 0 }, { "GET", "/status/404", 404, 11 },
		{ "GET", "/chunked", 200, 20 },	  { "GET", "/", 200, 3 },
	};
	ck_assert_uint_eq(f.c.n, sizeof(want) / sizeof(want[0]));
	for (size_t i = 0; i < f.c.n; i++) {
		ck_assert_str_eq(f.c.v[i].method, want[i].method);
		ck_assert_str_eq(f.c.v[i].path, want[i].path);
		ck_assert_uint_eq(f.c.v[i].s.status, want[i].status);
		ck_assert_uint_eq(f.c.v[i].s.resp_bytes, want[i].resp_bytes);
		ck_assert_uint_eq(f.c.v[i].s.error, E2E_EK_NONE);
	}
	fx_finish(&f);
}
END_TEST

START_TEST(test_curl_binary_chunked)
{
	struct fx f;
	char url[128], *out = NULL, *err = NULL;

	fx_start(&f, NULL, 0, false);
	snprintf(url, sizeof(url), "%s/chunked", f.url);
	char *argv[] = { "curl", "-sS", "-i", url, NULL };
	ck_assert_int_eq(tu_run(argv, &out, &err), 0);
	ck_assert_msg(strstr(out, "HTTP/1.1 200") == out, "%s", out);
	ck_assert_ptr_nonnull(strcasestr(out, "\r\nTransfer-Encoding: chunked\r\n"));
	ck_assert_ptr_nonnull(strstr(out, "\r\n\r\nhello chunked world\n"));
	free(out);
	free(err);
	fx_stop_proxy(&f, 1000000000ull);
	ck_assert_str_eq(only_rec(&f)->path, "/chunked");
	fx_finish(&f);
}
END_TEST

START_TEST(test_headers_forwarded)
{
	for (int preserve = 0; preserve < 2; preserve++) {
		struct fx f;
		struct resp r;
		CURL *e = curl_easy_init();
		struct curl_slist *h = NULL;
		char url[128], host[64];

		fx_start(&f, NULL, 0, preserve);
		h = curl_slist_append(h, "Host: client.example:8080");
		h = curl_slist_append(h, "Connection: keep-alive, X-Hop");
		h = curl_slist_append(h, "X-Hop: 1");
		h = curl_slist_append(h, "Keep-Alive: timeout=5");
		h = curl_slist_append(h, "Proxy-Authorization: Basic eA==");
		h = curl_slist_append(h, "TE: trailers");
		h = curl_slist_append(h, "X-Keep: 1");
		h = curl_slist_append(h, "X-Empty;");
		h = curl_slist_append(h, "X-Forwarded-For: 203.0.113.7");
		h = curl_slist_append(h, "X-Forwarded-Proto: https");
		h = curl_slist_append(h, "Accept: text/plain");
		char big[8000 + 8];
		memcpy(big, "X-Big: ", 7);
		memset(big + 7, 'b', 8000);
		big[8007] = '\0';
		h = curl_slist_append(h, big);
		snprintf(url, sizeof(url), "%s/hop?q=1", f.url);
		fetch(e, "GET", url, NULL, 0, false, h, &r);
		curl_slist_free_all(h);
		ck_assert_int_eq(r.rc, CURLE_OK);
		ck_assert_int_eq(r.status, 200);
		/* response side: hop-by-hop gone, the rest kept */
		ck_assert_str_eq(r.body, "hop\n");
		ck_assert_str_eq(resp_header(&r, "X-Keep"), "yes");
		ck_assert(!has_header(&r, "X-Drop"));
		ck_assert(!has_header(&r, "Keep-Alive"));
		ck_assert(!has_header(&r, "Upgrade"));
		ck_assert(!has_header(&r, "Proxy-Authenticate"));
		ck_assert_str_eq(resp_header(&r, "Content-Type"), "text/plain");
		resp_free(&r);

		/* request side, as the upstream saw it */
		char *v;
		snprintf(host, sizeof(host), "127.0.0.1:%u", (unsigned)tus_port(f.up));
		v = tus_last_header(f.up, "Host");
		ck_assert_str_eq(v, preserve ? "client.example:8080" : host);
		free(v);
		static const struct {
			const char *name, *want; /* want NULL: not forwarded */
		} seen[] = {
			{ "X-Hop", NULL },
			{ "Keep-Alive", NULL },
			{ "Proxy-Authorization", NULL },
			{ "TE", NULL },
			{ "Expect", NULL },
			{ "X-Keep", "1" },
			{ "X-Empty", "" },
			{ "Accept", "text/plain" },
			{ "X-Forwarded-For", "203.0.113.7, 127.0.0.1" },
			{ "X-Forwarded-Proto", "http" },
		};
		for (size_t i = 0; i < sizeof(seen) / sizeof(seen[0]); i++) {
			v = tus_last_header(f.up, seen[i].name);
			if (seen[i].want)
				ck_assert_msg(v && strcmp(v, seen[i].want) == 0, "%s: '%s'", seen[i].name, v);
			else
				ck_assert_msg(v == NULL, "%s forwarded: %s", seen[i].name, v);
			free(v);
		}
		v = tus_last_header(f.up, "Connection");
		ck_assert(v == NULL || strcasestr(v, "x-hop") == NULL);
		free(v);
		v = tus_last_header(f.up, "X-Big");
		ck_assert_uint_eq(strlen(v), 8000);
		free(v);
		char *all = tus_last_headers(f.up);
		ck_assert_msg(strncmp(all, "GET /hop?q=1 HTTP/1.1\r\n", 23) == 0, "%s", all);
		free(all);

		/* no Accept from the client: none invented */
		snprintf(url, sizeof(url), "%s/", f.url);
		h = curl_slist_append(NULL, "Accept:");
		fetch(e, "GET", url, NULL, 0, false, h, &r);
		curl_slist_free_all(h);
		resp_free(&r);
		v = tus_last_header(f.up, "Accept");
		ck_assert_ptr_null(v);
		v = tus_last_header(f.up, "X-Forwarded-For");
		ck_assert_str_eq(v, "127.0.0.1");
		free(v);
		curl_easy_cleanup(e);
		fx_stop_proxy(&f, 1000000000ull);
		fx_finish(&f);
	}
}
END_TEST

START_TEST(test_target_prefix)
{
	struct fx f;
	struct resp r;
	char target[128];
	struct tus *up = tus_start();

	snprintf(target, sizeof(target), "%s/api/", tus_url(up));
	fx_start(&f, target, 0, false);
	get(&f, "/v1/users/42?x=%2F", &r);
	ck_assert_int_eq(r.status, 200);
	char *all = tus_last_headers(up);
	ck_assert_msg(strncmp(all, "GET /api/v1/users/42?x=%2F HTTP/1.1\r\n", 37) == 0, "%s", all);
	free(all);
	resp_free(&r);
	fx_stop_proxy(&f, 1000000000ull);
	ck_assert_str_eq(only_rec(&f)->path, "/v1/users/42");
	fx_finish(&f);
	tus_stop(up);
}
END_TEST

static uint16_t closed_port(void)
{
	struct sockaddr_in sa = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	socklen_t sl = sizeof(sa);
	int fd = socket(AF_INET, SOCK_STREAM, 0);

	ck_assert(bind(fd, (struct sockaddr *)&sa, sizeof(sa)) == 0);
	ck_assert(getsockname(fd, (struct sockaddr *)&sa, &sl) == 0);
	close(fd);
	return ntohs(sa.sin_port);
}

START_TEST(test_upstream_refused)
{
	struct fx f;
	struct resp r;
	char target[64];

	snprintf(target, sizeof(target), "http://127.0.0.1:%u", (unsigned)closed_port());
	fx_start(&f, target, 0, false);
	get(&f, "/down?x=1", &r);
	ck_assert_int_eq(r.rc, CURLE_OK);
	ck_assert_int_eq(r.status, 502);
	ck_assert_str_eq(resp_header(&r, "Content-Type"), "text/plain; charset=utf-8");
	ck_assert_ptr_nonnull(strstr(r.body, "refused"));
	size_t blen = r.len;
	resp_free(&r);
	fx_stop_proxy(&f, 1000000000ull);
	const struct rec *x = only_rec(&f);
	ck_assert_str_eq(x->path, "/down");
	ck_assert_uint_eq(x->s.status, 502);
	ck_assert_uint_eq(x->s.error, E2E_EK_REFUSED);
	ck_assert_uint_eq(x->s.resp_bytes, blen);
	struct e2e_proxy_stats st;
	e2e_proxy_stats(f.p, &st);
	ck_assert_uint_eq(st.errors, 1);
	fx_finish(&f);
}
END_TEST

START_TEST(test_upstream_timeout)
{
	struct fx f;
	struct resp r;

	fx_start(&f, NULL, 300000000ull, false);
	uint64_t t0 = mono_ns();
	get(&f, "/stall", &r);
	uint64_t ms = (mono_ns() - t0) / 1000000u;
	ck_assert_int_eq(r.rc, CURLE_OK);
	ck_assert_int_eq(r.status, 504);
	ck_assert_ptr_nonnull(strstr(r.body, "504"));
	ck_assert_msg(ms >= 300 && ms < 3000, "504 after %llu ms", (unsigned long long)ms);
	resp_free(&r);
	/* a slow route within the timeout is fine */
	tus_set_delay(f.up, "/slow", 100);
	get(&f, "/slow", &r);
	ck_assert_int_eq(r.status, 200);
	resp_free(&r);
	fx_stop_proxy(&f, 1000000000ull);
	ck_assert_uint_eq(f.c.n, 2);
	ck_assert_uint_eq(f.c.v[0].s.status, 504);
	ck_assert_uint_eq(f.c.v[0].s.error, E2E_EK_TIMEOUT);
	ck_assert_uint_ge(f.c.v[0].s.total_us, 300000);
	ck_assert_uint_eq(f.c.v[1].s.status, 200);
	ck_assert_uint_ge(f.c.v[1].s.total_us, 100000);
	ck_assert_uint_ge(f.c.v[1].s.ttfb_us, 100000);
	fx_finish(&f);
}
END_TEST

START_TEST(test_upstream_reset_mid_body)
{
	struct fx f;
	struct resp r;

	fx_start(&f, NULL, 0, false);
	get(&f, "/reset?after=5000", &r);
	ck_assert_int_ne(r.rc, CURLE_OK); /* the client sees a truncated response */
	ck_assert_uint_eq(r.len, 5000);
	resp_free(&r);
	get(&f, "/after-reset", &r); /* the proxy carries on */
	ck_assert_int_eq(r.status, 200);
	resp_free(&r);
	fx_stop_proxy(&f, 1000000000ull);
	ck_assert_uint_eq(f.c.n, 2);
	ck_assert_str_eq(f.c.v[0].path, "/reset");
	ck_assert_uint_eq(f.c.v[0].s.status, 200);
	ck_assert_uint_eq(f.c.v[0].s.error, E2E_EK_RESET);
	ck_assert_uint_eq(f.c.v[0].s.resp_bytes, 5000);
	ck_assert_uint_eq(f.c.v[1].s.error, E2E_EK_NONE);
	fx_finish(&f);
}
END_TEST

START_TEST(test_upstream_framing)
{
	struct fx f;
	CURL *e = curl_easy_init();
	char url[128];
	struct resp r;

	fx_start(&f, NULL, 0, false);
	snprintf(url, sizeof(url), "%s/close10", f.url);
	fetch(e, "GET", url, NULL, 0, false, NULL, &r);
	ck_assert_int_eq(r.rc, CURLE_OK);
	ck_assert_int_eq(r.status, 200);
	ck_assert_str_eq(r.body, "until close\n");
	resp_free(&r);
	/* the upstream closes after each one: every request still succeeds */
	snprintf(url, sizeof(url), "%s/oneshot", f.url);
	for (int i = 0; i < 20; i++) {
		fetch(e, "GET", url, NULL, 0, false, NULL, &r);
		ck_assert_int_eq(r.rc, CURLE_OK);
		ck_assert_int_eq(r.status, 200);
		ck_assert_str_eq(r.body, "oneshot\n");
		resp_free(&r);
	}
	snprintf(url, sizeof(url), "%s/garbage", f.url);
	fetch(e, "GET", url, NULL, 0, false, NULL, &r);
	ck_assert_int_eq(r.status, 502);
	ck_assert_ptr_nonnull(strstr(r.body, "invalid response"));
	resp_free(&r);
	curl_easy_cleanup(e);
	fx_stop_proxy(&f, 1000000000ull);
	ck_assert_uint_eq(f.c.n, 22);
	ck_assert_uint_eq(f.c.v[0].s.resp_bytes, 12);
	for (size_t i = 0; i < 21; i++)
		ck_assert_uint_eq(f.c.v[i].s.error, E2E_EK_NONE);
	ck_assert_uint_eq(f.c.v[21].s.status, 502);
	ck_assert_uint_eq(f.c.v[21].s.error, E2E_EK_PROTOCOL);
	fx_finish(&f);
}
END_TEST

static int tcp_connect(uint16_t port)
{
	struct sockaddr_in sa = { .sin_family = AF_INET,
				  .sin_addr.s_addr = htonl(INADDR_LOOPBACK),
				  .sin_port = htons(port) };
	int fd = socket(AF_INET, SOCK_STREAM, 0);

	ck_assert_int_ge(fd, 0);
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		close(fd);
		return -1;
	}
	return fd;
}

/* Reads from fd until the peer closes it or want bytes came (0 = until
 * close); at most cap - 1 bytes, NUL-terminated. 5 s at most. */
static size_t read_resp(int fd, char *buf, size_t cap, size_t want)
{
	struct timeval tv = { .tv_sec = 5 };
	size_t n = 0;

	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	while (n < cap - 1 && (!want || n < want)) {
		ssize_t r = recv(fd, buf + n, cap - 1 - n, 0);
		if (r <= 0)
			break;
		n += (size_t)r;
	}
	buf[n] = '\0';
	return n;
}

static size_t count_of(const char *hay, const char *needle)
{
	size_t n = 0;

	for (const char *p = hay; (p = strstr(p, needle)); p += strlen(needle))
		n++;
	return n;
}

/* Three requests in one write are answered in order on the one
 * connection, the last (Connection: close) closing it; Expect:
 * 100-continue gets its interim response before the body is sent; an
 * HTTP/1.0 request without keep-alive gets Connection: close. */
START_TEST(test_pipelined_expect_http10)
{
	static const char pipe[] = "GET /target?n=1 HTTP/1.1\r\nHost: t\r\n\r\n"
				   "POST /echo HTTP/1.1\r\nHost: t\r\nContent-Length: 5\r\n\r\nhello"
				   "GET /target?n=3 HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n";
	static const char expect[] = "PUT /echo HTTP/1.1\r\nHost: t\r\nExpect: 100-continue\r\n"
				     "Content-Length: 5\r\n\r\n";
	static const char old[] = "GET /target?v=10 HTTP/1.0\r\n\r\n";
	static const char cont[] = "HTTP/1.1 100 Continue\r\n\r\n";
	char buf[8192];
	struct fx f;
	int fd;

	fx_start(&f, NULL, 0, false);
	fd = tcp_connect(e2e_proxy_port(f.p));
	ck_assert(send(fd, pipe, sizeof(pipe) - 1, 0) == (ssize_t)sizeof(pipe) - 1);
	read_resp(fd, buf, sizeof(buf), 0);
	close(fd);
	ck_assert_uint_eq(count_of(buf, "HTTP/1.1 200 OK\r\n"), 3);
	ck_assert_uint_eq(count_of(buf, "Connection: close\r\n"), 1);
	const char *a = strstr(buf, "\r\n\r\n/target?n=1"), *b = strstr(buf, "\r\n\r\nhello"),
		   *c = strstr(buf, "\r\n\r\n/target?n=3");
	ck_assert_msg(a && b && c && a < b && b < c, "responses out of order: %s", buf);
	ck_assert_ptr_nonnull(strstr(c - 40, "Connection: close\r\n"));

	fd = tcp_connect(e2e_proxy_port(f.p));
	ck_assert(send(fd, expect, sizeof(expect) - 1, 0) == (ssize_t)sizeof(expect) - 1);
	read_resp(fd, buf, sizeof(buf), sizeof(cont) - 1);
	ck_assert_str_eq(buf, cont);
	ck_assert(send(fd, "world", 5, 0) == 5);
	shutdown(fd, SHUT_WR);
	read_resp(fd, buf, sizeof(buf), 0);
	close(fd);
	ck_assert_msg(strncmp(buf, "HTTP/1.1 200 OK\r\n", 17) == 0 && strstr(buf, "\r\n\r\nworld"), "%s",
		      buf);

	fd = tcp_connect(e2e_proxy_port(f.p));
	ck_assert(send(fd, old, sizeof(old) - 1, 0) == (ssize_t)sizeof(old) - 1);
	read_resp(fd, buf, sizeof(buf), 0); /* returns at the proxy's close */
	close(fd);
	ck_assert_msg(strncmp(buf, "HTTP/1.1 200 OK\r\n", 17) == 0 && strstr(buf, "Connection: close\r\n") &&
			      strstr(buf, "\r\n\r\n/target?v=10"),
		      "%s", buf);

	fx_stop_proxy(&f, 1000000000ull);
	ck_assert_uint_eq(f.c.n, 5);
	ck_assert_str_eq(f.c.v[0].path, "/target");
	ck_assert_str_eq(f.c.v[1].method, "POST");
	ck_assert_uint_eq(f.c.v[1].s.req_bytes, 5);
	ck_assert_str_eq(f.c.v[2].path, "/target");
	ck_assert_str_eq(f.c.v[3].method, "PUT");
	ck_assert_uint_eq(f.c.v[3].s.req_bytes, 5);
	for (size_t i = 0; i < f.c.n; i++)
		ck_assert_uint_eq(f.c.v[i].s.error, E2E_EK_NONE);
	fx_finish(&f);
}
END_TEST

START_TEST(test_client_abort_mid_upload)
{
	struct fx f;
	static const char head[] = "POST /sum?x=1 HTTP/1.1\r\nHost: t\r\nContent-Length: 100000\r\n\r\n";
	char body[1000];
	struct e2e_proxy_stats st;

	fx_start(&f, NULL, 0, false);
	int fd = tcp_connect(e2e_proxy_port(f.p));
	memset(body, 'x', sizeof(body));
	ck_assert(send(fd, head, sizeof(head) - 1, 0) == (ssize_t)sizeof(head) - 1);
	ck_assert(send(fd, body, sizeof(body), 0) == (ssize_t)sizeof(body));
	for (int i = 0; i < 300 && tus_requests(f.up) < 1; i++)
		usleep(10000);
	ck_assert_uint_eq(tus_requests(f.up), 1);
	close(fd);
	for (int i = 0; i < 300; i++) {
		e2e_proxy_stats(f.p, &st);
		if (st.requests)
			break;
		usleep(10000);
	}
	fx_stop_proxy(&f, 1000000000ull);
	const struct rec *x = only_rec(&f);
	ck_assert_str_eq(x->method, "POST");
	ck_assert_str_eq(x->path, "/sum");
	ck_assert_uint_eq(x->s.error, E2E_EK_CLIENT_ABORT);
	ck_assert_uint_eq(x->s.status, 0);
	ck_assert_uint_eq(x->s.req_bytes, sizeof(body));
	fx_finish(&f);
}
END_TEST

/* https upstream: openssl s_server with a fresh self-signed certificate;
 * verified (fails: tls) and with insecure (works). */
START_TEST(test_tls_upstream)
{
	char *dir, *key, *cert, *out = NULL, *err = NULL, acc[32], target[64];
	uint16_t port;
	pid_t pid;

	if (system("command -v openssl >/dev/null 2>&1") != 0) {
		fprintf(stderr, "test_tls_upstream: no openssl binary, skipped\n");
		return;
	}
	dir = tu_mkdtemp();
	key = tu_path(dir, "key.pem");
	cert = tu_path(dir, "cert.pem");
	char *gen[] = { "openssl",
			"req",
			"-x509",
			"-newkey",
			"ec",
			"-pkeyopt",
			"ec_paramgen_curve:prime256v1",
			"-nodes",
			"-keyout",
			key,
			"-out",
			cert,
			"-days",
			"1",
			"-subj",
			"/CN=localhost",
			NULL };
	ck_assert_msg(tu_run(gen, &out, &err) == 0, "%s", err);
	free(out);
	free(err);
	port = closed_port();
	snprintf(acc, sizeof(acc), "127.0.0.1:%u", (unsigned)port);
	pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		int dn = open("/dev/null", O_RDWR);
		dup2(dn, 0);
		dup2(dn, 1);
		dup2(dn, 2);
		execlp("openssl", "openssl", "s_server", "-accept", acc, "-cert", cert, "-key", key, "-www",
		       "-quiet", (char *)NULL);
		_exit(127);
	}
	int fd = -1;
	for (int i = 0; i < 300 && fd < 0; i++) {
		fd = tcp_connect(port);
		if (fd < 0)
			usleep(10000);
	}
	ck_assert_int_ge(fd, 0);
	close(fd);
	snprintf(target, sizeof(target), "https://127.0.0.1:%u", (unsigned)port);
	for (int insecure = 0; insecure < 2; insecure++) {
		struct e2e_proxy_config cfg = { .listen_host = "127.0.0.1",
						.target = target,
						.upstream_timeout_ns = 5000000000ull,
						.insecure = insecure };
		struct e2e_proxy *p;
		struct resp r;
		CURL *e = curl_easy_init();
		char url[64];

		ck_assert_int_eq(e2e_proxy_start(&cfg, &p), 0);
		snprintf(url, sizeof(url), "http://127.0.0.1:%u/", (unsigned)e2e_proxy_port(p));
		fetch(e, "GET", url, NULL, 0, false, NULL, &r);
		ck_assert_int_eq(r.rc, CURLE_OK);
		if (insecure) {
			ck_assert_int_eq(r.status, 200);
			ck_assert_ptr_nonnull(strcasestr(r.body, "<html>"));
		} else {
			ck_assert_int_eq(r.status, 502);
			ck_assert_ptr_nonnull(strstr(r.body, "TLS"));
		}
		resp_free(&r);
		curl_easy_cleanup(e);
		e2e_proxy_destroy(p);
	}
	kill(pid, SIGTERM);
	waitpid(pid, NULL, 0);
	tu_rmtree(dir);
	free(key);
	free(cert);
	free(dir);
}
END_TEST

START_TEST(test_client_abort)
{
	struct fx f;
	struct resp r;
	CURL *e = curl_easy_init();
	char url[128];

	fx_start(&f, NULL, 0, false);
	snprintf(url, sizeof(url), "%s/big?bytes=%llu", f.url, 100ull << 20);
	g_abort_after = 1u << 20;
	fetch(e, "GET", url, NULL, 0, false, NULL, &r);
	g_abort_after = 0;
	ck_assert_int_eq(r.rc, CURLE_WRITE_ERROR);
	resp_free(&r);
	curl_easy_cleanup(e);
	/* the proxy notices once its writes fail */
	for (int i = 0; i < 200; i++) {
		struct e2e_proxy_stats st;
		e2e_proxy_stats(f.p, &st);
		if (st.requests == 1)
			break;
		usleep(10000);
	}
	get(&f, "/after", &r);
	ck_assert_int_eq(r.status, 200);
	resp_free(&r);
	fx_stop_proxy(&f, 1000000000ull);
	ck_assert_uint_eq(f.c.n, 2);
	ck_assert_str_eq(f.c.v[0].path, "/big");
	ck_assert_uint_eq(f.c.v[0].s.status, 200);
	ck_assert_uint_eq(f.c.v[0].s.error, E2E_EK_CLIENT_ABORT);
	ck_assert_uint_lt(f.c.v[0].s.resp_bytes, 100ull << 20);
	ck_assert_uint_eq(f.c.v[1].s.error, E2E_EK_NONE);
	fx_finish(&f);
}
END_TEST

struct bg {
	struct fx *f;
	const char *path;
	struct resp r;
};

struct slow_get {
	struct fx *f;
	struct resp r;
};

static void *slow_get_main(void *arg)
{
	struct slow_get *g = arg;
	CURL *e = curl_easy_init();
	char url[128];

	snprintf(url, sizeof(url), "%s/big?bytes=%u", g->f->url, 6000000u);
	curl_easy_setopt(e, CURLOPT_MAX_RECV_SPEED_LARGE, (curl_off_t)2000000);
	fetch(e, "GET", url, NULL, 0, false, NULL, &g->r);
	curl_easy_cleanup(e);
	return NULL;
}

static void *bg_get(void *arg);

/* A slow client keeps its upstream connection paused with bytes waiting
 * in it for seconds while new upstream connections are opened (curl checks
 * its idle connections then): the download still arrives whole. */
START_TEST(test_slow_client_while_connecting)
{
	struct fx f;
	struct slow_get g;
	pthread_t tg;

	fx_start(&f, NULL, 0, false);
	tus_set_delay(f.up, "/slow", 200);
	g = (struct slow_get){ .f = &f };
	pthread_create(&tg, NULL, slow_get_main, &g);
	for (int wave = 2; wave <= 4; wave++) {
		struct bg b[4];
		pthread_t t[4];
		usleep(1100000);
		for (int i = 0; i < wave; i++) {
			b[i] = (struct bg){ .f = &f, .path = "/slow" };
			pthread_create(&t[i], NULL, bg_get, &b[i]);
		}
		for (int i = 0; i < wave; i++) {
			pthread_join(t[i], NULL);
			ck_assert_msg(b[i].r.status == 200, "wave %d: status %ld, %s", wave,
				      (long)b[i].r.status, curl_easy_strerror(b[i].r.rc));
			resp_free(&b[i].r);
		}
	}
	pthread_join(tg, NULL);
	ck_assert_msg(g.r.rc == CURLE_OK, "%s", curl_easy_strerror(g.r.rc));
	ck_assert_uint_eq(g.r.len, 6000000);
	resp_free(&g.r);
	fx_stop_proxy(&f, 1000000000ull);
	ck_assert_uint_eq(f.c.n, 1 + 2 + 3 + 4);
	for (size_t i = 0; i < f.c.n; i++)
		ck_assert_uint_eq(f.c.v[i].s.error, E2E_EK_NONE);
	fx_finish(&f);
}
END_TEST

struct worker {
	struct fx *f;
	int id, n;
	int ok;
};

static void *worker_main(void *arg)
{
	struct worker *w = arg;
	CURL *e = curl_easy_init();

	for (int i = 0; i < w->n; i++) {
		struct resp r;
		char url[128];
		snprintf(url, sizeof(url), "%s/w%d/%d?i=%d", w->f->url, w->id % 5, i % 3, i);
		fetch(e, i % 4 == 3 ? "POST" : "GET", url, i % 4 == 3 ? "abc" : NULL, 3, false, NULL, &r);
		if (r.rc == CURLE_OK && r.status == 200)
			w->ok++;
		resp_free(&r);
	}
	curl_easy_cleanup(e);
	return NULL;
}

START_TEST(test_concurrent_clients_lose_nothing)
{
	enum { NW = 64, NR = 40 };
	struct fx f;
	struct worker w[NW];
	pthread_t t[NW];

	fx_start(&f, NULL, 0, false);
	for (int i = 0; i < NW; i++) {
		w[i] = (struct worker){ .f = &f, .id = i, .n = NR };
		ck_assert_int_eq(pthread_create(&t[i], NULL, worker_main, &w[i]), 0);
	}
	for (int i = 0; i < NW; i++) {
		pthread_join(t[i], NULL);
		ck_assert_int_eq(w[i].ok, NR);
	}
	struct e2e_proxy_stats st;
	e2e_proxy_stats(f.p, &st);
	ck_assert_uint_le(st.peak, NW);
	ck_assert_uint_ge(st.peak, 2);
	fx_stop_proxy(&f, 1000000000ull);
	ck_assert_uint_eq(f.c.n, (size_t)NW * NR);
	ck_assert_uint_eq(e2e_capture_queue_dropped(f.q), 0);
	size_t posts = 0;
	for (size_t i = 0; i < f.c.n; i++) {
		ck_assert_uint_eq(f.c.v[i].s.status, 200);
		ck_assert_uint_eq(f.c.v[i].s.error, E2E_EK_NONE);
		ck_assert(strncmp(f.c.v[i].path, "/w", 2) == 0 && !strchr(f.c.v[i].path, '?'));
		if (strcmp(f.c.v[i].method, "POST") == 0) {
			posts++;
			ck_assert_uint_eq(f.c.v[i].s.req_bytes, 3);
		}
	}
	ck_assert_uint_eq(posts, (size_t)NW * (NR / 4));
	fx_finish(&f);
}
END_TEST

static void *bg_get(void *arg)
{
	struct bg *b = arg;

	get(b->f, b->path, &b->r);
	return NULL;
}

START_TEST(test_stop_waits_for_in_flight)
{
	struct fx f;
	struct bg b[4];
	pthread_t t[4];

	fx_start(&f, NULL, 0, false);
	tus_set_delay(f.up, "/slow", 300);
	for (int i = 0; i < 4; i++) {
		b[i] = (struct bg){ .f = &f, .path = "/slow" };
		pthread_create(&t[i], NULL, bg_get, &b[i]);
	}
	while (tus_requests(f.up) < 4)
		usleep(5000);
	fx_stop_proxy(&f, 5000000000ull);
	for (int i = 0; i < 4; i++) {
		pthread_join(t[i], NULL);
		ck_assert_int_eq(b[i].r.status, 200);
		ck_assert_str_eq(b[i].r.body, "ok\n");
		resp_free(&b[i].r);
	}
	ck_assert_uint_eq(f.c.n, 4);
	for (int i = 0; i < 4; i++)
		ck_assert_uint_eq(f.c.v[i].s.error, E2E_EK_NONE);
	fx_finish(&f);
}
END_TEST

START_TEST(test_stop_aborts_after_grace)
{
	struct fx f;
	struct bg b[3];
	pthread_t t[3];

	fx_start(&f, NULL, 0, false);
	for (int i = 0; i < 3; i++) {
		b[i] = (struct bg){ .f = &f, .path = "/stall" };
		pthread_create(&t[i], NULL, bg_get, &b[i]);
	}
	while (tus_requests(f.up) < 3)
		usleep(5000);
	uint64_t t0 = mono_ns();
	fx_stop_proxy(&f, 200000000ull);
	uint64_t ms = (mono_ns() - t0) / 1000000u;
	ck_assert_msg(ms >= 190 && ms < 2000, "stop took %llu ms", (unsigned long long)ms);
	for (int i = 0; i < 3; i++) {
		pthread_join(t[i], NULL);
		ck_assert_int_ne(b[i].r.rc, CURLE_OK);
		resp_free(&b[i].r);
	}
	ck_assert_uint_eq(f.c.n, 3);
	for (int i = 0; i < 3; i++) {
		ck_assert_str_eq(f.c.v[i].path, "/stall");
		ck_assert_uint_eq(f.c.v[i].s.error, E2E_EK_CLIENT_ABORT);
		ck_assert_uint_eq(f.c.v[i].s.status, 0);
	}
	fx_finish(&f);
}
END_TEST

START_TEST(test_quiet_run_flushes)
{
	struct fx f;
	struct resp r;

	fx_start(&f, NULL, 0, false);
	get(&f, "/one", &r);
	resp_free(&r);
	/* no stop: the periodic tick alone hands the partial batch over */
	for (int i = 0; i < 300; i++) {
		pthread_mutex_lock(&f.c.mu);
		size_t n = f.c.n;
		pthread_mutex_unlock(&f.c.mu);
		if (n)
			break;
		usleep(10000);
	}
	pthread_mutex_lock(&f.c.mu);
	ck_assert_uint_eq(f.c.n, 1);
	pthread_mutex_unlock(&f.c.mu);
	fx_stop_proxy(&f, 1000000000ull);
	ck_assert_uint_eq(f.c.n, 1);
	fx_finish(&f);
}
END_TEST

START_TEST(test_start_errors)
{
	struct e2e_proxy_config cfg = { .listen_host = "127.0.0.1", .target = "http://127.0.0.1:9" };
	struct e2e_proxy *p = NULL, *p2 = (void *)1;
	char want[128];

	ck_assert_int_eq(e2e_proxy_start(&cfg, &p), 0);
	cfg.listen_port = e2e_proxy_port(p);
	ck_assert_int_eq(e2e_proxy_start(&cfg, &p2), E2E_ERR_RUNTIME);
	ck_assert_ptr_eq(p2, (void *)1);
	snprintf(want, sizeof(want), "cannot listen on '127.0.0.1:%u': Address already in use",
		 (unsigned)cfg.listen_port);
	ck_assert_str_eq(e2e_error_message(), want);
	e2e_proxy_destroy(p);

	static const struct {
		const char *target, *msg;
	} bad[] = {
		{ "ftp://127.0.0.1/", "'ftp://127.0.0.1/': the target must be an http or https URL" },
		{ "not a url", "'not a url': not a valid target URL" },
		{ "http://127.0.0.1:8000/?a=1",
		  "'http://127.0.0.1:8000/?a=1': the target must not have a query string" },
	};
	cfg.listen_port = 0;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		cfg.target = bad[i].target;
		ck_assert_int_eq(e2e_proxy_start(&cfg, &p2), E2E_ERR_INPUT);
		ck_assert_str_eq(e2e_error_message(), bad[i].msg);
	}
	cfg.target = "http://127.0.0.1:9";
	cfg.listen_host = "192.0.2.1"; /* not ours */
	ck_assert_int_eq(e2e_proxy_start(&cfg, &p2), E2E_ERR_RUNTIME);
	ck_assert_str_eq(e2e_error_message(),
			 "cannot listen on '192.0.2.1:0': Cannot assign requested address");
	e2e_proxy_destroy(NULL);
}
END_TEST

static Suite *proxy_suite(void)
{
	Suite *s = suite_create("proxy");
	TCase *tc = tcase_create("forwarding");

	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_records_each_request);
	tcase_add_test(tc, test_long_path_recorded_cut);
	tcase_add_test(tc, test_keep_alive_both_sides);
	tcase_add_test(tc, test_uploads);
	tcase_add_test(tc, test_head_204_304_chunked);
	tcase_add_test(tc, test_curl_binary_chunked);
	tcase_add_test(tc, test_headers_forwarded);
	tcase_add_test(tc, test_target_prefix);
	tcase_add_test(tc, test_pipelined_expect_http10);
	tcase_add_test(tc, test_quiet_run_flushes);
	tcase_add_test(tc, test_start_errors);
	suite_add_tcase(s, tc);

	tc = tcase_create("failures");
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_upstream_refused);
	tcase_add_test(tc, test_upstream_timeout);
	tcase_add_test(tc, test_upstream_reset_mid_body);
	tcase_add_test(tc, test_client_abort);
	tcase_add_test(tc, test_client_abort_mid_upload);
	tcase_add_test(tc, test_upstream_framing);
	tcase_add_test(tc, test_tls_upstream);
	suite_add_tcase(s, tc);

	tc = tcase_create("load");
	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, test_big_response_bounded_memory);
	tcase_add_test(tc, test_concurrent_clients_lose_nothing);
	tcase_add_test(tc, test_slow_client_while_connecting);
	suite_add_tcase(s, tc);

	tc = tcase_create("stop");
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_stop_waits_for_in_flight);
	tcase_add_test(tc, test_stop_aborts_after_grace);
	suite_add_tcase(s, tc);
	return s;
}

/* Once in the parent, before Check forks: curl's lazy global set-up is not
 * thread-safe, and the tests run curl next to the proxy's threads. */
static void curl_init(void)
{
	curl_global_init(CURL_GLOBAL_DEFAULT);
}

E2E_TEST_MAIN_WITH(proxy_suite, curl_init, curl_global_cleanup)
