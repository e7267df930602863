/* Unit tests for json_stream.c: valid documents read back value by value,
 * every kind of malformed input with its exact message and path, and
 * every input again delivered in reads of 1, 2, 3... bytes, so that each
 * token (strings, escapes, \u surrogate pairs, UTF-8 sequences, numbers,
 * literals, the byte order mark) is split at every position. */
#include <check.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "error.h"
#include "json_stream.h"
#include "testutil.h"

#define NAME "doc.json"

/* An input in memory, delivered chunk bytes per read (0: as much as
 * asked); with fail, the read at offset fail_at fails with EIO. */
struct input {
	const char *data;
	size_t len, pos, chunk;
	bool fail;
	size_t fail_at;
	size_t reads;
};

static ssize_t read_input(void *ctx, void *buf, size_t cap)
{
	struct input *in = ctx;
	size_t n = in->len - in->pos;

	in->reads++;
	if (in->fail && in->pos == in->fail_at) {
		errno = EIO;
		return -1;
	}
	if (in->chunk && n > in->chunk)
		n = in->chunk;
	if (n > cap)
		n = cap;
	if (in->fail && in->pos + n > in->fail_at)
		n = in->fail_at - in->pos;
	memcpy(buf, in->data + in->pos, n);
	in->pos += n;
	return (ssize_t)n;
}

/* Appends a decoded string as canonical JSON: '"' and '\' escaped, bytes
 * below 0x20 as \u00XX, everything else as is. */
static void put_string(struct e2e_buf *out, const char *s, size_t len)
{
	e2e_buf_putc(out, '"');
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c == '"' || c == '\\')
			e2e_buf_printf(out, "\\%c", c);
		else if (c < 0x20)
			e2e_buf_printf(out, "\\u%04x", c);
		else
			e2e_buf_putc(out, (char)c);
	}
	e2e_buf_putc(out, '"');
}

/* Reads the next value with the typed readers and appends it to out as
 * canonical JSON (numbers as %.17g). */
static int dump(struct e2e_json_stream *js, struct e2e_buf *out)
{
	struct e2e_buf s = E2E_BUF_INIT;
	enum e2e_json_type t;
	const char *key;
	size_t klen;
	uint64_t len = 0;
	double d;
	bool b;
	int rc = e2e_json_stream_peek(js, &t), n = 0;

	if (rc < 0)
		return rc;
	switch (t) {
	case E2E_JSON_OBJECT:
		if ((rc = e2e_json_stream_enter(js, t)) < 0)
			break;
		e2e_buf_putc(out, '{');
		while ((rc = e2e_json_stream_next_key(js, &key, &klen)) > 0) {
			if (n++)
				e2e_buf_putc(out, ',');
			put_string(out, key, klen);
			e2e_buf_putc(out, ':');
			if ((rc = dump(js, out)) < 0)
				break;
		}
		e2e_buf_putc(out, '}');
		break;
	case E2E_JSON_ARRAY:
		if ((rc = e2e_json_stream_enter(js, t)) < 0)
			break;
		e2e_buf_putc(out, '[');
		while ((rc = e2e_json_stream_next_item(js)) > 0) {
			if (n++)
				e2e_buf_putc(out, ',');
			if ((rc = dump(js, out)) < 0)
				break;
		}
		e2e_buf_putc(out, ']');
		break;
	case E2E_JSON_STRING:
		if ((rc = e2e_json_stream_string(js, &s, &len)) < 0)
			break;
		ck_assert_uint_eq(len, s.len);
		put_string(out, s.data, s.len);
		break;
	case E2E_JSON_NUMBER:
		if ((rc = e2e_json_stream_number(js, &d)) == 0)
			e2e_buf_printf(out, "%.17g", d);
		break;
	case E2E_JSON_BOOL:
		if ((rc = e2e_json_stream_bool(js, &b)) == 0)
			e2e_buf_puts(out, b ? "true" : "false");
		break;
	case E2E_JSON_NULL:
		if ((rc = e2e_json_stream_null(js)) == 0)
			e2e_buf_puts(out, "null");
		break;
	}
	e2e_buf_finish(&s);
	return rc;
}

/* Reads a whole document: *out gets its canonical form ("" when empty)
 * or the error message. Returns the reader's code. */
