/* delivery_conn: one outbound connection. The socket, STARTTLS, the core
 * SMTP client's actions (act), each message's outcome (message_done) and
 * the connection's end (conn_finish: deferrals, bounces, the clear-text
 * retry). */
#include "delivery_internal.h"

#include <event2/buffer.h>
#include <event2/bufferevent_ssl.h>
#include <openssl/err.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "engine.h"
#include "options.h"
#include "../os/net.h"
#include "../tls/dane.h"

#define LINE_MAX_BYTES 2048

/* ---- one connection ---- */

void dl_conn_free(struct conn *c)
{
	struct delivery *dl = c->dl;
	struct conn **pp;

	if (c->bev) {
		bufferevent_disable(c->bev, EV_READ | EV_WRITE);
		bufferevent_free(c->bev); /* closes the socket when it is a TLS one */
	}
	if (!c->ssl && c->fd >= 0)
		close(c->fd);
	if (c->have_q)
		queued_free(&c->q);
	smtpc_free(&c->sc);
	free(c->codes);
	for (pp = &dl->conns; *pp; pp = &(*pp)->next)
		if (*pp == c) {
			*pp = c->next;
			break;
		}
	dl_active_add(dl, c->domain, -1);
	outbound_unref(c->ob);
	free(c->batch);
	free(c);
}

static void log_rids(char *buf, size_t len, size_t n)
{
	size_t off = (size_t)snprintf(buf, len, "[");

	for (size_t i = 0; i < n && off < len; i++)
		off += (size_t)snprintf(buf + off, len - off, "%s%zu", i ? ", " : "", i);
	if (off < len)
		snprintf(buf + off, len - off, "]");
}

/* Back to the queue, later; bounced when too old. */
static void defer(struct conn *c, struct qmsg *m, const char *why)
{
	struct delivery *dl = c->dl;
	time_t now = time(NULL);

	m->busy = false;
	m->attempts++;
	if (now - m->received >= dl->env->opt->queue_lifetime) {
		struct queued q;
		struct err e;
		if (queued_load(dl->dir, m->id, &q, &e) == 0) {
			dl_bounce(dl, &q, q.rcpt, NULL, q.rcpt_count, why);
			queued_free(&q);
		}
		queued_remove(dl->dir, m->id);
		dl_untrack(dl, m);
		return;
	}
	m->next_try = now + dl_backoff(dl, m->attempts);
	if (queued_retry_save(dl->dir, m->id, m->attempts, m->next_try) < 0)
		mail_log_warning(dl->env->log, "MID %s: cannot save its retry schedule: %s", m->id,
				 strerror(errno));
	mail_log_info(dl->env->log, "MID %s delayed: %s; next attempt in %lld seconds", m->id, why,
		      (long long)(m->next_try - now));
}

void dl_conn_finish(struct conn *c, enum smtpc_fail fail, const char *why)
{
	struct delivery *dl = c->dl;
	bool retry_clear = fail == SC_FAIL_TLS_CLEAR && !c->no_tls;

	if (fail == SC_FAIL_TLS_REQUIRED || fail == SC_FAIL_VERIFY)
		dl_alert(c, why);
	if (c->fd >= 0 || c->bev)
		mail_log_info(dl->env->log, "DCID %lu close", c->dcid);
	if (c->sc.helo_name[0]) /* an SMTP dialog that never tried TLS */
		dl_count_tls(c, USAGE_NO_TLS, NULL);
	if (retry_clear) {
		/* Preferred (Verify): TLS could not be negotiated, so in clear. */
		struct conn *n = calloc(1, sizeof(*n));
		if (!n)
			abort();
		*n = (struct conn){ .dl = dl,
				    .ob = outbound_ref(c->ob),
				    .fd = -1,
				    .no_tls = true,
				    .level = c->level,
				    .pol = c->pol,
				    .res = c->res,
				    .host = c->host };
		snprintf(n->domain, sizeof(n->domain), "%s", c->domain);
		n->batch = c->batch;
		n->nbatch = c->nbatch;
		n->cur = c->cur;
		c->batch = NULL;
		n->next = dl->conns;
		dl->conns = n;
		dl_active_add(dl, n->domain, 1);
		dl_conn_free(c);
		dl_conn_connect(n);
		return;
	}
	for (size_t i = c->cur; i < c->nbatch; i++) {
		if (fail == SC_FAIL_PERM) {
			struct queued q;
			struct err e;
			if (queued_load(dl->dir, c->batch[i]->id, &q, &e) == 0) {
				dl_bounce(dl, &q, q.rcpt, NULL, q.rcpt_count, why);
				queued_free(&q);
			}
			queued_remove(dl->dir, c->batch[i]->id);
			dl_untrack(dl, c->batch[i]);
		} else {
			defer(c, c->batch[i], why);
		}
	}
	c->cur = c->nbatch;
	dl_conn_free(c);
}

