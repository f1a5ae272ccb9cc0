/* db_config: committed configuration versions: load, history, commit. */
#include "db_internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int db_insert_version(struct db *db, long version, const char *user, const char *comment,
		      int save_for_rollback, struct err *e)
{
	sqlite3_stmt *st;
	int rc;

	if (db_prepare(db,
		       "INSERT INTO config_versions(version, user, time, comment, "
		       "saved_for_rollback) VALUES (?, ?, ?, ?, ?)",
		       &st, e) < 0)
		return -1;
	sqlite3_bind_int64(st, 1, version);
	sqlite3_bind_text(st, 2, user, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 3, (sqlite3_int64)time(NULL));
	sqlite3_bind_text(st, 4, comment ? comment : "", -1, SQLITE_STATIC);
	sqlite3_bind_int(st, 5, save_for_rollback != 0);
	rc = sqlite3_step(st);
	db_finish(db, st);
	return rc == SQLITE_DONE ? 0 : db_sql_error(db, "recording a commit", e);
}

int db_write_snapshot(struct db *db, long version, const struct config *c, struct err *e)
{
	sqlite3_stmt *st;
	struct strbuf value;
	int rc = SQLITE_DONE;

	if (db_prepare(db, "INSERT INTO config_values(version, key, value) VALUES (?, ?, ?)", &st,
		       e) < 0)
		return -1;
	strbuf_init(&value);
	for (size_t i = 0; i < config_settings_count && rc == SQLITE_DONE; i++) {
		strbuf_reset(&value);
		config_get(c, &config_settings[i], &value);
		sqlite3_bind_int64(st, 1, version);
		sqlite3_bind_text(st, 2, config_settings[i].key, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 3, value.data, -1, SQLITE_STATIC);
		rc = sqlite3_step(st);
		sqlite3_reset(st);
	}
	strbuf_free(&value);
	db_finish(db, st);
	return rc == SQLITE_DONE ? 0 : db_sql_error(db, "writing a configuration", e);
}

int db_latest_version(struct db *db, long *version, struct err *e)
{
	sqlite3_stmt *st;
	int rc;

	if (db_prepare(db, "SELECT max(version) FROM config_versions", &st, e) < 0)
		return -1;
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW && sqlite3_column_type(st, 0) != SQLITE_NULL)
		*version = (long)sqlite3_column_int64(st, 0);
	else
		rc = SQLITE_ERROR;
	db_finish(db, st);
	return rc == SQLITE_ROW ? 0 : err_set(e, "The database holds no configuration.");
}

/* Settings a snapshot lacks (added by a later release) keep their defaults;
 * keys a snapshot has that this release does not know are ignored. */
static int overlay_rows(sqlite3_stmt *st, struct config *c, struct err *e)
{
	int rc;

	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		const char *key = (const char *)sqlite3_column_text(st, 0);
		const char *value = (const char *)sqlite3_column_text(st, 1);
		struct err bad;

		if (!key || !value || !config_find_setting(key))
			continue;
		if (config_set(c, key, value, &bad) < 0)
			return err_set(e, "The stored value of %s is damaged: %s", key, bad.msg);
	}
	return rc == SQLITE_DONE ? 0 : err_set(e, "Database error while reading settings.");
}

int db_load_config(struct db *db, long version, struct config *c, struct err *e)
{
	sqlite3_stmt *st;
	int rc;

	if (version == 0 && db_latest_version(db, &version, e) < 0)
		return -1;
	if (db_prepare(db, "SELECT key, value FROM config_values WHERE version = ?", &st, e) < 0)
		return -1;
	config_defaults(c);
	sqlite3_bind_int64(st, 1, version);
	rc = overlay_rows(st, c, e);
	db_finish(db, st);
	return rc;
}

int db_version_info(struct db *db, long version, struct commit_info *out, struct err *e)
{
	sqlite3_stmt *st;
	int rc;

	if (db_prepare(db,
		       "SELECT version, user, time, comment FROM config_versions "
		       "WHERE version = ?",
		       &st, e) < 0)
		return -1;
	sqlite3_bind_int64(st, 1, version);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		out->version = (long)sqlite3_column_int64(st, 0);
		snprintf(out->user, sizeof(out->user), "%s", sqlite3_column_text(st, 1));
		out->time = (time_t)sqlite3_column_int64(st, 2);
		snprintf(out->comment, sizeof(out->comment), "%s", sqlite3_column_text(st, 3));
	}
	db_finish(db, st);
	return rc == SQLITE_ROW ? 0 : err_set(e, "There is no configuration version %ld.", version);
}

int db_set_view(struct db *db, const struct config *view, struct err *e)
{
	if (!view) {
		free(db->view);
		db->view = NULL;
		return 0;
	}
	if (!db->view && !(db->view = malloc(sizeof(*db->view))))
		return err_set(e, "Out of memory.");
	*db->view = *view;
	return 0;
}

const struct config *db_view(const struct db *db)
{
	return db->view;
}

/* use_view 0: the latest committed version (what a commit writes on top of). */
static int load_effective(struct db *db, const char *user, int use_view, struct config *c,
			  struct err *e)
{
	sqlite3_stmt *st;
	int rc;

