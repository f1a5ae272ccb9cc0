/* cmd_tlsverify.h: what tlsverify's two files share (cmd_tlsverify.c the
 * steps, cmd_tlsverify_dialog.c the SMTP dialog with one host). Nothing
 * else includes it. */
#ifndef TLSGATE_CMD_TLSVERIFY_H
#define TLSGATE_CMD_TLSVERIFY_H

#include <openssl/ssl.h>
#include <stdbool.h>
#include <stddef.h>

#include "../core/dane.h"
#include "../core/err.h"
#include "../core/smtp_client.h"
#include "../os/resolve.h"
#include "../tls/outbound.h"

struct link {
	int fd;
	SSL *ssl;
	char buf[4096];
	size_t len;
};

/* What DANE decided for the host being tested (core/dane.c). */
extern struct dane_decision tlsv_dane_now;

/* A blocking connection to `h`, bounded in time; the socket or -1. */
int tlsv_connect_to(const struct resolved_host *h, struct err *e);
/* Runs the client machine up to MAIL (READY) or its end. */
void tlsv_converse(struct link *l, const struct outbound *ob, const char *domain,
		   const struct resolved_host *h, struct smtp_client *sc,
		   bool *refused_by_sslconfig);
/* The verdict line's end: what delivery would do with the mail. */
const char *tlsv_verdict(const struct smtp_client *sc, enum tls_level level, bool tls_on,
			 bool refused_by_sslconfig);

#endif
