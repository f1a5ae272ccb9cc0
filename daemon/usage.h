/* usage: tlsgated's record of every TLS outcome (issue 17). Each engine
 * counts a session once (usage_count: a handshake that succeeded or
 * failed, or a session that never tried TLS); the counts live in memory
 * (core/usage_table.h: no I/O on the connection's path) and a timer adds
 * them to the hourly rollups in SQLite (db/usage.h), which are kept
 * --usage-keep-days. Running totals since start are served to monitoring
 * in Prometheus' text format (usage_metrics). */
#ifndef TLSGATE_USAGE_H
#define TLSGATE_USAGE_H

#include <openssl/ssl.h>
#include <stdbool.h>

#include "../core/err.h"
#include "../core/strbuf.h"
#include "../core/usage_table.h"

struct daemon;
struct engine_env;
struct usage;

/* Who a session was with, set by the engine before the handshake. */
struct usage_peer {
	int service; /* enum tls_service_id */
	int mode;    /* enum usage_mode */
	char listener[32];
	char addr[64];  /* inbound: the client's address; outbound: the domain */
	char name[256]; /* inbound SMTP: HELO name; outbound: the MX host */
};

void usage_peer_set(struct usage_peer *p, int service, int mode, const char *listener,
		    const char *addr, const char *name);

/* NULL *out when d->opt.usage_off. */
int usage_start(struct daemon *d, struct usage **out, struct err *e);
/* Flushes what is left, then frees. */
void usage_free(struct usage *u);

/* Counts one session (u NULL: recording is off). ssl gives the version,
 * cipher and group of a success; `reason` says why a failure failed. */
void usage_count(struct usage *u, const struct usage_peer *p, const SSL *ssl,
		 enum usage_outcome outcome, const char *reason);
/* The short reason of an OpenSSL error ("unsupported protocol"). */
const char *usage_reason(unsigned long openssl_error);

/* Adds the counts to the rollups now (the control socket's "usage flush");
 * *rows is how many keys were written. On -1 the counts are kept. */
int usage_flush(struct usage *u, long *rows, struct err *e);

/* May `addr` (a numeric address) read the metrics? (--metrics-allow) */
bool usage_metrics_allowed(const struct engine_env *env, const char *addr);
/* The running totals since start in Prometheus' text format. u may be NULL. */
void usage_metrics(const struct usage *u, struct strbuf *out);
/* GET /metrics on connection `evcon`: the totals (200) for an allowed
 * address, else 403. Returns the status; sets the type and reason. */
struct evhttp_connection;
int usage_metrics_page(const struct engine_env *env, struct evhttp_connection *evcon,
		       struct strbuf *body, const char **type, const char **reason);

#endif
