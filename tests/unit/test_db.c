/* test_db: the SQLite store in a temporary home: file modes, WAL, schema
 * version, the first version, staging per user, save/restore of staged
 * edits, commit (nothing staged, validation failure) and durability. What the
 * store holds is read back through a second, plain SQLite connection. */
#define _GNU_SOURCE
#include <ftw.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "../../db/db.h"
#include "tap.h"

static char home[4096], dbfile[4200];

static int remove_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	return remove(path);
}

static void cleanup(void)
{
	if (home[0])
		nftw(home, remove_entry, 16, FTW_DEPTH | FTW_PHYS);
}

/* One integer (or -1) from a query run on a separate connection. */
static long q_long(const char *sql)
{
	sqlite3 *h;
	sqlite3_stmt *st;
	long v = -1;

	if (sqlite3_open_v2(dbfile, &h, SQLITE_OPEN_READONLY, NULL) != SQLITE_OK)
		return -1;
	if (sqlite3_prepare_v2(h, sql, -1, &st, NULL) == SQLITE_OK) {
		if (sqlite3_step(st) == SQLITE_ROW && sqlite3_column_type(st, 0) != SQLITE_NULL)
			v = (long)sqlite3_column_int64(st, 0);
		sqlite3_finalize(st);
	}
	sqlite3_close(h);
	return v;
}

/* One text value ("" when none) from a separate connection. */
static const char *q_text(const char *sql)
{
	static char buf[2048];
	sqlite3 *h;
	sqlite3_stmt *st;

	buf[0] = '\0';
	if (sqlite3_open_v2(dbfile, &h, SQLITE_OPEN_READONLY, NULL) != SQLITE_OK)
		return buf;
	if (sqlite3_prepare_v2(h, sql, -1, &st, NULL) == SQLITE_OK) {
		if (sqlite3_step(st) == SQLITE_ROW && sqlite3_column_text(st, 0))
			snprintf(buf, sizeof(buf), "%s", (const char *)sqlite3_column_text(st, 0));
		sqlite3_finalize(st);
	}
	sqlite3_close(h);
	return buf;
}

static int q_exec(const char *sql)
{
	sqlite3 *h;
	int rc;

	if (sqlite3_open_v2(dbfile, &h, SQLITE_OPEN_READWRITE, NULL) != SQLITE_OK)
		return -1;
	sqlite3_busy_timeout(h, 5000);
	rc = sqlite3_exec(h, sql, NULL, NULL, NULL);
	sqlite3_close(h);
	return rc == SQLITE_OK ? 0 : -1;
}

/* A digest of every committed row, to prove that nothing was written. */
static const char *committed_digest(void)
{
	return q_text("SELECT count(*) || '/' || coalesce(sum(length(key) + length(value)), 0) || "
		      "'/' || (SELECT count(*) || '/' || max(version) FROM config_versions) "
		      "FROM config_values");
}

static const char *staged_value(const char *user, const char *key)
{
	char sql[512];

	snprintf(sql, sizeof(sql), "SELECT value FROM staged WHERE user = '%s' AND key = '%s'",
		 user, key);
	return q_text(sql);
}

static long staged(struct db *db, const char *user)
{
	long n = -1;
	struct err e;

	if (db_staged_count(db, user, &n, &e) < 0)
		return -1;
	return n;
}

static long latest(struct db *db)
{
	long v = -1;
	struct err e;

	db_latest_version(db, &v, &e);
	return v;
}

/* The value of `key` in `c`, as stored. */
static const char *get(const struct config *c, const char *key)
{
	static char buf[4][CONFIG_CIPHERS_MAX];
	static int turn;
	struct strbuf sb;
	char *out = buf[turn++ % 4];

	strbuf_init(&sb);
	config_get(c, config_find_setting(key), &sb);
	snprintf(out, CONFIG_CIPHERS_MAX, "%s", sb.data);
	strbuf_free(&sb);
	return out;
}

/* What an operation does: load USER's effective config, show it (seen), set
 * one key, stage the change. */
static int stage(struct db *db, const char *user, const char *key, const char *value)
{
	struct config seen, c;
	struct err e;

	if (db_load_effective(db, user, &seen, &e) < 0)
		return -1;
	memcpy(&c, &seen, sizeof(c));
	if (config_set(&c, key, value, &e) < 0 || db_stage_changes(db, user, &seen, &c, &e) < 0) {
		printf("# stage %s %s=%s: %s\n", user, key, value, e.msg);
		return -1;
	}
	return 0;
}

