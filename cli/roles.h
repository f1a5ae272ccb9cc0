/* roles: the console's side of access control: refusing a command the
 * session's role does not allow, and logging it. Who has which role is
 * db/roles.h. */
#ifndef TLSGATE_ROLES_H
#define TLSGATE_ROLES_H

#include <stdbool.h>
#include <stddef.h>

#include "../db/roles.h"
#include "session.h"

#define ROLE_DENIED_MSG "You are not in the correct access group to use this command."

/* Checks the session's role; on refusal prints ROLE_DENIED_MSG, logs the
 * attempt ("sslconfig INBOUND") to logs/cli_logs and returns false. */
bool role_check(struct session *s, enum role need, const char *what);

/* Logs a refused attempt without printing (scp, whose stdout is the protocol). */
void role_log_refusal(struct session *s, const char *what);

#endif
