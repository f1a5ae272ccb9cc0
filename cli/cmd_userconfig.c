/* cmd_userconfig: console users, their roles and passwords, AsyncOS-style
 * (NEW and EDIT ask the password too; DELETE, PASSWORD, PRINT). Users are named entries "user.NAME"
 * = "role=ROLE[;hash=HASH]" (db/roles.h), staged and committed like every edit; a change applies
 * from its commit on. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "../core/entries.h"
#include "../db/password.h"
#include "commands.h"
#include "input.h"
#include "menu.h"
#include "prompt.h"
#include "roles.h"

#define USER_NAME_MAX 32               /* what useradd accepts by default */
#define ROLE_DELETED  (ROLE_GUEST - 1) /* stage_user: remove the account */

struct user_row {
	char name[USER_NAME_MAX + 1];
	enum role role;
	char value[USER_VALUE_MAX]; /* as stored: a new password changes it too */
};

struct user_list {
	struct user_row *rows;
	int count;
};

static int add_row(const char *name, const char *value, void *arg)
{
	struct user_list *l = arg;
	struct user_row *rows = realloc(l->rows, (size_t)(l->count + 1) * sizeof(*rows));

	if (!rows)
		abort();
	l->rows = rows;
	snprintf(rows[l->count].name, sizeof(rows[l->count].name), "%s", name);
	snprintf(rows[l->count].value, sizeof(rows[l->count].value), "%s", value);
	rows[l->count++].role = role_from_value(value);
	return 0;
}

/* The users as `user` sees them (committed plus their staged edits); user
 * NULL: as committed. Sorted by name. */
static int load_users(struct session *s, const char *user, struct user_list *l, struct err *e)
{
	l->rows = NULL;
	l->count = 0;
	return db_entries_list(s->db, 0, user, "user", add_row, l, e);
}

static const struct user_row *find_user(const struct user_list *l, const char *name)
{
	for (int i = 0; i < l->count; i++)
		if (strcmp(l->rows[i].name, name) == 0)
			return &l->rows[i];
	return NULL;
}

/* Administrators left if `name` got `role` (ROLE_DELETED: deleted). */
static int admins_after(const struct user_list *l, const char *name, int role)
{
	int n = role == ROLE_ADMIN;

	for (int i = 0; i < l->count; i++)
		if (strcmp(l->rows[i].name, name) != 0 && l->rows[i].role == ROLE_ADMIN)
			n++;
	return n;
}

static void print_users(const struct user_list *l)
{
	printf("\n");
	if (l->count == 0) {
		printf("No users are configured: every user who can open the console is an "
		       "administrator until one is added.\n");
		return;
	}
	printf("Users:\n");
	for (int i = 0; i < l->count; i++)
		printf("%d. %s (%s)\n", i + 1, l->rows[i].name,
		       role_info_of(l->rows[i].role)->name);
}

/* Stages `name` with `role`, keeping the password it has (hash NULL), or
 * with the new password hash given. */
static int stage_user_hash(struct session *s, const char *name, int role, const char *hash,
			   struct err *e)
{
	char value[USER_VALUE_MAX], *old = NULL;
	int rc;

	if (role == ROLE_DELETED)
		return db_entry_stage(s->db, s->user, "user", name, NULL, e);
	if (!hash && db_entry_get(s->db, s->user, "user", name, &old, e) < 0)
		return -1;
	rc = user_value_make((enum role)role, hash ? hash : user_value_hash(old), value,
			     sizeof(value));
	free(old);
	if (rc < 0)
		return err_set(e, "The password hash is too long.");
	return db_entry_stage(s->db, s->user, "user", name, value, e);
}

static int stage_user(struct session *s, const char *name, int role, struct err *e)
{
	return stage_user_hash(s, name, role, NULL, e);
}

