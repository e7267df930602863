#include "har.h"

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "buf.h"
#include "error.h"
#include "json_stream.h"
#include "sha256.h"

#include "fsutil.h"
#include "banned.h"

/* Streaming keeps memory small whatever the size; this bounds the work. */
#define HAR_MAX_BYTES (4ull << 30)

struct har_rec {
	int64_t started_ns; /* wall clock, Unix ns */
	size_t seq; /* file order, for a stable sort */
	struct e2e_sample s;
	size_t method_off, path_off; /* into the arena */
	uint16_t method_len;
	uint32_t path_len;
	/* e2e_har_load_replay() only */
	size_t target_off, target_len, headers_off, headers_len, body_off, body_len;
	bool has_body;
};

struct e2e_har {
	struct har_rec *recs;
	size_t n, cap;
	char *arena;
	size_t arena_len;
	struct e2e_har_host *hosts; /* names point into host_names */
	size_t nhosts;
	char *host_names;
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
	bool from_cache; /* DevTools' non-empty _fromCache */
	int64_t started_ns;
	double time_ms, status, req_body, resp_body, content_size, transfer_size;
	double timings[T__COUNT];
	uint64_t post_text_len;
	int error;
	struct e2e_buf method, url, text;
	/* e2e_har_load_replay() only: "Name: value\n" lines; the body text */
	struct e2e_buf headers, body, hname, hvalue;
	bool has_hname, has_hvalue;
};

/* One authority seen among the imported entries while reading. */
struct host_count {
	size_t off, len; /* into har_reader.host_names */
	uint64_t requests;
};

