/* sha256.h - SHA-256 (FIPS 180-4), incremental. Pure functions, no I/O.
 * Used to fingerprint imported files; not for anything secret. */
#ifndef E2E_SHA256_H
#define E2E_SHA256_H

#include <stddef.h>
#include <stdint.h>

#define E2E_SHA256_LEN 32
#define E2E_SHA256_HEX_LEN 64

/* Embedded state: _init, any number of _update calls, then _final. */
struct e2e_sha256 {
	uint32_t h[8];
	uint64_t total; /* bytes hashed so far */
	uint8_t block[64];
	size_t used; /* bytes waiting in block */
};

void e2e_sha256_init(struct e2e_sha256 *c);
void e2e_sha256_update(struct e2e_sha256 *c, const void *data, size_t len);
/* Writes the digest; c must be initialised again before reuse. */
void e2e_sha256_final(struct e2e_sha256 *c, uint8_t out[E2E_SHA256_LEN]);

/* Lowercase hex of a digest, NUL-terminated (65 bytes). */
void e2e_sha256_hex(const uint8_t digest[E2E_SHA256_LEN], char out[E2E_SHA256_HEX_LEN + 1]);

#endif
