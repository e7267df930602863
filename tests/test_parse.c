/* Unit tests for parse.c and cli.c. */
#include <check.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "cli.h"
#include "error.h"
#include "parse.h"
#include "testutil.h"

START_TEST(test_duration)
{
	static const struct {
		const char *in;
		int ok;
		uint64_t ns;
	} cases[] = {
		{ "30s", 1, 30000000000ull },
		{ "250ms", 1, 250000000ull },
		{ "2m", 1, 120000000000ull },
		{ "1h", 1, 3600000000000ull },
		{ "1.5s", 1, 1500000000ull },
		{ "100us", 1, 100000ull },
		{ "7", 1, 7000000000ull },
		{ "0", 1, 0 },
		{ "", 0, 0 },
		{ "s", 0, 0 },
		{ "-1s", 0, 0 },
		{ "10x", 0, 0 },
		{ "1e30s", 0, 0 },
		{ "nan", 0, 0 },
		{ " 5s", 0, 0 },
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		uint64_t ns = 12345;
		bool ok = e2e_parse_duration(cases[i].in, &ns);
		ck_assert_msg(ok == cases[i].ok, "'%s'", cases[i].in);
		ck_assert_uint_eq(ns, cases[i].ok ? cases[i].ns : 12345);
	}
}
END_TEST

START_TEST(test_u64_and_double)
{
	uint64_t v = 9;
	double d = 9;

	ck_assert(e2e_parse_u64("42", 1, 100, &v) && v == 42);
	ck_assert(!e2e_parse_u64("0", 1, 100, &v) && v == 42);
	ck_assert(!e2e_parse_u64("101", 1, 100, &v));
	ck_assert(!e2e_parse_u64("-1", 0, 100, &v));
	ck_assert(!e2e_parse_u64("4x", 0, 100, &v));
	ck_assert(!e2e_parse_u64("", 0, 100, &v));
	ck_assert(!e2e_parse_u64("99999999999999999999999", 0, UINT64_MAX, &v));
	ck_assert(e2e_parse_double("12.5", 0, 100, NULL, &d) && d == 12.5);
	ck_assert(e2e_parse_double("20%", 0, 100, "%", &d) && d == 20);
	ck_assert(!e2e_parse_double("20%", 0, 100, NULL, &d) && d == 20);
	ck_assert(!e2e_parse_double("inf", 0, INFINITY, NULL, &d));
	ck_assert(!e2e_parse_double("abc", 0, 100, NULL, &d));
}
END_TEST

START_TEST(test_hostport)
{
	char host[64];
	uint16_t port;

	ck_assert(e2e_parse_hostport("127.0.0.1:8080", host, sizeof(host), &port));
	ck_assert_str_eq(host, "127.0.0.1");
	ck_assert_uint_eq(port, 8080);
	ck_assert(e2e_parse_hostport(":0", host, sizeof(host), &port));
	ck_assert_str_eq(host, "127.0.0.1");
	ck_assert_uint_eq(port, 0);
	ck_assert(e2e_parse_hostport("[::1]:9", host, sizeof(host), &port));
	ck_assert_str_eq(host, "::1");
	ck_assert_uint_eq(port, 9);
	ck_assert(!e2e_parse_hostport("localhost", host, sizeof(host), &port));
	ck_assert(!e2e_parse_hostport("a:70000", host, sizeof(host), &port));
	ck_assert(!e2e_parse_hostport("[::1]9", host, sizeof(host), &port));
}
END_TEST

/* The argv syntax; tests/test_cli.c has the entry types and the tables. */
struct seen {
	bool flag;
	struct e2e_cli_list values;
	int quiet;
};

static const struct e2e_option opts[] = {
	{ E2E_OPT_FLAG('x', "flag", struct seen, flag, "a flag") },
	{ E2E_OPT_LIST('v', "value", struct seen, values, "V", "a value") },
	{ E2E_OPT_COUNT('q', "quiet", struct seen, quiet, "quiet") },
	{ E2E_OPT_END() },
};