struct har_reader {
	struct e2e_json_stream *js;
	struct e2e_har *h;
	struct har_entry e;
	struct e2e_buf arena;
	const char *const *only_hosts;
	size_t n_only;
	struct host_count *hosts;
	size_t nhosts, hosts_cap;
	struct e2e_buf host_names;
	bool has_log, has_version, has_entries;
	bool replay; /* keep query, headers and body text (e2e_har_load_replay) */
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

/* Years whose instants int64 nanoseconds hold (1677-09-21 to 2262-04-11)
 * whatever the zone offset. */
#define YEAR_MIN 1678
#define YEAR_MAX 2261

/* ISO 8601 / RFC 3339 date-time with seconds and a zone offset:
 * YYYY-MM-DD{T|t| }hh:mm:ss[.frac]{Z|z|+hh:mm|+hhmm|+hh} -> Unix ns.
 * Returns 1, 0 when s is no such date-time, -1 when it is one outside
 * YEAR_MIN..YEAR_MAX. */
static int parse_datetime(const char *s, size_t len, int64_t *out_ns)
{
	static const int mdays[12] = { 31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
	int y, mo, d, hh, mi, ss, oh = 0, om = 0, sign = 0;
	int64_t frac = 0;
	size_t i = 19;

	if (len < 20 || strlen(s) != len)
		return 0;
	if (!digits(s, 4, &y) || s[4] != '-' || !digits(s + 5, 2, &mo) || s[7] != '-' ||
	    !digits(s + 8, 2, &d) || (s[10] != 'T' && s[10] != 't' && s[10] != ' ') ||
	    !digits(s + 11, 2, &hh) || s[13] != ':' || !digits(s + 14, 2, &mi) || s[16] != ':' ||
	    !digits(s + 17, 2, &ss))
		return 0;
	if (mo < 1 || mo > 12 || d < 1 || d > mdays[mo - 1] || hh > 23 || mi > 59 || ss > 60)
		return 0;
	if (mo == 2 && d == 29 && !(y % 4 == 0 && (y % 100 != 0 || y % 400 == 0)))
		return 0;
	if (s[i] == '.' || s[i] == ',') {
		int nd = 0;

		for (i++; i < len && s[i] >= '0' && s[i] <= '9'; i++, nd++) {
			if (nd < 9)
				frac = frac * 10 + (s[i] - '0');
		}
		if (nd == 0)
			return 0;
		for (; nd < 9; nd++)
			frac *= 10;
	}
	if (i == len)
		return 0; /* no zone: the instant would be a guess */
	if ((s[i] == 'Z' || s[i] == 'z') && i + 1 == len) {
		sign = 0;
	} else if (s[i] == '+' || s[i] == '-') {
		sign = s[i] == '-' ? -1 : 1;
		size_t rest = len - i - 1;
		const char *z = s + i + 1;

		if (!(rest == 2 && digits(z, 2, &oh)) &&
		    !(rest == 4 && digits(z, 2, &oh) && digits(z + 2, 2, &om)) &&
		    !(rest == 5 && digits(z, 2, &oh) && z[2] == ':' && digits(z + 3, 2, &om)))
			return 0;
		if (oh > 23 || om > 59)
			return 0;
	} else {
		return 0;
	}
	if (y < YEAR_MIN || y > YEAR_MAX)
		return -1;
	int64_t secs =
		days_from_civil(y, mo, d) * 86400 + hh * 3600 + mi * 60 + ss - sign * (oh * 3600 + om * 60);

	*out_ns = secs * 1000000000LL + frac;
	return 1;
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

/* Times (ms) and sizes (bytes) of an entry: -1 means "not applicable",
 * anything beyond what a sample holds (sample.h: microseconds in 32 bits,
 * bytes exactly in a double) is refused rather than silently clamped. */
#define MS_MAX 4294967.0
#define BYTES_MAX 9007199254740992.0

static int number_in_range(struct e2e_json_stream *js, double *out, double hi, const char *unit)
{
	double v;
	int rc = e2e_json_stream_number(js, &v);

	if (rc < 0)
		return rc;
	if (!(v >= -1 && v <= hi))
		return e2e_json_stream_fail(js, "%.10g is out of range (-1 to %.16g %s)", v, hi, unit);
	*out = v;
	return 0;
}

/* A size in bytes. HAR says -1 for "unknown", but Playwright writes other
 * negative sizes (bodySize -172 for a cache hit): any negative size a
 * sample could hold is read as -1; beyond that it is refused. */
static int size_in_range(struct e2e_json_stream *js, double *out)
{
	double v;
	int rc = e2e_json_stream_number(js, &v);

	if (rc < 0)
		return rc;
	if (!(v >= -BYTES_MAX && v <= BYTES_MAX))
		return e2e_json_stream_fail(js, "%.10g is out of range (-%.16g to %.16g bytes)", v, BYTES_MAX,
					    BYTES_MAX);
	*out = v < 0 ? -1 : v;
	return 0;
}

/* A value read is at most MS_MAX; the sum of the timings may be more. */
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
	return v > 0 ? (uint64_t)v : 0; /* at most BYTES_MAX */
}

/* Object members: each handler reads the value of one key. */
typedef int (*member_fn)(struct har_reader *hr, const char *key, bool *handled);

static int read_object(struct har_reader *hr, member_fn fn)
{
	struct e2e_json_stream *js = hr->js;
	const char *key;
	size_t len;
	int rc = e2e_json_stream_enter(js, E2E_JSON_OBJECT);

	if (rc < 0)
		return rc;
	while ((rc = e2e_json_stream_next_key(js, &key, &len)) > 0) {
		bool handled = false;

		/* A key with an embedded NUL matches no field. */
		rc = fn(hr, strlen(key) == len ? key : "", &handled);
		if (rc >= 0 && !handled)
			rc = e2e_json_stream_skip(js);
		if (rc < 0)
			return rc;
	}
	return rc;
}

static int missing(struct e2e_json_stream *js, const char *field)
{
	size_t mark = e2e_json_stream_push_key(js, field);
	int rc = e2e_json_stream_fail(js, "missing required field");

	e2e_json_stream_pop(js, mark);
	return rc;
}

/* A producer extension (_error, _fromCache...) is read only when it has
 * the expected type: 1 when it does, 0 (and *handled false: it is
 * skipped) when not, or an error. */
static int extension_is(struct e2e_json_stream *js, enum e2e_json_type want, bool *handled)
{
	enum e2e_json_type t;
	int rc = e2e_json_stream_peek(js, &t);

	if (rc < 0)
		return rc;
	*handled = t == want;
	return t == want;
}

static int post_data_member(struct har_reader *hr, const char *key, bool *handled)
{
	if (strcmp(key, "text") != 0)
		return 0;
	*handled = true;
	hr->e.has_post_text = true;
	return e2e_json_stream_string(hr->js, hr->replay ? &hr->e.body : NULL, &hr->e.post_text_len);
}

static int header_member(struct har_reader *hr, const char *key, bool *handled)
{
	struct har_entry *e = &hr->e;

	if (!strcmp(key, "name")) {
		*handled = e->has_hname = true;
		return e2e_json_stream_string(hr->js, &e->hname, NULL);
	}
	if (!strcmp(key, "value")) {
		*handled = e->has_hvalue = true;
		return e2e_json_stream_string(hr->js, &e->hvalue, NULL);
	}
	return 0;
}

/* request.headers for a replay: [{ "name": ..., "value": ... }], each kept
 * as a "Name: value" line unless it could not be sent as one (an HTTP/2
 * pseudo-header such as ":authority", a line break, an empty name). */
static int headers_value(struct har_reader *hr)
{
	struct har_entry *e = &hr->e;
	struct e2e_json_stream *js = hr->js;
	int rc = e2e_json_stream_enter(js, E2E_JSON_ARRAY);

	if (rc < 0)
		return rc;
	while ((rc = e2e_json_stream_next_item(js)) > 0) {
		e->has_hname = e->has_hvalue = false;
		if ((rc = read_object(hr, header_member)) < 0)
			return rc;
		if (!e->has_hname || !e->has_hvalue)
			return missing(js, e->has_hname ? "value" : "name");
		if (!e->hname.len || e->hname.data[0] == ':' || strpbrk(e->hname.data, ":\r\n") ||
		    strlen(e->hname.data) != e->hname.len || strpbrk(e->hvalue.data, "\r\n") ||
		    strlen(e->hvalue.data) != e->hvalue.len)
			continue;
		e2e_buf_add(&e->headers, e->hname.data, e->hname.len);
		e2e_buf_add(&e->headers, ": ", 2);
		e2e_buf_add(&e->headers, e->hvalue.data, e->hvalue.len);
		e2e_buf_putc(&e->headers, '\n');
	}
	return rc;
}

static int request_member(struct har_reader *hr, const char *key, bool *handled)
{
	struct har_entry *e = &hr->e;
	struct e2e_json_stream *js = hr->js;

	*handled = true;
	if (!strcmp(key, "method")) {
		int rc = e2e_json_stream_string(js, &e->method, NULL);

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

			return e2e_json_stream_fail(js, "not an HTTP method: %s",
						    quoted(q, sizeof(q), e->method.data));
		}
		e->has_method = true;
		return 0;
	}
	if (!strcmp(key, "url")) {
		e->has_url = true;
		return e2e_json_stream_string(js, &e->url, NULL);
	}
	if (!strcmp(key, "bodySize"))
		return size_in_range(js, &e->req_body);
	if (!strcmp(key, "postData"))
		return read_object(hr, post_data_member);
	if (hr->replay && !strcmp(key, "headers"))
		return headers_value(hr);
	*handled = false;
	return 0;
}

static int content_member(struct har_reader *hr, const char *key, bool *handled)
{
	if (strcmp(key, "size") != 0)
		return 0;
	*handled = true;
	return size_in_range(hr->js, &hr->e.content_size);
}

static int response_member(struct har_reader *hr, const char *key, bool *handled)
{
	struct har_entry *e = &hr->e;
	struct e2e_json_stream *js = hr->js;
	int rc;

	*handled = true;
	if (!strcmp(key, "status")) {
		if ((rc = e2e_json_stream_number(js, &e->status)) < 0)
			return rc;
		if (e->status != floor(e->status) || e->status < -1 || e->status > 999)
			return e2e_json_stream_fail(js, "not an HTTP status: %g", e->status);
		e->has_status = true;
		return 0;
	}
	if (!strcmp(key, "bodySize"))
		return size_in_range(js, &e->resp_body);
	if (!strcmp(key, "_transferSize")) {
		if ((rc = extension_is(js, E2E_JSON_NUMBER, handled)) <= 0)
			return rc;
		return e2e_json_stream_number(js, &e->transfer_size);
	}
	if (!strcmp(key, "content"))
		return read_object(hr, content_member);
	if (!strcmp(key, "_error") || !strcmp(key, "_failureText")) {
		if ((rc = extension_is(js, E2E_JSON_STRING, handled)) <= 0 ||
		    (rc = e2e_json_stream_string(js, &e->text, NULL)) < 0)
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
			return number_in_range(hr->js, &hr->e.timings[i], MS_MAX, "ms");
		}
	}
	return 0;
}

