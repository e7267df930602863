#include "sampler.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#include "buf.h"
#include "error.h"
#include "banned.h"

#define SAMPLES_MAX (1u << 20) /* then the rate halves */
#define PROCS_MAX 4096
#define TASKS_MAX 65536
/* Descendants, fds, context switches and run-queue wait cost up to three
 * reads per thread (children, unless --serve's cgroup lists them; status,
 * unless schedstat says the thread has not run; schedstat): they are
 * scanned at this period, CPU and RSS every tick. A service with many
 * threads is scanned less often, so that the scan reads about
 * SCAN_THREADS_PER_S threads a second: a 200-thread service every 4 s.
 * The counters are cumulative and the last tick scans: only their
 * time-line coarsens. */
#define SCAN_NS 500000000ull
#define SCAN_THREADS_PER_S 50
/* The thread sleeps with clock_nanosleep() to the next tick, at most this
 * long at a time, and then looks whether it is to stop: a stop waits no
 * longer than that. A wake-up is most of a tick's cost (45-70 us of the
 * thread's CPU time on a 2-vCPU VM); a condition variable's timed wait,
 * which a stop could end at once, cost about 9 us more per wake there
 * (median of 15 rounds of 100 wakes each, both ways interleaved). */
#define STOP_NS 20000000ull

/* A process is read every tick without a path walk or a /proc/PID/stat
 * (which walks its threads twice and formats 52 fields): its CPU clocks
 * (one walk each, nanoseconds) and a kept-open /proc/PID/statm (O(1)).
 * The open statm names the process, not the number: once it ended, reads
 * fail, so a reused pid is never taken for it. */
struct proc {
	pid_t pid;
	bool alive;
	int statm; /* fd of /proc/PID/statm, -1 once it ended */
	clockid_t clk_sched, clk_prof, clk_virt;
	uint64_t user_ns, sys_ns; /* last read, split as e2e_sampler_cpu_split() */
	uint64_t rss_pages;
	uint32_t threads, fds;
};

/* A thread's status and schedstat stay open between scans (a pread
 * costs 10 us a thread where an open, read and close of both cost 23 us
 * on a 2-vCPU VM), up to TASK_FDS_MAX descriptors and a sixteenth of
 * RLIMIT_NOFILE; the rest are opened per scan. Like statm, an open file
 * names the thread: once it ended, reads fail. */
#define TASK_FDS_MAX 1024

struct task {
	pid_t tid;
	bool seen; /* in the current scan */
	bool gone; /* ended (a read failed): leaves at the end of the scan */
	bool counted; /* vol and invol read when schedstat said run, slices */
	int status, schedstat; /* kept open, or -1 */
	uint64_t vol, invol, runq, run, slices;
};

struct e2e_sampler {
	struct e2e_sampler_config cfg;
	char *cgroup;
	pthread_t thread;
	bool started, stopped;
	atomic_bool quit;

