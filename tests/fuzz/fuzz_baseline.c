/* fuzz_baseline.c - the baseline file (baseline.h) from memory.
 *
 * When the text parses: endpoints are in ascending key order, each has a
 * histogram holding its count, errors <= count, and every per-run entry
 * names a source run; e2e_baseline_find returns each endpoint; and the
 * encoding is a fixed point: encode(parse(encode(b))) == encode(b). */
#include <string.h>

#include "baseline.h"
#include "error.h"
#include "hist.h"
#include "fuzz.h"

static void check_baseline(const struct e2e_baseline *b)
{
	E2E_FUZZ_CHECK(b->schema_version == E2E_BASELINE_SCHEMA_VERSION);
	E2E_FUZZ_CHECK(b->service && b->commit && b->branch && b->tool_version && b->host_cpu && b->host_os);
	E2E_FUZZ_CHECK(b->nsources > 0 && b->nendpoints > 0);
	for (size_t i = 0; i < b->nendpoints; i++) {
		const struct e2e_baseline_endpoint *e = &b->endpoints[i];

		E2E_FUZZ_CHECK(e->key != NULL);
		E2E_FUZZ_CHECK(i == 0 || strcmp(b->endpoints[i - 1].key, e->key) < 0);
		E2E_FUZZ_CHECK(e2e_baseline_find(b, e->key) == e);
		E2E_FUZZ_CHECK(e->count > 0 && e->errors <= e->count);
		E2E_FUZZ_CHECK(e->hist && e2e_hist_count(e->hist) == e->count);
		for (size_t j = 1; j < e->nstatuses; j++)
			E2E_FUZZ_CHECK(e->statuses[j - 1].status <= e->statuses[j].status);
		for (size_t j = 0; j < e->nruns; j++) {
			size_t k = 0;

			while (k < b->nsources && b->sources[k].id != e->runs[j].run_id)
				k++;
			E2E_FUZZ_CHECK(k < b->nsources);
			E2E_FUZZ_CHECK(e->runs[j].count > 0 && e->runs[j].errors <= e->runs[j].count);
		}
	}
	E2E_FUZZ_CHECK(e2e_baseline_find(b, "\x01 not a key") == NULL);
}

int e2e_fuzz_baseline(const uint8_t *data, size_t size)
{
	struct e2e_baseline *b = NULL, *b2 = NULL;
	char *enc = NULL, *enc2 = NULL;
	int rc;

	rc = e2e_baseline_parse((const char *)data, size, "fuzz.json", &b);
	if (rc < 0) {
		E2E_FUZZ_CHECK(b == NULL && rc == E2E_ERR_INPUT);
		E2E_FUZZ_CHECK(strncmp(e2e_error_message(), "'fuzz.json': ", 13) == 0);
		return rc;
	}
	E2E_FUZZ_CHECK(rc == 0 && b != NULL);
	E2E_FUZZ_CHECK(b->name && strcmp(b->name, "fuzz.json") == 0);
	check_baseline(b);

	enc = e2e_baseline_encode(b);
	rc = e2e_baseline_parse(enc, strlen(enc), "again.json", &b2);
	if (rc < 0)
		fprintf(stderr, "re-parse of the encoding failed: %s\n%s", e2e_error_message(), enc);
	E2E_FUZZ_CHECK(rc == 0);
	check_baseline(b2);
	E2E_FUZZ_CHECK(b2->nendpoints == b->nendpoints && b2->nsources == b->nsources);
	enc2 = e2e_baseline_encode(b2);
	if (strcmp(enc, enc2) != 0)
		fprintf(stderr, "first encoding:\n%s\nsecond encoding:\n%s", enc, enc2);
	E2E_FUZZ_CHECK(strcmp(enc, enc2) == 0);

	free(enc);
	free(enc2);
	e2e_baseline_destroy(b);
	e2e_baseline_destroy(b2);
	return 0;
}

E2E_FUZZ_TARGET(e2e_fuzz_baseline)
