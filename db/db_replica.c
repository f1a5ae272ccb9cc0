/* db_replica: what the cluster store needs of SQLite: a hook before a
 * commit's COMMIT, a version's rows, and writing a version received from the
 * cluster as this member's local copy. */
#include "db_internal.h"

#include <stdio.h>

void db_set_before_commit(struct db *db, db_before_commit_fn fn, void *arg)
{
	db->before_commit = fn;
	db->before_commit_arg = arg;
}

int db_version_rows(struct db *db, long version, db_row_fn fn, void *arg, struct err *e)
{
	sqlite3_stmt *st;
	int rc;

	if (db_prepare(db, "SELECT key, value FROM config_values WHERE version = ? ORDER BY key",
		       &st, e) < 0)
		return -1;
	sqlite3_bind_int64(st, 1, version);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW)
		if (fn((const char *)sqlite3_column_text(st, 0),
		       (const char *)sqlite3_column_text(st, 1), arg) != 0) {
			rc = SQLITE_DONE;
			break;
		}
	db_finish(db, st);
	return rc == SQLITE_DONE ? 0 : db_sql_error(db, "reading a configuration", e);
}

static int insert_rows(struct db *db, long version, const char *const *keys,
		       const char *const *values, size_t n, struct err *e)
{
	sqlite3_stmt *st;
	int rc = SQLITE_DONE;

	if (db_prepare(db, "INSERT INTO config_values(version, key, value) VALUES (?, ?, ?)", &st,
		       e) < 0)
		return -1;
	for (size_t i = 0; i < n && rc == SQLITE_DONE; i++) {
		sqlite3_bind_int64(st, 1, version);
		sqlite3_bind_text(st, 2, keys[i], -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 3, values[i], -1, SQLITE_STATIC);
		rc = sqlite3_step(st);
		sqlite3_reset(st);
	}
	db_finish(db, st);
	return rc == SQLITE_DONE ? 0 : db_sql_error(db, "writing a received configuration", e);
}

int db_import_version(struct db *db, const struct commit_info *ci, const char *const *keys,
		      const char *const *values, size_t n, int *written, struct err *e)
{
	sqlite3_stmt *st;
	long latest;
	int rc;

	*written = 0;
	if (db_exec(db, "BEGIN IMMEDIATE", e) < 0)
		return -1;
	if (db_latest_version(db, &latest, e) < 0)
		goto fail;
	if (latest >= ci->version)
		return db_exec(db, "COMMIT", e);
	if (db_prepare(db,
		       "INSERT INTO config_versions(version, user, time, comment, "
		       "saved_for_rollback) VALUES (?, ?, ?, ?, 1)",
		       &st, e) < 0)
		goto fail;
	sqlite3_bind_int64(st, 1, ci->version);
	sqlite3_bind_text(st, 2, ci->user, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 3, (sqlite3_int64)ci->time);
	sqlite3_bind_text(st, 4, ci->comment, -1, SQLITE_STATIC);
	rc = sqlite3_step(st);
	db_finish(db, st);
	if (rc != SQLITE_DONE) {
		db_sql_error(db, "recording a received commit", e);
		goto fail;
	}
	if (insert_rows(db, ci->version, keys, values, n, e) < 0 || db_exec(db, "COMMIT", e) < 0)
		goto fail;
	*written = 1;
	return 0;
fail:
	db_exec(db, "ROLLBACK", NULL);
	return -1;
}

int db_replace_version_rows(struct db *db, long version, const char *const *keys,
			    const char *const *values, size_t n, struct err *e)
{
	sqlite3_stmt *st;
	int rc;

	if (db_prepare(db, "DELETE FROM config_values WHERE version = ?", &st, e) < 0)
		return -1;
	sqlite3_bind_int64(st, 1, version);
	rc = sqlite3_step(st);
	db_finish(db, st);
	if (rc != SQLITE_DONE)
		return db_sql_error(db, "rewriting a configuration", e);
	return insert_rows(db, version, keys, values, n, e);
}
