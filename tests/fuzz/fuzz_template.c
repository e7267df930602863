/* fuzz_template.c - automatic endpoint templating (template.h) on
 * arbitrary bytes.
 *
 * The whole input is a raw path; the part before its first '/' (at most 16
 * bytes) also serves as a method for e2e_template_key. Invariants: the
 * template is non-empty, starts with '/', holds no NUL, is the same when
 * computed twice, keeps the segments of the path up to '?', '#' or NUL and
 * changes a segment only into "{kind}" followed by a suffix of it (the
 * extension); the key is the upper-cased method, a space and the template. */
#include <stdbool.h>
#include <string.h>

#include "buf.h"
#include "template.h"
#include "fuzz.h"

static const char *const kinds[] = { "{id}", "{uuid}", "{ulid}", "{date}", "{hex}", "{email}", "{token}" };

/* Is out (n bytes) the segment in (m bytes) or "{kind}" + a suffix of it? */
static bool segment_ok(const char *out, size_t n, const char *in, size_t m)
{
	if (n == m && memcmp(out, in, n) == 0)
		return true;
	for (size_t k = 0; k < sizeof(kinds) / sizeof(kinds[0]); k++) {
		size_t kl = strlen(kinds[k]), ext = n - kl;

		if (n >= kl && memcmp(out, kinds[k], kl) == 0 && ext < m &&
		    memcmp(out + kl, in + m - ext, ext) == 0)
			return true;
	}
	return false;
}

static void check_template(const char *path, size_t size, const struct e2e_buf *t)
{
	size_t len = 0, i = 0, o = 1;

	E2E_FUZZ_CHECK(t->data && t->len > 0);
	E2E_FUZZ_CHECK(t->data[0] == '/');
	E2E_FUZZ_CHECK(strlen(t->data) == t->len);
	while (len < size && path[len] != '?' && path[len] != '#' && path[len] != '\0')
		len++;
	if (len > 0 && path[0] == '/')
		i = 1;
	if (len == 0) {
		E2E_FUZZ_CHECK(t->len == 1);
		return;
	}
	/* segment by segment: path[i..] against t->data[o..] */
	for (;;) {
		const char *in_end = memchr(path + i, '/', len - i);
		const char *out_end = memchr(t->data + o, '/', t->len - o);
		size_t m = in_end ? (size_t)(in_end - path) - i : len - i;
		size_t n = out_end ? (size_t)(out_end - t->data) - o : t->len - o;

		E2E_FUZZ_CHECK(!in_end == !out_end);
		E2E_FUZZ_CHECK(segment_ok(t->data + o, n, path + i, m));
		if (!in_end)
			break;
		i += m + 1;
		o += n + 1;
	}
}

int e2e_fuzz_template(const uint8_t *data, size_t size)
{
	const char *path = (const char *)data;
	struct e2e_buf a = E2E_BUF_INIT, b = E2E_BUF_INIT, key = E2E_BUF_INIT, want = E2E_BUF_INIT;
	const char *slash = size ? memchr(path, '/', size < 16 ? size : 16) : NULL;
	size_t mlen = slash ? (size_t)(slash - path) : 0;

	e2e_template_path(&a, path, size);
	check_template(path, size, &a);
	e2e_template_path(&b, path, size);
	E2E_FUZZ_CHECK(a.len == b.len && memcmp(a.data, b.data, a.len) == 0);

	/* the key: method part, then the rest of the input as the path */
	e2e_template_key(&key, path, mlen, path + mlen, size - mlen);
	for (size_t i = 0; i < mlen; i++)
		e2e_buf_putc(&want, path[i] >= 'a' && path[i] <= 'z' ? (char)(path[i] - 'a' + 'A') : path[i]);
	e2e_buf_putc(&want, ' ');
	e2e_template_path(&want, path + mlen, size - mlen);
	E2E_FUZZ_CHECK(key.len == want.len && memcmp(key.data, want.data, key.len) == 0);

	e2e_buf_finish(&a);
	e2e_buf_finish(&b);
	e2e_buf_finish(&key);
	e2e_buf_finish(&want);
	return 0;
}

E2E_FUZZ_TARGET(e2e_fuzz_template)
