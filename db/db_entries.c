/* db_entries: named configuration entries (core/entries.h) — certificate
 * profiles, destination controls, routes, users — versioned in the same
 * snapshots as the settings and staged per user the same way. */
#include "db_internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../core/entries.h"

/* Keys of KIND sort in ["KIND.", "KIND/"): '/' follows '.' in ASCII. */
static int kind_range(const char *kind, char *lo, char *hi, size_t len, struct err *e)
{
	if (!entry_kind_find(kind))
		return err_set(e, "Unknown kind of entry \"%.20s\".", kind);
	snprintf(lo, len, "%s.", kind);
	snprintf(hi, len, "%s/", kind);
	return 0;
}

int db_entries_list(struct db *db, long version, const char *user, const char *kind, db_entry_fn fn,
		    void *arg, struct err *e)
{
	char lo[64], hi[64];
	sqlite3_stmt *st;
	int rc, stop = 0;

	if (kind_range(kind, lo, hi, sizeof(lo), e) < 0)
		return -1;
	if (version == 0 && db_latest_version(db, &version, e) < 0)
		return -1;
	if (db_prepare(db,
		       "SELECT key, value FROM config_values WHERE version = ?1 "
		       "AND key >= ?2 AND key < ?3 "
		       "AND key NOT IN (SELECT key FROM staged WHERE user = ?4) "
		       "UNION ALL SELECT key, value FROM staged WHERE user = ?4 AND deleted = 0 "
		       "AND key >= ?2 AND key < ?3 ORDER BY 1",
		       &st, e) < 0)
		return -1;
	sqlite3_bind_int64(st, 1, version);
	sqlite3_bind_text(st, 2, lo, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, hi, -1, SQLITE_STATIC);
	/* No user: a name nobody stages under, so only committed rows show. */
	sqlite3_bind_text(st, 4, user ? user : "", -1, SQLITE_STATIC);
	while (!stop && (rc = sqlite3_step(st)) == SQLITE_ROW) {
		const char *key = (const char *)sqlite3_column_text(st, 0);
		if (!entry_kind_of_key(key, NULL))
			continue; /* a setting sharing the prefix: "ca.system" */
		stop = fn(key + strlen(lo), (const char *)sqlite3_column_text(st, 1), arg);
	}
	db_finish(db, st);
	if (!stop && rc != SQLITE_DONE)
		return db_sql_error(db, "listing entries", e);
	return 0;
}

/* The committed value of `key` in `version` into *out (malloc'd), or NULL. */
static int committed_value(struct db *db, long version, const char *key, char **out, struct err *e)
{
	sqlite3_stmt *st;
	int rc;

	*out = NULL;
	if (db_prepare(db, "SELECT value FROM config_values WHERE version = ? AND key = ?", &st,
		       e) < 0)
		return -1;
	sqlite3_bind_int64(st, 1, version);
	sqlite3_bind_text(st, 2, key, -1, SQLITE_STATIC);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW && !(*out = strdup((const char *)sqlite3_column_text(st, 0))))
		abort();
	db_finish(db, st);
	return rc == SQLITE_ROW || rc == SQLITE_DONE ? 0 : db_sql_error(db, "reading an entry", e);
}

int db_entry_get(struct db *db, const char *user, const char *kind, const char *name, char **value,
		 struct err *e)
{
	char key[ENTRY_NAME_MAX + 64];
	sqlite3_stmt *st;
	long latest;
	int rc;

	*value = NULL;
	if (entry_key(kind, name, key, sizeof(key), e) < 0)
		return -1;
	if (user) {
		if (db_prepare(db, "SELECT value, deleted FROM staged WHERE user = ? AND key = ?",
			       &st, e) < 0)
			return -1;
		sqlite3_bind_text(st, 1, user, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 2, key, -1, SQLITE_STATIC);
		rc = sqlite3_step(st);
		if (rc == SQLITE_ROW) {
			if (!sqlite3_column_int(st, 1) &&
			    !(*value = strdup((const char *)sqlite3_column_text(st, 0))))
				abort();
			db_finish(db, st);
			return 0;
		}
		db_finish(db, st);
		if (rc != SQLITE_DONE)
			return db_sql_error(db, "reading an entry", e);
	}
	if (db_latest_version(db, &latest, e) < 0)
		return -1;
	return committed_value(db, latest, key, value, e);
}

/* Stages one entry inside the caller's transaction. The base value is the
 * committed one (an absent entry reads as ""); a row staged earlier keeps the
 * base it had, so a concurrent commit to the same entry is still detected. */
