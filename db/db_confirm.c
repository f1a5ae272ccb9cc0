/* db_confirm: "commit confirmed" — commits that revert themselves unless a
 * later plain commit confirms them. The daemon owns the timer; this file
 * owns the state, so a revert survives a dead shell and a daemon restart. */
#include "db_internal.h"

#include <stdio.h>
#include <time.h>

int db_mark_confirm(struct db *db, long version, long previous, int seconds, const char *user,
		    struct err *e)
{
	sqlite3_stmt *st;
	int rc;

	if (seconds <= 0)
		return db_exec(db, "DELETE FROM pending_confirm", e);
	if (db_prepare(db,
		       "INSERT INTO pending_confirm(version, previous, deadline, user) "
		       "VALUES (?, ?, ?, ?)",
		       &st, e) < 0)
		return -1;
	sqlite3_bind_int64(st, 1, version);
	sqlite3_bind_int64(st, 2, previous);
	sqlite3_bind_int64(st, 3, (sqlite3_int64)time(NULL) + seconds);
	sqlite3_bind_text(st, 4, user, -1, SQLITE_STATIC);
	rc = sqlite3_step(st);
	db_finish(db, st);
	return rc == SQLITE_DONE ? 0 : db_sql_error(db, "recording a commit to confirm", e);
}

int db_pending_confirm(struct db *db, struct pending_confirm *out, int *found, struct err *e)
{
	sqlite3_stmt *st;
	int rc;

	*found = 0;
	if (db_prepare(db,
		       "SELECT version, previous, deadline, user FROM pending_confirm "
		       "ORDER BY version LIMIT 1",
		       &st, e) < 0)
		return -1;
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		out->version = (long)sqlite3_column_int64(st, 0);
		out->previous = (long)sqlite3_column_int64(st, 1);
		out->deadline = (time_t)sqlite3_column_int64(st, 2);
		snprintf(out->user, sizeof(out->user), "%s", sqlite3_column_text(st, 3));
		*found = 1;
	}
	db_finish(db, st);
	return rc == SQLITE_ROW || rc == SQLITE_DONE
		       ? 0
		       : db_sql_error(db, "reading pending commits", e);
}

int db_confirm_pending(struct db *db, long *count, struct err *e)
{
	if (db_exec(db, "DELETE FROM pending_confirm", e) < 0)
		return -1;
	*count = sqlite3_changes(db->sql);
	return 0;
}

static int copy_version(struct db *db, long from, long to, struct err *e)
{
	sqlite3_stmt *st;
	int rc;

	if (db_prepare(db,
		       "INSERT INTO config_values(version, key, value) "
		       "SELECT ?2, key, value FROM config_values WHERE version = ?1",
		       &st, e) < 0)
		return -1;
	sqlite3_bind_int64(st, 1, from);
	sqlite3_bind_int64(st, 2, to);
	rc = sqlite3_step(st);
	db_finish(db, st);
	return rc == SQLITE_DONE ? 0 : db_sql_error(db, "copying a configuration", e);
}

int db_revert_unconfirmed(struct db *db, time_t now, long *new_version,
			  struct pending_confirm *reverted, struct err *e)
{
	char comment[128];
	long latest;
	int found;

	*new_version = 0;
	if (db_exec(db, "BEGIN IMMEDIATE", e) < 0)
		return -1;
	if (db_pending_confirm(db, reverted, &found, e) < 0)
		goto fail;
	if (!found || reverted->deadline > now)
		return db_exec(db, "COMMIT", e);
	snprintf(comment, sizeof(comment), "Automatic revert of version %ld (not confirmed)",
		 reverted->version);
	if (db_latest_version(db, &latest, e) < 0 ||
	    db_insert_version(db, latest + 1, "system", comment, 1, e) < 0 ||
	    copy_version(db, reverted->previous, latest + 1, e) < 0 ||
	    db_exec(db, "DELETE FROM pending_confirm", e) < 0 || db_exec(db, "COMMIT", e) < 0)
		goto fail;
	*new_version = latest + 1;
	return 0;
fail:
	db_exec(db, "ROLLBACK", NULL);
	return -1;
}
