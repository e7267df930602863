/* Unit tests for cli.c (entry types, checks, joined tables, help) and the
 * shared option table of cmd_common.c. The argv syntax is in test_parse.c. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "cli.h"
#include "cmd.h"
#include "error.h"
#include "testutil.h"
#include "banned.h"

enum kind { KIND_A, KIND_B, KIND_C };

struct shared {
	const char *name;
	bool verbose;
};

struct all {
	bool flag;
	int count;
	const char *str;
	const char *text;
	const char *file;
	struct e2e_cli_list list;
	uint64_t u;
	bool u_seen;
	double d;
	uint64_t ns;
	enum kind kind;
	bool yes;
	long custom;
	struct shared sh; /* not first: joined tables move its offsets */
};

static bool valid_word(const char *s)
{
	return strspn(s, "abcdefghijklmnopqrstuvwxyz") == strlen(s);
}

static bool parse_even(const char *s, void *target)
{
	char *end;
	long v = strtol(s, &end, 10);

	if (!*s || *end || v % 2)
		return false;
	*(long *)target = v;
	return true;
}

static const struct e2e_option_name kinds[] = {
	{ "a", KIND_A }, { "b", KIND_B }, { "c", KIND_C }, { "bee", KIND_B }, { NULL, 0 },
};

static const struct e2e_option_name answers[] = {
	{ "no", false },
	{ "yes", true },
	{ NULL, 0 },
};

#define A struct all

static const struct e2e_option own[] = {
	{ E2E_OPT_FLAG('f', "flag", A, flag, "a flag") },
	{ E2E_OPT_COUNT('c', "count", A, count, "more each time") },
	{ E2E_OPT_STRING(0, "str", A, str, "S", "any string") },
	{ E2E_OPT_TEXT('t', "text", A, text, "T", "a non-empty string") },
	{ E2E_OPT_FILE(0, "file", A, file, "FILE", "a path") },
	{ E2E_OPT_LIST('l', "list", A, list, "W", "a word (repeatable)"), .valid = valid_word,
	  .what = "a lowercase word" },
	{ E2E_OPT_UINT('u', "uint", A, u, "N", "1 to 1000", 1, 1000), E2E_OPT_SEEN(A, u_seen) },
	{ E2E_OPT_UINT(0, "days", A, u, "N", "0 to 7", 0, 7), .what = "a number of days" },
	{ E2E_OPT_DOUBLE(0, "pct", A, d, "PCT", "0.5 to 100, % allowed", 0.5, 100), .unit = "%" },
	{ E2E_OPT_DOUBLE(0, "ms", A, d, "MS", "0 to 10", 0, 10), .what = "a number of milliseconds" },
	{ E2E_OPT_DURATION(0, "wait", A, ns, "DUR", "1ms to 1h", 1000000, 3600000000000ull) },
	{ E2E_OPT_DURATION(0, "timeout", A, ns, "DUR", "at least 1ms", 1000000, UINT64_MAX),
	  .what = "a duration of at least 1ms" },
	{ E2E_OPT_ENUM('k', "kind", A, kind, "KIND", "a, b or c", kinds) },
	{ E2E_OPT_ENUM(0, "answer", A, yes, "YN", "yes or no", answers) },
	{ E2E_OPT_CUSTOM(0, "even", A, custom, "N", "an even number", parse_even, "an even number") },
	{ E2E_OPT_REWORD("verbose", "say more, reworded") },
	{ E2E_OPT_END() },
};

#define S struct shared

static const struct e2e_option shared[] = {
	{ E2E_OPT_TEXT('n', "name", S, name, "NAME", "a name") },
	{ E2E_OPT_OWN() },
	{ E2E_OPT_FLAG('v', "verbose", S, verbose, "say more") },
	{ E2E_OPT_END() },
};

static struct e2e_option *joined(void)
{
	struct e2e_option *t = NULL;

	ck_assert_int_eq(e2e_cli_concat(shared, offsetof(struct all, sh), own, &t), 0);
	return t;
}

