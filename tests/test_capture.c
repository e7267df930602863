/* Unit tests for capture.c: batches handed to a real writer thread. */
#include <check.h>
#include <pthread.h>
#include <semaphore.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "capture.h"
#include "testutil.h"

struct sink {
	uint64_t seen;
	uint64_t next_expected;
	uint64_t bad;
	sem_t gate; /* consumer waits on it when blocking is set */
	int blocking;
};

static void consume(void *ctx, const struct e2e_capture_batch *b)
{
	struct sink *s = ctx;
	char want[64];

	if (s->blocking)
		sem_wait(&s->gate);
	for (size_t i = 0; i < b->n; i++) {
		const struct e2e_capture *c = &b->caps[i];
		int n = snprintf(want, sizeof(want), "/items/%llu", (unsigned long long)s->next_expected);
		if (c->s.start_ns != s->next_expected || c->path_len != (uint32_t)n ||
		    memcmp(c->path, want, (size_t)n) != 0 || c->method_len != 3 ||
		    memcmp(c->method, "GET", 3) != 0)
			s->bad++;
		s->next_expected++;
		s->seen++;
	}
}

static void fill(struct e2e_capture_batch *b, uint64_t *seq, size_t n)
{
	char path[64];

	for (size_t i = 0; i < n; i++) {
		struct e2e_sample smp = { .start_ns = *seq, .status = 200, .total_us = 5 };
		int len = snprintf(path, sizeof(path), "/items/%llu", (unsigned long long)*seq);
		ck_assert(e2e_capture_batch_add(b, &smp, "GET", 3, path, (size_t)len));
		(*seq)++;
	}
}

START_TEST(test_order_and_content)
{
	struct sink s = { 0 };
	struct e2e_capture_queue *q;
	uint64_t seq = 0;

	ck_assert_int_eq(e2e_capture_queue_create(8, consume, &s, &q), 0);
	for (int i = 0; i < 100; i++) {
		struct e2e_capture_batch *b;
		while (!(b = e2e_capture_queue_take(q)))
			e2e_capture_queue_drain(q);
		fill(b, &seq, 1000);
		e2e_capture_queue_submit(q, b);
	}
	e2e_capture_queue_drain(q);
	ck_assert_uint_eq(s.seen, 100000);
	ck_assert_uint_eq(s.bad, 0);
	ck_assert_uint_eq(e2e_capture_queue_dropped(q), 0);
	e2e_capture_queue_destroy(q);
}
END_TEST

START_TEST(test_bounded_and_drops_counted)
{
	struct sink s = { 0 };
	struct e2e_capture_queue *q;
	struct e2e_capture_batch *b1, *b2, *b3;
	uint64_t seq = 0;

	s.blocking = 1;
	sem_init(&s.gate, 0, 0);
	ck_assert_int_eq(e2e_capture_queue_create(2, consume, &s, &q), 0);
	b1 = e2e_capture_queue_take(q);
	b2 = e2e_capture_queue_take(q);
	ck_assert_ptr_nonnull(b1);
	ck_assert_ptr_nonnull(b2);
	ck_assert_ptr_null(e2e_capture_queue_take(q));
	fill(b1, &seq, 10);
	e2e_capture_queue_submit(q, b1);
	fill(b2, &seq, 10);
	e2e_capture_queue_submit(q, b2);
	/* both in flight, the writer is stuck: the producer never blocks */
	ck_assert_ptr_null(e2e_capture_queue_take(q));
	e2e_capture_queue_drop(q, 7);
	ck_assert_uint_eq(e2e_capture_queue_dropped(q), 7);
	sem_post(&s.gate);
	sem_post(&s.gate);
	e2e_capture_queue_drain(q);
	ck_assert_uint_eq(s.seen, 20);
	ck_assert_uint_eq(s.bad, 0);
	b3 = e2e_capture_queue_take(q);
	ck_assert_ptr_nonnull(b3);
	ck_assert_uint_eq(b3->n, 0);
	e2e_capture_queue_submit(q, b3); /* empty: recycled, not consumed */
	e2e_capture_queue_destroy(q);
	ck_assert_uint_eq(s.seen, 20);
	sem_destroy(&s.gate);
}
END_TEST

