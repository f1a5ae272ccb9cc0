/* commands: the console's command table. Help, Tab completion, dispatch and
 * the role check all read this one table; adding a command is adding a row. */
#ifndef TLSGATE_COMMANDS_H
#define TLSGATE_COMMANDS_H

#include <stdbool.h>
#include <stddef.h>
#include <time.h>

#include "menu.h"
#include "session.h"

/* 0 done; -1 stopped (s->abort says why: ABORT_ERROR fails a batch). argc
 * is within what the row declares. */
typedef int (*command_fn)(struct session *s, int argc, char **argv);

#define COMMAND_ARGS_ANY (-1) /* max_args: the command parses its own words */

struct command {
	const char *name;
	const char *help;
	command_fn run;
	enum access access;      /* the least role allowed to run it */
	int min_args, max_args;  /* words after the name */
	const char *usage;       /* "DOMAIN [HOST[:PORT]]", for usage errors */
	const char *missing;     /* "a domain": "You must enter a domain: ..." */
	const struct menu *menu; /* a menu-driven command's top menu */
};

extern const struct command commands[];
/* The command names, NULL-terminated, for Tab completion. */
const char *const *command_completions(void);

const struct command *command_find(const char *name);

/* The role check of a command (refusals are said and logged). */
bool command_allowed(struct session *s, const struct command *c);
/* Checks the words against the row ("sslconfig takes no arguments.", usage
 * errors), then runs the command. */
int command_run(struct session *s, const struct command *c, int argc, char **argv);

/* The top menus of the menu-driven commands. */
extern const struct menu sslconfig_menu, certconfig_menu, destconfig_menu, smtproutes_menu,
	rollbackconfig_menu, userconfig_menu, interfaceconfig_menu, listenerconfig_menu,
	clusterconfig_menu;

int cmd_sslconfig(struct session *s, int argc, char **argv);
int cmd_commit(struct session *s, int argc, char **argv);
int cmd_clusterconfig(struct session *s, int argc, char **argv);
int cmd_clustermode(struct session *s, int argc, char **argv);
/* In a cluster, after a commit: waits (bounded) for the members to report
 * that they enforce `version` and says how many do, naming the others.
 * Nothing on a standalone machine. */
void cluster_commit_report(struct session *s, long version, bool self_applied);
int cmd_clear(struct session *s, int argc, char **argv);
int cmd_sethostname(struct session *s, int argc, char **argv);
int cmd_help(struct session *s, int argc, char **argv);
int cmd_quit(struct session *s, int argc, char **argv);

int cmd_commitcheck(struct session *s, int argc, char **argv);
int cmd_showchanges(struct session *s, int argc, char **argv);
int cmd_rollbackconfig(struct session *s, int argc, char **argv);
int cmd_userconfig(struct session *s, int argc, char **argv);
int cmd_passwd(struct session *s, int argc, char **argv);
/* A password for `whose` asked twice (`fresh`: "Enter the password for",
 * else "Enter the new password for"); its yescrypt hash in `hash`. A
 * mismatch is said and both asked again (terminal) or stops the command
 * (batch). */
int ask_new_password(struct session *s, const char *whose, bool fresh, char *hash, size_t len);
int cmd_destconfig(struct session *s, int argc, char **argv);
int cmd_smtproutes(struct session *s, int argc, char **argv);
int cmd_tlsverify(struct session *s, int argc, char **argv);
int cmd_tlsconnections(struct session *s, int argc, char **argv);
int cmd_certconfig(struct session *s, int argc, char **argv);
int cmd_interfaceconfig(struct session *s, int argc, char **argv);
int cmd_listenerconfig(struct session *s, int argc, char **argv);
int cmd_saveconfig(struct session *s, int argc, char **argv);
int cmd_showconfig(struct session *s, int argc, char **argv);
int cmd_loadconfig(struct session *s, int argc, char **argv);

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
