/* Unit tests for hostinfo.c: git facts from a real repository, from CI
 * variables, and when the child cannot be waited for (SIGCHLD ignored);
 * shell quoting of the command line. */
#include <check.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "hostinfo.h"
#include "model.h"
#include "testutil.h"

static void unset_ci_vars(void)
{
	static const char *const vars[] = {
		"GITHUB_SHA",	    "CI_COMMIT_SHA",   "BUILDKITE_COMMIT", "CIRCLE_SHA1",
		"GIT_COMMIT",	    "GITHUB_HEAD_REF", "GITHUB_REF_NAME",  "CI_COMMIT_REF_NAME",
		"BUILDKITE_BRANCH", "CIRCLE_BRANCH",   "GIT_BRANCH",	   "GIT_DIR",
		"GIT_WORK_TREE",
	};

	for (size_t i = 0; i < sizeof(vars) / sizeof(vars[0]); i++)
		unsetenv(vars[i]);
}

/* A fresh repository with one commit on branch "trunk" as the current
 * directory, and no CI variable set. */
struct repo {
	char *dir, *cwd;
	char head[41];
};

static void repo_enter(struct repo *r)
{
	char *out = NULL;

	unset_ci_vars();
	r->cwd = getcwd(NULL, 0);
	r->dir = tu_mkdtemp();
	char *init[] = { "git", "init", "-q", "-b", "trunk", r->dir, NULL };
	char *commit[] = {
		"git",	  "-C", r->dir,		 "-c", "user.name=t", "-c", "user.email=t@example.com",
		"commit", "-q", "--allow-empty", "-m", "x",	      NULL
	};
	char *rev[] = { "git", "-C", r->dir, "rev-parse", "HEAD", NULL };

	ck_assert_int_eq(tu_run(init, NULL, NULL), 0);
	ck_assert_int_eq(tu_run(commit, NULL, NULL), 0);
	ck_assert_int_eq(tu_run(rev, &out, NULL), 0);
	ck_assert_uint_ge(strlen(out), 40);
	memcpy(r->head, out, 40);
	r->head[40] = '\0';
	free(out);
	ck_assert_int_eq(chdir(r->dir), 0);
}

static void repo_leave(struct repo *r)
{
	ck_assert_int_eq(chdir(r->cwd), 0);
	tu_rmtree(r->dir);
	free(r->dir);
	free(r->cwd);
}

START_TEST(test_git_facts)
{
	struct repo repo;
	struct e2e_run run = { 0 };

	repo_enter(&repo);
	e2e_hostinfo_fill(&run);
	ck_assert_str_eq(run.git_commit, repo.head);
	ck_assert_str_eq(run.git_branch, "trunk");
	ck_assert_str_ne(run.tool_version, "");
	ck_assert_str_ne(run.host_os, "");
	e2e_run_finish(&run);

	setenv("GITHUB_SHA", "abc123", 1);
	setenv("GITHUB_HEAD_REF", "feature", 1);
	e2e_hostinfo_fill(&run);
	ck_assert_str_eq(run.git_commit, "abc123");
	ck_assert_str_eq(run.git_branch, "feature");
	e2e_run_finish(&run);
	repo_leave(&repo);
}
END_TEST

/* With SIGCHLD ignored the kernel reaps git itself and waitpid() fails
 * with ECHILD: the facts are unknown, and hostinfo must not wait forever
 * (it retried every failure, so this test timed out). */
START_TEST(test_child_reaped_elsewhere)
{
	struct repo repo;
	struct e2e_run run = { 0 };

	repo_enter(&repo);
	signal(SIGCHLD, SIG_IGN);
	e2e_hostinfo_fill(&run);
	signal(SIGCHLD, SIG_DFL);
	ck_assert_str_eq(run.git_commit, "");
	ck_assert_str_eq(run.git_branch, "");
	e2e_run_finish(&run);
	repo_leave(&repo);
}
END_TEST

START_TEST(test_cmdline)
{
	static const struct {
		const char *argv[4];
		int argc;
		const char *want;
	} cases[] = {
		{ { "npm", "test" }, 2, "npm test" },
		{ { "sh", "-c", "make check" }, 3, "sh -c 'make check'" },
		{ { "echo", "it's" }, 2, "echo 'it'\\''s'" },
		{ { "printf", "" }, 2, "printf ''" },
		{ { "a=b", "x/y.z:1,2+3@4%" }, 2, "a=b x/y.z:1,2+3@4%" },
		{ { NULL }, 0, "" },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char *got = e2e_hostinfo_cmdline((char *const *)cases[i].argv, cases[i].argc);

		ck_assert_str_eq(got, cases[i].want);
		free(got);
	}
}
END_TEST

static Suite *hostinfo_suite(void)
{
	Suite *s = suite_create("hostinfo");
	TCase *tc = tcase_create("hostinfo");

	tcase_add_test(tc, test_git_facts);
	tcase_add_test(tc, test_child_reaped_elsewhere);
	tcase_add_test(tc, test_cmdline);
	tcase_set_timeout(tc, 30);
	suite_add_tcase(s, tc);
	return s;
}

E2E_TEST_MAIN(hostinfo_suite)
