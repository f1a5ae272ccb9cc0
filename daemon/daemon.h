/* daemon: tlsgated's state — the applied configuration version, the current
 * SSL_CTX of each service, the engines and the event loop — and "apply N":
 * build every context of the new version first, swap only if all succeed. */
#ifndef TLSGATE_DAEMON_H
#define TLSGATE_DAEMON_H

#include <openssl/sha.h>
#include <openssl/ssl.h>
#include <stdbool.h>
#include <stddef.h>

#include "../core/config.h"
#include "../core/err.h"
#include "../db/db.h"
#include "engine.h"
#include "options.h"
#include "mail_log.h"
#include "spool.h"

struct daemon {
	struct daemon_options opt;
	struct event_base *base;
	struct db *db;
	struct mail_log *log;
	struct config config; /* the applied version */
	long version;
	struct ctx_slot slot[SVC_COUNT];
	/* The profiles' digests the slots were built with: an apply reuses a
	 * server context whose settings and profile did not change. */
	unsigned char fingerprint[SVC_COUNT][SHA256_DIGEST_LENGTH];
	struct engine_env env; /* what the engines see of all this (engine.h) */
	struct https_engine *https;
	struct workers *workers; /* the other HTTPS loops (--workers), NULL with one */
	struct web *web;         /* the WebUI: pages that stage, commit and apply */
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

#endif
