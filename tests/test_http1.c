/* Unit tests for http1.c: every framing, chunk extensions and trailers,
 * folding and bad bytes in fields, every way a length or chunk size can be
 * wrong, the size limits. Each input goes through the fuzz harness's driver
 * (tests/fuzz/fuzz_http1.c, which checks the parser's invariants on the
 * way) whole, byte by byte and cut in two at every offset, with the same
 * result each time. */
#include <check.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "error.h"
#include "http1.h"
#include "testutil.h"
#include "fuzz/fuzz.h"

struct tcase {
	const char *in;
	size_t len; /* 0: strlen(in) */
	bool head; /* the response to a HEAD request */
	const char *want; /* e2e_fuzz_http1_run()'s transcript */
	const char *body;
};

#define OK200 "HTTP/1.1 200 OK\r\n"
#define CHUNKED OK200 "Transfer-Encoding: chunked\r\n\r\n"
#define CLOSED "error: the connection closed before the response ended\n"
#define BAD_VALUE "error: CR or NUL in a header value\n"
#define BAD_NAME "error: invalid character in a header name\n"
#define NO_COLON "error: header line without a name and colon\n"
#define BAD_STATUS "error: invalid status line\n"
#define BAD_CL "error: invalid Content-Length\n"
#define BAD_CHUNK "error: invalid chunk size\n"
#define WITH_NUL(s) s, sizeof(s) - 1

static const size_t whole = (size_t)-1;

static void run(const struct tcase *c, size_t i, const size_t *sizes, size_t nsizes, const char *how)
{
	struct e2e_buf out = E2E_BUF_INIT, body = E2E_BUF_INIT;
	size_t len = c->len ? c->len : strlen(c->in);
	size_t blen = strlen(c->body);
	int rc = e2e_fuzz_http1_run(c->in, len, c->head, sizes, nsizes, &out, &body);

	ck_assert_msg(out.data && strcmp(out.data, c->want) == 0, "case %zu (%s): got\n%s\nwant\n%s", i, how,
		      out.data ? out.data : "", c->want);
	ck_assert_msg(body.len == blen && (!blen || memcmp(body.data, c->body, blen) == 0),
		      "case %zu (%s): body '%.*s', want '%s'", i, how, (int)body.len,
		      body.data ? body.data : "", c->body);
	ck_assert_int_eq(rc, strstr(c->want, "error: ") ? E2E_ERR_INPUT : 0);
	e2e_buf_finish(&out);
	e2e_buf_finish(&body);
}

/* Whole, byte by byte and cut in two at every offset. */
static void check_cases(const struct tcase *cases, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		size_t len = cases[i].len ? cases[i].len : strlen(cases[i].in);
		const size_t one = 1;
		char how[64];

		run(&cases[i], i, &whole, 1, "whole");
		run(&cases[i], i, &one, 1, "byte by byte");
		for (size_t k = 0; k <= len; k++) {
			size_t cut[2] = { k, whole };
			snprintf(how, sizeof(how), "cut at %zu", k);
			run(&cases[i], i, cut, 2, how);
		}
	}
}

START_TEST(test_content_length)
{
	static const struct tcase cases[] = {
		{ OK200 "Content-Type: text/plain\r\nContent-Length: 5\r\n\r\nhello", 0, false,
		  "200 cl=5 keep\nContent-Type: text/plain\ndone\n", "hello" },
		{ OK200 "Content-Length: 0\r\n\r\n", 0, false, "200 cl=0 keep\ndone\n", "" },
		/* the next response is not this one's */
		{ OK200 "Content-Length: 2\r\n\r\nhiHTTP/1.1 200 OK\r\n", 0, false,
		  "200 cl=2 keep\ndone +17\n", "hi" },
		{ OK200 "Content-Length: \t 7 \t\r\n\r\nbody!!!", 0, false, "200 cl=7 keep\ndone\n",
		  "body!!!" },
		{ OK200 "content-LENGTH: 3\r\nContent-Length: 3\r\n\r\nabc", 0, false,
		  "200 cl=3 keep\ndone\n", "abc" },
		{ OK200 "Content-Length: 10\r\n\r\nhello", 0, false, "200 cl=10 keep\n" CLOSED, "hello" },
		/* bare LF line ends */
		{ "HTTP/1.1 200 OK\nContent-Length: 2\nX-A: b\n\nhi", 0, false,
		  "200 cl=2 keep\nX-A: b\ndone\n", "hi" },
		{ OK200 "Content-Length: 9223372036854775807\r\n\r\nab", 0, false,
		  "200 cl=9223372036854775807 keep\n" CLOSED, "ab" },
	};

	check_cases(cases, sizeof(cases) / sizeof(cases[0]));
}
END_TEST

