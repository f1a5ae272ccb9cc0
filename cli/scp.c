/* scp: the legacy scp protocol's sink (upload) and source (download) over
 * stdin/stdout, for plain files in $TLSGATE_HOME/configuration/ only. Every
 * read is bounded in size and time; files are reached with openat() under a
 * folder opened without following links. */
#include "scp.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "../core/scp_parse.h"
#include "../os/audit.h"
#include "config_files.h"
#include "roles.h"

#define IO_TIMEOUT_MS (120 * 1000)
#define IO_CHUNK      65536

/* Who may copy which way: console files can hold exported keys, so guests
 * neither read nor write them. */
static const struct scp_mode {
	enum scp_direction direction;
	const char *verb; /* as the audit log names it */
	enum role role;
} scp_modes[] = {
	{ SCP_UPLOAD, "upload", ROLE_OPERATOR },
	{ SCP_DOWNLOAD, "download", ROLE_OPERATOR },
};

struct scp_io {
	int in, out;
	char buf[IO_CHUNK];
	size_t start, end;
};

bool scp_is_command(const char *line)
{
	return scp_command_kind(line) == SCP_KIND_SCP;
}

bool scp_is_sftp(const char *line)
{
	return scp_command_kind(line) == SCP_KIND_SFTP;
}

int scp_refuse_sftp(struct session *s)
{
	audit_event(s->home, "Warning", "scp: user %s SFTP session refused: use scp -O", s->user);
	fprintf(stderr, "tlsgate: SFTP is not available on this console. Copy files with the "
			"legacy scp protocol: scp -O FILE USER@HOST:/configuration/ (see "
			"docs/SSH.md).\n");
	return 1;
}

static int wait_for(int fd, short events)
{
	struct pollfd p = { fd, events, 0 };
	int r;

	do
		r = poll(&p, 1, IO_TIMEOUT_MS);
	while (r < 0 && errno == EINTR);
	return r > 0 ? 0 : -1;
}

/* More bytes into the buffer: 1, 0 at end of input, -1 on error or timeout. */
static int io_fill(struct scp_io *io)
{
	ssize_t n;

	if (io->start == io->end)
		io->start = io->end = 0;
	if (io->end == sizeof(io->buf) || wait_for(io->in, POLLIN) < 0)
		return -1;
	do
		n = read(io->in, io->buf + io->end, sizeof(io->buf) - io->end);
	while (n < 0 && errno == EINTR);
	if (n <= 0)
		return n == 0 ? 0 : -1;
	io->end += (size_t)n;
	return 1;
}

/* A control line without its newline: 1, 0 at a clean end of input, -1 on a
 * line too long, cut short, or too slow. */
static int io_read_line(struct scp_io *io, char *line, size_t max, size_t *len)
{
	size_t n = 0;

	for (;;) {
		while (io->start < io->end) {
			char c = io->buf[io->start++];
			if (c == '\n') {
				line[n] = '\0';
				*len = n;
				return 1;
			}
			if (n + 1 >= max)
				return -1;
			line[n++] = c;
		}
		int r = io_fill(io);
		if (r <= 0)
			return r == 0 && n == 0 ? 0 : -1;
	}
}

static int io_read_byte(struct scp_io *io, char *c)
{
	if (io->start == io->end && io_fill(io) <= 0)
		return -1;
	*c = io->buf[io->start++];
	return 0;
}

static int write_all(int fd, const void *data, size_t n)
{
	const char *p = data;

	while (n > 0) {
		ssize_t w;
		if (wait_for(fd, POLLOUT) < 0)
			return -1;
		w = write(fd, p, n);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return -1;
		p += w;
		n -= (size_t)w;
	}
	return 0;
}

static int send_ok(struct scp_io *io)
{
	return write_all(io->out, "", 1);
}

/* "\1scp: TEXT\n" (the copy goes on) or "\2scp: TEXT\n" (it ends); the client
 * prints TEXT. One line, whatever a path held. */
static void send_error(struct scp_io *io, char level, const char *fmt, ...)
{
	char line[SCP_LINE_MAX];
	va_list ap;
	int n;

	line[0] = level;
	n = snprintf(line + 1, sizeof(line) - 2, "scp: ");
	va_start(ap, fmt);
	vsnprintf(line + 1 + n, sizeof(line) - 2 - (size_t)n, fmt, ap);
	va_end(ap);
	for (char *p = line + 1; *p; p++)
		if ((unsigned char)*p < ' ' || *p == 0x7f)
			*p = '?';
	n = (int)strlen(line);
	line[n] = '\n';
	write_all(io->out, line, (size_t)n + 1);
}

