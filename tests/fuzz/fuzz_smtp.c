/* fuzz_smtp: an inbound SMTP session driven as the engine drives it (one line
 * per '\n', DATA included) through smtp_proto, plus the smtp_parse functions on
 * every line; checks reply syntax, state invariants and the bounds of outputs. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../../core/smtp_proto.h"
#include "fuzz_check.h"

#define REPLY_LINE_MAX 512 /* RFC 5321 4.5.3.1.5, CRLF included */

static int printable_ascii(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)s[i] < 0x20 || (unsigned char)s[i] > 0x7e)
			return 0;
	return 1;
}

static int terminated(const char *buf, size_t size)
{
	return memchr(buf, '\0', size) != NULL;
}

/* Every reply line is "ddd" then '-' or ' ' then text (printable ASCII or tab,
 * RFC 5321 textstring), CRLF-ended
 * and at most 512 bytes; a '-' line is continued by one with the same code.
 * Returns the code of the first line, 0 for an empty reply. */
static int check_reply(const struct strbuf *r)
{
	const char *p = r->data, *end = r->data + r->len;
	int first = 0, continued = 0;

	check(r->len == strlen(r->data));
	while (p < end) {
		const char *eol = strstr(p, "\r\n");
		size_t n;
		int code;

		check(eol != NULL);
		n = (size_t)(eol - p);
		check(n >= 4 && n + 2 <= REPLY_LINE_MAX);
		for (size_t i = 0; i < n; i++)
			check(p[i] == '\t' || printable_ascii(p + i, 1));
		check(p[0] >= '2' && p[0] <= '5' && p[1] >= '0' && p[1] <= '9' && p[2] >= '0' &&
		      p[2] <= '9');
		check(p[3] == ' ' || p[3] == '-');
		code = (p[0] - '0') * 100 + (p[1] - '0') * 10 + (p[2] - '0');
		if (continued)
			check(code == continued);
		if (!first)
			first = code;
		continued = p[3] == '-' ? code : 0;
		p = eol + 2;
	}
	check(!continued);
	return first;
}

static void check_state(const struct smtp_proto *p)
{
	check(terminated(p->helo, sizeof(p->helo)));
	check(printable_ascii(p->helo, strlen(p->helo)));
	check(terminated(p->mail_from, sizeof(p->mail_from)));
	check(p->rcpt_count <= p->limits.max_recipients);
	switch (p->state) {
	case SMTP_STATE_START:
	case SMTP_STATE_READY:
	case SMTP_STATE_MAIL: check(p->rcpt_count == 0); break;
	case SMTP_STATE_RCPT:
	case SMTP_STATE_DATA: check(p->rcpt_count >= 1); break;
	}
	for (size_t i = 0; i < p->rcpt_count; i++)
		check(strlen(p->rcpt[i]) <= SMTP_PATH_MAX);
	if (p->state == SMTP_STATE_START)
		check(!p->esmtp);
}

/* Accepted paths are printable ASCII without brackets: they end up in the
 * envelope and in headers, where a CR or LF would inject lines. */
static void check_path(const char *path)
{
	size_t n;

	check(terminated(path, SMTP_PATH_MAX + 1));
	n = strlen(path);
	check(n <= SMTP_PATH_MAX - 2);
	check(printable_ascii(path, n));
	check(!strchr(path, '>'));
}

/* The parsers on their own, on a line that is not NUL-terminated. */
static void check_parsers(const char *line, size_t len)
{
	struct smtp_command c;
	struct smtp_mail_params params;
	char *path = malloc(SMTP_PATH_MAX + 1), *name = malloc(SMTP_DOMAIN_MAX + 1);
	const char *content;
	size_t content_len;
	struct err e;

	check(path && name);
	if (smtp_parse_command(line, len, &c, &e) == 0) {
		for (size_t i = 0; i < len; i++)
			check(line[i] == '\t' || printable_ascii(line + i, 1));
		check(c.arg >= line && c.arg + c.arg_len <= line + len);
		check(c.arg_len == 0 || (c.arg[0] != ' ' && c.arg[c.arg_len - 1] != ' '));
		if (smtp_parse_mail(c.arg, c.arg_len, path, &params, &e) == 0)
			check_path(path);
		if (smtp_parse_rcpt(c.arg, c.arg_len, path, &e) == 0) {
			check_path(path);
			check(strcmp(path, "postmaster") == 0 || strchr(path, '@'));
		}
		if (smtp_parse_helo(c.arg, c.arg_len, name, &e) == 0) {
			check(terminated(name, SMTP_DOMAIN_MAX + 1));
			check(strlen(name) >= 1 && !strpbrk(name, " \t"));
		}
	} else {
		check(terminated(e.msg, sizeof(e.msg)) && strncmp(e.msg, "500 ", 4) == 0);
	}
	if (!smtp_data_line(line, len, &content, &content_len)) {
		check(content >= line && content + content_len == line + len);
		check(content_len == len - (len > 0 && line[0] == '.'));
	} else {
		check(len == 1 && line[0] == '.');
	}
	free(path);
	free(name);
}

struct session {
	struct smtp_proto proto;
	struct strbuf reply;
	uint8_t spool_bits;
	unsigned spool_calls;
};

/* The engine's spool answer, OK most of the time. */
static enum smtp_spool_status next_spool_status(struct session *s)
{
	unsigned bits = (s->spool_bits >> (2 * (s->spool_calls++ % 4))) & 3;

