/* run_samples DB RUN: prints a stored run's samples, one a line, for the
 * CLI tests (tests/cli/replay.sh): start_ns total_us ttfb_us proxy_us
 * status error req_bytes method path, through the store's own reader. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>

#include "error.h"
#include "model.h"
#include "sample.h"
#include "store.h"

int main(int argc, char **argv)
{
	struct e2e_store *st = NULL;
	struct e2e_sample *s = NULL;
	struct e2e_path *p = NULL;
	size_t ns = 0, np = 0;
	int64_t id;

	if (argc != 3) {
		fprintf(stderr, "usage: run_samples DB RUN\n");
		return 2;
	}
	id = strtoll(argv[2], NULL, 10);
	if (e2e_store_open(argv[1], E2E_STORE_READONLY, &st) < 0 ||
	    e2e_store_samples_load(st, id, &s, &ns) < 0 || e2e_store_run_paths_load(st, id, &p, &np) < 0) {
		fprintf(stderr, "run_samples: %s\n", e2e_error_message());
		return 3;
	}
	for (size_t i = 0; i < ns; i++) {
		const struct e2e_path *q = NULL;
		for (size_t j = 0; j < np && !q; j++)
			if (p[j].id == s[i].path_id)
				q = &p[j];
		printf("%" PRIu64 " %" PRIu32 " %" PRIu32 " %" PRIu32 " %u %u %" PRIu64 " %s %s\n",
		       s[i].start_ns, s[i].total_us, s[i].ttfb_us, s[i].proxy_us, (unsigned)s[i].status,
		       (unsigned)s[i].error, s[i].req_bytes, q ? q->method : "?", q ? q->path : "?");
	}
	free(s);
	e2e_store_paths_free(p, np);
	e2e_store_close(st);
	return 0;
}
