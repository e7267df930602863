/* Unit tests for testmark.c: markers, the E2E-Test header and each
 * request's test id. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "testmark.h"
#include "testutil.h"

static unsigned control(struct e2e_testmark *t, const char *method, const char *target, uint64_t at,
			struct e2e_testmark_reply *rep)
{
	e2e_testmark_control(t, method, target, strlen(target), at, rep);
	return rep->status;
}

static uint32_t req(struct e2e_testmark *t, const char *hdr, size_t *nev)
{
	struct e2e_test_event ev;

	return e2e_testmark_attribute(t, hdr, hdr ? strlen(hdr) : 0, 0, &ev, nev);
}

START_TEST(test_is_control)
{
	static const struct {
		const char *target;
		bool want;
	} cases[] = {
		{ "/__e2e/v1/test/start?name=a", true },
		{ "/__e2e/v1/test", true },
		{ "/__e2e/v1/test?x", true },
		{ "/__e2e/v1/testing", false },
		{ "/__e2e/v2/test/start", false },
		{ "/users/__e2e/v1/test", false },
		{ "/", false },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		ck_assert_msg(e2e_testmark_is_control(cases[i].target, strlen(cases[i].target)) ==
				      cases[i].want,
			      "%s", cases[i].target);
}
END_TEST

START_TEST(test_serial)
{
	struct e2e_testmark *t = e2e_testmark_create();
	struct e2e_testmark_reply rep;
	struct e2e_testmark_stats st;
	size_t nev;

	ck_assert_uint_eq(req(t, NULL, &nev), E2E_TEST_OUTSIDE);
	ck_assert_uint_eq(control(t, "POST", E2E_CONTROL_PATH "/start?name=test%20a%2Bb", 10, &rep), 204);
	ck_assert_uint_eq(rep.nev, 1);
	ck_assert_uint_eq(rep.ev[0].kind, E2E_TEST_EV_BEGIN);
	ck_assert_uint_eq(rep.ev[0].id, E2E_TEST_FIRST);
	ck_assert_uint_eq(rep.ev[0].at_ns, 10);
	ck_assert_mem_eq(rep.ev[0].text, "test a+b", 8);
	ck_assert_uint_eq(rep.ev[0].text_len, 8);
	ck_assert_uint_eq(req(t, NULL, &nev), E2E_TEST_FIRST);
	ck_assert_uint_eq(nev, 0);
	ck_assert_uint_eq(control(t, "POST", E2E_CONTROL_PATH "/end?status=failed&name=test+a%2bb", 25, &rep),
			  204);
	ck_assert_uint_eq(rep.nev, 1);
	ck_assert_uint_eq(rep.ev[0].kind, E2E_TEST_EV_END);
	ck_assert_uint_eq(rep.ev[0].duration_ns, 15);
	ck_assert_mem_eq(rep.ev[0].text, "failed", 6);
	ck_assert_uint_eq(req(t, NULL, &nev), E2E_TEST_OUTSIDE);
	/* the same name again: the same id, no new BEGIN; status defaults to passed */
	ck_assert_uint_eq(control(t, "PUT", E2E_CONTROL_PATH "/start?name=test+a%2Bb", 30, &rep), 204);
	ck_assert_uint_eq(rep.nev, 0);
	ck_assert_uint_eq(control(t, "POST", E2E_CONTROL_PATH "/end?name=test+a%2Bb", 31, &rep), 204);
	ck_assert_mem_eq(rep.ev[0].text, "passed", 6);
	ck_assert_uint_eq(rep.ev[0].duration_ns, 1);
	e2e_testmark_stats(t, &st);
	ck_assert_uint_eq(st.tests, 1);
	ck_assert_uint_eq(st.markers, 4);
	ck_assert_uint_eq(st.bad_markers, 0);
	e2e_testmark_destroy(t);
}
END_TEST

/* Two tests at once: requests without a header are unattributed, never
 * guessed; with it, exact. */
START_TEST(test_parallel)
{
	struct e2e_testmark *t = e2e_testmark_create();
	struct e2e_testmark_reply rep;
	struct e2e_test_event ev;
	size_t nev;

	ck_assert_uint_eq(control(t, "POST", E2E_CONTROL_PATH "/start?name=a", 1, &rep), 204);
	ck_assert_uint_eq(control(t, "POST", E2E_CONTROL_PATH "/start?name=b", 2, &rep), 204);
	ck_assert_uint_eq(req(t, NULL, &nev), E2E_TEST_UNATTRIBUTED);
	ck_assert_uint_eq(req(t, "b", &nev), E2E_TEST_FIRST + 1);
	ck_assert_uint_eq(nev, 0);
	ck_assert_uint_eq(e2e_testmark_attribute(t, "c%C3%A9", 7, 9, &ev, &nev), E2E_TEST_FIRST + 2);
	ck_assert_uint_eq(nev, 1);
	ck_assert_uint_eq(ev.kind, E2E_TEST_EV_BEGIN);
	ck_assert_uint_eq(ev.at_ns, 9);
	ck_assert_mem_eq(ev.text, "c\xc3\xa9", 3);
	ck_assert_uint_eq(control(t, "POST", E2E_CONTROL_PATH "/end?name=a", 3, &rep), 204);
	ck_assert_uint_eq(req(t, NULL, &nev), E2E_TEST_FIRST + 1);
	/* a test named by header only ends without a duration */
	ck_assert_uint_eq(control(t, "POST", E2E_CONTROL_PATH "/end?name=c%C3%A9&status=skipped", 4, &rep),
			  204);
	ck_assert_uint_eq(rep.ev[0].duration_ns, 0);
	ck_assert_uint_eq(req(t, NULL, &nev), E2E_TEST_FIRST + 1);
	e2e_testmark_destroy(t);
}
END_TEST

