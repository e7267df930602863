/* fuzz_json_stream.c - the streaming JSON reader (json_stream.h) on
 * arbitrary bytes, checked against itself and against jansson.
 *
 * Each input is read three times: in one read, in reads of 1 to 64 bytes
 * (sizes taken from the input, so that every token crosses refills at
 * changing places), and skipped instead of read. The first two must agree
 * exactly: the same code, the same message, the same values (a digest of
 * every key, string, number and literal). Skipping must give the same code
 * and message, except that only a number that is read can be too long.
 * Every key and string read is valid UTF-8 of the reported length, every
 * message names the input, and a document read to its end leaves the path
 * at the top level.
 *
 * jansson (JSON_DECODE_ANY | JSON_ALLOW_NUL | JSON_DECODE_INT_AS_REAL |
 * JSON_REJECT_DUPLICATES) is the reference: what it loads, the reader
 * reads to the same values (unless nested deeper than the reader's limit
 * or a number longer than 127 characters); what the reader reads, jansson
 * loads, unless the input has what jansson refuses on purpose: a byte
 * order mark, a lone surrogate escape, a NUL in a key, a duplicate key or
 * a number beyond the range of a double. An input with a NUL byte has no
 * reference (jansson drops one after a number) and must be refused. */
#include <errno.h>
#include <jansson.h>
#include <math.h>
#include <stdbool.h>
#include <string.h>

#include "buf.h"
#include "error.h"
#include "json_stream.h"
#include "fuzz.h"

#define NAME "fuzz.json"

/* The input, in reads whose sizes come from the input itself (0: one
 * read of everything). */
struct source {
	const uint8_t *data;
	size_t size, pos, reads;
	bool chunked;
};

static ssize_t source_read(void *ctx, void *buf, size_t cap)
{
	struct source *s = ctx;
	size_t n = s->size - s->pos;

	if (s->chunked && n) {
		size_t k = 1 + s->data[(s->reads * 7919) % s->size] % 64;

		n = n < k ? n : k;
	}
	n = n < cap ? n : cap;
	memcpy(buf, s->data + s->pos, n);
	s->pos += n;
	s->reads++;
	return (ssize_t)n;
}

/* What a read of the whole document saw. */
struct walk {
	uint64_t digest; /* FNV-1a over every event */
	struct e2e_buf s;
	bool inf; /* a number beyond the range of a double */
	bool fffd; /* U+FFFD in a string (maybe from a lone surrogate) */
	bool empty; /* nothing but a byte order mark and whitespace */
};

static void mix(struct walk *w, const void *p, size_t n)
{
	const unsigned char *b = p;

	for (size_t i = 0; i < n; i++) {
		w->digest ^= b[i];
		w->digest *= 1099511628211ull;
	}
}

/* Strict UTF-8: no overlongs, no surrogates, at most U+10FFFF. */
static bool utf8_valid(const unsigned char *s, size_t n)
{
	for (size_t i = 0; i < n;) {
		unsigned c = s[i], lo = 0x80, hi = 0xbf;
		size_t len;

		if (c < 0x80)
			len = 1;
		else if (c >= 0xc2 && c <= 0xdf)
			len = 2;
		else if (c >= 0xe0 && c <= 0xef)
			len = 3, lo = c == 0xe0 ? 0xa0 : 0x80, hi = c == 0xed ? 0x9f : 0xbf;
		else if (c >= 0xf0 && c <= 0xf4)
			len = 4, lo = c == 0xf0 ? 0x90 : 0x80, hi = c == 0xf4 ? 0x8f : 0xbf;
		else
			return false;
		if (i + len > n)
			return false;
		for (size_t k = 1; k < len; k++, lo = 0x80, hi = 0xbf) {
			if (s[i + k] < lo || s[i + k] > hi)
				return false;
		}
		i += len;
	}
	return true;
}

