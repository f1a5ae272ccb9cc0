/* cert_pkcs12: certificate profiles from and to PKCS#12 (import and export;
 * a wrong passphrase and a damaged file told apart). */
#include "cert_profile.h"
#include "cert_profile_internal.h"

#include <openssl/err.h>
#include <openssl/pkcs12.h>
#include <stdlib.h>
#include <string.h>

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
			  : cert_openssl_fail(e, "the file cannot be decrypted");
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
		return cert_openssl_fail(e, "the PKCS#12 file cannot be made");
	n = i2d_PKCS12(p12, out);
	PKCS12_free(p12);
	if (n <= 0)
		return cert_openssl_fail(e, "the PKCS#12 file cannot be written");
	*len = (size_t)n;
	return 0;
}
