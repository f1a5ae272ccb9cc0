/* entries: the kinds of named, versioned configuration entries that sit
 * beside the fixed settings (certificate profiles, destination controls,
 * routes, users). Each entry is stored as key "KIND.NAME" with a text value,
 * committed and staged exactly like a setting. */
#ifndef TLSGATE_ENTRIES_H
#define TLSGATE_ENTRIES_H

#include <stddef.h>

#include "err.h"
#include "role.h"

struct entry_kind {
	const char *kind;  /* key prefix before the dot: "cert" */
	const char *area;  /* command that edits it: "certconfig" */
	const char *label; /* "Certificate profile" */
	enum role role;    /* the least role allowed to change one */
};

extern const struct entry_kind entry_kinds[];
extern const size_t entry_kinds_count;

const struct entry_kind *entry_kind_find(const char *kind);
/* The kind of a stored key ("dest.example.com" -> dest), or NULL for settings. */
const struct entry_kind *entry_kind_of_key(const char *key, const char **name);

#define ENTRY_NAME_MAX 255
/* "KIND.NAME" into buf; refuses unknown kinds and bad names. */
int entry_key(const char *kind, const char *name, char *buf, size_t len, struct err *e);

/* One staged entry as showchanges prints it; `old`/`value` NULL when absent.
 * Multi-line or long values (certificates) are summarised, never printed. */
struct strbuf;
void entry_render_change(const struct entry_kind *k, const char *name, const char *old,
			 const char *value, struct strbuf *out);

#endif
