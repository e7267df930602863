/* routes.c - explicit route templates and matching.
 *
 * Text format, one route a line: "[METHOD] /path/{param}/...". No method
 * (or "ANY", or "*") matches every method; blank lines and '#' comments
 * (whole line, or after whitespace) are skipped. OpenAPI 3.x JSON is
 * detected by a leading '{': every path of "paths" with its operations,
 * or any method for a path item without one, prefixed with the path part
 * of servers[0].url (server variables replaced by their defaults).
 * Path-level and operation-level servers are ignored.
 *
 * Matching: the request path (up to '?' or '#') and the template must have
 * the same number of '/'-separated segments; a literal segment must be
 * equal (case-sensitive, not decoded), "{x}" takes any non-empty segment,
 * a segment mixing both ("{name}.json", "v{n}") is a glob in which each
 * parameter takes one or more characters. Among matches the most specific
 * wins: segments are compared left to right, literal beats mixed beats
 * parameter; then a route naming the method beats an any-method one; then
 * the earlier route. Routes are pre-split into a trie of segments (literal
 * children sorted for binary search), so a lookup costs about one node per
 * segment whatever the number of routes, and allocates nothing. */
#include "routes.h"

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "error.h"
#include "fsutil.h"
#include "sha256.h"
#include "template.h"

#include "banned.h"

#define MAX_FILE (4u << 20)
#define MAX_ROUTES 10000
#define MAX_SEGS 64

/* Markers in compiled glob patterns (control characters never occur in a
 * valid template). */
#define GLOB_ONE '\x01'
#define GLOB_ANY '\x02'

enum seg_kind { SEG_PARAM, SEG_GLOB, SEG_LIT }; /* ascending specificity */

struct seg {
	const char *text; /* literal text or compiled glob */
	size_t len;
	enum seg_kind kind;
};

struct route {
	char *method; /* upper-case, NULL for any */
	char *tmpl; /* as written, base path included */
	char *globs; /* storage for SEG_GLOB patterns */
	struct seg *segs;
	size_t nseg;
	size_t order;
	unsigned line; /* text format; 0 for OpenAPI */
};

/* Trie node: routes ending here (file order), then children by kind. */
struct node {
	const struct seg *key; /* the segment leading here */
	struct route **routes;
	size_t nroutes;
	struct node *lits, *globs, *param;
	size_t nlits, nglobs;
};

struct e2e_routes {
	struct route *v;
	size_t n, cap;
	struct route **sorted; /* trie order; nodes point into it */
	struct node root;
	char *name, *text; /* the source (e2e_routes_source) */
	size_t len;
	char sha256[E2E_SHA256_HEX_LEN + 1];
};

static void node_finish(struct node *nd)
{
	for (size_t i = 0; i < nd->nlits; i++)
		node_finish(&nd->lits[i]);
	for (size_t i = 0; i < nd->nglobs; i++)
		node_finish(&nd->globs[i]);
	if (nd->param) {
		node_finish(nd->param);
		free(nd->param);
	}
	free(nd->lits);
	free(nd->globs);
}

static void route_finish(struct route *r)
{
	free(r->method);
	free(r->tmpl);
	free(r->globs);
	free(r->segs);
}

void e2e_routes_destroy(struct e2e_routes *r)
{
	if (!r)
		return;
	for (size_t i = 0; i < r->n; i++)
		route_finish(&r->v[i]);
	node_finish(&r->root);
	free(r->sorted);
	free(r->v);
	free(r->name);
	free(r->text);
	free(r);
}

size_t e2e_routes_count(const struct e2e_routes *r)
{
	return r ? r->n : 0;
}

void e2e_routes_source(const struct e2e_routes *r, struct e2e_routes_source *out)
{
	out->name = r->name;
	out->text = r->text;
	out->len = r->len;
	out->sha256 = r->sha256;
}

