/* Unit tests for fsutil.c: the atomic write (mode from the umask, no
 * temporary file left on success or failure), mkdir -p, and the
 * size-limited reader at its exact boundary. Real files in a temporary
 * directory. */
#include <check.h>
#include <dirent.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include "error.h"
#include "fsutil.h"
#include "testutil.h"

/* Entries of dir other than "." and "..". */
static size_t count_entries(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *de;
	size_t n = 0;

	ck_assert_ptr_nonnull(d);
	while ((de = readdir(d)))
		if (strcmp(de->d_name, ".") != 0 && strcmp(de->d_name, "..") != 0)
			n++;
	closedir(d);
	return n;
}

static mode_t mode_of(const char *path)
{
	struct stat st;

	ck_assert_int_eq(stat(path, &st), 0);
	return st.st_mode & 07777;
}

START_TEST(test_write_mode_follows_umask)
{
	static const mode_t masks[] = { 027, 022, 077, 0 };
	char *dir = tu_mkdtemp(), *path = tu_path(dir, "out.txt"), *sub = tu_path(dir, "sub");
	mode_t old = umask(022);

	for (size_t i = 0; i < sizeof(masks) / sizeof(masks[0]); i++) {
		umask(masks[i]);
		unlink(path);
		ck_assert_int_eq(e2e_fsutil_write_atomic(path, NULL, "new\n", 4), 0);
		ck_assert_int_eq(mode_of(path), 0666 & ~masks[i]);
		/* over an existing file: created anew, so the umask decides again */
		chmod(path, 0600);
		ck_assert_int_eq(e2e_fsutil_write_atomic(path, NULL, "again\n", 6), 0);
		ck_assert_int_eq(mode_of(path), 0666 & ~masks[i]);
		rmdir(sub);
		ck_assert_int_eq(e2e_fsutil_mkdir_p(sub), 0);
		ck_assert_int_eq(mode_of(sub), 0777 & ~masks[i]);
	}
	umask(old);
	tu_rmtree(dir);
	free(dir);
	free(path);
	free(sub);
}
END_TEST

START_TEST(test_write_replaces)
{
	char *dir = tu_mkdtemp(), *path = tu_path(dir, "out.txt"), *text;
	size_t len = 0;

	tu_write_file(path, "old and longer content that must disappear\n", (size_t)-1);
	ck_assert_int_eq(e2e_fsutil_write_atomic(path, "report", "new\n", 4), 0);
	text = tu_read_file(path, &len);
	ck_assert_uint_eq(len, 4);
	ck_assert_str_eq(text, "new\n");
	free(text);
	ck_assert_int_eq(e2e_fsutil_write_atomic(path, "report", "", 0), 0);
	text = tu_read_file(path, &len);
	ck_assert_uint_eq(len, 0);
	free(text);
	ck_assert_uint_eq(count_entries(dir), 1);
	tu_rmtree(dir);
	free(dir);
	free(path);
}
END_TEST

/* A relative path with no directory part lands in the current one. */
START_TEST(test_write_bare_name)
{
	char *dir = tu_mkdtemp(), *cwd = getcwd(NULL, 0), *text;

	ck_assert_int_eq(chdir(dir), 0);
	ck_assert_int_eq(e2e_fsutil_write_atomic("bare.txt", NULL, "x", 1), 0);
	text = tu_read_file("bare.txt", NULL);
	ck_assert_str_eq(text, "x");
	ck_assert_uint_eq(count_entries("."), 1);
	ck_assert_int_eq(chdir(cwd), 0);
	free(text);
	free(cwd);
	tu_rmtree(dir);
	free(dir);
}
END_TEST

/* A write that fails part-way (RLIMIT_FSIZE: EFBIG) leaves the old file
 * as it was and no temporary file. */
START_TEST(test_write_fails_midway)
{
	char *dir = tu_mkdtemp(), *path = tu_path(dir, "out.txt"), *text, *big = malloc(65536), want[512];
	struct rlimit old, lim;

	memset(big, 'x', 65536);
	tu_write_file(path, "keep me\n", (size_t)-1);
	signal(SIGXFSZ, SIG_IGN);
	ck_assert_int_eq(getrlimit(RLIMIT_FSIZE, &old), 0);
	lim = old;
	lim.rlim_cur = 4096;
	ck_assert_int_eq(setrlimit(RLIMIT_FSIZE, &lim), 0);
	ck_assert_int_eq(e2e_fsutil_write_atomic(path, "baseline", big, 65536), E2E_ERR_RUNTIME);
	setrlimit(RLIMIT_FSIZE, &old);
	snprintf(want, sizeof(want), "cannot write baseline '%s': %s", path, strerror(EFBIG));
	ck_assert_str_eq(e2e_error_message(), want);
	text = tu_read_file(path, NULL);
	ck_assert_str_eq(text, "keep me\n");
	ck_assert_uint_eq(count_entries(dir), 1);
	free(text);
	free(big);
	tu_rmtree(dir);
	free(dir);
	free(path);
}
END_TEST

