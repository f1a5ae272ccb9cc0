/* smtp_proto: inbound SMTP session state and replies, one handler per verb.
 * Reply texts follow Postfix's, with RFC 3463 enhanced status codes. */
#include "smtp_proto.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void reset_transaction(struct smtp_proto *p)
{
	for (size_t i = 0; i < p->rcpt_count; i++)
		free(p->rcpt[i]);
	free(p->rcpt);
	p->rcpt = NULL;
	p->rcpt_count = 0;
	p->mail_from[0] = '\0';
	p->body = SMTP_BODY_7BIT;
	p->data_size = 0;
	p->data_too_big = false;
	p->data_line_too_long = false;
	p->data_bare_eol = false;
	p->data_nul = false;
	if (p->state != SMTP_STATE_START)
		p->state = SMTP_STATE_READY;
}

void smtp_proto_init(struct smtp_proto *p, const char *hostname, const struct smtp_limits *lim)
{
	memset(p, 0, sizeof(*p));
	snprintf(p->hostname, sizeof(p->hostname), "%s", hostname);
	p->limits = *lim;
	p->state = SMTP_STATE_START;
	p->policy.tls_offered = true;
}

void smtp_proto_set_policy(struct smtp_proto *p, const struct smtp_policy *policy)
{
	p->policy = *policy;
	if (p->policy.tls_required)
		p->policy.tls_offered = true;
}

void smtp_proto_rejected(const struct smtp_proto *p, struct strbuf *reply)
{
	strbuf_printf(reply, "554 5.7.1 %s Access denied\r\n", p->hostname);
}

void smtp_proto_free(struct smtp_proto *p)
{
	reset_transaction(p);
}

void smtp_proto_greeting(const struct smtp_proto *p, struct strbuf *reply)
{
	strbuf_printf(reply, "220 %s ESMTP tlsgate\r\n", p->hostname);
}

void smtp_proto_busy(const struct smtp_proto *p, struct strbuf *reply)
{
	strbuf_printf(reply, "421 4.3.2 %s Service not available: too many connections\r\n",
		      p->hostname);
}

void smtp_proto_timeout(const struct smtp_proto *p, struct strbuf *reply)
{
	strbuf_printf(reply, "421 4.4.2 %s Error: timeout exceeded\r\n", p->hostname);
}

size_t smtp_proto_line_limit(const struct smtp_proto *p)
{
	return p->state == SMTP_STATE_DATA ? SMTP_TEXT_LINE_MAX : SMTP_COMMAND_LINE_MAX;
}

/* Every 4xx/5xx reply counts; past the limit the session ends. */
static enum smtp_action fail(struct smtp_proto *p, struct strbuf *reply, const char *text)
{
	strbuf_printf(reply, "%s\r\n", text);
	if (++p->errors >= p->limits.max_errors) {
		strbuf_printf(reply, "421 4.7.0 %s Error: too many errors\r\n", p->hostname);
		return SMTP_ACT_CLOSE;
	}
	return SMTP_ACT_REPLY;
}

static enum smtp_action ok(struct strbuf *reply, const char *text)
{
	strbuf_printf(reply, "%s\r\n", text);
	return SMTP_ACT_REPLY;
}

typedef enum smtp_action (*verb_fn)(struct smtp_proto *p, const struct smtp_command *c,
				    struct strbuf *reply);

static enum smtp_action do_helo(struct smtp_proto *p, const struct smtp_command *c,
				struct strbuf *reply)
{
	struct err e;

	if (smtp_parse_helo(c->arg, c->arg_len, p->helo, &e) < 0)
		return fail(p, reply, e.msg);
	p->esmtp = c->verb == SMTP_VERB_EHLO;
	p->state = SMTP_STATE_READY;
	reset_transaction(p);
	if (!p->esmtp) {
		strbuf_printf(reply, "250 %s\r\n", p->hostname);
		return SMTP_ACT_REPLY;
	}
	strbuf_printf(reply, "250-%s\r\n250-PIPELINING\r\n250-SIZE %zu\r\n", p->hostname,
		      p->limits.max_message_size);
	if (!p->tls && p->policy.tls_offered)
		strbuf_puts(reply, "250-STARTTLS\r\n");
	strbuf_puts(reply, "250-ENHANCEDSTATUSCODES\r\n250 8BITMIME\r\n");
	return SMTP_ACT_REPLY;
}

