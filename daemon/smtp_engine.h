/* smtp_engine: the inbound SMTP listener. Sockets, timeouts, STARTTLS with the
 * inbound context of the moment, and the spool; the protocol itself is
 * core/smtp_proto's state machine. */
#ifndef TLSGATE_SMTP_ENGINE_H
#define TLSGATE_SMTP_ENGINE_H

#include "../core/err.h"

struct daemon;
struct smtp_engine;

int smtp_engine_start(struct daemon *d, struct smtp_engine **out, struct err *e);
/* Closes the listener and every session. NULL is fine. */
void smtp_engine_free(struct smtp_engine *s);

#endif
