/* test_entries: named, versioned entries (db/db_entries.c): staging, the
 * effective view, commit snapshots, deletion, conflicts and rollback staging. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../core/entries.h"
#include "../../db/db.h"
#include "tap.h"

struct listing {
	char text[4096];
};

static int collect(const char *name, const char *value, void *arg)
{
	struct listing *l = arg;
	size_t n = strlen(l->text);
	snprintf(l->text + n, sizeof(l->text) - n, "%s=%s;", name, value);
	return 0;
}

static const char *list(struct db *db, long version, const char *user, const char *kind)
{
	static struct listing l;
	struct err e;

	l.text[0] = '\0';
	if (db_entries_list(db, version, user, kind, collect, &l, &e) < 0)
		snprintf(l.text, sizeof(l.text), "error: %s", e.msg);
	return l.text;
}

static long commit(struct db *db, const char *user, struct err *e)
{
	long v = -1;
	if (db_commit(db, user, "t", 1, NULL, NULL, &v, e) < 0)
		return -1;
	return v;
}

int main(void)
{
	char home[] = "/tmp/tlsgate-entries.XXXXXX";
	struct db *db;
	struct err e;
	char *value;
	long v1, count;

	if (!mkdtemp(home) || db_open(home, &db, &e) < 0) {
		printf("not ok - cannot open a database\n");
		return 1;
	}
	CHECK(entry_kind_of_key("dest.example.com", NULL) != NULL, "dest.* is an entry key");
	CHECK(entry_kind_of_key("gui.methods", NULL) == NULL, "settings are not entries");
	CHECK(db_entry_stage(db, "alice", "nosuch", "x", "v", &e) < 0, "unknown kind refused");
	CHECK(db_entry_stage(db, "alice", "dest", "a b", "v", &e) < 0, "name with a space refused");

	CHECK(db_entry_stage(db, "alice", "dest", "example.com", "tls=on", &e) == 0,
	      "stage an entry");
	CHECK(db_entry_stage(db, "alice", "dest", "b.example", "tls=off", &e) == 0,
	      "stage another");
	CHECK(strcmp(list(db, 0, "alice", "dest"), "b.example=tls=off;example.com=tls=on;") == 0,
	      "alice sees her staged entries, sorted: %s", list(db, 0, "alice", "dest"));
	CHECK(strcmp(list(db, 0, "bob", "dest"), "") == 0, "bob does not");
	CHECK(strcmp(list(db, 0, NULL, "dest"), "") == 0, "nothing committed yet");
	CHECK(db_staged_count(db, "alice", &count, &e) == 0 && count == 2, "two staged rows");
	CHECK((v1 = commit(db, "alice", &e)) == 2, "commit makes version 2 (%s)", e.msg);
	CHECK(strcmp(list(db, 0, NULL, "dest"), "b.example=tls=off;example.com=tls=on;") == 0,
	      "entries committed");
	CHECK(strcmp(list(db, 1, NULL, "dest"), "") == 0, "version 1 unchanged");

	CHECK(db_entry_stage(db, "alice", "dest", "b.example", NULL, &e) == 0, "stage a deletion");
	CHECK(strcmp(list(db, 0, "alice", "dest"), "example.com=tls=on;") == 0,
	      "deleted entry hidden from alice's view");
	CHECK(db_entry_get(db, "alice", "dest", "b.example", &value, &e) == 0 && !value,
	      "get returns nothing for the deleted entry");
	CHECK(db_entry_get(db, NULL, "dest", "b.example", &value, &e) == 0 && value &&
		      strcmp(value, "tls=off") == 0,
	      "committed view still has it");
	free(value);
	CHECK(commit(db, "alice", &e) == 3, "commit the deletion");
	CHECK(strcmp(list(db, 0, NULL, "dest"), "example.com=tls=on;") == 0, "entry deleted");

	CHECK(db_entry_stage(db, "alice", "dest", "example.com", "tls=on", &e) == 0 &&
		      db_staged_count(db, "alice", &count, &e) == 0 && count == 0,
	      "staging the committed value unstages");

	/* Concurrent edits: different entries merge, the same entry conflicts. */
	db_entry_stage(db, "alice", "dest", "example.com", "tls=require", &e);
	db_entry_stage(db, "bob", "dest", "new.example", "tls=on", &e);
	CHECK(commit(db, "bob", &e) == 4, "bob commits another entry");
	CHECK(commit(db, "alice", &e) == 5, "alice's edit of a different entry merges (%s)", e.msg);
	CHECK(strcmp(list(db, 0, NULL, "dest"), "example.com=tls=require;new.example=tls=on;") == 0,
	      "both edits are in: %s", list(db, 0, NULL, "dest"));
	db_entry_stage(db, "alice", "dest", "example.com", "tls=off", &e);
	db_entry_stage(db, "bob", "dest", "example.com", "tls=on_verify", &e);
	CHECK(commit(db, "bob", &e) == 6, "bob commits example.com");
	CHECK(commit(db, "alice", &e) < 0 && strstr(e.msg, "dest.example.com") &&
		      strstr(e.msg, "bob in version 6"),
	      "alice's edit of the same entry is refused: %s", e.msg);
	db_clear_staged(db, "alice", &e);

	/* Rollback staging: version 3's entries come back exactly. */
	CHECK(db_stage_entries_of_version(db, "alice", 3, ROLE_ADMIN, &e) == 0,
	      "stage version 3's entries");
	CHECK(strcmp(list(db, 0, "alice", "dest"), "example.com=tls=on;") == 0,
	      "alice's view is version 3's: %s", list(db, 0, "alice", "dest"));
	CHECK(commit(db, "alice", &e) == 7, "commit the rollback");
	CHECK(strcmp(list(db, 0, NULL, "dest"), list(db, 3, NULL, "dest")) == 0,
	      "version 7 entries equal version 3's");

	db_close(db);
	char cmd[128];
	snprintf(cmd, sizeof(cmd), "rm -rf %s", home);
	if (system(cmd) != 0)
		return 1;
	return tap_done();
}
