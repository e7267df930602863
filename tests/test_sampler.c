/* Unit tests for sampler.c: the parsing of /proc/PID/statm, the split of
 * a precise CPU time into user and system (never going back), a real
 * child process sampled through the flush callback, and descendants
 * started after the sampler, followed by their parents' threads or by
 * --serve's cgroup. */
#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <pthread.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "sampler.h"
#include "testutil.h"

START_TEST(statm_parse)
{
	static const struct {
		const char *in;
		bool ok;
		uint64_t size, rss;
	} cases[] = {
		{ "10543 2870 1536 1 0 1404 0\n", true, 10543, 2870 },
		{ "0 0 0 0 0 0 0\n", true, 0, 0 }, /* a zombie: no memory */
		{ "18446744073709551615 7 0 0 0 0 0", true, UINT64_MAX, 7 },
		{ "", false, 0, 0 },
		{ "12", false, 0, 0 },
		{ "12 x", false, 0, 0 },
		{ "x 12", false, 0, 0 },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		uint64_t size = 99, rss = 99;
		bool ok = e2e_sampler_parse_statm(cases[i].in, &size, &rss);

		ck_assert_msg(ok == cases[i].ok, "'%s'", cases[i].in);
		ck_assert_uint_eq(size, ok ? cases[i].size : 99);
		ck_assert_uint_eq(rss, ok ? cases[i].rss : 99);
	}
}
END_TEST

START_TEST(cpu_split)
{
	/* a sequence of reads of one process: precise total, tick-sampled
	 * utime and stime; the split that must follow */
	static const struct {
		uint64_t rtime, utime, stime, user, sys;
	} steps[] = {
		{ 0, 0, 0, 0, 0 }, /* nothing yet */
		{ 1000, 0, 0, 1000, 0 }, /* no tick yet: all user */
		{ 3000, 4000, 4000, 1500, 1500 }, /* the ticks' proportion */
		{ 2500, 4000, 4000, 1500, 1500 }, /* a smaller total: unchanged */
		{ 4000, 0, 4000, 1500, 2500 }, /* all system now: user stays */
		{ 6000, 12000, 4000, 3500, 2500 }, /* 1500 sys by the ratio: clamped */
		{ 10000, 4000, 0, 7500, 2500 }, /* all user now: sys stays */
		{ 10000000000000ull, 1000000000000ull, 3000000000000ull, 2500000000000ull, 7500000000000ull },
	};
	uint64_t user = 0, sys = 0;

	for (size_t i = 0; i < sizeof(steps) / sizeof(steps[0]); i++) {
		e2e_sampler_cpu_split(steps[i].rtime, steps[i].utime, steps[i].stime, &user, &sys);
		ck_assert_msg(user == steps[i].user && sys == steps[i].sys, "step %zu: %llu + %llu", i,
			      (unsigned long long)user, (unsigned long long)sys);
	}
}
END_TEST

struct flushed {
	struct e2e_res_sample r[4096];
	size_t n, calls;
	unsigned have;
};

/* Takes every other call's samples: the rest stay with the sampler. */
static size_t take(void *ctx, const struct e2e_res_sample *r, size_t n, const struct e2e_res_info *info)
{
	struct flushed *f = ctx;

	ck_assert_msg(strncmp(info->source, "pid ", 4) == 0, "source '%s'", info->source);
	if (f->calls++ % 2 || f->n + n > 4096)
		return 0;
	memcpy(f->r + f->n, r, n * sizeof(*r));
	f->n += n;
	f->have = info->have;
	return n;
}

static void burn_ms(long ms)
{
	struct timespec t0, t;

	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t0);
	do
		clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t);
	while ((t.tv_sec - t0.tv_sec) * 1000 + (t.tv_nsec - t0.tv_nsec) / 1000000 < ms);
}

/* A child that burns 300 ms of CPU and exits: every sample reaches the
 * flush or stays for e2e_sampler_samples(), in order, with counters that
 * never go back; the child's CPU time is in them and it ends alive 0. */
