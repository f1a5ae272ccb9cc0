/* trust: builds the X509_STORE outbound verification uses. */
#include "trust.h"

#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/evp.h>
#include <openssl/sha.h>
#include <stdlib.h>
#include <string.h>

/* Loading the system bundle parses every CA in it (about 20 ms here), and the
 * daemon builds the store at every apply although the CAs rarely change. The
 * last store built is kept with a digest of what it was built from (the
 * ca.system flag and every custom CA's name and PEM) and shared while that is
 * unchanged: a store is not modified once built. */
static struct {
	unsigned char digest[SHA256_DIGEST_LENGTH];
	X509_STORE *store;
} last;

static int digest_custom_ca(const char *name, const char *value, void *arg)
{
	EVP_MD_CTX *md = arg;

	EVP_DigestUpdate(md, name, strlen(name) + 1);
	EVP_DigestUpdate(md, value, strlen(value) + 1);
	return 0;
}

struct add_ctx {
	X509_STORE *store;
	struct err *e;
	int failed;
};

/* Adds every certificate of one PEM value; at least one is required. */
static int add_custom_ca(const char *name, const char *value, void *arg)
{
	struct add_ctx *a = arg;
	BIO *bio = BIO_new_mem_buf(value, -1);
	X509 *x;
	int added = 0;

	if (!bio) {
		a->failed = err_set(a->e, "Out of memory.");
		return 1;
	}
	while ((x = PEM_read_bio_X509(bio, NULL, NULL, NULL)) != NULL) {
		/* X509_STORE_add_cert refuses a duplicate only with an error we can ignore */
		X509_STORE_add_cert(a->store, x);
		X509_free(x);
		added++;
	}
	ERR_clear_error();
	BIO_free(bio);
	if (added == 0) {
		a->failed = err_set(
			a->e, "The custom certificate authority \"%.64s\" is not valid.", name);
		return 1;
	}
	return 0;
}

/* The system CA bundle file, read at the first certificate lookup rather
 * than when the store is built. Parsing the whole bundle costs ~235 M
 * instructions (about 20 ms); a commit's prepare builds the outbound store
 * to check it, and verifies nothing with it. On the first lookup every CA of
 * the file is added to the store (so later lookups hit its cache, and CAs
 * sharing a subject are all there) and the first match is returned. */
static int lazy_file_by_subject(X509_LOOKUP *lookup, X509_LOOKUP_TYPE type, const X509_NAME *name,
				X509_OBJECT *ret)
{
	X509_STORE *store = X509_LOOKUP_get_store(lookup);
	char *path = X509_LOOKUP_get_method_data(lookup);
	X509 *found = NULL, *x;
	BIO *bio;

	if (type != X509_LU_X509 || !path)
		return 0;
	/* Once: later lookups find the certificates in the store's cache. */
	X509_LOOKUP_set_method_data(lookup, NULL);
	bio = BIO_new_file(path, "r");
	OPENSSL_free(path);
	while (bio && (x = PEM_read_bio_X509_AUX(bio, NULL, NULL, NULL)) != NULL) {
		X509_STORE_add_cert(store, x);
		if (!found && X509_NAME_cmp(X509_get_subject_name(x), name) == 0)
			found = x;
		else
			X509_free(x);
	}
	BIO_free(bio);
	ERR_clear_error();
	if (!found)
		return 0;
	X509_OBJECT_set1_X509(ret, found);
	X509_free(found);
	return 1;
}

static void lazy_file_free(X509_LOOKUP *lookup)
{
	OPENSSL_free(X509_LOOKUP_get_method_data(lookup));
}

static X509_LOOKUP_METHOD *lazy_file_method(void)
{
	static X509_LOOKUP_METHOD *m;

	if (!m && (m = X509_LOOKUP_meth_new("tlsgate lazy CA file")) != NULL) {
		X509_LOOKUP_meth_set_get_by_subject(m, lazy_file_by_subject);
		X509_LOOKUP_meth_set_free(m, lazy_file_free);
	}
	return m;
}

/* What X509_STORE_set_default_paths() trusts (SSL_CERT_FILE or OpenSSL's
 * bundle file, SSL_CERT_DIR or its hashed directory), without reading
 * anything until a chain is verified. */
static int add_system_cas(X509_STORE *store)
{
	const char *dir = getenv(X509_get_default_cert_dir_env());
	const char *file = getenv(X509_get_default_cert_file_env());
	X509_LOOKUP_METHOD *m = lazy_file_method();
	X509_LOOKUP *lookup;
	char *path;

	if (!file || !*file)
		file = X509_get_default_cert_file();
	if (!m || !(lookup = X509_STORE_add_lookup(store, m)) || !(path = OPENSSL_strdup(file)))
		return -1;
	X509_LOOKUP_set_method_data(lookup, path);
	lookup = X509_STORE_add_lookup(store, X509_LOOKUP_hash_dir());
	if (!lookup || !X509_LOOKUP_add_dir(lookup, dir && *dir ? dir : X509_get_default_cert_dir(),
					    X509_FILETYPE_PEM))
		return -1;
	ERR_clear_error();
	return 0;
}

int trust_store_build(struct db *db, const char *user, long version, const struct config *c,
		      X509_STORE **out, struct err *e)
{
	struct add_ctx a = { .e = e };
	unsigned char digest[SHA256_DIGEST_LENGTH];
	unsigned char flag = c->ca_system;
	EVP_MD_CTX *md = EVP_MD_CTX_new();
	int rc;

	*out = NULL;
	if (!md || EVP_DigestInit_ex(md, EVP_sha256(), NULL) != 1) {
		EVP_MD_CTX_free(md);
		return err_set(e, "Out of memory.");
	}
	EVP_DigestUpdate(md, &flag, 1);
	rc = db_entries_list(db, version, user, "ca", digest_custom_ca, md, e);
	if (rc == 0)
		EVP_DigestFinal_ex(md, digest, NULL);
	EVP_MD_CTX_free(md);
	if (rc < 0)
		return -1;
	if (last.store && memcmp(last.digest, digest, sizeof(digest)) == 0 &&
	    X509_STORE_up_ref(last.store)) {
		*out = last.store;
		return 0;
	}
	a.store = X509_STORE_new();
	if (!a.store)
		return err_set(e, "Out of memory.");
	if (c->ca_system && add_system_cas(a.store) < 0) {
		X509_STORE_free(a.store);
		return err_set(e, "The system certificate authorities cannot be loaded.");
	}
	if (db_entries_list(db, version, user, "ca", add_custom_ca, &a, e) < 0 || a.failed) {
		X509_STORE_free(a.store);
		return -1;
	}
	if (X509_STORE_up_ref(a.store)) {
		X509_STORE_free(last.store);
		last.store = a.store;
		memcpy(last.digest, digest, sizeof(digest));
	}
	*out = a.store;
	return 0;
}
