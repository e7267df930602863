/* Unit tests for rules.c: globs, regexes, parsing and validation,
 * coverage, thresholds and ignores. */
#include <check.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "error.h"
#include "rules.h"
#include "testutil.h"

START_TEST(test_glob)
{
	static const struct {
		const char *glob, *key;
		bool want;
	} cases[] = {
		{ "GET /users/*", "GET /users/{id}", true },
		{ "GET /users/*", "GET /users/{id}/orders", false },
		{ "GET /users/**", "GET /users/{id}/orders", true },
		{ "GET /users/**", "GET /users/", true },
		{ "* /users/{id}", "DELETE /users/{id}", true },
		{ "* /users/{id}", "GET /users/me", false },
		{ "GET /users/{id}", "GET /users/{id}", true },
		{ "GET /users/{id}", "GET /users/42", false },
		{ "GET /v?/items", "GET /v1/items", true },
		{ "GET /v?/items", "GET /v10/items", false },
		{ "GET /a?b", "GET /a/b", false },
		{ "/health", "GET /health", true },
		{ "/health", "HEAD /health", true },
		{ "/health", "GET /healthz", false },
		{ "/api/**", "POST /api/v2/orders/{uuid}", true },
		{ "**", "GET /anything/at/all", true },
		{ "*", "GET /x", false },
		{ "GET *", "GET /x", false },
		{ "GET /**.json", "GET /files/{token}.json", true },
		{ "", "", true },
		{ "GET /", "GET /", true },
		{ "*a*a*a*a*a*a*a*a*a*a*a*b",
		  "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", false },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		ck_assert_msg(e2e_rules_glob(cases[i].glob, cases[i].key) == cases[i].want, "'%s' on '%s'",
			      cases[i].glob, cases[i].key);
}
END_TEST

static struct e2e_rules *parse_ok(const char *text)
{
	struct e2e_rules *r = NULL;
	int rc = e2e_rules_parse(text, strlen(text), "rules.json", &r);

	ck_assert_msg(rc == 0, "%s: %s", text, e2e_error_message());
	return r;
}

START_TEST(test_parse_and_match)
{
	struct e2e_rules *r =
		parse_ok("{\"schema_version\": 1, \"rules\": ["
			 "{\"match\": \"GET /users/*\", \"max_p95_ms\": 200, \"max_error_rate\": 0.01},"
			 "{\"match\": [\"re:^POST /orders\", \"/cart\"], \"regression_pct\": 20,"
			 " \"severity\": \"warning\", \"description\": \"checkout\"},"
			 "{\"match\": \"**\", \"max_avg_ms\": 1000, \"regression_pct\": 80}],"
			 " \"ignore\": [\"/health\", \"re:^OPTIONS \"]}");

	ck_assert_uint_eq(r->nrules, 3);
	ck_assert_uint_eq(r->rules[0].index, 1);
	ck_assert(r->rules[0].limit[E2E_LIMIT_P95] == 200);
	ck_assert(r->rules[0].limit[E2E_LIMIT_ERROR_RATE] == 0.01);
	ck_assert(isnan(r->rules[0].limit[E2E_LIMIT_P99]));
	ck_assert(isnan(r->rules[0].regression_pct));
	ck_assert_int_eq(r->rules[0].severity, E2E_SEVERITY_CRITICAL);
	ck_assert_int_eq(r->rules[1].severity, E2E_SEVERITY_WARNING);
	ck_assert_uint_eq(r->rules[1].nmatch, 2);
	ck_assert(r->rules[1].match[0].is_regex);
	ck_assert(e2e_rule_matches(&r->rules[1], "POST /orders/{id}/items"));
	ck_assert(!e2e_rule_matches(&r->rules[1], "GET /orders"));
	ck_assert(e2e_rule_matches(&r->rules[1], "PUT /cart"));
	ck_assert(e2e_rules_ignored(r, "GET /health"));
	ck_assert(e2e_rules_ignored(r, "OPTIONS /users"));
	ck_assert(!e2e_rules_ignored(r, "GET /users"));
	ck_assert(!e2e_rules_ignored(NULL, "GET /health"));
	/* first matching rule that sets regression_pct wins */
	ck_assert(e2e_rules_threshold(r, "POST /orders", 50) == 20);
	ck_assert(e2e_rules_threshold(r, "GET /users/{id}", 50) == 80);
	ck_assert(e2e_rules_threshold(NULL, "GET /users/{id}", 50) == 50);
	e2e_rules_destroy(r);
	e2e_rules_destroy(NULL);
}
END_TEST

START_TEST(test_bad_files)
{
	static const struct {
		const char *text, *msg;
	} cases[] = {
		{ "{", "'rules.json': not valid JSON: " },
		{ "[]", "'rules.json': expected a JSON object at the top" },
		{ "{\"schema_version\": 2}",
		  "'rules.json': schema_version: 2 is not supported (expected 1)" },
		{ "{\"rulez\": []}", "'rules.json': rulez: unknown field" },
		{ "{\"rules\": {}}", "'rules.json': rules: expected an array" },
		{ "{\"rules\": [1]}", "'rules.json': rules[0]: expected an object" },
		{ "{\"rules\": [{\"max_p95_ms\": 1}]}", "'rules.json': rules[0].match: missing" },
		{ "{\"rules\": [{\"match\": \"/a\"}]}",
		  "'rules.json': rules[0]: sets no limit and no regression_pct" },
		{ "{\"rules\": [{\"match\": \"/a\", \"max_p95\": 1}]}",
		  "'rules.json': rules[0].max_p95: unknown field" },
		{ "{\"rules\": [{\"match\": \"/a\", \"max_p95_ms\": \"1\"}]}",
		  "'rules.json': rules[0].max_p95_ms: expected a number" },
		{ "{\"rules\": [{\"match\": \"/a\", \"max_error_rate\": 5}]}",
		  "'rules.json': rules[0].max_error_rate: 5 is out of range (0 to 1)" },
		{ "{\"rules\": [{\"match\": \"/a\", \"max_p50_ms\": -1}]}",
		  "'rules.json': rules[0].max_p50_ms: -1 is out of range (0 to 1e+09)" },
		{ "{\"rules\": [{\"match\": \"/a\", \"regression_pct\": 0}]}",
		  "'rules.json': rules[0].regression_pct: 0 is out of range (1e-06 to 100000)" },
		{ "{\"rules\": [{\"match\": \"/a\", \"max_p95_ms\": 1, \"severity\": \"fatal\"}]}",
		  "'rules.json': rules[0].severity: expected \"warning\" or \"critical\"" },
		{ "{\"rules\": [{\"match\": \"re:(\", \"max_p95_ms\": 1}]}",
		  "'rules.json': rules[0].match: bad regex '('" },
		/* back-references: a GNU extension with exponential matching time */
		{ "{\"rules\": [{\"match\": \"re:^(.*)(.*)(.*)(.*)(.*)(.*)\\\\6\\\\5\\\\4\\\\3\\\\2\\\\1$\", "
		  "\"max_p95_ms\": 1}]}",
		  "'rules.json': rules[0].match: bad regex '^(.*)(.*)(.*)(.*)(.*)(.*)\\6\\5\\4\\3\\2\\1$': "
		  "a back-reference (POSIX extended regexes have none; matching one can take exponential "
		  "time)" },
		{ "{\"ignore\": [\"/a\", \"re:(a)\\\\1\"]}",
		  "'rules.json': ignore[1]: bad regex '(a)\\1': a back-reference" },
		{ "{\"rules\": [{\"match\": \"re:((a?|b*)+)\", \"max_p95_ms\": 1}]}",
		  "'rules.json': rules[0].match: bad regex '((a?|b*)+)': a repetition of something that can "
		  "match the empty string (too costly to compile)" },
		{ "{\"rules\": [{\"match\": [], \"max_p95_ms\": 1}]}",
		  "'rules.json': rules[0].match: expected at least one pattern" },
		{ "{\"rules\": [{\"match\": [\"/a\", 3], \"max_p95_ms\": 1}]}",
		  "'rules.json': rules[0].match[1]: expected a string" },
		{ "{\"rules\": [{\"match\": \"\", \"max_p95_ms\": 1}]}",
		  "'rules.json': rules[0].match: empty pattern" },
		{ "{\"ignore\": 3}", "'rules.json': ignore: expected a pattern or an array of patterns" },
		{ "{\"rules\": [], \"rules\": []}", "'rules.json': not valid JSON: duplicate object key" },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct e2e_rules *r = (struct e2e_rules *)1;
		int rc = e2e_rules_parse(cases[i].text, strlen(cases[i].text), "rules.json", &r);

		ck_assert_msg(rc == E2E_ERR_INPUT, "%s", cases[i].text);
		ck_assert_msg(r == (struct e2e_rules *)1, "out written on failure: %s", cases[i].text);
		ck_assert_msg(strncmp(e2e_error_message(), cases[i].msg, strlen(cases[i].msg)) == 0,
			      "%s: got '%s'", cases[i].text, e2e_error_message());
	}
}
END_TEST

/* A backslash that escapes a backslash, or one inside a bracket
 * expression, is no back-reference. */
START_TEST(test_regex_not_backref)
{
	struct e2e_rules *r =
		parse_ok("{\"rules\": [{\"match\": [\"re:^GET /a\\\\\\\\1$\", \"re:^GET /b[\\\\1]$\"],"
			 " \"max_p95_ms\": 1}]}");

	ck_assert(e2e_rule_matches(&r->rules[0], "GET /a\\1"));
	ck_assert(!e2e_rule_matches(&r->rules[0], "GET /aa"));
	ck_assert(e2e_rule_matches(&r->rules[0], "GET /b1"));
	ck_assert(e2e_rule_matches(&r->rules[0], "GET /b\\"));
	e2e_rules_destroy(r);
}
END_TEST

START_TEST(test_coverage)
{
	struct e2e_rules *r = parse_ok("{\"rules\": [{\"match\": \"GET /users/*\", \"max_p95_ms\": 200},"
				       "{\"match\": [\"/orders\", \"/nope/*\"], \"max_p99_ms\": 900}],"
				       " \"ignore\": [\"/never-seen\"]}");
	const char *keys[] = { "GET /users/{id}", "POST /orders", "GET /nope/1" };

	ck_assert_int_eq(e2e_rules_check_coverage(r, keys, 3), 0);
	ck_assert_int_eq(e2e_rules_check_coverage(r, keys, 2), E2E_ERR_INPUT);
	ck_assert_str_eq(e2e_error_message(),
			 "'rules.json': rules[1]: pattern '/nope/*' matches no recorded endpoint");
	ck_assert_int_eq(e2e_rules_check_coverage(r, keys + 1, 2), E2E_ERR_INPUT);
	ck_assert_str_eq(e2e_error_message(),
			 "'rules.json': rules[0]: pattern 'GET /users/*' matches no recorded endpoint");
	ck_assert_int_eq(e2e_rules_check_coverage(NULL, keys, 0), 0);
	e2e_rules_destroy(r);
}
END_TEST

START_TEST(test_read_file)
{
	char *dir = tu_mkdtemp(), *path = tu_path(dir, "r.json"), *missing = tu_path(dir, "missing.json");
	struct e2e_rules *r = NULL;

	tu_write_file(path, "{\"rules\": [{\"match\": \"/a\", \"max_p50_ms\": 5}]}", (size_t)-1);
	ck_assert_int_eq(e2e_rules_read(path, &r), 0);
	ck_assert_str_eq(r->name, path);
	ck_assert(r->rules[0].limit[E2E_LIMIT_P50] == 5);
	e2e_rules_destroy(r);
	ck_assert_int_eq(e2e_rules_read(missing, &r), E2E_ERR_INPUT);
	ck_assert(strstr(e2e_error_message(), "cannot read rules file '") != NULL);
	ck_assert(strstr(e2e_error_message(), "No such file or directory") != NULL);
	tu_rmtree(dir);
	free(dir);
	free(path);
	free(missing);
}
END_TEST

static Suite *rules_suite(void)
{
	Suite *s = suite_create("rules");
	TCase *tc = tcase_create("rules");

	tcase_add_test(tc, test_glob);
	tcase_add_test(tc, test_parse_and_match);
	tcase_add_test(tc, test_bad_files);
	tcase_add_test(tc, test_regex_not_backref);
	tcase_add_test(tc, test_coverage);
	tcase_add_test(tc, test_read_file);
	suite_add_tcase(s, tc);
	return s;
}

E2E_TEST_MAIN(rules_suite)
