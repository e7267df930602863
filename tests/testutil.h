/* testutil.h - helpers shared by the Check test binaries. */
#ifndef E2E_TESTUTIL_H
#define E2E_TESTUTIL_H

#include <check.h>
#include <stddef.h>
#include <sys/types.h>

/* A fresh directory under $TMPDIR (or /tmp), removed by tu_rmtree().
 * Caller frees the string. */
char *tu_mkdtemp(void);
/* rm -rf path (only paths tu_mkdtemp() made). */
void tu_rmtree(const char *path);
/* "dir/name"; caller frees. */
char *tu_path(const char *dir, const char *name);
/* Writes len bytes (or strlen when len == (size_t)-1); aborts on failure. */
void tu_write_file(const char *path, const char *data, size_t len);
/* Whole file, NUL-terminated (NULL if unreadable); caller frees. */
char *tu_read_file(const char *path, size_t *len);

/* Runs argv (argv[0] is looked up in PATH unless it has a '/') with stdin
 * from /dev/null, collecting stdout and stderr. Returns the exit status
 * (128+signal if killed). Caller frees *out and *err when non-NULL. */
int tu_run(char *const argv[], char **out, char **err);

/* Path of the e2e binary ($E2E_BIN, set by meson). */
const char *tu_e2e_bin(void);
/* Path under the source tree ($E2E_SOURCE_ROOT/rel); caller frees. */
char *tu_source_path(const char *rel);

/* Runs before() when non-NULL, then every test of the suite make_suite()
 * builds (Check forks each test unless CK_FORK=no), frees the runner and
 * the suite, then runs after() when non-NULL; both hooks run once, in this
 * process, never in a forked test. Returns the exit status for main(): 0
 * when every test passed, 1 otherwise. */
int tu_run_suite(Suite *(*make_suite)(void), void (*before)(void), void (*after)(void));

/* The main() of a test binary: E2E_TEST_MAIN(foo_suite) after the file's
 * static Suite *foo_suite(void). E2E_TEST_MAIN_WITH adds the once-per-binary
 * hooks of tu_run_suite() (global library set-up such as curl's). */
#define E2E_TEST_MAIN_WITH(make_suite, before, after)                                                        \
	int main(void)                                                                                       \
	{                                                                                                    \
		return tu_run_suite((make_suite), (before), (after));                                        \
	}
#define E2E_TEST_MAIN(make_suite) E2E_TEST_MAIN_WITH(make_suite, NULL, NULL)

#endif
