/* resolve: smtproutes, MX, then A/AAAA; TLSA records for DANE. */
#include "resolve.h"

#include <arpa/inet.h>
#include <arpa/nameser.h>
#include <netdb.h>
#include <netinet/in.h>
#include <resolv.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dns.h"

unsigned resolve_mx_port(void)
{
	const char *s = getenv("TLSGATE_MX_PORT");
	long p = s ? strtol(s, NULL, 10) : 0;

	return p > 0 && p < 65536 ? (unsigned)p : 25;
}

static struct resolved_host *next_host(const char *name, unsigned port, struct resolved *out)
{
	struct resolved_host *h;

	if (out->count >= RESOLVE_MAX)
		return NULL;
	h = &out->hosts[out->count];
	memset(h, 0, sizeof(*h));
	snprintf(h->name, sizeof(h->name), "%s", name);
	h->port = port;
	return h;
}

/* getaddrinfo: /etc/hosts and the system resolver, no DNSSEC state. */
static int add_by_getaddrinfo(const char *name, unsigned port, struct resolved *out, int *temporary)
{
	struct addrinfo hints = { .ai_socktype = SOCK_STREAM, .ai_family = AF_UNSPEC }, *res, *ai;
	int rc = getaddrinfo(name, NULL, &hints, &res);

	if (rc != 0) {
		if (rc == EAI_AGAIN)
			*temporary = 1;
		return -1;
	}
	for (ai = res; ai; ai = ai->ai_next) {
		struct resolved_host *h = next_host(name, port, out);
		const void *a =
			ai->ai_family == AF_INET
				? (const void *)&((struct sockaddr_in *)ai->ai_addr)->sin_addr
				: (const void *)&((struct sockaddr_in6 *)ai->ai_addr)->sin6_addr;
		if (!h)
			break;
		if (inet_ntop(ai->ai_family, a, h->addr, sizeof(h->addr)))
			out->count++;
	}
	freeaddrinfo(res);
	return 0;
}

/* A and AAAA through os/dns.c, with their DNSSEC state. */
static int add_by_dns(const char *name, unsigned port, struct resolved *out, int *temporary)
{
	static const int types[] = { ns_t_a, ns_t_aaaa };
	struct dns_answer *a = malloc(sizeof(*a));
	size_t first = out->count;
	bool secure = true;
	struct err e;

	if (!a)
		abort();
	for (size_t t = 0; t < 2; t++) {
		ns_msg msg;
		if (dns_query(name, types[t], a, &e) < 0) {
			*temporary = 1;
			continue;
		}
		secure = secure && a->secure;
		if (a->status != DNS_ANSWER || ns_initparse(a->msg, a->len, &msg) < 0)
			continue;
		for (int i = 0; i < ns_msg_count(msg, ns_s_an); i++) {
			ns_rr rr;
			struct resolved_host *h;
			if (ns_parserr(&msg, ns_s_an, i, &rr) < 0 ||
			    (int)ns_rr_type(rr) != types[t] ||
			    ns_rr_rdlen(rr) != (types[t] == ns_t_a ? 4 : 16) ||
			    !(h = next_host(name, port, out)))
				continue;
			if (inet_ntop(types[t] == ns_t_a ? AF_INET : AF_INET6, ns_rr_rdata(rr),
				      h->addr, sizeof(h->addr)))
				out->count++;
		}
	}
	free(a);
	for (size_t i = first; i < out->count; i++)
		out->hosts[i].addr_secure = secure;
	return out->count > first ? 0 : -1;
}

static int add_addresses(const char *name, unsigned port, bool dane, struct resolved *out,
			 int *temporary)
{
	unsigned char buf[16];
	struct resolved_host *h;

	if (inet_pton(AF_INET, name, buf) == 1 || inet_pton(AF_INET6, name, buf) == 1) {
		if (!(h = next_host(name, port, out)))
			return -1;
		snprintf(h->addr, sizeof(h->addr), "%s", name);
		out->count++;
		return 0;
	}
	/* DANE needs the DNSSEC state; a resolver given by TLSGATE_DNS must
	 * answer every question (getaddrinfo would ask resolv.conf's). */
	if (dane || getenv("TLSGATE_DNS"))
		return add_by_dns(name, port, out, temporary);
	return add_by_getaddrinfo(name, port, out, temporary);
}

struct mx {
	int pref;
	char name[256];
};

static int by_pref(const void *a, const void *b)
{
	return ((const struct mx *)a)->pref - ((const struct mx *)b)->pref;
}

/* MX records of `domain` sorted by preference. 0 with *count 0 when the
 * domain has none (or does not exist); -1 when the lookup failed. */
static int mx_lookup(const char *domain, struct mx *mx, int max, int *count, bool *secure,
		     struct err *e)
{
	struct dns_answer *a = malloc(sizeof(*a));
	ns_msg msg;
	int n = 0;

