/* precheck: predictions from real SSL_CTXs (ctx_build), narrowed per version,
 * with suites the service's certificate cannot authenticate removed. */
#include "precheck.h"

#include <openssl/err.h>
#include <openssl/objects.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "certs.h"
#include "tls_ctx.h"

static const int protocol_of[TLS_VERSION_COUNT] = { TLS1_VERSION, TLS1_1_VERSION, TLS1_2_VERSION,
						    TLS1_3_VERSION };

/* Can a server holding `key` authenticate this suite? TLS 1.3 suites work with
 * any certificate; anonymous, PSK and SRP suites are never offered by us. */
static int key_fits(const SSL_CIPHER *c, EVP_PKEY *key)
{
	int auth = SSL_CIPHER_get_auth_nid(c);

	if (auth == NID_auth_any)
		return 1;
	if (!key)
		return auth == NID_auth_rsa || auth == NID_auth_ecdsa;
	if (auth == NID_auth_rsa)
		return EVP_PKEY_is_a(key, "RSA") || EVP_PKEY_is_a(key, "RSA-PSS");
	if (auth == NID_auth_ecdsa)
		return EVP_PKEY_is_a(key, "EC");
	return 0;
}

static int count_suites(SSL_CTX *ctx, enum tls_version v, EVP_PKEY *key, int server)
{
	SSL *ssl = SSL_new(ctx);
	STACK_OF(SSL_CIPHER) * list;
	int n = 0;

	if (!ssl)
		return 0;
	SSL_set_min_proto_version(ssl, protocol_of[v]);
	SSL_set_max_proto_version(ssl, protocol_of[v]);
	list = SSL_get1_supported_ciphers(ssl);
	for (int i = 0; list && i < sk_SSL_CIPHER_num(list); i++)
		if (!server || key_fits(sk_SSL_CIPHER_value(list, i), key))
			n++;
	sk_SSL_CIPHER_free(list);
	SSL_free(ssl);
	ERR_clear_error();
	return n;
}

int precheck_predict(const struct config *c, const struct service_keys *keys,
		     struct service_prediction out[SVC_COUNT], struct err *e)
{
	for (int id = 0; id < SVC_COUNT; id++) {
		X509 *cert = keys ? keys->cert[id] : NULL;
		EVP_PKEY *key = keys ? keys->key[id] : NULL;
		struct err why;
		SSL_CTX *ctx = ctx_build(id, &c->svc[id], cert, NULL, key, &why);

		if (!ctx)
			return err_set(e, "%s: %s", service_names(id)->title, why.msg);
		for (int v = 0; v < TLS_VERSION_COUNT; v++)
			out[id].suites[v] = (c->svc[id].methods & (1u << v))
						    ? count_suites(ctx, v, key, id != SVC_OUTBOUND)
						    : -1;
		SSL_CTX_free(ctx);
	}
	return 0;
}

static int warn(struct strbuf *w, const char *fmt, const char *a, const char *b)
{
	strbuf_puts(w, "Warning: ");
	strbuf_printf(w, fmt, a, b);
	strbuf_puts(w, "\n");
	return 1;
}

static int check_expiry(enum tls_service_id id, X509 *cert, struct strbuf *w)
{
	int days = 0, secs = 0;

	if (!cert || !ASN1_TIME_diff(&days, &secs, NULL, X509_get0_notAfter(cert)))
		return 0;
	if (days < 0 || (days == 0 && secs < 0))
		return warn(w,
			    "%s: its certificate has expired; clients that verify it will refuse "
			    "to connect.%s",
			    service_names(id)->title, "");
	if (X509_cmp_current_time(X509_get0_notBefore(cert)) > 0)
		return warn(w,
			    "%s: its certificate is not valid yet; clients that verify it will "
			    "refuse to connect.%s",
			    service_names(id)->title, "");
	return 0;
}

void precheck_keys_load(struct db *db, const char *user, const struct config *c,
			struct service_keys *out)
{
	memset(out, 0, sizeof(*out));
	for (int id = 0; id < SVC_COUNT; id++) {
		struct tls_identity ident;
		struct err ignored;
		int found;

		if (certs_load_as(db, user, 0, c->svc[id].certificate, &ident, &found, &ignored) <
			    0 ||
		    !found)
			continue;
		out->cert[id] = ident.cert;
		out->key[id] = ident.key;
		ident.cert = NULL;
		ident.key = NULL;
		certs_identity_free(&ident);
	}
}

void precheck_keys_free(struct service_keys *keys)
{
	for (int id = 0; id < SVC_COUNT; id++) {
		X509_free(keys->cert[id]);
		EVP_PKEY_free(keys->key[id]);
	}
	memset(keys, 0, sizeof(*keys));
}

unsigned precheck_changed_services(const struct config *a, const struct config *b)
{
	unsigned changed = 0;

	for (int id = 0; id < SVC_COUNT; id++) {
		const struct tls_service *x = &a->svc[id], *y = &b->svc[id];
		if (x->methods != y->methods || x->renegotiation != y->renegotiation ||
		    strcmp(x->ciphers, y->ciphers) != 0 ||
		    strcmp(x->certificate, y->certificate) != 0)
			changed |= 1u << id;
	}
	return changed;
}

int precheck_report(const struct config *c, const struct service_keys *keys, unsigned services,
		    struct strbuf *table, struct strbuf *w, struct err *e)
{
	struct service_prediction p[SVC_COUNT];
	int warnings = 0;

	if (precheck_predict(c, keys, p, e) < 0)
		return -1;
	for (int id = 0; id < SVC_COUNT; id++) {
		const char *title = service_names(id)->title;
		strbuf_printf(table, "%-14s", title);
		for (int v = TLS_V1_3; v >= TLS_V1_0; v--) {
			if (p[id].suites[v] < 0)
				strbuf_printf(table, "  %s: off", tls_version_label(v));
			else
				strbuf_printf(table, "  %s: %d", tls_version_label(v),
					      p[id].suites[v]);
			if (p[id].suites[v] == 0 && (services & (1u << id)))
				warnings +=
					warn(w,
					     "%s: %s is enabled but no cipher suite can be "
					     "used with it; clients limited to it cannot connect.",
					     title, tls_version_label(v));
		}
		strbuf_puts(table, "\n");
		warnings += check_expiry(id, keys ? keys->cert[id] : NULL, w);
	}
	if ((services & (1u << SVC_GUI)) && p[SVC_GUI].suites[TLS_V1_2] < 0 &&
	    p[SVC_GUI].suites[TLS_V1_3] < 0)
		warnings += warn(w,
				 "%s: TLS v1.2 and TLS v1.3 are both disabled; most browsers "
				 "can no longer open the web interface.%s",
				 service_names(SVC_GUI)->title, "");
	if ((services & (1u << SVC_OUTBOUND)) && c->svc[SVC_OUTBOUND].methods == (1u << TLS_V1_3))
		warnings += warn(w,
				 "%s: only TLS v1.3 is enabled; many receiving MTAs still stop at "
				 "TLS v1.2, and TLS with them will fail.%s",
				 service_names(SVC_OUTBOUND)->title, "");
	return warnings;
}
