/* shell: the one command loop shared by the interactive console, batch input
 * and -c; the modes differ only where the spec says they do. */
#ifndef TLSGATE_SHELL_H
#define TLSGATE_SHELL_H

#include "session.h"

/* Runs the session; `commands` is the -c argument or NULL. Returns the exit
 * status: 0, or 1 when a batch (or -c) stopped on an error. */
int shell_run(struct session *s, const char *commands);

/* Splits a command line into words; "double quotes" group, \" and \\ escape.
 * Returns argc, or -1 on an unterminated quote or too many words. */
int shell_split_words(char *line, char **argv, int max);

#endif
