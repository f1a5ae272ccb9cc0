/* cert_profile_internal: the helpers the certificate profile files
 * (tls/cert_profile.c, cert_pkcs12.c, cert_new.c, cert_info.c) share.
 * Nothing outside them includes it. */
#ifndef TLSGATE_CERT_PROFILE_INTERNAL_H
#define TLSGATE_CERT_PROFILE_INTERNAL_H

#include <openssl/bio.h>

#include "../core/err.h"

/* err_set with OpenSSL's last error: "what: reason". Returns -1. */
int cert_openssl_fail(struct err *e, const char *what);
/* A pem_password_cb that never prompts on a terminal. */
int cert_no_passphrase(char *buf, int size, int rwflag, void *arg);
/* The contents of a memory BIO as a C string (NULL on failure). */
char *cert_bio_string(BIO *bio);

#endif
