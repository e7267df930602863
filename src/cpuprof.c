/* cpuprof.c - perf record around the suite, perf script into a fold. */
#include "cpuprof.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "buf.h"
#include "error.h"
#include "fold.h"
#include "banned.h"

extern char **environ;

struct e2e_cpuprof {
	pid_t pid; /* perf record; 0 once reaped */
	char *data_path, *log_path;
};

static void nap_ms(long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };

	while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
		;
}

/* perf's last non-blank line that is not its "[ perf record: ...]" chatter. */
static void log_last_line(const char *path, struct e2e_buf *out)
{
	char line[512], last[512] = "";
	FILE *fp = fopen(path, "r");

	if (!fp)
		return;
	while (fgets(line, sizeof(line), fp)) {
		size_t n = strcspn(line, "\r\n");
		line[n] = 0;
		if (n && strncmp(line, "[ perf record:", 14) != 0 && line[strspn(line, " \t")])
			snprintf(last, sizeof(last), "%s", line + strspn(line, " \t"));
	}
	fclose(fp);
	e2e_buf_puts(out, last);
}

static bool log_mentions(const char *path, const char *const *words)
{
	char line[512];
	bool hit = false;
	FILE *fp = fopen(path, "r");

	if (!fp)
		return false;
	while (!hit && fgets(line, sizeof(line), fp))
		for (const char *const *w = words; *w && !hit; w++)
			hit = strstr(line, *w) != NULL;
	fclose(fp);
	return hit;
}

static int paranoid_level(void)
{
	char buf[16] = "";
	FILE *fp = fopen("/proc/sys/kernel/perf_event_paranoid", "r");
	int v = -100;

	if (fp) {
		if (fgets(buf, sizeof(buf), fp))
			v = atoi(buf);
		fclose(fp);
	}
	return v;
}

/* The error for a perf that failed: its own words, and the sysctl when
 * permissions are the likely cause. */
static int perf_failed(const struct e2e_cpuprof *p, const char *what, int status)
{
	static const char *const perm[] = {
		"perf_event_paranoid", "ermission", "not permitted", "EACCES", "EPERM", NULL
	};
	struct e2e_buf why = E2E_BUF_INIT, how = E2E_BUF_INIT;
	int level = paranoid_level();
	int rc;

	log_last_line(p->log_path, &why);
	if (WIFEXITED(status))
		e2e_buf_printf(&how, "exited with status %d", WEXITSTATUS(status));
	else
		e2e_buf_printf(&how, "ended by signal %d", WIFSIGNALED(status) ? WTERMSIG(status) : 0);
	if (log_mentions(p->log_path, perm) || (geteuid() != 0 && level > 1))
		rc = e2e_error(E2E_ERR_RUNTIME,
			       "%s %s (%s): not permitted: the sysctl kernel.perf_event_paranoid is %d; "
			       "profiling needs root, CAP_PERFMON or kernel.perf_event_paranoid <= 1",
			       what, how.data, why.len ? why.data : "no output", level);
	else
		rc = e2e_error(E2E_ERR_RUNTIME, "%s %s (%s)", what, how.data,
			       why.len ? why.data : "no output");
	e2e_buf_finish(&why);
	e2e_buf_finish(&how);
	return rc;
}

/* Spawns argv with stdin from /dev/null, stdout to out_fd (or the log),
 * stderr to the log, in its own process group. */
static int spawn(const struct e2e_cpuprof *p, char *const argv[], int out_fd, pid_t *pid)
{
	posix_spawn_file_actions_t fa;
	posix_spawnattr_t attr;
	sigset_t def, none;
	int err;

	posix_spawn_file_actions_init(&fa);
	posix_spawnattr_init(&attr);
	posix_spawnattr_setflags(&attr,
				 POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF);
	posix_spawnattr_setpgroup(&attr, 0);
	sigemptyset(&none);
	sigemptyset(&def);
	sigaddset(&def, SIGPIPE);
	sigaddset(&def, SIGINT);
	sigaddset(&def, SIGTERM);
	posix_spawnattr_setsigmask(&attr, &none);
	posix_spawnattr_setsigdefault(&attr, &def);
	posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
	posix_spawn_file_actions_addopen(&fa, 2, p->log_path, O_WRONLY | O_CREAT | O_APPEND, 0600);
	if (out_fd >= 0)
		posix_spawn_file_actions_adddup2(&fa, out_fd, 1);
	else
		posix_spawn_file_actions_adddup2(&fa, 2, 1);
	err = posix_spawnp(pid, argv[0], &fa, &attr, argv, environ);
	posix_spawn_file_actions_destroy(&fa);
	posix_spawnattr_destroy(&attr);
	if (err == ENOENT)
		return e2e_error(E2E_ERR_RUNTIME,
				 "perf not found on PATH (Debian: apt-get install linux-perf)");
	if (err)
		return e2e_error(E2E_ERR_RUNTIME, "cannot run perf: %s", strerror(err));
	return 0;
}

