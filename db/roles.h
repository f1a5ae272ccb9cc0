/* roles: console users and their access groups. Users are named entries
 * "user.NAME" = "role=ROLE[;hash=HASH]", staged and committed like every edit; who is
 * what is always read from the committed list, so every path that changes
 * the configuration (console, commit plan, later the WebUI) asks here. */
#ifndef TLSGATE_DB_ROLES_H
#define TLSGATE_DB_ROLES_H

#include <stdbool.h>
#include <stddef.h>

#include "../core/err.h"
#include "../core/role.h"
#include "db.h"

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
/* A user entry's value: "role=admin;hash=$y$..." (the password's yescrypt
 * hash, db/password.h), or "role=admin" without a password. -1: too long. */
#define USER_VALUE_MAX 256
int user_value_make(enum role r, const char *hash, char *buf, size_t len);
/* The hash inside a user entry's value, or NULL when it has none. */
const char *user_value_hash(const char *value);

/* Who may use the console, and as what, by the committed users list. A
 * listed user has their role. While nobody is listed (a new home) every user
 * who can open the home is admin. Root (uid 0) is always admin: it owns the
 * files anyway, and it is the way back in when the admins have locked
 * themselves out. Anyone else is refused: -1 with e set. */
int roles_login(struct db *db, const char *user, bool is_root, enum role *out, struct err *e);

/* Users and admins in `user`'s effective view (user NULL: committed). */
int roles_count(struct db *db, const char *user, long *users, long *admins, struct err *e);

#endif
