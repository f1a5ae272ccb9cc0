/* smtp_engine: one bufferevent per session, plain until STARTTLS, then a
 * bufferevent_openssl on the same socket once the "220 Ready" has left.
 * Every read is bounded: line length by the protocol state, time by the
 * per-read timeout, and output backlog by pausing input (the input itself:
 * smtp_input.c). */
#include "smtp_engine.h"

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/bufferevent_ssl.h>
#include <event2/event.h>
#include <event2/listener.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "conn_guard.h"
#include "engine.h"
#include "options.h"
#include "rdns.h"
#include "resolver.h" /* resolver_free */
#include "smtp_internal.h"
#include "spool.h"

#define MAX_ERRORS 20

void smtp_session_free(struct smtp_session *s)
{
	struct smtp_engine *eng = s->eng;

	rdns_cancel(s->rdns);
	if (s->rdns_timer)
		event_free(s->rdns_timer);
	if (s->life_timer)
		event_free(s->life_timer);
	spool_abort(s->msg);
	if (s->ssl) {
		tls_watch_closed(s->ssl, &s->watch);
		tls_watch_detach(s->ssl);
		bufferevent_free(s->bev); /* closes the socket, frees the SSL */
	} else {
		if (s->proto.helo[0]) /* a client that spoke SMTP and never tried TLS */
			usage_count(eng->env->usage, &s->watch.peer, NULL, USAGE_NO_TLS, NULL);
		/* Delete the events before the descriptor goes. */
		bufferevent_disable(s->bev, EV_READ | EV_WRITE);
		bufferevent_free(s->bev);
		close(s->fd);
	}
	/* Also after a STARTTLS whose handshake failed (the guide's example:
	 * "TLS failed", "lost", then this line). */
	if (s->admitted && s->proto.policy.tls_required &&
	    (!s->proto.tls || !s->watch.done || s->watch.failed))
		mail_log_info(eng->env->log,
			      "ICID %lu TLS was required but remote host did not initiate it",
			      s->icid);
	if (!s->unseen)
		mail_log_info(eng->env->log, "ICID %lu close", s->icid);
	smtp_proto_free(&s->proto);
	strbuf_free(&s->batch);
	inbound_unref(s->in);
	if (s->prev)
		s->prev->next = s->next;
	else
		eng->sessions = s->next;
	if (s->next)
		s->next->prev = s->prev;
	smtp_shared_leave(eng->shared, s);
	conn_guard_remove(&s->lst->guard, &s->guard);
	smtp_listener_release(s->lst);
	free(s);
}

/* The reply is queued; the session ends when it has been written. */
void smtp_close_after_reply(struct smtp_session *s)
{
	s->phase = PHASE_CLOSING;
	bufferevent_disable(s->bev, EV_READ);
}

void smtp_session_time_out(struct smtp_session *s)
{
	struct strbuf reply;

	strbuf_init(&reply);
	smtp_proto_timeout(&s->proto, &reply);
	smtp_send_reply(s, &reply);
	strbuf_free(&reply);
	smtp_close_after_reply(s);
}

static void on_read(struct bufferevent *bev, void *arg);
static void on_write(struct bufferevent *bev, void *arg);
static void on_event(struct bufferevent *bev, short what, void *arg);

static int verify_any(int ok, X509_STORE_CTX *x)
{
	(void)ok;
	(void)x;
	return 1;
}

/* The client certificate's verdict, once the handshake is done. */
static void log_client_cert(struct smtp_session *s)
{
	X509 *peer;
	long rc;

	if (!s->ssl || !hat_tls_verify(s->params.tls))
		return;
	peer = SSL_get0_peer_certificate(s->ssl);
	rc = SSL_get_verify_result(s->ssl);
	if (!peer)
		mail_log_info(s->eng->env->log, "ICID %lu TLS client certificate not presented",
			      s->icid);
	else if (rc == X509_V_OK)
		mail_log_info(s->eng->env->log, "ICID %lu TLS client certificate verified",
			      s->icid);
	else
		mail_log_info(s->eng->env->log, "ICID %lu TLS client certificate not verified: %s",
			      s->icid, X509_verify_cert_error_string(rc));
}

