/* store: the committed store, local or cluster (store.h). */
#include "store.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../core/config.h"
#include "doc_txn.h"

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

static int add_row(const char *key, const char *value, void *arg)
{
	return json_object_set_new(arg, key, json_string(value)) < 0 ? 1 : 0;
}

static json_t *rows_of(struct db *db, long version, struct err *e)
{
	json_t *rows = json_object();

	if (rows && db_version_rows(db, version, add_row, rows, e) == 0)
		return rows;
	json_decref(rows);
	return NULL;
}

/* This machine's new version becomes its effective configuration (a lower
 * level may override what the commit changed at a higher one). */
static int rewrite_local(struct db *db, long version, json_t *eff, struct err *e)
{
	size_t n = json_object_size(eff), i = 0;
	const char **keys = calloc(n + 1, sizeof(*keys)), **values = calloc(n + 1, sizeof(*values));
	const char *k;
	json_t *v;
	int rc = -1;

	if (!keys || !values) {
		err_set(e, "Out of memory.");
		goto out;
	}
	json_object_foreach(eff, k, v)
	{
		keys[i] = k;
		values[i++] = json_string_value(v) ? json_string_value(v) : "";
	}
	rc = db_replace_version_rows(db, version, keys, values, n, e);
out:
	free(keys);
	free(values);
	return rc;
}

struct staged_ctx {
	json_t *view, *next;
	char conflict[200]; /* the first staged row whose base moved */
};

/* A staged row conflicts when the level no longer has the value the user saw
 * and does not already have the one they chose (db_staged_conflict's rule,
 * against the level in etcd). */
static int staged_row(const char *key, const char *value, const char *base, void *arg)
{
	struct staged_ctx *c = arg;
	const char *cur = json_string_value(json_object_get(c->view, key));

	if (strcmp(cur ? cur : "", base) != 0 &&
	    !(value ? cur && strcmp(cur, value) == 0 : cur == NULL)) {
		snprintf(c->conflict, sizeof(c->conflict), "%.190s", key);
		return 1;
	}
	if (value)
		json_object_set_new(c->next, key, json_string(value));
	else
		json_object_del(c->next, key);
	return 0;
}

/* The console showed the session's level (db_set_view): its staged rows,
 * checked against that level's values now, are what changes there. */
static int apply_staged(const struct committed_store *s, struct db *db, json_t *doc, struct err *e)
{
	struct staged_ctx c = { doc_level_rows(doc, &s->level), NULL, "" };
	const struct setting *set;
	int rc = -1;

	if (!c.view || !(c.next = json_deep_copy(c.view))) {
		err_set(e, "Out of memory.");
		goto out;
	}
	if (db_staged_rows_base(db, s->user, staged_row, &c, e) < 0)
		goto out;
	if (c.conflict[0]) {
		set = config_find_setting(c.conflict);
		err_set(e,
			"%s was changed at the %s level after you edited it. Use \"clear\" and "
			"make your change again on top of the new configuration.",
			set ? set->label : c.conflict, level_word(s->level.level));
		goto out;
	}
	if (json_equal(c.view, c.next)) {
		/* A retry of a commit whose outcome was unknown and that landed. */
		err_set(e,
			"Your changes are already in the cluster's configuration at the %s level "
			"(version %" JSON_INTEGER_FORMAT "): nothing was committed again. Use "
			"\"clear\" to drop them.",
			level_word(s->level.level),
			json_integer_value(json_object_get(doc, "version")));
		goto out;
	}
	rc = doc_apply_diff(doc, &s->level, c.view, c.next, e);
out:
	json_decref(c.view);
	json_decref(c.next);
	return rc;
}

static int stale(const struct committed_store *s, long base, struct err *e)
{
	char *now = NULL;
	long rev;

	if (etcd_get(&s->conf.etcd, CLUSTER_KEY_VERSION, &now, &rev, e) < 0)
		now = NULL;
	err_set(e,
		"Another commit reached the cluster first (the cluster is at version %.20s, this "
		"machine at %ld). Nothing was committed; commit again once this machine has it.",
		now ? now : "?", base);
	free(now);
	return -1;
}

/* No endpoint answered the commit's transaction and one may have received
 * it: it may still land. Fence it off: re-put /tlsgate/version (same value)
 * only if nothing wrote it since BASE was read, so the lost request's compare
 * can never succeed. 1 it landed, 0 it did not and never will, -1 unknown. */
static int settle(const struct committed_store *s, long base, long version_rev, const char *json)
{
	struct etcd f = s->conf.etcd;
	char base_s[32], *now = NULL;
	const char *keys[1] = { CLUSTER_KEY_VERSION }, *values[1] = { base_s };
	struct err fe;
	long rev;
	int rc;

	snprintf(base_s, sizeof(base_s), "%ld", base);
	f.total_ms = 1000;
	rc = etcd_txn_mod(&f, CLUSTER_KEY_VERSION, version_rev, keys, values, 1, &fe);
	if (rc == 1)
		return 0; /* fenced */
	if (rc == 0 && etcd_get(&f, CLUSTER_KEY_CONFIG, &now, &rev, &fe) == 0) {
		rc = now && strcmp(now, json) == 0; /* else another commit landed */
		free(now);
		return rc;
	}
	return -1;
}

