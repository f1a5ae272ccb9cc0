/* net_listeners: how many listening TCP sockets of this network namespace
 * are bound to the address a socket is bound to, read from
 * /proc/self/net/tcp{,6} (sock_diag needs AF_NETLINK, which the systemd
 * unit does not allow). With SO_REUSEPORT, a second process of the same
 * user may join the address between tlsgated's probe and its bind; the
 * count after binding shows it. */
#include "net.h"

#include <netinet/in.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

/* The kernel prints an address as the 32-bit words it stores, each with
 * %08X, then the port in host order: "0100007F:20FB" for 127.0.0.1:8443. */
static int kernel_form(const struct sockaddr_storage *ss, char *buf, size_t len)
{
	uint32_t w[4];

	if (ss->ss_family == AF_INET) {
		const struct sockaddr_in *in = (const struct sockaddr_in *)(const void *)ss;
		memcpy(w, &in->sin_addr, 4);
		snprintf(buf, len, "%08X:%04X", w[0], ntohs(in->sin_port));
		return 0;
	}
	if (ss->ss_family == AF_INET6) {
		const struct sockaddr_in6 *in6 = (const struct sockaddr_in6 *)(const void *)ss;
		memcpy(w, &in6->sin6_addr, 16);
		snprintf(buf, len, "%08X%08X%08X%08X:%04X", w[0], w[1], w[2], w[3],
			 ntohs(in6->sin6_port));
		return 0;
	}
	return -1;
}

int net_listeners_at(int fd)
{
	struct sockaddr_storage ss;
	socklen_t slen = sizeof(ss);
	char want[64], local[64], state[8], line[512];
	FILE *f;
	int n = 0;

	if (getsockname(fd, (struct sockaddr *)&ss, &slen) < 0 ||
	    kernel_form(&ss, want, sizeof(want)) < 0)
		return -1;
	f = fopen(ss.ss_family == AF_INET ? "/proc/self/net/tcp" : "/proc/self/net/tcp6", "re");
	if (!f)
		return -1;
	/* "  sl  local_address rem_address   st ...": state 0A is LISTEN. */
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, " %*s %63s %*s %7s", local, state) == 2 &&
		    strcmp(state, "0A") == 0 && strcmp(local, want) == 0)
			n++;
	fclose(f);
	return n;
}
