/* http1_req.c - checks of a client's HTTP/1.1 request head (see
 * http1_req.h). */
#include "http1_req.h"

#include <string.h>
#include <strings.h>

#include "banned.h"

/* RFC 9110 5.6.2 tchar */
static bool is_tchar(unsigned char c)
{
	return c > ' ' && c < 0x7f && !strchr("\"(),/:;<=>?@[\\]{}", c);
}

static bool is_token(const char *s, size_t n)
{
	if (!n)
		return false;
	for (size_t i = 0; i < n; i++)
		if (!is_tchar((unsigned char)s[i]))
			return false;
	return true;
}

static int refuse(struct e2e_http1_verdict *v, int status, const char *why)
{
	v->status = status;
	v->why = why;
	return status;
}

int e2e_http1_req_line(const char *method, size_t mlen, const char *target, size_t tlen,
		       struct e2e_http1_verdict *v)
{
	v->status = 0;
	v->why = NULL;
	if (!is_token(method, mlen))
		return refuse(v, 400, "400 bad request: invalid method\n");
	if (mlen > E2E_HTTP1_METHOD_MAX)
		return refuse(v, 501, "501 not implemented: method too long\n");
	if (!tlen)
		return refuse(v, 400, "400 bad request: empty request target\n");
	for (size_t i = 0; i < tlen; i++) {
		unsigned char c = (unsigned char)target[i];
		if (c <= ' ' || c == 0x7f)
			return refuse(v, 400,
				      "400 bad request: whitespace or control byte in the request target\n");
	}
	return 0;
}

void e2e_http1_req_init(struct e2e_http1_req *q)
{
	memset(q, 0, sizeof(*q));
	q->content_length = -1;
}

static bool fail(struct e2e_http1_req *q, int status, const char *why)
{
	refuse(&q->v, status, why);
	return false;
}

static bool content_length(struct e2e_http1_req *q, const char *s, size_t n)
{
	int64_t v = 0;

	if (!n)
		return fail(q, 400, "400 bad request: invalid Content-Length\n");
	for (size_t i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9' || v > (INT64_MAX - (s[i] - '0')) / 10)
			return fail(q, 400, "400 bad request: invalid Content-Length\n");
		v = v * 10 + (s[i] - '0');
	}
	if (q->content_length >= 0 && q->content_length != v)
		return fail(q, 400, "400 bad request: conflicting Content-Length\n");
	q->content_length = v;
	return true;
}

/* The comma-separated codings of one Transfer-Encoding field, appended to
 * those of the fields before it. */
static bool codings(struct e2e_http1_req *q, const char *s, size_t n)
{
	size_t i = 0;

	q->te = true;
	for (;;) {
		size_t a, b;
		while (i < n && (s[i] == ' ' || s[i] == '\t'))
			i++;
		a = i;
		while (i < n && s[i] != ',')
			i++;
		b = i;
		while (b > a && (s[b - 1] == ' ' || s[b - 1] == '\t'))
			b--;
		if (b > a) {
			bool chunked = b - a == 7 && strncasecmp(s + a, "chunked", 7) == 0;
			if (chunked && q->chunked_seen)
				return fail(q, 400, "400 bad request: chunked applied twice\n");
			q->chunked_seen |= chunked;
			q->chunked_last = chunked;
			q->codings++;
		}
		if (i >= n)
			return true;
		i++; /* the comma */
	}
}

bool e2e_http1_req_field(struct e2e_http1_req *q, const char *name, size_t nlen, const char *value,
			 size_t vlen)
{
	if (q->v.status)
		return false;
	if (!is_token(name, nlen))
		return fail(q, 400, "400 bad request: invalid header name\n");
	for (size_t i = 0; i < vlen; i++) {
		unsigned char c = (unsigned char)value[i];
		if ((c < ' ' && c != '\t') || c == 0x7f)
			return fail(q, 400, "400 bad request: control byte in a header value\n");
	}
	if (nlen == 14 && strncasecmp(name, "content-length", 14) == 0) {
		/* surrounding whitespace is not part of the value */
		while (vlen && (value[vlen - 1] == ' ' || value[vlen - 1] == '\t'))
			vlen--;
		while (vlen && (*value == ' ' || *value == '\t')) {
			value++;
			vlen--;
		}
		return content_length(q, value, vlen);
	}
	if (nlen == 17 && strncasecmp(name, "transfer-encoding", 17) == 0)
		return codings(q, value, vlen);
	return true;
}

void e2e_http1_req_folded(struct e2e_http1_req *q)
{
	if (!q->v.status)
		fail(q, 400, "400 bad request: obsolete line folding\n");
}

int e2e_http1_req_end(struct e2e_http1_req *q, int64_t *body_len)
{
	*body_len = -1;
	if (q->v.status)
		return q->v.status;
	if (q->te) {
		if (q->content_length >= 0)
			return refuse(&q->v, 400,
				      "400 bad request: both Transfer-Encoding and Content-Length\n");
		if (!q->chunked_last)
			return refuse(&q->v, 400,
				      "400 bad request: chunked is not the final transfer coding\n");
		if (q->codings > 1)
			return refuse(&q->v, 501,
				      "501 not implemented: transfer coding other than chunked\n");
		*body_len = -2;
		return 0;
	}
	*body_len = q->content_length;
	return 0;
}
