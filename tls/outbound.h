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
/* The two peer-certificate checks, made separately after the handshake:
 * X.509 = the chain verifies against the trusted CAs (signatures, dates,
 * CA constraints, fit for a TLS server); FQDN = the certificate names the
 * domain or the MX/route host (SAN dNSName, else CN; RFC 6125 wildcards). */
struct outbound_peer {
	bool present;        /* the server sent a certificate */
	bool chain_ok;       /* X.509 */
	bool name_ok;        /* FQDN */
	char chain_why[128]; /* "ok" or OpenSSL's reason */
	char name_why[128];
};
void outbound_check_peer(const struct outbound *o, SSL *ssl, struct outbound_peer *p);

/* How the destination's TLS level and sslconfig's PEER_CERT_X509 /
 * PEER_CERT_FQDN combine (docs/CLI.md, "Peer certificate validation"):
 * the Verify levels always check both; an enabled sslconfig check is made
 * at every level that uses TLS, and its failure refuses the connection. */
enum outbound_cert_verdict {
	OB_CERT_OK,        /* every check that counts passed */
	OB_CERT_TOLERATED, /* Preferred (Verify): failed, logged, delivered encrypted */
	OB_CERT_REFUSED,   /* nothing is sent over this connection, nor in clear */
};
/* `why` gets the failed checks ("hostname mismatch; ..."), or "ok";
 * `*by_sslconfig` whether an sslconfig setting caused a refusal. */
enum outbound_cert_verdict outbound_judge(const struct outbound *o, enum tls_level level,
					  const struct outbound_peer *p, char *why, size_t len,
					  bool *by_sslconfig);

#endif
