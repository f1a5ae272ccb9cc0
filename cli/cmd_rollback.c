/* cmd_rollback: rollbackconfig. ROLLBACK stages (and, if asked, commits) the
 * snapshot of an earlier commit; SETUP sets how many are kept. A rollback is a
 * new commit: history is never rewritten. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../core/text.h"
#include "commands.h"
#include "input.h"
#include "menu.h"
#include "prompt.h"

#define LIST_MAX CONFIG_ROLLBACK_KEEP_MAX

/* What the menu shows: the commits one can roll back to. */
struct rollback_view {
	struct commit_info list[LIST_MAX];
	int count;
};

/* How many versions after the oldest listed commit are read for reverts. */
#define REVERT_SCAN_MAX 10000

/* by[i]: the version that reverted list[i] ("Automatic revert of version N",
 * committed by the system when a "commit confirmed" was not confirmed), or 0.
 * One pass over the history after the oldest listed commit. */
static void find_reverts(struct session *s, const struct commit_info *list, int count, long *by)
{
	long latest = 0, n;
	struct commit_info ci;
	struct err e;

	for (int i = 0; i < count; i++)
		by[i] = 0;
	if (count == 0 || db_latest_version(s->db, &latest, &e) < 0)
		return;
	for (long v = list[count - 1].version + 1;
	     v <= latest && v - list[count - 1].version <= REVERT_SCAN_MAX; v++) {
		if (db_version_info(s->db, v, &ci, &e) < 0 ||
		    sscanf(ci.comment, "Automatic revert of version %ld", &n) != 1 ||
		    strcmp(ci.user, "system") != 0)
			continue;
		for (int i = 0; i < count; i++)
			if (list[i].version == n && !by[i])
				by[i] = v;
	}
}

/* Users and comments are printed escaped: a comment stored before control
 * characters were refused never reaches a terminal raw. */
static int list_commits(struct session *s, struct commit_info *list, int count)
{
	char date[64], user[4 * 64], comment[4 * 256];
	long by[LIST_MAX];

	if (count == 0) {
		printf("There are no saved configurations to roll back to.\n");
		return 0;
	}
	printf("Previous commits:\n");
	printf("      %-26s %-8s %-14s %s\n", "Committed On", "Version", "User", "Description");
	find_reverts(s, list, count, by);
	for (int i = 0; i < count; i++) {
		format_date(list[i].time, date, sizeof(date));
		printf("%4d. %-26s %-8ld %-14s %s", i + 1, date, list[i].version,
		       text_escape_buf(list[i].user, user, sizeof(user)),
		       text_escape_buf(list[i].comment, comment, sizeof(comment)));
		if (by[i])
			printf(" (not confirmed: reverted by system in version %ld)", by[i]);
		printf("\n");
	}
	return count;
}

static int check_index(char *answer, void *arg, struct err *e)
{
	int count = *(int *)arg;
	char *end;
	long n = strtol(answer, &end, 10);

	if (!answer[0] || *end || n < 1 || n > count)
		return err_set(e, "That value is not valid. Enter a number from 1 to %d.", count);
	return 0;
}

