/* domain_map: a hash table from domain names to values, with the
 * most-specific-match lookup destconfig and smtproutes share: the exact
 * domain first, then ".parent" patterns from the nearest parent up. As in
 * AsyncOS, "example.com" matches only example.com itself and ".example.com"
 * every subdomain of it (not example.com). Lookups cost one hash probe per
 * label of the domain, whatever the table's size. */
#ifndef TLSGATE_DOMAIN_MAP_H
#define TLSGATE_DOMAIN_MAP_H

#include <stddef.h>

struct domain_map;

struct domain_map *domain_map_new(void);
/* Frees the map and its copies of the names; `free_value` (may be NULL) gets
 * each value. */
void domain_map_free(struct domain_map *m, void (*free_value)(void *));
/* Adds or replaces (returning the old value through *old when not NULL).
 * `name` is copied; it must already be lowercase. */
int domain_map_put(struct domain_map *m, const char *name, void *value, void **old);
void *domain_map_get(const struct domain_map *m, const char *name);
size_t domain_map_count(const struct domain_map *m);
/* The most specific value for `domain` (any case), or NULL. *matched, when
 * not NULL, points at the matching entry's name. */
void *domain_map_lookup(const struct domain_map *m, const char *domain, const char **matched);

#endif