static void switch_to_tls(struct smtp_session *s)
{
	const struct engine_env *env = s->eng->env;
	SSL *ssl = SSL_new(s->il->ctx);
	struct bufferevent *tls = NULL;
	char who[48];

	snprintf(who, sizeof(who), "ICID %lu", s->icid);
	tls_watch_init(&s->watch, env->log, who, NULL);
	s->watch.usage = env->usage; /* its peer was set at accept and greeting */
	/* No 16 KB+ buffers held by idle sessions. (No read-ahead here: the
	 * plain-text phase must not lose bytes, and it is over by now anyway.) */
	if (ssl) {
		SSL_set_mode(ssl, SSL_MODE_RELEASE_BUFFERS);
		/* daemon.c's ClientHello hook finds the listener's current context by it. */
		SSL_set_app_data(ssl, s->lst->name);
	}
	/* Verify policies ask for the client's certificate: Required - Verify
	 * fails the handshake without a good one, Preferred - Verify logs it. */
	if (ssl && hat_tls_verify(s->params.tls))
		SSL_set_verify(ssl,
			       hat_tls_required(s->params.tls)
				       ? SSL_VERIFY_PEER | SSL_VERIFY_FAIL_IF_NO_PEER_CERT
				       : SSL_VERIFY_PEER,
			       hat_tls_required(s->params.tls) ? NULL : verify_any);
	/* The handshake runs inside SSL_read on the read event (no separate
	 * handshake state re-arming the socket for writing). */
	if (ssl)
		SSL_set_accept_state(ssl);
	if (ssl && tls_watch_attach(ssl, &s->watch) == 0)
		tls = bufferevent_openssl_socket_new(env->base, s->fd, ssl, BUFFEREVENT_SSL_OPEN,
						     BEV_OPT_CLOSE_ON_FREE |
							     BEV_OPT_DEFER_CALLBACKS);
	if (!tls) {
		SSL_free(ssl);
		smtp_session_free(s);
		return;
	}
	bufferevent_disable(s->bev, EV_READ | EV_WRITE);
	bufferevent_free(s->bev);
	s->bev = tls;
	s->ssl = ssl;
	s->phase = PHASE_OPEN;
	conn_guard_set_idle(&s->guard, GUARD_QUIET); /* it said EHLO and STARTTLS */
	bufferevent_openssl_set_allow_dirty_shutdown(tls, 1);
	bufferevent_setcb(tls, on_read, on_write, on_event, s);
	smtp_set_timeouts(s);
	bufferevent_enable(tls, EV_READ); /* EV_WRITE once a reply must wait */
}

static void on_read(struct bufferevent *bev, void *arg)
{
	struct smtp_session *s = arg;

	(void)bev;
	/* The first bytes after the handshake: its verdict on the client's
	 * certificate (the rest was logged by tls_watch). */
	if (s->ssl && !s->cert_logged && SSL_is_init_finished(s->ssl)) {
		s->cert_logged = true;
		log_client_cert(s);
	}
	smtp_process_input(s);
}

/* The output buffer has drained. Deferred callbacks can run late, after
 * new replies were queued: act only when nothing is left to send. */
static void on_write(struct bufferevent *bev, void *arg)
{
	struct smtp_session *s = arg;

	if (evbuffer_get_length(bufferevent_get_output(bev)) > 0)
		return;
	if (s->phase == PHASE_STARTING_TLS) {
		switch_to_tls(s);
	} else if (s->phase == PHASE_CLOSING) {
		smtp_session_free(s);
	} else if (s->paused) {
		s->paused = false;
		bufferevent_enable(s->bev, EV_READ);
		smtp_process_input(s);
	}
}

static void on_event(struct bufferevent *bev, short what, void *arg)
{
	struct smtp_session *s = arg;

	(void)bev;
	if (what & BEV_EVENT_CONNECTED)
		return; /* not sent in the open state; on_read logs the certificate */
	/* An idle client gets a 421 if it can still be spoken to. */
	if ((what & BEV_EVENT_TIMEOUT) && (what & BEV_EVENT_READING) && s->phase == PHASE_OPEN &&
	    (!s->ssl || s->watch.done)) {
		mail_log_info(s->eng->env->log, "ICID %lu timeout", s->icid);
		smtp_session_time_out(s);
		return;
	}
	/* The client went away (or broke the connection) without QUIT, as
	 * AsyncOS logs it before "close". */
	if ((what & (BEV_EVENT_EOF | BEV_EVENT_ERROR)) && s->phase != PHASE_CLOSING) {
		if (s->ssl) /* "TLS failed" first, as in the guide */
			tls_watch_closed(s->ssl, &s->watch);
		mail_log_info(s->eng->env->log, "ICID %lu lost", s->icid);
	}
	smtp_session_free(s);
}

/* "421 too many connections", best effort and never blocking: the client
 * is refused either way. (The guard logs the counts.) */
void smtp_say_busy(struct smtp_engine *eng, int fd)
{
	struct smtp_proto p;
	struct strbuf reply;
	struct smtp_limits lim = { 0 };

	smtp_proto_init(&p, eng->env->config->hostname, &lim);
	strbuf_init(&reply);
	smtp_proto_busy(&p, &reply);
	if (send(fd, reply.data, reply.len, MSG_DONTWAIT | MSG_NOSIGNAL) < 0) {
	}
	strbuf_free(&reply);
	smtp_proto_free(&p);
}

/* Room is needed for a newer client: an idle session goes now. */
static void evict(struct guard_conn *c)
{
	struct smtp_session *s = smtp_session_of(c);

	mail_log_info(s->eng->env->log,
		      "ICID %lu evicted: idle while the connection limit is reached", s->icid);
	if (!s->ssl)
		smtp_say_busy(s->eng, s->fd);
	smtp_session_free(s);
}

