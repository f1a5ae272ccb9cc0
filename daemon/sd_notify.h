/* sd_notify: tells systemd (Type=notify) that the daemon is ready, or is
 * reloading or stopping, with one datagram to $NOTIFY_SOCKET — the protocol
 * of sd_notify(3), without linking libsystemd. Without $NOTIFY_SOCKET (not
 * started by systemd) it does nothing. */
#ifndef TLSGATE_SD_NOTIFY_H
#define TLSGATE_SD_NOTIFY_H

/* Sends `state` ("READY=1", "RELOADING=1", "STOPPING=1", ...). Returns 1 when
 * sent, 0 when there is no notify socket, -1 on error (errno set). */
int sd_notify_send(const char *state);

#endif
