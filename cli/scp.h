/* scp: the remote end of `scp -O` (the legacy scp protocol AsyncOS automation
 * uses) for console users, confined to $TLSGATE_HOME/configuration/. SFTP is
 * refused: see docs/SSH.md for why. */
#ifndef TLSGATE_SCP_H
#define TLSGATE_SCP_H

#include <stdbool.h>

#include "session.h"

/* The command line is "scp ..." (sshd's SSH_ORIGINAL_COMMAND, or -c when
 * tlsgate is the login shell). */
bool scp_is_command(const char *line);
/* The command line starts the SFTP subsystem. */
bool scp_is_sftp(const char *line);

/* Runs the sink (scp -t) or the source (scp -f) on stdin/stdout; nothing
 * else is written to stdout. Returns the exit status. */
int scp_run(struct session *s, const char *line);

/* Refuses an SFTP session: logged, and said on stderr (which sshd discards
 * for a subsystem: the client only sees the connection close). Returns the
 * exit status (1). */
int scp_refuse_sftp(struct session *s);

#endif
