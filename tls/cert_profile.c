/* cert_profile: certificate profiles with OpenSSL — parse, make, convert. */
#define _GNU_SOURCE /* explicit_bzero */
#include "cert_profile.h"

#include <arpa/inet.h>
#include <openssl/bn.h>
#include <openssl/decoder.h>
#include <openssl/ec.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/pkcs12.h>
#include <openssl/x509v3.h>
#include <stdlib.h>
#include <string.h>

#include "../core/pem_blob.h"

static int openssl_fail(struct err *e, const char *what)
{
	char text[256] = "unknown error";
	unsigned long code = ERR_peek_last_error();

	if (code)
		ERR_error_string_n(code, text, sizeof(text));
	ERR_clear_error();
	return err_set(e, "%s: %s", what, text);
}

/* Never prompt on a terminal for a PEM passphrase. */
static int no_passphrase(char *buf, int size, int rwflag, void *arg)
{
	(void)buf;
	(void)size;
	(void)rwflag;
	(void)arg;
	return -1;
}

void cert_blob_free(char *blob)
{
	if (!blob)
		return;
	explicit_bzero(blob, strlen(blob));
	free(blob);
}

void cert_profile_free(struct cert_profile *p)
{
	X509_free(p->cert);
	sk_X509_pop_free(p->chain, X509_free);
	EVP_PKEY_free(p->key);
	X509_REQ_free(p->csr);
	memset(p, 0, sizeof(*p));
}

static BIO *block_bio(const char *text, const struct pem_block *b)
{
	return BIO_new_mem_buf(text + b->start, (int)b->len);
}

/* The key of a profile is PKCS#8 PEM of the certificate's key type, as
 * tlsgate writes it. Telling OpenSSL's decoder so makes a third of the work
 * of PEM_read_bio_PrivateKey, which tries every decoder (4 M instructions,
 * a millisecond of each commit); any other form still goes that way. */
static EVP_PKEY *read_key(const char *blob, const struct pem_block *b, X509 *cert)
{
	EVP_PKEY *key = NULL;
	EVP_PKEY *pub = X509_get0_pubkey(cert);
	const char *type = pub ? EVP_PKEY_get0_type_name(pub) : NULL;
	BIO *bio;

	if (type) {
		OSSL_DECODER_CTX *d = OSSL_DECODER_CTX_new_for_pkey(
			&key, "PEM", "PrivateKeyInfo", type, EVP_PKEY_KEYPAIR, NULL, NULL);
		const unsigned char *p = (const unsigned char *)blob + b->start;
		size_t len = b->len;
		if (d && OSSL_DECODER_CTX_get_num_decoders(d) > 0 &&
		    OSSL_DECODER_CTX_set_pem_password_cb(d, no_passphrase, NULL))
			OSSL_DECODER_from_data(d, &p, &len);
		OSSL_DECODER_CTX_free(d);
		if (key)
			return key;
		ERR_clear_error();
	}
	bio = block_bio(blob, b);
	key = bio ? PEM_read_bio_PrivateKey(bio, NULL, no_passphrase, NULL) : NULL;
	BIO_free(bio);
	return key;
}

