/* mail_log: the engines' AsyncOS-style log file, buffered: lines gather in
 * memory and leave in one write(2) per batch -- when the buffer is full, on
 * a short timer once an event loop is attached, at mail_log_flush() and at
 * close (SIGTERM's path: a clean stop never loses a line). Before a loop is
 * attached every line is written at once. */
#include "mail_log.h"

#include <errno.h>
#include <event2/event.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "../core/text.h"
#include "../os/home_files.h"

#define LINE_MAX_BYTES 2048
#define BUF_BYTES      (16 * 1024) /* a batch: at most this much per write */
#define FLUSH_US       5000        /* a line waits at most this long */

struct mail_log {
	int fd;
	char home[4096];
	char path[4200];
	pthread_mutex_t lock; /* the buffer: engines may log from other threads */
	struct event *timer;  /* NULL: no loop attached, lines go out at once */
	bool timer_armed;
	size_t len;
	char buf[BUF_BYTES];
};

/* Writes the buffer out; the caller holds the lock. */
static void flush_locked(struct mail_log *log)
{
	size_t off = 0;

	while (off < log->len && log->fd >= 0) {
		ssize_t n = write(log->fd, log->buf + off, log->len - off);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break; /* nowhere better to report it; the engines keep running */
		off += (size_t)n;
	}
	log->len = 0;
}

static int open_file(struct mail_log *log, struct err *e)
{
	int fd = home_open_append(log->home, log->path);

	if (fd < 0)
		return err_set(e, "Cannot open %s: %s", log->path, strerror(errno));
	pthread_mutex_lock(&log->lock);
	flush_locked(log); /* the old file's lines go to the old file */
	if (log->fd >= 0)
		close(log->fd);
	log->fd = fd;
	pthread_mutex_unlock(&log->lock);
	return 0;
}

int mail_log_open(const char *home, struct mail_log **out, struct err *e)
{
	struct mail_log *log = calloc(1, sizeof(*log));
	char dir[4096];

	if (!log)
		return err_set(e, "Out of memory.");
	log->fd = -1;
	pthread_mutex_init(&log->lock, NULL);
	snprintf(log->home, sizeof(log->home), "%s", home);
	if (home_dir(home, "logs", dir, sizeof(dir), e) < 0) {
		pthread_mutex_destroy(&log->lock);
		free(log);
		return -1;
	}
	snprintf(log->path, sizeof(log->path), "%s/mail_logs", dir);
	if (open_file(log, e) < 0) {
		pthread_mutex_destroy(&log->lock);
		free(log);
		return -1;
	}
	*out = log;
	return 0;
}

static void on_timer(evutil_socket_t fd, short what, void *arg)
{
	struct mail_log *log = arg;

	(void)fd;
	(void)what;
	pthread_mutex_lock(&log->lock);
	log->timer_armed = false;
	flush_locked(log);
	pthread_mutex_unlock(&log->lock);
}

int mail_log_attach(struct mail_log *log, struct event_base *base)
{
	struct event *t = evtimer_new(base, on_timer, log);

	if (!t)
		return -1;
	pthread_mutex_lock(&log->lock);
	log->timer = t;
	pthread_mutex_unlock(&log->lock);
	return 0;
}

void mail_log_detach(struct mail_log *log)
{
	struct event *t;

	if (!log)
		return;
	pthread_mutex_lock(&log->lock);
	flush_locked(log);
	t = log->timer;
	log->timer = NULL;
	log->timer_armed = false;
	pthread_mutex_unlock(&log->lock);
	if (t)
		event_free(t);
}

void mail_log_flush(struct mail_log *log)
{
	if (!log)
		return;
	pthread_mutex_lock(&log->lock);
	flush_locked(log);
	pthread_mutex_unlock(&log->lock);
}

int mail_log_reopen(struct mail_log *log, struct err *e)
{
	return open_file(log, e);
}

void mail_log_close(struct mail_log *log)
{
	if (!log)
		return;
	mail_log_detach(log);
	if (log->fd >= 0)
		close(log->fd);
	pthread_mutex_destroy(&log->lock);
	free(log);
}

static void write_line(struct mail_log *log, const char *level, const char *fmt, va_list ap)
{
	char body[LINE_MAX_BYTES], line[LINE_MAX_BYTES];
	time_t now = time(NULL);
	struct tm tm;
	size_t n;

	if (!log)
		return;
	localtime_r(&now, &tm);
	n = strftime(line, sizeof(line), "%a %b %e %H:%M:%S %Y ", &tm);
	n += (size_t)snprintf(line + n, sizeof(line) - n, "%s: ", level);
	if (vsnprintf(body, sizeof(body), fmt, ap) < 0)
		return;
	/* A peer's bytes (names, addresses) escaped as \xNN: one event, one
	 * line, and nothing a terminal showing the log would act on. */
	text_escape_buf(body, line + n, sizeof(line) - n - 1);
	n += strlen(line + n);
	line[n++] = '\n';
	/* Whole lines only, one write(2) per batch on an O_APPEND descriptor:
	 * lines never interleave with another writer's. */
	pthread_mutex_lock(&log->lock);
	if (log->fd < 0) { /* read under the lock: a SIGHUP's reopen may be changing it */
		pthread_mutex_unlock(&log->lock);
		return;
	}
	if (log->len + n > sizeof(log->buf))
		flush_locked(log);
	memcpy(log->buf + log->len, line, n);
	log->len += n;
	if (!log->timer) {
		flush_locked(log);
	} else if (!log->timer_armed) {
		struct timeval tv = { 0, FLUSH_US };
		log->timer_armed = true;
		evtimer_add(log->timer, &tv);
	}
	pthread_mutex_unlock(&log->lock);
}

void mail_log_info(struct mail_log *log, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	write_line(log, "Info", fmt, ap);
	va_end(ap);
}

void mail_log_warning(struct mail_log *log, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	write_line(log, "Warning", fmt, ap);
	va_end(ap);
}
