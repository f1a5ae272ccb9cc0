/* net: listening sockets from "ADDR:PORT" specifications, and the addresses
 * of a connection as the mail log prints them. */
#ifndef TLSGATE_NET_H
#define TLSGATE_NET_H

#include <stddef.h>

#include "../core/err.h"

/* "127.0.0.1:8443", "[::1]:8443". Non-blocking, close-on-exec, SO_REUSEADDR,
 * TCP_NODELAY (inherited by accepted sockets on Linux), listening. */
int net_listen(const char *spec, int *fd, struct err *e);
/* Could `spec` be bound here now? 0, or the errno of bind() (EADDRINUSE:
 * another socket listens on it). Binds nothing beyond the call. */
int net_probe_bind(const char *spec);

struct net_peer {
	char local[64];  /* "127.0.0.1" */
	char remote[64]; /* "127.0.0.1" */
	unsigned remote_port;
};
void net_describe(int fd, struct net_peer *out);
/* A numeric IPv4 or IPv6 address and a port as a socket address (both
 * outbound paths, delivery and tlsverify, connect with it). -1 if `addr` is
 * not numeric. */
struct sockaddr_storage;
int net_sockaddr(const char *addr, unsigned port, struct sockaddr_storage *ss, unsigned *len);
/* Disables Nagle on a connected socket (small SMTP replies go out at once). */
void net_nodelay(int fd);

#endif
