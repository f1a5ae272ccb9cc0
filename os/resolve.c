/* resolve: smtproutes, MX, then A/AAAA, with getaddrinfo for addresses. */
#include "resolve.h"

#include <arpa/inet.h>
#include <arpa/nameser.h>
#include <netdb.h>
#include <netinet/in.h>
#include <resolv.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The addresses of one host name, appended to out. */
static int add_addresses(const char *name, unsigned port, struct resolved *out, int *temporary)
{
	struct addrinfo hints = { .ai_socktype = SOCK_STREAM, .ai_family = AF_UNSPEC }, *res, *ai;
	int rc = getaddrinfo(name, NULL, &hints, &res);

	if (rc != 0) {
		if (rc == EAI_AGAIN)
			*temporary = 1;
		return -1;
	}
	for (ai = res; ai && out->count < RESOLVE_MAX; ai = ai->ai_next) {
		struct resolved_host *h = &out->hosts[out->count];
		const void *a =
			ai->ai_family == AF_INET
				? (const void *)&((struct sockaddr_in *)ai->ai_addr)->sin_addr
				: (const void *)&((struct sockaddr_in6 *)ai->ai_addr)->sin6_addr;
		if (!inet_ntop(ai->ai_family, a, h->addr, sizeof(h->addr)))
			continue;
		snprintf(h->name, sizeof(h->name), "%s", name);
		h->port = port;
		out->count++;
	}
	freeaddrinfo(res);
	return 0;
}

struct mx {
	int pref;
	char name[256];
};

static int by_pref(const void *a, const void *b)
{
	return ((const struct mx *)a)->pref - ((const struct mx *)b)->pref;
}

/* MX records of `domain` sorted by preference; -1 when none. */
static int mx_lookup(const char *domain, struct mx *mx, int max, int *count, int *temporary)
{
	unsigned char answer[4096];
	struct __res_state st;
	ns_msg msg;
	int len, n = 0;

	memset(&st, 0, sizeof(st));
	if (res_ninit(&st) != 0) {
		*temporary = 1;
		return -1;
	}
	len = res_nquery(&st, domain, ns_c_in, ns_t_mx, answer, sizeof(answer));
	if (len < 0) {
		*temporary = st.res_h_errno == TRY_AGAIN;
		res_nclose(&st);
		return -1;
	}
	res_nclose(&st);
	if (ns_initparse(answer, len, &msg) < 0)
		return -1;
	for (int i = 0; i < ns_msg_count(msg, ns_s_an) && n < max; i++) {
		ns_rr rr;
		if (ns_parserr(&msg, ns_s_an, i, &rr) < 0 || ns_rr_type(rr) != ns_t_mx ||
		    ns_rr_rdlen(rr) < 3)
			continue;
		mx[n].pref = ns_get16(ns_rr_rdata(rr));
		if (ns_name_uncompress(ns_msg_base(msg), ns_msg_end(msg), ns_rr_rdata(rr) + 2,
				       mx[n].name, sizeof(mx[n].name)) < 0)
			continue;
		n++;
	}
	qsort(mx, (size_t)n, sizeof(*mx), by_pref);
	*count = n;
	return n > 0 ? 0 : -1;
}

int resolve_destination(const char *domain, const struct route *route, struct resolved *out,
			int *temporary, struct err *e)
{
	struct mx mx[RESOLVE_MAX];
	int n = 0;

	memset(out, 0, sizeof(*out));
	*temporary = 0;
	if (route) {
		out->via_route = 1;
		for (size_t i = 0; i < route->count; i++)
			add_addresses(route->hosts[i].host, route->hosts[i].port, out, temporary);
		if (out->count == 0)
			return err_set(e, "The route's hosts for %.200s have no address.", domain);
		return 0;
	}
	if (mx_lookup(domain, mx, RESOLVE_MAX, &n, temporary) == 0) {
		for (int i = 0; i < n; i++)
			add_addresses(mx[i].name, 25, out, temporary);
		if (out->count)
			return 0;
	}
	/* No MX: the domain itself is the mail exchanger (RFC 5321 5.1). */
	if (add_addresses(domain, 25, out, temporary) == 0 && out->count)
		return 0;
	return err_set(e, "No MX or address record was found for %.200s%s.", domain,
		       *temporary ? " (the DNS server did not answer; will retry)" : "");
}