START_TEST(test_bad_lengths)
{
	static const struct tcase cases[] = {
		{ OK200 "Content-Length: -1\r\n\r\n", 0, false, BAD_CL, "" },
		{ OK200 "Content-Length: +5\r\n\r\nhello", 0, false, BAD_CL, "" },
		{ OK200 "Content-Length: 5, 5\r\n\r\nhello", 0, false, BAD_CL, "" },
		{ OK200 "Content-Length: 1 2\r\n\r\nhello", 0, false, BAD_CL, "" },
		{ OK200 "Content-Length:\r\n\r\n", 0, false, BAD_CL, "" },
		{ OK200 "Content-Length: 0x10\r\n\r\n", 0, false, BAD_CL, "" },
		{ OK200 "Content-Length: 9223372036854775808\r\n\r\n", 0, false, BAD_CL, "" },
		{ OK200 "Content-Length: 99999999999999999999999\r\n\r\n", 0, false, BAD_CL, "" },
		{ OK200 "Content-Length: 1\r\nContent-Length: 2\r\n\r\nab", 0, false,
		  "error: conflicting Content-Length values\n", "" },
		/* invalid even when Transfer-Encoding decides */
		{ OK200 "Transfer-Encoding: chunked\r\nContent-Length: x\r\n\r\n0\r\n\r\n", 0, false, BAD_CL,
		  "" },
	};

	check_cases(cases, sizeof(cases) / sizeof(cases[0]));
}
END_TEST

START_TEST(test_chunked)
{
	static const struct tcase cases[] = {
		{ CHUNKED "5\r\nhello\r\n6\r\n world\r\n0\r\n\r\n", 0, false, "200 cl=-1 keep\ndone\n",
		  "hello world" },
		/* upper and lower case hex, leading zeros */
		{ CHUNKED "0000A\r\n0123456789\r\nb\r\nabcdefghijk\r\n000\r\n\r\n", 0, false,
		  "200 cl=-1 keep\ndone\n", "0123456789abcdefghijk" },
		{ CHUNKED "00000000000000000000000001\r\nx\r\n0\r\n\r\n", 0, false, "200 cl=-1 keep\ndone\n",
		  "x" },
		/* extensions, whitespace before them or the line end */
		{ CHUNKED
		  "5;name=value;q=\"a;b\\\"c\"\r\nhello\r\n3 ; x\r\nabc\r\n2 \t\r\nde\r\n0;last=1\r\n\r\n",
		  0, false, "200 cl=-1 keep\ndone\n", "helloabcde" },
		/* trailers are dropped */
		{ CHUNKED "1\r\nx\r\n0\r\nX-Checksum: abc\r\nX-More: 1\r\n\r\n", 0, false,
		  "200 cl=-1 keep\ndone\n", "x" },
		{ "HTTP/1.1 200 OK\nTransfer-Encoding: chunked\n\n2\nhi\n0\nX-T: 1\n\n", 0, false,
		  "200 cl=-1 keep\ndone\n", "hi" },
		{ CHUNKED "1\r\nx\r\n0\r\n\r\nHTTP", 0, false, "200 cl=-1 keep\ndone +4\n", "x" },
		{ OK200 "Transfer-Encoding: CHUNKED\r\n\r\n1\r\nx\r\n0\r\n\r\n", 0, false,
		  "200 cl=-1 keep\ndone\n", "x" },
		{ OK200 "Transfer-Encoding: gzip, chunked\r\n\r\n1\r\nx\r\n0\r\n\r\n", 0, false,
		  "200 cl=-1 keep\ndone\n", "x" },
		/* several lines make one list */
		{ OK200 "Transfer-Encoding: gzip\r\nTransfer-Encoding: chunked\r\n\r\n1\r\nx\r\n0\r\n\r\n", 0,
		  false, "200 cl=-1 keep\ndone\n", "x" },
		/* cut short: in the data, the size line, the trailers */
		{ CHUNKED "5\r\nhel", 0, false, "200 cl=-1 keep\n" CLOSED, "hel" },
		{ CHUNKED "5\r\nhello\r\n1", 0, false, "200 cl=-1 keep\n" CLOSED, "hello" },
		{ CHUNKED "0\r\nX-T: 1\r\n", 0, false, "200 cl=-1 keep\n" CLOSED, "" },
		{ CHUNKED "7fffffffffffffff\r\nab", 0, false, "200 cl=-1 keep\n" CLOSED, "ab" },
	};

	check_cases(cases, sizeof(cases) / sizeof(cases[0]));
}
END_TEST

