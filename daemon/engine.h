/* engine: the narrow handle an engine (HTTPS, inbound SMTP) gets of the
 * daemon: its event loop, the mail log, the options, the usage counters and
 * read-only views of what the last apply installed. Never struct daemon: an
 * engine cannot reach the database, the control socket, the apply path or
 * another engine. daemon.c fills one at start; apply changes what the
 * pointers point at, never the pointers. */
#ifndef TLSGATE_ENGINE_H
#define TLSGATE_ENGINE_H

#include <openssl/ssl.h>

#include "../core/config.h"

struct event_base;
struct mail_log;
struct daemon_options;
struct usage;
struct inbound;
struct workers;

/* The context new connections of one service get. Connections hold their
 * own reference, so swapping `current` never disturbs them. */
struct ctx_slot {
	SSL_CTX *current;
};

struct engine_env {
	struct event_base *base;
	struct mail_log *log;
	const struct daemon_options *opt;
	struct usage *usage;            /* NULL with --no-usage */
	struct ctx_slot *slot;          /* [SVC_COUNT] */
	const struct config *config;    /* the applied configuration */
	const long *version;            /* its version */
	struct inbound *const *inbound; /* its listeners and their tables */
	struct workers *workers;        /* NULL with one worker (daemon/workers.h) */
};

/* A new server-side SSL for a connection of service `id`. */
static inline SSL *engine_new_ssl(const struct engine_env *env, enum tls_service_id id)
{
	return SSL_new(env->slot[id].current);
}

#endif
