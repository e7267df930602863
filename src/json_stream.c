#include "json_stream.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "parse.h"
#include "error.h"
#include "banned.h"

#define BUFSZ (64 * 1024)
#define SHORT_PATH 200

/* One open container: where its path ends, how many members it has had. */
struct level {
	size_t base;
	size_t index;
};

struct e2e_json_stream {
	char *name;
	e2e_json_read_fn read;
	void *ctx;
	bool eof;
	int ioerr;
	unsigned char *buf;
	size_t pos, len;
	uint64_t consumed; /* input offset of buf[0] */
	uint64_t line, line_start; /* 1-based line, offset of its first byte */
	int depth;
	struct level levels[E2E_JSON_STREAM_MAX_DEPTH];
	struct e2e_buf path;
	struct e2e_buf key;
	char short_path[SHORT_PATH];
};

static const char *const type_names[] = {
	[E2E_JSON_OBJECT] = "an object", [E2E_JSON_ARRAY] = "an array", [E2E_JSON_STRING] = "a string",
	[E2E_JSON_NUMBER] = "a number",	 [E2E_JSON_BOOL] = "a boolean", [E2E_JSON_NULL] = "null",
};

const char *e2e_json_type_name(enum e2e_json_type t)
{
	return type_names[t];
}

struct e2e_json_stream *e2e_json_stream_create(const char *name, e2e_json_read_fn read, void *ctx)
{
	struct e2e_json_stream *js = e2e_xcalloc(1, sizeof(*js));

	js->name = e2e_xstrdup(name);
	js->read = read;
	js->ctx = ctx;
	js->buf = e2e_xmalloc(BUFSZ);
	js->line = 1;
	return js;
}

void e2e_json_stream_destroy(struct e2e_json_stream *js)
{
	if (!js)
		return;
	free(js->name);
	free(js->buf);
	e2e_buf_finish(&js->path);
	e2e_buf_finish(&js->key);
	free(js);
}

static bool fill(struct e2e_json_stream *js)
{
	ssize_t n;

	if (js->eof)
		return false;
	js->consumed += js->len;
	js->pos = js->len = 0;
	n = js->read(js->ctx, js->buf, BUFSZ);
	if (n <= 0) {
		if (n < 0)
			js->ioerr = errno ? errno : EIO;
		js->eof = true;
		return false;
	}
	js->len = (size_t)n;
	return true;
}

/* The next byte (peek leaves it, take consumes it), or -1 at the end of
 * the input or after a read error. */
static inline int peek(struct e2e_json_stream *js)
{
	if (js->pos == js->len && !fill(js))
		return -1;
	return js->buf[js->pos];
}

static inline int take(struct e2e_json_stream *js)
{
	if (js->pos == js->len && !fill(js))
		return -1;
	return js->buf[js->pos++];
}

static inline uint64_t offset(const struct e2e_json_stream *js)
{
	return js->consumed + js->pos;
}

const char *e2e_json_stream_path(struct e2e_json_stream *js)
{
	if (!js->path.len)
		return "top level";
	if (js->path.len <= SHORT_PATH)
		return js->path.data;
	snprintf(js->short_path, sizeof(js->short_path), "%.120s...%s", js->path.data,
		 js->path.data + js->path.len - 60);
	return js->short_path;
}

static int io_error(struct e2e_json_stream *js)
{
	return e2e_error(E2E_ERR_INPUT, "'%s': cannot read: %s", js->name, strerror(js->ioerr));
}

/* A syntax error at input offset off (on the current line). */
static int syntax_at(struct e2e_json_stream *js, uint64_t off, const char *what)
{
	if (js->ioerr)
		return io_error(js);
	return e2e_error(E2E_ERR_INPUT, "'%s': not valid JSON at line %llu, column %llu (%s): %s", js->name,
			 (unsigned long long)js->line, (unsigned long long)(off - js->line_start + 1),
			 e2e_json_stream_path(js), what);
}

