/* http1.c - the HTTP/1.1 response parser (see http1.h).
 *
 * Head lines are found with memchr and parsed where they lie: in the
 * caller's piece when whole, in the store when split across pieces (the
 * part that came first is kept there and the line completed in place).
 * Chunk-size lines and trailers are parsed as they stream by, never kept.
 * A field is written into the store as "name\0value\0"; the writes only
 * ever move bytes towards the start of the store, so a line that lies in
 * the store itself becomes its field in place. */
#include "http1.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "buf.h"
#include "banned.h"

#define STORE_KEEP 16384 /* a larger store (a rare big head) is freed at reset */
#define OFFS_KEEP 1024

enum state {
	S_STATUS, /* at or in the status line */
	S_FIELD, /* at or in a field line */
	S_LENGTH, /* Content-Length body bytes */
	S_CHUNK_SIZE, /* the first digit of a chunk size */
	S_CHUNK_DIGITS, /* more digits */
	S_CHUNK_BWS, /* whitespace after the digits */
	S_CHUNK_EXT, /* extensions, skipped to the line end */
	S_CHUNK_CR, /* CR of the chunk-size line seen */
	S_CHUNK_DATA,
	S_CHUNK_DATA_END, /* the CRLF after the chunk data */
	S_CHUNK_DATA_CR,
	S_TRAILER, /* at a trailer line (or the final empty line) */
	S_TRAILER_LINE, /* in a trailer line */
	S_TRAILER_CR, /* CR at the start of a trailer line seen */
	S_CLOSE, /* body until the connection closes */
	S_DONE,
	S_ERROR,
};

/* the field line before the current one, for obsolete line folding */
enum last_field {
	F_NONE, /* none yet: a folded line is dropped */
	F_STORED, /* a field in the store: the fold continues its value */
	F_DROPPED, /* a hop-by-hop field: so is the fold */
	F_FRAMING, /* Content-Length or Transfer-Encoding: a fold is an error */
};

enum kind { K_OTHER, K_HOP, K_CONNECTION, K_LENGTH, K_CODING };

static bool token_eq(const char *a, size_t alen, const char *b, size_t blen)
{
	return alen == blen && strncasecmp(a, b, alen) == 0;
}

#define IS(lit) (strncasecmp(name, lit, sizeof(lit) - 1) == 0)

/* What a field name means to the framing; the length picks the
 * candidates, so most names cost one switch. */
static enum kind field_kind(const char *name, size_t len)
{
	switch (len) {
	case 2:
		return IS("te") ? K_HOP : K_OTHER;
	case 7:
		return IS("trailer") || IS("upgrade") ? K_HOP : K_OTHER;
	case 10:
		return IS("connection") ? K_CONNECTION : IS("keep-alive") ? K_HOP : K_OTHER;
	case 14:
		return IS("content-length") ? K_LENGTH : K_OTHER;
	case 16:
		return IS("proxy-connection") ? K_HOP : K_OTHER;
	case 17:
		return IS("transfer-encoding") ? K_CODING : K_OTHER;
	case 18:
		return IS("proxy-authenticate") ? K_HOP : K_OTHER;
	case 19:
		return IS("proxy-authorization") ? K_HOP : K_OTHER;
	default:
		return K_OTHER;
	}
}

#undef IS

bool e2e_http1_hop_by_hop(const char *name, size_t len)
{
	enum kind k = field_kind(name, len);

	return k == K_HOP || k == K_CONNECTION || k == K_CODING;
}

static const char *skip_ows(const char *s, const char *e)
{
	while (s < e && (*s == ' ' || *s == '\t'))
		s++;
	return s;
}

static const char *trim_ows(const char *s, const char *e)
{
	while (e > s && (e[-1] == ' ' || e[-1] == '\t'))
		e--;
	return e;
}

/* The next token of a comma-separated list at *v (NUL-terminated),
 * without the whitespace around it; false at the end. */
