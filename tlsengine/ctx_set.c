/* ctx_set: building every service's context, certificates included. */
#include "ctx_set.h"

#include <string.h>

#include "certs.h"
#include "tls_ctx.h"

/* Until certificates can be assigned (certconfig), every service uses Demo. */
static const char *service_certificate(const struct config *c, enum tls_service_id id)
{
	(void)c;
	(void)id;
	return CERTS_DEMO_NAME;
}

static SSL_CTX *build_one(struct db *db, const struct config *c, enum tls_service_id id,
			  int require_cert, struct err *e)
{
	const char *name = service_certificate(c, id);
	struct tls_identity ident;
	struct err why;
	int found;
	SSL_CTX *ctx;

	if (certs_load(db, name, &ident, &found, e) < 0)
		return NULL;
	if (!found && require_cert) {
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

static int build_all(struct db *db, const struct config *c, int require_cert, struct ctx_set *out,
		     struct err *e)
{
	memset(out, 0, sizeof(*out));
	for (int id = 0; id < SVC_COUNT; id++) {
		out->ctx[id] = build_one(db, c, id, require_cert, e);
		if (!out->ctx[id]) {
			ctx_set_free(out);
			return -1;
		}
	}
	return 0;
}

int ctx_set_build(struct db *db, const struct config *c, struct ctx_set *out, struct err *e)
{
	return build_all(db, c, 1, out, e);
}

void ctx_set_free(struct ctx_set *set)
{
	for (int id = 0; id < SVC_COUNT; id++) {
		SSL_CTX_free(set->ctx[id]);
		set->ctx[id] = NULL;
	}
}

int ctx_validate_config_with_certs(struct db *db, const struct config *c, struct err *e)
{
	struct ctx_set set;

	if (build_all(db, c, 0, &set, e) < 0)
		return -1;
	ctx_set_free(&set);
	return 0;
}
