/* test_cert_profile: reading a stored profile (tls/cert_profile.c). The key
 * is read by a decoder told its form (PKCS#8 of the certificate's key type);
 * every other form must still be read, and a key of another type must not
 * pass as the certificate's. */
#include <openssl/obj_mac.h>
#include <openssl/pem.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../tls/cert_profile.h"
#include "tap.h"

static struct cert_profile make(int ecdsa, const char *cn)
{
	struct cert_request r = {
		.ecdsa = ecdsa, .rsa_bits = 2048, .ec_curve = NID_X9_62_prime256v1, .days = 30
	};
	struct cert_profile p;
	struct err e;

	snprintf(r.cn, sizeof(r.cn), "%s", cn);
	if (cert_profile_new(&r, &p, &e) < 0)
		printf("# profile: %s\n", e.msg);
	return p;
}

/* The certificate of `c` and the key of `k`, the key in the traditional
 * (not PKCS#8) form when asked. */
static char *blob_of(const struct cert_profile *c, const struct cert_profile *k, int traditional)
{
	BIO *b = BIO_new(BIO_s_mem());
	char *data, *out;
	long len;

	PEM_write_bio_X509(b, c->cert);
	if (traditional)
		PEM_write_bio_PrivateKey_traditional(b, k->key, NULL, NULL, 0, NULL, NULL);
	else
		PEM_write_bio_PrivateKey(b, k->key, NULL, NULL, 0, NULL, NULL);
	len = BIO_get_mem_data(b, &data);
	out = strndup(data, (size_t)len);
	BIO_free(b);
	return out;
}

static int reads(const char *blob, const struct cert_profile *want_key, const char *what)
{
	struct cert_profile p;
	struct err e;
	int ok = cert_profile_parse(blob, &p, &e) == 0 && EVP_PKEY_eq(p.key, want_key->key) == 1;

	CHECK(ok, "%s: read, the same key", what);
	cert_profile_free(&p);
	return ok;
}

int main(void)
{
	struct cert_profile rsa = make(0, "rsa.example.com"), ec = make(1, "ec.example.com");
	char *blob;
	struct cert_profile p;
	struct err e;

	blob = blob_of(&rsa, &rsa, 0);
	reads(blob, &rsa, "RSA, PKCS#8");
	free(blob);
	blob = blob_of(&ec, &ec, 0);
	reads(blob, &ec, "ECDSA, PKCS#8");
	free(blob);
	blob = blob_of(&rsa, &rsa, 1);
	CHECK(strstr(blob, "BEGIN RSA PRIVATE KEY") != NULL, "a traditional RSA key block");
	reads(blob, &rsa, "RSA, traditional form");
	free(blob);
	blob = blob_of(&ec, &ec, 1);
	CHECK(strstr(blob, "BEGIN EC PRIVATE KEY") != NULL, "a traditional EC key block");
	reads(blob, &ec, "ECDSA, traditional form");
	free(blob);

	/* An EC key under an RSA certificate: read as what it is, refused by
	 * the check. */
	blob = blob_of(&rsa, &ec, 0);
	CHECK(cert_profile_parse(blob, &p, &e) == 0 && EVP_PKEY_is_a(p.key, "EC") &&
		      cert_profile_check(&p, &e) < 0,
	      "an EC key under an RSA certificate is read, then refused: %s", e.msg);
	cert_profile_free(&p);
	free(blob);

	/* An encrypted key: no prompt, a clear failure. */
	{
		BIO *b = BIO_new(BIO_s_mem());
		char *data;
		long len;
		PEM_write_bio_X509(b, rsa.cert);
		PEM_write_bio_PKCS8PrivateKey(b, rsa.key, EVP_aes_128_cbc(), "pw", 2, NULL, NULL);
		len = BIO_get_mem_data(b, &data);
		blob = strndup(data, (size_t)len);
		BIO_free(b);
		CHECK(cert_profile_parse(blob, &p, &e) < 0,
		      "an encrypted key is refused without asking: %s", e.msg);
		free(blob);
	}
	cert_profile_free(&rsa);
	cert_profile_free(&ec);
	return tap_done();
}
