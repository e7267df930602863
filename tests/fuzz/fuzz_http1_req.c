/* fuzz_http1_req.c - the request-head checks (http1_req.h) on arbitrary
 * bytes from a client.
 *
 * The input is a head as the proxy's HTTP server hands it over: lines
 * split at LF; the first is "<method> <target>" (split at the first
 * space), each other one "<name>:<value>" (split at the first colon, the
 * value's surrounding spaces and tabs removed), a line without a colon
 * being a name with an empty value. Every part is passed in its own heap
 * copy, so a read past its end is caught. Checked: a verdict is 0, 400 or
 * 501 with a reason for a refusal, which starts with the status and ends
 * in a newline; an accepted method is a token of at most
 * E2E_HTTP1_METHOD_MAX bytes and an accepted target has no byte <= space
 * or DEL; once a field is refused, so is every later one and the head;
 * an accepted head declares chunked only with one coding and no
 * Content-Length, and a Content-Length only when every Content-Length
 * field holds those digits; the same input gives the same verdict twice.
 * Returns 0 when the head is accepted, E2E_ERR_INPUT when refused. */
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "error.h"
#include "http1_req.h"
#include "fuzz.h"

static char *dup_part(const char *s, size_t n)
{
	char *d = malloc(n ? n : 1);

	E2E_FUZZ_CHECK(d != NULL);
	if (n)
		memcpy(d, s, n);
	return d;
}

static void check_verdict(const struct e2e_http1_verdict *v, int status)
{
	E2E_FUZZ_CHECK(status == v->status);
	E2E_FUZZ_CHECK(status == 0 || status == 400 || status == 501);
	if (!status)
		return;
	E2E_FUZZ_CHECK(v->why != NULL);
	E2E_FUZZ_CHECK(strncmp(v->why, status == 400 ? "400 " : "501 ", 4) == 0);
	E2E_FUZZ_CHECK(v->why[strlen(v->why) - 1] == '\n');
}

static bool all_digits(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (s[i] < '0' || s[i] > '9')
			return false;
	return n > 0;
}

/* One pass over the head; returns the verdict's status, *body_len set. */
static int run(const char *data, size_t size, int64_t *body_len)
{
	const char *end = data + size, *line = data;
	const char *nl = memchr(data, '\n', size);
	const char *le = nl ? nl : end, *sp = memchr(line, ' ', (size_t)(le - line));
	struct e2e_http1_verdict v;
	struct e2e_http1_req q;
	bool refused = false;
	int st;
	size_t ml = sp ? (size_t)(sp - line) : (size_t)(le - line);
	size_t tl = sp ? (size_t)(le - sp - 1) : 0;
	char *m = dup_part(line, ml), *t = dup_part(sp ? sp + 1 : le, tl);

	st = e2e_http1_req_line(m, ml, t, tl, &v);
	check_verdict(&v, st);
	if (!st) {
		E2E_FUZZ_CHECK(ml >= 1 && ml <= E2E_HTTP1_METHOD_MAX);
		for (size_t i = 0; i < tl; i++)
			E2E_FUZZ_CHECK((unsigned char)t[i] > ' ' && (unsigned char)t[i] != 0x7f);
	}
	free(m);
	free(t);
	e2e_http1_req_init(&q);
	unsigned chunked_fields = 0;
	while (nl) {
		const char *colon, *vs, *ve;
		line = nl + 1;
		nl = memchr(line, '\n', (size_t)(end - line));
		le = nl ? nl : end;
		colon = memchr(line, ':', (size_t)(le - line));
		vs = colon ? colon + 1 : le;
		ve = le;
		while (vs < ve && (*vs == ' ' || *vs == '\t'))
			vs++;
		while (ve > vs && (ve[-1] == ' ' || ve[-1] == '\t'))
			ve--;
		size_t nlen = colon ? (size_t)(colon - line) : (size_t)(le - line), vlen = (size_t)(ve - vs);
		char *n = dup_part(line, nlen), *val = dup_part(vs, vlen);
		bool ok = e2e_http1_req_field(&q, n, nlen, val, vlen);
		if (refused)
			E2E_FUZZ_CHECK(!ok);
		if (!ok) {
			refused = true;
			check_verdict(&q.v, q.v.status);
			E2E_FUZZ_CHECK(q.v.status != 0);
		} else if (nlen == 17 && strncasecmp(n, "transfer-encoding", 17) == 0) {
			chunked_fields++;
		} else if (nlen == 14 && strncasecmp(n, "content-length", 14) == 0) {
			E2E_FUZZ_CHECK(all_digits(val, vlen));
		}
		free(n);
		free(val);
	}
	int fst = e2e_http1_req_end(&q, body_len);
	check_verdict(&q.v, fst);
	if (refused)
		E2E_FUZZ_CHECK(fst != 0);
	if (!fst) {
		E2E_FUZZ_CHECK(*body_len >= -2);
		if (*body_len == -2)
			E2E_FUZZ_CHECK(chunked_fields >= 1 && q.codings == 1 && q.content_length == -1);
		else
			E2E_FUZZ_CHECK(chunked_fields == 0);
	}
	return st ? st : fst;
}

int e2e_fuzz_http1_req(const uint8_t *bytes, size_t size)
{
	const char *data = (const char *)bytes;
	int64_t len1, len2;
	int a = run(data, size, &len1), b = run(data, size, &len2);

	E2E_FUZZ_CHECK(a == b && len1 == len2);
	return a ? E2E_ERR_INPUT : 0;
}

E2E_FUZZ_TARGET(e2e_fuzz_http1_req)
