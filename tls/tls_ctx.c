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

/* Is `entry` (n bytes) one of AsyncOS's protocol exclusions? `!SSLv2`,
 * `!SSLv3`, `!TLSv1` (or with `-`) in its cipher strings mean "not these
 * protocols"; tlsgate's protocols are the method setting. OpenSSL 1.1+ reads
 * them as cipher classes instead and removes every suite TLS 1.0/1.1 can use,
 * so the factory default would leave TLS v1.1 clients nothing. */
static bool protocol_exclusion(const char *entry, size_t n)
{
	static const char *const names[] = { "SSLv2", "SSLv3", "TLSv1" };

	if (n < 2 || (entry[0] != '!' && entry[0] != '-'))
		return false;
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (n - 1 == strlen(names[i]) && strncmp(entry + 1, names[i], n - 1) == 0)
			return true;
	return false;
}

/* The cipher string OpenSSL is given: the admin's, without protocol
 * exclusions (docs/CLI.md, sslconfig). */
static void openssl_ciphers(const char *ciphers, char out[CONFIG_CIPHERS_MAX])
{
	size_t len = 0;

	for (const char *p = ciphers; *p;) {
		size_t n = strcspn(p, ":");
		if (n && !protocol_exclusion(p, n) && len + n + 2 <= CONFIG_CIPHERS_MAX) {
			if (len)
				out[len++] = ':';
			memcpy(out + len, p, n);
			len += n;
		}
		p += n;
		if (*p == ':')
			p++;
	}
	out[len] = '\0';
}

