/* json_stream.h - a streaming JSON reader for large untrusted input.
 *
 * Pulls bytes through a read callback into one fixed buffer, validates
 * everything it passes over (RFC 8259 grammar, UTF-8 without overlongs or
 * surrogates, at most E2E_JSON_STREAM_MAX_DEPTH nested containers) and
 * hands the caller only what it asks for, so memory stays the buffer, the
 * current JSON path and the strings the caller keeps, whatever the size of
 * the document (jansson builds the whole tree: 5-6 times the file size
 * for a HAR). It knows nothing of what the document means.
 *
 * The caller pulls: e2e_json_stream_begin(), then for each value either
 * asks its type (peek) and reads it with the reader of that type, enters
 * it (objects and arrays, then next_key / next_item until they return 0),
 * or skips it; e2e_json_stream_end() after the top-level value. A reader
 * given a value of another type fails with a message naming the path
 * ("expected a number, got a string"). The path follows the reader:
 * "log.entries[17].timings.wait" while that value is read.
 *
 * Strings: escapes are decoded, a \u surrogate pair becomes its code point
 * and a lone surrogate U+FFFD (valid JSON grammar that JSON.stringify
 * writes for a broken string); \u0000 is kept (check the length). Numbers:
 * strtod() of the text (HUGE_VAL when it overflows), at most 127
 * characters when the value is read (skipping has no limit). A UTF-8 byte
 * order mark may precede the document.
 *
 * Every error is E2E_ERR_INPUT with one line naming the input:
 *   'NAME': not valid JSON at line L, column C (PATH): WHAT
 *   'NAME': PATH: WHAT                      (e2e_json_stream_fail)
 *   'NAME': cannot read: STRERROR
 * where PATH is "top level" outside any container, columns count bytes
 * from 1, and a path longer than 200 bytes keeps its start and end. After
 * an error the stream can only be destroyed. */
#ifndef E2E_JSON_STREAM_H
#define E2E_JSON_STREAM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

struct e2e_buf;
struct e2e_json_stream;

#define E2E_JSON_STREAM_MAX_DEPTH 512

enum e2e_json_type {
	E2E_JSON_OBJECT,
	E2E_JSON_ARRAY,
	E2E_JSON_STRING,
	E2E_JSON_NUMBER,
	E2E_JSON_BOOL,
	E2E_JSON_NULL,
};

/* "an object", "an array", "a string", "a number", "a boolean", "null". */
const char *e2e_json_type_name(enum e2e_json_type t);

/* Fills buf with at most cap bytes: returns how many, 0 at the end of the
 * input (never called again), or -1 with errno set. A short count is fine
 * (a pipe); the callback retries EINTR itself. */
typedef ssize_t (*e2e_json_read_fn)(void *ctx, void *buf, size_t cap);

/* name is what messages call the input (copied). Caller destroys. */
struct e2e_json_stream *e2e_json_stream_create(const char *name, e2e_json_read_fn read, void *ctx);
/* Accepts NULL. */
void e2e_json_stream_destroy(struct e2e_json_stream *js);

/* Skips a byte order mark and whitespace: 1 when a value follows, 0 when
 * the input holds nothing else (the caller words "empty"), or an error. */
int e2e_json_stream_begin(struct e2e_json_stream *js);
/* After the top-level value: 0 when only whitespace follows, else
 * "unexpected data after the top-level value" (or a read error). */
int e2e_json_stream_end(struct e2e_json_stream *js);

/* The type of the next value (not consumed); "expected a value" when none
 * starts there. */
int e2e_json_stream_peek(struct e2e_json_stream *js, enum e2e_json_type *out);
/* The next value must be of type want: else "PATH: expected W, got T". */
int e2e_json_stream_expect(struct e2e_json_stream *js, enum e2e_json_type want);

/* Enters the object or array (t) that comes next. */
int e2e_json_stream_enter(struct e2e_json_stream *js, enum e2e_json_type t);
/* In an object: 1 with the next key (decoded, NUL-terminated, *len bytes
 * as it may hold a NUL; valid until the next call) and the path extended
 * by it; its value comes next. 0 after the closing brace. */
int e2e_json_stream_next_key(struct e2e_json_stream *js, const char **key, size_t *len);
/* In an array: 1 when an element comes next (the path extended by [i],
 * counting from 0), 0 after the closing bracket. */
int e2e_json_stream_next_item(struct e2e_json_stream *js);

/* Readers of the next value; each NULL out-parameter is not written.
 * string: decoded into keep (reset first, NUL-terminated), its decoded
 * length in bytes into *len. */
int e2e_json_stream_string(struct e2e_json_stream *js, struct e2e_buf *keep, uint64_t *len);
int e2e_json_stream_number(struct e2e_json_stream *js, double *out);
int e2e_json_stream_bool(struct e2e_json_stream *js, bool *out);
int e2e_json_stream_null(struct e2e_json_stream *js);
/* Reads past the next value of any type, validating all of it. */
int e2e_json_stream_skip(struct e2e_json_stream *js);

/* The path for messages ("top level" outside any container). Valid until
 * the next call. */
const char *e2e_json_stream_path(struct e2e_json_stream *js);
/* Extends the path by a key the reader is not at (to name a missing
 * field); returns the mark to give e2e_json_stream_pop(). A long key is cut
 * after 129 bytes (never inside a UTF-8 sequence), control characters
 * are shown as '?'. */
size_t e2e_json_stream_push_key(struct e2e_json_stream *js, const char *key);
void e2e_json_stream_pop(struct e2e_json_stream *js, size_t mark);
/* An error about the value at the current path: "'NAME': PATH: MSG". */
int e2e_json_stream_fail(struct e2e_json_stream *js, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

#endif
