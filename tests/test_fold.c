/* test_fold.c - perf script folding, folded text, attribution, and the
 * drawings of flame.c (SVG, differential, speedscope, grown frames). */
#include <check.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "flame.h"
#include "fold.h"
#include "testutil.h"

/* Real `perf script -F comm,tid,time,ip,sym,dso --ns` output (trimmed),
 * with the other header shapes perf prints. */
static const char perf_text[] =
	"python3  9530/9530  21838.114876838: \n"
	"\t          1b0045 _PyLong_Multiply+0x15 (/usr/lib/libpython3.12.so.1.0)\n"
	"\t          1123df _PyEval_EvalFrameDefault (/usr/lib/libpython3.12.so.1.0)\n"
	"\t    7fdab24b87ab py::hot:<string> (/tmp/perf-9530.map)\n"
	"\n"
	"python3  9530 21838.146866987: \n"
	"\t           144da [unknown] (/usr/lib/x86_64-linux-gnu/ld-linux-x86-64.so.2)\n"
	"\t    7fdab24b87ab py::hot:<string> (/tmp/perf-9530.map)\n"
	"\n"
	"my worker thread  77 [001] 21838.500000000:   10101010 cpu-clock: \n"
	"\t ffffffff8225f759 pvm_irq_enable+0x19 ([kernel.kallsyms])\n"
	"\t           12345 a;b (/bin/app)\n"
	"\t           12346 [unknown] ([unknown])\n"
	"\n"
	"python3  9530/9530  21838.600000: \n"
	"\t          1123df _PyEval_EvalFrameDefault (/usr/lib/libpython3.12.so.1.0)\n"
	"\t    7fdab24b87ab py::hot:<string> (/tmp/perf-9530.map)\n";

static const char *const want_stacks[] = {
	"python3;py::hot:<string>;_PyEval_EvalFrameDefault;_PyLong_Multiply",
	"python3;py::hot:<string>;[ld-linux-x86-64.so.2]",
	"my worker thread;[unknown];a:b;pvm_irq_enable",
	"python3;py::hot:<string>;_PyEval_EvalFrameDefault",
};

static struct e2e_fold *fold_in_pieces(const char *text, size_t piece)
{
	struct e2e_fold *f = e2e_fold_create();
	size_t n = strlen(text);

	for (size_t i = 0; i < n; i += piece)
		e2e_fold_feed(f, text + i, n - i < piece ? n - i : piece);
	e2e_fold_end(f);
	return f;
}

START_TEST(test_perf_script)
{
	static const size_t pieces[] = { 1, 2, 7, 64, 100000 };

	for (size_t p = 0; p < sizeof(pieces) / sizeof(pieces[0]); p++) {
		struct e2e_fold *f = fold_in_pieces(perf_text, pieces[p]);
		const struct e2e_fold_stack *s;
		const struct e2e_fold_sample *t;
		struct e2e_fold_stats st;
		size_t n = e2e_fold_stacks(f, &s);

		ck_assert_uint_eq(n, 4);
		for (size_t i = 0; i < n; i++) {
			ck_assert_str_eq(s[i].frames, want_stacks[i]);
			ck_assert_uint_eq(s[i].count, 1);
		}
		ck_assert_uint_eq(e2e_fold_samples(f, &t), 4);
		ck_assert_uint_eq(t[0].t_ns, 21838114876838ull);
		ck_assert_uint_eq(t[2].t_ns, 21838500000000ull);
		ck_assert_uint_eq(t[3].t_ns, 21838600000000ull); /* microseconds padded */
		ck_assert_uint_eq(t[3].stack, 3);
		e2e_fold_get_stats(f, &st);
		ck_assert_uint_eq(st.samples, 4);
		ck_assert_uint_eq(st.skipped, 0);
		e2e_fold_destroy(f);
	}
}
END_TEST

/* Lines that are not perf script: skipped and counted, the samples around
 * them kept. */
