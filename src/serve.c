#include "serve.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "buf.h"
#include "error.h"
#include "runner.h"
#include "banned.h"

struct e2e_serve {
	pid_t pid; /* also the process group's id */
	int status; /* shell-style once reaped, -1 before */
	bool stopped;
	char *log_path;
	char *cgroup; /* its own cgroup v2 directory, or NULL */
};

/* "30s", "0.5s" */
static void put_secs(struct e2e_buf *b, uint64_t ns)
{
	e2e_buf_printf(b, "%gs", (double)ns / 1e9);
}

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

/* Whether the cgroup at dir holds no process: its cgroup.procs reads
 * empty. */
static bool cgroup_empty(struct e2e_buf *dir)
{
	size_t len = dir->len;
	char c;
	int fd;
	ssize_t n;

	e2e_buf_puts(dir, "/cgroup.procs");
	fd = open(dir->data, O_RDONLY | O_CLOEXEC);
	dir->len = len;
	dir->data[len] = 0;
	if (fd < 0)
		return false;
	n = read(fd, &c, 1);
	close(fd);
	return n == 0;
}

/* What an e2e killed with SIGKILL left behind in parent: the cgroups of
 * its services (e2e-serve-PID-N) whose PID is gone, removed once empty.
 * rmdir alone (the kernel refuses a cgroup with a process or a child
 * cgroup too); one whose PID lives on, or is taken again, stays. */
static void cgroup_sweep(const char *parent)
{
	DIR *d = opendir(parent);
	struct e2e_buf p = E2E_BUF_INIT;
	struct dirent *e;

	while (d && (e = readdir(d))) {
		long pid;
		unsigned n;
		char end;

		if (strncmp(e->d_name, "e2e-serve-", 10) != 0 ||
		    sscanf(e->d_name + 10, "%ld-%u%c", &pid, &n, &end) != 2 || pid <= 0 ||
		    pid == (long)getpid())
			continue;
		if (kill((pid_t)pid, 0) == 0 || errno != ESRCH)
			continue;
		e2e_buf_reset(&p);
		e2e_buf_printf(&p, "%s/%s", parent, e->d_name);
		if (cgroup_empty(&p))
			rmdir(p.data);
	}
	if (d)
		closedir(d);
	e2e_buf_finish(&p);
}

/* A fresh cgroup v2 directory under e2e's own, for the service: its CPU
 * time is then one O(1) read of cpu.stat instead of a walk of all its
 * threads per sample. NULL (and nothing made) where there is no cgroup v2
 * hierarchy or it is not writable; *procs_fd is its cgroup.procs. */
static char *cgroup_create(int *procs_fd)
{
	char line[4096], mnt[4096] = "", own[4096] = "";
	struct e2e_buf dir = E2E_BUF_INIT;
	FILE *f = fopen("/proc/self/mountinfo", "re");
	static unsigned seq;

	while (f && fgets(line, sizeof(line), f)) {
		char *sep = strstr(line, " - cgroup2 ");
		char *p = line;

		for (int i = 0; sep && i < 4 && p; i++)
			p = strchr(p + 1, ' ');
		if (sep && p && sscanf(p + 1, "%4095s", mnt) == 1)
			break;
		mnt[0] = 0;
	}
	if (f)
		fclose(f);
	f = fopen("/proc/self/cgroup", "re");
	while (f && fgets(line, sizeof(line), f))
		if (strncmp(line, "0::", 3) == 0 && sscanf(line + 3, "%4095s", own) == 1)
			break;
	if (f)
		fclose(f);
	if (!mnt[0] || own[0] != '/')
		return NULL;
	e2e_buf_printf(&dir, "%s%s", mnt, strcmp(own, "/") ? own : "");
	if (!seq)
		cgroup_sweep(dir.data);
	e2e_buf_printf(&dir, "/e2e-serve-%ld-%u", (long)getpid(), seq++);
	if (mkdir(dir.data, 0755) != 0) {
		e2e_buf_finish(&dir);
		return NULL;
	}
	e2e_buf_puts(&dir, "/cgroup.procs");
	*procs_fd = open(dir.data, O_WRONLY | O_CLOEXEC);
	dir.data[dir.len - strlen("/cgroup.procs")] = 0;
	if (*procs_fd < 0) {
		rmdir(dir.data);
		e2e_buf_finish(&dir);
		return NULL;
	}
	return e2e_buf_detach(&dir, NULL);
}

