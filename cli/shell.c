/* shell: the command loop, dispatch, and the all-or-nothing batch rule. */
#include "shell.h"

#include <stdio.h>
#include <string.h>

#include "../core/text.h"
#include "commands.h"
#include "input.h"
#include "cluster_mode.h"
#include "prompt.h"
#include "roles.h"

#define MAX_WORDS 16

int shell_split_words(char *line, char **argv, int max)
{
	char *in = line, *out = line;
	int argc = 0;

	for (;;) {
		while (*in == ' ' || *in == '\t')
			in++;
		if (*in == '\0')
			return argc;
		if (argc == max)
			return -1;
		argv[argc++] = out;
		int quoted = 0;
		while (*in && (quoted || (*in != ' ' && *in != '\t'))) {
			if (*in == '"') {
				quoted = !quoted;
				in++;
			} else if (*in == '\\' && quoted && (in[1] == '"' || in[1] == '\\')) {
				*out++ = in[1];
				in += 2;
			} else {
				*out++ = *in++;
			}
		}
		if (quoted)
			return -1;
		if (*in)
			in++;
		*out++ = '\0';
	}
}

/* Versions after *seen that the system committed to revert an unconfirmed
 * "commit confirmed": told once, at login for the latest one and at the next
 * prompt of every open session for any since. */
static void print_reverts_since(struct session *s, long *seen)
{
	long latest = 0;
	struct commit_info ci;
	char date[64], comment[4 * sizeof(ci.comment)];
	struct err e;

	if (db_latest_version(s->db, &latest, &e) < 0)
		return;
	if (latest - *seen > 100) /* a long time away: only the last hundred */
		*seen = latest - 100;
	for (long v = *seen + 1; v <= latest; v++)
		if (db_version_info(s->db, v, &ci, &e) == 0 &&
		    strncmp(ci.comment, "Automatic revert", 16) == 0 &&
		    strcmp(ci.user, "system") == 0) {
			format_date(ci.time, date, sizeof(date));
			printf("%s: %s: the system reverted the configuration as version %ld.\n",
			       date, text_escape_buf(ci.comment, comment, sizeof(comment)), v);
		}
	*seen = latest;
}

static void print_login_notice(struct session *s, long *seen)
{
	struct pending_confirm pending;
	long staged;
	int found;
	char date[64], user[4 * sizeof(pending.user)];
	struct err e;

	if (db_staged_count(s->db, s->user, &staged, &e) == 0 && staged > 0)
		printf("You have uncommitted changes from an earlier session. Use \"commit\" to "
		       "apply them or \"clear\" to discard them.\n");
	if (db_pending_confirm(s->db, &pending, &found, &e) == 0 && found) {
		format_date(pending.deadline, date, sizeof(date));
		printf("Version %ld (committed by %s) will be reverted at %s unless confirmed with "
		       "\"commit\".\n",
		       pending.version, text_escape_buf(pending.user, user, sizeof(user)), date);
	}
	/* The latest version, if it is a revert. */
	*seen = 0;
	db_latest_version(s->db, seen, &e);
	if (*seen > 0)
		(*seen)--;
	print_reverts_since(s, seen);
}

/* Runs one command line (no ';'). Returns 0, or -1 when a batch must stop. */
static int run_one(struct session *s, char *line, bool fail_fast)
{
	char *argv[MAX_WORDS];
	const struct command *cmd;
	struct staged_snapshot *before = NULL;
	struct err e;
	int argc = shell_split_words(line, argv, MAX_WORDS);

	if (argc == 0)
		return 0;
	if (argc < 0) {
		say_error("That value is not valid. Check the quotes, and use at most 16 words.");
		return fail_fast ? -1 : 0;
	}
	/* Every word, quoted ones included (commit "comment"), is clean text:
	 * a newline or an escape sequence never reaches a comment, the audit
	 * log or another admin's terminal. */
	for (int i = 0; i < argc; i++)
		if (!text_is_clean(argv[i])) {
			say_error("That value is not valid. Control characters (and bytes that are "
				  "not UTF-8 text) are not allowed.");
			return fail_fast ? -1 : 0;
		}
	cmd = command_find(argv[0]);
	if (!cmd) {
		printf("Unknown command: \"%.60s\". Type \"help\" for the list of commands.\n",
		       argv[0]);
		return fail_fast ? -1 : 0;
	}
	/* The role is read again for every command: a change committed by an
	 * admin applies to sessions already open. */
	if (roles_login(s->db, s->user, s->is_root, &s->role, &e) < 0) {
		say_error(e.msg);
		s->quit = true;
		return -1;
	}
	s->command = cmd->name;
	if (!command_allowed(s, cmd))
		return fail_fast ? -1 : 0;
	if (db_staged_save(s->db, s->user, &before, &e) < 0) {
		say_error(e.msg);
		return fail_fast ? -1 : 0;
	}
	s->abort = ABORT_NONE;
	int rc = command_run(s, cmd, argc, argv);
	if (rc < 0 && (s->abort == ABORT_INTERRUPT || (s->abort == ABORT_EOF && s->interactive))) {
		/* Ctrl-C (or Ctrl-D at a question) abandons this command's edits only. */
		printf("-- Changes not recorded\n");
		db_staged_restore(s->db, s->user, before, &e);
	} else if (rc < 0 && s->abort == ABORT_EOF) {
		printf("You must enter a value: the input ended inside \"%s\".\n", cmd->name);
	}
	db_staged_snapshot_free(before);
	return rc < 0 && fail_fast ? -1 : 0;
}