static const char *effective(struct db *db, const char *user, const char *key)
{
	struct config c;
	struct err e;

	if (db_load_effective(db, user, &c, &e) < 0)
		return "(error)";
	return get(&c, key);
}

static const char *committed(struct db *db, long version, const char *key)
{
	struct config c;
	struct err e;

	if (db_load_config(db, version, &c, &e) < 0)
		return "(error)";
	return get(&c, key);
}

static void check_mode(const char *path, unsigned want, int must_exist)
{
	struct stat st;

	if (stat(path, &st) < 0) {
		if (!must_exist)
			return;
		CHECK(0, "%s exists", path);
		return;
	}
	CHECK((st.st_mode & 07777) == want, "%s has mode %04o (%04o)", path, want,
	      (unsigned)(st.st_mode & 07777));
}

static void open_and_schema(struct db **db)
{
	struct err e;
	char path[4300];
	struct config c, d;
	struct commit_info ci;
	int same = 1;

	CHECK(db_open(home, db, &e) == 0, "db_open creates a database in an empty home");
	CHECK(strcmp(db_path(*db), dbfile) == 0, "db_path is HOME/config.db (%s)", db_path(*db));
	check_mode(dbfile, 0600, 1);
	CHECK(strcmp(q_text("PRAGMA journal_mode"), "wal") == 0, "journal_mode is wal (%s)",
	      q_text("PRAGMA journal_mode"));
	CHECK(q_long("PRAGMA user_version") >= 1, "user_version records the schema (%ld)",
	      q_long("PRAGMA user_version"));
	CHECK(q_long("SELECT count(*) FROM sqlite_master WHERE name IN ('config_versions', "
		     "'config_values', 'staged')") == 3,
	      "the three tables exist");
	CHECK(latest(*db) == 1, "a new database holds version 1");
	CHECK(db_version_info(*db, 1, &ci, &e) == 0 && strcmp(ci.user, "system") == 0 &&
		      strcmp(ci.comment, "Initial configuration") == 0,
	      "version 1 is by \"system\", \"Initial configuration\"");
	CHECK(db_load_config(*db, 1, &c, &e) == 0, "version 1 loads");
	config_defaults(&d);
	for (size_t i = 0; i < config_settings_count; i++)
		if (strcmp(config_settings[i].key, "system.hostname") != 0 &&
		    strcmp(get(&c, config_settings[i].key), get(&d, config_settings[i].key)) != 0)
			same = 0;
	CHECK(same, "version 1 holds the defaults");
	CHECK(config_check_hostname(c.hostname, &e) == 0, "version 1 has a valid host name (%s)",
	      c.hostname);
	CHECK(q_long("SELECT count(*) FROM config_values WHERE version = 1") ==
		      (long)config_settings_count,
	      "version 1's snapshot has one row per setting");
	CHECK(staged(*db, "alice") == 0, "nothing staged at first");
	CHECK(db_version_info(*db, 99, &ci, &e) == -1, "an unknown version has no info");
	/* the WAL files, once the database has been written, are private too */
	snprintf(path, sizeof(path), "%s-wal", dbfile);
	check_mode(path, 0600, 1);
	snprintf(path, sizeof(path), "%s-shm", dbfile);
	check_mode(path, 0600, 1);
}

static void stage_and_clear(struct db *db)
{
	struct err e;

	CHECK(stage(db, "alice", "inbound.methods", "tlsv1_1tlsv1_2tlsv1_3") == 0,
	      "alice stages inbound 1-3");
	CHECK(staged(db, "alice") == 1, "one staged row");
	CHECK(strcmp(staged_value("alice", "inbound.methods"), "tlsv1_1tlsv1_2tlsv1_3") == 0,
	      "the row holds the stored spelling");
	CHECK(q_long("SELECT base_version FROM staged WHERE user = 'alice'") == 1,
	      "the row records the version it was based on");
	CHECK(strcmp(effective(db, "alice", "inbound.methods"), "tlsv1_1tlsv1_2tlsv1_3") == 0,
	      "alice's effective config shows the edit");
	CHECK(strcmp(committed(db, 0, "inbound.methods"), "tlsv1_1tlsv1_2") == 0,
	      "the committed config does not");
	CHECK(latest(db) == 1, "staging writes no version");

	CHECK(stage(db, "alice", "gui.renegotiation", "disabled") == 0 && staged(db, "alice") == 2,
	      "a second setting is a second row");
	CHECK(stage(db, "alice", "gui.renegotiation", "enabled") == 0 && staged(db, "alice") == 1 &&
		      strcmp(staged_value("alice", "gui.renegotiation"), "") == 0,
	      "setting it back to the committed value unstages it");
	CHECK(stage(db, "alice", "inbound.methods", "tlsv1_2") == 0 && staged(db, "alice") == 1 &&
		      strcmp(staged_value("alice", "inbound.methods"), "tlsv1_2") == 0,
	      "editing a staged setting again replaces its row");
	CHECK(db_clear_staged(db, "alice", &e) == 0 && staged(db, "alice") == 0,
	      "clear removes alice's rows");
	CHECK(strcmp(effective(db, "alice", "inbound.methods"), "tlsv1_1tlsv1_2") == 0,
	      "after clear alice sees the committed value");
	CHECK(db_clear_staged(db, "alice", &e) == 0, "clear with nothing staged is fine");
}