/* The byte just read (c) was wrong, or the input ended (c == -1). */
static int bad(struct e2e_json_stream *js, int c, const char *what)
{
	if (c < 0)
		return syntax_at(js, offset(js), "unexpected end of file");
	return syntax_at(js, offset(js) - 1, what);
}

/* The next byte (c, not consumed) is wrong, or the input ended. */
static int unexpected(struct e2e_json_stream *js, int c, const char *what)
{
	return c < 0 ? bad(js, c, "") : syntax_at(js, offset(js), what);
}

int e2e_json_stream_fail(struct e2e_json_stream *js, const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	return e2e_error(E2E_ERR_INPUT, "'%s': %s: %s", js->name, e2e_json_stream_path(js), msg);
}

size_t e2e_json_stream_push_key(struct e2e_json_stream *js, const char *key)
{
	size_t mark = js->path.len, n = 0;
	const unsigned char *p = (const unsigned char *)key;
	char seg[130];

	seg[n++] = '.';
	for (; *p && n < sizeof(seg); p++)
		seg[n++] = *p >= 0x20 && *p != 0x7f ? (char)*p : '?';
	while (*p && n > 1 && (*p & 0xc0) == 0x80) {
		n--; /* never cut a UTF-8 sequence */
		p--;
	}
	e2e_buf_add(&js->path, js->path.len ? seg : seg + 1, js->path.len ? n : n - 1);
	return mark;
}

static void push_index(struct e2e_json_stream *js, size_t i)
{
	char seg[32], *p = seg + sizeof(seg);

	*--p = ']';
	do
		*--p = (char)('0' + i % 10);
	while (i /= 10);
	*--p = '[';
	e2e_buf_add(&js->path, p, (size_t)(seg + sizeof(seg) - p));
}

void e2e_json_stream_pop(struct e2e_json_stream *js, size_t mark)
{
	js->path.len = mark;
	if (js->path.data)
		js->path.data[mark] = '\0';
}

/* Skips whitespace; returns the next byte (not consumed) or -1. */
static int ws(struct e2e_json_stream *js)
{
	for (;;) {
		int c = peek(js);

		if (c == '\n') {
			js->line++;
			js->line_start = offset(js) + 1;
		} else if (c != ' ' && c != '\t' && c != '\r') {
			return c;
		}
		js->pos++;
	}
}

int e2e_json_stream_peek(struct e2e_json_stream *js, enum e2e_json_type *out)
{
	int c = ws(js);

	switch (c) {
	case '{':
		*out = E2E_JSON_OBJECT;
		return 0;
	case '[':
		*out = E2E_JSON_ARRAY;
		return 0;
	case '"':
		*out = E2E_JSON_STRING;
		return 0;
	case 't':
	case 'f':
		*out = E2E_JSON_BOOL;
		return 0;
	case 'n':
		*out = E2E_JSON_NULL;
		return 0;
	default:
		if (c == '-' || (c >= '0' && c <= '9')) {
			*out = E2E_JSON_NUMBER;
			return 0;
		}
		return unexpected(js, c, "expected a value");
	}
}

int e2e_json_stream_expect(struct e2e_json_stream *js, enum e2e_json_type want)
{
	enum e2e_json_type t;
	int rc = e2e_json_stream_peek(js, &t);

	if (rc < 0)
		return rc;
	if (t != want)
		return e2e_json_stream_fail(js, "expected %s, got %s", type_names[want], type_names[t]);
	return 0;
}

int e2e_json_stream_begin(struct e2e_json_stream *js)
{
	/* Byte by byte: a pipe can deliver the mark across reads. 0xef starts
	 * no JSON value. */
	if (peek(js) == 0xef) {
		js->pos++;
		if (take(js) != 0xbb || take(js) != 0xbf)
			return syntax_at(js, 0, "expected a value");
	}
	if (ws(js) < 0)
		return js->ioerr ? io_error(js) : 0;
	return 1;
}

int e2e_json_stream_end(struct e2e_json_stream *js)
{
	if (ws(js) >= 0)
		return syntax_at(js, offset(js), "unexpected data after the top-level value");
	return js->ioerr ? io_error(js) : 0;
}

