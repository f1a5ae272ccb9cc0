/* spool: accepted messages, one file per message under $HOME/spool/ (0700),
 * written durably before the SMTP server says "250 queued": the file is
 * built in spool/tmp/, fsync'ed, renamed into spool/, and the directory
 * fsync'ed. A later delivery engine reads spool/ID files of this format:
 *
 *   tlsgate-spool 1                  format and version
 *   id 42                            the MID (mid.h), also the file name
 *   received 1763883000              Unix time the message was accepted
 *   icid 5                           inbound connection (mail_logs)
 *   client 127.0.0.1                 peer address
 *   helo client.example              HELO/EHLO name
 *   tls TLSv1.3 TLS_AES_256_GCM_SHA384    or "tls none"
 *   body 7BIT                        or 8BITMIME
 *   from <sender@example.com>        "<>" for the null sender
 *   to <rcpt@example.net>            one line per recipient
 *   (empty line)
 *   the message: our Received: header, then the data as received,
 *   dot-unstuffed, CRLF line ends, without the final "." line.
 *
 * Envelope lines end with LF; only the message after the empty line is CRLF. */
#ifndef TLSGATE_SPOOL_H
#define TLSGATE_SPOOL_H

#include <stdbool.h>
#include <stddef.h>
#include <time.h>

#include "../core/err.h"
#include "../core/smtp_proto.h"
#include "mail_log.h"

#define SPOOL_ID_MAX 24

struct spool;
struct spool_msg;

struct spool_envelope {
	const char *hostname; /* ours, for the Received: header */
	unsigned long icid;
	const char *client_addr;
	const char *helo;
	bool esmtp;
	const char *tls_protocol; /* NULL: no TLS */
	const char *tls_cipher;
	enum smtp_body body;
	const char *mail_from;
	char *const *rcpt;
	size_t rcpt_count;
};

/* What the spool may hold. Past any of them a new message is refused with
 * SMTP_SPOOL_NOSPACE ("452 4.3.1"), so an unauthenticated sender cannot fill
 * the file system config.db lives on. 0: no limit. */
struct spool_limits {
	unsigned long long max_bytes; /* queued and in-flight message files */
	unsigned long max_messages;   /* queued message files */
	unsigned long long min_free;  /* bytes left free for others (statvfs) */
};

/* Creates HOME/spool and HOME/spool/tmp (0700) and removes files a crash
 * left in tmp/. Refusals are logged to `log`. */
int spool_open(const char *home, const struct spool_limits *lim, struct mail_log *log,
	       struct spool **out, struct err *e);
void spool_close(struct spool *s);

/* Starts a message file with the envelope and the Received: header, if the
 * limits leave room for one more message. */
enum smtp_spool_status spool_begin(struct spool *s, const struct spool_envelope *env,
				   struct spool_msg **out);
/* Appends message data; a failure (also: over a limit) is remembered and
 * reported by commit. */
void spool_write(struct spool_msg *m, const char *data, size_t len);
/* Makes the message durable and visible as spool/ID; frees `m` either way. */
enum smtp_spool_status spool_commit(struct spool_msg *m, char id[SPOOL_ID_MAX]);
/* Drops an unfinished message. NULL is fine. */
void spool_abort(struct spool_msg *m);

#endif
