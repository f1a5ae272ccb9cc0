/* certs: making the Demo certificate and loading profiles with OpenSSL. */
#include "certs.h"

#include <openssl/bn.h>
#include <openssl/decoder.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>
#include <openssl/sha.h>
#include <openssl/x509v3.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define DEMO_COMMON_NAME "tlsgate Demo Certificate"
#define DEMO_BITS        2048
#define DEMO_DAYS        3650

static int openssl_fail(struct err *e, const char *what)
{
	char text[256] = "unknown error";
	unsigned long code = ERR_peek_last_error();

	if (code)
		ERR_error_string_n(code, text, sizeof(text));
	ERR_clear_error();
	return err_set(e, "%s: %s", what, text);
}

/* The contents of a memory BIO as a C string; the BIO's buffer is wiped
 * when the BIO is freed (BUF_MEM_free clears it). */
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

static int add_ext(X509 *x, X509V3_CTX *ctx, int nid, const char *value)
{
	X509_EXTENSION *ext = X509V3_EXT_conf_nid(NULL, ctx, nid, value);
	int ok = ext && X509_add_ext(x, ext, -1);

	X509_EXTENSION_free(ext);
	return ok ? 0 : -1;
}

static int fill_certificate(X509 *x, EVP_PKEY *key, const char *cn, int days)
{
	X509_NAME *name = X509_get_subject_name(x);
	BIGNUM *serial = BN_new();
	X509V3_CTX v3;
	int ok;

	ok = serial && BN_rand(serial, 159, BN_RAND_TOP_ANY, BN_RAND_BOTTOM_ANY) &&
	     BN_to_ASN1_INTEGER(serial, X509_get_serialNumber(x)) && X509_set_version(x, 2) &&
	     X509_gmtime_adj(X509_getm_notBefore(x), 0) &&
	     X509_time_adj_ex(X509_getm_notAfter(x), days, 0, NULL) && X509_set_pubkey(x, key) &&
	     X509_NAME_add_entry_by_txt(name, "O", MBSTRING_ASC, (const unsigned char *)"tlsgate",
					-1, -1, 0) &&
	     X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC, (const unsigned char *)cn, -1, -1,
					0) &&
	     X509_set_issuer_name(x, name);
	BN_free(serial);
	if (!ok)
		return -1;
	X509V3_set_ctx(&v3, x, x, NULL, NULL, 0);
	if (add_ext(x, &v3, NID_basic_constraints, "critical,CA:FALSE") < 0 ||
	    add_ext(x, &v3, NID_key_usage, "critical,digitalSignature,keyEncipherment") < 0 ||
	    add_ext(x, &v3, NID_ext_key_usage, "serverAuth,clientAuth") < 0 ||
	    add_ext(x, &v3, NID_subject_key_identifier, "hash") < 0)
		return -1;
	return X509_sign(x, key, EVP_sha256()) > 0 ? 0 : -1;
}

int certs_make_self_signed(const char *common_name, int bits, int days, char **cert_pem,
			   char **key_pem, struct err *e)
{
	EVP_PKEY *key = EVP_RSA_gen((unsigned)bits);
	X509 *x = X509_new();
	BIO *cert_bio = BIO_new(BIO_s_mem()), *key_bio = BIO_new(BIO_s_mem());
	int rc = -1;

	*cert_pem = *key_pem = NULL;
	if (!key || !x || !cert_bio || !key_bio ||
	    fill_certificate(x, key, common_name, days) < 0 || !PEM_write_bio_X509(cert_bio, x) ||
	    !PEM_write_bio_PrivateKey(key_bio, key, NULL, NULL, 0, NULL, NULL)) {
		openssl_fail(e, "Cannot create a self-signed certificate");
		goto out;
	}
	*cert_pem = bio_string(cert_bio);
	*key_pem = bio_string(key_bio);
	if (!*cert_pem || !*key_pem) {
		free(*cert_pem);
		free(*key_pem);
		*cert_pem = *key_pem = NULL;
		err_set(e, "Out of memory.");
		goto out;
	}
	rc = 0;
out:
	BIO_free(cert_bio);
	BIO_free(key_bio);
	X509_free(x);
	EVP_PKEY_free(key);
	return rc;
}

int certs_ensure_demo(struct db *db, struct err *e)
{
	struct db_cert *have, demo = { .name = CERTS_DEMO_NAME };
	int rc;

	if (db_cert_get(db, CERTS_DEMO_NAME, &have, e) < 0)
		return -1;
	if (have) {
		db_cert_free(have);
		return 0;
	}
	if (certs_make_self_signed(DEMO_COMMON_NAME, DEMO_BITS, DEMO_DAYS, &demo.cert_pem,
				   &demo.key_pem, e) < 0)
		return -1;
	demo.chain_pem = "";
	demo.created = time(NULL);
	rc = db_cert_put(db, &demo, 0, e);
	free(demo.cert_pem);
	OPENSSL_clear_free(demo.key_pem, strlen(demo.key_pem));
	return rc;
}

/* Never prompt for a passphrase on the daemon's terminal. */
static int no_passphrase(char *buf, int size, int rwflag, void *arg)
{
	(void)buf;
	(void)size;
	(void)rwflag;
	(void)arg;
	return -1;
}