static void commit_basic(struct db *db)
{
	struct commit_info ci;
	struct err e = { "" };
	long v = -1, before = latest(db);
	char digest[256];
	time_t now = time(NULL);

	snprintf(digest, sizeof(digest), "%s", committed_digest());
	CHECK(db_commit(db, "alice", "nothing", 1, NULL, NULL, &v, &e) == -1 &&
		      strcmp(e.msg, "There is no data to commit.") == 0,
	      "commit with nothing staged: \"There is no data to commit.\" (%s)", e.msg);
	CHECK(latest(db) == before && strcmp(committed_digest(), digest) == 0,
	      "and nothing was written");

	stage(db, "alice", "inbound.methods", "tlsv1_1tlsv1_2tlsv1_3");
	CHECK(db_commit(db, "alice", "tls13 inbound", 1, NULL, NULL, &v, &e) == 0 &&
		      v == before + 1,
	      "commit writes version %ld (%ld) %s", before + 1, v, e.msg);
	CHECK(latest(db) == v && staged(db, "alice") == 0, "it is the latest; nothing staged");
	CHECK(strcmp(committed(db, 0, "inbound.methods"), "tlsv1_1tlsv1_2tlsv1_3") == 0,
	      "the latest config has the edit");
	CHECK(strcmp(committed(db, before, "inbound.methods"), "tlsv1_1tlsv1_2") == 0,
	      "the previous version is unchanged");
	CHECK(db_version_info(db, v, &ci, &e) == 0 && strcmp(ci.user, "alice") == 0 &&
		      strcmp(ci.comment, "tls13 inbound") == 0 && ci.time >= now - 5 &&
		      ci.time <= time(NULL) + 5,
	      "the history row names alice, the comment and the time");
	{
		char sql[128];
		snprintf(sql, sizeof(sql), "SELECT count(*) FROM config_values WHERE version = %ld",
			 v);
		CHECK(q_long(sql) == (long)config_settings_count,
		      "the new version is a full snapshot (%ld rows)", q_long(sql));
	}
}