START_TEST(test_bad_chunks)
{
	static const struct tcase cases[] = {
		{ CHUNKED "8000000000000000\r\n", 0, false, "200 cl=-1 keep\nerror: chunk size too large\n",
		  "" },
		{ CHUNKED "10000000000000000\r\n", 0, false, "200 cl=-1 keep\nerror: chunk size too large\n",
		  "" },
		{ CHUNKED "-1\r\n", 0, false, "200 cl=-1 keep\n" BAD_CHUNK, "" },
		{ CHUNKED "\r\n", 0, false, "200 cl=-1 keep\n" BAD_CHUNK, "" },
		{ CHUNKED ";x\r\n", 0, false, "200 cl=-1 keep\n" BAD_CHUNK, "" },
		{ CHUNKED "5 5\r\nhello\r\n0\r\n\r\n", 0, false, "200 cl=-1 keep\n" BAD_CHUNK, "" },
		{ CHUNKED "0x5\r\nhello\r\n0\r\n\r\n", 0, false, "200 cl=-1 keep\n" BAD_CHUNK, "" },
		{ CHUNKED "g\r\n", 0, false, "200 cl=-1 keep\n" BAD_CHUNK, "" },
		{ CHUNKED "5\rX", 0, false, "200 cl=-1 keep\nerror: CR without LF in a chunk-size line\n",
		  "" },
		{ CHUNKED "5\r\nhelloX\r\n", 0, false,
		  "200 cl=-1 keep\nerror: no CRLF after the chunk data\n", "hello" },
		{ CHUNKED "5\r\nhello\rX", 0, false, "200 cl=-1 keep\nerror: no CRLF after the chunk data\n",
		  "hello" },
		{ CHUNKED "0\r\n\rX", 0, false,
		  "200 cl=-1 keep\nerror: CR without LF in the trailer section\n", "" },
	};

	check_cases(cases, sizeof(cases) / sizeof(cases[0]));
}
END_TEST

START_TEST(test_until_close)
{
	static const struct tcase cases[] = {
		{ OK200 "Server: s\r\n\r\nuntil close", 0, false, "200 cl=-1 close\nServer: s\ndone\n",
		  "until close" },
		{ OK200 "\r\n", 0, false, "200 cl=-1 close\ndone\n", "" },
		{ "HTTP/1.0 200 OK\r\n\r\nold", 0, false, "200 cl=-1 close\ndone\n", "old" },
		/* chunked must come last, else the body runs to the close */
		{ OK200 "Transfer-Encoding: chunked, gzip\r\n\r\n5\r\nhello", 0, false,
		  "200 cl=-1 close\ndone\n", "5\r\nhello" },
		{ OK200 "Transfer-Encoding: notchunked\r\n\r\nxyz", 0, false, "200 cl=-1 close\ndone\n",
		  "xyz" },
		{ OK200 "Transfer-Encoding:\r\n\r\nxyz", 0, false, "200 cl=-1 close\ndone\n", "xyz" },
		{ OK200 "Transfer-Encoding: gzip\r\nContent-Length: 3\r\n\r\nabcdef", 0, false,
		  "200 cl=-1 close\ndone\n", "abcdef" },
		/* Transfer-Encoding wins over Content-Length, and the connection
		 * is not used again */
		{ OK200 "Content-Length: 100\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n", 0,
		  false, "200 cl=-1 close\ndone\n", "abc" },
	};

	check_cases(cases, sizeof(cases) / sizeof(cases[0]));
}
END_TEST

