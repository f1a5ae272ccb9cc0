/* rdns: getnameinfo, then getaddrinfo on the name, compared. */
#include "rdns.h"

#include <netdb.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>

struct rdns_job {
	struct sockaddr_storage sa;
	socklen_t len;
	char host[NI_MAXHOST];
	bool verified;
	rdns_done_fn fn; /* NULL once cancelled */
	void *arg;
};

static bool same_address(const struct sockaddr *a, const struct sockaddr *b)
{
	if (a->sa_family != b->sa_family)
		return false;
	if (a->sa_family == AF_INET)
		return memcmp(&((const struct sockaddr_in *)(const void *)a)->sin_addr,
			      &((const struct sockaddr_in *)(const void *)b)->sin_addr,
			      sizeof(struct in_addr)) == 0;
	return memcmp(&((const struct sockaddr_in6 *)(const void *)a)->sin6_addr,
		      &((const struct sockaddr_in6 *)(const void *)b)->sin6_addr,
		      sizeof(struct in6_addr)) == 0;
}

static void work(void *arg)
{
	struct rdns_job *j = arg;
	struct addrinfo hints = { .ai_socktype = SOCK_STREAM }, *res = NULL;

	if (getnameinfo((struct sockaddr *)&j->sa, j->len, j->host, sizeof(j->host), NULL, 0,
			NI_NAMEREQD) != 0) {
		j->host[0] = '\0';
		return;
	}
	hints.ai_family = j->sa.ss_family;
	if (getaddrinfo(j->host, NULL, &hints, &res) != 0)
		return;
	for (struct addrinfo *ai = res; ai && !j->verified; ai = ai->ai_next)
		j->verified = same_address(ai->ai_addr, (struct sockaddr *)&j->sa);
	freeaddrinfo(res);
}

static void after(void *arg)
{
	struct rdns_job *j = arg;

	if (j->fn)
		j->fn(j->arg, j->host, j->verified);
	free(j);
}

struct rdns_job *rdns_lookup(struct resolver *r, const struct sockaddr *sa, socklen_t len,
			     rdns_done_fn fn, void *arg)
{
	struct rdns_job *j = calloc(1, sizeof(*j));

	if (!j)
		abort();
	if (len > sizeof(j->sa))
		len = sizeof(j->sa);
	memcpy(&j->sa, sa, len);
	j->len = len;
	j->fn = fn;
	j->arg = arg;
	resolver_run(r, work, after, j);
	return j;
}

void rdns_cancel(struct rdns_job *j)
{
	if (j)
		j->fn = NULL;
}
