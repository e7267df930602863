/* Unit tests for template.c: automatic endpoint templating. */
#include <check.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "template.h"
#include "testutil.h"

static const struct {
	const char *in;
	const char *want;
} cases[] = {
	/* shape */
	{ "", "/" },
	{ "/", "/" },
	{ "/users", "/users" },
	{ "/users/", "/users/" }, /* trailing slash kept: a different endpoint */
	{ "/users//42", "/users//{id}" }, /* empty segments kept */
	{ "users/5", "/users/{id}" },
	{ "/search?q=42", "/search" },
	{ "/api/2fa?code=123456", "/api/2fa" },
	{ "/page#42", "/page" },
	/* integers */
	{ "/users/42", "/users/{id}" },
	{ "/users/0/orders/18446744073709551616", "/users/{id}/orders/{id}" },
	{ "/archive/2024", "/archive/{id}" },
	{ "/users/42.json", "/users/{id}.json" },
	{ "/api/v1/users/123/avatar.png", "/api/v1/users/{id}/avatar.png" },
	/* must stay: versions, words, names */
	{ "/v1", "/v1" },
	{ "/api/v2", "/api/v2" },
	{ "/apis/apps/v1beta1", "/apis/apps/v1beta1" },
	{ "/users/me", "/users/me" },
	{ "/files/index.html", "/files/index.html" },
	{ "/healthz", "/healthz" },
	{ "/api/2fa", "/api/2fa" },
	{ "/i18n/utf-8", "/i18n/utf-8" },
	{ "/dist/x86_64", "/dist/x86_64" },
	{ "/e2e/md5/sha256/base64", "/e2e/md5/sha256/base64" },
	{ "/blog/my-first-post", "/blog/my-first-post" },
	{ "/blog/how-to-write-c-in-2024-part-2", "/blog/how-to-write-c-in-2024-part-2" },
	{ "/x/1.2.3", "/x/1.2.3" },
	{ "/video/1080p", "/video/1080p" },
	{ "/-/~", "/-/~" },
	/* hex */
	{ "/c/deadbeef", "/c/deadbeef" },
	{ "/c/cafebabe", "/c/cafebabe" },
	{ "/c/3f2a9c1b", "/c/{hex}" },
	{ "/c/3F2A9C1B", "/c/{hex}" },
	{ "/c/3f2a9C1b", "/c/3f2a9C1b" }, /* mixed-case hex is not a hash */
	{ "/c/3f2a9c1", "/c/3f2a9c1" }, /* 7: too short to tell */
	{ "/commits/a94a8fe5ccb19ba61c4c0873d391e987982fbbd3", "/commits/{hex}" },
	{ "/objects/507f1f77bcf86cd799439011", "/objects/{hex}" },
	{ "/c/deadbeefdeadbeef", "/c/{hex}" },
	/* hashed asset names: only a wholly hashed stem is templated */
	{ "/static/app.3f2a.js", "/static/app.3f2a.js" },
	{ "/static/main.a1b2c3d4.chunk.js", "/static/main.a1b2c3d4.chunk.js" },
	{ "/static/3f2a9c1b7d8e4f60.js", "/static/{hex}.js" },
	/* UUID */
	{ "/users/3fa85f64-5717-4562-b3fc-2c963f66afa6", "/users/{uuid}" },
	{ "/users/3FA85F64-5717-4562-B3FC-2C963F66AFA6/cart", "/users/{uuid}/cart" },
	{ "/f/3fa85f64-5717-4562-b3fc-2c963f66afa6.pdf", "/f/{uuid}.pdf" },
	/* one digit short: not a UUID, still an opaque id */
	{ "/users/3fa85f64-5717-4562-b3fc-2c963f66afa", "/users/{token}" },
	{ "/users/3fa85f6457174562b3fc2c963f66afa6", "/users/{hex}" },
	/* ULID */
	{ "/o/01ARZ3NDEKTSV4RRFFQ69G5FAV", "/o/{ulid}" },
	{ "/o/01hgw2x4w8zq6xkz2f3v5n7r9a", "/o/{ulid}" },
	/* not ULIDs (first character above 7; I is not Crockford), still opaque */
	{ "/o/81ARZ3NDEKTSV4RRFFQ69G5FAV", "/o/{token}" },
	{ "/o/01ARZ3NDEKTSV4RRFFQ69G5FAI", "/o/{token}" },
	{ "/o/01arz3ndektsv4rrffq69g5fav", "/o/{ulid}" },
	{ "/o/01ARZ3NDEKTSV4rrffq69g5fav", "/o/{token}" }, /* mixed case */
	/* dates */
	{ "/d/2024-01-31", "/d/{date}" },
	{ "/d/2024-01-31.csv", "/d/{date}.csv" },
	{ "/d/2024-13-31", "/d/2024-13-31" },
	{ "/d/2024-01-32", "/d/2024-01-32" },
	{ "/d/2024-01-31T12:30:45Z", "/d/{date}" },
	{ "/d/2024-01-31T12:30", "/d/{date}" },
	{ "/d/2024-01-31T12:30:45.123+01:00", "/d/{date}" },
	{ "/d/2024-01-31T12%3A30%3A45.123%2B01%3A00", "/d/{date}" },
	{ "/d/2024-01-31T25:00Z", "/d/2024-01-31T25:00Z" },
	{ "/d/2024-01-31T12:30:45Q", "/d/2024-01-31T12:30:45Q" },
	/* e-mail */
	{ "/u/john.doe@example.com", "/u/{email}" },
	{ "/u/john.doe%40example.com/prefs", "/u/{email}/prefs" },
	{ "/u/first+tag@mail.example.co.uk", "/u/{email}" },
	{ "/u/john@localhost", "/u/john@localhost" },
	{ "/u/@example.com", "/u/@example.com" },
	{ "/u/john@example..com", "/u/john@example..com" },
	{ "/u/john@example.c0m", "/u/john@example.c0m" },
	/* tokens */
	{ "/t/eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0."
	  "dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U",
	  "/t/{token}" },
	{ "/reset/0Nro9Ru_6tBqRYpX4kcvVQ", "/reset/{token}" }, /* secrets.token_urlsafe(16) */
	{ "/reset/K5xnYbH-22MHdtASyk613A", "/reset/{token}" },
	{ "/reset/bcrdViNYfCLk2bsY4O7VWQ", "/reset/{token}" },
	{ "/i/yn1b7o259owoo3sb09glshv61", "/i/{token}" }, /* lowercase base36 */
	{ "/k/sk_live_51H8xYzAbCdEfGh12345678", "/k/{token}" },
	{ "/k/AQICAHhQwG2rmFf1X8kF6sBXc0G5u", "/k/{token}" },
	{ "/k/abcDEF123ghiJKL456mno%3D%3D", "/k/{token}" },
	{ "/k/short1A2b3C", "/k/short1A2b3C" }, /* under 20 */
	/* not tokens: names made of words */
	{ "/rpc/users.v1.UserService", "/rpc/users.v1.UserService" },
	{ "/rpc/api.v1alpha2.UserService", "/rpc/api.v1alpha2.UserService" },
	{ "/rpc/GetUserProfileByIdRequest", "/rpc/GetUserProfileByIdRequest" },
	{ "/rpc/ListObjectsV2Response", "/rpc/ListObjectsV2Response" },
	{ "/x/HTTPSProxyURLConfigXML", "/x/HTTPSProxyURLConfigXML" },
	{ "/x/S3ObjectKey2024Report", "/x/S3ObjectKey2024Report" },
	{ "/x/report2024q1summary2023q4", "/x/report2024q1summary2023q4" },
	{ "/x/myfirstpost2024edition", "/x/myfirstpost2024edition" },
	{ "/x/Donaudampfschifffahrt", "/x/Donaudampfschifffahrt" },
	{ "/pkg/linux-image-6.1.0-13-amd64", "/pkg/linux-image-6.1.0-13-amd64" },
	{ "/pkg/libcurl4-openssl-dev_8.5.0-2ubuntu10.1_amd64.deb",
	  "/pkg/libcurl4-openssl-dev_8.5.0-2ubuntu10.1_amd64.deb" },
	{ "/flows/oauth2-authorization-code", "/flows/oauth2-authorization-code" },
	{ "/x/hello%20world%20this%20is%202024", "/x/hello%20world%20this%20is%202024" },
	/* several kinds in one path */
	{ "/orgs/42/repos/a94a8fe5ccb19ba61c4c0873d391e987982fbbd3/days/2024-02-29/by/a@b.io",
	  "/orgs/{id}/repos/{hex}/days/{date}/by/{email}" },
};

