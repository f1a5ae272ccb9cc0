/* config_files: reading and writing the files of $TLSGATE_HOME/configuration/
 * (the folder scp serves) for certconfig's IMPORT and EXPORT. Names are plain
 * file names (core/scp_parse.h: no '/', never ".."); files are written 0600
 * (0660 in a group-shared home), atomically. */
#ifndef TLSGATE_CONFIG_FILES_H
#define TLSGATE_CONFIG_FILES_H

#include <stdbool.h>
#include <stddef.h>

#include "../core/err.h"

#define CONFIG_FILE_MAX (10L * 1024 * 1024)

/* *data is malloc'd (and NUL-terminated past *len). */
int config_file_read(const char *home, const char *name, unsigned char **data, size_t *len,
		     struct err *e);
bool config_file_exists(const char *home, const char *name);
int config_file_write(const char *home, const char *name, const void *data, size_t len,
		      struct err *e);
/* The name rule, as an answer check: "That value is not valid. ..." */
int config_file_check_name(const char *name, struct err *e);

#endif