/* The connection ended for the reason the client machine gave. */
static void conn_close_per_client(struct conn *c)
{
	const char *why;

	switch (c->sc.fail) {
	case SC_FAIL_NONE: why = "done"; break;
	case SC_FAIL_TLS_REQUIRED:
	case SC_FAIL_VERIFY:
		why = "TLS was required but could not be successfully negotiated";
		break;
	case SC_FAIL_TEMP:
	case SC_FAIL_PERM: why = c->sc.text[0] ? c->sc.text : smtpc_fail_text(c->sc.fail); break;
	default: why = c->refused[0] ? c->refused : smtpc_fail_text(c->sc.fail); break;
	}
	dl_conn_finish(c, c->sc.fail, why);
}

static void add_to(void *out, const char *p, size_t n)
{
	evbuffer_add(out, p, n);
}

/* Dot-stuffed, CRLF only, no NUL: nothing to smuggle (smtpc_body_wire). */
static void send_body(struct conn *c)
{
	smtpc_body_wire(c->q.body, c->q.body_len, add_to, bufferevent_get_output(c->bev));
	smtpc_body_sent(&c->sc);
}

/* The current message's transaction ended: record each recipient's fate. */
static void message_done(struct conn *c)
{
	struct delivery *dl = c->dl;
	struct qmsg *m = c->batch[c->cur];
	size_t n = c->q.rcpt_count, ok = 0, perm = 0;
	char rids[256], **later = calloc(n, sizeof(char *)), **failed = calloc(n, sizeof(char *));
	int *fcodes = calloc(n, sizeof(int));
	size_t nl = 0, nf = 0;

	if (!later || !failed || !fcodes)
		abort();
	for (size_t i = 0; i < n; i++) {
		int cls = c->codes[i] / 100;
		if (cls == 2) {
			ok++;
		} else if (cls == 5) {
			failed[nf] = c->q.rcpt[i];
			fcodes[nf++] = c->codes[i];
			perm++;
		} else {
			later[nl++] = c->q.rcpt[i];
		}
	}
	const char *why = c->sc.refusal[0] ? c->sc.refusal : c->sc.text;

	log_rids(rids, sizeof(rids), n);
	if (ok == n) {
		/* First make it gone: a crash from here on cannot resend it. */
		queued_remove(dl->dir, m->id);
		mail_log_info(dl->env->log, "Message done DCID %lu MID %s to RID %s", c->dcid,
			      m->id, rids);
		mail_log_info(dl->env->log, "MID %s RID %s Response '%s'", m->id, rids, c->sc.text);
		dl_untrack(dl, m);
	} else if (nl == n) {
		defer(c, m, why);
	} else {
		char id[SPOOL_ID_MAX];
		struct err e;
		if (ok)
			mail_log_info(dl->env->log,
				      "Message done DCID %lu MID %s to %zu of %zu recipients",
				      c->dcid, m->id, ok, n);
		if (nf)
			dl_bounce(dl, &c->q, failed, fcodes, nf, why);
		if (nl && queued_write(dl->dir, m->id, c->q.received, c->q.from, later, nl,
				       c->q.body, c->q.body_len, id, &e) == 0) {
			struct qmsg *rest = dl_track(dl, id, m->domain, c->q.received);
			rest->attempts = m->attempts;
			queued_remove(dl->dir, m->id);
			dl_untrack(dl, m);
			m = NULL;
			defer(c, rest, why);
		} else if (!nl) {
			queued_remove(dl->dir, m->id);
			dl_untrack(dl, m);
		} else {
			mail_log_warning(dl->env->log, "MID %s: %s", m->id, e.msg);
			defer(c, m, why);
		}
	}
	(void)perm;
	free(later);
	free(failed);
	free(fcodes);
	queued_free(&c->q);
	c->have_q = false;
	c->cur++;
	c->done_count++;
}

