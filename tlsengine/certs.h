/* certs: certificate profiles as OpenSSL objects: the self-signed "Demo"
 * profile every appliance starts with, and loading a profile's PEM from the
 * database. The one place private keys are parsed. */
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

/* Creates the Demo profile (RSA-2048, self-signed, SHA-256) when the
 * database has none. Safe when two processes race: the first one wins. */
int certs_ensure_demo(struct db *db, struct err *e);
/* Loads profile `name`. *found = 0 (and 0 returned) when it does not exist. */
int certs_load(struct db *db, const char *name, struct tls_identity *out, int *found,
	       struct err *e);
void certs_identity_free(struct tls_identity *id);

/* A new self-signed certificate and key as PEM text (both malloc'd; wipe
 * and free the key). `days` of validity from now. */
int certs_make_self_signed(const char *common_name, int bits, int days, char **cert_pem,
			   char **key_pem, struct err *e);

#endif
