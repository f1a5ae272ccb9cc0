/* smtp_engine: one bufferevent per session, plain until STARTTLS, then a
 * bufferevent_openssl on the same socket once the "220 Ready" has left.
 * Every read is bounded: line length by the protocol state, time by the
 * per-read timeout, and output backlog by pausing input. */
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
#include "resolver.h"
#include "smtp_internal.h"
#include "spool.h"

#define OUTPUT_BACKLOG_MAX (64 * 1024) /* stop reading a client that stops reading */
#define MAX_ERRORS         20

static void process_input(struct smtp_session *s);

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
	mail_log_info(eng->env->log, "ICID %lu close", s->icid);
	smtp_proto_free(&s->proto);
	inbound_unref(s->in);
	if (s->prev)
		s->prev->next = s->next;
	else
		eng->sessions = s->next;
	if (s->next)
		s->next->prev = s->prev;
	eng->count--;
	conn_guard_remove(&s->lst->guard, &s->guard);
	smtp_listener_release(s->lst);
	free(s);
}

static void send_reply(struct smtp_session *s, const struct strbuf *reply)
{
	bufferevent_write(s->bev, reply->data, reply->len);
}

/* The reply is queued; the session ends when it has been written. */
static void close_after_reply(struct smtp_session *s)
{
	s->phase = PHASE_CLOSING;
	bufferevent_disable(s->bev, EV_READ);
}

void smtp_session_time_out(struct smtp_session *s)
{
	struct strbuf reply;

	strbuf_init(&reply);
	smtp_proto_timeout(&s->proto, &reply);
	send_reply(s, &reply);
	strbuf_free(&reply);
	close_after_reply(s);
}

/* Not greeted: evicted first when room is needed; greeted but between
 * transactions, or in the TLS handshake after STARTTLS: next; in a
 * transaction: never. */
static void update_idle(struct smtp_session *s, enum smtp_state before)
{
	enum smtp_state now = s->proto.state;

	conn_guard_set_idle(&s->guard, now == SMTP_STATE_START && !s->proto.tls ? GUARD_SILENT
				       : now == SMTP_STATE_START || now == SMTP_STATE_READY
					       ? GUARD_QUIET
					       : GUARD_BUSY);
	if ((before == SMTP_STATE_START) != (now == SMTP_STATE_START))
		smtp_set_timeouts(s);
}

static void on_read(struct bufferevent *bev, void *arg);
static void on_write(struct bufferevent *bev, void *arg);
static void on_event(struct bufferevent *bev, short what, void *arg);

/* RFC 3207: anything the client pipelined after STARTTLS was sent in the
 * clear and could be an attacker's; it is dropped, unread. */
static void begin_starttls(struct smtp_session *s)
{
	struct evbuffer *in = bufferevent_get_input(s->bev);
	size_t pending = evbuffer_get_length(in);

	if (pending)
		mail_log_warning(
			s->eng->env->log,
			"ICID %lu STARTTLS: %zu bytes sent in the clear after it discarded",
			s->icid, pending);
	evbuffer_drain(in, pending);
	bufferevent_disable(s->bev, EV_READ);
	s->phase = PHASE_STARTING_TLS;
}

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
	if (ssl && tls_watch_attach(ssl, &s->watch) == 0)
		tls = bufferevent_openssl_socket_new(
			env->base, s->fd, ssl, BUFFEREVENT_SSL_ACCEPTING,
			BEV_OPT_CLOSE_ON_FREE | BEV_OPT_DEFER_CALLBACKS);
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
	bufferevent_enable(tls, EV_READ | EV_WRITE);
}

static enum smtp_spool_status begin_message(struct smtp_session *s)
{
	struct smtp_proto *p = &s->proto;
	struct spool_envelope env = {
		.hostname = p->hostname,
		.icid = s->icid,
		.client_addr = s->peer.remote,
		.helo = p->helo,
		.esmtp = p->esmtp,
		.tls_protocol = s->ssl ? SSL_get_version(s->ssl) : NULL,
		.tls_cipher = s->ssl ? SSL_get_cipher_name(s->ssl) : NULL,
		.body = p->body,
		.mail_from = p->mail_from,
		.rcpt = p->rcpt,
		.rcpt_count = p->rcpt_count,
	};

