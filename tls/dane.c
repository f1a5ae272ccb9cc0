/* dane: OpenSSL's DANE verifier for one outbound connection. */
#include "dane.h"

#include <openssl/err.h>
#include <openssl/x509_vfy.h>
#include <stdio.h>

int dane_attach(SSL *ssl, const char *host, const char *domain, const struct tlsa_set *t, char *why,
		size_t len)
{
	int added = 0;

	if (SSL_dane_enable(ssl, host) <= 0) {
		snprintf(why, len, "OpenSSL could not enable DANE");
		ERR_clear_error();
		return -1;
	}
	SSL_dane_set_flags(ssl, DANE_FLAG_NO_DANE_EE_NAMECHECKS);
	if (domain && *domain)
		SSL_add1_host(ssl, domain);
	for (size_t i = 0; i < t->count; i++) {
		const struct tlsa_rr *r = &t->rr[i];
		/* 0: a record OpenSSL cannot use (it says so); skipped like RFC 7672 says */
		if (SSL_dane_tlsa_add(ssl, r->usage, r->selector, r->mtype, r->data, r->len) > 0)
			added++;
	}
	ERR_clear_error();
	if (added == 0) {
		snprintf(why, len, "OpenSSL accepted none of the TLSA records");
		return -1;
	}
	return 0;
}

bool dane_result(SSL *ssl, char *what, size_t len)
{
	long rc = SSL_get_verify_result(ssl);
	uint8_t usage, selector, mtype;
	const unsigned char *data;
	size_t dlen;
	int depth = SSL_get0_dane_tlsa(ssl, &usage, &selector, &mtype, &data, &dlen);

	if (rc == X509_V_OK && depth >= 0) {
		struct tlsa_rr r = { .usage = usage, .selector = selector, .mtype = mtype };
		char text[TLSA_TEXT_MAX];
		r.len = dlen < TLSA_DATA_MAX ? dlen : TLSA_DATA_MAX;
		for (size_t i = 0; i < r.len; i++)
			r.data[i] = data[i];
		tlsa_text(&r, text, sizeof(text));
		snprintf(what, len, "TLSA record %s matched the %s at depth %d", text,
			 usage == TLSA_DANE_EE ? "server certificate" : "trust anchor", depth);
		return true;
	}
	if (!SSL_get0_peer_certificate(ssl))
		snprintf(what, len, "the server sent no certificate");
	else if (rc == X509_V_ERR_DANE_NO_MATCH)
		snprintf(what, len, "no TLSA record matched the server's certificate chain");
	else
		snprintf(what, len, "the certificate chain failed DANE verification: %s",
			 X509_verify_cert_error_string(rc));
	return false;
}
