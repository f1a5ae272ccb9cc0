/* store: the committed store, the commit plan's write step (tls/commit_plan.c).
 * Two implementations of one thing:
 *   local    SQLite alone (db_commit): today's behaviour, a standalone machine
 *   cluster  the same SQLite transaction, and before its COMMIT one etcd
 *            transaction: "the cluster is still at BASE" -> put the new
 *            version. etcd refusing or not answering rolls the local
 *            transaction back, so nothing is half-written; SQLite stays this
 *            member's local copy, which its tlsgated serves when etcd is down.
 * A cluster commit writes the rows it changes into `level` of the cluster's
 * document (levels.h); this machine's new local version is its effective
 * configuration of the new document.
 * A snapshot is the JSON form of a whole version:
 *   {"version":N,"user":U,"time":T,"comment":C,"rows":{KEY:VALUE,...}} */
#ifndef TLSGATE_STORE_H
#define TLSGATE_STORE_H

#include "../db/db.h"
#include "cluster.h"
#include "levels.h"

#define SNAPSHOT_MAX (1L << 20) /* below etcd's default 1.5 MiB request limit */

struct committed_store {
	int cluster; /* 0 local, 1 cluster */
	struct cluster_conf conf;
	struct level_ref level; /* where a cluster commit's changes go */
	const char *user;       /* whose staged edits (a console with a level view) */
};

/* Local on a standalone machine, cluster when HOME/cluster.conf says so. */
int committed_store_open(const char *home, struct committed_store *s, struct err *e);
const char *committed_store_kind(const struct committed_store *s);

/* Arms the store around one db_commit: for the cluster store, the commit
 * is published to etcd before SQLite's COMMIT. Disarm after the commit. */
void committed_store_arm(struct committed_store *s, struct db *db);
void committed_store_disarm(struct committed_store *s, struct db *db);

/* `version` of the local database as a snapshot (malloc'd JSON). */
int snapshot_build(struct db *db, long version, char **json, struct err *e);
/* As snapshot_build, but version number `as` (a joiner re-publishing). */
int snapshot_build_as(struct db *db, long version, long as, char **json, struct err *e);
/* The same snapshot numbered `as` (malloc'd). */
int snapshot_renumber(const char *json, long as, char **out, struct err *e);
/* Writes a snapshot as its version into the local database, unless the
 * database has it or a later one already (*written 0). */
int snapshot_import(struct db *db, const char *json, long *version, int *written, struct err *e);

#endif
