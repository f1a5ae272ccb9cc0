/* tls_rpt (daemon): the day's TLS outcome counts per recipient domain
 * (RFC 8460), kept in memory by the delivery engine, and the period's end:
 * the counts are taken out and a report is mailed to each `mailto:` of the
 * domain's `_smtp._tls` TXT record, through the delivery engine itself. */
#ifndef TLSGATE_DAEMON_TLS_RPT_H
#define TLSGATE_DAEMON_TLS_RPT_H

#include <stdbool.h>
#include <time.h>

#include "../core/tls_rpt.h"

#define TLS_RPT_DOMAINS_MAX 10000 /* domains counted per period; more are dropped */

struct tls_rpt_store;

struct tls_rpt_store *tls_rpt_store_new(long interval);
void tls_rpt_store_free(struct tls_rpt_store *s);
void tls_rpt_store_count(struct tls_rpt_store *s, const char *domain, const char *policy_type,
			 const char *result_type, const char *mx, const char *ip);
/* At the period's end: the counts (caller frees with free()), the period,
 * and a fresh period begun. NULL when the period has not ended or nothing
 * was counted. */
struct tls_rpt_domain *tls_rpt_store_take(struct tls_rpt_store *s, time_t now, size_t *n,
					  time_t *start, time_t *end, unsigned long *dropped);

/* Runs on the resolver thread: the mailto: addresses of `domain`'s
 * `_smtp._tls` record (0 when none, with why). */
size_t tls_rpt_lookup(const char *domain, char rua[TLS_RPT_RUA_MAX][256], char *why, size_t len);

#endif
