/* cmd_sslconfig_cluster: sslconfig's CLUSTERSET and CLUSTERSHOW rows. */
#ifndef TLSGATE_CMD_SSLCONFIG_CLUSTER_H
#define TLSGATE_CMD_SSLCONFIG_CLUSTER_H

#include <stdbool.h>

#include "session.h"

/* The start of sslconfig's menu context: where the session's home is. */
struct sslconfig_home {
	const char *home;
};

bool sslconfig_in_cluster(const void *ctx, int arg);
int sslconfig_clusterset(struct session *s, void *ctx, int arg);
int sslconfig_clustershow(struct session *s, void *ctx, int arg);

#endif