START_TEST(test_no_body)
{
	static const struct tcase cases[] = {
		{ OK200 "Content-Length: 100\r\n\r\n", 0, true, "200 cl=100 keep\ndone\n", "" },
		{ OK200 "Transfer-Encoding: chunked\r\n\r\n", 0, true, "200 cl=-1 keep\ndone\n", "" },
		{ OK200 "Content-Length: 5\r\n\r\nHTTP/1.1 200 OK\r\n", 0, true, "200 cl=5 keep\ndone +17\n",
		  "" },
		{ OK200 "\r\n", 0, true, "200 cl=-1 keep\ndone\n", "" },
		{ "HTTP/1.1 204 No Content\r\nContent-Length: 5\r\n\r\n", 0, false, "204 cl=5 keep\ndone\n",
		  "" },
		{ "HTTP/1.1 204 No Content\r\n\r\n", 0, false, "204 cl=-1 keep\ndone\n", "" },
		{ "HTTP/1.1 304 Not Modified\r\nETag: \"x\"\r\n\r\n", 0, false,
		  "304 cl=-1 keep\nETag: \"x\"\ndone\n", "" },
		{ "HTTP/1.1 304 Not Modified\r\nTransfer-Encoding: chunked\r\n\r\n", 0, false,
		  "304 cl=-1 keep\ndone\n", "" },
	};

	check_cases(cases, sizeof(cases) / sizeof(cases[0]));
}
END_TEST

START_TEST(test_interim)
{
	static const struct tcase cases[] = {
		{ "HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 103 Early Hints\r\nLink: </s.css>; "
		  "rel=preload\r\n\r\n" OK200 "Content-Length: 1\r\n\r\nx",
		  0, false, "200 cl=1 keep\ndone\n", "x" },
		{ "HTTP/1.1 100 Continue\r\nContent-Length: 9\r\n\r\n" OK200 "\r\n", 0, true,
		  "200 cl=-1 keep\ndone\n", "" },
		{ "HTTP/1.1 100 Continue\r\n\r\n", 0, false, CLOSED, "" },
		{ "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n\r\n", 0, false,
		  "error: 101 switching protocols, but no upgrade was asked for\n", "" },
	};

	check_cases(cases, sizeof(cases) / sizeof(cases[0]));
}
END_TEST

START_TEST(test_status_line)
{
	static const struct tcase cases[] = {
		{ "HTTP/1.1 200\r\nContent-Length: 0\r\n\r\n", 0, false, "200 cl=0 keep\ndone\n", "" },
		{ "HTTP/1.1 200 \r\nContent-Length: 0\r\n\r\n", 0, false, "200 cl=0 keep\ndone\n", "" },
		{ "HTTP/1.1 999 Odd \x01\xff reason\r\nContent-Length: 0\r\n\r\n", 0, false,
		  "999 cl=0 keep\ndone\n", "" },
		{ "HTTP/1.1 099 Low\r\n\r\n", 0, false, BAD_STATUS, "" },
		{ "HTTP/1.1 20 OK\r\n\r\n", 0, false, BAD_STATUS, "" },
		{ "HTTP/1.1 2000 OK\r\n\r\n", 0, false, BAD_STATUS, "" },
		{ "HTTP/1.1 200OK\r\n\r\n", 0, false, BAD_STATUS, "" },
		{ "HTTP/1.x 200 OK\r\n\r\n", 0, false, BAD_STATUS, "" },
		{ "HTTP/2 200 OK\r\n\r\n", 0, false, BAD_STATUS, "" },
		{ "http/1.1 200 OK\r\n\r\n", 0, false, BAD_STATUS, "" },
		{ "ICY 200 OK\r\n\r\n", 0, false, BAD_STATUS, "" },
		{ "\r\nHTTP/1.1 200 OK\r\n\r\n", 0, false, BAD_STATUS, "" },
		{ "", 0, false, CLOSED, "" },
		{ "HTTP/1.1 200 OK", 0, false, CLOSED, "" },
		{ OK200 "Content-Le", 0, false, CLOSED, "" },
	};

	check_cases(cases, sizeof(cases) / sizeof(cases[0]));
}
END_TEST

