/* fuzz_config: config_set on a defaults config with the input as "key\0value".
 * A refused value leaves the config byte-identical; an accepted one changes only
 * its own setting and round-trips through config_get; rendering never crashes. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../../core/config.h"
#include "fuzz_check.h"

#define INPUT_MAX 4096

static struct config base; /* config_defaults, computed once */

static void check_message(const struct err *e)
{
	check(memchr(e->msg, '\0', sizeof(e->msg)) != NULL);
	check(e->msg[0] != '\0');
}

static int ascii_alnum(char ch)
{
	return (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9');
}

/* RFC 1123: 1..63-character labels of letters, digits and inner hyphens. */
static int model_hostname_ok(const char *name)
{
	size_t n = strlen(name), start = 0;

	if (n == 0 || n > CONFIG_HOSTNAME_MAX)
		return 0;
	while (start <= n) {
		size_t end = start;
		while (end < n && name[end] != '.')
			end++;
		if (end == start || end - start > 63)
			return 0;
		if (name[start] == '-' || name[end - 1] == '-')
			return 0;
		for (size_t i = start; i < end; i++)
			if (!ascii_alnum(name[i]) && name[i] != '-')
				return 0;
		start = end + 1;
	}
	return 1;
}

/* Non-empty ':'-separated entries of letters, digits and + - ! @ = _ . */
static int model_ciphers_ok(const char *s)
{
	size_t n = strlen(s);
	int entry_len = 0;

	if (n == 0 || n >= CONFIG_CIPHERS_MAX)
		return 0;
	for (size_t i = 0; i <= n; i++) {
		char ch = s[i];
		if (ch == ':' || ch == '\0') {
			if (entry_len == 0)
				return 0;
			entry_len = 0;
		} else if (ascii_alnum(ch) || (ch && strchr("+-!@=_.", ch))) {
			entry_len++;
		} else {
			return 0;
		}
	}
	return 1;
}

static void check_validators(const char *value)
{
	struct err e;
	int rc;

	memset(&e, 0x55, sizeof(e));
	rc = config_check_hostname(value, &e);
	check(rc == (model_hostname_ok(value) ? 0 : -1));
	if (rc < 0)
		check_message(&e);
	memset(&e, 0x55, sizeof(e));
	rc = config_check_ciphers_syntax(value, &e);
	check(rc == (model_ciphers_ok(value) ? 0 : -1));
	if (rc < 0)
		check_message(&e);
}

static void get(const struct config *c, const struct setting *s, struct strbuf *out)
{
	strbuf_reset(out);
	config_get(c, s, out);
	check(out->len == strlen(out->data));
}

/* "007" and "7" are the same count; everything else is stored as given,
 * except method lists, which come back in ascending order. */
static void check_rendering(const struct setting *s, const char *value, const char *rendered)
{
	switch (s->type) {
	case SETTING_METHODS: check(strlen(rendered) == strlen(value)); break;
	case SETTING_COUNT: check(atoi(rendered) == atoi(value)); break;
	default: check(strcmp(rendered, value) == 0); break;
	}
}

static void check_accepted(const struct config *c, const struct setting *s, const char *value)
{
	struct strbuf first, again, other_now, other_base;
	struct config fresh;
	struct err e;

	strbuf_init(&first);
	strbuf_init(&again);
	strbuf_init(&other_now);
	strbuf_init(&other_base);
	get(c, s, &first);
	check_rendering(s, value, first.data);

	memcpy(&fresh, &base, sizeof(fresh));
	check(config_set(&fresh, s->key, first.data, &e) == 0);
	get(&fresh, s, &again);
	check(strcmp(first.data, again.data) == 0);

	for (size_t i = 0; i < config_settings_count; i++) {
		const struct setting *t = &config_settings[i];
		if (t == s)
			continue;
		get(c, t, &other_now);
		get(&base, t, &other_base);
		check(strcmp(other_now.data, other_base.data) == 0);
	}
	strbuf_free(&first);
	strbuf_free(&again);
	strbuf_free(&other_now);
	strbuf_free(&other_base);
}

static void check_renderers(const struct config *before, const struct config *after, int changed)
{
	struct strbuf out;
	int count;

	strbuf_init(&out);
	config_render_sslconfig(after, &out);
	check(out.len == strlen(out.data));
	for (int style = CHANGES_BLOCK; style <= CHANGES_ONE_LINE; style++) {
		strbuf_reset(&out);
		count = config_render_changes(before, after, (enum changes_style)style, &out);
		check(out.len == strlen(out.data));
		check(count == 0 || count == 1);
		check(count == 0 || changed);
		check((count == 0) == (out.len == 0));
	}
	strbuf_free(&out);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	config_defaults(&base);
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	size_t len = size < INPUT_MAX ? size : INPUT_MAX;
	struct config c, before;
	const struct setting *s;
	const char *key, *value;
	struct err e;
	char *text;
	int rc;

	/* One extra NUL, so "key" without a separator reads as "key\0" + "". */
	text = malloc(len + 2);
	check(text != NULL);
	memcpy(text, data, len);
	text[len] = text[len + 1] = '\0';
	key = text;
	value = text + strlen(key) + 1;

	config_defaults(&c);
	check(memcmp(&c, &base, sizeof(c)) == 0);
	memcpy(&before, &c, sizeof(before));
	s = config_find_setting(key);

	memset(&e, 0x55, sizeof(e));
	rc = config_set(&c, key, value, &e);
	if (rc < 0) {
		check_message(&e);
		check(memcmp(&c, &before, sizeof(c)) == 0);
	} else {
		check(rc == 0);
		check(s != NULL);
		check_accepted(&c, s, value);
		if (s->type == SETTING_HOSTNAME)
			check(model_hostname_ok(value));
		if (s->type == SETTING_CIPHERS)
			check(model_ciphers_ok(value));
	}
	check_renderers(&before, &c, rc == 0);
	check_validators(value);
	check_validators(key);
	free(text);
	return 0;
}