static int parse_chain(const char *pem, STACK_OF(X509) * chain)
{
	BIO *bio = BIO_new_mem_buf(pem, -1);
	X509 *x;

	if (!bio)
		return -1;
	while ((x = PEM_read_bio_X509(bio, NULL, NULL, NULL)))
		if (!sk_X509_push(chain, x)) {
			X509_free(x);
			BIO_free(bio);
			return -1;
		}
	BIO_free(bio);
	/* The loop ends on "no start line" at the end of the text. */
	if (ERR_GET_REASON(ERR_peek_last_error()) != PEM_R_NO_START_LINE)
		return -1;
	ERR_clear_error();
	return 0;
}

/* Decoding PEM costs OpenSSL 3 millions of instructions (a private key about
 * five: it sets up every decoder it has); a commit used to decode the same
 * certificate and key once per service in the shell and again in the daemon.
 * Decoded objects are kept here, by the SHA-256 of their PEM text (never the
 * text itself), and shared: X509 and EVP_PKEY objects are reference-counted
 * and not changed once loaded. */
#define PEM_CACHE_SIZE 8

struct pem_cache {
	unsigned char digest[PEM_CACHE_SIZE][SHA256_DIGEST_LENGTH];
	void *obj[PEM_CACHE_SIZE];
	unsigned next;
};
static struct pem_cache key_cache, cert_cache;

static void *cache_find(struct pem_cache *c, const unsigned char *digest)
{
	for (int i = 0; i < PEM_CACHE_SIZE; i++)
		if (c->obj[i] && memcmp(c->digest[i], digest, SHA256_DIGEST_LENGTH) == 0)
			return c->obj[i];
	return NULL;
}

/* Stores `obj` (the cache takes one reference); returns the one it evicts. */
static void *cache_put(struct pem_cache *c, const unsigned char *digest, void *obj)
{
	unsigned slot = c->next++ % PEM_CACHE_SIZE;
	void *old = c->obj[slot];

	memcpy(c->digest[slot], digest, SHA256_DIGEST_LENGTH);
	c->obj[slot] = obj;
	return old;
}

/* A decoder for the certificate's key type only costs a third less than
 * trying every type; anything else (or a mismatch) takes the general path. */
static EVP_PKEY *decode_key_of_type(const char *pem, const char *type)
{
	const unsigned char *data = (const unsigned char *)pem;
	size_t len = strlen(pem);
	EVP_PKEY *key = NULL;
	OSSL_DECODER_CTX *d =
		type ? OSSL_DECODER_CTX_new_for_pkey(&key, "PEM", NULL, type,
						     OSSL_KEYMGMT_SELECT_KEYPAIR, NULL, NULL)
		     : NULL;

	if (d && OSSL_DECODER_CTX_get_num_decoders(d) > 0)
		OSSL_DECODER_from_data(d, &data, &len);
	OSSL_DECODER_CTX_free(d);
	ERR_clear_error();
	return key;
}

static EVP_PKEY *read_private_key(const char *pem, const char *type)
{
	unsigned char digest[SHA256_DIGEST_LENGTH];
	EVP_PKEY *key;
	BIO *bio;

	SHA256((const unsigned char *)pem, strlen(pem), digest);
	if ((key = cache_find(&key_cache, digest)))
		return EVP_PKEY_up_ref(key) ? key : NULL;
	if (!(key = decode_key_of_type(pem, type))) {
		bio = BIO_new_mem_buf(pem, -1);
		key = bio ? PEM_read_bio_PrivateKey(bio, NULL, no_passphrase, NULL) : NULL;
		BIO_free(bio);
	}
	if (key && EVP_PKEY_up_ref(key))
		EVP_PKEY_free(cache_put(&key_cache, digest, key));
	return key;
}

static X509 *read_certificate(const char *pem)
{
	unsigned char digest[SHA256_DIGEST_LENGTH];
	X509 *x;
	BIO *bio;

	SHA256((const unsigned char *)pem, strlen(pem), digest);
	if ((x = cache_find(&cert_cache, digest)))
		return X509_up_ref(x) ? x : NULL;
	bio = BIO_new_mem_buf(pem, -1);
	x = bio ? PEM_read_bio_X509(bio, NULL, NULL, NULL) : NULL;
	BIO_free(bio);
	if (x && X509_up_ref(x))
		X509_free(cache_put(&cert_cache, digest, x));
	return x;
}

static int parse_identity(const struct db_cert *c, struct tls_identity *out, struct err *e)
{
	out->cert = read_certificate(c->cert_pem);
	if (!out->cert)
		return openssl_fail(e, "The certificate cannot be read");
	out->key =
		read_private_key(c->key_pem, EVP_PKEY_get0_type_name(X509_get0_pubkey(out->cert)));
	if (!out->key)
		return openssl_fail(e, "The private key cannot be read");
	out->chain = sk_X509_new_null();
	if (!out->chain || (c->chain_pem[0] && parse_chain(c->chain_pem, out->chain) < 0))
		return openssl_fail(e, "An intermediate certificate cannot be read");
	return 0;
}

int certs_load(struct db *db, const char *name, struct tls_identity *out, int *found, struct err *e)
{
	struct db_cert *c;
	int rc;

	memset(out, 0, sizeof(*out));
	*found = 0;
	if (db_cert_get(db, name, &c, e) < 0)
		return -1;
	if (!c)
		return 0;
	*found = 1;
	rc = parse_identity(c, out, e);
	db_cert_free(c);
	if (rc < 0) {
		struct err why = *e;
		certs_identity_free(out);
		return err_set(e, "Certificate profile \"%s\": %s", name, why.msg);
	}
	return 0;
}

void certs_identity_free(struct tls_identity *id)
{
	X509_free(id->cert);
	EVP_PKEY_free(id->key);
	sk_X509_pop_free(id->chain, X509_free);
	memset(id, 0, sizeof(*id));
}