/* The values of a, one "key=value" per field, for strstr() checks. */
static void dump(const struct all *a, char *out, size_t n)
{
	char list[128] = "";

	for (size_t i = 0; i < a->list.n; i++)
		snprintf(list + strlen(list), sizeof(list) - strlen(list), "%s%s", i ? "," : "",
			 a->list.v[i]);
	snprintf(out, n,
		 " flag=%d count=%d str=%s text=%s file=%s list=%s u=%llu u_seen=%d d=%g ns=%llu kind=%d "
		 "yes=%d even=%ld name=%s verbose=%d ",
		 a->flag, a->count, a->str ? a->str : "(null)", a->text ? a->text : "(null)",
		 a->file ? a->file : "(null)", list, (unsigned long long)a->u, a->u_seen, a->d,
		 (unsigned long long)a->ns, (int)a->kind, a->yes, a->custom,
		 a->sh.name ? a->sh.name : "(null)", a->sh.verbose);
}

#define MAXARGS 8

static const struct cli_case {
	const char *args[MAXARGS]; /* after argv[0] */
	int rc;
	const char *want; /* rc 0: " key=value " in dump(); else the message */
} cases[] = {
	/* flags and counted flags */
	{ { "--flag" }, 0, " flag=1 " },
	{ { "-f" }, 0, " flag=1 " },
	{ { "--flag=1" }, E2E_ERR_INPUT, "option '--flag' takes no value" },
	{ { "-ccc" }, 0, " count=3 " },
	{ { "--count", "-c", "--count" }, 0, " count=3 " },
	{ { "-fcc" }, 0, " flag=1 count=2 " },
	/* strings: --opt=value, --opt value, -xvalue, -x value */
	{ { "--str=" }, 0, " str= " },
	{ { "--str", "" }, 0, " str= " },
	{ { "--str", "--" }, 0, " str=-- " },
	{ { "--text=a=b" }, 0, " text=a=b " },
	{ { "--text", "x" }, 0, " text=x " },
	{ { "-tx" }, 0, " text=x " },
	{ { "-t", "x" }, 0, " text=x " },
	{ { "-fty" }, 0, " flag=1 count=0 str=(null) text=y " },
	{ { "--text", "" }, E2E_ERR_INPUT, "option '--text' needs a non-empty value" },
	{ { "--text=" }, E2E_ERR_INPUT, "option '--text' needs a non-empty value" },
	{ { "-t", "" }, E2E_ERR_INPUT, "option '--text' needs a non-empty value" },
	{ { "--file", "" }, E2E_ERR_INPUT, "option '--file' needs a non-empty value" },
	{ { "--file", "a/b" }, 0, " file=a/b " },
	{ { "--text" }, E2E_ERR_INPUT, "option '--text' needs a value (T)" },
	{ { "-t" }, E2E_ERR_INPUT, "option '-t' needs a value (T)" },
	{ { "--text", "a", "--text", "b" }, 0, " text=b " },
	/* repeatable lists */
	{ { "-l", "a", "--list=b", "-lc" }, 0, " list=a,b,c " },
	{ { "--list", "a1" }, E2E_ERR_INPUT, "option '--list': 'a1' is not a lowercase word" },
	{ { "--list", "" }, 0, " list= " },
	/* unsigned numbers: both ends of the range, the default wording */
	{ { "--uint", "1" }, 0, " u=1 u_seen=1 " },
	{ { "-u1000" }, 0, " u=1000 u_seen=1 " },
	{ { "--uint", "0" }, E2E_ERR_INPUT, "option '--uint': '0' is not a number from 1 to 1000" },
	{ { "--uint", "1001" }, E2E_ERR_INPUT, "option '--uint': '1001' is not a number from 1 to 1000" },
	{ { "--uint", "" }, E2E_ERR_INPUT, "option '--uint': '' is not a number from 1 to 1000" },
	{ { "--uint", "-1" }, E2E_ERR_INPUT, "option '--uint': '-1' is not a number from 1 to 1000" },
	{ { "--uint", "1x" }, E2E_ERR_INPUT, "option '--uint': '1x' is not a number from 1 to 1000" },
	{ { "--days", "0" }, 0, " u=0 u_seen=0 " },
	{ { "--days", "7" }, 0, " u=7 " },
	{ { "--days", "8" }, E2E_ERR_INPUT, "option '--days': '8' is not a number of days" },
	/* doubles: ends of the range, the unit, non-finite values */
	{ { "--pct", "0.5" }, 0, " d=0.5 " },
	{ { "--pct", "100%" }, 0, " d=100 " },
	{ { "--pct=20%" }, 0, " d=20 " },
	{ { "--pct", "0.49999" },
	  E2E_ERR_INPUT,
	  "option '--pct': '0.49999' is not a number from 0.5 to 100" },
	{ { "--pct", "100.001" },
	  E2E_ERR_INPUT,
	  "option '--pct': '100.001' is not a number from 0.5 to 100" },
	{ { "--pct", "20%%" }, E2E_ERR_INPUT, "option '--pct': '20%%' is not a number from 0.5 to 100" },
	{ { "--pct", "%" }, E2E_ERR_INPUT, "option '--pct': '%' is not a number from 0.5 to 100" },
	{ { "--pct", "nan" }, E2E_ERR_INPUT, "option '--pct': 'nan' is not a number from 0.5 to 100" },
	{ { "--pct", "" }, E2E_ERR_INPUT, "option '--pct': '' is not a number from 0.5 to 100" },
	{ { "--ms", "0" }, 0, " d=0 " },
	{ { "--ms", "10" }, 0, " d=10 " },
	{ { "--ms", "10%" }, E2E_ERR_INPUT, "option '--ms': '10%' is not a number of milliseconds" },
	{ { "--ms", "10.0001" }, E2E_ERR_INPUT, "option '--ms': '10.0001' is not a number of milliseconds" },
	{ { "--ms", "-0.1" }, E2E_ERR_INPUT, "option '--ms': '-0.1' is not a number of milliseconds" },
	/* durations: ends of the range in nanoseconds */
	{ { "--wait", "1ms" }, 0, " ns=1000000 " },
	{ { "--wait", "1h" }, 0, " ns=3600000000000 " },
	{ { "--wait", "999us" }, E2E_ERR_INPUT, "option '--wait': '999us' is not a duration" },
	{ { "--wait", "3600.001s" }, E2E_ERR_INPUT, "option '--wait': '3600.001s' is not a duration" },
	{ { "--wait", "" }, E2E_ERR_INPUT, "option '--wait': '' is not a duration" },
	{ { "--timeout", "0" }, E2E_ERR_INPUT, "option '--timeout': '0' is not a duration of at least 1ms" },
	{ { "--timeout", "2" }, 0, " ns=2000000000 " },
	/* enums: names, aliases (accepted, not listed), bool targets */
	{ { "--kind", "c" }, 0, " kind=2 " },
	{ { "-kbee" }, 0, " kind=1 " },
	{ { "--kind", "d" }, E2E_ERR_INPUT, "option '--kind': 'd' is not one of a, b, c" },
	{ { "--kind", "" }, E2E_ERR_INPUT, "option '--kind': '' is not one of a, b, c" },
	{ { "--answer", "yes" }, 0, " yes=1 " },
	{ { "--answer", "yes", "--answer", "no" }, 0, " yes=0 " },
	{ { "--answer", "YES" }, E2E_ERR_INPUT, "option '--answer': 'YES' is not one of no, yes" },
	/* custom value parsers */
	{ { "--even", "-4" }, 0, " even=-4 " },
	{ { "--even", "3" }, E2E_ERR_INPUT, "option '--even': '3' is not an even number" },
	/* shared options, joined at the offset of the shared struct */
	{ { "-n", "x", "-v" }, 0, " name=x verbose=1 " },
	{ { "-vfn", "x" },
	  0,
	  " flag=1 count=0 str=(null) text=(null) file=(null) list= u=0 u_seen=0 d=0 ns=0 "
	  "kind=0 yes=0 even=0 name=x verbose=1 " },
	{ { "--name=" }, E2E_ERR_INPUT, "option '--name' needs a non-empty value" },
	/* unknown options, operands, "--" */
	{ { "--nope" }, E2E_ERR_INPUT, "unknown option '--nope'" },
	{ { "--nope=1" }, E2E_ERR_INPUT, "unknown option '--nope'" },
	{ { "--fla" }, E2E_ERR_INPUT, "unknown option '--fla'" },
	{ { "-fz" }, E2E_ERR_INPUT, "unknown option '-z'" },
	{ { "-" }, E2E_ERR_INPUT, "unexpected argument '-'" },
	{ { "stray" }, E2E_ERR_INPUT, "unexpected argument 'stray'" },
	{ { "--" }, E2E_ERR_INPUT, "unexpected '--'" },
	{ { "-f", "--", "--count" }, E2E_ERR_INPUT, "unexpected '--'" },
};

