/* db: opening the database, its schema migrations and first-start contents. */
#include "db_internal.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* Each entry moves the schema from version i to i+1 (PRAGMA user_version).
 * Entries are only ever appended. */
static const char *const migrations[] = {
	"CREATE TABLE config_versions ("
	"  version INTEGER PRIMARY KEY,"
	"  user TEXT NOT NULL,"
	"  time INTEGER NOT NULL,"
	"  comment TEXT NOT NULL DEFAULT '',"
	"  saved_for_rollback INTEGER NOT NULL DEFAULT 1);"
	"CREATE TABLE config_values ("
	"  version INTEGER NOT NULL REFERENCES config_versions(version) ON DELETE CASCADE,"
	"  key TEXT NOT NULL,"
	"  value TEXT NOT NULL,"
	"  PRIMARY KEY (version, key)) WITHOUT ROWID;"
	"CREATE TABLE staged ("
	"  user TEXT NOT NULL,"
	"  key TEXT NOT NULL,"
	"  value TEXT NOT NULL,"
	"  base_version INTEGER NOT NULL,"
	"  base_value TEXT NOT NULL,"
	"  deleted INTEGER NOT NULL DEFAULT 0,"
	"  staged_at INTEGER NOT NULL,"
	"  PRIMARY KEY (user, key)) WITHOUT ROWID;",
	/* 2: certificate profiles; the engines create "Demo" on first start. */
	"CREATE TABLE certificates ("
	"  name TEXT PRIMARY KEY,"
	"  cert_pem TEXT NOT NULL,"
	"  key_pem TEXT NOT NULL,"
	"  chain_pem TEXT NOT NULL DEFAULT '',"
	"  created INTEGER NOT NULL);",
	/* 3: commit confirmed. A version listed here is reverted to `previous`
	 * at `deadline` (unix time) unless a later plain commit confirms it. */
	"CREATE TABLE pending_confirm ("
	"  version INTEGER PRIMARY KEY,"
	"  previous INTEGER NOT NULL,"
	"  deadline INTEGER NOT NULL,"
	"  user TEXT NOT NULL);",
	/* 4: one certificate store: profiles become committed entries "cert.NAME"
	 * (certificate, intermediates, key: tls/cert_profile.h) in every
	 * kept snapshot, and the table of migration 2 goes. */
	"INSERT OR IGNORE INTO config_values(version, key, value) "
	"  SELECT v.version, 'cert.' || c.name, c.cert_pem || c.chain_pem || c.key_pem "
	"  FROM certificates c, (SELECT DISTINCT version FROM config_values) v;"
	"DROP TABLE certificates;",
	/* 5: TLS usage (issue 17): hourly rollups of every TLS outcome, written
	 * by tlsgated (db/db_usage.c), read by tlsconnections and the commit's
	 * prediction (service and hour first: both ask for one service's
	 * recent hours). */
	"CREATE TABLE tls_usage ("
	"  service TEXT NOT NULL,"
	"  hour INTEGER NOT NULL,"
	"  listener TEXT NOT NULL,"
	"  peer TEXT NOT NULL,"
	"  peer_name TEXT NOT NULL,"
	"  version TEXT NOT NULL,"
	"  cipher TEXT NOT NULL,"
	"  grp TEXT NOT NULL,"
	"  mode TEXT NOT NULL,"
	"  outcome TEXT NOT NULL,"
	"  reason TEXT NOT NULL,"
	"  sessions INTEGER NOT NULL,"
	"  PRIMARY KEY (service, hour, listener, peer, peer_name, version, cipher, grp, mode,"
	"    outcome, reason)) WITHOUT ROWID;",
};
#define MIGRATION_COUNT ((int)(sizeof(migrations) / sizeof(migrations[0])))

int db_sql_error(struct db *db, const char *what, struct err *e)
{
	return err_set(e, "Database error while %s: %s", what, sqlite3_errmsg(db->sql));
}

int db_exec(struct db *db, const char *sql, struct err *e)
{
	char *msg = NULL;

	if (sqlite3_exec(db->sql, sql, NULL, NULL, &msg) != SQLITE_OK) {
		err_set(e, "Database error: %s", msg ? msg : "unknown");
		sqlite3_free(msg);
		return -1;
	}
	return 0;
}

static int get_user_version(struct db *db, int *v, struct err *e)
{
	sqlite3_stmt *st;

	if (db_prepare(db, "PRAGMA user_version", &st, e) < 0)
		return -1;
	*v = sqlite3_step(st) == SQLITE_ROW ? sqlite3_column_int(st, 0) : 0;
	db_finish(db, st);
	return 0;
}