static void keep_source(struct e2e_routes *r, const char *name, const char *data, size_t len)
{
	struct e2e_sha256 h;
	uint8_t digest[E2E_SHA256_LEN];

	r->name = e2e_xstrdup(name);
	r->text = e2e_xmalloc(len + 1);
	if (len)
		memcpy(r->text, data, len);
	r->text[len] = '\0';
	r->len = len;
	e2e_sha256_init(&h);
	e2e_sha256_update(&h, data, len);
	e2e_sha256_final(&h, digest);
	e2e_sha256_hex(digest, r->sha256);
}

/* Checks a template path; returns NULL or what is wrong with it. */
static const char *check_path(const char *p, size_t n)
{
	size_t nseg = 0;

	if (n == 0 || p[0] != '/')
		return "expected a path starting with '/'";
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)p[i];

		if (c == '/' && ++nseg > MAX_SEGS)
			return "more than 64 segments";
		if (c <= ' ' || c == 0x7f)
			return "whitespace or control character in path";
		if (c == '?' || c == '#')
			return "query or fragment in path";
		if (c == '}')
			return "unexpected '}'";
		if (c == '{') {
			size_t j = i + 1;

			while (j < n && p[j] != '}' && p[j] != '{' && p[j] != '/' &&
			       (unsigned char)p[j] > ' ' && p[j] != 0x7f)
				j++;
			if (j == n || p[j] != '}')
				return "unclosed '{'";
			if (j == i + 1)
				return "empty parameter name";
			i = j;
		}
	}
	return NULL;
}

/* Splits r->tmpl (checked) into segments. */
static void split_route(struct route *r)
{
	const char *t = r->tmpl;
	size_t n = strlen(t), nseg = 0, g = 0;

	for (size_t i = 0; i < n; i++)
		nseg += t[i] == '/';
	r->segs = e2e_xcalloc(nseg, sizeof(*r->segs));
	r->globs = e2e_xmalloc(n + 1);
	r->nseg = nseg;
	for (size_t k = 0, i = 1; k < nseg; k++) {
		const char *slash = memchr(t + i, '/', n - i);
		size_t end = slash ? (size_t)(slash - t) : n;
		struct seg *s = &r->segs[k];
		const char *brace = memchr(t + i, '{', end - i);

		s->text = t + i;
		s->len = end - i;
		s->kind = SEG_LIT;
		if (brace && brace == t + i && t[end - 1] == '}' && !memchr(brace + 1, '{', end - i - 1)) {
			s->kind = SEG_PARAM;
		} else if (brace) {
			/* "{x}" -> one character then any number */
			s->kind = SEG_GLOB;
			s->text = r->globs + g;
			for (size_t j = i; j < end; j++) {
				if (t[j] == '{') {
					r->globs[g++] = GLOB_ONE;
					r->globs[g++] = GLOB_ANY;
					j = (size_t)((const char *)memchr(t + j, '}', end - j) - t);
				} else {
					r->globs[g++] = t[j];
				}
			}
			s->len = (size_t)(r->globs + g - s->text);
		}
		i = end + 1;
	}
}

static char *upper_dup(const char *s, size_t n)
{
	char *u = e2e_xmalloc(n + 1);

	for (size_t i = 0; i < n; i++)
		u[i] = (s[i] >= 'a' && s[i] <= 'z') ? (char)(s[i] - 'a' + 'A') : s[i];
	u[n] = '\0';
	return u;
}

