/* precheck: predictions from real SSL_CTXs (ctx_build), narrowed per version,
 * with suites the service's certificate cannot authenticate removed. */
#include "precheck.h"

#include <openssl/err.h>
#include <openssl/objects.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "certs.h"
#include "inbound.h"
#include "tls_ctx.h"

void precheck_predict(const struct prepared *p, struct service_prediction out[SVC_COUNT])
{
	for (int id = 0; id < SVC_COUNT; id++) {
		SSL_CTX *ctx = p->ctx[id];
		EVP_PKEY *key = SSL_CTX_get0_privatekey(ctx);

		for (int v = 0; v < TLS_VERSION_COUNT; v++)
			out[id].suites[v] =
				(p->config.svc[id].methods & (1u << v))
					? tls_suite_count(ctx, v, key, id != SVC_OUTBOUND)
					: -1;
	}
}

static int warn(struct strbuf *w, const char *fmt, const char *a, const char *b)
{
	strbuf_puts(w, "Warning: ");
	strbuf_printf(w, fmt, a, b);
	strbuf_puts(w, "\n");
	return 1;
}

static int check_expiry(const char *title, X509 *cert, struct strbuf *w)
{
	int days = 0, secs = 0;

	if (!cert || !ASN1_TIME_diff(&days, &secs, NULL, X509_get0_notAfter(cert)))
		return 0;
	if (days < 0 || (days == 0 && secs < 0))
		return warn(w,
			    "%s: its certificate has expired; clients that verify it will refuse "
			    "to connect.%s",
			    title, "");
	if (X509_cmp_current_time(X509_get0_notBefore(cert)) > 0)
		return warn(w,
			    "%s: its certificate is not valid yet; clients that verify it will "
			    "refuse to connect.%s",
			    title, "");
	return 0;
}

unsigned precheck_changed_services(const struct config *base,
				   const unsigned char base_fp[SVC_COUNT][SHA256_DIGEST_LENGTH],
				   const struct prepared *next)
{
	unsigned changed = 0;

	for (int id = 0; id < SVC_COUNT; id++) {
		const struct tls_service *x = &base->svc[id], *y = &next->config.svc[id];
		if (x->methods != y->methods || x->renegotiation != y->renegotiation ||
		    strcmp(x->ciphers, y->ciphers) != 0 ||
		    strcmp(x->certificate, y->certificate) != 0 ||
		    memcmp(base_fp[id], next->fingerprint[id], SHA256_DIGEST_LENGTH) != 0)
			changed |= 1u << id;
	}
	return changed;
}

/* The first policy of a listener's table that requires TLS and is used (by
 * a sender group or the ALL rule), or -1. */
static int required_policy(const struct hat *h)
{
	struct hat_params p;

	for (size_t i = 0; i < h->npolicies; i++) {
		bool used = h->all_policy == (int)i;
		for (size_t g = 0; g < h->ngroups && !used; g++)
			used = h->groups[g].policy == (int)i;
		hat_effective(h, (int)i, &p);
		if (used && hat_tls_required(p.tls))
			return (int)i;
	}
	return -1;
}

/* A listener with a certificate of its own gets the services' check. */
static int check_listener_expiry(const struct prepared *plan, struct strbuf *w)
{
	char what[200];
	int warnings = 0;

	for (size_t i = 0; plan->inbound && i < plan->inbound->count; i++) {
		const struct inbound_listener *x = &plan->inbound->l[i];
		if (strcmp(x->certificate, plan->config.svc[SVC_INBOUND].certificate) == 0)
			continue;
		snprintf(what, sizeof(what), "Listener %s (certificate profile \"%s\")", x->l.name,
			 x->certificate);
		warnings += check_expiry(what, SSL_CTX_get0_certificate(x->ctx), w);
	}
	return warnings;
}

/* A Required policy on a listener that cannot negotiate TLS refuses every
 * sender it covers; with the Demo certificate, senders that verify fail. */
static int check_listeners(const struct prepared *plan, struct strbuf *w)
{
	char what[200];
	int warnings = 0;

	for (size_t i = 0; plan->inbound && i < plan->inbound->count; i++) {
		const struct inbound_listener *x = &plan->inbound->l[i];
		EVP_PKEY *key = SSL_CTX_get0_privatekey(x->ctx);
		int pol = required_policy(&x->hat), usable = 0;

		if (pol < 0)
			continue;
		snprintf(what, sizeof(what), "Listener %s: the policy %s requires TLS", x->l.name,
			 x->hat.policies[pol].name);
		for (int v = 0; v < TLS_VERSION_COUNT; v++)
			if (plan->config.svc[SVC_INBOUND].methods & (1u << v))
				usable += tls_suite_count(x->ctx, v, key, true) > 0;
		if (usable == 0)
			warnings +=
				warn(w,
				     "%s, but no TLS version can be negotiated with its "
				     "certificate and the inbound cipher settings; every sender "
				     "it covers will be refused.%s",
				     what, "");
		if (strcmp(x->certificate, "Demo") == 0)
			warnings += warn(w,
					 "%s with the Demo certificate; senders that verify "
					 "certificates will refuse it. Choose your own "
					 "(listenerconfig EDIT %s CERTIFICATE).",
					 what, x->l.name);
	}
	return warnings;
}

int precheck_report(const struct prepared *plan, unsigned services, struct strbuf *table,
		    struct strbuf *w)
{
	const struct config *c = &plan->config;
	struct service_prediction p[SVC_COUNT];
	int warnings = 0;

	precheck_predict(plan, p);
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
		warnings += check_expiry(title, SSL_CTX_get0_certificate(plan->ctx[id]), w);
	}
	warnings += check_listener_expiry(plan, w);
	if (services & (1u << SVC_INBOUND))
		warnings += check_listeners(plan, w);
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
