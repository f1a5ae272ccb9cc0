/* delivery_policy: what each host of a delivery is held to and the verdict
 * on its TLS. DANE (RFC 7672), then MTA-STS (RFC 8461), then the certificate
 * checks; each outcome counted for TLS-RPT; the connect loop over the hosts. */
#include "delivery_internal.h"

#include <event2/bufferevent_ssl.h>
#include <openssl/err.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "engine.h"
#include "options.h"
#include "../os/net.h"
#include "tls_rpt.h"
#include "../tls/dane.h"

/* "(code, 'text')" of the first queued OpenSSL error, as AsyncOS logs it. */
static unsigned long tls_error(struct conn *c, char *buf, size_t len)
{
	unsigned long code = c->bev ? bufferevent_get_openssl_error(c->bev) : 0, more;
	char text[256] = "the connection closed during the handshake";

	if (!code)
		code = ERR_get_error();
	while (c->bev && (more = bufferevent_get_openssl_error(c->bev)) != 0)
		(void)more;
	if (code)
		ERR_error_string_n(code, text, sizeof(text));
	ERR_clear_error();
	snprintf(buf, len, "(%lu, '%s')", code, text);
	return code;
}
/* TLS-RPT (RFC 8460): one session's outcome for the current host;
 * `result_type` NULL for a success. */
void dl_rpt(struct conn *c, const char *result_type)
{
	const struct resolved_host *h = &c->res.hosts[c->host < c->res.count ? c->host : 0];
	const char *policy = c->dane.action == DANE_ACT_AUTH || c->dane.action == DANE_ACT_ENCRYPT
				     ? "tlsa"
			     : c->sts_on ? "sts"
					 : "no-policy-found";

	if (c->dl->rpt && c->res.count)
		tls_rpt_store_count(c->dl->rpt, c->domain, policy, result_type, h->name, h->addr);
}

/* DANE-authenticated TLS (RFC 7672): the TLSA records decide, not the CAs
 * or sslconfig's peer certificate checks. */
static void dane_verdict(struct conn *c)
{
	struct delivery *dl = c->dl;
	char what[400];

	if (dane_result(c->ssl, what, sizeof(what))) {
		mail_log_info(dl->env->log, "DCID %lu DANE success: %s", c->dcid, what);
		dl_rpt(c, NULL);
		dl_count_tls(c, USAGE_SUCCESS, NULL);
		dl_act(c, smtpc_tls_done(&c->sc, true, true));
		return;
	}
	mail_log_info(dl->env->log, "DCID %lu IP %s DANE failed: %s (%s)", c->dcid, c->peer, what,
		      c->res.hosts[c->host].tlsa.name);
	snprintf(c->refused, sizeof(c->refused), "DANE verification failed: %.370s", what);
	dl_rpt(c, "validation-failure");
	dl_count_tls(c, USAGE_FAILED, "DANE verification failed");
	dl_act(c, smtpc_tls_refused(&c->sc));
}