/* Adds prefix + path (checked by the caller) for method (NULL: any). */
static int add_route(struct e2e_routes *rs, const char *name, const char *method, size_t method_len,
		     const char *prefix, size_t prefix_len, const char *path, size_t path_len, unsigned line)
{
	struct route *r;

	if (rs->n == MAX_ROUTES)
		return e2e_error(E2E_ERR_INPUT, "'%s': more than %d routes", name, MAX_ROUTES);
	if (rs->n == rs->cap) {
		rs->cap = rs->cap ? 2 * rs->cap : 16;
		rs->v = e2e_xrealloc(rs->v, rs->cap * sizeof(*rs->v));
	}
	r = &rs->v[rs->n];
	memset(r, 0, sizeof(*r));
	r->method = method ? upper_dup(method, method_len) : NULL;
	r->tmpl = e2e_xmalloc(prefix_len + path_len + 1);
	memcpy(r->tmpl, prefix, prefix_len);
	memcpy(r->tmpl + prefix_len, path, path_len);
	r->tmpl[prefix_len + path_len] = '\0';
	r->order = rs->n;
	r->line = line;
	rs->n++;
	if (check_path(r->tmpl, prefix_len + path_len))
		return e2e_error(E2E_ERR_INPUT, "'%s': path '%s' has more than %d segments", name, r->tmpl,
				 MAX_SEGS);
	split_route(r);
	return 0;
}

static int cmp_dup(const void *a, const void *b)
{
	const struct route *x = a, *y = b;
	int c = strcmp(x->tmpl, y->tmpl);

	if (c)
		return c;
	c = strcmp(x->method ? x->method : "", y->method ? y->method : "");
	if (c)
		return c;
	return x->order < y->order ? -1 : x->order > y->order;
}

/* Order of segments in the trie: by kind, then length, then bytes. */
static int cmp_seg(const struct seg *a, const struct seg *b)
{
	if (a->kind != b->kind)
		return a->kind < b->kind ? -1 : 1;
	if (a->kind == SEG_PARAM)
		return 0;
	if (a->len != b->len)
		return a->len < b->len ? -1 : 1;
	return memcmp(a->text, b->text, a->len);
}

static int cmp_trie(const void *pa, const void *pb)
{
	const struct route *a = *(struct route *const *)pa, *b = *(struct route *const *)pb;

	for (size_t i = 0; i < a->nseg && i < b->nseg; i++) {
		int c = cmp_seg(&a->segs[i], &b->segs[i]);

		if (c)
			return c;
	}
	if (a->nseg != b->nseg)
		return a->nseg < b->nseg ? -1 : 1;
	return a->order < b->order ? -1 : a->order > b->order;
}

/* Builds the subtree of v[lo..hi-1] (sorted, sharing depth segments). */
static void build(struct node *nd, struct route **v, size_t lo, size_t hi, size_t depth)
{
	size_t i = lo, counts[3] = { 0, 0, 0 };

	while (i < hi && v[i]->nseg == depth)
		i++;
	nd->routes = v + lo;
	nd->nroutes = i - lo;
	for (size_t j = i; j < hi; j++)
		if (j == i || cmp_seg(&v[j]->segs[depth], &v[j - 1]->segs[depth]))
			counts[v[j]->segs[depth].kind]++;
	nd->lits = counts[SEG_LIT] ? e2e_xcalloc(counts[SEG_LIT], sizeof(*nd->lits)) : NULL;
	nd->globs = counts[SEG_GLOB] ? e2e_xcalloc(counts[SEG_GLOB], sizeof(*nd->globs)) : NULL;
	nd->param = counts[SEG_PARAM] ? e2e_xcalloc(1, sizeof(*nd->param)) : NULL;
	while (i < hi) {
		const struct seg *key = &v[i]->segs[depth];
		size_t j = i + 1;
		struct node *child;

		while (j < hi && cmp_seg(&v[j]->segs[depth], key) == 0)
			j++;
		if (key->kind == SEG_LIT)
			child = &nd->lits[nd->nlits++];
		else if (key->kind == SEG_GLOB)
			child = &nd->globs[nd->nglobs++];
		else
			child = nd->param;
		child->key = key;
		build(child, v, i, j, depth + 1);
		i = j;
	}
}