static int hex4(struct e2e_json_stream *js, unsigned *out)
{
	unsigned v = 0;

	for (int i = 0; i < 4; i++) {
		int c = take(js);
		int h = e2e_parse_hex_digit(c);

		if (h < 0)
			return bad(js, c, "bad \\u escape");
		v = v << 4 | (unsigned)h;
	}
	*out = v;
	return 0;
}

static void put_utf8(struct e2e_buf *keep, uint64_t *len, unsigned cp)
{
	char u[4];
	size_t n;

	if (cp < 0x80) {
		u[0] = (char)cp;
		n = 1;
	} else if (cp < 0x800) {
		u[0] = (char)(0xc0 | cp >> 6);
		u[1] = (char)(0x80 | (cp & 0x3f));
		n = 2;
	} else if (cp < 0x10000) {
		u[0] = (char)(0xe0 | cp >> 12);
		u[1] = (char)(0x80 | (cp >> 6 & 0x3f));
		u[2] = (char)(0x80 | (cp & 0x3f));
		n = 3;
	} else {
		u[0] = (char)(0xf0 | cp >> 18);
		u[1] = (char)(0x80 | (cp >> 12 & 0x3f));
		u[2] = (char)(0x80 | (cp >> 6 & 0x3f));
		u[3] = (char)(0x80 | (cp & 0x3f));
		n = 4;
	}
	*len += n;
	if (keep)
		e2e_buf_add(keep, u, n);
}

/* A \u escape (the backslash and 'u' consumed). *backslash is set when a
 * high surrogate was followed by a backslash that starts another kind of
 * escape (consumed, the escape character not). */
static int unicode_escape(struct e2e_json_stream *js, struct e2e_buf *keep, uint64_t *len, bool *backslash)
{
	unsigned cp, lo;
	int rc = hex4(js, &cp);

	*backslash = false;
	if (rc < 0)
		return rc;
	while (cp >= 0xd800 && cp <= 0xdbff) {
		if (peek(js) != '\\') {
			cp = 0xfffd;
			break;
		}
		js->pos++;
		int c = take(js);

		if (c != 'u') {
			put_utf8(keep, len, 0xfffd);
			if (c < 0)
				return bad(js, c, "");
			js->pos--; /* just read, so still in the buffer */
			*backslash = true;
			return 0;
		}
		if ((rc = hex4(js, &lo)) < 0)
			return rc;
		if (lo >= 0xdc00 && lo <= 0xdfff) {
			cp = 0x10000 + ((cp - 0xd800) << 10) + (lo - 0xdc00);
			break;
		}
		put_utf8(keep, len, 0xfffd);
		cp = lo;
	}
	if (cp >= 0xdc00 && cp <= 0xdfff)
		cp = 0xfffd;
	put_utf8(keep, len, cp);
	return 0;
}