START_TEST(test_connection)
{
	static const struct tcase cases[] = {
		{ OK200 "Connection: close\r\nContent-Length: 2\r\n\r\nok", 0, false,
		  "200 cl=2 close\ndone\n", "ok" },
		{ "HTTP/1.0 200 OK\r\nConnection: keep-alive\r\nContent-Length: 2\r\n\r\nok", 0, false,
		  "200 cl=2 keep\ndone\n", "ok" },
		{ "HTTP/1.0 200 OK\r\nConnection: Keep-Alive, close\r\nContent-Length: 2\r\n\r\nok", 0, false,
		  "200 cl=2 close\ndone\n", "ok" },
		{ "HTTP/1.0 200 OK\r\nContent-Length: 2\r\n\r\nok", 0, false, "200 cl=2 close\ndone\n",
		  "ok" },
		/* the fields Connection names are not forwarded, nor hop-by-hop ones */
		{ OK200
		  "Connection: X-Drop, Keep-Alive\r\nX-Drop: 1\r\nKeep-Alive: timeout=5\r\nX-Keep: 2\r\n"
		  "Content-Length: 0\r\n\r\n",
		  0, false, "200 cl=0 keep\nX-Keep: 2\ndone\n", "" },
		{ OK200
		  "Connection: x-a\r\nX-A: 1\r\nConnection: close\r\nX-B: 2\r\nContent-Length: 0\r\n\r\n",
		  0, false, "200 cl=0 close\nX-B: 2\ndone\n", "" },
		{ OK200 "Proxy-Connection: keep-alive\r\nTE: trailers\r\nTrailer: X-Sum\r\nUpgrade: h2c\r\n"
			"Proxy-Authenticate: Basic\r\nProxy-Authorization: x\r\nSet-Cookie: a=1\r\n"
			"Set-Cookie: b=2\r\nContent-Length: 0\r\n\r\n",
		  0, false, "200 cl=0 keep\nSet-Cookie: a=1\nSet-Cookie: b=2\ndone\n", "" },
	};

	check_cases(cases, sizeof(cases) / sizeof(cases[0]));
}
END_TEST

START_TEST(test_fields)
{
	static const struct tcase cases[] = {
		/* order and case kept, whitespace around values dropped */
		{ OK200
		  "x-LOWER: a\r\nX-Empty:\r\nX-Spaces:  \t \r\nX-Inner: a \t b\r\nX-Obs: caf\xc3\xa9\x7f\r\n"
		  "Content-Length: 0\r\n\r\n",
		  0, false,
		  "200 cl=0 keep\nx-LOWER: a\nX-Empty: \nX-Spaces: \nX-Inner: a \t b\nX-Obs: "
		  "caf\xc3\xa9\x7f\ndone\n",
		  "" },
		{ OK200 "!#$%&'*+-.^_`|~09azAZ: token\r\nContent-Length: 0\r\n\r\n", 0, false,
		  "200 cl=0 keep\n!#$%&'*+-.^_`|~09azAZ: token\ndone\n", "" },
		/* obsolete line folding: one space instead */
		{ OK200 "X-A: one\r\n two\r\n\t three \r\nX-B: b\r\nContent-Length: 0\r\n\r\n", 0, false,
		  "200 cl=0 keep\nX-A: one two three\nX-B: b\ndone\n", "" },
		{ OK200 "X-A:\r\n b\r\nX-C: c\r\n \r\nContent-Length: 0\r\n\r\n", 0, false,
		  "200 cl=0 keep\nX-A: b\nX-C: c\ndone\n", "" },
		{ OK200 " folded\r\nX-A: 1\r\nContent-Length: 0\r\n\r\n", 0, false,
		  "200 cl=0 keep\nX-A: 1\ndone\n", "" },
		{ OK200 "Connection: x-a,\r\n close\r\nX-A: 1\r\nContent-Length: 0\r\n\r\n", 0, false,
		  "200 cl=0 close\ndone\n", "" },
		{ OK200 "Content-Length: 1\r\n 0\r\n\r\n", 0, false,
		  "error: folded Content-Length or Transfer-Encoding line\n", "" },
		{ OK200 "Transfer-Encoding: gzip,\r\n chunked\r\n\r\n", 0, false,
		  "error: folded Content-Length or Transfer-Encoding line\n", "" },
		/* bad bytes */
		{ WITH_NUL(OK200 "X-A: a\0b\r\nContent-Length: 0\r\n\r\n"), false, BAD_VALUE, "" },
		{ WITH_NUL(OK200 "X-A: a\r\n b\0\r\nContent-Length: 0\r\n\r\n"), false, BAD_VALUE, "" },
		{ OK200 "X-A: a\rb\r\nContent-Length: 0\r\n\r\n", 0, false, BAD_VALUE, "" },
		{ OK200 "X-A: a\r\r\nContent-Length: 0\r\n\r\n", 0, false, BAD_VALUE, "" },
		{ OK200 "X A: 1\r\n\r\n", 0, false, BAD_NAME, "" },
		{ OK200 "Content-Length : 1\r\n\r\nx", 0, false, BAD_NAME, "" },
		{ OK200 "X\x01"
			"A: 1\r\n\r\n",
		  0, false, BAD_NAME, "" },
		{ OK200 "X-\xc3\xa9: 1\r\n\r\n", 0, false, BAD_NAME, "" },
		{ OK200 "X(A): 1\r\n\r\n", 0, false, BAD_NAME, "" },
		{ OK200 "X-A\r\n\r\n", 0, false, NO_COLON, "" },
		{ OK200 ": v\r\n\r\n", 0, false, NO_COLON, "" },
	};

	check_cases(cases, sizeof(cases) / sizeof(cases[0]));
}
END_TEST

