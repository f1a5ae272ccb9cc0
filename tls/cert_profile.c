/* cert_profile: the stored PEM text of a certificate profile <-> OpenSSL
 * objects, the commit check (key and chain order), and pasted PEM pieces.
 * PKCS#12 is cert_pkcs12.c, NEW cert_new.c, metadata and PRINT cert_info.c. */
#define _GNU_SOURCE /* explicit_bzero */
#include "cert_profile.h"
#include "cert_profile_internal.h"

#include <openssl/decoder.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/x509v3.h>
#include <stdlib.h>
#include <string.h>

#include "../core/pem_blob.h"

int cert_openssl_fail(struct err *e, const char *what)
{
	char text[256] = "unknown error";
	unsigned long code = ERR_peek_last_error();

	if (code)
		ERR_error_string_n(code, text, sizeof(text));
	ERR_clear_error();
	return err_set(e, "%s: %s", what, text);
}

/* Never prompt on a terminal for a PEM passphrase. */
int cert_no_passphrase(char *buf, int size, int rwflag, void *arg)
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
		    OSSL_DECODER_CTX_set_pem_password_cb(d, cert_no_passphrase, NULL))
			OSSL_DECODER_from_data(d, &p, &len);
		OSSL_DECODER_CTX_free(d);
		if (key)
			return key;
		ERR_clear_error();
	}
	bio = block_bio(blob, b);
	key = bio ? PEM_read_bio_PrivateKey(bio, NULL, cert_no_passphrase, NULL) : NULL;
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
	out->cert = bio ? PEM_read_bio_X509(bio, NULL, cert_no_passphrase, NULL) : NULL;
	BIO_free(bio);
	if (!out->cert)
		goto fail_cert;
	out->chain = sk_X509_new_null();
	for (size_t i = 0; out->chain && i < lay.chain_count; i++) {
		X509 *x;
		bio = block_bio(blob, &lay.chain[i]);
		x = bio ? PEM_read_bio_X509(bio, NULL, cert_no_passphrase, NULL) : NULL;
		BIO_free(bio);
		if (!x || !sk_X509_push(out->chain, x)) {
			X509_free(x);
			cert_profile_free(out);
			return cert_openssl_fail(e, "an intermediate certificate cannot be read");
		}
	}
	out->key = read_key(blob, &lay.key, out->cert);
	if (!out->key || !out->chain) {
		cert_profile_free(out);
		return cert_openssl_fail(e, "the private key cannot be read");
	}
	if (lay.has_csr) {
		bio = block_bio(blob, &lay.csr);
		out->csr = bio ? PEM_read_bio_X509_REQ(bio, NULL, cert_no_passphrase, NULL) : NULL;
		BIO_free(bio);
		if (!out->csr) {
			cert_profile_free(out);
			return cert_openssl_fail(e,
						 "the certificate signing request cannot be read");
		}
	}
	ERR_clear_error();
	return 0;
fail_cert:
	cert_profile_free(out);
	return cert_openssl_fail(e, "the certificate cannot be read");
}

/* The contents of a memory BIO as a C string (NULL on failure). */
char *cert_bio_string(BIO *bio)
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
		*out = cert_bio_string(bio);
	BIO_free(bio);
	if (!*out)
		return cert_openssl_fail(e, "the profile cannot be written");
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
	*out = bio ? PEM_read_bio_X509(bio, NULL, cert_no_passphrase, NULL) : NULL;
	BIO_free(bio);
	if (!*out)
		return cert_openssl_fail(e, "the PEM text is not a certificate");
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
	*out = bio ? PEM_read_bio_PrivateKey(bio, NULL, cert_no_passphrase, NULL) : NULL;
	BIO_free(bio);
	if (!*out)
		return cert_openssl_fail(e, "the PEM text is not a private key");
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
		x = bio ? PEM_read_bio_X509(bio, NULL, cert_no_passphrase, NULL) : NULL;
		BIO_free(bio);
		if (!x || !sk_X509_push(*out, x)) {
			X509_free(x);
			sk_X509_pop_free(*out, X509_free);
			*out = NULL;
			return cert_openssl_fail(e, "a certificate cannot be read");
		}
	}
	if (sk_X509_num(*out) == 0) {
		sk_X509_free(*out);
		*out = NULL;
		return err_set(e, "no PEM certificate was found");
	}
	return 0;
}
