#include "har.h"

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "buf.h"
#include "error.h"
#include "recorder.h"
#include "sha256.h"
#include "store.h"

#include "fsutil.h"
#include "banned.h"

/* Streaming keeps memory small whatever the size; this bounds the work. */
#define HAR_MAX_BYTES (4ull << 30)

/* ------------------------------------------------------------------ */
/* A streaming JSON reader: validates everything it passes over (RFC 8259,
 * UTF-8), keeps only what the caller asks for, and tracks the JSON path
 * and line for messages. jansson would build the whole tree (5-6x the
 * file size for a typical HAR). */

#define JR_BUFSZ (256 * 1024)
#define JR_MAX_DEPTH 512

enum jtype { J_OBJECT, J_ARRAY, J_STRING, J_NUMBER, J_BOOL, J_NULL };

struct jr {
	const char *file;
	int fd;
	int ioerr;
	unsigned char *buf;
	size_t pos, len;
	uint64_t consumed; /* file offset of buf[0] */
	uint64_t line, line_start; /* 1-based line, offset of its first byte */
	int depth;
	struct e2e_sha256 sha;
	struct e2e_buf path;
	struct e2e_buf key;
	char short_path[200];
};

static const char *const type_names[] = {
	[J_OBJECT] = "an object", [J_ARRAY] = "an array", [J_STRING] = "a string",
	[J_NUMBER] = "a number",  [J_BOOL] = "a boolean", [J_NULL] = "null",
};

static bool jr_fill(struct jr *r)
{
	ssize_t n;

	if (r->fd < 0)
		return false;
	r->consumed += r->len;
	r->pos = r->len = 0;
	do
		n = read(r->fd, r->buf, JR_BUFSZ);
	while (n < 0 && errno == EINTR);
	if (n <= 0) {
		if (n < 0)
			r->ioerr = errno;
		close(r->fd);
		r->fd = -1;
		return false;
	}
	e2e_sha256_update(&r->sha, r->buf, (size_t)n);
	r->len = (size_t)n;
	return true;
}

static inline int jr_peek(struct jr *r)
{
	if (r->pos == r->len && !jr_fill(r))
		return -1;
	return r->buf[r->pos];
}

static inline int jr_getc(struct jr *r)
{
	if (r->pos == r->len && !jr_fill(r))
		return -1;
	return r->buf[r->pos++];
}

static inline uint64_t jr_off(const struct jr *r)
{
	return r->consumed + r->pos;
}

/* The current path for messages; a very deep one keeps its start (the
 * entry) and its end. */
static const char *jr_path(struct jr *r)
{
	if (!r->path.len)
		return "top level";
	if (r->path.len <= 200)
		return r->path.data;
	snprintf(r->short_path, sizeof(r->short_path), "%.120s...%s", r->path.data,
		 r->path.data + r->path.len - 60);
	return r->short_path;
}

static int jr_io_error(struct jr *r)
{
	return e2e_error(E2E_ERR_INPUT, "'%s': cannot read: %s", r->file, strerror(r->ioerr));
}

/* A syntax error at byte offset off (on the current line). */
static int jr_syntax_at(struct jr *r, uint64_t off, const char *what)
{
	if (r->ioerr)
		return jr_io_error(r);
	return e2e_error(E2E_ERR_INPUT, "'%s': not valid JSON at line %llu, column %llu (%s): %s", r->file,
			 (unsigned long long)r->line, (unsigned long long)(off - r->line_start + 1),
			 jr_path(r), what);
}

/* The byte just read was wrong, or the file ended (c == -1). */
static int jr_bad(struct jr *r, int c, const char *what)
{
	if (c < 0)
		return jr_syntax_at(r, jr_off(r), "unexpected end of file");
	return jr_syntax_at(r, jr_off(r) - 1, what);
}

/* The next byte (c, not consumed) is wrong, or the file ended. */
static int jr_unexpected(struct jr *r, int c, const char *what)
{
	return c < 0 ? jr_bad(r, c, "") : jr_syntax_at(r, jr_off(r), what);
}

/* An error about the field at the current path. */
__attribute__((format(printf, 2, 3))) static int jr_field(struct jr *r, const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	return e2e_error(E2E_ERR_INPUT, "'%s': %s: %s", r->file, jr_path(r), msg);
}

/* Appends ".key" (at most 128 bytes of it, control characters as '?'). */
static size_t jr_push_key(struct jr *r, const char *key)
{
	size_t mark = r->path.len, n = 0;
	const unsigned char *p = (const unsigned char *)key;
	char seg[130];

	seg[n++] = '.';
	for (; *p && n < sizeof(seg); p++)
		seg[n++] = *p >= 0x20 && *p != 0x7f ? (char)*p : '?';
	while (*p && n > 1 && (*p & 0xc0) == 0x80) {
		n--; /* never cut a UTF-8 sequence */
		p--;
	}
	e2e_buf_add(&r->path, r->path.len ? seg : seg + 1, r->path.len ? n : n - 1);
	return mark;
}

/* Appends "[i]". */
static size_t jr_push_index(struct jr *r, size_t i)
{
	size_t mark = r->path.len;
	char seg[32], *p = seg + sizeof(seg);

	*--p = ']';
	do
		*--p = (char)('0' + i % 10);
	while (i /= 10);
	*--p = '[';
	e2e_buf_add(&r->path, p, (size_t)(seg + sizeof(seg) - p));
	return mark;
}

static void jr_pop(struct jr *r, size_t mark)
{
	r->path.len = mark;
	if (r->path.data)
		r->path.data[mark] = '\0';
}

/* Skips whitespace; returns the next byte (not consumed) or -1. */
static int jr_ws(struct jr *r)
{
	for (;;) {
		int c = jr_peek(r);

		if (c == '\n') {
			r->line++;
			r->line_start = jr_off(r) + 1;
		} else if (c != ' ' && c != '\t' && c != '\r') {
			return c;
		}
		r->pos++;
	}
}