START_TEST(test_path)
{
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct e2e_buf b = E2E_BUF_INIT;

		e2e_template_path(&b, cases[i].in, strlen(cases[i].in));
		ck_assert_msg(strcmp(b.data, cases[i].want) == 0, "'%s': got '%s', want '%s'", cases[i].in,
			      b.data, cases[i].want);
		e2e_buf_finish(&b);
	}
	ck_assert_uint_ge(sizeof(cases) / sizeof(cases[0]), 40);
}
END_TEST

/* Templating a template changes nothing. */
START_TEST(test_idempotent)
{
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct e2e_buf a = E2E_BUF_INIT, b = E2E_BUF_INIT;

		e2e_template_path(&a, cases[i].in, strlen(cases[i].in));
		e2e_template_path(&b, a.data, a.len);
		ck_assert_str_eq(a.data, b.data);
		e2e_buf_finish(&a);
		e2e_buf_finish(&b);
	}
}
END_TEST

START_TEST(test_length_is_honoured)
{
	struct e2e_buf b = E2E_BUF_INIT;
	const char *p = "/users/42/orders";

	e2e_template_path(&b, p, 9); /* "/users/42" */
	ck_assert_str_eq(b.data, "/users/{id}");
	e2e_buf_reset(&b);
	e2e_template_path(&b, p, 0);
	ck_assert_str_eq(b.data, "/");
	e2e_buf_finish(&b);
}
END_TEST

