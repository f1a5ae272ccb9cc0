/* smtp_engine: the inbound SMTP listener. Sockets, timeouts, STARTTLS with the
 * inbound context of the moment, and the spool; the protocol itself is
 * core/smtp_proto's state machine. */
#ifndef TLSGATE_SMTP_ENGINE_H
#define TLSGATE_SMTP_ENGINE_H

#include "../core/err.h"

struct engine_env;
struct smtp_engine;
struct inbound;

/* Opens a socket per listener of *env->inbound. */
int smtp_engine_start(const struct engine_env *env, struct smtp_engine **out, struct err *e);
/* Makes the open sockets those of `in`'s listeners: opens the new ones
 * first (-1, nothing changed, when one cannot listen), then closes those no
 * longer configured; sessions stay on the listener they came through. */
int smtp_engine_sync(struct smtp_engine *s, const struct inbound *in, struct err *e);
/* Closes every listening socket. */
void smtp_engine_close_all(struct smtp_engine *s);
/* Closes the listener and every session. NULL is fine. */
void smtp_engine_free(struct smtp_engine *s);

#endif