START_TEST(test_cases)
{
	struct e2e_option *t = joined();

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const struct cli_case *c = &cases[i];
		char *argv[MAXARGS + 2] = { "cmd" };
		struct all a;
		char got[1024];
		int argc = 1, rc;

		memset(&a, 0, sizeof(a));
		for (; argc <= MAXARGS && c->args[argc - 1]; argc++)
			argv[argc] = (char *)c->args[argc - 1];
		rc = e2e_cli_parse(t, argc, argv, &a, NULL);
		dump(&a, got, sizeof(got));
		ck_assert_msg(rc == c->rc, "case %zu (%s): rc %d, want %d: %s", i, c->args[0], rc, c->rc,
			      rc ? e2e_error_message() : got);
		if (rc == 0)
			ck_assert_msg(strstr(got, c->want), "case %zu (%s): '%s' lacks '%s'", i, c->args[0],
				      got, c->want);
		else
			ck_assert_str_eq(e2e_error_message(), c->want);
	}
	free(t);
}
END_TEST

START_TEST(test_list_limit)
{
	struct e2e_option *t = joined();
	char *argv[2 * E2E_CLI_LIST_MAX + 3] = { "cmd" };
	struct all a = { 0 };
	int argc = 1;

	for (int i = 0; i <= E2E_CLI_LIST_MAX; i++) {
		argv[argc++] = "-l";
		argv[argc++] = "w";
	}
	ck_assert_int_eq(e2e_cli_parse(t, argc - 2, argv, &a, NULL), 0);
	ck_assert_uint_eq(a.list.n, E2E_CLI_LIST_MAX);
	memset(&a, 0, sizeof(a));
	ck_assert_int_eq(e2e_cli_parse(t, argc, argv, &a, NULL), E2E_ERR_INPUT);
	ck_assert_str_eq(e2e_error_message(), "option '--list': at most 32 values");
	free(t);
}
END_TEST

