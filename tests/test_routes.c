/* Unit tests for routes.c: both file formats, matching precedence, base
 * paths, exact error messages and limits. */
#include <check.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "buf.h"
#include "error.h"
#include "routes.h"
#include "template.h"
#include "testutil.h"

struct match {
	const char *method, *path, *want;
};

static struct e2e_routes *parse_ok(const char *name, const char *text)
{
	struct e2e_routes *r = NULL;
	int rc = e2e_routes_parse(name, text, strlen(text), &r);

	ck_assert_msg(rc == 0, "%s: %s", name, e2e_error_message());
	ck_assert_ptr_nonnull(r);
	return r;
}

static void check_matches(const struct e2e_routes *r, const struct match *m, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		struct e2e_buf b = E2E_BUF_INIT;

		e2e_routes_key(r, &b, m[i].method, strlen(m[i].method), m[i].path, strlen(m[i].path));
		ck_assert_msg(strcmp(b.data, m[i].want) == 0, "%s %s: got '%s', want '%s'", m[i].method,
			      m[i].path, b.data, m[i].want);
		e2e_buf_finish(&b);
	}
}

static const char text_routes[] = "# users service\n"
				  "\n"
				  "GET /users/{id}\n"
				  "   /users/me      # any method\n"
				  "post /users\n"
				  "/users/{id}/orders/{order}\n"
				  "DELETE /users/{uid}/orders/{oid}\r\n"
				  "GET /files/{name}.json\n"
				  "GET /files/{name}\n"
				  "/\n"
				  "any /health\n"
				  "* /static/{path}\n"
				  "GET /v{major}.{minor}/info\n";

START_TEST(test_text)
{
	static const struct match m[] = {
		{ "GET", "/users/42", "GET /users/{id}" },
		{ "get", "/users/42", "GET /users/{id}" },
		{ "GET", "/users/abc", "GET /users/{id}" },
		{ "PUT", "/users/abc", "PUT /users/abc" }, /* no PUT route: automatic */
		{ "PUT", "/users/42", "PUT /users/{id}" }, /* automatic, same text */
		{ "GET", "/users/me", "GET /users/me" }, /* literal beats GET's parameter */
		{ "DELETE", "/users/me", "DELETE /users/me" },
		{ "POST", "/users", "POST /users" },
		{ "GET", "/users/42/orders/7", "GET /users/{id}/orders/{order}" },
		{ "DELETE", "/users/42/orders/7",
		  "DELETE /users/{uid}/orders/{oid}" }, /* method wins a tie */
		{ "GET", "/files/report.json", "GET /files/{name}.json" }, /* mixed beats parameter */
		{ "GET", "/files/report.txt", "GET /files/{name}" },
		{ "GET", "/files/.json", "GET /files/{name}" }, /* a parameter is never empty */
		{ "GET", "/", "GET /" },
		{ "GET", "", "GET /" },
		{ "HEAD", "/health", "HEAD /health" },
		{ "GET", "/static/app.js", "GET /static/{path}" },
		{ "GET", "/static/js/app.js", "GET /static/js/app.js" }, /* 3 segments: automatic */
		{ "GET", "/v1.2/info", "GET /v{major}.{minor}/info" },
		{ "GET", "/v1/info", "GET /v1/info" },
		{ "GET", "/users/42?expand=orders", "GET /users/{id}" },
		{ "GET", "/users/", "GET /users/" }, /* trailing slash: 2 segments */
		{ "GET", "/users//orders/7", "GET /users//orders/{id}" },
		{ "GET", "/other/123", "GET /other/{id}" },
	};
	struct e2e_routes *r = parse_ok("routes.txt", text_routes);

	ck_assert_uint_eq(e2e_routes_count(r), 11);
	check_matches(r, m, sizeof(m) / sizeof(m[0]));
	e2e_routes_destroy(r);
	e2e_routes_destroy(NULL);
	/* a UTF-8 byte order mark at the start is skipped */
	r = parse_ok("bom.txt", "\xEF\xBB\xBFGET /a\n");
	check_matches(r, &(struct match){ "GET", "/a", "GET /a" }, 1);
	e2e_routes_destroy(r);
}
END_TEST

