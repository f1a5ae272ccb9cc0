/* mail_log: the engines' AsyncOS-style log file. */
#include "mail_log.h"

#include <errno.h>
#include <fcntl.h>
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

struct mail_log {
	int fd;
	char home[4096];
	char path[4200];
};

static int open_file(struct mail_log *log, struct err *e)
{
	int fd = home_open_append(log->home, log->path);

	if (fd < 0)
		return err_set(e, "Cannot open %s: %s", log->path, strerror(errno));
	if (log->fd >= 0)
		close(log->fd);
	log->fd = fd;
	return 0;
}

int mail_log_open(const char *home, struct mail_log **out, struct err *e)
{
	struct mail_log *log = calloc(1, sizeof(*log));
	char dir[4096];

	if (!log)
		return err_set(e, "Out of memory.");
	log->fd = -1;
	snprintf(log->home, sizeof(log->home), "%s", home);
	if (home_dir(home, "logs", dir, sizeof(dir), e) < 0) {
		free(log);
		return -1;
	}
	snprintf(log->path, sizeof(log->path), "%s/mail_logs", dir);
	if (open_file(log, e) < 0) {
		free(log);
		return -1;
	}
	*out = log;
	return 0;
}

int mail_log_reopen(struct mail_log *log, struct err *e)
{
	return open_file(log, e);
}

void mail_log_close(struct mail_log *log)
{
	if (!log)
		return;
	if (log->fd >= 0)
		close(log->fd);
	free(log);
}

static void write_line(struct mail_log *log, const char *level, const char *fmt, va_list ap)
{
	char body[LINE_MAX_BYTES], line[LINE_MAX_BYTES];
	time_t now = time(NULL);
	struct tm tm;
	size_t n;

	if (!log || log->fd < 0)
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
	/* One write(2) on an O_APPEND descriptor: lines never interleave. */
	if (write(log->fd, line, n) < 0) {
		/* Nowhere better to report it; the engines keep running. */
	}
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