START_TEST(test_bad_markers)
{
	static const struct {
		const char *method, *target;
		unsigned status;
		const char *msg;
	} cases[] = {
		{ "POST", E2E_CONTROL_PATH "/begin?name=a", 404, "unknown marker 'begin': use start or end" },
		{ "POST", E2E_CONTROL_PATH "?name=a", 404, "unknown marker '': use start or end" },
		{ "GET", E2E_CONTROL_PATH "/start?name=a", 405, "a marker is a POST, not GET" },
		{ "POST", E2E_CONTROL_PATH "/start", 400, "a marker needs name=TEST" },
		{ "POST", E2E_CONTROL_PATH "/start?name=", 400, "a marker needs name=TEST" },
		{ "POST", E2E_CONTROL_PATH "/start?name=a%0Ab", 400,
		  "test name must be UTF-8 text without control characters: 'a?b'" },
		{ "POST", E2E_CONTROL_PATH "/start?name=%FF", 400,
		  "test name must be UTF-8 text without control characters: '\xff'" },
		{ "POST", E2E_CONTROL_PATH "/end?name=nope", 409, "test 'nope' was never started" },
		{ "POST", E2E_CONTROL_PATH "/end?name=x&status=maybe", 400,
		  "unknown test status 'maybe': use " E2E_TEST_STATUSES },
		{ "POST", E2E_CONTROL_PATH "/start?name=x", 204, "" },
		{ "POST", E2E_CONTROL_PATH "/start?name=x", 409, "test 'x' is already running" },
	};
	struct e2e_testmark *t = e2e_testmark_create();
	struct e2e_testmark_reply rep;
	struct e2e_testmark_stats st;
	size_t nev;

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		ck_assert_msg(control(t, cases[i].method, cases[i].target, 1, &rep) == cases[i].status,
			      "%s: %u", cases[i].target, rep.status);
		ck_assert_str_eq(rep.message, cases[i].msg);
	}
	/* a long name: refused, its request unattributed */
	static char name[10240 + 64];
	size_t n = sizeof(E2E_CONTROL_PATH "/start?name=") - 1;

	memcpy(name, E2E_CONTROL_PATH "/start?name=", n);
	memset(name + n, 'a', 10240);
	name[n + 10240] = '\0';
	ck_assert_uint_eq(control(t, "POST", name, 1, &rep), 400);
	ck_assert_str_eq(rep.message,
			 "test name too long (more than 1024 bytes): "
			 "'aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa...'");
	ck_assert_uint_eq(req(t, name + n, &nev), E2E_TEST_UNATTRIBUTED);
	ck_assert_uint_eq(nev, 0);
	name[n + 1025] = '\0';
	ck_assert_uint_eq(req(t, name + n, &nev), E2E_TEST_UNATTRIBUTED);
	name[n + 1024] = '\0';
	ck_assert_uint_eq(req(t, name + n, &nev), E2E_TEST_FIRST + 1);
	ck_assert_uint_eq(req(t, "a\x01", &nev), E2E_TEST_UNATTRIBUTED);
	ck_assert_uint_eq(req(t, "", &nev), E2E_TEST_FIRST); /* empty: no header */
	e2e_testmark_stats(t, &st);
	ck_assert_uint_eq(st.bad_markers, 11);
	ck_assert_uint_eq(st.bad_headers, 3);
	ck_assert_uint_eq(st.markers, 1);
	ck_assert_uint_eq(st.tests, 2);
	e2e_testmark_destroy(t);
}
END_TEST

static Suite *testmark_suite(void)
{
	Suite *s = suite_create("testmark");
	TCase *tc = tcase_create("markers");

	tcase_add_test(tc, test_is_control);
	tcase_add_test(tc, test_serial);
	tcase_add_test(tc, test_parallel);
	tcase_add_test(tc, test_bad_markers);
	suite_add_tcase(s, tc);
	return s;
}

E2E_TEST_MAIN(testmark_suite)
