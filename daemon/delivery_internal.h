/* delivery_internal: what the delivery engine's files share (delivery.c the
 * queue, delivery_conn.c one connection, delivery_policy.c the verdicts and
 * the connect). Nothing outside daemon/delivery*.c includes it. */
#ifndef TLSGATE_DELIVERY_INTERNAL_H
#define TLSGATE_DELIVERY_INTERNAL_H

#include <event2/bufferevent.h>
#include <event2/util.h>
#include <openssl/ssl.h>
#include <stdbool.h>
#include <stddef.h>
#include <time.h>

#include "../core/dane.h"
#include "../core/smtp_client.h"
#include "delivery.h"
#include "queue_file.h"
#include "resolver.h"
#include "usage.h"

struct qmsg {
	struct qmsg *next;
	char id[SPOOL_ID_MAX];
	char domain[256];
	time_t received, next_try;
	int attempts;
	bool busy;
};

struct conn {
	struct delivery *dl;
	struct conn *next;
	struct outbound *ob;
	unsigned long dcid;
	char domain[256];
	struct dest_policy pol;
	struct qmsg **batch;
	size_t nbatch, cur, done_count;
	struct resolved res;
	size_t host;
	int fd;
	struct bufferevent *bev;
	SSL *ssl;
	bool handshaking, no_tls, resolving, closing, alerted;
	bool counted; /* this DCID's TLS outcome is in the usage record */
	struct smtp_client sc;
	struct queued q;
	bool have_q;
	int *codes;
	char peer[64];
	char refused[400];         /* why the certificate was refused, "" if it was not */
	enum tls_level level;      /* what this host is held to (DANE may raise it) */
	struct dane_decision dane; /* for the current host */
	char dane_skipped[700];    /* why DANE skipped a host, "" if it did not */
	bool sts_on;               /* an MTA-STS policy governs the current host */
};

struct delivery {
	const struct engine_env *env;
	struct outbound *ob;
	struct resolver *resolver;
	struct tls_rpt_store *rpt; /* TLS-RPT: this period's outcomes */
	char dir[4096];
	struct event *timer;
	struct qmsg *msgs;
	struct domain_map *known;  /* id -> qmsg */
	struct domain_map *active; /* domain -> (void *)(uintptr_t) open connections */
	struct conn *conns;
	unsigned open; /* connections in all domains */
	unsigned long next_dcid;
};

/* delivery.c: the queue, bounces and alerts, scheduling. */
long dl_backoff(const struct delivery *dl, int attempts);
struct qmsg *dl_track(struct delivery *dl, const char *id, const char *domain, time_t received);
void dl_untrack(struct delivery *dl, struct qmsg *m);
void dl_bounce(struct delivery *dl, const struct queued *q, char *const *rcpt, const int *codes,
	       size_t n, const char *why);
void dl_alert(struct conn *c, const char *why);
void dl_active_add(struct delivery *dl, const char *domain, int delta);

/* delivery_conn.c: one connection. */
void dl_conn_free(struct conn *c);
void dl_conn_finish(struct conn *c, enum smtpc_fail fail, const char *why);
void dl_count_tls(struct conn *c, enum usage_outcome outcome, const char *reason);
void dl_act(struct conn *c, enum smtpc_action a);
void dl_on_read(struct bufferevent *bev, void *arg);
void dl_on_event(struct bufferevent *bev, short what, void *arg);

/* delivery_policy.c: DANE, MTA-STS and certificate verdicts; the connect. */
void dl_rpt(struct conn *c, const char *result_type);
void dl_handshake_done(struct conn *c, bool ok);
void dl_conn_connect(struct conn *c);
void dl_on_resolved(void *arg, int rc, const struct resolved *r, int temporary, const char *why);

#endif