	/* the thread's own, read by others only after the join */
	struct proc *procs;
	size_t nprocs;
	struct task *tasks; /* the threads alive at the last scan */
	size_t ntasks, task_next; /* task_next: where the next one likely is */
	size_t task_fds, task_fds_max;
	struct e2e_res_sample *samples;
	size_t nsamples, cap;
	uint64_t period_ns, last_scan_ns, scan_ns;
	bool scanned;
	uint64_t errors, cg_peak, own_cpu_ns, peak_rss;
	struct e2e_res_sample last; /* the latest sample, flushed or not */
	uint64_t flush_ns, last_flush_ns;
	char *source; /* what is watched: fixed at the start */
	unsigned have;
	long page;
	int cg_fd[3]; /* the cgroup's cpu.stat, memory.current, pids.current */
	int cpu_cg_fd; /* cfg.cpu_cgroup's cpu.stat, -1 without (or once unreadable) */
	int cpu_cg_procs; /* and its cgroup.procs: every descendant in one read */
	uint64_t ctx_vol, ctx_invol, runq_ns; /* the tasks' sums at the last scan */
	uint64_t ended_vol, ended_invol, ended_runq; /* of the threads that ended */
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

/* Reads a kept-open /proc or cgroup file from its start; -1 on failure. */
static ssize_t pread_small(int fd, char *buf, size_t size)
{
	ssize_t n;

	if (fd < 0)
		return -1;
	do
		n = pread(fd, buf, size - 1, 0);
	while (n < 0 && errno == EINTR);
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

bool e2e_sampler_parse_statm(const char *text, uint64_t *size_pages, uint64_t *rss_pages)
{
	char *end;
	uint64_t size = strtoull(text, &end, 10), rss;

	if (end == text || *end != ' ')
		return false;
	text = end;
	rss = strtoull(text, &end, 10);
	if (end == text)
		return false;
	*size_pages = size;
	*rss_pages = rss;
	return true;
}

void e2e_sampler_cpu_split(uint64_t rtime, uint64_t utime, uint64_t stime, uint64_t *user, uint64_t *sys)
{
	uint64_t st, ut;

	if (rtime <= *user + *sys)
		return;
	if (!stime)
		st = 0;
	else if (!utime)
		st = rtime;
	else
		st = (uint64_t)((long double)stime * (long double)rtime / (long double)(stime + utime));
	if (st < *sys)
		st = *sys;
	if (st > rtime)
		st = rtime;
	ut = rtime - st;
	if (ut < *user) {
		ut = *user;
		st = rtime - ut;
	}
	*user = ut;
	*sys = st;
}

static uint64_t ts_ns(const struct timespec *ts)
{
	return (uint64_t)ts->tv_sec * 1000000000ull + (uint64_t)ts->tv_nsec;
}

/* Reads p now: false when it ended (or is a zombie: no memory, and its
 * counters went to its parent's). The clocks come first, so that a pid
 * reused between the two reads fails the statm read. */
static bool read_proc(struct proc *p, bool clocks)
{
	struct timespec sched, prof, virt;
	uint64_t size, rss;
	char buf[256];

	if (clocks && (clock_gettime(p->clk_sched, &sched) != 0 || clock_gettime(p->clk_prof, &prof) != 0 ||
		       clock_gettime(p->clk_virt, &virt) != 0))
		return false;
	if (pread_small(p->statm, buf, sizeof(buf)) <= 0 || !e2e_sampler_parse_statm(buf, &size, &rss) ||
	    !size)
		return false;
	if (clocks)
		e2e_sampler_cpu_split(ts_ns(&sched), ts_ns(&virt), ts_ns(&prof) - ts_ns(&virt), &p->user_ns,
				      &p->sys_ns);
	p->rss_pages = rss;
	return true;
}

/* The process CPU clocks of pid (clock_getcpuclockid() gives only the
 * first): the kernel's encoding, CPUCLOCK_PROF 0, VIRT 1, SCHED 2. */
static clockid_t cpu_clock(pid_t pid, int which)
{
	return (clockid_t)(((unsigned)~pid << 3) | (unsigned)which);
}

static struct proc *proc_add(struct e2e_sampler *s, pid_t pid)
{
	struct proc p = { .pid = pid, .alive = true, .statm = -1 };
	char path[64], buf[1024];
	const char *q;

	for (size_t i = 0; i < s->nprocs; i++)
		if (s->procs[i].pid == pid && s->procs[i].alive)
			return NULL;
	if (s->nprocs == PROCS_MAX) {
		s->errors++;
		return NULL;
	}
	snprintf(path, sizeof(path), "/proc/%ld/statm", (long)pid);
	p.statm = open(path, O_RDONLY | O_CLOEXEC);
	p.clk_prof = cpu_clock(pid, 0);
	p.clk_virt = cpu_clock(pid, 1);
	p.clk_sched = cpu_clock(pid, 2);
	/* its thread count until the first scan, from the one read of stat */
	snprintf(path, sizeof(path), "/proc/%ld/stat", (long)pid);
	if (p.statm < 0 || !read_proc(&p, true) || read_small(path, buf, sizeof(buf)) < 0 ||
	    !(q = strrchr(buf, ')'))) {
		if (p.statm >= 0)
			close(p.statm);
		return NULL;
	}
	for (int field = 3; field <= 20 && q; field++)
		q = strchr(q + 1, ' ');
	p.threads = q ? (uint32_t)strtoul(q + 1, NULL, 10) : 0;
	s->procs = e2e_xrealloc(s->procs, (s->nprocs + 1) * sizeof(*s->procs));
	s->procs[s->nprocs] = p;
	return &s->procs[s->nprocs++];
}

/* The thread tid (added when new). A scan lists the threads in the
 * order of the last one: the search starts where the last one was found. */
static struct task *task_get(struct e2e_sampler *s, pid_t tid)
{
	for (size_t k = 0; k < s->ntasks; k++) {
		size_t i = (s->task_next + k) % s->ntasks;

		if (s->tasks[i].tid == tid && !s->tasks[i].gone) {
			s->task_next = i + 1;
			return &s->tasks[i];
		}
	}
	if (s->ntasks == TASKS_MAX) {
		s->errors++;
		return NULL;
	}
	s->tasks = e2e_xrealloc(s->tasks, (s->ntasks + 1) * sizeof(*s->tasks));
	s->tasks[s->ntasks] = (struct task){ .tid = tid, .status = -1, .schedstat = -1 };
	return &s->tasks[s->ntasks++];
}

static size_t task_fds_budget(void)
{
	struct rlimit rl;

	if (getrlimit(RLIMIT_NOFILE, &rl) != 0)
		return 0;
	if (rl.rlim_cur == RLIM_INFINITY || rl.rlim_cur / 16 > TASK_FDS_MAX)
		return TASK_FDS_MAX;
	return (size_t)rl.rlim_cur / 16;
}

/* Opens t's status and schedstat to keep, if the budget allows. */
static void task_open(struct e2e_sampler *s, struct task *t, pid_t pid)
{
	char path[96];

	if (s->task_fds + 2 > s->task_fds_max)
		return;
	snprintf(path, sizeof(path), "/proc/%ld/task/%ld/status", (long)pid, (long)t->tid);
	t->status = open(path, O_RDONLY | O_CLOEXEC);
	snprintf(path, sizeof(path), "/proc/%ld/task/%ld/schedstat", (long)pid, (long)t->tid);
	t->schedstat = t->status < 0 ? -1 : open(path, O_RDONLY | O_CLOEXEC);
	if (t->schedstat < 0) {
		if (t->status >= 0)
			close(t->status);
		t->status = -1;
		return;
	}
	s->task_fds += 2;
}

/* After a scan: the threads it did not see, or saw end, leave; their
 * counters stay in the sums. */
static void tasks_prune(struct e2e_sampler *s)
{
	size_t kept = 0;

	for (size_t i = 0; i < s->ntasks; i++) {
		struct task *t = &s->tasks[i];

		if (t->seen && !t->gone) {
			s->tasks[kept++] = *t;
			continue;
		}
		s->ended_vol += t->vol;
		s->ended_invol += t->invol;
		s->ended_runq += t->runq;
		if (t->status >= 0) {
			close(t->status);
			close(t->schedstat);
			s->task_fds -= 2;
		}
	}
	s->ntasks = kept;
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

/* One thread: its children (new processes to follow, unless the cgroup
 * said which), context switches and run-queue wait. */
static void scan_task(struct e2e_sampler *s, pid_t pid, pid_t tid, bool children)
{
	char path[96], buf[4096];
	struct task *t = task_get(s, tid);
	unsigned long long run = 0, wait, slices = 0;
	uint64_t v;

	snprintf(path, sizeof(path), "/proc/%ld/task/%ld/children", (long)pid, (long)tid);
	if (children && read_small(path, buf, sizeof(buf)) >= 0) {
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
	if (t->status < 0)
		task_open(s, t, pid);
	snprintf(path, sizeof(path), "/proc/%ld/task/%ld/schedstat", (long)pid, (long)tid);
	if ((t->schedstat >= 0 ? pread_small(t->schedstat, buf, sizeof(buf))
			       : read_small(path, buf, sizeof(buf))) < 0) {
		t->gone = t->schedstat >= 0; /* it ended: its last counters stay */
		return;
	}
	if (sscanf(buf, "%llu %llu %llu", &run, &wait, &slices) >= 2) {
		t->runq = wait;
		s->have |= E2E_RES_RUNQ;
	}
	/* The same run time and time slices: it has not been on a CPU since
	 * its status was read, so its switches are the same (most threads of
	 * a large service, and their most costly read). */
	if (t->counted && run == t->run && slices == t->slices)
		return;
	snprintf(path, sizeof(path), "/proc/%ld/task/%ld/status", (long)pid, (long)tid);
	if ((t->status >= 0 ? pread_small(t->status, buf, sizeof(buf)) : read_small(path, buf, sizeof(buf))) <
	    0) {
		t->gone = t->status >= 0;
		return;
	}
	if (field_u64(buf, "voluntary_ctxt_switches", &v))
		t->vol = v;
	if (field_u64(buf, "nonvoluntary_ctxt_switches", &v))
		t->invol = v;
	s->have |= E2E_RES_CTX;
	t->run = run;
	t->slices = slices;
	t->counted = true;
}

/* Adds the processes of cfg.cpu_cgroup (--serve's: the service and all
 * its descendants) that are new: one read instead of a read of every
 * thread's children (a third of a scan's cost). False, and the fd
 * closed, when it cannot be read. */
static bool cgroup_procs(struct e2e_sampler *s)
{
	char buf[4096];
	size_t have = 0;
	off_t off = 0;
	ssize_t n;

	for (;;) {
		do
			n = pread(s->cpu_cg_procs, buf + have, sizeof(buf) - 1 - have, off);
		while (n < 0 && errno == EINTR);
		if (n < 0) {
			close(s->cpu_cg_procs);
			s->cpu_cg_procs = -1;
			return false;
		}
		if (n == 0)
			return true;
		off += n;
		have += (size_t)n;
		buf[have] = 0;
		char *p = buf, *nl;
		while ((nl = strchr(p, '\n'))) {
			long pid = strtol(p, NULL, 10);

			if (pid > 0)
				proc_add(s, (pid_t)pid);
			p = nl + 1;
		}
		have -= (size_t)(p - buf);
		memmove(buf, p, have);
	}
}

/* The slow part, every SCAN_NS: descendants, fds, per-thread counters. */
static void scan(struct e2e_sampler *s)
{
	bool children = s->cpu_cg_procs < 0 || !cgroup_procs(s);
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
		uint32_t n = 0;
		while ((e = readdir(d)))
			if (e->d_name[0] != '.') {
				scan_task(s, pid, (pid_t)atol(e->d_name), children);
				n++;
			}
		closedir(d);
		/* (s->procs may have moved: index) */
		s->procs[i].threads = n;
		s->procs[i].fds = count_fds(pid);
		s->have |= E2E_RES_FDS;
		threads += s->procs[i].threads;
	}
	tasks_prune(s);
	s->ctx_vol = s->ended_vol;
	s->ctx_invol = s->ended_invol;
	s->runq_ns = s->ended_runq;
	for (size_t i = 0; i < s->ntasks; i++) {
		s->ctx_vol += s->tasks[i].vol;
		s->ctx_invol += s->tasks[i].invol;
		s->runq_ns += s->tasks[i].runq;
	}
	s->scan_ns = threads * 1000000000ull / SCAN_THREADS_PER_S;
	if (s->scan_ns < SCAN_NS)
		s->scan_ns = SCAN_NS;
}

static const char *const cg_files[3] = { "cpu.stat", "memory.current", "pids.current" };

/* A cgroup's CPU time from its open cpu.stat; false if unreadable. */
static bool cgroup_cpu(int fd, struct e2e_res_sample *out)
{
	char buf[4096];
	uint64_t user, sys;

	if (pread_small(fd, buf, sizeof(buf)) < 0 || !field_u64(buf, "user_usec", &user) ||
	    !field_u64(buf, "system_usec", &sys))
		return false;
	out->cpu_user_ns = user * 1000;
	out->cpu_sys_ns = sys * 1000;
	return true;
}

static void read_cgroup(struct e2e_sampler *s, struct e2e_res_sample *out)
{
	char buf[4096];
	uint64_t v;

	if (cgroup_cpu(s->cg_fd[0], out)) {
		s->have |= E2E_RES_CPU;
	} else { /* the counters never go back: the last ones */
		s->errors++;
		out->cpu_user_ns = s->last.cpu_user_ns;
		out->cpu_sys_ns = s->last.cpu_sys_ns;
	}
	if (pread_small(s->cg_fd[1], buf, sizeof(buf)) >= 0) {
		out->rss_bytes = strtoull(buf, NULL, 10);
		s->have |= E2E_RES_RSS;
	}
	if (!s->nprocs && pread_small(s->cg_fd[2], buf, sizeof(buf)) >= 0) {
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
	s->last = *r;
	if (r->rss_bytes > s->peak_rss)
		s->peak_rss = r->rss_bytes;
}

static void tick(struct e2e_sampler *s, uint64_t now)
{
	struct e2e_res_sample r = { 0 };

	if (!s->scanned || now - s->last_scan_ns >= s->scan_ns) {
		for (size_t i = 0; i < s->ntasks; i++)
			s->tasks[i].seen = false;
		scan(s);
		s->scanned = true;
		s->last_scan_ns = now;
	}
	r.t_ns = now > s->cfg.start_ns ? now - s->cfg.start_ns : 0;
	for (size_t i = 0; i < s->nprocs; i++) {
		struct proc *p = &s->procs[i];

		if (p->alive && !read_proc(p, s->cpu_cg_fd < 0)) {
			p->alive = false; /* it ended: its last counters stay */
			close(p->statm);
			p->statm = -1;
		}
		r.cpu_user_ns += p->user_ns;
		r.cpu_sys_ns += p->sys_ns;
		if (p->alive) {
			r.rss_bytes += p->rss_pages * (uint64_t)s->page;
			r.threads += p->threads;
			r.fds += p->fds;
			r.procs++;
		}
	}
	/* --serve's own cgroup: the CPU of its processes, alive or ended, in one read */
	if (s->cpu_cg_fd >= 0 && !cgroup_cpu(s->cpu_cg_fd, &r)) {
		close(s->cpu_cg_fd); /* unreadable: the clocks from now on */
		s->cpu_cg_fd = -1;
		r.cpu_user_ns = s->last.cpu_user_ns;
		r.cpu_sys_ns = s->last.cpu_sys_ns;
	}
	if (s->nprocs)
		s->have |= E2E_RES_CPU | E2E_RES_RSS | E2E_RES_THREADS;
	r.ctx_vol = s->ctx_vol;
	r.ctx_invol = s->ctx_invol;
	r.runq_wait_ns = s->runq_ns;
	if (s->cgroup)
		read_cgroup(s, &r);
	add_sample(s, &r);
}

static uint64_t own_cpu_ns(void)
{
	struct timespec own;

	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &own);
	return ts_ns(&own);
}

/* What the samples are of so far; the strings borrowed from s. */
static void info_now(const struct e2e_sampler *s, struct e2e_res_info *info)
{
	memset(info, 0, sizeof(*info));
	info->source = s->source;
	info->have = s->have;
	info->hz = s->cfg.hz;
	info->errors = s->errors;
	info->peak_rss_bytes = s->cg_peak > s->peak_rss ? s->cg_peak : s->peak_rss;
	info->sampler_cpu_ns = s->own_cpu_ns;
	info->serve_log = (char *)"";
	info->serve_end = (char *)"";
}

/* Hands the samples taken so far to cfg.flush; what it took leaves. */
static void flush(struct e2e_sampler *s, uint64_t now)
{
	struct e2e_res_info info;
	size_t took;

	s->last_flush_ns = now;
	if (!s->cfg.flush || !s->nsamples)
		return;
	s->own_cpu_ns = own_cpu_ns();
	info_now(s, &info);
	took = s->cfg.flush(s->cfg.flush_ctx, s->samples, s->nsamples, &info);
	if (took > s->nsamples)
		took = s->nsamples;
	memmove(s->samples, s->samples + took, (s->nsamples - took) * sizeof(*s->samples));
	s->nsamples -= took;
}

/* Sleeps from now until deadline (CLOCK_MONOTONIC ns), or until a stop. */
static void sleep_until(struct e2e_sampler *s, uint64_t now, uint64_t deadline)
{
	while (now < deadline && !atomic_load_explicit(&s->quit, memory_order_acquire)) {
		uint64_t until = deadline - now > STOP_NS ? now + STOP_NS : deadline;
		struct timespec ts = { .tv_sec = (time_t)(until / 1000000000ull),
				       .tv_nsec = (long)(until % 1000000000ull) };

		while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL) == EINTR)
			;
		now = until;
	}
}

static void *sampler_main(void *arg)
{
	struct e2e_sampler *s = arg;
	uint64_t deadline = mono_ns(), now;

	/* wake-ups may batch with others': a sample says when it was taken */
	prctl(PR_SET_TIMERSLACK, (unsigned long)(s->period_ns / 20), 0, 0, 0);
	s->last_flush_ns = deadline;
	while (!atomic_load_explicit(&s->quit, memory_order_acquire)) {
		now = mono_ns();
		tick(s, now);
		if (now - s->last_flush_ns >= s->flush_ns)
			flush(s, now);
		deadline += s->period_ns;
		if (deadline < now)
			deadline = now; /* late (a loaded machine): no burst to catch up */
		sleep_until(s, now, deadline);
	}
	s->last_scan_ns = 0;
	s->scanned = false;
	now = mono_ns();
	tick(s, now); /* the end of the run */
	if (s->cgroup) {
		char path[4096], buf[64];
		snprintf(path, sizeof(path), "%s/memory.peak", s->cgroup);
		if (read_small(path, buf, sizeof(buf)) >= 0)
			s->cg_peak = strtoull(buf, NULL, 10);
	}
	flush(s, now);
	s->own_cpu_ns = own_cpu_ns();

	return NULL;
}

/* "pid 1, 2 and descendants; cgroup DIR" (caller frees). */
static char *source(const struct e2e_sampler *s)
{
	struct e2e_buf b = E2E_BUF_INIT;

	for (size_t i = 0; i < s->cfg.npids && i < s->nprocs; i++)
		e2e_buf_printf(&b, "%s%ld", i ? ", " : "pid ", (long)s->procs[i].pid);
	if (b.len)
		e2e_buf_puts(&b, " and descendants");
	if (s->cgroup)
		e2e_buf_printf(&b, "%scgroup %s", b.len ? "; " : "", s->cgroup);
	return b.len ? e2e_buf_detach(&b, NULL) : e2e_xstrdup("");
}

int e2e_sampler_start(const struct e2e_sampler_config *cfg, struct e2e_sampler **out)
{
	struct e2e_sampler *s = e2e_xcalloc(1, sizeof(*s));
	int rc;

	s->cfg = *cfg;
	s->cfg.pids = NULL;
	s->cgroup = cfg->cgroup ? e2e_xstrdup(cfg->cgroup) : NULL;
	for (size_t i = 0; i < 3; i++) {
		char path[4096];

		s->cg_fd[i] = -1;
		if (!s->cgroup)
			continue;
		snprintf(path, sizeof(path), "%s/%s", s->cgroup, cg_files[i]);
		s->cg_fd[i] = open(path, O_RDONLY | O_CLOEXEC);
	}
	s->period_ns = 1000000000ull / (cfg->hz ? cfg->hz : 100);
	s->page = sysconf(_SC_PAGESIZE);
	s->task_fds_max = task_fds_budget();
	s->flush_ns = cfg->flush_ns ? cfg->flush_ns : 1000000000ull;
	s->cpu_cg_fd = s->cpu_cg_procs = -1;
	if (cfg->cpu_cgroup) {
		char path[4096];
		struct e2e_res_sample probe;

		snprintf(path, sizeof(path), "%s/cpu.stat", cfg->cpu_cgroup);
		s->cpu_cg_fd = open(path, O_RDONLY | O_CLOEXEC);
		if (s->cpu_cg_fd >= 0 && !cgroup_cpu(s->cpu_cg_fd, &probe)) {
			close(s->cpu_cg_fd);
			s->cpu_cg_fd = -1;
		}
		snprintf(path, sizeof(path), "%s/cgroup.procs", cfg->cpu_cgroup);
		if (s->cpu_cg_fd >= 0)
			s->cpu_cg_procs = open(path, O_RDONLY | O_CLOEXEC);
	}
	for (size_t i = 0; i < cfg->npids; i++)
		if (!proc_add(s, cfg->pids[i]))
			s->errors++;
	s->source = source(s);
	atomic_init(&s->quit, false);
	tick(s, mono_ns());
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
	atomic_store_explicit(&s->quit, true, memory_order_release);
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
	info_now(s, info);
	info->source = e2e_xstrdup(s->source);
	info->serve_log = e2e_xstrdup("");
	info->serve_end = e2e_xstrdup("");
}

void e2e_sampler_destroy(struct e2e_sampler *s)
{
	if (!s)
		return;
	e2e_sampler_stop(s);
	for (size_t i = 0; i < s->nprocs; i++)
		if (s->procs[i].statm >= 0)
			close(s->procs[i].statm);
	for (size_t i = 0; i < 3; i++)
		if (s->cg_fd[i] >= 0)
			close(s->cg_fd[i]);
	if (s->cpu_cg_fd >= 0)
		close(s->cpu_cg_fd);
	if (s->cpu_cg_procs >= 0)
		close(s->cpu_cg_procs);
	free(s->procs);
	for (size_t i = 0; i < s->ntasks; i++)
		if (s->tasks[i].status >= 0) {
			close(s->tasks[i].status);
			close(s->tasks[i].schedstat);
		}
	free(s->tasks);
	free(s->samples);
	free(s->cgroup);
	free(s->source);
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
