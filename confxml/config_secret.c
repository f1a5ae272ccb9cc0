/* config_secret: scrypt + AES-256-GCM for the secrets of a saved configuration. */
#include "config_secret.h"

#include <ctype.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/kdf.h>
#include <openssl/rand.h>
#include <stdlib.h>
#include <string.h>

#define SCRYPT_R      8
#define SCRYPT_P      1
#define SCRYPT_MAXMEM (80UL * 1024 * 1024)
#define CHECK_AAD     "tlsgate saveconfig passphrase check"

int secret_key_derive(struct secret_key *k, const char *passphrase, const unsigned char *salt,
		      int log2n, struct err *e)
{
	memset(k, 0, sizeof(*k));
	if (log2n < SECRET_LOG2N_MIN || log2n > SECRET_LOG2N_MAX)
		return err_set(e, "the scrypt cost must be from 2^%d to 2^%d", SECRET_LOG2N_MIN,
			       SECRET_LOG2N_MAX);
	if (salt)
		memcpy(k->salt, salt, SECRET_SALT_LEN);
	else if (RAND_bytes(k->salt, SECRET_SALT_LEN) != 1)
		return err_set(e, "no random numbers for the salt");
	k->log2n = log2n;
	if (EVP_PBE_scrypt(passphrase, strlen(passphrase), k->salt, SECRET_SALT_LEN,
			   (uint64_t)1 << log2n, SCRYPT_R, SCRYPT_P, SCRYPT_MAXMEM, k->key,
			   SECRET_KEY_LEN) != 1) {
		secret_key_wipe(k);
		return err_set(e, "the key cannot be derived from the passphrase");
	}
	return 0;
}

void secret_key_wipe(struct secret_key *k)
{
	OPENSSL_cleanse(k, sizeof(*k));
}

/* One GCM pass; `tag` is written when encrypting, checked when decrypting. */
static int gcm(int enc, const struct secret_key *k, const unsigned char *nonce, const char *aad,
	       const unsigned char *in, size_t len, unsigned char *out, unsigned char *tag)
{
	EVP_CIPHER_CTX *c = EVP_CIPHER_CTX_new();
	int n, ok;

	ok = c && len <= SECRET_PLAIN_MAX &&
	     EVP_CipherInit_ex(c, EVP_aes_256_gcm(), NULL, k->key, nonce, enc) == 1 &&
	     EVP_CipherUpdate(c, NULL, &n, (const unsigned char *)aad, (int)strlen(aad)) == 1 &&
	     (len == 0 || EVP_CipherUpdate(c, out, &n, in, (int)len) == 1) &&
	     (enc || EVP_CIPHER_CTX_ctrl(c, EVP_CTRL_GCM_SET_TAG, SECRET_TAG_LEN, tag) == 1) &&
	     EVP_CipherFinal_ex(c, out + (len ? len : 0), &n) == 1 &&
	     (!enc || EVP_CIPHER_CTX_ctrl(c, EVP_CTRL_GCM_GET_TAG, SECRET_TAG_LEN, tag) == 1);
	EVP_CIPHER_CTX_free(c);
	return ok ? 0 : -1;
}

int secret_check_make(const struct secret_key *k, struct strbuf *out_b64, struct err *e)
{
	unsigned char buf[SECRET_NONCE_LEN + SECRET_TAG_LEN], none[1];

	if (RAND_bytes(buf, SECRET_NONCE_LEN) != 1 ||
	    gcm(1, k, buf, CHECK_AAD, none, 0, none, buf + SECRET_NONCE_LEN) < 0)
		return err_set(e, "the passphrase check cannot be made");
	secret_b64_encode(buf, sizeof(buf), 0, out_b64);
	return 0;
}

int secret_check_verify(const struct secret_key *k, const char *check_b64, struct err *e)
{
	unsigned char *buf, none[1];
	size_t len;
	int rc;

	if (secret_b64_decode(check_b64, &buf, &len, e) < 0)
		return -1;
	rc = len == SECRET_NONCE_LEN + SECRET_TAG_LEN &&
			     gcm(0, k, buf, CHECK_AAD, none, 0, none, buf + SECRET_NONCE_LEN) == 0
		     ? 0
		     : err_set(e, "the passphrase is wrong");
	free(buf);
	return rc;
}

