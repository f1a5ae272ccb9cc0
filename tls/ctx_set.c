/* ctx_set: building every service's context, certificates included. */
#include "ctx_set.h"

#include <string.h>

#include "../core/entries.h"
#include "cert_profile.h"
#include "certs.h"
#include "tls_ctx.h"

/* Where the profiles come from: a user's effective view, or a version. */
struct source {
	const char *user;
	long version;
};

static SSL_CTX *build_one(struct db *db, const struct source *src, const struct config *c,
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

static int build_all(struct db *db, const struct source *src, const struct config *c,
		     struct ctx_set *out, struct err *e)
{
	memset(out, 0, sizeof(*out));
	for (int id = 0; id < SVC_COUNT; id++) {
		out->ctx[id] = build_one(db, src, c, id, e);
		if (!out->ctx[id]) {
			ctx_set_free(out);
			return -1;
		}
	}
	return 0;
}

int ctx_set_build(struct db *db, const struct config *c, struct ctx_set *out, struct err *e)
{
	return ctx_set_build_version(db, 0, c, out, e);
}

int ctx_set_build_version(struct db *db, long version, const struct config *c, struct ctx_set *out,
			  struct err *e)
{
	struct source src = { NULL, version };
	return build_all(db, &src, c, out, e);
}

void ctx_set_free(struct ctx_set *set)
{
	for (int id = 0; id < SVC_COUNT; id++) {
		SSL_CTX_free(set->ctx[id]);
		set->ctx[id] = NULL;
	}
}

static int validate(struct db *db, const struct source *src, const struct config *c, struct err *e)
{
	struct ctx_set set;

	if (build_all(db, src, c, &set, e) < 0)
		return -1;
	ctx_set_free(&set);
	return 0;
}

int ctx_validate_config_with_certs(struct db *db, const struct config *c, struct err *e)
{
	struct source src = { NULL, 0 };
	return validate(db, &src, c, e);
}

struct staged_check {
	struct err *e;
	int failed;
};

/* A staged profile must parse and be coherent; a staged CA must hold a
 * certificate. Deletions need nothing (assignments are checked above). */
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

int ctx_validate_for_user(struct db *db, const char *user, const struct config *c, struct err *e)
{
	struct source src = { user, 0 };
	struct staged_check sc = { e, 0 };

	if (db_staged_entries(db, user, check_staged, &sc, e) < 0 || sc.failed)
		return -1;
	return validate(db, &src, c, e);
}
