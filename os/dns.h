/* dns: one DNS question to the validating resolver, with its DNSSEC verdict.
 * tlsgate trusts the AD bit of its resolver, as Postfix does: the resolver
 * (unbound on the gateway itself) validates, we ask with the DO bit and read
 * AD. The resolver is /etc/resolv.conf's, or TLSGATE_DNS=ADDR:PORT (tests,
 * a resolver on another port). Answers are cached by TTL, process-wide. */
#ifndef TLSGATE_DNS_H
#define TLSGATE_DNS_H

#include <stdbool.h>
#include <stddef.h>

#include "../core/err.h"

#define DNS_MSG_MAX      8192
#define DNS_TIMEOUT_SECS 3 /* per try; 2 tries */
#define DNS_CACHE_MAX    512
#define DNS_TTL_MAX      86400

enum dns_status {
	DNS_ANSWER,   /* NOERROR with records of the type asked */
	DNS_NODATA,   /* NOERROR, none of that type */
	DNS_NXDOMAIN, /* the name does not exist */
};

struct dns_answer {
	enum dns_status status;
	bool secure; /* the resolver validated it (AD) */
	unsigned char msg[DNS_MSG_MAX];
	int len;
};

/* `type` is ns_t_mx, ns_t_a, ... -1 (with why) when no answer could be had:
 * a timeout, SERVFAIL (what a validating resolver answers for a bogus
 * signature), REFUSED. */
int dns_query(const char *name, int type, struct dns_answer *out, struct err *e);

/* The resolver in use, for tlsverify: "127.0.0.1:5353" or "/etc/resolv.conf". */
const char *dns_server(void);

/* Forgets every cached answer (tests, and a daemon that wants fresh data). */
void dns_cache_clear(void);

#endif
