/* testreport.h - which tests called which endpoint (SPEC section 11), the
 * analysis side: per test of the covered runs (joined by name across
 * them), its requests, errors, time in HTTP and its own duration, its
 * statuses (failed or flaky across --repeat runs); per endpoint the tests
 * that call it most. Analysis only, no I/O: report.c computes it from the
 * endpoints' samples and the runs' tests, renderers read it. */
#ifndef E2E_TESTREPORT_H
#define E2E_TESTREPORT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "model.h"

struct e2e_report;

struct e2e_test_report {
	char *name;
	char *status; /* in the newest run that has it; "" unknown */
	char *classname; /* from --junit, in the newest run that has it; "" none */
	uint32_t runs; /* covered runs it ran in */
	uint32_t passed, failed; /* runs where it passed; failed (or error) */
	bool flaky; /* passed in one run, failed in another */
	uint64_t requests, errors;
	double http_ms; /* summed request latency (total upstream time) */
	double duration_ms; /* its own time, start to end marker (else --junit's), mean over its runs; NAN
			       unknown */
	/* Per covered run k (index into e2e_report.runs): its duration there
	 * (NAN: not run there or unknown) and its state (baselines keep them,
	 * the gate's --gate-tests judges them). */
	double *run_ms;
	uint8_t *run_state; /* enum e2e_test_state */
};

enum e2e_test_state {
	E2E_TEST_ABSENT = 0, /* not run in that run */
	E2E_TEST_PASSED,
	E2E_TEST_FAILED, /* "failed" or "error" */
	E2E_TEST_OTHER, /* skipped, never ended, ... */
};

/* A test's share of one endpoint. */
struct e2e_test_count {
	size_t test; /* index into e2e_tests_report.tests */
	uint64_t count;
};

#define E2E_TESTS_TOP 3 /* tests named per endpoint */

struct e2e_tests_report {
	struct e2e_test_report *tests; /* duration descending (unknown last), then HTTP time, then name */
	size_t ntests;
	uint64_t outside; /* requests made while no test ran */
	uint64_t unattributed; /* requests of several tests at once, unnamed, or badly named */
	/* Per endpoint, indexed like e2e_report.endpoints: its callers, count
	 * descending then name, at most E2E_TESTS_TOP, and how many in all. */
	struct e2e_test_count (*top)[E2E_TESTS_TOP];
	size_t *ntop;
	size_t *ncallers;
};

/* Computes it for rep, whose runs carry tests[k] (ntests[k] of them) like
 * rep->runs. *out is NULL when no covered run has a test. Caller destroys. */
int e2e_tests_report_compute(const struct e2e_report *rep, const struct e2e_test *const *tests,
			     const size_t *ntests, struct e2e_tests_report **out);
/* Accepts NULL. */
void e2e_tests_report_destroy(struct e2e_tests_report *t);
/* Computes r->tests from the covered runs' tests (e2e_store_tests_load),
 * tests[k] for r->runs[k] (r->tests stays NULL when no run has a test);
 * e2e_report_destroy() frees it. */
int e2e_report_add_tests(struct e2e_report *r, const struct e2e_test *const *tests, const size_t *ntests);

/* "test_checkout (38x), test_profile (2x)" for endpoint e (index into
 * rep->endpoints), appended to b; nothing when it has no caller. The
 * names are as stored (a format escapes the text it is put in). */
struct e2e_buf;
void e2e_tests_report_callers(const struct e2e_tests_report *t, size_t e, struct e2e_buf *b);

#endif