static int stage_entry(struct db *db, const char *user, const char *key, const char *value,
		       long latest, struct err *e)
{
	char *committed = NULL;
	int rc;

	if (committed_value(db, latest, key, &committed, e) < 0)
		return -1;
	if ((value && committed && strcmp(value, committed) == 0) || (!value && !committed))
		rc = db_staged_remove(db, user, key, e);
	else
		rc = db_staged_upsert(db, user, key, value ? value : "", latest,
				      committed ? committed : "", value == NULL, e);
	free(committed);
	return rc;
}

int db_entry_stage(struct db *db, const char *user, const char *kind, const char *name,
		   const char *value, struct err *e)
{
	char key[ENTRY_NAME_MAX + 64];
	long latest;

	if (entry_key(kind, name, key, sizeof(key), e) < 0)
		return -1;
	if (db_exec(db, "SAVEPOINT entry_stage", e) < 0)
		return -1;
	if (db_latest_version(db, &latest, e) < 0 ||
	    stage_entry(db, user, key, value, latest, e) < 0) {
		db_exec(db, "ROLLBACK TO entry_stage; RELEASE entry_stage", NULL);
		return -1;
	}
	return db_exec(db, "RELEASE entry_stage", e);
}

int db_snapshot_entries(struct db *db, long from, long to, const char *user, struct err *e)
{
	sqlite3_stmt *st;
	int rc;

	/* Settings of `to` are already written; OR IGNORE keeps them. */
	if (db_prepare(db,
		       "INSERT OR IGNORE INTO config_values(version, key, value) "
		       "SELECT ?2, key, value FROM config_values WHERE version = ?1 "
		       "AND key NOT IN (SELECT key FROM staged WHERE user = ?3)",
		       &st, e) < 0)
		return -1;
	sqlite3_bind_int64(st, 1, from);
	sqlite3_bind_int64(st, 2, to);
	sqlite3_bind_text(st, 3, user, -1, SQLITE_STATIC);
	rc = sqlite3_step(st);
	db_finish(db, st);
	if (rc != SQLITE_DONE)
		return db_sql_error(db, "copying entries", e);
	if (db_prepare(db,
		       "INSERT OR REPLACE INTO config_values(version, key, value) "
		       "SELECT ?1, key, value FROM staged WHERE user = ?2 AND deleted = 0",
		       &st, e) < 0)
		return -1;
	sqlite3_bind_int64(st, 1, to);
	sqlite3_bind_text(st, 2, user, -1, SQLITE_STATIC);
	rc = sqlite3_step(st);
	db_finish(db, st);
	return rc == SQLITE_DONE ? 0 : db_sql_error(db, "writing staged entries", e);
}

int db_stage_entries_of_version(struct db *db, const char *user, long version, enum role most,
				struct err *e)
{
	sqlite3_stmt *st;
	long latest;
	int rc = SQLITE_DONE;

	if (db_exec(db, "BEGIN IMMEDIATE", e) < 0)
		return -1;
	if (db_latest_version(db, &latest, e) < 0)
		goto fail;
	/* Every entry key of the target version or of the latest one. */
	if (db_prepare(db,
		       "SELECT key, (SELECT value FROM config_values t WHERE t.version = ?1 "
		       "AND t.key = k.key) FROM (SELECT key FROM config_values WHERE version IN "
		       "(?1, ?2) UNION SELECT key FROM staged WHERE user = ?3) k",
		       &st, e) < 0)
		goto fail;
	sqlite3_bind_int64(st, 1, version);
	sqlite3_bind_int64(st, 2, latest);
	sqlite3_bind_text(st, 3, user, -1, SQLITE_STATIC);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		const char *key = (const char *)sqlite3_column_text(st, 0);
		const char *value = (const char *)sqlite3_column_text(st, 1);
		const struct entry_kind *k = entry_kind_of_key(key, NULL);
		if (!k)
			continue; /* settings are staged by db_stage_changes */
		if (k->role > most)
			continue; /* e.g. user accounts: not part of a rollback */
		if (stage_entry(db, user, key, value, latest, e) < 0) {
			db_finish(db, st);
			goto fail;
		}
	}
	db_finish(db, st);
	if (rc != SQLITE_DONE) {
		db_sql_error(db, "staging entries", e);
		goto fail;
	}
	return db_exec(db, "COMMIT", e);
fail:
	db_exec(db, "ROLLBACK", NULL);
	return -1;
}

