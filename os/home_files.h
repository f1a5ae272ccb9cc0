/* home_files: folders and append-only files in $TLSGATE_HOME that both the
 * console users and the daemon write (logs/). In a group-shared home (2770,
 * db_home_shared) they are 2770 and 0660 whoever creates them first; else
 * 0700 and 0600. */
#ifndef TLSGATE_HOME_FILES_H
#define TLSGATE_HOME_FILES_H

#include <stddef.h>

#include "../core/err.h"

/* Creates HOME/NAME if needed (and corrects the mode of one we own), and
 * writes its path into `out`. */
int home_dir(const char *home, const char *name, char *out, size_t len, struct err *e);
/* Opens `path` (in a folder of `home`) for appending, created with the home's
 * file mode; -1 with errno set on failure. */
int home_open_append(const char *home, const char *path);

#endif
