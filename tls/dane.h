/* dane (TLS side): a host's TLSA records handed to OpenSSL's DANE verifier
 * (SSL_dane_enable, SSL_dane_tlsa_add: no matching of our own), and, after
 * the handshake, which record matched or why none did — in words for the
 * mail log and tlsverify. */
#ifndef TLSGATE_TLS_DANE_H
#define TLSGATE_TLS_DANE_H

#include <openssl/ssl.h>
#include <stdbool.h>
#include <stddef.h>

#include "../core/tlsa.h"

/* Needs SSL_CTX_dane_enable on its context (outbound_build does it). The
 * TLSA base domain `host` (the MX or routed host name) and the next-hop
 * `domain` are the names a DANE-TA(2) chain may carry (RFC 7672 3.2.2);
 * DANE-EE(3) has no name check (3.1.1). -1 when OpenSSL refuses. */
int dane_attach(SSL *ssl, const char *host, const char *domain, const struct tlsa_set *t, char *why,
		size_t len);
/* After the handshake: true when a TLSA record matched; `what` gets
 * "TLSA record 3 1 1 ab... matched the server certificate" or why none did. */
bool dane_result(SSL *ssl, char *what, size_t len);

#endif