int db_staged_entries(struct db *db, const char *user, db_staged_entry_fn fn, void *arg,
		      struct err *e)
{
	sqlite3_stmt *st;
	int rc, stop = 0;

	if (db_prepare(db,
		       "SELECT s.key, c.value, s.value, s.deleted FROM staged s "
		       "LEFT JOIN config_values c ON c.key = s.key "
		       "AND c.version = (SELECT max(version) FROM config_versions) "
		       "WHERE s.user = ? ORDER BY s.key",
		       &st, e) < 0)
		return -1;
	sqlite3_bind_text(st, 1, user, -1, SQLITE_STATIC);
	while (!stop && (rc = sqlite3_step(st)) == SQLITE_ROW) {
		const char *key = (const char *)sqlite3_column_text(st, 0);
		if (!entry_kind_of_key(key, NULL))
			continue;
		stop = fn(key, (const char *)sqlite3_column_text(st, 1),
			  sqlite3_column_int(st, 3) ? NULL
						    : (const char *)sqlite3_column_text(st, 2),
			  arg);
	}
	db_finish(db, st);
	return stop || rc == SQLITE_DONE ? 0 : db_sql_error(db, "listing staged entries", e);
}

int db_tx_begin(struct db *db, struct err *e)
{
	return db_exec(db, "BEGIN IMMEDIATE", e);
}

int db_tx_commit(struct db *db, struct err *e)
{
	return db_exec(db, "COMMIT", e);
}

void db_tx_rollback(struct db *db)
{
	db_exec(db, "ROLLBACK", NULL);
}

int db_entry_changes(struct db *db, long old_version, long new_version, db_entry_change_fn fn,
		     void *arg, struct err *e)
{
	sqlite3_stmt *st;
	int rc, stop = 0;

	/* Settings share the table; only keys whose prefix is an entry kind count. */
	if (db_prepare(db,
		       "SELECT n.key, CASE WHEN o.key IS NULL THEN 'a' ELSE 'c' END "
		       "FROM config_values n LEFT JOIN config_values o "
		       "ON o.version = ?1 AND o.key = n.key "
		       "WHERE n.version = ?2 AND (o.key IS NULL OR o.value IS NOT n.value) "
		       "UNION ALL SELECT o.key, 'r' FROM config_values o "
		       "WHERE o.version = ?1 AND NOT EXISTS (SELECT 1 FROM config_values n "
		       "WHERE n.version = ?2 AND n.key = o.key) ORDER BY 1",
		       &st, e) < 0)
		return -1;
	sqlite3_bind_int64(st, 1, old_version);
	sqlite3_bind_int64(st, 2, new_version);
	while (!stop && (rc = sqlite3_step(st)) == SQLITE_ROW) {
		const char *key = (const char *)sqlite3_column_text(st, 0);
		const char *how = (const char *)sqlite3_column_text(st, 1);
		if (entry_kind_of_key(key, NULL))
			stop = fn(key, how[0], arg);
	}
	db_finish(db, st);
	if (!stop && rc != SQLITE_DONE)
		return db_sql_error(db, "comparing entries", e);
	return 0;
}

int db_entry_get_version(struct db *db, long version, const char *kind, const char *name,
			 char **value, struct err *e)
{
	char key[ENTRY_NAME_MAX + 64];

	*value = NULL;
	if (entry_key(kind, name, key, sizeof(key), e) < 0)
		return -1;
	if (version == 0 && db_latest_version(db, &version, e) < 0)
		return -1;
	return committed_value(db, version, key, value, e);
}

int db_entry_seed(struct db *db, const char *kind, const char *name, const char *value,
		  struct err *e)
{
	char key[ENTRY_NAME_MAX + 64];
	sqlite3_stmt *st;
	int rc;

	if (entry_key(kind, name, key, sizeof(key), e) < 0 || db_exec(db, "BEGIN IMMEDIATE", e) < 0)
		return -1;
	if (db_prepare(db,
		       "INSERT OR IGNORE INTO config_values(version, key, value) "
		       "SELECT DISTINCT version, ?1, ?2 FROM config_values",
		       &st, e) < 0) {
		db_exec(db, "ROLLBACK", NULL);
		return -1;
	}
	sqlite3_bind_text(st, 1, key, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, value, -1, SQLITE_STATIC);
	rc = sqlite3_step(st);
	db_finish(db, st);
	if (rc != SQLITE_DONE) {
		db_sql_error(db, "adding an entry", e);
		db_exec(db, "ROLLBACK", NULL);
		return -1;
	}
	return db_exec(db, "COMMIT", e);
}
