/* roles: console users and their access groups (AsyncOS's admin, operator,
 * guest). Users are named entries "user.NAME" = "role=ROLE", staged and
 * committed like every edit; a session's role comes from the committed list. */
#ifndef TLSGATE_ROLES_H
#define TLSGATE_ROLES_H

#include <stdbool.h>
#include <stddef.h>

#include "session.h"

#define ROLE_DENIED_MSG "You are not in the correct access group to use this command."

struct role_info {
	enum role role;
	const char *name;        /* "operator": the stored value and the audit spelling */
	const char *label;       /* "Operators", as userconfig's pick-list shows it */
	const char *description; /* the rest of that pick-list line */
};

/* Admin, operator, guest: the pick-list order. */
extern const struct role_info role_table[];
extern const size_t role_count;

const struct role_info *role_info_of(enum role r);
/* "role=operator" -> ROLE_OPERATOR. A value that names no role reads as
 * guest: a damaged entry must never grant more than it says. */
enum role role_from_value(const char *value);
/* ROLE_ADMIN -> "role=admin" */
void role_to_value(enum role r, char *buf, size_t len);

static inline bool role_allows(enum role have, enum role need)
{
	return have >= need;
}

/* Who may use the console, and as what. A listed user has their role. While
 * nobody is listed (a new home) every user who can open the home is admin.
 * Root (uid 0) is always admin: it owns the files anyway, and it is the way
 * back in when the admins have locked themselves out. Anyone else is refused:
 * -1 with e set. */
int roles_login(struct db *db, const char *user, bool is_root, enum role *out, struct err *e);

/* Users and admins in `user`'s effective view (user NULL: committed). */
int roles_count(struct db *db, const char *user, long *users, long *admins, struct err *e);

/* Checks the session's role; on refusal prints ROLE_DENIED_MSG, logs the
 * attempt ("sslconfig INBOUND") to logs/cli_logs and returns false. */
bool role_check(struct session *s, enum role need, const char *what);

/* Logs a refused attempt without printing (scp, whose stdout is the protocol). */
void role_log_refusal(struct session *s, const char *what);

#endif
