/* audit: the console's audit trail, $TLSGATE_HOME/logs/cli_logs: one line per
 * commit, rollback and automatic revert, with who, when, version, comment and
 * what changed; refused attempts and file transfers (audit_event). */
#ifndef TLSGATE_AUDIT_H
#define TLSGATE_AUDIT_H

#include <stddef.h>
#include <time.h>

#include "../core/config.h"

/* ctime()-style date without the newline, local time (AsyncOS log dates). */
void audit_date(time_t t, char *buf, size_t len);

/* `what` is "commit", "rollback" or "revert". Failures to log are reported on
 * stderr, not fatal. */
void audit_commit(const char *home, const char *user, const char *what, long version,
		  const char *comment, const struct config *before, const struct config *after);

/* Any other event as "DATE LEVEL: TEXT" (refused attempts, scp transfers).
 * Control characters in TEXT become '?'. */
void audit_event(const char *home, const char *level, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

#endif
