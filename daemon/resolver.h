/* resolver: resolve_destination() off the event loop. res_query and
 * getaddrinfo block, so one worker thread takes requests from a queue and
 * hands results back to the loop through a pipe; the loop never waits on DNS.
 * One thread is enough: lookups are per destination domain, not per message. */
#ifndef TLSGATE_RESOLVER_H
#define TLSGATE_RESOLVER_H

#include <event2/event.h>

#include "../core/err.h"
#include "../os/resolve.h"

struct resolver;

/* Runs on the loop. `rc` -1: `why` says why, `temporary` whether to retry. */
typedef void (*resolver_done_fn)(void *arg, int rc, const struct resolved *r, int temporary,
				 const char *why);

int resolver_start(struct event_base *base, struct resolver **out, struct err *e);
/* `route` is copied (NULL: DNS). `fn` is called exactly once, later. */
void resolver_submit(struct resolver *r, const char *domain, const struct route *route,
		     resolver_done_fn fn, void *arg);
/* Any other blocking lookup (reverse DNS): `work` runs on the worker thread,
 * then `after` on the loop — also from resolver_free for a job not run yet,
 * so the job's memory is never lost. */
typedef void (*resolver_job_fn)(void *arg);
void resolver_run(struct resolver *r, resolver_job_fn work, resolver_job_fn after, void *arg);
/* Stops the thread; pending callbacks are not called. */
void resolver_free(struct resolver *r);

#endif
