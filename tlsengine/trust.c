/* trust: builds the X509_STORE outbound verification uses. */
#include "trust.h"

#include <openssl/err.h>
#include <openssl/pem.h>
#include <string.h>

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

int trust_store_build(struct db *db, long version, const struct config *c, X509_STORE **out,
		      struct err *e)
{
	struct add_ctx a = { .e = e };

	*out = NULL;
	a.store = X509_STORE_new();
	if (!a.store)
		return err_set(e, "Out of memory.");
	if (c->ca_system && X509_STORE_set_default_paths(a.store) != 1) {
		X509_STORE_free(a.store);
		return err_set(e, "The system certificate authorities cannot be loaded.");
	}
	if (db_entries_list(db, version, NULL, "ca", add_custom_ca, &a, e) < 0 || a.failed) {
		X509_STORE_free(a.store);
		return -1;
	}
	*out = a.store;
	return 0;
}