int cert_profile_parse(const char *blob, struct cert_profile *out, struct err *e)
{
	struct pem_profile_layout lay;
	BIO *bio;

	memset(out, 0, sizeof(*out));
	if (strlen(blob) > PEM_BLOB_MAX)
		return err_set(e, "the profile is larger than %d bytes", PEM_BLOB_MAX);
	if (pem_profile_layout(blob, &lay, e) < 0)
		return -1;
	bio = block_bio(blob, &lay.cert);
	out->cert = bio ? PEM_read_bio_X509(bio, NULL, no_passphrase, NULL) : NULL;
	BIO_free(bio);
	if (!out->cert)
		goto fail_cert;
	out->chain = sk_X509_new_null();
	for (size_t i = 0; out->chain && i < lay.chain_count; i++) {
		X509 *x;
		bio = block_bio(blob, &lay.chain[i]);
		x = bio ? PEM_read_bio_X509(bio, NULL, no_passphrase, NULL) : NULL;
		BIO_free(bio);
		if (!x || !sk_X509_push(out->chain, x)) {
			X509_free(x);
			cert_profile_free(out);
			return openssl_fail(e, "an intermediate certificate cannot be read");
		}
	}
	out->key = read_key(blob, &lay.key, out->cert);
	if (!out->key || !out->chain) {
		cert_profile_free(out);
		return openssl_fail(e, "the private key cannot be read");
	}
	if (lay.has_csr) {
		bio = block_bio(blob, &lay.csr);
		out->csr = bio ? PEM_read_bio_X509_REQ(bio, NULL, no_passphrase, NULL) : NULL;
		BIO_free(bio);
		if (!out->csr) {
			cert_profile_free(out);
			return openssl_fail(e, "the certificate signing request cannot be read");
		}
	}
	ERR_clear_error();
	return 0;
fail_cert:
	cert_profile_free(out);
	return openssl_fail(e, "the certificate cannot be read");
}

/* The contents of a memory BIO as a C string (NULL on failure). */
static char *bio_string(BIO *bio)
{
	BUF_MEM *mem = NULL;
	char *s;

	BIO_get_mem_ptr(bio, &mem);
	if (!mem || !(s = malloc(mem->length + 1)))
		return NULL;
	memcpy(s, mem->data, mem->length);
	s[mem->length] = '\0';
	return s;
}

int cert_profile_to_blob(const struct cert_profile *p, char **out, struct err *e)
{
	BIO *bio = BIO_new(BIO_s_secmem());
	int ok = bio && PEM_write_bio_X509(bio, p->cert);

	*out = NULL;
	for (int i = 0; ok && p->chain && i < sk_X509_num(p->chain); i++)
		ok = PEM_write_bio_X509(bio, sk_X509_value(p->chain, i));
	/* PKCS#8, unencrypted: the database is the protected place. */
	ok = ok && PEM_write_bio_PrivateKey(bio, p->key, NULL, NULL, 0, NULL, NULL);
	if (ok && p->csr)
		ok = PEM_write_bio_X509_REQ(bio, p->csr);
	if (ok)
		*out = bio_string(bio);
	BIO_free(bio);
	if (!*out)
		return openssl_fail(e, "the profile cannot be written");
	if (strlen(*out) > PEM_BLOB_MAX) {
		cert_blob_free(*out);
		*out = NULL;
		return err_set(e, "the profile is larger than %d bytes", PEM_BLOB_MAX);
	}
	return 0;
}

int cert_key_matches(X509 *cert, EVP_PKEY *key)
{
	int ok = X509_check_private_key(cert, key) == 1;

	ERR_clear_error();
	return ok;
}

static int issued(X509 *issuer, X509 *subject)
{
	return X509_check_issued(issuer, subject) == X509_V_OK;
}

int cert_chain_order(X509 *leaf, STACK_OF(X509) * chain, struct err *e)
{
	int n = sk_X509_num(chain);
	X509 *last = leaf;

	/* Selection sort by "who issued the last one"; a self-signed root ends it. */
	for (int placed = 0; placed < n; placed++) {
		int found = -1;
		if (placed > 0 && issued(last, last))
			break;
		for (int i = placed; i < n && found < 0; i++)
			if (issued(sk_X509_value(chain, i), last))
				found = i;
		if (found < 0)
			break;
		if (found != placed) {
			X509 *a = sk_X509_value(chain, placed), *b = sk_X509_value(chain, found);
			sk_X509_set(chain, placed, b);
			sk_X509_set(chain, found, a);
		}
		last = sk_X509_value(chain, placed);
	}
	return cert_profile_check(&(struct cert_profile){ .cert = leaf, .chain = chain }, e);
}

