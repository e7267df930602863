#include "junit_read.h"

#include <libxml/parser.h>
#include <libxml/tree.h>
#include <limits.h>
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "error.h"
#include "model.h"
#include "sample.h"
#include "strmap.h"
#include "banned.h"

#define CASES_MAX 1000000u

struct cases {
	struct e2e_junit_case *v;
	size_t n, cap;
};

static bool is(const xmlNode *n, const char *name)
{
	return n->type == XML_ELEMENT_NODE && strcmp((const char *)n->name, name) == 0;
}

static char *attr(const xmlNode *n, const char *name)
{
	xmlChar *v = xmlGetProp(n, (const xmlChar *)name);
	char *s = e2e_xstrdup(v ? (const char *)v : "");

	xmlFree(v);
	return s;
}

/* Seconds as JUnit writes them ("1.234", "0", "1,234.5" from some Surefire
 * locales): nanoseconds, 0 when not a finite non-negative number. */
static uint64_t seconds_ns(const char *s)
{
	char clean[64], *end;
	size_t o = 0;
	double v;

	for (; *s && o < sizeof(clean) - 1; s++)
		if (*s != ',')
			clean[o++] = *s;
	clean[o] = '\0';
	v = strtod(clean, &end);
	if (end == clean || *end || !isfinite(v) || v < 0 || v > 1e9)
		return 0;
	return (uint64_t)llround(v * 1e9);
}

static const char *status_of(const xmlNode *tc)
{
	const char *st = "passed";

	for (const xmlNode *c = tc->children; c; c = c->next) {
		if (is(c, "failure"))
			return "failed";
		if (is(c, "error"))
			st = "error";
		else if (is(c, "skipped") && strcmp(st, "passed") == 0)
			st = "skipped";
	}
	return st;
}

static void walk(const xmlNode *n, struct cases *cs, unsigned depth)
{
	for (; n && cs->n < CASES_MAX; n = n->next) {
		if (is(n, "testcase")) {
			struct e2e_junit_case *c;
			char *t;

			if (cs->n == cs->cap) {
				cs->cap = cs->cap ? 2 * cs->cap : 16;
				cs->v = e2e_xrealloc(cs->v, cs->cap * sizeof(*cs->v));
			}
			c = &cs->v[cs->n++];
			c->name = attr(n, "name");
			c->classname = attr(n, "classname");
			c->status = status_of(n);
			t = attr(n, "time");
			c->duration_ns = seconds_ns(t);
			free(t);
		} else if (is(n, "testsuite") || is(n, "testsuites")) {
			if (depth < 64)
				walk(n->children, cs, depth + 1);
		}
	}
}

/* The first error of a parse (libxml2 reports them all, in order). */
struct first_error {
	int line;
	char msg[200];
	bool set;
};

static void on_error(void *ctx, xmlErrorPtr e)
{
	struct first_error *f = ctx;
	size_t n;

	if (f->set || !e || e->level < XML_ERR_ERROR)
		return;
	f->set = true;
	f->line = e->line;
	snprintf(f->msg, sizeof(f->msg), "%s", e->message ? e->message : "not XML");
	n = strlen(f->msg);
	while (n && (f->msg[n - 1] == '\n' || f->msg[n - 1] == ' '))
		f->msg[--n] = '\0';
}

int e2e_junit_read(const char *data, size_t len, const char *file, struct e2e_junit_case **out, size_t *n)
{
	struct first_error first = { 0 };
	struct cases cs = { 0 };
	xmlDoc *doc = NULL;
	const xmlNode *root;
	int rc = 0;

	if (len > INT_MAX)
		return e2e_error(E2E_ERR_INPUT, "'%s': too large for a JUnit file", file);
	xmlSetStructuredErrorFunc(&first, on_error);
	doc = xmlReadMemory(data, (int)len, NULL, NULL, XML_PARSE_NONET | XML_PARSE_NOBLANKS);
	xmlSetStructuredErrorFunc(NULL, NULL);
	if (!doc || first.set) {
		rc = e2e_error(E2E_ERR_INPUT, "'%s' line %d: not well-formed XML: %s", file,
			       first.set ? first.line : 1, first.set ? first.msg : "no document");
		goto out;
	}
	root = xmlDocGetRootElement(doc);
	if (!root || !(is(root, "testsuites") || is(root, "testsuite"))) {
		rc = e2e_error(E2E_ERR_INPUT,
			       "'%s' line %d: not JUnit XML: the root is <%s>, not <testsuites>", file,
			       root ? (int)xmlGetLineNo(root) : 1, root ? (const char *)root->name : "");
		goto out;
	}
	walk(root, &cs, 0);
	*out = cs.v;
	*n = cs.n;
	cs.v = NULL;
out:
	e2e_junit_cases_free(cs.v, cs.n);
	xmlFreeDoc(doc);
	return rc;
}

