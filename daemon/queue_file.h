/* queue_file: the delivery side of the spool (spool.h has the format):
 * reading a queued message, writing a derived one (a message split per
 * destination domain, the recipients left after a partial delivery, a
 * bounce or an alert), and removing one — each durable (fsync of the file
 * and of the directory) before the next step relies on it.
 *
 * A derived file names its source on a "parent ID" line and is made visible
 * before the source is removed. A crash in between leaves both; the next
 * scan removes the derived files whose parent still exists, so the source is
 * processed again and no recipient gets the message twice. */
#ifndef TLSGATE_QUEUE_FILE_H
#define TLSGATE_QUEUE_FILE_H

#include <stddef.h>
#include <time.h>

#include "../core/err.h"
#include "spool.h"

struct queued {
	char id[SPOOL_ID_MAX];
	char parent[SPOOL_ID_MAX]; /* "" when none */
	time_t received;
	char *from; /* "" for the null sender */
	char **rcpt;
	size_t rcpt_count;
	char *text;       /* the whole file */
	const char *body; /* the message: after the envelope's empty line */
	size_t body_len;
};

/* `dir` is HOME/spool. */
int queued_load(const char *dir, const char *id, struct queued *q, struct err *e);
void queued_free(struct queued *q);
/* A new durable spool file; *id receives its name. */
int queued_write(const char *dir, const char *parent, time_t received, const char *from,
		 char *const *rcpt, size_t n, const char *body, size_t body_len,
		 char id[SPOOL_ID_MAX], struct err *e);
/* Unlinks and syncs the directory: after this returns the message is gone
 * (with its retry schedule). */
int queued_remove(const char *dir, const char *id);
/* The retry schedule of a deferred message, kept across restarts in the
 * sidecar ".ID.retry" (a dot file: the spool's scans and quota skip it),
 * written atomically (tmp/, fsync, rename, fsync of the directory). load
 * returns -1 when there is none or it is malformed. */
int queued_retry_save(const char *dir, const char *id, int attempts, time_t next_try);
int queued_retry_load(const char *dir, const char *id, int *attempts, time_t *next_try);

#endif
