/* mid: the message-id counter (mid.h). */
#include "mid.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define MID_BLOCK 1000

static struct {
	char dir[PATH_MAX];
	unsigned long long next, limit; /* MIDs next..limit-1 are reserved */
} state;
/* SMTP sessions spool on every worker; delivery makes bounces on the main one. */
static pthread_mutex_t state_lock = PTHREAD_MUTEX_INITIALIZER;

/* The largest all-digit file name in `dir`, or 0. */
static unsigned long long spool_max(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *ent;
	unsigned long long max = 0;

	if (!d)
		return 0;
	while ((ent = readdir(d))) {
		const char *s = ent->d_name;
		size_t n = strspn(s, "0123456789");
		if (n == 0 || s[n] != '\0' || n > 19)
			continue;
		unsigned long long v = strtoull(s, NULL, 10);
		if (v > max)
			max = v;
	}
	closedir(d);
	return max;
}

static unsigned long long read_mark(const char *path)
{
	char buf[32] = "";
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	ssize_t n;

	if (fd < 0)
		return 0;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return 0;
	buf[n] = '\0';
	return strtoull(buf, NULL, 10);
}

/* Writes `limit` durably: a temporary file, fsync, rename, fsync the dir. */
static int write_mark(const char *dir, unsigned long long limit, struct err *e)
{
	char tmp[PATH_MAX + 16], path[PATH_MAX + 16], text[32];
	int fd, n, ok;

	snprintf(tmp, sizeof(tmp), "%s/.mid.tmp", dir);
	snprintf(path, sizeof(path), "%s/.mid", dir);
	n = snprintf(text, sizeof(text), "%llu\n", limit);
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (fd < 0)
		return err_set(e, "Cannot write %s: %s", tmp, strerror(errno));
	ok = write(fd, text, (size_t)n) == n && fsync(fd) == 0;
	ok = close(fd) == 0 && ok;
	ok = ok && rename(tmp, path) == 0;
	if (ok) {
		int dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		ok = dfd >= 0 && fsync(dfd) == 0;
		if (dfd >= 0)
			close(dfd);
	}
	if (!ok) {
		int saved = errno;
		unlink(tmp);
		return err_set(e, "Cannot write %s: %s", path, strerror(saved));
	}
	return 0;
}

static int next_locked(const char *dir, unsigned long long *out, struct err *e)
{
	if (strcmp(state.dir, dir) != 0) {
		char path[PATH_MAX + 16];
		unsigned long long from, max;

		if (strlen(dir) >= sizeof(state.dir))
			return err_set(e, "The spool path is too long.");
		snprintf(path, sizeof(path), "%s/.mid", dir);
		from = read_mark(path);
		max = spool_max(dir);
		if (from <= max)
			from = max + 1;
		if (from == 0)
			from = 1;
		snprintf(state.dir, sizeof(state.dir), "%s", dir);
		state.next = state.limit = from;
	}
	if (state.next >= state.limit) {
		if (write_mark(dir, state.next + MID_BLOCK, e) < 0)
			return -1;
		state.limit = state.next + MID_BLOCK;
	}
	*out = state.next++;
	return 0;
}

int mid_next(const char *dir, unsigned long long *out, struct err *e)
{
	int rc;

	pthread_mutex_lock(&state_lock);
	rc = next_locked(dir, out, e);
	pthread_mutex_unlock(&state_lock);
	return rc;
}