/* Rejects exact duplicates, then builds the trie. */
static int finish(struct e2e_routes *rs, const char *name)
{
	if (rs->n == 0)
		return e2e_error(E2E_ERR_INPUT, "'%s': no routes found", name);
	qsort(rs->v, rs->n, sizeof(*rs->v), cmp_dup);
	for (size_t i = 1; i < rs->n; i++) {
		const struct route *a = &rs->v[i - 1], *b = &rs->v[i];

		if (strcmp(a->tmpl, b->tmpl) ||
		    strcmp(a->method ? a->method : "", b->method ? b->method : ""))
			continue;
		if (b->line)
			return e2e_error(E2E_ERR_INPUT, "'%s': line %u: duplicate of line %u", name, b->line,
					 a->line);
		return e2e_error(E2E_ERR_INPUT, "'%s': duplicate route '%s%s%s'", name,
				 b->method ? b->method : "", b->method ? " " : "", b->tmpl);
	}
	rs->sorted = e2e_xmalloc(rs->n * sizeof(*rs->sorted));
	for (size_t i = 0; i < rs->n; i++)
		rs->sorted[i] = &rs->v[i];
	qsort(rs->sorted, rs->n, sizeof(*rs->sorted), cmp_trie);
	build(&rs->root, rs->sorted, 0, rs->n, 0);
	return 0;
}

/* ---- text format ------------------------------------------------------- */

static bool is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\v' || c == '\f';
}

static bool valid_method(const char *s, size_t n)
{
	if (n == 0 || n > 32)
		return false;
	for (size_t i = 0; i < n; i++) {
		char c = s[i];

		if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (i > 0 && c >= '0' && c <= '9') ||
		      (i > 0 && (c == '-' || c == '_'))))
			return false;
	}
	return true;
}

static int parse_text(struct e2e_routes *rs, const char *name, const char *data, size_t len)
{
	unsigned line = 0;
	size_t pos = 0;

	if (len >= 3 && memcmp(data, "\xEF\xBB\xBF", 3) == 0)
		pos = 3;
	while (pos < len) {
		const char *nl = memchr(data + pos, '\n', len - pos);
		size_t end = nl ? (size_t)(nl - data) : len;
		const char *f[3];
		size_t fl[3], nf = 0, i = pos;
		int rc;

		line++;
		if (memchr(data + pos, '\0', end - pos))
			return e2e_error(E2E_ERR_INPUT, "'%s': line %u: NUL byte", name, line);
		while (i < end) {
			while (i < end && is_space(data[i]))
				i++;
			if (i == end || data[i] == '#')
				break;
			if (nf == 3)
				return e2e_error(E2E_ERR_INPUT, "'%s': line %u: expected '[METHOD] /path'",
						 name, line);
			f[nf] = data + i;
			while (i < end && !is_space(data[i]))
				i++;
			fl[nf] = (size_t)(data + i - f[nf]);
			nf++;
		}
		pos = end + 1;
		if (nf == 0)
			continue;
		if (nf > 2)
			return e2e_error(E2E_ERR_INPUT, "'%s': line %u: expected '[METHOD] /path'", name,
					 line);
		if (nf == 2 && !(fl[0] == 1 && f[0][0] == '*') && !valid_method(f[0], fl[0]))
			return e2e_error(E2E_ERR_INPUT, "'%s': line %u: invalid method '%.*s'", name, line,
					 (int)fl[0], f[0]);
		if (nf == 1 && f[0][0] != '/')
			return e2e_error(E2E_ERR_INPUT,
					 "'%s': line %u: expected '[METHOD] /path', got '%.*s'", name, line,
					 (int)fl[0], f[0]);
		const char *path = f[nf - 1], *problem = check_path(path, fl[nf - 1]);
		if (problem)
			return e2e_error(E2E_ERR_INPUT, "'%s': line %u: '%.*s': %s", name, line,
					 (int)fl[nf - 1], path, problem);
		bool any = nf == 1 || (fl[0] == 1 && f[0][0] == '*') ||
			   (fl[0] == 3 && !strncasecmp(f[0], "ANY", 3));
		rc = add_route(rs, name, any ? NULL : f[0], any ? 0 : fl[0], "", 0, path, fl[nf - 1], line);
		if (rc < 0)
			return rc;
	}
	return 0;
}

