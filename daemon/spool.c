/* spool: durable one-file-per-message queue (write tmp, fsync, rename,
 * fsync the directory), the same dance as Postfix's and qmail's queues,
 * within a quota (bytes, messages) and above a free-space floor. */
#include "spool.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/time.h>
#include <unistd.h>

#include "mid.h"

#define RESCAN_SECONDS    1         /* delivery removes files: recount this often */
#define FLOOR_CHECK_BYTES (1 << 20) /* statvfs again after this much data */

struct spool {
	char dir[4096];
	char tmp[4096];
	struct spool_limits lim;
	struct mail_log *log;
	unsigned long long bytes;    /* queued files, as of the last count plus commits */
	unsigned long msgs;          /* likewise */
	unsigned long long inflight; /* written to open messages */
	unsigned long open;          /* messages begun and not yet settled */
	time_t counted;
	pthread_mutex_t lock; /* the counts: every worker's sessions spool */
};

struct spool_msg {
	struct spool *spool;
	FILE *f;
	char id[SPOOL_ID_MAX];
	char tmp_path[4200];
	int error; /* first errno seen while writing */
	unsigned long long written, unchecked;
};

/* The queued files, counted again (delivery and bounces change them). */
static void count_queue(struct spool *s)
{
	DIR *dir;
	struct dirent *ent;
	struct stat st;

	s->counted = time(NULL);
	if (!(dir = opendir(s->dir)))
		return;
	s->bytes = 0;
	s->msgs = 0;
	while ((ent = readdir(dir)))
		if (ent->d_name[0] != '.' && fstatat(dirfd(dir), ent->d_name, &st, 0) == 0 &&
		    S_ISREG(st.st_mode)) {
			s->bytes += (unsigned long long)st.st_size;
			s->msgs++;
		}
	closedir(dir);
}

static bool below_floor(struct spool *s)
{
	struct statvfs vfs;

	return s->lim.min_free && statvfs(s->dir, &vfs) == 0 &&
	       (unsigned long long)vfs.f_bavail * vfs.f_frsize < s->lim.min_free;
}

/* NULL if one more message (of `more` more bytes) fits, else why not. */
static const char *over_limit(struct spool *s, unsigned long long more, bool new_message)
{
	/* Those being received count: two sessions in DATA at once must not
	 * both take the last place. */
	if (new_message && s->lim.max_messages && s->msgs + s->open >= s->lim.max_messages)
		return "message quota";
	if (s->lim.max_bytes && s->bytes + s->inflight + more > s->lim.max_bytes)
		return "size quota";
	if (new_message && below_floor(s))
		return "free disk space floor";
	return NULL;
}

static int make_dir(const char *path, struct err *e)
{
	if (mkdir(path, 0700) < 0 && errno != EEXIST)
		return err_set(e, "Cannot create %s: %s", path, strerror(errno));
	chmod(path, 0700);
	return 0;
}

static void clean_tmp(const char *tmp)
{
	DIR *dir = opendir(tmp);
	struct dirent *ent;
	char path[4400];

	if (!dir)
		return;
	while ((ent = readdir(dir)))
		if (ent->d_name[0] != '.') {
			snprintf(path, sizeof(path), "%s/%s", tmp, ent->d_name);
			unlink(path);
		}
	closedir(dir);
}

int spool_open(const char *home, const struct spool_limits *lim, struct mail_log *log,
	       struct spool **out, struct err *e)
{
	struct spool *s = calloc(1, sizeof(*s));

	if (!s)
		return err_set(e, "Out of memory.");
	s->lim = *lim;
	s->log = log;
	if ((size_t)snprintf(s->dir, sizeof(s->dir), "%s/spool", home) >= sizeof(s->dir) ||
	    (size_t)snprintf(s->tmp, sizeof(s->tmp), "%s/tmp", s->dir) >= sizeof(s->tmp)) {
		free(s);
		return err_set(e, "The home directory path is too long.");
	}
	if (make_dir(s->dir, e) < 0 || make_dir(s->tmp, e) < 0) {
		free(s);
		return -1;
	}
	clean_tmp(s->tmp);
	count_queue(s);
	pthread_mutex_init(&s->lock, NULL);
	*out = s;
	return 0;
}

void spool_close(struct spool *s)
{
	if (s)
		pthread_mutex_destroy(&s->lock);
	free(s);
}

static enum smtp_spool_status status_of(int error)
{
	return error == ENOSPC || error == EDQUOT ? SMTP_SPOOL_NOSPACE : SMTP_SPOOL_TEMPFAIL;
}

