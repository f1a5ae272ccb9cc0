/* cert_profile: a certificate profile as OpenSSL objects, and every way one
 * is made or read: the stored PEM text (core/pem_blob.h), pasted PEM pieces,
 * PKCS#12 import and export, NEW (a self-signed certificate with its CSR),
 * and the metadata the listing shows. The one place, with certs.c, where
 * private keys are parsed; nothing here prints a key. Made in cert_profile.c
 * (stored text, checks, pasted pieces), cert_pkcs12.c, cert_new.c and
 * cert_info.c (metadata, PRINT). */
#ifndef TLSGATE_CERT_PROFILE_H
#define TLSGATE_CERT_PROFILE_H

#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <stddef.h>

#include "../core/err.h"
#include "../core/strbuf.h"

struct cert_profile {
	X509 *cert;
	STACK_OF(X509) * chain; /* intermediates in chain order; never NULL once made */
	EVP_PKEY *key;
	X509_REQ *csr; /* the request NEW made, kept for EDIT; NULL when none */
};

void cert_profile_free(struct cert_profile *p);
/* Wipes and frees a stored blob (it holds a private key). NULL is fine. */
void cert_blob_free(char *blob);

/* The stored text <-> objects. Parsing also checks the layout. */
int cert_profile_parse(const char *blob, struct cert_profile *out, struct err *e);
int cert_profile_to_blob(const struct cert_profile *p, char **out, struct err *e);

/* What a commit requires of a profile: the key signs the certificate and
 * each intermediate issued the one before it. */
int cert_profile_check(const struct cert_profile *p, struct err *e);
/* Puts `chain` in order above `leaf` (as issuers follow); a certificate
 * that belongs nowhere in it is an error. */
int cert_chain_order(X509 *leaf, STACK_OF(X509) * chain, struct err *e);

/* Pasted pieces. Exactly one certificate / one unencrypted key. */
int cert_parse_certificate(const char *pem, X509 **out, struct err *e);
int cert_parse_private_key(const char *pem, EVP_PKEY **out, struct err *e);
int cert_key_matches(X509 *cert, EVP_PKEY *key);

/* PKCS#12. A wrong passphrase and a damaged file are told apart. */
int cert_profile_from_pkcs12(const unsigned char *data, size_t len, const char *passphrase,
			     struct cert_profile *out, struct err *e);
/* Is this a PKCS#12 structure at all (before asking for its passphrase)? */
int cert_pkcs12_probe(const unsigned char *data, size_t len, struct err *e);
int cert_profile_to_pkcs12(const struct cert_profile *p, const char *friendly_name,
			   const char *passphrase, unsigned char **out, size_t *len, struct err *e);

#define CERT_SAN_MAX 16
struct cert_request {
	int ecdsa;    /* 0: RSA */
	int rsa_bits; /* 2048, 3072, 4096 */
	int ec_curve; /* NID_X9_62_prime256v1 or NID_secp384r1 */
	int days;     /* validity from now */
	int keep_csr; /* store the CSR in the profile */
	char cn[65], o[65], ou[65], l[129], st[129], c[3];
	char sans[CERT_SAN_MAX][254]; /* DNS names or IP addresses */
	size_t san_count;
};
/* NEW: a key, a self-signed certificate and (keep_csr) a CSR of the same subject. */
int cert_profile_new(const struct cert_request *r, struct cert_profile *out, struct err *e);

struct cert_info {
	char common_name[128];
	char issuer_cn[128];
	char subject[256];
	char issuer[256];
	char not_before[40];
	char not_after[40];
	long long seconds_left; /* until not-after; negative when expired */
	int not_yet_valid;
	const char *status; /* "Valid", "Expired", "Not yet valid" */
	char key_type[80];  /* "RSA 2048", "ECDSA P-256" */
	char sans[512];     /* "DNS:a, IP:1.2.3.4" or "" */
	char fingerprint[100];
};
void cert_info_of(X509 *cert, struct cert_info *out);

/* PRINT: the certificate's details and its PEM (and the intermediates'). */
void cert_profile_print(const struct cert_profile *p, struct strbuf *out);
/* The CSR as PEM, or "" when none. */
void cert_csr_pem(const struct cert_profile *p, struct strbuf *out);
/* Every certificate of a PEM text (custom CAs); at least one required. */
int cert_parse_certificates(const char *pem, STACK_OF(X509) * *out, struct err *e);

/* PEM of every certificate of `list`, for storing a custom CA. */
void cert_list_pem(STACK_OF(X509) * list, struct strbuf *out);
/* One line per certificate of a bundle file (the system trust store):
 * its subject. *count certificates. */
int cert_bundle_subjects(const char *path, struct strbuf *out, int *count, struct err *e);

#endif