START_TEST(test_cli_parse)
{
	char *argv1[] = {
		"cmd", "-xq", "--value=a", "-v", "b", "-vc", "--value", "d", "--", "run", "it", NULL
	};
	struct seen s = { 0 };
	int rest = -1;

	ck_assert_int_eq(e2e_cli_parse(opts, 11, argv1, &s, &rest), 0);
	ck_assert(s.flag);
	ck_assert_int_eq(s.quiet, 1);
	ck_assert_uint_eq(s.values.n, 4);
	ck_assert_str_eq(s.values.v[0], "a");
	ck_assert_str_eq(s.values.v[3], "d");
	ck_assert_int_eq(rest, 9);

	char *argv2[] = { "cmd", "--nope", NULL };
	ck_assert_int_eq(e2e_cli_parse(opts, 2, argv2, &s, NULL), E2E_ERR_INPUT);
	ck_assert_str_eq(e2e_error_message(), "unknown option '--nope'");

	char *argv3[] = { "cmd", "--value", NULL };
	ck_assert_int_eq(e2e_cli_parse(opts, 2, argv3, &s, NULL), E2E_ERR_INPUT);
	ck_assert_str_eq(e2e_error_message(), "option '--value' needs a value (V)");

	char *argv4[] = { "cmd", "--flag=1", NULL };
	ck_assert_int_eq(e2e_cli_parse(opts, 2, argv4, &s, NULL), E2E_ERR_INPUT);
	ck_assert_str_eq(e2e_error_message(), "option '--flag' takes no value");

	char *argv5[] = { "cmd", "stray", NULL };
	ck_assert_int_eq(e2e_cli_parse(opts, 2, argv5, &s, NULL), E2E_ERR_INPUT);
	ck_assert_str_eq(e2e_error_message(), "unexpected argument 'stray'");

	char *argv6[] = { "cmd", "-z", NULL };
	ck_assert_int_eq(e2e_cli_parse(opts, 2, argv6, &s, NULL), E2E_ERR_INPUT);
	ck_assert_str_eq(e2e_error_message(), "unknown option '-z'");
}
END_TEST

START_TEST(test_cli_help)
{
	struct e2e_buf b = E2E_BUF_INIT;

	e2e_cli_help(&b, "cmd [options]", "Does things.", opts);
	ck_assert_str_eq(b.data, "usage: cmd [options]\n\nDoes things.\n\noptions:\n"
				 "  -x, --flag     a flag\n"
				 "  -v, --value V  a value\n"
				 "  -q, --quiet    quiet\n");
	e2e_buf_finish(&b);
}
END_TEST

START_TEST(test_error_wraps_itself)
{
	ck_assert_int_eq(e2e_error(E2E_ERR_INPUT, "inner '%s'", "x"), E2E_ERR_INPUT);
	ck_assert_int_eq(e2e_error(E2E_ERR_RUNTIME, "'f.json': %s", e2e_error_message()), E2E_ERR_RUNTIME);
	ck_assert_str_eq(e2e_error_message(), "'f.json': inner 'x'");
	ck_assert_int_eq(e2e_error_exit(E2E_ERR_INPUT), 2);
	ck_assert_int_eq(e2e_error_exit(E2E_ERR_RUNTIME), 3);
	ck_assert_int_eq(e2e_error_exit(E2E_ERR_EMPTY), 4);
	ck_assert_int_eq(e2e_error_exit(0), 0);
}
END_TEST

START_TEST(test_buf)
{
	struct e2e_buf b = E2E_BUF_INIT;
	size_t len;

	for (int i = 0; i < 1000; i++)
		e2e_buf_printf(&b, "%d,", i);
	ck_assert_uint_eq(b.len, strlen(b.data));
	ck_assert(strncmp(b.data, "0,1,2,", 6) == 0);
	char *s = e2e_buf_detach(&b, &len);
	ck_assert_uint_eq(len, 3890);
	ck_assert_ptr_null(b.data);
	free(s);
	e2e_buf_finish(NULL);
}
END_TEST

static Suite *parse_suite(void)
{
	Suite *s = suite_create("parse");
	TCase *tc = tcase_create("values");
	TCase *tcli = tcase_create("cli");

	tcase_add_test(tc, test_duration);
	tcase_add_test(tc, test_u64_and_double);
	tcase_add_test(tc, test_hostport);
	tcase_add_test(tc, test_buf);
	tcase_add_test(tc, test_error_wraps_itself);
	tcase_add_test(tcli, test_cli_parse);
	tcase_add_test(tcli, test_cli_help);
	suite_add_tcase(s, tc);
	suite_add_tcase(s, tcli);
	return s;
}

E2E_TEST_MAIN(parse_suite)
