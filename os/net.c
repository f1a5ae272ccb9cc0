/* net: TCP listener setup and address formatting. */
#include "net.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#define LISTEN_BACKLOG 512

static int split_spec(const char *spec, char *host, size_t hlen, char *port, size_t plen)
{
	const char *colon;
	size_t n;

	if (spec[0] == '[') {
		const char *close = strchr(spec, ']');
		if (!close || close[1] != ':')
			return -1;
		n = (size_t)(close - spec - 1);
		if (n >= hlen)
			return -1;
		memcpy(host, spec + 1, n);
		host[n] = '\0';
		colon = close + 1;
	} else {
		colon = strrchr(spec, ':');
		if (!colon || (size_t)(colon - spec) >= hlen)
			return -1;
		n = (size_t)(colon - spec);
		memcpy(host, spec, n);
		host[n] = '\0';
	}
	if (!colon[1] || strlen(colon + 1) >= plen ||
	    strspn(colon + 1, "0123456789") != strlen(colon + 1))
		return -1;
	snprintf(port, plen, "%s", colon + 1);
	return 0;
}

static int open_listener(int family, const struct sockaddr *sa, socklen_t salen, bool shared,
			 const char *spec, struct err *e)
{
	int fd = socket(family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	int on = 1;

	if (fd < 0)
		return err_set(e, "Cannot create a socket for %s: %s", spec, strerror(errno));
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof(on));
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &on, sizeof(on));
	/* Workers: one socket each on the same address; the kernel spreads
	 * new connections over them (only sockets of the same user may join). */
	if (shared && setsockopt(fd, SOL_SOCKET, SO_REUSEPORT, &on, sizeof(on)) < 0) {
		err_set(e, "Cannot share %s between workers: %s", spec, strerror(errno));
		close(fd);
		return -1;
	}
	if (bind(fd, sa, salen) < 0 || listen(fd, LISTEN_BACKLOG) < 0) {
		err_set(e, "Cannot listen on %s: %s", spec, strerror(errno));
		close(fd);
		return -1;
	}
	return fd;
}

static int listen_spec(const char *spec, bool shared, int *fd, struct err *e)
{
	struct addrinfo hints = { .ai_socktype = SOCK_STREAM,
				  .ai_flags = AI_PASSIVE | AI_NUMERICHOST | AI_NUMERICSERV };
	struct addrinfo *ai;
	char host[256], port[16];
	int rc;

	if (split_spec(spec, host, sizeof(host), port, sizeof(port)) < 0)
		return err_set(e, "\"%s\" is not ADDRESS:PORT (e.g. 127.0.0.1:8443 or [::1]:8443).",
			       spec);
	rc = getaddrinfo(host, port, &hints, &ai);
	if (rc != 0)
		return err_set(e, "\"%s\": %s", spec, gai_strerror(rc));
	*fd = open_listener(ai->ai_family, ai->ai_addr, ai->ai_addrlen, shared, spec, e);
	freeaddrinfo(ai);
	return *fd < 0 ? -1 : 0;
}

int net_listen(const char *spec, int *fd, struct err *e)
{
	return listen_spec(spec, false, fd, e);
}

int net_listen_shared(const char *spec, int *fd, struct err *e)
{
	/* SO_REUSEPORT would let this join another process's socket on the
	 * address (a second tlsgated of the same user): refuse a taken one. */
	if (net_probe_bind(spec) == EADDRINUSE)
		return err_set(e, "Cannot listen on %s: %s", spec, strerror(EADDRINUSE));
	return listen_spec(spec, true, fd, e);
}

int net_listen_beside(int first, const char *spec, int *fd, struct err *e)
{
	struct sockaddr_storage ss;
	socklen_t len = sizeof(ss);

	if (getsockname(first, (struct sockaddr *)&ss, &len) < 0)
		return err_set(e, "Cannot read the address of %s: %s", spec, strerror(errno));
	*fd = open_listener(ss.ss_family, (struct sockaddr *)&ss, len, true, spec, e);
	return *fd < 0 ? -1 : 0;
}

int net_probe_bind(const char *spec)
{
	struct addrinfo hints = { .ai_socktype = SOCK_STREAM,
				  .ai_flags = AI_PASSIVE | AI_NUMERICHOST | AI_NUMERICSERV };
	struct addrinfo *ai;
	char host[256], port[16];
	int fd, on = 1, rc = 0;

	if (split_spec(spec, host, sizeof(host), port, sizeof(port)) < 0 ||
	    getaddrinfo(host, port, &hints, &ai) != 0)
		return EINVAL;
	fd = socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		rc = errno;
	} else {
		setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof(on));
		if (bind(fd, ai->ai_addr, ai->ai_addrlen) < 0)
			rc = errno;
		close(fd);
	}
	freeaddrinfo(ai);
	return rc;
}