static void conn_next_message(struct conn *c)
{
	struct delivery *dl = c->dl;
	char rids[256];
	struct err e;

	while (c->cur < c->nbatch) {
		struct qmsg *m = c->batch[c->cur];
		if (queued_load(dl->dir, m->id, &c->q, &e) == 0)
			break;
		mail_log_warning(dl->env->log, "%s", e.msg);
		dl_untrack(dl, m);
		c->cur++;
	}
	if (c->cur >= c->nbatch) {
		dl_act(c, smtpc_quit(&c->sc));
		return;
	}
	c->have_q = true;
	free(c->codes);
	c->codes = calloc(c->q.rcpt_count, sizeof(int));
	if (!c->codes)
		abort();
	log_rids(rids, sizeof(rids), c->q.rcpt_count);
	mail_log_info(dl->env->log, "Delivery start DCID %lu MID %s to RID %s", c->dcid,
		      c->batch[c->cur]->id, rids);
	dl_act(c, smtpc_mail(&c->sc, c->q.from, (const char *const *)c->q.rcpt, c->q.rcpt_count,
			     c->codes));
}

/* ---- the socket, STARTTLS and the client machine ---- */

static void set_timeouts(struct conn *c)
{
	struct timeval tv = { c->dl->env->opt->smtp_timeout, 0 };

	bufferevent_set_timeouts(c->bev, &tv, &tv);
}

/* This DCID's one TLS outcome, for the usage record (daemon/usage.h). */
void dl_count_tls(struct conn *c, enum usage_outcome outcome, const char *reason)
{
	const struct resolved_host *h = c->host < c->res.count ? &c->res.hosts[c->host] : NULL;
	int mode = tls_level_requires(c->level)   ? USAGE_MODE_REQUIRED
		   : tls_level_attempts(c->level) ? USAGE_MODE_PREFERRED
						  : USAGE_MODE_NONE;
	struct usage_peer p;

	if (c->counted || !h)
		return;
	c->counted = true;
	usage_peer_set(&p, SVC_OUTBOUND, mode, "", c->domain, h->name[0] ? h->name : h->addr);
	usage_count(c->dl->env->usage, &p, c->ssl, outcome, reason);
}

static void start_tls(struct conn *c)
{
	struct delivery *dl = c->dl;
	struct evbuffer *in = bufferevent_get_input(c->bev);
	const char *host = c->res.hosts[c->host].name;
	struct bufferevent *tls = NULL;
	SSL *ssl = outbound_new_ssl(c->ob, c->domain, c->res.via_route ? host : host);

	/* Nothing may follow the 220 in clear (RFC 3207): drop it unread. */
	evbuffer_drain(in, evbuffer_get_length(in));
	if (ssl && c->dane.action == DANE_ACT_AUTH) {
		char why[200];
		if (dane_attach(ssl, host, c->domain, &c->res.hosts[c->host].tlsa, why,
				sizeof(why)) < 0) {
			mail_log_info(dl->env->log, "DCID %lu IP %s DANE failed: %s", c->dcid,
				      c->peer, why);
			SSL_free(ssl);
			ssl = NULL;
		}
	}
	if (ssl)
		tls = bufferevent_openssl_socket_new(
			dl->env->base, c->fd, ssl, BUFFEREVENT_SSL_CONNECTING,
			BEV_OPT_CLOSE_ON_FREE | BEV_OPT_DEFER_CALLBACKS);
	if (!tls) {
		SSL_free(ssl);
		dl_act(c, smtpc_tls_done(&c->sc, false, false));
		return;
	}
	bufferevent_disable(c->bev, EV_READ | EV_WRITE);
	bufferevent_free(c->bev);
	c->bev = tls;
	c->ssl = ssl;
	c->handshaking = true;
	bufferevent_openssl_set_allow_dirty_shutdown(tls, 1);
	bufferevent_setcb(tls, dl_on_read, NULL, dl_on_event, c);
	set_timeouts(c);
	bufferevent_enable(tls, EV_READ | EV_WRITE);
}

