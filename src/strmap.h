/* strmap.h - an open-addressing map of strings to 32-bit values (raw
 * paths to path ids, endpoint keys, test names to test ids). Keys are
 * copied; grows at 50 % load. Not thread-safe. */
#ifndef E2E_STRMAP_H
#define E2E_STRMAP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct e2e_strmap {
	char **keys;
	uint32_t *vals;
	size_t cap, n;
};

/* Frees the keys and zeroes m (a zeroed map is an empty one). */
void e2e_strmap_finish(struct e2e_strmap *m);
/* Sets *val and returns true when key (len bytes) is present. */
bool e2e_strmap_get(const struct e2e_strmap *m, const char *key, size_t len, uint32_t *val);
/* Adds key or replaces its value. */
void e2e_strmap_put(struct e2e_strmap *m, const char *key, size_t len, uint32_t val);

#endif
