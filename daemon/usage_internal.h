/* usage_internal: what usage.c and usage_metrics.c share. */
#ifndef TLSGATE_USAGE_INTERNAL_H
#define TLSGATE_USAGE_INTERNAL_H

#include <pthread.h>
#include <stdbool.h>
#include <time.h>

#include "usage.h"

struct usage {
	struct daemon *d;
	pthread_mutex_t lock;       /* the tables: HTTPS workers count from their threads */
	struct usage_table *hourly; /* since the last flush, with hours and peers */
	struct usage_table *totals; /* since start, for the metrics */
	struct event *timer;
	time_t last_prune;
	unsigned long long flush_failures;
	bool failing;
};

#endif
