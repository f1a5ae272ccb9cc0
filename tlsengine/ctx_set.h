/* ctx_set: the SSL_CTXs of every service for one configuration, each with its
 * certificate profile from the database. The daemon swaps a whole set in on
 * "apply N"; the shell builds (and drops) one to validate a commit. */
#ifndef TLSGATE_CTX_SET_H
#define TLSGATE_CTX_SET_H

#include <openssl/ssl.h>

#include "../core/config.h"
#include "../core/err.h"
#include "../db/db.h"

struct ctx_set {
	SSL_CTX *ctx[SVC_COUNT];
};

/* All or nothing: on -1 nothing is left allocated and `out` is zeroed. */
int ctx_set_build(struct db *db, const struct config *c, struct ctx_set *out, struct err *e);
void ctx_set_free(struct ctx_set *set);

/* What a commit must pass: every service's context builds, with its real
 * certificate. While no certificate exists yet (a new database the daemon
 * has not seen), the policy alone is checked, as ctx_validate_config does. */
int ctx_validate_config_with_certs(struct db *db, const struct config *c, struct err *e);

#endif
