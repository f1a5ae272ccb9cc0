/* prepare: one configuration's contexts and outbound setup, from one source. */
#include "prepare.h"

#include <openssl/evp.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "../core/entries.h"
#include "cert_profile.h"
#include "certs.h"
#include "inbound.h"
#include "outbound.h"
#include "tls_ctx.h"

static SSL_CTX *build_server(struct db *db, const struct plan_source *src, const struct config *c,
			     enum tls_service_id id, struct err *e)
{
	const char *name = c->svc[id].certificate;
	struct tls_identity ident;
	struct err why;
	int found;
	SSL_CTX *ctx;

	if (certs_load_as(db, src->user, src->version, name, &ident, &found, &why) < 0) {
		err_set(e, "%s: %s", service_names(id)->title, why.msg);
		return NULL;
	}
	if (!found) {
		err_set(e, "%s: the certificate profile \"%s\" does not exist.",
			service_names(id)->title, name);
		return NULL;
	}
	ctx = ctx_build(id, &c->svc[id], ident.cert, ident.chain, ident.key, &why);
	certs_identity_free(&ident);
	if (!ctx)
		err_set(e, "%s: %s", service_names(id)->title, why.msg);
	return ctx;
}

struct staged_check {
	struct err *e;
	int failed;
};

/* A staged profile must parse and be coherent; a staged CA must hold a
 * certificate. Deletions need nothing (assignments are checked by the build). */
static int check_staged(const char *key, const char *old, const char *value, void *arg)
{
	struct staged_check *sc = arg;
	const char *name;
	const struct entry_kind *k = entry_kind_of_key(key, &name);
	struct err why;

	(void)old;
	if (!value || !k)
		return 0;
	if (strcmp(k->kind, "cert") == 0) {
		struct cert_profile p;
		int rc = cert_profile_parse(value, &p, &why);
		if (rc == 0)
			rc = cert_profile_check(&p, &why);
		cert_profile_free(&p);
		if (rc < 0) {
			sc->failed =
				err_set(sc->e, "Certificate profile \"%s\": %s", name, why.msg);
			return 1;
		}
	} else if (strcmp(k->kind, "ca") == 0) {
		STACK_OF(X509) * list;
		if (cert_parse_certificates(value, &list, &why) < 0) {
			sc->failed = err_set(sc->e, "Custom certificate authority \"%s\": %s", name,
					     why.msg);
			return 1;
		}
		sk_X509_pop_free(list, X509_free);
	}
	return 0;
}

static int load_config(struct db *db, const struct plan_source *src, struct prepared *p,
		       struct err *e)
{
	long latest;

	if (db_latest_version(db, &latest, e) < 0)
		return -1;
	p->version = src->user || src->version == 0 ? latest : src->version;
	if (src->user)
		return db_load_effective(db, src->user, &p->config, e);
	return db_load_config(db, p->version, &p->config, e);
}

/* A server context is a function of its service settings and its profile's
 * bytes alone (ctx_build reads nothing else): when both are what `prev` was
 * built from, its context serves unchanged. */
static bool same_server(const struct prepared *prev, const struct prepared *next,
			enum tls_service_id id)
{
	const struct tls_service *x = &prev->config.svc[id], *y = &next->config.svc[id];

	return prev->ctx[id] && x->methods == y->methods && x->renegotiation == y->renegotiation &&
	       strcmp(x->ciphers, y->ciphers) == 0 && strcmp(x->certificate, y->certificate) == 0 &&
	       memcmp(prev->fingerprint[id], next->fingerprint[id], SHA256_DIGEST_LENGTH) == 0;
}

int prepare_build(struct db *db, const struct plan_source *src, struct prepared *out, struct err *e)
{
	return prepare_build_reusing(db, src, NULL, out, e);
}

int prepare_build_reusing(struct db *db, const struct plan_source *src, const struct prepared *prev,
			  struct prepared *out, struct err *e)
{
	struct plan_source at;
	struct staged_check sc = { e, 0 };