static void check_text(struct walk *w, const char *s, size_t len)
{
	E2E_FUZZ_CHECK(s[len] == '\0');
	E2E_FUZZ_CHECK(utf8_valid((const unsigned char *)s, len));
	if (len >= 3 && memmem(s, len, "\xef\xbf\xbd", 3))
		w->fffd = true;
	mix(w, &len, sizeof(len));
	mix(w, s, len);
}

/* Reads the next value with the typed readers; j, when non-NULL, is
 * jansson's value at the same place and must be equal. */
static int walk(struct e2e_json_stream *js, const json_t *j, struct walk *w)
{
	enum e2e_json_type t;
	const char *key;
	size_t klen, n = 0;
	uint64_t len = 0;
	double d;
	bool b;
	int rc = e2e_json_stream_peek(js, &t);

	if (rc < 0)
		return rc;
	mix(w, &t, sizeof(t));
	switch (t) {
	case E2E_JSON_OBJECT:
		E2E_FUZZ_CHECK(!j || json_is_object(j));
		if ((rc = e2e_json_stream_enter(js, t)) < 0)
			return rc;
		while ((rc = e2e_json_stream_next_key(js, &key, &klen)) > 0) {
			const json_t *v = j ? json_object_getn(j, key, klen) : NULL;

			check_text(w, key, klen);
			E2E_FUZZ_CHECK(!j || v);
			n++;
			if ((rc = walk(js, v, w)) < 0)
				return rc;
		}
		E2E_FUZZ_CHECK(rc < 0 || !j || n == json_object_size(j));
		return rc;
	case E2E_JSON_ARRAY:
		E2E_FUZZ_CHECK(!j || json_is_array(j));
		if ((rc = e2e_json_stream_enter(js, t)) < 0)
			return rc;
		while ((rc = e2e_json_stream_next_item(js)) > 0) {
			const json_t *v = j ? json_array_get(j, n) : NULL;

			E2E_FUZZ_CHECK(!j || v);
			n++;
			if ((rc = walk(js, v, w)) < 0)
				return rc;
		}
		E2E_FUZZ_CHECK(rc < 0 || !j || n == json_array_size(j));
		return rc;
	case E2E_JSON_STRING:
		if ((rc = e2e_json_stream_string(js, &w->s, &len)) < 0)
			return rc;
		E2E_FUZZ_CHECK(len == w->s.len);
		check_text(w, w->s.data, w->s.len);
		E2E_FUZZ_CHECK(!j || (json_is_string(j) && json_string_length(j) == len &&
				      memcmp(json_string_value(j), w->s.data, len) == 0));
		return 0;
	case E2E_JSON_NUMBER:
		if ((rc = e2e_json_stream_number(js, &d)) < 0)
			return rc;
		if (isinf(d))
			w->inf = true;
		E2E_FUZZ_CHECK(!isnan(d));
		mix(w, &d, sizeof(d));
		if (j) {
			double v = json_real_value(j);

			E2E_FUZZ_CHECK(json_is_real(j) && memcmp(&v, &d, sizeof(d)) == 0);
		}
		return 0;
	case E2E_JSON_BOOL:
		if ((rc = e2e_json_stream_bool(js, &b)) < 0)
			return rc;
		mix(w, &b, sizeof(b));
		E2E_FUZZ_CHECK(!j || json_is_true(j) == b);
		E2E_FUZZ_CHECK(!j || json_is_boolean(j));
		return 0;
	case E2E_JSON_NULL:
		E2E_FUZZ_CHECK(!j || json_is_null(j));
		return e2e_json_stream_null(js);
	}
	return 0;
}

/* One pass over the input; *msg gets a copy of the message on error. */
static int read_all(const uint8_t *data, size_t size, bool chunked, bool skip, const json_t *ref,
		    struct walk *w, char **msg)
{
	struct source src = { .data = data, .size = size, .chunked = chunked };
	struct e2e_json_stream *js = e2e_json_stream_create(NAME, source_read, &src);
	int rc = e2e_json_stream_begin(js);