START_TEST(real_child)
{
	static struct flushed f;
	const struct e2e_res_sample *rest;
	struct timespec ts;
	pid_t pid;
	struct e2e_sampler *s = NULL;
	size_t nrest;

	memset(&f, 0, sizeof(f));
	pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		usleep(200000);
		burn_ms(300);
		_exit(0);
	}
	clock_gettime(CLOCK_MONOTONIC, &ts);
	struct e2e_sampler_config cfg = {
		.pids = &pid,
		.npids = 1,
		.hz = 100,
		.start_ns = (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec,
		.flush = take,
		.flush_ctx = &f,
		.flush_ns = 100000000ull,
	};
	ck_assert_int_eq(e2e_sampler_start(&cfg, &s), 0);
	waitpid(pid, NULL, 0);
	usleep(300000);
	e2e_sampler_stop(s);
	nrest = e2e_sampler_samples(s, &rest);
	ck_assert_uint_ge(f.calls, 4);
	ck_assert_uint_gt(f.n, 0);
	ck_assert_uint_le(nrest + f.n, 4096);
	memcpy(f.r + f.n, rest, nrest * sizeof(*rest));
	f.n += nrest;
	ck_assert_uint_ge(f.n, 20);
	ck_assert(f.have & E2E_RES_CPU);
	for (size_t i = 1; i < f.n; i++) {
		ck_assert_uint_gt(f.r[i].t_ns, f.r[i - 1].t_ns);
		ck_assert_uint_ge(f.r[i].cpu_user_ns, f.r[i - 1].cpu_user_ns);
		ck_assert_uint_ge(f.r[i].cpu_sys_ns, f.r[i - 1].cpu_sys_ns);
	}
	uint64_t cpu = f.r[f.n - 1].cpu_user_ns + f.r[f.n - 1].cpu_sys_ns;
	ck_assert_msg(cpu >= 270000000ull && cpu <= 400000000ull, "child's CPU %llu ns, want about 300 ms",
		      (unsigned long long)cpu);
	ck_assert_uint_eq(f.r[0].procs, 1);
	ck_assert_uint_gt(f.r[0].rss_bytes, 0);
	ck_assert_uint_eq(f.r[f.n - 1].procs, 0);
	ck_assert_uint_eq(f.r[f.n - 1].rss_bytes, 0);
	e2e_sampler_destroy(s);
}
END_TEST

/* Samples pid (with cgroup as --serve's own, or NULL) at 100 Hz, lets it
 * start its worker (a byte on go), waits for its end: the worker was
 * followed (a sample counts both processes) and its 200 ms of CPU time
 * is in the last sample. */
static void follow(pid_t pid, const char *cgroup, int go)
{
	struct e2e_sampler_config cfg = { .pids = &pid, .npids = 1, .cpu_cgroup = cgroup, .hz = 100 };
	const struct e2e_res_sample *r;
	struct e2e_sampler *s = NULL;
	uint32_t procs = 0;
	size_t n;

	ck_assert_int_eq(e2e_sampler_start(&cfg, &s), 0);
	ck_assert_int_eq(write(go, "g", 1), 1);
	close(go);
	waitpid(pid, NULL, 0);
	e2e_sampler_stop(s);
	n = e2e_sampler_samples(s, &r);
	ck_assert_uint_ge(n, 50);
	for (size_t i = 0; i < n; i++)
		if (r[i].procs > procs)
			procs = r[i].procs;
	ck_assert_uint_eq(procs, 2);
	uint64_t cpu = r[n - 1].cpu_user_ns + r[n - 1].cpu_sys_ns;
	ck_assert_msg(cpu >= 180000000ull && cpu <= 300000000ull,
		      "the worker's CPU %llu ns, want about 200 ms", (unsigned long long)cpu);
	e2e_sampler_destroy(s);
}

/* The worker both descendant cases start once the sampler runs: 200 ms
 * of CPU, then alive until about 1.3 s after its start (past two scans). */
