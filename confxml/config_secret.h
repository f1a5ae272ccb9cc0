/* config_secret: the secrets of a saved configuration file (saveconfig
 * option 2) — AES-256-GCM under a key derived from the admin's passphrase
 * with scrypt (a random 16-byte salt per file, a random 96-bit nonce per
 * secret, the entry's key as additional data so a secret cannot be moved to
 * another entry). Also the base64 the file spells binary data in. */
#ifndef TLSGATE_CONFIG_SECRET_H
#define TLSGATE_CONFIG_SECRET_H

#include <stddef.h>

#include "../core/err.h"
#include "../core/strbuf.h"

#define SECRET_SALT_LEN  16
#define SECRET_NONCE_LEN 12
#define SECRET_TAG_LEN   16
#define SECRET_KEY_LEN   32
#define SECRET_LOG2N     15 /* scrypt N = 2^15, r = 8, p = 1: 32 MB, ~0.1 s */
#define SECRET_LOG2N_MIN 10 /* what a file may ask for at load */
#define SECRET_LOG2N_MAX 16 /* 64 MB at most */
#define SECRET_PLAIN_MAX (1024 * 1024)

struct secret_key {
	unsigned char key[SECRET_KEY_LEN];
	unsigned char salt[SECRET_SALT_LEN];
	int log2n;
};

/* A new salt (`salt` NULL) or the file's, and the key from `passphrase`. */
int secret_key_derive(struct secret_key *k, const char *passphrase, const unsigned char *salt,
		      int log2n, struct err *e);
void secret_key_wipe(struct secret_key *k);

/* The passphrase check stored in the file header: nonce || tag of an empty
 * message, base64. */
int secret_check_make(const struct secret_key *k, struct strbuf *out_b64, struct err *e);
/* -1 "wrong passphrase" when the key does not open it. */
int secret_check_verify(const struct secret_key *k, const char *check_b64, struct err *e);

/* Encrypts `plain` bound to `aad`: nonce and ciphertext||tag as base64. */
int secret_seal(const struct secret_key *k, const char *aad, const char *plain, size_t len,
		struct strbuf *nonce_b64, struct strbuf *sealed_b64, struct err *e);
/* The reverse; appends the plaintext to out. */
int secret_open(const struct secret_key *k, const char *aad, const char *nonce_b64,
		const char *sealed_b64, struct strbuf *out, struct err *e);

/* Base64 of `len` bytes, a newline every `wrap` characters (0: none). */
void secret_b64_encode(const unsigned char *data, size_t len, size_t wrap, struct strbuf *out);
/* Whitespace is ignored; *out malloc'd (NUL-terminated past *len). */
int secret_b64_decode(const char *text, unsigned char **out, size_t *len, struct err *e);

#endif
