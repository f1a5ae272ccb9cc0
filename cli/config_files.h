/* config_files: the one module for the files of $TLSGATE_HOME/configuration/
 * (the folder scp serves): its confinement (a folder opened without links,
 * plain file names, plain files only), its size limits, and the lock that
 * makes "is there room?" and the write one step for every writer — console
 * commands (certconfig and destconfig EXPORT, ...) and scp uploads alike.
 * Messages name files as "configuration/NAME", never by absolute path. */
#ifndef TLSGATE_CONFIG_FILES_H
#define TLSGATE_CONFIG_FILES_H

#include <stdbool.h>
#include <stddef.h>

#include "../core/err.h"
#include "session.h"

#define CONFIG_FILE_MAX     (10L * 1024 * 1024)  /* one file */
#define CONFIG_FOLDER_MAX   (100L * 1024 * 1024) /* everything in the folder */
#define CONFIG_FOLDER_FILES 1000                 /* files in the folder */

/* The folder as a directory descriptor, made on first use (0700, or 2770
 * in a group-shared home); refused when it is a link, not a folder, or open
 * to others. */
int config_folder_open(const char *home, struct err *e);

/* The folder's lock (flock on configuration/.lock), held around every
 * "check the room, then write" so concurrent writers cannot overshoot the
 * folder limit. Blocks until it is free. Returns the lock's descriptor. */
int config_folder_lock(int dfd, struct err *e);
void config_folder_unlock(int lock);

/* Under the lock: whether `size` bytes may be written as `name` (which they
 * replace): the name rule, the file, folder and file-count limits, and `name` must not
 * be something other than a plain file. Reasons are lower-case fragments
 * ("configuration/ is full (...)"). Temporary files count. */
int config_folder_check(int dfd, const char *name, unsigned long long size, struct err *e);

/* Under the lock: creates the temporary file an upload of `size` bytes
 * fills, sized at once so the room is reserved before the lock is
 * released. Returns its descriptor, its name in tmp. */
int config_folder_reserve(int dfd, unsigned long long size, char *tmp, size_t len, struct err *e);
/* Removes temporary files a killed writer left (they count against the
 * folder's limit). */
void config_folder_clean(int dfd);

/* Under the folder: a plain file of at most CONFIG_FILE_MAX, read whole
 * (*data malloc'd, NUL-terminated past *len). 0; -1 refused, the reason in
 * e ("not a regular file"); -2 there is no such file. */
int config_folder_read(int dfd, const char *name, unsigned char **data, size_t *len, struct err *e);

/* The same by name for a console command, with the console's messages: a
 * plain file of at most CONFIG_FILE_MAX; *data is malloc'd (and
 * NUL-terminated past *len). Never blocks on a FIFO or a device, never
 * follows a link. */
int config_file_read(const char *home, const char *name, unsigned char **data, size_t *len,
		     struct err *e);
bool config_file_exists(const char *home, const char *name);
/* Writes configuration/NAME atomically (0600, 0660 in a group-shared home)
 * for the session's command: needs the operator role, passes the folder
 * check under the lock, and is audited naming the user and the file. */
int config_file_write(struct session *s, const char *name, const void *data, size_t len,
		      struct err *e);
/* The same; with `secret` (private keys, even encrypted) the file is 0600
 * in a group-shared home too: only its writer reads it. */
int config_file_write_secret(struct session *s, const char *name, const void *data, size_t len,
			     bool secret, struct err *e);
/* The name rule, as an answer check: "That value is not valid. ..." */
int config_file_check_name(const char *name, struct err *e);

#endif
