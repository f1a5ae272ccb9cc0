/* doc_txn: reading and changing the cluster's document in etcd (doc_txn.h). */
#include "doc_txn.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "store.h"

int cluster_doc_fetch(const struct cluster_conf *c, json_t **doc, long *version, struct err *e)
{
	long vrev;

	return cluster_doc_fetch_rev(c, doc, version, &vrev, e);
}

int cluster_doc_fetch_rev(const struct cluster_conf *c, json_t **doc, long *version,
			  long *version_rev, struct err *e)
{
	char *v = NULL, *json = NULL;
	long rev;
	int rc = -1;

	*doc = NULL;
	if (etcd_get(&c->etcd, CLUSTER_KEY_VERSION, &v, version_rev, e) < 0 ||
	    etcd_get(&c->etcd, CLUSTER_KEY_CONFIG, &json, &rev, e) < 0)
		goto out;
	if (!v || !json) {
		err_set(e, "There is no tlsgate cluster at these etcd endpoints.");
		goto out;
	}
	if (!(*doc = doc_parse(json, e)))
		goto out;
	*version = atol(v);
	/* Two reads: a commit between them shows as a document ahead of the
	 * version read; the transaction's compare then refuses, as it must. */
	rc = 0;
out:
	free(v);
	free(json);
	return rc;
}

int cluster_doc_update(const struct cluster_conf *c, const struct doc_change *ch, json_t **out,
		       long *version, struct err *e)
{
	const char *keys[2 + DOC_EXTRA_MAX], *values[2 + DOC_EXTRA_MAX];
	char base_s[32], next_s[32], *json = NULL;
	json_t *doc;
	long base, next;
	int rc;

	if (ch->extra_count > DOC_EXTRA_MAX)
		return err_set(e, "Too many keys for one cluster transaction.");
	if (c->disconnected[0] == '1')
		return err_set(e,
			       "This machine is disconnected from cluster %s: "
			       "\"clusterconfig reconnect\" first. Nothing was changed.",
			       c->name);
	if (cluster_doc_fetch(c, &doc, &base, e) < 0)
		return -1;
	next = (ch->at_least > base ? ch->at_least : base) + 1;
	if (ch->edit && ch->edit(doc, ch->arg, e) < 0) {
		json_decref(doc);
		return -1;
	}
	json_object_set_new(doc, "version", json_integer(next));
	json_object_set_new(doc, "user", json_string(ch->user));
	json_object_set_new(doc, "time", json_integer((json_int_t)time(NULL)));
	json_object_set_new(doc, "comment", json_string(ch->comment ? ch->comment : ""));
	json = json_dumps(doc, JSON_COMPACT | JSON_SORT_KEYS);
	if (!json || (long)strlen(json) > SNAPSHOT_MAX) {
		free(json);
		json_decref(doc);
		return err_set(e, "The cluster's configuration is too large for one commit.");
	}
	snprintf(base_s, sizeof(base_s), "%ld", base);
	snprintf(next_s, sizeof(next_s), "%ld", next);
	keys[0] = CLUSTER_KEY_VERSION;
	values[0] = next_s;
	keys[1] = CLUSTER_KEY_CONFIG;
	values[1] = json;
	for (int i = 0; i < ch->extra_count; i++) {
		keys[2 + i] = ch->extra_keys[i];
		values[2 + i] = ch->extra_values[i];
	}
	rc = etcd_txn(&c->etcd, CLUSTER_KEY_VERSION, base_s, keys, values, 2 + ch->extra_count, e);
	free(json);
	if (rc <= 0) {
		json_decref(doc);
		if (rc == 0)
			err_set(e,
				"Another commit reached the cluster first (it is past version "
				"%ld). Nothing was changed; try again.",
				base);
		return -1;
	}
	*version = next;
	if (out)
		*out = doc;
	else
		json_decref(doc);
	return 0;
}

int cluster_doc_import_self(struct db *db, const struct cluster_conf *c, json_t *doc, long *version,
			    int *written, struct err *e)
{
	char *snap = NULL;
	int rc;

	if (doc_effective_snapshot(doc, c->machine, c->group, &snap, e) < 0)
		return -1;
	rc = snapshot_import(db, snap, version, written, e);
	free(snap);
	return rc;
}

int cluster_conf_sync(const char *home, struct cluster_conf *c, json_t *doc)
{
	const char *name = json_string_value(json_object_get(doc, "name"));
	const char *group = doc_group_of(doc, c->machine, NULL);
	struct err e;
	int changed = 0;

	if (name && strcmp(name, c->name) != 0 && strlen(name) < sizeof(c->name)) {
		snprintf(c->name, sizeof(c->name), "%s", name);
		changed = 1;
	}
	if (group && strcmp(group, c->group) != 0 && strlen(group) < sizeof(c->group)) {
		snprintf(c->group, sizeof(c->group), "%s", group);
		changed = 1;
	}
	return changed ? cluster_conf_save(home, c, &e) : 0;
}