static int read_doc(const char *data, size_t len, size_t chunk, char **out)
{
	struct input in = { .data = data, .len = len, .chunk = chunk };
	struct e2e_json_stream *js = e2e_json_stream_create(NAME, read_input, &in);
	struct e2e_buf b = E2E_BUF_INIT;
	int rc = e2e_json_stream_begin(js);

	if (rc > 0 && (rc = dump(js, &b)) == 0)
		rc = e2e_json_stream_end(js);
	if (rc == 0)
		ck_assert_str_eq(e2e_json_stream_path(js), "top level");
	if (rc < 0) {
		e2e_buf_reset(&b);
		e2e_buf_puts(&b, e2e_error_message());
	}
	e2e_buf_add(&b, "", 0);
	*out = e2e_buf_detach(&b, NULL);
	e2e_json_stream_destroy(js);
	return rc;
}

/* Checks a document read whole, then in reads of every size from 1 to
 * its length: the same code and the same result every time. */
static void check_doc(const char *data, size_t len, int want_rc, const char *want)
{
	char *got;
	int rc = read_doc(data, len, 0, &got);

	ck_assert_msg(rc == want_rc && !strcmp(got, want), "%.*s:\n got  %d %s\n want %d %s", (int)len, data,
		      rc, got, want_rc, want);
	free(got);
	for (size_t chunk = 1; chunk <= len; chunk++) {
		rc = read_doc(data, len, chunk, &got);
		ck_assert_msg(rc == want_rc && !strcmp(got, want),
			      "%.*s in reads of %zu:\n got  %d %s\n want %s", (int)len, data, chunk, rc, got,
			      want);
		free(got);
	}
}

static const struct {
	const char *in;
	const char *want;
} valid[] = {
	{ "{}", "{}" },
	{ "[]", "[]" },
	{ " \t\r\n{ \"a\" : 1 ,\"b\":[ ] }\n ", "{\"a\":1,\"b\":[]}" },
	{ "{\"a\":{\"b\":[{},[],[[]],{\"c\":null}]}}", "{\"a\":{\"b\":[{},[],[[]],{\"c\":null}]}}" },
	{ "[true,false,null]", "[true,false,null]" },
	/* top-level scalars */
	{ "\"x\"", "\"x\"" },
	{ "0", "0" },
	{ " -12 ", "-12" },
	{ "true", "true" },
	{ "null", "null" },
	/* numbers */
	{ "[0,-0,1,-1,10,0.5,-0.25,1e3,1E3,1e+3,1e-3,2.5E-1,123456789012,1e400,-1e400,1e-400]",
	  "[0,-0,1,-1,10,0.5,-0.25,1000,1000,1000,0.001,0.25,123456789012,inf,-inf,0]" },
	{ "[0.1,3.141592653589793,9007199254740993]",
	  "[0.10000000000000001,3.1415926535897931,9007199254740992]" },
	{ "[1,2]", "[1,2]" },
	/* duplicate keys are both read */
	{ "{\"a\":1,\"a\":2}", "{\"a\":1,\"a\":2}" },
	/* escapes */
	{ "\"\\\"\\\\\\/\\b\\f\\n\\r\\t\"", "\"\\\"\\\\/\\u0008\\u000c\\u000a\\u000d\\u0009\"" },
	{ "\"\\u0041\\u00e9\\u00E9\\u20ac\\uFFFF\"", "\"A\xc3\xa9\xc3\xa9\xe2\x82\xac\xef\xbf\xbf\"" },
	{ "\"a\\u0000b\"", "\"a\\u0000b\"" },
	{ "{\"k\\u0000ey\":1}", "{\"k\\u0000ey\":1}" },
	/* surrogate pairs; a lone surrogate becomes U+FFFD */
	{ "\"\\ud83d\\ude00\\uD83D\\uDE00\"", "\"\xf0\x9f\x98\x80\xf0\x9f\x98\x80\"" },
	{ "\"\\udbff\\udfff\"", "\"\xf4\x8f\xbf\xbf\"" },
	{ "\"\\ud800\"", "\"\xef\xbf\xbd\"" },
	{ "\"\\udc00x\"", "\"\xef\xbf\xbdx\"" },
	{ "\"\\ud800x\"", "\"\xef\xbf\xbdx\"" },
	{ "\"\\ud800\\n\"", "\"\xef\xbf\xbd\\u000a\"" },
	{ "\"\\ud800\\\\\"", "\"\xef\xbf\xbd\\\\\"" },
	{ "\"\\ud800\\u0041\"", "\"\xef\xbf\xbd"
				"A\"" },
	{ "\"\\ud800\\ud83d\\ude00\"", "\"\xef\xbf\xbd\xf0\x9f\x98\x80\"" },
	{ "\"\\ud800\\ud800\\udc00\"", "\"\xef\xbf\xbd\xf0\x90\x80\x80\"" },
	{ "\"\\ude00\\ud83d\"", "\"\xef\xbf\xbd\xef\xbf\xbd\"" },
	/* UTF-8 at the edges of each length */
	{ "\"\xc2\x80\xdf\xbf\xe0\xa0\x80\xed\x9f\xbf\xee\x80\x80\xef\xbf\xbf\xf0\x90\x80\x80\xf4\x8f\xbf\xbf"
	  "\"",
	  "\"\xc2\x80\xdf\xbf\xe0\xa0\x80\xed\x9f\xbf\xee\x80\x80\xef\xbf\xbf\xf0\x90\x80\x80\xf4\x8f\xbf\xbf"
	  "\"" },
	{ "{\"caf\xc3\xa9\":\"\xe2\x82\xac\"}", "{\"caf\xc3\xa9\":\"\xe2\x82\xac\"}" },
	/* a byte order mark */
	{ "\xef\xbb\xbf{}", "{}" },
	{ "\xef\xbb\xbf \"\xef\xbb\xbf\"", "\"\xef\xbb\xbf\"" },
	/* empty documents */
	{ "", "" },
	{ " \n\t\r ", "" },
	{ "\xef\xbb\xbf", "" },
	{ "\xef\xbb\xbf\n", "" },
};

