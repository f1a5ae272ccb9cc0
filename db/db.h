/* db: the SQLite store, the only source of truth. Committed configuration
 * versions (full snapshots with history), and the edits each user has staged. */
#ifndef TLSGATE_DB_H
#define TLSGATE_DB_H

#include <stddef.h>
#include <time.h>

#include "../core/config.h"
#include "../core/err.h"
#include "../core/role.h"

struct db;

/* Opens (creating with mode 0600, in WAL mode) HOME/config.db, runs pending
 * migrations and, on a new database, commits version 1 with the defaults. */
int db_open(const char *home, struct db **out, struct err *e);
/* 1 when HOME is a group-shared home (a setgid directory of mode 2770, for
 * several console users, e.g. over SSH): its files are then 0660 and its
 * folders 2770 instead of 0600 and 0700. 0 otherwise. */
int db_home_shared(const char *home);
/* The home when none is given: $TLSGATE_HOME, else ~/.tlsgate (written in buf). */
const char *db_default_home(char *buf, size_t len);
/* Create or tighten the home (0700, or a 2770 group-shared home) and set the umask. */
int db_prepare_home(const char *home, struct err *e);
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

/* The same, reverting itself unless confirmed: when confirm_seconds > 0 the
 * new version is reverted to the current one after that long, unless a later
 * plain commit (or db_confirm_pending) confirms it. A plain commit confirms
 * every pending one. */
int db_commit_confirmed(struct db *db, const char *user, const char *comment, int save_for_rollback,
			db_validate_fn validate, void *arg, int confirm_seconds, long *new_version,
			struct err *e);

struct pending_confirm {
	long version;  /* the unconfirmed commit */
	long previous; /* what it reverts to */
	time_t deadline;
	char user[64];
};
/* The oldest pending confirmation; *found 0 when there is none. */
int db_pending_confirm(struct db *db, struct pending_confirm *out, int *found, struct err *e);
/* Confirms every pending commit; *count says how many there were. */
int db_confirm_pending(struct db *db, long *count, struct err *e);
/* If the oldest pending commit's deadline has passed, commit its previous
 * configuration as a new version (user "system") and clear the pending list.
 * *new_version is 0 when there was nothing to revert. */
int db_revert_unconfirmed(struct db *db, time_t now, long *new_version,
			  struct pending_confirm *reverted, struct err *e);

/* ---- replication (cluster/: the cluster store) ---- */
/* Called inside db_commit's transaction after `version` was written on top of
 * `base`, before COMMIT: -1 rolls the commit back (nothing written). */
typedef int (*db_before_commit_fn)(struct db *db, long base, long version, void *arg,
				   struct err *e);
void db_set_before_commit(struct db *db, db_before_commit_fn fn, void *arg);
/* Every committed row (settings and entries) of `version`, sorted by key. */
typedef int (*db_row_fn)(const char *key, const char *value, void *arg);
int db_version_rows(struct db *db, long version, db_row_fn fn, void *arg, struct err *e);
/* Writes `version` as given (a full snapshot: n rows) in one transaction,
 * unless this database already has it or a later one (*written 0 then). */
int db_import_version(struct db *db, const struct commit_info *ci, const char *const *keys,
		      const char *const *values, size_t n, int *written, struct err *e);
/* Inside a commit's transaction (the before-commit hook): `version`'s rows
 * become exactly these (a cluster member's effective configuration). */
int db_replace_version_rows(struct db *db, long version, const char *const *keys,
			    const char *const *values, size_t n, struct err *e);

/* ---- staged edits ---- */
/* A cluster member's console configures a level (cluster, group, machine):
 * with a view set, db_load_effective and the staging compare read `view` in
 * place of the latest committed version, and db_commit leaves the per-setting
 * base check to the before-commit hook (the cluster store checks each staged
 * row's base value against the level in etcd). NULL: the latest version. */
int db_set_view(struct db *db, const struct config *view, struct err *e);
/* The view set, or NULL. */
const struct config *db_view(const struct db *db);
/* The latest version (or the view) with USER's staged edits applied. */
int db_load_effective(struct db *db, const char *user, struct config *c, struct err *e);
/* Stage the settings an operation changed: those in which `edited` differs
 * from `seen` (the configuration the user was shown). A setting set back to
 * the committed value is unstaged. Each staged row remembers the value the
 * user saw (base_value), so db_commit can refuse to overwrite a concurrent
 * commit to the same setting. One transaction (a savepoint inside a db_tx). */
