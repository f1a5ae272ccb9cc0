/* store: the committed store, local or cluster (store.h). */
#include "store.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int committed_store_open(const char *home, struct committed_store *s, struct err *e)
{
	int rc;

	memset(s, 0, sizeof(*s));
	rc = cluster_conf_load(home, &s->conf, e);
	if (rc < 0)
		return -1;
	s->cluster = rc;
	return 0;
}

const char *committed_store_kind(const struct committed_store *s)
{
	return s->cluster ? "cluster" : "local";
}

/* Inside the local write transaction: one etcd transaction. */
static int publish(struct db *db, long base, long version, void *arg, struct err *e)
{
	struct committed_store *s = arg;
	char base_s[32], version_s[32], *json, *now = NULL;
	const char *keys[2] = { CLUSTER_KEY_VERSION, CLUSTER_KEY_CONFIG }, *values[2];
	long rev;
	int rc;

	if (snapshot_build(db, version, &json, e) < 0)
		return -1;
	snprintf(base_s, sizeof(base_s), "%ld", base);
	snprintf(version_s, sizeof(version_s), "%ld", version);
	values[0] = version_s;
	values[1] = json;
	rc = etcd_txn(&s->conf.etcd, CLUSTER_KEY_VERSION, base_s, keys, values, 2, e);
	/* An endpoint that timed out may still have applied it, and the next
	 * endpoint then finds the compare failing: if etcd holds exactly this
	 * commit, it landed (once: the compare keeps it from landing twice). */
	if (rc == 0 && etcd_get(&s->conf.etcd, CLUSTER_KEY_CONFIG, &now, &rev, e) == 0 && now &&
	    strcmp(now, json) == 0)
		rc = 1;
	free(now);
	now = NULL;
	free(json);
	if (rc == 1)
		return 0;
	if (rc < 0) {
		char why[300];

		snprintf(why, sizeof(why), "%.280s", e->msg);
		return err_set(e,
			       "The cluster's etcd did not accept the commit (%s). Nothing was "
			       "committed; this machine keeps serving version %ld.",
			       why, base);
	}
	if (etcd_get(&s->conf.etcd, CLUSTER_KEY_VERSION, &now, &rev, e) < 0)
		now = NULL;
	err_set(e,
		"Another commit reached the cluster first (the cluster is at version %.20s, this "
		"machine at %ld). Nothing was committed; commit again once this machine has it.",
		now ? now : "?", base);
	free(now);
	return -1;
}

void committed_store_arm(struct committed_store *s, struct db *db)
{
	if (s->cluster)
		db_set_before_commit(db, publish, s);
}

void committed_store_disarm(struct committed_store *s, struct db *db)
{
	(void)s;
	db_set_before_commit(db, NULL, NULL);
}
