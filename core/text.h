/* text: free text typed by a person or sent by a peer, and how it may be
 * shown. A value is "clean" when it is UTF-8 with no control character (C0,
 * tab included, DEL, C1): only clean text is accepted as an answer, and
 * anything printed to a terminal or written to a log line is escaped first,
 * so old stored data or a peer's bytes can never add a line, move the cursor
 * or retitle an admin's terminal. */
#ifndef TLSGATE_TEXT_H
#define TLSGATE_TEXT_H

#include <stdbool.h>
#include <stddef.h>

#include "strbuf.h"

/* Whether `s` is clean (see above). */
bool text_is_clean(const char *s);

/* Appends `s` to `out` with every byte of a control character or of an
 * invalid UTF-8 sequence written as \xNN. Valid, printable UTF-8 is copied
 * as is; a backslash stays a backslash. */
void text_escape(struct strbuf *out, const char *s);

/* The same into a fixed buffer (never cut inside an escape or a UTF-8
 * character); returns buf, for printf("%s", ...). */
const char *text_escape_buf(const char *s, char *buf, size_t len);

#endif
