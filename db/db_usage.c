/* db_usage: writes and reads the tls_usage rollups (db/usage.h). */
#include "usage.h"

#include <stdio.h>

#include "db_internal.h"

int db_usage_add(struct db *db, const struct usage_table *t, struct err *e)
{
	sqlite3_stmt *st = NULL;
	size_t n = usage_table_count(t);

	if (n == 0)
		return 0;
	if (db_exec(db, "BEGIN IMMEDIATE", e) < 0)
		return -1;
	if (db_prepare(db,
		       "INSERT INTO tls_usage(service, hour, listener, peer, peer_name, version,"
		       "  cipher, grp, mode, outcome, reason, sessions)"
		       " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)"
		       " ON CONFLICT DO UPDATE SET sessions = sessions + excluded.sessions",
		       &st, e) < 0)
		goto fail;
	for (size_t i = 0; i < n; i++) {
		const struct usage_entry *en = usage_table_entry(t, i);
		const struct usage_key *k = &en->key;

		sqlite3_bind_text(st, 1, service_names(k->service)->key, -1, SQLITE_STATIC);
		sqlite3_bind_int64(st, 2, k->hour);
		sqlite3_bind_text(st, 3, k->listener, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 4, k->peer, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 5, k->peer_name, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 6, k->version, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 7, k->cipher, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 8, k->group, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 9, usage_mode_name(k->mode), -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 10, usage_outcome_name(k->outcome), -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 11, k->reason, -1, SQLITE_STATIC);
		sqlite3_bind_int64(st, 12, (sqlite3_int64)en->sessions);
		if (sqlite3_step(st) != SQLITE_DONE) {
			db_sql_error(db, "recording TLS usage", e);
			goto fail;
		}
		sqlite3_reset(st);
	}
	db_finish(db, st);
	st = NULL;
	if (db_exec(db, "COMMIT", e) < 0)
		goto fail;
	return 0;
fail:
	db_finish(db, st);
	db_exec(db, "ROLLBACK", NULL);
	return -1;
}

int db_usage_prune(struct db *db, long long before, long *deleted, struct err *e)
{
	sqlite3_stmt *st;
	int rc;

	/* One range per service: the primary key's prefix. */
	if (db_prepare(db,
		       "DELETE FROM tls_usage WHERE service IN ('gui', 'inbound', 'outbound')"
		       " AND hour < ?1",
		       &st, e) < 0)
		return -1;
	sqlite3_bind_int64(st, 1, before);
	rc = sqlite3_step(st);
	db_finish(db, st);
	if (rc != SQLITE_DONE)
		return db_sql_error(db, "pruning TLS usage", e);
	*deleted = (long)sqlite3_changes(db->sql);
	return 0;
}

/* How a peer is named to an admin. */
#define PEER_SQL "CASE WHEN service = 'inbound' AND peer_name <> '' THEN peer_name ELSE peer END"
#define WHERE    " FROM tls_usage WHERE service = ?1 AND hour >= ?2 "

static const char *const queries[] = {
	[USAGE_Q_IMPACT] = "SELECT outcome, version, cipher, " PEER_SQL " AS p, SUM(sessions)" WHERE
			   "GROUP BY outcome, version, cipher, p ORDER BY p",
	[USAGE_Q_CIPHERS] = "SELECT version, cipher, grp, SUM(sessions) AS n" WHERE
			    "AND outcome = 'success' GROUP BY version, cipher, grp"
			    " ORDER BY version DESC, n DESC, cipher, grp",
	[USAGE_Q_REASONS] = "SELECT reason, SUM(sessions) AS n" WHERE
			    "AND outcome = 'failed' GROUP BY reason ORDER BY n DESC, reason",
	[USAGE_Q_PEERS] = "SELECT version, " PEER_SQL " AS p, SUM(sessions) AS n" WHERE
			  "AND outcome = 'success' GROUP BY version, p"
			  " ORDER BY version DESC, n DESC, p",
	[USAGE_Q_COLUMNS] =
		"SELECT " PEER_SQL " AS p,"
		" SUM(CASE WHEN mode = 'required' AND outcome = 'failed' THEN sessions END),"
		" SUM(CASE WHEN mode = 'required' AND outcome = 'success' THEN sessions END),"
		" SUM(CASE WHEN mode <> 'required' AND outcome = 'failed' THEN sessions END),"
		" SUM(CASE WHEN mode <> 'required' AND outcome = 'success' THEN sessions END),"
		" SUM(CASE WHEN outcome = 'none' THEN sessions END),"
		" SUM(sessions) AS n" WHERE "GROUP BY p ORDER BY n DESC, p",
	[USAGE_Q_OUTCOMES] = "SELECT outcome, SUM(sessions)" WHERE "GROUP BY outcome",
	[USAGE_Q_DAILY] = "SELECT hour / 86400 * 86400 AS d, version, SUM(sessions)" WHERE
			  "AND outcome = 'success' GROUP BY d, version ORDER BY d",
};

static const char *text(sqlite3_stmt *st, int col)
{
	const unsigned char *s = sqlite3_column_text(st, col);

	return s ? (const char *)s : "";
}

static unsigned long long count(sqlite3_stmt *st, int col)
{
	sqlite3_int64 v = sqlite3_column_int64(st, col);

	return v > 0 ? (unsigned long long)v : 0;
}

static void read_row(enum usage_query q, sqlite3_stmt *st, struct usage_row *r)
{
	*r = (struct usage_row){ .outcome = -1 };
	r->version = r->cipher = r->group = r->reason = r->peer = "";
	switch (q) {
	case USAGE_Q_IMPACT:
		r->outcome = usage_outcome_parse(text(st, 0));
		r->version = text(st, 1);
		r->cipher = text(st, 2);
		r->peer = text(st, 3);
		r->sessions = count(st, 4);
		break;
	case USAGE_Q_CIPHERS:
		r->version = text(st, 0);
		r->cipher = text(st, 1);
		r->group = text(st, 2);
		r->sessions = count(st, 3);
		break;
	case USAGE_Q_REASONS:
		r->reason = text(st, 0);
		r->sessions = count(st, 1);
		break;
	case USAGE_Q_PEERS:
		r->version = text(st, 0);
		r->peer = text(st, 1);
		r->sessions = count(st, 2);
		break;
	case USAGE_Q_COLUMNS:
		r->peer = text(st, 0);
		for (int i = 0; i < USAGE_COL_COUNT; i++)
			r->n[i] = count(st, 1 + i);
		r->sessions = r->n[USAGE_COL_TOTAL];
		break;
	case USAGE_Q_OUTCOMES:
		r->outcome = usage_outcome_parse(text(st, 0));
		r->sessions = count(st, 1);
		break;
	case USAGE_Q_DAILY:
		r->day = sqlite3_column_int64(st, 0);
		r->version = text(st, 1);
		r->sessions = count(st, 2);
		break;
	}
}

int db_usage_query(struct db *db, enum usage_query q, enum tls_service_id service, long long since,
		   usage_row_fn fn, void *arg, struct err *e)
{
	sqlite3_stmt *st;
	struct usage_row r;
	int rc;

	if (db_prepare(db, queries[q], &st, e) < 0)
		return -1;
	sqlite3_bind_text(st, 1, service_names(service)->key, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, since);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		read_row(q, st, &r);
		if (fn(&r, arg))
			break;
	}
	db_finish(db, st);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		return db_sql_error(db, "reading TLS usage", e);
	return 0;
}
