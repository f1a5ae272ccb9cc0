/* control_client: the shell's side of the control socket. After a commit the
 * shell asks tlsgated to apply the new version and waits, bounded, for it. */
#ifndef TLSGATE_CONTROL_CLIENT_H
#define TLSGATE_CONTROL_CLIENT_H

#include <stddef.h>

/* APPLY_UNREACHABLE: the socket is there but may not be used (its mode);
 * the daemon still applies the version by itself (daemon/db_watch.c). */
enum apply_result { APPLY_DONE, APPLY_NOT_RUNNING, APPLY_UNREACHABLE, APPLY_FAILED };

/* `reply` receives the daemon's error text (APPLY_FAILED) or why it could
 * not be reached. */
enum apply_result control_apply(const char *home, long version, int timeout_ms, char *reply,
				size_t len);

#endif
