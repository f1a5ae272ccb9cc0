/* db: the SQLite store, the only source of truth. Committed configuration
 * versions (full snapshots with history), and the edits each user has staged. */
#ifndef TLSGATE_DB_H
#define TLSGATE_DB_H

#include <stddef.h>
#include <time.h>

#include "../core/config.h"
#include "../core/err.h"

struct db;

/* Opens (creating with mode 0600, in WAL mode) HOME/config.db, runs pending
 * migrations and, on a new database, commits version 1 with the defaults. */
int db_open(const char *home, struct db **out, struct err *e);
void db_close(struct db *db);
const char *db_path(const struct db *db);

/* ---- committed configuration ---- */
int db_latest_version(struct db *db, long *version, struct err *e);
/* version 0 means the latest. */
int db_load_config(struct db *db, long version, struct config *c, struct err *e);

struct commit_info {
	long version;
	char user[64];
	time_t time;
	char comment[256];
};
int db_version_info(struct db *db, long version, struct commit_info *out, struct err *e);

/* Earlier versions that can be rolled back to (saved for rollback, snapshot
 * still kept), newest first, at most `max`. The latest version is excluded. */
int db_rollback_candidates(struct db *db, struct commit_info *out, int max, int *count,
			   struct err *e);

/* Called inside the commit's write transaction with the configuration about to
 * be written; returning -1 aborts the commit with nothing written. */
typedef int (*db_validate_fn)(const struct config *c, void *arg, struct err *e);

/* Commit USER's staged edits over the latest version as a new version. Edits
 * to settings nobody else committed since merge; an edit to a setting another
 * commit changed after the user saw it is refused, naming the setting and who. */
int db_commit(struct db *db, const char *user, const char *comment, int save_for_rollback,
	      db_validate_fn validate, void *arg, long *new_version, struct err *e);

/* ---- staged edits ---- */
/* The latest version with USER's staged edits applied. */
int db_load_effective(struct db *db, const char *user, struct config *c, struct err *e);
/* Stage the settings an operation changed: those in which `edited` differs
 * from `seen` (the configuration the user was shown). A setting set back to
 * the committed value is unstaged. Each staged row remembers the value the
 * user saw (base_value), so db_commit can refuse to overwrite a concurrent
 * commit to the same setting. One transaction. */
int db_stage_changes(struct db *db, const char *user, const struct config *seen,
		     const struct config *edited, struct err *e);
int db_staged_count(struct db *db, const char *user, long *count, struct err *e);
int db_clear_staged(struct db *db, const char *user, struct err *e);

/* A copy of USER's staged rows, to put back when a batch or a command is
 * abandoned (its partial edits are dropped, earlier ones kept). */
struct staged_snapshot;
int db_staged_save(struct db *db, const char *user, struct staged_snapshot **out, struct err *e);
int db_staged_restore(struct db *db, const char *user, const struct staged_snapshot *snap,
		      struct err *e);
void db_staged_snapshot_free(struct staged_snapshot *snap);

#endif