START_TEST(test_perf_malformed)
{
	static const struct {
		const char *in;
		uint64_t samples, skipped;
	} cases[] = {
		{ "garbage line\n\tnot a frame\n\n", 0, 2 },
		{ "\t  1234 orphan (/x)\n", 0, 1 },
		{ "app 1 1.5:\n\tzz nothex (/x)\n\t 12 ok (/x)\n\n", 1, 1 },
		{ "app 1 1.5\n\t 12 f (/x)\n\napp 2 2.5:\n\t 12 g (/x)\n", 1, 2 },
		{ "app x 1.5:\n", 0, 1 },
		{ "1.5:\n", 0, 1 },
		{ "app 1 .5:\n", 0, 1 },
		{ "app 1 1.:\n", 0, 1 },
		{ "app 1 1234567890123.5:\n", 0, 1 },
		{ "app 1/2/3 1.5:\n", 0, 1 },
		{ "app 1 1.5:\n\t 12\n\n", 1, 1 },
		{ "app\x01\xff 1 1.5:\n\t 12 f\x1b[31m (/x)\n\n", 1, 0 },
		{ "\n\n\n", 0, 0 },
		{ "app 1 1.5:", 1, 0 },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct e2e_fold *f = fold_in_pieces(cases[i].in, 3);
		struct e2e_fold_stats st;

		e2e_fold_get_stats(f, &st);
		ck_assert_msg(st.samples == cases[i].samples && st.skipped == cases[i].skipped,
			      "case %zu: %llu samples, %llu skipped", i, (unsigned long long)st.samples,
			      (unsigned long long)st.skipped);
		e2e_fold_destroy(f);
	}
	/* control characters and invalid UTF-8 never reach a frame name */
	struct e2e_fold *f = fold_in_pieces("app\x01\xff 1 1.5:\n\t 12 f\x1b[31m (/x)\n\n", 5);
	const struct e2e_fold_stack *s;
	ck_assert_uint_eq(e2e_fold_stacks(f, &s), 1);
	ck_assert_str_eq(s[0].frames, "app??;f?[31m");
	e2e_fold_destroy(f);
	/* a blank before the offset is not part of the name: folded text
	 * (which trims before the count) reads the stack back the same */
	f = fold_in_pieces("app 1 1.5:\n\t 12 leaf +0x15 (/x)\n\n", 4);
	ck_assert_uint_eq(e2e_fold_stacks(f, &s), 1);
	ck_assert_str_eq(s[0].frames, "app;leaf");
	e2e_fold_destroy(f);
}
END_TEST

START_TEST(test_overlong_line)
{
	struct e2e_fold *f = e2e_fold_create();
	struct e2e_buf b = E2E_BUF_INIT;
	struct e2e_fold_stats st;

	e2e_buf_puts(&b, "app 1 1.5:\n\t 12 ");
	for (int i = 0; i < 70000; i++)
		e2e_buf_putc(&b, 'x');
	e2e_buf_puts(&b, " (/x)\n\napp 1 2.5:\n\t 12 ok (/x)\n\n");
	e2e_fold_feed(f, b.data, b.len);
	e2e_fold_end(f);
	e2e_fold_get_stats(f, &st);
	ck_assert_uint_eq(st.samples, 1); /* the sample with the overlong frame goes */
	ck_assert_uint_eq(st.skipped, 1);
	e2e_buf_finish(&b);
	e2e_fold_destroy(f);
}
END_TEST

/* A sample's callers seen before are looked up, not parsed again: the
 * stacks, counts and skipped lines are those of parsing every line. */