	w->digest = 1469598103934665603ull;
	w->empty = rc == 0;
	if (rc > 0) {
		rc = skip ? e2e_json_stream_skip(js) : walk(js, ref, w);
		if (rc == 0)
			rc = e2e_json_stream_end(js);
	}
	*msg = NULL;
	if (rc < 0) {
		E2E_FUZZ_CHECK(rc == E2E_ERR_INPUT);
		E2E_FUZZ_CHECK(strncmp(e2e_error_message(), "'" NAME "': ", strlen(NAME) + 4) == 0);
		E2E_FUZZ_CHECK(strchr(e2e_error_message(), '\n') == NULL);
		*msg = e2e_xstrdup(e2e_error_message());
	} else {
		E2E_FUZZ_CHECK(rc <= 1 && strcmp(e2e_json_stream_path(js), "top level") == 0);
		E2E_FUZZ_CHECK(src.pos == size);
		rc = 0;
	}
	e2e_json_stream_destroy(js);
	return rc;
}

static bool ends_with(const char *s, const char *tail)
{
	size_t n = strlen(s), k = strlen(tail);

	return n >= k && strcmp(s + n - k, tail) == 0;
}

/* jansson refused a document the reader read: only for what it refuses
 * on purpose. */
static bool jansson_may_refuse(const uint8_t *data, size_t size, const json_error_t *err,
			       const struct walk *w)
{
	enum json_error_code code = json_error_code(err);

	return w->empty || (size >= 3 && memcmp(data, "\xef\xbb\xbf", 3) == 0) ||
	       code == json_error_duplicate_key || code == json_error_null_byte_in_key ||
	       (code == json_error_numeric_overflow && w->inf) ||
	       (strncmp(err->text, "invalid Unicode", 15) == 0 && w->fffd);
}

int e2e_fuzz_json_stream(const uint8_t *data, size_t size)
{
	struct walk whole = { .s = E2E_BUF_INIT }, chunked = { .s = E2E_BUF_INIT },
		    skipped = { .s = E2E_BUF_INIT };
	/* A NUL byte is never JSON text, but jansson drops one that follows
	 * a number ("4\0" loads): no reference for those. */
	bool nul = memchr(data, '\0', size) != NULL;
	json_error_t err;
	json_t *ref = nul ? NULL
			  : json_loadb((const char *)data, size,
				       JSON_DECODE_ANY | JSON_ALLOW_NUL | JSON_DECODE_INT_AS_REAL |
					       JSON_REJECT_DUPLICATES,
				       &err);
	char *msg = NULL, *msg2 = NULL, *msg3 = NULL;
	int rc, rc2, rc3;

	rc = read_all(data, size, false, false, ref, &whole, &msg);
	E2E_FUZZ_CHECK(!nul || rc < 0);
	if (ref && rc < 0)
		E2E_FUZZ_CHECK(ends_with(msg, "nested too deeply") || ends_with(msg, "number too long"));
	if (!ref && !nul && rc == 0 && !jansson_may_refuse(data, size, &err, &whole)) {
		fprintf(stderr, "jansson: %s\n", err.text);
		E2E_FUZZ_CHECK(!"the reader read what jansson refuses");
	}

	rc2 = read_all(data, size, true, false, NULL, &chunked, &msg2);
	E2E_FUZZ_CHECK(rc2 == rc);
	E2E_FUZZ_CHECK(rc < 0 ? strcmp(msg, msg2) == 0 : whole.digest == chunked.digest);

	rc3 = read_all(data, size, true, true, NULL, &skipped, &msg3);
	if (!(rc < 0 && ends_with(msg, "number too long"))) {
		E2E_FUZZ_CHECK(rc3 == rc);
		if (rc < 0)
			E2E_FUZZ_CHECK(strcmp(msg, msg3) == 0);
	}

	json_decref(ref);
	free(msg);
	free(msg2);
	free(msg3);
	e2e_buf_finish(&whole.s);
	e2e_buf_finish(&chunked.s);
	e2e_buf_finish(&skipped.s);
	return rc;
}

E2E_FUZZ_TARGET(e2e_fuzz_json_stream)