/* ---- OpenAPI ----------------------------------------------------------- */

static const char *const operations[] = {
	"get", "put", "post", "delete", "options", "head", "patch", "trace"
};

/* Path part of servers[0].url with {variables} replaced by their defaults,
 * without a trailing '/'; appended to prefix. */
static int base_path(const char *name, json_t *root, struct e2e_buf *prefix)
{
	json_t *servers = json_object_get(root, "servers"), *server, *url, *vars;
	const char *u, *p, *problem;
	size_t n;

	if (!servers)
		return 0;
	if (!json_is_array(servers))
		return e2e_error(E2E_ERR_INPUT, "'%s': servers: expected an array", name);
	if (json_array_size(servers) == 0)
		return 0;
	server = json_array_get(servers, 0);
	if (!json_is_object(server))
		return e2e_error(E2E_ERR_INPUT, "'%s': servers[0]: expected an object", name);
	url = json_object_get(server, "url");
	if (!json_is_string(url))
		return e2e_error(E2E_ERR_INPUT, "'%s': servers[0].url: expected a string", name);
	vars = json_object_get(server, "variables");
	u = json_string_value(url);
	/* skip "scheme://authority" (the authority may hold {variables}) */
	p = strstr(u, "://");
	if (p) {
		p += 3;
		p += strcspn(p, "/?#");
	} else {
		p = u;
	}
	n = strcspn(p, "?#");
	if (n > 0 && p[0] != '/')
		e2e_buf_putc(prefix, '/'); /* relative URL "v1" */
	for (size_t i = 0; i < n; i++) {
		const char *close = p[i] == '{' ? memchr(p + i, '}', n - i) : NULL;
		json_t *var, *def;

		if (close) {
			char key[128];
			size_t kl = (size_t)(close - p) - i - 1;

			snprintf(key, sizeof(key), "%.*s", (int)kl, p + i + 1);
			var = json_object_get(vars, key);
			def = json_object_get(var, "default");
			if (kl < sizeof(key) && json_is_string(def)) {
				e2e_buf_puts(prefix, json_string_value(def));
				i += kl + 1;
				continue;
			}
		}
		e2e_buf_putc(prefix, p[i]);
	}
	while (prefix->len > 0 && prefix->data[prefix->len - 1] == '/')
		prefix->data[--prefix->len] = '\0';
	if (prefix->len > 0 && (problem = check_path(prefix->data, prefix->len)) != NULL)
		return e2e_error(E2E_ERR_INPUT, "'%s': servers[0].url: '%s': %s", name, u, problem);
	return 0;
}

