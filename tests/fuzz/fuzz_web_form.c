/* fuzz_web_form: the WebUI's request parsers (core/web_form.c), the SSL
 * Configuration form reader (core/web_ssl.c) and the Destination Controls
 * form reader (core/web_dest.c). The first byte picks one: urlencoded,
 * multipart, cookie, a form applied to the defaults, a destination form for
 * a domain or for the default entry. Every field stays inside the body's
 * copy and is NUL-terminated; a form the SSL reader accepts leaves only
 * contiguous, non-empty TLS method sets; a destination the reader accepts
 * stores and reads back unchanged (and the default entry sets every
 * field); a parse that fails leaves nothing to free. */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "../../core/config.h"
#include "../../core/dest.h"
#include "../../core/web_form.h"
#include "../../core/web_dest.h"
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
	switch (data[0] % 6) {
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
	case 4:
	case 5:
		if (web_form_parse_urlencoded(&f, body, len, &e) == 0) {
			bool is_default = data[0] % 6 == 5;
			struct dest_policy p, back;
			struct strbuf a, b;
			char field[64];
			if (is_default)
				dest_policy_defaults(&p);
			else
				dest_policy_empty(&p);
			if (web_dest_apply(&f, is_default, &p, field, sizeof(field), &e) == 0) {
				check(!is_default || p.set == DEST_F_ALL);
				check(dest_check_dane(&p, is_default, &e) == 0);
				strbuf_init(&a);
				strbuf_init(&b);
				dest_policy_encode(&p, &a);
				check(dest_policy_decode(a.data, &back, &e) == 0);
				dest_policy_encode(&back, &b);
				check(back.set == p.set && strcmp(a.data, b.data) == 0);
				strbuf_free(&a);
				strbuf_free(&b);
			} else {
				check(field[0] != '\0');
			}
			web_form_free(&f);
		}
		break;
	}
	return 0;
}
