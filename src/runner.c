#include "runner.h"

#include <errno.h>
#include <signal.h>
#include <spawn.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "buf.h"
#include "error.h"
#include "banned.h"

extern char **environ;

static volatile sig_atomic_t pending_signal;
static volatile pid_t child_pid;

static void on_signal(int sig, siginfo_t *info, void *uctx)
{
	(void)uctx;
	pending_signal = sig;
	/* A terminal's Ctrl+C (SI_KERNEL) already reached the child's process
	 * group; forward only signals sent to e2e itself. */
	if (child_pid > 0 && (!info || info->si_code != SI_KERNEL))
		kill(child_pid, sig);
}

void e2e_runner_signals_install(void)
{
	static bool installed;
	struct sigaction sa;

	if (installed)
		return;
	installed = true;
	memset(&sa, 0, sizeof(sa));
	sa.sa_sigaction = on_signal;
	sa.sa_flags = SA_SIGINFO | SA_RESTART;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
}

int e2e_runner_take_signal(void)
{
	int s = pending_signal;

	pending_signal = 0;
	return s;
}

int e2e_runner_spawn(char *const argv[], char *const set_env[], size_t nset, pid_t *out)
{
	posix_spawnattr_t attr;
	sigset_t def, none;
	size_t nenv = 0;
	char **envp;
	pid_t pid;
	int rc;

	while (environ && environ[nenv])
		nenv++;
	envp = e2e_xcalloc(nenv + nset + 1, sizeof(*envp));
	size_t k = 0;
	for (size_t i = 0; i < nenv; i++) {
		bool overridden = false;
		for (size_t j = 0; j < nset && !overridden; j++) {
			size_t n = (size_t)(strchr(set_env[j], '=') - set_env[j]);
			overridden = strncmp(environ[i], set_env[j], n) == 0 && environ[i][n] == '=';
		}
		if (!overridden)
			envp[k++] = environ[i];
	}
	for (size_t j = 0; j < nset; j++)
		envp[k++] = set_env[j];
	envp[k] = NULL;

	posix_spawnattr_init(&attr);
	sigemptyset(&def);
	sigaddset(&def, SIGPIPE);
	sigaddset(&def, SIGINT);
	sigaddset(&def, SIGTERM);
	sigemptyset(&none);
	posix_spawnattr_setsigdefault(&attr, &def);
	posix_spawnattr_setsigmask(&attr, &none);
	posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETSIGMASK);
	rc = posix_spawnp(&pid, argv[0], NULL, &attr, argv, envp);
	posix_spawnattr_destroy(&attr);
	free(envp);
	if (rc != 0)
		return e2e_error(E2E_ERR_RUNTIME, "cannot run '%s': %s", argv[0], strerror(rc));
	child_pid = pid;
	*out = pid;
	return 0;
}

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static void nap(uint64_t ns)
{
	struct timespec ts = { (time_t)(ns / 1000000000ull), (long)(ns % 1000000000ull) };

	nanosleep(&ts, NULL); /* EINTR ends it early, as wanted */
}

int e2e_runner_wait(pid_t pid, uint64_t timeout_ns, int *status)
{
	uint64_t deadline = now_ns() + timeout_ns;

	for (;;) {
		int st;
		pid_t r = waitpid(pid, &st, WNOHANG);

		if (r == pid) {
			if (child_pid == pid)
				child_pid = 0;
			*status = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
			return 1;
		}
		if (r < 0 && errno != EINTR) {
			*status = 127;
			return 1;
		}
		uint64_t now = now_ns();
		if (now >= deadline || pending_signal)
			return 0;
		uint64_t left = deadline - now;
		nap(left < 50000000ull ? left : 50000000ull);
	}
}

int e2e_runner_sleep(uint64_t ns)
{
	uint64_t deadline = now_ns() + ns;

	while (!pending_signal) {
		uint64_t now = now_ns();
		if (now >= deadline)
			return 0;
		uint64_t left = deadline - now;
		nap(left < 50000000ull ? left : 50000000ull);
	}
	return 1;
}
