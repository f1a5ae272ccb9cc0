/* config_files: every read and write of configuration/ — by descriptor under
 * the folder, no links, plain files only, the room checked under a lock. */
#include "config_files.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "../core/scp_parse.h"
#include "../db/db.h"
#include "../os/audit.h"
#include "roles.h"

#define LOCK_NAME      ".lock"
#define UPLOAD_PREFIX  ".upload-" /* an scp upload being received */
#define WRITE_PREFIX   ".write-"  /* a command's file being written (under the lock) */
#define LOCK_WAIT_MS   10000      /* writers hold the lock for one in-memory write */
#define UPLOAD_STALE_S 360        /* a live upload writes at least every 120 s (scp.c) */

int config_folder_open(const char *home, struct err *e)
{
	int hfd = open(home, O_RDONLY | O_DIRECTORY | O_CLOEXEC), fd;
	struct stat st;

	if (hfd < 0)
		return err_set(e, "the console home cannot be opened");
	if (mkdirat(hfd, SCP_FOLDER, 0770) < 0 && errno != EEXIST) {
		close(hfd);
		return err_set(e, "/%s cannot be created: %s", SCP_FOLDER, strerror(errno));
	}
	fd = openat(hfd, SCP_FOLDER, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	close(hfd);
	if (fd < 0)
		return err_set(e, "/%s is not a folder", SCP_FOLDER);
	if (fstat(fd, &st) < 0 || ((st.st_mode & 007) && fchmod(fd, st.st_mode & 02770) < 0)) {
		close(fd);
		return err_set(e, "/%s is open to other users", SCP_FOLDER);
	}
	return fd;
}

int config_folder_lock(int dfd, struct err *e)
{
	int fd = openat(dfd, LOCK_NAME, O_RDWR | O_CREAT | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC,
			0660);
	struct stat st;

	if (fd < 0 || fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
		if (fd >= 0)
			close(fd);
		return err_set(e, "%s/%s cannot be used", SCP_FOLDER, LOCK_NAME);
	}
	for (int waited = 0; flock(fd, LOCK_EX | LOCK_NB) < 0; waited += 10) {
		if ((errno != EWOULDBLOCK && errno != EINTR) || waited >= LOCK_WAIT_MS) {
			close(fd);
			return err_set(e, "%s/ is busy: another copy is being written", SCP_FOLDER);
		}
		nanosleep(&(struct timespec){ 0, 10 * 1000 * 1000 }, NULL);
	}
	return fd;
}

void config_folder_unlock(int lock)
{
	if (lock >= 0)
		close(lock); /* closing the only descriptor releases the flock */
}

/* Calls fn for each plain file of the folder (links are not followed). */
static void folder_walk(int dfd,
			void (*fn)(int dfd, const char *name, const struct stat *st, void *arg),
			void *arg)
{
	struct dirent *d;
	struct stat st;
	int fd = dup(dfd);
	DIR *dir = fd < 0 ? NULL : fdopendir(fd);

	if (!dir) {
		if (fd >= 0)
			close(fd);
		return;
	}
	rewinddir(dir);
	while ((d = readdir(dir)))
		if (fstatat(dfd, d->d_name, &st, AT_SYMLINK_NOFOLLOW) == 0 && S_ISREG(st.st_mode))
			fn(dfd, d->d_name, &st, arg);
	closedir(dir);
}

/* Under the lock a command's temporary file is always a dead writer's; an
 * upload's is once it has not grown for longer than scp's read timeout. */
static void remove_if_stale(int dfd, const char *name, const struct stat *st, void *arg)
{
	(void)arg;
	if (strncmp(name, WRITE_PREFIX, strlen(WRITE_PREFIX)) == 0 ||
	    (strncmp(name, UPLOAD_PREFIX, strlen(UPLOAD_PREFIX)) == 0 &&
	     time(NULL) - st->st_mtime > UPLOAD_STALE_S))
		unlinkat(dfd, name, 0);
}

void config_folder_clean(int dfd)
{
	folder_walk(dfd, remove_if_stale, NULL);
}

struct usage {
	const char *replacing; /* the file a write replaces: not counted */
	long long total;
	long files;
};

static void add_size(int dfd, const char *name, const struct stat *st, void *arg)
{
	struct usage *u = arg;

	(void)dfd;
	if (strcmp(name, u->replacing) != 0 && strcmp(name, LOCK_NAME) != 0) {
		u->total += st->st_size;
		u->files++;
	}
}

int config_folder_check(int dfd, const char *name, unsigned long long size, struct err *e)
{
	struct stat st;
	struct usage usage = { name, 0, 0 };

	if (scp_check_name(name, e) < 0)
		return -1;
	if (size > (unsigned long long)CONFIG_FILE_MAX)
		return err_set(e, "the file is larger than the limit of %ld bytes",
			       CONFIG_FILE_MAX);
	if (fstatat(dfd, name, &st, AT_SYMLINK_NOFOLLOW) == 0 && !S_ISREG(st.st_mode))
		return err_set(e, "not a regular file");
	folder_walk(dfd, add_size, &usage);
	if (usage.total + (long long)size > CONFIG_FOLDER_MAX)
		return err_set(e, "/%s is full (%ld bytes at most)", SCP_FOLDER, CONFIG_FOLDER_MAX);
	if (usage.files >= CONFIG_FOLDER_FILES)
		return err_set(e, "/%s is full (%d files at most)", SCP_FOLDER,
			       CONFIG_FOLDER_FILES);
	return 0;
}

/* A new temporary file named PREFIXpid-n, sized `size` (the room it takes). */
static int make_temp(int dfd, const char *prefix, unsigned long long size, mode_t mode, char *tmp,
		     size_t len, struct err *e)
{
	static unsigned counter;
	int fd;

	snprintf(tmp, len, "%s%ld-%u", prefix, (long)getpid(), counter++);
	fd = openat(dfd, tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, mode);
	if (fd < 0)
		return err_set(e, "%s", strerror(errno));
	fchmod(fd, mode); /* whatever the umask */
	if (ftruncate(fd, (off_t)size) < 0) {
		err_set(e, "%s", strerror(errno));
		close(fd);
		unlinkat(dfd, tmp, 0);
		return -1;
	}
	return fd;
}

int config_folder_reserve(int dfd, unsigned long long size, char *tmp, size_t len, struct err *e)
{
	return make_temp(dfd, UPLOAD_PREFIX, size, 0660, tmp, len, e);
}

int config_file_check_name(const char *name, struct err *e)
{
	struct err why;

	if (!name[0])
		return err_set(e, "You must enter a file name.");
	if (scp_check_name(name, &why) < 0)
		return err_set(e, "That value is not valid. A file name in configuration/ holds "
				  "letters, digits, '.', '_' and '-', and does not start with '.' "
				  "or '-'.");
	return 0;
}

int config_folder_read(int dfd, const char *name, unsigned char **data, size_t *len, struct err *e)
{
	struct stat st;
	size_t got = 0;
	/* O_NONBLOCK: opening a FIFO must not wait for a writer. */
	int fd = openat(dfd, name, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);

	*data = NULL;
	*len = 0;
	if (fd < 0 && errno == ENOENT)
		return err_set(e, "%s", strerror(errno)), -2;
	if (fd < 0 && errno != ELOOP)
		return err_set(e, "%s", strerror(errno));
	if (fd < 0 || fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
		if (fd >= 0)
			close(fd);
		return err_set(e, "not a regular file");
	}
	if (st.st_size > CONFIG_FILE_MAX) {
		close(fd);
		return err_set(e, "the file is larger than the limit of %ld bytes",
			       CONFIG_FILE_MAX);
	}
	if (!(*data = malloc((size_t)st.st_size + 1)))
		abort();
	while (got < (size_t)st.st_size) {
		ssize_t n = pread(fd, *data + got, (size_t)st.st_size - got, (off_t)got);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		got += (size_t)n;
	}
	close(fd);
	if (got != (size_t)st.st_size) {
		free(*data);
		*data = NULL;
		return err_set(e, "the file changed while it was read");
	}
	(*data)[got] = '\0';
	*len = got;
	return 0;
}

int config_file_read(const char *home, const char *name, unsigned char **data, size_t *len,
		     struct err *e)
{
	struct err why;
	int dfd, rc;

	*data = NULL;
	*len = 0;
	if (config_file_check_name(name, e) < 0)
		return -1;
	if ((dfd = config_folder_open(home, &why)) < 0)
		return err_set(e, "The folder configuration/ cannot be used: %s.", why.msg);
	rc = config_folder_read(dfd, name, data, len, &why);
	close(dfd);
	if (rc == -2)
		return err_set(e,
			       "That value is not valid. There is no file \"%s\" in "
			       "configuration/ (upload it with scp first).",
			       name);
	if (rc < 0)
		return err_set(e, "That value is not valid. configuration/%s cannot be read: %s.",
			       name, why.msg);
	return 0;
}

bool config_file_exists(const char *home, const char *name)
{
	struct err ignored;
	struct stat st;
	int dfd = config_folder_open(home, &ignored);
	bool found;

	if (dfd < 0)
		return false;
	found = fstatat(dfd, name, &st, AT_SYMLINK_NOFOLLOW) == 0;
	close(dfd);
	return found;
}

static int write_all(int fd, const unsigned char *p, size_t n)
{
	while (n > 0) {
		ssize_t w = write(fd, p, n);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return -1;
		p += w;
		n -= (size_t)w;
	}
	return 0;
}

/* The write itself, under the lock: check, temporary file, rename. */
static int write_locked(int dfd, const char *name, const void *data, size_t len, mode_t mode,
			struct err *e)
{
	char tmp[64];
	struct err why;
	int fd, rc;

	config_folder_clean(dfd);
	if (config_folder_check(dfd, name, len, &why) < 0)
		return err_set(e, "Cannot write configuration/%s: %s.", name, why.msg);
	if ((fd = make_temp(dfd, WRITE_PREFIX, 0, mode, tmp, sizeof(tmp), &why)) < 0)
		return err_set(e, "Cannot write configuration/%s: %s.", name, why.msg);
	rc = write_all(fd, data, len) == 0 && fsync(fd) == 0 ? 0 : -1;
	rc = close(fd) == 0 && rc == 0 ? 0 : -1;
	if (rc == 0 && renameat(dfd, tmp, dfd, name) < 0)
		rc = -1;
	if (rc < 0) {
		err_set(e, "Cannot write configuration/%s: %s.", name, strerror(errno));
		unlinkat(dfd, tmp, 0);
	}
	return rc;
}

int config_file_write(struct session *s, const char *name, const void *data, size_t len,
		      struct err *e)
{
	return config_file_write_secret(s, name, data, len, false, e);
}

int config_file_write_secret(struct session *s, const char *name, const void *data, size_t len,
			     bool secret, struct err *e)
{
	/* The key inside an export is encrypted, but the file is still no one else's. */
	mode_t mode = db_home_shared(s->home) && !secret ? 0660 : 0600;
	char what[160];
	struct err why;
	int dfd, lock, rc;

	snprintf(what, sizeof(what), "%s write configuration/%.64s",
		 s->command ? s->command : "console", name);
	/* Whatever the menu says: a file here can replace another user's. */
	if (!role_allows(s->role, ROLE_OPERATOR)) {
		role_log_refusal(s, what);
		return err_set(e, "%s", ROLE_DENIED_MSG);
	}
	if (config_file_check_name(name, e) < 0)
		return -1;
	if ((dfd = config_folder_open(s->home, &why)) < 0)
		return err_set(e, "The folder configuration/ cannot be used: %s.", why.msg);
	if ((lock = config_folder_lock(dfd, &why)) < 0) {
		close(dfd);
		return err_set(e, "Cannot write configuration/%s: %s.", name, why.msg);
	}
	rc = write_locked(dfd, name, data, len, mode, e);
	config_folder_unlock(lock);
	close(dfd);
	if (rc == 0)
		audit_event(s->home, "Info", "%s: user %s wrote %s/%s (%zu bytes)",
			    s->command ? s->command : "console", s->user, SCP_FOLDER, name, len);
	else
		audit_event(s->home, "Warning", "%s: user %s could not write %s/%s: %s",
			    s->command ? s->command : "console", s->user, SCP_FOLDER, name, e->msg);
	return rc;
}