static int entry_member(struct har_reader *hr, const char *key, bool *handled)
{
	struct har_entry *e = &hr->e;
	struct e2e_json_stream *js = hr->js;
	int rc;

	*handled = true;
	if (!strcmp(key, "startedDateTime")) {
		if ((rc = e2e_json_stream_string(js, &e->text, NULL)) < 0)
			return rc;
		int ok = parse_datetime(e->text.data, e->text.len, &e->started_ns);
		char q[80];

		if (ok == 0)
			return e2e_json_stream_fail(js, "not an ISO 8601 date-time with a time zone: %s",
						    quoted(q, sizeof(q), e->text.data));
		if (ok < 0)
			return e2e_json_stream_fail(js, "%s is outside the supported range (years %d to %d)",
						    quoted(q, sizeof(q), e->text.data), YEAR_MIN, YEAR_MAX);
		e->has_started = true;
		return 0;
	}
	if (!strcmp(key, "time")) {
		e->has_time = true;
		return number_in_range(js, &e->time_ms, MS_MAX, "ms");
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
	if (!strcmp(key, "_fromCache")) {
		if ((rc = extension_is(js, E2E_JSON_STRING, handled)) <= 0 ||
		    (rc = e2e_json_stream_string(js, &e->text, NULL)) < 0)
			return rc;
		e->from_cache = e->text.len > 0;
		return 0;
	}
	*handled = false;
	return 0;
}

static void entry_reset(struct har_entry *e)
{
	struct e2e_buf method = e->method, url = e->url, text = e->text;
	struct e2e_buf headers = e->headers, body = e->body, hname = e->hname, hvalue = e->hvalue;

	memset(e, 0, sizeof(*e));
	e->method = method;
	e->url = url;
	e->text = text;
	e->headers = headers;
	e->body = body;
	e->hname = hname;
	e->hvalue = hvalue;
	e2e_buf_reset(&e->method);
	e2e_buf_reset(&e->url);
	e2e_buf_reset(&e->headers);
	e2e_buf_reset(&e->body);
	e->req_body = e->resp_body = e->content_size = e->transfer_size = -1;
	e->time_ms = -1;
	for (int i = 0; i < T__COUNT; i++)
		e->timings[i] = -1;
}

/* The parts of an http(s) URL the import keeps. */
struct url_parts {
	const char *path, *host; /* host: the authority without userinfo */
	size_t path_len, host_len;
	bool https;
};

/* Splits an absolute URL: u->path gets the path without query and
 * fragment, u->host the authority. Returns 1 for http(s), 0 for another
 * scheme, -1 when the URL has no scheme or contains control characters. */
static int url_path(const char *url, size_t len, struct url_parts *u)
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
	u->https = i == 5;
	size_t p = i + 3;

	u->host = url + p;
	while (p < len && url[p] != '/' && url[p] != '?' && url[p] != '#') {
		if (url[p++] == '@')
			u->host = url + p;
	}
	u->host_len = (size_t)(url + p - u->host);
	size_t q = p;

	while (q < len && url[q] != '?' && url[q] != '#')
		q++;
	if (q == p) {
		u->path = "/";
		u->path_len = 1;
	} else {
		u->path = url + p;
		u->path_len = q - p;
	}
	return 1;
}

