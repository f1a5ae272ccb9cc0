/* db_staged: each user's staged edits, written as they are made so that a
 * crashed or disconnected session loses nothing. */
#include "db_internal.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

struct staged_row {
	char *key;
	char *value;
	long base_version;
	char *base_value; /* the value the user saw when the edit was first staged */
	int deleted;      /* an entry the user deleted */
};

struct staged_snapshot {
	size_t count;
	struct staged_row *rows;
};

int db_staged_upsert(struct db *db, const char *user, const char *key, const char *value, long base,
		     const char *base_value, int deleted, struct err *e)
{
	sqlite3_stmt *st;
	int rc;

	if (db_prepare(db,
		       "INSERT INTO staged(user, key, value, base_version, staged_at, base_value, "
		       "deleted) VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT(user, key) DO UPDATE SET "
		       "value = excluded.value, deleted = excluded.deleted, "
		       "staged_at = excluded.staged_at",
		       &st, e) < 0)
		return -1;
	sqlite3_bind_text(st, 1, user, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, key, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, value, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 4, base);
	sqlite3_bind_int64(st, 5, (sqlite3_int64)time(NULL));
	sqlite3_bind_text(st, 6, base_value, -1, SQLITE_STATIC);
	sqlite3_bind_int(st, 7, deleted != 0);
	rc = sqlite3_step(st);
	db_finish(db, st);
	return rc == SQLITE_DONE ? 0 : db_sql_error(db, "staging an edit", e);
}

int db_staged_remove(struct db *db, const char *user, const char *key, struct err *e)
{
	sqlite3_stmt *st;
	int rc;

	if (db_prepare(db, "DELETE FROM staged WHERE user = ? AND key = ?", &st, e) < 0)
		return -1;
	sqlite3_bind_text(st, 1, user, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, key, -1, SQLITE_STATIC);
	rc = sqlite3_step(st);
	db_finish(db, st);
	return rc == SQLITE_DONE ? 0 : db_sql_error(db, "unstaging an edit", e);
}

static int stage_differences(struct db *db, const char *user, const struct config *seen,
			     const struct config *edited, struct err *e)
{
	struct config committed;
	struct strbuf now, before, then;
	long latest;
	int rc = 0;

	if (db_latest_version(db, &latest, e) < 0)
		return -1;
	if (db->view)
		committed = *db->view; /* a cluster level's configuration */
	else if (db_load_config(db, latest, &committed, e) < 0)
		return -1;
	strbuf_init(&now);
	strbuf_init(&before);
	strbuf_init(&then);
	for (size_t i = 0; i < config_settings_count && rc == 0; i++) {
		const struct setting *s = &config_settings[i];
		strbuf_reset(&now);
		strbuf_reset(&before);
		strbuf_reset(&then);
		config_get(edited, s, &now);
		config_get(seen, s, &before);
		config_get(&committed, s, &then);
		if (strcmp(now.data, before.data) == 0)
			continue; /* not touched by this operation */
		if (strcmp(now.data, then.data) == 0)
			rc = db_staged_remove(db, user, s->key, e);
		else
			rc = db_staged_upsert(db, user, s->key, now.data, latest, before.data, 0,
					      e);
	}
	strbuf_free(&now);
	strbuf_free(&before);
	strbuf_free(&then);
	return rc;
}

int db_stage_changes(struct db *db, const char *user, const struct config *seen,
		     const struct config *edited, struct err *e)
{
	/* Inside a db_tx (loadconfig stages everything in one): a savepoint. */
	bool nested = !sqlite3_get_autocommit(db->sql);

	if (db_exec(db, nested ? "SAVEPOINT stage_changes" : "BEGIN IMMEDIATE", e) < 0)
		return -1;
	if (stage_differences(db, user, seen, edited, e) < 0 ||
	    db_exec(db, nested ? "RELEASE stage_changes" : "COMMIT", e) < 0) {
		db_exec(db,
			nested ? "ROLLBACK TO stage_changes; RELEASE stage_changes" : "ROLLBACK",
			NULL);
		return -1;
	}
	return 0;
}

