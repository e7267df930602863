#include "testmark.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "parse.h"
#include "strmap.h"
#include "banned.h"

#define TESTS_MAX 1000000u /* test ids per run; later names go unattributed */
#define STATUS_MAX 16

struct test {
	uint64_t start_ns; /* of its open start marker */
	bool open;
};

struct e2e_testmark {
	struct e2e_strmap ids; /* name -> test id */
	struct test *tests; /* by id - E2E_TEST_FIRST */
	size_t n, cap;
	size_t nopen;
	uint32_t only; /* the open test when nopen is 1 */
	struct e2e_testmark_stats stats;
	char name[E2E_TEST_NAME_MAX + 1]; /* the current request's, decoded */
	char status[STATUS_MAX + 1];
	char msg[256];
};

static const char *const statuses[] = { "passed", "failed", "skipped", "error", "xfailed", "xpassed" };

struct e2e_testmark *e2e_testmark_create(void)
{
	return e2e_xcalloc(1, sizeof(struct e2e_testmark));
}

void e2e_testmark_destroy(struct e2e_testmark *t)
{
	if (!t)
		return;
	e2e_strmap_finish(&t->ids);
	free(t->tests);
	free(t);
}

bool e2e_testmark_is_control(const char *target, size_t len)
{
	size_t n = sizeof(E2E_CONTROL_PATH) - 1;

	return len >= n && memcmp(target, E2E_CONTROL_PATH, n) == 0 &&
	       (len == n || target[n] == '/' || target[n] == '?');
}

size_t e2e_testmark_unescape(const char *s, size_t len, bool plus_space, char *out)
{
	size_t o = 0;

	for (size_t i = 0; i < len; i++) {
		int hi, lo;

		if (s[i] == '+' && plus_space) {
			out[o++] = ' ';
		} else if (s[i] == '%' && i + 2 < len && (hi = e2e_parse_hex_digit(s[i + 1])) >= 0 &&
			   (lo = e2e_parse_hex_digit(s[i + 2])) >= 0) {
			out[o++] = (char)(hi << 4 | lo);
			i += 2;
		} else {
			out[o++] = s[i];
		}
	}
	return o;
}

/* A name is 1..E2E_TEST_NAME_MAX bytes of UTF-8 without control bytes. */
static bool name_ok(const char *s, size_t len)
{
	const unsigned char *p = (const unsigned char *)s, *end = p + len;

	if (len == 0 || len > E2E_TEST_NAME_MAX)
		return false;
	while (p < end) {
		unsigned c = *p, more;

		if (c < 0x20 || c == 0x7f)
			return false;
		if (c < 0x80) {
			p++;
			continue;
		}
		if (c >= 0xc2 && c <= 0xdf)
			more = 1;
		else if (c >= 0xe0 && c <= 0xef)
			more = 2;
		else if (c >= 0xf0 && c <= 0xf4)
			more = 3;
		else
			return false;
		if ((size_t)(end - p) <= more)
			return false;
		for (unsigned k = 1; k <= more; k++)
			if ((p[k] & 0xc0) != 0x80)
				return false;
		if ((c == 0xe0 && p[1] < 0xa0) || (c == 0xed && p[1] > 0x9f) || (c == 0xf0 && p[1] < 0x90) ||
		    (c == 0xf4 && p[1] > 0x8f))
			return false;
		p += more + 1;
	}
	return true;
}

/* The id of name (len bytes, checked), a new one with its BEGIN in *ev
 * (*nev = 1) when first seen; 0 when the run has no room for more. */
static uint32_t intern(struct e2e_testmark *t, const char *name, size_t len, uint64_t at_ns,
		       struct e2e_test_event *ev, size_t *nev)
{
	uint32_t id;

	*nev = 0;
	if (e2e_strmap_get(&t->ids, name, len, &id))
		return id;
	if (t->n >= TESTS_MAX)
		return 0;
	if (t->n == t->cap) {
		t->cap = t->cap ? 2 * t->cap : 64;
		t->tests = e2e_xrealloc(t->tests, t->cap * sizeof(*t->tests));
	}
	id = (uint32_t)t->n + E2E_TEST_FIRST;
	t->tests[t->n++] = (struct test){ 0 };
	e2e_strmap_put(&t->ids, name, len, id);
	t->stats.tests++;
	*ev = (struct e2e_test_event){
		.id = id, .kind = E2E_TEST_EV_BEGIN, .at_ns = at_ns, .text = name, .text_len = (uint32_t)len
	};
	*nev = 1;
	return id;
}

static void find_only(struct e2e_testmark *t)
{
	for (size_t i = t->n; i-- > 0;) {
		if (t->tests[i].open) {
			t->only = (uint32_t)i + E2E_TEST_FIRST;
			return;
		}
	}
}

/* The message is before, at most 64 bytes of what was sent, after. */
static void refuse(struct e2e_testmark *t, struct e2e_testmark_reply *out, unsigned status,
		   const char *before, const char *arg, size_t arg_len, const char *after)
{
	char shown[64 + 3 + 1];
	size_t n = arg_len > 64 ? 64 : arg_len;

	for (size_t i = 0; i < n; i++)
		shown[i] = (unsigned char)arg[i] < 0x20 || arg[i] == 0x7f ? '?' : arg[i];
	if (arg_len > 64) {
		memcpy(shown + n, "...", 3);
		n += 3;
	}
	shown[n] = '\0';
	snprintf(t->msg, sizeof(t->msg), "%s%s%s", before, shown, after);
	out->status = status;
	out->message = t->msg;
	t->stats.bad_markers++;
}