	if (!a)
		abort();
	*count = 0;
	if (dns_query(domain, ns_t_mx, a, e) < 0) {
		free(a);
		return -1;
	}
	*secure = a->secure;
	if (a->status == DNS_ANSWER && ns_initparse(a->msg, a->len, &msg) == 0)
		for (int i = 0; i < ns_msg_count(msg, ns_s_an) && n < max; i++) {
			ns_rr rr;
			if (ns_parserr(&msg, ns_s_an, i, &rr) < 0 || ns_rr_type(rr) != ns_t_mx ||
			    ns_rr_rdlen(rr) < 3)
				continue;
			mx[n].pref = ns_get16(ns_rr_rdata(rr));
			if (ns_name_uncompress(ns_msg_base(msg), ns_msg_end(msg),
					       ns_rr_rdata(rr) + 2, mx[n].name,
					       sizeof(mx[n].name)) < 0)
				continue;
			n++;
		}
	free(a);
	qsort(mx, (size_t)n, sizeof(*mx), by_pref);
	*count = n;
	return 0;
}

/* The TLSA records of one host (RFC 7672 2.2.2: only when its address
 * records are validated; the TLSA base domain is the host name). */
static void tlsa_lookup(struct resolved_host *h, bool mx_secure)
{
	struct tlsa_set *t = &h->tlsa;
	struct dns_answer *a;
	unsigned char buf[16];
	struct err e;
	ns_msg msg;

	memset(t, 0, sizeof(*t));
	snprintf(t->name, sizeof(t->name), "_%u._tcp.%.255s", h->port, h->name);
	if (!mx_secure) {
		t->state = TLSA_INSECURE;
		snprintf(t->why, sizeof(t->why), "the MX records are not DNSSEC-validated");
		return;
	}
	if (inet_pton(AF_INET, h->name, buf) == 1 || inet_pton(AF_INET6, h->name, buf) == 1) {
		t->state = TLSA_INSECURE;
		snprintf(t->why, sizeof(t->why), "the host is an address, not a DNS name");
		return;
	}
	if (!h->addr_secure) {
		t->state = TLSA_INSECURE;
		snprintf(t->why, sizeof(t->why),
			 "the address records of %.100s are not DNSSEC-validated", h->name);
		return;
	}
	if (!(a = malloc(sizeof(*a))))
		abort();
	if (dns_query(t->name, ns_t_tlsa, a, &e) < 0) {
		t->state = TLSA_FAILED;
		snprintf(t->why, sizeof(t->why), "%.150s", e.msg);
	} else if (!a->secure) {
		t->state = TLSA_INSECURE;
		snprintf(t->why, sizeof(t->why), "the TLSA answer for %.120s is not validated",
			 t->name);
	} else if (a->status != DNS_ANSWER) {
		t->state = TLSA_NONE;
	} else if (ns_initparse(a->msg, a->len, &msg) == 0) {
		t->state = TLSA_FOUND;
		for (int i = 0; i < ns_msg_count(msg, ns_s_an); i++) {
			ns_rr rr;
			if (ns_parserr(&msg, ns_s_an, i, &rr) == 0 && ns_rr_type(rr) == ns_t_tlsa)
				tlsa_set_add(t, ns_rr_rdata(rr), ns_rr_rdlen(rr));
		}
	} else {
		t->state = TLSA_FAILED;
		snprintf(t->why, sizeof(t->why), "a malformed answer");
	}
	free(a);
}

/* The TLSA records of every host, each name looked up once. */
static void tlsa_all(struct resolved *out)
{
	for (size_t i = 0; i < out->count; i++) {
		struct resolved_host *h = &out->hosts[i];
		size_t j;
		for (j = 0; j < i; j++)
			if (strcmp(out->hosts[j].name, h->name) == 0 &&
			    out->hosts[j].port == h->port &&
			    out->hosts[j].addr_secure == h->addr_secure)
				break;
		if (j < i)
			h->tlsa = out->hosts[j].tlsa;
		else
			tlsa_lookup(h, out->mx_secure);
	}
}

int resolve_destination(const char *domain, const struct route *route, bool dane, bool sts,
			struct resolved *out, int *temporary, struct err *e)
{
	struct mx mx[RESOLVE_MAX];
	struct err why;
	int n = 0;

	memset(out, 0, sizeof(*out));
	*temporary = 0;
	if (route) {
		out->via_route = 1;
		out->mx_secure = true; /* the administrator named the hosts */
		for (size_t i = 0; i < route->count; i++)
			add_addresses(route->hosts[i].host, route->hosts[i].port, dane, out,
				      temporary);
		if (out->count == 0)
			return err_set(e, "The route's hosts for %.200s have no address.", domain);
		if (dane)
			tlsa_all(out);
		return 0;
	}
	/* A failed MX lookup never falls back to the address (RFC 5321 5.1):
	 * with DNSSEC, a SERVFAIL may be an attack on it. */
	if (mx_lookup(domain, mx, RESOLVE_MAX, &n, &out->mx_secure, &why) < 0) {
		*temporary = 1;
		return err_set(e,
			       "No MX or address record was found for %.200s (the DNS server did "
			       "not answer; will retry: %.150s).",
			       domain, why.msg);
	}
	for (int i = 0; i < n; i++)
		add_addresses(mx[i].name, resolve_mx_port(), dane, out, temporary);
	/* No MX: the domain itself is the mail exchanger (RFC 5321 5.1). */
	if (n == 0)
		add_addresses(domain, resolve_mx_port(), dane, out, temporary);
	if (out->count) {
		if (dane)
			tlsa_all(out);
		if (sts)
			mta_sts_lookup(domain, &out->sts);
		return 0;
	}
	return err_set(e, "No MX or address record was found for %.200s%s.", domain,
		       *temporary ? " (the DNS server did not answer; will retry)" : "");
}