int cert_profile_check(const struct cert_profile *p, struct err *e)
{
	X509 *below = p->cert;
	char name[256];

	if (p->key && !cert_key_matches(p->cert, p->key))
		return err_set(e, "key does not sign certificate");
	for (int i = 0; p->chain && i < sk_X509_num(p->chain); i++) {
		X509 *x = sk_X509_value(p->chain, i);
		if (!issued(x, below)) {
			X509_NAME_oneline(X509_get_subject_name(x), name, sizeof(name));
			ERR_clear_error();
			return err_set(e,
				       "the intermediate certificate \"%.120s\" did not issue the "
				       "certificate before it in the chain",
				       name);
		}
		below = x;
	}
	return 0;
}

/* Exactly one block of `kind` in `pem` (text around it is ignored). */
static int one_block(const char *pem, enum pem_kind kind, const char *noun, struct pem_block *out,
		     struct err *e)
{
	struct pem_block b[PEM_BLOB_BLOCKS_MAX];
	size_t n, found = 0;

	if (strlen(pem) > PEM_BLOB_MAX)
		return err_set(e, "more than %d bytes", PEM_BLOB_MAX);
	if (pem_split(pem, b, PEM_BLOB_BLOCKS_MAX, &n, e) < 0)
		return -1;
	for (size_t i = 0; i < n; i++)
		if (b[i].kind == kind && found++ == 0)
			*out = b[i];
	if (found == 0)
		return err_set(e, "no PEM %s was found", noun);
	if (found > 1)
		return err_set(e, "more than one %s was pasted", noun);
	return 0;
}

int cert_parse_certificate(const char *pem, X509 **out, struct err *e)
{
	struct pem_block b;
	BIO *bio;

	*out = NULL;
	if (one_block(pem, PEM_CERTIFICATE, "certificate", &b, e) < 0)
		return -1;
	bio = block_bio(pem, &b);
	*out = bio ? PEM_read_bio_X509(bio, NULL, no_passphrase, NULL) : NULL;
	BIO_free(bio);
	if (!*out)
		return openssl_fail(e, "the PEM text is not a certificate");
	return 0;
}

int cert_parse_private_key(const char *pem, EVP_PKEY **out, struct err *e)
{
	struct pem_block b;
	BIO *bio;

	*out = NULL;
	if (strstr(pem, "ENCRYPTED PRIVATE KEY") || strstr(pem, "Proc-Type: 4,ENCRYPTED"))
		return err_set(e, "the key is encrypted; paste it decrypted (openssl pkey)");
	if (one_block(pem, PEM_PRIVATE_KEY, "private key", &b, e) < 0)
		return -1;
	bio = block_bio(pem, &b);
	*out = bio ? PEM_read_bio_PrivateKey(bio, NULL, no_passphrase, NULL) : NULL;
	BIO_free(bio);
	if (!*out)
		return openssl_fail(e, "the PEM text is not a private key");
	return 0;
}

int cert_parse_certificates(const char *pem, STACK_OF(X509) * *out, struct err *e)
{
	struct pem_block b[PEM_BLOB_BLOCKS_MAX];
	size_t n;

	*out = NULL;
	if (strlen(pem) > PEM_BLOB_MAX)
		return err_set(e, "more than %d bytes", PEM_BLOB_MAX);
	if (pem_split(pem, b, PEM_BLOB_BLOCKS_MAX, &n, e) < 0)
		return -1;
	if (!(*out = sk_X509_new_null()))
		return err_set(e, "Out of memory.");
	for (size_t i = 0; i < n; i++) {
		BIO *bio;
		X509 *x;
		if (b[i].kind != PEM_CERTIFICATE)
			continue;
		bio = block_bio(pem, &b[i]);
		x = bio ? PEM_read_bio_X509(bio, NULL, no_passphrase, NULL) : NULL;
		BIO_free(bio);
		if (!x || !sk_X509_push(*out, x)) {
			X509_free(x);
			sk_X509_pop_free(*out, X509_free);
			*out = NULL;
			return openssl_fail(e, "a certificate cannot be read");
		}
	}
	if (sk_X509_num(*out) == 0) {
		sk_X509_free(*out);
		*out = NULL;
		return err_set(e, "no PEM certificate was found");
	}
	return 0;
}

