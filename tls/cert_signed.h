/* cert_signed: certconfig EDIT → CERTIFICATE as one piece of logic that the
 * console (cli/cmd_certnew.c) and the WebUI (daemon/web_cert_edit.c) both
 * call: the certificate a CA signed for a profile's key (from its CSR)
 * replaces the profile's certificate, with the intermediates that came with
 * it, put in chain order. */
#ifndef TLSGATE_CERT_SIGNED_H
#define TLSGATE_CERT_SIGNED_H

#include "cert_profile.h"

/* Is `cert` for the profile's key? -1: "key does not sign certificate". */
int cert_signed_check(EVP_PKEY *key, X509 *cert, struct err *e);

/* Replaces p->cert by `cert` and p->chain by `intermediates` (ordered above
 * it); the old intermediates belonged to the old issuer. Takes both on
 * success; on -1 (e says why: the key, or an intermediate that belongs
 * nowhere) `p` is unchanged and the caller still owns them. */
int cert_profile_put_signed(struct cert_profile *p, X509 *cert, STACK_OF(X509) * intermediates,
			    struct err *e);

/* The same from one PEM text (an upload): the certificate for the
 * profile's key and any intermediates, in any order. -1 with e set (the
 * PEM, the key, the chain); `p` is then unchanged. */
int cert_profile_put_signed_pem(struct cert_profile *p, const char *pem, struct err *e);

#endif
