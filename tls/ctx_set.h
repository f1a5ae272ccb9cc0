/* ctx_set: the SSL_CTXs of every service for one configuration, each with its
 * assigned certificate profile (gui/inbound/outbound.certificate) from the
 * database. The daemon swaps a whole set in on "apply N"; the shell builds
 * (and drops) one to validate a commit. */
#ifndef TLSGATE_CTX_SET_H
#define TLSGATE_CTX_SET_H

#include <openssl/ssl.h>

#include "../core/config.h"
#include "../core/err.h"
#include "../db/db.h"

struct ctx_set {
	SSL_CTX *ctx[SVC_COUNT];
};

/* All or nothing: on -1 nothing is left allocated and `out` is zeroed.
 * Profiles as committed in the latest version. */
int ctx_set_build(struct db *db, const struct config *c, struct ctx_set *out, struct err *e);
/* The same with the profiles of `version` (the one `c` was loaded from). */
int ctx_set_build_version(struct db *db, long version, const struct config *c, struct ctx_set *out,
			  struct err *e);
void ctx_set_free(struct ctx_set *set);

/* What a commit must pass: every service's context builds with its assigned
 * profile, which must exist and whose key must sign its certificate. */
int ctx_validate_config_with_certs(struct db *db, const struct config *c, struct err *e);
/* The same in `user`'s effective view (the commit about to be written), plus
 * every certificate profile and custom CA the user staged must be sound. */
int ctx_validate_for_user(struct db *db, const char *user, const struct config *c, struct err *e);

#endif
