/* role: the console's access groups (AsyncOS's admin, operator, guest) and
 * what each kind of change needs. Pure: the commit plan's authorize step, the
 * menus and the commands all read these. */
#ifndef TLSGATE_ROLE_H
#define TLSGATE_ROLE_H

#include <stdbool.h>

/* Ordered: a role may do what the roles below it may. ROLE_OPERATOR is 0 so a
 * table row that does not say otherwise needs operator: anything not marked
 * read-only is an edit. */
enum role {
	ROLE_GUEST = -1,   /* read-only: views, VERIFY, showchanges, help */
	ROLE_OPERATOR = 0, /* edit and commit, no user management */
	ROLE_ADMIN = 1,    /* everything */
};

static inline bool role_allows(enum role have, enum role need)
{
	return have >= need;
}

/* The least role allowed to change a stored key: a setting ("inbound.methods")
 * or an entry ("user.alice" needs admin; see core/entries.c). */
enum role role_needed_for_key(const char *key);

#endif
