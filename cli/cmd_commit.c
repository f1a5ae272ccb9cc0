/* cmd_commit: commit and clear, the two ways staged edits end. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "../tls/commit_plan.h"
#include "cluster_mode.h"
#include "commands.h"
#include "input.h"
#include "prompt.h"

static void start_plan(struct session *s, struct commit_plan *p)
{
	memset(p, 0, sizeof(*p));
	p->db = s->db;
	p->home = s->home;
	p->who = (struct commit_actor){ s->user, s->is_root };
}

/* Notify: the engines enforce `version` before commit returns. version 0:
 * re-apply the latest (after a confirmation, so the daemon disarms its revert
 * timer). */
static void apply_live(struct session *s, const struct commit_plan *p, long version)
{
	char why[512];
	struct err e;

	if (version == 0 && db_latest_version(s->db, &version, &e) < 0)
		return;
	enum apply_result r = commit_plan_notify(p, version, why, sizeof(why));

	switch (r) {
	case APPLY_DONE: break;
	case APPLY_NOT_RUNNING:
		printf("tlsgated is not running; the engines will use this configuration "
		       "when it starts.\n");
		break;
	case APPLY_UNREACHABLE:
		printf("tlsgated's control socket cannot be used (%s); tlsgated applies the new "
		       "configuration by itself within a second.\n",
		       why);
		break;
	case APPLY_FAILED:
		printf("Warning: tlsgated did not apply the new configuration: %s\n", why);
		break;
	}
	cluster_commit_report(s, version, r == APPLY_DONE);
}

/* Authorize, prepare and check the user's staged edits; prints the warnings
 * (and the prediction table if asked). Returns the number of warnings, or -1
 * when the edits cannot be committed at all (the plan is then empty). */
static int prepare_and_check(struct session *s, struct commit_plan *p, bool show_table)
{
	struct commit_actor who = { s->user, s->is_root };
	struct strbuf table, warnings;
	struct err e;
	int n;

	/* commitcheck only looks: guests may run it; commit authorizes. */
	if ((show_table ? commit_plan_preview(p, s->db, s->home, &who, &e)
			: commit_plan_prepare(p, s->db, s->home, &who, &e)) < 0) {
		char msg[sizeof(e.msg) + 64];
		snprintf(msg, sizeof(msg), "%s: %s",
			 show_table ? "These changes could not be committed"
				    : "The changes were not committed",
			 e.msg);
		return command_error(s, msg);
	}
	strbuf_init(&table);
	strbuf_init(&warnings);
	n = commit_plan_check(p, show_table, &table, &warnings);
	if (show_table)
		printf("Usable cipher suites per TLS version after commit:\n%s", table.data);
	fputs(warnings.data, stdout);
	strbuf_free(&table);
	strbuf_free(&warnings);
	return n;
}

int cmd_commitcheck(struct session *s, int argc, char **argv)
{
	struct commit_plan p;
	int n;

	(void)argc; /* the command table checks the arguments */
	(void)argv;
	n = prepare_and_check(s, &p, true);
	commit_plan_free(&p);
	return n < 0 ? -1 : 0;
}

/* Write and notify a prepared plan; prints "Changes committed: DATE". */
static int write_plan(struct session *s, struct commit_plan *p, const struct commit_request *req)
{
	struct commit_request level_req = *req, *r = &level_req;
	struct level_ref lv;
	char date[64];
	long version;
	struct err e;

	if (cluster_mode_get(s, NULL, &lv) == 1)
		level_req.level = &lv; /* a member commits at the session's level */
	if (commit_plan_write(p, r, &version, &e) < 0) {
		char msg[sizeof(e.msg) + 64];
		snprintf(msg, sizeof(msg), "The changes were not committed: %s", e.msg);
		return command_error(s, msg);
	}
	format_date(time(NULL), date, sizeof(date));
	printf("Changes committed: %s\n", date);
	if (r->confirm_seconds > 0) {
		format_date(time(NULL) + r->confirm_seconds, date, sizeof(date));
		printf("This configuration will be reverted at %s unless you confirm it with "
		       "\"commit\".\n",
		       date);
	}
	apply_live(s, p, version);
	return 0;
}

int commit_staged(struct session *s, const char *comment, bool save, const char *what)
{
	struct commit_request r = { comment, save, 0, what, NULL };
	struct commit_plan p;
	int rc;

	if (prepare_and_check(s, &p, false) < 0)
		return -1;
	rc = write_plan(s, &p, &r);
	commit_plan_free(&p);
	return rc;
}

