/* smtp_client: RFC 5321 client side with RFC 3207 STARTTLS, one command at
 * a time (no pipelining: simpler, and the TLS decisions need each answer). */
#include "smtp_client.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

void smtpc_init(struct smtp_client *c, const char *helo_name, enum tls_level level, bool no_tls)
{
	memset(c, 0, sizeof(*c));
	c->level = level;
	c->no_tls = no_tls;
	snprintf(c->helo_name, sizeof(c->helo_name), "%s", helo_name);
	strbuf_init(&c->out);
}

void smtpc_free(struct smtp_client *c)
{
	strbuf_free(&c->out);
}

static enum smtpc_action queue_cmd(struct smtp_client *c, enum smtpc_state next, const char *fmt,
				   const char *arg)
{
	strbuf_reset(&c->out);
	strbuf_printf(&c->out, fmt, arg);
	strbuf_puts(&c->out, "\r\n");
	c->state = next;
	return SC_ACT_SEND;
}

/* Ends the session politely: QUIT, then close once it is answered. */
static enum smtpc_action give_up(struct smtp_client *c, enum smtpc_fail why)
{
	c->fail = why;
	return queue_cmd(c, SC_QUIT, "QUIT", NULL);
}

static enum smtpc_action close_now(struct smtp_client *c, enum smtpc_fail why)
{
	c->fail = why;
	c->state = SC_CLOSED;
	return SC_ACT_CLOSE;
}

static bool use_tls(const struct smtp_client *c)
{
	return tls_level_attempts(c->level) && !c->no_tls;
}

/* After a 250 to EHLO/HELO: STARTTLS, stop, or go on, per the level table. */
static enum smtpc_action after_greeting(struct smtp_client *c)
{
	if (c->tls_active || !use_tls(c))
		goto ready;
	if (c->starttls_offered)
		return queue_cmd(c, SC_STARTTLS, "STARTTLS", NULL);
	c->note = SC_NOTE_STARTTLS_NOT_OFFERED;
	if (tls_level_requires(c->level))
		return give_up(c, SC_FAIL_TLS_REQUIRED);
ready:
	c->state = SC_READY;
	return SC_ACT_READY;
}

static enum smtpc_action next_rcpt(struct smtp_client *c)
{
	char path[600];

	if (c->rcpt_next < c->rcpt_count) {
		snprintf(path, sizeof(path), "RCPT TO:<%.512s>", c->rcpt[c->rcpt_next]);
		return queue_cmd(c, SC_RCPT, "%s", path);
	}
	for (size_t i = 0; i < c->rcpt_count; i++)
		if (c->rcpt_code[i] / 100 == 2)
			return queue_cmd(c, SC_DATA, "DATA", NULL);
	/* Nobody accepted: the transaction ends with the recipients' answers. */
	c->msg_code = c->rcpt_count ? c->rcpt_code[0] : 554;
	return queue_cmd(c, SC_RSET, "RSET", NULL);
}

static void refuse_all(struct smtp_client *c, int code)
{
	c->msg_code = code;
	for (size_t i = 0; i < c->rcpt_count; i++)
		c->rcpt_code[i] = code;
}

/* A complete reply in c->code / c->text. */
static enum smtpc_action on_reply(struct smtp_client *c)
{
	int cls = c->code / 100;

	if ((c->state == SC_MAIL || c->state == SC_RCPT || c->state == SC_DATA ||
	     c->state == SC_DOT) &&
	    cls >= 4 && !c->refusal[0])
		memcpy(c->refusal, c->text, sizeof(c->refusal));

