/* Unit tests for fmt.c: every helper against exact strings, with zero,
 * negative and non-finite values, rounding boundaries and very large
 * values. */
#include <check.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "fmt.h"
#include "testutil.h"

typedef void (*fmt_fn)(struct e2e_buf *b, double v);

struct fmt_case {
	fmt_fn fn;
	double v;
	const char *want;
};

static void pct_num(struct e2e_buf *b, double v)
{
	e2e_fmt_pct_num(b, v, false);
}

static void pct_num_signed(struct e2e_buf *b, double v)
{
	e2e_fmt_pct_num(b, v, true);
}

/* An interval from -v to +v. */
static void delta_range(struct e2e_buf *b, double v)
{
	e2e_fmt_delta_range(b, -v, v);
}

/* v and twice v, before and now */
static void ms_pair(struct e2e_buf *b, double v)
{
	e2e_fmt_ms_pair(b, v, 2 * v);
}

static void pp_range(struct e2e_buf *b, double v)
{
	e2e_fmt_pp_range(b, -v, v);
}

static void fixed3(struct e2e_buf *b, double v)
{
	e2e_fmt_fixed(b, v, 3);
}

static void count(struct e2e_buf *b, double v)
{
	e2e_fmt_count(b, (uint64_t)v);
}

static void check_cases(const struct fmt_case *cases, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		struct e2e_buf b = E2E_BUF_INIT;

		cases[i].fn(&b, cases[i].v);
		ck_assert_msg(strcmp(b.data ? b.data : "", cases[i].want) == 0,
			      "case %zu (%.17g): got '%s', want '%s'", i, cases[i].v, b.data ? b.data : "",
			      cases[i].want);
		e2e_buf_finish(&b);
	}
}

#define CHECK_CASES(c) check_cases(c, sizeof(c) / sizeof(c[0]))

START_TEST(times)
{
	static const struct fmt_case cases[] = {
		{ e2e_fmt_ms, 0, "0.000 ms" },
		{ e2e_fmt_ms, -0.0001, "0.000 ms" }, /* no "-0" */
		{ e2e_fmt_ms, -5, "-5.00 ms" },
		{ e2e_fmt_ms, 0.4123, "0.412 ms" },
		{ e2e_fmt_ms, 0.9994, "0.999 ms" },
		{ e2e_fmt_ms, 0.99951, "1.00 ms" }, /* rounding carries into the next range */
		{ e2e_fmt_ms, 4.254, "4.25 ms" },
		{ e2e_fmt_ms, 9.994, "9.99 ms" },
		{ e2e_fmt_ms, 9.995, "9.99 ms" }, /* the double is just below 9.995 */
		{ e2e_fmt_ms, 9.9951, "10.0 ms" },
		{ e2e_fmt_ms, 12.14, "12.1 ms" },
		{ e2e_fmt_ms, 99.94, "99.9 ms" },
		{ e2e_fmt_ms, 99.951, "100 ms" },
		{ e2e_fmt_ms, 142.5, "143 ms" }, /* half away from zero */
		{ e2e_fmt_ms, 999.94, "1,000 ms" },
		{ e2e_fmt_ms, 1234.4, "1,234 ms" },
		{ e2e_fmt_ms, 1e12, "1,000,000,000,000 ms" },
		{ e2e_fmt_ms, NAN, "-" },
		{ e2e_fmt_ms, INFINITY, "-" },
		{ e2e_fmt_ms, -INFINITY, "-" },
		{ e2e_fmt_ms_num, 51.43, "51.4" },
		{ e2e_fmt_ms_num, NAN, "-" },
		{ ms_pair, 20.04, "20.0 → 40.1 ms" },
		{ ms_pair, 75.3, "75.3 → 151 ms" },
		{ ms_pair, NAN, "- → -" },
		{ e2e_fmt_duration, 0, "0.0 s" },
		{ e2e_fmt_duration, 38.24, "38.2 s" },
		{ e2e_fmt_duration, 59.94, "59.9 s" },
		{ e2e_fmt_duration, 59.96, "1 min 0 s" },
		{ e2e_fmt_duration, 725, "12 min 5 s" },
		{ e2e_fmt_duration, 3599.6, "1 h 0 min" },
		{ e2e_fmt_duration, 7300, "2 h 1 min" },
		{ e2e_fmt_duration, 1e10, "2,777,777 h 46 min" },
		{ e2e_fmt_duration, 1e20, "-" },
		{ e2e_fmt_duration, -1, "-" },
		{ e2e_fmt_duration, NAN, "-" },
	};

	CHECK_CASES(cases);
}
END_TEST

