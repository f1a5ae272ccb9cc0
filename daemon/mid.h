/* mid: message ids (MIDs) — one decimal number per message, given when the
 * message is spooled and kept to its delivery: the spool file is named by it
 * and every mail-log line about the message says `MID N`. A message split
 * per domain, a bounce and an alert get MIDs of their own.
 *
 * Unique across restarts: the counter lives in HOME/spool/.mid, reserved a
 * block at a time (written and fsync'ed before any MID of the block is
 * used), so a crash skips at most the rest of one block; at the first use
 * the counter also starts above every numeric file name already in the
 * spool, so a lost .mid cannot bring an MID back. */
#ifndef TLSGATE_MID_H
#define TLSGATE_MID_H

#include "../core/err.h"

/* The next MID for the spool directory `dir` (HOME/spool). */
int mid_next(const char *dir, unsigned long long *out, struct err *e);

#endif