/* ---- PKCS#12 ---- */

int cert_profile_from_pkcs12(const unsigned char *data, size_t len, const char *passphrase,
			     struct cert_profile *out, struct err *e)
{
	const unsigned char *p = data;
	PKCS12 *p12;
	int ok;

	memset(out, 0, sizeof(*out));
	if (len == 0 || len > 10L * 1024 * 1024)
		return err_set(e, "the file is empty or too large to be a PKCS#12 file");
	p12 = d2i_PKCS12(NULL, &p, (long)len);
	if (!p12 || p != data + len) {
		PKCS12_free(p12);
		ERR_clear_error();
		return err_set(e, "the file is not a PKCS#12 file, or it is damaged or truncated");
	}
	if (PKCS12_mac_present(p12) && !PKCS12_verify_mac(p12, passphrase, -1) &&
	    !(passphrase[0] == '\0' && PKCS12_verify_mac(p12, NULL, 0))) {
		PKCS12_free(p12);
		ERR_clear_error();
		return err_set(e, "the passphrase is not correct for this file");
	}
	ok = PKCS12_parse(p12, passphrase, &out->key, &out->cert, &out->chain);
	PKCS12_free(p12);
	if (!ok || !out->cert || !out->key) {
		cert_profile_free(out);
		return ok ? err_set(e, "the file holds no certificate with its private key")
			  : openssl_fail(e, "the file cannot be decrypted");
	}
	if (!out->chain && !(out->chain = sk_X509_new_null())) {
		cert_profile_free(out);
		return err_set(e, "Out of memory.");
	}
	if (!cert_key_matches(out->cert, out->key)) {
		cert_profile_free(out);
		return err_set(e, "key does not sign certificate");
	}
	if (cert_chain_order(out->cert, out->chain, e) < 0) {
		cert_profile_free(out);
		return -1;
	}
	return 0;
}

int cert_pkcs12_probe(const unsigned char *data, size_t len, struct err *e)
{
	const unsigned char *p = data;
	PKCS12 *p12;

	if (len == 0 || len > 10L * 1024 * 1024)
		return err_set(e, "the file is empty or too large to be a PKCS#12 file");
	p12 = d2i_PKCS12(NULL, &p, (long)len);
	PKCS12_free(p12);
	ERR_clear_error();
	if (!p12 || p != data + len)
		return err_set(e, "the file is not a PKCS#12 file, or it is damaged or truncated");
	return 0;
}

int cert_profile_to_pkcs12(const struct cert_profile *p, const char *friendly_name,
			   const char *passphrase, unsigned char **out, size_t *len, struct err *e)
{
	PKCS12 *p12;
	int n;

	*out = NULL;
	*len = 0;
	/* OpenSSL 3 defaults: AES-256-CBC with PBKDF2, SHA-256 MAC. */
	p12 = PKCS12_create(passphrase, friendly_name, p->key, p->cert, p->chain, 0, 0, 0, 0, 0);
	if (!p12)
		return openssl_fail(e, "the PKCS#12 file cannot be made");
	n = i2d_PKCS12(p12, out);
	PKCS12_free(p12);
	if (n <= 0)
		return openssl_fail(e, "the PKCS#12 file cannot be written");
	*len = (size_t)n;
	return 0;
}

/* ---- NEW ---- */

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
		return openssl_fail(e, "The certificate cannot be created");
	}
	X509_NAME_free(subject);
	return 0;
}

/* ---- metadata ---- */