START_TEST(test_rest)
{
	struct e2e_option *t = joined();
	char *argv[] = { "cmd", "-f", "--", "--count", "x", NULL };
	char *operand[] = { "cmd", "x", NULL };
	struct all a = { 0 };
	int rest = -1;

	ck_assert_int_eq(e2e_cli_parse(t, 5, argv, &a, &rest), 0);
	ck_assert_int_eq(rest, 3);
	ck_assert(a.flag);
	ck_assert_int_eq(a.count, 0);
	rest = -1;
	ck_assert_int_eq(e2e_cli_parse(t, 2, argv, &a, &rest), 0);
	ck_assert_int_eq(rest, 2);
	ck_assert_int_eq(e2e_cli_parse(t, 2, operand, &a, &rest), E2E_ERR_INPUT);
	ck_assert_str_eq(e2e_error_message(), "unexpected argument 'x' (put the command to run after '--')");
	free(t);
}
END_TEST

START_TEST(test_concat)
{
	struct e2e_option *t = joined();
	size_t n = 0;

	while (t[n].type)
		n++;
	ck_assert_uint_eq(n, 17);
	ck_assert_str_eq(t[0].long_name, "name");
	ck_assert_str_eq(t[1].long_name, "flag");
	ck_assert_str_eq(t[15].long_name, "even");
	ck_assert_str_eq(t[16].long_name, "verbose");
	ck_assert_str_eq(t[16].help, "say more, reworded");
	ck_assert_uint_eq(t[0].offset, offsetof(struct all, sh.name));
	ck_assert_uint_eq(t[2].offset, offsetof(struct all, count));
	free(t);

	/* without an OWN place the command's options go last */
	static const struct e2e_option bare[] = {
		{ E2E_OPT_FLAG('v', "verbose", S, verbose, "say more") },
		{ E2E_OPT_END() },
	};
	static const struct e2e_option one[] = {
		{ E2E_OPT_FLAG('f', "flag", A, flag, "a flag") },
		{ E2E_OPT_END() },
	};
	ck_assert_int_eq(e2e_cli_concat(bare, offsetof(struct all, sh), one, &t), 0);
	ck_assert_str_eq(t[0].long_name, "verbose");
	ck_assert_str_eq(t[1].long_name, "flag");
	ck_assert_int_eq(t[2].type, E2E_OPTION_END);
	free(t);
}
END_TEST

