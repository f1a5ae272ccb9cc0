/* usage: counting TLS outcomes in memory and flushing them to the rollups. */
#include "usage.h"

#include <event2/event.h>
#include <openssl/err.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "../db/usage.h"
#include "daemon.h"
#include "usage_internal.h"

#define HOURLY_KEYS_MAX 20000 /* distinct keys between two flushes */
#define TOTAL_KEYS_MAX  5000  /* distinct metric series (no peers in them) */
#define PRUNE_SECONDS   3600

void usage_peer_set(struct usage_peer *p, int service, int mode, const char *listener,
		    const char *addr, const char *name)
{
	p->service = service;
	p->mode = mode;
	snprintf(p->listener, sizeof(p->listener), "%s", listener ? listener : "");
	snprintf(p->addr, sizeof(p->addr), "%s", addr ? addr : "");
	snprintf(p->name, sizeof(p->name), "%s", name ? name : "");
}

const char *usage_reason(unsigned long code)
{
	const char *r = code ? ERR_reason_error_string(code) : NULL;

	return r ? r : "unknown error";
}

void usage_count(struct usage *u, const struct usage_peer *p, const SSL *ssl,
		 enum usage_outcome outcome, const char *reason)
{
	const char *version = NULL, *cipher = NULL, *group = NULL;
	struct usage_key k;

	if (!u)
		return;
	if (outcome == USAGE_SUCCESS && ssl) {
		int nid = SSL_get_negotiated_group((SSL *)ssl);
		version = SSL_get_version(ssl);
		cipher = SSL_get_cipher_name(ssl);
		group = nid ? SSL_group_to_name((SSL *)ssl, nid) : NULL;
		reason = NULL;
	}
	usage_key_init(&k, (long long)(time(NULL) / 3600 * 3600), p->service, p->mode, outcome,
		       p->listener, p->addr, p->name, version, cipher, group, reason);
	pthread_mutex_lock(&u->lock);
	usage_table_add(u->hourly, &k, 1);
	/* The metrics: no hour, no peer (bounded series). */
	k.hour = 0;
	memset(k.peer, 0, sizeof(k.peer));
	memset(k.peer_name, 0, sizeof(k.peer_name));
	usage_table_add(u->totals, &k, 1);
	pthread_mutex_unlock(&u->lock);
}

int usage_flush(struct usage *u, long *rows, struct err *e)
{
	time_t now = time(NULL);
	long deleted;

	int rc;

	*rows = 0;
	if (!u)
		return 0;
	/* Held over the write (a few ms a minute): a worker counting meanwhile waits. */
	pthread_mutex_lock(&u->lock);
	rc = db_usage_add(u->d->db, u->hourly, e);
	if (rc < 0) {
		u->flush_failures++;
	} else {
		*rows = (long)usage_table_count(u->hourly);
		usage_table_clear(u->hourly);
	}
	pthread_mutex_unlock(&u->lock);
	if (rc < 0)
		return -1;
	if (now - u->last_prune >= PRUNE_SECONDS) {
		u->last_prune = now;
		if (db_usage_prune(u->d->db, (long long)now - u->d->opt.usage_keep_days * 86400LL,
				   &deleted, e) < 0)
			return -1;
	}
	return 0;
}

static void on_timer(evutil_socket_t fd, short what, void *arg)
{
	struct usage *u = arg;
	struct err e;
	long rows;

	(void)fd;
	(void)what;
	if (usage_flush(u, &rows, &e) < 0) {
		/* Once per failing streak; the counts wait for the next flush. */
		if (!u->failing)
			mail_log_warning(u->d->log, "TLS usage not recorded yet: %s", e.msg);
		u->failing = true;
		return;
	}
	u->failing = false;
}

int usage_start(struct daemon *d, struct usage **out, struct err *e)
{
	struct usage *u;

	*out = NULL;
	if (d->opt.usage_off)
		return 0;
	u = calloc(1, sizeof(*u));
	if (u)
		pthread_mutex_init(&u->lock, NULL);
	if (!u || !(u->hourly = usage_table_new(HOURLY_KEYS_MAX)) ||
	    !(u->totals = usage_table_new(TOTAL_KEYS_MAX))) {
		usage_free(u);
		return err_set(e, "Out of memory.");
	}
	u->d = d;
	u->timer = event_new(d->base, -1, EV_PERSIST, on_timer, u);
	if (!u->timer ||
	    event_add(u->timer, &(struct timeval){ d->opt.usage_flush_seconds, 0 }) < 0) {
		usage_free(u);
		return err_set(e, "Cannot start the TLS usage timer.");
	}
	*out = u;
	return 0;
}

void usage_free(struct usage *u)
{
	struct err e;
	long rows;

	if (!u)
		return;
	if (u->d && usage_flush(u, &rows, &e) < 0)
		mail_log_warning(u->d->log, "TLS usage of the last %ld s lost: %s",
				 u->d->opt.usage_flush_seconds, e.msg);
	if (u->timer)
		event_free(u->timer);
	usage_table_free(u->hourly);
	usage_table_free(u->totals);
	pthread_mutex_destroy(&u->lock);
	free(u);
}
