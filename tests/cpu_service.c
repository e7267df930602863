/* cpu_service.c - a tiny HTTP service for the --profile-cpu tests
 * (tests/cli/cpuprof.sh) and the profiling benchmark: GET /hot spends its
 * CPU in hot_function(), GET /cold almost none; started with "slow" after
 * the port, GET /hot also spends about as long in grown_function(). Built
 * with frame pointers so perf's default unwinding sees every frame. One
 * connection at a time; answers every request with 200 and closes. */
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#define ROUNDS 4000000ul

static volatile unsigned long sink;

/* Called by each burner so that it is not a leaf: GCC gives a leaf no
 * frame of its own even with -fno-omit-frame-pointer, and perf's
 * frame-pointer walk would then skip its caller. */
__attribute__((noinline)) static void not_a_leaf(void)
{
	sink = 0;
}

/* The work itself is in each function (no shared callee): its own frame
 * is the leaf, so its self time is what the profile attributes to it. */
#define BURN(n)                                                                                              \
	do {                                                                                                 \
		unsigned long s = 0;                                                                         \
		not_a_leaf();                                                                                \
		for (unsigned long i = 0; i < (n); i++)                                                      \
			s += (i * i) ^ (s >> 3);                                                             \
		sink = s;                                                                                    \
	} while (0)

__attribute__((noinline)) void hot_function(void);
__attribute__((noinline)) void grown_function(void);
__attribute__((noinline)) void cold_function(void);

__attribute__((noinline)) void hot_function(void)
{
	BURN(ROUNDS);
}

__attribute__((noinline)) void grown_function(void)
{
	BURN(ROUNDS);
}

__attribute__((noinline)) void cold_function(void)
{
	BURN(1000ul);
}

__attribute__((noinline)) static void handle(int fd, int slow)
{
	char req[4096];
	ssize_t n = read(fd, req, sizeof(req) - 1);
	static const char resp[] = "HTTP/1.1 200 OK\r\nContent-Length: 3\r\nConnection: close\r\n\r\nok\n";

	if (n <= 0)
		return;
	req[n] = 0;
	if (strncmp(req, "GET /hot", 8) == 0) {
		hot_function();
		if (slow)
			grown_function();
	} else {
		cold_function();
	}
	if (write(fd, resp, sizeof(resp) - 1) < 0)
		return;
}

int main(int argc, char **argv)
{
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	int one = 1, ls, slow = argc > 2 && strcmp(argv[2], "slow") == 0;

	if (argc < 2) {
		fprintf(stderr, "usage: cpu-service PORT [slow]\n");
		return 2;
	}
	signal(SIGPIPE, SIG_IGN);
	a.sin_port = htons((unsigned short)atoi(argv[1]));
	ls = socket(AF_INET, SOCK_STREAM, 0);
	setsockopt(ls, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (ls < 0 || bind(ls, (struct sockaddr *)&a, sizeof(a)) < 0 || listen(ls, 64) < 0) {
		perror("cpu-service");
		return 1;
	}
	for (;;) {
		int fd = accept(ls, NULL, NULL);
		if (fd < 0)
			continue;
		handle(fd, slow);
		close(fd);
	}
}
