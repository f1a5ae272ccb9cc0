/* home_files: shared-home modes for folders and logs. */
#include "home_files.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../db/db.h"

int home_dir(const char *home, const char *name, char *out, size_t len, struct err *e)
{
	int shared = db_home_shared(home);
	mode_t want = shared ? 02770 : 0700, old_mask = umask(shared ? 007 : 077);
	struct stat st;
	int rc;

	if ((size_t)snprintf(out, len, "%s/%s", home, name) >= len) {
		umask(old_mask);
		return err_set(e, "The home directory path is too long.");
	}
	rc = mkdir(out, want);
	umask(old_mask);
	if (rc < 0 && errno != EEXIST)
		return err_set(e, "Cannot create %s: %s", out, strerror(errno));
	if (lstat(out, &st) < 0 || !S_ISDIR(st.st_mode))
		return err_set(e, "%s is not a folder.", out);
	/* A folder an older release (or the other process) made 0700. */
	if (st.st_uid == geteuid() && (st.st_mode & 07777) != want)
		chmod(out, want);
	return 0;
}

int home_open_append(const char *home, const char *path)
{
	int shared = db_home_shared(home);
	mode_t mode = shared ? 0660 : 0600, old_mask = umask(shared ? 007 : 077);
	struct stat st;
	int fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC | O_NOFOLLOW, mode);

	umask(old_mask);
	if (fd >= 0 && fstat(fd, &st) == 0 && st.st_uid == geteuid() &&
	    (st.st_mode & 07777) != mode)
		fchmod(fd, mode);
	return fd;
}