static void name_field(X509_NAME *name, int nid, char *buf, size_t len)
{
	int i = X509_NAME_get_index_by_NID(name, nid, -1);
	unsigned char *utf8 = NULL;
	int n;

	buf[0] = '\0';
	if (i < 0)
		return;
	n = ASN1_STRING_to_UTF8(&utf8, X509_NAME_ENTRY_get_data(X509_NAME_get_entry(name, i)));
	if (n >= 0)
		snprintf(buf, len, "%.*s", n, (const char *)utf8);
	OPENSSL_free(utf8);
}

static void one_line_name(X509_NAME *name, char *buf, size_t len)
{
	BIO *bio = BIO_new(BIO_s_mem());
	char *s;

	buf[0] = '\0';
	if (bio && X509_NAME_print_ex(bio, name, 0, XN_FLAG_ONELINE & ~ASN1_STRFLGS_ESC_MSB) >= 0 &&
	    (s = bio_string(bio))) {
		snprintf(buf, len, "%s", s);
		free(s);
	}
	BIO_free(bio);
}

static void time_text(const ASN1_TIME *t, char *buf, size_t len)
{
	BIO *bio = BIO_new(BIO_s_mem());
	char *s;

	buf[0] = '\0';
	if (bio && ASN1_TIME_print(bio, t) && (s = bio_string(bio))) {
		snprintf(buf, len, "%s", s);
		free(s);
	}
	BIO_free(bio);
}

static void key_text(EVP_PKEY *key, char *buf, size_t len)
{
	char group[64] = "";
	size_t glen = 0;

	if (!key) {
		snprintf(buf, len, "unknown");
	} else if (EVP_PKEY_is_a(key, "RSA")) {
		snprintf(buf, len, "RSA %d", EVP_PKEY_get_bits(key));
	} else if (EVP_PKEY_is_a(key, "EC") &&
		   EVP_PKEY_get_group_name(key, group, sizeof(group), &glen)) {
		const char *nist = EC_curve_nid2nist(OBJ_sn2nid(group));
		snprintf(buf, len, "ECDSA %s", nist ? nist : group);
	} else {
		snprintf(buf, len, "%s %d", EVP_PKEY_get0_type_name(key), EVP_PKEY_get_bits(key));
	}
}

static void san_text(X509 *x, char *buf, size_t len)
{
	GENERAL_NAMES *names = X509_get_ext_d2i(x, NID_subject_alt_name, NULL, NULL);
	size_t used = 0;

	buf[0] = '\0';
	for (int i = 0; names && i < sk_GENERAL_NAME_num(names) && used < len; i++) {
		GENERAL_NAME *g = sk_GENERAL_NAME_value(names, i);
		char ip[64];
		if (g->type == GEN_DNS) {
			used += (size_t)snprintf(buf + used, len - used, "%sDNS:%.*s",
						 used ? ", " : "", ASN1_STRING_length(g->d.dNSName),
						 ASN1_STRING_get0_data(g->d.dNSName));
		} else if (g->type == GEN_IPADD) {
			int n = ASN1_STRING_length(g->d.iPAddress);
			if (!inet_ntop(n == 4 ? AF_INET : AF_INET6,
				       ASN1_STRING_get0_data(g->d.iPAddress), ip, sizeof(ip)))
				snprintf(ip, sizeof(ip), "?");
			used += (size_t)snprintf(buf + used, len - used, "%sIP:%s",
						 used ? ", " : "", ip);
		}
	}
	GENERAL_NAMES_free(names);
	ERR_clear_error();
}