	return spool_begin(s->eng->spool, &env, &s->msg);
}

/* The spool names the message by its MID (mid.h): one number from here to
 * its delivery. */
static void log_accepted(struct smtp_session *s, const char *mid)
{
	struct mail_log *log = s->eng->env->log;

	mail_log_info(log, "Start MID %s ICID %lu", mid, s->icid);
	mail_log_info(log, "MID %s ICID %lu From: <%s>", mid, s->icid, s->proto.mail_from);
	for (size_t i = 0; i < s->proto.rcpt_count; i++)
		mail_log_info(log, "MID %s ICID %lu RID %zu To: <%s>", mid, s->icid, i,
			      s->proto.rcpt[i]);
	mail_log_info(log, "MID %s ready %zu bytes from <%s>", mid, s->proto.data_size,
		      s->proto.mail_from);
	mail_log_info(log, "MID %s spooled as %s", mid, mid);
}

static void finish_message(struct smtp_session *s, struct strbuf *reply)
{
	enum smtp_spool_status st = SMTP_SPOOL_OK;
	char id[SPOOL_ID_MAX] = "";
	bool accepted = smtp_proto_data_acceptable(&s->proto);

	if (accepted)
		st = spool_commit(s->msg, id);
	else
		spool_abort(s->msg);
	s->msg = NULL;
	if (accepted && st == SMTP_SPOOL_OK)
		log_accepted(s, id);
	if (smtp_proto_data_end(&s->proto, st, id, reply) == SMTP_ACT_CLOSE)
		close_after_reply(s);
}

static void handle_data_line(struct smtp_session *s, const char *line, size_t len,
			     struct strbuf *reply)
{
	const char *content;
	size_t n;

	switch (smtp_proto_data_line(&s->proto, line, len, &content, &n)) {
	case SMTP_DATA_WRITE:
		spool_write(s->msg, content, n);
		spool_write(s->msg, "\r\n", 2);
		break;
	case SMTP_DATA_SKIP: break;
	case SMTP_DATA_END: finish_message(s, reply); break;
	}
}

static void handle_line(struct smtp_session *s, const char *line, size_t len)
{
	enum smtp_state before = s->proto.state;
	struct strbuf reply;

	strbuf_init(&reply);
	if (s->proto.state == SMTP_STATE_DATA) {
		handle_data_line(s, line, len, &reply);
	} else {
		switch (smtp_proto_command(&s->proto, line, len, &reply)) {
		case SMTP_ACT_REPLY: break;
		case SMTP_ACT_DATA:
			if (smtp_proto_data_start(&s->proto, begin_message(s), &reply) ==
			    SMTP_ACT_CLOSE)
				close_after_reply(s);
			break;
		case SMTP_ACT_STARTTLS: begin_starttls(s); break;
		case SMTP_ACT_CLOSE: close_after_reply(s); break;
		}
		if (s->proto.rcpt_refused)
			mail_log_info(s->eng->env->log,
				      "ICID %lu Recipient <%s> rejected by the recipient access "
				      "table of %s",
				      s->icid, s->proto.refused_rcpt, s->il->l.name);
	}
	/* The name it greeted with, for the TLS usage record (STARTTLS forgets it). */
	if (before != s->proto.state && s->proto.helo[0] && !s->ssl)
		snprintf(s->watch.peer.name, sizeof(s->watch.peer.name), "%s", s->proto.helo);
	send_reply(s, &reply);
	strbuf_free(&reply);
	if (s->phase == PHASE_OPEN)
		update_idle(s, before);
}

