/* cmd_commit: commit and clear, the two ways staged edits end. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "../os/audit.h"
#include "../tls/ctx_set.h"
#include "../tls/precheck.h"
#include "../tls/tls_ctx.h"
#include "commands.h"
#include "daemon_client.h"
#include "input.h"
#include "prompt.h"

#define APPLY_TIMEOUT_MS 10000

/* The engines' own build, with each service's certificate profile as this
 * commit would leave it; `arg` is the session. */
static int validate_for_engines(const struct config *c, void *arg, struct err *e)
{
	struct session *s = arg;
	return ctx_validate_for_user(s->db, s->user, c, e);
}

/* version 0: re-apply the latest (e.g. after a confirmation, so the daemon
 * disarms its revert timer). */
static void apply_live(struct session *s, long version)
{
	char why[512];
	struct err e;

	if (version == 0 && db_latest_version(s->db, &version, &e) < 0)
		return;

	switch (daemon_apply(s->home, version, APPLY_TIMEOUT_MS, why, sizeof(why))) {
	case APPLY_DONE: break;
	case APPLY_NOT_RUNNING:
		printf("tlsgated is not running; the engines will use this configuration "
		       "when it starts.\n");
		break;
	case APPLY_FAILED:
		printf("Warning: tlsgated did not apply the new configuration: %s\n", why);
		break;
	}
}

/* The pre-commit check on the user's effective configuration. Prints the
 * warnings (and the prediction table if asked). Returns the number of
 * warnings, or -1 when the configuration cannot be built at all. */
static int run_precheck(struct session *s, bool show_table)
{
	struct config c, committed;
	struct service_keys keys;
	struct strbuf table, warnings;
	struct err e;
	unsigned services;
	int n;

	if (db_load_effective(s->db, s->user, &c, &e) < 0 ||
	    db_load_config(s->db, 0, &committed, &e) < 0)
		return command_error(s, e.msg);
	/* At commit, warn about the services this commit changes; commitcheck
	 * reports on all of them. */
	services = show_table ? ~0u : precheck_changed_services(&committed, &c);
	strbuf_init(&table);
	strbuf_init(&warnings);
	/* Each service's real key type decides which suites it can use. */
	precheck_keys_load(s->db, s->user, &c, &keys);
	n = precheck_report(&c, &keys, services, &table, &warnings, &e);
	precheck_keys_free(&keys);
	if (n < 0) {
		command_error(s, e.msg);
	} else {
		if (show_table)
			printf("Usable cipher suites per TLS version after commit:\n%s",
			       table.data);
		fputs(warnings.data, stdout);
	}
	strbuf_free(&table);
	strbuf_free(&warnings);
	return n;
}

int cmd_commitcheck(struct session *s, int argc, char **argv)
{
	(void)argv;
	if (argc > 1)
		return command_error(s, "That value is not valid. commitcheck takes no arguments.");
	if (run_precheck(s, true) < 0)
		return -1;
	return 0;
}

int commit_staged(struct session *s, const char *comment, bool save, const char *what)
{
	return commit_staged_confirmed(s, comment, save, what, 0);
}

int commit_staged_confirmed(struct session *s, const char *comment, bool save, const char *what,
			    int confirm_seconds)
{
	struct config before, after;
	struct strbuf entries;
	char date[64];
	long version;
	struct err e;

	if (db_load_config(s->db, 0, &before, &e) < 0)
		return command_error(s, e.msg);
	/* Summarised now: the commit empties the staging area. */
	strbuf_init(&entries);
	audit_entries_staged(s->db, s->user, &entries);
	if (db_commit_confirmed(s->db, s->user, comment, save, validate_for_engines, s,
				confirm_seconds, &version, &e) < 0) {
		char msg[sizeof(e.msg) + 64];
		strbuf_free(&entries);
		snprintf(msg, sizeof(msg), "The changes were not committed: %s", e.msg);
		return command_error(s, msg);
	}
	format_date(time(NULL), date, sizeof(date));
	printf("Changes committed: %s\n", date);
	if (confirm_seconds > 0) {
		format_date(time(NULL) + confirm_seconds, date, sizeof(date));
		printf("This configuration will be reverted at %s unless you confirm it with "
		       "\"commit\".\n",
		       date);
	}
	/* The engines first: the audit line can wait a millisecond, the policy
	 * should not. */
	apply_live(s, version);
	if (db_load_config(s->db, version, &after, &e) == 0)
		audit_commit(s->home, s->user, what, version, comment, &before, &after,
			     entries.data);
	strbuf_free(&entries);
	return 0;
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
	apply_live(s, 0);
	return 0;
}

int commit_dialog(struct session *s, const char *comment_or_null, bool strict)
{
	return commit_dialog_confirmed(s, comment_or_null, strict, 0);
}

int commit_dialog_confirmed(struct session *s, const char *comment_or_null, bool strict,
			    int confirm_seconds)
{
	char comment[256];
	bool save = true;
	long staged;
	struct err e;

	if (db_staged_count(s->db, s->user, &staged, &e) < 0)
		return command_error(s, e.msg);
	if (staged == 0)
		return confirm_seconds ? (printf("There is no data to commit.\n"), 0)
				       : confirm_pending(s);
	int warnings = run_precheck(s, false);
	if (warnings < 0)
		return -1;
	if (warnings > 0 && strict)
		return command_error(s, "The changes were not committed: --strict refuses a "
					"configuration with warnings.");
	if (comment_or_null) {
		if (strlen(comment_or_null) >= sizeof(comment))
			return command_error(s, "The value must be at most 255 characters long.");
		snprintf(comment, sizeof(comment), "%s", comment_or_null);
	} else {
		if (ask_text(s, "Please enter some comments describing your changes:", "", comment,
			     sizeof(comment), NULL, NULL) < 0)
			return -1;
		if (ask_yes_no(s, "Do you want to save the current configuration for rollback?",
			       true, &save) < 0)
			return -1;
	}
	return commit_staged_confirmed(s, comment, save, "commit", confirm_seconds);
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

	(void)argv;
	if (argc > 1)
		return command_error(s, "That value is not valid. clear takes no arguments.");
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