/* The peer's answer: 0 ok, 1 its error (skip this file), -1 it gave up. */
static int read_response(struct scp_io *io)
{
	char c, line[SCP_LINE_MAX];
	size_t len;

	if (io_read_byte(io, &c) < 0)
		return -1;
	if (c == 0)
		return 0;
	if ((c != 1 && c != 2) || io_read_line(io, line, sizeof(line), &len) <= 0)
		return -1;
	return c == 1 ? 1 : -1;
}

static void log_refusal(struct session *s, const char *what, const char *path, const char *why)
{
	audit_event(s->home, "Warning", "scp: user %s %s of \"%.255s\" refused: %s", s->user, what,
		    path, why);
}

/* Exactly n bytes of data into fd; a write error is remembered in *werr and
 * the data still read, to stay in step with the client. */
static int receive_data(struct scp_io *io, unsigned long long n, int fd, int *werr)
{
	while (n > 0) {
		if (io->start == io->end && io_fill(io) <= 0)
			return -1;
		size_t k = io->end - io->start;
		if (k > n)
			k = (size_t)n;
		if (!*werr && write_all(fd, io->buf + io->start, k) < 0)
			*werr = errno ? errno : EIO;
		io->start += k;
		n -= k;
	}
	return 0;
}

struct upload {
	const char *name;
	const struct scp_line *header;
	bool times; /* a T line came first */
	struct timespec tv[2];
};

/* Checks the room and reserves it (a temporary file of the announced size)
 * under the folder's lock, shared with the console's writers: concurrent
 * uploads cannot overshoot the folder's limit. Returns the file's
 * descriptor, or -1 with the reason in e. */
static int reserve_upload(int dfd, const struct upload *u, char *tmp, size_t len, struct err *e)
{
	int lock = config_folder_lock(dfd, e), fd = -1;

	if (lock < 0)
		return -1;
	config_folder_clean(dfd);
	if (config_folder_check(dfd, u->name, u->header->size, e) == 0)
		fd = config_folder_reserve(dfd, u->header->size, tmp, len, e);
	config_folder_unlock(lock);
	return fd;
}

/* One "C" line and its data. 0 stored, 1 refused (the copy goes on), -1 the
 * connection is lost. */
static int receive_file(struct scp_io *io, struct session *s, int dfd, const struct upload *u)
{
	char tmp[64];
	struct err e;
	int fd, werr = 0, rc;

	if ((fd = reserve_upload(dfd, u, tmp, sizeof(tmp), &e)) < 0) {
		send_error(io, 1, "%s: %s", u->name, e.msg);
		log_refusal(s, "upload", u->name, e.msg);
		return 1;
	}
	if (send_ok(io) < 0 || receive_data(io, u->header->size, fd, &werr) < 0 ||
	    (rc = read_response(io)) < 0) {
		close(fd);
		unlinkat(dfd, tmp, 0);
		return -1;
	}
	if (rc == 0 && !werr && u->times)
		futimens(fd, u->tv);
	if (rc == 0 && !werr && fsync(fd) < 0)
		werr = errno;
	close(fd);
	if (rc == 0 && !werr && renameat(dfd, tmp, dfd, u->name) < 0)
		werr = errno;
	if (rc != 0 || werr) {
		unlinkat(dfd, tmp, 0);
		if (werr)
			send_error(io, 1, "%s: %s", u->name, strerror(werr));
		return 1;
	}
	audit_event(s->home, "Info", "scp: user %s uploaded %s/%s (%llu bytes)", s->user,
		    SCP_FOLDER, u->name, u->header->size);
	return send_ok(io) < 0 ? -1 : 0;
}

static int run_sink(struct scp_io *io, struct session *s, const struct scp_command *c, int dfd,
		    const char *target)
{
	char line[SCP_LINE_MAX + 1];
	struct scp_line l;
	struct upload u = { 0 };
	struct err e;
	size_t len;
	int r, errors = 0;

	if (send_ok(io) < 0)
		return 1;
	while ((r = io_read_line(io, line, sizeof(line), &len)) > 0) {
		if (scp_parse_line(line, len, &l, &e) < 0) {
			send_error(io, 2, "protocol error: %s", e.msg);
			return 1;
		}
		if (l.type == SCP_LINE_TIME) {
			u.times = c->preserve;
			u.tv[0] = (struct timespec){ (time_t)l.atime, 0 };
			u.tv[1] = (struct timespec){ (time_t)l.mtime, 0 };
			if (send_ok(io) < 0)
				return 1;
		} else if (l.type == SCP_LINE_FILE) {
			u.name = target[0] ? target : l.name;
			u.header = &l;
			if ((r = receive_file(io, s, dfd, &u)) < 0)
				return 1;
			errors += r;
			u.times = false;
		} else if (l.type == SCP_LINE_WARNING) {
			errors++;
		} else {
			if (l.type != SCP_LINE_FATAL)
				send_error(io, 2, "folders cannot be copied");
			return 1;
		}
	}
	return r < 0 || errors ? 1 : 0;
}

