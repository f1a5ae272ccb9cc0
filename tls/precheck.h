/* precheck: what each service will really be able to negotiate under a
 * configuration, and plain-words warnings about lockouts, computed before a
 * commit with the same context-building code the engines use. */
#ifndef TLSGATE_PRECHECK_H
#define TLSGATE_PRECHECK_H

#include <openssl/ssl.h>

#include "../core/config.h"
#include "../core/strbuf.h"

/* Usable suites per version for one service; -1 where the version is disabled. */
struct service_prediction {
	int suites[TLS_VERSION_COUNT];
};

/* The certificate each service will present (NULL: none known). */
struct service_keys {
	X509 *cert[SVC_COUNT];
	EVP_PKEY *key[SVC_COUNT];
};

/* The certificate each service of `c` is assigned, from `user`'s effective
 * view (NULL: as committed). A profile that is missing or does not load is
 * left NULL: the commit's own validation refuses it with the reason. */
struct db;
void precheck_keys_load(struct db *db, const char *user, const struct config *c,
			struct service_keys *out);
void precheck_keys_free(struct service_keys *keys);

/* Fills `out` for every service. Returns -1 if a context cannot be built
 * (the message says why: that configuration cannot be committed at all). */
int precheck_predict(const struct config *c, const struct service_keys *keys,
		     struct service_prediction out[SVC_COUNT], struct err *e);

/* Appends the prediction table and one "Warning: ..." line per problem of the
 * services in `services` (bit SVC_x; an expired certificate is always
 * reported); returns the number of warnings. */
int precheck_report(const struct config *c, const struct service_keys *keys, unsigned services,
		    struct strbuf *table, struct strbuf *warnings, struct err *e);

/* Bit SVC_x set when service x's TLS settings or certificate differ between a and b. */
unsigned precheck_changed_services(const struct config *a, const struct config *b);

#endif