static unsigned format_addr(const struct sockaddr_storage *ss, char *buf, size_t len)
{
	if (ss->ss_family == AF_INET) {
		const struct sockaddr_in *in = (const struct sockaddr_in *)ss;
		inet_ntop(AF_INET, &in->sin_addr, buf, (socklen_t)len);
		return ntohs(in->sin_port);
	}
	if (ss->ss_family == AF_INET6) {
		const struct sockaddr_in6 *in6 = (const struct sockaddr_in6 *)ss;
		inet_ntop(AF_INET6, &in6->sin6_addr, buf, (socklen_t)len);
		return ntohs(in6->sin6_port);
	}
	snprintf(buf, len, "unknown");
	return 0;
}

void net_describe(int fd, struct net_peer *out)
{
	struct sockaddr_storage ss;
	socklen_t len = sizeof(ss);

	memset(&ss, 0, sizeof(ss));
	if (getsockname(fd, (struct sockaddr *)&ss, &len) == 0)
		format_addr(&ss, out->local, sizeof(out->local));
	else
		snprintf(out->local, sizeof(out->local), "unknown");
	len = sizeof(ss);
	memset(&ss, 0, sizeof(ss));
	if (getpeername(fd, (struct sockaddr *)&ss, &len) == 0)
		out->remote_port = format_addr(&ss, out->remote, sizeof(out->remote));
	else
		snprintf(out->remote, sizeof(out->remote), "unknown");
}

/* The wildcard addresses: the connection's own local address must be asked. */
static bool wildcard(const struct sockaddr_storage *ss)
{
	if (ss->ss_family == AF_INET)
		return ((const struct sockaddr_in *)ss)->sin_addr.s_addr == htonl(INADDR_ANY);
	if (ss->ss_family == AF_INET6)
		return IN6_IS_ADDR_UNSPECIFIED(&((const struct sockaddr_in6 *)ss)->sin6_addr);
	return true;
}

bool net_listen_local(int listen_fd, char *buf, size_t len)
{
	struct sockaddr_storage ss;
	socklen_t sl = sizeof(ss);

	memset(&ss, 0, sizeof(ss));
	if (getsockname(listen_fd, (struct sockaddr *)&ss, &sl) < 0 || wildcard(&ss))
		return false;
	format_addr(&ss, buf, len);
	return true;
}

void net_describe_accepted(int fd, const struct sockaddr *sa, const char *local,
			   struct net_peer *out)
{
	struct sockaddr_storage ss;
	socklen_t len = sizeof(ss);

	memset(&ss, 0, sizeof(ss));
	if (local)
		snprintf(out->local, sizeof(out->local), "%s", local);
	else if (getsockname(fd, (struct sockaddr *)&ss, &len) == 0)
		format_addr(&ss, out->local, sizeof(out->local));
	else
		snprintf(out->local, sizeof(out->local), "unknown");
	net_format_peer(sa, out);
}

void net_format_peer(const struct sockaddr *sa, struct net_peer *out)
{
	struct sockaddr_storage ss;

	memset(&ss, 0, sizeof(ss));
	if (sa && sa->sa_family == AF_INET)
		memcpy(&ss, sa, sizeof(struct sockaddr_in));
	else if (sa && sa->sa_family == AF_INET6)
		memcpy(&ss, sa, sizeof(struct sockaddr_in6));
	out->remote_port = format_addr(&ss, out->remote, sizeof(out->remote));
}

void net_nodelay(int fd)
{
	int on = 1;

	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &on, sizeof(on));
}

int net_sockaddr(const char *addr, unsigned port, struct sockaddr_storage *ss, unsigned *len)
{
	struct sockaddr_in *v4 = (struct sockaddr_in *)ss;
	struct sockaddr_in6 *v6 = (struct sockaddr_in6 *)ss;

	memset(ss, 0, sizeof(*ss));
	if (inet_pton(AF_INET, addr, &v4->sin_addr) == 1) {
		v4->sin_family = AF_INET;
		v4->sin_port = htons((uint16_t)port);
		*len = sizeof(*v4);
	} else if (inet_pton(AF_INET6, addr, &v6->sin6_addr) == 1) {
		v6->sin6_family = AF_INET6;
		v6->sin6_port = htons((uint16_t)port);
		*len = sizeof(*v6);
	} else {
		return -1;
	}
	return 0;
}
