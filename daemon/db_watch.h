/* db_watch: the daemon learns of every committed version by itself. The
 * database is the source of truth; the control socket's "apply N" is only a
 * fast path. A console killed between its write and its notify, or one that
 * cannot reach the socket, no longer leaves the engines behind. */
#ifndef TLSGATE_DB_WATCH_H
#define TLSGATE_DB_WATCH_H

#include "../core/err.h"

struct daemon;
struct db_watch;

/* Polls SQLite's PRAGMA data_version every `interval_ms` (one cheap
 * statement; it changes only when another connection commits) and applies
 * the latest version when it moved. */
int db_watch_start(struct daemon *d, int interval_ms, struct db_watch **out, struct err *e);
void db_watch_free(struct db_watch *w);

#endif
