/* mail_log: $HOME/logs/mail_logs, AsyncOS style: one line per event, each
 * starting with a ctime()-like date and a level ("Mon Nov 23 07:30:00 2026
 * Info: "), buffered and written in whole lines, one append per batch (at
 * most a few milliseconds late once a loop is attached; all of it at close). */
#ifndef TLSGATE_MAIL_LOG_H
#define TLSGATE_MAIL_LOG_H

#include "../core/err.h"

struct mail_log;
struct event_base;

/* Creates HOME/logs (0700) and opens HOME/logs/mail_logs (0600) for append. */
int mail_log_open(const char *home, struct mail_log **out, struct err *e);
/* Reopens the file (after an external rotation). */
int mail_log_reopen(struct mail_log *log, struct err *e);
/* Flushes and closes (the clean-stop path: every line is written). */
void mail_log_close(struct mail_log *log);
/* From now on lines are batched and flushed by a timer on `base`. */
int mail_log_attach(struct mail_log *log, struct event_base *base);
/* Flushes and stops batching (before `base` is freed). */
void mail_log_detach(struct mail_log *log);
/* Writes whatever is buffered now. */
void mail_log_flush(struct mail_log *log);

/* Control characters and bytes that are not UTF-8 in the text (peer-supplied
 * names) are written as \xNN (core/text.h); lines longer than 2 KB are cut.
 * NULL log: the line is dropped. */
void mail_log_info(struct mail_log *log, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
void mail_log_warning(struct mail_log *log, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

#endif
