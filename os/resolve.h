/* resolve: where mail for a domain goes — the smtproutes route when one
 * matches (no DNS for the route itself, only the A lookup of a routed name),
 * else the MX records (libresolv res_query), else the domain's own address
 * (RFC 5321 5.1 implicit MX). Blocking: tlsverify calls it directly; the
 * delivery engine calls it from its resolver thread (resolver.c). */
#ifndef TLSGATE_RESOLVE_H
#define TLSGATE_RESOLVE_H

#include <stddef.h>

#include "../core/err.h"
#include "../core/route.h"

#define RESOLVE_MAX 16

struct resolved_host {
	char name[256]; /* the MX or routed host name, for certificate checks */
	char addr[64];  /* numeric address */
	unsigned port;
};

struct resolved {
	struct resolved_host hosts[RESOLVE_MAX]; /* in the order to try */
	size_t count;
	int via_route; /* 1: an smtproutes entry decided */
};

/* `route` NULL: DNS. On -1 the message says why in an admin's words
 * ("No MX or A record for example.com."). *temporary is 1 when a later try
 * may succeed (DNS timeout, SERVFAIL). */
int resolve_destination(const char *domain, const struct route *route, struct resolved *out,
			int *temporary, struct err *e);

#endif
