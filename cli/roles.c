/* roles: the refusal of a command the session's role does not allow, and its
 * audit line. */
#include "roles.h"

#include <stdio.h>
#include <string.h>

#include "../os/audit.h"

void role_log_refusal(struct session *s, const char *what)
{
	audit_event(s->home, "Warning", "access denied: user %s role %s command \"%s\"", s->user,
		    role_info_of(s->role)->name, what);
}

bool role_check(struct session *s, enum role need, const char *what)
{
	if (role_allows(s->role, need))
		return true;
	printf("%s\n", ROLE_DENIED_MSG);
	role_log_refusal(s, what);
	return false;
}
