#include "model.h"

#include <stdlib.h>
#include <string.h>

#include "banned.h"

void e2e_run_finish(struct e2e_run *r)
{
	if (!r)
		return;
	free(r->service);
	free(r->command);
	free(r->git_commit);
	free(r->git_branch);
	free(r->host_cpu);
	free(r->host_os);
	free(r->tool_version);
	free(r->source);
	free(r->target);
	memset(r, 0, sizeof(*r));
}

void e2e_templating_finish(struct e2e_templating *t)
{
	if (!t)
		return;
	free(t->routes_name);
	free(t->routes_sha256);
	free(t->routes_text);
	memset(t, 0, sizeof(*t));
}

static const char *const note_keys[E2E_NOTE__COUNT] = {
	[E2E_NOTE_CACHE_HITS] = "cache_hits",
	[E2E_NOTE_OTHER_HOSTS] = "other_hosts",
	[E2E_NOTE_HOST] = "host",
	[E2E_NOTE_REPLAY_LATE] = "replay_late",
	[E2E_NOTE_REPLAY_SKIPPED] = "replay_skipped",
};

const char *e2e_note_key(enum e2e_note_kind k)
{
	return k < E2E_NOTE__COUNT ? note_keys[k] : "";
}

int e2e_note_parse(const char *key, enum e2e_note_kind *out)
{
	for (int k = 0; k < E2E_NOTE__COUNT; k++)
		if (strcmp(key, note_keys[k]) == 0) {
			*out = (enum e2e_note_kind)k;
			return 0;
		}
	return -1;
}

void e2e_run_notes_free(struct e2e_run_note *notes, size_t n)
{
	for (size_t i = 0; notes && i < n; i++)
		free(notes[i].name);
	free(notes);
}

static const struct {
	const char *key, *text;
} losses[E2E_LOSS__COUNT] = {
	[E2E_LOSS_NONE] = { "", "" },
	[E2E_LOSS_DISK_FULL] = { "disk_full", "disk full" },
	[E2E_LOSS_LOCKED] = { "locked", "database locked" },
	[E2E_LOSS_IO] = { "io_error", "I/O error" },
	[E2E_LOSS_READONLY] = { "read_only", "database read-only" },
	[E2E_LOSS_DAMAGED] = { "damaged", "database damaged" },
	[E2E_LOSS_GONE] = { "run_removed", "run removed from the database" },
	[E2E_LOSS_OTHER] = { "error", "database error" },
};

const char *e2e_loss_key(enum e2e_loss l)
{
	return l < E2E_LOSS__COUNT ? losses[l].key : losses[E2E_LOSS_OTHER].key;
}

const char *e2e_loss_text(enum e2e_loss l)
{
	return l < E2E_LOSS__COUNT ? losses[l].text : losses[E2E_LOSS_OTHER].text;
}

enum e2e_loss e2e_loss_from_key(const char *key)
{
	for (int l = 0; l < E2E_LOSS__COUNT; l++)
		if (strcmp(key, losses[l].key) == 0)
			return (enum e2e_loss)l;
	return E2E_LOSS_OTHER;
}
