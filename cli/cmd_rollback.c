/* cmd_rollback: rollbackconfig. ROLLBACK stages (and, if asked, commits) the
 * snapshot of an earlier commit; SETUP sets how many are kept. A rollback is a
 * new commit: history is never rewritten. */
#include <stdio.h>
#include <stdlib.h>

#include "commands.h"
#include "input.h"
#include "prompt.h"

#define LIST_MAX CONFIG_ROLLBACK_KEEP_MAX

/* Guests may see the list of commits; both operations edit. */
static const struct menu_op ops[] = {
	{ "ROLLBACK", "Roll back to one of the previous commits.", ROLE_OPERATOR },
	{ "SETUP", "Configure rollback settings.", ROLE_OPERATOR },
};

static int list_commits(struct commit_info *list, int count)
{
	char date[64];

	if (count == 0) {
		printf("There are no saved configurations to roll back to.\n");
		return 0;
	}
	printf("Previous commits:\n");
	printf("      %-26s %-8s %-14s %s\n", "Committed On", "Version", "User", "Description");
	for (int i = 0; i < count; i++) {
		format_date(list[i].time, date, sizeof(date));
		printf("%4d. %-26s %-8ld %-14s %s\n", i + 1, date, list[i].version, list[i].user,
		       list[i].comment);
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
	long version;

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
	    db_stage_entries_of_version(s->db, s->user, version, ROLE_OPERATOR, &e) < 0)
		return command_error(s, e.msg);
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

int cmd_rollbackconfig(struct session *s, int argc, char **argv)
{
	struct commit_info list[LIST_MAX];
	struct err e;
	int count, chosen;

	(void)argv;
	if (argc > 1)
		return command_error(s,
				     "That value is not valid. rollbackconfig takes no arguments.");
	for (;;) {
		if (db_rollback_candidates(s->db, list, LIST_MAX, &count, &e) < 0)
			return command_error(s, e.msg);
		printf("\n");
		list_commits(list, count);
		if (ask_menu(s, ops, sizeof(ops) / sizeof(ops[0]), true, &chosen) < 0)
			return -1;
		if (chosen < 0)
			return 0;
		if ((chosen == 0 ? do_rollback(s, list, count) : do_setup(s)) < 0)
			return -1;
	}
}
