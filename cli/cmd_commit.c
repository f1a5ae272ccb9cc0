/* cmd_commit: commit and clear, the two ways staged edits end. */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "../tlsengine/precheck.h"
#include "../tlsengine/tls_ctx.h"
#include "audit.h"
#include "commands.h"
#include "daemon_client.h"
#include "input.h"
#include "prompt.h"

#define APPLY_TIMEOUT_MS 10000

static int validate_for_engines(const struct config *c, void *arg, struct err *e)
{
	(void)arg;
	return ctx_validate_config(c, e);
}

static void apply_live(struct session *s, long version)
{
	char why[512];

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
	struct config c;
	struct strbuf table, warnings;
	struct err e;
	int n;

	if (db_load_effective(s->db, s->user, &c, &e) < 0)
		return command_error(s, e.msg);
	strbuf_init(&table);
	strbuf_init(&warnings);
	n = precheck_report(&c, NULL, &table, &warnings, &e);
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
		return command_error(s, "commitcheck takes no arguments.");
	if (run_precheck(s, true) < 0)
		return -1;
	return 0;
}

int commit_staged(struct session *s, const char *comment, bool save, const char *what)
{
	struct config before, after;
	char date[64];
	long version;
	struct err e;

	if (db_load_config(s->db, 0, &before, &e) < 0)
		return command_error(s, e.msg);
	if (db_commit(s->db, s->user, comment, save, validate_for_engines, NULL, &version, &e) <
	    0) {
		char msg[sizeof(e.msg) + 64];
		snprintf(msg, sizeof(msg), "The changes were not committed: %s", e.msg);
		return command_error(s, msg);
	}
	format_date(time(NULL), date, sizeof(date));
	printf("Changes committed: %s\n", date);
	if (db_load_config(s->db, version, &after, &e) == 0)
		audit_commit(s->home, s->user, what, version, comment, &before, &after);
	apply_live(s, version);
	return 0;
}

/* The comment question and the rollback question are skipped when the comment
 * came on the command line (commit "comment"), as one-line automation expects. */
int commit_dialog(struct session *s, const char *comment_or_null, bool strict)
{
	char comment[256];
	bool save = true;
	long staged;
	struct err e;

	if (db_staged_count(s->db, s->user, &staged, &e) < 0)
		return command_error(s, e.msg);
	if (staged == 0) {
		printf("There is no data to commit.\n");
		return 0;
	}
	int warnings = run_precheck(s, false);
	if (warnings < 0)
		return -1;
	if (warnings > 0 && strict)
		return command_error(s, "The changes were not committed: --strict refuses a "
					"configuration with warnings.");
	if (comment_or_null) {
		snprintf(comment, sizeof(comment), "%s", comment_or_null);
	} else {
		if (ask_text(s, "Please enter some comments describing your changes:", "", comment,
			     sizeof(comment), NULL, NULL) < 0)
			return -1;
		if (ask_yes_no(s, "Do you want to save the current configuration for rollback?",
			       true, &save) < 0)
			return -1;
	}
	return commit_staged(s, comment, save, "commit");
}

int cmd_commit(struct session *s, int argc, char **argv)
{
	bool strict = argc > 1 && strcmp(argv[1], "--strict") == 0;
	int first = strict ? 2 : 1;

	if (argc > first + 1)
		return command_error(s, "Usage: commit [--strict] [\"comment\"]");
	return commit_dialog(s, argc == first + 1 ? argv[first] : NULL, strict);
}

int cmd_clear(struct session *s, int argc, char **argv)
{
	long staged;
	bool sure;
	struct err e;
	char date[64];

	(void)argv;
	if (argc > 1)
		return command_error(s, "clear takes no arguments.");
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
