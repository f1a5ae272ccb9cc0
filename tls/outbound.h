/* outbound: everything a delivery needs from one committed version — the
 * destination control table, the routes, the outbound TLS context (methods,
 * ciphers, client certificate, trusted CAs) and the alert settings — built
 * once per "apply" and shared, reference-counted, by the connections that
 * started under it. tlsverify builds the same thing, so it tests exactly
 * what delivery would do. */
#ifndef TLSGATE_OUTBOUND_H
#define TLSGATE_OUTBOUND_H

#include <openssl/ssl.h>
#include <stdbool.h>

#include "../core/config.h"
#include "../core/dest.h"
#include "../core/domain_map.h"
#include "../core/err.h"
#include "../core/route.h"
#include "../db/db.h"
#include "prepare.h"

struct outbound {
	int refs;
	long version;
	struct config config;
	SSL_CTX *ctx;
	struct domain_map *dests;  /* domain -> struct dest_policy (own fields only) */
	struct dest_policy def;    /* DEFAULT, every field set */
	struct domain_map *routes; /* domain or "ALL" -> struct route */
	struct route *route_all;
};

/* `version` 0: the latest committed. */
int outbound_build(struct db *db, long version, struct outbound **out, struct err *e);
/* The same for configuration `c`, read from `src` (tls/prepare.h): a user's
 * effective view or a committed version. */
int outbound_build_from(struct db *db, const struct plan_source *src, const struct config *c,
			struct outbound **out, struct err *e);
struct outbound *outbound_ref(struct outbound *o);
void outbound_unref(struct outbound *o);

/* The effective policy for `domain` (most specific entry merged over
 * DEFAULT); *matched names the entry ("DEFAULT" when none). */
void outbound_policy(const struct outbound *o, const char *domain, struct dest_policy *out,
		     const char **matched);
/* The route for `domain`, or NULL for DNS. */
const struct route *outbound_route(const struct outbound *o, const char *domain);

/* A client SSL for one delivery: SNI, and the names the certificate may
 * carry (the domain, and the MX or routed host name when it is a name). */
SSL *outbound_new_ssl(const struct outbound *o, const char *domain, const char *host);
/* After the handshake: did chain and name verify? `why` gets the reason. */
bool outbound_verified(SSL *ssl, char *why, size_t len);

#endif
