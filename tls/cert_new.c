/* cert_new: NEW, a fresh key, a self-signed certificate and (kept on
 * request) a CSR of the same subject and SANs. */
#include "cert_profile.h"
#include "cert_profile_internal.h"

#include <arpa/inet.h>
#include <openssl/bn.h>
#include <openssl/ec.h>
#include <openssl/err.h>
#include <openssl/x509v3.h>
#include <stdio.h>
#include <string.h>

static int add_name(X509_NAME *name, const char *field, const char *value)
{
	if (!value[0])
		return 1;
	return X509_NAME_add_entry_by_txt(name, field, MBSTRING_UTF8, (const unsigned char *)value,
					  -1, -1, 0);
}

static X509_NAME *subject_of(const struct cert_request *r)
{
	X509_NAME *n = X509_NAME_new();

	if (n && add_name(n, "C", r->c) && add_name(n, "ST", r->st) && add_name(n, "L", r->l) &&
	    add_name(n, "O", r->o) && add_name(n, "OU", r->ou) && add_name(n, "CN", r->cn))
		return n;
	X509_NAME_free(n);
	return NULL;
}

/* "DNS:a.example,IP:192.0.2.1" for the SAN extension. */
static void san_value(const struct cert_request *r, char *buf, size_t len)
{
	size_t used = 0;
	unsigned char addr[16];

	buf[0] = '\0';
	for (size_t i = 0; i < r->san_count && used < len; i++) {
		int ip = inet_pton(AF_INET, r->sans[i], addr) == 1 ||
			 inet_pton(AF_INET6, r->sans[i], addr) == 1;
		used += (size_t)snprintf(buf + used, len - used, "%s%s:%s", i ? "," : "",
					 ip ? "IP" : "DNS", r->sans[i]);
	}
}

static int add_ext(STACK_OF(X509_EXTENSION) * *exts, X509V3_CTX *ctx, int nid, const char *value)
{
	X509_EXTENSION *ext = X509V3_EXT_conf_nid(NULL, ctx, nid, value);

	if (!ext)
		return 0;
	if (!X509v3_add_ext(exts, ext, -1)) {
		X509_EXTENSION_free(ext);
		return 0;
	}
	X509_EXTENSION_free(ext);
	return 1;
}

static EVP_PKEY *new_key(const struct cert_request *r)
{
	if (!r->ecdsa)
		return EVP_RSA_gen((unsigned)r->rsa_bits);
	return EVP_EC_gen(r->ec_curve == NID_secp384r1 ? "P-384" : "P-256");
}

static int make_csr(const struct cert_request *r, EVP_PKEY *key, X509_NAME *subject,
		    const char *sans, X509_REQ **out)
{
	X509_REQ *req = X509_REQ_new();
	STACK_OF(X509_EXTENSION) *exts = NULL;
	X509V3_CTX v3;
	int ok;

	(void)r;
	ok = req && X509_REQ_set_version(req, 0) && X509_REQ_set_subject_name(req, subject) &&
	     X509_REQ_set_pubkey(req, key);
	X509V3_set_ctx(&v3, NULL, NULL, req, NULL, 0);
	if (ok && sans[0])
		ok = add_ext(&exts, &v3, NID_subject_alt_name, sans) &&
		     X509_REQ_add_extensions(req, exts);
	sk_X509_EXTENSION_pop_free(exts, X509_EXTENSION_free);
	ok = ok && X509_REQ_sign(req, key, EVP_sha256()) > 0;
	if (!ok) {
		X509_REQ_free(req);
		return -1;
	}
	*out = req;
	return 0;
}

static int make_cert(const struct cert_request *r, EVP_PKEY *key, X509_NAME *subject,
		     const char *sans, X509 **out)
{
	X509 *x = X509_new();
	BIGNUM *serial = BN_new();
	STACK_OF(X509_EXTENSION) *exts = NULL;
	X509V3_CTX v3;
	int ok;

	ok = x && serial && BN_rand(serial, 159, BN_RAND_TOP_ANY, BN_RAND_BOTTOM_ANY) &&
	     BN_to_ASN1_INTEGER(serial, X509_get_serialNumber(x)) && X509_set_version(x, 2) &&
	     X509_gmtime_adj(X509_getm_notBefore(x), 0) &&
	     X509_time_adj_ex(X509_getm_notAfter(x), r->days, 0, NULL) && X509_set_pubkey(x, key) &&
	     X509_set_subject_name(x, subject) && X509_set_issuer_name(x, subject);
	BN_free(serial);
	X509V3_set_ctx(&v3, x, x, NULL, NULL, 0);
	ok = ok && add_ext(&exts, &v3, NID_basic_constraints, "critical,CA:FALSE") &&
	     add_ext(&exts, &v3, NID_key_usage,
		     r->ecdsa ? "critical,digitalSignature"
			      : "critical,digitalSignature,keyEncipherment") &&
	     add_ext(&exts, &v3, NID_ext_key_usage, "serverAuth,clientAuth") &&
	     add_ext(&exts, &v3, NID_subject_key_identifier, "hash") &&
	     (!sans[0] || add_ext(&exts, &v3, NID_subject_alt_name, sans));
	for (int i = 0; ok && i < sk_X509_EXTENSION_num(exts); i++)
		ok = X509_add_ext(x, sk_X509_EXTENSION_value(exts, i), -1);
	sk_X509_EXTENSION_pop_free(exts, X509_EXTENSION_free);
	ok = ok && X509_sign(x, key, EVP_sha256()) > 0;
	if (!ok) {
		X509_free(x);
		return -1;
	}
	*out = x;
	return 0;
}

int cert_profile_new(const struct cert_request *r, struct cert_profile *out, struct err *e)
{
	char sans[CERT_SAN_MAX * 260];
	X509_NAME *subject;

	memset(out, 0, sizeof(*out));
	san_value(r, sans, sizeof(sans));
	subject = subject_of(r);
	out->key = subject ? new_key(r) : NULL;
	out->chain = sk_X509_new_null();
	if (!subject || !out->key || !out->chain ||
	    make_cert(r, out->key, subject, sans, &out->cert) < 0 ||
	    (r->keep_csr && make_csr(r, out->key, subject, sans, &out->csr) < 0)) {
		X509_NAME_free(subject);
		cert_profile_free(out);
		return cert_openssl_fail(e, "The certificate cannot be created");
	}
	X509_NAME_free(subject);
	return 0;
}
