/* trust: the certificate authorities that outbound TLS verification trusts
 * (certconfig CERTAUTHORITY): the system bundle when ca.system is enabled,
 * plus every custom CA of one committed version. */
#ifndef TLSGATE_TRUST_H
#define TLSGATE_TRUST_H

#include <openssl/x509.h>

#include "../core/config.h"
#include "../core/err.h"
#include "../db/db.h"

/* Custom CAs are entries of kind "ca": the name is the CA's label, the value
 * one or more PEM certificates. The system bundle is OpenSSL's default
 * location, which honours SSL_CERT_FILE and SSL_CERT_DIR (tests point those
 * at a test CA). `version` 0 is the latest committed version; with `user`, that user's
 * effective view. *out holds the
 * store (free with X509_STORE_free). A custom CA that does not parse is an
 * error naming it: it was checked at commit, so the database is damaged. */
int trust_store_build(struct db *db, const char *user, long version, const struct config *c,
		      X509_STORE **out, struct err *e);

#endif
