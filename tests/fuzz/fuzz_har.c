/* fuzz_har.c - HAR import (har.h) of arbitrary bytes.
 *
 * e2e_har_load only reads files, so every input is loaded twice through
 * /proc/self/fd paths: from a memory file (memfd_create; whole reads, as
 * from a regular file) and from a packet-mode pipe (pipe2 O_DIRECT) that
 * a thread fills in packets of 1 to 97 bytes (chosen from the input), so
 * that every read() returns one short packet, as reading a HAR from a
 * pipe can (--import /dev/stdin), and every token crosses buffer refills.
 * Both loads must agree exactly: the same code and message, or the same
 * requests, statistics, checksum and times. When the file loads: the
 * count equals stats.imported, requests are in start order from 0, each
 * has a method of 1..64 bytes and a path starting with '/' without query
 * or fragment, a status of 0..999, an error kind when it has no status,
 * and its endpoint key can be computed. */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdbool.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/types.h>
#include <unistd.h>

#include "buf.h"
#include "error.h"
#include "har.h"
#include "template.h"
#include "fuzz.h"

static int memfd = -1;
static char mem_path[64];

static void put_input(const uint8_t *data, size_t size)
{
	size_t done = 0;

	if (memfd < 0) {
		memfd = memfd_create("fuzz.har", MFD_CLOEXEC);
		E2E_FUZZ_CHECK(memfd >= 0);
		snprintf(mem_path, sizeof(mem_path), "/proc/self/fd/%d", memfd);
	}
	E2E_FUZZ_CHECK(ftruncate(memfd, 0) == 0);
	while (done < size) {
		ssize_t n = pwrite(memfd, data + done, size - done, (off_t)done);

		if (n < 0 && errno == EINTR)
			continue;
		E2E_FUZZ_CHECK(n > 0);
		done += (size_t)n;
	}
}

struct feeder {
	int fd; /* write end, closed by the thread */
	const uint8_t *data;
	size_t size, packet;
};

/* Writes the input in packets, then closes the pipe (end of file). */
static void *feed(void *arg)
{
	struct feeder *f = arg;

	for (size_t done = 0; done < f->size;) {
		size_t n = f->size - done < f->packet ? f->size - done : f->packet;
		ssize_t w = write(f->fd, f->data + done, n);

		if (w < 0 && errno == EINTR)
			continue;
		E2E_FUZZ_CHECK(w == (ssize_t)n);
		done += n;
	}
	close(f->fd);
	return NULL;
}

/* e2e_har_load from a packet-mode pipe fed packet bytes at a time. */
static int load_from_pipe(const uint8_t *data, size_t size, size_t packet, char *path, size_t cap,
			  struct e2e_har **out)
{
	int fds[2];
	struct feeder f;
	pthread_t t;
	char drain[4096];
	ssize_t n;
	int rc;

	E2E_FUZZ_CHECK(pipe2(fds, O_DIRECT | O_CLOEXEC) == 0);
	f = (struct feeder){ fds[1], data, size, packet };
	E2E_FUZZ_CHECK(pthread_create(&t, NULL, feed, &f) == 0);
	snprintf(path, cap, "/proc/self/fd/%d", fds[0]);
	rc = e2e_har_load(path, out);
	/* a load that stopped early leaves packets behind; libFuzzer's
	 * timer interrupts reads, and a drain that stopped there would leave
	 * the feeder blocked on a full pipe */
	while ((n = read(fds[0], drain, sizeof(drain))) > 0 || (n < 0 && errno == EINTR))
		;
	E2E_FUZZ_CHECK(pthread_join(t, NULL) == 0);
	close(fds[0]);
	return rc;
}

/* The message without its "'PATH': " prefix. */
static const char *after_path(const char *msg)
{
	const char *p = strstr(msg, "': ");

	return p ? p + 3 : msg;
}