/* The port of an authority ("" without one) and the length of its host. */
static size_t split_port(const char *a, size_t len, const char **port)
{
	size_t colon = len;

	for (size_t i = len; i-- > 0 && a[i] != ']';) {
		if (a[i] == ':') {
			colon = i;
			break;
		}
	}
	*port = colon < len ? a + colon + 1 : a + len;
	return colon;
}

/* Whether --host WANT (HOST or HOST:PORT) names the authority of u: the
 * host compared case-insensitively, the port when WANT has one (the
 * scheme's default when the URL has none). */
static bool host_matches(const char *want, const struct url_parts *u)
{
	const char *wport, *uport;
	size_t wlen = split_port(want, strlen(want), &wport);
	size_t ulen = split_port(u->host, u->host_len, &uport);
	size_t uport_len = (size_t)(u->host + u->host_len - uport);

	if (wlen != ulen || strncasecmp(want, u->host, ulen) != 0)
		return false;
	if (!*wport)
		return true;
	if (!uport_len) {
		uport = u->https ? "443" : "80";
		uport_len = strlen(uport);
	}
	return strlen(wport) == uport_len && !strncmp(wport, uport, uport_len);
}

/* Counts one imported request for authority (host, len), lower-cased. */
static void count_host(struct har_reader *hr, const char *host, size_t len)
{
	for (size_t i = 0; i < hr->nhosts; i++) {
		struct host_count *c = &hr->hosts[i];

		if (c->len == len && !strncasecmp(hr->host_names.data + c->off, host, len)) {
			c->requests++;
			return;
		}
	}
	if (hr->nhosts == hr->hosts_cap) {
		hr->hosts_cap = hr->hosts_cap ? hr->hosts_cap * 2 : 8;
		hr->hosts = e2e_xrealloc(hr->hosts, hr->hosts_cap * sizeof(*hr->hosts));
	}
	struct host_count *c = &hr->hosts[hr->nhosts++];

	c->off = hr->host_names.len;
	c->len = len;
	c->requests = 1;
	for (size_t i = 0; i < len; i++) {
		char ch = host[i] >= 'A' && host[i] <= 'Z' ? (char)(host[i] + 32) : host[i];

		e2e_buf_add(&hr->host_names, &ch, 1);
	}
	e2e_buf_add(&hr->host_names, "", 1);
}