/* Failures before the write (no directory, a read-only one) and at the
 * rename (a non-empty directory in the way): the message names the file,
 * nothing is left behind. */
START_TEST(test_write_fails)
{
	char *dir = tu_mkdtemp(), *missing = tu_path(dir, "no/such/dir/r.txt"),
	     *taken = tu_path(dir, "taken"), *inside = tu_path(dir, "taken/x"), *ro = tu_path(dir, "ro"),
	     *in_ro = tu_path(dir, "ro/r.txt"), want[512];

	ck_assert_int_eq(e2e_fsutil_write_atomic(missing, NULL, "x", 1), E2E_ERR_RUNTIME);
	snprintf(want, sizeof(want), "cannot write '%s': No such file or directory", missing);
	ck_assert_str_eq(e2e_error_message(), want);

	ck_assert_int_eq(mkdir(taken, 0777), 0);
	tu_write_file(inside, "x", 1);
	ck_assert_int_eq(e2e_fsutil_write_atomic(taken, "report", "x", 1), E2E_ERR_RUNTIME);
	snprintf(want, sizeof(want), "cannot write report '%s': %s", taken, strerror(EISDIR));
	ck_assert_str_eq(e2e_error_message(), want);
	ck_assert_uint_eq(count_entries(dir), 1);

	ck_assert_int_eq(mkdir(ro, 0555), 0);
	if (geteuid() != 0) { /* root writes anywhere */
		ck_assert_int_eq(e2e_fsutil_write_atomic(in_ro, NULL, "x", 1), E2E_ERR_RUNTIME);
		snprintf(want, sizeof(want), "cannot write '%s': Permission denied", in_ro);
		ck_assert_str_eq(e2e_error_message(), want);
		ck_assert_uint_eq(count_entries(ro), 0);
	}
	chmod(ro, 0755);
	tu_rmtree(dir);
	free(dir);
	free(missing);
	free(taken);
	free(inside);
	free(ro);
	free(in_ro);
}
END_TEST

START_TEST(test_mkdir_p)
{
	char *dir = tu_mkdtemp(), *deep = tu_path(dir, "a/b/c"), *slashes = tu_path(dir, "d//e/"),
	     *file = tu_path(dir, "file"), *below = tu_path(dir, "file/x/y"),
	     *parents = tu_path(dir, "p/q/r.json"), *q = tu_path(dir, "p/q"), *r = tu_path(dir, "p/q/r.json"),
	     want[512];
	struct stat st;

	ck_assert_int_eq(e2e_fsutil_mkdir_p(deep), 0);
	ck_assert(stat(deep, &st) == 0 && S_ISDIR(st.st_mode));
	ck_assert_int_eq(e2e_fsutil_mkdir_p(deep), 0); /* it exists: fine */
	ck_assert_int_eq(e2e_fsutil_mkdir_p(dir), 0);
	ck_assert_int_eq(e2e_fsutil_mkdir_p("/"), 0);
	ck_assert_int_eq(e2e_fsutil_mkdir_p(slashes), 0);
	ck_assert(stat(slashes, &st) == 0 && S_ISDIR(st.st_mode));

	tu_write_file(file, "x", 1);
	ck_assert_int_eq(e2e_fsutil_mkdir_p(file), E2E_ERR_RUNTIME);
	snprintf(want, sizeof(want), "cannot create directory '%s': Not a directory", file);
	ck_assert_str_eq(e2e_error_message(), want);
	ck_assert_int_eq(e2e_fsutil_mkdir_p(below), E2E_ERR_RUNTIME);
	ck_assert_str_eq(e2e_error_message(), want);

	ck_assert_int_eq(e2e_fsutil_mkdir_parents(parents), 0);
	ck_assert(stat(q, &st) == 0 && S_ISDIR(st.st_mode));
	ck_assert_int_eq(stat(r, &st), -1);
	ck_assert_int_eq(e2e_fsutil_mkdir_parents("bare.json"), 0);
	ck_assert_int_eq(e2e_fsutil_mkdir_parents("/bare.json"), 0);
	tu_rmtree(dir);
	free(dir);
	free(deep);
	free(slashes);
	free(file);
	free(below);
	free(parents);
	free(q);
	free(r);
}
END_TEST

