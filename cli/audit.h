/* audit: the console's audit trail, $TLSGATE_HOME/logs/cli_logs: one line per
 * commit, rollback and automatic revert, with who, when, version, comment and
 * what changed. */
#ifndef TLSGATE_AUDIT_H
#define TLSGATE_AUDIT_H

#include "../core/config.h"

/* `what` is "commit" or "rollback". Failures to log are reported, not fatal. */
void audit_commit(const char *home, const char *user, const char *what, long version,
		  const char *comment, const struct config *before, const struct config *after);

#endif
