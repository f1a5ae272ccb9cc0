/* smtp_engine: the inbound SMTP listener. Sockets, timeouts, STARTTLS with the
 * inbound context of the moment, and the spool; the protocol itself is
 * core/smtp_proto's state machine. */
#ifndef TLSGATE_SMTP_ENGINE_H
#define TLSGATE_SMTP_ENGINE_H

#include <stdbool.h>
#include <stddef.h>

#include "../core/err.h"

struct engine_env;
struct smtp_engine;
struct inbound;

/* The main thread's engine: a socket per listener of *env->inbound, the
 * spool, the counts every engine shares (smtp_shared.h). */
int smtp_engine_start(const struct engine_env *env, struct smtp_engine **out, struct err *e);
/* A worker's engine (env: the worker's loop): a socket of its own beside
 * each of `first`'s (SO_REUSEPORT), first's spool and counts. Freed before
 * `first`. */
int smtp_engine_start_beside(const struct engine_env *env, struct smtp_engine *first,
			     struct smtp_engine **out, struct err *e);
/* Makes the open sockets of every engine (engs[0]: the first) those of
 * `in`'s listeners: opens the new ones of all engines first (-1, nothing
 * changed anywhere, when one cannot listen), then closes those no longer
 * configured; sessions stay on the listener they came through. Run by the
 * daemon's holder while the other engines' threads are parked. */
int smtp_engines_sync(struct smtp_engine *const *engs, size_t n, const struct inbound *in,
		      struct err *e);
/* -1 if a socket of the first engine's listeners (of those this sync is
 * adding, with `added`) has more listeners on its address than `engines`:
 * another process joined it with SO_REUSEPORT at the same moment. */
int smtp_engine_check_sockets(const struct smtp_engine *first, unsigned engines, bool added,
			      struct err *e);
/* Closes every listening socket. */
void smtp_engine_close_all(struct smtp_engine *s);
/* Closes the listener and every session. NULL is fine. */
void smtp_engine_free(struct smtp_engine *s);

#endif
