/* db_stmt: a small cache of prepared statements per connection. Every query
 * text is a constant of db/, so the same few dozen statements are parsed
 * again and again (a commit's prepare and the daemon's apply each ran ~60);
 * keeping them reset between uses saves that parse. A statement is taken
 * out of the cache while in use, so a query nested in its own loop gets a
 * fresh one. Not thread-safe, like the connection it belongs to. */
#include <string.h>

#include "db_internal.h"

int db_prepare(struct db *db, const char *sql, sqlite3_stmt **st, struct err *e)
{
	for (int i = 0; i < DB_STMT_CACHE; i++) {
		sqlite3_stmt *c = db->stmt_cache[i];
		if (c && strcmp(sqlite3_sql(c), sql) == 0) {
			db->stmt_cache[i] = NULL;
			*st = c;
			return 0;
		}
	}
	if (sqlite3_prepare_v2(db->sql, sql, -1, st, NULL) != SQLITE_OK)
		return db_sql_error(db, "preparing a query", e);
	return 0;
}

void db_finish(struct db *db, sqlite3_stmt *st)
{
	if (!st)
		return;
	/* reset ends the statement's read transaction; its result (the last
	 * step's error) was already seen by the caller. */
	sqlite3_reset(st);
	sqlite3_clear_bindings(st);
	for (int i = 0; i < DB_STMT_CACHE; i++) {
		if (!db->stmt_cache[i]) {
			db->stmt_cache[i] = st;
			return;
		}
	}
	sqlite3_finalize(st);
}

void db_stmt_cache_free(struct db *db)
{
	for (int i = 0; i < DB_STMT_CACHE; i++) {
		sqlite3_finalize(db->stmt_cache[i]);
		db->stmt_cache[i] = NULL;
	}
}