void dl_act(struct conn *c, enum smtpc_action a)
{
	struct delivery *dl = c->dl;

	switch (c->sc.note) {
	case SC_NOTE_STARTTLS_UNEXPECTED:
		dl_count_tls(c, USAGE_FAILED, "STARTTLS unexpected response");
		mail_log_info(dl->env->log,
			      "DCID %lu IP %s TLS failed: STARTTLS unexpected response", c->dcid,
			      c->peer);
		break;
	case SC_NOTE_STARTTLS_NOT_OFFERED:
		dl_count_tls(c, tls_level_requires(c->level) ? USAGE_FAILED : USAGE_NO_TLS,
			     "STARTTLS not offered");
		if (tls_level_requires(c->level) && !c->no_tls) {
			mail_log_info(dl->env->log,
				      "DCID %lu IP %s TLS failed: STARTTLS not offered", c->dcid,
				      c->peer);
			dl_rpt(c, "starttls-not-supported");
		}
		break;
	default: break;
	}
	c->sc.note = SC_NOTE_NONE;
	if (c->sc.fail == SC_FAIL_TLS_REQUIRED || c->sc.fail == SC_FAIL_VERIFY) {
		if (!c->alerted && !c->closing)
			mail_log_info(
				dl->env->log,
				"DCID %lu IP %s TLS was required but could not be successfully "
				"negotiated",
				c->dcid, c->peer);
		c->closing = true;
	}
	switch (a) {
	case SC_ACT_NONE: return;
	case SC_ACT_SEND: bufferevent_write(c->bev, c->sc.out.data, c->sc.out.len); return;
	case SC_ACT_STARTTLS: start_tls(c); return;
	case SC_ACT_READY: conn_next_message(c); return;
	case SC_ACT_SEND_BODY: send_body(c); return;
	case SC_ACT_MESSAGE_DONE:
		message_done(c);
		if (c->sc.state == SC_QUIT ||
		    (c->pol.max_messages_per_connection &&
		     c->done_count >= (size_t)c->pol.max_messages_per_connection))
			dl_act(c, smtpc_quit(&c->sc));
		else
			conn_next_message(c);
		return;
	case SC_ACT_CLOSE: conn_close_per_client(c); return;
	}
}

void dl_on_read(struct bufferevent *bev, void *arg)
{
	struct conn *c = arg;
	struct evbuffer *in = bufferevent_get_input(bev);
	char *line;
	size_t n;

	while (c->bev == bev && (line = evbuffer_readln(in, &n, EVBUFFER_EOL_CRLF))) {
		enum smtpc_state before = c->sc.state;
		enum smtpc_action a = smtpc_line(&c->sc, line, n);
		free(line);
		dl_act(c, a);
		/* The connection is gone, or TLS is starting on a new bufferevent. */
		if (a == SC_ACT_CLOSE || a == SC_ACT_STARTTLS || before == SC_CLOSED)
			return;
	}
	if (c->bev == bev && evbuffer_get_length(in) > LINE_MAX_BYTES)
		dl_act(c, smtpc_lost(&c->sc));
}

void dl_on_event(struct bufferevent *bev, short what, void *arg)
{
	struct conn *c = arg;

	(void)bev;
	if (what & BEV_EVENT_CONNECTED) {
		if (c->handshaking) {
			dl_handshake_done(c, true);
			return;
		}
		struct net_peer p;
		net_describe(c->fd, &p);
		mail_log_info(c->dl->env->log, "New SMTP DCID %lu interface %s address %s port %u",
			      c->dcid, p.local, c->peer, c->res.hosts[c->host].port);
		smtpc_init(&c->sc,
			   c->dl->env->config->hostname[0] ? c->dl->env->config->hostname
							   : "localhost",
			   c->level, c->no_tls);
		set_timeouts(c);
		bufferevent_enable(c->bev, EV_READ | EV_WRITE);
		return;
	}
	if (c->handshaking) {
		dl_handshake_done(c, false);
		return;
	}
	if (c->sc.helo_name[0] == '\0') { /* the connection itself failed */
		mail_log_info(c->dl->env->log, "DCID %lu cannot connect to %s port %u", c->dcid,
			      c->peer, c->res.hosts[c->host].port);
		bufferevent_free(c->bev);
		c->bev = NULL;
		close(c->fd);
		c->fd = -1;
		c->host++;
		dl_conn_connect(c);
		return;
	}
	dl_act(c, smtpc_lost(&c->sc));
}
