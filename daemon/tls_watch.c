/* tls_watch: handshake outcome logging through SSL_set_info_callback. */
#include "tls_watch.h"

#include <openssl/err.h>
#include <stdio.h>

#include "../tls/tls_ctx.h"

static int watch_index = -1;

void tls_watch_init(struct tls_watch *w, struct mail_log *log, const char *who,
		    tls_watch_first_fn on_first)
{
	w->log = log;
	snprintf(w->who, sizeof(w->who), "%s", who);
	w->on_first = on_first;
	w->seen = w->done = w->failed = false;
	w->usage = NULL;
}

void tls_watch_count(struct tls_watch *w, struct usage *u, int service, int mode,
		     const char *listener, const char *addr, const char *name)
{
	w->usage = u;
	usage_peer_set(&w->peer, service, mode, listener, addr, name);
}

static void on_info(const SSL *ssl, int where, int ret)
{
	struct tls_watch *w = SSL_get_ex_data(ssl, watch_index);
	char reason[320];

	if (!w)
		return;
	if (!w->seen) {
		w->seen = true;
		if (w->on_first)
			w->on_first((SSL *)ssl, w);
	}
	if (w->done || w->failed)
		return;
	if (where & SSL_CB_HANDSHAKE_DONE) {
		w->done = true;
		mail_log_info(w->log, "%s TLS success protocol %s cipher %s", w->who,
			      SSL_get_version(ssl), SSL_get_cipher_name(ssl));
		usage_count(w->usage, &w->peer, ssl, USAGE_SUCCESS, NULL);
	} else if ((where & SSL_CB_EXIT) && ret <= 0 && ERR_peek_error() != 0) {
		/* The handshake step stopped on an error, not for want of input:
		 * the queue holds why (ours, or the alert the peer sent), and the
		 * engine drains it right after. */
		w->failed = true;
		usage_count(w->usage, &w->peer, NULL, USAGE_FAILED, usage_reason(ERR_peek_error()));
		tls_last_error(reason, sizeof(reason));
		mail_log_info(w->log, "%s TLS failed: %s", w->who, reason);
	}
}

int tls_watch_attach(SSL *ssl, struct tls_watch *w)
{
	if (watch_index < 0)
		watch_index = SSL_get_ex_new_index(0, NULL, NULL, NULL, NULL);
	if (watch_index < 0 || !SSL_set_ex_data(ssl, watch_index, w))
		return -1;
	SSL_set_info_callback(ssl, on_info);
	return 0;
}

void tls_watch_detach(SSL *ssl)
{
	SSL_set_info_callback(ssl, NULL);
	if (watch_index >= 0)
		SSL_set_ex_data(ssl, watch_index, NULL);
}

void tls_watch_closed(SSL *ssl, struct tls_watch *w)
{
	if (w->done || w->failed)
		return;
	/* TLS_ST_BEFORE: no ClientHello arrived, so no handshake to speak of. */
	if (ssl && SSL_get_state(ssl) != TLS_ST_BEFORE) {
		w->failed = true;
		usage_count(w->usage, &w->peer, NULL, USAGE_FAILED, "closed during the handshake");
		mail_log_info(w->log,
			      "%s TLS failed: (0, 'the connection closed during the handshake')",
			      w->who);
	}
}
