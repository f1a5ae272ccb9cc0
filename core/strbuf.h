/* strbuf: a growable, always NUL-terminated string, so core/ can render text
 * without doing any I/O itself. */
#ifndef TLSGATE_STRBUF_H
#define TLSGATE_STRBUF_H

#include <stddef.h>

struct strbuf {
	char *data; /* never NULL after strbuf_init */
	size_t len;
	size_t cap;
};

void strbuf_init(struct strbuf *sb);
void strbuf_free(struct strbuf *sb);
void strbuf_reset(struct strbuf *sb);
void strbuf_add(struct strbuf *sb, const char *s, size_t n);
void strbuf_puts(struct strbuf *sb, const char *s);
void strbuf_printf(struct strbuf *sb, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#endif
