/* dns: DO-bit queries with res_nsend, the AD bit, a TTL cache. */
#include "dns.h"

#include <arpa/inet.h>
#include <arpa/nameser.h>
#include <netinet/in.h>
#include <pthread.h>
#include <resolv.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

struct cached {
	char key[300]; /* "TYPE name" */
	time_t expires;
	struct dns_answer *a;
};

static pthread_mutex_t cache_lock = PTHREAD_MUTEX_INITIALIZER;
static struct cached cache[DNS_CACHE_MAX];

const char *dns_server(void)
{
	const char *s = getenv("TLSGATE_DNS");

	return s && *s ? s : "/etc/resolv.conf";
}

/* TLSGATE_DNS=ADDR:PORT (IPv4) replaces resolv.conf's servers. */
static int use_server(struct __res_state *st, struct err *e)
{
	const char *s = getenv("TLSGATE_DNS");
	char addr[64];
	const char *colon;
	struct sockaddr_in sin = { .sin_family = AF_INET, .sin_port = htons(53) };

	if (!s || !*s)
		return 0;
	colon = strrchr(s, ':');
	snprintf(addr, sizeof(addr), "%.*s", colon ? (int)(colon - s) : (int)strlen(s), s);
	if (colon)
		sin.sin_port = htons((unsigned short)atoi(colon + 1));
	if (inet_pton(AF_INET, addr, &sin.sin_addr) != 1 || sin.sin_port == 0)
		return err_set(e, "TLSGATE_DNS must be an IPv4 ADDRESS:PORT, not \"%.60s\".", s);
	st->nscount = 1;
	st->nsaddr_list[0] = sin;
	for (int i = 0; i < MAXNS; i++) { /* IPv6 servers of resolv.conf: not used */
		free(st->_u._ext.nsaddrs[i]);
		st->_u._ext.nsaddrs[i] = NULL;
	}
	return 0;
}

/* The query with an EDNS0 OPT record asking for DNSSEC (DO) and the AD bit
 * set (RFC 6840 5.7): a validating resolver then reports its verdict. */
static int make_query(struct __res_state *st, const char *name, int type, unsigned char *q, int max)
{
	static const unsigned char opt[] = { 0, 0, 41, 0x04, 0xd0, 0, 0, 0x80, 0, 0, 0 };
	int n = res_nmkquery(st, ns_o_query, name, ns_c_in, type, NULL, 0, NULL, q, max);
	HEADER *h = (HEADER *)q;

	if (n < 0 || n + (int)sizeof(opt) > max)
		return -1;
	memcpy(q + n, opt, sizeof(opt));
	h->arcount = htons(1);
	h->ad = 1;
	h->rd = 1;
	return n + (int)sizeof(opt);
}

/* The smallest TTL of the answer (or of the SOA for a denial). */
static unsigned answer_ttl(ns_msg *msg, enum dns_status status)
{
	ns_sect sect = status == DNS_ANSWER ? ns_s_an : ns_s_ns;
	unsigned ttl = DNS_TTL_MAX;
	int seen = 0;

	for (int i = 0; i < ns_msg_count(*msg, sect); i++) {
		ns_rr rr;
		if (ns_parserr(msg, sect, i, &rr) < 0)
			continue;
		if (status != DNS_ANSWER && ns_rr_type(rr) != ns_t_soa)
			continue;
		if (ns_rr_ttl(rr) < ttl)
			ttl = ns_rr_ttl(rr);
		if (status != DNS_ANSWER && ns_rr_rdlen(rr) >= 4) {
			unsigned minimum = ns_get32(ns_rr_rdata(rr) + ns_rr_rdlen(rr) - 4);
			if (minimum < ttl)
				ttl = minimum;
		}
		seen = 1;
	}
	return seen ? ttl : 0;
}