START_TEST(test_precedence)
{
	static const struct match m[] = {
		/* leftmost difference decides: b (literal) at segment 2 */
		{ "GET", "/a/b/c", "GET /a/b/{y}" },
		{ "GET", "/a/x/c", "GET /a/{x}/c" },
		{ "GET", "/z/b/c", "GET /{p}/b/c" },
		/* same shape: the earlier line */
		{ "GET", "/t/1", "GET /t/{first}" },
		/* method-specific beats any only when equally specific */
		{ "GET", "/u/me", "GET /u/me" },
		{ "GET", "/u/5", "GET /u/{get}" },
		{ "POST", "/u/5", "POST /u/{any}" },
		/* mixed segments: literal > mixed > parameter */
		{ "GET", "/r/x.csv", "GET /r/{n}.csv" },
		{ "GET", "/r/latest.csv", "GET /r/latest.csv" },
		{ "GET", "/r/x.pdf", "GET /r/{n}" },
		{ "GET", "/r/a-b-c", "GET /r/{a}-{b}" }, /* glob takes "a" and "b-c" */
	};
	struct e2e_routes *r = parse_ok("p.txt", "/{p}/b/c\n"
						 "/a/{x}/c\n"
						 "/a/b/{y}\n"
						 "/t/{first}\n"
						 "/t/{second}\n"
						 "GET /u/{get}\n"
						 "/u/{any}\n"
						 "/u/me\n"
						 "/r/{n}\n"
						 "/r/{n}.csv\n"
						 "/r/latest.csv\n"
						 "/r/{a}-{b}\n");

	check_matches(r, m, sizeof(m) / sizeof(m[0]));
	e2e_routes_destroy(r);
}
END_TEST

START_TEST(test_null_routes)
{
	struct e2e_buf b = E2E_BUF_INIT;

	e2e_routes_key(NULL, &b, "get", 3, "/users/42", 9);
	ck_assert_str_eq(b.data, "GET /users/{id}");
	ck_assert_uint_eq(e2e_routes_count(NULL), 0);
	e2e_buf_finish(&b);
}
END_TEST

/* A request with more segments than any template may have falls back. */
START_TEST(test_long_path)
{
	struct e2e_routes *r = parse_ok("l.txt", "/{a}\n");
	struct e2e_buf path = E2E_BUF_INIT, b = E2E_BUF_INIT;

	for (int i = 0; i < 70; i++)
		e2e_buf_puts(&path, "/x");
	e2e_routes_key(r, &b, "GET", 3, path.data, path.len);
	ck_assert_str_eq(b.data + 4, path.data);
	e2e_buf_finish(&b);
	e2e_buf_finish(&path);
	e2e_routes_destroy(r);
}
END_TEST

static const char openapi[] =
	"{\n"
	"  \"openapi\": \"3.0.3\",\n"
	"  \"info\": {\"title\": \"users\", \"version\": \"1\"},\n"
	"  \"servers\": [{\"url\": \"https://api.example.com/api/v1/\"}, {\"url\": \"/other\"}],\n"
	"  \"paths\": {\n"
	"    \"/users/{id}\": {\"parameters\": [], \"get\": {}, \"delete\": {\"summary\": \"x\"}},\n"
	"    \"/users/me\": {\"get\": {\"responses\": {}}},\n"
	"    \"/ping\": {\"$ref\": \"#/components/pathItems/ping\"},\n"
	"    \"/files/{name}.json\": {\"get\": {}, \"x-internal\": true}\n"
	"  }\n"
	"}\n";

START_TEST(test_openapi)
{
	static const struct match m[] = {
		{ "GET", "/api/v1/users/42", "GET /api/v1/users/{id}" },
		{ "delete", "/api/v1/users/42", "DELETE /api/v1/users/{id}" },
		{ "PUT", "/api/v1/users/abc", "PUT /api/v1/users/abc" },
		{ "GET", "/api/v1/users/me", "GET /api/v1/users/me" },
		{ "POST", "/api/v1/ping", "POST /api/v1/ping" }, /* no operations: any method */
		{ "GET", "/api/v1/files/a.json", "GET /api/v1/files/{name}.json" },
		{ "GET", "/users/abc", "GET /users/abc" }, /* outside the base path */
	};
	struct e2e_routes *r = parse_ok("api.json", openapi);

	ck_assert_uint_eq(e2e_routes_count(r), 5);
	check_matches(r, m, sizeof(m) / sizeof(m[0]));
	e2e_routes_destroy(r);
}
END_TEST

