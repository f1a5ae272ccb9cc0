/* db usage: the hourly rollups of TLS outcomes (table tls_usage, issue 17).
 * tlsgated adds its in-memory counters in one transaction per flush; the
 * console's tlsconnections and the commit's prediction read them. */
#ifndef TLSGATE_DB_USAGE_H
#define TLSGATE_DB_USAGE_H

#include "../core/config.h"
#include "../core/usage_table.h"
#include "db.h"

/* Adds every entry of `t` (keys with their hour) to the rollups: one
 * transaction, all or nothing. */
int db_usage_add(struct db *db, const struct usage_table *t, struct err *e);
/* Deletes the hours before `before` (unix time); *deleted rows. */
int db_usage_prune(struct db *db, long long before, long *deleted, struct err *e);

/* The queries, for one service, over the hours starting at or after
 * `since`. `peer` is how a peer is named to an admin: an inbound
 * client's HELO name (its address if it gave none), a destination
 * domain, a browser's address. */
enum usage_query {
	USAGE_Q_IMPACT,   /* outcome, version, cipher, peer; ordered by peer */
	USAGE_Q_CIPHERS,  /* version, cipher, group: successful sessions, most first */
	USAGE_Q_REASONS,  /* reason: failed sessions, most first */
	USAGE_Q_PEERS,    /* version, peer: successful sessions, per version most first */
	USAGE_Q_COLUMNS,  /* peer and n[]: AsyncOS's TLS Connections columns, most first */
	USAGE_Q_OUTCOMES, /* outcome: sessions of each */
	USAGE_Q_DAILY,    /* day (unix time, in `sessions`' row: r->day), version: successes */
};

/* USAGE_Q_COLUMNS's n[]: required failed, required success, preferred
 * failed, preferred success, no TLS, all sessions. */
enum {
	USAGE_COL_REQ_FAILED,
	USAGE_COL_REQ_OK,
	USAGE_COL_PREF_FAILED,
	USAGE_COL_PREF_OK,
	USAGE_COL_NO_TLS,
	USAGE_COL_TOTAL,
	USAGE_COL_COUNT
};

struct usage_row {
	int outcome; /* enum usage_outcome, -1 where the query has none */
	const char *version, *cipher, *group, *reason, *peer;
	unsigned long long sessions;
	unsigned long long n[USAGE_COL_COUNT];
	long long day; /* USAGE_Q_DAILY: the day's start (UTC) */
};

/* Calls fn for each row (strings valid during the call); fn returning
 * non-zero stops. */
typedef int (*usage_row_fn)(const struct usage_row *r, void *arg);
int db_usage_query(struct db *db, enum usage_query q, enum tls_service_id service, long long since,
		   usage_row_fn fn, void *arg, struct err *e);

#endif
