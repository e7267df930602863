#include "sampler.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "buf.h"
#include "error.h"
#include "banned.h"

#define SAMPLES_MAX (1u << 20) /* then the rate halves */
#define PROCS_MAX 4096
#define TASKS_MAX 65536
/* Descendants, fds, context switches and run-queue wait cost three reads
 * per thread: they are scanned at this period, CPU and RSS (one read per
 * process: /proc/PID/stat sums its threads) every tick. A service with
 * many threads is scanned less often, so that the scan reads about
 * SCAN_THREADS_PER_S threads a second: a 200-thread service every 4 s.
 * The counters are cumulative and the last tick scans: only their
 * time-line coarsens. */
#define SCAN_NS 500000000ull
#define SCAN_THREADS_PER_S 50

struct proc {
	pid_t pid;
	bool alive;
	unsigned long long start; /* starttime: a reused pid is another process */
	unsigned long long utime, stime; /* clock ticks, last read */
	unsigned long long rss_pages;
	uint32_t threads, fds;
};

struct task {
	pid_t tid;
	bool seen; /* in the current scan */
	uint64_t vol, invol, runq;
};

struct e2e_sampler {
	struct e2e_sampler_config cfg;
	char *cgroup;
	pthread_t thread;
	bool started, stopped;
	pthread_mutex_t lock;
	pthread_cond_t cond;
	bool quit; /* under lock */

	/* the thread's own, read by others only after the join */
	struct proc *procs;
	size_t nprocs;
	struct task *tasks;
	size_t ntasks;
	struct e2e_res_sample *samples;
	size_t nsamples, cap;
	uint64_t period_ns, last_scan_ns, scan_ns;
	bool scanned;
	uint64_t errors, cg_peak, own_cpu_ns;
	unsigned have;
	long tick_ns, page;
};

static uint64_t mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

/* Reads a small file into buf (NUL-terminated); the length or -1. */
static ssize_t read_small(const char *path, char *buf, size_t size)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	ssize_t n;

	if (fd < 0)
		return -1;
	do
		n = read(fd, buf, size - 1);
	while (n < 0 && errno == EINTR);
	close(fd);
	if (n < 0)
		return -1;
	buf[n] = 0;
	return n;
}

bool e2e_sampler_pid_exists(pid_t pid)
{
	char path[64];

	snprintf(path, sizeof(path), "/proc/%ld/stat", (long)pid);
	return pid > 0 && access(path, R_OK) == 0;
}

bool e2e_sampler_is_cgroup(const char *dir)
{
	char path[4096];

	snprintf(path, sizeof(path), "%s/cgroup.procs", dir);
	if (access(path, R_OK) != 0)
		return false;
	snprintf(path, sizeof(path), "%s/cpu.stat", dir);
	return access(path, R_OK) == 0;
}

/* The value after "key" in a "key value" line of text; false if none. */
static bool field_u64(const char *text, const char *key, uint64_t *out)
{
	size_t klen = strlen(key);

	for (const char *p = text; p && *p; p = strchr(p, '\n'), p = p ? p + 1 : NULL) {
		if (strncmp(p, key, klen) == 0 && (p[klen] == ' ' || p[klen] == '\t' || p[klen] == ':')) {
			*out = strtoull(p + klen + 1 + strspn(p + klen + 1, " \t:"), NULL, 10);
			return true;
		}
	}
	return false;
}

/* /proc/PID/stat: fields after the command name, which may hold spaces. */
static bool read_stat(pid_t pid, struct proc *out)
{
	char path[64], buf[1024];
	unsigned long long v[24];
	const char *p;

	snprintf(path, sizeof(path), "/proc/%ld/stat", (long)pid);
	if (read_small(path, buf, sizeof(buf)) < 0 || !(p = strrchr(buf, ')')))
		return false;
	p += 2;
	if (*p == 'Z' || *p == 'X')
		return false; /* a zombie's counters went to its parent's */
	p++;
	/* v[0] is field 4 (ppid); utime 14, stime 15, threads 20, start 22, rss 24 */
	for (int i = 0; i < 21; i++) {
		char *end;
		v[i] = strtoull(p, &end, 10);
		if (end == p)
			return false;
		p = end;
	}
	out->utime = v[10];
	out->stime = v[11];
	out->threads = (uint32_t)v[16];
	out->start = v[18];
	out->rss_pages = v[20];
	return true;
}

static struct proc *proc_add(struct e2e_sampler *s, pid_t pid)
{
	struct proc p = { .pid = pid, .alive = true };