static void two_users(struct db *db)
{
	struct err e;
	long v;

	stage(db, "alice", "inbound.methods", "tlsv1_2");
	stage(db, "bob", "gui.ciphers", "HIGH:!aNULL");
	stage(db, "bob", "sslconfig.peer_cert_fqdn", "enabled");
	CHECK(staged(db, "alice") == 1 && staged(db, "bob") == 2, "alice has 1 row, bob 2");
	CHECK(strcmp(effective(db, "alice", "gui.ciphers"), committed(db, 0, "gui.ciphers")) == 0 &&
		      strcmp(effective(db, "alice", "sslconfig.peer_cert_fqdn"), "disabled") == 0,
	      "alice does not see bob's edits");
	CHECK(strcmp(effective(db, "bob", "inbound.methods"), "tlsv1_1tlsv1_2tlsv1_3") == 0,
	      "bob does not see alice's edit");
	CHECK(staged(db, "carol") == 0, "a third user has nothing staged");

	CHECK(db_commit(db, "alice", "alice only", 1, NULL, NULL, &v, &e) == 0,
	      "alice commits her edit");
	CHECK(strcmp(committed(db, v, "inbound.methods"), "tlsv1_2") == 0 &&
		      strcmp(committed(db, v, "gui.ciphers"), "HIGH:!aNULL") != 0 &&
		      strcmp(committed(db, v, "sslconfig.peer_cert_fqdn"), "disabled") == 0,
	      "alice's commit carries none of bob's edits");
	CHECK(staged(db, "bob") == 2, "bob's edits are still staged");
	CHECK(strcmp(effective(db, "bob", "inbound.methods"), "tlsv1_2") == 0 &&
		      strcmp(effective(db, "bob", "gui.ciphers"), "HIGH:!aNULL") == 0,
	      "bob now sees alice's commit under his own edits");

	stage(db, "alice", "sslconfig.peer_cert_x509", "enabled");
	CHECK(db_clear_staged(db, "alice", &e) == 0 && staged(db, "bob") == 2,
	      "alice's clear leaves bob's edits");
	CHECK(db_commit(db, "bob", "bob", 1, NULL, NULL, &v, &e) == 0 &&
		      strcmp(committed(db, v, "gui.ciphers"), "HIGH:!aNULL") == 0 &&
		      strcmp(committed(db, v, "inbound.methods"), "tlsv1_2") == 0 &&
		      strcmp(committed(db, v, "sslconfig.peer_cert_x509"), "disabled") == 0,
	      "bob's commit has his edits on top of alice's, without alice's cleared one");

	stage(db, "alice", "outbound.methods", "tlsv1_2");
	stage(db, "bob", "outbound.methods", "tlsv1_2tlsv1_3");
	CHECK(strcmp(effective(db, "alice", "outbound.methods"), "tlsv1_2") == 0 &&
		      strcmp(effective(db, "bob", "outbound.methods"), "tlsv1_2tlsv1_3") == 0,
	      "the same setting staged by both: each sees their own value");

	/* alice commits first; bob's edit of the same setting must not silently
	 * overwrite hers */
	{
		long before;
		char digest[256];
		CHECK(db_commit(db, "alice", "outbound 1.2", 1, NULL, NULL, &v, &e) == 0,
		      "alice commits her outbound edit");
		before = latest(db);
		snprintf(digest, sizeof(digest), "%s", committed_digest());
		e.msg[0] = '\0';
		CHECK(db_commit(db, "bob", "outbound 1.2-1.3", 1, NULL, NULL, &v, &e) == -1 &&
			      strstr(e.msg, "Outbound SMTP method") && strstr(e.msg, "alice"),
		      "bob's commit over alice's change is refused, naming both (%s)", e.msg);
		CHECK(latest(db) == before && strcmp(committed_digest(), digest) == 0 &&
			      staged(db, "bob") == 1,
		      "nothing written; bob's edit still staged");
		CHECK(strcmp(committed(db, 0, "outbound.methods"), "tlsv1_2") == 0,
		      "alice's value stands");
	}
	db_clear_staged(db, "alice", &e);
	db_clear_staged(db, "bob", &e);
}

static void save_restore(struct db *db)
{
	struct staged_snapshot *snap = NULL, *empty = NULL;
	struct err e;

	CHECK(db_staged_save(db, "alice", &empty, &e) == 0, "save of nothing staged");
	stage(db, "alice", "sslconfig.other_client_tlsv10", "enabled");
	stage(db, "bob", "gui.renegotiation", "disabled");
	CHECK(db_staged_save(db, "alice", &snap, &e) == 0, "save alice's one edit");
	stage(db, "alice", "sslconfig.peer_cert_x509", "enabled");
	stage(db, "alice", "sslconfig.other_client_tlsv10", "disabled");
	CHECK(staged(db, "alice") == 1 &&
		      strcmp(staged_value("alice", "sslconfig.peer_cert_x509"), "enabled") == 0,
	      "later edits changed alice's rows");
	CHECK(db_staged_restore(db, "alice", snap, &e) == 0, "restore");
	CHECK(staged(db, "alice") == 1 &&
		      strcmp(staged_value("alice", "sslconfig.other_client_tlsv10"), "enabled") ==
			      0 &&
		      strcmp(staged_value("alice", "sslconfig.peer_cert_x509"), "") == 0,
	      "restore puts back exactly the saved rows");
	CHECK(staged(db, "bob") == 1, "restore does not touch bob's rows");
	CHECK(db_staged_restore(db, "alice", empty, &e) == 0 && staged(db, "alice") == 0,
	      "restoring an empty snapshot unstages everything of alice's");
	CHECK(staged(db, "bob") == 1, "still not bob's");
	db_staged_snapshot_free(snap);
	db_staged_snapshot_free(empty);
	db_staged_snapshot_free(NULL);
	db_clear_staged(db, "bob", &e);
}

