/* outbound: the per-version delivery configuration. */
#include "outbound.h"

#include <arpa/inet.h>
#include <openssl/x509v3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "certs.h"
#include "tls_ctx.h"
#include "trust.h"

struct load {
	struct outbound *o;
	struct err *e;
	int failed;
};

static int add_dest(const char *name, const char *value, void *arg)
{
	struct load *l = arg;
	struct dest_policy *p = malloc(sizeof(*p));

	if (!p)
		abort();
	if (dest_policy_decode(value, p, l->e) < 0) {
		free(p);
		l->failed = 1;
		return 1;
	}
	if (strcmp(name, DEST_DEFAULT_NAME) == 0) {
		dest_policy_merge(&l->o->def, p, &l->o->def);
		free(p);
		return 0;
	}
	domain_map_put(l->o->dests, name, p, NULL);
	return 0;
}

static int add_route(const char *name, const char *value, void *arg)
{
	struct load *l = arg;
	struct route *r = malloc(sizeof(*r));

	if (!r)
		abort();
	if (route_parse(value, r, l->e) < 0) {
		free(r);
		l->failed = 1;
		return 1;
	}
	if (strcmp(name, ROUTE_ALL_NAME) == 0) {
		free(l->o->route_all);
		l->o->route_all = r;
		return 0;
	}
	domain_map_put(l->o->routes, name, r, NULL);
	return 0;
}

static int build_ctx(struct db *db, const struct plan_source *src, struct outbound *o,
		     struct err *e)
{
	const char *name = o->config.svc[SVC_OUTBOUND].certificate;
	struct tls_identity id = { 0 };
	X509_STORE *store;
	struct err why;
	int found = 0;

	/* The profile of the version being built, never simply the latest. */
	if (certs_load_as(db, src->user, src->version, name, &id, &found, e) < 0)
		return -1;
	o->ctx = ctx_build(SVC_OUTBOUND, &o->config.svc[SVC_OUTBOUND], found ? id.cert : NULL,
			   found ? id.chain : NULL, found ? id.key : NULL, &why);
	if (found)
		certs_identity_free(&id);
	if (!o->ctx)
		return err_set(e, "Outbound SMTP: %s", why.msg);
	if (trust_store_build(db, src->user, src->version, &o->config, &store, e) < 0)
		return -1;
	SSL_CTX_set_cert_store(o->ctx, store); /* the context owns it now */
	/* Verification never stops a handshake: the TLS level decides. */
	SSL_CTX_set_verify(o->ctx, SSL_VERIFY_NONE, NULL);
	return 0;
}

int outbound_build_from(struct db *db, const struct plan_source *src, const struct config *c,
			struct outbound **out, struct err *e)
{
	struct outbound *o = calloc(1, sizeof(*o));
	struct load l = { o, e, 0 };

	if (!o)
		abort();
	o->refs = 1;
	o->dests = domain_map_new();
	o->routes = domain_map_new();
	dest_policy_defaults(&o->def);
	o->version = src->version;
	o->config = *c;
	if (db_entries_list(db, src->version, src->user, "dest", add_dest, &l, e) < 0 || l.failed ||
	    db_entries_list(db, src->version, src->user, "route", add_route, &l, e) < 0 ||
	    l.failed || build_ctx(db, src, o, e) < 0)
		goto fail;
	*out = o;
	return 0;
fail:
	outbound_unref(o);
	*out = NULL;
	return -1;
}

int outbound_build(struct db *db, long version, struct outbound **out, struct err *e)
{
	struct plan_source src = { NULL, version };
	struct config c;

	if (version == 0 && db_latest_version(db, &src.version, e) < 0)
		return -1;
	if (db_load_config(db, src.version, &c, e) < 0)
		return -1;
	return outbound_build_from(db, &src, &c, out, e);
}

struct outbound *outbound_ref(struct outbound *o)
{
	o->refs++;
	return o;
}

void outbound_unref(struct outbound *o)
{
	if (!o || --o->refs > 0)
		return;
	domain_map_free(o->dests, free);
	domain_map_free(o->routes, free);
	free(o->route_all);
	SSL_CTX_free(o->ctx);
	free(o);
}

void outbound_policy(const struct outbound *o, const char *domain, struct dest_policy *out,
		     const char **matched)
{
	const char *name = DEST_DEFAULT_NAME;
	const struct dest_policy *p = domain_map_lookup(o->dests, domain, &name);

	if (matched)
		*matched = p ? name : DEST_DEFAULT_NAME;
	if (p)
		dest_policy_merge(out, p, &o->def);
	else
		*out = o->def;
}

