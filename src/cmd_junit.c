/* cmd_junit.c - --junit FILE (perf-profile after each run, perf-report
 * for a stored run after the fact): JUnit XML results joined with a run's
 * tests (SPEC section 11). Problems are warnings: the run is recorded and
 * reported whatever the files hold. */
#include <glob.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <time.h>

#include "cmd.h"
#include "error.h"
#include "fsutil.h"
#include "junit_read.h"
#include "store.h"
#include "banned.h"

#define JUNIT_MAX_BYTES (256u << 20)

/* One JUnit file into run_id: 0, or why not (a warning, never the run's
 * failure). A file older than the run is a previous run's: left alone. */
static int junit_file(struct e2e_store *st, int64_t run_id, const char *path, time_t run_start)
{
	struct e2e_junit_case *cases = NULL;
	struct e2e_test *tests = NULL, *joined = NULL;
	size_t nc = 0, nt = 0, nj = 0;
	struct stat sb;
	char *data = NULL;
	size_t len;
	int rc;

	if (run_start && stat(path, &sb) == 0 && sb.st_mtime < run_start)
		return e2e_error(E2E_ERR_INPUT, "'%s' is older than the run: not read", path);
	rc = e2e_fsutil_read_file(path, "JUnit file", JUNIT_MAX_BYTES, &data, &len);
	if (rc == 0)
		rc = e2e_junit_read(data, len, path, &cases, &nc);
	if (rc == 0)
		rc = e2e_store_tests_load(st, run_id, &tests, &nt);
	if (rc == 0) {
		e2e_junit_join(cases, nc, tests, nt, &joined, &nj);
		rc = e2e_store_tests_junit(st, run_id, joined, nj);
	}
	e2e_store_tests_free(joined, nj);
	e2e_store_tests_free(tests, nt);
	e2e_junit_cases_free(cases, nc);
	free(data);
	return rc;
}

void e2e_cmd_junit_ingest(const char *cmd, const struct e2e_cli_list *files, struct e2e_store *st,
			  int64_t run_id, time_t run_start)
{
	for (size_t i = 0; i < files->n; i++) {
		glob_t g;
		int grc = glob(files->v[i], GLOB_NOSORT, NULL, &g);

		if (grc == GLOB_NOMATCH)
			e2e_cmd_fail(cmd, "warning: --junit '%s' matches no file", files->v[i]);
		for (size_t k = 0; grc == 0 && k < g.gl_pathc; k++)
			if (junit_file(st, run_id, g.gl_pathv[k], run_start) < 0)
				e2e_cmd_fail(cmd, "warning: %s", e2e_error_message());
		if (grc != GLOB_NOMATCH)
			globfree(&g);
	}
}
