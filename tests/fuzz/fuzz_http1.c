/* fuzz_http1.c - the HTTP/1.1 response parser (http1.h) on arbitrary
 * bytes from an upstream, fed in pieces of every size.
 *
 * An input starting with "HEAD\n" is the response to a HEAD request (the
 * rest is the response). It is parsed whole, byte by byte, cut in two at
 * an offset and in pseudo-random pieces (both chosen from a hash of the
 * input), each piece in its own heap copy so that a read past its end is
 * caught: every way gives the same transcript (head, framing, the end)
 * and the same body bytes. Along the way: each call uses no more than it
 * is given, all of it when it asks for more; body spans lie at the end of
 * what was used; there is one final head, with a status of 200..999;
 * forwarded fields are tokens with values free of CR, LF, NUL and
 * surrounding whitespace, none of them hop-by-hop or framing; a body
 * framed by Content-Length has exactly that length, and a response with no
 * body none; after the end, the parser stays where it is. */
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "buf.h"
#include "error.h"
#include "http1.h"
#include "fuzz.h"

static bool is_token(const char *s, size_t n)
{
	if (!n)
		return false;
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		if (c <= ' ' || c >= 0x7f || strchr("\"(),/:;<=>?@[\\]{}", c))
			return false;
	}
	return true;
}

static void describe_head(const struct e2e_http1 *p, struct e2e_buf *out)
{
	const char *name, *value;
	int status = e2e_http1_status(p);

	E2E_FUZZ_CHECK(status >= 200 && status <= 999);
	e2e_buf_printf(out, "%d cl=%lld %s\n", status, (long long)e2e_http1_content_length(p),
		       e2e_http1_keep_alive(p) ? "keep" : "close");
	for (size_t i = 0; e2e_http1_header(p, i, &name, &value); i++) {
		size_t nlen = strlen(name), vlen = strlen(value);

		E2E_FUZZ_CHECK(is_token(name, nlen));
		E2E_FUZZ_CHECK(!e2e_http1_hop_by_hop(name, nlen));
		E2E_FUZZ_CHECK(strcasecmp(name, "content-length") != 0);
		E2E_FUZZ_CHECK(!strpbrk(value, "\r\n"));
		E2E_FUZZ_CHECK(!vlen || (value[0] != ' ' && value[0] != '\t' && value[vlen - 1] != ' ' &&
					 value[vlen - 1] != '\t'));
		e2e_buf_printf(out, "%s: %s\n", name, value);
	}
}

/* Checks the end of a response once it is DONE. */
static void check_done(struct e2e_http1 *p, bool head_request, size_t body_len)
{
	int status = e2e_http1_status(p);
	int64_t cl = e2e_http1_content_length(p);
	size_t used = 1;
	const char *b;
	size_t n;

	E2E_FUZZ_CHECK(status >= 200);
	if (head_request || status == 204 || status == 304)
		E2E_FUZZ_CHECK(body_len == 0);
	else if (cl >= 0)
		E2E_FUZZ_CHECK(body_len == (uint64_t)cl);
	E2E_FUZZ_CHECK(e2e_http1_parse(p, "x", 1, &used, &b, &n) == E2E_HTTP1_DONE && used == 0);
	E2E_FUZZ_CHECK(e2e_http1_eof(p));
}

int e2e_fuzz_http1_run(const char *data, size_t size, bool head_request, const size_t *sizes, size_t nsizes,
		       struct e2e_buf *out, struct e2e_buf *body)
{
	struct e2e_http1 p;
	enum e2e_http1_event ev = E2E_HTTP1_NEED;
	char *piece = NULL;
	size_t piece_len = 0, off = 0, k = 0;
	bool head = false;
	int rc = 0;