static void top_prompt(struct session *s, char *buf, size_t len)
{
	struct config c;
	struct err e;

	if (cluster_prompt(s, buf, len))
		return;
	if (db_load_config(s->db, 0, &c, &e) < 0)
		snprintf(c.hostname, sizeof(c.hostname), "tlsgate");
	snprintf(buf, len, "%s> ", c.hostname);
}

static long latest_version(struct session *s)
{
	long v = 0;
	struct err e;

	db_latest_version(s->db, &v, &e);
	return v;
}

int shell_run(struct session *s, const char *one_shot)
{
	bool fail_fast = !s->interactive || one_shot;
	struct staged_snapshot *batch_start = NULL;
	long batch_version = latest_version(s), first_version = batch_version;
	char line[INPUT_LINE_MAX], prompt[CONFIG_HOSTNAME_MAX + 96];
	struct err e;
	int status = 0;
	long seen_version = 0;

	input_init(s);
	print_login_notice(s, &seen_version);
	if (fail_fast && db_staged_save(s->db, s->user, &batch_start, &e) < 0) {
		say_error(e.msg);
		return 1;
	}
	if (one_shot && input_queue_commands(one_shot) < 0) {
		say_error("That value is not valid. A quote is not closed.");
		status = 1;
	}
	while (status == 0 && !s->quit) {
		int next = input_next_command(line, sizeof(line));
		if (next == -2) {
			say_error("That value is not valid. The line is too long.");
			status = fail_fast ? 1 : 0;
			continue;
		}
		if (next < 0) {
			if (one_shot)
				break;
			print_reverts_since(s, &seen_version);
			top_prompt(s, prompt, sizeof(prompt));
			s->completions = command_completions();
			enum input_status in = input_read(s, prompt, line, sizeof(line));
			s->completions = NULL;
			if (in == INPUT_EOF && s->interactive) {
				/* Ctrl-D leaves as exit does: asking first when
				 * edits are staged. */
				input_queue_commands("exit");
				continue;
			}
			if (in == INPUT_EOF)
				break;
			if (in == INPUT_INTERRUPT)
				continue;
			if (in == INPUT_NUL) {
				say_error("That value is not valid. The line holds a NUL byte.");
				status = fail_fast ? 1 : 0;
				continue;
			}
			if (in == INPUT_TOO_LONG) {
				say_error("That value is not valid. The line is too long.");
				status = fail_fast ? 1 : 0;
				continue;
			}
			input_add_history(line);
			if (input_queue_commands(line) < 0) {
				say_error("That value is not valid. A quote is not closed.");
				status = fail_fast ? 1 : 0;
			}
			continue;
		}
		if (run_one(s, line, fail_fast) < 0)
			status = 1;
		/* A commit inside the batch ends what the batch can take back. */
		if (fail_fast && latest_version(s) != batch_version) {
			batch_version = latest_version(s);
			db_staged_snapshot_free(batch_start);
			batch_start = NULL;
			if (db_staged_save(s->db, s->user, &batch_start, &e) < 0)
				status = 1;
		}
	}
	if (status != 0 && batch_start) {
		db_staged_restore(s->db, s->user, batch_start, &e);
		if (batch_version == first_version)
			printf("-- Stopped on an error: nothing was committed, and the edits this "
			       "input staged were discarded.\n");
		else
			printf("-- Stopped on an error: the edits staged since this input's last "
			       "commit were discarded.\n");
	}
	if (s->interactive && !s->quit && !one_shot)
		printf("\n");
	db_staged_snapshot_free(batch_start);
	input_shutdown();
	fflush(stdout);
	return status;
}
