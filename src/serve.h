/* serve.h - the service under test, started by e2e (--serve "CMD"): run
 * through /bin/sh in its own process group with its output in a log file,
 * waited for until the target answers HTTP, stopped at the end (SIGTERM to
 * the group, SIGKILL after a grace period). Library layer: it never
 * prints; how the service ended is returned for the command to say. */
#ifndef E2E_SERVE_H
#define E2E_SERVE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

struct e2e_buf;
struct e2e_serve;

/* Starts "/bin/sh -c cmd" in a new process group, stdin from /dev/null,
 * stdout and stderr appended to log_path (created, truncated). Returns 0
 * and the handle in *out (caller destroys), or E2E_ERR_RUNTIME. */
int e2e_serve_start(const char *cmd, const char *log_path, struct e2e_serve **out);

/* Waits until target (an http:// or https:// URL) accepts a connection
 * and, for http, answers a request with any HTTP status line; https is
 * ready when it accepts. Returns 0 when ready; E2E_ERR_RUNTIME when the
 * service exited first ("exited with status N before answering") or
 * timeout_ns passed ("did not answer at URL within DUR"), or at once when
 * a SIGINT/SIGTERM arrived (runner.h). */
int e2e_serve_wait_ready(struct e2e_serve *s, const char *target, uint64_t timeout_ns);

/* Whether the service's first process is still running (reaps it if not). */
bool e2e_serve_running(struct e2e_serve *s);

/* Stops the service: SIGTERM to its process group, SIGKILL to the group
 * after grace_ns if the first process is still running. Writes how it ended
 * into how ("exited with status 0", "ended by SIGTERM", "killed (SIGKILL)
 * after the 5s grace period", with "before the stop" when it had already
 * ended). Idempotent. */
void e2e_serve_stop(struct e2e_serve *s, uint64_t grace_ns, struct e2e_buf *how);

/* The pid of the service's first process (the shell or what it exec'd). */
pid_t e2e_serve_pid(const struct e2e_serve *s);
/* Its shell-style exit status once it ended (-1 while running). */
int e2e_serve_status(const struct e2e_serve *s);
/* The cgroup v2 directory the service was started in, made for it (and
 * removed by e2e_serve_destroy() once empty), or NULL where the hierarchy
 * was not writable. It holds the service and its descendants only. */
const char *e2e_serve_cgroup(const struct e2e_serve *s);

/* Appends the last n lines of the log file, each as "  | LINE\n". */
void e2e_serve_log_tail(const struct e2e_serve *s, size_t n, struct e2e_buf *out);

/* Stops the service if it still runs (no grace) and frees s; NULL is fine. */
void e2e_serve_destroy(struct e2e_serve *s);

#endif