	/* A savepoint, not BEGIN: this also runs inside db_commit's transaction. */
	if (db_exec(db, "SAVEPOINT load_effective", e) < 0)
		return -1;
	if (use_view && db->view)
		*c = *db->view;
	else if (db_load_config(db, 0, c, e) < 0)
		goto fail;
	if (db_prepare(db, "SELECT key, value FROM staged WHERE user = ? AND deleted = 0", &st, e) <
	    0)
		goto fail;
	sqlite3_bind_text(st, 1, user, -1, SQLITE_STATIC);
	rc = overlay_rows(st, c, e);
	db_finish(db, st);
	if (rc < 0)
		goto fail;
	return db_exec(db, "RELEASE load_effective", e);
fail:
	db_exec(db, "ROLLBACK TO load_effective; RELEASE load_effective", NULL);
	return -1;
}

int db_load_effective(struct db *db, const char *user, struct config *c, struct err *e)
{
	return load_effective(db, user, 1, c, e);
}

int db_rollback_candidates(struct db *db, struct commit_info *out, int max, int *count,
			   struct err *e)
{
	sqlite3_stmt *st;
	int rc;

	*count = 0;
	if (db_prepare(db,
		       "SELECT v.version, v.user, v.time, v.comment FROM config_versions v "
		       "WHERE v.saved_for_rollback = 1 "
		       "AND v.version < (SELECT max(version) FROM config_versions) "
		       "AND EXISTS (SELECT 1 FROM config_values c WHERE c.version = v.version) "
		       "ORDER BY v.version DESC LIMIT ?",
		       &st, e) < 0)
		return -1;
	sqlite3_bind_int(st, 1, max);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW && *count < max) {
		struct commit_info *ci = &out[(*count)++];
		ci->version = (long)sqlite3_column_int64(st, 0);
		snprintf(ci->user, sizeof(ci->user), "%s", sqlite3_column_text(st, 1));
		ci->time = (time_t)sqlite3_column_int64(st, 2);
		snprintf(ci->comment, sizeof(ci->comment), "%s", sqlite3_column_text(st, 3));
	}
	db_finish(db, st);
	return rc == SQLITE_DONE || rc == SQLITE_ROW ? 0 : db_sql_error(db, "listing commits", e);
}

/* History rows are kept forever; full snapshots only for the latest version
 * and the last `keep` saved ones (rollbackconfig SETUP). */
static int prune_snapshots(struct db *db, long latest, int keep, struct err *e)
{
	sqlite3_stmt *st;
	int rc;

	if (db_prepare(db,
		       "DELETE FROM config_values WHERE version <> ?1 AND version NOT IN "
		       "(SELECT version FROM config_versions WHERE saved_for_rollback = 1 "
		       "AND version <> ?1 ORDER BY version DESC LIMIT ?2)",
		       &st, e) < 0)
		return -1;
	sqlite3_bind_int64(st, 1, latest);
	sqlite3_bind_int(st, 2, keep);
	rc = sqlite3_step(st);
	db_finish(db, st);
	return rc == SQLITE_DONE ? 0 : db_sql_error(db, "trimming old configurations", e);
}

int db_commit(struct db *db, const char *user, const char *comment, int save_for_rollback,
	      db_validate_fn validate, void *arg, long *new_version, struct err *e)
{
	return db_commit_confirmed(db, user, comment, save_for_rollback, validate, arg, 0,
				   new_version, e);
}

int db_commit_confirmed(struct db *db, const char *user, const char *comment, int save_for_rollback,
			db_validate_fn validate, void *arg, int confirm_seconds, long *new_version,
			struct err *e)
{
	struct config c;
	long latest, staged;

	/* IMMEDIATE: take the write lock first, so the version validated is the
	 * version written on top of. */
	if (db_exec(db, "BEGIN IMMEDIATE", e) < 0)
		return -1;
	if (db_staged_count(db, user, &staged, e) < 0)
		goto fail;
	if (staged == 0) {
		err_set(e, "There is no data to commit.");
		goto fail;
	}
	/* With a level view the hook checks each base against that level. */
	if (!db->view && db_staged_conflict(db, user, e) < 0)
		goto fail;
	if (db_latest_version(db, &latest, e) < 0 || load_effective(db, user, 0, &c, e) < 0)
		goto fail;
	if (validate && validate(&c, arg, e) < 0)
		goto fail;
	if (db_insert_version(db, latest + 1, user, comment, save_for_rollback, e) < 0 ||
	    db_write_snapshot(db, latest + 1, &c, e) < 0 ||
	    db_snapshot_entries(db, latest, latest + 1, user, e) < 0)
		goto fail;
	/* Before the staged rows are cleared: the cluster store reads them. */
	if (db->before_commit &&
	    db->before_commit(db, latest, latest + 1, db->before_commit_arg, e) < 0)
		goto fail;
	if (db_clear_staged(db, user, e) < 0 ||
	    db_mark_confirm(db, latest + 1, latest, confirm_seconds, user, e) < 0 ||
	    prune_snapshots(db, latest + 1, c.rollback_keep, e) < 0)
		goto fail;
	if (db_exec(db, "COMMIT", e) < 0)
		goto fail;
	*new_version = latest + 1;
	return 0;
fail:
	db_exec(db, "ROLLBACK", NULL);
	return -1;
}