/* Named by its MID (mid.h); O_EXCL guards against a clash anyway. */
static FILE *create_file(struct spool_msg *m)
{
	for (int attempt = 0; attempt < 8; attempt++) {
		unsigned long long mid;
		struct err e;
		int fd;

		if (mid_next(m->spool->dir, &mid, &e) < 0)
			return NULL;
		snprintf(m->id, sizeof(m->id), "%llu", mid);
		snprintf(m->tmp_path, sizeof(m->tmp_path), "%s/%s", m->spool->tmp, m->id);
		fd = open(m->tmp_path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
		if (fd >= 0)
			return fdopen(fd, "w");
		if (errno != EEXIST)
			return NULL;
	}
	return NULL;
}

static void write_received(FILE *f, const struct spool_envelope *env, const char *id, time_t now)
{
	char date[64];
	struct tm tm;

	localtime_r(&now, &tm);
	strftime(date, sizeof(date), "%a, %d %b %Y %H:%M:%S %z", &tm);
	fprintf(f, "Received: from %s (unknown [%s])\r\n\tby %s (tlsgate) with %s id %s", env->helo,
		env->client_addr, env->hostname,
		env->tls_protocol ? (env->esmtp ? "ESMTPS" : "SMTPS")
				  : (env->esmtp ? "ESMTP" : "SMTP"),
		id);
	if (env->tls_protocol)
		fprintf(f, "\r\n\t(version=%s cipher=%s)", env->tls_protocol, env->tls_cipher);
	if (env->rcpt_count == 1)
		fprintf(f, "\r\n\tfor <%s>", env->rcpt[0]);
	fprintf(f, "; %s\r\n", date);
}

static void write_envelope(FILE *f, const struct spool_envelope *env, const char *id, time_t now)
{
	fprintf(f, "tlsgate-spool 1\nid %s\nreceived %lld\nicid %lu\nclient %s\nhelo %s\n", id,
		(long long)now, env->icid, env->client_addr, env->helo);
	if (env->tls_protocol)
		fprintf(f, "tls %s %s\n", env->tls_protocol, env->tls_cipher);
	else
		fprintf(f, "tls none\n");
	fprintf(f, "body %s\nfrom <%s>\n", env->body == SMTP_BODY_8BITMIME ? "8BITMIME" : "7BIT",
		env->mail_from);
	for (size_t i = 0; i < env->rcpt_count; i++)
		fprintf(f, "to <%s>\n", env->rcpt[i]);
	fprintf(f, "\n");
}

/* A message begun that never became one. */
static void unreserve(struct spool *s)
{
	pthread_mutex_lock(&s->lock);
	s->open--;
	pthread_mutex_unlock(&s->lock);
}

enum smtp_spool_status spool_begin(struct spool *s, const struct spool_envelope *env,
				   struct spool_msg **out)
{
	struct spool_msg *m;
	time_t now = time(NULL);
	const char *why;

	*out = NULL;
	pthread_mutex_lock(&s->lock);
	if (now - s->counted >= RESCAN_SECONDS)
		count_queue(s);
	if ((why = over_limit(s, 0, true)))
		mail_log_warning(s->log,
				 "ICID %lu message refused: spool %s reached (%lu messages, %llu "
				 "bytes queued, %llu in flight)",
				 env->icid, why, s->msgs, s->bytes, s->inflight);
	else
		s->open++; /* its place, until settle() or unreserve() */
	pthread_mutex_unlock(&s->lock);
	if (why)
		return SMTP_SPOOL_NOSPACE;
	if (!(m = calloc(1, sizeof(*m)))) {
		unreserve(s);
		return SMTP_SPOOL_TEMPFAIL;
	}
	m->spool = s;
	m->f = create_file(m);
	if (!m->f) {
		enum smtp_spool_status st = status_of(errno);
		free(m);
		unreserve(s);
		return st;
	}
	write_envelope(m->f, env, m->id, now);
	write_received(m->f, env, m->id, now);
	if (ferror(m->f))
		m->error = errno ? errno : EIO;
	*out = m;
	return SMTP_SPOOL_OK;
}

void spool_write(struct spool_msg *m, const char *data, size_t len)
{
	struct spool *s = m->spool;
	const char *why = NULL;

	if (m->error)
		return;
	if (m->unchecked + len >= FLOOR_CHECK_BYTES) {
		m->unchecked = 0;
		if (below_floor(s))
			why = "free disk space floor";
	}
	pthread_mutex_lock(&s->lock);
	if (!why && !(why = over_limit(s, len, false)))
		s->inflight += len; /* reserved before the write: no other session takes it */
	pthread_mutex_unlock(&s->lock);
	if (why) {
		mail_log_warning(s->log, "Spool file %s refused: spool %s reached", m->id, why);
		m->error = EDQUOT;
		return;
	}
	if (fwrite(data, 1, len, m->f) != len)
		m->error = errno ? errno : EIO;
	m->written += len;
	m->unchecked += len;
}

/* The message leaves the in-flight count (and joins the queue if kept). */
static void settle(struct spool_msg *m, bool queued)
{
	struct spool *s = m->spool;

	pthread_mutex_lock(&s->lock);
	s->open--;
	s->inflight -= m->written;
	if (queued) {
		s->bytes += m->written;
		s->msgs++;
	}
	pthread_mutex_unlock(&s->lock);
}

static int sync_dir(const char *dir)
{
	int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	int rc;

	if (fd < 0)
		return -1;
	rc = fsync(fd);
	close(fd);
	return rc;
}

enum smtp_spool_status spool_commit(struct spool_msg *m, char id[SPOOL_ID_MAX])
{
	char final_path[4200];
	int error = m->error;

	if (!error && (fflush(m->f) != 0 || fsync(fileno(m->f)) != 0))
		error = errno;
	if (fclose(m->f) != 0 && !error)
		error = errno;
	snprintf(final_path, sizeof(final_path), "%s/%s", m->spool->dir, m->id);
	if (!error && rename(m->tmp_path, final_path) != 0) {
		error = errno;
	} else if (!error && sync_dir(m->spool->dir) != 0) {
		/* Not durable: refuse, and let no copy be delivered behind our back. */
		error = errno ? errno : EIO;
		unlink(final_path);
	}
	if (error)
		unlink(m->tmp_path);
	snprintf(id, SPOOL_ID_MAX, "%s", m->id);
	settle(m, !error);
	free(m);
	return error ? status_of(error) : SMTP_SPOOL_OK;
}

void spool_abort(struct spool_msg *m)
{
	if (!m)
		return;
	fclose(m->f);
	unlink(m->tmp_path);
	settle(m, false);
	free(m);
}
