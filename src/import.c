#include "import.h"

#include <stdlib.h>

#include "buf.h"
#include "capture.h"
#include "har.h"
#include "model.h"
#include "recorder.h"
#include "store.h"
#include "banned.h"

/* What the import counted but left out, and its hosts when several: the
 * run keeps them (struct e2e_run_note) for every later report. */
static int store_notes(const struct e2e_har *h, struct e2e_store *st, int64_t run_id)
{
	const struct e2e_har_stats *hs = e2e_har_stats(h);
	const struct e2e_har_host *hosts;
	size_t nhosts = e2e_har_hosts(h, &hosts), n = 0;
	struct e2e_run_note *notes = e2e_xcalloc(nhosts + 2, sizeof(*notes));
	int rc;

	if (hs->cached)
		notes[n++] = (struct e2e_run_note){ E2E_NOTE_CACHE_HITS, (char *)"", hs->cached };
	if (hs->other_host)
		notes[n++] = (struct e2e_run_note){ E2E_NOTE_OTHER_HOSTS, (char *)"", hs->other_host };
	for (size_t i = 0; nhosts > 1 && i < nhosts; i++)
		notes[n++] = (struct e2e_run_note){ E2E_NOTE_HOST, (char *)hosts[i].name, hosts[i].requests };
	rc = n ? e2e_store_run_notes_add(st, run_id, notes, n) : 0;
	free(notes); /* the names belong to h */
	return rc;
}

int e2e_import_har(const struct e2e_har *h, struct e2e_store *st, struct e2e_run *run,
		   const struct e2e_routes *routes, int64_t *out_run_id)
{
	struct e2e_recorder *rec = NULL;
	struct e2e_capture *caps = NULL;
	size_t total = e2e_har_count(h);
	uint32_t peak = e2e_har_max_concurrency(h);
	int rc;

	free(run->source);
	run->source = e2e_xstrdup(e2e_har_source(h));
	run->started_ms = e2e_har_started_ms(h);
	run->ended_ms = e2e_har_ended_ms(h);
	run->duration_ns = e2e_har_duration_ns(h);
	run->max_concurrency = peak;
	run->exit_status = -1;
	if ((rc = e2e_recorder_begin(st, run, routes, &rec)) < 0)
		return rc;
	if ((rc = store_notes(h, st, run->id)) < 0)
		goto out;
	caps = e2e_xmalloc(E2E_CAPTURE_BATCH_MAX * sizeof(*caps));
	for (size_t i = 0; i < total;) {
		size_t n = 0;

		for (; n < E2E_CAPTURE_BATCH_MAX && i < total; n++, i++)
			e2e_har_capture(h, i, &caps[n]);
		if ((rc = e2e_recorder_add(rec, caps, n, 0, peak)) < 0)
			goto out;
	}
	if ((rc = e2e_recorder_end(rec, run, 0)) < 0)
		goto out;
	*out_run_id = run->id;
out:
	free(caps);
	e2e_recorder_destroy(rec);
	return rc;
}

int e2e_import_har_file(const char *path, struct e2e_store *st, struct e2e_run *run,
			const struct e2e_routes *routes, int64_t *out_run_id)
{
	struct e2e_har *h = NULL;
	int rc = e2e_har_load(path, &h);

	if (rc < 0)
		return rc;
	rc = e2e_import_har(h, st, run, routes, out_run_id);
	e2e_har_destroy(h);
	return rc;
}