/* In the child between fork and exec: async-signal-safe calls only. */
static void exec_child(const char *cmd, int log_fd, int cg_fd)
{
	struct sigaction sa;
	sigset_t none;
	int null_fd = open("/dev/null", O_RDONLY);

	setpgid(0, 0);
	if (cg_fd >= 0) /* the parent's move says whether it could */
		(void)!write(cg_fd, "0", 1);
	/* the service must not outlive an e2e that is killed */
	prctl(PR_SET_PDEATHSIG, SIGTERM);
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = SIG_DFL;
	sigaction(SIGPIPE, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	if (null_fd >= 0)
		dup2(null_fd, 0);
	dup2(log_fd, 1);
	dup2(log_fd, 2);
	execl("/bin/sh", "sh", "-c", cmd, (char *)NULL);
	_exit(127);
}

int e2e_serve_start(const char *cmd, const char *log_path, struct e2e_serve **out)
{
	struct e2e_serve *s;
	int fd = open(log_path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644), cg_fd = -1;
	char *cgroup;
	pid_t pid;

	if (fd < 0)
		return e2e_error(E2E_ERR_RUNTIME, "cannot write service log '%s': %s", log_path,
				 strerror(errno));
	cgroup = cgroup_create(&cg_fd);
	pid = fork();
	if (pid < 0) {
		int err = errno;
		close(fd);
		if (cgroup) {
			close(cg_fd);
			rmdir(cgroup);
			free(cgroup);
		}
		return e2e_error(E2E_ERR_RUNTIME, "cannot start the service: %s", strerror(err));
	}
	if (pid == 0)
		exec_child(cmd, fd, cg_fd);
	close(fd);
	setpgid(pid, pid); /* also here: no race with a kill of the group */
	if (cgroup) {
		char num[32];
		int n = snprintf(num, sizeof(num), "%ld", (long)pid);

		/* the child moved itself before its exec; this says whether it could */
		if (write(cg_fd, num, (size_t)n) != n) {
			rmdir(cgroup);
			free(cgroup);
			cgroup = NULL;
		}
		close(cg_fd);
	}
	s = e2e_xcalloc(1, sizeof(*s));
	s->cgroup = cgroup;
	s->pid = pid;
	s->status = -1;
	s->log_path = e2e_xstrdup(log_path);
	*out = s;
	return 0;
}

bool e2e_serve_running(struct e2e_serve *s)
{
	int st;
	pid_t r;

	if (s->status >= 0)
		return false;
	do
		r = waitpid(s->pid, &st, WNOHANG);
	while (r < 0 && errno == EINTR);
	if (r == 0)
		return true;
	s->status = r < 0 ? 127 : WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
	return false;
}

/* The host and port of an http(s) URL; false if it has none. */
static bool url_hostport(const char *url, bool *tls, char *host, size_t hostsz, char *port, size_t portsz)
{
	const char *p, *end, *at, *colon = NULL;
	size_t n;

	*tls = strncmp(url, "https://", 8) == 0;
	if (!*tls && strncmp(url, "http://", 7) != 0)
		return false;
	p = url + (*tls ? 8 : 7);
	end = p + strcspn(p, "/?#");
	at = memchr(p, '@', (size_t)(end - p));
	if (at)
		p = at + 1;
	if (*p == '[') {
		const char *rb = memchr(p, ']', (size_t)(end - p));
		if (!rb)
			return false;
		n = (size_t)(rb - p - 1);
		if (n >= hostsz)
			return false;
		memcpy(host, p + 1, n);
		host[n] = 0;
		if (rb[1] == ':')
			colon = rb + 1;
	} else {
		colon = memchr(p, ':', (size_t)(end - p));
		n = (size_t)((colon ? colon : end) - p);
		if (!n || n >= hostsz)
			return false;
		memcpy(host, p, n);
		host[n] = 0;
	}
	if (colon && colon + 1 < end) {
		n = (size_t)(end - colon - 1);
		if (n >= portsz)
			return false;
		memcpy(port, colon + 1, n);
		port[n] = 0;
	} else {
		snprintf(port, portsz, "%s", *tls ? "443" : "80");
	}
	return true;
}

/* Polls fd for events up to ms; true when ready. */
static bool wait_fd(int fd, short events, int ms)
{
	struct pollfd p = { .fd = fd, .events = events };
	int r;

	do
		r = poll(&p, 1, ms);
	while (r < 0 && errno == EINTR);
	return r == 1 && (p.revents & events);
}

/* One attempt: connect to ai and, unless tls, ask "HEAD /" and read the
 * start of an HTTP status line. */
static bool probe_one(const struct addrinfo *ai, bool tls, const char *host)
{
	int fd = socket(ai->ai_family, ai->ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC, ai->ai_protocol);
	bool ok = false;
	char buf[16];
	int err = 0;
	socklen_t len = sizeof(err);

	if (fd < 0)
		return false;
	if (connect(fd, ai->ai_addr, ai->ai_addrlen) < 0 && errno != EINPROGRESS)
		goto out;
	if (!wait_fd(fd, POLLOUT, 1000) || getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len) < 0 || err)
		goto out;
	if (tls) {
		ok = true;
		goto out;
	}
	char req[512];
	int n = snprintf(req, sizeof(req), "HEAD / HTTP/1.0\r\nHost: %s\r\nConnection: close\r\n\r\n", host);

	if (n <= 0 || (size_t)n >= sizeof(req) || send(fd, req, (size_t)n, MSG_NOSIGNAL) != n)
		goto out;
	size_t got = 0;

	while (got < 5 && wait_fd(fd, POLLIN, 1000)) {
		ssize_t r = recv(fd, buf + got, sizeof(buf) - got, 0);
		if (r <= 0)
			break;
		got += (size_t)r;
	}
	ok = got >= 5 && memcmp(buf, "HTTP/", 5) == 0;
out:
	close(fd);
	return ok;
}

