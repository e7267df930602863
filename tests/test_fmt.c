/* Unit tests for fmt.c: every helper against exact strings. */
#include <check.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "fmt.h"

START_TEST(number_formats)
{
	static const struct {
		int kind; /* 0 count, 1 ms, 2 pct, 3 delta, 4 rate, 5 bytes, 6 duration, 7 fixed3 */
		double v;
		const char *want;
	} cases[] = {
		{ 0, 0, "0" },
		{ 0, 999, "999" },
		{ 0, 1000, "1,000" },
		{ 0, 1204, "1,204" },
		{ 0, 1234567, "1,234,567" },
		{ 1, NAN, "-" },
		{ 1, 0.4123, "0.412ms" },
		{ 1, 4.254, "4.25ms" },
		{ 1, 12.14, "12.1ms" },
		{ 1, 999.94, "999.9ms" },
		{ 1, 1234.4, "1234ms" },
		{ 2, 0, "0.0%" },
		{ 2, 0.005, "0.5%" },
		{ 2, 0.0004, "0.04%" },
		{ 2, 1, "100.0%" },
		{ 3, 51.25, "+51.2%" },
		{ 3, -3, "-3.0%" },
		{ 3, NAN, "n/a" },
		{ 4, 15.66, "15.7" },
		{ 4, 1234.4, "1,234" },
		{ 5, 512, "512 B" },
		{ 5, 1536, "1.5 KiB" },
		{ 5, 3.2 * 1048576, "3.2 MiB" },
		{ 6, 38.24, "38.2 s" },
		{ 6, 725, "12 min 5 s" },
		{ 6, 7300, "2 h 1 min" },
		{ 6, NAN, "-" },
		{ 7, 43.6175, "43.618" },
		{ 7, -0.0001, "0.000" },
		{ 7, NAN, "" },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct e2e_buf b = E2E_BUF_INIT;
		double v = cases[i].v;

		switch (cases[i].kind) {
		case 0:
			e2e_fmt_count(&b, (uint64_t)v);
			break;
		case 1:
			e2e_fmt_ms(&b, v);
			break;
		case 2:
			e2e_fmt_pct(&b, v);
			break;
		case 3:
			e2e_fmt_delta_pct(&b, v);
			break;
		case 4:
			e2e_fmt_rate(&b, v);
			break;
		case 5:
			e2e_fmt_bytes(&b, v);
			break;
		case 6:
			e2e_fmt_duration(&b, v);
			break;
		case 7:
			e2e_fmt_fixed(&b, v, 3);
			break;
		}
		ck_assert_msg(strcmp(b.data ? b.data : "", cases[i].want) == 0,
			      "case %zu: got '%s', want '%s'", i, b.data ? b.data : "", cases[i].want);
		e2e_buf_finish(&b);
	}
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

	tcase_add_test(t, number_formats);
	suite_add_tcase(s, t);
	t = tcase_create("text");
	tcase_add_test(t, text_formats);
	suite_add_tcase(s, t);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
