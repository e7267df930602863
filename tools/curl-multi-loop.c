/* curl-multi-loop URL N SECONDS: the other engine perf-replay could have
 * used, measured by tools/bench-replay.sh: N curl easy handles on one
 * curl multi, each re-added as soon as its transfer ends (a closed loop at
 * N in flight, keep-alive), for SECONDS. Prints "rps=R". perf-replay uses
 * upstream.c instead (libcurl only connects; its own framing and parser). */
#include <curl/curl.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

static size_t discard(char *p, size_t size, size_t n, void *u)
{
	(void)p;
	(void)u;
	return size * n;
}

static double now_s(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

int main(int argc, char **argv)
{
	CURLM *m;
	long done = 0;
	int n, running = 0;
	double secs, t0;

	if (argc != 4) {
		fprintf(stderr, "usage: curl-multi-loop URL N SECONDS\n");
		return 2;
	}
	n = atoi(argv[2]);
	secs = atof(argv[3]);
	curl_global_init(CURL_GLOBAL_DEFAULT);
	m = curl_multi_init();
	curl_multi_setopt(m, CURLMOPT_MAX_HOST_CONNECTIONS, (long)n);
	for (int i = 0; i < n; i++) {
		CURL *e = curl_easy_init();
		curl_easy_setopt(e, CURLOPT_URL, argv[1]);
		curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, discard);
		curl_multi_add_handle(m, e);
	}
	t0 = now_s();
	while (now_s() - t0 < secs) {
		CURLMsg *msg;
		int left, again = 0;
		curl_multi_perform(m, &running);
		while ((msg = curl_multi_info_read(m, &left))) {
			if (msg->msg != CURLMSG_DONE)
				continue;
			done++;
			again++;
			curl_multi_remove_handle(m, msg->easy_handle);
			curl_multi_add_handle(m, msg->easy_handle);
		}
		if (!again)
			curl_multi_poll(m, NULL, 0, 100, NULL);
	}
	printf("rps=%.0f\n", (double)done / (now_s() - t0));
	return 0;
}
