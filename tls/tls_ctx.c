/* tls_ctx: building SSL_CTXs from tlsgate settings. */
#include "tls_ctx.h"

#include <openssl/err.h>
#include <stdio.h>
#include <string.h>

static const int protocol_of[TLS_VERSION_COUNT] = {
	[TLS_V1_0] = TLS1_VERSION,
	[TLS_V1_1] = TLS1_1_VERSION,
	[TLS_V1_2] = TLS1_2_VERSION,
	[TLS_V1_3] = TLS1_3_VERSION,
};

void tls_last_error(char *buf, size_t len)
{
	unsigned long code = ERR_peek_last_error();
	char text[256];

	ERR_error_string_n(code, text, sizeof(text));
	snprintf(buf, len, "(%lu, '%s')", code, text);
}

static int openssl_error(struct err *e, const char *what)
{
	unsigned long code = ERR_peek_last_error();
	char text[256] = "unknown error";

	if (code)
		ERR_error_string_n(code, text, sizeof(text));
	ERR_clear_error();
	return err_set(e, "%s: %s", what, text);
}

/* Applies methods, ciphers and renegotiation: everything but the certificate. */
static int apply_policy(SSL_CTX *ctx, enum tls_service_id id, const struct tls_service *svc,
			tls_method_set methods, struct err *e)
{
	int lo = methods_lowest(methods), hi = methods_highest(methods);

	if (lo < 0 || !methods_is_contiguous(methods))
		return err_set(e, "TLS protocols can be enabled only in sequence.");
	/* OpenSSL 3 refuses TLS 1.0/1.1 at security level 1 and above (their
	 * handshake signatures use SHA-1); level 0 only when the admin enabled them. */
	if (lo < TLS_V1_2)
		SSL_CTX_set_security_level(ctx, 0);
	if (!SSL_CTX_set_min_proto_version(ctx, protocol_of[lo]) ||
	    !SSL_CTX_set_max_proto_version(ctx, protocol_of[hi]))
		return openssl_error(e, "Cannot set the TLS versions");
	if (!SSL_CTX_set_cipher_list(ctx, svc->ciphers))
		return openssl_error(e, "The cipher string selects no cipher");
	if (!SSL_CTX_set_ciphersuites(ctx, TLS13_SUITES))
		return openssl_error(e, "Cannot set the TLS 1.3 suites");
	SSL_CTX_set_options(ctx, SSL_OP_NO_COMPRESSION | SSL_OP_CIPHER_SERVER_PREFERENCE);
	if (id != SVC_OUTBOUND && svc->renegotiation) {
		SSL_CTX_clear_options(ctx, SSL_OP_NO_RENEGOTIATION);
		SSL_CTX_set_options(ctx, SSL_OP_ALLOW_CLIENT_RENEGOTIATION);
	} else {
		SSL_CTX_set_options(ctx, SSL_OP_NO_RENEGOTIATION);
	}
	return 0;
}

SSL_CTX *ctx_build(enum tls_service_id id, const struct tls_service *svc, X509 *cert,
		   STACK_OF(X509) * chain, EVP_PKEY *key, struct err *e)
{
	SSL_CTX *ctx = SSL_CTX_new(id == SVC_OUTBOUND ? TLS_client_method() : TLS_server_method());

	if (!ctx) {
		openssl_error(e, "Cannot create a TLS context");
		return NULL;
	}
	if (apply_policy(ctx, id, svc, svc->methods, e) < 0)
		goto fail;
	if (cert && key) {
		if (SSL_CTX_use_certificate(ctx, cert) != 1 ||
		    SSL_CTX_use_PrivateKey(ctx, key) != 1) {
			openssl_error(e, "The certificate cannot be used");
			goto fail;
		}
		if (SSL_CTX_check_private_key(ctx) != 1) {
			openssl_error(e, "The private key does not match the certificate");
			goto fail;
		}
		for (int i = 0; chain && i < sk_X509_num(chain); i++)
			if (SSL_CTX_add1_chain_cert(ctx, sk_X509_value(chain, i)) != 1) {
				openssl_error(e, "An intermediate certificate cannot be used");
				goto fail;
			}
	}
	return ctx;
fail:
	SSL_CTX_free(ctx);
	return NULL;
}

/* The context's TLS <= 1.2 suites, in its order, as a cipher string. */
static void cipher_names(SSL_CTX *ctx, struct strbuf *out)
{
	STACK_OF(SSL_CIPHER) *list = SSL_CTX_get_ciphers(ctx);

	for (int i = 0; i < sk_SSL_CIPHER_num(list); i++) {
		const SSL_CIPHER *c = sk_SSL_CIPHER_value(list, i);
		if (SSL_CIPHER_get_kx_nid(c) == NID_kx_any) /* a TLS 1.3 suite */
			continue;
		strbuf_printf(out, "%s%s", out->len ? ":" : "", SSL_CIPHER_get_name(c));
	}
}