/* A browser-cache hit: DevTools' _fromCache, or Playwright's form of one:
 * a response of which nothing was transferred, not even headers, and no
 * body on the wire (Playwright writes the cache read's own small wait). */
static bool cache_hit(const struct har_entry *e)
{
	if (e->from_cache)
		return true;
	return e->status >= 100 && e->transfer_size == 0 && e->resp_body <= 0;
}

/* What a replay sends besides method and path: the URL's query, the
 * request's headers and its body text. */
static void keep_for_replay(struct har_reader *hr, struct har_rec *rec, const struct url_parts *u)
{
	struct har_entry *e = &hr->e;
	const char *end = e->url.data + e->url.len, *q = u->path + u->path_len, *hash;

	rec->target_off = hr->arena.len;
	e2e_buf_add(&hr->arena, u->path, u->path_len);
	if (q < end && *q == '?') {
		hash = memchr(q, '#', (size_t)(end - q));
		e2e_buf_add(&hr->arena, q, (size_t)((hash ? hash : end) - q));
	}
	rec->target_len = hr->arena.len - rec->target_off;
	rec->headers_off = hr->arena.len;
	e2e_buf_add(&hr->arena, e->headers.data, e->headers.len);
	rec->headers_len = e->headers.len;
	rec->has_body = e->has_post_text;
	rec->body_off = hr->arena.len;
	e2e_buf_add(&hr->arena, e->body.data, e->body.len);
	rec->body_len = e->body.len;
}

