/* fuzz_web_escape: web_json_string and web_html_text (what keeps config values
 * from breaking out of the GUI's JSON and HTML) decode back to their input and
 * leave no live quote, bracket or control byte; the page renderers never crash. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../../core/config.h"
#include "../../core/config_web.h"
#include "fuzz_check.h"

#define TEXT_MAX 4096

static int hex_value(char ch)
{
	if (ch >= '0' && ch <= '9')
		return ch - '0';
	if (ch >= 'a' && ch <= 'f')
		return ch - 'a' + 10;
	if (ch >= 'A' && ch <= 'F')
		return ch - 'A' + 10;
	return -1;
}

/* A JSON string literal (RFC 8259 7) decoded into `out`; only the escapes the
 * encoder may use are accepted, and \u only below 0x100 (bytes). */
static void check_json(const char *json, size_t len, const char *expected)
{
	char *out = malloc(len + 1), *o = out;

	check(out != NULL);
	check(len >= 2 && json[0] == '"' && json[len - 1] == '"');
	for (size_t i = 1; i + 1 < len; i++) {
		unsigned char ch = (unsigned char)json[i];
		check(ch >= 0x20 && ch != '"');
		if (ch != '\\') {
			*o++ = (char)ch;
			continue;
		}
		check(i + 2 < len);
		ch = (unsigned char)json[++i];
		if (ch == '"' || ch == '\\') {
			*o++ = (char)ch;
			continue;
		}
		check(ch == 'u' && i + 5 < len);
		int v = 0;
		for (int k = 1; k <= 4; k++) {
			int h = hex_value(json[i + k]);
			check(h >= 0);
			v = v * 16 + h;
		}
		check(v > 0 && v < 0x20); /* only control characters need \u */
		*o++ = (char)v;
		i += 4;
	}
	*o = '\0';
	check(strcmp(out, expected) == 0);
	free(out);
}

static const struct {
	const char *entity;
	char ch;
} entities[] = {
	{ "&lt;", '<' }, { "&gt;", '>' }, { "&amp;", '&' }, { "&quot;", '"' }, { "&#39;", '\'' },
};

/* No '<', '>', '"' or '\'' survive; every '&' opens one of five entities. */
static void check_html(const char *html, const char *expected)
{
	char *out = malloc(strlen(html) + 1), *o = out;

	check(out != NULL);
	for (const char *p = html; *p;) {
		check(!strchr("<>\"'", *p));
		if (*p != '&') {
			*o++ = *p++;
			continue;
		}
		size_t k = 0, n = sizeof(entities) / sizeof(entities[0]);
		while (k < n && strncmp(p, entities[k].entity, strlen(entities[k].entity)) != 0)
			k++;
		check(k < n);
		*o++ = entities[k].ch;
		p += strlen(entities[k].entity);
	}
	*o = '\0';
	check(strcmp(out, expected) == 0);
	free(out);
}

/* The pages for a config whose hostname and ciphers come from the input when
 * config_set accepts them. */
static void check_pages(const char *text)
{
	struct config c;
	struct strbuf out;
	struct err e;

	config_defaults(&c);
	config_set(&c, "system.hostname", text, &e);
	config_set(&c, "outbound.ciphers", text, &e);
	strbuf_init(&out);
	config_render_json(&c, 42, &out);
	check(out.len == strlen(out.data) && out.data[0] == '{');
	strbuf_reset(&out);
	config_render_html(&c, 42, &out);
	check(out.len == strlen(out.data));
	strbuf_free(&out);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	size_t len = size < TEXT_MAX ? size : TEXT_MAX;
	struct strbuf out;
	char *text = malloc(len + 1);

	check(text != NULL);
	memcpy(text, data, len);
	text[len] = '\0';

	strbuf_init(&out);
	web_json_string(&out, text);
	check(out.len == strlen(out.data));
	check_json(out.data, out.len, text);
	strbuf_reset(&out);
	web_html_text(&out, text);
	check(out.len == strlen(out.data));
	check_html(out.data, text);
	strbuf_free(&out);

	check_pages(text);
	free(text);
	return 0;
}
