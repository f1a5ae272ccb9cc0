/* usage_table: a dense array of entries and an open-addressing index of it
 * (FNV-1a over the zeroed key), both grown by doubling up to the bound. */
#include "usage_table.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define OTHER_RESERVE 4096 /* "(other)" keys past max_keys */
#define EMPTY         UINT32_MAX

struct usage_table {
	struct usage_entry *entries;
	size_t count, cap, max_keys;
	uint32_t *index; /* entry number or EMPTY; size is a power of two */
	size_t index_size;
	unsigned long long dropped;
};

struct usage_table *usage_table_new(size_t max_keys)
{
	struct usage_table *t = calloc(1, sizeof(*t));

	if (!t)
		return NULL;
	t->max_keys = max_keys ? max_keys : 1;
	return t;
}

void usage_table_free(struct usage_table *t)
{
	if (!t)
		return;
	free(t->entries);
	free(t->index);
	free(t);
}

static void copy(char *dst, size_t len, const char *src)
{
	snprintf(dst, len, "%s", src ? src : "");
}

void usage_key_init(struct usage_key *k, long long hour, int service, int mode, int outcome,
		    const char *listener, const char *peer, const char *peer_name,
		    const char *version, const char *cipher, const char *group, const char *reason)
{
	memset(k, 0, sizeof(*k));
	k->hour = hour;
	k->service = (unsigned char)service;
	k->mode = (unsigned char)mode;
	k->outcome = (unsigned char)outcome;
	copy(k->listener, sizeof(k->listener), listener);
	copy(k->peer, sizeof(k->peer), peer);
	copy(k->peer_name, sizeof(k->peer_name), peer_name);
	copy(k->version, sizeof(k->version), version);
	copy(k->cipher, sizeof(k->cipher), cipher);
	copy(k->group, sizeof(k->group), group);
	copy(k->reason, sizeof(k->reason), reason);
}

static uint32_t hash(const struct usage_key *k)
{
	const unsigned char *p = (const unsigned char *)k;
	uint32_t h = 2166136261u;

	for (size_t i = 0; i < sizeof(*k); i++)
		h = (h ^ p[i]) * 16777619u;
	return h;
}

static size_t slot_of(const struct usage_table *t, const struct usage_key *k, int *found)
{
	size_t mask = t->index_size - 1, i = hash(k) & mask;

	while (t->index[i] != EMPTY) {
		if (memcmp(&t->entries[t->index[i]].key, k, sizeof(*k)) == 0) {
			*found = 1;
			return i;
		}
		i = (i + 1) & mask;
	}
	*found = 0;
	return i;
}

/* Room for one more entry: the array and an index at most half full. */
static int grow(struct usage_table *t)
{
	if (t->count == t->cap) {
		size_t cap = t->cap ? t->cap * 2 : 64;
		struct usage_entry *e = realloc(t->entries, cap * sizeof(*e));
		if (!e)
			return -1;
		t->entries = e;
		t->cap = cap;
	}
	if ((t->count + 1) * 2 > t->index_size) {
		size_t size = t->index_size ? t->index_size * 2 : 128;
		uint32_t *index = malloc(size * sizeof(*index));
		if (!index)
			return -1;
		free(t->index);
		t->index = index;
		t->index_size = size;
		memset(index, 0xff, size * sizeof(*index));
		for (size_t n = 0; n < t->count; n++) {
			int found;
			t->index[slot_of(t, &t->entries[n].key, &found)] = (uint32_t)n;
		}
	}
	return 0;
}

static int insert(struct usage_table *t, const struct usage_key *k, unsigned long long n,
		  size_t limit)
{
	int found = 0;
	size_t slot = t->index_size ? slot_of(t, k, &found) : 0;

	if (found) {
		t->entries[t->index[slot]].sessions += n;
		return 0;
	}
	if (t->count >= limit || grow(t) < 0)
		return -1;
	slot = slot_of(t, k, &found);
	t->entries[t->count].key = *k;
	t->entries[t->count].sessions = n;
	t->index[slot] = (uint32_t)t->count++;
	return 0;
}

int usage_table_add(struct usage_table *t, const struct usage_key *k, unsigned long long n)
{
	struct usage_key other;

	if (insert(t, k, n, t->max_keys) == 0)
		return 0;
	other = *k;
	memset(other.peer, 0, sizeof(other.peer));
	memset(other.peer_name, 0, sizeof(other.peer_name));
	copy(other.peer, sizeof(other.peer), USAGE_OTHER_PEER);
	if (insert(t, &other, n, t->max_keys + OTHER_RESERVE) == 0)
		return 1;
	t->dropped += n;
	return -1;
}

size_t usage_table_count(const struct usage_table *t)
{
	return t->count;
}

const struct usage_entry *usage_table_entry(const struct usage_table *t, size_t i)
{
	return i < t->count ? &t->entries[i] : NULL;
}

unsigned long long usage_table_dropped(const struct usage_table *t)
{
	return t->dropped;
}

void usage_table_clear(struct usage_table *t)
{
	t->count = 0;
	if (t->index)
		memset(t->index, 0xff, t->index_size * sizeof(*t->index));
}

static const char *const outcome_names[USAGE_OUTCOME_COUNT] = { "success", "failed", "none" };
static const char *const mode_names[USAGE_MODE_COUNT] = { "none", "preferred", "required" };

const char *usage_outcome_name(enum usage_outcome o)
{
	return (unsigned)o < USAGE_OUTCOME_COUNT ? outcome_names[o] : "?";
}

const char *usage_mode_name(enum usage_mode m)
{
	return (unsigned)m < USAGE_MODE_COUNT ? mode_names[m] : "?";
}

static int find(const char *const *names, int count, const char *name)
{
	for (int i = 0; i < count; i++)
		if (strcmp(names[i], name) == 0)
			return i;
	return -1;
}

int usage_outcome_parse(const char *name)
{
	return find(outcome_names, USAGE_OUTCOME_COUNT, name);
}

int usage_mode_parse(const char *name)
{
	return find(mode_names, USAGE_MODE_COUNT, name);
}

const char *usage_version_label(const char *name)
{
	static const char *const map[][2] = {
		{ "TLSv1", "TLS v1.0" },
		{ "TLSv1.1", "TLS v1.1" },
		{ "TLSv1.2", "TLS v1.2" },
		{ "TLSv1.3", "TLS v1.3" },
		{ "", "none" },
	};

	for (size_t i = 0; i < sizeof(map) / sizeof(map[0]); i++)
		if (strcmp(map[i][0], name) == 0)
			return map[i][1];
	return name;
}
