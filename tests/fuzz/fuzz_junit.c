/* fuzz_junit.c - the JUnit XML reader (junit_read.h) from memory, then the
 * join with a fixed set of marker tests.
 *
 * When the document reads: every case has a name and a classname (maybe
 * ""), one of the four statuses and a duration under 1e9 s; the join gives
 * each test once, ids of the markers' tests or new ones after them, names
 * within E2E_TEST_NAME_MAX. A refusal has a message naming the file. */
#include <string.h>

#include "error.h"
#include "junit_read.h"
#include "model.h"
#include "sample.h"
#include "store.h"
#include "fuzz.h"

static const struct e2e_test markers[] = {
	{ .id = 2, .name = "test_demo.py::test_a", .status = "passed" },
	{ .id = 3, .name = "com.shop.CheckoutTest.testPay", .status = "" },
	{ .id = 5, .name = "demo.spec.js > orders > by id", .status = "failed" },
};

#define NMARKERS (sizeof(markers) / sizeof(markers[0]))

static bool known_status(const char *s)
{
	return strcmp(s, "passed") == 0 || strcmp(s, "failed") == 0 || strcmp(s, "error") == 0 ||
	       strcmp(s, "skipped") == 0;
}

int e2e_fuzz_junit(const uint8_t *data, size_t size)
{
	struct e2e_junit_case *c = NULL;
	struct e2e_test *j = NULL;
	size_t nc = 0, nj = 0;
	int rc = e2e_junit_read((const char *)data, size, "fuzz.xml", &c, &nc);

	if (rc < 0) {
		E2E_FUZZ_CHECK(rc == E2E_ERR_INPUT && strstr(e2e_error_message(), "'fuzz.xml'"));
		return rc;
	}
	for (size_t i = 0; i < nc; i++) {
		E2E_FUZZ_CHECK(c[i].name && c[i].classname && known_status(c[i].status));
		E2E_FUZZ_CHECK(c[i].duration_ns <= 1000000000ull * 1000000000ull);
	}
	e2e_junit_join(c, nc, markers, NMARKERS, &j, &nj);
	E2E_FUZZ_CHECK(nj <= nc);
	for (size_t i = 0; i < nj; i++) {
		E2E_FUZZ_CHECK(j[i].id >= E2E_TEST_FIRST && j[i].name &&
			       strlen(j[i].name) <= E2E_TEST_NAME_MAX);
		E2E_FUZZ_CHECK(known_status(j[i].status) && j[i].classname);
		for (size_t k = 0; k < i; k++)
			E2E_FUZZ_CHECK(j[k].id != j[i].id && strcmp(j[k].name, j[i].name) != 0);
		if (j[i].id <= 5) {
			bool found = false;
			for (size_t m = 0; m < NMARKERS; m++)
				found |= markers[m].id == j[i].id && strcmp(markers[m].name, j[i].name) == 0;
			E2E_FUZZ_CHECK(found);
		}
	}
	e2e_store_tests_free(j, nj);
	e2e_junit_cases_free(c, nc);
	return 0;
}

E2E_FUZZ_TARGET(e2e_fuzz_junit)
