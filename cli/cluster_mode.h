/* cluster_mode: the session's configuration level on a cluster member
 * (cluster, group NAME, machine NAME): clustermode, the prompt, the gate. */
#ifndef TLSGATE_CLUSTER_MODE_H
#define TLSGATE_CLUSTER_MODE_H

#include <stddef.h>

#include "../cluster/cluster.h"
#include "../cluster/levels.h"
#include "session.h"

/* 1 and the level (and `c` if given) on a member; 0 on a standalone machine. */
int cluster_mode_get(struct session *s, struct cluster_conf *c, struct level_ref *lv);
/* "(Cluster NAME)> " etc. into buf: 1 on a member, 0 otherwise. */
int cluster_prompt(struct session *s, char *buf, size_t len);
/* Before a command runs on a member: the restrictions and the level
 * question. 0 go on; -1 the command must not run. */
/* Before each command on a member: the console reads the session's level
 * (cluster, cluster+group, cluster+group+machine) from etcd as its committed
 * configuration (db_set_view); standalone, or etcd unreachable: none. */
void cluster_view_refresh(struct session *s, const char *command);
int cluster_mode_gate(struct session *s, const char *command);

#endif