static bool probe(const char *target)
{
	struct addrinfo hints = { .ai_socktype = SOCK_STREAM, .ai_flags = AI_NUMERICSERV }, *res = NULL;
	char host[256], port[16];
	bool tls, ok = false;

	if (!url_hostport(target, &tls, host, sizeof(host), port, sizeof(port)) ||
	    getaddrinfo(host, port, &hints, &res) != 0)
		return false;
	for (const struct addrinfo *ai = res; ai && !ok; ai = ai->ai_next)
		ok = probe_one(ai, tls, host);
	freeaddrinfo(res);
	return ok;
}

int e2e_serve_wait_ready(struct e2e_serve *s, const char *target, uint64_t timeout_ns)
{
	uint64_t deadline = now_ns() + timeout_ns;

	for (;;) {
		if (!e2e_serve_running(s))
			return e2e_error(E2E_ERR_RUNTIME,
					 "the service exited with status %d before answering at %s",
					 s->status, target);
		if (probe(target))
			return 0;
		if (now_ns() >= deadline) {
			struct e2e_buf d = E2E_BUF_INIT;
			int rc;

			put_secs(&d, timeout_ns);
			rc = e2e_error(E2E_ERR_RUNTIME, "the service did not answer at %s within %s", target,
				       d.data);
			e2e_buf_finish(&d);
			return rc;
		}
		if (e2e_runner_sleep(50000000ull))
			return e2e_error(E2E_ERR_RUNTIME, "interrupted while waiting for the service");
	}
}