START_TEST(test_openapi_base_paths)
{
	/* "paths": {"/x/{n}": {"post": {}}} under various servers */
	static const struct {
		const char *servers, *path, *want;
	} cases[] = {
		{ "", "/x/1", "POST /x/{n}" },
		{ "\"servers\": [],", "/x/1", "POST /x/{n}" },
		{ "\"servers\": [{\"url\": \"https://h\"}],", "/x/1", "POST /x/{n}" },
		{ "\"servers\": [{\"url\": \"http://h:8080/\"}],", "/x/1", "POST /x/{n}" },
		{ "\"servers\": [{\"url\": \"/api/\"}],", "/api/x/1", "POST /api/x/{n}" },
		{ "\"servers\": [{\"url\": \"/api/\"}],", "/x/1", "POST /x/{id}" }, /* automatic */
		{ "\"servers\": [{\"url\": \"v3\"}],", "/v3/x/1", "POST /v3/x/{n}" },
		{ "\"servers\": [{\"url\": \"https://h/a?q=1\"}],", "/a/x/1", "POST /a/x/{n}" },
		{ "\"servers\": [{\"url\": \"https://{host}/{base}/v2\", \"variables\": "
		  "{\"host\": {\"default\": \"h\"}, \"base\": {\"default\": \"svc\"}}}],",
		  "/svc/v2/x/1", "POST /svc/v2/x/{n}" },
		/* a variable without a default stays a parameter */
		{ "\"servers\": [{\"url\": \"/{tenant}/api\"}],", "/acme/api/x/1",
		  "POST /{tenant}/api/x/{n}" },
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char doc[512];
		struct e2e_routes *r;
		struct match m = { "POST", cases[i].path, cases[i].want };

		snprintf(doc, sizeof(doc),
			 "{\"openapi\": \"3.1.0\", %s \"paths\": {\"/x/{n}\": {\"post\": {}}}}",
			 cases[i].servers);
		r = parse_ok("b.json", doc);
		check_matches(r, &m, 1);
		e2e_routes_destroy(r);
	}
}
END_TEST

START_TEST(test_text_errors)
{
	static const struct {
		const char *in, *msg;
	} cases[] = {
		{ "GET /users/{id\n", "'r.txt': line 1: '/users/{id': unclosed '{'" },
		{ "\n# c\nFETCH! /x\n", "'r.txt': line 3: invalid method 'FETCH!'" },
		{ "GET /a /b\n", "'r.txt': line 1: expected '[METHOD] /path'" },
		{ "GET /a /b /c /d\n", "'r.txt': line 1: expected '[METHOD] /path'" },
		{ "users/{id}\n", "'r.txt': line 1: expected '[METHOD] /path', got 'users/{id}'" },
		{ "/ok\nGET users\n", "'r.txt': line 2: 'users': expected a path starting with '/'" },
		{ "GET /a/{}\n", "'r.txt': line 1: '/a/{}': empty parameter name" },
		{ "GET /a/}x\n", "'r.txt': line 1: '/a/}x': unexpected '}'" },
		{ "GET /a/{b/c}\n", "'r.txt': line 1: '/a/{b/c}': unclosed '{'" },
		{ "GET /a/{b{c}}\n", "'r.txt': line 1: '/a/{b{c}}': unclosed '{'" },
		{ "GET /a?x=1\n", "'r.txt': line 1: '/a?x=1': query or fragment in path" },
		{ "GET /a\n/b\nget /a\n", "'r.txt': line 3: duplicate of line 1" },
		{ "# only comments\n\n   \n", "'r.txt': no routes found" },
		{ "", "'r.txt': no routes found" },
		{ "GET /a\x01\n", "'r.txt': line 1: '/a\x01': whitespace or control character in path" },
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct e2e_routes *r = (struct e2e_routes *)&cases;

		ck_assert_msg(e2e_routes_parse("r.txt", cases[i].in, strlen(cases[i].in), &r) ==
				      E2E_ERR_INPUT,
			      "'%s' accepted", cases[i].in);
		ck_assert_ptr_eq(r, (struct e2e_routes *)&cases);
		ck_assert_str_eq(e2e_error_message(), cases[i].msg);
	}

	struct e2e_routes *r = NULL;
	ck_assert_int_eq(e2e_routes_parse("r.txt", "/a\n/b\0c\n", 8, &r), E2E_ERR_INPUT);
	ck_assert_str_eq(e2e_error_message(), "'r.txt': line 2: NUL byte");
}
END_TEST