START_TEST(test_batch_limits)
{
	static struct e2e_capture_batch b;
	static char longpath[E2E_PATH_MAX + 100];
	struct e2e_sample smp = { 0 };
	size_t n = 0;

	memset(longpath, 'a', sizeof(longpath));
	while (e2e_capture_batch_add(&b, &smp, "GET", 3, longpath, sizeof(longpath)))
		n++;
	/* paths are cut at E2E_PATH_MAX and marked; the arena bounds the batch */
	ck_assert_uint_eq(n, E2E_CAPTURE_ARENA / (E2E_PATH_MAX + E2E_PATH_CUT_MARK_LEN + 3));
	ck_assert_uint_eq(b.caps[0].path_len, E2E_PATH_MAX + E2E_PATH_CUT_MARK_LEN);
	ck_assert(memcmp(b.caps[0].path + E2E_PATH_MAX, E2E_PATH_CUT_MARK, E2E_PATH_CUT_MARK_LEN) == 0);
	ck_assert(e2e_sample_path_was_cut(b.caps[0].path, b.caps[0].path_len));
	memset(&b, 0, sizeof(b));
	n = 0;
	while (e2e_capture_batch_add(&b, &smp, "GET", 3, "/", 1))
		n++;
	ck_assert_uint_eq(n, E2E_CAPTURE_BATCH_MAX);
}
END_TEST

/* The cut: nothing below the limit, the limit itself never inside a UTF-8
 * sequence, the mark making every cut path longer than E2E_PATH_MAX. */
START_TEST(test_path_cut)
{
	static char p[E2E_PATH_MAX + 16];
	static const struct {
		size_t len; /* of the path */
		size_t seq_at; /* a 3-byte sequence (U+2026) starts here, or 0 */
		size_t keep;
		bool cut;
	} cases[] = {
		{ 1, 0, 1, false },
		{ E2E_PATH_MAX, 0, E2E_PATH_MAX, false },
		{ E2E_PATH_MAX + 1, 0, E2E_PATH_MAX, true },
		{ E2E_PATH_MAX + 16, 0, E2E_PATH_MAX, true },
		{ E2E_PATH_MAX + 16, E2E_PATH_MAX - 3, E2E_PATH_MAX, true }, /* ends before */
		{ E2E_PATH_MAX + 16, E2E_PATH_MAX - 2, E2E_PATH_MAX - 2, true },
		{ E2E_PATH_MAX + 16, E2E_PATH_MAX - 1, E2E_PATH_MAX - 1, true },
		{ E2E_PATH_MAX + 16, E2E_PATH_MAX, E2E_PATH_MAX, true }, /* starts at the cut */
		{ E2E_PATH_MAX, E2E_PATH_MAX - 3, E2E_PATH_MAX, false },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		size_t len = cases[i].len, keep;
		char stored[E2E_PATH_MAX + E2E_PATH_CUT_MARK_LEN];
		bool cut = !cases[i].cut;

		memset(p, 'a', sizeof(p));
		if (cases[i].seq_at)
			memcpy(p + cases[i].seq_at, "\xe2\x80\xa6", 3);
		keep = e2e_sample_path_keep(p, len, &cut);
		ck_assert_msg(keep == cases[i].keep && cut == cases[i].cut, "case %zu: keep %zu cut %d", i,
			      keep, cut);
		memcpy(stored, p, keep);
		if (cut)
			memcpy(stored + keep, E2E_PATH_CUT_MARK, E2E_PATH_CUT_MARK_LEN);
		ck_assert(e2e_sample_path_was_cut(stored, keep + (cut ? E2E_PATH_CUT_MARK_LEN : 0)) == cut);
	}
	/* a path that merely ends like the mark is no cut one */
	ck_assert(!e2e_sample_path_was_cut("/a" E2E_PATH_CUT_MARK, 2 + E2E_PATH_CUT_MARK_LEN));
}
END_TEST

static Suite *capture_suite(void)
{
	Suite *s = suite_create("capture");
	TCase *tc = tcase_create("queue");

	tcase_set_timeout(tc, 30);
	tcase_add_test(tc, test_order_and_content);
	tcase_add_test(tc, test_bounded_and_drops_counted);
	tcase_add_test(tc, test_batch_limits);
	tcase_add_test(tc, test_path_cut);
	suite_add_tcase(s, tc);
	return s;
}

E2E_TEST_MAIN(capture_suite)
