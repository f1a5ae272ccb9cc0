/* cluster_ops: clusterconfig's operations, shared by its one-line forms and
 * its menus (cli/cmd_cluster.c, cli/cmd_cluster_ops.c). */
#ifndef TLSGATE_CLUSTER_OPS_H
#define TLSGATE_CLUSTER_OPS_H

#include "../cluster/cluster.h"
#include "session.h"

/* user/password: etcd's credentials (NULL or "": none). */
int cluster_create(struct session *s, const char *name, const char *endpoints, const char *machine,
		   const char *user, const char *password);
int cluster_join(struct session *s, const char *endpoints, const char *user, const char *password,
		 const char *group, const char *machine);
int cluster_list(struct session *s, const struct cluster_conf *c);
int cluster_connstatus(struct session *s, const struct cluster_conf *c);
int member_put(const struct cluster_conf *c, long version, struct err *e);

#endif
