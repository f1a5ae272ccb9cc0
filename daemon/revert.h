/* revert: the daemon's side of "commit confirmed". A timer follows the oldest
 * pending confirmation in the database; when its deadline passes, the
 * previous configuration is committed as a new version (by "system") and
 * applied. The state is in the database, so a restart re-arms the timer. */
#ifndef TLSGATE_REVERT_H
#define TLSGATE_REVERT_H

#include "../core/err.h"

struct daemon;
struct revert_timer;

int revert_timer_start(struct daemon *d, struct revert_timer **out, struct err *e);
/* Re-reads the pending confirmation (after every apply: a commit may have
 * asked for one, or confirmed it). */
void revert_timer_rearm(struct revert_timer *t);
void revert_timer_free(struct revert_timer *t);

#endif