int ctx_adopt(SSL *ssl, SSL_CTX *ctx)
{
	unsigned char sid_ctx[SSL_MAX_SID_CTX_LENGTH];
	struct strbuf names;
	int n, ok;

	strbuf_init(&names);
	cipher_names(ctx, &names);
	/* Session lookups still go to the old context's cache and ticket keys:
	 * a session context of the new one makes its sessions misses, so no
	 * client resumes a session the new policy would not negotiate. */
	n = snprintf((char *)sid_ctx, sizeof(sid_ctx), "adopt:%p", (void *)ctx);
	/* SSL_set_SSL_CTX copies the certificate and the security level; the
	 * rest was copied into `ssl` by SSL_new and is set again here. */
	ok = SSL_set_SSL_CTX(ssl, ctx) == ctx &&
	     SSL_set_min_proto_version(ssl, SSL_CTX_get_min_proto_version(ctx)) &&
	     SSL_set_max_proto_version(ssl, SSL_CTX_get_max_proto_version(ctx)) && names.len > 0 &&
	     SSL_set_cipher_list(ssl, names.data) && SSL_set_ciphersuites(ssl, TLS13_SUITES) &&
	     n > 0 && SSL_set_session_id_context(ssl, sid_ctx, (unsigned)n);
	if (ok) {
		SSL_clear_options(ssl, SSL_get_options(ssl));
		SSL_set_options(ssl, SSL_CTX_get_options(ctx));
	}
	strbuf_free(&names);
	return ok ? 0 : -1;
}

int ctx_validate_config(const struct config *c, struct err *e)
{
	for (int id = 0; id < SVC_COUNT; id++) {
		struct err why;
		SSL_CTX *ctx = ctx_build(id, &c->svc[id], NULL, NULL, NULL, &why);
		if (!ctx)
			return err_set(e, "%s: %s", service_names(id)->title, why.msg);
		SSL_CTX_free(ctx);
	}
	return 0;
}

int tls_check_ciphers(const char *ciphers, struct err *e)
{
	SSL_CTX *ctx;
	int ok;

	if (config_check_ciphers_syntax(ciphers, e) < 0)
		return -1;
	ctx = SSL_CTX_new(TLS_method());
	if (!ctx)
		return openssl_error(e, "Cannot create a TLS context");
	ok = SSL_CTX_set_cipher_list(ctx, ciphers);
	SSL_CTX_free(ctx);
	ERR_clear_error();
	if (!ok)
		return err_set(
			e, "That value is not valid. OpenSSL selects no cipher from \"%.200s\".",
			ciphers);
	return 0;
}

void tls_cipher_unmatched_entries(const char *ciphers, struct strbuf *out)
{
	SSL_CTX *ctx = SSL_CTX_new(TLS_method());
	const char *p = ciphers;
	char entry[CONFIG_CIPHERS_MAX];

	if (!ctx)
		return;
	while (*p) {
		size_t n = strcspn(p, ":");
		if (n < sizeof(entry) && !strchr("!-+@", p[0])) {
			memcpy(entry, p, n);
			entry[n] = '\0';
			if (!SSL_CTX_set_cipher_list(ctx, entry))
				strbuf_printf(out, "%s\n", entry);
		}
		p += n;
		if (*p == ':')
			p++;
	}
	ERR_clear_error();
	SSL_CTX_free(ctx);
}

int tls_describe_ciphers(const char *ciphers, struct strbuf *out, struct err *e)
{
	SSL_CTX *ctx;
	SSL *ssl;
	STACK_OF(SSL_CIPHER) * list;

	if (tls_check_ciphers(ciphers, e) < 0)
		return -1;
	/* As `openssl ciphers -v` does: a server context, its SSL's cipher list. */
	ctx = SSL_CTX_new(TLS_server_method());
	if (!ctx || !SSL_CTX_set_cipher_list(ctx, ciphers) || !(ssl = SSL_new(ctx))) {
		SSL_CTX_free(ctx);
		return openssl_error(e, "Cannot list the ciphers");
	}
	list = SSL_get_ciphers(ssl);
	for (int i = 0; i < sk_SSL_CIPHER_num(list); i++) {
		char line[256];
		SSL_CIPHER_description(sk_SSL_CIPHER_value(list, i), line, sizeof(line));
		strbuf_puts(out, line);
	}
	SSL_free(ssl);
	SSL_CTX_free(ctx);
	return 0;
}

/* Can a server holding `key` authenticate this suite? TLS 1.3 suites work with
 * any certificate; anonymous, PSK and SRP suites are never offered by us. */
static int key_fits(const SSL_CIPHER *c, EVP_PKEY *key)
{
	int auth = SSL_CIPHER_get_auth_nid(c);

	if (auth == NID_auth_any)
		return 1;
	if (!key)
		return auth == NID_auth_rsa || auth == NID_auth_ecdsa;
	if (auth == NID_auth_rsa)
		return EVP_PKEY_is_a(key, "RSA") || EVP_PKEY_is_a(key, "RSA-PSS");
	if (auth == NID_auth_ecdsa)
		return EVP_PKEY_is_a(key, "EC");
	return 0;
}

int tls_suite_count(SSL_CTX *ctx, enum tls_version v, EVP_PKEY *key, int server)
{
	SSL *ssl = SSL_new(ctx);
	STACK_OF(SSL_CIPHER) * list;
	int n = 0;

	if (!ssl)
		return 0;
	SSL_set_min_proto_version(ssl, protocol_of[v]);
	SSL_set_max_proto_version(ssl, protocol_of[v]);
	list = SSL_get1_supported_ciphers(ssl);
	for (int i = 0; list && i < sk_SSL_CIPHER_num(list); i++)
		if (!server || key_fits(sk_SSL_CIPHER_value(list, i), key))
			n++;
	sk_SSL_CIPHER_free(list);
	SSL_free(ssl);
	ERR_clear_error();
	return n;
}

int tls_usable_cipher_count(enum tls_service_id id, const struct tls_service *svc,
			    enum tls_version v)
{
	struct err ignored;
	SSL_CTX *ctx = ctx_build(id, svc, NULL, NULL, NULL, &ignored);
	int count;

	if (!ctx)
		return -1;
	count = tls_suite_count(ctx, v, NULL, id != SVC_OUTBOUND);
	SSL_CTX_free(ctx);
	return count;
}