/* The value of key in the query (s, len), or NULL; *vlen its length. */
static const char *query_get(const char *s, size_t len, const char *key, size_t *vlen)
{
	size_t klen = strlen(key);
	const char *end = s + len;

	while (s < end) {
		const char *amp = memchr(s, '&', (size_t)(end - s));
		const char *e = amp ? amp : end;

		if ((size_t)(e - s) > klen && memcmp(s, key, klen) == 0 && s[klen] == '=') {
			*vlen = (size_t)(e - s) - klen - 1;
			return s + klen + 1;
		}
		s = amp ? amp + 1 : end;
	}
	return NULL;
}

/* Decodes the query's name into t->name; its length, or -1 when absent
 * or bad (refused in out). */
static long take_name(struct e2e_testmark *t, const char *q, size_t qlen, struct e2e_testmark_reply *out)
{
	size_t vlen, n;
	const char *v = query_get(q, qlen, "name", &vlen);

	if (!v || !vlen) {
		refuse(t, out, 400, "a marker needs name=TEST", "", 0, "");
		return -1;
	}
	if (vlen > 3 * E2E_TEST_NAME_MAX) {
		refuse(t, out, 400, "test name too long (more than 1024 bytes): '", v, vlen, "'");
		return -1;
	}
	n = e2e_testmark_unescape(v, vlen, true, t->name);
	if (!name_ok(t->name, n)) {
		refuse(t, out, 400,
		       n > E2E_TEST_NAME_MAX ? "test name too long (more than 1024 bytes): '"
					     : "test name must be UTF-8 text without control characters: '",
		       t->name, n, "'");
		return -1;
	}
	return (long)n;
}

void e2e_testmark_control(struct e2e_testmark *t, const char *method, const char *target, size_t len,
			  uint64_t at_ns, struct e2e_testmark_reply *out)
{
	size_t plen = sizeof(E2E_CONTROL_PATH) - 1;
	const char *verb = target + plen, *q = memchr(target, '?', len);
	size_t vlen = (size_t)((q ? q : target + len) - verb), qlen = q ? (size_t)(target + len - q - 1) : 0;
	struct test *ts;
	uint32_t id;
	long n;

	memset(out, 0, sizeof(*out));
	out->message = "";
	if (q)
		q++;
	if (vlen && *verb == '/')
		verb++, vlen--;
	if (!(vlen == 5 && memcmp(verb, "start", 5) == 0) && !(vlen == 3 && memcmp(verb, "end", 3) == 0)) {
		refuse(t, out, 404, "unknown marker '", verb, vlen, "': use start or end");
		return;
	}
	if (strcmp(method, "POST") != 0 && strcmp(method, "PUT") != 0) {
		refuse(t, out, 405, "a marker is a POST, not ", method, strlen(method), "");
		return;
	}
	n = take_name(t, q, qlen, out);
	if (n < 0)
		return;
	if (vlen == 5) {
		id = intern(t, t->name, (size_t)n, at_ns, &out->ev[0], &out->nev);
		if (!id) {
			refuse(t, out, 507, "too many tests in this run; '", t->name, (size_t)n,
			       "' is not recorded");
			return;
		}
		ts = &t->tests[id - E2E_TEST_FIRST];
		if (ts->open) {
			refuse(t, out, 409, "test '", t->name, (size_t)n, "' is already running");
			return;
		}
		ts->open = true;
		ts->start_ns = at_ns;
		if (t->nopen++ == 0)
			t->only = id;
	} else {
		size_t slen;
		const char *s = query_get(q, qlen, "status", &slen);
		size_t k = 0;

		if (!s || !slen) {
			s = "passed";
			slen = 6;
		}
		if (slen <= STATUS_MAX) {
			for (k = 0; k < sizeof(statuses) / sizeof(statuses[0]); k++)
				if (strlen(statuses[k]) == slen && memcmp(statuses[k], s, slen) == 0)
					break;
		}
		if (slen > STATUS_MAX || k == sizeof(statuses) / sizeof(statuses[0])) {
			refuse(t, out, 400, "unknown test status '", s, slen, "': use " E2E_TEST_STATUSES);
			return;
		}
		if (!e2e_strmap_get(&t->ids, t->name, (size_t)n, &id)) {
			refuse(t, out, 409, "test '", t->name, (size_t)n, "' was never started");
			return;
		}
		ts = &t->tests[id - E2E_TEST_FIRST];
		out->ev[0] = (struct e2e_test_event){ .id = id,
						      .kind = E2E_TEST_EV_END,
						      .at_ns = at_ns,
						      .duration_ns = ts->open && at_ns > ts->start_ns
									     ? at_ns - ts->start_ns
									     : 0,
						      .text = statuses[k],
						      .text_len = (uint32_t)slen };
		out->nev = 1;
		if (ts->open) {
			ts->open = false;
			if (--t->nopen == 1)
				find_only(t);
		}
	}
	out->status = 204;
	t->stats.markers++;
}

uint32_t e2e_testmark_attribute(struct e2e_testmark *t, const char *hdr, size_t hlen, uint64_t at_ns,
				struct e2e_test_event *ev, size_t *nev)
{
	*nev = 0;
	if (hdr && hlen) {
		uint32_t id = 0;

		if (hlen <= 3 * E2E_TEST_NAME_MAX) {
			size_t n = e2e_testmark_unescape(hdr, hlen, false, t->name);
			if (name_ok(t->name, n))
				id = intern(t, t->name, n, at_ns, ev, nev);
		}
		if (!id)
			t->stats.bad_headers++;
		return id ? id : E2E_TEST_UNATTRIBUTED;
	}
	if (t->nopen == 0)
		return E2E_TEST_OUTSIDE;
	return t->nopen == 1 ? t->only : E2E_TEST_UNATTRIBUTED;
}

void e2e_testmark_stats(const struct e2e_testmark *t, struct e2e_testmark_stats *out)
{
	*out = t->stats;
}