START_TEST(test_repeated_callers)
{
	static const char text[] =
		"app 1 1.5:\n\t 10 leaf1 (/x)\n\t 11 mid (/x)\n\tzz bad\n\t 12 main (/x)\n\n"
		"app 1 1.6:\n\t 13 leaf2 (/x)\n\t 11 mid (/x)\n\tzz bad\n\t 12 main (/x)\n\n"
		"app 1 1.7:\n\t 10 leaf1 (/x)\n\t 11 mid (/x)\n\tzz bad\n\t 12 main (/x)\n\n"
		"other 2 1.8:\n\t 10 leaf1 (/x)\n\t 11 mid (/x)\n\tzz bad\n\t 12 main (/x)\n"
		"app 1 1.9:\n\tzz badleaf\n\t 11 mid (/x)\n\tzz bad\n\t 12 main (/x)\n\n"
		"app 1 2.0:\n\t 13 leaf2 (/x)\n\t 11 mid (/x)\n\tzz bad\n\t 12 main (/x)\n";
	static const char want[] = "app;main;mid;leaf1 2\napp;main;mid;leaf2 2\napp;main;mid 1\n"
				   "other;main;mid;leaf1 1\n";
	static const size_t pieces[] = { 1, 5, 40, 100000 };

	for (size_t p = 0; p < sizeof(pieces) / sizeof(pieces[0]); p++) {
		struct e2e_fold *f = fold_in_pieces(text, pieces[p]);
		struct e2e_buf b = E2E_BUF_INIT;
		struct e2e_fold_stats st;

		e2e_fold_write(f, 0, 0, &b);
		ck_assert_str_eq(b.data, want);
		e2e_fold_get_stats(f, &st);
		ck_assert_uint_eq(st.samples, 6);
		ck_assert_uint_eq(st.skipped, 7); /* "zz bad" six times, "zz badleaf" once */
		e2e_buf_finish(&b);
		e2e_fold_destroy(f);
	}
}
END_TEST

/* 5,000 callers (deeper than the 4,096 frames kept): the root-most go,
 * as many as the leaf takes, whether the callers were seen before or not. */
START_TEST(test_deep_callers)
{
	struct e2e_buf in = E2E_BUF_INIT, callers = E2E_BUF_INIT;
	struct e2e_fold *f = e2e_fold_create();
	const struct e2e_fold_stack *s;

	for (int i = 0; i < 5000; i++)
		e2e_buf_printf(&callers, "\t %x f%d (/x)\n", 16 + i, i);
	e2e_buf_puts(&in, "app 1 1.5:\n\t 1 leaf (/x)\n");
	e2e_buf_add(&in, callers.data, callers.len);
	e2e_buf_puts(&in, "\napp 1 1.6:\n\tzz badleaf\n");
	e2e_buf_add(&in, callers.data, callers.len);
	e2e_buf_puts(&in, "\napp 1 1.7:\n\t 1 leaf (/x)\n");
	e2e_buf_add(&in, callers.data, callers.len);
	e2e_fold_feed(f, in.data, in.len);
	e2e_fold_end(f);
	ck_assert_uint_eq(e2e_fold_stacks(f, &s), 2);
	ck_assert_uint_eq(s[0].count, 2);
	ck_assert_msg(strncmp(s[0].frames, "app;f4094;f4093;", 16) == 0, "%.40s", s[0].frames);
	ck_assert_msg(strncmp(s[1].frames, "app;f4095;f4094;", 16) == 0, "%.40s", s[1].frames);
	ck_assert_uint_eq(s[1].count, 1);
	e2e_buf_finish(&in);
	e2e_buf_finish(&callers);
	e2e_fold_destroy(f);
}
END_TEST