	for (size_t i = 0; i < s->nprocs; i++)
		if (s->procs[i].pid == pid && s->procs[i].alive)
			return NULL;
	if (s->nprocs == PROCS_MAX || !read_stat(pid, &p)) {
		s->errors += s->nprocs == PROCS_MAX;
		return NULL;
	}
	s->procs = e2e_xrealloc(s->procs, (s->nprocs + 1) * sizeof(*s->procs));
	s->procs[s->nprocs] = p;
	return &s->procs[s->nprocs++];
}

static struct task *task_get(struct e2e_sampler *s, pid_t tid)
{
	for (size_t i = 0; i < s->ntasks; i++)
		if (s->tasks[i].tid == tid)
			return &s->tasks[i];
	if (s->ntasks == TASKS_MAX) {
		s->errors++;
		return NULL;
	}
	s->tasks = e2e_xrealloc(s->tasks, (s->ntasks + 1) * sizeof(*s->tasks));
	memset(&s->tasks[s->ntasks], 0, sizeof(s->tasks[0]));
	s->tasks[s->ntasks].tid = tid;
	return &s->tasks[s->ntasks++];
}

static uint32_t count_fds(pid_t pid)
{
	char path[64];
	struct dirent *e;
	uint32_t n = 0;
	DIR *d;

	snprintf(path, sizeof(path), "/proc/%ld/fd", (long)pid);
	if (!(d = opendir(path)))
		return 0;
	while ((e = readdir(d)))
		n += e->d_name[0] != '.';
	closedir(d);
	return n;
}

/* One thread: its children (new processes to follow), context switches
 * and run-queue wait. */
static void scan_task(struct e2e_sampler *s, pid_t pid, pid_t tid)
{
	char path[96], buf[4096];
	struct task *t = task_get(s, tid);
	uint64_t v;

	snprintf(path, sizeof(path), "/proc/%ld/task/%ld/children", (long)pid, (long)tid);
	if (read_small(path, buf, sizeof(buf)) >= 0) {
		for (char *p = buf, *end; *p; p = end) {
			long c = strtol(p, &end, 10);
			if (end == p)
				break;
			proc_add(s, (pid_t)c);
		}
	}
	if (!t)
		return;
	t->seen = true;
	snprintf(path, sizeof(path), "/proc/%ld/task/%ld/status", (long)pid, (long)tid);
	if (read_small(path, buf, sizeof(buf)) >= 0) {
		if (field_u64(buf, "voluntary_ctxt_switches", &v))
			t->vol = v;
		if (field_u64(buf, "nonvoluntary_ctxt_switches", &v))
			t->invol = v;
		s->have |= E2E_RES_CTX;
	}
	snprintf(path, sizeof(path), "/proc/%ld/task/%ld/schedstat", (long)pid, (long)tid);
	if (read_small(path, buf, sizeof(buf)) >= 0) {
		unsigned long long run, wait;
		if (sscanf(buf, "%llu %llu", &run, &wait) == 2) {
			t->runq = wait;
			s->have |= E2E_RES_RUNQ;
		}
	}
}

/* The slow part, every SCAN_NS: descendants, fds, per-thread counters. */
static void scan(struct e2e_sampler *s)
{
	uint64_t threads = 0;

	for (size_t i = 0; i < s->nprocs; i++) {
		char path[64];
		struct dirent *e;
		pid_t pid = s->procs[i].pid;
		DIR *d;

		if (!s->procs[i].alive)
			continue;
		snprintf(path, sizeof(path), "/proc/%ld/task", (long)pid);
		if (!(d = opendir(path)))
			continue; /* it ended: the next tick says so */
		while ((e = readdir(d)))
			if (e->d_name[0] != '.')
				scan_task(s, pid, (pid_t)atol(e->d_name));
		closedir(d);
		s->procs[i].fds = count_fds(pid); /* (s->procs may have moved: index) */
		s->have |= E2E_RES_FDS;
		threads += s->procs[i].threads;
	}
	s->scan_ns = threads * 1000000000ull / SCAN_THREADS_PER_S;
	if (s->scan_ns < SCAN_NS)
		s->scan_ns = SCAN_NS;
}