START_TEST(test_read_limit)
{
	static const struct {
		size_t size, max;
		const char *refused; /* NULL: read whole */
	} cases[] = {
		{ 0, 10, NULL },
		{ 9, 10, NULL },
		{ 10, 10, NULL },
		{ 11, 10, "larger than 10 bytes" },
		{ 4096, 10, "larger than 10 bytes" },
		{ 1 << 20, 1 << 20, NULL },
		{ (1 << 20) + 1, 1 << 20, "larger than 1 MiB" },
		{ 1, 0, "larger than 0 bytes" },
	};
	char *dir = tu_mkdtemp(), *path = tu_path(dir, "in.json"), *data = malloc((1 << 20) + 1), want[512];

	for (size_t i = 0; i < (1 << 20) + 1; i++)
		data[i] = (char)('a' + i % 26);
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char *got = NULL;
		size_t len = 0;
		int rc;

		tu_write_file(path, data, cases[i].size);
		rc = e2e_fsutil_read_file(path, "rules file", cases[i].max, &got, &len);
		if (!cases[i].refused) {
			ck_assert_msg(rc == 0, "case %zu: %s", i, e2e_error_message());
			ck_assert_uint_eq(len, cases[i].size);
			ck_assert(memcmp(got, data, len) == 0);
			ck_assert_int_eq(got[len], '\0');
			free(got);
			continue;
		}
		ck_assert_int_eq(rc, E2E_ERR_INPUT);
		ck_assert_ptr_null(got);
		snprintf(want, sizeof(want), "'%s': rules file %s", path, cases[i].refused);
		ck_assert_str_eq(e2e_error_message(), want);
	}
	free(data);
	tu_rmtree(dir);
	free(dir);
	free(path);
}
END_TEST

/* A pipe has no size to stat: the limit holds on what is read. */
START_TEST(test_read_pipe)
{
	int fds[2];
	char *got = NULL;
	size_t len = 0;

	ck_assert_int_eq(pipe(fds), 0);
	ck_assert_int_eq(write(fds[1], "0123456789", 10), 10);
	close(fds[1]);
	ck_assert_int_eq(e2e_fsutil_read_fd(fds[0], "-", "baseline", 10, &got, &len), 0);
	ck_assert_uint_eq(len, 10);
	ck_assert_str_eq(got, "0123456789");
	free(got);
	close(fds[0]);

	got = NULL;
	ck_assert_int_eq(pipe(fds), 0);
	ck_assert_int_eq(write(fds[1], "0123456789!", 11), 11);
	close(fds[1]);
	ck_assert_int_eq(e2e_fsutil_read_fd(fds[0], "-", "baseline", 10, &got, &len), E2E_ERR_INPUT);
	ck_assert_str_eq(e2e_error_message(), "'-': baseline larger than 10 bytes");
	ck_assert_ptr_null(got);
	close(fds[0]);
}
END_TEST

START_TEST(test_read_errors)
{
	char *dir = tu_mkdtemp(), *missing = tu_path(dir, "missing.json"), *got = NULL, want[512];
	size_t len = 0;

	ck_assert_int_eq(e2e_fsutil_read_file(missing, "rules file", 10, &got, &len), E2E_ERR_INPUT);
	snprintf(want, sizeof(want), "cannot read rules file '%s': No such file or directory", missing);
	ck_assert_str_eq(e2e_error_message(), want);
	ck_assert_int_eq(e2e_fsutil_read_file(dir, "rules file", 10, &got, &len), E2E_ERR_INPUT);
	snprintf(want, sizeof(want), "cannot read rules file '%s': %s", dir, strerror(EISDIR));
	ck_assert_str_eq(e2e_error_message(), want);
	ck_assert_ptr_null(got);
	tu_rmtree(dir);
	free(dir);
	free(missing);
}
END_TEST

static Suite *fsutil_suite(void)
{
	Suite *s = suite_create("fsutil");
	TCase *tw = tcase_create("write");
	TCase *td = tcase_create("mkdir");
	TCase *tr = tcase_create("read");

	tcase_add_test(tw, test_write_mode_follows_umask);
	tcase_add_test(tw, test_write_replaces);
	tcase_add_test(tw, test_write_bare_name);
	tcase_add_test(tw, test_write_fails_midway);
	tcase_add_test(tw, test_write_fails);
	tcase_add_test(td, test_mkdir_p);
	tcase_add_test(tr, test_read_limit);
	tcase_add_test(tr, test_read_pipe);
	tcase_add_test(tr, test_read_errors);
	suite_add_tcase(s, tw);
	suite_add_tcase(s, td);
	suite_add_tcase(s, tr);
	return s;
}

E2E_TEST_MAIN(fsutil_suite)
