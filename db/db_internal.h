/* db_internal: what the db/ files share and nothing outside db/ may use. */
#ifndef TLSGATE_DB_INTERNAL_H
#define TLSGATE_DB_INTERNAL_H

#include <sqlite3.h>

#include "db.h"

/* Prepared statements kept for reuse (db_stmt.c): parsing SQL was a fifth
 * of a commit's instructions. */
#define DB_STMT_CACHE 64

struct db {
	sqlite3 *sql;
	sqlite3_stmt *stmt_cache[DB_STMT_CACHE];
	char path[4096];
	db_before_commit_fn before_commit; /* db_set_before_commit */
	void *before_commit_arg;
	struct config *view; /* db_set_view: what the console reads as committed */
};

int db_exec(struct db *db, const char *sql, struct err *e);
int db_sql_error(struct db *db, const char *what, struct err *e);
/* A statement for `sql`: a cached one when there is one, else a new one.
 * Give it back with db_finish (never sqlite3_finalize). */
int db_prepare(struct db *db, const char *sql, sqlite3_stmt **st, struct err *e);
/* Resets `st` and keeps it for the next db_prepare of the same SQL. */
void db_finish(struct db *db, sqlite3_stmt *st);
/* Finalizes every cached statement (before closing the connection). */
void db_stmt_cache_free(struct db *db);
/* Writes every setting of `c` as version `version`'s snapshot. */
int db_write_snapshot(struct db *db, long version, const struct config *c, struct err *e);
int db_insert_version(struct db *db, long version, const char *user, const char *comment,
		      int save_for_rollback, struct err *e);

int db_staged_conflict(struct db *db, const char *user, struct err *e);
int db_staged_upsert(struct db *db, const char *user, const char *key, const char *value, long base,
		     const char *base_value, int deleted, struct err *e);
int db_staged_remove(struct db *db, const char *user, const char *key, struct err *e);
/* Copies the entries of version `from` into `to`, with USER's staged entry
 * edits applied. */
int db_snapshot_entries(struct db *db, long from, long to, const char *user, struct err *e);

/* Inside the commit transaction: record (seconds > 0) or, for a plain
 * commit, clear the pending confirmations. */
int db_mark_confirm(struct db *db, long version, long previous, int seconds, const char *user,
		    struct err *e);

#endif
