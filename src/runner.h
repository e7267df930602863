/* runner.h - the wrapped command (wrap mode) and signal handling for both
 * modes: SIGINT/SIGTERM sent to e2e are forwarded to the command; a signal
 * typed at the terminal reaches the command directly (same process group)
 * and is not sent twice. */
#ifndef E2E_RUNNER_H
#define E2E_RUNNER_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

/* Installs the SIGINT/SIGTERM handlers and ignores SIGPIPE (restored to
 * the default in children). Idempotent. */
void e2e_runner_signals_install(void);
/* The last SIGINT/SIGTERM received and not yet taken (0 if none). */
int e2e_runner_take_signal(void);

/* Starts argv[0] (searched in PATH) with the environment plus each
 * "NAME=VALUE" of set_env. Returns 0 and the pid, or E2E_ERR_RUNTIME
 * ("cannot run 'x': ..."). The child becomes the target of forwarded
 * signals until it is reaped. */
int e2e_runner_spawn(char *const argv[], char *const set_env[], size_t nset, pid_t *out);

/* Waits for the child up to timeout_ns (0 = just poll). Returns 1 and the
 * shell-style status (exit code, or 128 + signal) when it has exited, 0 if
 * still running. Also returns early when a signal arrives. */
int e2e_runner_wait(pid_t pid, uint64_t timeout_ns, int *status);

/* Sleeps up to ns, returning early (1) when SIGINT/SIGTERM arrived. */
int e2e_runner_sleep(uint64_t ns);

#endif