static int entry_finish(struct har_reader *hr)
{
	struct har_entry *e = &hr->e;
	struct e2e_json_stream *js = hr->js;
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
	struct url_parts u = { 0 };
	size_t mark;
	bool cut;
	int rc;

	for (size_t i = 0; i < sizeof(required) / sizeof(required[0]); i++) {
		if (!*(const bool *)((const char *)e + required[i].has))
			return missing(js, required[i].name);
	}
	mark = e2e_json_stream_push_key(js, "request");
	rc = !e->has_method ? missing(js, "method") : !e->has_url ? missing(js, "url") : 0;
	if (rc == 0) {
		int kind = url_path(e->url.data, e->url.len, &u);

		if (kind > 0 && u.path_len > UINT32_MAX) {
			rc = e2e_json_stream_fail(js, "url: longer than 4 GiB");
		} else if (kind < 0) {
			char q[80];
			size_t m2 = e2e_json_stream_push_key(js, "url");

			rc = e2e_json_stream_fail(js, "not an absolute URL: %s",
						  quoted(q, sizeof(q), e->url.data));
			e2e_json_stream_pop(js, m2);
		} else if (kind == 0) {
			rc = 1;
		}
	}
	e2e_json_stream_pop(js, mark);
	if (rc < 0)
		return rc;
	if (!e->has_status) {
		mark = e2e_json_stream_push_key(js, "response");
		rc = missing(js, "status");
		e2e_json_stream_pop(js, mark);
		return rc;
	}
	if (!e->has_wait) {
		mark = e2e_json_stream_push_key(js, "timings");
		rc = missing(js, "wait");
		e2e_json_stream_pop(js, mark);
		return rc;
	}
	if (rc == 1) {
		h->stats.skipped++;
		return 0;
	}
	if (hr->n_only) {
		bool keep = false;

		for (size_t i = 0; !keep && i < hr->n_only; i++)
			keep = host_matches(hr->only_hosts[i], &u);
		if (!keep) {
			h->stats.other_host++;
			return 0;
		}
	}
	if (cache_hit(e)) {
		h->stats.cached++;
		return 0;
	}
	count_host(hr, u.host, u.host_len);

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
	e2e_buf_add(&hr->arena, u.path, e2e_sample_path_keep(u.path, u.path_len, &cut));
	if (cut) {
		e2e_buf_add(&hr->arena, E2E_PATH_CUT_MARK, E2E_PATH_CUT_MARK_LEN);
		h->stats.cut_paths++;
	}
	rec->path_len = (uint32_t)(hr->arena.len - rec->path_off);
	if (hr->replay)
		keep_for_replay(hr, rec, &u);

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
	/* A real response is what the service answered, even when the page
	 * later dropped it (_failureText "net::ERR_ABORTED"). */
	s->error = e->status >= 100 ? E2E_EK_NONE : (uint8_t)e->error;
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
	struct e2e_json_stream *js = hr->js;
	int rc = e2e_json_stream_enter(js, E2E_JSON_ARRAY);

	if (rc < 0)
		return rc;
	while ((rc = e2e_json_stream_next_item(js)) > 0) {
		entry_reset(&hr->e);
		rc = read_object(hr, entry_member);
		if (rc >= 0)
			rc = entry_finish(hr);
		if (rc < 0)
			return rc;
	}
	return rc;
}

static int log_member(struct har_reader *hr, const char *key, bool *handled)
{
	struct e2e_json_stream *js = hr->js;
	int rc;

	*handled = true;
	if (!strcmp(key, "version")) {
		struct e2e_buf *v = &hr->e.text;

		if ((rc = e2e_json_stream_string(js, v, NULL)) < 0)
			return rc;
		/* HAR 1.2: an empty version means 1.1. */
		bool ok = v->len == 0 || (v->len >= 3 && v->data[0] == '1' && v->data[1] == '.');

		for (size_t i = 2; ok && i < v->len; i++)
			ok = v->data[i] >= '0' && v->data[i] <= '9';
		if (!ok) {
			char q[80];

			return e2e_json_stream_fail(js, "unsupported HAR version %s (only 1.x is read)",
						    quoted(q, sizeof(q), v->data));
		}
		hr->has_version = true;
		return 0;
	}
	if (!strcmp(key, "entries")) {
		if (hr->has_entries)
			return e2e_json_stream_fail(js, "duplicate key");
		hr->has_entries = true;
		return entries_value(hr);
	}
	*handled = false;
	return 0;
}