	switch (c->state) {
	case SC_GREETING:
		if (cls != 2)
			return give_up(c, cls == 5 ? SC_FAIL_PERM : SC_FAIL_TEMP);
		return queue_cmd(c, SC_EHLO, "EHLO %s", c->helo_name);
	case SC_EHLO:
		if (cls == 2) {
			c->esmtp = true;
			c->starttls_offered = c->reply_starttls;
			return after_greeting(c);
		}
		if (c->tls_active) /* EHLO refused after STARTTLS: nothing sane remains */
			return give_up(c, cls == 5 ? SC_FAIL_PERM : SC_FAIL_TEMP);
		return queue_cmd(c, SC_HELO, "HELO %s", c->helo_name);
	case SC_HELO:
		if (cls != 2)
			return give_up(c, cls == 5 ? SC_FAIL_PERM : SC_FAIL_TEMP);
		c->starttls_offered = false;
		return after_greeting(c);
	case SC_STARTTLS:
		if (c->code == 220) {
			c->state = SC_HANDSHAKE;
			return SC_ACT_STARTTLS;
		}
		/* Refused before the 220: Preferred levels go on in clear. */
		c->note = SC_NOTE_STARTTLS_UNEXPECTED;
		if (tls_level_requires(c->level))
			return give_up(c, SC_FAIL_TLS_REQUIRED);
		c->state = SC_READY;
		return SC_ACT_READY;
	case SC_MAIL:
		if (cls != 2) {
			refuse_all(c, c->code);
			return queue_cmd(c, SC_RSET, "RSET", NULL);
		}
		return next_rcpt(c);
	case SC_RCPT: c->rcpt_code[c->rcpt_next++] = c->code; return next_rcpt(c);
	case SC_DATA:
		if (c->code == 354)
			return SC_ACT_SEND_BODY;
		for (size_t i = 0; i < c->rcpt_count; i++)
			if (c->rcpt_code[i] / 100 == 2)
				c->rcpt_code[i] = c->code;
		c->msg_code = c->code;
		return queue_cmd(c, SC_RSET, "RSET", NULL);
	case SC_DOT:
		c->msg_code = c->code;
		for (size_t i = 0; i < c->rcpt_count; i++)
			if (c->rcpt_code[i] / 100 == 2)
				c->rcpt_code[i] = c->code;
		c->state = SC_READY;
		return SC_ACT_MESSAGE_DONE;
	case SC_RSET:
		c->state = SC_READY;
		if (cls != 2) { /* cannot go on with this session */
			c->fail = SC_FAIL_TEMP;
			c->state = SC_QUIT;
		}
		return SC_ACT_MESSAGE_DONE;
	case SC_QUIT: return close_now(c, c->fail);
	default: return close_now(c, SC_FAIL_TEMP); /* a reply nobody asked for */
	}
}

static void keep_text(struct smtp_client *c, const char *line, size_t len)
{
	size_t have = c->lines ? strlen(c->text) : 0;
	size_t room = sizeof(c->text) - have - 1;

	if (c->lines == 0)
		c->text[0] = '\0';
	if (c->lines && room > 3) {
		memcpy(c->text + have, " / ", 3);
		have += 3;
		room -= 3;
	}
	if (len > room)
		len = room;
	for (size_t i = 0; i < len; i++)
		c->text[have + i] = isprint((unsigned char)line[i]) ? line[i] : '?';
	c->text[have + len] = '\0';
}

enum smtpc_action smtpc_line(struct smtp_client *c, const char *line, size_t len)
{
	int code;

	if (c->state == SC_READY || c->state == SC_HANDSHAKE || c->state == SC_CLOSED)
		return close_now(c, SC_FAIL_TEMP); /* unsolicited, or plaintext injected */
	if (len < 3 || !isdigit((unsigned char)line[0]) || !isdigit((unsigned char)line[1]) ||
	    !isdigit((unsigned char)line[2]) || (len > 3 && line[3] != ' ' && line[3] != '-') ||
	    line[0] < '2' || line[0] > '5')
		return close_now(c, SC_FAIL_TEMP);
	code = (line[0] - '0') * 100 + (line[1] - '0') * 10 + (line[2] - '0');
	if (c->lines && code != c->code)
		return close_now(c, SC_FAIL_TEMP);
	if (c->lines == 0)
		c->reply_starttls = false;
	keep_text(c, line, len);
	c->code = code;
	if (++c->lines > SMTPC_REPLY_LINES)
		return close_now(c, SC_FAIL_TEMP);
	/* EHLO keywords: "250-STARTTLS" or "250 STARTTLS" (RFC 3207). */
	if (len >= 12 && strncasecmp(line + 4, "STARTTLS", 8) == 0 &&
	    (len == 12 || line[12] == ' '))
		c->reply_starttls = true;
	if (len > 3 && line[3] == '-')
		return SC_ACT_NONE;
	c->lines = 0;
	return on_reply(c);
}

enum smtpc_action smtpc_tls_done(struct smtp_client *c, bool ok, bool verified)
{
	if (c->state != SC_HANDSHAKE)
		return close_now(c, SC_FAIL_TEMP);
	if (!ok) {
		/* After the 220 there is no clear text to go back to on this
		 * connection (RFC 3207); the level says what happens next. */
		if (tls_level_requires(c->level))
			return close_now(c, SC_FAIL_TLS_REQUIRED);
		return close_now(c, c->level == TLS_LEVEL_PREFERRED_VERIFY ? SC_FAIL_TLS_CLEAR
									   : SC_FAIL_TLS_DEFER);
	}
	c->tls_active = true;
	c->verified = verified;
	if (tls_level_verifies(c->level) && !verified) {
		if (c->level == TLS_LEVEL_REQUIRED_VERIFY)
			return give_up(c, SC_FAIL_VERIFY);
		c->note = SC_NOTE_VERIFY_FAILED_CONTINUE;
	}
	/* RFC 3207 4.2: forget what the server said before TLS; ask again. */
	c->starttls_offered = false;
	return queue_cmd(c, SC_EHLO, "EHLO %s", c->helo_name);
}

