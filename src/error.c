#include "error.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "exitcode.h"

static _Thread_local char last_message[1024];

int e2e_error(int code, const char *fmt, ...)
{
	char msg[sizeof(last_message)];
	va_list ap;

	/* format aside first: an argument may be e2e_error_message() itself */
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	memcpy(last_message, msg, sizeof(msg));
	return code;
}

const char *e2e_error_message(void)
{
	return last_message;
}

int e2e_error_exit(int rc)
{
	switch (rc) {
	case E2E_ERR_INPUT:
		return E2E_EXIT_USAGE;
	case E2E_ERR_EMPTY:
		return E2E_EXIT_EMPTY;
	default:
		return rc < 0 ? E2E_EXIT_RUNTIME : E2E_EXIT_OK;
	}
}