static int parse_openapi(struct e2e_routes *rs, const char *name, const char *data, size_t len)
{
	json_error_t jerr;
	json_t *root = json_loadb(data, len, JSON_REJECT_DUPLICATES, &jerr), *ver, *paths, *item;
	struct e2e_buf prefix = E2E_BUF_INIT;
	const char *key, *problem;
	int rc = 0;

	if (!root)
		return e2e_error(E2E_ERR_INPUT, "'%s': not valid JSON: %s (line %d, column %d)", name,
				 jerr.text, jerr.line, jerr.column);
	if (!json_is_object(root)) {
		rc = e2e_error(E2E_ERR_INPUT, "'%s': expected a JSON object at the top", name);
		goto out;
	}
	ver = json_object_get(root, "openapi");
	if (!ver) {
		if (json_object_get(root, "swagger"))
			rc = e2e_error(E2E_ERR_INPUT,
				       "'%s': swagger: Swagger 2 is not supported, use OpenAPI 3", name);
		else
			rc = e2e_error(E2E_ERR_INPUT, "'%s': openapi: missing (not an OpenAPI 3 document)",
				       name);
		goto out;
	}
	if (!json_is_string(ver) || strncmp(json_string_value(ver), "3.", 2) != 0) {
		rc = e2e_error(E2E_ERR_INPUT, "'%s': openapi: expected a version \"3.x\"", name);
		goto out;
	}
	if ((rc = base_path(name, root, &prefix)) < 0)
		goto out;
	paths = json_object_get(root, "paths");
	if (!json_is_object(paths)) {
		rc = e2e_error(E2E_ERR_INPUT, "'%s': paths: %s", name,
			       paths ? "expected an object" : "missing");
		goto out;
	}
	json_object_foreach(paths, key, item)
	{
		size_t klen = strlen(key), nops = 0;

		if ((problem = check_path(key, klen)) != NULL) {
			rc = e2e_error(E2E_ERR_INPUT, "'%s': paths.%s: %s", name, key, problem);
			goto out;
		}
		if (!json_is_object(item)) {
			rc = e2e_error(E2E_ERR_INPUT, "'%s': paths.%s: expected an object", name, key);
			goto out;
		}
		for (size_t i = 0; i < sizeof(operations) / sizeof(operations[0]); i++) {
			json_t *op = json_object_get(item, operations[i]);

			if (!op)
				continue;
			if (!json_is_object(op)) {
				rc = e2e_error(E2E_ERR_INPUT, "'%s': paths.%s.%s: expected an object", name,
					       key, operations[i]);
				goto out;
			}
			nops++;
			rc = add_route(rs, name, operations[i], strlen(operations[i]),
				       prefix.data ? prefix.data : "", prefix.len, key, klen, 0);
			if (rc < 0)
				goto out;
		}
		if (nops == 0 && (rc = add_route(rs, name, NULL, 0, prefix.data ? prefix.data : "",
						 prefix.len, key, klen, 0)) < 0)
			goto out;
	}
out:
	e2e_buf_finish(&prefix);
	json_decref(root);
	return rc;
}

/* ---- loading ----------------------------------------------------------- */

int e2e_routes_parse(const char *name, const char *data, size_t len, struct e2e_routes **out)
{
	struct e2e_routes *rs;
	size_t i = 0;
	int rc;

	if (len > MAX_FILE)
		return e2e_error(E2E_ERR_INPUT, "'%s': larger than 4 MiB", name);
	while (i < len && (is_space(data[i]) || data[i] == '\n'))
		i++;
	rs = e2e_xcalloc(1, sizeof(*rs));
	if (i < len && data[i] == '{')
		rc = parse_openapi(rs, name, data, len);
	else
		rc = parse_text(rs, name, data, len);
	if (rc == 0)
		rc = finish(rs, name);
	if (rc < 0) {
		e2e_routes_destroy(rs);
		return rc;
	}
	keep_source(rs, name, data, len);
	*out = rs;
	return 0;
}

int e2e_routes_load(const char *path, struct e2e_routes **out)
{
	char *data = NULL;
	size_t len = 0;
	int rc = e2e_fsutil_read_file(path, "routes file", MAX_FILE, &data, &len);

	if (rc == 0)
		rc = e2e_routes_parse(path, data, len, out);
	free(data);
	return rc;
}

/* ---- matching ---------------------------------------------------------- */

/* Wildcard match: GLOB_ONE takes one character, GLOB_ANY any number
 * (backtracking only to the last GLOB_ANY: O(len(p) * len(s))). */
static bool glob_match(const char *p, size_t pn, const char *s, size_t sn)
{
	size_t pi = 0, si = 0, star = SIZE_MAX, mark = 0;

	while (si < sn) {
		if (pi < pn && (p[pi] == GLOB_ONE || p[pi] == s[si])) {
			pi++;
			si++;
		} else if (pi < pn && p[pi] == GLOB_ANY) {
			star = pi++;
			mark = si;
		} else if (star != SIZE_MAX) {
			pi = star + 1;
			si = ++mark;
		} else {
			return false;
		}
	}
	while (pi < pn && p[pi] == GLOB_ANY)
		pi++;
	return pi == pn;
}

