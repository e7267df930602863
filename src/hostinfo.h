/* hostinfo.h - facts about where a run happened: host fingerprint, git
 * commit and branch, the command line. Reads /proc, uname, environment and
 * runs `git`; never fails (unknown facts are ""). */
#ifndef E2E_HOSTINFO_H
#define E2E_HOSTINFO_H

struct e2e_run;

/* Fills host_cpu, host_cores, host_os, git_commit, git_branch and
 * tool_version of run (allocated; e2e_run_finish frees them). Git facts
 * come from CI variables (GITHUB_SHA, CI_COMMIT_SHA, ...) when present,
 * else from `git` in the current directory. */
void e2e_hostinfo_fill(struct e2e_run *run);

/* Joins argv as a shell-readable command line (quoting where needed).
 * Caller frees. */
char *e2e_hostinfo_cmdline(char *const argv[], int argc);

#endif
