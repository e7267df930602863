/* template.h - endpoint keys: "METHOD /templated/path" (SPEC section 4).
 * Pure functions, no I/O. */
#ifndef E2E_TEMPLATE_H
#define E2E_TEMPLATE_H

#include <stddef.h>

#include "buf.h"

/* The version of the automatic rules below. Bump it whenever
 * e2e_template_path gives another result for some path: every run stores
 * the version it was recorded with (SPEC section 10). */
#define E2E_TEMPLATE_RULES 1

/* Appends the automatically templated form of a raw path (query already
 * removed) to out: segments that are integers -> {id}, UUIDs -> {uuid},
 * ULIDs -> {ulid}, long hex -> {hex}, ISO dates -> {date}, e-mail
 * addresses -> {email}, opaque tokens -> {token}. Version segments (v1,
 * v2), words (me, index.html, healthz) stay. An empty path becomes "/". */
void e2e_template_path(struct e2e_buf *out, const char *path, size_t len);

/* Appends "METHOD /templated/path" to out (method as given, upper-cased). */
void e2e_template_key(struct e2e_buf *out, const char *method, size_t method_len, const char *path,
		      size_t path_len);

#endif
