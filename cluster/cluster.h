/* cluster: this machine's membership of a cluster, kept in HOME/cluster.conf
 * (mode 0600: it may hold etcd credentials). It is machine-local and never
 * replicated. Its absence means a standalone machine.
 *
 * The cluster's committed configuration lives in etcd under /tlsgate/:
 *   /tlsgate/name              the cluster's name
 *   /tlsgate/version           the latest committed version number (decimal)
 *   /tlsgate/config            that version, a JSON snapshot (cluster/snapshot.h)
 *   /tlsgate/members/MACHINE   each member's last report (JSON: version, time)
 *   /tlsgate/removed/MACHINE   set by REMOVEMACHINE: that machine's follower
 *                              leaves (removes its cluster.conf) and deletes it
 * A commit is one etcd transaction: "version is still BASE" -> put version
 * and config. */
#ifndef TLSGATE_CLUSTER_H
#define TLSGATE_CLUSTER_H

#include "../core/err.h"
#include "etcd.h"

#define CLUSTER_KEY_NAME    "/tlsgate/name"
#define CLUSTER_KEY_VERSION "/tlsgate/version"
#define CLUSTER_KEY_CONFIG  "/tlsgate/config"
#define CLUSTER_KEY_MEMBERS "/tlsgate/members/"
#define CLUSTER_KEY_REMOVED "/tlsgate/removed/"

struct cluster_conf {
	char name[64];
	char machine[64];
	char group[64];
	char endpoints[2048];
	char disconnected[4]; /* "1": DISCONNECT (no following, no commits) */
	struct etcd etcd;
};

/* 1 and `c` filled when HOME/cluster.conf exists; 0 on a standalone
 * machine; -1 when the file is unreadable or malformed. */
int cluster_conf_load(const char *home, struct cluster_conf *c, struct err *e);
/* Writes HOME/cluster.conf atomically (a temporary file renamed), 0600. */
int cluster_conf_save(const char *home, const struct cluster_conf *c, struct err *e);
int cluster_conf_remove(const char *home, struct err *e);

/* A name for a cluster, machine or group: 1-63 of [A-Za-z0-9_.-]. */
int cluster_check_name(const char *what, const char *name, struct err *e);

#endif