START_TEST(test_json_errors)
{
	static const struct {
		const char *in, *msg;
	} cases[] = {
		{ "{",
		  "'a.json': not valid JSON: string or '}' expected near end of file (line 1, column 1)" },
		{ "{\"openapi\": \"3.0.0\", \"openapi\": \"3.0.0\"}",
		  "'a.json': not valid JSON: duplicate object key near '\"openapi\"' (line 1, column 30)" },
		{ "{\"swagger\": \"2.0\", \"paths\": {}}",
		  "'a.json': swagger: Swagger 2 is not supported, use OpenAPI 3" },
		{ "{\"paths\": {}}", "'a.json': openapi: missing (not an OpenAPI 3 document)" },
		{ "{\"openapi\": 3}", "'a.json': openapi: expected a version \"3.x\"" },
		{ "{\"openapi\": \"2.0\"}", "'a.json': openapi: expected a version \"3.x\"" },
		{ "{\"openapi\": \"3.0.3\"}", "'a.json': paths: missing" },
		{ "{\"openapi\": \"3.0.3\", \"paths\": []}", "'a.json': paths: expected an object" },
		{ "{\"openapi\": \"3.0.3\", \"paths\": {}}", "'a.json': no routes found" },
		{ "{\"openapi\": \"3.0.3\", \"paths\": {\"users\": {}}}",
		  "'a.json': paths.users: expected a path starting with '/'" },
		{ "{\"openapi\": \"3.0.3\", \"paths\": {\"/users/{id\": {}}}",
		  "'a.json': paths./users/{id: unclosed '{'" },
		{ "{\"openapi\": \"3.0.3\", \"paths\": {\"/users/{id}\": []}}",
		  "'a.json': paths./users/{id}: expected an object" },
		{ "{\"openapi\": \"3.0.3\", \"paths\": {\"/users/{id}\": {\"get\": true}}}",
		  "'a.json': paths./users/{id}.get: expected an object" },
		{ "{\"openapi\": \"3.0.3\", \"servers\": {}, \"paths\": {\"/a\": {}}}",
		  "'a.json': servers: expected an array" },
		{ "{\"openapi\": \"3.0.3\", \"servers\": [1], \"paths\": {\"/a\": {}}}",
		  "'a.json': servers[0]: expected an object" },
		{ "{\"openapi\": \"3.0.3\", \"servers\": [{\"url\": 5}], \"paths\": {\"/a\": {}}}",
		  "'a.json': servers[0].url: expected a string" },
		{ "{\"openapi\": \"3.0.3\", \"servers\": [{\"url\": \"https://h/a b\"}], \"paths\": {\"/a\": "
		  "{}}}",
		  "'a.json': servers[0].url: 'https://h/a b': whitespace or control character in path" },
		{ "[1]", "'a.json': line 1: expected '[METHOD] /path', got '[1]'" }, /* not JSON: text */
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct e2e_routes *r = NULL;

		ck_assert_msg(e2e_routes_parse("a.json", cases[i].in, strlen(cases[i].in), &r) ==
				      E2E_ERR_INPUT,
			      "'%s' accepted", cases[i].in);
		ck_assert_ptr_null(r);
		ck_assert_str_eq(e2e_error_message(), cases[i].msg);
	}
}
END_TEST