struct validate_probe {
	int calls;
	int fail;
	char methods_seen[64];
};

static int validate(const struct config *c, void *arg, struct err *e)
{
	struct validate_probe *p = arg;

	p->calls++;
	snprintf(p->methods_seen, sizeof(p->methods_seen), "%s", get(c, "outbound.methods"));
	if (p->fail)
		return err_set(e, "refused by the test");
	return 0;
}

static void commit_validation(struct db *db)
{
	struct validate_probe probe = { 0, 1, "" };
	struct err e = { "" };
	long v = -1, before = latest(db);
	char digest[256];

	stage(db, "alice", "outbound.methods", "tlsv1_3");
	snprintf(digest, sizeof(digest), "%s", committed_digest());
	CHECK(db_commit(db, "alice", "x", 1, validate, &probe, &v, &e) == -1 &&
		      strcmp(e.msg, "refused by the test") == 0 && v == -1,
	      "a failing validation fails the commit with its message (%s)", e.msg);
	CHECK(probe.calls == 1 && strcmp(probe.methods_seen, "tlsv1_3") == 0,
	      "validation saw the config about to be written (%s)", probe.methods_seen);
	CHECK(latest(db) == before && strcmp(committed_digest(), digest) == 0,
	      "version and tables unchanged (%s)", committed_digest());
	CHECK(staged(db, "alice") == 1, "the edit is still staged");
	probe.fail = 0;
	CHECK(db_commit(db, "alice", "x", 1, validate, &probe, &v, &e) == 0 && v == before + 1 &&
		      probe.calls == 2,
	      "once validation passes the commit lands");
	CHECK(strcmp(committed(db, 0, "outbound.methods"), "tlsv1_3") == 0, "with the edit");
}

static void reopen_and_damage(struct db **db)
{
	struct err e = { "" };
	struct config c;
	struct db *other = NULL;
	long v = latest(*db), uv = q_long("PRAGMA user_version");

	stage(*db, "alice", "sslconfig.peer_cert_x509", "enabled");
	db_close(*db);
	*db = NULL;
	CHECK(db_open(home, db, &e) == 0, "reopen");
	CHECK(latest(*db) == v && q_long("PRAGMA user_version") == uv,
	      "reopening keeps the versions and the schema version");
	CHECK(staged(*db, "alice") == 1, "staged edits survive closing the database");
	CHECK(q_long("SELECT count(*) FROM config_versions WHERE version = 1") == 1,
	      "version 1 was not seeded twice");
	check_mode(dbfile, 0600, 1);

	/* a database from a newer tlsgate is refused, not migrated down */
	db_close(*db);
	*db = NULL;
	q_exec("PRAGMA user_version = 9999");
	CHECK(db_open(home, &other, &e) == -1 && strstr(e.msg, "newer"),
	      "a newer schema is refused (%s)", e.msg);
	{
		char sql[64];
		snprintf(sql, sizeof(sql), "PRAGMA user_version = %ld", uv);
		q_exec(sql);
	}
	CHECK(db_open(home, db, &e) == 0, "back to the right schema, it opens again");

	/* a stored value this release cannot parse is reported, not used */
	q_exec("UPDATE config_values SET value = 'tlsv1_0tlsv1_2' WHERE key = 'gui.methods' AND "
	       "version = (SELECT max(version) FROM config_versions)");
	CHECK(db_load_config(*db, 0, &c, &e) == -1 && strstr(e.msg, "damaged"),
	      "a damaged stored value is reported (%s)", e.msg);
}

int main(void)
{
	const char *tmp = getenv("TMPDIR");
	struct db *db = NULL;

	umask(0); /* the modes must come from tlsgate, not from the umask */
	snprintf(home, sizeof(home), "%s/tlsgate-unit-db.XXXXXX", tmp && *tmp ? tmp : "/tmp");
	if (!mkdtemp(home)) {
		perror("mkdtemp");
		return 1;
	}
	atexit(cleanup);
	snprintf(dbfile, sizeof(dbfile), "%s/config.db", home);

	open_and_schema(&db);
	stage_and_clear(db);
	commit_basic(db);
	two_users(db);
	save_restore(db);
	commit_validation(db);
	reopen_and_damage(&db);
	db_close(db);
	return tap_done();
}
