/* disturb.c - the runner-disturbance probe (disturb.h). */
#include "disturb.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "buf.h"
#include "error.h"
#include "model.h"
#include "banned.h"

struct e2e_disturb {
	pthread_t thread;
	pthread_mutex_t lock;
	pthread_cond_t wake;
	bool stop;
	/* Written by the thread before it exits. */
	bool measured;
	uint64_t cpu_ns, wait_ns, probes;
};

int e2e_disturb_parse_schedstat(const char *text, uint64_t *cpu_ns, uint64_t *wait_ns)
{
	char *end;
	unsigned long long c, w;

	errno = 0;
	c = strtoull(text, &end, 10);
	if (end == text || errno)
		return -1;
	text = end;
	w = strtoull(text, &end, 10);
	if (end == text || errno)
		return -1;
	*cpu_ns = c;
	*wait_ns = w;
	return 0;
}

static int read_schedstat(int fd, uint64_t *cpu_ns, uint64_t *wait_ns)
{
	char buf[128];
	ssize_t n = pread(fd, buf, sizeof(buf) - 1, 0);

	if (n <= 0)
		return -1;
	buf[n] = '\0';
	return e2e_disturb_parse_schedstat(buf, cpu_ns, wait_ns);
}

static uint64_t thread_cpu_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

/* Sleeps one period; false when told to stop. */
static bool sleep_period(struct e2e_disturb *d)
{
	struct timespec until;
	bool go;

	clock_gettime(CLOCK_MONOTONIC, &until);
	until.tv_nsec += (long)(E2E_DISTURB_PERIOD_NS % 1000000000ull);
	until.tv_sec += (time_t)(E2E_DISTURB_PERIOD_NS / 1000000000ull) + until.tv_nsec / 1000000000L;
	until.tv_nsec %= 1000000000L;
	pthread_mutex_lock(&d->lock);
	while (!d->stop && pthread_cond_timedwait(&d->wake, &d->lock, &until) != ETIMEDOUT)
		;
	go = !d->stop;
	pthread_mutex_unlock(&d->lock);
	return go;
}

static void *probe_main(void *arg)
{
	struct e2e_disturb *d = arg;
	uint64_t cpu0, wait0, cpu1, wait1, probes = 0;
	int fd = open("/proc/thread-self/schedstat", O_RDONLY | O_CLOEXEC);

	if (fd < 0 || read_schedstat(fd, &cpu0, &wait0) < 0)
		goto out;
	while (sleep_period(d)) {
		uint64_t t0 = thread_cpu_ns();
		volatile uint64_t spin = 0;

		while (thread_cpu_ns() - t0 < E2E_DISTURB_BURST_NS)
			spin++;
		probes++;
	}
	if (read_schedstat(fd, &cpu1, &wait1) < 0 || cpu1 <= cpu0)
		goto out;
	d->cpu_ns = cpu1 - cpu0;
	d->wait_ns = wait1 >= wait0 ? wait1 - wait0 : 0;
	d->probes = probes;
	d->measured = probes > 0;
out:
	if (fd >= 0)
		close(fd);
	return NULL;
}

int e2e_disturb_start(struct e2e_disturb **out)
{
	struct e2e_disturb *d = e2e_xcalloc(1, sizeof(*d));
	pthread_condattr_t ca;
	int err;

	pthread_mutex_init(&d->lock, NULL);
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&d->wake, &ca);
	pthread_condattr_destroy(&ca);
	err = pthread_create(&d->thread, NULL, probe_main, d);
	if (err) {
		pthread_cond_destroy(&d->wake);
		pthread_mutex_destroy(&d->lock);
		free(d);
		return e2e_error(E2E_ERR_RUNTIME, "cannot start the disturbance probe: %s", strerror(err));
	}
	*out = d;
	return 0;
}

void e2e_disturb_stop(struct e2e_disturb *d, struct e2e_run *r)
{
	if (!d)
		return;
	pthread_mutex_lock(&d->lock);
	d->stop = true;
	pthread_cond_signal(&d->wake);
	pthread_mutex_unlock(&d->lock);
	pthread_join(d->thread, NULL);
	if (d->measured && r) {
		r->disturbance = (double)d->wait_ns / (double)d->cpu_ns;
		r->disturbance_probes = d->probes;
	}
	pthread_cond_destroy(&d->wake);
	pthread_mutex_destroy(&d->lock);
	free(d);
}