static enum smtp_action do_mail(struct smtp_proto *p, const struct smtp_command *c,
				struct strbuf *reply)
{
	struct smtp_mail_params params;
	char from[sizeof(p->mail_from)];
	struct err e;

	if (p->state == SMTP_STATE_START)
		return fail(p, reply, "503 5.5.1 Error: send HELO/EHLO first");
	if (p->state != SMTP_STATE_READY)
		return fail(p, reply, "503 5.5.1 Error: nested MAIL command");
	if (p->policy.max_messages && p->messages >= p->policy.max_messages) {
		strbuf_printf(reply, "421 4.7.0 %s Error: too many messages in this session\r\n",
			      p->hostname);
		return SMTP_ACT_CLOSE;
	}
	/* A refused MAIL leaves no sender behind. */
	if (smtp_parse_mail(c->arg, c->arg_len, from, &params, &e) < 0)
		return fail(p, reply, e.msg);
	if (params.has_size && params.size > p->limits.max_message_size)
		return fail(p, reply, "552 5.3.4 Message size exceeds fixed limit");
	memcpy(p->mail_from, from, sizeof(from));
	p->body = params.body;
	p->state = SMTP_STATE_MAIL;
	return ok(reply, "250 2.1.0 Ok");
}

static enum smtp_action do_rcpt(struct smtp_proto *p, const struct smtp_command *c,
				struct strbuf *reply)
{
	char path[SMTP_PATH_MAX + 1];
	char **grown, *copy;
	struct err e;

	if (p->state != SMTP_STATE_MAIL && p->state != SMTP_STATE_RCPT)
		return fail(p, reply, "503 5.5.1 Error: need MAIL command");
	if (p->rcpt_count >= p->limits.max_recipients)
		return fail(p, reply, "452 4.5.3 Error: too many recipients");
	if (smtp_parse_rcpt(c->arg, c->arg_len, path, &e) < 0)
		return fail(p, reply, e.msg);
	if (!p->policy.relay) {
		int i = p->policy.rat_match ? rat_lookup(p->policy.rat_match, path) : -1;
		const struct rat_entry *x = i >= 0 ? &p->policy.rat->e[i] : NULL;
		if (!x || x->action == RAT_REJECT) {
			p->rcpt_refused = true;
			snprintf(p->refused_rcpt, sizeof(p->refused_rcpt), "%s", path);
			if (x && x->code) {
				strbuf_printf(reply, "%d %s", x->code,
					      x->text ? x->text : "Recipient address rejected");
				return fail(p, reply, "");
			}
			strbuf_printf(reply,
				      "550 5.7.1 <%s>: Recipient address rejected: Access "
				      "denied",
				      path);
			return fail(p, reply, "");
		}
		if (x->code) {
			strbuf_printf(reply, "%d %s\r\n", x->code, x->text ? x->text : "Ok");
			goto accepted;
		}
	}
	strbuf_puts(reply, "250 2.1.5 Ok\r\n");
accepted:
	grown = realloc(p->rcpt, (p->rcpt_count + 1) * sizeof(*p->rcpt));
	if (grown)
		p->rcpt = grown;
	copy = grown ? strdup(path) : NULL;
	if (!copy) {
		strbuf_reset(reply);
		return fail(p, reply, "451 4.3.0 Error: out of memory");
	}
	p->rcpt[p->rcpt_count++] = copy;
	p->state = SMTP_STATE_RCPT;
	return SMTP_ACT_REPLY;
}

