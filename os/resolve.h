/* resolve: where mail for a domain goes — the smtproutes route when one
 * matches (no DNS for the route itself, only the address lookup of a routed
 * name), else the MX records, else the domain's own address (RFC 5321 5.1
 * implicit MX); with DANE wanted, the DNSSEC state of each step and each
 * host's TLSA records (RFC 7672 2.2). Blocking: tlsverify calls it
 * directly; the delivery engine calls it from its resolver thread
 * (daemon/resolver.c). DNS questions go through os/dns.c. */
#ifndef TLSGATE_RESOLVE_H
#define TLSGATE_RESOLVE_H

#include <stdbool.h>
#include <stddef.h>

#include "../core/err.h"
#include "../core/route.h"
#include "../core/tlsa.h"
#include "mta_sts.h"

#define RESOLVE_MAX 16

struct resolved_host {
	char name[256]; /* the MX or routed host name, for certificate checks */
	char addr[64];  /* numeric address */
	unsigned port;
	bool addr_secure;     /* its address records were DNSSEC-validated */
	struct tlsa_set tlsa; /* with DANE wanted: what its TLSA lookup found */
};

struct resolved {
	struct resolved_host hosts[RESOLVE_MAX]; /* in the order to try */
	size_t count;
	int via_route;  /* 1: an smtproutes entry decided */
	bool mx_secure; /* the MX answer (or its denial) was validated, or a route decided */
	struct mta_sts_result sts; /* with MTA-STS wanted (never for a route) */
};

/* `route` NULL: DNS. On -1 the message says why in an admin's words
 * ("No MX or A record for example.com."). *temporary is 1 when a later try
 * may succeed (DNS timeout, SERVFAIL). `dane`: look up TLSA records and
 * the DNSSEC state too; `sts`: the domain's MTA-STS policy (os/mta_sts.c). */
int resolve_destination(const char *domain, const struct route *route, bool dane, bool sts,
			struct resolved *out, int *temporary, struct err *e);

/* The port of mail exchangers found in DNS: 25, or TLSGATE_MX_PORT (tests,
 * whose receivers cannot listen on 25; like Postfix's smtp_tcp_port). */
unsigned resolve_mx_port(void);

#endif