/* Big inputs: whole, byte by byte and cut at a few offsets. */
static void check_big(const char *in, size_t len, const char *want, const char *body)
{
	const struct tcase c = { in, len, false, want, body };
	const size_t one = 1;
	size_t cuts[] = { 1, 17, len / 2, len - 3, len - 1 };

	run(&c, 0, &whole, 1, "whole");
	run(&c, 0, &one, 1, "byte by byte");
	for (size_t k = 0; k < sizeof(cuts) / sizeof(cuts[0]); k++) {
		size_t cut[2] = { cuts[k], whole };
		run(&c, 0, cut, 2, "cut");
	}
}

/* status line, a padding field, "Content-Length: 0" and the empty line:
 * total bytes of head in all (interim heads of interim bytes first). */
static void padded_head(struct e2e_buf *b, size_t interim, size_t total)
{
	static const char end[] = "Content-Length: 0\r\n\r\n";

	e2e_buf_reset(b);
	if (interim) {
		e2e_buf_puts(b, "HTTP/1.1 103 Early Hints\r\nX-Pad: ");
		while (b->len < interim - 4)
			e2e_buf_putc(b, 'i');
		e2e_buf_puts(b, "\r\n\r\n");
	}
	e2e_buf_puts(b, OK200 "X-Pad: ");
	while (b->len < total - (sizeof(end) - 1) - 2)
		e2e_buf_putc(b, 'p');
	e2e_buf_puts(b, "\r\n");
	e2e_buf_puts(b, end);
	ck_assert_uint_eq(b->len, total);
}

/* A head limit set on the parser: exact, reported as head_too_large, kept
 * across resets; other errors are not head_too_large. */
START_TEST(test_head_max)
{
	static const struct {
		size_t max, total;
		enum e2e_http1_event want;
		const char *why;
	} cases[] = {
		{ 200, 200, E2E_HTTP1_HEAD, NULL },
		{ 200, 201, E2E_HTTP1_ERROR, "response head larger than 200 bytes" },
		{ 100000, 70000, E2E_HTTP1_HEAD, NULL },
		{ 0, E2E_HTTP1_HEAD_MAX + 1, E2E_HTTP1_ERROR, "response head larger than 65536 bytes" },
	};
	struct e2e_buf b = E2E_BUF_INIT;
	struct e2e_http1 h;

	e2e_http1_init(&h);
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		size_t used = 0, n = 0;
		const char *body;
		enum e2e_http1_event ev;

		e2e_http1_set_head_max(&h, cases[i].max);
		for (int round = 0; round < 2; round++) { /* the limit outlives a reset */
			e2e_http1_reset(&h, false);
			padded_head(&b, 0, cases[i].total);
			ev = e2e_http1_parse(&h, b.data, b.len, &used, &body, &n);
			ck_assert_int_eq(ev, cases[i].want);
			ck_assert_int_eq(e2e_http1_head_too_large(&h), cases[i].why != NULL);
			if (cases[i].why)
				ck_assert_str_eq(e2e_http1_error(&h), cases[i].why);
		}
	}
	e2e_http1_reset(&h, false);
	{
		size_t used = 0, n = 0;
		const char *body;
		ck_assert_int_eq(e2e_http1_parse(&h, "HTTP/9 x\r\n\r\n", 14, &used, &body, &n),
				 E2E_HTTP1_ERROR);
		ck_assert(!e2e_http1_head_too_large(&h));
	}
	e2e_http1_finish(&h);
	e2e_buf_finish(&b);
}
END_TEST

