/* exitcode.h - the process exit statuses of SPEC section 7; the only owner. */
#ifndef E2E_EXITCODE_H
#define E2E_EXITCODE_H

enum e2e_exit {
	E2E_EXIT_OK = 0, /* success; gate passed */
	E2E_EXIT_GATE = 1, /* gate failed at or above --fail-on */
	E2E_EXIT_USAGE = 2, /* usage or configuration error, bad input file */
	E2E_EXIT_RUNTIME = 3, /* cannot bind, cannot open database, I/O */
	E2E_EXIT_EMPTY = 4, /* nothing captured where a comparison was asked for */
};

#endif
