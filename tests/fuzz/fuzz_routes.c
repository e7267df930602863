/* fuzz_routes.c - the routes file (routes.h): text lines and OpenAPI JSON
 * from memory, then endpoint keys with the parsed routes.
 *
 * When the input parses, it holds at least one route; keys are computed
 * for a few fixed paths and for a path made from every line of the input
 * (its last word with each "{param}" replaced by a value), under a fixed
 * method and under the line's first word. Every key is the upper-cased
 * method, a space and a path starting with '/', holds no NUL, and is the
 * same when computed twice. */
#include <stdbool.h>
#include <string.h>

#include "buf.h"
#include "error.h"
#include "routes.h"
#include "fuzz.h"

static const char *const fixed_paths[] = {
	"/", "", "/users/42", "/users/42/orders/7?x=1", "/api/v1/items/abc.json", "//", "/a/b/c/d/e/f/g/h/i",
};

static void check_key(const struct e2e_routes *r, const char *method, size_t mlen, const char *path,
		      size_t plen)
{
	struct e2e_buf a = E2E_BUF_INIT, b = E2E_BUF_INIT;

	e2e_routes_key(r, &a, method, mlen, path, plen);
	e2e_routes_key(r, &b, method, mlen, path, plen);
	E2E_FUZZ_CHECK(a.data && a.len == b.len && memcmp(a.data, b.data, a.len) == 0);
	E2E_FUZZ_CHECK(a.len >= mlen + 2);
	for (size_t i = 0; i < mlen; i++) {
		char c = method[i] >= 'a' && method[i] <= 'z' ? (char)(method[i] - 'a' + 'A') : method[i];

		E2E_FUZZ_CHECK(a.data[i] == c);
	}
	E2E_FUZZ_CHECK(a.data[mlen] == ' ' && a.data[mlen + 1] == '/');
	if (memchr(method, '\0', mlen) == NULL)
		E2E_FUZZ_CHECK(strlen(a.data) == a.len);
	e2e_buf_finish(&a);
	e2e_buf_finish(&b);
}

/* The last word of a line, "{x}" replaced by "x1" so that parameter
 * segments and globs can match. */
static void line_path(struct e2e_buf *out, const char *s, size_t n)
{
	size_t end = n, start;

	while (end > 0 && (s[end - 1] == ' ' || s[end - 1] == '\t' || s[end - 1] == '\r'))
		end--;
	start = end;
	while (start > 0 && s[start - 1] != ' ' && s[start - 1] != '\t' && s[start - 1] != '"')
		start--;
	for (size_t i = start; i < end; i++) {
		if (s[i] == '{') {
			while (i < end && s[i] != '}')
				i++;
			e2e_buf_puts(out, "x1");
		} else if (s[i] != '"') {
			e2e_buf_putc(out, s[i]);
		}
	}
}

int e2e_fuzz_routes(const uint8_t *data, size_t size)
{
	const char *text = (const char *)data;
	struct e2e_routes *r = NULL;
	size_t pos = 0, lines = 0;
	int rc;

	rc = e2e_routes_parse("fuzz.routes", text, size, &r);
	if (rc < 0) {
		E2E_FUZZ_CHECK(r == NULL && rc == E2E_ERR_INPUT);
		E2E_FUZZ_CHECK(strncmp(e2e_error_message(), "'fuzz.routes': ", 15) == 0);
		return rc;
	}
	E2E_FUZZ_CHECK(rc == 0 && r != NULL && e2e_routes_count(r) > 0);
	for (size_t i = 0; i < sizeof(fixed_paths) / sizeof(fixed_paths[0]); i++) {
		check_key(r, "GET", 3, fixed_paths[i], strlen(fixed_paths[i]));
		check_key(r, "post", 4, fixed_paths[i], strlen(fixed_paths[i]));
	}
	while (pos < size && lines++ < 256) {
		const char *nl = memchr(text + pos, '\n', size - pos);
		size_t end = nl ? (size_t)(nl - text) : size, w = pos;
		struct e2e_buf p = E2E_BUF_INIT;

		line_path(&p, text + pos, end - pos);
		while (w < end && text[w] != ' ' && text[w] != '\t' && w - pos < 16)
			w++;
		check_key(r, "GET", 3, p.data ? p.data : "", p.len);
		check_key(r, text + pos, w - pos, p.data ? p.data : "", p.len);
		e2e_buf_finish(&p);
		pos = end + 1;
	}
	e2e_routes_destroy(r);
	return 0;
}

E2E_FUZZ_TARGET(e2e_fuzz_routes)