static enum smtp_action do_data(struct smtp_proto *p, const struct smtp_command *c,
				struct strbuf *reply)
{
	if (c->arg_len)
		return fail(p, reply, "501 5.5.4 Syntax: DATA");
	if (p->state == SMTP_STATE_START)
		return fail(p, reply, "503 5.5.1 Error: send HELO/EHLO first");
	if (p->state != SMTP_STATE_RCPT)
		return fail(p, reply, "503 5.5.1 Error: need RCPT command");
	return SMTP_ACT_DATA;
}

static enum smtp_action do_rset(struct smtp_proto *p, const struct smtp_command *c,
				struct strbuf *reply)
{
	if (c->arg_len)
		return fail(p, reply, "501 5.5.4 Syntax: RSET");
	reset_transaction(p);
	return ok(reply, "250 2.0.0 Ok");
}

static enum smtp_action do_noop(struct smtp_proto *p, const struct smtp_command *c,
				struct strbuf *reply)
{
	(void)p;
	(void)c;
	return ok(reply, "250 2.0.0 Ok");
}

static enum smtp_action do_quit(struct smtp_proto *p, const struct smtp_command *c,
				struct strbuf *reply)
{
	(void)p;
	(void)c;
	strbuf_puts(reply, "221 2.0.0 Bye\r\n");
	return SMTP_ACT_CLOSE;
}

/* RFC 3207 4.2: after the handshake, forget everything the client said. */
static enum smtp_action do_starttls(struct smtp_proto *p, const struct smtp_command *c,
				    struct strbuf *reply)
{
	if (!p->policy.tls_offered)
		return fail(p, reply, "502 5.5.1 Error: command not implemented");
	if (c->arg_len)
		return fail(p, reply, "501 5.5.4 Syntax: STARTTLS");
	if (p->tls)
		return fail(p, reply, "554 5.5.1 Error: TLS already active");
	if (p->state == SMTP_STATE_MAIL || p->state == SMTP_STATE_RCPT)
		return fail(p, reply, "503 5.5.1 Error: MAIL transaction in progress");
	p->state = SMTP_STATE_START;
	reset_transaction(p);
	p->helo[0] = '\0';
	p->esmtp = false;
	p->tls = true;
	strbuf_puts(reply, "220 2.0.0 Ready to start TLS\r\n");
	return SMTP_ACT_STARTTLS;
}

static enum smtp_action do_vrfy(struct smtp_proto *p, const struct smtp_command *c,
				struct strbuf *reply)
{
	if (c->arg_len == 0)
		return fail(p, reply, "501 5.5.4 Syntax: VRFY address");
	return ok(reply,
		  "252 2.0.0 Cannot VRFY user, but will accept message and attempt delivery");
}

static enum smtp_action do_expn(struct smtp_proto *p, const struct smtp_command *c,
				struct strbuf *reply)
{
	(void)c;
	return fail(p, reply, "502 5.5.1 Error: EXPN is not supported");
}

static enum smtp_action do_help(struct smtp_proto *p, const struct smtp_command *c,
				struct strbuf *reply)
{
	(void)p;
	(void)c;
	return ok(reply, "214 2.0.0 Commands: HELO EHLO MAIL RCPT DATA RSET NOOP QUIT STARTTLS "
			 "HELP VRFY");
}

static const verb_fn handlers[] = {
	[SMTP_VERB_HELO] = do_helo, [SMTP_VERB_EHLO] = do_helo, [SMTP_VERB_MAIL] = do_mail,
	[SMTP_VERB_RCPT] = do_rcpt, [SMTP_VERB_DATA] = do_data, [SMTP_VERB_RSET] = do_rset,
	[SMTP_VERB_NOOP] = do_noop, [SMTP_VERB_QUIT] = do_quit, [SMTP_VERB_STARTTLS] = do_starttls,
	[SMTP_VERB_VRFY] = do_vrfy, [SMTP_VERB_EXPN] = do_expn, [SMTP_VERB_HELP] = do_help,
};

enum smtp_action smtp_proto_command(struct smtp_proto *p, const char *line, size_t len,
				    struct strbuf *reply)
{
	struct smtp_command c;
	struct err e;