/* A staged edit conflicts when the committed value is no longer the one the
 * user saw, and differs from what they chose. Names the first such setting. */
int db_staged_conflict(struct db *db, const char *user, struct err *e)
{
	sqlite3_stmt *st;
	int rc, found = 0;

	/* For entries an absent row reads as '' (the base_value of a new entry). */
	if (db_prepare(
		    db,
		    "SELECT s.key, (SELECT v.user || ' in version ' || v.version "
		    "  FROM config_versions v LEFT JOIN config_values o "
		    "  ON o.version = v.version AND o.key = s.key "
		    "  WHERE v.version > s.base_version AND coalesce(o.value, '') <> s.base_value "
		    "  ORDER BY v.version LIMIT 1) "
		    "FROM staged s LEFT JOIN config_values c ON c.key = s.key "
		    "AND c.version = (SELECT max(version) FROM config_versions) "
		    "WHERE s.user = ? AND coalesce(c.value, '') <> s.base_value "
		    "AND NOT (s.deleted = 0 AND c.value IS s.value) "
		    "AND NOT (s.deleted = 1 AND c.value IS NULL) "
		    "ORDER BY s.key LIMIT 1",
		    &st, e) < 0)
		return -1;
	sqlite3_bind_text(st, 1, user, -1, SQLITE_STATIC);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		const struct setting *s =
			config_find_setting((const char *)sqlite3_column_text(st, 0));
		const char *who = (const char *)sqlite3_column_text(st, 1);
		err_set(e,
			"%s was changed by %s after you edited it. Use \"clear\" and make your "
			"change again on top of the new configuration.",
			s ? s->label : (const char *)sqlite3_column_text(st, 0),
			who ? who : "another commit");
		found = 1;
	}
	db_finish(db, st);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		return db_sql_error(db, "checking for conflicting commits", e);
	return found ? -1 : 0;
}

int db_staged_count(struct db *db, const char *user, long *count, struct err *e)
{
	sqlite3_stmt *st;
	int rc;

	if (db_prepare(db, "SELECT count(*) FROM staged WHERE user = ?", &st, e) < 0)
		return -1;
	sqlite3_bind_text(st, 1, user, -1, SQLITE_STATIC);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		*count = (long)sqlite3_column_int64(st, 0);
	db_finish(db, st);
	return rc == SQLITE_ROW ? 0 : db_sql_error(db, "counting staged edits", e);
}

int db_clear_staged(struct db *db, const char *user, struct err *e)
{
	sqlite3_stmt *st;
	int rc;

	if (db_prepare(db, "DELETE FROM staged WHERE user = ?", &st, e) < 0)
		return -1;
	sqlite3_bind_text(st, 1, user, -1, SQLITE_STATIC);
	rc = sqlite3_step(st);
	db_finish(db, st);
	return rc == SQLITE_DONE ? 0 : db_sql_error(db, "clearing staged edits", e);
}

void db_staged_snapshot_free(struct staged_snapshot *snap)
{
	if (!snap)
		return;
	for (size_t i = 0; i < snap->count; i++) {
		free(snap->rows[i].key);
		free(snap->rows[i].value);
		free(snap->rows[i].base_value);
	}
	free(snap->rows);
	free(snap);
}

