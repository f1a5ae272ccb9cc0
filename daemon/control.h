/* control: the daemon's side of $HOME/tlsgated.sock (mode 0600), the socket
 * the shell uses after a commit. One line each way:
 *   "apply N\n"  ->  "applied N\n" | "error TEXT\n"
 *   "status\n"   ->  "version N\n" (the applied version) */
#ifndef TLSGATE_CONTROL_H
#define TLSGATE_CONTROL_H

#include "../core/err.h"

struct daemon;
struct control;

/* Refuses to start when another daemon answers on the socket. */
int control_start(struct daemon *d, struct control **out, struct err *e);
/* Closes the clients and removes the socket. NULL is fine. */
void control_free(struct control *c);

#endif