START_TEST(percentages)
{
	static const struct fmt_case cases[] = {
		{ e2e_fmt_pct, 0, "0.0%" },
		{ e2e_fmt_pct, 0.005, "0.5%" },
		{ e2e_fmt_pct, 0.025, "2.5%" },
		{ e2e_fmt_pct, 0.0004, "0.04%" }, /* a nonzero share never reads as none */
		{ e2e_fmt_pct, 0.00099, "0.10%" },
		{ e2e_fmt_pct, 0.99995, "100.0%" },
		{ e2e_fmt_pct, 1, "100.0%" },
		{ e2e_fmt_pct, NAN, "-" },
		{ e2e_fmt_pct, INFINITY, "-" },
		{ e2e_fmt_delta_pct, 0, "0.0%" },
		{ e2e_fmt_delta_pct, -0.04, "0.0%" }, /* no sign on zero */
		{ e2e_fmt_delta_pct, 3.6, "+3.6%" },
		{ e2e_fmt_delta_pct, -3, "-3.0%" },
		{ e2e_fmt_delta_pct, 9.94, "+9.9%" },
		{ e2e_fmt_delta_pct, 9.96, "+10%" },
		{ e2e_fmt_delta_pct, 51.25, "+51%" },
		{ e2e_fmt_delta_pct, 101.1, "+101%" },
		{ e2e_fmt_delta_pct, -99.99, "-100%" },
		{ e2e_fmt_delta_pct, 1234.5, "+1,235%" },
		{ e2e_fmt_delta_pct, 1e20, "+100,000,000,000,000,000,000%" },
		{ e2e_fmt_delta_pct, NAN, "n/a" },
		{ e2e_fmt_delta_pct, INFINITY, "+inf%" },
		{ e2e_fmt_delta_pct, -INFINITY, "-inf%" },
		{ pct_num, 12, "12" },
		{ pct_num, 3.21, "3.2" },
		{ pct_num, INFINITY, "inf" },
		{ pct_num, NAN, "n/a" },
		{ pct_num_signed, 48.4, "+48" },
		{ pct_num_signed, 0, "0.0" },
		{ delta_range, 8.04, "-8.0..+8.0%" },
		{ delta_range, 66, "-66..+66%" },
		{ delta_range, INFINITY, "-inf..+inf%" },
		{ e2e_fmt_pct_setting, 50, "50%" },
		{ e2e_fmt_pct_setting, 12.5, "12.5%" },
		{ e2e_fmt_pp, 0, "0.0 pp" },
		{ e2e_fmt_pp, 20, "+20.0 pp" },
		{ e2e_fmt_pp, 0.5, "+0.5 pp" },
		{ e2e_fmt_pp, -0.05, "-0.05 pp" },
		{ e2e_fmt_pp, NAN, "n/a" },
		{ pp_range, 0.2, "-0.2..+0.2 pp" },
	};

	CHECK_CASES(cases);
}
END_TEST