static void worker(void)
{
	burn_ms(200);
	usleep(1100000);
	_exit(0);
}

/* A child that starts a grandchild once sampled: a scan of the child's
 * threads' children follows it; its CPU time is then in the samples (the
 * child's own clocks never count it). */
START_TEST(descendants)
{
	int go[2];
	pid_t pid, gc;

	ck_assert_int_eq(pipe(go), 0);
	pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		char c;

		close(go[1]);
		if (read(go[0], &c, 1) != 1)
			_exit(1);
		if ((gc = fork()) == 0)
			worker();
		waitpid(gc, NULL, 0);
		_exit(0);
	}
	close(go[0]);
	follow(pid, NULL, go[1]);
}
END_TEST

/* A fresh cgroup v2 directory at the hierarchy's root (the CLI tests'
 * way), or NULL where there is none or it is not writable; caller frees
 * and removes it. */
static char *cgroup_make(void)
{
	char line[4096], mnt[4096] = "", *dir = NULL;
	FILE *f = fopen("/proc/mounts", "re");

	while (f && fgets(line, sizeof(line), f))
		if (sscanf(line, "%*s %4095s cgroup2", mnt) == 1 && strstr(line, " cgroup2 "))
			break;
		else
			mnt[0] = 0;
	if (f)
		fclose(f);
	if (!mnt[0])
		return NULL;
	dir = malloc(strlen(mnt) + 64);
	ck_assert_ptr_nonnull(dir);
	snprintf(dir, strlen(mnt) + 64, "%s/e2e-test-sampler-%ld", mnt, (long)getpid());
	if (mkdir(dir, 0755) != 0 && errno != EEXIST) {
		free(dir);
		return NULL;
	}
	return dir;
}

/* --serve's own cgroup: a worker the service double-forked (its parent
 * gone, so no thread of the service lists it as a child) is followed
 * through the cgroup's cgroup.procs, and its CPU time is the cgroup's. */
START_TEST(descendants_cgroup)
{
	char *cg = cgroup_make(), procs_path[4200];
	int go[2], moved[2];
	pid_t pid;
	char c;

	if (!cg) {
		fprintf(stderr, "skip: descendants_cgroup: no writable cgroup v2 hierarchy here\n");
		return;
	}
	snprintf(procs_path, sizeof(procs_path), "%s/cgroup.procs", cg);
	ck_assert_int_eq(pipe(go), 0);
	ck_assert_int_eq(pipe(moved), 0);
	pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		int fd = open(procs_path, O_WRONLY | O_CLOEXEC);
		pid_t mid;

		close(go[1]);
		close(moved[0]);
		c = fd >= 0 && write(fd, "0", 1) == 1 ? 'y' : 'n';
		if (write(moved[1], &c, 1) != 1 || read(go[0], &c, 1) != 1)
			_exit(1);
		if ((mid = fork()) == 0) {
			if (fork() == 0)
				worker();
			_exit(0);
		}
		waitpid(mid, NULL, 0);
		usleep(1500000);
		_exit(0);
	}
	close(go[0]);
	close(moved[1]);
	ck_assert_int_eq(read(moved[0], &c, 1), 1);
	if (c != 'y') {
		fprintf(stderr, "skip: descendants_cgroup: cannot move a process into %s\n", cg);
		kill(pid, SIGKILL);
		waitpid(pid, NULL, 0);
		rmdir(cg);
		free(cg);
		return;
	}
	follow(pid, cg, go[1]);
	close(moved[0]);
	for (int i = 0; i < 100 && rmdir(cg) != 0 && errno == EBUSY; i++)
		usleep(20000); /* the worker, reparented, may still be exiting */
	free(cg);
}
END_TEST

#define SWITCHERS 6

static int end_pipe[2];

/* Switches 20 times, then blocks: the first until it is told to end. */
static void *switcher(void *arg)
{
	char c;

	for (int i = 0; i < 20; i++)
		usleep(1000);
	if (arg)
		return read(end_pipe[0], &c, 1) == 1 ? NULL : NULL;
	for (;;)
		pause();
	return NULL;
}