/* One file to the client: 0 sent, 1 refused, -1 the connection is lost. */
static int send_file(struct scp_io *io, struct session *s, int dfd, const char *path)
{
	char name[SCP_NAME_MAX + 1], header[SCP_NAME_MAX + 64];
	struct err e;
	size_t size;
	unsigned char *data = NULL;
	int rc;

	name[0] = '\0';
	if (scp_map_path(path, name, sizeof(name), &e) == 0 && !name[0])
		err_set(&e, "not a regular file"); /* the folder itself */
	/* The whole file, read before anything is sent: its size is what the
	 * "C" line announces even if it changes meanwhile. */
	if (!name[0] || config_folder_read(dfd, name, &data, &size, &e) < 0) {
		send_error(io, 1, "%s: %s", path, e.msg);
		log_refusal(s, "download", path, e.msg);
		return 1;
	}
	/* 0600 whatever the mode here: the client's copy may hold keys. */
	snprintf(header, sizeof(header), "C0600 %zu %s\n", size, name);
	rc = write_all(io->out, header, strlen(header)) < 0 ? -1 : read_response(io);
	if (rc == 0)
		rc = write_all(io->out, data, size) < 0 || send_ok(io) < 0 ? -1 : read_response(io);
	free(data);
	if (rc == 0)
		audit_event(s->home, "Info", "scp: user %s downloaded %s/%s (%zu bytes)", s->user,
			    SCP_FOLDER, name, size);
	return rc;
}

static int run_source(struct scp_io *io, struct session *s, const struct scp_command *c, int dfd)
{
	int errors = 0;
	char c0;

	if (io_read_byte(io, &c0) < 0 || c0 != 0)
		return 1;
	for (int i = 0; i < c->npaths; i++) {
		int rc = send_file(io, s, dfd, c->paths[i]);
		if (rc < 0)
			return 1;
		errors += rc;
	}
	return errors ? 1 : 0;
}

/* Refusals before any file: one message, logged, exit status 1. */
static int refuse(struct scp_io *io, struct session *s, const char *what, const char *path,
		  const char *why)
{
	send_error(io, 1, "%s%s%s", path, path[0] ? ": " : "", why);
	log_refusal(s, what, path, why);
	return 1;
}

int scp_run(struct session *s, const char *line)
{
	static struct scp_io io;
	struct scp_command c;
	const struct scp_mode *mode = NULL;
	char target[SCP_NAME_MAX + 1] = "";
	struct err e;
	int dfd, status;

	signal(SIGPIPE, SIG_IGN); /* a lost client is an error return, not a kill */
	io.in = STDIN_FILENO;
	io.out = STDOUT_FILENO;
	if (scp_parse_command(line, &c, &e) < 0) {
		send_error(&io, 1, "%s", e.msg);
		audit_event(s->home, "Warning", "scp: user %s command \"%.200s\" refused: %s",
			    s->user, line, e.msg);
		return 1;
	}
	for (size_t i = 0; i < sizeof(scp_modes) / sizeof(scp_modes[0]); i++)
		if (scp_modes[i].direction == c.direction)
			mode = &scp_modes[i];
	if (!role_allows(s->role, mode->role)) {
		char what[32];
		snprintf(what, sizeof(what), "scp %s", mode->verb);
		role_log_refusal(s, what);
		send_error(&io, 1, "%s", ROLE_DENIED_MSG);
		return 1;
	}
	if (c.direction == SCP_UPLOAD) {
		if (scp_map_path(c.paths[0], target, sizeof(target), &e) < 0)
			return refuse(&io, s, "upload", c.paths[0], e.msg);
		if (c.target_is_dir && target[0])
			return refuse(&io, s, "upload", c.paths[0], "Not a directory");
	}
	if ((dfd = config_folder_open(s->home, &e)) < 0)
		return refuse(&io, s, mode->verb, "", e.msg);
	if (c.direction == SCP_UPLOAD)
		status = run_sink(&io, s, &c, dfd, target);
	else
		status = run_source(&io, s, &c, dfd);
	close(dfd);
	return status;
}
