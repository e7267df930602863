/* The fuzz harnesses (tests/fuzz/fuzz_<name>.c) on their seeds and on
 * every input the fuzzers ever crashed on, in the normal build: each
 * input goes through the same parser and the same invariant checks as
 * under libFuzzer, and must come back cleanly (0 or a negative code of
 * error.h, never a crash or a broken invariant).
 *
 * tests/fuzz/corpus/<name>/ holds the seeds: "ok-*" must parse, "bad-*"
 * must be rejected with E2E_ERR_INPUT. tests/fuzz/regressions/<name>/
 * holds the crash inputs (named after the bug; any clean code). */
#include <check.h>
#include <dirent.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "error.h"
#include "testutil.h"
#include "fuzz/fuzz.h"

static const struct harness {
	const char *name;
	int (*fn)(const uint8_t *data, size_t size);
	size_t min_seeds;
} harnesses[] = {
	{ "har", e2e_fuzz_har, 4 },
	{ "rules", e2e_fuzz_rules, 3 },
	{ "baseline", e2e_fuzz_baseline, 2 },
	{ "routes", e2e_fuzz_routes, 4 },
	{ "template", e2e_fuzz_template, 10 },
	{ "hist", e2e_fuzz_hist, 4 },
	{ "json_stream", e2e_fuzz_json_stream, 10 },
	{ "http1", e2e_fuzz_http1, 10 },
	{ "http1_req", e2e_fuzz_http1_req, 10 },
	{ "junit", e2e_fuzz_junit, 6 },
	{ "fold", e2e_fuzz_fold, 4 },
	{ "front", e2e_fuzz_front, 8 },
};

static int no_dots(const struct dirent *d)
{
	return d->d_name[0] != '.';
}

/* Runs every file of dir (sorted) through h; returns how many. */
static size_t run_dir(const struct harness *h, const char *kind, bool seeds)
{
	char rel[128];
	char *dir;
	struct dirent **ents = NULL;
	int n;

	snprintf(rel, sizeof(rel), "tests/fuzz/%s/%s", kind, h->name);
	dir = tu_source_path(rel);
	n = scandir(dir, &ents, no_dots, alphasort);
	if (n < 0) {
		free(dir);
		return 0;
	}
	for (int i = 0; i < n; i++) {
		char *file = tu_path(dir, ents[i]->d_name);
		size_t len = 0;
		char *data = tu_read_file(file, &len);
		int rc;

		ck_assert_msg(data != NULL, "cannot read %s", file);
		/* a crash names the input on stderr before Check reports the signal */
		fprintf(stderr, "fuzz_%s: %s\n", h->name, file);
		rc = h->fn((const uint8_t *)data, len);
		ck_assert_msg(rc == 0 || rc == E2E_ERR_INPUT || rc == E2E_ERR_RUNTIME || rc == E2E_ERR_EMPTY,
			      "%s: returned %d", file, rc);
		if (seeds && strncmp(ents[i]->d_name, "ok-", 3) == 0)
			ck_assert_msg(rc == 0, "%s: %s", file, e2e_error_message());
		if (seeds && strncmp(ents[i]->d_name, "bad-", 4) == 0)
			ck_assert_msg(rc == E2E_ERR_INPUT, "%s: returned %d, want %d", file, rc,
				      E2E_ERR_INPUT);
		free(data);
		free(file);
		free(ents[i]);
	}
	free(ents);
	free(dir);
	return (size_t)n;
}

START_TEST(test_seeds)
{
	const struct harness *h = &harnesses[_i];
	size_t n = run_dir(h, "corpus", true);

	ck_assert_msg(n >= h->min_seeds, "tests/fuzz/corpus/%s: %zu seeds, want at least %zu", h->name, n,
		      h->min_seeds);
}
END_TEST

START_TEST(test_regressions)
{
	run_dir(&harnesses[_i], "regressions", false);
}
END_TEST

static Suite *fuzz_regressions_suite(void)
{
	Suite *s = suite_create("fuzz_regressions");
	TCase *tc = tcase_create("seeds");
	int n = (int)(sizeof(harnesses) / sizeof(harnesses[0]));

	tcase_set_timeout(tc, 60);
	tcase_add_loop_test(tc, test_seeds, 0, n);
	suite_add_tcase(s, tc);
	tc = tcase_create("regressions");
	tcase_set_timeout(tc, 60);
	tcase_add_loop_test(tc, test_regressions, 0, n);
	suite_add_tcase(s, tc);
	return s;
}

E2E_TEST_MAIN(fuzz_regressions_suite)
