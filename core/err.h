/* err: the project's one error convention. Functions return 0 or -1 and, on
 * -1, fill a caller-owned struct err with a one-line, user-presentable message. */
#ifndef TLSGATE_ERR_H
#define TLSGATE_ERR_H

#include <stddef.h>

struct err {
	char msg[512];
};

/* Always returns -1 so callers can write: return err_set(e, "...");  */
int err_set(struct err *e, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void err_clear(struct err *e);

#endif