START_TEST(test_limits)
{
	struct e2e_buf b = E2E_BUF_INIT;
	struct e2e_routes *r = NULL;

	/* 10,000 routes are fine, one more is not. */
	for (int i = 0; i < 10000; i++)
		e2e_buf_printf(&b, "GET /r%d/{id}\n", i);
	ck_assert_int_eq(e2e_routes_parse("big.txt", b.data, b.len, &r), 0);
	ck_assert_uint_eq(e2e_routes_count(r), 10000);
	check_matches(r, &(struct match){ "GET", "/r9999/x", "GET /r9999/{id}" }, 1);
	e2e_routes_destroy(r);
	r = NULL;
	e2e_buf_puts(&b, "GET /one-more\n");
	ck_assert_int_eq(e2e_routes_parse("big.txt", b.data, b.len, &r), E2E_ERR_INPUT);
	ck_assert_str_eq(e2e_error_message(), "'big.txt': more than 10000 routes");
	ck_assert_ptr_null(r);

	/* 4 MiB exactly is read (comments), a byte more is refused. */
	e2e_buf_reset(&b);
	e2e_buf_puts(&b, "/a\n");
	while (b.len < (4u << 20))
		e2e_buf_putc(&b, '#');
	ck_assert_int_eq(e2e_routes_parse("huge.txt", b.data, b.len, &r), 0);
	e2e_routes_destroy(r);
	r = NULL;
	e2e_buf_putc(&b, '#');
	ck_assert_int_eq(e2e_routes_parse("huge.txt", b.data, b.len, &r), E2E_ERR_INPUT);
	ck_assert_str_eq(e2e_error_message(), "'huge.txt': larger than 4 MiB");

	/* 64 segments are fine, 65 are not. */
	e2e_buf_reset(&b);
	for (int i = 0; i < 63; i++)
		e2e_buf_puts(&b, "/s");
	struct e2e_buf key = E2E_BUF_INIT, req = E2E_BUF_INIT;
	e2e_buf_add(&req, b.data, b.len);
	e2e_buf_puts(&req, "/abc");
	e2e_buf_puts(&b, "/{x}");
	ck_assert_int_eq(e2e_routes_parse("seg.txt", b.data, b.len, &r), 0);
	e2e_routes_key(r, &key, "GET", 3, req.data, req.len);
	ck_assert_str_eq(key.data + 4, b.data);
	e2e_buf_finish(&key);
	e2e_buf_finish(&req);
	e2e_routes_destroy(r);
	r = NULL;
	e2e_buf_puts(&b, "/s");
	ck_assert_int_eq(e2e_routes_parse("seg.txt", b.data, b.len, &r), E2E_ERR_INPUT);
	e2e_buf_puts(&key, "'seg.txt': line 1: '");
	e2e_buf_add(&key, b.data, b.len);
	e2e_buf_puts(&key, "': more than 64 segments");
	ck_assert_str_eq(e2e_error_message(), key.data);
	e2e_buf_finish(&key);
	e2e_buf_finish(&b);
}
END_TEST

START_TEST(test_load)
{
	char *dir = tu_mkdtemp(), *txt = tu_path(dir, "routes.txt"), *json = tu_path(dir, "api.json");
	char *big = tu_path(dir, "big.txt"), *missing = tu_path(dir, "missing.txt");
	struct e2e_routes *r = NULL;
	char want[512];

	tu_write_file(txt, text_routes, (size_t)-1);
	tu_write_file(json, openapi, (size_t)-1);
	ck_assert_int_eq(e2e_routes_load(txt, &r), 0);
	ck_assert_uint_eq(e2e_routes_count(r), 11);
	e2e_routes_destroy(r);
	ck_assert_int_eq(e2e_routes_load(json, &r), 0);
	ck_assert_uint_eq(e2e_routes_count(r), 5);
	e2e_routes_destroy(r);
	r = NULL;

	/* errors in a loaded file name the path as given */
	tu_write_file(txt, "GET /ok\nBAD LINE HERE\n", (size_t)-1);
	ck_assert_int_eq(e2e_routes_load(txt, &r), E2E_ERR_INPUT);
	snprintf(want, sizeof(want), "'%s': line 2: expected '[METHOD] /path'", txt);
	ck_assert_str_eq(e2e_error_message(), want);

	/* fsutil's reader: a file that cannot be read is bad input (exit 2) */
	ck_assert_int_eq(e2e_routes_load(missing, &r), E2E_ERR_INPUT);
	snprintf(want, sizeof(want), "cannot read routes file '%s': No such file or directory", missing);
	ck_assert_str_eq(e2e_error_message(), want);
	ck_assert_int_eq(e2e_routes_load(dir, &r), E2E_ERR_INPUT);
	snprintf(want, sizeof(want), "cannot read routes file '%s': Is a directory", dir);
	ck_assert_str_eq(e2e_error_message(), want);
	if (geteuid() != 0) {
		chmod(json, 0);
		ck_assert_int_eq(e2e_routes_load(json, &r), E2E_ERR_INPUT);
		snprintf(want, sizeof(want), "cannot read routes file '%s': Permission denied", json);
		ck_assert_str_eq(e2e_error_message(), want);
	}
	ck_assert_ptr_null(r);

	/* a file over 4 MiB is refused without reading it all */
	char *data = malloc((5u << 20) + 1);
	ck_assert_ptr_nonnull(data);
	memset(data, '#', 5u << 20);
	data[0] = '/';
	data[1] = '\n';
	tu_write_file(big, data, 5u << 20);
	ck_assert_int_eq(e2e_routes_load(big, &r), E2E_ERR_INPUT);
	snprintf(want, sizeof(want), "'%s': routes file larger than 4 MiB", big);
	ck_assert_str_eq(e2e_error_message(), want);
	free(data);

	tu_rmtree(dir);
	free(dir);
	free(txt);
	free(json);
	free(big);
	free(missing);
}
END_TEST