/* Waits for pid at most ms milliseconds; true (and *status) when it ended. */
static bool wait_ms(pid_t pid, long ms, int *status)
{
	for (long t = 0;; t += 10) {
		pid_t r = waitpid(pid, status, WNOHANG);
		if (r == pid || (r < 0 && errno != EINTR))
			return true;
		if (t >= ms)
			return false;
		nap_ms(10);
	}
}

static bool has_pid(const pid_t *v, size_t n, pid_t p)
{
	for (size_t i = 0; i < n; i++)
		if (v[i] == p)
			return true;
	return false;
}

static void push_pid(pid_t **v, size_t *n, size_t *cap, pid_t p)
{
	if (*n == *cap) {
		*cap = *cap ? 2 * *cap : 64;
		*v = e2e_xrealloc(*v, *cap * sizeof(**v));
	}
	(*v)[(*n)++] = p;
}

/* The roots, the processes of the cgroup, and their descendants now. */
static size_t expand_pids(const struct e2e_cpuprof_config *cfg, pid_t **out)
{
	pid_t *v = NULL, *all = NULL, *parent = NULL;
	size_t n = 0, cap = 0, nall = 0, capall = 0, cappar = 0, npar = 0;
	DIR *d;
	struct dirent *e;
	bool grew = true;

	for (size_t i = 0; i < cfg->npids; i++)
		if (!has_pid(v, n, cfg->pids[i]))
			push_pid(&v, &n, &cap, cfg->pids[i]);
	if (cfg->cgroup) {
		struct e2e_buf path = E2E_BUF_INIT;
		FILE *fp;
		long p;

		e2e_buf_printf(&path, "%s/cgroup.procs", cfg->cgroup);
		fp = fopen(path.data, "r");
		while (fp && fscanf(fp, "%ld", &p) == 1)
			if (p > 0 && !has_pid(v, n, (pid_t)p))
				push_pid(&v, &n, &cap, (pid_t)p);
		if (fp)
			fclose(fp);
		e2e_buf_finish(&path);
	}
	d = opendir("/proc");
	while (d && (e = readdir(d))) {
		char path[300], buf[512];
		const char *close_paren;
		FILE *fp;
		long ppid;

		if (e->d_name[0] < '1' || e->d_name[0] > '9')
			continue;
		snprintf(path, sizeof(path), "/proc/%s/stat", e->d_name);
		fp = fopen(path, "r");
		if (!fp)
			continue;
		size_t len = fread(buf, 1, sizeof(buf) - 1, fp);
		fclose(fp);
		buf[len] = 0;
		close_paren = strrchr(buf, ')');
		if (close_paren && sscanf(close_paren + 1, " %*c %ld", &ppid) == 1) {
			push_pid(&all, &nall, &capall, (pid_t)atol(e->d_name));
			push_pid(&parent, &npar, &cappar, (pid_t)ppid);
		}
	}
	if (d)
		closedir(d);
	while (grew) {
		grew = false;
		for (size_t i = 0; i < nall; i++)
			if (has_pid(v, n, parent[i]) && !has_pid(v, n, all[i])) {
				push_pid(&v, &n, &cap, all[i]);
				grew = true;
			}
	}
	free(all);
	free(parent);
	*out = v;
	return n;
}