static void check_har(const struct e2e_har *h)
{
	const struct e2e_har_stats *st = e2e_har_stats(h);
	size_t n = e2e_har_count(h);
	uint64_t prev = 0;
	struct e2e_buf key = E2E_BUF_INIT;

	E2E_FUZZ_CHECK(st->imported == n);
	E2E_FUZZ_CHECK(st->no_wait <= n && st->no_response <= n);
	E2E_FUZZ_CHECK(strncmp(e2e_har_source(h), "har:", 4) == 0);
	E2E_FUZZ_CHECK(e2e_har_ended_ms(h) >= e2e_har_started_ms(h));
	E2E_FUZZ_CHECK(e2e_har_max_concurrency(h) <= n);
	E2E_FUZZ_CHECK(n == 0 ? e2e_har_duration_ns(h) == 0 : e2e_har_max_concurrency(h) >= 1);
	for (size_t i = 0; i < n; i++) {
		struct e2e_capture c;

		e2e_har_capture(h, i, &c);
		E2E_FUZZ_CHECK(i > 0 || c.s.start_ns == 0);
		E2E_FUZZ_CHECK(c.s.start_ns >= prev);
		E2E_FUZZ_CHECK(c.s.start_ns <= e2e_har_duration_ns(h));
		prev = c.s.start_ns;
		E2E_FUZZ_CHECK(c.method_len >= 1 && c.method_len <= 64);
		E2E_FUZZ_CHECK(memchr(c.method, '\0', c.method_len) == NULL);
		E2E_FUZZ_CHECK(c.path_len >= 1 && c.path[0] == '/');
		E2E_FUZZ_CHECK(!memchr(c.path, '?', c.path_len) && !memchr(c.path, '#', c.path_len));
		E2E_FUZZ_CHECK(c.s.status <= 999);
		E2E_FUZZ_CHECK(c.s.error < E2E_EK__COUNT);
		E2E_FUZZ_CHECK(c.s.status != 0 || c.s.error != E2E_EK_NONE);
		e2e_buf_reset(&key);
		e2e_template_key(&key, c.method, c.method_len, c.path, c.path_len);
		E2E_FUZZ_CHECK(key.len > (size_t)c.method_len + 1);
	}
	e2e_buf_finish(&key);
}

static void check_same(const struct e2e_har *a, const struct e2e_har *b)
{
	size_t n = e2e_har_count(a);

	E2E_FUZZ_CHECK(e2e_har_count(b) == n);
	E2E_FUZZ_CHECK(memcmp(e2e_har_stats(a), e2e_har_stats(b), sizeof(struct e2e_har_stats)) == 0);
	/* "har:NAME sha256:HEX": the names are two fd numbers */
	E2E_FUZZ_CHECK(strcmp(strchr(e2e_har_source(a), ' '), strchr(e2e_har_source(b), ' ')) == 0);
	if (n > 0) { /* else both are the files' modification times */
		E2E_FUZZ_CHECK(e2e_har_started_ms(a) == e2e_har_started_ms(b));
		E2E_FUZZ_CHECK(e2e_har_ended_ms(a) == e2e_har_ended_ms(b));
	}
	E2E_FUZZ_CHECK(e2e_har_duration_ns(a) == e2e_har_duration_ns(b));
	E2E_FUZZ_CHECK(e2e_har_max_concurrency(a) == e2e_har_max_concurrency(b));
	for (size_t i = 0; i < n; i++) {
		struct e2e_capture x, y;

		e2e_har_capture(a, i, &x);
		e2e_har_capture(b, i, &y);
		E2E_FUZZ_CHECK(memcmp(&x.s, &y.s, sizeof(x.s)) == 0);
		E2E_FUZZ_CHECK(x.method_len == y.method_len && memcmp(x.method, y.method, x.method_len) == 0);
		E2E_FUZZ_CHECK(x.path_len == y.path_len && memcmp(x.path, y.path, x.path_len) == 0);
	}
}

int e2e_fuzz_har(const uint8_t *data, size_t size)
{
	struct e2e_har *h = NULL, *h2 = NULL;
	size_t packet = 1 + (size * 31 + (size ? data[size / 2] : 0)) % 97;
	char pipe_path[64], *msg = NULL;
	int rc, rc2;

	put_input(data, size);
	rc = e2e_har_load(mem_path, &h);
	if (rc < 0) {
		E2E_FUZZ_CHECK(h == NULL && rc == E2E_ERR_INPUT);
		E2E_FUZZ_CHECK(strncmp(e2e_error_message(), "'/proc/self/fd/", 15) == 0);
		msg = e2e_xstrdup(e2e_error_message());
	} else {
		E2E_FUZZ_CHECK(rc == 0 && h != NULL);
		check_har(h);
	}

	rc2 = load_from_pipe(data, size, packet, pipe_path, sizeof(pipe_path), &h2);
	if (rc2 != rc || (msg && strcmp(after_path(msg), after_path(e2e_error_message())) != 0))
		fprintf(stderr, "whole reads: %d %s\nreads of %zu bytes: %d %s\n", rc, msg ? msg : "", packet,
			rc2, rc2 < 0 ? e2e_error_message() : "");
	E2E_FUZZ_CHECK(rc2 == rc);
	if (msg)
		E2E_FUZZ_CHECK(strcmp(after_path(msg), after_path(e2e_error_message())) == 0);
	else
		check_same(h, h2);

	free(msg);
	e2e_har_destroy(h);
	e2e_har_destroy(h2);
	return rc;
}

E2E_FUZZ_TARGET(e2e_fuzz_har)
