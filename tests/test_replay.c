/* Unit tests for replay.c's pure parts: profiles and the arrival schedule. */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "error.h"
#include "replay.h"
#include "testutil.h"

START_TEST(test_profile_parse)
{
	static const struct {
		const char *in;
		int ok;
		enum e2e_replay_shape shape;
		double a, b;
		uint64_t at, len;
	} cases[] = {
		{ "constant", 1, E2E_REPLAY_CONSTANT, 0, 0, 0, 0 },
		{ "soak", 1, E2E_REPLAY_SOAK, 0, 0, 0, 0 },
		{ "ramp:10-200", 1, E2E_REPLAY_RAMP, 10, 200, 0, 0 },
		{ "ramp:0-50/s", 1, E2E_REPLAY_RAMP, 0, 50, 0, 0 },
		{ "ramp:300-0.5", 1, E2E_REPLAY_RAMP, 300, 0.5, 0, 0 },
		{ "spike:50,500,10s,5s", 1, E2E_REPLAY_SPIKE, 50, 500, 10000000000ull, 5000000000ull },
		{ "spike:1,2,0,250ms", 1, E2E_REPLAY_SPIKE, 1, 2, 0, 250000000ull },
		{ "ramp:0-0", 0, 0, 0, 0, 0, 0 },
		{ "ramp:10", 0, 0, 0, 0, 0, 0 },
		{ "ramp:-5-10", 0, 0, 0, 0, 0, 0 },
		{ "ramp:a-b", 0, 0, 0, 0, 0, 0 },
		{ "spike:50,500,10s", 0, 0, 0, 0, 0, 0 },
		{ "spike:50,500,10s,5s,1s", 0, 0, 0, 0, 0, 0 },
		{ "spike:0,500,10s,5s", 0, 0, 0, 0, 0, 0 },
		{ "spike:50,500,10s,0s", 0, 0, 0, 0, 0, 0 },
		{ "spike:50,500,x,5s", 0, 0, 0, 0, 0, 0 },
		{ "burst", 0, 0, 0, 0, 0, 0 },
		{ "", 0, 0, 0, 0, 0, 0 },
		{ "Constant", 0, 0, 0, 0, 0, 0 },
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct e2e_replay_profile p;
		int rc = e2e_replay_profile_parse(cases[i].in, &p);
		ck_assert_msg((rc == 0) == cases[i].ok, "'%s': rc %d (%s)", cases[i].in, rc,
			      e2e_error_message());
		if (!cases[i].ok) {
			ck_assert_int_eq(rc, E2E_ERR_INPUT);
			continue;
		}
		ck_assert_int_eq(p.shape, cases[i].shape);
		if (p.shape == E2E_REPLAY_RAMP) {
			ck_assert(p.from == cases[i].a && p.to == cases[i].b);
		} else if (p.shape == E2E_REPLAY_SPIKE) {
			ck_assert(p.base == cases[i].a && p.peak == cases[i].b);
			ck_assert_uint_eq(p.at_ns, cases[i].at);
			ck_assert_uint_eq(p.for_ns, cases[i].len);
		}
	}
}
END_TEST

/* Arrivals of a profile counted per second. */
static uint64_t per_second(const struct e2e_replay_profile *p, uint64_t dur_ns, uint64_t *sec, size_t nsec)
{
	struct e2e_replay_sched s;
	uint64_t at, n = 0, prev = 0;

	memset(sec, 0, nsec * sizeof(*sec));
	e2e_replay_sched_init(&s, p, dur_ns);
	while (e2e_replay_sched_next(&s, &at)) {
		ck_assert_uint_lt(at, dur_ns);
		ck_assert_uint_ge(at, prev);
		prev = at;
		sec[at / 1000000000u]++;
		n++;
	}
	return n;
}

START_TEST(test_schedule)
{
	static const struct {
		struct e2e_replay_profile p;
		uint64_t dur_s;
		uint64_t want[6];
		uint64_t total;
	} cases[] = {
		{ { .shape = E2E_REPLAY_CONSTANT, .rate = 100 }, 3, { 100, 100, 100 }, 300 },
		{ { .shape = E2E_REPLAY_CONSTANT, .rate = 0.5 }, 4, { 1, 0, 1, 0 }, 2 },
		{ { .shape = E2E_REPLAY_SOAK, .rate = 7 }, 2, { 7, 7 }, 14 },
		/* the integral of a ramp 0 -> 100 over 2 s is 25 then 75 */
		{ { .shape = E2E_REPLAY_RAMP, .from = 0, .to = 100 }, 2, { 25, 75 }, 100 },
		{ { .shape = E2E_REPLAY_RAMP, .from = 100, .to = 0 }, 2, { 75, 25 }, 100 },
		{ { .shape = E2E_REPLAY_RAMP, .from = 10, .to = 50 }, 4, { 15, 25, 35, 45 }, 120 },
		{ { .shape = E2E_REPLAY_SPIKE,
		    .base = 20,
		    .peak = 200,
		    .at_ns = 2000000000ull,
		    .for_ns = 1000000000ull },
		  4,
		  { 20, 20, 200, 20 },
		  260 },
		/* a spike past the end is cut there */
		{ { .shape = E2E_REPLAY_SPIKE,
		    .base = 10,
		    .peak = 40,
		    .at_ns = 1000000000ull,
		    .for_ns = 9000000000ull },
		  2,
		  { 10, 40 },
		  50 },
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		uint64_t sec[6];
		uint64_t n = per_second(&cases[i].p, cases[i].dur_s * 1000000000ull, sec, 6);
		ck_assert_msg(n == cases[i].total, "case %zu: %llu arrivals", i, (unsigned long long)n);
		for (size_t s = 0; s < cases[i].dur_s; s++)
			ck_assert_msg(sec[s] == cases[i].want[s], "case %zu second %zu: %llu, want %llu", i,
				      s, (unsigned long long)sec[s], (unsigned long long)cases[i].want[s]);
	}
}
END_TEST

START_TEST(test_constant_spacing)
{
	struct e2e_replay_profile p = { .shape = E2E_REPLAY_CONSTANT, .rate = 5000 };
	struct e2e_replay_sched s;
	uint64_t at, k = 0;

	e2e_replay_sched_init(&s, &p, 1000000000ull);
	while (e2e_replay_sched_next(&s, &at)) {
		ck_assert_uint_eq(at, k * 200000u);
		k++;
	}
	ck_assert_uint_eq(k, 5000);
}
END_TEST

START_TEST(test_achieved_rate)
{
	struct e2e_replay_result r = { .duration_ns = 5000000000ull,
				       .total_sent = 490,
				       .sent_last_ns = 4990000000ull };

	ck_assert(e2e_replay_achieved_rate(&r) == 98);
	r.sent_last_ns = 7000000000ull; /* sends that lagged past the schedule's end */
	ck_assert(e2e_replay_achieved_rate(&r) == 70);
}
END_TEST

static Suite *replay_suite(void)
{
	Suite *s = suite_create("replay");
	TCase *tc = tcase_create("schedule");

	tcase_add_test(tc, test_profile_parse);
	tcase_add_test(tc, test_schedule);
	tcase_add_test(tc, test_constant_spacing);
	tcase_add_test(tc, test_achieved_rate);
	suite_add_tcase(s, tc);
	return s;
}

E2E_TEST_MAIN(replay_suite)
