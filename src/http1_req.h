/* http1_req.h - checks of a client's HTTP/1.1 request head (RFC 9112), for
 * the proxy: what a strict server rejects is refused, never forwarded.
 *
 * Pure: no sockets, no I/O, no allocation. The proxy's HTTP server parses
 * the head; these functions judge the parts it hands over (method, request
 * target, each header field as a name and a value) and the message framing
 * the fields declare. Every refusal comes with the status to answer (400,
 * or 501 for what is valid but not implemented) and a short reason, a
 * static string ending in a newline, fit for a plain-text body.
 *
 * What is refused:
 * - a method that is not a token (RFC 9110 5.6.2: "G@T") -> 400; a method
 *   longer than E2E_HTTP1_METHOD_MAX bytes -> 501;
 * - an empty request target, or one holding a space, tab, CR, LF, NUL,
 *   another control byte or DEL -> 400 (bytes >= 0x80 pass);
 * - a field name that is not a token (whitespace in or before it:
 *   "Content-Length : 40") -> 400;
 * - obsolete line folding, as the caller detects it -> 400;
 * - a field value holding CR, LF, NUL or another control byte other than
 *   tab -> 400;
 * - Content-Length that is not digits within int64, or repeated with a
 *   different value -> 400;
 * - Transfer-Encoding (all its fields taken as one list) whose last coding
 *   is not chunked, or that names chunked twice -> 400; codings before a
 *   final chunked -> 501 (none is implemented); Transfer-Encoding together
 *   with Content-Length -> 400. */
#ifndef E2E_HTTP1_REQ_H
#define E2E_HTTP1_REQ_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* The longest method recorded and forwarded whole; longer ones get 501. */
#define E2E_HTTP1_METHOD_MAX 31

/* A verdict: status 0 when acceptable, else 400 or 501 and why. */
struct e2e_http1_verdict {
	int status;
	const char *why;
};

/* The request line's method and target. Returns the status (0 = accept)
 * and sets v. */
int e2e_http1_req_line(const char *method, size_t mlen, const char *target, size_t tlen,
		       struct e2e_http1_verdict *v);

/* The framing the fields of one request declare, built field by field.
 * Embedded in its owner; the fields are private to http1_req.c. */
struct e2e_http1_req {
	struct e2e_http1_verdict v;
	int64_t content_length; /* -1 = none */
	unsigned codings; /* Transfer-Encoding codings seen */
	bool te, chunked_seen, chunked_last;
};

void e2e_http1_req_init(struct e2e_http1_req *q);
/* One header field, in the order received. Returns false once the request
 * is refused (q->v says why; later calls change nothing). */
bool e2e_http1_req_field(struct e2e_http1_req *q, const char *name, size_t nlen, const char *value,
			 size_t vlen);
/* The caller's HTTP server found an obsolete line folding (RFC 9112 5.2)
 * in the head: refuses the request with 400. */
void e2e_http1_req_folded(struct e2e_http1_req *q);
/* After the last field: the status (0 = accept) with q->v set, and the
 * body length: -1 none declared, -2 chunked, else the Content-Length. */
int e2e_http1_req_end(struct e2e_http1_req *q, int64_t *body_len);

#endif
