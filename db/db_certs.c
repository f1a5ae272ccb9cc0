/* db_certs: certificate profiles (PEM certificate, private key, chain) in the
 * `certificates` table. Text in, text out: parsing belongs to tlsengine/. */
#define _GNU_SOURCE /* explicit_bzero */
#include "db_internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static char *column_dup(sqlite3_stmt *st, int col)
{
	const char *text = (const char *)sqlite3_column_text(st, col);
	return strdup(text ? text : "");
}

static void wipe_free(char *s)
{
	if (!s)
		return;
	explicit_bzero(s, strlen(s));
	free(s);
}

void db_cert_free(struct db_cert *c)
{
	if (!c)
		return;
	free(c->cert_pem);
	wipe_free(c->key_pem);
	free(c->chain_pem);
	free(c);
}

int db_cert_get(struct db *db, const char *name, struct db_cert **out, struct err *e)
{
	sqlite3_stmt *st;
	struct db_cert *c = NULL;
	int rc;

	*out = NULL;
	if (db_prepare(db,
		       "SELECT name, cert_pem, key_pem, chain_pem, created FROM certificates "
		       "WHERE name = ?",
		       &st, e) < 0)
		return -1;
	sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		c = calloc(1, sizeof(*c));
		if (c) {
			snprintf(c->name, sizeof(c->name), "%s", sqlite3_column_text(st, 0));
			c->cert_pem = column_dup(st, 1);
			c->key_pem = column_dup(st, 2);
			c->chain_pem = column_dup(st, 3);
			c->created = (time_t)sqlite3_column_int64(st, 4);
		}
		if (!c || !c->cert_pem || !c->key_pem || !c->chain_pem) {
			sqlite3_finalize(st);
			db_cert_free(c);
			return err_set(e, "Out of memory.");
		}
	}
	sqlite3_finalize(st);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		return db_sql_error(db, "reading a certificate", e);
	*out = c;
	return 0;
}

int db_cert_put(struct db *db, const struct db_cert *c, int replace, struct err *e)
{
	sqlite3_stmt *st;
	int rc;

	if (db_prepare(db,
		       replace ? "INSERT OR REPLACE INTO certificates(name, cert_pem, key_pem, "
				 "chain_pem, created) VALUES (?, ?, ?, ?, ?)"
			       : "INSERT OR IGNORE INTO certificates(name, cert_pem, key_pem, "
				 "chain_pem, created) VALUES (?, ?, ?, ?, ?)",
		       &st, e) < 0)
		return -1;
	sqlite3_bind_text(st, 1, c->name, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, c->cert_pem, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, c->key_pem, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 4, c->chain_pem ? c->chain_pem : "", -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 5, (sqlite3_int64)c->created);
	rc = sqlite3_step(st);
	sqlite3_finalize(st);
	return rc == SQLITE_DONE ? 0 : db_sql_error(db, "storing a certificate", e);
}
