/* db_roles: the access groups and who has which, read from the committed
 * users list. */
#include "roles.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const struct role_info role_table[] = {
	{ ROLE_ADMIN, "admin", "Administrators",
	  "Administrators have full access to all settings of the system." },
	{ ROLE_OPERATOR, "operator", "Operators",
	  "Operators are restricted from creating new user accounts." },
	{ ROLE_GUEST, "guest", "Guests", "Guest users may only view settings and status." },
};
const size_t role_count = sizeof(role_table) / sizeof(role_table[0]);

const struct role_info *role_info_of(enum role r)
{
	for (size_t i = 0; i < role_count; i++)
		if (role_table[i].role == r)
			return &role_table[i];
	return &role_table[role_count - 1];
}

enum role role_from_value(const char *value)
{
	static const char prefix[] = "role=";
	const char *name;
	size_t n;

	if (!value || strncmp(value, prefix, sizeof(prefix) - 1) != 0)
		return ROLE_GUEST;
	name = value + sizeof(prefix) - 1;
	n = strcspn(name, ";");
	for (size_t i = 0; i < role_count; i++)
		if (strlen(role_table[i].name) == n && strncmp(name, role_table[i].name, n) == 0)
			return role_table[i].role;
	return ROLE_GUEST;
}

void role_to_value(enum role r, char *buf, size_t len)
{
	snprintf(buf, len, "role=%s", role_info_of(r)->name);
}

int user_value_make(enum role r, const char *hash, char *buf, size_t len)
{
	int n = hash && hash[0] ? snprintf(buf, len, "role=%s;hash=%s", role_info_of(r)->name, hash)
				: snprintf(buf, len, "role=%s", role_info_of(r)->name);

	return n < 0 || (size_t)n >= len ? -1 : 0;
}

const char *user_value_hash(const char *value)
{
	const char *h = value ? strstr(value, ";hash=") : NULL;

	return h && h[6] ? h + 6 : NULL;
}

struct counts {
	long users, admins;
};

static int count_user(const char *name, const char *value, void *arg)
{
	struct counts *c = arg;

	(void)name;
	c->users++;
	if (role_from_value(value) == ROLE_ADMIN)
		c->admins++;
	return 0;
}

int roles_count(struct db *db, const char *user, long *users, long *admins, struct err *e)
{
	struct counts c = { 0, 0 };

	if (db_entries_list(db, 0, user, "user", count_user, &c, e) < 0)
		return -1;
	*users = c.users;
	*admins = c.admins;
	return 0;
}

int roles_login(struct db *db, const char *user, bool is_root, enum role *out, struct err *e)
{
	char *value = NULL;
	long users, admins;
	struct err ignored;

	/* A name that cannot be an entry (blanks) is simply not listed. */
	if (db_entry_get(db, NULL, "user", user, &value, &ignored) == 0 && value) {
		*out = role_from_value(value);
		free(value);
		return 0;
	}
	if (roles_count(db, NULL, &users, &admins, e) < 0)
		return -1;
	if (users == 0 || is_root) {
		*out = ROLE_ADMIN;
		return 0;
	}
	return err_set(e,
		       "\"%.64s\" is not a user of this console. An administrator can add it "
		       "with userconfig.",
		       user);
}