static bool next_token(const char **v, const char **tok, size_t *len)
{
	const char *s = *v, *e;

	while (*s == ' ' || *s == '\t' || *s == ',')
		s++;
	if (!*s)
		return false;
	for (e = s; *e && *e != ','; e++)
		;
	*v = e;
	e = trim_ows(s, e);
	*tok = s;
	*len = (size_t)(e - s);
	return true;
}

bool e2e_http1_conn_listed(const char *v, const char *name, size_t len)
{
	const char *tok;
	size_t n;

	while (v && next_token(&v, &tok, &n))
		if (token_eq(tok, n, name, len))
			return true;
	return false;
}

void e2e_http1_init(struct e2e_http1 *p)
{
	memset(p, 0, sizeof(*p));
	p->head_max = E2E_HTTP1_HEAD_MAX;
	e2e_http1_reset(p, false);
}

void e2e_http1_set_head_max(struct e2e_http1 *p, size_t max)
{
	p->head_max = max ? max : E2E_HTTP1_HEAD_MAX;
}

void e2e_http1_finish(struct e2e_http1 *p)
{
	if (!p)
		return;
	free(p->store);
	free(p->offs);
	p->store = NULL;
	p->offs = NULL;
	p->store_cap = p->offs_cap = 0;
}

void e2e_http1_reset(struct e2e_http1 *p, bool head_request)
{
	if (p->store_cap > STORE_KEEP || p->offs_cap > OFFS_KEEP)
		e2e_http1_finish(p);
	p->store_len = p->part = p->nfields = p->nconn = 0;
	p->left = 0;
	p->content_length = -1;
	p->line_bytes = 0;
	p->error = NULL;
	p->status = 0;
	p->state = S_STATUS;
	p->last_field = F_NONE;
	p->head_request = head_request;
	p->have_head = p->http10 = p->te = p->te_chunked = p->close = p->head_too_large = false;
}

static enum e2e_http1_event fail(struct e2e_http1 *p, const char *why)
{
	p->error = why;
	p->state = S_ERROR;
	return E2E_HTTP1_ERROR;
}

static void reserve(struct e2e_http1 *p, size_t need)
{
	size_t n;

	if (need <= p->store_cap)
		return;
	n = p->store_cap ? p->store_cap : 1024;
	while (n < need)
		n *= 2;
	p->store = e2e_xrealloc(p->store, n);
	p->store_cap = n;
}

static bool is_digit(char c)
{
	return c >= '0' && c <= '9';
}