static void read_cgroup(struct e2e_sampler *s, struct e2e_res_sample *out)
{
	char path[4096], buf[4096];
	uint64_t v;

	snprintf(path, sizeof(path), "%s/cpu.stat", s->cgroup);
	if (read_small(path, buf, sizeof(buf)) >= 0 && field_u64(buf, "user_usec", &out->cpu_user_ns) &&
	    field_u64(buf, "system_usec", &out->cpu_sys_ns)) {
		out->cpu_user_ns *= 1000;
		out->cpu_sys_ns *= 1000;
		s->have |= E2E_RES_CPU;
	} else if (s->nsamples) { /* the counters never go back: the last ones */
		s->errors++;
		out->cpu_user_ns = s->samples[s->nsamples - 1].cpu_user_ns;
		out->cpu_sys_ns = s->samples[s->nsamples - 1].cpu_sys_ns;
	} else {
		s->errors++;
	}
	snprintf(path, sizeof(path), "%s/memory.current", s->cgroup);
	if (read_small(path, buf, sizeof(buf)) >= 0) {
		out->rss_bytes = strtoull(buf, NULL, 10);
		s->have |= E2E_RES_RSS;
	}
	snprintf(path, sizeof(path), "%s/pids.current", s->cgroup);
	if (!s->nprocs && read_small(path, buf, sizeof(buf)) >= 0) {
		v = strtoull(buf, NULL, 10);
		out->threads = (uint32_t)v;
		s->have |= E2E_RES_THREADS;
	}
}

static void add_sample(struct e2e_sampler *s, const struct e2e_res_sample *r)
{
	if (s->nsamples == SAMPLES_MAX) {
		for (size_t i = 0; i < s->nsamples / 2; i++)
			s->samples[i] = s->samples[2 * i];
		s->nsamples /= 2;
		s->period_ns *= 2;
	}
	if (s->nsamples == s->cap) {
		s->cap = s->cap ? s->cap * 2 : 1024;
		s->samples = e2e_xrealloc(s->samples, s->cap * sizeof(*s->samples));
	}
	s->samples[s->nsamples++] = *r;
}

static void tick(struct e2e_sampler *s)
{
	struct e2e_res_sample r = { 0 };
	uint64_t now = mono_ns();

	if (!s->scanned || now - s->last_scan_ns >= s->scan_ns) {
		for (size_t i = 0; i < s->ntasks; i++)
			s->tasks[i].seen = false;
		scan(s);
		s->scanned = true;
		s->last_scan_ns = now;
	}
	r.t_ns = now > s->cfg.start_ns ? now - s->cfg.start_ns : 0;
	for (size_t i = 0; i < s->nprocs; i++) {
		struct proc *p = &s->procs[i], cur;

		if (p->alive && (!read_stat(p->pid, &cur) || cur.start != p->start))
			p->alive = false; /* it ended: its last counters stay */
		if (p->alive) {
			p->utime = cur.utime;
			p->stime = cur.stime;
			p->rss_pages = cur.rss_pages;
			p->threads = cur.threads;
		}
		r.cpu_user_ns += p->utime * (uint64_t)s->tick_ns;
		r.cpu_sys_ns += p->stime * (uint64_t)s->tick_ns;
		if (p->alive) {
			r.rss_bytes += p->rss_pages * (uint64_t)s->page;
			r.threads += p->threads;
			r.fds += p->fds;
			r.procs++;
		}
	}
	if (s->nprocs)
		s->have |= E2E_RES_CPU | E2E_RES_RSS | E2E_RES_THREADS;
	for (size_t i = 0; i < s->ntasks; i++) {
		r.ctx_vol += s->tasks[i].vol;
		r.ctx_invol += s->tasks[i].invol;
		r.runq_wait_ns += s->tasks[i].runq;
	}
	if (s->cgroup)
		read_cgroup(s, &r);
	add_sample(s, &r);
}

static void *sampler_main(void *arg)
{
	struct e2e_sampler *s = arg;
	struct timespec own, next;
	uint64_t deadline = mono_ns();

	pthread_mutex_lock(&s->lock);
	while (!s->quit) {
		pthread_mutex_unlock(&s->lock);
		tick(s);
		deadline += s->period_ns;
		if (deadline < mono_ns())
			deadline = mono_ns(); /* late (a loaded machine): no burst to catch up */
		next.tv_sec = (time_t)(deadline / 1000000000ull);
		next.tv_nsec = (long)(deadline % 1000000000ull);
		pthread_mutex_lock(&s->lock);
		while (!s->quit && pthread_cond_timedwait(&s->cond, &s->lock, &next) != ETIMEDOUT)
			;
	}
	pthread_mutex_unlock(&s->lock);
	s->last_scan_ns = 0;
	s->scanned = false;
	tick(s); /* the end of the run */
	if (s->cgroup) {
		char path[4096], buf[64];
		snprintf(path, sizeof(path), "%s/memory.peak", s->cgroup);
		if (read_small(path, buf, sizeof(buf)) >= 0)
			s->cg_peak = strtoull(buf, NULL, 10);
	}
	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &own);
	s->own_cpu_ns = (uint64_t)own.tv_sec * 1000000000ull + (uint64_t)own.tv_nsec;
	return NULL;
}

