/* Unit tests for redact.c: URLs, and command lines argument by argument,
 * each case what must be hidden and what must stay. */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "redact.h"
#include "testutil.h"

START_TEST(test_url)
{
	static const struct {
		const char *in, *want;
	} cases[] = {
		{ "http://user:PASS@host", "http://user:***@host" },
		{ "https://user:PASS@host:8443/api/", "https://user:***@host:8443/api/" },
		{ "http://TOKEN@host/", "http://***@host/" },
		{ "http://u:p@ss:w@rd@host", "http://u:***@host" }, /* the last '@' ends it */
		{ "http://user:@host", "http://user:***@host" },
		{ "http://host/a@b", "http://host/a@b" }, /* '@' in the path */
		{ "http://host?x=a@b", "http://host?x=a@b" },
		{ "http://@host", "http://@host" },
		{ "http://127.0.0.1:8000", "http://127.0.0.1:8000" },
		{ "http://[::1]:8000/", "http://[::1]:8000/" },
		{ "", "" },
		{ "not a url", "not a url" },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char *got = e2e_redact_url(cases[i].in);

		ck_assert_msg(strcmp(got, cases[i].want) == 0, "'%s': got '%s', want '%s'", cases[i].in, got,
			      cases[i].want);
		free(got);
	}
}
END_TEST

#define MAXARGS 6

START_TEST(test_argv)
{
	static const struct {
		const char *in[MAXARGS], *want[MAXARGS]; /* NULL-terminated */
	} cases[] = {
		/* nothing secret stays as is */
		{ { "pytest", "-x", "tests/e2e", "--base-url=http://127.0.0.1:8000", NULL },
		  { "pytest", "-x", "tests/e2e", "--base-url=http://127.0.0.1:8000", NULL } },
		{ { "npx", "playwright", "test", "--workers=4", "--grep", "login|signup" },
		  { "npx", "playwright", "test", "--workers=4", "--grep", "login|signup" } },
		/* headers */
		{ { "curl", "-H", "Authorization: Bearer abc.def.ghi", "http://h/", NULL },
		  { "curl", "-H", "Authorization: Bearer ***", "http://h/", NULL } },
		{ { "curl", "-H", "authorization:Basic dXNlcjpwYXNz", NULL },
		  { "curl", "-H", "authorization:Basic ***", NULL } },
		{ { "curl", "-H", "Authorization: s3cr3t", NULL },
		  { "curl", "-H", "Authorization: ***", NULL } },
		{ { "curl", "--header=X-Api-Key: k123", "-H", "Cookie: session=abc; id=1", NULL },
		  { "curl", "--header=X-Api-Key: ***", "-H", "Cookie: ***", NULL } },
		{ { "http", "GET", "h/", "Proxy-Authorization:Bearer  tok", NULL },
		  { "http", "GET", "h/", "Proxy-Authorization:Bearer  ***", NULL } },
		/* a bearer token anywhere */
		{ { "run", "--auth", "BEARER xyz", NULL }, { "run", "--auth", "BEARER ***", NULL } },
		{ { "run", "Bearer", NULL }, { "run", "Bearer", NULL } },
		/* NAME=VALUE */
		{ { "env", "DB_PASSWORD=hunter2", "API_TOKEN=t0k", "PATH=/bin", "pytest", NULL },
		  { "env", "DB_PASSWORD=***", "API_TOKEN=***", "PATH=/bin", "pytest", NULL } },
		{ { "k6", "run", "-e", "client-secret=abc", "--api_key=K", "script.js" },
		  { "k6", "run", "-e", "client-secret=***", "--api_key=***", "script.js" } },
		{ { "curl", "http://h/reset?token=abc&page=2;apikey=x", NULL },
		  { "curl", "http://h/reset?token=***&page=2;apikey=***", NULL } },
		{ { "sh", "-c", "curl -d 'password=p1' http://a:b@h/ && echo secret=s2 done", NULL },
		  { "sh", "-c", "curl -d 'password=***' http://a:***@h/ && echo secret=*** done", NULL } },
		{ { "x", "Password=", "TOKEN", NULL }, { "x", "Password=", "TOKEN", NULL } },
		/* option, then its secret value */
		{ { "mysql", "--password", "hunter2", "-u", "root", NULL },
		  { "mysql", "--password", "***", "-u", "root", NULL } },
		{ { "tool", "--client-secret", "abc", "--token", "--verbose", NULL },
		  { "tool", "--client-secret", "***", "--token", "***", NULL } },
		{ { "tool", "--password", NULL }, { "tool", "--password", NULL } },
		{ { "curl", "--user", "alice:wonder", "--proxy-user", "bob", NULL },
		  { "curl", "--user", "alice:***", "--proxy-user", "bob", NULL } },
		/* URLs in arguments */
		{ { "git", "clone", "https://x-access-token:ghp_123@github.com/o/r", NULL },
		  { "git", "clone", "https://x-access-token:***@github.com/o/r", NULL } },
		{ { "newman", "run", "c.json", "--env-var", "base=https://tok@h", NULL },
		  { "newman", "run", "c.json", "--env-var", "base=https://***@h", NULL } },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		int n = 0;
		char **got;

		while (n < MAXARGS && cases[i].in[n])
			n++;
		got = e2e_redact_argv((char *const *)cases[i].in, n);
		for (int k = 0; k < n; k++)
			ck_assert_msg(strcmp(got[k], cases[i].want[k]) == 0,
				      "case %zu arg %d '%s': got '%s', want '%s'", i, k, cases[i].in[k],
				      got[k], cases[i].want[k]);
		e2e_redact_argv_free(got, n);
	}
	e2e_redact_argv_free(NULL, 0);
	e2e_redact_argv_free(e2e_redact_argv(NULL, 0), 0);
}
END_TEST

static Suite *redact_suite(void)
{
	Suite *s = suite_create("redact");
	TCase *tc = tcase_create("redact");

	tcase_add_test(tc, test_url);
	tcase_add_test(tc, test_argv);
	suite_add_tcase(s, tc);
	return s;
}

E2E_TEST_MAIN(redact_suite)
