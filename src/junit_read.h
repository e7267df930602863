/* junit_read.h - JUnit XML test results (pytest --junitxml, Maven
 * Surefire, Jest's and Playwright's junit reporters) as test cases: the
 * one module that uses libxml2 (SPEC section 11, `--junit FILE`). Pure: the
 * document comes in memory, nothing is printed. The input is untrusted
 * (fuzzed): no network, no DTD, no entity expansion. */
#ifndef E2E_JUNIT_READ_H
#define E2E_JUNIT_READ_H

#include <stddef.h>
#include <stdint.h>

struct e2e_junit_case {
	char *name; /* the testcase's name attribute, never NULL */
	char *classname; /* "" when it has none */
	const char *status; /* static: "passed", "failed", "error" or "skipped" */
	uint64_t duration_ns; /* its time attribute (seconds); 0 when absent or bad */
};

/* Every <testcase> of the document (len bytes of data; file names it in
 * messages), in document order. A document that is not well-formed XML,
 * or whose root is neither <testsuites> nor <testsuite>, is E2E_ERR_INPUT
 * "'FILE' line N: WHY". Caller frees with e2e_junit_cases_free(). */
int e2e_junit_read(const char *data, size_t len, const char *file, struct e2e_junit_case **out, size_t *n);
/* Accepts NULL. */
void e2e_junit_cases_free(struct e2e_junit_case *c, size_t n);

struct e2e_test;
/* Joins cases with a run's tests (the markers', by id, ntests of them) by
 * name: a test named NAME, CLASSNAME.NAME, CLASSNAME::NAME or, for
 * pytest, the module path of CLASSNAME + ".py::" + NAME; else the one test
 * whose name ends in "::NAME", " > NAME" (Playwright's " › " read as
 * " > ") or ".NAME". A case that matches none is a new test
 * "CLASSNAME::NAME" with an id after the run's. The first case of a test
 * wins. *out gets one e2e_test per joined or new test (id, name,
 * classname, junit_ns and the case's status; strings owned, free with
 * e2e_store_tests_free()'s rules: name, status, classname). */
void e2e_junit_join(const struct e2e_junit_case *c, size_t nc, const struct e2e_test *tests, size_t ntests,
		    struct e2e_test **out, size_t *nout);

#endif
