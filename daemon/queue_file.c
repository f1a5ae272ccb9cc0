/* queue_file: reading and writing spool files for delivery. */
#include "queue_file.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "mid.h"

#define QUEUED_MAX_BYTES (64u << 20)

static char *read_all(const char *path, size_t *len, struct err *e)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	struct stat st;
	char *buf;
	size_t got = 0;

	if (fd < 0) {
		err_set(e, "Cannot open %s: %s", path, strerror(errno));
		return NULL;
	}
	if (fstat(fd, &st) < 0 || st.st_size > (off_t)QUEUED_MAX_BYTES) {
		close(fd);
		err_set(e, "Cannot read %s: too large or unreadable", path);
		return NULL;
	}
	buf = malloc((size_t)st.st_size + 1);
	if (!buf)
		abort();
	while (got < (size_t)st.st_size) {
		ssize_t n = read(fd, buf + got, (size_t)st.st_size - got);
		if (n <= 0)
			break;
		got += (size_t)n;
	}
	close(fd);
	buf[got] = '\0';
	*len = got;
	return buf;
}

static char *strip_path(const char *s)
{
	size_t n = strlen(s);
	char *r;

	if (n >= 2 && s[0] == '<' && s[n - 1] == '>') {
		s++;
		n -= 2;
	}
	r = strndup(s, n);
	if (!r)
		abort();
	return r;
}

int queued_load(const char *dir, const char *id, struct queued *q, struct err *e)
{
	char path[4400], *line, *end;
	size_t len, cap = 0;

	memset(q, 0, sizeof(*q));
	snprintf(path, sizeof(path), "%.4000s/%.30s", dir, id);
	q->text = read_all(path, &len, e);
	if (!q->text)
		return -1;
	snprintf(q->id, sizeof(q->id), "%s", id);
	if (strncmp(q->text, "tlsgate-spool 1\n", 16) != 0)
		goto bad;
	for (line = q->text; (end = strchr(line, '\n')); line = end + 1) {
		*end = '\0';
		if (*line == '\0') {
			q->body = end + 1;
			q->body_len = len - (size_t)(q->body - q->text);
			break;
		}
		if (strncmp(line, "received ", 9) == 0) {
			q->received = (time_t)strtoll(line + 9, NULL, 10);
		} else if (strncmp(line, "parent ", 7) == 0) {
			snprintf(q->parent, sizeof(q->parent), "%s", line + 7);
		} else if (strncmp(line, "from ", 5) == 0) {
			free(q->from);
			q->from = strip_path(line + 5);
		} else if (strncmp(line, "to ", 3) == 0) {
			if (q->rcpt_count == cap) {
				cap = cap ? cap * 2 : 8;
				q->rcpt = realloc(q->rcpt, cap * sizeof(*q->rcpt));
				if (!q->rcpt)
					abort();
			}
			q->rcpt[q->rcpt_count++] = strip_path(line + 3);
		}
	}
	if (!q->body || !q->from || q->rcpt_count == 0)
		goto bad;
	return 0;
bad:
	queued_free(q);
	return err_set(e, "The spool file %.30s is damaged.", id);
}

void queued_free(struct queued *q)
{
	for (size_t i = 0; i < q->rcpt_count; i++)
		free(q->rcpt[i]);
	free(q->rcpt);
	free(q->from);
	free(q->text);
	memset(q, 0, sizeof(*q));
}

static int sync_dir(const char *dir)
{
	int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC), rc;

	if (fd < 0)
		return -1;
	rc = fsync(fd);
	close(fd);
	return rc;
}

int queued_write(const char *dir, const char *parent, time_t received, const char *from,
		 char *const *rcpt, size_t n, const char *body, size_t body_len,
		 char id[SPOOL_ID_MAX], struct err *e)
{
	char tmp[4400], final[4400];
	FILE *f;
	int fd, ok;

	for (int attempt = 0;; attempt++) {
		unsigned long long mid;
		if (mid_next(dir, &mid, e) < 0)
			return -1;
		snprintf(id, SPOOL_ID_MAX, "%llu", mid);
		snprintf(tmp, sizeof(tmp), "%.4000s/tmp/%s", dir, id);
		snprintf(final, sizeof(final), "%.4000s/%s", dir, id);
		fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
		if (fd >= 0)
			break;
		if (errno != EEXIST || attempt > 8)
			return err_set(e, "Cannot create %s: %s", tmp, strerror(errno));
	}
	f = fdopen(fd, "w");
	if (!f) {
		close(fd);
		unlink(tmp);
		return err_set(e, "Out of memory.");
	}
	fprintf(f, "tlsgate-spool 1\nid %s\nreceived %lld\n", id, (long long)received);
	if (parent && *parent)
		fprintf(f, "parent %s\n", parent);
	fprintf(f, "from <%s>\n", from);
	for (size_t i = 0; i < n; i++)
		fprintf(f, "to <%s>\n", rcpt[i]);
	fprintf(f, "\n");
	fwrite(body, 1, body_len, f);
	ok = !ferror(f) && fflush(f) == 0 && fsync(fileno(f)) == 0;
	ok = fclose(f) == 0 && ok;
	if (ok)
		ok = link(tmp, final) == 0;
	unlink(tmp);
	if (!ok || sync_dir(dir) != 0) {
		int saved = errno;
		if (ok)
			unlink(final);
		return err_set(e, "Cannot write the spool file %s: %s", id, strerror(saved));
	}
	return 0;
}

int queued_remove(const char *dir, const char *id)
{
	char path[4400];

	/* The side file goes first: a crash in between leaves a message without
	 * its schedule (retried at once on restart), never an orphan .retry. */
	snprintf(path, sizeof(path), "%.4000s/.%.30s.retry", dir, id);
	unlink(path);
	snprintf(path, sizeof(path), "%.4000s/%.30s", dir, id);
	if (unlink(path) < 0 && errno != ENOENT)
		return -1;
	return sync_dir(dir);
}

int queued_retry_save(const char *dir, const char *id, int attempts, time_t next_try)
{
	char tmp[4400], final[4400];
	FILE *f;
	int ok;

	snprintf(tmp, sizeof(tmp), "%.4000s/tmp/.%.30s.retry", dir, id);
	snprintf(final, sizeof(final), "%.4000s/.%.30s.retry", dir, id);
	f = fopen(tmp, "we");
	if (!f)
		return -1;
	fprintf(f, "attempts %d\nnext %lld\n", attempts, (long long)next_try);
	ok = !ferror(f) && fflush(f) == 0 && fsync(fileno(f)) == 0;
	ok = fclose(f) == 0 && ok;
	if (!ok || rename(tmp, final) < 0) {
		unlink(tmp);
		return -1;
	}
	return sync_dir(dir);
}

int queued_retry_load(const char *dir, const char *id, int *attempts, time_t *next_try)
{
	char path[4400];
	long long next;
	FILE *f;
	int n, got;

	snprintf(path, sizeof(path), "%.4000s/.%.30s.retry", dir, id);
	f = fopen(path, "re");
	if (!f)
		return -1;
	got = fscanf(f, "attempts %d next %lld", &n, &next);
	fclose(f);
	if (got != 2 || n < 0 || n > 1000000 || next < 0)
		return -1;
	*attempts = n;
	*next_try = (time_t)next;
	return 0;
}