static int check_new_name(char *answer, void *arg, struct err *e)
{
	const struct user_list *l = arg;
	size_t n = strlen(answer);
	bool ok = n >= 1 && n <= USER_NAME_MAX &&
		  (answer[0] == '_' || (answer[0] >= 'a' && answer[0] <= 'z') ||
		   (answer[0] >= 'A' && answer[0] <= 'Z'));

	for (const char *p = answer; ok && *p; p++)
		ok = (*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
		     (*p >= '0' && *p <= '9') || *p == '.' || *p == '_' || *p == '-';
	if (!ok)
		return err_set(e,
			       "That value is not valid. A username has 1 to %d letters, digits, "
			       "\".\", \"_\" or \"-\", and starts with a letter or \"_\".",
			       USER_NAME_MAX);
	if (find_user(l, answer))
		return err_set(e, "That value is not valid. The user \"%s\" already exists.",
			       answer);
	/* The automatic revert of an unconfirmed commit is committed as "system". */
	if (strcasecmp(answer, "system") == 0)
		return err_set(e, "That value is not valid. \"system\" is reserved.");
	return 0;
}

/* The role pick-list; `def` is the role offered by Enter. */
static int ask_role(struct session *s, const char *name, enum role def, enum role *out)
{
	const char *items[8];
	char question[128], lines[8][160];
	int chosen, def_index = 1;

	for (size_t i = 0; i < role_count; i++) {
		snprintf(lines[i], sizeof(lines[i]), "%s - %s", role_table[i].label,
			 role_table[i].description);
		items[i] = lines[i];
		if (role_table[i].role == def)
			def_index = (int)i + 1;
	}
	snprintf(question, sizeof(question), "\nAssign a role to \"%s\":", name);
	if (ask_pick(s, question, items, role_count, def_index, &chosen) < 0)
		return -1;
	*out = role_table[chosen - 1].role;
	return 0;
}

static int op_new(struct session *s, void *ctx, int unused)
{
	struct user_list *l = ctx;
	char name[INPUT_LINE_MAX], hash[PASSWORD_HASH_MAX];
	enum role role;
	struct err e;
	bool first = l->count == 0 && !s->is_root; /* root is admin anyway */

	(void)unused;
	if (ask_text(s, "\nEnter the new username.", NULL, name, sizeof(name), check_new_name, l) <
	    0)
		return -1;
	if (ask_role(s, name, ROLE_GUEST, &role) < 0)
		return -1;
	/* The first account: the admin adding it is listed too, as admin, or
	 * the commit would lock them out. */
	first = first && strcmp(name, s->user) != 0;
	if (admins_after(l, name, role) + first == 0)
		return command_error(s, "That value is not valid. The console must keep at least "
					"one administrator.");
	if (ask_new_password(s, name, true, hash, sizeof(hash)) < 0)
		return -1;
	if (first && stage_user(s, s->user, ROLE_ADMIN, &e) < 0)
		return command_error(s, e.msg);
	if (stage_user_hash(s, name, role, hash, &e) < 0)
		return command_error(s, e.msg);
	if (first)
		printf("\"%s\" (you) was added as an administrator: the first account of a console "
		       "is its administrator.\n",
		       s->user);
	return 0;
}

struct pick_arg {
	const struct session *s;
	const struct user_list *l;
	const char *verb; /* "change the role of", "delete" */
};

/* A listed user by number or name; rewrites the answer to the name. */
static int check_existing(char *answer, void *arg, struct err *e)
{
	const struct pick_arg *a = arg;
	char *end;
	long n = strtol(answer, &end, 10);
	const struct user_row *u = answer[0] && !*end && n >= 1 && n <= a->l->count
					   ? &a->l->rows[n - 1]
					   : find_user(a->l, answer);

	if (!u)
		return err_set(e, "That value is not valid. There is no user \"%.64s\".", answer);
	if (strcmp(u->name, a->s->user) == 0)
		return err_set(e, "That value is not valid. You cannot %s your own account.",
			       a->verb);
	snprintf(answer, INPUT_LINE_MAX, "%s", u->name);
	return 0;
}

static int op_edit(struct session *s, void *ctx, int unused)
{
	struct user_list *l = ctx;
	struct pick_arg a = { s, l, "change the role of" };
	char name[INPUT_LINE_MAX], hash[PASSWORD_HASH_MAX];
	enum role role;
	bool change;
	struct err e;

	(void)unused;
	if (l->count == 0) {
		printf("There are no users to edit.\n");
		return 0;
	}
	if (ask_text(s, "\nEnter the username or number to edit.", NULL, name, sizeof(name),
		     check_existing, &a) < 0)
		return -1;
	if (ask_role(s, name, find_user(l, name)->role, &role) < 0)
		return -1;
	if (admins_after(l, name, role) == 0)
		return command_error(s, "That value is not valid. The console must keep at least "
					"one administrator.");
	if (ask_yes_no(s, "Do you want to change the password?", false, &change) < 0 ||
	    (change && ask_new_password(s, name, false, hash, sizeof(hash)) < 0))
		return -1;
	if (stage_user_hash(s, name, role, change ? hash : NULL, &e) < 0)
		return command_error(s, e.msg);
	return 0;
}

static int op_delete(struct session *s, void *ctx, int unused)
{
	struct user_list *l = ctx;
	struct pick_arg a = { s, l, "delete" };
	char name[INPUT_LINE_MAX], question[128];
	bool sure;
	struct err e;

	(void)unused;
	if (l->count == 0) {
		printf("There are no users to delete.\n");
		return 0;
	}
	if (ask_text(s, "\nEnter the username or number to delete.", NULL, name, sizeof(name),
		     check_existing, &a) < 0)
		return -1;
	if (admins_after(l, name, ROLE_DELETED) == 0)
		return command_error(s, "That value is not valid. The console must keep at least "
					"one administrator.");
	snprintf(question, sizeof(question), "Are you sure you want to delete \"%.64s\"?", name);
	if (ask_yes_no(s, question, false, &sure) < 0)
		return -1;
	if (sure && stage_user(s, name, ROLE_DELETED, &e) < 0)
		return command_error(s, e.msg);
	return 0;
}

/* Any listed user, by number or name, oneself included. */
static int check_listed(char *answer, void *arg, struct err *e)
{
	const struct user_list *l = arg;
	char *end;
	long n = strtol(answer, &end, 10);
	const struct user_row *u = answer[0] && !*end && n >= 1 && n <= l->count
					   ? &l->rows[n - 1]
					   : find_user(l, answer);

	if (!u)
		return err_set(e, "That value is not valid. There is no user \"%.64s\".", answer);
	snprintf(answer, INPUT_LINE_MAX, "%s", u->name);
	return 0;
}

static int op_password(struct session *s, void *ctx, int unused)
{
	struct user_list *l = ctx;
	char name[INPUT_LINE_MAX], hash[PASSWORD_HASH_MAX];
	struct err e;

	(void)unused;
	if (l->count == 0) {
		printf("There are no users yet: add one with NEW.\n");
		return 0;
	}
	if (ask_text(s, "\nEnter the username or number to set the password of.", NULL, name,
		     sizeof(name), check_listed, l) < 0 ||
	    ask_new_password(s, name, false, hash, sizeof(hash)) < 0)
		return -1;
	if (stage_user_hash(s, name, find_user(l, name)->role, hash, &e) < 0)
		return command_error(s, e.msg);
	return 0;
}

static const char *status_of(const struct user_row *edited, const struct user_row *committed)
{
	if (!committed)
		return "added, not committed";
	if (!edited)
		return "deleted, not committed";
	return strcmp(edited->value, committed->value) != 0 ? "changed, not committed" : "";
}

static int op_print(struct session *s, void *ctx, int unused)
{
	struct user_list *l = ctx;
	struct user_list committed;
	struct err e;

	(void)unused;
	if (load_users(s, NULL, &committed, &e) < 0)
		return command_error(s, e.msg);
	printf("\n%-33s %-9s %s\n", "Username", "Role", "Status");
	for (int i = 0; i < l->count; i++)
		printf("%-33s %-9s %s\n", l->rows[i].name, role_info_of(l->rows[i].role)->name,
		       status_of(&l->rows[i], find_user(&committed, l->rows[i].name)));
	for (int i = 0; i < committed.count; i++)
		if (!find_user(l, committed.rows[i].name))
			printf("%-33s %-9s %s\n", committed.rows[i].name,
			       role_info_of(committed.rows[i].role)->name,
			       status_of(NULL, &committed.rows[i]));
	free(committed.rows);
	return 0;
}

static int show_users(struct session *s, void *ctx)
{
	struct user_list *l = ctx;
	struct err e;

	free(l->rows);
	if (load_users(s, s->user, l, &e) < 0)
		return command_error(s, e.msg);
	print_users(l);
	return 0;
}

static const struct menu_row rows[] = {
	{ "NEW", "Create a new account.", ACCESS_ADMIN, op_new, 0, NULL, NULL },
	{ "EDIT", "Modify an account.", ACCESS_ADMIN, op_edit, 0, NULL, NULL },
	{ "DELETE", "Remove an account.", ACCESS_ADMIN, op_delete, 0, NULL, NULL },
	{ "PASSWORD", "Set the password of an account (for the WebUI).", ACCESS_ADMIN, op_password,
	  0, NULL, NULL },
	{ "PRINT", "Display the list of accounts.", ACCESS_GUEST, op_print, 0, NULL, NULL },
};
const struct menu userconfig_menu = {
	"userconfig", MENU_ROWS(rows), show_users, NULL, true, false
};
MENU_REGISTER(userconfig_menu)

int cmd_userconfig(struct session *s, int argc, char **argv)
{
	struct user_list l = { NULL, 0 };
	int rc;

	(void)argc;
	(void)argv;
	rc = menu_run(s, &userconfig_menu, &l);
	free(l.rows);
	return rc;
}