	return bits == 1 ? SMTP_SPOOL_TEMPFAIL : bits == 2 ? SMTP_SPOOL_NOSPACE : SMTP_SPOOL_OK;
}

/* The error count grows by one exactly when the reply opens with 4xx/5xx. */
static void check_step(struct session *s, unsigned errors_before, enum smtp_action act)
{
	int code = check_reply(&s->reply);

	check(s->proto.errors == errors_before + (code >= 400));
	if (s->proto.errors >= s->proto.limits.max_errors && code >= 400)
		check(act == SMTP_ACT_CLOSE);
	check_state(&s->proto);
}

static enum smtp_action data_line(struct session *s, const char *line, size_t len)
{
	struct smtp_proto *p = &s->proto;
	enum smtp_action act = SMTP_ACT_REPLY;
	const char *content;
	size_t content_len;
	unsigned errors = p->errors;

	if (len + 2 > SMTP_TEXT_LINE_MAX) {
		smtp_proto_data_line_too_long(p);
		check(!smtp_proto_data_acceptable(p));
		return act;
	}
	switch (smtp_proto_data_line(p, line, len, &content, &content_len)) {
	case SMTP_DATA_WRITE:
		check(content >= line && content + content_len == line + len);
		check(p->data_size <= p->limits.max_message_size);
		break;
	case SMTP_DATA_SKIP: check(!smtp_proto_data_acceptable(p)); break;
	case SMTP_DATA_END: {
		bool acceptable = smtp_proto_data_acceptable(p);
		enum smtp_spool_status st = next_spool_status(s);
		int code;

		strbuf_reset(&s->reply);
		act = smtp_proto_data_end(p, st, "4AbC12xyz", &s->reply);
		code = check_reply(&s->reply);
		check((code == 250) == (acceptable && st == SMTP_SPOOL_OK));
		check(p->state == SMTP_STATE_READY && p->rcpt_count == 0);
		check_step(s, errors, act);
		break;
	}
	}
	return act;
}

static enum smtp_action command_line(struct session *s, const char *line, size_t len)
{
	struct smtp_proto *p = &s->proto;
	unsigned errors = p->errors;
	enum smtp_action act;
	bool had_tls = p->tls;

	strbuf_reset(&s->reply);
	if (len + 2 > smtp_proto_line_limit(p))
		act = smtp_proto_command_too_long(p, &s->reply);
	else
		act = smtp_proto_command(p, line, len, &s->reply);
	/* Once TLS is on, EHLO no longer offers it (error replies may quote the
	 * client, so look for the keyword as a reply line of its own). */
	if (had_tls)
		check(!strstr(s->reply.data, "\n250-STARTTLS\r\n") &&
		      !strstr(s->reply.data, "\n250 STARTTLS\r\n"));
	switch (act) {
	case SMTP_ACT_DATA:
		check(s->reply.len == 0 && p->state == SMTP_STATE_RCPT);
		act = smtp_proto_data_start(p, next_spool_status(s), &s->reply);
		check(p->state == SMTP_STATE_DATA || check_reply(&s->reply) >= 400);
		break;
	case SMTP_ACT_STARTTLS:
		check(!had_tls && p->tls && p->state == SMTP_STATE_START);
		check(strncmp(s->reply.data, "220 ", 4) == 0);
		break;
	case SMTP_ACT_REPLY:
	case SMTP_ACT_CLOSE: break;
	}
	check_step(s, errors, act);
	return act;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const size_t sizes[4] = { 0, 100, 1000, 10 * 1024 * 1024 };
	struct smtp_limits lim;
	struct session s;
	size_t at = 2;

	if (size < 2)
		return 0;
	lim.max_message_size = sizes[data[0] & 3];
	lim.max_recipients = 1 + ((data[0] >> 2) & 7);
	lim.max_errors = 1 + (data[0] >> 5) * 3;
	memset(&s, 0, sizeof(s));
	s.spool_bits = data[1];
	smtp_proto_init(&s.proto, "mx.example.com", &lim);
	/* A relaying sender, so that DATA is reached; TLS required one time in eight. */
	smtp_proto_set_policy(&s.proto, &(struct smtp_policy){ .tls_offered = true,
							     .tls_required = (data[1] & 0xe0) == 0xe0,
							     .relay = true });
	strbuf_init(&s.reply);
	smtp_proto_greeting(&s.proto, &s.reply);
	check(check_reply(&s.reply) == 220);

	while (at < size) {
		const uint8_t *nl = memchr(data + at, '\n', size - at);
		size_t len = (nl ? (size_t)(nl - data) : size) - at;
		enum smtp_action act;
		/* Exactly sized and not NUL-terminated: the parsers take (bytes, length). */
		char *line = malloc(len);

		check(line != NULL);
		if (len)
			memcpy(line, data + at, len);
		at += len + 1;
		if (len > 0 && line[len - 1] == '\r')
			len--;
		check_parsers(line, len);
		if (s.proto.state == SMTP_STATE_DATA)
			act = data_line(&s, line, len);
		else
			act = command_line(&s, line, len);
		free(line);
		if (act == SMTP_ACT_CLOSE)
			break;
	}
	smtp_proto_free(&s.proto);
	strbuf_free(&s.reply);
	return 0;
}
