/* rat: a listener's recipient access table (AsyncOS RCPTACCESS). Ordered
 * entries — an address (user@example.com), a local part (user@), a domain
 * (example.com), its subdomains (.example.com) or ALL — each Accept or
 * Reject, with an optional custom SMTP response. The first entry that
 * matches decides; a recipient no entry matches is refused, so a table
 * without Accept entries accepts nothing (the gateway is no open relay). */
#ifndef TLSGATE_RAT_H
#define TLSGATE_RAT_H

#include <stdbool.h>
#include <stddef.h>

#include "err.h"
#include "keymap.h"
#include "strbuf.h"

#define RAT_PATTERN_MAX  254
#define RAT_RESPONSE_MAX 200
#define RAT_ENTRIES_MAX  200000
#define RAT_TEXT_MAX     (16u << 20)

enum rat_action { RAT_ACCEPT, RAT_REJECT };

struct rat_entry {
	char *pattern; /* lower case as stored */
	enum rat_action action;
	int code;   /* custom SMTP response code, 0: the default reply */
	char *text; /* its text (NULL without one) */
};

struct rat {
	struct rat_entry *e;
	size_t count, cap;
};

void rat_init(struct rat *r);
void rat_free(struct rat *r);
/* The table a new listener gets: ALL REJECT. */
void rat_defaults(struct rat *r);
int rat_check_pattern(const char *pattern, struct err *e);
/* Code 0 and text NULL for the default response; a code is 2xx for
 * Accept and 4xx/5xx for Reject. Inserted before the ALL entry, or at
 * `pos` (count: at the end). */
int rat_insert(struct rat *r, size_t pos, const char *pattern, enum rat_action a, int code,
	       const char *text, struct err *e);
void rat_delete(struct rat *r, size_t i);
int rat_find(const struct rat *r, const char *pattern);
int rat_copy(struct rat *dst, const struct rat *src);

/* One entry per line: PATTERN ACCEPT|REJECT [CODE "TEXT"]; '#' comments. */
int rat_parse(const char *text, struct rat *r, struct err *e);
void rat_format(const struct rat *r, struct strbuf *out);

struct rat_match {
	struct keymap exact;  /* "user@example.com", "user@", "example.com" */
	struct keymap suffix; /* "example.com" for .example.com */
	unsigned all;
};
int rat_compile(const struct rat *r, struct rat_match *out, struct err *e);
void rat_match_free(struct rat_match *m);
/* The entry deciding `address` (a bare path, no brackets), or -1: none. */
int rat_lookup(const struct rat_match *m, const char *address);

#endif
