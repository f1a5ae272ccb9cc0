/* tls_rpt: SMTP TLS Reporting (RFC 8460) as plain data — the `_smtp._tls`
 * TXT record's mailto: addresses, one domain's daily outcome counts, and
 * the JSON report. Pure and fuzzed; the daemon keeps the counts
 * (daemon/tls_rpt.c) and mails the report through the delivery engine. */
#ifndef TLSGATE_TLS_RPT_H
#define TLSGATE_TLS_RPT_H

#include <stdbool.h>
#include <stddef.h>
#include <time.h>

#include "err.h"
#include "strbuf.h"

#define TLS_RPT_RUA_MAX   4
#define TLS_RPT_FAILS_MAX 16

struct tls_rpt_failure {
	char result_type[40]; /* "validation-failure", "starttls-not-supported", ... */
	char mx[256];
	char ip[64];
	long count;
};

struct tls_rpt_domain {
	char domain[256];
	char policy_type[20]; /* "tlsa", "sts" or "no-policy-found" */
	long success, failure;
	struct tls_rpt_failure fails[TLS_RPT_FAILS_MAX];
	size_t nfails; /* distinct failures kept; more are counted in failure only */
};

/* The TXT record ("v=TLSRPTv1; rua=mailto:a@example.com,https://..."):
 * its mailto: addresses (https: ones are skipped). -1 when it is not a
 * TLSRPTv1 record or names no mailto: address. */
int tls_rpt_txt_parse(const char *txt, size_t len, char rua[TLS_RPT_RUA_MAX][256], size_t *n,
		      struct err *e);

/* One session's outcome. `result_type` NULL for a success. */
void tls_rpt_count(struct tls_rpt_domain *d, const char *policy_type, const char *result_type,
		   const char *mx, const char *ip);

/* The JSON report (RFC 8460 4.4) for [start, end). */
void tls_rpt_json(const struct tls_rpt_domain *d, const char *organization, const char *contact,
		  const char *report_id, time_t start, time_t end, struct strbuf *out);

#endif
