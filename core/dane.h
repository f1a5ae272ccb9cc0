/* dane: what DANE (RFC 7672) decides for one mail exchanger, from the
 * destination's DANE Support and TLS level, whether its MX answer was
 * DNSSEC-validated, and what its TLSA lookup found. Pure: delivery and
 * tlsverify both ask it, so they cannot disagree. */
#ifndef TLSGATE_DANE_H
#define TLSGATE_DANE_H

#include <stdbool.h>

#include "dest.h"
#include "tlsa.h"

enum dane_action {
	DANE_ACT_TLS_LEVEL, /* DANE does not apply: the destination's TLS level does */
	DANE_ACT_AUTH,      /* TLS required, the certificate must match a TLSA record */
	DANE_ACT_ENCRYPT,   /* TLS required, unauthenticated (no usable TLSA record) */
	DANE_ACT_SKIP,      /* this host may not be used now (the message is deferred) */
};

struct dane_decision {
	enum dane_action action;
	enum tls_level level; /* what the SMTP client enforces on this host */
	char why[640];        /* a sentence for the mail log and tlsverify */
};

/* `mx_secure`: the MX RRset (or its denial) was validated, or an smtproutes
 * entry named the host; `host` is the MX or routed host name. */
void dane_decide(enum dane_mode mode, enum tls_level level, bool mx_secure,
		 const struct tlsa_set *t, const char *host, struct dane_decision *out);

#endif
