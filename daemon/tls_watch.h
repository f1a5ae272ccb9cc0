/* tls_watch: the mail-log lines of one connection's TLS handshake ("ICID 5 TLS
 * success protocol TLSv1.3 cipher ...", "ICID 5 TLS failed: (code, 'text')"),
 * taken from OpenSSL's info callback so every engine logs them the same way. */
#ifndef TLSGATE_TLS_WATCH_H
#define TLSGATE_TLS_WATCH_H

#include <openssl/ssl.h>
#include <stdbool.h>

#include "mail_log.h"
#include "usage.h"

struct tls_watch;
/* Called once, on the SSL's first activity (the socket is attached by then). */
typedef void (*tls_watch_first_fn)(SSL *ssl, struct tls_watch *w);

struct tls_watch {
	struct mail_log *log;
	char who[48]; /* "ICID 5": the prefix of every line */
	tls_watch_first_fn on_first;
	bool seen, done, failed;
	struct usage *usage; /* NULL: the outcome is not counted */
	struct usage_peer peer;
};

void tls_watch_init(struct tls_watch *w, struct mail_log *log, const char *who,
		    tls_watch_first_fn on_first);
/* The outcome will be counted in `u` (daemon/usage.h) as a session with `peer`. */
void tls_watch_count(struct tls_watch *w, struct usage *u, int service, int mode,
		     const char *listener, const char *addr, const char *name);
/* Installs the info callback on `ssl`; `w` must outlive it. */
int tls_watch_attach(SSL *ssl, struct tls_watch *w);
/* Unhooks `ssl` from its watch, which is about to be freed before it. */
void tls_watch_detach(SSL *ssl);
/* The connection is closing: a handshake the client began that neither
 * finished nor failed is logged as failed. */
void tls_watch_closed(SSL *ssl, struct tls_watch *w);

#endif
