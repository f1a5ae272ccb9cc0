/* https_engine: the GUI HTTPS service. Serves the read-only SSL Configuration
 * page (GET /) and its JSON (GET /api/sslconfig) over TLS with the GUI HTTPS
 * context of the moment, through libevent's evhttp. */
#ifndef TLSGATE_HTTPS_ENGINE_H
#define TLSGATE_HTTPS_ENGINE_H

#include "../core/err.h"

struct daemon;
struct https_engine;

int https_engine_start(struct daemon *d, struct https_engine **out, struct err *e);
/* Closes the listener and every connection. NULL is fine. */
void https_engine_free(struct https_engine *h);

#endif