struct span {
	const char *s;
	size_t n;
};

/* > 0 when a is more specific than b (same segment count). */
static int specificity(const struct route *a, const struct route *b)
{
	for (size_t i = 0; i < a->nseg; i++)
		if (a->segs[i].kind != b->segs[i].kind)
			return (int)a->segs[i].kind - (int)b->segs[i].kind;
	return (a->method != NULL) - (b->method != NULL);
}

/* The first route for this method, else the first any-method one. */
static const struct route *pick(const struct node *nd, const char *method, size_t method_len)
{
	const struct route *any = NULL;

	for (size_t i = 0; i < nd->nroutes; i++) {
		const struct route *r = nd->routes[i];

		if (!r->method) {
			if (!any)
				any = r;
		} else if (strlen(r->method) == method_len && !strncasecmp(r->method, method, method_len)) {
			return r;
		}
	}
	return any;
}

/* Best route under nd for segs[d..n-1]. A matching literal child beats
 * everything else at this depth, so its answer is final; several globs can
 * match, so theirs are compared; the parameter child comes last. */
static const struct route *lookup(const struct node *nd, const struct span *segs, size_t n, size_t d,
				  const char *method, size_t method_len)
{
	const struct route *best = NULL, *r;
	size_t lo = 0, hi = nd->nlits;

	if (d == n)
		return pick(nd, method, method_len);
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		struct seg want = { segs[d].s, segs[d].n, SEG_LIT };
		int c = cmp_seg(nd->lits[mid].key, &want);

		if (c == 0) {
			if ((r = lookup(&nd->lits[mid], segs, n, d + 1, method, method_len)) != NULL)
				return r;
			break;
		}
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	for (size_t i = 0; i < nd->nglobs; i++) {
		const struct seg *k = nd->globs[i].key;
		int c;

		if (!glob_match(k->text, k->len, segs[d].s, segs[d].n))
			continue;
		r = lookup(&nd->globs[i], segs, n, d + 1, method, method_len);
		if (r && (!best || (c = specificity(r, best)) > 0 || (c == 0 && r->order < best->order)))
			best = r;
	}
	if (best)
		return best;
	if (nd->param && segs[d].n > 0)
		return lookup(nd->param, segs, n, d + 1, method, method_len);
	return NULL;
}

void e2e_routes_key(const struct e2e_routes *routes, struct e2e_buf *out, const char *method,
		    size_t method_len, const char *path, size_t path_len)
{
	struct span segs[MAX_SEGS];
	const struct route *best = NULL;
	size_t n = 0, i = 0, len = 0;

	while (len < path_len && path[len] != '?' && path[len] != '#' && path[len] != '\0')
		len++;
	if (!routes)
		goto fallback;
	if (len > 0 && path[0] == '/')
		i = 1;
	for (;;) {
		const char *slash = i < len ? memchr(path + i, '/', len - i) : NULL;
		size_t end = slash ? (size_t)(slash - path) : len;

		if (n == MAX_SEGS)
			goto fallback;
		segs[n].s = path + i;
		segs[n++].n = end - i;
		if (!slash)
			break;
		i = end + 1;
	}
	best = lookup(&routes->root, segs, n, 0, method, method_len);
	if (!best)
		goto fallback;
	for (size_t k = 0; k < method_len; k++) {
		char c = method[k];

		e2e_buf_putc(out, c >= 'a' && c <= 'z' ? (char)(c - 'a' + 'A') : c);
	}
	e2e_buf_putc(out, ' ');
	e2e_buf_puts(out, best->tmpl);
	return;
fallback:
	e2e_template_key(out, method, method_len, path, path_len);
}
