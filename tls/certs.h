/* certs: certificate profiles as the engines use them: the self-signed
 * "Demo" profile every appliance starts with, and loading a profile (entry
 * "cert.NAME", tls/cert_profile.h) for a TLS context. */
#ifndef TLSGATE_CERTS_H
#define TLSGATE_CERTS_H

#include <openssl/ssl.h>

#include "../core/err.h"
#include "../db/db.h"

#define CERTS_DEMO_NAME "Demo"

/* A certificate with its key and intermediates, ready for ctx_build(). */
struct tls_identity {
	X509 *cert;
	EVP_PKEY *key;
	STACK_OF(X509) * chain; /* may be empty, never NULL after a load */
};

/* Creates the Demo profile (RSA-2048, self-signed, SHA-256) as a committed
 * entry when the latest version has none. Safe when the shell and tlsgated
 * race: the first one wins. */
int certs_ensure_demo(struct db *db, struct err *e);
/* SHA-256 of `data` (all zero if OpenSSL cannot compute it). */
void certs_sha256(const void *data, size_t len, unsigned char out[32]);
/* Loads profile `name` as committed in the latest version. *found = 0 (and 0
 * returned) when it does not exist. */
int certs_load(struct db *db, const char *name, struct tls_identity *out, int *found,
	       struct err *e);
/* The same, from `user`'s effective view (latest plus their staged edits)
 * when user is not NULL, else as committed in `version` (0: the latest). */
int certs_load_as(struct db *db, const char *user, long version, const char *name,
		  struct tls_identity *out, int *found, struct err *e);
void certs_identity_free(struct tls_identity *id);

#endif
