#include "hostinfo.h"

#include <errno.h>
#include <fcntl.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <unistd.h>

#include "buf.h"
#include "e2e-config.h"
#include "model.h"
#include "banned.h"

extern char **environ;

static char *trim_dup(const char *s, size_t n)
{
	while (n && (s[n - 1] == '\n' || s[n - 1] == '\r' || s[n - 1] == ' ' || s[n - 1] == '\t'))
		n--;
	while (n && (*s == ' ' || *s == '\t')) {
		s++;
		n--;
	}
	char *p = e2e_xmalloc(n + 1);
	memcpy(p, s, n);
	p[n] = '\0';
	return p;
}

/* The value of the first "key<sep>value" line of a file, or "". */
static char *file_field(const char *path, const char *key, char sep)
{
	FILE *f = fopen(path, "r");
	char line[512];
	size_t klen = strlen(key);

	if (!f)
		return e2e_xstrdup("");
	while (fgets(line, sizeof(line), f)) {
		if (strncmp(line, key, klen) != 0)
			continue;
		char *p = line + klen;
		while (*p == ' ' || *p == '\t')
			p++;
		if (*p != sep)
			continue;
		p++;
		fclose(f);
		size_t n = strlen(p);
		char *v = trim_dup(p, n);
		if (v[0] == '"') {
			size_t vl = strlen(v);
			memmove(v, v + 1, vl);
			if (vl >= 2 && v[vl - 2] == '"')
				v[vl - 2] = '\0';
		}
		return v;
	}
	fclose(f);
	return e2e_xstrdup("");
}

/* First line of a command's stdout, or "" (stderr silenced). */
static char *run_first_line(char *const argv[])
{
	int fds[2];
	posix_spawn_file_actions_t fa;
	pid_t pid;
	char buf[256];
	size_t n = 0;
	ssize_t r;
	int status;

	if (pipe(fds) != 0)
		return e2e_xstrdup("");
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_addclose(&fa, fds[0]);
	posix_spawn_file_actions_adddup2(&fa, fds[1], 1);
	posix_spawn_file_actions_addopen(&fa, 2, "/dev/null", O_WRONLY, 0);
	posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
	if (posix_spawnp(&pid, argv[0], &fa, NULL, argv, environ) != 0) {
		posix_spawn_file_actions_destroy(&fa);
		close(fds[0]);
		close(fds[1]);
		return e2e_xstrdup("");
	}
	posix_spawn_file_actions_destroy(&fa);
	close(fds[1]);
	while (n < sizeof(buf) - 1 && (r = read(fds[0], buf + n, sizeof(buf) - 1 - n)) > 0)
		n += (size_t)r;
	close(fds[0]);
	/* ECHILD (SIGCHLD ignored, the child reaped for us) is final. */
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			return e2e_xstrdup("");
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
		return e2e_xstrdup("");
	char *nl = memchr(buf, '\n', n);
	return trim_dup(buf, nl ? (size_t)(nl - buf) : n);
}

static char *first_env(const char *const names[])
{
	for (size_t i = 0; names[i]; i++) {
		const char *v = getenv(names[i]);
		if (v && *v)
			return e2e_xstrdup(v);
	}
	return NULL;
}

static void fill_git(struct e2e_run *run)
{
	static const char *const sha_vars[] = { "GITHUB_SHA",  "CI_COMMIT_SHA", "BUILDKITE_COMMIT",
						"CIRCLE_SHA1", "GIT_COMMIT",	NULL };
	static const char *const branch_vars[] = { "GITHUB_HEAD_REF",
						   "GITHUB_REF_NAME",
						   "CI_COMMIT_REF_NAME",
						   "BUILDKITE_BRANCH",
						   "CIRCLE_BRANCH",
						   "GIT_BRANCH",
						   NULL };
	char *const rev[] = { "git", "rev-parse", "HEAD", NULL };
	char *const sym[] = { "git", "symbolic-ref", "--short", "-q", "HEAD", NULL };

	run->git_commit = first_env(sha_vars);
	run->git_branch = first_env(branch_vars);
	if (!run->git_commit)
		run->git_commit = run_first_line(rev);
	if (!run->git_branch)
		run->git_branch = run_first_line(sym);
}

void e2e_hostinfo_fill(struct e2e_run *run)
{
	struct utsname u;
	struct e2e_buf os = E2E_BUF_INIT;
	char *pretty = file_field("/etc/os-release", "PRETTY_NAME", '=');
	long cores = sysconf(_SC_NPROCESSORS_ONLN);

	run->host_cpu = file_field("/proc/cpuinfo", "model name", ':');
	run->host_cores = cores > 0 ? (int)cores : 0;
	if (uname(&u) == 0)
		e2e_buf_printf(&os, "%s %s %s", u.sysname, u.release, u.machine);
	if (pretty[0])
		e2e_buf_printf(&os, "%s(%s)", os.len ? " " : "", pretty);
	free(pretty);
	run->host_os = e2e_buf_detach(&os, NULL);
	run->tool_version = e2e_xstrdup(E2E_VERSION);
	fill_git(run);
}

static bool needs_quotes(const char *s)
{
	if (!*s)
		return true;
	for (; *s; s++)
		if (!strchr("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_./=:,+@%", *s))
			return true;
	return false;
}

char *e2e_hostinfo_cmdline(char *const argv[], int argc)
{
	struct e2e_buf b = E2E_BUF_INIT;

	for (int i = 0; i < argc; i++) {
		if (i)
			e2e_buf_putc(&b, ' ');
		if (!needs_quotes(argv[i])) {
			e2e_buf_puts(&b, argv[i]);
			continue;
		}
		e2e_buf_putc(&b, '\'');
		for (const char *p = argv[i]; *p; p++) {
			if (*p == '\'')
				e2e_buf_puts(&b, "'\\''");
			else
				e2e_buf_putc(&b, *p);
		}
		e2e_buf_putc(&b, '\'');
	}
	return e2e_buf_detach(&b, NULL);
}
