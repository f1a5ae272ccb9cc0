/* entries: the table of entry kinds and their key spelling. */
#include "entries.h"

#include <stdio.h>
#include <string.h>

#include "config.h"
#include "strbuf.h"

const struct entry_kind entry_kinds[] = {
	{ "cert", "certconfig", "Certificate profile", ROLE_OPERATOR },
	{ "ca", "certconfig", "Custom certificate authority", ROLE_OPERATOR },
	{ "dest", "destconfig", "Destination control", ROLE_OPERATOR },
	{ "route", "smtproutes", "SMTP route", ROLE_OPERATOR },
	{ "user", "userconfig", "User", ROLE_ADMIN },
	{ "listener", "listenerconfig", "Listener", ROLE_OPERATOR },
	{ "hat", "listenerconfig", "Host access table", ROLE_OPERATOR },
	{ "rat", "listenerconfig", "Recipient access table", ROLE_OPERATOR },
	{ "smtpsetup", "listenerconfig", "Listener global settings", ROLE_OPERATOR },
};
const size_t entry_kinds_count = sizeof(entry_kinds) / sizeof(entry_kinds[0]);

enum role role_needed_for_key(const char *key)
{
	const struct entry_kind *k = entry_kind_of_key(key, NULL);

	return k ? k->role : ROLE_OPERATOR;
}

const struct entry_kind *entry_kind_find(const char *kind)
{
	for (size_t i = 0; i < entry_kinds_count; i++)
		if (strcmp(entry_kinds[i].kind, kind) == 0)
			return &entry_kinds[i];
	return NULL;
}

const struct entry_kind *entry_kind_of_key(const char *key, const char **name)
{
	const char *dot = strchr(key, '.');

	/* "ca.system" is a setting (certconfig CERTAUTHORITY SYSTEM), not a CA. */
	if (!dot || config_find_setting(key))
		return NULL;
	for (size_t i = 0; i < entry_kinds_count; i++) {
		size_t n = strlen(entry_kinds[i].kind);
		if ((size_t)(dot - key) == n && strncmp(key, entry_kinds[i].kind, n) == 0) {
			if (name)
				*name = dot + 1;
			return &entry_kinds[i];
		}
	}
	return NULL;
}

int entry_key(const char *kind, const char *name, char *buf, size_t len, struct err *e)
{
	size_t n = strlen(name);

	if (!entry_kind_find(kind))
		return err_set(e, "Unknown kind of entry \"%.20s\".", kind);
	if (n == 0 || n > ENTRY_NAME_MAX)
		return err_set(e, "The name must be 1 to %d characters long.", ENTRY_NAME_MAX);
	for (const char *p = name; *p; p++)
		if ((unsigned char)*p <= ' ' || *p == 0x7f)
			return err_set(e,
				       "The name must not contain spaces or control characters.");
	if ((size_t)snprintf(buf, len, "%s.%s", kind, name) >= len)
		return err_set(e, "The name is too long.");
	if (config_find_setting(buf))
		return err_set(e, "That value is not valid. \"%.60s\" is a reserved name.", name);
	return 0;
}

/* Short settings-like values (destination controls: "key=value" lines) are
 * shown on one line; PEM text and anything long is only summarised. */
static int printable(const char *v)
{
	return v && strlen(v) <= 400 && !strstr(v, "-----");
}

/* A user's value keeps its password hash after ";hash=": never shown. */
static void add_one_line(struct strbuf *out, const char *label, const char *v)
{
	const char *hash = strstr(v, ";hash=");
	size_t n = hash ? (size_t)(hash - v) : strlen(v);

	while (n > 0 && v[n - 1] == '\n')
		n--;
	strbuf_printf(out, "    %s: ", label);
	for (size_t i = 0; i < n; i++) {
		if (v[i] == '\n')
			strbuf_puts(out, ", ");
		else
			strbuf_add(out, &v[i], 1);
	}
	strbuf_puts(out, hash ? " (password set)\n" : "\n");
}

void entry_render_change(const struct entry_kind *k, const char *name, const char *old,
			 const char *value, struct strbuf *out)
{
	const char *what = !value ? "deleted" : !old ? "added" : "changed";

	strbuf_printf(out, "  %s \"%s\": %s\n", k->label, name, what);
	if (printable(old) && value)
		add_one_line(out, "old", old);
	if (printable(value))
		add_one_line(out, "new", value);
}