/* A string (the next byte is its opening quote). */
static int string(struct e2e_json_stream *js, struct e2e_buf *keep, uint64_t *out_len)
{
	uint64_t len = 0;
	bool backslash;
	int c = take(js), rc;

	if (c != '"')
		return bad(js, c, "expected a string");
	if (keep) {
		e2e_buf_reset(keep);
		e2e_buf_add(keep, "", 0);
	}
	for (;;) {
		/* Fast path: a run of plain ASCII inside the buffer. */
		size_t start = js->pos;

		while (js->pos < js->len) {
			unsigned char b = js->buf[js->pos];

			if (b == '"' || b == '\\' || b < 0x20 || b >= 0x80)
				break;
			js->pos++;
		}
		if (js->pos > start) {
			len += js->pos - start;
			if (keep)
				e2e_buf_add(keep, js->buf + start, js->pos - start);
		}
		c = take(js);
		if (c == '"')
			break;
		if (c < 0x20)
			return bad(js, c, "control character in a string");
		if (c == '\\') {
		escape:
			c = take(js);
			switch (c) {
			case '"':
			case '\\':
			case '/':
				break;
			case 'b':
				c = '\b';
				break;
			case 'f':
				c = '\f';
				break;
			case 'n':
				c = '\n';
				break;
			case 'r':
				c = '\r';
				break;
			case 't':
				c = '\t';
				break;
			case 'u':
				rc = unicode_escape(js, keep, &len, &backslash);
				if (rc < 0)
					return rc;
				if (backslash)
					goto escape;
				continue;
			default:
				return bad(js, c, "bad escape in a string");
			}
			len++;
			if (keep)
				e2e_buf_putc(keep, (char)c);
			continue;
		}
		if (c < 0x80) {
			len++;
			if (keep)
				e2e_buf_putc(keep, (char)c);
			continue;
		}
		/* A multi-byte UTF-8 sequence: no overlongs, no surrogates, at
		 * most U+10FFFF. */
		unsigned char seq[4] = { (unsigned char)c };
		uint64_t lead = offset(js) - 1;
		int n;
		unsigned lo = 0x80, hi = 0xbf;

		if (c >= 0xc2 && c <= 0xdf) {
			n = 2;
		} else if (c >= 0xe0 && c <= 0xef) {
			n = 3;
			if (c == 0xe0)
				lo = 0xa0;
			else if (c == 0xed)
				hi = 0x9f;
		} else if (c >= 0xf0 && c <= 0xf4) {
			n = 4;
			if (c == 0xf0)
				lo = 0x90;
			else if (c == 0xf4)
				hi = 0x8f;
		} else {
			return bad(js, c, "invalid UTF-8");
		}
		for (int i = 1; i < n; i++) {
			int d = take(js);

			if (d < 0)
				return bad(js, d, "");
			if ((unsigned)d < lo || (unsigned)d > hi)
				return syntax_at(js, lead, "invalid UTF-8");
			seq[i] = (unsigned char)d;
			lo = 0x80;
			hi = 0xbf;
		}
		len += (uint64_t)n;
		if (keep)
			e2e_buf_add(keep, seq, (size_t)n);
	}
	if (out_len)
		*out_len = len;
	return 0;
}

/* A number (the next byte starts it); *out, when non-NULL, its value. */
static int number(struct e2e_json_stream *js, double *out)
{
	char text[128];
	size_t n = 0;
	int c;

#define TAKE()                                                                                               \
	do {                                                                                                 \
		if (n < sizeof(text) - 1)                                                                    \
			text[n] = (char)c;                                                                   \
		n++;                                                                                         \
		js->pos++;                                                                                   \
		c = peek(js);                                                                                \
	} while (0)

	c = peek(js);
	if (c == '-')
		TAKE();
	if (c == '0') {
		TAKE();
	} else if (c >= '1' && c <= '9') {
		while (c >= '0' && c <= '9')
			TAKE();
	} else {
		return unexpected(js, c, "bad number");
	}
	if (c == '.') {
		TAKE();
		if (!(c >= '0' && c <= '9'))
			return unexpected(js, c, "bad number");
		while (c >= '0' && c <= '9')
			TAKE();
	}
	if (c == 'e' || c == 'E') {
		TAKE();
		if (c == '+' || c == '-')
			TAKE();
		if (!(c >= '0' && c <= '9'))
			return unexpected(js, c, "bad number");
		while (c >= '0' && c <= '9')
			TAKE();
	}
#undef TAKE
	if (out) {
		if (n >= sizeof(text))
			return e2e_json_stream_fail(js, "number too long");
		text[n] = '\0';
		*out = strtod(text, NULL);
	}
	return 0;
}

/* true, false or null (the next byte starts it). */
static int literal(struct e2e_json_stream *js, const char *lit)
{
	uint64_t start = offset(js);

	for (const char *p = lit; *p; p++) {
		int c = take(js);

		if (c < 0)
			return bad(js, c, "");
		if (c != *p)
			return syntax_at(js, start, "expected a value");
	}
	return 0;
}

int e2e_json_stream_enter(struct e2e_json_stream *js, enum e2e_json_type t)
{
	int rc = e2e_json_stream_expect(js, t);

	if (rc < 0)
		return rc;
	if (js->depth == E2E_JSON_STREAM_MAX_DEPTH)
		return syntax_at(js, offset(js), "nested too deeply");
	js->levels[js->depth++] = (struct level){ .base = js->path.len };
	js->pos++;
	return 0;
}