int db_stage_changes(struct db *db, const char *user, const struct config *seen,
		     const struct config *edited, struct err *e);
int db_staged_count(struct db *db, const char *user, long *count, struct err *e);
int db_clear_staged(struct db *db, const char *user, struct err *e);

/* ---- named entries (core/entries.h: cert, ca, dest, route, user) ---- */
/* Called per entry, sorted by name; return non-zero to stop. */
typedef int (*db_entry_fn)(const char *name, const char *value, void *arg);
/* Entries of KIND in `version` (0: latest); with `user`, that user's
 * effective view (latest plus their staged edits). */
int db_entries_list(struct db *db, long version, const char *user, const char *kind, db_entry_fn fn,
		    void *arg, struct err *e);
/* *value is malloc'd, or NULL when the entry does not exist (for `user`: in
 * their effective view; user NULL: committed). */
int db_entry_get(struct db *db, const char *user, const char *kind, const char *name, char **value,
		 struct err *e);
/* Stage an entry's new value; value NULL stages its deletion. Setting it back
 * to the committed value unstages it. Runs inside a db_tx if one is open. */
int db_entry_stage(struct db *db, const char *user, const char *kind, const char *name,
		   const char *value, struct err *e);
/* USER's staged entry edits, sorted by key: old is the committed value (NULL
 * if new), value NULL for a deletion. */
typedef int (*db_staged_entry_fn)(const char *key, const char *old, const char *value, void *arg);
int db_staged_entries(struct db *db, const char *user, db_staged_entry_fn fn, void *arg,
		      struct err *e);
/* Entries that differ between two committed versions, sorted by key: how is
 * 'a' (added), 'c' (changed) or 'r' (removed). */
typedef int (*db_entry_change_fn)(const char *key, char how, void *arg);
int db_entry_changes(struct db *db, long old_version, long new_version, db_entry_change_fn fn,
		     void *arg, struct err *e);
/* The value of an entry committed in `version` (0: the latest); *value is
 * malloc'd, or NULL when that version has no such entry. */
int db_entry_get_version(struct db *db, long version, const char *kind, const char *name,
			 char **value, struct err *e);
/* Adds an entry to every kept snapshot that lacks it, without making a new
 * version: the Demo certificate profile every appliance has from the start.
 * Two processes racing: the first one's value wins (one transaction). */
int db_entry_seed(struct db *db, const char *kind, const char *name, const char *value,
		  struct err *e);
/* Stage every entry as it was in `version` (rollbackconfig), except kinds
 * whose role is above `most` (ROLE_OPERATOR leaves user accounts alone). */
int db_stage_entries_of_version(struct db *db, const char *user, long version, enum role most,
				struct err *e);
/* Every row USER has staged (settings and entries), sorted by key; value
 * NULL for a deletion. Return non-zero from fn to stop. */
typedef int (*db_staged_row_fn)(const char *key, const char *value, void *arg);
int db_staged_rows(struct db *db, const char *user, db_staged_row_fn fn, void *arg, struct err *e);
/* The same with each row's base value (what the user saw when first staged;
 * '' for an entry that did not exist). */
typedef int (*db_staged_base_fn)(const char *key, const char *value, const char *base_value,
				 void *arg);
int db_staged_rows_base(struct db *db, const char *user, db_staged_base_fn fn, void *arg,
			struct err *e);
/* The value of SQLite's PRAGMA data_version: it changes when another
 * connection commits (a cheap "did anything change?" for the daemon). */
int db_data_version(struct db *db, long *out, struct err *e);

/* An explicit write transaction around many stagings (imports). */
int db_tx_begin(struct db *db, struct err *e);
int db_tx_commit(struct db *db, struct err *e);
void db_tx_rollback(struct db *db);

/* A copy of USER's staged rows, to put back when a batch or a command is
 * abandoned (its partial edits are dropped, earlier ones kept). */
struct staged_snapshot;
int db_staged_save(struct db *db, const char *user, struct staged_snapshot **out, struct err *e);
int db_staged_restore(struct db *db, const char *user, const struct staged_snapshot *snap,
		      struct err *e);
void db_staged_snapshot_free(struct staged_snapshot *snap);

#endif
