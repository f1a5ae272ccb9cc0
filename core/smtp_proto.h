/* smtp_proto: the inbound SMTP session as a pure state machine (RFC 5321,
 * RFC 3207 STARTTLS, RFC 2920 pipelining): lines in, replies and actions out.
 * The engine owns sockets, TLS and the spool; this owns what SMTP means. */
#ifndef TLSGATE_SMTP_PROTO_H
#define TLSGATE_SMTP_PROTO_H

#include <stdbool.h>
#include <stddef.h>

#include "config.h"
#include "rat.h"
#include "smtp_parse.h"
#include "strbuf.h"

struct smtp_limits {
	size_t max_message_size; /* advertised as SIZE */
	size_t max_recipients;
	unsigned max_errors; /* then "421" and close, as Postfix's hard error limit */
};

/* What the connection's mail flow policy allows (core/hat.h) and the
 * listener's recipient access table. After smtp_proto_init: STARTTLS offered
 * and not required, no recipient accepted. */
struct smtp_policy {
	bool tls_offered;      /* EHLO lists STARTTLS */
	bool tls_required;     /* until STARTTLS, all but NOOP, EHLO, QUIT: 530 */
	bool relay;            /* the sender may relay: every recipient accepted */
	const struct rat *rat; /* else the first matching entry decides */
	const struct rat_match *rat_match;
	unsigned max_messages; /* per session; 0: no limit */
};

enum smtp_state {
	SMTP_STATE_START, /* no HELO/EHLO yet (again after STARTTLS) */
	SMTP_STATE_READY, /* greeted, no transaction */
	SMTP_STATE_MAIL,  /* MAIL accepted */
	SMTP_STATE_RCPT,  /* at least one RCPT accepted */
	SMTP_STATE_DATA,  /* reading message data */
};

/* What the engine must do after sending the reply. */
enum smtp_action {
	SMTP_ACT_REPLY,    /* nothing more */
	SMTP_ACT_STARTTLS, /* discard buffered input, then start the TLS handshake */
	SMTP_ACT_DATA,     /* no reply yet: open the spool, then smtp_proto_data_start() */
	SMTP_ACT_CLOSE,    /* close once the reply is sent (QUIT, too many errors) */
};

enum smtp_spool_status {
	SMTP_SPOOL_OK,
	SMTP_SPOOL_TEMPFAIL, /* 451: cannot write the queue */
	SMTP_SPOOL_NOSPACE,  /* 452: out of disk space */
};

enum smtp_data_result {
	SMTP_DATA_WRITE, /* store `content` and a CRLF */
	SMTP_DATA_SKIP,  /* the message is already refused: drop the line */
	SMTP_DATA_END,   /* the terminating "." */
};

struct smtp_proto {
	char hostname[CONFIG_HOSTNAME_MAX + 1];
	struct smtp_limits limits;
	enum smtp_state state;
	bool tls;   /* STARTTLS accepted: not offered again */
	bool esmtp; /* EHLO rather than HELO */
	char helo[SMTP_DOMAIN_MAX + 1];
	char mail_from[SMTP_PATH_MAX + 1];
	char **rcpt;
	size_t rcpt_count;
	enum smtp_body body;
	size_t data_size;
	bool data_too_big;
	bool data_line_too_long;
	bool data_bare_eol; /* a CR or LF not part of CRLF: refused (smuggling) */
	bool data_nul;      /* a NUL byte: refused */
	unsigned errors;
	struct smtp_policy policy;
	unsigned messages; /* accepted in this session */
	/* The last RCPT refused by the recipient table (the engine logs it). */
	bool rcpt_refused;
	char refused_rcpt[SMTP_PATH_MAX + 1];
};

void smtp_proto_init(struct smtp_proto *p, const char *hostname, const struct smtp_limits *lim);
void smtp_proto_free(struct smtp_proto *p);
void smtp_proto_set_policy(struct smtp_proto *p, const struct smtp_policy *policy);
/* "554 5.7.1 ... Access denied": the greeting of a sender its policy rejects. */
void smtp_proto_rejected(const struct smtp_proto *p, struct strbuf *reply);

/* Replies are appended to `reply`, CRLF-terminated. */
void smtp_proto_greeting(const struct smtp_proto *p, struct strbuf *reply);
void smtp_proto_busy(const struct smtp_proto *p, struct strbuf *reply);
void smtp_proto_timeout(const struct smtp_proto *p, struct strbuf *reply);

/* The longest line the current state allows, CRLF included. */
size_t smtp_proto_line_limit(const struct smtp_proto *p);

/* One command line (without CRLF), outside DATA. */
enum smtp_action smtp_proto_command(struct smtp_proto *p, const char *line, size_t len,
				    struct strbuf *reply);
/* A command line longer than smtp_proto_line_limit() was discarded. */
enum smtp_action smtp_proto_command_too_long(struct smtp_proto *p, struct strbuf *reply);

/* After SMTP_ACT_DATA: did the engine open a spool file for the message? */
enum smtp_action smtp_proto_data_start(struct smtp_proto *p, enum smtp_spool_status st,
				       struct strbuf *reply);
enum smtp_data_result smtp_proto_data_line(struct smtp_proto *p, const char *line, size_t len,
					   const char **content, size_t *content_len);
/* A data line longer than SMTP_TEXT_LINE_MAX was discarded. */
void smtp_proto_data_line_too_long(struct smtp_proto *p);
/* After SMTP_DATA_END: should the engine commit the spooled message? */
bool smtp_proto_data_acceptable(const struct smtp_proto *p);
/* The final reply; ends the transaction either way. A message with a bare
 * CR or LF is refused with "554 5.5.2" and the session closed, as Postfix
 * does with smtpd_forbid_bare_newline = yes (the client and we disagree on
 * where lines end: nothing more it sends can be trusted); one with a NUL
 * byte with "554 5.6.0". */
enum smtp_action smtp_proto_data_end(struct smtp_proto *p, enum smtp_spool_status st,
				     const char *queue_id, struct strbuf *reply);

#endif
