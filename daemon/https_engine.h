/* https_engine: the GUI HTTPS service. Serves the read-only SSL Configuration
 * page (GET /) and its JSON (GET /api/sslconfig) over TLS with the GUI HTTPS
 * context of the moment, through libevent's evhttp. */
#ifndef TLSGATE_HTTPS_ENGINE_H
#define TLSGATE_HTTPS_ENGINE_H

#include "../core/err.h"

struct engine_env;
struct https_engine;
struct web;

/* `web` (the WebUI, daemon/web.h) answers the requests it knows first; it
 * stays the caller's. The engine listens on `fd`, or on env->opt->https_addr
 * when fd < 0 (shared with the other workers' sockets when there are more:
 * daemon/workers.h); the connection caps are shared out among the workers. */
int https_engine_start(const struct engine_env *env, struct web *web, int fd,
		       struct https_engine **out, struct err *e);
/* The listening socket (for the workers' to bind beside). */
int https_engine_fd(const struct https_engine *h);
/* Closes the listener and every connection. NULL is fine. */
void https_engine_free(struct https_engine *h);

#endif
