/* commands: the console's command table. Help, Tab completion, dispatch and
 * the role check all read this one table; adding a command is adding a row. */
#ifndef TLSGATE_COMMANDS_H
#define TLSGATE_COMMANDS_H

#include <stdbool.h>
#include <stddef.h>
#include <time.h>

#include "session.h"

/* 0 done; -1 stopped (s->abort says why: ABORT_ERROR fails a batch). */
typedef int (*command_fn)(struct session *s, int argc, char **argv);

struct command {
	const char *name;
	const char *help;
	command_fn run;
	enum role role; /* the least role allowed to run it */
};

extern const struct command commands[];
/* The command names, NULL-terminated, for Tab completion. */
const char *const *command_completions(void);

const struct command *command_find(const char *name);

int cmd_sslconfig(struct session *s, int argc, char **argv);
int cmd_commit(struct session *s, int argc, char **argv);
int cmd_clear(struct session *s, int argc, char **argv);
int cmd_sethostname(struct session *s, int argc, char **argv);
int cmd_help(struct session *s, int argc, char **argv);
int cmd_quit(struct session *s, int argc, char **argv);

int cmd_commitcheck(struct session *s, int argc, char **argv);
int cmd_showchanges(struct session *s, int argc, char **argv);
int cmd_rollbackconfig(struct session *s, int argc, char **argv);
int cmd_userconfig(struct session *s, int argc, char **argv);
int cmd_destconfig(struct session *s, int argc, char **argv);
int cmd_smtproutes(struct session *s, int argc, char **argv);
int cmd_tlsverify(struct session *s, int argc, char **argv);
int cmd_certconfig(struct session *s, int argc, char **argv);
int cmd_interfaceconfig(struct session *s, int argc, char **argv);
int cmd_listenerconfig(struct session *s, int argc, char **argv);

/* Shared by commit and quit's "commit before exiting?". */
int commit_dialog(struct session *s, const char *comment_or_null, bool strict);
/* The commit plan (tls/commit_plan.h) on the user's staged edits, without
 * questions: authorize, prepare, check (warnings printed), write, audit,
 * notify; prints "Changes committed: DATE". `what` names the action in the
 * audit log. */
int commit_staged(struct session *s, const char *comment, bool save, const char *what);
int commit_dialog_confirmed(struct session *s, const char *comment_or_null, bool strict,
			    int confirm_seconds);
/* ctime()-style date without the newline, as AsyncOS prints it. */
void format_date(time_t t, char *buf, size_t len);
/* Prints a one-line error and marks the command failed. Returns -1. */
int command_error(struct session *s, const char *msg);

#endif