/* Another worker admitted a client over a cap and found no idle session of
 * its own to make room: ours, marked, go now (smtp_shared.h). */
static void on_evict_asked(evutil_socket_t fd, short what, void *arg)
{
	struct smtp_engine *eng = arg;
	struct smtp_session *v;

	(void)fd;
	(void)what;
	smtp_shared_lock(eng->shared);
	do {
		for (v = eng->sessions; v && !v->evict_asked; v = v->next)
			;
		if (v && __atomic_load_n(&v->guard.idle, __ATOMIC_RELAXED) == GUARD_BUSY)
			smtp_shared_unask(eng->shared, v); /* in a transaction by now: it stays */
		else if (v)
			evict(&v->guard);
	} while (v);
	smtp_shared_unlock(eng->shared);
}

void smtp_engine_ask_evict(struct smtp_engine *eng)
{
	event_active(eng->evict_asked, 0, 0);
}

struct smtp_session *smtp_session_new(struct smtp_engine *eng, struct smtp_listener *lst, int fd)
{
	const struct engine_env *env = eng->env;
	struct smtp_session *s = calloc(1, sizeof(*s));
	struct smtp_limits lim = { env->opt->smtp_max_size, 1, MAX_ERRORS };

	if (!s)
		return NULL;
	s->bev = bufferevent_socket_new(env->base, fd, BEV_OPT_DEFER_CALLBACKS);
	if (!s->bev) {
		free(s);
		return NULL;
	}
	s->eng = eng;
	s->lst = lst;
	lst->refs++;
	s->fd = fd;
	s->icid = smtp_shared_icid(eng->shared);
	s->phase = PHASE_ADMITTING;
	strbuf_init(&s->batch);
	smtp_proto_init(&s->proto, env->config->hostname[0] ? env->config->hostname : "tlsgate",
			&lim);
	s->next = eng->sessions;
	if (s->next)
		s->next->prev = s;
	eng->sessions = s;
	conn_guard_add(&lst->guard, &s->guard, evict);
	return s;
}

void smtp_session_start(struct smtp_session *s, const struct strbuf *reply, bool close)
{
	s->phase = PHASE_OPEN;
	if (!close)
		smtp_start_life_timer(s);
	bufferevent_setcb(s->bev, on_read, on_write, on_event, s);
	smtp_set_timeouts(s);
	bufferevent_enable(s->bev, EV_READ); /* EV_WRITE once a reply must wait */
	smtp_send_reply(s, reply);
	if (close)
		smtp_close_after_reply(s);
}

int smtp_engine_start(const struct engine_env *env, struct smtp_engine **out, struct err *e)
{
	struct smtp_engine *eng = calloc(1, sizeof(*eng));
	struct spool *spool = NULL;

	*out = NULL;
	if (!eng)
		return err_set(e, "Out of memory.");
	eng->env = env;
	eng->first = true;
	if (spool_open(env->opt->home, &env->opt->spool, env->log, &spool, e) < 0) {
		free(eng);
		return -1;
	}
	if (!(eng->shared = smtp_shared_new(spool))) {
		spool_close(spool);
		free(eng);
		return err_set(e, "Out of memory.");
	}
	if (!(eng->evict_asked = event_new(env->base, -1, 0, on_evict_asked, eng))) {
		smtp_engine_free(eng);
		return err_set(e, "Out of memory.");
	}
	if (smtp_engines_sync(&eng, 1, *env->inbound, e) < 0) {
		smtp_engine_free(eng);
		return -1;
	}
	*out = eng;
	return 0;
}

int smtp_engine_start_beside(const struct engine_env *env, struct smtp_engine *first,
			     struct smtp_engine **out, struct err *e)
{
	struct smtp_engine *eng = calloc(1, sizeof(*eng));
	struct smtp_engine *both[2] = { first, eng };

	*out = NULL;
	if (!eng)
		return err_set(e, "Out of memory.");
	eng->env = env;
	eng->shared = first->shared;
	if (!(eng->evict_asked = event_new(env->base, -1, 0, on_evict_asked, eng))) {
		smtp_engine_free(eng);
		return err_set(e, "Out of memory.");
	}
	/* Both: first's sockets are all there already, so only eng's open. */
	if (smtp_engines_sync(both, 2, *env->inbound, e) < 0) {
		smtp_engine_free(eng);
		return -1;
	}
	*out = eng;
	return 0;
}

void smtp_engine_free(struct smtp_engine *eng)
{
	if (!eng)
		return;
	smtp_engine_close_all(eng);
	while (eng->sessions)
		smtp_session_free(eng->sessions);
	resolver_free(eng->resolver);
	if (eng->evict_asked)
		event_free(eng->evict_asked);
	if (eng->first)
		smtp_shared_free(eng->shared); /* the others are gone by now */
	free(eng);
}
