/* cluster_watch: follow the cluster's etcd into the local SQLite (cluster_watch.h). */
#include "cluster_watch.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "../cluster/doc_txn.h"
#include "../cluster/store.h"
#include "../db/db.h"
#include "../os/control_client.h"

struct cluster_watch {
	char home[4096];
	pthread_t thread;
	pthread_mutex_t lock;
	pthread_cond_t wake;
	int stop;
	struct db *db;
	long last_report;
	long applied;  /* the latest version this daemon said it enforces */
	long apply_us; /* the last watch-triggered apply: fetch, import, enforce */
};

static long now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000L + ts.tv_nsec / 1000L;
}

static long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000L + ts.tv_nsec / 1000000L;
}

static int removed(struct cluster_watch *w, const struct cluster_conf *c);

/* The cluster is ahead: bring this machine's effective configuration of
 * its version here (cluster -> group -> machine, cluster/levels.h). */
/* 1: this machine was removed meanwhile (it left the cluster). */
static int catch_up(struct cluster_watch *w, struct cluster_conf *c, long local, long *seen_rev)
{
	struct err e;
	char *v = NULL;
	json_t *doc = NULL;
	long rev, version, t0;
	int written, gone = 0;

	*seen_rev = 0;
	if (etcd_get(&c->etcd, CLUSTER_KEY_VERSION, &v, &rev, &e) < 0 || !v)
		goto out;
	*seen_rev = rev;
	if (atol(v) <= local)
		goto out;
	t0 = now_us();
	if (cluster_doc_fetch(c, &doc, &version, &e) < 0)
		goto out;
	/* REMOVEMACHINE writes the document without this machine's level and
	 * the removal mark in one transaction: a document fetched after it
	 * finds the mark, and this machine leaves with its last version. */
	if ((gone = removed(w, c)))
		goto out;
	cluster_conf_sync(w->home, c, doc);
	if (cluster_doc_import_self(w->db, c, doc, &version, &written, &e) < 0)
		fprintf(stderr, "tlsgated: cluster: %s\n", e.msg);
	else if (written) {
		char why[256];

		/* Through the control socket, as the console does: when it
		 * answers, the engines enforce it (reported at once). */
		if (control_apply(w->home, version, 10000, why, sizeof(why)) == APPLY_DONE) {
			w->applied = version;
			w->last_report = 0;
			w->apply_us = now_us() - t0;
		}
	}
out:
	free(v);
	json_decref(doc);
	return gone;
}

static void report(struct cluster_watch *w, const struct cluster_conf *c, long local)
{
	char key[256], value[256];
	struct err e;
	long t = now_ms();

	if (t - w->last_report < CLUSTER_REPORT_MS)
		return;
	w->last_report = t;
	snprintf(key, sizeof(key), "%s%s", CLUSTER_KEY_MEMBERS, c->machine);
	snprintf(value, sizeof(value),
		 "{\"version\":%ld,\"applied\":%ld,\"time\":%ld,\"group\":\"%s\","
		 "\"apply_us\":%ld%s}",
		 local, w->applied, (long)time(NULL), c->group, w->apply_us,
		 c->disconnected[0] == '1' ? ",\"disconnected\":true" : "");
	etcd_put(&c->etcd, key, value, &e);
}

/* REMOVEMACHINE named this machine: leave, keeping the last version. */
static int removed(struct cluster_watch *w, const struct cluster_conf *c)
{
	char key[256], member[256], *v = NULL;
	const char *keys[2] = { key, member }, *values[2] = { NULL, NULL };
	struct err e;
	long rev;

	snprintf(key, sizeof(key), "%s%s", CLUSTER_KEY_REMOVED, c->machine);
	snprintf(member, sizeof(member), "%s%s", CLUSTER_KEY_MEMBERS, c->machine);
	if (etcd_get(&c->etcd, key, &v, &rev, &e) < 0 || !v)
		return 0;
	free(v);
	if (cluster_conf_remove(w->home, &e) < 0) {
		fprintf(stderr, "tlsgated: cluster: %s\n", e.msg);
		return 0;
	}
	etcd_txn(&c->etcd, NULL, NULL, keys, values, 2, &e);
	fprintf(stderr,
		"tlsgated: cluster: this machine was removed from cluster %s; it is "
		"standalone now\n",
		c->name);
	return 1;
}

static void *run(void *arg)
{
	struct cluster_watch *w = arg;

	pthread_mutex_lock(&w->lock);
	while (!w->stop) {
		struct cluster_conf c;
		struct err e;
		struct timespec until;
		long local, rev = 0;
		int member;

		pthread_mutex_unlock(&w->lock);
		member = cluster_conf_load(w->home, &c, &e);
		if (member == 1 && removed(w, &c))
			member = 0;
		if (member == 1 && db_latest_version(w->db, &local, &e) == 0) {
			c.etcd.total_ms = 1000; /* a poll, not a commit */
			if (c.disconnected[0] != '1' && catch_up(w, &c, local, &rev)) {
				pthread_mutex_lock(&w->lock);
				continue; /* standalone now */
			}
			if (db_latest_version(w->db, &local, &e) == 0)
				report(w, &c, local);
			/* Wait for the next commit on etcd's watch stream (a bounded
			 * window); without one, poll. */
			if (rev > 0 && etcd_watch_once(&c.etcd, CLUSTER_KEY_VERSION, rev + 1,
						       CLUSTER_WATCH_MS, &e) >= 0) {
				pthread_mutex_lock(&w->lock);
				continue;
			}
		}
		pthread_mutex_lock(&w->lock);
		clock_gettime(CLOCK_REALTIME, &until);
		until.tv_nsec += (member == 1 ? CLUSTER_POLL_MS : 1000) * 1000000L;
		until.tv_sec += until.tv_nsec / 1000000000L;
		until.tv_nsec %= 1000000000L;
		if (!w->stop)
			pthread_cond_timedwait(&w->wake, &w->lock, &until);
	}
	pthread_mutex_unlock(&w->lock);
	return NULL;
}

int cluster_watch_start(const char *home, struct cluster_watch **out, struct err *e)
{
	struct cluster_watch *w = calloc(1, sizeof(*w));

	if (!w)
		return err_set(e, "Out of memory.");
	snprintf(w->home, sizeof(w->home), "%s", home);
	pthread_mutex_init(&w->lock, NULL);
	pthread_cond_init(&w->wake, NULL);
	if (db_open(home, &w->db, e) < 0) {
		free(w);
		return -1;
	}
	/* Started after the daemon applied its latest version. */
	if (db_latest_version(w->db, &w->applied, e) < 0)
		w->applied = 0;
	if (pthread_create(&w->thread, NULL, run, w) != 0) {
		db_close(w->db);
		free(w);
		return err_set(e, "Cannot start following the cluster.");
	}
	*out = w;
	return 0;
}

void cluster_watch_stop(struct cluster_watch *w)
{
	if (!w)
		return;
	pthread_mutex_lock(&w->lock);
	w->stop = 1;
	pthread_cond_signal(&w->wake);
	pthread_mutex_unlock(&w->lock);
	pthread_join(w->thread, NULL);
	db_close(w->db);
	pthread_mutex_destroy(&w->lock);
	pthread_cond_destroy(&w->wake);
	free(w);
}