START_TEST(test_folded_text)
{
	static const char text[] = "a;b;c 5\n"
				   "a;b 3\r\n"
				   "a;b;c 2\n"
				   "bad line\n"
				   ";x 1\n"
				   "x;;y 1\n"
				   "x 0\n"
				   "x 1234567890123456\n"
				   "\n"
				   "d 1";
	struct e2e_fold *f = e2e_fold_create();
	struct e2e_fold_stats st;
	struct e2e_buf b = E2E_BUF_INIT;

	e2e_fold_feed_folded(f, text, strlen(text));
	e2e_fold_get_stats(f, &st);
	ck_assert_uint_eq(st.samples, 11);
	ck_assert_uint_eq(st.skipped, 5);
	ck_assert_uint_eq(e2e_fold_total(f), 11);
	ck_assert_uint_eq(e2e_fold_write(f, 0, 0, &b), 3);
	ck_assert_str_eq(b.data, "a;b;c 7\na;b 3\nd 1\n");
	e2e_buf_reset(&b);
	ck_assert_uint_eq(e2e_fold_write(f, 2, 0, &b), 2);
	ck_assert_str_eq(b.data, "a;b;c 7\na;b 3\n");
	e2e_buf_reset(&b);
	ck_assert_uint_eq(e2e_fold_write(f, 0, 12, &b), 1); /* "a;b;c 7\n" is 8 bytes, "a;b 3\n" 6 more */
	ck_assert_str_eq(b.data, "a;b;c 7\n");
	e2e_buf_finish(&b);
	e2e_fold_destroy(f);
}
END_TEST

START_TEST(test_attribute)
{
	static const char text[] = "s 1 1.000000100:\n\t 1 f (/x)\n\n"
				   "s 1 1.000000250:\n\t 1 g (/x)\n\n"
				   "s 1 1.000000300:\n\t 1 h (/x)\n\n"
				   "s 1 1.000000050:\n\t 1 i (/x)\n\n";
	const struct e2e_fold_span spans[] = {
		{ 1000000090, 1000000200, 7 },
		{ 1000000240, 1000000300, 9 },
	};
	struct e2e_fold *f = fold_in_pieces(text, 1000);
	uint32_t labels[4];

	e2e_fold_attribute(f, spans, 2, labels);
	ck_assert_uint_eq(labels[0], 7);
	ck_assert_uint_eq(labels[1], 9);
	ck_assert_uint_eq(labels[2], 9); /* the end is inside */
	ck_assert_uint_eq(labels[3], E2E_FOLD_NO_LABEL);
	e2e_fold_destroy(f);
}
END_TEST

START_TEST(test_grown)
{
	static const char was[] = "app;main;parse 50\napp;main;render 40\napp;main;slow 10\n";
	static const char now[] = "app;main;parse 30\napp;main;render 20\napp;main;slow 45\napp;main;new 5\n";
	struct e2e_fold *a = e2e_fold_create(), *b = e2e_fold_create();
	struct e2e_flame_growth g[3];
	size_t n;

	e2e_fold_feed_folded(a, was, strlen(was));
	e2e_fold_feed_folded(b, now, strlen(now));
	n = e2e_flame_grown(b, a, 3, g);
	ck_assert_uint_eq(n, 2); /* only what grew */
	ck_assert_str_eq(g[0].frame, "slow");
	ck_assert_double_eq_tol(g[0].share, 0.45, 1e-9);
	ck_assert_double_eq_tol(g[0].base_share, 0.10, 1e-9);
	ck_assert_str_eq(g[1].frame, "new");
	e2e_flame_growth_free(g, n);
	e2e_fold_destroy(a);
	e2e_fold_destroy(b);
}
END_TEST

START_TEST(test_svg)
{
	static const char text[] = "app;main;hot<&> 90\napp;main;cold 10\n";
	struct e2e_fold *f = e2e_fold_create();
	struct e2e_buf b = E2E_BUF_INIT;

	e2e_fold_feed_folded(f, text, strlen(text));
	e2e_flame_svg(f, NULL, "CPU of \"svc\"", &b);
	ck_assert_ptr_nonnull(
		strstr(b.data, "<title>hot&lt;&amp;&gt;\n90 samples, 90.0%; self 90.0%</title>"));
	ck_assert_ptr_nonnull(strstr(b.data, "CPU of &quot;svc&quot;"));
	ck_assert_ptr_nonnull(strstr(b.data, "<script"));
	ck_assert_ptr_null(strstr(b.data, "http://www.w3.org/1999/xlink")); /* nothing external */
	ck_assert_ptr_null(strstr(b.data, "href"));
	/* hot is 90% of 1180 px wide, from x 10 + cold's 118 px (name order) */
	ck_assert_ptr_nonnull(strstr(b.data, "<rect x=\"128.0\" y=\"52\" width=\"1062.0\""));
	e2e_buf_finish(&b);
	e2e_fold_destroy(f);
}
END_TEST

