/* fuzz_fold.c - the perf script folder and the folded-text reader
 * (fold.h), and the drawings made from what they return (flame.h).
 *
 * The input is folded as perf script text whole and again in pieces of
 * 1 to 16 bytes (the sizes taken from its first byte): both folds hold the
 * same stacks with the same counts and the same stats. Every stack is
 * non-empty, has no empty frame and no control character; the counts add
 * up to the samples folded. The folded text written back reads back to
 * the same stacks and counts with nothing skipped. The input read as
 * folded text never fails; the SVG, the differential SVG and the
 * speedscope JSON of the folds are made without a crash. */
#include <string.h>

#include "buf.h"
#include "flame.h"
#include "fold.h"
#include "fuzz.h"

static void check_stacks(const struct e2e_fold *f)
{
	const struct e2e_fold_stack *s;
	size_t n = e2e_fold_stacks(f, &s);
	uint64_t sum = 0;

	for (size_t i = 0; i < n; i++) {
		E2E_FUZZ_CHECK(s[i].len > 0 && s[i].len == strlen(s[i].frames));
		E2E_FUZZ_CHECK(s[i].frames[0] != ';' && s[i].frames[s[i].len - 1] != ';');
		E2E_FUZZ_CHECK(!strstr(s[i].frames, ";;"));
		for (size_t k = 0; k < s[i].len; k++)
			E2E_FUZZ_CHECK((unsigned char)s[i].frames[k] >= 0x20 && s[i].frames[k] != 0x7f);
		sum += s[i].count;
	}
	E2E_FUZZ_CHECK(sum == e2e_fold_total(f));
}

static bool same(const struct e2e_fold *a, const struct e2e_fold *b)
{
	struct e2e_buf x = E2E_BUF_INIT, y = E2E_BUF_INIT;
	bool eq;

	e2e_fold_write(a, 0, 0, &x);
	e2e_fold_write(b, 0, 0, &y);
	eq = x.len == y.len && (!x.len || memcmp(x.data, y.data, x.len) == 0);
	e2e_buf_finish(&x);
	e2e_buf_finish(&y);
	return eq;
}

int e2e_fuzz_fold(const uint8_t *data, size_t size)
{
	const char *text = (const char *)data;
	struct e2e_fold *whole = e2e_fold_create(), *pieces = e2e_fold_create();
	struct e2e_fold *back = e2e_fold_create(), *folded = e2e_fold_create();
	struct e2e_fold_stats sw, sp, sb;
	struct e2e_buf b = E2E_BUF_INIT;
	size_t piece = size ? (size_t)(data[0] % 16) + 1 : 1;

	e2e_fold_feed(whole, text, size);
	e2e_fold_end(whole);
	for (size_t i = 0; i < size; i += piece)
		e2e_fold_feed(pieces, text + i, size - i < piece ? size - i : piece);
	e2e_fold_end(pieces);
	e2e_fold_get_stats(whole, &sw);
	e2e_fold_get_stats(pieces, &sp);
	E2E_FUZZ_CHECK(sw.samples == sp.samples && sw.skipped == sp.skipped);
	E2E_FUZZ_CHECK(same(whole, pieces));
	check_stacks(whole);
	E2E_FUZZ_CHECK(e2e_fold_total(whole) == sw.samples);

	e2e_fold_write(whole, 0, 0, &b);
	e2e_fold_feed_folded(back, b.data ? b.data : "", b.len);
	e2e_fold_get_stats(back, &sb);
	E2E_FUZZ_CHECK(sb.skipped == 0 && sb.samples == sw.samples);
	E2E_FUZZ_CHECK(same(whole, back));

	e2e_fold_feed_folded(folded, text, size);
	check_stacks(folded);
	e2e_buf_reset(&b);
	e2e_flame_svg(whole, NULL, "fuzz", &b);
	e2e_buf_reset(&b);
	e2e_flame_svg(folded, whole, "fuzz", &b);
	e2e_buf_reset(&b);
	E2E_FUZZ_CHECK(e2e_flame_speedscope(folded, "fuzz", &b) == 0);
	e2e_buf_finish(&b);
	e2e_fold_destroy(whole);
	e2e_fold_destroy(pieces);
	e2e_fold_destroy(back);
	e2e_fold_destroy(folded);
	return 0;
}

E2E_FUZZ_TARGET(e2e_fuzz_fold)
