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

/* `what` is "commit", "rollback" or "revert". The change summary lists the
 * settings that differ between before and after, then `entries` (a summary
 * from one of the two functions below; NULL or "" when none). Failures to
 * log are reported on stderr, not fatal. */
void audit_commit(const char *home, const char *user, const char *what, long version,
		  const char *comment, const struct config *before, const struct config *after,
		  const char *entries);
/* The same with the level of a cluster commit ("cluster", "group NAME",
 * "machine NAME"), written as level=LEVEL after the version. */
void audit_commit_at(const char *home, const char *user, const char *what, long version,
		     const char *level, const char *comment, const struct config *before,
		     const struct config *after, const char *entries);

/* The named entries (certificates, destinations, users...) USER has staged,
 * summarised for audit_commit: call it before the commit. */
struct db;
struct strbuf;
void audit_entries_staged(struct db *db, const char *user, struct strbuf *out);
/* The same for the entries that differ between two committed versions. */
void audit_entries_between(struct db *db, long old_version, long new_version, struct strbuf *out);

/* Any other event as "DATE LEVEL: TEXT" (refused attempts, scp transfers).
 * Every record (this and audit_commit) is one line: control characters and
 * bytes that are not UTF-8 are written as \xNN (core/text.h). */
void audit_event(const char *home, const char *level, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

#endif