void dl_handshake_done(struct conn *c, bool ok)
{
	struct delivery *dl = c->dl;
	char why[320];

	c->handshaking = false;
	if (ok) {
		struct outbound_peer peer;
		bool by_sslconfig;
		enum outbound_cert_verdict v;

		mail_log_info(dl->env->log, "DCID %lu TLS success protocol %s cipher %s", c->dcid,
			      SSL_get_version(c->ssl), SSL_get_cipher_name(c->ssl));
		outbound_check_peer(c->ob, c->ssl, &peer);
		if (c->dane.action == DANE_ACT_AUTH) {
			dane_verdict(c);
			return;
		}
		v = outbound_judge(c->ob, c->level, &peer, why, sizeof(why), &by_sslconfig);
		if (v != OB_CERT_OK)
			mail_log_info(dl->env->log,
				      "DCID %lu IP %s TLS certificate verification failed: %s%s",
				      c->dcid, c->peer, why,
				      v == OB_CERT_TOLERATED
					      ? "; delivering encrypted (Preferred (Verify))"
				      : by_sslconfig ? "; refused by the sslconfig peer "
						       "certificate validation"
						     : "");
		dl_rpt(c, v != OB_CERT_REFUSED ? NULL
			  : !peer.chain_ok     ? "certificate-not-trusted"
					       : "certificate-host-mismatch");
		dl_count_tls(c, v == OB_CERT_REFUSED ? USAGE_FAILED : USAGE_SUCCESS,
			     "certificate verification failed");
		if (v == OB_CERT_REFUSED) {
			snprintf(c->refused, sizeof(c->refused),
				 "the peer certificate failed validation: %s", why);
			dl_act(c, smtpc_tls_refused(&c->sc));
			return;
		}
		dl_act(c, smtpc_tls_done(&c->sc, true, v == OB_CERT_OK));
		return;
	}
	/* Before the ServerHello, a server that hangs up instead of sending the
	 * protocol_version alert most likely wanted a version we do not offer. */
	bool no_hello = SSL_get_state(c->ssl) == TLS_ST_CW_CLNT_HELLO;
	tls_method_set all = (1u << TLS_VERSION_COUNT) - 1;
	unsigned long code = tls_error(c, why, sizeof(why));
	int reason = ERR_GET_REASON(code);
	bool version = reason == SSL_R_UNSUPPORTED_PROTOCOL ||
		       reason == SSL_R_TLSV1_ALERT_PROTOCOL_VERSION ||
		       reason == SSL_R_NO_PROTOCOLS_AVAILABLE ||
		       reason == SSL_R_WRONG_SSL_VERSION || reason == SSL_R_WRONG_VERSION_NUMBER ||
		       (no_hello && c->ob->config.svc[SVC_OUTBOUND].methods != all);
	dl_count_tls(c, USAGE_FAILED, code ? usage_reason(code) : "closed during the handshake");
	if (c->level == TLS_LEVEL_PREFERRED)
		mail_log_info(dl->env->log, "DCID %lu TLS deferring: %s%s", c->dcid, why,
			      version ? " TLS version mismatch could be the failure reason" : "");
	else
		mail_log_info(dl->env->log, "DCID %lu IP %s TLS failed: %s%s", c->dcid, c->peer,
			      why,
			      version ? " TLS version mismatch could be the failure reason" : "");
	dl_rpt(c, "validation-failure");
	dl_act(c, smtpc_tls_done(&c->sc, false, false));
}
/* MTA-STS's say on host `h` when DANE declined (core/mta_sts.c). */
static bool sts_allows(struct conn *c, const struct resolved_host *h)
{
	struct delivery *dl = c->dl;
	const struct mta_sts_result *r = &c->res.sts;
	struct mta_sts_decision d;

	if (r->state == MTA_STS_FAILED) {
		/* RFC 8461 5.1: no valid policy and none cached: as if none. */
		mail_log_info(dl->env->log, "MTA-STS for %s: no policy in force: %s", c->domain,
			      r->why);
		return true;
	}
	mta_sts_decide(&r->policy, h->name, c->pol.tls, &d);
	c->level = d.level;
	c->sts_on = r->policy.mode != MTA_STS_NONE;
	mail_log_info(dl->env->log, "MTA-STS for %s: policy %s (mode %s%s): host %s (%s): %s",
		      c->domain, r->id, mta_sts_mode_name(r->policy.mode),
		      r->cached ? ", cached" : "", h->name, h->addr, d.why);
	if (d.action != MTA_STS_ACT_SKIP)
		return true;
	snprintf(c->dane_skipped, sizeof(c->dane_skipped), "%s", d.why);
	dl_rpt(c, "validation-failure");
	return false;
}

/* DANE's say on host `h` (core/dane.c): the level it is held to, or not
 * now. Logged once per host and connection attempt. */