START_TEST(test_limits)
{
	struct e2e_buf b = E2E_BUF_INIT, want = E2E_BUF_INIT;
	const char *too_big = "error: response head larger than 65536 bytes\n";
	static const char ok[] = "200 cl=0 keep\nX-Pad: ";
	size_t pad;

	padded_head(&b, 0, E2E_HTTP1_HEAD_MAX);
	pad = E2E_HTTP1_HEAD_MAX - (sizeof(OK200) - 1) - strlen("X-Pad: \r\nContent-Length: 0\r\n\r\n");
	e2e_buf_puts(&want, ok);
	for (size_t i = 0; i < pad; i++)
		e2e_buf_putc(&want, 'p');
	e2e_buf_puts(&want, "\ndone\n");
	check_big(b.data, b.len, want.data, "");
	padded_head(&b, 0, E2E_HTTP1_HEAD_MAX + 1);
	check_big(b.data, b.len, too_big, "");
	/* interim heads count too */
	padded_head(&b, 40000, E2E_HTTP1_HEAD_MAX + 1);
	check_big(b.data, b.len, too_big, "");
	/* a line that never ends */
	e2e_buf_reset(&b);
	e2e_buf_puts(&b, OK200 "X-Pad: ");
	while (b.len <= E2E_HTTP1_HEAD_MAX)
		e2e_buf_putc(&b, 'p');
	check_big(b.data, b.len, too_big, "");

	/* a chunk-size line of at most 65536 bytes, extensions included */
	for (int over = 0; over < 2; over++) {
		e2e_buf_reset(&b);
		e2e_buf_puts(&b, CHUNKED "1;");
		while (b.len < strlen(CHUNKED) + E2E_HTTP1_HEAD_MAX - 2 + (size_t)over)
			e2e_buf_putc(&b, 'e');
		e2e_buf_puts(&b, "\r\nx\r\n0\r\n\r\n");
		check_big(b.data, b.len,
			  over ? "200 cl=-1 keep\nerror: chunk-size line longer than 65536 bytes\n"
			       : "200 cl=-1 keep\ndone\n",
			  over ? "" : "x");
	}
	e2e_buf_reset(&b);
	e2e_buf_puts(&b, CHUNKED);
	while (b.len < strlen(CHUNKED) + E2E_HTTP1_HEAD_MAX + 1)
		e2e_buf_putc(&b, '0');
	check_big(b.data, b.len, "200 cl=-1 keep\nerror: chunk-size line longer than 65536 bytes\n", "");

	/* a trailer section of at most 65536 bytes */
	for (int over = 0; over < 2; over++) {
		e2e_buf_reset(&b);
		e2e_buf_puts(&b, CHUNKED "0\r\nX-T: ");
		while (b.len < strlen(CHUNKED "0\r\n") + E2E_HTTP1_HEAD_MAX - 4 + (size_t)over)
			e2e_buf_putc(&b, 't');
		e2e_buf_puts(&b, "\r\n\r\n");
		check_big(b.data, b.len,
			  over ? "200 cl=-1 keep\nerror: trailer section larger than 65536 bytes\n"
			       : "200 cl=-1 keep\ndone\n",
			  "");
	}
	e2e_buf_finish(&b);
	e2e_buf_finish(&want);
}
END_TEST

/* One parser for response after response, as on a kept-alive connection:
 * each starts where the last ended, and the store is not reallocated. */