START_TEST(test_concat_mistakes)
{
	static const struct e2e_option twice_long[] = {
		{ E2E_OPT_FLAG(0, "verbose", A, flag, "again") },
		{ E2E_OPT_END() },
	};
	static const struct e2e_option twice_short[] = {
		{ E2E_OPT_FLAG('n', "nope", A, flag, "-n again") },
		{ E2E_OPT_END() },
	};
	static const struct e2e_option stray_reword[] = {
		{ E2E_OPT_REWORD("flag", "not shared") },
		{ E2E_OPT_END() },
	};
	static const struct e2e_option flag_with_arg[] = {
		{ .type = E2E_OPTION_FLAG, .long_name = "flag", .arg = "X", .help = "a flag" },
		{ E2E_OPT_END() },
	};
	static const struct e2e_option value_without_arg[] = {
		{ E2E_OPT_TEXT(0, "text", A, text, NULL, "a value") },
		{ E2E_OPT_END() },
	};
	struct e2e_option *t = NULL;

	ck_assert_int_eq(e2e_cli_concat(shared, 0, twice_long, &t), E2E_ERR_RUNTIME);
	ck_assert_str_eq(e2e_error_message(), "option '--verbose' is declared twice");
	ck_assert_int_eq(e2e_cli_concat(shared, 0, twice_short, &t), E2E_ERR_RUNTIME);
	ck_assert_str_eq(e2e_error_message(), "option '-n' is declared twice");
	ck_assert_int_eq(e2e_cli_concat(shared, 0, stray_reword, &t), E2E_ERR_RUNTIME);
	ck_assert_str_eq(e2e_error_message(), "reworded option '--flag' is not shared");
	ck_assert_int_eq(e2e_cli_concat(shared, 0, flag_with_arg, &t), E2E_ERR_RUNTIME);
	ck_assert_str_eq(e2e_error_message(), "option '--flag': a flag has no metavariable");
	ck_assert_int_eq(e2e_cli_concat(shared, 0, value_without_arg, &t), E2E_ERR_RUNTIME);
	ck_assert_str_eq(e2e_error_message(), "option '--text': no metavariable");
	ck_assert_ptr_null(t);
}
END_TEST

START_TEST(test_help)
{
	static const struct e2e_option small[] = {
		{ E2E_OPT_FLAG('f', "flag", A, flag, "a flag") },
		{ E2E_OPT_UINT(0, "uint", A, u, "N", "a number", 1, 2) },
		{ E2E_OPT_REWORD("verbose", "say more, reworded") },
		{ E2E_OPT_END() },
	};
	struct e2e_buf b = E2E_BUF_INIT;
	struct e2e_option *t = NULL;

	ck_assert_int_eq(e2e_cli_concat(shared, 0, small, &t), 0);
	e2e_cli_help(&b, "cmd [options]", "Does things.", t);
	ck_assert_str_eq(b.data, "usage: cmd [options]\n\nDoes things.\n\noptions:\n"
				 "  -n, --name NAME  a name\n"
				 "  -f, --flag       a flag\n"
				 "      --uint N     a number\n"
				 "  -v, --verbose    say more, reworded\n");
	e2e_buf_finish(&b);
	/* the markers of an unjoined table are not options */
	e2e_cli_help(&b, "cmd", "Shared.", shared);
	ck_assert_str_eq(b.data, "usage: cmd\n\nShared.\n\noptions:\n"
				 "  -n, --name NAME  a name\n"
				 "  -v, --verbose    say more\n");
	e2e_buf_finish(&b);
	free(t);
}
END_TEST

/* The shared table of both commands: the values the command layer now
 * parses (formats, gate levels, error classes), with the messages
 * tests/cli/usage.sh asserts. */