static void cache_put(const char *key, const struct dns_answer *a, unsigned ttl)
{
	time_t now = time(NULL);
	struct cached *slot = NULL;

	if (ttl == 0)
		return;
	pthread_mutex_lock(&cache_lock);
	for (int i = 0; i < DNS_CACHE_MAX; i++) {
		struct cached *c = &cache[i];
		if (!c->a || c->expires <= now || strcmp(c->key, key) == 0) {
			slot = c;
			break;
		}
		if (!slot || c->expires < slot->expires)
			slot = c; /* full: the entry closest to expiry goes */
	}
	if (!slot->a)
		slot->a = malloc(sizeof(*slot->a));
	if (slot->a) {
		snprintf(slot->key, sizeof(slot->key), "%s", key);
		memcpy(slot->a, a, sizeof(*a));
		slot->expires = now + ttl;
	}
	pthread_mutex_unlock(&cache_lock);
}

static int cache_get(const char *key, struct dns_answer *out)
{
	time_t now = time(NULL);
	int found = 0;

	pthread_mutex_lock(&cache_lock);
	for (int i = 0; i < DNS_CACHE_MAX && !found; i++)
		if (cache[i].a && cache[i].expires > now && strcmp(cache[i].key, key) == 0) {
			memcpy(out, cache[i].a, sizeof(*out));
			found = 1;
		}
	pthread_mutex_unlock(&cache_lock);
	return found;
}

void dns_cache_clear(void)
{
	pthread_mutex_lock(&cache_lock);
	for (int i = 0; i < DNS_CACHE_MAX; i++) {
		free(cache[i].a);
		cache[i].a = NULL;
	}
	pthread_mutex_unlock(&cache_lock);
}

static const char *rcode_text(int rcode)
{
	switch (rcode) {
	case ns_r_servfail: return "SERVFAIL: the resolver could not validate or reach the zone";
	case ns_r_refused: return "REFUSED by the resolver";
	case ns_r_formerr: return "FORMERR";
	default: return "an unexpected DNS error";
	}
}

int dns_query(const char *name, int type, struct dns_answer *out, struct err *e)
{
	struct __res_state st;
	unsigned char q[NS_PACKETSZ + 64];
	char key[300];
	ns_msg msg;
	int qlen, rcode;

	snprintf(key, sizeof(key), "%d %.280s", type, name);
	if (cache_get(key, out))
		return 0;
	memset(&st, 0, sizeof(st));
	if (res_ninit(&st) != 0)
		return err_set(e, "Cannot read the resolver configuration.");
	st.options |= RES_USE_EDNS0 | RES_USE_DNSSEC | RES_TRUSTAD;
	st.retrans = DNS_TIMEOUT_SECS;
	st.retry = 2;
	if (use_server(&st, e) < 0) {
		res_nclose(&st);
		return -1;
	}
	if ((qlen = make_query(&st, name, type, q, sizeof(q))) < 0) {
		res_nclose(&st);
		return err_set(e, "\"%.200s\" is not a DNS name.", name);
	}
	out->len = res_nsend(&st, q, qlen, out->msg, sizeof(out->msg));
	res_nclose(&st);
	if (out->len < 0)
		/* glibc answers -1 for SERVFAIL and REFUSED too (it tries the next
		 * server, then gives up): a bogus signature ends here. */
		return err_set(e, "SERVFAIL or no answer from the DNS resolver %s", dns_server());
	if (ns_initparse(out->msg, out->len, &msg) < 0)
		return err_set(e, "a malformed answer from the DNS resolver");
	rcode = ns_msg_getflag(msg, ns_f_rcode);
	if (rcode != ns_r_noerror && rcode != ns_r_nxdomain)
		return err_set(e, "%s", rcode_text(rcode));
	out->secure = ns_msg_getflag(msg, ns_f_ad) != 0;
	out->status = rcode == ns_r_nxdomain ? DNS_NXDOMAIN : DNS_NODATA;
	for (int i = 0; i < ns_msg_count(msg, ns_s_an); i++) {
		ns_rr rr;
		if (ns_parserr(&msg, ns_s_an, i, &rr) == 0 && (int)ns_rr_type(rr) == type)
			out->status = DNS_ANSWER;
	}
	cache_put(key, out, answer_ttl(&msg, out->status));
	return 0;
}
