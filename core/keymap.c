/* keymap: linear probing, FNV-1a hashes with a finalizer, grown at half full. */
#include "keymap.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

struct keymap_slot {
	uint64_t hash; /* 0: empty (real hashes are made non-zero) */
	char *key;
	size_t len;
	unsigned value;
};

static uint64_t hash_of(const void *key, size_t len)
{
	const unsigned char *p = key;
	uint64_t h = 14695981039346656037ULL;

	for (size_t i = 0; i < len; i++) {
		h ^= p[i];
		h *= 1099511628211ULL;
	}
	/* FNV alone leaves the low bits (the slot) poorly mixed for keys that
	 * differ in a few trailing bytes (addresses): murmur3's finalizer. */
	h ^= h >> 33;
	h *= 0xff51afd7ed558ccdULL;
	h ^= h >> 33;
	h *= 0xc4ceb9fe1a85ec53ULL;
	h ^= h >> 33;
	return h ? h : 1;
}

void keymap_init(struct keymap *m)
{
	memset(m, 0, sizeof(*m));
}

void keymap_free(struct keymap *m)
{
	for (size_t i = 0; i < m->cap; i++)
		free(m->slots[i].key);
	free(m->slots);
	keymap_init(m);
}

static struct keymap_slot *find(const struct keymap *m, uint64_t h, const void *key, size_t len)
{
	size_t mask = m->cap - 1;

	for (size_t i = (size_t)h & mask;; i = (i + 1) & mask) {
		struct keymap_slot *s = &m->slots[i];
		if (s->hash == 0 ||
		    (s->hash == h && s->len == len && memcmp(s->key, key, len) == 0))
			return s;
	}
}

static int grow(struct keymap *m)
{
	size_t cap = m->cap ? m->cap * 2 : 64;
	struct keymap old = *m;

	m->slots = calloc(cap, sizeof(*m->slots));
	if (!m->slots) {
		*m = old;
		return -1;
	}
	m->cap = cap;
	for (size_t i = 0; i < old.cap; i++)
		if (old.slots[i].hash)
			*find(m, old.slots[i].hash, old.slots[i].key, old.slots[i].len) =
				old.slots[i];
	free(old.slots);
	return 0;
}

int keymap_put_min(struct keymap *m, const void *key, size_t len, unsigned value)
{
	uint64_t h = hash_of(key, len);
	struct keymap_slot *s;

	if ((m->count + 1) * 2 > m->cap && grow(m) < 0)
		return -1;
	s = find(m, h, key, len);
	if (s->hash) {
		if (value < s->value)
			s->value = value;
		return 0;
	}
	s->key = malloc(len ? len : 1);
	if (!s->key)
		return -1;
	memcpy(s->key, key, len);
	s->hash = h;
	s->len = len;
	s->value = value;
	m->count++;
	return 0;
}

bool keymap_get(const struct keymap *m, const void *key, size_t len, unsigned *value)
{
	const struct keymap_slot *s;

	if (m->cap == 0)
		return false;
	s = find(m, hash_of(key, len), key, len);
	if (!s->hash)
		return false;
	*value = s->value;
	return true;
}