/* A child whose threads switch, then block, one ending in between: the
 * sampler's voluntary switches at the end are exactly the process's own
 * count (getrusage: its threads alive and ended) plus the one switch of
 * its main thread blocking after it; with RLIMIT_NOFILE at fd_limit (0:
 * as it is), the threads' files kept open or opened per scan. */
static void switches_case(rlim_t fd_limit)
{
	int ready[2], go[2];
	struct e2e_sampler *s = NULL;
	const struct e2e_res_sample *r;
	long vol = -1;
	pid_t pid;
	size_t n;
	char c;

	if (fd_limit) {
		struct rlimit rl = { fd_limit, fd_limit };
		ck_assert_int_eq(setrlimit(RLIMIT_NOFILE, &rl), 0);
	}
	ck_assert_int_eq(pipe(ready), 0);
	ck_assert_int_eq(pipe(go), 0);
	ck_assert_int_eq(pipe(end_pipe), 0);
	pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		pthread_t t[SWITCHERS];
		struct rusage ru;

		for (int i = 0; i < SWITCHERS; i++)
			pthread_create(&t[i], NULL, switcher, i ? NULL : &t[0]);
		usleep(300000); /* all of them blocked */
		if (write(ready[1], "r", 1) != 1 || read(go[0], &c, 1) != 1 ||
		    write(end_pipe[1], "e", 1) != 1)
			_exit(1);
		pthread_join(t[0], NULL);
		getrusage(RUSAGE_SELF, &ru);
		if (write(ready[1], &ru.ru_nvcsw, sizeof(ru.ru_nvcsw)) != sizeof(ru.ru_nvcsw))
			_exit(1);
		(void)!read(go[0], &c, 1);
		_exit(0);
	}
	ck_assert_int_eq(read(ready[0], &c, 1), 1);
	struct e2e_sampler_config cfg = { .pids = &pid, .npids = 1, .hz = 100 };
	ck_assert_int_eq(e2e_sampler_start(&cfg, &s), 0);
	usleep(600000); /* a scan of the threads' final counts */
	ck_assert_int_eq(write(go[1], "g", 1), 1);
	ck_assert_int_eq(read(ready[0], &vol, sizeof(vol)), sizeof(vol));
	usleep(600000); /* a scan without the thread that ended */
	e2e_sampler_stop(s);
	n = e2e_sampler_samples(s, &r);
	ck_assert_uint_ge(n, 50);
	for (size_t i = 1; i < n; i++)
		ck_assert_uint_ge(r[i].ctx_vol, r[i - 1].ctx_vol);
	ck_assert_uint_eq(r[n - 1].ctx_vol, (uint64_t)vol + 1);
	ck_assert_uint_eq(r[n - 1].threads, SWITCHERS);
	e2e_sampler_destroy(s);
	ck_assert_int_eq(write(go[1], "g", 1), 1);
	waitpid(pid, NULL, 0);
}

START_TEST(switches_kept)
{
	switches_case(0);
}
END_TEST

/* 64 descriptors: the budget keeps two threads' files, the rest are
 * opened per scan */
START_TEST(switches_opened)
{
	switches_case(64);
}
END_TEST

static Suite *sampler_suite(void)
{
	Suite *s = suite_create("sampler");
	TCase *tc = tcase_create("parse");

	tcase_add_test(tc, statm_parse);
	tcase_add_test(tc, cpu_split);
	suite_add_tcase(s, tc);
	tc = tcase_create("real");
	tcase_set_timeout(tc, 30);
	tcase_add_test(tc, real_child);
	tcase_add_test(tc, descendants);
	tcase_add_test(tc, descendants_cgroup);
	tcase_add_test(tc, switches_kept);
	tcase_add_test(tc, switches_opened);
	suite_add_tcase(s, tc);
	return s;
}

E2E_TEST_MAIN(sampler_suite)
