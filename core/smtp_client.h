/* smtp_client: the outbound SMTP session as a pure state machine — reply
 * lines in, the next command and what to do out — with the destconfig TLS
 * level table in one place: when to STARTTLS, when to go on in clear, when
 * to stop. The delivery engine (async) and tlsverify (blocking) both drive
 * it; neither decides anything about TLS itself. */
#ifndef TLSGATE_SMTP_CLIENT_H
#define TLSGATE_SMTP_CLIENT_H

#include <stdbool.h>
#include <stddef.h>

#include "dest.h"
#include "strbuf.h"

#define SMTPC_TEXT_MAX    512 /* the reply text kept for logs and bounces */
#define SMTPC_REPLY_LINES 100 /* more lines in one reply is a broken server */

enum smtpc_state {
	SC_GREETING,
	SC_EHLO,
	SC_HELO,
	SC_STARTTLS,
	SC_HANDSHAKE,
	SC_READY,
	SC_MAIL,
	SC_RCPT,
	SC_DATA,
	SC_DOT,
	SC_RSET,
	SC_QUIT,
	SC_CLOSED,
};

enum smtpc_action {
	SC_ACT_NONE,         /* wait for more reply lines */
	SC_ACT_SEND,         /* send `out` (one command, CRLF included) */
	SC_ACT_STARTTLS,     /* 220 to STARTTLS: handshake now, then smtpc_tls_done() */
	SC_ACT_READY,        /* call smtpc_mail() or smtpc_quit() */
	SC_ACT_SEND_BODY,    /* 354: send the dot-stuffed message and ".", then wait */
	SC_ACT_MESSAGE_DONE, /* results in msg_code/rcpt_code; session READY again */
	SC_ACT_CLOSE,        /* close; `fail` says whether and why it went wrong */
};

/* Why a session ended early, as the delivery engine must treat it. */
enum smtpc_fail {
	SC_FAIL_NONE,
	SC_FAIL_TEMP,         /* 4xx, broken reply, lost connection: retry later */
	SC_FAIL_PERM,         /* 5xx to the greeting or HELO: bounce */
	SC_FAIL_TLS_REQUIRED, /* Required levels: TLS could not be negotiated: retry later */
	SC_FAIL_TLS_DEFER,    /* Preferred: the handshake failed after the 220: retry later */
	SC_FAIL_TLS_CLEAR,    /* Preferred (Verify): the handshake failed: retry now in clear */
	SC_FAIL_VERIFY,       /* Required (Verify): the certificate is not verified */
};

/* Something the log must say, beside the outcome. */
enum smtpc_note {
	SC_NOTE_NONE,
	SC_NOTE_STARTTLS_UNEXPECTED, /* "TLS failed: STARTTLS unexpected response" */
	SC_NOTE_STARTTLS_NOT_OFFERED,
	SC_NOTE_VERIFY_FAILED_CONTINUE, /* Preferred (Verify): delivered encrypted anyway */
};

struct smtp_client {
	enum tls_level level;
	bool no_tls; /* this attempt is the clear retry of Preferred (Verify) */
	enum smtpc_state state;
	bool tls_active, verified, starttls_offered, esmtp;
	char helo_name[256];

	/* the reply being read */
	int code;
	int lines;
	bool reply_starttls;
	char text[SMTPC_TEXT_MAX]; /* last complete reply, lines joined by ' / ' */

	/* the transaction */
	const char *const *rcpt;
	size_t rcpt_count, rcpt_next;
	int *rcpt_code;               /* one per recipient: the RCPT reply, then the final one */
	int msg_code;                 /* the final reply (or the refusal of MAIL/DATA) */
	char refusal[SMTPC_TEXT_MAX]; /* the transaction's first 4xx/5xx reply, "" if none */

	enum smtpc_fail fail;
	enum smtpc_note note;
	struct strbuf out;
};

void smtpc_init(struct smtp_client *c, const char *helo_name, enum tls_level level, bool no_tls);
void smtpc_free(struct smtp_client *c);

/* One reply line without its CRLF. */
enum smtpc_action smtpc_line(struct smtp_client *c, const char *line, size_t len);
/* The handshake after SC_ACT_STARTTLS ended: ok, and whether the
 * certificate chain and name were verified. */
enum smtpc_action smtpc_tls_done(struct smtp_client *c, bool ok, bool verified);
/* The handshake succeeded but the certificate is refused (tls/outbound.c
 * outbound_judge): QUIT over TLS with nothing sent and no fallback to clear
 * text — Required levels fail as SC_FAIL_VERIFY, Preferred ones defer. */
enum smtpc_action smtpc_tls_refused(struct smtp_client *c);
/* Starts a transaction (state READY). `rcpt_code` has room for n codes. */
enum smtpc_action smtpc_mail(struct smtp_client *c, const char *from, const char *const *rcpt,
			     size_t n, int *rcpt_code);
/* The message as it goes on the wire after the 354: every line ending
 * (CRLF, and a bare LF or CR from an old spool file) becomes CRLF, NUL
 * bytes are dropped, lines starting with "." get another (RFC 5321 4.5.2),
 * and the final ".\r\n" follows. So no bare CR, bare LF or NUL ever
 * leaves. `emit` gets the pieces in order. */
void smtpc_body_wire(const char *body, size_t len, void (*emit)(void *arg, const char *p, size_t n),
		     void *arg);
/* After SC_ACT_SEND_BODY: the message and "." have been queued. */
void smtpc_body_sent(struct smtp_client *c);
enum smtpc_action smtpc_quit(struct smtp_client *c);
/* The connection closed or timed out. */
enum smtpc_action smtpc_lost(struct smtp_client *c);

const char *smtpc_fail_text(enum smtpc_fail f);

#endif