/* Inside the local write transaction: one etcd transaction. */
static int publish(struct db *db, long base, long version, void *arg, struct err *e)
{
	struct committed_store *s = arg;
	char base_s[32], version_s[32], *json = NULL, *now = NULL;
	const char *keys[2] = { CLUSTER_KEY_VERSION, CLUSTER_KEY_CONFIG }, *values[2];
	json_t *doc = NULL, *before = NULL, *after = NULL, *eff = NULL;
	struct commit_info ci;
	long rev, at, version_rev;
	int rc = -1;

	if (s->conf.disconnected[0] == '1')
		return err_set(e,
			       "This machine is disconnected from cluster %s: \"clusterconfig "
			       "reconnect\" first. Nothing was committed.",
			       s->conf.name);
	if (cluster_doc_fetch_rev(&s->conf, &doc, &at, &version_rev, e) < 0) {
		char why[300];

		snprintf(why, sizeof(why), "%.280s", e->msg);
		return err_set(e,
			       "The cluster's etcd did not accept the commit (%s). Nothing was "
			       "committed; this machine keeps serving version %ld.",
			       why, base);
	}
	if (at != base || json_integer_value(json_object_get(doc, "version")) != base) {
		json_decref(doc);
		return stale(s, base, e);
	}
	if (!(after = rows_of(db, version, e)))
		goto out;
	if (db_view(db) && s->user ? apply_staged(s, db, doc, e) < 0
				   : (!(before = rows_of(db, base, e)) ||
				      doc_apply_diff(doc, &s->level, before, after, e) < 0))
		goto out;
	if (db_version_info(db, version, &ci, e) < 0)
		goto out;
	json_object_set_new(doc, "version", json_integer(version));
	json_object_set_new(doc, "user", json_string(ci.user));
	json_object_set_new(doc, "time", json_integer((json_int_t)ci.time));
	json_object_set_new(doc, "comment", json_string(ci.comment));
	eff = doc_effective_rows(doc, s->conf.machine, s->conf.group);
	if (!eff || (!json_equal(eff, after) && rewrite_local(db, version, eff, e) < 0))
		goto out;
	json = json_dumps(doc, JSON_COMPACT | JSON_SORT_KEYS);
	if (!json || (long)strlen(json) > SNAPSHOT_MAX) {
		err_set(e, "The configuration is larger than a cluster commit may be (%ld bytes).",
			SNAPSHOT_MAX);
		goto out;
	}
	snprintf(base_s, sizeof(base_s), "%ld", base);
	snprintf(version_s, sizeof(version_s), "%ld", version);
	values[0] = version_s;
	values[1] = json;
	rc = etcd_txn_mod(&s->conf.etcd, CLUSTER_KEY_VERSION, version_rev, keys, values, 2, e);
	/* An endpoint that timed out may still have applied it, and the next
	 * endpoint then finds the compare failing: if etcd holds exactly this
	 * commit, it landed (once: the compare keeps it from landing twice). */
	if (rc == 0 && etcd_get(&s->conf.etcd, CLUSTER_KEY_CONFIG, &now, &rev, e) == 0 && now &&
	    strcmp(now, json) == 0)
		rc = 1;
	if (rc == ETCD_UNKNOWN) {
		char why[300];

		snprintf(why, sizeof(why), "%.280s", e->msg);
		rc = settle(s, base, version_rev, json);
		if (rc == 1) {
			rc = 0; /* it landed, once */
		} else if (rc == 0) {
			rc = err_set(e,
				     "The cluster's etcd did not answer in time (%s). The commit "
				     "was withdrawn: nothing was committed; this machine keeps "
				     "serving version %ld.",
				     why, base);
		} else {
			rc = err_set(
				e,
				"The cluster's etcd did not answer (%s) after the commit was "
				"sent: whether it landed is not known. If etcd applies it, "
				"every member (this one too) receives it as version %ld; it "
				"cannot land later than another commit. Check with "
				"\"clusterconfig connstatus\" (the cluster's version) once etcd "
				"answers. Making the same change again is safe: if this commit "
				"landed, there is nothing left to commit.",
				why, version);
		}
		goto out;
	}
	if (rc < 0) {
		char why[300];

		snprintf(why, sizeof(why), "%.280s", e->msg);
		err_set(e,
			"The cluster's etcd did not accept the commit (%s). Nothing was "
			"committed; this machine keeps serving version %ld.",
			why, base);
	} else if (rc == 0) {
		rc = stale(s, base, e);
	} else {
		rc = 0;
	}
out:
	free(now);
	free(json);
	json_decref(doc);
	json_decref(before);
	json_decref(after);
	json_decref(eff);
	return rc;
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