/* Applies methods, ciphers and renegotiation: everything but the certificate. */
static int apply_policy(SSL_CTX *ctx, enum tls_service_id id, const struct tls_service *svc,
			tls_method_set methods, struct err *e)
{
	int lo = methods_lowest(methods), hi = methods_highest(methods);
	char ciphers[CONFIG_CIPHERS_MAX];

	if (lo < 0 || !methods_is_contiguous(methods))
		return err_set(e, "TLS protocols can be enabled only in sequence.");
	/* OpenSSL 3 refuses TLS 1.0/1.1 at security level 1 and above (their
	 * handshake signatures use SHA-1); level 0 only when the admin enabled them. */
	if (lo < TLS_V1_2)
		SSL_CTX_set_security_level(ctx, 0);
	if (!SSL_CTX_set_min_proto_version(ctx, protocol_of[lo]) ||
	    !SSL_CTX_set_max_proto_version(ctx, protocol_of[hi]))
		return openssl_error(e, "Cannot set the TLS versions");
	openssl_ciphers(svc->ciphers, ciphers);
	if (!SSL_CTX_set_cipher_list(ctx, ciphers))
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

#define SESSION_CACHE_MAX 1024

SSL_CTX *ctx_build(enum tls_service_id id, const struct tls_service *svc, X509 *cert,
		   STACK_OF(X509) * chain, EVP_PKEY *key, struct err *e)
{
	SSL_CTX *ctx = SSL_CTX_new(id == SVC_OUTBOUND ? TLS_client_method() : TLS_server_method());

	if (!ctx) {
		openssl_error(e, "Cannot create a TLS context");
		return NULL;
	}
	/* The TLS 1.2 session cache, bounded (OpenSSL's default is 20,480
	 * sessions, ~1 kB each, kept until they expire). */
	if (id != SVC_OUTBOUND)
		SSL_CTX_sess_set_cache_size(ctx, SESSION_CACHE_MAX);
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
	char given[CONFIG_CIPHERS_MAX];
	SSL_CTX *ctx;
	int ok;

	if (config_check_ciphers_syntax(ciphers, e) < 0)
		return -1;
	ctx = SSL_CTX_new(TLS_method());
	if (!ctx)
		return openssl_error(e, "Cannot create a TLS context");
	openssl_ciphers(ciphers, given);
	ok = SSL_CTX_set_cipher_list(ctx, given);
	SSL_CTX_free(ctx);
	ERR_clear_error();
	if (!ok)
		return err_set(
			e, "That value is not valid. OpenSSL selects no cipher from \"%.200s\".",
			ciphers);
	return 0;
}

/* Is the entry (n bytes) one of the entries of `list`? */
static bool has_entry(const char *list, const char *entry, size_t n)
{
	for (const char *p = list; p && *p;) {
		size_t m = strcspn(p, ":");
		if (m == n && strncmp(p, entry, n) == 0)
			return true;
		p += m;
		if (*p == ':')
			p++;
	}
	return false;
}

void tls_cipher_unmatched_entries(const char *ciphers, const char *previous, struct strbuf *out)
{
	SSL_CTX *ctx = SSL_CTX_new(TLS_method());
	const char *p = ciphers;
	char entry[CONFIG_CIPHERS_MAX];
	struct config factory;

	if (!ctx)
		return;
	config_defaults(&factory);
	while (*p) {
		size_t n = strcspn(p, ":");
		/* Only what the admin typed: not the entries of the value shown as
		 * the default, nor those of the factory strings (AsyncOS's
		 * "MEDIUM" selects nothing in OpenSSL 3; not the admin's doing). */
		bool typed = !has_entry(previous, p, n);
		for (int id = 0; typed && id < SVC_COUNT; id++)
			typed = !has_entry(factory.svc[id].ciphers, p, n);
		if (typed && n < sizeof(entry) && !strchr("!-+@", p[0])) {
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

/* Splits a VERIFY answer: the TLS 1.3 suite names (which a cipher string
 * cannot hold: OpenSSL sets them apart) into `tls13`, the rest into `rest`.
 * -1 for a TLS 1.3 name that is not one of the fixed suites. */
static int split_tls13(const char *ciphers, char tls13[CONFIG_CIPHERS_MAX],
		       char rest[CONFIG_CIPHERS_MAX], struct err *e)
{
	size_t l13 = 0, lr = 0;

	for (const char *p = ciphers; *p;) {
		size_t n = strcspn(p, ":");
		if (n > 4 && strncmp(p, "TLS_", 4) == 0) {
			if (!has_entry(TLS13_SUITES, p, n))
				return err_set(e,
					       "That value is not valid. \"%.*s\" is not a TLS 1.3 "
					       "suite of tlsgate (%s).",
					       (int)(n > 100 ? 100 : n), p, TLS13_SUITES);
			if (l13)
				tls13[l13++] = ':';
			memcpy(tls13 + l13, p, n);
			l13 += n;
		} else if (n) {
			if (lr)
				rest[lr++] = ':';
			memcpy(rest + lr, p, n);
			lr += n;
		}
		p += n;
		if (*p == ':')
			p++;
	}
	tls13[l13] = rest[lr] = '\0';
	return 0;
}

int tls_describe_ciphers(const char *ciphers, struct strbuf *out, struct err *e)
{
	char tls13[CONFIG_CIPHERS_MAX], rest[CONFIG_CIPHERS_MAX], given[CONFIG_CIPHERS_MAX];
	SSL_CTX *ctx;
	SSL *ssl;
	STACK_OF(SSL_CIPHER) * list;

	if (config_check_ciphers_syntax(ciphers, e) < 0 || split_tls13(ciphers, tls13, rest, e) < 0)
		return -1;
	if (rest[0] && tls_check_ciphers(rest, e) < 0)
		return -1;
	/* As `openssl ciphers -v` does: a server context, its SSL's cipher list;
	 * named TLS 1.3 suites narrow the TLS 1.3 part (`-ciphersuites`), and a
	 * string of TLS 1.3 names only lists just those. */
	openssl_ciphers(rest, given);
	ctx = SSL_CTX_new(TLS_server_method());
	bool ok = ctx && (!tls13[0] || SSL_CTX_set_ciphersuites(ctx, tls13));
	if (ok && given[0])
		ok = SSL_CTX_set_cipher_list(ctx, given);
	else if (ok) /* "no cipher match" for TLS <= 1.2, but the list is set */
		SSL_CTX_set_cipher_list(ctx, "-ALL");
	ERR_clear_error();
	if (!ok || !(ssl = SSL_new(ctx))) {
		SSL_CTX_free(ctx);
		return err_set(e, "Cannot list the ciphers.");
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

/* The suites as tls_suite_count counts them; only the one called `name`
 * unless name is NULL. */
static int count_suites(SSL_CTX *ctx, enum tls_version v, EVP_PKEY *key, int server,
			const char *name)
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
		if ((!server || key_fits(sk_SSL_CIPHER_value(list, i), key)) &&
		    (!name || strcmp(SSL_CIPHER_get_name(sk_SSL_CIPHER_value(list, i)), name) == 0))
			n++;
	sk_SSL_CIPHER_free(list);
	SSL_free(ssl);
	ERR_clear_error();
	return n;
}

int tls_suite_count(SSL_CTX *ctx, enum tls_version v, EVP_PKEY *key, int server)
{
	return count_suites(ctx, v, key, server, NULL);
}

int tls_suite_usable(SSL_CTX *ctx, enum tls_version v, EVP_PKEY *key, int server, const char *name)
{
	return count_suites(ctx, v, key, server, name) > 0;
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