const struct route *outbound_route(const struct outbound *o, const char *domain)
{
	const struct route *r = domain_map_lookup(o->routes, domain, NULL);

	return r ? r : o->route_all;
}

static bool is_address(const char *s)
{
	unsigned char buf[16];

	return inet_pton(AF_INET, s, buf) == 1 || inet_pton(AF_INET6, s, buf) == 1;
}

SSL *outbound_new_ssl(const struct outbound *o, const char *domain, const char *host)
{
	SSL *ssl = SSL_new(o->ctx);

	if (!ssl)
		return NULL;
	/* RFC 6125 via X509_check_host: SAN dNSName (wildcards in the left-most
	 * label only), CN only when there is no DNS SAN. */
	SSL_set_hostflags(ssl, X509_CHECK_FLAG_NO_PARTIAL_WILDCARDS);
	SSL_set1_host(ssl, domain);
	if (host && *host && !is_address(host) && strcasecmp(host, domain) != 0)
		SSL_add1_host(ssl, host);
	char sni[256];
	snprintf(sni, sizeof(sni), "%s", host && *host && !is_address(host) ? host : domain);
	SSL_set_tlsext_host_name(ssl, sni);
	return ssl;
}

void outbound_check_peer(const struct outbound *o, SSL *ssl, struct outbound_peer *p)
{
	X509 *peer = SSL_get0_peer_certificate(ssl);
	X509_VERIFY_PARAM *param = SSL_get0_param(ssl);
	X509_STORE_CTX *sctx;
	const char *host;

	*p = (struct outbound_peer){ 0 };
	if (!peer) {
		snprintf(p->chain_why, sizeof(p->chain_why), "the server sent no certificate");
		snprintf(p->name_why, sizeof(p->name_why), "the server sent no certificate");
		return;
	}
	p->present = true;
	/* X.509: the chain the server sent, against the trusted CAs, as a TLS
	 * server certificate; no name in this check. */
	sctx = X509_STORE_CTX_new();
	if (sctx &&
	    X509_STORE_CTX_init(sctx, SSL_CTX_get_cert_store(o->ctx), peer,
				SSL_get_peer_cert_chain(ssl)) == 1 &&
	    X509_STORE_CTX_set_default(sctx, "ssl_server") == 1) {
		p->chain_ok = X509_verify_cert(sctx) == 1;
		snprintf(p->chain_why, sizeof(p->chain_why), "%s",
			 p->chain_ok
				 ? "ok"
				 : X509_verify_cert_error_string(X509_STORE_CTX_get_error(sctx)));
	} else {
		snprintf(p->chain_why, sizeof(p->chain_why), "out of memory");
	}
	X509_STORE_CTX_free(sctx);
	/* FQDN: the names outbound_new_ssl set (domain, MX or routed host). */
	for (int i = 0; (host = X509_VERIFY_PARAM_get0_host(param, i)) != NULL; i++)
		if (X509_check_host(peer, host, 0, X509_VERIFY_PARAM_get_hostflags(param), NULL) ==
		    1) {
			p->name_ok = true;
			break;
		}
	snprintf(p->name_why, sizeof(p->name_why), "%s",
		 p->name_ok ? "ok" : X509_verify_cert_error_string(X509_V_ERR_HOSTNAME_MISMATCH));
}

static void add_why(char *why, size_t len, const char *what)
{
	size_t n = strlen(why);

	snprintf(why + n, len - n, "%s%s", n ? "; " : "", what);
}

enum outbound_cert_verdict outbound_judge(const struct outbound *o, enum tls_level level,
					  const struct outbound_peer *p, char *why, size_t len,
					  bool *by_sslconfig)
{
	bool verify = tls_level_verifies(level);
	bool x509 = o->config.peer_cert_x509, fqdn = o->config.peer_cert_fqdn;
	bool chain_bad = !p->chain_ok && (verify || x509);
	bool name_bad = !p->name_ok && (verify || fqdn);

	why[0] = '\0';
	*by_sslconfig = false;
	if (!p->present && (verify || x509 || fqdn))
		add_why(why, len, p->chain_why);
	else {
		if (chain_bad)
			add_why(why, len, p->chain_why);
		if (name_bad)
			add_why(why, len, p->name_why);
	}
	if (!why[0]) {
		snprintf(why, len, "ok");
		return OB_CERT_OK;
	}
	/* An sslconfig check that failed refuses the connection at any level. */
	if ((x509 && !p->chain_ok) || (fqdn && !p->name_ok)) {
		*by_sslconfig = true;
		return OB_CERT_REFUSED;
	}
	return level == TLS_LEVEL_PREFERRED_VERIFY ? OB_CERT_TOLERATED : OB_CERT_REFUSED;
}