START_TEST(test_valid)
{
	const char *in = valid[_i].in;

	check_doc(in, strlen(in), 0, valid[_i].want);
}
END_TEST

#define AT(l, c, path, what) "'" NAME "': not valid JSON at line " #l ", column " #c " (" path "): " what

static const struct {
	const char *in;
	const char *want;
} malformed[] = {
	/* structure */
	{ "x", AT(1, 1, "top level", "expected a value") },
	{ "}", AT(1, 1, "top level", "expected a value") },
	{ "{", AT(1, 2, "top level", "unexpected end of file") },
	{ "[", AT(1, 2, "top level", "unexpected end of file") },
	{ "[1", AT(1, 3, "top level", "unexpected end of file") },
	{ "[1,", AT(1, 4, "[1]", "unexpected end of file") },
	{ "{\"a\"", AT(1, 5, "top level", "unexpected end of file") },
	{ "{\"a\":", AT(1, 6, "a", "unexpected end of file") },
	{ "{\"a\":1", AT(1, 7, "top level", "unexpected end of file") },
	{ "[1 2]", AT(1, 4, "top level", "expected ',' or ']'") },
	{ "[1}", AT(1, 3, "top level", "expected ',' or ']'") },
	{ "[1,]", AT(1, 4, "[1]", "expected a value") },
	{ "[,1]", AT(1, 2, "[0]", "expected a value") },
	{ "{\"a\" 1}", AT(1, 6, "top level", "expected ':'") },
	{ "{\"a\":1 \"b\":2}", AT(1, 8, "top level", "expected ',' or '}'") },
	{ "{\"a\":1]", AT(1, 7, "top level", "expected ',' or '}'") },
	{ "{,}", AT(1, 2, "top level", "expected a key") },
	{ "{\"a\":1,}", AT(1, 8, "top level", "expected a key") },
	{ "{'a':1}", AT(1, 2, "top level", "expected a key") },
	{ "{a:1}", AT(1, 2, "top level", "expected a key") },
	{ "{\"a\":}", AT(1, 6, "a", "expected a value") },
	{ "{\"a\":{\"b\":[1,{\"c\":x}]}}", AT(1, 19, "a.b[1].c", "expected a value") },
	{ "{\n  \"a\": [\n    1,\n    x\n  ]\n}", AT(4, 5, "a[1]", "expected a value") },
	{ "{\"a\\nb\":x}", AT(1, 9, "a?b", "expected a value") },
	/* after the top-level value */
	{ "{} {}", AT(1, 4, "top level", "unexpected data after the top-level value") },
	{ "1 2", AT(1, 3, "top level", "unexpected data after the top-level value") },
	{ "[]]", AT(1, 3, "top level", "unexpected data after the top-level value") },
	{ "\"a\"\n\nx", AT(3, 1, "top level", "unexpected data after the top-level value") },
	/* numbers */
	{ "[01]", AT(1, 3, "top level", "expected ',' or ']'") },
	{ "[-01]", AT(1, 4, "top level", "expected ',' or ']'") },
	{ "[1.]", AT(1, 4, "[0]", "bad number") },
	{ "[1.e3]", AT(1, 4, "[0]", "bad number") },
	{ "[1e]", AT(1, 4, "[0]", "bad number") },
	{ "[1e+]", AT(1, 5, "[0]", "bad number") },
	{ "[-]", AT(1, 3, "[0]", "bad number") },
	{ "[-a]", AT(1, 3, "[0]", "bad number") },
	{ "-", AT(1, 2, "top level", "unexpected end of file") },
	{ "1.", AT(1, 3, "top level", "unexpected end of file") },
	{ "[+1]", AT(1, 2, "[0]", "expected a value") },
	{ "[.5]", AT(1, 2, "[0]", "expected a value") },
	{ "[0x1]", AT(1, 3, "top level", "expected ',' or ']'") },
	{ "[1,NaN]", AT(1, 4, "[1]", "expected a value") },
	{ "[Infinity]", AT(1, 2, "[0]", "expected a value") },
	/* literals */
	{ "[tru]", AT(1, 2, "[0]", "expected a value") },
	{ "[nul", AT(1, 5, "[0]", "unexpected end of file") },
	{ "[True]", AT(1, 2, "[0]", "expected a value") },
	{ "{\"a\":falsy}", AT(1, 6, "a", "expected a value") },
	{ "nulll", AT(1, 5, "top level", "unexpected data after the top-level value") },
	/* strings */
	{ "\"abc", AT(1, 5, "top level", "unexpected end of file") },
	{ "\"a\tb\"", AT(1, 3, "top level", "control character in a string") },
	{ "\"a\nb\"", AT(1, 3, "top level", "control character in a string") },
	{ "[\"\x1f\"]", AT(1, 3, "[0]", "control character in a string") },
	{ "\"a\\xb\"", AT(1, 4, "top level", "bad escape in a string") },
	{ "\"\\U0041\"", AT(1, 3, "top level", "bad escape in a string") },
	{ "\"\\", AT(1, 3, "top level", "unexpected end of file") },
	{ "\"\\u12G4\"", AT(1, 6, "top level", "bad \\u escape") },
	{ "\"\\u12\"", AT(1, 6, "top level", "bad \\u escape") },
	{ "\"\\u", AT(1, 4, "top level", "unexpected end of file") },
	{ "\"\\ud83d\\u", AT(1, 10, "top level", "unexpected end of file") },
	{ "\"\\ud83d\\ude0", AT(1, 13, "top level", "unexpected end of file") },
	{ "\"\\ud83d\\uDE0x\"", AT(1, 13, "top level", "bad \\u escape") },
	{ "\"\\ud83d\\", AT(1, 9, "top level", "unexpected end of file") },
	{ "\"\\ud83d\\x\"", AT(1, 9, "top level", "bad escape in a string") },
	{ "{\"k\\q\":1}", AT(1, 5, "top level", "bad escape in a string") },
	{ "{\"a\":\"\\u00e9\",\"b\":\"\t\"}", AT(1, 20, "b", "control character in a string") },
	/* UTF-8: the column of the sequence's first byte */
	{ "\"caf\xe9\"", AT(1, 5, "top level", "invalid UTF-8") },
	{ "\"\xc3\"", AT(1, 2, "top level", "invalid UTF-8") },
	{ "\"\xc3", AT(1, 3, "top level", "unexpected end of file") },
	{ "\"\x80\"", AT(1, 2, "top level", "invalid UTF-8") },
	{ "\"\xbf\"", AT(1, 2, "top level", "invalid UTF-8") },
	{ "\"\xc0\xaf\"", AT(1, 2, "top level", "invalid UTF-8") },
	{ "\"\xc1\xbf\"", AT(1, 2, "top level", "invalid UTF-8") },
	{ "\"\xe0\x9f\xbf\"", AT(1, 2, "top level", "invalid UTF-8") },
	{ "\"\xed\xa0\x80\"", AT(1, 2, "top level", "invalid UTF-8") },
	{ "\"\xed\xbf\xbf\"", AT(1, 2, "top level", "invalid UTF-8") },
	{ "\"\xf0\x8f\xbf\xbf\"", AT(1, 2, "top level", "invalid UTF-8") },
	{ "\"\xf4\x90\x80\x80\"", AT(1, 2, "top level", "invalid UTF-8") },
	{ "\"\xf5\x80\x80\x80\"", AT(1, 2, "top level", "invalid UTF-8") },
	{ "\"\xff\"", AT(1, 2, "top level", "invalid UTF-8") },
	{ "\"ab\xe2\x82\"", AT(1, 4, "top level", "invalid UTF-8") },
	{ "\"\xf0\x9f\x98\"", AT(1, 2, "top level", "invalid UTF-8") },
	{ "\"\xf0\x9f\x98", AT(1, 5, "top level", "unexpected end of file") },
	{ "{\"k\xc3\x28\":1}", AT(1, 4, "top level", "invalid UTF-8") },
	{ "\xc3\xa9", AT(1, 1, "top level", "expected a value") },
	/* a broken byte order mark, or one that is not first */
	{ "\xef", AT(1, 1, "top level", "expected a value") },
	{ "\xef\xbb", AT(1, 1, "top level", "expected a value") },
	{ "\xef\xbb{}", AT(1, 1, "top level", "expected a value") },
	{ "\xef\xbf\xbb{}", AT(1, 1, "top level", "expected a value") },
	{ " \xef\xbb\xbf{}", AT(1, 2, "top level", "expected a value") },
	{ "\xef\xbb\xbf\xef\xbb\xbf{}", AT(1, 4, "top level", "expected a value") },
	/* a number too long to read (skipping it is fine, see below) */
	{ "[1234567890123456789012345678901234567890123456789012345678901234567890123456789012345678901234567"
	  "890"
	  "1234567890123456789012345678]",
	  "'" NAME "': [0]: number too long" },
};

