/* http1.h - the HTTP/1.1 response parser: status line, header fields,
 * message framing (Content-Length, chunked, until close, none) and chunked
 * decoding, for bytes that arrive in pieces of any size.
 *
 * Pure: no sockets, no I/O. The caller reads the bytes of one connection
 * and hands each piece to e2e_http1_parse(), which returns one event at a
 * time and says how much of the piece it used; it keeps nothing of the
 * piece but the part of a head line split across pieces. Body bytes are
 * never copied: they are reported as spans of the caller's piece. Header
 * fields are copied once, into the parser's store, which grows when a head
 * is larger than any before it and is kept by e2e_http1_reset(), so a
 * parser reused for response after response allocates nothing in the
 * steady state.
 *
 * What is accepted (RFC 9112, as a proxy must):
 * - "HTTP/1.<digit> <3 digits>[ <reason>]"; lines end in CRLF or a bare LF;
 * - field names are tokens; values hold no CR or NUL (rejected, not
 *   forwarded); obsolete line folding is replaced by one space, except
 *   after Content-Length or Transfer-Encoding (rejected) and before the
 *   first field (dropped);
 * - interim 1xx heads are skipped, 101 is an error (no upgrade is asked);
 * - no body for a HEAD request, 204 and 304; Transfer-Encoding with chunked
 *   last: chunked; any other Transfer-Encoding: until close; otherwise
 *   Content-Length, or until close without one. Content-Length must be
 *   digits within int64 and agree when repeated. A response with both
 *   Transfer-Encoding and Content-Length is framed by the former and its
 *   connection is not reused;
 * - chunk sizes are hex digits within int64, then optional whitespace and
 *   extensions (ignored); trailers are read and dropped;
 * - a head (with its interim heads), a chunk-size line and the trailer
 *   section are each at most E2E_HTTP1_HEAD_MAX bytes; the head's limit
 *   can be set lower or higher (e2e_http1_set_head_max). */
#ifndef E2E_HTTP1_H
#define E2E_HTTP1_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define E2E_HTTP1_HEAD_MAX 65536

enum e2e_http1_event {
	E2E_HTTP1_NEED, /* the whole piece is used: give the next one */
	E2E_HTTP1_HEAD, /* the final response head is complete */
	E2E_HTTP1_BODY, /* body bytes: *body, *body_len (the end of what was used) */
	E2E_HTTP1_DONE, /* the response is complete; the rest is not used */
	E2E_HTTP1_ERROR, /* not a valid response (e2e_http1_error()); final */
};

/* Embedded in its owner; the fields are private to http1.c. */
struct e2e_http1 {
	char *store; /* "name\0value\0"..., then a head line split across pieces */
	uint32_t *offs; /* name and value offsets in store, two per field */
	size_t store_len, store_cap, part, nfields, offs_cap;
	size_t nconn, conn_field; /* Connection fields: how many, the last one */
	uint64_t left; /* body bytes left in the Content-Length or chunk */
	int64_t content_length; /* -1 = none */
	size_t line_bytes; /* of the head, chunk-size line or trailers so far */
	size_t head_max; /* the head's limit (E2E_HTTP1_HEAD_MAX unless set) */
	const char *error;
	char why[64]; /* the error when the head is over head_max */
	int status;
	uint8_t state, last_field;
	bool head_request, have_head, http10, te, te_chunked, close, head_too_large;
};

/* Sets up an empty parser (no allocation); e2e_http1_reset() before use. */
void e2e_http1_init(struct e2e_http1 *p);
/* Frees the store. Accepts NULL. */
void e2e_http1_finish(struct e2e_http1 *p);
/* Ready for the next response, to a HEAD request or not: headers of the
 * previous one are gone. */
void e2e_http1_reset(struct e2e_http1 *p, bool head_request);

/* The most bytes a response head (with its interim heads) may take; 0 =
 * E2E_HTTP1_HEAD_MAX. Kept across resets. */
void e2e_http1_set_head_max(struct e2e_http1 *p, size_t max);

/* Parses from data[0, len) (len may be 0) up to the next event and sets
 * *used to how many bytes that took. On E2E_HTTP1_BODY, *body and
 * *body_len give the body bytes, the last *body_len of data[0, *used).
 * After E2E_HTTP1_HEAD, call again even with nothing left: a response
 * without a body is E2E_HTTP1_DONE then. */
enum e2e_http1_event e2e_http1_parse(struct e2e_http1 *p, const char *data, size_t len, size_t *used,
				     const char **body, size_t *body_len);
/* The connection was closed: true when that ends the response (a body
 * read until close, or the response was already done; the parser is
 * done then), false when the response is cut short. */
bool e2e_http1_eof(struct e2e_http1 *p);

/* After E2E_HTTP1_HEAD: the status code, the i-th header field to forward
 * (false past the end; Content-Length, Transfer-Encoding, hop-by-hop
 * fields and the fields Connection names are left out; strings are
 * NUL-terminated and live until the next reset), the Content-Length (-1
 * when none or with Transfer-Encoding), and whether the connection may
 * carry another response once this one is done. */
int e2e_http1_status(const struct e2e_http1 *p);
bool e2e_http1_header(const struct e2e_http1 *p, size_t i, const char **name, const char **value);
int64_t e2e_http1_content_length(const struct e2e_http1 *p);
bool e2e_http1_keep_alive(const struct e2e_http1 *p);
/* Why the parser returned E2E_HTTP1_ERROR (valid until the next reset),
 * or NULL. */
const char *e2e_http1_error(const struct e2e_http1 *p);
/* Was that error a head over its limit (e2e_http1_set_head_max)? */
bool e2e_http1_head_too_large(const struct e2e_http1 *p);

/* Is this header hop-by-hop (never forwarded)? Is name one of the
 * comma-separated tokens of a Connection header value (so hop-by-hop too)?
 * Both case-insensitive. */
bool e2e_http1_hop_by_hop(const char *name, size_t len);
bool e2e_http1_conn_listed(const char *conn_value, const char *name, size_t len);

#endif
