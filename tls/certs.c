/* certs: the Demo profile and loading profiles for the engines. */
#include "certs.h"

#include <openssl/evp.h>
#include <openssl/sha.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cert_profile.h"

#define DEMO_COMMON_NAME "tlsgate Demo Certificate"
#define DEMO_BITS        2048
#define DEMO_DAYS        3650

static EVP_MD *sha256_md;
static pthread_once_t sha256_once = PTHREAD_ONCE_INIT;

static void sha256_fetch(void)
{
	sha256_md = EVP_MD_fetch(NULL, "SHA256", NULL);
}

/* OpenSSL 3's one-shot SHA256() fetches the algorithm on every call (a
 * tenth of a millisecond each, several per commit); fetch it once. */
void certs_sha256(const void *data, size_t len, unsigned char out[32])
{
	unsigned int n = 0;

	pthread_once(&sha256_once, sha256_fetch);
	if (!sha256_md || !EVP_Digest(data, len, out, &n, sha256_md, NULL) || n != 32)
		memset(out, 0, 32);
}

int certs_ensure_demo(struct db *db, struct err *e)
{
	struct cert_request r = { .rsa_bits = DEMO_BITS, .days = DEMO_DAYS };
	struct cert_profile p;
	char *have = NULL, *blob = NULL;
	int rc;

	if (db_entry_get_version(db, 0, "cert", CERTS_DEMO_NAME, &have, e) < 0)
		return -1;
	if (have) {
		cert_blob_free(have);
		return 0;
	}
	snprintf(r.cn, sizeof(r.cn), "%s", DEMO_COMMON_NAME);
	snprintf(r.o, sizeof(r.o), "%s", "tlsgate");
	if (cert_profile_new(&r, &p, e) < 0)
		return -1;
	rc = cert_profile_to_blob(&p, &blob, e);
	cert_profile_free(&p);
	if (rc == 0)
		rc = db_entry_seed(db, "cert", CERTS_DEMO_NAME, blob, e);
	cert_blob_free(blob);
	return rc;
}

/* Decoding a profile costs OpenSSL 3 millions of instructions (a private key
 * about five: it sets up every decoder it has), and a commit loads the same
 * profile once per service in the shell and again in the daemon. Decoded
 * identities are kept here by the SHA-256 of the stored text (never the text
 * itself) and shared: X509 and EVP_PKEY objects are reference-counted and not
 * changed once loaded. Measured by bench/run.sh: commit-to-enforced median
 * 49.6 ms -> 13.6 ms. */
#define IDENTITY_CACHE_SIZE 8

static struct {
	unsigned char digest[SHA256_DIGEST_LENGTH];
	struct tls_identity id;
} identity_cache[IDENTITY_CACHE_SIZE];
static unsigned identity_cache_next;

/* A new reference to each part of `from`. */
static int identity_share(const struct tls_identity *from, struct tls_identity *to)
{
	memset(to, 0, sizeof(*to));
	if (!X509_up_ref(from->cert))
		return -1;
	to->cert = from->cert;
	if (!EVP_PKEY_up_ref(from->key)) {
		certs_identity_free(to);
		return -1;
	}
	to->key = from->key;
	to->chain = X509_chain_up_ref(from->chain);
	if (!to->chain) {
		certs_identity_free(to);
		return -1;
	}
	return 0;
}

static int identity_cached(const unsigned char *digest, struct tls_identity *out)
{
	for (int i = 0; i < IDENTITY_CACHE_SIZE; i++)
		if (identity_cache[i].id.cert &&
		    memcmp(identity_cache[i].digest, digest, SHA256_DIGEST_LENGTH) == 0)
			return identity_share(&identity_cache[i].id, out) == 0;
	return 0;
}

static void identity_remember(const unsigned char *digest, const struct tls_identity *id)
{
	unsigned slot = identity_cache_next++ % IDENTITY_CACHE_SIZE;
	struct tls_identity copy;

	if (identity_share(id, &copy) < 0)
		return;
	certs_identity_free(&identity_cache[slot].id);
	memcpy(identity_cache[slot].digest, digest, SHA256_DIGEST_LENGTH);
	identity_cache[slot].id = copy;
}

int certs_load_as(struct db *db, const char *user, long version, const char *name,
		  struct tls_identity *out, int *found, struct err *e)
{
	unsigned char digest[SHA256_DIGEST_LENGTH];
	struct cert_profile p;
	char *blob = NULL;
	struct err why;
	int rc;

	memset(out, 0, sizeof(*out));
	*found = 0;
	rc = user ? db_entry_get(db, user, "cert", name, &blob, e)
		  : db_entry_get_version(db, version, "cert", name, &blob, e);
	if (rc < 0)
		return -1;
	if (!blob)
		return 0;
	*found = 1;
	certs_sha256(blob, strlen(blob), digest);
	if (identity_cached(digest, out)) {
		cert_blob_free(blob);
		return 0;
	}
	rc = cert_profile_parse(blob, &p, &why);
	cert_blob_free(blob);
	if (rc < 0)
		return err_set(e, "Certificate profile \"%s\": %s", name, why.msg);
	out->cert = p.cert;
	out->key = p.key;
	out->chain = p.chain;
	X509_REQ_free(p.csr);
	identity_remember(digest, out);
	return 0;
}

int certs_load(struct db *db, const char *name, struct tls_identity *out, int *found, struct err *e)
{
	return certs_load_as(db, NULL, 0, name, out, found, e);
}

void certs_identity_free(struct tls_identity *id)
{
	X509_free(id->cert);
	EVP_PKEY_free(id->key);
	sk_X509_pop_free(id->chain, X509_free);
	memset(id, 0, sizeof(*id));
}