static int do_rollback(struct session *s, struct commit_info *list, int count)
{
	char answer[INPUT_LINE_MAX], comment[128];
	struct config target, current;
	bool sure, now;
	struct err e;
	long version, staged;

	if (count == 0) {
		printf("There are no saved configurations to roll back to.\n");
		return 0;
	}
	if (ask_text(s, "\nEnter the number of the commit to roll back to.", NULL, answer,
		     sizeof(answer), check_index, &count) < 0)
		return -1;
	version = list[atoi(answer) - 1].version;
	if (ask_yes_no(s, "Do you want to roll back the configuration?", false, &sure) < 0)
		return -1;
	if (!sure)
		return 0;
	if (db_load_config(s->db, version, &target, &e) < 0 ||
	    db_load_effective(s->db, s->user, &current, &e) < 0)
		return command_error(s, e.msg);
	target.rollback_keep = current.rollback_keep; /* retention is not part of what is undone */
	/* User accounts are not part of a rollback (userconfig manages them): an
	 * operator could otherwise empty the list and make everyone admin. */
	if (db_stage_changes(s->db, s->user, &current, &target, &e) < 0 ||
	    db_stage_entries_of_version(s->db, s->user, version, ROLE_OPERATOR, &e) < 0 ||
	    db_staged_count(s->db, s->user, &staged, &e) < 0)
		return command_error(s, e.msg);
	if (staged == 0) {
		printf("Version %ld is the same as the current configuration (user accounts are "
		       "not part of a rollback): there is nothing to roll back.\n",
		       version);
		return 0;
	}
	if (ask_yes_no(s, "Do you want to commit this configuration now?", false, &now) < 0)
		return -1;
	if (!now) {
		printf("The configuration of version %ld is staged; use \"commit\" to apply it.\n",
		       version);
		return 0;
	}
	snprintf(comment, sizeof(comment), "Rollback to version %ld", version);
	return commit_staged(s, comment, true, "rollback");
}

static int check_keep(char *answer, void *arg, struct err *e)
{
	struct config probe;

	(void)arg;
	if (config_set(&probe, "rollback.keep", answer, e) < 0)
		return -1;
	if (probe.rollback_keep < 1)
		return err_set(e, "The value must be a whole number from 1 to %d.",
			       CONFIG_ROLLBACK_KEEP_MAX);
	return 0;
}

static int do_setup(struct session *s)
{
	struct config c, seen;
	struct err e;
	bool enable;
	char def[16], answer[INPUT_LINE_MAX];

	if (db_load_effective(s->db, s->user, &c, &e) < 0)
		return command_error(s, e.msg);
	seen = c;
	if (ask_yes_no(s, "\nDo you want to keep previous configurations for rollback?",
		       c.rollback_keep > 0, &enable) < 0)
		return -1;
	if (enable) {
		snprintf(def, sizeof(def), "%d", c.rollback_keep > 0 ? c.rollback_keep : 10);
		if (ask_text(s, "Enter the number of configurations to keep for rollback.", def,
			     answer, sizeof(answer), check_keep, NULL) < 0)
			return -1;
		config_set(&c, "rollback.keep", answer, &e);
	} else {
		c.rollback_keep = 0;
	}
	if (db_stage_changes(s->db, s->user, &seen, &c, &e) < 0)
		return command_error(s, e.msg);
	return 0;
}

static int show_commits(struct session *s, void *ctx)
{
	struct rollback_view *v = ctx;
	struct err e;

	if (db_rollback_candidates(s->db, v->list, LIST_MAX, &v->count, &e) < 0)
		return command_error(s, e.msg);
	printf("\n");
	list_commits(s, v->list, v->count);
	return 0;
}

static int rollback_op(struct session *s, void *ctx, int unused)
{
	struct rollback_view *v = ctx;

	(void)unused;
	return do_rollback(s, v->list, v->count);
}

static int setup_op(struct session *s, void *ctx, int unused)
{
	(void)ctx;
	(void)unused;
	return do_setup(s);
}

/* Guests may see the list of commits; both operations edit. */
static const struct menu_row rows[] = {
	{ "ROLLBACK", "Roll back to one of the previous commits.", ACCESS_OPERATOR, rollback_op, 0,
	  NULL, NULL },
	{ "SETUP", "Configure rollback settings.", ACCESS_OPERATOR, setup_op, 0, NULL, NULL },
};
const struct menu rollbackconfig_menu = {
	"rollbackconfig", MENU_ROWS(rows), show_commits, NULL, true, false
};
MENU_REGISTER(rollbackconfig_menu)

int cmd_rollbackconfig(struct session *s, int argc, char **argv)
{
	struct rollback_view v;

	(void)argc;
	(void)argv;
	return menu_run(s, &rollbackconfig_menu, &v);
}