void cert_info_of(X509 *cert, struct cert_info *out)
{
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int mdlen = 0;
	int days = 0, secs = 0;

	memset(out, 0, sizeof(*out));
	name_field(X509_get_subject_name(cert), NID_commonName, out->common_name,
		   sizeof(out->common_name));
	name_field(X509_get_issuer_name(cert), NID_commonName, out->issuer_cn,
		   sizeof(out->issuer_cn));
	one_line_name(X509_get_subject_name(cert), out->subject, sizeof(out->subject));
	one_line_name(X509_get_issuer_name(cert), out->issuer, sizeof(out->issuer));
	time_text(X509_get0_notBefore(cert), out->not_before, sizeof(out->not_before));
	time_text(X509_get0_notAfter(cert), out->not_after, sizeof(out->not_after));
	if (ASN1_TIME_diff(&days, &secs, NULL, X509_get0_notAfter(cert)))
		out->seconds_left = (long long)days * 86400 + secs;
	out->not_yet_valid = X509_cmp_current_time(X509_get0_notBefore(cert)) > 0;
	out->status = out->seconds_left <= 0 ? "Expired"
		      : out->not_yet_valid   ? "Not yet valid"
					     : "Valid";
	key_text(X509_get0_pubkey(cert), out->key_type, sizeof(out->key_type));
	san_text(cert, out->sans, sizeof(out->sans));
	if (X509_digest(cert, EVP_sha256(), md, &mdlen))
		for (unsigned i = 0; i < mdlen && 3 * i + 3 <= sizeof(out->fingerprint); i++)
			snprintf(out->fingerprint + 3 * i, sizeof(out->fingerprint) - 3 * i,
				 "%s%02X", i ? ":" : "", md[i]);
	ERR_clear_error();
}

static void print_pem(X509 *x, struct strbuf *out)
{
	BIO *bio = BIO_new(BIO_s_mem());
	char *s;

	if (bio && PEM_write_bio_X509(bio, x) && (s = bio_string(bio))) {
		strbuf_puts(out, s);
		free(s);
	}
	BIO_free(bio);
}

void cert_profile_print(const struct cert_profile *p, struct strbuf *out)
{
	struct cert_info i;
	char days[32];

	cert_info_of(p->cert, &i);
	pem_render_days(i.seconds_left, days, sizeof(days));
	strbuf_printf(out,
		      "Subject: %s\nIssuer: %s\nValid from: %s\nValid until: %s (%s remaining)\n"
		      "Status: %s\nKey: %s\nSubject alternative names: %s\n"
		      "SHA-256 fingerprint: %s\nIntermediate certificates: %d\n"
		      "Certificate signing request: %s\n\n",
		      i.subject, i.issuer, i.not_before, i.not_after, days, i.status, i.key_type,
		      i.sans[0] ? i.sans : "none", i.fingerprint, sk_X509_num(p->chain),
		      p->csr ? "kept (EDIT, then VIEW)" : "none");
	print_pem(p->cert, out);
	for (int n = 0; n < sk_X509_num(p->chain); n++)
		print_pem(sk_X509_value(p->chain, n), out);
}

void cert_csr_pem(const struct cert_profile *p, struct strbuf *out)
{
	BIO *bio;
	char *s;

	if (!p->csr || !(bio = BIO_new(BIO_s_mem())))
		return;
	if (PEM_write_bio_X509_REQ(bio, p->csr) && (s = bio_string(bio))) {
		strbuf_puts(out, s);
		free(s);
	}
	BIO_free(bio);
}

void cert_list_pem(STACK_OF(X509) * list, struct strbuf *out)
{
	for (int i = 0; i < sk_X509_num(list); i++)
		print_pem(sk_X509_value(list, i), out);
}

int cert_bundle_subjects(const char *path, struct strbuf *out, int *count, struct err *e)
{
	BIO *bio = BIO_new_file(path, "r");
	X509 *x;

	*count = 0;
	if (!bio) {
		ERR_clear_error();
		return err_set(e, "The system certificate bundle %.200s cannot be read.", path);
	}
	while ((x = PEM_read_bio_X509(bio, NULL, no_passphrase, NULL)) != NULL) {
		char subject[256];
		one_line_name(X509_get_subject_name(x), subject, sizeof(subject));
		strbuf_printf(out, "%s\n", subject);
		X509_free(x);
		(*count)++;
	}
	ERR_clear_error();
	BIO_free(bio);
	return 0;
}