/* The comment question and the rollback question are skipped when the comment
 * came on the command line (commit "comment"), as one-line automation expects. */
/* With nothing staged, a plain commit confirms a pending "commit confirmed". */
static int confirm_pending(struct session *s)
{
	long count;
	struct err e;

	if (db_confirm_pending(s->db, &count, &e) < 0)
		return command_error(s, e.msg);
	if (count == 0) {
		printf("There is no data to commit.\n");
		return 0;
	}
	printf("Commit confirmed: the configuration will not be reverted.\n");
	struct commit_plan p;
	start_plan(s, &p);
	apply_live(s, &p, 0);
	return 0;
}

int commit_dialog(struct session *s, const char *comment_or_null, bool strict)
{
	return commit_dialog_confirmed(s, comment_or_null, strict, 0);
}

int commit_dialog_confirmed(struct session *s, const char *comment_or_null, bool strict,
			    int confirm_seconds)
{
	struct commit_request r = { NULL, true, confirm_seconds, "commit", NULL };
	struct commit_plan p;
	char comment[256];
	long staged;
	struct err e;
	int warnings, rc = -1;

	if (db_staged_count(s->db, s->user, &staged, &e) < 0)
		return command_error(s, e.msg);
	if (staged == 0)
		return confirm_seconds ? (printf("There is no data to commit.\n"), 0)
				       : confirm_pending(s);
	warnings = prepare_and_check(s, &p, false);
	if (warnings < 0)
		return -1;
	p.strict = strict;
	if (warnings > 0 && strict) {
		command_error(s, "The changes were not committed: --strict refuses a "
				 "configuration with warnings.");
		goto out;
	}
	if (comment_or_null) {
		if (strlen(comment_or_null) >= sizeof(comment)) {
			command_error(s, "The value must be at most 255 characters long.");
			goto out;
		}
		snprintf(comment, sizeof(comment), "%s", comment_or_null);
	} else if (ask_text(s, "Please enter some comments describing your changes:", "", comment,
			    sizeof(comment), NULL, NULL) < 0 ||
		   ask_yes_no(s, "Do you want to save the current configuration for rollback?",
			      true, &r.save_for_rollback) < 0) {
		goto out;
	}
	r.comment = comment;
	rc = write_plan(s, &p, &r);
out:
	commit_plan_free(&p);
	return rc;
}

/* "5" is minutes (as Junos reads it); "30s" seconds, for tests and the impatient. */
static int parse_confirm_time(const char *text, int *seconds)
{
	char *end;
	long n = strtol(text, &end, 10);

	if (end == text || n < 1 || n > 1440 || (*end && strcmp(end, "s") != 0))
		return -1;
	*seconds = (int)(*end ? n : n * 60);
	return 0;
}

int cmd_commit(struct session *s, int argc, char **argv)
{
	static const char usage[] = "That value is not valid. Usage: commit [--strict] [confirmed "
				    "MINUTES] [\"comment\"]";
	bool strict = false;
	int confirm_seconds = 0, i = 1;

	for (; i < argc; i++) {
		if (strcmp(argv[i], "--strict") == 0) {
			strict = true;
		} else if (strcmp(argv[i], "confirmed") == 0 && i + 1 < argc) {
			if (parse_confirm_time(argv[++i], &confirm_seconds) < 0)
				return command_error(s,
						     "The value must be a number of minutes from "
						     "1 to 1440 (or of seconds, such as 30s).");
		} else {
			break;
		}
	}
	if (argc - i > 1)
		return command_error(s, usage);
	return commit_dialog_confirmed(s, i < argc ? argv[i] : NULL, strict, confirm_seconds);
}

int cmd_clear(struct session *s, int argc, char **argv)
{
	long staged;
	bool sure;
	struct err e;
	char date[64];

	(void)argc; /* the command table checks the arguments */
	(void)argv;
	if (db_staged_count(s->db, s->user, &staged, &e) < 0)
		return command_error(s, e.msg);
	if (staged == 0) {
		printf("No changes have been made since the last commit.\n");
		return 0;
	}
	if (ask_yes_no(s, "Are you sure you want to clear all changes since the last commit?", true,
		       &sure) < 0)
		return -1;
	if (!sure)
		return 0;
	if (db_clear_staged(s->db, s->user, &e) < 0)
		return command_error(s, e.msg);
	format_date(time(NULL), date, sizeof(date));
	printf("Changes cleared: %s\n", date);
	return 0;
}
