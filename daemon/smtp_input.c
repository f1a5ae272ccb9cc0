/* smtp_input: what an SMTP session does with its input — takes each line
 * off the buffer within the state's length limit, hands commands and message
 * lines to the protocol (core/smtp_proto.h) and the message to the spool,
 * and queues the replies; stops reading a client that stops reading. */
#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>
#include <stdio.h>

#include "conn_guard.h"
#include "engine.h"
#include "smtp_internal.h"
#include "spool.h"

#define OUTPUT_BACKLOG_MAX (64 * 1024) /* stop reading a client that stops reading */

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

	return spool_begin(smtp_shared_spool(s->eng->shared), &env, &s->msg);
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
		smtp_close_after_reply(s);
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
				smtp_close_after_reply(s);
			break;
		case SMTP_ACT_STARTTLS: begin_starttls(s); break;
		case SMTP_ACT_CLOSE: smtp_close_after_reply(s); break;
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
	smtp_send_reply(s, &reply);
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
		smtp_close_after_reply(s);
	smtp_send_reply(s, &reply);
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

void smtp_process_input(struct smtp_session *s)
{
	struct evbuffer *in = bufferevent_get_input(s->bev);

	s->batching = true;
	while (s->phase == PHASE_OPEN && !s->paused && next_line(s, in))
		if (evbuffer_get_length(bufferevent_get_output(s->bev)) > OUTPUT_BACKLOG_MAX) {
			s->paused = true;
			bufferevent_disable(s->bev, EV_READ);
		}
	s->batching = false;
	smtp_flush_batch(s);
}