static int root_member(struct har_reader *hr, const char *key, bool *handled)
{
	struct e2e_json_stream *js = hr->js;
	enum e2e_json_type t;
	int rc;

	if (strcmp(key, "log") != 0)
		return 0;
	*handled = true;
	if (hr->has_log)
		return e2e_json_stream_fail(js, "duplicate key");
	hr->has_log = true;
	if ((rc = e2e_json_stream_peek(js, &t)) < 0)
		return rc;
	if (t != E2E_JSON_OBJECT)
		return e2e_json_stream_fail(js, "expected an object, got %s (not a HAR file)",
					    e2e_json_type_name(t));
	if ((rc = read_object(hr, log_member)) < 0)
		return rc;
	if (!hr->has_version)
		return missing(js, "version");
	if (!hr->has_entries)
		return missing(js, "entries");
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

/* The file's bytes for the reader, hashed on the way. */
struct har_file {
	int fd;
	struct e2e_sha256 sha;
};

static ssize_t read_file(void *ctx, void *buf, size_t cap)
{
	struct har_file *f = ctx;
	ssize_t n;

	do
		n = read(f->fd, buf, cap);
	while (n < 0 && errno == EINTR);
	if (n > 0)
		e2e_sha256_update(&f->sha, buf, (size_t)n);
	return n;
}

/* The whole document: validated to its end, the top level a HAR object. */
static int read_document(struct har_reader *hr, const char *path)
{
	struct e2e_json_stream *js = hr->js;
	enum e2e_json_type t;
	int rc = e2e_json_stream_begin(js);

	if (rc == 0)
		return e2e_error(E2E_ERR_INPUT, "'%s': empty file, not a HAR file", path);
	if (rc < 0 || (rc = e2e_json_stream_peek(js, &t)) < 0)
		return rc;
	if (t != E2E_JSON_OBJECT) {
		/* Say "not JSON" rather than "not a HAR file" for garbage. */
		if ((rc = e2e_json_stream_skip(js)) < 0 || (rc = e2e_json_stream_end(js)) < 0)
			return rc;
		return e2e_error(E2E_ERR_INPUT, "'%s': not a HAR file: the top level is %s, not an object",
				 path, e2e_json_type_name(t));
	}
	if ((rc = read_object(hr, root_member)) < 0 || (rc = e2e_json_stream_end(js)) < 0)
		return rc;
	if (!hr->has_log)
		return e2e_error(E2E_ERR_INPUT, "'%s': not a HAR file: no \"log\" object at the top level",
				 path);
	return 0;
}

static int cmp_host(const void *a, const void *b)
{
	const struct e2e_har_host *x = a, *y = b;

	if (x->requests != y->requests)
		return x->requests > y->requests ? -1 : 1;
	return strcmp(x->name, y->name);
}

/* Moves the reader's host counts into h, most requests first. */
static void take_hosts(struct har_reader *hr, struct e2e_har *h)
{
	h->host_names = e2e_buf_detach(&hr->host_names, NULL);
	h->nhosts = hr->nhosts;
	h->hosts = e2e_xcalloc(hr->nhosts ? hr->nhosts : 1, sizeof(*h->hosts));
	for (size_t i = 0; i < hr->nhosts; i++) {
		h->hosts[i].name = h->host_names + hr->hosts[i].off;
		h->hosts[i].requests = hr->hosts[i].requests;
	}
	qsort(h->hosts, h->nhosts, sizeof(*h->hosts), cmp_host);
}

int e2e_har_load(const char *path, struct e2e_har **out)
{
	return e2e_har_load_hosts(path, NULL, 0, out);
}

static int load(const char *path, const char *const *hosts, size_t nhosts, bool replay, struct e2e_har **out)
{
	struct har_reader hr;
	struct har_file f = { .fd = -1 };
	struct stat sb;
	int rc;

	memset(&hr, 0, sizeof(hr));
	hr.only_hosts = hosts;
	hr.n_only = nhosts;
	hr.replay = replay;
	f.fd = open(path, O_RDONLY | O_CLOEXEC);
	if (f.fd < 0)
		return e2e_error(E2E_ERR_INPUT, "'%s': cannot open: %s", path, strerror(errno));
	if (fstat(f.fd, &sb) < 0 || S_ISDIR(sb.st_mode)) {
		rc = e2e_error(E2E_ERR_INPUT, "'%s': cannot read: %s", path,
			       errno && !S_ISDIR(sb.st_mode) ? strerror(errno) : "is a directory");
		goto out;
	}
	rc = e2e_fsutil_check_size(f.fd, path, "HAR file", HAR_MAX_BYTES);
	if (rc < 0)
		goto out;
	e2e_sha256_init(&f.sha);
	hr.js = e2e_json_stream_create(path, read_file, &f);
	hr.h = e2e_xcalloc(1, sizeof(*hr.h));
	entry_reset(&hr.e);
	if ((rc = read_document(&hr, path)) < 0)
		goto out;

	uint8_t digest[E2E_SHA256_LEN];
	char hex[E2E_SHA256_HEX_LEN + 1];
	const char *base = strrchr(path, '/');
	struct e2e_buf src = E2E_BUF_INIT;

	e2e_sha256_final(&f.sha, digest);
	e2e_sha256_hex(digest, hex);
	e2e_buf_printf(&src, "har:%s sha256:%s", base ? base + 1 : path, hex);
	hr.h->source = e2e_buf_detach(&src, NULL);
	hr.h->arena = e2e_buf_detach(&hr.arena, &hr.h->arena_len);
	take_hosts(&hr, hr.h);
	har_finish(hr.h, (int64_t)sb.st_mtim.tv_sec * 1000 + sb.st_mtim.tv_nsec / 1000000);
	*out = hr.h;
	hr.h = NULL;
	rc = 0;
out:
	close(f.fd);
	e2e_json_stream_destroy(hr.js);
	e2e_buf_finish(&hr.e.method);
	e2e_buf_finish(&hr.e.url);
	e2e_buf_finish(&hr.e.text);
	e2e_buf_finish(&hr.e.headers);
	e2e_buf_finish(&hr.e.body);
	e2e_buf_finish(&hr.e.hname);
	e2e_buf_finish(&hr.e.hvalue);
	e2e_buf_finish(&hr.arena);
	e2e_buf_finish(&hr.host_names);
	free(hr.hosts);
	e2e_har_destroy(hr.h);
	return rc;
}

int e2e_har_load_hosts(const char *path, const char *const *hosts, size_t nhosts, struct e2e_har **out)
{
	return load(path, hosts, nhosts, false, out);
}

int e2e_har_load_replay(const char *path, struct e2e_har **out)
{
	return load(path, NULL, 0, true, out);
}

void e2e_har_request(const struct e2e_har *h, size_t i, struct e2e_har_request *out)
{
	const struct har_rec *rec = &h->recs[i];

	out->target = h->arena + rec->target_off;
	out->target_len = rec->target_len;
	out->headers = h->arena + rec->headers_off;
	out->headers_len = rec->headers_len;
	out->body = rec->has_body ? h->arena + rec->body_off : NULL;
	out->body_len = rec->body_len;
}

void e2e_har_destroy(struct e2e_har *h)
{
	if (!h)
		return;
	free(h->recs);
	free(h->arena);
	free(h->hosts);
	free(h->host_names);
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

size_t e2e_har_hosts(const struct e2e_har *h, const struct e2e_har_host **out)
{
	*out = h->hosts;
	return h->nhosts;
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