	if (smtp_parse_command(line, len, &c, &e) < 0)
		return fail(p, reply, e.msg);
	if (c.verb == SMTP_VERB_UNKNOWN || !handlers[c.verb])
		return fail(p, reply, "500 5.5.2 Error: command not recognized");
	p->rcpt_refused = false;
	/* RFC 3207 and AsyncOS: a policy requiring TLS answers everything but
	 * NOOP, EHLO, QUIT (and STARTTLS itself) with 530 until it has TLS. */
	if (p->policy.tls_required && !p->tls && c.verb != SMTP_VERB_NOOP &&
	    c.verb != SMTP_VERB_EHLO && c.verb != SMTP_VERB_QUIT && c.verb != SMTP_VERB_STARTTLS)
		return fail(p, reply, "530 5.7.0 Must issue a STARTTLS command first");
	return handlers[c.verb](p, &c, reply);
}

enum smtp_action smtp_proto_command_too_long(struct smtp_proto *p, struct strbuf *reply)
{
	return fail(p, reply, "500 5.5.0 Error: line too long");
}

enum smtp_action smtp_proto_data_start(struct smtp_proto *p, enum smtp_spool_status st,
				       struct strbuf *reply)
{
	if (st == SMTP_SPOOL_NOSPACE)
		return fail(p, reply, "452 4.3.1 Error: insufficient system storage");
	if (st != SMTP_SPOOL_OK)
		return fail(p, reply, "451 4.3.0 Error: queue file write error");
	p->state = SMTP_STATE_DATA;
	p->data_size = 0;
	return ok(reply, "354 End data with <CR><LF>.<CR><LF>");
}

enum smtp_data_result smtp_proto_data_line(struct smtp_proto *p, const char *line, size_t len,
					   const char **content, size_t *content_len)
{
	if (smtp_data_line(line, len, content, content_len))
		return SMTP_DATA_END;
	/* The engine splits DATA at CRLF only: any CR or LF left is bare. */
	if (memchr(line, '\r', len) || memchr(line, '\n', len))
		p->data_bare_eol = true;
	if (memchr(line, '\0', len))
		p->data_nul = true;
	if (!smtp_proto_data_acceptable(p))
		return SMTP_DATA_SKIP;
	p->data_size += *content_len + 2;
	if (p->data_size > p->limits.max_message_size) {
		p->data_too_big = true;
		return SMTP_DATA_SKIP;
	}
	return SMTP_DATA_WRITE;
}

void smtp_proto_data_line_too_long(struct smtp_proto *p)
{
	p->data_line_too_long = true;
}

bool smtp_proto_data_acceptable(const struct smtp_proto *p)
{
	return !p->data_too_big && !p->data_line_too_long && !p->data_bare_eol && !p->data_nul;
}

enum smtp_action smtp_proto_data_end(struct smtp_proto *p, enum smtp_spool_status st,
				     const char *queue_id, struct strbuf *reply)
{
	enum smtp_action act = SMTP_ACT_REPLY;

	p->state = SMTP_STATE_READY;
	if (p->data_bare_eol) {
		strbuf_printf(reply, "554 5.5.2 %s Error: bare <CR> or <LF> in message data\r\n",
			      p->hostname);
		p->errors++; /* every 4xx/5xx counts, this one too (fuzz_smtp's invariant) */
		act = SMTP_ACT_CLOSE;
	} else if (p->data_nul)
		act = fail(p, reply, "554 5.6.0 Error: NUL character in message data");
	else if (p->data_too_big)
		act = fail(p, reply, "552 5.3.4 Error: message file too big");
	else if (p->data_line_too_long)
		act = fail(p, reply, "554 5.6.0 Error: message line longer than 1000 characters");
	else if (st == SMTP_SPOOL_NOSPACE)
		act = fail(p, reply, "452 4.3.1 Error: insufficient system storage");
	else if (st != SMTP_SPOOL_OK)
		act = fail(p, reply, "451 4.3.0 Error: queue file write error");
	else {
		strbuf_printf(reply, "250 2.0.0 Ok: queued as %s\r\n", queue_id);
		p->messages++;
	}
	reset_transaction(p);
	return act;
}
