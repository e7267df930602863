/* testmark.h - which test issued each request (SPEC section 11), the
 * proxy's side: the control endpoint's markers ("test NAME started",
 * "test NAME ended with STATUS") and the E2E-Test request header. Interns
 * test names into the run's test ids and decides each request's test id:
 * the one its header names; else, with exactly one test started and not
 * ended, that test; with none, E2E_TEST_OUTSIDE; with several (parallel
 * workers that do not name themselves), E2E_TEST_UNATTRIBUTED, never a
 * guess. The header's value is the name, percent-encoded where it is not
 * printable ASCII ('%' itself as %25). A bad name (empty, control bytes, not UTF-8, longer than
 * E2E_TEST_NAME_MAX) leaves its request unattributed and is counted.
 *
 * Owned by the proxy's event loop: one thread, no I/O, no locks. Whatever
 * the store must know comes out as e2e_test_events for the capture batch. */
#ifndef E2E_TESTMARK_H
#define E2E_TESTMARK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sample.h"

/* The control endpoint: this path prefix on the proxy's own listener is
 * never forwarded and never recorded. E2E_CONTROL_URL is the proxy's URL
 * with this path; markers are
 *   POST $E2E_CONTROL_URL/start?name=NAME
 *   POST $E2E_CONTROL_URL/end?name=NAME&status=STATUS
 * NAME and STATUS percent-encoded; STATUS one of E2E_TEST_STATUSES. */
#define E2E_CONTROL_PATH "/__e2e/v1/test"
#define E2E_TEST_HEADER "E2E-Test"
#define E2E_TEST_STATUSES "passed, failed, skipped, error, xfailed, xpassed"

struct e2e_testmark;

struct e2e_testmark_stats {
	uint64_t tests; /* test ids given */
	uint64_t markers; /* control requests that were accepted */
	uint64_t bad_markers; /* control requests that were refused */
	uint64_t bad_headers; /* requests whose E2E-Test header was refused */
};

/* Caller destroys; accepts NULL. */
struct e2e_testmark *e2e_testmark_create(void);
void e2e_testmark_destroy(struct e2e_testmark *t);

/* Is the request target (origin-form, query included) one for the
 * control endpoint? */
bool e2e_testmark_is_control(const char *target, size_t len);

/* What a control request gets back: status 204 with an event for the
 * store (or two: a new test's BEGIN before its END), or a 4xx status with
 * a one-line plain-text message. Event texts and message point into t,
 * valid until its next call. */
struct e2e_testmark_reply {
	unsigned status;
	const char *message; /* "" for 204 */
	struct e2e_test_event ev[2];
	size_t nev;
};

/* Handles a control request: its method and target as received, at at_ns
 * (offset from the run's start). */
void e2e_testmark_control(struct e2e_testmark *t, const char *method, const char *target, size_t len,
			  uint64_t at_ns, struct e2e_testmark_reply *out);

/* The test id of a request that starts at at_ns; hdr is its E2E-Test
 * header value (NULL when it has none). A header naming a test for the
 * first time adds its BEGIN to ev (*nev = 1, text valid until the next
 * call), else *nev = 0. */
uint32_t e2e_testmark_attribute(struct e2e_testmark *t, const char *hdr, size_t hlen, uint64_t at_ns,
				struct e2e_test_event *ev, size_t *nev);

void e2e_testmark_stats(const struct e2e_testmark *t, struct e2e_testmark_stats *out);

/* Decodes percent-encoding of s into out (at least len bytes; '+' is a
 * space when plus_space, as in a query); returns the decoded length. A
 * malformed escape is kept as is. */
size_t e2e_testmark_unescape(const char *s, size_t len, bool plus_space, char *out);

#endif
