/* mta_sts (fetch): a domain's MTA-STS policy (RFC 8461) — the `_mta-sts`
 * TXT record through os/dns.c, the policy file over HTTPS with libcurl
 * (certificate verified, no redirects, 10 s, 64 KB), cached per process
 * until its max_age runs out or the TXT id changes. Blocking: delivery
 * calls it on its resolver thread, tlsverify directly. */
#ifndef TLSGATE_OS_MTA_STS_H
#define TLSGATE_OS_MTA_STS_H

#include "../core/mta_sts.h"

#define MTA_STS_FETCH_TIMEOUT 10
#define MTA_STS_CACHE_MAX     256

enum mta_sts_state {
	MTA_STS_ABSENT, /* no STSv1 TXT record, nothing cached: no policy */
	MTA_STS_FOUND,  /* a policy (fresh or cached) */
	MTA_STS_FAILED, /* a TXT record but no usable policy (why says why) */
};

struct mta_sts_result {
	enum mta_sts_state state;
	struct mta_sts_policy policy;
	char id[MTA_STS_ID_MAX + 1];
	bool cached;   /* from the cache, not fetched now */
	char url[400]; /* where it was (or would be) fetched */
	char why[768];
};

void mta_sts_lookup(const char *domain, struct mta_sts_result *out);

/* The HTTPS port of policy hosts: 443, or TLSGATE_MTA_STS_PORT (tests). */
unsigned mta_sts_port(void);

#endif
