/* routes.h - explicit route templates (--routes FILE): a list of lines
 * "METHOD /users/{id}" (method optional = any, '#' comments) or an OpenAPI
 * 3.x JSON document (paths, with a base path from servers[0].url).
 * Explicit templates win over automatic templating; among several matches
 * the most specific wins (literal segments beat parameters, leftmost first). */
#ifndef E2E_ROUTES_H
#define E2E_ROUTES_H

#include <stddef.h>

#include "buf.h"

struct e2e_routes;

/* Loads a routes file (read by fsutil.h's reader, at most 4 MiB).
 * Returns 0 and *out (caller destroys), or E2E_ERR_INPUT naming the file
 * and line or JSON path, or the file when it cannot be read (missing,
 * unreadable, a directory, too large: "cannot read routes file 'PATH':
 * REASON", "'PATH': routes file larger than 4 MiB"). */
int e2e_routes_load(const char *path, struct e2e_routes **out);
/* Same from memory; name is used in messages. */
int e2e_routes_parse(const char *name, const char *data, size_t len, struct e2e_routes **out);
void e2e_routes_destroy(struct e2e_routes *r);
size_t e2e_routes_count(const struct e2e_routes *r);

/* What the routes were read from, so a run can store its templating: the
 * name given to load/parse, the bytes (NUL-terminated, *len bytes) and their
 * SHA-256 in hex. Owned by r. */
struct e2e_routes_source {
	const char *name;
	const char *text;
	size_t len;
	const char *sha256;
};
void e2e_routes_source(const struct e2e_routes *r, struct e2e_routes_source *out);

/* Appends the endpoint key ("METHOD /template") for a request to out:
 * the best explicit match when routes is non-NULL and one matches, the
 * automatic template otherwise (e2e_template_key). */
void e2e_routes_key(const struct e2e_routes *routes, struct e2e_buf *out, const char *method,
		    size_t method_len, const char *path, size_t path_len);

#endif
