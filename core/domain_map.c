/* domain_map: open addressing with linear probing and FNV-1a, grown at 50%
 * load, so a table of tens of thousands of domains costs a few probes. */
#include "domain_map.h"

#include <ctype.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

struct slot {
	char *name;
	void *value;
};

struct domain_map {
	struct slot *slots;
	size_t cap, count;
};

static uint64_t hash(const char *s, size_t n)
{
	uint64_t h = 1469598103934665603ULL;

	for (size_t i = 0; i < n; i++) {
		h ^= (unsigned char)s[i];
		h *= 1099511628211ULL;
	}
	return h;
}

struct domain_map *domain_map_new(void)
{
	struct domain_map *m = calloc(1, sizeof(*m));

	if (!m)
		abort();
	m->cap = 16;
	m->slots = calloc(m->cap, sizeof(*m->slots));
	if (!m->slots)
		abort();
	return m;
}

void domain_map_free(struct domain_map *m, void (*free_value)(void *))
{
	if (!m)
		return;
	for (size_t i = 0; i < m->cap; i++)
		if (m->slots[i].name) {
			free(m->slots[i].name);
			if (free_value)
				free_value(m->slots[i].value);
		}
	free(m->slots);
	free(m);
}

/* The slot holding name[0..n) or the empty one where it would go. */
static struct slot *find(const struct domain_map *m, const char *name, size_t n)
{
	size_t i = (size_t)hash(name, n) & (m->cap - 1);

	for (;; i = (i + 1) & (m->cap - 1)) {
		struct slot *s = &m->slots[i];
		if (!s->name || (strlen(s->name) == n && memcmp(s->name, name, n) == 0))
			return s;
	}
}

static void grow(struct domain_map *m)
{
	struct slot *old = m->slots;
	size_t old_cap = m->cap;

	m->cap *= 2;
	m->slots = calloc(m->cap, sizeof(*m->slots));
	if (!m->slots)
		abort();
	for (size_t i = 0; i < old_cap; i++)
		if (old[i].name)
			*find(m, old[i].name, strlen(old[i].name)) = old[i];
	free(old);
}

int domain_map_put(struct domain_map *m, const char *name, void *value, void **old)
{
	struct slot *s;

	if (old)
		*old = NULL;
	if ((m->count + 1) * 2 > m->cap)
		grow(m);
	s = find(m, name, strlen(name));
	if (s->name) {
		if (old)
			*old = s->value;
		s->value = value;
		return 0;
	}
	s->name = strdup(name);
	if (!s->name)
		abort();
	s->value = value;
	m->count++;
	return 0;
}

void *domain_map_get(const struct domain_map *m, const char *name)
{
	struct slot *s = find(m, name, strlen(name));

	return s->name ? s->value : NULL;
}

size_t domain_map_count(const struct domain_map *m)
{
	return m->count;
}

void *domain_map_lookup(const struct domain_map *m, const char *domain, const char **matched)
{
	char low[256];
	size_t n = strlen(domain);
	struct slot *s;

	if (n == 0 || n >= sizeof(low))
		return NULL;
	for (size_t i = 0; i <= n; i++)
		low[i] = (char)tolower((unsigned char)domain[i]);
	if (low[n - 1] == '.') /* a root-qualified "example.com." */
		low[--n] = '\0';
	s = find(m, low, n);
	if (s->name)
		goto found;
	/* ".b.example.com", ".example.com", ".com": each dot starts a pattern. */
	for (size_t i = 1; i < n; i++) {
		if (low[i] != '.')
			continue;
		s = find(m, low + i, n - i);
		if (s->name)
			goto found;
	}
	return NULL;
found:
	if (matched)
		*matched = s->name;
	return s->value;
}