/* Random lines of template-ish characters: accepted or rejected with a
 * message, never a crash (run under ASan/UBSan in CI); whatever is
 * accepted matches requests without trouble. */
START_TEST(test_garbage)
{
	static const char pool[] = "/{}ab1.*# \n\r\t?GET";
	uint64_t x = 2463534242ull;
	char in[200];

	for (int round = 0; round < 5000; round++) {
		struct e2e_routes *r = NULL;
		size_t n;

		x ^= x << 13, x ^= x >> 7, x ^= x << 17;
		n = x % sizeof(in);
		for (size_t i = 0; i < n; i++) {
			x ^= x << 13, x ^= x >> 7, x ^= x << 17;
			in[i] = x % 8 ? pool[(x >> 8) % (sizeof(pool) - 1)] : (char)(x >> 16);
		}
		if (e2e_routes_parse("g", in, n, &r) == 0) {
			struct e2e_buf b = E2E_BUF_INIT;

			e2e_routes_key(r, &b, "GET", 3, in, n);
			ck_assert(b.len > 4);
			e2e_buf_finish(&b);
			e2e_routes_destroy(r);
		} else {
			ck_assert_ptr_null(r);
			ck_assert(strncmp(e2e_error_message(), "'g': ", 5) == 0);
		}
	}
}
END_TEST

/* ---- a brute-force reference for the matching rules ---- */

struct ref_route {
	const char *method; /* NULL: any */
	char tmpl[64];
};

static int ref_kind(const char *seg, size_t n)
{
	const char *open = memchr(seg, '{', n);

	if (!open)
		return 2;
	return (open == seg && seg[n - 1] == '}' && !memchr(seg + 1, '{', n - 1)) ? 0 : 1;
}

/* Template segment pattern p (with {..} taking 1+ chars) against s. */
static int ref_glob(const char *p, size_t pn, const char *s, size_t sn)
{
	if (pn == 0)
		return sn == 0;
	if (*p == '{') {
		const char *close = memchr(p, '}', pn);
		size_t skip = (size_t)(close - p) + 1;

		for (size_t k = 1; k <= sn; k++)
			if (ref_glob(p + skip, pn - skip, s + k, sn - k))
				return 1;
		return 0;
	}
	return sn > 0 && *p == *s && ref_glob(p + 1, pn - 1, s + 1, sn - 1);
}

static size_t ref_split(const char *path, const char **seg, size_t *len)
{
	size_t n = 0;
	const char *p = path + 1;

	for (;;) {
		const char *slash = strchr(p, '/');

		seg[n] = p;
		len[n++] = slash ? (size_t)(slash - p) : strlen(p);
		if (!slash)
			return n;
		p = slash + 1;
	}
}

/* Kind vector of route i as a number for comparison; -1 if no match. */
static long ref_score(const struct ref_route *r, const char *method, const char *path)
{
	const char *ts[16], *ps[16];
	size_t tl[16], pl[16], tn = ref_split(r->tmpl, ts, tl), pn = ref_split(path, ps, pl);
	long score = 0;

	if (r->method && strcmp(r->method, method))
		return -1;
	if (tn != pn)
		return -1;
	for (size_t i = 0; i < tn; i++) {
		int k = ref_kind(ts[i], tl[i]);

		if (k == 2 && (tl[i] != pl[i] || memcmp(ts[i], ps[i], tl[i])))
			return -1;
		if (k == 0 && pl[i] == 0)
			return -1;
		if (k == 1 && !ref_glob(ts[i], tl[i], ps[i], pl[i]))
			return -1;
		score = score * 3 + k;
	}
	return score * 2 + (r->method != NULL);
}