/* Random bytes (any value, NUL included) never crash and give a path
 * that starts with '/' and templates to itself. */
START_TEST(test_garbage)
{
	static const char pool[] = "/0123456789abcdefABCDEF-_.@%~+=:T4Z";
	uint64_t x = 88172645463325252ull;
	char in[96];

	for (int round = 0; round < 20000; round++) {
		struct e2e_buf a = E2E_BUF_INIT, b = E2E_BUF_INIT;
		size_t n;

		x ^= x << 13, x ^= x >> 7, x ^= x << 17;
		n = x % sizeof(in);
		for (size_t i = 0; i < n; i++) {
			x ^= x << 13, x ^= x >> 7, x ^= x << 17;
			in[i] = x % 4 ? pool[(x >> 8) % (sizeof(pool) - 1)] : (char)(x >> 16);
		}
		e2e_template_path(&a, in, n);
		ck_assert(a.data[0] == '/');
		e2e_template_path(&b, a.data, a.len);
		ck_assert_msg(strcmp(a.data, b.data) == 0, "'%s' -> '%s'", a.data, b.data);
		e2e_buf_finish(&a);
		e2e_buf_finish(&b);
	}
}
END_TEST

START_TEST(test_key)
{
	static const struct {
		const char *method, *path, *want;
	} keys[] = {
		{ "GET", "/users/42", "GET /users/{id}" },
		{ "get", "/users/42", "GET /users/{id}" },
		{ "Patch", "/users/me", "PATCH /users/me" },
		{ "m-search", "", "M-SEARCH /" },
		{ "DELETE", "/o/01ARZ3NDEKTSV4RRFFQ69G5FAV?x=1", "DELETE /o/{ulid}" },
	};
	for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
		struct e2e_buf b = E2E_BUF_INIT;

		e2e_buf_puts(&b, "prefix:"); /* appends */
		e2e_template_key(&b, keys[i].method, strlen(keys[i].method), keys[i].path,
				 strlen(keys[i].path));
		ck_assert_str_eq(b.data + 7, keys[i].want);
		ck_assert(strncmp(b.data, "prefix:", 7) == 0);
		e2e_buf_finish(&b);
	}
}
END_TEST

static Suite *template_suite(void)
{
	Suite *s = suite_create("template");
	TCase *tc = tcase_create("template");

	tcase_add_test(tc, test_path);
	tcase_add_test(tc, test_idempotent);
	tcase_add_test(tc, test_length_is_honoured);
	tcase_add_test(tc, test_key);
	tcase_add_test(tc, test_garbage);
	suite_add_tcase(s, tc);
	return s;
}

E2E_TEST_MAIN(template_suite)
