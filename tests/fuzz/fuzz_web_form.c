/* fuzz_web_form: the WebUI's request parsers (core/web_form.c) and the SSL
 * Configuration form reader (core/web_ssl.c). The first byte picks one:
 * urlencoded, multipart, cookie, or a form applied to the defaults. Every
 * field stays inside the body's copy and is NUL-terminated; a form the reader
 * accepts leaves only contiguous, non-empty TLS method sets; a parse that
 * fails leaves nothing to free. */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "../../core/config.h"
#include "../../core/web_form.h"
#include "../../core/web_ssl.h"
#include "fuzz_check.h"

static void check_form(const struct web_form *f, size_t len)
{
	check(f->count >= 0 && f->count <= WEB_FORM_FIELDS_MAX);
	for (int i = 0; i < f->count; i++) {
		const struct web_field *fd = &f->fields[i];
		check(fd->value >= f->buf && fd->value + fd->len <= f->buf + len);
		check(fd->value[fd->len] == '\0');
		check(strlen(fd->name) >= 1 && strlen(fd->name) <= WEB_FORM_NAME_MAX);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct web_form f;
	struct err e;
	const char *body;
	size_t len;

	if (size < 1)
		return 0;
	body = (const char *)data + 1;
	len = size - 1;
	switch (data[0] % 4) {
	case 0:
		if (web_form_parse_urlencoded(&f, body, len, &e) == 0) {
			check_form(&f, len);
			web_form_free(&f);
		} else {
			check(f.buf == NULL && f.count == 0);
		}
		break;
	case 1:
		if (web_form_parse_multipart(&f, "multipart/form-data; boundary=XyZ", body, len,
					     &e) == 0) {
			check_form(&f, len);
			web_form_free(&f);
		} else {
			check(f.buf == NULL && f.count == 0);
		}
		break;
	case 2: {
		char header[4096], out[80];
		size_t n = len < sizeof(header) - 1 ? len : sizeof(header) - 1;
		memcpy(header, body, n);
		header[n] = '\0';
		if (web_cookie_get(header, "tlsgate_session", out, sizeof(out)) == 0)
			check(strlen(out) < sizeof(out) && !strchr(out, ';'));
		break;
	}
	case 3:
		if (web_form_parse_urlencoded(&f, body, len, &e) == 0) {
			struct config c;
			char field[64];
			config_defaults(&c);
			if (web_ssl_apply(&f, &c, field, sizeof(field), &e) == 0)
				for (int id = 0; id < SVC_COUNT; id++)
					check(methods_is_contiguous(c.svc[id].methods));
			web_form_free(&f);
		}
		break;
	}
	return 0;
}
