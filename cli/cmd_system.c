/* cmd_system: sethostname and leaving the console. */
#include <stdio.h>

#include "../core/config.h"
#include "commands.h"
#include "input.h"
#include "prompt.h"
#include "roles.h"

static int check_hostname(char *answer, void *arg, struct err *e)
{
	(void)arg;
	return config_check_hostname(answer, e);
}

/* Like AsyncOS: the new name is staged; the prompt shows it after commit. */
int cmd_sethostname(struct session *s, int argc, char **argv)
{
	struct config c, seen;
	struct err e;
	char name[INPUT_LINE_MAX];

	if (db_load_effective(s->db, s->user, &c, &e) < 0)
		return command_error(s, e.msg);
	seen = c;
	if (argc == 2) {
		snprintf(name, sizeof(name), "%s", argv[1]);
		if (check_hostname(name, NULL, &e) < 0)
			return command_error(s, e.msg);
	} else if (ask_text(s, NULL, c.hostname, name, sizeof(name), check_hostname, NULL) < 0) {
		return -1;
	}
	if (config_set(&c, "system.hostname", name, &e) < 0)
		return command_error(s, e.msg);
	if (db_stage_changes(s->db, s->user, &seen, &c, &e) < 0)
		return command_error(s, e.msg);
	return 0;
}

int cmd_quit(struct session *s, int argc, char **argv)
{
	long staged;
	bool commit_now = false;
	struct err e;

	(void)argc;
	(void)argv;
	if (db_staged_count(s->db, s->user, &staged, &e) < 0)
		return command_error(s, e.msg);
	/* A user demoted to guest since staging cannot commit: nothing to ask. */
	if (staged > 0 && role_allows(s->role, ROLE_OPERATOR)) {
		if (ask_yes_no(
			    s,
			    "There are uncommitted changes. Do you want to commit before exiting?",
			    false, &commit_now) < 0) {
			/* Ctrl-D here is the default answer: leave, edits kept staged. */
			if (!(s->interactive && s->abort == ABORT_EOF))
				return -1;
			s->abort = ABORT_NONE;
			commit_now = false;
		}
		if (commit_now && commit_dialog(s, NULL, false) < 0)
			return -1;
	}
	s->quit = true;
	return 0;
}
