/* session: the state of one console session (who, where, which mode), shared
 * by the input reader, the prompts and every command. */
#ifndef TLSGATE_SESSION_H
#define TLSGATE_SESSION_H

#include <stdbool.h>

#include "../core/role.h"
#include "../db/db.h"

enum abort_reason {
	ABORT_NONE,
	ABORT_EOF,       /* input ended inside a command */
	ABORT_INTERRUPT, /* Ctrl-C */
	ABORT_ERROR,     /* an invalid answer in batch mode */
};

struct session {
	struct db *db;
	const char *home;
	char user[64];
	enum role role;      /* from the committed users list (cli/roles.c) */
	bool is_root;        /* run by uid 0: always admin, never locked out */
	const char *command; /* the command running, for the audit of refusals */
	bool interactive;    /* answers come from a terminal: re-ask on error */
	bool echo_answers;   /* batch: print each answer after its prompt */
	enum abort_reason abort;
	bool quit;                      /* exit/quit ran */
	bool failed;                    /* a batch error happened: exit 1 */
	const char *const *completions; /* words Tab completes at the current prompt */
	/* On a cluster member: the level commands configure (cli/cluster_mode.c;
	 * cluster/levels.h). Unset until first used: a member starts in cluster mode. */
	bool cluster_mode_set;
	int cluster_level;
	char cluster_level_name[64];
};

#endif
