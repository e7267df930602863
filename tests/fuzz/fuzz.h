/* fuzz.h - the fuzz harnesses (tests/fuzz/fuzz_<name>.c).
 *
 * Each harness feeds one input to one parser of untrusted input and checks
 * the invariants of what it returns (round trips, determinism, shapes),
 * aborting on a violation. The same code runs under libFuzzer (the
 * fuzz_<name> executables built with -Dfuzzers=true, which define
 * E2E_FUZZ_LIBFUZZER) and in the test_fuzz_regressions unit test, which
 * feeds it every seed and every saved crash input. Each returns the
 * parser's code: 0, or the negative code of error.h. */
#ifndef E2E_FUZZ_H
#define E2E_FUZZ_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

int e2e_fuzz_har(const uint8_t *data, size_t size);
int e2e_fuzz_rules(const uint8_t *data, size_t size);
int e2e_fuzz_baseline(const uint8_t *data, size_t size);
int e2e_fuzz_routes(const uint8_t *data, size_t size);
int e2e_fuzz_template(const uint8_t *data, size_t size);
int e2e_fuzz_hist(const uint8_t *data, size_t size);
int e2e_fuzz_json_stream(const uint8_t *data, size_t size);
int e2e_fuzz_http1(const uint8_t *data, size_t size);
int e2e_fuzz_http1_req(const uint8_t *data, size_t size);
int e2e_fuzz_junit(const uint8_t *data, size_t size);
int e2e_fuzz_fold(const uint8_t *data, size_t size);
int e2e_fuzz_front(const uint8_t *data, size_t size);

/* fuzz_http1.c's driver, shared with test_http1: parses one response to a
 * HEAD request or not from data fed in pieces of sizes[0], sizes[1], ...
 * (nsizes of them, cycled; the last piece is cut at size), each in its own
 * heap copy, then a close. Appends to out what the parser reported
 * ("<status> cl=<Content-Length> keep|close", "<name>: <value>" lines,
 * then "done", "done +<bytes after the response>" or "error: <why>") and
 * the body bytes to body. Returns 0, or E2E_ERR_INPUT on an error. */
struct e2e_buf;
int e2e_fuzz_http1_run(const char *data, size_t size, bool head_request, const size_t *sizes, size_t nsizes,
		       struct e2e_buf *out, struct e2e_buf *body);

/* libFuzzer's entry point, one per executable: E2E_FUZZ_TARGET(e2e_fuzz_NAME)
 * at the end of fuzz_NAME.c defines it in the fuzz build. */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
#ifdef E2E_FUZZ_LIBFUZZER
#define E2E_FUZZ_TARGET(fn)                                                                                  \
	int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)                                         \
	{                                                                                                    \
		fn(data, size);                                                                              \
		return 0;                                                                                    \
	}
#else
#define E2E_FUZZ_TARGET(fn)
#endif

/* An invariant: a violation aborts, which libFuzzer reports as a crash. */
#define E2E_FUZZ_CHECK(cond) ((cond) ? (void)0 : e2e_fuzz_fail(#cond, __FILE__, __LINE__))

__attribute__((noreturn)) static inline void e2e_fuzz_fail(const char *what, const char *file, int line)
{
	fprintf(stderr, "%s:%d: invariant violated: %s\n", file, line, what);
	abort();
}

#endif