int secret_seal(const struct secret_key *k, const char *aad, const char *plain, size_t len,
		struct strbuf *nonce_b64, struct strbuf *sealed_b64, struct err *e)
{
	unsigned char nonce[SECRET_NONCE_LEN], *out;

	if (len > SECRET_PLAIN_MAX)
		return err_set(e, "a secret is too long");
	if (!(out = malloc(len + SECRET_TAG_LEN + 16)))
		abort();
	if (RAND_bytes(nonce, sizeof(nonce)) != 1 ||
	    gcm(1, k, nonce, aad, (const unsigned char *)plain, len, out, out + len) < 0) {
		free(out);
		return err_set(e, "a secret cannot be encrypted");
	}
	secret_b64_encode(nonce, sizeof(nonce), 0, nonce_b64);
	secret_b64_encode(out, len + SECRET_TAG_LEN, 64, sealed_b64);
	free(out);
	return 0;
}

int secret_open(const struct secret_key *k, const char *aad, const char *nonce_b64,
		const char *sealed_b64, struct strbuf *out, struct err *e)
{
	unsigned char *nonce = NULL, *sealed = NULL, *plain = NULL;
	size_t nlen, slen;
	int rc = -1;

	if (secret_b64_decode(nonce_b64, &nonce, &nlen, e) < 0 ||
	    secret_b64_decode(sealed_b64, &sealed, &slen, e) < 0)
		goto out;
	if (nlen != SECRET_NONCE_LEN || slen < SECRET_TAG_LEN ||
	    slen - SECRET_TAG_LEN > SECRET_PLAIN_MAX) {
		err_set(e, "an encrypted secret is damaged");
		goto out;
	}
	slen -= SECRET_TAG_LEN;
	if (!(plain = malloc(slen + 16)))
		abort();
	if (gcm(0, k, nonce, aad, sealed, slen, plain, sealed + slen) < 0) {
		err_set(e, "an encrypted secret does not open with this passphrase (damaged, or "
			   "moved from another entry)");
		goto out;
	}
	strbuf_add(out, (const char *)plain, slen);
	rc = 0;
out:
	if (plain)
		OPENSSL_cleanse(plain, slen);
	free(plain);
	free(sealed);
	free(nonce);
	return rc;
}

void secret_b64_encode(const unsigned char *data, size_t len, size_t wrap, struct strbuf *out)
{
	size_t cap = 4 * ((len + 2) / 3) + 1;
	unsigned char *b = malloc(cap);
	int n;

	if (!b)
		abort();
	n = EVP_EncodeBlock(b, data, (int)len);
	for (int i = 0; i < n; i += wrap ? (int)wrap : n) {
		size_t chunk = wrap && (size_t)(n - i) > wrap ? wrap : (size_t)(n - i);
		strbuf_add(out, (const char *)b + i, chunk);
		if (wrap)
			strbuf_puts(out, "\n");
	}
	free(b);
}

int secret_b64_decode(const char *text, unsigned char **out, size_t *len, struct err *e)
{
	size_t n = 0, pad = 0, tlen = strlen(text);
	char *clean = malloc(tlen + 1);
	int got;

	*out = NULL;
	*len = 0;
	if (!clean)
		abort();
	for (const char *p = text; *p; p++)
		if (!isspace((unsigned char)*p))
			clean[n++] = *p;
	clean[n] = '\0';
	if (n % 4 != 0)
		goto bad;
	for (size_t i = 0; i < n; i++)
		if (clean[i] == '=' ? i + 2 < n
				    : !(isalnum((unsigned char)clean[i]) || clean[i] == '+' ||
					clean[i] == '/'))
			goto bad;
	if (n >= 1 && clean[n - 1] == '=')
		pad++;
	if (n >= 2 && clean[n - 2] == '=')
		pad++;
	if (!(*out = malloc(n / 4 * 3 + 1)))
		abort();
	got = EVP_DecodeBlock(*out, (unsigned char *)clean, (int)n);
	free(clean);
	if (got < 0 || (size_t)got < pad) {
		free(*out);
		*out = NULL;
		return err_set(e, "bad base64");
	}
	*len = (size_t)got - pad;
	(*out)[*len] = '\0';
	return 0;
bad:
	free(clean);
	return err_set(e, "bad base64");
}