/* Consumes the closing character of the innermost container. */
static int close_level(struct e2e_json_stream *js)
{
	js->pos++;
	js->depth--;
	return 0;
}

int e2e_json_stream_next_key(struct e2e_json_stream *js, const char **key, size_t *len)
{
	struct level *l = &js->levels[js->depth - 1];
	int c, rc;

	e2e_json_stream_pop(js, l->base);
	c = ws(js);
	if (c == '}')
		return close_level(js);
	if (l->index) {
		if (c != ',')
			return unexpected(js, c, "expected ',' or '}'");
		js->pos++;
		c = ws(js);
	}
	l->index++;
	if (c != '"')
		return unexpected(js, c, "expected a key");
	if ((rc = string(js, &js->key, NULL)) < 0)
		return rc;
	c = ws(js);
	if (c != ':')
		return unexpected(js, c, "expected ':'");
	js->pos++;
	e2e_json_stream_push_key(js, js->key.data);
	*key = js->key.data;
	*len = js->key.len;
	return 1;
}

int e2e_json_stream_next_item(struct e2e_json_stream *js)
{
	struct level *l = &js->levels[js->depth - 1];
	int c;

	e2e_json_stream_pop(js, l->base);
	c = ws(js);
	if (c < 0)
		return bad(js, c, "");
	if (c == ']')
		return close_level(js);
	if (l->index) {
		if (c != ',')
			return unexpected(js, c, "expected ',' or ']'");
		js->pos++;
	}
	push_index(js, l->index++);
	return 1;
}

int e2e_json_stream_string(struct e2e_json_stream *js, struct e2e_buf *keep, uint64_t *len)
{
	int rc = e2e_json_stream_expect(js, E2E_JSON_STRING);

	return rc < 0 ? rc : string(js, keep, len);
}

int e2e_json_stream_number(struct e2e_json_stream *js, double *out)
{
	int rc = e2e_json_stream_expect(js, E2E_JSON_NUMBER);

	return rc < 0 ? rc : number(js, out);
}

int e2e_json_stream_bool(struct e2e_json_stream *js, bool *out)
{
	int rc = e2e_json_stream_expect(js, E2E_JSON_BOOL);
	bool v;

	if (rc < 0)
		return rc;
	v = js->buf[js->pos] == 't'; /* peeked, so in the buffer */
	if ((rc = literal(js, v ? "true" : "false")) < 0)
		return rc;
	if (out)
		*out = v;
	return 0;
}

int e2e_json_stream_null(struct e2e_json_stream *js)
{
	int rc = e2e_json_stream_expect(js, E2E_JSON_NULL);

	return rc < 0 ? rc : literal(js, "null");
}

int e2e_json_stream_skip(struct e2e_json_stream *js)
{
	enum e2e_json_type t;
	const char *key;
	size_t len;
	int rc = e2e_json_stream_peek(js, &t);

	if (rc < 0)
		return rc;
	switch (t) {
	case E2E_JSON_OBJECT:
		if ((rc = e2e_json_stream_enter(js, t)) < 0)
			return rc;
		while ((rc = e2e_json_stream_next_key(js, &key, &len)) > 0) {
			if ((rc = e2e_json_stream_skip(js)) < 0)
				return rc;
		}
		return rc;
	case E2E_JSON_ARRAY:
		if ((rc = e2e_json_stream_enter(js, t)) < 0)
			return rc;
		while ((rc = e2e_json_stream_next_item(js)) > 0) {
			if ((rc = e2e_json_stream_skip(js)) < 0)
				return rc;
		}
		return rc;
	case E2E_JSON_STRING:
		return string(js, NULL, NULL);
	case E2E_JSON_NUMBER:
		return number(js, NULL);
	case E2E_JSON_BOOL:
		return literal(js, js->buf[js->pos] == 't' ? "true" : "false");
	case E2E_JSON_NULL:
		return literal(js, "null");
	}
	return 0;
}