START_TEST(sizes_and_counts)
{
	static const struct fmt_case cases[] = {
		{ count, 0, "0" },
		{ count, 999, "999" },
		{ count, 1000, "1,000" },
		{ count, 1204, "1,204" },
		{ count, 1234567, "1,234,567" },
		{ e2e_fmt_factor, 1.4, "x1.40" },
		{ e2e_fmt_factor, 0.974, "x0.97" },
		{ e2e_fmt_factor, 2, "x2.00" },
		{ e2e_fmt_factor, 9.996, "x10.0" },
		{ e2e_fmt_factor, 12.5, "x12.5" },
		{ e2e_fmt_factor, 99.96, "x100" },
		{ e2e_fmt_factor, 1500, "x1,500" },
		{ e2e_fmt_factor, NAN, "-" },
		{ e2e_fmt_rate, 0, "0.0" },
		{ e2e_fmt_rate, 0.314, "0.3" },
		{ e2e_fmt_rate, 15.66, "15.7" },
		{ e2e_fmt_rate, 99.96, "100" },
		{ e2e_fmt_rate, 1234.4, "1,234" },
		{ e2e_fmt_rate, NAN, "-" },
		{ e2e_fmt_bytes, 0, "0 B" },
		{ e2e_fmt_bytes, 512, "512 B" },
		{ e2e_fmt_bytes, 1023.4, "1,023 B" },
		{ e2e_fmt_bytes, 1023.6, "1.0 KiB" },
		{ e2e_fmt_bytes, 1536, "1.5 KiB" },
		{ e2e_fmt_bytes, 1048575, "1.0 MiB" },
		{ e2e_fmt_bytes, 3.2 * 1048576, "3.2 MiB" },
		{ e2e_fmt_bytes, 3.0 * 1099511627776, "3.0 TiB" },
		{ e2e_fmt_bytes, -1, "-" },
		{ e2e_fmt_bytes, NAN, "-" },
	};
	struct e2e_buf b = E2E_BUF_INIT;

	CHECK_CASES(cases);
	e2e_fmt_count(&b, UINT64_MAX);
	ck_assert_str_eq(b.data, "18,446,744,073,709,551,615");
	e2e_buf_finish(&b);
}
END_TEST

START_TEST(machine_numbers)
{
	static const struct fmt_case cases[] = {
		{ fixed3, 43.6175, "43.618" }, { fixed3, 1234.5, "1234.500" }, /* no separators */
		{ fixed3, -0.0001, "0.000" },  { fixed3, NAN, "" },
		{ fixed3, INFINITY, "" },
	};

	CHECK_CASES(cases);
	ck_assert(e2e_fmt_round(2.5, 0) == 3 && e2e_fmt_round(-2.5, 0) == -3);
	ck_assert(!signbit(e2e_fmt_round(-0.0001, 3)));
}
END_TEST

START_TEST(text_formats)
{
	static const struct {
		int kind; /* 0 utf8, 1 utf8 no control, 2 xml, 3 time, 4 iso time */
		const char *in;
		int64_t ms;
		const char *want;
	} cases[] = {
		{ 0, "/caf\xc3\xa9", 0, "/caf\xc3\xa9" },
		{ 0,
		  "/a\xff"
		  "b",
		  0,
		  "/a\xef\xbf\xbd"
		  "b" },
		{ 0, "/\xc0\xaf", 0, "/\xef\xbf\xbd\xef\xbf\xbd" }, /* overlong '/' */
		{ 0, "/\xed\xa0\x80", 0, "/\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd" }, /* surrogate */
		{ 0, "a\tb", 0, "a\tb" },
		{ 1, "a\tb\x1b[31m", 0, "a?b?[31m" },
		{ 2, "<a href=\"x\">&'</a>", 0, "&lt;a href=&quot;x&quot;&gt;&amp;&#39;&lt;/a&gt;" },
		{ 2,
		  "a\x01"
		  "b\n",
		  0, "a?b\n" },
		{ 3, NULL, 1795183331000, "2026-11-20 14:02:11 UTC" },
		{ 4, NULL, 1795183331999, "2026-11-20T14:02:11Z" },
		{ 3, NULL, 0, "-" },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct e2e_buf b = E2E_BUF_INIT;

		if (cases[i].kind <= 1)
			e2e_fmt_utf8(&b, cases[i].in, cases[i].kind == 1);
		else if (cases[i].kind == 2)
			e2e_fmt_xml(&b, cases[i].in);
		else
			e2e_fmt_time(&b, cases[i].ms, cases[i].kind == 4);
		ck_assert_msg(strcmp(b.data ? b.data : "", cases[i].want) == 0,
			      "case %zu: got '%s', want '%s'", i, b.data ? b.data : "", cases[i].want);
		e2e_buf_finish(&b);
	}
}
END_TEST

static Suite *suite(void)
{
	Suite *s = suite_create("fmt");
	TCase *t = tcase_create("numbers");

	tcase_add_test(t, times);
	tcase_add_test(t, percentages);
	tcase_add_test(t, sizes_and_counts);
	tcase_add_test(t, machine_numbers);
	suite_add_tcase(s, t);
	t = tcase_create("text");
	tcase_add_test(t, text_formats);
	suite_add_tcase(s, t);
	return s;
}

E2E_TEST_MAIN(suite)