static bool dane_allows(struct conn *c, const struct resolved_host *h)
{
	struct delivery *dl = c->dl;

	dane_decide(c->pol.dane, c->pol.tls, c->res.mx_secure, &h->tlsa, h->name, &c->dane);
	c->level = c->dane.level;
	c->sts_on = false;
	if (c->dane.action == DANE_ACT_TLS_LEVEL && c->res.sts.state != MTA_STS_ABSENT)
		return sts_allows(c, h); /* DANE first (RFC 8461 2), then MTA-STS */
	if (c->pol.dane == DANE_MODE_NO)
		return true;
	if (c->no_tls && c->dane.action != DANE_ACT_TLS_LEVEL) { /* a clear-text retry */
		c->dane.action = DANE_ACT_SKIP;
		snprintf(c->dane.why, sizeof(c->dane.why),
			 "DANE requires TLS; no clear-text retry");
	}
	if (c->dane.action == DANE_ACT_SKIP) {
		mail_log_info(dl->env->log, "DANE for %s: host %s (%s): %s", c->domain, h->name,
			      h->addr, c->dane.why);
		snprintf(c->dane_skipped, sizeof(c->dane_skipped), "%s", c->dane.why);
		if (c->pol.dane != DANE_MODE_NO)
			dl_rpt(c,
			       h->tlsa.state == TLSA_FAILED ? "dnssec-invalid" : "dane-required");
		return false;
	}
	mail_log_info(dl->env->log, "DANE for %s: host %s (%s): %s", c->domain, h->name, h->addr,
		      c->dane.why);
	return true;
}

void dl_conn_connect(struct conn *c)
{
	struct delivery *dl = c->dl;
	struct sockaddr_storage ss;
	unsigned len;

	for (; c->host < c->res.count; c->host++) {
		const struct resolved_host *h = &c->res.hosts[c->host];
		if (net_sockaddr(h->addr, (unsigned)h->port, &ss, &len) < 0)
			continue;
		if (!dane_allows(c, h))
			continue;
		c->fd = socket(ss.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
		if (c->fd < 0)
			break;
		c->dcid = ++dl->next_dcid;
		c->ssl = NULL;
		c->counted = false;
		/* Zeroed until the server answers (smtpc_init on connect). */
		smtpc_free(&c->sc);
		memset(&c->sc, 0, sizeof(c->sc));
		snprintf(c->peer, sizeof(c->peer), "%s", h->addr);
		c->bev = bufferevent_socket_new(dl->env->base, c->fd, BEV_OPT_DEFER_CALLBACKS);
		if (!c->bev)
			break;
		bufferevent_setcb(c->bev, dl_on_read, NULL, dl_on_event, c);
		struct timeval tv = { dl->env->opt->smtp_timeout, 0 };
		bufferevent_set_timeouts(c->bev, &tv, &tv);
		if (bufferevent_socket_connect(c->bev, (struct sockaddr *)&ss, (int)len) == 0)
			return;
		bufferevent_free(c->bev);
		c->bev = NULL;
		close(c->fd);
		c->fd = -1;
	}
	if (c->bev) {
		bufferevent_free(c->bev);
		c->bev = NULL;
	}
	dl_conn_finish(c, SC_FAIL_TEMP,
		       c->dane_skipped[0] ? c->dane_skipped
					  : "no mail exchanger of the domain could be reached");
}

void dl_on_resolved(void *arg, int rc, const struct resolved *r, int temporary, const char *why)
{
	struct conn *c = arg;

	c->resolving = false;
	if (rc < 0) {
		mail_log_info(c->dl->env->log, "Cannot deliver to %s: %s", c->domain, why);
		dl_conn_finish(c, temporary ? SC_FAIL_TEMP : SC_FAIL_PERM, why);
		return;
	}
	c->res = *r;
	c->host = 0;
	dl_conn_connect(c);
}