static void describe_status(int status, struct e2e_buf *how)
{
	if (status > 128 && status < 128 + 65)
		e2e_buf_printf(how, "ended by signal %d (%s)", status - 128, strsignal(status - 128));
	else
		e2e_buf_printf(how, "exited with status %d", status);
}

/* Waits up to ns for the first process; true when it has ended. */
static bool reap_within(struct e2e_serve *s, uint64_t ns)
{
	uint64_t deadline = now_ns() + ns;

	while (e2e_serve_running(s)) {
		if (now_ns() >= deadline)
			return false;
		struct timespec ts = { 0, 20000000 };
		nanosleep(&ts, NULL);
	}
	return true;
}

void e2e_serve_stop(struct e2e_serve *s, uint64_t grace_ns, struct e2e_buf *how)
{
	if (s->stopped) {
		describe_status(s->status, how);
		return;
	}
	s->stopped = true;
	if (!e2e_serve_running(s)) {
		describe_status(s->status, how);
		e2e_buf_puts(how, " before the stop");
		kill(-s->pid, SIGKILL); /* what it left in its group */
		return;
	}
	kill(-s->pid, SIGTERM);
	if (reap_within(s, grace_ns)) {
		if (s->status == 128 + SIGTERM) {
			e2e_buf_puts(how, "stopped by SIGTERM");
		} else {
			describe_status(s->status, how);
			e2e_buf_puts(how, " after SIGTERM");
		}
		kill(-s->pid, SIGKILL);
		return;
	}
	kill(-s->pid, SIGKILL);
	reap_within(s, 5000000000ull);
	e2e_buf_puts(how, "killed (SIGKILL): still running ");
	put_secs(how, grace_ns);
	e2e_buf_puts(how, " after SIGTERM");
}

pid_t e2e_serve_pid(const struct e2e_serve *s)
{
	return s->pid;
}

const char *e2e_serve_cgroup(const struct e2e_serve *s)
{
	return s->cgroup;
}

int e2e_serve_status(const struct e2e_serve *s)
{
	return s->status;
}

void e2e_serve_log_tail(const struct e2e_serve *s, size_t n, struct e2e_buf *out)
{
	char buf[8192];
	int fd = open(s->log_path, O_RDONLY | O_CLOEXEC);
	struct stat sb;
	ssize_t len;
	size_t start, lines = 0;

	if (fd < 0)
		return;
	if (fstat(fd, &sb) == 0 && sb.st_size > (off_t)sizeof(buf))
		lseek(fd, sb.st_size - (off_t)sizeof(buf), SEEK_SET);
	len = read(fd, buf, sizeof(buf));
	close(fd);
	if (len <= 0)
		return;
	start = (size_t)len;
	if (buf[start - 1] == '\n')
		start--;
	while (start > 0 && lines < n) {
		start--;
		if (buf[start] == '\n' && ++lines == n) {
			start++;
			break;
		}
	}
	for (size_t i = start; i < (size_t)len;) {
		size_t e = i;

		while (e < (size_t)len && buf[e] != '\n')
			e++;
		e2e_buf_puts(out, "  | ");
		for (size_t k = i; k < e; k++)
			e2e_buf_putc(out,
				     (buf[k] >= 0x20 || buf[k] == '\t') && buf[k] != 0x7f ? buf[k] : '?');
		e2e_buf_putc(out, '\n');
		i = e + 1;
	}
}

void e2e_serve_destroy(struct e2e_serve *s)
{
	if (!s)
		return;
	if (!s->stopped && e2e_serve_running(s)) {
		kill(-s->pid, SIGKILL);
		reap_within(s, 5000000000ull);
	}
	/* the group's other processes may still be ending: up to 1 s, then
	 * (a descendant that lives on) it stays */
	for (int i = 0; s->cgroup && i < 100 && rmdir(s->cgroup) != 0 && errno == EBUSY; i++)
		nanosleep(&(struct timespec){ .tv_nsec = 10000000 }, NULL);
	free(s->cgroup);
	free(s->log_path);
	free(s);
}
