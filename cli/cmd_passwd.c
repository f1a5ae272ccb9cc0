/* cmd_passwd: passwords. `passwd` changes one's own (asked twice, the current
 * one first when there is one) and commits that change alone at once; the
 * question pair is shared with userconfig NEW, EDIT and PASSWORD. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../db/password.h"
#include "commands.h"
#include "input.h"
#include "prompt.h"
#include "roles.h"

static int check_quality(char *answer, void *arg, struct err *e)
{
	(void)arg;
	return password_check_quality(answer, e);
}

int ask_new_password(struct session *s, const char *whose, bool fresh, char *hash, size_t len)
{
	char first[INPUT_LINE_MAX], again[INPUT_LINE_MAX], question[160];
	struct err e;
	int rc;

	snprintf(question, sizeof(question),
		 "Enter the %spassword for \"%.64s\":", fresh ? "" : "new ", whose);
	for (;;) {
		if (ask_secret(s, question, first, sizeof(first), check_quality, NULL) < 0 ||
		    ask_secret(s, "Please enter the new password again:", again, sizeof(again),
			       NULL, NULL) < 0) {
			rc = -1;
			break;
		}
		if (strcmp(first, again) == 0) {
			if ((rc = password_hash(first, hash, len, &e)) < 0)
				command_error(s, e.msg);
			break;
		}
		if ((rc = say_invalid(s, "The passwords do not match.")) < 0)
			break;
	}
	explicit_bzero(first, sizeof(first));
	explicit_bzero(again, sizeof(again));
	return rc;
}

static int check_current(char *answer, void *arg, struct err *e)
{
	return password_verify(answer, arg) ? 0 : err_set(e, "The password is not correct.");
}

/* The new password is committed alone: the user's other staged edits are
 * put aside, and back after. */
static int commit_alone(struct session *s, const char *value)
{
	struct staged_snapshot *snap = NULL;
	struct err e;
	int rc;

	if (db_staged_save(s->db, s->user, &snap, &e) < 0 ||
	    db_clear_staged(s->db, s->user, &e) < 0 ||
	    db_entry_stage(s->db, s->user, "user", s->user, value, &e) < 0) {
		if (snap && db_staged_restore(s->db, s->user, snap, &e) < 0)
			fprintf(stderr, "%s\n", e.msg);
		db_staged_snapshot_free(snap);
		return command_error(s, e.msg);
	}
	rc = commit_staged(s, "password changed", true, "passwd");
	if (rc < 0)
		db_clear_staged(s->db, s->user, &e);
	if (db_staged_restore(s->db, s->user, snap, &e) < 0)
		rc = command_error(s, e.msg);
	db_staged_snapshot_free(snap);
	return rc;
}

int cmd_passwd(struct session *s, int argc, char **argv)
{
	char *value = NULL, current[INPUT_LINE_MAX], hash[PASSWORD_HASH_MAX], next[USER_VALUE_MAX];
	const char *old_hash;
	struct err e;
	int rc = -1;

	(void)argc;
	(void)argv;
	if (db_entry_get(s->db, NULL, "user", s->user, &value, &e) < 0)
		return command_error(s, e.msg);
	if (!value)
		return command_error(s,
				     "You are not a listed user of this console: an administrator "
				     "adds you with a first password (userconfig NEW).");
	old_hash = user_value_hash(value);
	if (old_hash && ask_secret(s, "Enter your current password:", current, sizeof(current),
				   check_current, (void *)old_hash) < 0)
		goto out;
	if (ask_new_password(s, s->user, false, hash, sizeof(hash)) < 0)
		goto out;
	if (user_value_make(role_from_value(value), hash, next, sizeof(next)) < 0) {
		command_error(s, "The password hash is too long.");
		goto out;
	}
	rc = commit_alone(s, next);
out:
	explicit_bzero(current, sizeof(current));
	free(value);
	return rc;
}