void e2e_junit_cases_free(struct e2e_junit_case *c, size_t n)
{
	if (!c)
		return;
	for (size_t i = 0; i < n; i++) {
		free(c[i].name);
		free(c[i].classname);
	}
	free(c);
}

static bool ends_with(const char *s, size_t slen, const char *sep, const char *name, size_t nlen)
{
	size_t seplen = strlen(sep);

	return slen > nlen + seplen && memcmp(s + slen - nlen, name, nlen) == 0 &&
	       memcmp(s + slen - nlen - seplen, sep, seplen) == 0;
}

/* The case's name with Playwright's " \u203a " (title path separator) as " > ". */
static char *plain_name(const char *name)
{
	static const char arrow[] = " \xe2\x80\xba ";
	struct e2e_buf b = E2E_BUF_INIT;
	const char *p;

	while ((p = strstr(name, arrow))) {
		e2e_buf_add(&b, name, (size_t)(p - name));
		e2e_buf_add(&b, " > ", 3);
		name = p + sizeof(arrow) - 1;
	}
	e2e_buf_printf(&b, "%s", name);
	return e2e_buf_detach(&b, NULL);
}

/* The id of the run's test the case names, or 0. */
static uint32_t find(const struct e2e_strmap *ids, const struct e2e_test *tests, size_t ntests,
		     const struct e2e_junit_case *c, const char *name)
{
	struct e2e_buf k = E2E_BUF_INIT;
	size_t nlen = strlen(name);
	uint32_t id = 0;

	if (e2e_strmap_get(ids, name, nlen, &id))
		goto out;
	if (c->classname[0]) {
		static const char *const seps[] = { ".", "::" };

		for (size_t f = 0; f < 2; f++) {
			e2e_buf_reset(&k);
			e2e_buf_printf(&k, "%s%s%s", c->classname, seps[f], name);
			if (e2e_strmap_get(ids, k.data, k.len, &id))
				goto out;
		}
		/* pytest: classname "pkg.test_mod" (or "pkg.test_mod.TestClass"
		 * with the class a part of name's node id) */
		e2e_buf_reset(&k);
		for (const char *p = c->classname; *p; p++)
			e2e_buf_add(&k, *p == '.' ? "/" : p, 1);
		e2e_buf_printf(&k, ".py::%s", name);
		if (e2e_strmap_get(ids, k.data, k.len, &id))
			goto out;
	}
	id = 0;
	for (size_t i = 0; i < ntests; i++) {
		size_t tlen = strlen(tests[i].name);

		if (!ends_with(tests[i].name, tlen, "::", name, nlen) &&
		    !ends_with(tests[i].name, tlen, " > ", name, nlen) &&
		    !ends_with(tests[i].name, tlen, ".", name, nlen))
			continue;
		if (id) { /* two tests end so: no guess */
			id = 0;
			break;
		}
		id = tests[i].id;
	}
out:
	e2e_buf_finish(&k);
	return id;
}

void e2e_junit_join(const struct e2e_junit_case *c, size_t nc, const struct e2e_test *tests, size_t ntests,
		    struct e2e_test **out, size_t *nout)
{
	struct e2e_strmap ids = { 0 }, done = { 0 };
	struct e2e_test *o = nc ? e2e_xcalloc(nc, sizeof(*o)) : NULL;
	uint32_t next = E2E_TEST_FIRST;
	size_t n = 0;

	for (size_t i = 0; i < ntests; i++) {
		e2e_strmap_put(&ids, tests[i].name, strlen(tests[i].name), tests[i].id);
		if (tests[i].id >= next)
			next = tests[i].id + 1;
	}
	for (size_t i = 0; i < nc; i++) {
		char *name = plain_name(c[i].name);
		uint32_t id = find(&ids, tests, ntests, &c[i], name), seen;
		struct e2e_buf full = E2E_BUF_INIT;

		if (id) {
			for (size_t k = 0; k < ntests; k++)
				if (tests[k].id == id)
					e2e_buf_printf(&full, "%s", tests[k].name);
		} else {
			e2e_buf_printf(&full, "%s%s%s", c[i].classname, c[i].classname[0] ? "::" : "", name);
		}
		free(name);
		if (full.len > E2E_TEST_NAME_MAX || e2e_strmap_get(&done, full.data, full.len, &seen) ||
		    (!id && next == UINT32_MAX)) {
			e2e_buf_finish(&full);
			continue;
		}
		if (!id && e2e_strmap_get(&ids, full.data, full.len, &seen))
			id = seen; /* two cases of one new test: the first wins below */
		if (!id)
			id = next++;
		e2e_strmap_put(&done, full.data, full.len, id);
		o[n].id = id;
		o[n].name = e2e_buf_detach(&full, NULL);
		o[n].status = e2e_xstrdup(c[i].status);
		o[n].classname = e2e_xstrdup(c[i].classname);
		o[n].junit_ns = c[i].duration_ns;
		n++;
	}
	e2e_strmap_finish(&ids);
	e2e_strmap_finish(&done);
	*out = o;
	*nout = n;
}