int db_staged_save(struct db *db, const char *user, struct staged_snapshot **out, struct err *e)
{
	struct staged_snapshot *snap = calloc(1, sizeof(*snap));
	sqlite3_stmt *st;
	size_t cap = 0;
	int rc;

	if (!snap)
		return err_set(e, "Out of memory.");
	if (db_prepare(db,
		       "SELECT key, value, base_version, base_value, deleted FROM staged WHERE "
		       "user = ?",
		       &st, e) < 0) {
		free(snap);
		return -1;
	}
	sqlite3_bind_text(st, 1, user, -1, SQLITE_STATIC);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if (snap->count == cap) {
			cap = cap ? cap * 2 : 16;
			struct staged_row *rows = realloc(snap->rows, cap * sizeof(*rows));
			if (!rows)
				abort();
			snap->rows = rows;
		}
		struct staged_row *r = &snap->rows[snap->count++];
		r->key = strdup((const char *)sqlite3_column_text(st, 0));
		r->value = strdup((const char *)sqlite3_column_text(st, 1));
		r->base_version = (long)sqlite3_column_int64(st, 2);
		r->base_value = strdup((const char *)sqlite3_column_text(st, 3));
		r->deleted = sqlite3_column_int(st, 4);
		if (!r->key || !r->value || !r->base_value)
			abort();
	}
	db_finish(db, st);
	if (rc != SQLITE_DONE) {
		db_staged_snapshot_free(snap);
		return db_sql_error(db, "reading staged edits", e);
	}
	*out = snap;
	return 0;
}

int db_staged_restore(struct db *db, const char *user, const struct staged_snapshot *snap,
		      struct err *e)
{
	if (db_exec(db, "BEGIN IMMEDIATE", e) < 0)
		return -1;
	if (db_clear_staged(db, user, e) < 0)
		goto fail;
	for (size_t i = 0; i < snap->count; i++)
		if (db_staged_upsert(db, user, snap->rows[i].key, snap->rows[i].value,
				     snap->rows[i].base_version, snap->rows[i].base_value,
				     snap->rows[i].deleted, e) < 0)
			goto fail;
	return db_exec(db, "COMMIT", e);
fail:
	db_exec(db, "ROLLBACK", NULL);
	return -1;
}

int db_staged_rows(struct db *db, const char *user, db_staged_row_fn fn, void *arg, struct err *e)
{
	sqlite3_stmt *st;
	int rc, stop = 0;

	if (db_prepare(db, "SELECT key, value, deleted FROM staged WHERE user = ? ORDER BY key",
		       &st, e) < 0)
		return -1;
	sqlite3_bind_text(st, 1, user, -1, SQLITE_STATIC);
	while (!stop && (rc = sqlite3_step(st)) == SQLITE_ROW)
		stop = fn((const char *)sqlite3_column_text(st, 0),
			  sqlite3_column_int(st, 2) ? NULL
						    : (const char *)sqlite3_column_text(st, 1),
			  arg);
	db_finish(db, st);
	return stop || rc == SQLITE_DONE ? 0 : db_sql_error(db, "reading staged edits", e);
}

int db_staged_rows_base(struct db *db, const char *user, db_staged_base_fn fn, void *arg,
			struct err *e)
{
	sqlite3_stmt *st;
	int rc, stop = 0;

	if (db_prepare(db,
		       "SELECT key, value, deleted, base_value FROM staged WHERE user = ? "
		       "ORDER BY key",
		       &st, e) < 0)
		return -1;
	sqlite3_bind_text(st, 1, user, -1, SQLITE_STATIC);
	while (!stop && (rc = sqlite3_step(st)) == SQLITE_ROW)
		stop = fn((const char *)sqlite3_column_text(st, 0),
			  sqlite3_column_int(st, 2) ? NULL
						    : (const char *)sqlite3_column_text(st, 1),
			  (const char *)sqlite3_column_text(st, 3), arg);
	db_finish(db, st);
	return stop || rc == SQLITE_DONE ? 0 : db_sql_error(db, "reading staged edits", e);
}

int db_data_version(struct db *db, long *out, struct err *e)
{
	sqlite3_stmt *st;
	int rc;

	if (db_prepare(db, "PRAGMA data_version", &st, e) < 0)
		return -1;
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		*out = (long)sqlite3_column_int64(st, 0);
	db_finish(db, st);
	return rc == SQLITE_ROW ? 0 : db_sql_error(db, "reading the data version", e);
}
