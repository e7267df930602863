#include "strmap.h"

#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "banned.h"

static uint64_t hash_bytes(const char *s, size_t n)
{
	uint64_t h = 1469598103934665603ull; /* FNV-1a */

	for (size_t i = 0; i < n; i++) {
		h ^= (unsigned char)s[i];
		h *= 1099511628211ull;
	}
	return h;
}

void e2e_strmap_finish(struct e2e_strmap *m)
{
	for (size_t i = 0; i < m->cap; i++)
		free(m->keys[i]);
	free(m->keys);
	free(m->vals);
	memset(m, 0, sizeof(*m));
}

static size_t strmap_slot(const struct e2e_strmap *m, const char *key, size_t len)
{
	size_t i = hash_bytes(key, len) & (m->cap - 1);

	while (m->keys[i] && !(strlen(m->keys[i]) == len && memcmp(m->keys[i], key, len) == 0))
		i = (i + 1) & (m->cap - 1);
	return i;
}

bool e2e_strmap_get(const struct e2e_strmap *m, const char *key, size_t len, uint32_t *val)
{
	if (!m->cap)
		return false;
	size_t i = strmap_slot(m, key, len);
	if (!m->keys[i])
		return false;
	*val = m->vals[i];
	return true;
}

void e2e_strmap_put(struct e2e_strmap *m, const char *key, size_t len, uint32_t val)
{
	if ((m->n + 1) * 2 > m->cap) {
		struct e2e_strmap old = *m;
		m->cap = old.cap ? old.cap * 2 : 256;
		m->keys = e2e_xcalloc(m->cap, sizeof(*m->keys));
		m->vals = e2e_xcalloc(m->cap, sizeof(*m->vals));
		for (size_t i = 0; i < old.cap; i++) {
			if (!old.keys[i])
				continue;
			size_t j = strmap_slot(m, old.keys[i], strlen(old.keys[i]));
			m->keys[j] = old.keys[i];
			m->vals[j] = old.vals[i];
		}
		free(old.keys);
		free(old.vals);
	}
	size_t i = strmap_slot(m, key, len);
	if (!m->keys[i]) {
		char *k = e2e_xmalloc(len + 1);
		memcpy(k, key, len);
		k[len] = '\0';
		m->keys[i] = k;
		m->n++;
	}
	m->vals[i] = val;
}