static void initial_hostname(char *buf, size_t len)
{
	struct err ignored;

	if (gethostname(buf, len) != 0 || config_check_hostname(buf, &ignored) < 0)
		snprintf(buf, len, "%s", "tlsgate");
}

static int seed_first_version(struct db *db, struct err *e)
{
	struct config c;

	config_defaults(&c);
	initial_hostname(c.hostname, sizeof(c.hostname));
	if (db_insert_version(db, 1, "system", "Initial configuration", 1, e) < 0)
		return -1;
	return db_write_snapshot(db, 1, &c, e);
}

static int migrate(struct db *db, struct err *e)
{
	int have;
	char sql[64];

	/* Up to date (every open but the first): no write transaction, so no
	 * fsync of the WAL and the directory on every shell start. */
	if (get_user_version(db, &have, e) < 0)
		return -1;
	if (have == MIGRATION_COUNT)
		return 0;
	if (db_exec(db, "BEGIN IMMEDIATE", e) < 0)
		return -1;
	if (get_user_version(db, &have, e) < 0)
		goto fail;
	if (have > MIGRATION_COUNT) {
		err_set(e, "The database %s was written by a newer tlsgate (schema %d).", db->path,
			have);
		goto fail;
	}
	for (int v = have; v < MIGRATION_COUNT; v++)
		if (db_exec(db, migrations[v], e) < 0)
			goto fail;
	if (have == 0 && seed_first_version(db, e) < 0)
		goto fail;
	snprintf(sql, sizeof(sql), "PRAGMA user_version = %d", MIGRATION_COUNT);
	if (db_exec(db, sql, e) < 0 || db_exec(db, "COMMIT", e) < 0)
		goto fail;
	return 0;
fail:
	db_exec(db, "ROLLBACK", NULL);
	return -1;
}

int db_home_shared(const char *home)
{
	struct stat st;

	return stat(home, &st) == 0 && S_ISDIR(st.st_mode) && (st.st_mode & 02777) == 02770;
}

const char *db_default_home(char *buf, size_t len)
{
	const char *env = getenv("TLSGATE_HOME"), *h = getenv("HOME");

	if (env && env[0])
		return env;
	snprintf(buf, len, "%s/.tlsgate", h && h[0] ? h : ".");
	return buf;
}

/* The home holds the database and keys: created 0700, and restricted to 0700
 * when others can reach into it, unless it is a group-shared home (2770, see
 * db_home_shared). Files created afterwards get the matching mode (umask). */
int db_prepare_home(const char *home, struct err *e)
{
	struct stat st;
	int shared;

	if (mkdir(home, 0700) < 0 && errno != EEXIST)
		return err_set(e, "Cannot create %.200s: %s.", home, strerror(errno));
	if (stat(home, &st) < 0 || !S_ISDIR(st.st_mode))
		return err_set(e, "%.200s is not a directory.", home);
	shared = db_home_shared(home);
	if (!shared && (st.st_mode & 077) && st.st_uid == geteuid() && chmod(home, 0700) < 0)
		return err_set(e, "Cannot restrict %.200s to mode 0700: %s.", home,
			       strerror(errno));
	umask(shared ? 007 : 077);
	return 0;
}

int db_open(const char *home, struct db **out, struct err *e)
{
	struct db *db = calloc(1, sizeof(*db));
	mode_t old_mask;
	int rc, shared;

	if (!db)
		return err_set(e, "Out of memory.");
	if (snprintf(db->path, sizeof(db->path), "%s/config.db", home) >= (int)sizeof(db->path)) {
		free(db);
		return err_set(e, "The home directory path is too long.");
	}
	/* SQLite creates the -wal and -shm files later with the database's mode. */
	shared = db_home_shared(home);
	old_mask = umask(shared ? 007 : 077);
	rc = sqlite3_open_v2(db->path, &db->sql,
			     SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOFOLLOW,
			     NULL);
	umask(old_mask);
	if (rc != SQLITE_OK) {
		err_set(e, "Cannot open %s: %s", db->path,
			db->sql ? sqlite3_errmsg(db->sql) : "out of memory");
		sqlite3_close(db->sql);
		free(db);
		return -1;
	}
	chmod(db->path, shared ? 0660 : 0600); /* fails harmlessly for a non-owner */
	sqlite3_busy_timeout(db->sql, 5000);
	if (db_exec(db,
		    "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL; "
		    "PRAGMA foreign_keys=ON;",
		    e) < 0 ||
	    migrate(db, e) < 0) {
		db_close(db);
		return -1;
	}
	*out = db;
	return 0;
}

void db_close(struct db *db)
{
	if (!db)
		return;
	db_stmt_cache_free(db);
	sqlite3_close(db->sql);
	free(db->view);
	free(db);
}

const char *db_path(const struct db *db)
{
	return db->path;
}