	e2e_http1_init(&p);
	e2e_http1_reset(&p, head_request);
	do {
		size_t n = sizes[k++ % nsizes], at = 0;

		if (n > size - off)
			n = size - off;
		if (!piece || n != piece_len) { /* exactly n bytes: ASan sees a read past them */
			free(piece);
			piece = e2e_xmalloc(n ? n : 1);
			piece_len = n;
		}
		memcpy(piece, data + off, n);
		for (;;) {
			size_t used = (size_t)-1, blen = 0;
			const char *b = NULL;

			ev = e2e_http1_parse(&p, piece + at, n - at, &used, &b, &blen);
			if (ev == E2E_HTTP1_ERROR)
				break;
			E2E_FUZZ_CHECK(used <= n - at);
			if (ev == E2E_HTTP1_HEAD) {
				E2E_FUZZ_CHECK(!head);
				head = true;
				describe_head(&p, out);
			} else if (ev == E2E_HTTP1_BODY) {
				E2E_FUZZ_CHECK(head && blen > 0 && blen <= used &&
					       b == piece + at + used - blen);
				e2e_buf_add(body, b, blen);
			} else if (ev == E2E_HTTP1_NEED) {
				E2E_FUZZ_CHECK(used == n - at);
			}
			at += used;
			if (ev != E2E_HTTP1_HEAD && ev != E2E_HTTP1_BODY)
				break;
		}
		off += at;
	} while (ev == E2E_HTTP1_NEED && off < size);
	free(piece);
	if (ev == E2E_HTTP1_NEED)
		ev = e2e_http1_eof(&p) ? E2E_HTTP1_DONE : E2E_HTTP1_ERROR;
	if (ev == E2E_HTTP1_DONE) {
		E2E_FUZZ_CHECK(head);
		check_done(&p, head_request, body->len);
		if (off < size)
			e2e_buf_printf(out, "done +%zu\n", size - off);
		else
			e2e_buf_puts(out, "done\n");
	} else {
		size_t used, n;
		const char *b;

		E2E_FUZZ_CHECK(ev == E2E_HTTP1_ERROR && e2e_http1_error(&p) != NULL);
		E2E_FUZZ_CHECK(e2e_http1_parse(&p, "x", 1, &used, &b, &n) == E2E_HTTP1_ERROR);
		E2E_FUZZ_CHECK(!e2e_http1_eof(&p));
		e2e_buf_printf(out, "error: %s\n", e2e_http1_error(&p));
		rc = e2e_error(E2E_ERR_INPUT, "%s", e2e_http1_error(&p));
	}
	e2e_http1_finish(&p);
	return rc;
}

static uint64_t next_random(uint64_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 7;
	*s ^= *s << 17;
	return *s;
}

/* Runs data in pieces of the given sizes; the outcome must be the one of
 * the whole input. */
static void check_same(const char *data, size_t size, bool head_request, const size_t *sizes, size_t nsizes,
		       int rc, const struct e2e_buf *out, const struct e2e_buf *body)
{
	struct e2e_buf out2 = E2E_BUF_INIT, body2 = E2E_BUF_INIT;
	int rc2 = e2e_fuzz_http1_run(data, size, head_request, sizes, nsizes, &out2, &body2);

	E2E_FUZZ_CHECK(rc2 == rc);
	E2E_FUZZ_CHECK(out2.len == out->len && memcmp(out2.data, out->data, out->len) == 0);
	E2E_FUZZ_CHECK(body2.len == body->len &&
		       (!body->len || memcmp(body2.data, body->data, body->len) == 0));
	e2e_buf_finish(&out2);
	e2e_buf_finish(&body2);
}

int e2e_fuzz_http1(const uint8_t *bytes, size_t size)
{
	const char *data = (const char *)bytes;
	bool head_request = size >= 5 && memcmp(data, "HEAD\n", 5) == 0;
	struct e2e_buf out = E2E_BUF_INIT, body = E2E_BUF_INIT;
	const size_t whole = (size_t)-1, one = 1;
	size_t cut[2], sizes[16];
	uint64_t seed = 14695981039346656037ull;
	int rc;

	if (head_request) {
		data += 5;
		size -= 5;
	}
	for (size_t i = 0; i < size; i++)
		seed = (seed ^ (unsigned char)data[i]) * 1099511628211ull;
	seed |= 1;
	rc = e2e_fuzz_http1_run(data, size, head_request, &whole, 1, &out, &body);
	check_same(data, size, head_request, &one, 1, rc, &out, &body);
	cut[0] = size ? (size_t)(next_random(&seed) % size) : 0;
	cut[1] = whole;
	check_same(data, size, head_request, cut, 2, rc, &out, &body);
	for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++)
		sizes[i] = 1 + (size_t)(next_random(&seed) % (i % 4 == 3 ? 4096 : 24));
	check_same(data, size, head_request, sizes, sizeof(sizes) / sizeof(sizes[0]), rc, &out, &body);
	e2e_buf_finish(&out);
	e2e_buf_finish(&body);
	return rc;
}

E2E_FUZZ_TARGET(e2e_fuzz_http1)
