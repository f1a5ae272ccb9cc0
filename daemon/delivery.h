/* delivery: the outbound engine on tlsgated's event loop. It scans the spool,
 * claims each message in memory (one daemon per home, so a claim needs no
 * file), groups messages by destination domain, and opens connections within
 * the domain's concurrency and messages-per-connection limits, driving the
 * core SMTP client (core/smtp_client.h) with the domain's TLS level. */
#ifndef TLSGATE_DELIVERY_H
#define TLSGATE_DELIVERY_H

#include "../core/err.h"
#include "../tls/outbound.h"

struct engine_env;
struct delivery;

/* Starts on the engines' handle (engine.h) with the outbound configuration
 * of the applied version. */
int delivery_start(const struct engine_env *env, struct outbound *ob, struct delivery **out,
		   struct err *e);
/* A new version was applied: new connections use `ob`; connections open
 * now finish under the configuration they started with. */
void delivery_set_outbound(struct delivery *dl, struct outbound *ob);
void delivery_free(struct delivery *dl);

#endif