int e2e_cpuprof_start(const struct e2e_cpuprof_config *cfg, struct e2e_cpuprof **out)
{
	struct e2e_cpuprof *p = e2e_xcalloc(1, sizeof(*p));
	struct e2e_buf pids = E2E_BUF_INIT, hz = E2E_BUF_INIT;
	int status = 0, rc;
	int fd;

	p->data_path = e2e_xstrdup(cfg->data_path);
	p->log_path = e2e_xstrdup(cfg->log_path);
	unlink(p->data_path);
	fd = open(p->log_path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0) {
		rc = e2e_error(E2E_ERR_RUNTIME, "cannot create '%s': %s", p->log_path, strerror(errno));
		goto out;
	}
	close(fd);
	pid_t *v = NULL;
	size_t nv = expand_pids(cfg, &v);

	for (size_t i = 0; i < nv; i++)
		e2e_buf_printf(&pids, "%s%ld", i ? "," : "", (long)v[i]);
	free(v);
	if (!nv) {
		rc = e2e_error(E2E_ERR_RUNTIME, "no process to profile");
		goto out;
	}
	e2e_buf_printf(&hz, "%u", cfg->hz);
	char *argv[] = {
		"perf", "record",	   "-F", hz.data,   "--call-graph", cfg->dwarf ? "dwarf" : "fp",
		"-k",	"CLOCK_MONOTONIC", "-p", pids.data, "-o",	    p->data_path,
		NULL
	};
	rc = spawn(p, argv, -1, &p->pid);
	if (rc < 0)
		goto out;
	/* perf opens its events before it writes the file's header: a file
	 * with bytes in it means it samples; an exit means it could not */
	for (long t = 0;; t += 10) {
		struct stat sb;

		if (wait_ms(p->pid, 0, &status)) {
			p->pid = 0;
			rc = perf_failed(p, "perf record", status);
			goto out;
		}
		if (stat(p->data_path, &sb) == 0 && sb.st_size > 0)
			break;
		if (t >= 5000) {
			rc = e2e_error(E2E_ERR_RUNTIME, "perf record did not start sampling within 5s");
			goto out;
		}
		nap_ms(10);
	}
	*out = p;
	p = NULL;
out:
	e2e_buf_finish(&pids);
	e2e_buf_finish(&hz);
	e2e_cpuprof_destroy(p);
	return rc;
}

int e2e_cpuprof_stop(struct e2e_cpuprof *p, struct e2e_fold *f)
{
	char *argv[] = { "perf", "script",	"-i", p->data_path, "-F", "comm,tid,time,ip,sym,dso",
			 "--ns", "--no-inline", NULL };
	int status = 0, fds[2] = { -1, -1 }, rc;
	pid_t pid = 0;
	char chunk[65536];
	ssize_t n;

	if (p->pid) {
		kill(p->pid, SIGINT);
		if (!wait_ms(p->pid, 10000, &status)) {
			kill(p->pid, SIGKILL);
			wait_ms(p->pid, 10000, &status);
		}
		p->pid = 0;
		/* perf record ends with 130 (128 + SIGINT) when it stopped on SIGINT */
		if (!(WIFEXITED(status) && (WEXITSTATUS(status) == 0 || WEXITSTATUS(status) == 130)) &&
		    !(WIFSIGNALED(status) && WTERMSIG(status) == SIGINT))
			return perf_failed(p, "perf record", status);
	}
	if (pipe2(fds, O_CLOEXEC) < 0)
		return e2e_error(E2E_ERR_RUNTIME, "cannot run perf script: %s", strerror(errno));
	rc = spawn(p, argv, fds[1], &pid);
	close(fds[1]);
	if (rc < 0) {
		close(fds[0]);
		return rc;
	}
	while ((n = read(fds[0], chunk, sizeof(chunk))) != 0) {
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			break;
		e2e_fold_feed(f, chunk, (size_t)n);
	}
	e2e_fold_end(f);
	close(fds[0]);
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
		return perf_failed(p, "perf script", status);
	return 0;
}

void e2e_cpuprof_destroy(struct e2e_cpuprof *p)
{
	int status;

	if (!p)
		return;
	if (p->pid) {
		kill(p->pid, SIGKILL);
		while (waitpid(p->pid, &status, 0) < 0 && errno == EINTR)
			;
	}
	unlink(p->data_path);
	unlink(p->log_path);
	free(p->data_path);
	free(p->log_path);
	free(p);
}
