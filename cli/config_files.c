/* config_files: certconfig's files in configuration/, by descriptor, no links. */
#include "config_files.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../core/scp_parse.h"
#include "../db/db.h"
#include "scp.h"

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

int config_file_read(const char *home, const char *name, unsigned char **data, size_t *len,
		     struct err *e)
{
	struct err why;
	struct stat st;
	int dfd, fd;
	size_t got = 0;

	*data = NULL;
	*len = 0;
	if (config_file_check_name(name, e) < 0)
		return -1;
	if ((dfd = scp_folder_open(home, &why)) < 0)
		return err_set(e, "The folder configuration/ cannot be used: %s.", why.msg);
	fd = openat(dfd, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	close(dfd);
	if (fd < 0)
		return err_set(e,
			       "That value is not valid. There is no file \"%s\" in "
			       "configuration/ (upload it with scp first).",
			       name);
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode) || st.st_size > CONFIG_FILE_MAX) {
		close(fd);
		return err_set(e,
			       "That value is not valid. \"%s\" is not a plain file of at most "
			       "10 MB.",
			       name);
	}
	*data = malloc((size_t)st.st_size + 1);
	if (!*data)
		abort();
	while (got < (size_t)st.st_size) {
		ssize_t n = read(fd, *data + got, (size_t)st.st_size - got);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		got += (size_t)n;
	}
	close(fd);
	(*data)[got] = '\0';
	*len = got;
	return 0;
}

bool config_file_exists(const char *home, const char *name)
{
	struct err ignored;
	struct stat st;
	int dfd = scp_folder_open(home, &ignored);
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

int config_file_write(const char *home, const char *name, const void *data, size_t len,
		      struct err *e)
{
	char tmp[SCP_NAME_MAX + 32];
	struct err why;
	int dfd, fd, rc;

	if (config_file_check_name(name, e) < 0)
		return -1;
	if ((dfd = scp_folder_open(home, &why)) < 0)
		return err_set(e, "The folder configuration/ cannot be used: %s.", why.msg);
	snprintf(tmp, sizeof(tmp), ".export-%ld", (long)getpid());
	unlinkat(dfd, tmp, 0);
	fd = openat(dfd, tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC,
		    db_home_shared(home) ? 0660 : 0600);
	if (fd < 0) {
		close(dfd);
		return err_set(e, "Cannot write to configuration/: %s.", strerror(errno));
	}
	/* The key inside is encrypted, but the file is still no one else's. */
	fchmod(fd, db_home_shared(home) ? 0660 : 0600);
	rc = write_all(fd, data, len) == 0 && fsync(fd) == 0 ? 0 : -1;
	rc = close(fd) == 0 && rc == 0 ? 0 : -1;
	if (rc == 0 && renameat(dfd, tmp, dfd, name) < 0)
		rc = -1;
	if (rc < 0) {
		err_set(e, "Cannot write configuration/%s: %s.", name, strerror(errno));
		unlinkat(dfd, tmp, 0);
	}
	close(dfd);
	return rc;
}
