/* keymap: an open-addressing hash table from byte strings to the smallest
 * rule index stored under them. The address matcher and the recipient table
 * look a connection or a recipient up in a few probes, whatever the number
 * of patterns (AsyncOS tables hold 100,000 and more). */
#ifndef TLSGATE_KEYMAP_H
#define TLSGATE_KEYMAP_H

#include <stdbool.h>
#include <stddef.h>

struct keymap_slot;

struct keymap {
	struct keymap_slot *slots;
	size_t cap, count; /* cap: a power of two, or 0 */
};

void keymap_init(struct keymap *m);
void keymap_free(struct keymap *m);
/* Stores `value` under the key, keeping the smaller of it and any value
 * already there. -1: out of memory (the map is unchanged). */
int keymap_put_min(struct keymap *m, const void *key, size_t len, unsigned value);
/* true and *value when the key is there. */
bool keymap_get(const struct keymap *m, const void *key, size_t len, unsigned *value);

#endif
