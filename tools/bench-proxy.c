/* bench-proxy - the proxy alone, for benchmarks: the real proxy module and
 * the real capture queue, whose writer thread only counts the records (no
 * SQLite), so figures show the cost of the request path itself.
 *
 *   build/tools/bench-proxy --listen 127.0.0.1:PORT --target URL
 *                           [--upstream-timeout SECONDS] [--max-header-bytes N] [--quiet]
 *
 * Prints "listening on http://ADDR:PORT" once ready and runs until SIGINT
 * or SIGTERM; then stops (2 s grace), waits for the writer and prints
 *
 *   requests=N recorded=N dropped=N errors=N peak_connections=N
 *
 * on stderr; with BENCH_PROXY_LOOP=1 in the environment also how long the
 * proxy's loop iterations were busy (e2e_proxy_loop_stats()). With the
 * shared yardstick:
 *   ../shared/bench/proxy-overhead.sh \
 *     'build-proxy/tools/bench-proxy --listen 127.0.0.1:{PORT} --target {TARGET}' */
#include <getopt.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

#include "capture.h"
#include "error.h"
#include "proxy.h"

#include "banned.h"

static _Atomic uint64_t recorded;

static void count(void *ctx, const struct e2e_capture_batch *b)
{
	(void)ctx;
	atomic_fetch_add_explicit(&recorded, b->n, memory_order_relaxed);
}

static void usage(FILE *f)
{
	fputs("usage: bench-proxy --listen ADDR:PORT --target URL [--upstream-timeout SECONDS] "
	      "[--max-header-bytes N] [--quiet]\n",
	      f);
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "listen", required_argument, NULL, 'l' },
		{ "target", required_argument, NULL, 't' },
		{ "upstream-timeout", required_argument, NULL, 'T' },
		{ "max-header-bytes", required_argument, NULL, 'H' },
		{ "quiet", no_argument, NULL, 'q' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	struct e2e_proxy_config cfg = { .listen_host = "127.0.0.1", .upstream_timeout_ns = 30000000000ull };
	struct e2e_capture_queue *q = NULL;
	struct e2e_proxy *p = NULL;
	struct e2e_proxy_stats st;
	char host[128] = "127.0.0.1";
	bool quiet = false;
	struct timespec ts;
	struct rlimit rl;
	sigset_t set;
	int c, sig;

	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (c) {
		case 'l': {
			const char *colon = strrchr(optarg, ':');
			size_t hl = colon ? (size_t)(colon - optarg) : 0;
			if (!colon || hl >= sizeof(host)) {
				fprintf(stderr, "bench-proxy: '%s': expected ADDR:PORT\n", optarg);
				return 2;
			}
			if (optarg[0] == '[' && hl >= 2) /* [::1]:8080 */
				snprintf(host, sizeof(host), "%.*s", (int)(hl - 2), optarg + 1);
			else
				snprintf(host, sizeof(host), "%.*s", (int)hl, optarg);
			cfg.listen_port = (uint16_t)atoi(colon + 1);
			break;
		}
		case 't':
			cfg.target = optarg;
			break;
		case 'T':
			cfg.upstream_timeout_ns = (uint64_t)(atof(optarg) * 1e9);
			break;
		case 'H':
			cfg.max_header_bytes = (size_t)strtoull(optarg, NULL, 10);
			break;
		case 'q':
			quiet = true;
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	if (!cfg.target || optind != argc) {
		usage(stderr);
		return 2;
	}
	cfg.listen_host = host;
	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
		rl.rlim_cur = rl.rlim_max;
		setrlimit(RLIMIT_NOFILE, &rl);
	}
	/* every thread started from here on inherits the blocked signals */
	sigemptyset(&set);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGTERM);
	pthread_sigmask(SIG_BLOCK, &set, NULL);
	signal(SIGPIPE, SIG_IGN);

	if (e2e_capture_queue_create(64, count, NULL, &q) < 0) {
		fprintf(stderr, "bench-proxy: %s\n", e2e_error_message());
		return 3;
	}
	clock_gettime(CLOCK_MONOTONIC, &ts);
	cfg.run_start_ns = (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
	cfg.queue = q;
	int rc = e2e_proxy_start(&cfg, &p);
	if (rc < 0) {
		fprintf(stderr, "bench-proxy: %s\n", e2e_error_message());
		e2e_capture_queue_destroy(q);
		return e2e_error_exit(rc);
	}
	printf(strchr(host, ':') ? "listening on http://[%s]:%u\n" : "listening on http://%s:%u\n", host,
	       (unsigned)e2e_proxy_port(p));
	fflush(stdout);
	sigwait(&set, &sig);
	e2e_proxy_stop(p, 2000000000ull);
	e2e_capture_queue_drain(q);
	e2e_proxy_stats(p, &st);
	if (!quiet)
		fprintf(stderr, "requests=%llu recorded=%llu dropped=%llu errors=%llu peak_connections=%u\n",
			(unsigned long long)st.requests, (unsigned long long)atomic_load(&recorded),
			(unsigned long long)e2e_capture_queue_dropped(q), (unsigned long long)st.errors,
			st.peak);
	if (getenv("BENCH_PROXY_LOOP")) {
		struct e2e_proxy_loop_stats ls;
		e2e_proxy_loop_stats(p, &ls);
		fprintf(stderr, "loop iterations=%llu busy_mean_ns=%llu busy_max_us=%llu busy_us_hist=",
			(unsigned long long)ls.iterations,
			(unsigned long long)(ls.iterations ? ls.busy_ns / ls.iterations : 0),
			(unsigned long long)(ls.max_ns / 1000u));
		for (int i = 0; i < E2E_PROXY_LOOP_BUCKETS; i++)
			fprintf(stderr, "%s<%d:%llu", i ? "," : "", 1 << i, (unsigned long long)ls.hist[i]);
		fputc('\n', stderr);
	}
	e2e_proxy_destroy(p);
	e2e_capture_queue_destroy(q);
	return 0;
}
