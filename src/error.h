/* error.h - one error helper for every library module.
 *
 * Library functions never print or exit: they record a message with
 * e2e_error() and return its (negative) code; the command layer prints
 * e2e_error_message() once and maps the code with e2e_error_exit(). */
#ifndef E2E_ERROR_H
#define E2E_ERROR_H

/* Negative return codes. Each maps to one exit status of exitcode.h. */
enum e2e_err {
	E2E_ERR_INPUT = -2, /* bad option, bad user-supplied file -> exit 2 */
	E2E_ERR_RUNTIME = -3, /* I/O, bind, database -> exit 3 */
	E2E_ERR_EMPTY = -4, /* nothing captured / no data -> exit 4 */
};

/* Records a printf-style message (thread-local, replaces the previous one)
 * and returns code. Messages are lowercase, no trailing period, subjects
 * quoted: e2e_error(E2E_ERR_INPUT, "'%s': not a HAR file", path). */
int e2e_error(int code, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* The last message recorded on this thread ("" if none). */
const char *e2e_error_message(void);

/* Exit status (exitcode.h) for a negative return code; 0 for rc >= 0. */
int e2e_error_exit(int rc);

#endif
