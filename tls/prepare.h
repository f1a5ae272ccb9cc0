/* prepare: everything the engines run one configuration with — each
 * service's SSL_CTX with its certificate profile, and the outbound
 * configuration (its context with the trust store, destinations, routes) —
 * built once, from one source. The console builds it to check a commit
 * (commit_plan.c) and the daemon to apply a version: the same code builds the
 * same objects, so the daemon cannot refuse what a commit accepted. */
#ifndef TLSGATE_PREPARE_H
#define TLSGATE_PREPARE_H

#include <openssl/sha.h>
#include <openssl/ssl.h>

#include "../core/config.h"
#include "../core/err.h"
#include "../db/db.h"

/* Where a configuration comes from: with `user`, the latest version plus that
 * user's staged edits (the commit about to be written); else committed
 * `version` (0: the latest). */
struct plan_source {
	const char *user;
	long version;
};

struct prepared {
	long version; /* the committed version it was built from (or on) */
	struct config config;
	/* ctx[SVC_OUTBOUND] is outbound->ctx (one more reference). */
	SSL_CTX *ctx[SVC_COUNT];
	struct outbound *outbound;
	/* The listeners, their tables and contexts (tls/inbound.h). */
	struct inbound *inbound;
	/* SHA-256 of each service's certificate profile as stored: a profile
	 * replaced in place changes its services like any other edit. */
	unsigned char fingerprint[SVC_COUNT][SHA256_DIGEST_LENGTH];
};

/* All or nothing: on -1 nothing is left allocated, e says which service or
 * entry is wrong. For a user source, every certificate profile and custom CA
 * the user staged must also be sound, assigned or not. */
int prepare_build(struct db *db, const struct plan_source *src, struct prepared *out,
		  struct err *e);
/* The same, reusing (one more reference) each server context of `prev`
 * whose service settings and profile are unchanged: the daemon's apply, where
 * `prev` is what it runs. `prev` is only read. */
int prepare_build_reusing(struct db *db, const struct plan_source *src, const struct prepared *prev,
			  struct prepared *out, struct err *e);
void prepare_free(struct prepared *p);

/* Only the fingerprints of `c`'s services in `src` (no parsing, no
 * contexts): the committed side of a change comparison. */
int prepare_fingerprints(struct db *db, const struct plan_source *src, const struct config *c,
			 unsigned char out[SVC_COUNT][SHA256_DIGEST_LENGTH], struct err *e);

#endif
