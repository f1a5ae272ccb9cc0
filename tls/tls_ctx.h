/* tls_ctx: the one place where a service's settings become an OpenSSL
 * SSL_CTX. The daemon builds its contexts here and the shell validates
 * commits here, so the engines can never be handed a config they refuse. */
#ifndef TLSGATE_TLS_CTX_H
#define TLSGATE_TLS_CTX_H

#include <openssl/ssl.h>

#include "../core/config.h"
#include "../core/err.h"
#include "../core/strbuf.h"

/* The fixed TLS 1.3 suites (AsyncOS 15.5: not configurable). */
#define TLS13_SUITES "TLS_AES_256_GCM_SHA384:TLS_CHACHA20_POLY1305_SHA256:TLS_AES_128_GCM_SHA256"

/* Build the context of service `id` (server for GUI/inbound, client for
 * outbound). `cert`/`key` may be NULL (validation without a certificate, or an
 * outbound client without one); both are up-referenced, not taken. */
SSL_CTX *ctx_build(enum tls_service_id id, const struct tls_service *svc, X509 *cert,
		   STACK_OF(X509) * chain, EVP_PKEY *key, struct err *e);

/* Build every service's context of `c` without certificates: what the shell
 * runs before writing a commit. */
int ctx_validate_config(const struct config *c, struct err *e);

/* Make `ssl`, created from an older context of the same service, follow
 * `ctx`'s policy instead (versions, ciphers, options, security level,
 * certificate). Called before the version is chosen (ClientHello callback),
 * so a handshake that starts after a commit is applied uses the new policy
 * even on a connection accepted before it. */
int ctx_adopt(SSL *ssl, SSL_CTX *ctx);

/* Does OpenSSL accept this cipher string (at least one suite selected)? */
int tls_check_ciphers(const char *ciphers, struct err *e);
/* Lists, one per line, positive entries of the cipher string that select no
 * suite at all (likely typos OpenSSL silently ignores) — only entries the
 * admin typed: none of `previous` (the value offered as the default; may be
 * NULL) nor of the factory cipher strings. */
void tls_cipher_unmatched_entries(const char *ciphers, const char *previous, struct strbuf *out);

/* The suites a cipher string selects, as `openssl ciphers -v` prints them;
 * TLS 1.3 suite names (TLS_AES_128_GCM_SHA256...) may be part of it. */
int tls_describe_ciphers(const char *ciphers, struct strbuf *out, struct err *e);

/* The one suite count: how many suites a peer restricted to version `v`
 * could negotiate with `ctx`; for a server (`server` 1) only those its `key`
 * can authenticate (key NULL: an RSA or ECDSA one). */
int tls_suite_count(SSL_CTX *ctx, enum tls_version v, EVP_PKEY *key, int server);
/* 1 when suite `name` (OpenSSL's name) is one of those counted. */
int tls_suite_usable(SSL_CTX *ctx, enum tls_version v, EVP_PKEY *key, int server, const char *name);
/* The same for a service's settings alone, before any certificate is known
 * (sslconfig's note while editing). -1 on error. */
int tls_usable_cipher_count(enum tls_service_id id, const struct tls_service *svc,
			    enum tls_version v);

/* The last OpenSSL error as "(code, 'string')" — the AsyncOS log spelling. */
void tls_last_error(char *buf, size_t len);

#endif
