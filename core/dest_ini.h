/* dest_ini: the destconfig IMPORT/EXPORT file of the AsyncOS user guide — a
 * [DEFAULT] section and one [domain] section per entry, "key = value" lines,
 * '#' or ';' comments. Parsing is all or nothing; errors name the line. */
#ifndef TLSGATE_DEST_INI_H
#define TLSGATE_DEST_INI_H

#include <stddef.h>

#include "dest.h"
#include "err.h"
#include "strbuf.h"

#define DEST_INI_LINE_MAX 1024

struct dest_ini_entry {
	char name[DEST_DOMAIN_MAX + 1]; /* DEST_DEFAULT_NAME for [DEFAULT] */
	struct dest_policy policy;
};

struct dest_ini {
	struct dest_ini_entry *entries; /* in file order */
	size_t count;
	int has_default;
};

/* On -1 `out` is empty and the message reads
 * "That value is not valid. Line 12: unknown key \"tsl\"." */
int dest_ini_parse(const char *text, size_t len, struct dest_ini *out, struct err *e);
void dest_ini_free(struct dest_ini *ini);

/* One section as EXPORT writes it: "[name]\n" then the keys it sets. EXPORT
 * separates sections with an empty line, DEFAULT first, then the domains
 * sorted; IMPORT of that file then EXPORT gives the same bytes. */
void dest_ini_render_section(const char *name, const struct dest_policy *p, struct strbuf *out);

#endif
