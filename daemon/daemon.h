/* daemon: tlsgated's state — the applied configuration version, the current
 * SSL_CTX of each service, the engines and the event loop — and "apply N":
 * build every context of the new version first, swap only if all succeed. */
#ifndef TLSGATE_DAEMON_H
#define TLSGATE_DAEMON_H

#include <openssl/ssl.h>
#include <stdbool.h>
#include <stddef.h>

#include "../core/config.h"
#include "../core/err.h"
#include "../db/db.h"
#include "mail_log.h"
#include "spool.h"

struct daemon_options {
	const char *home;
	const char *https_addr;     /* "127.0.0.1:8443" */
	const char *smtp_addr;      /* "127.0.0.1:2525" */
	int http_timeout;           /* seconds a connection may sit idle */
	int webui_timeout;          /* seconds a WebUI session may sit idle */
	int smtp_timeout;           /* seconds per SMTP read or write */
	int handshake_timeout;      /* seconds to finish TLS, and to send EHLO/HELO */
	size_t smtp_max_size;       /* SIZE: largest message accepted */
	unsigned smtp_max_sessions; /* concurrent inbound sessions */
	unsigned https_max_conns;   /* concurrent HTTPS connections */
	unsigned max_per_address;   /* concurrent connections from one address, per listener */
	struct spool_limits spool;  /* spool quota and free-space floor */
	bool deliver;               /* run the outbound delivery engine */
	long retry_base;            /* seconds before the first retry; doubles each time */
	long retry_max;             /* the longest wait between retries */
	long queue_lifetime;        /* seconds a message may stay queued before it bounces */
	long queue_scan_ms;         /* how often the spool is scanned for new messages */
	bool usage_off;             /* --no-usage: record no TLS usage (daemon/usage.h) */
	long usage_flush_seconds;   /* how often the counts reach the rollups */
	long usage_keep_days;       /* rollups older than this are deleted */
	const char *metrics_allow;  /* addresses that may GET /metrics, comma-separated */
};

/* The context new connections of one service get. Connections hold their
 * own reference, so swapping `current` never disturbs them. */
struct ctx_slot {
	SSL_CTX *current;
};

struct daemon {
	struct daemon_options opt;
	struct event_base *base;
	struct db *db;
	struct mail_log *log;
	struct config config; /* the applied version */
	long version;
	struct ctx_slot slot[SVC_COUNT];
	struct https_engine *https;
	struct smtp_engine *smtp;
	struct control *control;
	struct db_watch *watch;      /* applies commits it was not told of */
	struct revert_timer *revert; /* commit confirmed */
	struct outbound *outbound;   /* destinations, routes, outbound TLS of `version` */
	struct inbound *inbound;     /* listeners and their tables of `version` */
	struct delivery *delivery;   /* NULL unless opt.deliver */
	struct usage *usage;         /* TLS outcomes; NULL with --no-usage */
	struct event *signals[3];
	struct event *expiry_timer; /* daily certificate expiry check */
};

/* Opens the log and the database, creates Demo if missing, applies the
 * latest version and starts the listeners and the control socket. */
int daemon_init(struct daemon *d, const struct daemon_options *opt, struct err *e);
/* Runs until SIGTERM/SIGINT. */
int daemon_run(struct daemon *d);
void daemon_free(struct daemon *d);

/* Applies version `version` (or a later one, which includes it). On -1 the
 * contexts in use are unchanged. */
int daemon_apply(struct daemon *d, long version, struct err *e);
/* A new server-side SSL for a connection of service `id`. */
SSL *daemon_new_ssl(struct daemon *d, enum tls_service_id id);

#endif