static int hex_value(unsigned char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	c |= 0x20;
	return c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

/* RFC 9110 tchar: ALPHA, DIGIT and !#$%&'*+-.^_`|~ (a table: names are
 * checked byte by byte on every response) */
static const char tchar[256] = "\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0"
			       "\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0"
			       "\0\1\0\1\1\1\1\1\0\0\1\1\0\1\1\0"
			       "\1\1\1\1\1\1\1\1\1\1\0\0\0\0\0\0"
			       "\0\1\1\1\1\1\1\1\1\1\1\1\1\1\1\1"
			       "\1\1\1\1\1\1\1\1\1\1\1\0\0\0\1\1"
			       "\1\1\1\1\1\1\1\1\1\1\1\1\1\1\1\1"
			       "\1\1\1\1\1\1\1\1\1\1\1\0\1\0\1\0";

/* The Transfer-Encoding value's last coding is chunked. */
static bool chunked_last(const char *v, const char *e)
{
	const char *s = e;

	while (s > v && s[-1] != ',')
		s--;
	s = skip_ows(s, e);
	return token_eq(s, (size_t)(e - s), "chunked", 7);
}

/* The value of a Content-Length line; false when it is not a number
 * within int64. */
static bool parse_length(const char *v, const char *e, int64_t *out)
{
	int64_t n = 0;

	if (v == e)
		return false;
	for (; v < e; v++) {
		if (!is_digit(*v) || n > (INT64_MAX - (*v - '0')) / 10)
			return false;
		n = n * 10 + (*v - '0');
	}
	*out = n;
	return true;
}

/* Each function below returns E2E_HTTP1_NEED to go on, or the event that
 * ends this call of e2e_http1_parse(). */

static enum e2e_http1_event status_line(struct e2e_http1 *p, const char *b, size_t n)
{
	if (n < 12 || memcmp(b, "HTTP/1.", 7) != 0 || !is_digit(b[7]) || b[8] != ' ' || b[9] < '1' ||
	    b[9] > '9' || !is_digit(b[10]) || !is_digit(b[11]) || (n > 12 && b[12] != ' '))
		return fail(p, "invalid status line");
	p->status = (b[9] - '0') * 100 + (b[10] - '0') * 10 + (b[11] - '0');
	p->http10 = b[7] == '0';
	p->store_len = p->nfields = 0;
	p->content_length = -1;
	p->te = p->te_chunked = false;
	p->nconn = 0;
	p->last_field = F_NONE;
	p->state = S_FIELD;
	return E2E_HTTP1_NEED;
}

/* An obsolete line folding: its text continues the previous value after
 * one space. */
static enum e2e_http1_event fold_line(struct e2e_http1 *p, const char *b, size_t n)
{
	const char *v = skip_ows(b, b + n), *e = trim_ows(v, b + n);
	char *w;

	if (p->last_field == F_FRAMING)
		return fail(p, "folded Content-Length or Transfer-Encoding line");
	if (memchr(v, '\r', (size_t)(e - v)) || memchr(v, '\0', (size_t)(e - v)))
		return fail(p, "CR or NUL in a header value");
	if (p->last_field != F_STORED || v == e)
		return E2E_HTTP1_NEED;
	w = p->store + p->store_len - 1; /* the NUL ending the previous value */
	if (p->store_len - 1 > p->offs[2 * p->nfields - 1])
		*w++ = ' ';
	memmove(w, v, (size_t)(e - v));
	w += e - v;
	*w++ = '\0';
	p->store_len = (size_t)(w - p->store);
	return E2E_HTTP1_NEED;
}

/* A field line without its line end (b[n] is its CR or LF); the store
 * has room for n + 2 more bytes, and b may lie in that room. */
static enum e2e_http1_event field_line(struct e2e_http1 *p, const char *b, size_t n)
{
	const char *v, *e;
	size_t nlen = 0, vlen;
	enum kind kind;
	char *w;

	if (b[0] == ' ' || b[0] == '\t')
		return fold_line(p, b, n);
	while (tchar[(unsigned char)b[nlen]]) /* b[n] is the line end */
		nlen++;
	if (nlen == n || !nlen || b[nlen] != ':') {
		if (nlen < n && nlen && memchr(b + nlen, ':', n - nlen))
			return fail(p, "invalid character in a header name");
		return fail(p, "header line without a name and colon");
	}
	v = skip_ows(b + nlen + 1, b + n);
	e = trim_ows(v, b + n);
	vlen = (size_t)(e - v);
	if (memchr(v, '\r', vlen) || memchr(v, '\0', vlen))
		return fail(p, "CR or NUL in a header value");
	kind = field_kind(b, nlen);
	if (kind == K_LENGTH) {
		int64_t cl;
		if (!parse_length(v, e, &cl))
			return fail(p, "invalid Content-Length");
		if (p->content_length >= 0 && p->content_length != cl)
			return fail(p, "conflicting Content-Length values");
		p->content_length = cl;
		p->last_field = F_FRAMING;
		return E2E_HTTP1_NEED;
	}
	if (kind == K_CODING) {
		/* several lines make one list: the last one decides */
		p->te = true;
		p->te_chunked = chunked_last(v, e);
		p->last_field = F_FRAMING;
		return E2E_HTTP1_NEED;
	}
	if (kind == K_HOP) {
		p->last_field = F_DROPPED;
		return E2E_HTTP1_NEED;
	}
	if (kind == K_CONNECTION) { /* kept until head_end() has read it */
		p->nconn++;
		p->conn_field = p->nfields;
	}
	if (p->nfields == p->offs_cap) {
		p->offs_cap = p->offs_cap ? 2 * p->offs_cap : 16;
		p->offs = e2e_xrealloc(p->offs, 2 * p->offs_cap * sizeof(*p->offs));
	}
	w = p->store + p->store_len;
	p->offs[2 * p->nfields] = (uint32_t)p->store_len;
	memmove(w, b, nlen);
	w[nlen] = '\0';
	p->offs[2 * p->nfields + 1] = (uint32_t)(p->store_len + nlen + 1);
	memmove(w + nlen + 1, v, vlen);
	w[nlen + 1 + vlen] = '\0';
	p->store_len += nlen + vlen + 2;
	p->nfields++;
	p->last_field = F_STORED;
	return E2E_HTTP1_NEED;
}

static const char *field_name(const struct e2e_http1 *p, size_t i, size_t *len)
{
	*len = p->offs[2 * i + 1] - p->offs[2 * i] - 1;
	return p->store + p->offs[2 * i];
}

/* The tokens of the Connection fields: the value of the one, or those of
 * several joined by commas after the fields in the store. */
static const char *connection_list(struct e2e_http1 *p)
{
	size_t total = 0;
	char *w;

	if (p->nconn == 1)
		return p->store + p->offs[2 * p->conn_field + 1];
	for (size_t i = 0; i < p->nfields; i++) {
		size_t nlen;
		const char *name = field_name(p, i, &nlen);
		if (field_kind(name, nlen) == K_CONNECTION)
			total += strlen(p->store + p->offs[2 * i + 1]) + 1;
	}
	reserve(p, p->store_len + total);
	w = p->store + p->store_len;
	for (size_t i = 0; i < p->nfields; i++) {
		size_t nlen;
		const char *name = field_name(p, i, &nlen);
		if (field_kind(name, nlen) == K_CONNECTION) {
			const char *v = p->store + p->offs[2 * i + 1];
			size_t vlen = strlen(v);
			memcpy(w, v, vlen);
			w += vlen;
			*w++ = ',';
		}
	}
	w[-1] = '\0';
	return p->store + p->store_len;
}

/* Applies the Connection fields: "close", and the fields they name,
 * which are dropped with the Connection fields themselves. Returns
 * whether they say "keep-alive". */
static bool connection_fields(struct e2e_http1 *p)
{
	const char *list = connection_list(p), *v = list, *tok;
	bool keep_alive = false, named = false;
	size_t j = 0, n;

	while (next_token(&v, &tok, &n)) {
		if (token_eq(tok, n, "close", 5))
			p->close = true;
		else if (token_eq(tok, n, "keep-alive", 10))
			keep_alive = true;
		else
			named = true;
	}
	for (size_t i = 0; i < p->nfields; i++) {
		size_t nlen;
		const char *name = field_name(p, i, &nlen);
		if (p->nconn == 1 ? i == p->conn_field : field_kind(name, nlen) == K_CONNECTION)
			continue;
		if (named && e2e_http1_conn_listed(list, name, nlen))
			continue;
		p->offs[2 * j] = p->offs[2 * i];
		p->offs[2 * j + 1] = p->offs[2 * i + 1];
		j++;
	}
	p->nfields = j;
	return keep_alive;
}

/* The empty line ending a head: skips an interim one, else chooses the
 * framing and leaves the fields to forward. */
static enum e2e_http1_event head_end(struct e2e_http1 *p)
{
	bool keep_alive;

	if (p->status < 200) {
		if (p->status == 101)
			return fail(p, "101 switching protocols, but no upgrade was asked for");
		p->state = S_STATUS;
		return E2E_HTTP1_NEED;
	}
	keep_alive = p->nconn && connection_fields(p);
	if (p->http10 && !keep_alive)
		p->close = true;
	/* both framings given: one is a lie, so no second response here */
	if (p->te && (p->content_length >= 0 || !p->te_chunked))
		p->close = true;
	if (p->head_request || p->status == 204 || p->status == 304) {
		p->state = S_DONE;
	} else if (p->te) {
		p->state = p->te_chunked ? S_CHUNK_SIZE : S_CLOSE;
		p->left = 0;
	} else if (p->content_length >= 0) {
		p->left = (uint64_t)p->content_length;
		p->state = p->left ? S_LENGTH : S_DONE;
	} else {
		p->state = S_CLOSE;
	}
	if (p->state == S_CLOSE)
		p->close = true;
	p->have_head = true;
	p->line_bytes = 0;
	return E2E_HTTP1_HEAD;
}

/* A status or field line from data[*i]: whole in data, or completing the
 * part kept in the store, or kept there until its end comes. */
static enum e2e_http1_event head_line(struct e2e_http1 *p, const char *data, size_t len, size_t *i)
{
	const char *nl = memchr(data + *i, '\n', len - *i);
	size_t n = nl ? (size_t)(nl - (data + *i)) + 1 : len - *i;
	const char *line;

	if (n > p->head_max - p->line_bytes) {
		snprintf(p->why, sizeof(p->why), "response head larger than %zu bytes", p->head_max);
		p->head_too_large = true;
		return fail(p, p->why);
	}
	p->line_bytes += n;
	reserve(p, p->store_len + p->part + n + 2);
	if (!nl || p->part) {
		memcpy(p->store + p->store_len + p->part, data + *i, n);
		p->part += n;
		*i += n;
		if (!nl)
			return E2E_HTTP1_NEED;
		line = p->store + p->store_len;
		n = p->part;
		p->part = 0;
	} else {
		line = data + *i;
		*i += n;
	}
	n--;
	if (n && line[n - 1] == '\r')
		n--;
	if (p->state == S_STATUS)
		return status_line(p, line, n);
	return n ? field_line(p, line, n) : head_end(p);
}

/* Counts n more bytes of the chunk-size line or trailers. */
static bool count_line(struct e2e_http1 *p, size_t n)
{
	if (n > E2E_HTTP1_HEAD_MAX - p->line_bytes)
		return false;
	p->line_bytes += n;
	return true;
}

static void chunk_size_done(struct e2e_http1 *p)
{
	p->line_bytes = 0;
	p->state = p->left ? S_CHUNK_DATA : S_TRAILER;
}

/* The chunk-size line from data[*i] on, up to its end or the piece's:
 * the size, whitespace, then extensions (skipped) or the line end. */
static enum e2e_http1_event chunk_size_line(struct e2e_http1 *p, const char *data, size_t len, size_t *i)
{
	while (*i < len && p->state != S_CHUNK_EXT) {
		unsigned char c = (unsigned char)data[(*i)++];
		int d = hex_value(c);

		if (++p->line_bytes > E2E_HTTP1_HEAD_MAX)
			return fail(p, "chunk-size line longer than 65536 bytes");
		if (d >= 0 && (p->state == S_CHUNK_SIZE || p->state == S_CHUNK_DIGITS)) {
			if (p->left > (uint64_t)(INT64_MAX - d) / 16)
				return fail(p, "chunk size too large");
			p->left = p->left * 16 + (uint64_t)d;
			p->state = S_CHUNK_DIGITS;
		} else if (p->state == S_CHUNK_SIZE) {
			return fail(p, "invalid chunk size");
		} else if (p->state == S_CHUNK_CR) {
			if (c != '\n')
				return fail(p, "CR without LF in a chunk-size line");
			chunk_size_done(p);
			return E2E_HTTP1_NEED;
		} else if (c == ' ' || c == '\t') {
			p->state = S_CHUNK_BWS;
		} else if (c == ';') {
			p->state = S_CHUNK_EXT;
		} else if (c == '\r') {
			p->state = S_CHUNK_CR;
		} else if (c == '\n') {
			chunk_size_done(p);
			return E2E_HTTP1_NEED;
		} else {
			return fail(p, "invalid chunk size");
		}
	}
	return E2E_HTTP1_NEED;
}

/* Skips data[*i] up to and including the next LF; true when it was there. */
static bool skip_line(const char *data, size_t len, size_t *i, size_t *n)
{
	const char *nl = memchr(data + *i, '\n', len - *i);

	*n = nl ? (size_t)(nl - (data + *i)) + 1 : len - *i;
	*i += *n;
	return nl != NULL;
}

enum e2e_http1_event e2e_http1_parse(struct e2e_http1 *p, const char *data, size_t len, size_t *used,
				     const char **body, size_t *body_len)
{
	enum e2e_http1_event ev = E2E_HTTP1_NEED;
	size_t i = 0, n;
	bool eol;

	for (;;) {
		if (p->state == S_DONE) {
			ev = E2E_HTTP1_DONE;
			break;
		}
		if (p->state == S_ERROR) {
			ev = E2E_HTTP1_ERROR;
			break;
		}
		if (i == len) {
			ev = E2E_HTTP1_NEED;
			break;
		}
		switch ((enum state)p->state) {
		case S_STATUS:
		case S_FIELD:
			do
				ev = head_line(p, data, len, &i);
			while (ev == E2E_HTTP1_NEED && i < len && p->state <= S_FIELD);
			break;
		case S_LENGTH:
		case S_CHUNK_DATA:
		case S_CLOSE:
			n = len - i;
			if (p->state != S_CLOSE) {
				if (n > p->left)
					n = (size_t)p->left;
				p->left -= n;
				if (!p->left)
					p->state = p->state == S_LENGTH ? S_DONE : S_CHUNK_DATA_END;
			}
			*body = data + i;
			*body_len = n;
			i += n;
			ev = E2E_HTTP1_BODY;
			break;
		case S_CHUNK_SIZE:
		case S_CHUNK_DIGITS:
		case S_CHUNK_BWS:
		case S_CHUNK_CR:
			ev = chunk_size_line(p, data, len, &i);
			break;
		case S_CHUNK_EXT:
			eol = skip_line(data, len, &i, &n);
			if (!count_line(p, n))
				ev = fail(p, "chunk-size line longer than 65536 bytes");
			else if (eol)
				chunk_size_done(p);
			break;
		case S_CHUNK_DATA_END:
		case S_CHUNK_DATA_CR:
			if (data[i] == '\r' && p->state == S_CHUNK_DATA_END) {
				p->state = S_CHUNK_DATA_CR;
			} else if (data[i] == '\n') {
				p->state = S_CHUNK_SIZE;
				p->line_bytes = 0;
			} else {
				ev = fail(p, "no CRLF after the chunk data");
			}
			i++;
			break;
		case S_TRAILER:
		case S_TRAILER_CR:
			if (!count_line(p, 1)) {
				ev = fail(p, "trailer section larger than 65536 bytes");
			} else if (data[i] == '\n') {
				p->state = S_DONE;
			} else if (p->state == S_TRAILER_CR) {
				ev = fail(p, "CR without LF in the trailer section");
			} else if (data[i] == '\r') {
				p->state = S_TRAILER_CR;
			} else {
				p->state = S_TRAILER_LINE;
			}
			i++;
			break;
		case S_TRAILER_LINE:
			eol = skip_line(data, len, &i, &n);
			if (!count_line(p, n))
				ev = fail(p, "trailer section larger than 65536 bytes");
			else if (eol)
				p->state = S_TRAILER;
			break;
		case S_DONE:
		case S_ERROR:
			break;
		}
		if (ev != E2E_HTTP1_NEED)
			break;
	}
	*used = i;
	return ev;
}

bool e2e_http1_eof(struct e2e_http1 *p)
{
	if (p->state == S_CLOSE)
		p->state = S_DONE;
	if (p->state != S_DONE && p->state != S_ERROR)
		fail(p, "the connection closed before the response ended");
	return p->state == S_DONE;
}

int e2e_http1_status(const struct e2e_http1 *p)
{
	return p->have_head ? p->status : 0;
}

bool e2e_http1_header(const struct e2e_http1 *p, size_t i, const char **name, const char **value)
{
	if (!p->have_head || i >= p->nfields)
		return false;
	*name = p->store + p->offs[2 * i];
	*value = p->store + p->offs[2 * i + 1];
	return true;
}

int64_t e2e_http1_content_length(const struct e2e_http1 *p)
{
	return p->te ? -1 : p->content_length;
}

bool e2e_http1_keep_alive(const struct e2e_http1 *p)
{
	return !p->close;
}

const char *e2e_http1_error(const struct e2e_http1 *p)
{
	return p->error;
}

bool e2e_http1_head_too_large(const struct e2e_http1 *p)
{
	return p->head_too_large;
}
