/* replay_mix.h - the requests perf-replay sends again, in order: a stored
 * run's requests without a body (bodies are never stored) or a HAR file's
 * requests with their query, headers and bodies.
 *
 * From a HAR, the headers a replay cannot send as recorded are left out:
 * hop-by-hop ones (Connection, Keep-Alive, Proxy-*, TE, Trailer,
 * Transfer-Encoding, Upgrade), Host (the target's is sent), Content-Length
 * (the body is framed again) and, unless keep_cookies, Cookie. */
#ifndef E2E_REPLAY_MIX_H
#define E2E_REPLAY_MIX_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "replay.h"

struct e2e_store;
struct e2e_replay_mix;

/* Run id's bodiless requests in start order. E2E_ERR_INPUT "no run N", or
 * when none can be replayed (the message says why); E2E_ERR_RUNTIME on a
 * store failure. Caller destroys *out. */
int e2e_replay_mix_from_run(struct e2e_store *st, int64_t id, struct e2e_replay_mix **out);
/* A HAR file's requests (har.h: e2e_har_load_replay) in start order.
 * E2E_ERR_INPUT for a bad file or one without requests. */
int e2e_replay_mix_from_har(const char *path, bool keep_cookies, struct e2e_replay_mix **out);
/* Accepts NULL. */
void e2e_replay_mix_destroy(struct e2e_replay_mix *m);

/* The requests (owned by m). */
const struct e2e_replay_req *e2e_replay_mix_reqs(const struct e2e_replay_mix *m);
size_t e2e_replay_mix_count(const struct e2e_replay_mix *m);
/* The source run's service ("unknown" for a HAR file). */
const char *e2e_replay_mix_service(const struct e2e_replay_mix *m);
/* Requests of the source left out, and a sentence saying which and why
 * ("" when none). */
uint64_t e2e_replay_mix_left_out(const struct e2e_replay_mix *m);
const char *e2e_replay_mix_note(const struct e2e_replay_mix *m);

#endif