/* Classifies the value that starts at the next byte (after whitespace). */
static int jr_type(struct jr *r, enum jtype *t)
{
	int c = jr_ws(r);

	switch (c) {
	case '{':
		*t = J_OBJECT;
		return 0;
	case '[':
		*t = J_ARRAY;
		return 0;
	case '"':
		*t = J_STRING;
		return 0;
	case 't':
	case 'f':
		*t = J_BOOL;
		return 0;
	case 'n':
		*t = J_NULL;
		return 0;
	default:
		if (c == '-' || (c >= '0' && c <= '9')) {
			*t = J_NUMBER;
			return 0;
		}
		return jr_unexpected(r, c, "expected a value");
	}
}

/* The next value must be of type want (else a field error naming the
 * current path). */
static int jr_expect(struct jr *r, enum jtype want)
{
	enum jtype t;
	int rc = jr_type(r, &t);

	if (rc < 0)
		return rc;
	if (t != want)
		return jr_field(r, "expected %s, got %s", type_names[want], type_names[t]);
	return 0;
}

static int hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

static int jr_hex4(struct jr *r, unsigned *out)
{
	unsigned v = 0;

	for (int i = 0; i < 4; i++) {
		int c = jr_getc(r);
		int h = hexval(c);

		if (h < 0)
			return jr_bad(r, c, "bad \\u escape");
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

/* A \u escape (the backslash and 'u' consumed). A lone surrogate is valid
 * JSON grammar (JSON.stringify writes one for a broken string) and
 * becomes U+FFFD. *backslash is set when a high surrogate was followed by
 * a backslash that starts another kind of escape (consumed, the escape
 * character not). */
static int jr_unicode_escape(struct jr *r, struct e2e_buf *keep, uint64_t *len, bool *backslash)
{
	unsigned cp, lo;
	int rc = jr_hex4(r, &cp);

	*backslash = false;
	if (rc < 0)
		return rc;
	while (cp >= 0xd800 && cp <= 0xdbff) {
		if (jr_peek(r) != '\\') {
			cp = 0xfffd;
			break;
		}
		r->pos++;
		int c = jr_getc(r);

		if (c != 'u') {
			put_utf8(keep, len, 0xfffd);
			if (c < 0)
				return jr_bad(r, c, "");
			r->pos--; /* just read, so still in the buffer */
			*backslash = true;
			return 0;
		}
		if ((rc = jr_hex4(r, &lo)) < 0)
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

/* A string value or key (next byte is the opening quote): decoded into
 * keep when non-NULL, its decoded UTF-8 length into *len when non-NULL. */
static int jr_string(struct jr *r, struct e2e_buf *keep, uint64_t *out_len)
{
	uint64_t len = 0;
	bool backslash;
	int c = jr_getc(r), rc;

	if (c != '"')
		return jr_bad(r, c, "expected a string");
	if (keep) {
		e2e_buf_reset(keep);
		e2e_buf_add(keep, "", 0);
	}
	for (;;) {
		/* Fast path: a run of plain ASCII inside the buffer. */
		size_t start = r->pos;

		while (r->pos < r->len) {
			unsigned char b = r->buf[r->pos];

			if (b == '"' || b == '\\' || b < 0x20 || b >= 0x80)
				break;
			r->pos++;
		}
		if (r->pos > start) {
			len += r->pos - start;
			if (keep)
				e2e_buf_add(keep, r->buf + start, r->pos - start);
		}
		c = jr_getc(r);
		if (c == '"')
			break;
		if (c < 0x20)
			return jr_bad(r, c, "control character in a string");
		if (c == '\\') {
		escape:
			c = jr_getc(r);
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
				rc = jr_unicode_escape(r, keep, &len, &backslash);
				if (rc < 0)
					return rc;
				if (backslash)
					goto escape;
				continue;
			default:
				return jr_bad(r, c, "bad escape in a string");
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
		uint64_t lead = jr_off(r) - 1;
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
			return jr_bad(r, c, "invalid UTF-8");
		}
		for (int i = 1; i < n; i++) {
			int d = jr_getc(r);

			if (d < 0)
				return jr_bad(r, d, "");
			if ((unsigned)d < lo || (unsigned)d > hi)
				return jr_syntax_at(r, lead, "invalid UTF-8");
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

/* A number; *out (when non-NULL) gets its value. */
static int jr_number(struct jr *r, double *out)
{
	char text[128];
	size_t n = 0;
	int c;

#define TAKE()                                                                                               \
	do {                                                                                                 \
		if (n < sizeof(text) - 1)                                                                    \
			text[n] = (char)c;                                                                   \
		n++;                                                                                         \
		r->pos++;                                                                                    \
		c = jr_peek(r);                                                                              \
	} while (0)

	c = jr_peek(r);
	if (c == '-')
		TAKE();
	if (c == '0') {
		TAKE();
	} else if (c >= '1' && c <= '9') {
		while (c >= '0' && c <= '9')
			TAKE();
	} else {
		return jr_unexpected(r, c, "bad number");
	}
	if (c == '.') {
		TAKE();
		if (!(c >= '0' && c <= '9'))
			return jr_unexpected(r, c, "bad number");
		while (c >= '0' && c <= '9')
			TAKE();
	}
	if (c == 'e' || c == 'E') {
		TAKE();
		if (c == '+' || c == '-')
			TAKE();
		if (!(c >= '0' && c <= '9'))
			return jr_unexpected(r, c, "bad number");
		while (c >= '0' && c <= '9')
			TAKE();
	}
#undef TAKE
	if (out) {
		if (n >= sizeof(text))
			return jr_field(r, "number too long");
		text[n] = '\0';
		*out = strtod(text, NULL); /* HUGE_VAL on overflow: clamped by callers */
	}
	return 0;
}

static int jr_literal(struct jr *r, const char *lit, bool *out)
{
	uint64_t start = jr_off(r);

	for (const char *p = lit; *p; p++) {
		int c = jr_getc(r);

		if (c < 0)
			return jr_bad(r, c, "");
		if (c != *p)
			return jr_syntax_at(r, start, "expected a value");
	}
	if (out)
		*out = lit[0] == 't';
	return 0;
}

static int jr_skip(struct jr *r);

/* Enters an object or array (which must come next). Then iterate with
 * jr_obj_next or jr_arr_next, first = true. */
static int jr_open(struct jr *r, enum jtype t)
{
	int rc = jr_expect(r, t);

	if (rc < 0)
		return rc;
	if (++r->depth > JR_MAX_DEPTH)
		return jr_syntax_at(r, jr_off(r), "nested too deeply");
	r->pos++;
	return 0;
}

/* Returns 1 with the next key in r->key, 0 at the closing brace. */
static int jr_obj_next(struct jr *r, bool *first)
{
	int c = jr_ws(r), rc;

	if (c == '}') {
		r->pos++;
		r->depth--;
		return 0;
	}
	if (!*first) {
		if (c != ',')
			return jr_unexpected(r, c, "expected ',' or '}'");
		r->pos++;
		c = jr_ws(r);
	}
	*first = false;
	if (c != '"')
		return jr_unexpected(r, c, "expected a key");
	if ((rc = jr_string(r, &r->key, NULL)) < 0)
		return rc;
	c = jr_ws(r);
	if (c != ':')
		return jr_unexpected(r, c, "expected ':'");
	r->pos++;
	return 1;
}

/* Returns 1 when another element follows, 0 at the closing bracket. */
static int jr_arr_next(struct jr *r, bool *first)
{
	int c = jr_ws(r);

	if (c < 0)
		return jr_bad(r, c, "");
	if (c == ']') {
		r->pos++;
		r->depth--;
		return 0;
	}
	if (!*first) {
		if (c != ',')
			return jr_unexpected(r, c, "expected ',' or ']'");
		r->pos++;
	}
	*first = false;
	return 1;
}

static int jr_skip(struct jr *r)
{
	enum jtype t;
	bool first = true;
	size_t i = 0, mark;
	int rc = jr_type(r, &t);

	if (rc < 0)
		return rc;
	switch (t) {
	case J_OBJECT:
		if ((rc = jr_open(r, J_OBJECT)) < 0)
			return rc;
		while ((rc = jr_obj_next(r, &first)) > 0) {
			mark = jr_push_key(r, r->key.data);
			rc = jr_skip(r);
			jr_pop(r, mark);
			if (rc < 0)
				return rc;
		}
		return rc;
	case J_ARRAY:
		if ((rc = jr_open(r, J_ARRAY)) < 0)
			return rc;
		while ((rc = jr_arr_next(r, &first)) > 0) {
			mark = jr_push_index(r, i++);
			rc = jr_skip(r);
			jr_pop(r, mark);
			if (rc < 0)
				return rc;
		}
		return rc;
	case J_STRING:
		return jr_string(r, NULL, NULL);
	case J_NUMBER:
		return jr_number(r, NULL);
	case J_BOOL:
		return jr_literal(r, jr_peek(r) == 't' ? "true" : "false", NULL);
	case J_NULL:
		return jr_literal(r, "null", NULL);
	}
	return 0;
}

/* Typed field readers (the key is already on the path). */
static int jr_get_number(struct jr *r, double *out)
{
	int rc = jr_expect(r, J_NUMBER);

	return rc < 0 ? rc : jr_number(r, out);
}

static int jr_get_string(struct jr *r, struct e2e_buf *keep, uint64_t *len)
{
	int rc = jr_expect(r, J_STRING);

	if (rc < 0)
		return rc;
	return jr_string(r, keep, len);
}

/* ------------------------------------------------------------------ */
/* HAR. */

struct har_rec {
	int64_t started_ns; /* wall clock, Unix ns */
	size_t seq; /* file order, for a stable sort */
	struct e2e_sample s;
	size_t method_off, path_off; /* into the arena */
	uint16_t method_len;
	uint32_t path_len;
};

struct e2e_har {
	struct har_rec *recs;
	size_t n, cap;
	char *arena;
	size_t arena_len;
	struct e2e_har_stats stats;
	char *source;
	int64_t started_ms, ended_ms;
	uint64_t duration_ns;
	uint32_t max_concurrency;
};

enum { T_BLOCKED, T_DNS, T_CONNECT, T_SEND, T_WAIT, T_RECEIVE, T_SSL, T__COUNT };
static const char *const timing_names[T__COUNT] = {
	"blocked", "dns", "connect", "send", "wait", "receive", "ssl",
};

/* One entry while it is read; buffers reused across entries. */
struct har_entry {
	bool has_started, has_time, has_request, has_response, has_timings;
	bool has_method, has_url, has_status, has_wait, has_post_text;
	int64_t started_ns;
	double time_ms, status, req_body, resp_body, content_size;
	double timings[T__COUNT];
	uint64_t post_text_len;
	int error;
	struct e2e_buf method, url, text;
};

struct har_reader {
	struct jr jr;
	struct e2e_har *h;
	struct har_entry e;
	struct e2e_buf arena;
	bool has_log, has_version, has_entries;
};

static int64_t days_from_civil(int64_t y, int m, int d)
{
	y -= m <= 2;
	int64_t era = (y >= 0 ? y : y - 399) / 400;
	int64_t yoe = y - era * 400;
	int64_t doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
	int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;

	return era * 146097 + doe - 719468;
}

static bool digits(const char *s, int n, int *out)
{
	int v = 0;

	for (int i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return false;
		v = v * 10 + (s[i] - '0');
	}
	*out = v;
	return true;
}

/* ISO 8601 / RFC 3339 date-time with seconds and a zone offset:
 * YYYY-MM-DD{T|t| }hh:mm:ss[.frac]{Z|z|+hh:mm|+hhmm|+hh} -> Unix ns. */
static bool parse_datetime(const char *s, size_t len, int64_t *out_ns)
{
	static const int mdays[12] = { 31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
	int y, mo, d, hh, mi, ss, oh = 0, om = 0, sign = 0;
	int64_t frac = 0;
	size_t i = 19;

	if (len < 20 || strlen(s) != len)
		return false;
	if (!digits(s, 4, &y) || s[4] != '-' || !digits(s + 5, 2, &mo) || s[7] != '-' ||
	    !digits(s + 8, 2, &d) || (s[10] != 'T' && s[10] != 't' && s[10] != ' ') ||
	    !digits(s + 11, 2, &hh) || s[13] != ':' || !digits(s + 14, 2, &mi) || s[16] != ':' ||
	    !digits(s + 17, 2, &ss))
		return false;
	if (mo < 1 || mo > 12 || d < 1 || d > mdays[mo - 1] || hh > 23 || mi > 59 || ss > 60)
		return false;
	if (mo == 2 && d == 29 && !(y % 4 == 0 && (y % 100 != 0 || y % 400 == 0)))
		return false;
	if (s[i] == '.' || s[i] == ',') {
		int nd = 0;

		for (i++; i < len && s[i] >= '0' && s[i] <= '9'; i++, nd++) {
			if (nd < 9)
				frac = frac * 10 + (s[i] - '0');
		}
		if (nd == 0)
			return false;
		for (; nd < 9; nd++)
			frac *= 10;
	}
	if (i == len)
		return false; /* no zone: the instant would be a guess */
	if ((s[i] == 'Z' || s[i] == 'z') && i + 1 == len) {
		sign = 0;
	} else if (s[i] == '+' || s[i] == '-') {
		sign = s[i] == '-' ? -1 : 1;
		size_t rest = len - i - 1;
		const char *z = s + i + 1;

		if (!(rest == 2 && digits(z, 2, &oh)) &&
		    !(rest == 4 && digits(z, 2, &oh) && digits(z + 2, 2, &om)) &&
		    !(rest == 5 && digits(z, 2, &oh) && z[2] == ':' && digits(z + 3, 2, &om)))
			return false;
		if (oh > 23 || om > 59)
			return false;
	} else {
		return false;
	}
	int64_t secs =
		days_from_civil(y, mo, d) * 86400 + hh * 3600 + mi * 60 + ss - sign * (oh * 3600 + om * 60);

	/* int64 ns covers 1677..2262. */
	if (secs < -9000000000LL || secs > 9000000000LL)
		return false;
	*out_ns = secs * 1000000000LL + frac;
	return true;
}

/* Chrome/Firefox/Playwright error texts -> error kinds. */
static int error_kind_from_text(const char *t)
{
	static const struct {
		const char *needle;
		int kind;
	} map[] = {
		{ "REFUSED", E2E_EK_REFUSED },
		{ "CONNECTION_RESET", E2E_EK_RESET },
		{ "CONNECTION_CLOSED", E2E_EK_RESET },
		{ "CONNECTION_ABORTED", E2E_EK_RESET },
		{ "EMPTY_RESPONSE", E2E_EK_RESET },
		{ "NET_RESET", E2E_EK_RESET },
		{ "TIMED_OUT", E2E_EK_TIMEOUT },
		{ "TIMEOUT", E2E_EK_TIMEOUT },
		{ "NAME_NOT_RESOLVED", E2E_EK_RESOLVE },
		{ "UNKNOWN_HOST", E2E_EK_RESOLVE },
		{ "NAME_RESOLUTION", E2E_EK_RESOLVE },
		{ "CERT", E2E_EK_TLS },
		{ "SSL", E2E_EK_TLS },
		{ "TLS", E2E_EK_TLS },
		{ "INVALID_HTTP", E2E_EK_PROTOCOL },
		{ "INVALID_RESPONSE", E2E_EK_PROTOCOL },
		{ "INVALID_CHUNKED", E2E_EK_PROTOCOL },
		{ "CONTENT_LENGTH_MISMATCH", E2E_EK_PROTOCOL },
		{ "ABORTED", E2E_EK_CLIENT_ABORT },
		{ "BLOCKED", E2E_EK_CLIENT_ABORT },
		{ "CANCELED", E2E_EK_CLIENT_ABORT },
		{ "CANCELLED", E2E_EK_CLIENT_ABORT },
	};
	char up[128];
	size_t n = 0;

	for (; t[n] && n < sizeof(up) - 1; n++)
		up[n] = (char)(t[n] >= 'a' && t[n] <= 'z' ? t[n] - 32 : t[n]);
	up[n] = '\0';
	for (size_t i = 0; i < sizeof(map) / sizeof(map[0]); i++) {
		if (strstr(up, map[i].needle))
			return map[i].kind;
	}
	return E2E_EK_UPSTREAM_OTHER;
}

/* A printable, shortened copy of a value for messages. */
static const char *quoted(char *out, size_t size, const char *s)
{
	size_t n = 0;

	out[n++] = '"';
	for (; *s && n < size - 5; s++)
		out[n++] = (unsigned char)*s >= 0x20 && *s != 0x7f ? *s : '?';
	if (*s) {
		while (n > 1 && ((unsigned char)*s & 0xc0) == 0x80) {
			n--; /* never cut a UTF-8 sequence */
			s--;
		}
		out[n++] = '.';
		out[n++] = '.';
		out[n++] = '.';
	}
	out[n++] = '"';
	out[n] = '\0';
	return out;
}

static uint32_t ms_to_us(double ms)
{
	double us = ms * 1000.0;

	if (!(us > 0))
		return 0;
	if (us >= (double)UINT32_MAX)
		return UINT32_MAX;
	return (uint32_t)llround(us);
}

static uint64_t to_bytes(double v)
{
	if (!(v > 0))
		return 0;
	if (v >= 18446744073709549568.0)
		return UINT64_MAX;
	return (uint64_t)v;
}

/* Object members: each handler reads the value of one key. */
typedef int (*member_fn)(struct har_reader *hr, const char *key, bool *handled);

static int read_object(struct har_reader *hr, member_fn fn)
{
	struct jr *r = &hr->jr;
	bool first = true;
	int rc = jr_open(r, J_OBJECT);

	if (rc < 0)
		return rc;
	while ((rc = jr_obj_next(r, &first)) > 0) {
		bool handled = false;
		size_t mark = jr_push_key(r, r->key.data);
		/* A key with an embedded NUL matches no field. */
		const char *key = strlen(r->key.data) == r->key.len ? r->key.data : "";

		rc = fn(hr, key, &handled);
		if (rc >= 0 && !handled)
			rc = jr_skip(r);
		jr_pop(r, mark);
		if (rc < 0)
			return rc;
	}
	return rc;
}

static int missing(struct jr *r, const char *field)
{
	size_t mark = jr_push_key(r, field);
	int rc = jr_field(r, "missing required field");

	jr_pop(r, mark);
	return rc;
}

static int post_data_member(struct har_reader *hr, const char *key, bool *handled)
{
	if (strcmp(key, "text") != 0)
		return 0;
	*handled = true;
	hr->e.has_post_text = true;
	return jr_get_string(&hr->jr, NULL, &hr->e.post_text_len);
}

static int request_member(struct har_reader *hr, const char *key, bool *handled)
{
	struct har_entry *e = &hr->e;
	struct jr *r = &hr->jr;

	*handled = true;
	if (!strcmp(key, "method")) {
		int rc = jr_get_string(r, &e->method, NULL);

		if (rc < 0)
			return rc;
		static const char tchar[] = "!#$%&'*+-.^_`|~";
		bool ok = e->method.len > 0 && e->method.len <= 64;

		for (size_t i = 0; ok && i < e->method.len; i++) {
			char c = e->method.data[i];

			ok = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
			     (c && strchr(tchar, c));
		}
		if (!ok) {
			char q[80];

			return jr_field(r, "not an HTTP method: %s", quoted(q, sizeof(q), e->method.data));
		}
		e->has_method = true;
		return 0;
	}
	if (!strcmp(key, "url")) {
		e->has_url = true;
		return jr_get_string(r, &e->url, NULL);
	}
	if (!strcmp(key, "bodySize"))
		return jr_get_number(r, &e->req_body);
	if (!strcmp(key, "postData"))
		return read_object(hr, post_data_member);
	*handled = false;
	return 0;
}

static int content_member(struct har_reader *hr, const char *key, bool *handled)
{
	if (strcmp(key, "size") != 0)
		return 0;
	*handled = true;
	return jr_get_number(&hr->jr, &hr->e.content_size);
}

static int response_member(struct har_reader *hr, const char *key, bool *handled)
{
	struct har_entry *e = &hr->e;
	struct jr *r = &hr->jr;
	int rc;

	*handled = true;
	if (!strcmp(key, "status")) {
		if ((rc = jr_get_number(r, &e->status)) < 0)
			return rc;
		if (e->status != floor(e->status) || e->status < -1 || e->status > 999)
			return jr_field(r, "not an HTTP status: %g", e->status);
		e->has_status = true;
		return 0;
	}
	if (!strcmp(key, "bodySize"))
		return jr_get_number(r, &e->resp_body);
	if (!strcmp(key, "content"))
		return read_object(hr, content_member);
	if (!strcmp(key, "_error") || !strcmp(key, "_failureText")) {
		enum jtype t;

		if ((rc = jr_type(r, &t)) < 0)
			return rc;
		if (t != J_STRING) {
			*handled = false;
			return 0;
		}
		if ((rc = jr_string(r, &e->text, NULL)) < 0)
			return rc;
		if (e->text.len)
			e->error = error_kind_from_text(e->text.data);
		return 0;
	}
	*handled = false;
	return 0;
}

static int timings_member(struct har_reader *hr, const char *key, bool *handled)
{
	for (int i = 0; i < T__COUNT; i++) {
		if (!strcmp(key, timing_names[i])) {
			*handled = true;
			if (i == T_WAIT)
				hr->e.has_wait = true;
			return jr_get_number(&hr->jr, &hr->e.timings[i]);
		}
	}
	return 0;
}

static int entry_member(struct har_reader *hr, const char *key, bool *handled)
{
	struct har_entry *e = &hr->e;
	struct jr *r = &hr->jr;
	int rc;

	*handled = true;
	if (!strcmp(key, "startedDateTime")) {
		if ((rc = jr_get_string(r, &e->text, NULL)) < 0)
			return rc;
		if (!parse_datetime(e->text.data, e->text.len, &e->started_ns)) {
			char q[80];

			return jr_field(r, "not an ISO 8601 date-time with a time zone: %s",
					quoted(q, sizeof(q), e->text.data));
		}
		e->has_started = true;
		return 0;
	}
	if (!strcmp(key, "time")) {
		e->has_time = true;
		return jr_get_number(r, &e->time_ms);
	}
	if (!strcmp(key, "request")) {
		e->has_request = true;
		return read_object(hr, request_member);
	}
	if (!strcmp(key, "response")) {
		e->has_response = true;
		return read_object(hr, response_member);
	}
	if (!strcmp(key, "timings")) {
		e->has_timings = true;
		return read_object(hr, timings_member);
	}
	*handled = false;
	return 0;
}

static void entry_reset(struct har_entry *e)
{
	struct e2e_buf method = e->method, url = e->url, text = e->text;

	memset(e, 0, sizeof(*e));
	e->method = method;
	e->url = url;
	e->text = text;
	e2e_buf_reset(&e->method);
	e2e_buf_reset(&e->url);
	e->req_body = e->resp_body = e->content_size = -1;
	e->time_ms = -1;
	for (int i = 0; i < T__COUNT; i++)
		e->timings[i] = -1;
}

/* Splits an absolute URL: *path and *path_len get the path without query and
 * fragment. Returns 1 for http(s), 0 for another scheme, -1 when the URL
 * has no scheme or contains control characters. */
static int url_path(const char *url, size_t len, const char **path, size_t *path_len)
{
	size_t i = 0;

	for (size_t k = 0; k < len; k++) {
		if ((unsigned char)url[k] < 0x20 || url[k] == 0x7f)
			return -1;
	}
	while (i < len && ((url[i] >= 'a' && url[i] <= 'z') || (url[i] >= 'A' && url[i] <= 'Z') ||
			   (i > 0 && ((url[i] >= '0' && url[i] <= '9') || url[i] == '+' || url[i] == '-' ||
				      url[i] == '.'))))
		i++;
	if (i == 0 || i >= len || url[i] != ':')
		return -1;
	if (!((i == 4 && !strncasecmp(url, "http", 4)) || (i == 5 && !strncasecmp(url, "https", 5))))
		return 0;
	if (len < i + 3 || url[i + 1] != '/' || url[i + 2] != '/')
		return -1;
	size_t p = i + 3;

	while (p < len && url[p] != '/' && url[p] != '?' && url[p] != '#')
		p++;
	size_t q = p;

	while (q < len && url[q] != '?' && url[q] != '#')
		q++;
	if (q == p) {
		*path = "/";
		*path_len = 1;
	} else {
		*path = url + p;
		*path_len = q - p;
	}
	return 1;
}

static int entry_finish(struct har_reader *hr)
{
	struct har_entry *e = &hr->e;
	struct jr *r = &hr->jr;
	struct e2e_har *h = hr->h;
	static const struct {
		const char *name;
		size_t has;
	} required[] = {
		{ "startedDateTime", offsetof(struct har_entry, has_started) },
		{ "time", offsetof(struct har_entry, has_time) },
		{ "request", offsetof(struct har_entry, has_request) },
		{ "response", offsetof(struct har_entry, has_response) },
		{ "timings", offsetof(struct har_entry, has_timings) },
	};
	const char *path = NULL;
	size_t path_len = 0;
	size_t mark;
	int rc;

	for (size_t i = 0; i < sizeof(required) / sizeof(required[0]); i++) {
		if (!*(const bool *)((const char *)e + required[i].has))
			return missing(r, required[i].name);
	}
	mark = jr_push_key(r, "request");
	rc = !e->has_method ? missing(r, "method") : !e->has_url ? missing(r, "url") : 0;
	if (rc == 0) {
		int kind = url_path(e->url.data, e->url.len, &path, &path_len);

		if (kind > 0 && path_len > UINT32_MAX) {
			rc = jr_field(r, "url: longer than 4 GiB");
		} else if (kind < 0) {
			char q[80];
			size_t m2 = jr_push_key(r, "url");

			rc = jr_field(r, "not an absolute URL: %s", quoted(q, sizeof(q), e->url.data));
			jr_pop(r, m2);
		} else if (kind == 0) {
			rc = 1;
		}
	}
	jr_pop(r, mark);
	if (rc < 0)
		return rc;
	if (!e->has_status) {
		mark = jr_push_key(r, "response");
		rc = missing(r, "status");
		jr_pop(r, mark);
		return rc;
	}
	if (!e->has_wait) {
		mark = jr_push_key(r, "timings");
		rc = missing(r, "wait");
		jr_pop(r, mark);
		return rc;
	}
	if (rc == 1) {
		h->stats.skipped++;
		return 0;
	}

	if (h->n == h->cap) {
		h->cap = h->cap ? h->cap * 2 : 1024;
		h->recs = e2e_xrealloc(h->recs, h->cap * sizeof(*h->recs));
	}
	struct har_rec *rec = &h->recs[h->n];

	memset(rec, 0, sizeof(*rec));
	rec->seq = h->n++;
	rec->started_ns = e->started_ns;
	rec->method_off = hr->arena.len;
	rec->method_len = (uint16_t)e->method.len;
	e2e_buf_add(&hr->arena, e->method.data, e->method.len);
	rec->path_off = hr->arena.len;
	rec->path_len = (uint32_t)path_len;
	e2e_buf_add(&hr->arena, path, path_len);

	struct e2e_sample *s = &rec->s;

	s->ttfb_us = ms_to_us(e->timings[T_WAIT]);
	if (e->timings[T_WAIT] < 0)
		h->stats.no_wait++;
	if (e->time_ms >= 0) {
		s->total_us = ms_to_us(e->time_ms);
	} else {
		double sum = 0;

		for (int i = 0; i < T__COUNT; i++) {
			if (i != T_SSL && e->timings[i] > 0)
				sum += e->timings[i];
		}
		s->total_us = ms_to_us(sum);
	}
	if (e->req_body >= 0)
		s->req_bytes = to_bytes(e->req_body);
	else if (e->has_post_text)
		s->req_bytes = e->post_text_len;
	if (e->resp_body >= 0)
		s->resp_bytes = to_bytes(e->resp_body);
	else if (e->content_size >= 0)
		s->resp_bytes = to_bytes(e->content_size);
	s->status = e->status > 0 ? (uint16_t)e->status : 0;
	s->error = (uint8_t)e->error;
	if (s->status == 0) {
		h->stats.no_response++;
		if (s->error == E2E_EK_NONE)
			s->error = E2E_EK_UPSTREAM_OTHER;
	}
	h->stats.imported++;
	return 0;
}

static int entries_value(struct har_reader *hr)
{
	struct jr *r = &hr->jr;
	bool first = true;
	size_t i = 0;
	int rc = jr_open(r, J_ARRAY);

	if (rc < 0)
		return rc;
	while ((rc = jr_arr_next(r, &first)) > 0) {
		size_t mark = jr_push_index(r, i++);

		entry_reset(&hr->e);
		rc = read_object(hr, entry_member);
		if (rc >= 0)
			rc = entry_finish(hr);
		jr_pop(r, mark);
		if (rc < 0)
			return rc;
	}
	return rc;
}

static int log_member(struct har_reader *hr, const char *key, bool *handled)
{
	struct jr *r = &hr->jr;
	int rc;

	*handled = true;
	if (!strcmp(key, "version")) {
		struct e2e_buf *v = &hr->e.text;

		if ((rc = jr_get_string(r, v, NULL)) < 0)
			return rc;
		/* HAR 1.2: an empty version means 1.1. */
		bool ok = v->len == 0 || (v->len >= 3 && v->data[0] == '1' && v->data[1] == '.');

		for (size_t i = 2; ok && i < v->len; i++)
			ok = v->data[i] >= '0' && v->data[i] <= '9';
		if (!ok) {
			char q[80];

			return jr_field(r, "unsupported HAR version %s (only 1.x is read)",
					quoted(q, sizeof(q), v->data));
		}
		hr->has_version = true;
		return 0;
	}
	if (!strcmp(key, "entries")) {
		if (hr->has_entries)
			return jr_field(r, "duplicate key");
		hr->has_entries = true;
		return entries_value(hr);
	}
	*handled = false;
	return 0;
}

static int root_member(struct har_reader *hr, const char *key, bool *handled)
{
	struct jr *r = &hr->jr;
	enum jtype t;
	int rc;

	if (strcmp(key, "log") != 0)
		return 0;
	*handled = true;
	if (hr->has_log)
		return jr_field(r, "duplicate key");
	hr->has_log = true;
	if ((rc = jr_type(r, &t)) < 0)
		return rc;
	if (t != J_OBJECT)
		return jr_field(r, "expected an object, got %s (not a HAR file)", type_names[t]);
	if ((rc = read_object(hr, log_member)) < 0)
		return rc;
	if (!hr->has_version)
		return missing(r, "version");
	if (!hr->has_entries)
		return missing(r, "entries");
	return 0;
}

static int cmp_rec(const void *a, const void *b)
{
	const struct har_rec *x = a, *y = b;

	if (x->started_ns != y->started_ns)
		return x->started_ns < y->started_ns ? -1 : 1;
	return x->seq < y->seq ? -1 : x->seq > y->seq;
}

static int cmp_i64(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;

	return x < y ? -1 : x > y;
}

static int64_t floor_div(int64_t a, int64_t b)
{
	return a / b - (a % b != 0 && (a < 0) != (b < 0));
}

/* Sorts, sets start offsets, run bounds and peak concurrency. */
static void har_finish(struct e2e_har *h, int64_t mtime_ms)
{
	if (h->n == 0) {
		h->started_ms = h->ended_ms = mtime_ms;
		return;
	}
	/* Browsers write entries in start order: sort only when needed
	 * (qsort may take a copy of the array). */
	for (size_t i = 1; i < h->n; i++) {
		if (cmp_rec(&h->recs[i - 1], &h->recs[i]) > 0) {
			qsort(h->recs, h->n, sizeof(*h->recs), cmp_rec);
			break;
		}
	}

	int64_t first = h->recs[0].started_ns, last = first;
	int64_t *ends = e2e_xmalloc(h->n * sizeof(*ends));

	for (size_t i = 0; i < h->n; i++) {
		struct har_rec *rec = &h->recs[i];
		int64_t end = rec->started_ns + (int64_t)rec->s.total_us * 1000;

		/* unsigned: 1677..2262 spans more ns than int64 holds */
		rec->s.start_ns = (uint64_t)rec->started_ns - (uint64_t)first;
		ends[i] = end;
		if (end > last)
			last = end;
	}
	qsort(ends, h->n, sizeof(*ends), cmp_i64);
	size_t ended = 0;
	uint32_t peak = 1;

	for (size_t i = 0; i < h->n; i++) {
		while (ended < h->n && ends[ended] <= h->recs[i].started_ns)
			ended++;
		size_t active = i + 1 > ended ? i + 1 - ended : 1;

		if (active > peak)
			peak = active > UINT32_MAX ? UINT32_MAX : (uint32_t)active;
	}
	free(ends);
	h->max_concurrency = peak;
	h->started_ms = floor_div(first, 1000000);
	h->ended_ms = floor_div(last, 1000000);
	h->duration_ns = (uint64_t)last - (uint64_t)first;
}

int e2e_har_load(const char *path, struct e2e_har **out)
{
	struct har_reader hr;
	struct jr *r = &hr.jr;
	struct stat sb;
	int rc, c;

	memset(&hr, 0, sizeof(hr));
	r->file = path;
	r->line = 1;
	r->fd = open(path, O_RDONLY | O_CLOEXEC);
	if (r->fd < 0)
		return e2e_error(E2E_ERR_INPUT, "'%s': cannot open: %s", path, strerror(errno));
	if (fstat(r->fd, &sb) < 0 || S_ISDIR(sb.st_mode)) {
		rc = e2e_error(E2E_ERR_INPUT, "'%s': cannot read: %s", path,
			       errno && !S_ISDIR(sb.st_mode) ? strerror(errno) : "is a directory");
		close(r->fd);
		return rc;
	}
	rc = e2e_fsutil_check_size(r->fd, path, "HAR file", HAR_MAX_BYTES);
	if (rc < 0) {
		close(r->fd);
		return rc;
	}
	r->buf = e2e_xmalloc(JR_BUFSZ);
	e2e_sha256_init(&r->sha);
	hr.h = e2e_xcalloc(1, sizeof(*hr.h));
	entry_reset(&hr.e);

	/* A UTF-8 byte order mark may precede the text. Read it byte by byte:
	 * a pipe can deliver it across reads. 0xef starts no JSON value. */
	if (jr_peek(r) == 0xef) {
		r->pos++;
		if (jr_getc(r) != 0xbb || jr_getc(r) != 0xbf) {
			rc = jr_syntax_at(r, 0, "expected a value");
			goto out;
		}
	}
	c = jr_ws(r);
	if (c < 0) {
		rc = r->ioerr ? jr_io_error(r)
			      : e2e_error(E2E_ERR_INPUT, "'%s': empty file, not a HAR file", path);
		goto out;
	}
	enum jtype t;

	if ((rc = jr_type(r, &t)) < 0)
		goto out;
	if (t != J_OBJECT) {
		/* Say "not JSON" rather than "not a HAR file" for garbage. */
		if ((rc = jr_skip(r)) < 0)
			goto out;
		if (jr_ws(r) >= 0) {
			rc = jr_syntax_at(r, jr_off(r), "unexpected data after the top-level value");
			goto out;
		}
		rc = e2e_error(E2E_ERR_INPUT, "'%s': not a HAR file: the top level is %s, not an object",
			       path, type_names[t]);
		goto out;
	}
	if ((rc = read_object(&hr, root_member)) < 0)
		goto out;
	c = jr_ws(r);
	if (c >= 0) {
		rc = jr_syntax_at(r, jr_off(r), "unexpected data after the top-level value");
		goto out;
	}
	if (r->ioerr) {
		rc = jr_io_error(r);
		goto out;
	}
	if (!hr.has_log) {
		rc = e2e_error(E2E_ERR_INPUT, "'%s': not a HAR file: no \"log\" object at the top level",
			       path);
		goto out;
	}

	uint8_t digest[E2E_SHA256_LEN];
	char hex[E2E_SHA256_HEX_LEN + 1];
	const char *base = strrchr(path, '/');
	struct e2e_buf src = E2E_BUF_INIT;

	e2e_sha256_final(&r->sha, digest);
	e2e_sha256_hex(digest, hex);
	e2e_buf_printf(&src, "har:%s sha256:%s", base ? base + 1 : path, hex);
	hr.h->source = e2e_buf_detach(&src, NULL);
	hr.h->arena = e2e_buf_detach(&hr.arena, &hr.h->arena_len);
	har_finish(hr.h, (int64_t)sb.st_mtim.tv_sec * 1000 + sb.st_mtim.tv_nsec / 1000000);
	*out = hr.h;
	hr.h = NULL;
	rc = 0;
out:
	if (r->fd >= 0)
		close(r->fd);
	free(r->buf);
	e2e_buf_finish(&r->path);
	e2e_buf_finish(&r->key);
	e2e_buf_finish(&hr.e.method);
	e2e_buf_finish(&hr.e.url);
	e2e_buf_finish(&hr.e.text);
	e2e_buf_finish(&hr.arena);
	e2e_har_destroy(hr.h);
	return rc;
}

void e2e_har_destroy(struct e2e_har *h)
{
	if (!h)
		return;
	free(h->recs);
	free(h->arena);
	free(h->source);
	free(h);
}

size_t e2e_har_count(const struct e2e_har *h)
{
	return h->n;
}

void e2e_har_capture(const struct e2e_har *h, size_t i, struct e2e_capture *out)
{
	const struct har_rec *rec = &h->recs[i];

	out->s = rec->s;
	out->method = h->arena + rec->method_off;
	out->method_len = rec->method_len;
	out->path = h->arena + rec->path_off;
	out->path_len = rec->path_len;
}

const struct e2e_har_stats *e2e_har_stats(const struct e2e_har *h)
{
	return &h->stats;
}

const char *e2e_har_source(const struct e2e_har *h)
{
	return h->source;
}

int64_t e2e_har_started_ms(const struct e2e_har *h)
{
	return h->started_ms;
}

int64_t e2e_har_ended_ms(const struct e2e_har *h)
{
	return h->ended_ms;
}

uint64_t e2e_har_duration_ns(const struct e2e_har *h)
{
	return h->duration_ns;
}

uint32_t e2e_har_max_concurrency(const struct e2e_har *h)
{
	return h->max_concurrency;
}

#define HAR_BATCH 1024

int e2e_har_store(const struct e2e_har *h, struct e2e_store *st, struct e2e_run *run,
		  const struct e2e_routes *routes, int64_t *out_run_id)
{
	struct e2e_recorder *rec = NULL;
	struct e2e_capture *caps = NULL;
	int64_t id;
	int rc;

	free(run->source);
	run->source = e2e_xstrdup(h->source);
	run->started_ms = h->started_ms;
	run->ended_ms = h->ended_ms;
	run->duration_ns = h->duration_ns;
	run->max_concurrency = h->max_concurrency;
	run->exit_status = -1;
	run->recorded = run->dropped = 0;
	run->complete = false;
	if ((rc = e2e_store_run_begin(st, run, &id)) < 0)
		return rc;
	run->id = id;
	if ((rc = e2e_recorder_create(st, id, routes, &rec)) < 0)
		goto out;
	caps = e2e_xmalloc(HAR_BATCH * sizeof(*caps));
	for (size_t i = 0; i < h->n;) {
		size_t n = 0;

		for (; n < HAR_BATCH && i < h->n; n++, i++)
			e2e_har_capture(h, i, &caps[n]);
		if ((rc = e2e_recorder_add(rec, caps, n, 0, h->max_concurrency)) < 0)
			goto out;
	}
	run->recorded = e2e_recorder_recorded(rec);
	run->complete = true;
	if ((rc = e2e_store_run_end(st, run)) < 0)
		goto out;
	*out_run_id = id;
	rc = 0;
out:
	free(caps);
	e2e_recorder_destroy(rec);
	return rc;
}

int e2e_har_import(const char *path, struct e2e_store *st, struct e2e_run *run,
		   const struct e2e_routes *routes, int64_t *out_run_id)
{
	struct e2e_har *h = NULL;
	int rc = e2e_har_load(path, &h);

	if (rc < 0)
		return rc;
	rc = e2e_har_store(h, st, run, routes, out_run_id);
	e2e_har_destroy(h);
	return rc;
}