/* Random route files over a tiny alphabet (many overlaps) against random
 * requests: the trie gives what the rules say. */
START_TEST(test_against_reference)
{
	static const char *const tsegs[] = { "a", "b", "{x}", "{y}", "{n}.j", "a.j", "{p}-{q}", "" };
	static const char *const rsegs[] = { "a", "b", "a.j", "c.j", "a-b", "", "c", ".j", "a-b.j" };
	static const char *const methods[] = { "GET", "POST", NULL };
	uint64_t x = 1234567;
	size_t mismatches = 0, matched = 0;

	for (int round = 0; round < 300; round++) {
		struct ref_route rr[12];
		size_t nr = 0;
		struct e2e_buf file = E2E_BUF_INIT;
		struct e2e_routes *r = NULL;

		while (nr < 12) {
			struct ref_route *t = &rr[nr];
			size_t segs;
			int dup = 0;

			x ^= x << 13, x ^= x >> 7, x ^= x << 17;
			t->method = methods[x % 3];
			segs = 1 + (x >> 8) % 3;
			t->tmpl[0] = '\0';
			for (size_t k = 0; k < segs; k++) {
				x ^= x << 13, x ^= x >> 7, x ^= x << 17;
				strcat(t->tmpl, "/");
				strcat(t->tmpl, tsegs[x % 8]);
			}
			for (size_t k = 0; k < nr; k++)
				dup |= !strcmp(rr[k].tmpl, t->tmpl) &&
				       (rr[k].method ? rr[k].method : "")[0] ==
					       (t->method ? t->method : "")[0];
			if (dup)
				continue;
			e2e_buf_printf(&file, "%s %s\n", t->method ? t->method : "*", t->tmpl);
			nr++;
		}
		ck_assert_msg(e2e_routes_parse("ref", file.data, file.len, &r) == 0, "%s",
			      e2e_error_message());
		for (int q = 0; q < 40; q++) {
			char path[64] = "";
			const char *method;
			struct e2e_buf got = E2E_BUF_INIT, want = E2E_BUF_INIT;
			long best = -1;
			size_t bi = 0;

			x ^= x << 13, x ^= x >> 7, x ^= x << 17;
			method = methods[x % 2];
			for (size_t k = 0, segs = 1 + (x >> 8) % 3; k < segs; k++) {
				x ^= x << 13, x ^= x >> 7, x ^= x << 17;
				strcat(path, "/");
				strcat(path, rsegs[x % 9]);
			}
			for (size_t k = 0; k < nr; k++) {
				long sc = ref_score(&rr[k], method, path);

				if (sc > best)
					best = sc, bi = k;
			}
			if (best >= 0) {
				e2e_buf_printf(&want, "%s %s", method, rr[bi].tmpl);
				matched++;
			} else {
				e2e_template_key(&want, method, strlen(method), path, strlen(path));
			}
			e2e_routes_key(r, &got, method, strlen(method), path, strlen(path));
			if (strcmp(got.data, want.data)) {
				if (mismatches++ < 5)
					fprintf(stderr, "routes:\n%s%s %s: got '%s', want '%s'\n", file.data,
						method, path, got.data, want.data);
			}
			e2e_buf_finish(&got);
			e2e_buf_finish(&want);
		}
		e2e_routes_destroy(r);
		e2e_buf_finish(&file);
	}
	ck_assert_uint_eq(mismatches, 0);
	ck_assert_uint_gt(matched, 2000);
}
END_TEST

static Suite *routes_suite(void)
{
	Suite *s = suite_create("routes");
	TCase *tc = tcase_create("match");

	tcase_add_test(tc, test_text);
	tcase_add_test(tc, test_precedence);
	tcase_add_test(tc, test_null_routes);
	tcase_add_test(tc, test_long_path);
	tcase_add_test(tc, test_openapi);
	tcase_add_test(tc, test_openapi_base_paths);
	tcase_add_test(tc, test_against_reference);
	suite_add_tcase(s, tc);

	tc = tcase_create("errors");
	tcase_set_timeout(tc, 30);
	tcase_add_test(tc, test_text_errors);
	tcase_add_test(tc, test_json_errors);
	tcase_add_test(tc, test_limits);
	tcase_add_test(tc, test_load);
	tcase_add_test(tc, test_garbage);
	suite_add_tcase(s, tc);
	return s;
}

E2E_TEST_MAIN(routes_suite)