int e2e_sampler_start(const struct e2e_sampler_config *cfg, struct e2e_sampler **out)
{
	struct e2e_sampler *s = e2e_xcalloc(1, sizeof(*s));
	pthread_condattr_t ca;
	int rc;

	s->cfg = *cfg;
	s->cfg.pids = NULL;
	s->cgroup = cfg->cgroup ? e2e_xstrdup(cfg->cgroup) : NULL;
	s->period_ns = 1000000000ull / (cfg->hz ? cfg->hz : 100);
	s->tick_ns = 1000000000l / sysconf(_SC_CLK_TCK);
	s->page = sysconf(_SC_PAGESIZE);
	for (size_t i = 0; i < cfg->npids; i++)
		if (!proc_add(s, cfg->pids[i]))
			s->errors++;
	pthread_mutex_init(&s->lock, NULL);
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&s->cond, &ca);
	pthread_condattr_destroy(&ca);
	tick(s);
	rc = pthread_create(&s->thread, NULL, sampler_main, s);
	if (rc != 0) {
		e2e_sampler_destroy(s);
		return e2e_error(E2E_ERR_RUNTIME, "cannot start the sampler: %s", strerror(rc));
	}
	s->started = true;
	*out = s;
	return 0;
}

void e2e_sampler_stop(struct e2e_sampler *s)
{
	if (!s || !s->started || s->stopped)
		return;
	pthread_mutex_lock(&s->lock);
	s->quit = true;
	pthread_cond_signal(&s->cond);
	pthread_mutex_unlock(&s->lock);
	pthread_join(s->thread, NULL);
	s->stopped = true;
}

size_t e2e_sampler_samples(const struct e2e_sampler *s, const struct e2e_res_sample **out)
{
	*out = s->samples;
	return s->nsamples;
}

void e2e_sampler_info(const struct e2e_sampler *s, struct e2e_res_info *info)
{
	struct e2e_buf b = E2E_BUF_INIT;
	uint64_t peak = 0;

	memset(info, 0, sizeof(*info));
	for (size_t i = 0; i < s->cfg.npids && i < s->nprocs; i++)
		e2e_buf_printf(&b, "%s%ld", i ? ", " : "pid ", (long)s->procs[i].pid);
	if (b.len)
		e2e_buf_puts(&b, " and descendants");
	if (s->cgroup)
		e2e_buf_printf(&b, "%scgroup %s", b.len ? "; " : "", s->cgroup);
	info->source = b.len ? e2e_buf_detach(&b, NULL) : e2e_xstrdup("");
	info->have = s->have;
	info->hz = s->cfg.hz;
	info->errors = s->errors;
	for (size_t i = 0; i < s->nsamples; i++)
		if (s->samples[i].rss_bytes > peak)
			peak = s->samples[i].rss_bytes;
	info->peak_rss_bytes = s->cg_peak > peak ? s->cg_peak : peak;
	info->sampler_cpu_ns = s->own_cpu_ns;
	info->serve_log = e2e_xstrdup("");
	info->serve_end = e2e_xstrdup("");
}

void e2e_sampler_destroy(struct e2e_sampler *s)
{
	if (!s)
		return;
	e2e_sampler_stop(s);
	pthread_mutex_destroy(&s->lock);
	pthread_cond_destroy(&s->cond);
	free(s->procs);
	free(s->tasks);
	free(s->samples);
	free(s->cgroup);
	free(s);
}

int e2e_sampler_runq_wait(pid_t pid, uint64_t *ns)
{
	char path[320], buf[256];
	struct dirent *e;
	uint64_t sum = 0;
	bool any = false;
	DIR *d;

	snprintf(path, sizeof(path), "/proc/%ld/task", (long)pid);
	if (!(d = opendir(path)))
		return e2e_error(E2E_ERR_RUNTIME, "no process %ld", (long)pid);
	while ((e = readdir(d))) {
		unsigned long long run, wait;

		if (e->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "/proc/%ld/task/%s/schedstat", (long)pid, e->d_name);
		if (read_small(path, buf, sizeof(buf)) >= 0 && sscanf(buf, "%llu %llu", &run, &wait) == 2) {
			sum += wait;
			any = true;
		}
	}
	closedir(d);
	if (!any)
		return e2e_error(E2E_ERR_RUNTIME, "no schedstat for process %ld", (long)pid);
	*ns = sum;
	return 0;
}
