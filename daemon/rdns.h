/* rdns: the verified reverse DNS name of a client (AsyncOS's "reverse dns
 * host NAME verified yes"): its PTR name, whose forward lookup must give the
 * client's address back. Off the event loop, on the resolver's thread. */
#ifndef TLSGATE_RDNS_H
#define TLSGATE_RDNS_H

#include <stdbool.h>
#include <sys/socket.h>

#include "resolver.h"

struct rdns_job;
/* On the loop, once, unless cancelled: host "" when there is no name. */
typedef void (*rdns_done_fn)(void *arg, const char *host, bool verified);

struct rdns_job *rdns_lookup(struct resolver *r, const struct sockaddr *sa, socklen_t len,
			     rdns_done_fn fn, void *arg);
/* `fn` will not be called (the job frees itself later). */
void rdns_cancel(struct rdns_job *j);

#endif