struct cmd_like {
	int own;
	struct e2e_common_opts c;
};

static const struct e2e_option no_own[] = {
	{ E2E_OPT_END() },
};

static const struct e2e_cmd_spec spec = {
	.name = "test",
	.usage = "test",
	.summary = "Tests.",
	.options = no_own,
	.common_at = offsetof(struct cmd_like, c),
};

static int parse_common(struct cmd_like *o, const char *a, const char *b)
{
	char *argv[] = { "test", (char *)a, (char *)b, NULL };

	memset(o, 0, sizeof(*o));
	e2e_common_opts_init(&o->c);
	return e2e_cmd_parse(&spec, b ? 3 : 2, argv, o, NULL);
}

START_TEST(test_common_options)
{
	static const struct {
		const char *a, *b;
		const char *msg; /* NULL: accepted */
	} bad[] = {
		{ "-f", "yaml",
		  "option '--format': 'yaml' is not one of text, json, markdown, html, csv, junit, github, "
		  "gitlab-codequality" },
		{ "--fail-on", "sometimes",
		  "option '--fail-on': 'sometimes' is not one of warning, critical, never" },
		{ "--errors", "3xx", "option '--errors': '3xx' is not one of 5xx, 4xx" },
		{ "--threshold", "abc", "option '--threshold': 'abc' is not a percentage above 0" },
		{ "-t", "0", "option '--threshold': '0' is not a percentage above 0" },
		{ "--min-delta-ms", "-1", "option '--min-delta-ms': '-1' is not a number of milliseconds" },
		{ "--db", NULL, "option '--db' needs a value (FILE)" },
	};
	static const char *const empty[] = { "service", "output",	"db",	    "out",
					     "routes",	"baseline-dir", "baseline", "rules" };
	struct cmd_like o;

	ck_assert_int_eq(parse_common(&o, "-f", "md"), 0);
	ck_assert_int_eq(o.c.format, E2E_FORMAT_MARKDOWN);
	ck_assert_int_eq(parse_common(&o, "--format=junit", NULL), 0);
	ck_assert_int_eq(o.c.format, E2E_FORMAT_JUNIT);
	ck_assert_int_eq(parse_common(&o, "--fail-on", "never"), 0);
	ck_assert_int_eq(o.c.fail_on, E2E_FAIL_ON_NEVER);
	ck_assert_int_eq(parse_common(&o, "--errors", "4xx"), 0);
	ck_assert(o.c.count_4xx);
	ck_assert_int_eq(parse_common(&o, "-t", "20%"), 0);
	ck_assert(o.c.threshold_pct == 20);
	ck_assert_int_eq(parse_common(&o, "-t", "0.000001"), 0);
	ck_assert_int_eq(parse_common(&o, "-qh", NULL), 0);
	ck_assert(o.c.quiet && o.c.help);
	ck_assert_int_eq(o.own, 0);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		ck_assert_int_eq(parse_common(&o, bad[i].a, bad[i].b), E2E_ERR_INPUT);
		ck_assert_str_eq(e2e_error_message(), bad[i].msg);
	}
	for (size_t i = 0; i < sizeof(empty) / sizeof(empty[0]); i++) {
		char opt[64], want[128];

		snprintf(opt, sizeof(opt), "--%s=", empty[i]);
		snprintf(want, sizeof(want), "option '--%s' needs a non-empty value", empty[i]);
		ck_assert_int_eq(parse_common(&o, opt, NULL), E2E_ERR_INPUT);
		ck_assert_str_eq(e2e_error_message(), want);
	}
}
END_TEST

static Suite *cli_suite(void)
{
	Suite *s = suite_create("cli");
	TCase *tc = tcase_create("types");
	TCase *tt = tcase_create("tables");

	tcase_add_test(tc, test_cases);
	tcase_add_test(tc, test_list_limit);
	tcase_add_test(tc, test_rest);
	tcase_add_test(tt, test_concat);
	tcase_add_test(tt, test_concat_mistakes);
	tcase_add_test(tt, test_help);
	tcase_add_test(tt, test_common_options);
	suite_add_tcase(s, tc);
	suite_add_tcase(s, tt);
	return s;
}

E2E_TEST_MAIN(cli_suite)
