/* cluster_watch: a cluster member's tlsgated follows the cluster's etcd. A
 * thread reads etcd's /tlsgate/version (one linearizable range request on a
 * key of a few bytes), then waits for its next change on etcd's watch stream
 * (/v3/watch from the revision read, in windows of CLUSTER_WATCH_MS; when no
 * endpoint can be watched it polls every CLUSTER_POLL_MS). When the cluster
 * is ahead of the local database it fetches the cluster's document, writes
 * this machine's effective configuration into the local SQLite (its own
 * connection) and has its daemon apply it through the control socket. etcd down:
 * nothing changes here and the engines keep serving the last local version.
 * Every CLUSTER_REPORT_MS the member reports its local version under
 * /tlsgate/members/MACHINE (clusterconfig LIST / CONNSTATUS read it).
 * HOME/cluster.conf is read on every poll, so a join or a removal takes
 * effect without restarting. A standalone machine polls nothing. */
#ifndef TLSGATE_CLUSTER_WATCH_H
#define TLSGATE_CLUSTER_WATCH_H

#include "../core/err.h"

#define CLUSTER_POLL_MS   200
#define CLUSTER_WATCH_MS  500 /* also bounds how long stopping the thread waits */
#define CLUSTER_REPORT_MS 2000

struct cluster_watch;

int cluster_watch_start(const char *home, struct cluster_watch **out, struct err *e);
/* Stops the thread (bounded by one etcd request's timeout) and frees. */
void cluster_watch_stop(struct cluster_watch *w);

#endif