START_TEST(test_diff_svg)
{
	static const char was[] = "app;a 50\napp;b 50\n";
	static const char now[] = "app;a 80\napp;b 20\n";
	struct e2e_fold *a = e2e_fold_create(), *b = e2e_fold_create();
	struct e2e_buf out = E2E_BUF_INIT;

	e2e_fold_feed_folded(a, was, strlen(was));
	e2e_fold_feed_folded(b, now, strlen(now));
	e2e_flame_svg(b, a, "diff", &out);
	ck_assert_ptr_nonnull(strstr(
		out.data, "<title>a\n80 samples, 80.0%; self 80.0% (baseline 50.0%, +30.0 pp)</title>"));
	ck_assert_ptr_nonnull(strstr(out.data, "fill=\"rgb(255,0,0)\"")); /* a: the most grown */
	ck_assert_ptr_nonnull(strstr(out.data, "fill=\"rgb(0,0,255)\"")); /* b: the most shrunk */
	e2e_buf_finish(&out);
	e2e_fold_destroy(a);
	e2e_fold_destroy(b);
}
END_TEST

START_TEST(test_speedscope)
{
	static const char text[] = "app;main;f 3\napp;main;g 2\napp;\xc3\xa9 1\n";
	struct e2e_fold *f = e2e_fold_create();
	struct e2e_buf b = E2E_BUF_INIT;
	json_error_t err;
	json_t *root, *p;

	e2e_fold_feed_folded(f, text, strlen(text));
	ck_assert_int_eq(e2e_flame_speedscope(f, "svc", &b), 0);
	root = json_loads(b.data, 0, &err);
	ck_assert_ptr_nonnull(root);
	ck_assert_str_eq(json_string_value(json_object_get(root, "$schema")),
			 "https://www.speedscope.app/file-format-schema.json");
	ck_assert_uint_eq(json_array_size(json_object_get(json_object_get(root, "shared"), "frames")), 5);
	p = json_array_get(json_object_get(root, "profiles"), 0);
	ck_assert_str_eq(json_string_value(json_object_get(p, "type")), "sampled");
	ck_assert_int_eq(json_integer_value(json_object_get(p, "endValue")), 6);
	/* app;main;g: frames 0 1 3, root first, weight 2 */
	json_t *s1 = json_array_get(json_object_get(p, "samples"), 1);
	ck_assert_uint_eq(json_array_size(s1), 3);
	ck_assert_int_eq(json_integer_value(json_array_get(s1, 0)), 0);
	ck_assert_int_eq(json_integer_value(json_array_get(s1, 2)), 3);
	ck_assert_int_eq(json_integer_value(json_array_get(json_object_get(p, "weights"), 1)), 2);
	json_decref(root);
	e2e_buf_finish(&b);
	e2e_fold_destroy(f);
}
END_TEST

static Suite *fold_suite(void)
{
	Suite *s = suite_create("fold");
	TCase *t = tcase_create("perf script");

	tcase_add_test(t, test_perf_script);
	tcase_add_test(t, test_perf_malformed);
	tcase_add_test(t, test_overlong_line);
	tcase_add_test(t, test_repeated_callers);
	tcase_add_test(t, test_deep_callers);
	suite_add_tcase(s, t);
	t = tcase_create("folded");
	tcase_add_test(t, test_folded_text);
	tcase_add_test(t, test_attribute);
	suite_add_tcase(s, t);
	t = tcase_create("flame");
	tcase_add_test(t, test_grown);
	tcase_add_test(t, test_svg);
	tcase_add_test(t, test_diff_svg);
	tcase_add_test(t, test_speedscope);
	suite_add_tcase(s, t);
	return s;
}

E2E_TEST_MAIN(fold_suite)