START_TEST(test_reuse)
{
	static const char in[] = OK200 "X-A: 1\r\nContent-Length: 2\r\n\r\nhi" OK200
				       "X-A: 2\r\nTransfer-Encoding: chunked\r\n\r\n1\r\nx\r\n0\r\n\r\n";
	struct e2e_http1 p;
	const char *data = in, *name = NULL, *value, *first = NULL, *body;
	size_t len = sizeof(in) - 1, used, n;

	e2e_http1_init(&p);
	ck_assert(!e2e_http1_header(&p, 0, &name, &value));
	ck_assert_int_eq(e2e_http1_status(&p), 0);
	for (int round = 0; round < 4; round++) {
		e2e_http1_reset(&p, false);
		ck_assert_int_eq(e2e_http1_parse(&p, data, len, &used, &body, &n), E2E_HTTP1_HEAD);
		ck_assert(e2e_http1_header(&p, 0, &name, &value));
		ck_assert_str_eq(name, "X-A");
		ck_assert_str_eq(value, round % 2 ? "2" : "1");
		if (round == 0)
			first = name;
		ck_assert_ptr_eq(name, first);
		data += used;
		len -= used;
		ck_assert_int_eq(e2e_http1_parse(&p, data, len, &used, &body, &n), E2E_HTTP1_BODY);
		ck_assert_uint_eq(n, 2 - (size_t)(round % 2));
		data += used;
		len -= used;
		for (;;) {
			enum e2e_http1_event ev = e2e_http1_parse(&p, data, len, &used, &body, &n);
			data += used;
			len -= used;
			if (ev == E2E_HTTP1_DONE)
				break;
			ck_assert_int_eq(ev, E2E_HTTP1_NEED);
		}
		ck_assert(e2e_http1_keep_alive(&p));
		if (round == 1) {
			ck_assert_uint_eq(len, 0);
			data = in;
			len = sizeof(in) - 1;
		}
	}
	e2e_http1_finish(&p);
	e2e_http1_finish(NULL);
}
END_TEST

START_TEST(test_helpers)
{
	static const struct {
		const char *name;
		bool hop;
	} hop[] = {
		{ "Connection", true },
		{ "keep-alive", true },
		{ "PROXY-CONNECTION", true },
		{ "Proxy-Authenticate", true },
		{ "proxy-authorization", true },
		{ "te", true },
		{ "Trailer", true },
		{ "transfer-encoding", true },
		{ "Upgrade", true },
		{ "Trailers", false },
		{ "t", false },
		{ "Content-Length", false },
		{ "X-Connection", false },
	};
	static const struct {
		const char *value, *name;
		bool listed;
	} listed[] = {
		{ "close", "close", true },
		{ " Keep-Alive ,\tclose ", "close", true },
		{ "keep-alive, x-a", "X-A", true },
		{ ",,x-a,,", "x-a", true },
		{ "x-ab", "x-a", false },
		{ "x-a b", "x-a", false },
		{ "", "x", false },
		{ NULL, "x", false },
	};

	for (size_t i = 0; i < sizeof(hop) / sizeof(hop[0]); i++)
		ck_assert_msg(e2e_http1_hop_by_hop(hop[i].name, strlen(hop[i].name)) == hop[i].hop, "%s",
			      hop[i].name);
	for (size_t i = 0; i < sizeof(listed) / sizeof(listed[0]); i++)
		ck_assert_msg(e2e_http1_conn_listed(listed[i].value, listed[i].name,
						    strlen(listed[i].name)) == listed[i].listed,
			      "'%s' lists '%s'", listed[i].value ? listed[i].value : "(null)",
			      listed[i].name);
}
END_TEST

static Suite *make_suite(void)
{
	Suite *s = suite_create("http1");
	TCase *tc = tcase_create("framing");

	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_content_length);
	tcase_add_test(tc, test_bad_lengths);
	tcase_add_test(tc, test_chunked);
	tcase_add_test(tc, test_bad_chunks);
	tcase_add_test(tc, test_until_close);
	tcase_add_test(tc, test_no_body);
	tcase_add_test(tc, test_interim);
	suite_add_tcase(s, tc);

	tc = tcase_create("head");
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_status_line);
	tcase_add_test(tc, test_connection);
	tcase_add_test(tc, test_fields);
	tcase_add_test(tc, test_helpers);
	suite_add_tcase(s, tc);

	tc = tcase_create("limits");
	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, test_limits);
	tcase_add_test(tc, test_head_max);
	tcase_add_test(tc, test_reuse);
	suite_add_tcase(s, tc);

	return s;
}

E2E_TEST_MAIN(make_suite)