START_TEST(test_malformed)
{
	const char *in = malformed[_i].in;

	check_doc(in, strlen(in), E2E_ERR_INPUT, malformed[_i].want);
}
END_TEST

START_TEST(test_nul_bytes)
{
	/* A NUL byte is never JSON text; \u0000 in a string is (see valid). */
	static const struct {
		const char in[8];
		size_t len;
		const char *want;
	} cases[] = {
		{ "{}\0", 3, AT(1, 3, "top level", "unexpected data after the top-level value") },
		{ "\0{}", 3, AT(1, 1, "top level", "expected a value") },
		{ "[\0]", 3, AT(1, 2, "[0]", "expected a value") },
		{ "\"a\0b\"", 5, AT(1, 3, "top level", "control character in a string") },
		{ "{\"\0\":1}", 7, AT(1, 3, "top level", "control character in a string") },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		check_doc(cases[i].in, cases[i].len, E2E_ERR_INPUT, cases[i].want);
}
END_TEST

/* Skips a whole document; returns the code. */
static int skip_doc(const char *data, size_t len, size_t chunk)
{
	struct input in = { .data = data, .len = len, .chunk = chunk };
	struct e2e_json_stream *js = e2e_json_stream_create(NAME, read_input, &in);
	int rc = e2e_json_stream_begin(js);

	if (rc > 0 && (rc = e2e_json_stream_skip(js)) == 0)
		rc = e2e_json_stream_end(js);
	e2e_json_stream_destroy(js);
	return rc;
}

START_TEST(test_skip_agrees)
{
	/* Skipping validates as much as reading, with the same message, and
	 * needs no limit on the length of a number. */
	for (size_t i = 0; i < sizeof(valid) / sizeof(valid[0]); i++) {
		const char *in = valid[i].in;

		ck_assert_msg(skip_doc(in, strlen(in), 0) >= 0, "%s: %s", in, e2e_error_message());
		ck_assert_msg(skip_doc(in, strlen(in), 1) >= 0, "%s: %s", in, e2e_error_message());
	}
	for (size_t i = 0; i < sizeof(malformed) / sizeof(malformed[0]); i++) {
		const char *in = malformed[i].in;
		int rc = skip_doc(in, strlen(in), 0);

		if (strstr(malformed[i].want, "number too long")) {
			ck_assert_msg(rc == 0, "%s: %s", in, e2e_error_message());
			continue;
		}
		ck_assert_int_eq(rc, E2E_ERR_INPUT);
		ck_assert_msg(!strcmp(e2e_error_message(), malformed[i].want), "%s:\n got  %s\n want %s", in,
			      e2e_error_message(), malformed[i].want);
	}
}
END_TEST

START_TEST(test_depth)
{
	/* 512 nested containers are read, 513 are not; a long path keeps
	 * its first 120 and last 60 bytes. */
	struct e2e_buf doc = E2E_BUF_INIT, want = E2E_BUF_INIT, path = E2E_BUF_INIT;
	char *got;

	for (int i = 0; i < E2E_JSON_STREAM_MAX_DEPTH; i++)
		e2e_buf_puts(&doc, i % 2 ? "{\"k\":" : "[");
	e2e_buf_putc(&doc, '1');
	for (int i = E2E_JSON_STREAM_MAX_DEPTH - 1; i >= 0; i--)
		e2e_buf_puts(&doc, i % 2 ? "}" : "]");
	ck_assert_int_eq(read_doc(doc.data, doc.len, 0, &got), 0);
	ck_assert_str_eq(got, doc.data);
	free(got);

	e2e_buf_reset(&doc);
	for (int i = 0; i <= E2E_JSON_STREAM_MAX_DEPTH; i++)
		e2e_buf_putc(&doc, '[');
	for (int i = 0; i < E2E_JSON_STREAM_MAX_DEPTH; i++)
		e2e_buf_puts(&path, "[0]");
	e2e_buf_printf(&want, AT(1, 513, "%.120s...%s", "nested too deeply"), path.data,
		       path.data + path.len - 60);
	check_doc(doc.data, doc.len, E2E_ERR_INPUT, want.data);
	ck_assert_int_eq(skip_doc(doc.data, doc.len, 0), E2E_ERR_INPUT);
	ck_assert_str_eq(e2e_error_message(), want.data);

	/* 100,000 brackets: the limit, never the C stack */
	e2e_buf_reset(&doc);
	for (int i = 0; i < 100000; i++)
		e2e_buf_putc(&doc, '[');
	ck_assert_int_eq(skip_doc(doc.data, doc.len, 0), E2E_ERR_INPUT);
	ck_assert_str_eq(e2e_error_message(), want.data);
	e2e_buf_finish(&doc);
	e2e_buf_finish(&want);
	e2e_buf_finish(&path);
}
END_TEST

START_TEST(test_long_values)
{
	/* Strings and numbers longer than the reader's 64 KiB buffer, with
	 * multi-byte characters and escapes across its refills, in whole
	 * reads and in odd-sized ones. */
	struct e2e_buf doc = E2E_BUF_INIT, want = E2E_BUF_INIT;
	static const size_t chunks[] = { 0, 4093, 65537 };

	e2e_buf_puts(&doc, "{\"s\":\"");
	e2e_buf_puts(&want, "{\"s\":\"");
	for (int i = 0; i < 40000; i++) {
		e2e_buf_puts(&doc, "ab\xc3\xa9\\u20ac\\ud83d\\ude00\\n");
		e2e_buf_puts(&want, "ab\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80\\u000a");
	}
	e2e_buf_puts(&doc, "\",\"n\":[");
	e2e_buf_puts(&want, "\",\"n\":[");
	for (int i = 0; i < 30000; i++) {
		char num[32];

		snprintf(num, sizeof(num), "%d.5e-1", i);
		e2e_buf_printf(&doc, "%s%s", i ? "," : "", num);
		e2e_buf_printf(&want, "%s%.17g", i ? "," : "", strtod(num, NULL));
	}
	e2e_buf_puts(&doc, "]}");
	e2e_buf_puts(&want, "]}");
	ck_assert_uint_gt(doc.len, 8 * 64 * 1024);
	for (size_t i = 0; i < sizeof(chunks) / sizeof(chunks[0]); i++) {
		char *got;

		ck_assert_int_eq(read_doc(doc.data, doc.len, chunks[i], &got), 0);
		ck_assert_msg(!strcmp(got, want.data), "reads of %zu differ", chunks[i]);
		free(got);
		ck_assert_int_eq(skip_doc(doc.data, doc.len, chunks[i]), 0);
	}
	e2e_buf_finish(&doc);
	e2e_buf_finish(&want);
}
END_TEST

START_TEST(test_read_error)
{
	/* A failing read wins over the syntax error it causes, wherever it
	 * happens, and the reader never reads again. */
	static const char doc[] = "{\"a\":[1,2,\"three\"]}";
	char want[128];

	snprintf(want, sizeof(want), "'" NAME "': cannot read: %s", strerror(EIO));
	for (size_t at = 0; at < sizeof(doc); at++) {
		struct input in = {
			.data = doc, .len = sizeof(doc) - 1, .chunk = 1, .fail = true, .fail_at = at
		};
		struct e2e_json_stream *js = e2e_json_stream_create(NAME, read_input, &in);
		struct e2e_buf b = E2E_BUF_INIT;
		int rc = e2e_json_stream_begin(js);

		if (rc > 0 && (rc = dump(js, &b)) == 0)
			rc = e2e_json_stream_end(js);
		ck_assert_int_eq(rc, E2E_ERR_INPUT);
		ck_assert_msg(!strcmp(e2e_error_message(), want), "at %zu: %s", at, e2e_error_message());
		ck_assert_uint_eq(in.reads, at + 1);
		e2e_json_stream_destroy(js);
		e2e_buf_finish(&b);
	}
}
END_TEST

START_TEST(test_typed)
{
	/* The typed readers name the path and both types; fail() and
	 * push_key() word the caller's own errors. */
	static const char doc[] = "{\"a\":{\"list\":[1,\"x\"],\"t\":true,\"n\":null}}";
	struct input in = { .data = doc, .len = sizeof(doc) - 1 };
	struct e2e_json_stream *js = e2e_json_stream_create(NAME, read_input, &in);
	struct e2e_buf s = E2E_BUF_INIT;
	const char *key;
	size_t len;
	double d = 0;
	bool b = false;
	size_t mark;

	ck_assert_str_eq(e2e_json_type_name(E2E_JSON_OBJECT), "an object");
	ck_assert_str_eq(e2e_json_type_name(E2E_JSON_NULL), "null");
	ck_assert_int_eq(e2e_json_stream_begin(js), 1);
	ck_assert_str_eq(e2e_json_stream_path(js), "top level");
	ck_assert_int_eq(e2e_json_stream_enter(js, E2E_JSON_ARRAY), E2E_ERR_INPUT);
	ck_assert_str_eq(e2e_error_message(), "'" NAME "': top level: expected an array, got an object");
	ck_assert_int_eq(e2e_json_stream_enter(js, E2E_JSON_OBJECT), 0);
	ck_assert_int_eq(e2e_json_stream_next_key(js, &key, &len), 1);
	ck_assert_str_eq(key, "a");
	ck_assert_str_eq(e2e_json_stream_path(js), "a");
	ck_assert_int_eq(e2e_json_stream_enter(js, E2E_JSON_OBJECT), 0);
	ck_assert_int_eq(e2e_json_stream_next_key(js, &key, &len), 1);
	ck_assert_int_eq(e2e_json_stream_enter(js, E2E_JSON_ARRAY), 0);
	ck_assert_int_eq(e2e_json_stream_next_item(js), 1);
	ck_assert_str_eq(e2e_json_stream_path(js), "a.list[0]");
	ck_assert_int_eq(e2e_json_stream_number(js, &d), 0);
	ck_assert(d == 1);
	ck_assert_int_eq(e2e_json_stream_next_item(js), 1);
	ck_assert_int_eq(e2e_json_stream_number(js, &d), E2E_ERR_INPUT);
	ck_assert_str_eq(e2e_error_message(), "'" NAME "': a.list[1]: expected a number, got a string");
	ck_assert_int_eq(e2e_json_stream_bool(js, &b), E2E_ERR_INPUT);
	ck_assert_str_eq(e2e_error_message(), "'" NAME "': a.list[1]: expected a boolean, got a string");
	ck_assert_int_eq(e2e_json_stream_string(js, NULL, NULL), 0);
	ck_assert_int_eq(e2e_json_stream_next_item(js), 0);
	ck_assert_str_eq(e2e_json_stream_path(js), "a.list");
	ck_assert_int_eq(e2e_json_stream_next_key(js, &key, &len), 1);
	ck_assert_int_eq(e2e_json_stream_null(js), E2E_ERR_INPUT);
	ck_assert_str_eq(e2e_error_message(), "'" NAME "': a.t: expected null, got a boolean");
	ck_assert_int_eq(e2e_json_stream_bool(js, &b), 0);
	ck_assert(b);
	ck_assert_int_eq(e2e_json_stream_next_key(js, &key, &len), 1);
	ck_assert_int_eq(e2e_json_stream_string(js, &s, NULL), E2E_ERR_INPUT);
	ck_assert_str_eq(e2e_error_message(), "'" NAME "': a.n: expected a string, got null");
	ck_assert_int_eq(e2e_json_stream_null(js), 0);
	ck_assert_int_eq(e2e_json_stream_next_key(js, &key, &len), 0);
	ck_assert_str_eq(e2e_json_stream_path(js), "a");
	mark = e2e_json_stream_push_key(js, "missing\x01");
	ck_assert_int_eq(e2e_json_stream_fail(js, "missing required field %d", 7), E2E_ERR_INPUT);
	ck_assert_str_eq(e2e_error_message(), "'" NAME "': a.missing?: missing required field 7");
	e2e_json_stream_pop(js, mark);
	ck_assert_str_eq(e2e_json_stream_path(js), "a");
	ck_assert_int_eq(e2e_json_stream_next_key(js, &key, &len), 0);
	ck_assert_str_eq(e2e_json_stream_path(js), "top level");
	mark = e2e_json_stream_push_key(js, "top");
	ck_assert_str_eq(e2e_json_stream_path(js), "top");
	e2e_json_stream_pop(js, mark);
	ck_assert_int_eq(e2e_json_stream_end(js), 0);
	e2e_json_stream_destroy(js);
	e2e_json_stream_destroy(NULL);
	e2e_buf_finish(&s);
}
END_TEST

START_TEST(test_long_key_path)
{
	/* A key is cut after 129 bytes in the path, never inside a UTF-8
	 * sequence. */
	struct e2e_buf doc = E2E_BUF_INIT, want = E2E_BUF_INIT;
	char *got;

	e2e_buf_puts(&doc, "{\"ab");
	for (int i = 0; i < 100; i++)
		e2e_buf_puts(&doc, "\xc3\xa9");
	e2e_buf_puts(&doc, "\":x}");
	e2e_buf_puts(&want, "'" NAME "': not valid JSON at line 1, column 207 (ab");
	for (int i = 0; i < 63; i++)
		e2e_buf_puts(&want, "\xc3\xa9");
	e2e_buf_puts(&want, "): expected a value");
	ck_assert_int_eq(read_doc(doc.data, doc.len, 0, &got), E2E_ERR_INPUT);
	ck_assert_str_eq(got, want.data);
	free(got);
	e2e_buf_finish(&doc);
	e2e_buf_finish(&want);
}
END_TEST

static Suite *make_suite(void)
{
	Suite *s = suite_create("json_stream");
	TCase *tc = tcase_create("read");

	tcase_add_loop_test(tc, test_valid, 0, sizeof(valid) / sizeof(valid[0]));
	tcase_add_loop_test(tc, test_malformed, 0, sizeof(malformed) / sizeof(malformed[0]));
	tcase_add_test(tc, test_nul_bytes);
	tcase_add_test(tc, test_skip_agrees);
	tcase_add_test(tc, test_typed);
	tcase_add_test(tc, test_long_key_path);
	tcase_add_test(tc, test_read_error);
	suite_add_tcase(s, tc);

	tc = tcase_create("limits");
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_depth);
	tcase_add_test(tc, test_long_values);
	suite_add_tcase(s, tc);

	return s;
}

E2E_TEST_MAIN(make_suite)