	memset(out, 0, sizeof(*out));
	if (load_config(db, src, out, e) < 0)
		return -1;
	/* A committed source is read at the number just resolved, so every
	 * object comes from the same version. */
	at = (struct plan_source){ src->user, src->user ? 0 : out->version };
	if (src->user && (db_staged_entries(db, src->user, check_staged, &sc, e) < 0 || sc.failed))
		goto fail;
	if (prepare_fingerprints(db, &at, &out->config, out->fingerprint, e) < 0)
		goto fail;
	for (int id = 0; id < SVC_COUNT; id++) {
		if (id == SVC_OUTBOUND)
			continue;
		if (prev && same_server(prev, out, id)) {
			SSL_CTX_up_ref(prev->ctx[id]);
			out->ctx[id] = prev->ctx[id];
			continue;
		}
		if (!(out->ctx[id] = build_server(db, &at, &out->config, id, e)))
			goto fail;
	}
	if (outbound_build_from(db, &at, &out->config, &out->outbound, e) < 0)
		goto fail;
	if (inbound_build(db, &at, &out->config, &out->inbound, e) < 0)
		goto fail;
	SSL_CTX_up_ref(out->outbound->ctx);
	out->ctx[SVC_OUTBOUND] = out->outbound->ctx;
	return 0;
fail:
	prepare_free(out);
	return -1;
}

void prepare_free(struct prepared *p)
{
	for (int id = 0; id < SVC_COUNT; id++) {
		SSL_CTX_free(p->ctx[id]);
		p->ctx[id] = NULL;
	}
	outbound_unref(p->outbound);
	p->outbound = NULL;
	inbound_unref(p->inbound);
	p->inbound = NULL;
}

static int digest_entry(const char *name, const char *value, void *arg)
{
	EVP_DigestUpdate(arg, name, strlen(name) + 1);
	EVP_DigestUpdate(arg, value, strlen(value) + 1);
	return 0;
}

static int digest_listener_profiles(struct db *db, const struct plan_source *src, EVP_MD_CTX *md,
				    struct err *e)
{
	struct listener *ls = NULL;
	size_t count = 0;
	int rc = inbound_listeners(db, src, &ls, &count, e);

	for (size_t i = 0; rc == 0 && i < count; i++) {
		char *blob = NULL;
		if (!ls[i].certificate[0])
			continue; /* the inbound setting's profile, digested already */
		rc = src->user ? db_entry_get(db, src->user, "cert", ls[i].certificate, &blob, e)
			       : db_entry_get_version(db, src->version, "cert", ls[i].certificate,
						      &blob, e);
		EVP_DigestUpdate(md, ls[i].name, strlen(ls[i].name) + 1);
		if (blob)
			EVP_DigestUpdate(md, blob, strlen(blob) + 1);
		cert_blob_free(blob);
	}
	free(ls);
	return rc;
}

/* The inbound service is also its listeners and their tables: SHA-256 of
 * its certificate profile, then every listener, hat and rat entry. */
static int inbound_fingerprint(struct db *db, const struct plan_source *src, const char *blob,
			       unsigned char out[SHA256_DIGEST_LENGTH], struct err *e)
{
	static const char *const kinds[] = { "listener", "hat", "rat" };
	EVP_MD_CTX *md = EVP_MD_CTX_new();
	int rc = 0;

	if (!md || !EVP_DigestInit_ex(md, EVP_sha256(), NULL)) {
		EVP_MD_CTX_free(md);
		return err_set(e, "Out of memory.");
	}
	EVP_DigestUpdate(md, blob ? blob : "", blob ? strlen(blob) : 0);
	for (size_t k = 0; k < 3 && rc == 0; k++) {
		EVP_DigestUpdate(md, kinds[k], strlen(kinds[k]) + 1);
		rc = db_entries_list(db, src->user ? 0 : src->version, src->user, kinds[k],
				     digest_entry, md, e);
	}
	/* A listener's own profile replaced in place is a change too. */
	if (rc == 0)
		rc = digest_listener_profiles(db, src, md, e);
	if (rc == 0)
		EVP_DigestFinal_ex(md, out, NULL);
	EVP_MD_CTX_free(md);
	return rc;
}

int prepare_fingerprints(struct db *db, const struct plan_source *src, const struct config *c,
			 unsigned char out[SVC_COUNT][SHA256_DIGEST_LENGTH], struct err *e)
{
	for (int id = 0; id < SVC_COUNT; id++) {
		char *blob = NULL;
		int rc = src->user ? db_entry_get(db, src->user, "cert", c->svc[id].certificate,
						  &blob, e)
				   : db_entry_get_version(db, src->version, "cert",
							  c->svc[id].certificate, &blob, e);
		if (rc < 0)
			return -1;
		/* No profile (an outbound client without one): all zero. */
		memset(out[id], 0, SHA256_DIGEST_LENGTH);
		if (blob)
			certs_sha256(blob, strlen(blob), out[id]);
		if (id == SVC_INBOUND && inbound_fingerprint(db, src, blob, out[id], e) < 0) {
			cert_blob_free(blob);
			return -1;
		}
		cert_blob_free(blob);
	}
	return 0;
}
