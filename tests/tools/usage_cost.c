/* usage_cost: what recording one TLS outcome costs tlsgated's event loop
 * (daemon/usage.c's usage_count on a real, finished TLS 1.3 handshake),
 * against what the server side of that full handshake costs, both
 * measured in this process's CPU time. For bench/run.sh (issue 17: the
 * recording must cost under 2 % of a handshake's server CPU).
 * Prints: record_ns= handshake_us= share_percent= */
#include <event2/event.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "../../daemon/daemon.h"
#include "../../daemon/usage.h"

static double cpu_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static SSL_CTX *server_ctx(void)
{
	SSL_CTX *ctx = SSL_CTX_new(TLS_server_method());
	EVP_PKEY *key = EVP_EC_gen("P-256");
	X509 *cert = X509_new();

	if (!ctx || !key || !cert)
		exit(1);
	ASN1_INTEGER_set(X509_get_serialNumber(cert), 1);
	X509_gmtime_adj(X509_getm_notBefore(cert), 0);
	X509_gmtime_adj(X509_getm_notAfter(cert), 86400);
	X509_set_pubkey(cert, key);
	X509_NAME_add_entry_by_txt(X509_get_subject_name(cert), "CN", MBSTRING_ASC,
				   (const unsigned char *)"bench", -1, -1, 0);
	X509_set_issuer_name(cert, X509_get_subject_name(cert));
	if (!X509_sign(cert, key, EVP_sha256()) || !SSL_CTX_use_certificate(ctx, cert) ||
	    !SSL_CTX_use_PrivateKey(ctx, key))
		exit(1);
	SSL_CTX_set_min_proto_version(ctx, TLS1_3_VERSION);
	SSL_CTX_set_num_tickets(ctx, 0);
	X509_free(cert);
	EVP_PKEY_free(key);
	return ctx;
}

/* One full in-memory handshake; *server_cpu gets the server side's CPU. */
static SSL *handshake(SSL_CTX *sctx, SSL_CTX *cctx, double *server_cpu)
{
	SSL *s = SSL_new(sctx), *c = SSL_new(cctx);
	BIO *bs, *bc;
	int done_s = 0, done_c = 0;

	BIO_new_bio_pair(&bs, 0, &bc, 0);
	SSL_set_bio(s, bs, bs);
	SSL_set_bio(c, bc, bc);
	SSL_set_accept_state(s);
	SSL_set_connect_state(c);
	*server_cpu = 0;
	for (int i = 0; i < 20 && !(done_s && done_c); i++) {
		if (!done_c)
			done_c = SSL_do_handshake(c) == 1;
		double t0 = cpu_now();
		if (!done_s)
			done_s = SSL_do_handshake(s) == 1;
		*server_cpu += cpu_now() - t0;
	}
	SSL_free(c);
	if (!done_s)
		exit(1);
	return s;
}

int main(void)
{
	SSL_CTX *sctx = server_ctx(), *cctx = SSL_CTX_new(TLS_client_method());
	struct daemon d;
	struct usage *u;
	struct usage_peer peer;
	struct err e;
	double hs = 0, one, t0, rec;
	const int handshakes = 200, records = 200000;
	SSL *ssl = NULL;

	memset(&d, 0, sizeof(d));
	d.base = event_base_new();
	d.opt.usage_flush_seconds = 3600;
	d.opt.usage_keep_days = 90;
	if (!d.base || usage_start(&d, &u, &e) < 0 || !u)
		return 1;
	for (int i = 0; i < handshakes; i++) {
		SSL_free(ssl);
		ssl = handshake(sctx, cctx, &one);
		hs += one;
	}
	usage_peer_set(&peer, SVC_INBOUND, USAGE_MODE_PREFERRED, "Management", "192.0.2.1",
		       "relay.example.org");
	t0 = cpu_now();
	for (int i = 0; i < records; i++) {
		/* A new peer every 50 sessions: the table grows as in real traffic. */
		if (i % 50 == 0)
			snprintf(peer.addr, sizeof(peer.addr), "198.51.%d.%d", (i / 50) / 250,
				 (i / 50) % 250);
		usage_count(u, &peer, ssl, USAGE_SUCCESS, NULL);
	}
	rec = (cpu_now() - t0) / records;
	printf("record_ns=%.0f handshake_us=%.0f share_percent=%.3f\n", rec * 1e9,
	       hs / handshakes * 1e6, 100 * rec / (hs / handshakes));
	return 0;
}