enum smtpc_action smtpc_tls_refused(struct smtp_client *c)
{
	if (c->state != SC_HANDSHAKE)
		return close_now(c, SC_FAIL_TEMP);
	c->tls_active = true;
	c->verified = false;
	return give_up(c, tls_level_requires(c->level) ? SC_FAIL_VERIFY : SC_FAIL_TLS_DEFER);
}

enum smtpc_action smtpc_mail(struct smtp_client *c, const char *from, const char *const *rcpt,
			     size_t n, int *rcpt_code)
{
	char cmd[600];

	if (c->state != SC_READY)
		return close_now(c, SC_FAIL_TEMP);
	c->rcpt = rcpt;
	c->rcpt_count = n;
	c->rcpt_next = 0;
	c->rcpt_code = rcpt_code;
	c->msg_code = 0;
	c->refusal[0] = '\0';
	for (size_t i = 0; i < n; i++)
		rcpt_code[i] = 0;
	snprintf(cmd, sizeof(cmd), "MAIL FROM:<%.512s>", from);
	return queue_cmd(c, SC_MAIL, "%s", cmd);
}

/* One line's bytes without NULs. */
static void emit_text(const char *p, size_t n, void (*emit)(void *, const char *, size_t),
		      void *arg)
{
	while (n) {
		const char *nul = memchr(p, '\0', n);
		size_t k = nul ? (size_t)(nul - p) : n;
		if (k)
			emit(arg, p, k);
		if (!nul)
			break;
		p += k + 1;
		n -= k + 1;
	}
}

void smtpc_body_wire(const char *body, size_t len, void (*emit)(void *arg, const char *p, size_t n),
		     void *arg)
{
	const char *p = body, *end = body + len;

	while (p < end) {
		const char *q = p;
		while (q < end && *q != '\r' && *q != '\n')
			q++;
		const char *first = p;
		while (first < q && *first == '\0')
			first++; /* NULs go: what follows them starts the line */
		if (first < q && *first == '.')
			emit(arg, ".", 1);
		emit_text(p, (size_t)(q - p), emit, arg);
		emit(arg, "\r\n", 2);
		if (q < end && *q == '\r' && q + 1 < end && q[1] == '\n')
			q++;
		p = q < end ? q + 1 : q;
	}
	emit(arg, ".\r\n", 3);
}

void smtpc_body_sent(struct smtp_client *c)
{
	c->state = SC_DOT;
}

enum smtpc_action smtpc_quit(struct smtp_client *c)
{
	return queue_cmd(c, SC_QUIT, "QUIT", NULL);
}

enum smtpc_action smtpc_lost(struct smtp_client *c)
{
	enum smtpc_fail f = c->fail;

	if (c->state == SC_QUIT || c->state == SC_CLOSED)
		return close_now(c, f); /* the answer to QUIT need not come */
	if (c->state == SC_DOT || c->state == SC_DATA || c->state == SC_RCPT ||
	    c->state == SC_MAIL) {
		for (size_t i = 0; i < c->rcpt_count; i++)
			if (c->rcpt_code[i] == 0 || c->rcpt_code[i] / 100 == 2)
				c->rcpt_code[i] = 421;
		c->msg_code = 421;
	}
	return close_now(c, f != SC_FAIL_NONE ? f : SC_FAIL_TEMP);
}

const char *smtpc_fail_text(enum smtpc_fail f)
{
	switch (f) {
	case SC_FAIL_NONE: return "no error";
	case SC_FAIL_TEMP: return "temporary failure";
	case SC_FAIL_PERM: return "permanent failure";
	case SC_FAIL_TLS_REQUIRED: return "TLS was required but could not be negotiated";
	case SC_FAIL_TLS_DEFER: return "the TLS handshake failed";
	case SC_FAIL_TLS_CLEAR: return "the TLS handshake failed; retrying in clear";
	case SC_FAIL_VERIFY: return "the server certificate could not be verified";
	}
	return "?";
}
