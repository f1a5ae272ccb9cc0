/* certs: the Demo profile and loading profiles for the engines. */
#include "certs.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cert_profile.h"

#define DEMO_COMMON_NAME "tlsgate Demo Certificate"
#define DEMO_BITS        2048
#define DEMO_DAYS        3650

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

int certs_load_as(struct db *db, const char *user, long version, const char *name,
		  struct tls_identity *out, int *found, struct err *e)
{
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
	rc = cert_profile_parse(blob, &p, &why);
	cert_blob_free(blob);
	if (rc < 0)
		return err_set(e, "Certificate profile \"%s\": %s", name, why.msg);
	out->cert = p.cert;
	out->key = p.key;
	out->chain = p.chain;
	X509_REQ_free(p.csr);
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
