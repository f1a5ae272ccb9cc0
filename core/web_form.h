/* web_form: the WebUI's request bodies and cookies, parsed without I/O so
 * they can be fuzzed: application/x-www-form-urlencoded, multipart/form-data
 * (a file upload), and the Cookie header. Every field is bounded. */
#ifndef TLSGATE_WEB_FORM_H
#define TLSGATE_WEB_FORM_H

#include <stdbool.h>
#include <stddef.h>

#include "err.h"

#define WEB_FORM_FIELDS_MAX 64
#define WEB_FORM_NAME_MAX   64

struct web_field {
	char name[WEB_FORM_NAME_MAX + 1];
	char *value; /* NUL-terminated; a file may hold NULs too: use len */
	size_t len;
};

struct web_form {
	struct web_field fields[WEB_FORM_FIELDS_MAX];
	int count;
	char *buf; /* owns every value */
	size_t buf_len;
};

/* "a=1&b=%2F+x": '+' is a space, %XX a byte. A bad escape, a name over
 * WEB_FORM_NAME_MAX or more than WEB_FORM_FIELDS_MAX fields: -1 with e set. */
int web_form_parse_urlencoded(struct web_form *f, const char *body, size_t len, struct err *e);
/* multipart/form-data with the boundary of `content_type` (RFC 7578). */
int web_form_parse_multipart(struct web_form *f, const char *content_type, const char *body,
			     size_t len, struct err *e);
/* Wipes every value (passwords) and frees them. */
void web_form_free(struct web_form *f);

/* The first field `name`, or NULL. */
const struct web_field *web_form_field(const struct web_form *f, const char *name);
/* Its value, or NULL when absent or when it holds a NUL (not text). */
const char *web_form_get(const struct web_form *f, const char *name);

/* The value of cookie `name` in a Cookie header into `out`: 0, or -1 when
 * absent or longer than len - 1. */
int web_cookie_get(const char *header, const char *name, char *out, size_t len);

#endif
