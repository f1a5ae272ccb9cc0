/* tls_rpt: the per-period outcome store and the `_smtp._tls` lookup. */
#include "tls_rpt.h"

#include <arpa/nameser.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../core/domain_map.h"
#include "../os/dns.h"

struct tls_rpt_store {
	long interval;
	time_t start;
	struct domain_map *domains; /* domain -> struct tls_rpt_domain, owned by list */
	struct tls_rpt_domain **list;
	size_t count, cap;
	unsigned long dropped;
};

struct tls_rpt_store *tls_rpt_store_new(long interval)
{
	struct tls_rpt_store *s = calloc(1, sizeof(*s));

	if (!s)
		abort();
	s->interval = interval > 0 ? interval : 86400;
	s->start = time(NULL);
	s->domains = domain_map_new();
	return s;
}

static void clear(struct tls_rpt_store *s)
{
	for (size_t i = 0; i < s->count; i++)
		free(s->list[i]);
	s->count = 0;
	domain_map_free(s->domains, NULL);
	s->domains = domain_map_new();
}

void tls_rpt_store_free(struct tls_rpt_store *s)
{
	if (!s)
		return;
	clear(s);
	domain_map_free(s->domains, NULL);
	free(s->list);
	free(s);
}

void tls_rpt_store_count(struct tls_rpt_store *s, const char *domain, const char *policy_type,
			 const char *result_type, const char *mx, const char *ip)
{
	struct tls_rpt_domain *d = domain_map_get(s->domains, domain);

	if (!d) {
		if (s->count >= TLS_RPT_DOMAINS_MAX) {
			s->dropped++;
			return;
		}
		d = calloc(1, sizeof(*d));
		if (!d)
			abort();
		snprintf(d->domain, sizeof(d->domain), "%s", domain);
		domain_map_put(s->domains, domain, d, NULL);
		if (s->count == s->cap) {
			s->cap = s->cap ? s->cap * 2 : 64;
			s->list = realloc(s->list, s->cap * sizeof(*s->list));
			if (!s->list)
				abort();
		}
		s->list[s->count++] = d;
	}
	tls_rpt_count(d, policy_type, result_type, mx, ip);
}

struct tls_rpt_domain *tls_rpt_store_take(struct tls_rpt_store *s, time_t now, size_t *n,
					  time_t *start, time_t *end, unsigned long *dropped)
{
	struct tls_rpt_domain *all = NULL;

	*n = 0;
	*dropped = 0;
	if (now < s->start + s->interval)
		return NULL;
	*start = s->start;
	*end = now;
	*dropped = s->dropped;
	*n = s->count;
	if (s->count) {
		all = calloc(s->count, sizeof(*all));
		if (!all)
			abort();
		for (size_t i = 0; i < s->count; i++)
			all[i] = *s->list[i];
	}
	clear(s);
	s->dropped = 0;
	s->start = now;
	return all;
}

size_t tls_rpt_lookup(const char *domain, char rua[TLS_RPT_RUA_MAX][256], char *why, size_t len)
{
	struct dns_answer *a = malloc(sizeof(*a));
	char name[300];
	struct err e;
	ns_msg msg;
	size_t n = 0;

	if (!a)
		abort();
	snprintf(name, sizeof(name), "_smtp._tls.%.255s", domain);
	snprintf(why, len, "%.280s publishes no TLSRPTv1 record", name);
	if (dns_query(name, ns_t_txt, a, &e) < 0)
		snprintf(why, len, "the TXT lookup of %.280s failed: %.150s", name, e.msg);
	else if (a->status == DNS_ANSWER && ns_initparse(a->msg, a->len, &msg) == 0)
		for (int i = 0; i < ns_msg_count(msg, ns_s_an) && n == 0; i++) {
			ns_rr rr;
			char txt[1024];
			size_t tl = 0;
			if (ns_parserr(&msg, ns_s_an, i, &rr) < 0 || ns_rr_type(rr) != ns_t_txt)
				continue;
			for (const unsigned char *p = ns_rr_rdata(rr), *end = p + ns_rr_rdlen(rr);
			     p < end;) {
				size_t l = *p++;
				if (l > (size_t)(end - p) || tl + l >= sizeof(txt))
					break;
				memcpy(txt + tl, p, l);
				tl += l;
				p += l;
			}
			if (tls_rpt_txt_parse(txt, tl, rua, &n, &e) < 0) {
				n = 0;
				snprintf(why, len, "%.280s: %.150s", name, e.msg);
			}
		}
	free(a);
	return n;
}
