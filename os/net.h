/* net: listening sockets from "ADDR:PORT" specifications, and the addresses
 * of a connection as the mail log prints them. */
#ifndef TLSGATE_NET_H
#define TLSGATE_NET_H

#include <stdbool.h>
#include <stddef.h>

#include "../core/err.h"

/* "127.0.0.1:8443", "[::1]:8443". Non-blocking, close-on-exec, SO_REUSEADDR,
 * TCP_NODELAY (inherited by accepted sockets on Linux), listening. */
int net_listen(const char *spec, int *fd, struct err *e);
/* The same with SO_REUSEPORT, for the first of several workers' sockets. */
int net_listen_shared(const char *spec, int *fd, struct err *e);
/* Another worker's socket on the address `first` (net_listen_shared) is
 * bound to, its port included when `spec` asked for port 0. */
int net_listen_beside(int first, const char *spec, int *fd, struct err *e);
/* Listening sockets on the address `fd` is bound to (this process's and any
 * other's), -1 if it cannot be told. */
int net_listeners_at(int fd);
/* Could `spec` be bound here now? 0, or the errno of bind() (EADDRINUSE:
 * another socket listens on it). Binds nothing beyond the call. */
int net_probe_bind(const char *spec);

struct net_peer {
	char local[64];  /* "127.0.0.1" */
	char remote[64]; /* "127.0.0.1" */
	unsigned remote_port;
};
void net_describe(int fd, struct net_peer *out);
/* Without system calls per connection: the listener's own address, asked
 * once (false for a wildcard bind: then each connection's must be asked),
 * and the peer's from what accept() returned. */
struct sockaddr;
bool net_listen_local(int listen_fd, char *buf, size_t len);
void net_format_peer(const struct sockaddr *sa, struct net_peer *out);
/* Both: `local` the listener's fixed address, NULL to ask the socket. */
void net_describe_accepted(int fd, const struct sockaddr *sa, const char *local,
			   struct net_peer *out);
/* A numeric IPv4 or IPv6 address and a port as a socket address (both
 * outbound paths, delivery and tlsverify, connect with it). -1 if `addr` is
 * not numeric. */
struct sockaddr_storage;
int net_sockaddr(const char *addr, unsigned port, struct sockaddr_storage *ss, unsigned *len);
/* Disables Nagle on a connected socket (small SMTP replies go out at once). */
void net_nodelay(int fd);

#endif