static void line_too_long(struct smtp_session *s)
{
	struct strbuf reply;

	if (s->proto.state == SMTP_STATE_DATA) {
		smtp_proto_data_line_too_long(&s->proto);
		return;
	}
	strbuf_init(&reply);
	if (smtp_proto_command_too_long(&s->proto, &reply) == SMTP_ACT_CLOSE)
		close_after_reply(s);
	send_reply(s, &reply);
	strbuf_free(&reply);
}

/* Takes one line off the input if a whole one is there. 1: a line was
 * handled (or discarded), 0: wait for more input. */
static int next_line(struct smtp_session *s, struct evbuffer *in)
{
	bool data = s->proto.state == SMTP_STATE_DATA;
	size_t limit = smtp_proto_line_limit(&s->proto), eol_len = 0, len;
	/* DATA ends only at CRLF.CRLF: a bare LF must not end it (smuggling). */
	struct evbuffer_ptr eol = evbuffer_search_eol(
		in, NULL, &eol_len, data ? EVBUFFER_EOL_CRLF_STRICT : EVBUFFER_EOL_CRLF);
	char line[SMTP_TEXT_LINE_MAX];

	if (eol.pos < 0) {
		len = evbuffer_get_length(in);
		if (len < limit)
			return 0;
		evbuffer_drain(in, len);
		if (!s->discarding)
			line_too_long(s);
		s->discarding = true;
		return 1;
	}
	len = (size_t)eol.pos;
	if (s->discarding || len + eol_len > limit) {
		evbuffer_drain(in, len + eol_len);
		if (!s->discarding)
			line_too_long(s);
		s->discarding = false;
		return 1;
	}
	evbuffer_remove(in, line, len);
	evbuffer_drain(in, eol_len);
	handle_line(s, line, len);
	return 1;
}

static void process_input(struct smtp_session *s)
{
	struct evbuffer *in = bufferevent_get_input(s->bev);

	while (s->phase == PHASE_OPEN && !s->paused && next_line(s, in))
		if (evbuffer_get_length(bufferevent_get_output(s->bev)) > OUTPUT_BACKLOG_MAX) {
			s->paused = true;
			bufferevent_disable(s->bev, EV_READ);
		}
}

static void on_read(struct bufferevent *bev, void *arg)
{
	(void)bev;
	process_input(arg);
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
		process_input(s);
	}
}

static void on_event(struct bufferevent *bev, short what, void *arg)
{
	struct smtp_session *s = arg;

	(void)bev;
	if (what & BEV_EVENT_CONNECTED) {
		log_client_cert(s); /* the rest was logged by tls_watch */
		return;
	}
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
	struct smtp_session *s =
		(struct smtp_session *)(void *)((char *)c - offsetof(struct smtp_session, guard));

	mail_log_info(s->eng->env->log,
		      "ICID %lu evicted: idle while the connection limit is reached", s->icid);
	if (!s->ssl)
		smtp_say_busy(s->eng, s->fd);
	smtp_session_free(s);
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
	s->icid = ++eng->next_icid;
	s->phase = PHASE_ADMITTING;
	smtp_proto_init(&s->proto, env->config->hostname[0] ? env->config->hostname : "tlsgate",
			&lim);
	s->next = eng->sessions;
	if (s->next)
		s->next->prev = s;
	eng->sessions = s;
	eng->count++;
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
	bufferevent_enable(s->bev, EV_READ | EV_WRITE);
	send_reply(s, reply);
	if (close)
		close_after_reply(s);
}

int smtp_engine_start(const struct engine_env *env, struct smtp_engine **out, struct err *e)
{
	struct smtp_engine *eng = calloc(1, sizeof(*eng));

	if (!eng)
		return err_set(e, "Out of memory.");
	eng->env = env;
	if (spool_open(env->opt->home, &env->opt->spool, env->log, &eng->spool, e) < 0 ||
	    resolver_start(env->base, &eng->resolver, e) < 0 ||
	    smtp_engine_sync(eng, *env->inbound, e) < 0) {
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
	spool_close(eng->spool);
	free(eng);
}
