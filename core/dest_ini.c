/* dest_ini: the destination control table's INI file. */
#include "dest_ini.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "domain_map.h"

static char *trim(char *s)
{
	size_t n = strlen(s);

	while (n > 0 && (s[n - 1] == ' ' || s[n - 1] == '\t' || s[n - 1] == '\r'))
		s[--n] = '\0';
	while (*s == ' ' || *s == '\t')
		s++;
	return s;
}

static int line_error(struct err *e, size_t line, const char *what)
{
	return err_set(e, "That value is not valid. Line %zu: %s", line, what);
}

static struct dest_ini_entry *add_entry(struct dest_ini *ini, size_t *cap)
{
	if (ini->count == *cap) {
		size_t n = *cap ? *cap * 2 : 64;
		struct dest_ini_entry *p = realloc(ini->entries, n * sizeof(*p));
		if (!p)
			abort();
		ini->entries = p;
		*cap = n;
	}
	return &ini->entries[ini->count++];
}

static int parse_section(struct dest_ini *ini, size_t *cap, struct domain_map *seen, char *s,
			 size_t lineno, struct err *e)
{
	size_t n = strlen(s);
	struct dest_ini_entry *entry;
	struct err why;
	char msg[400];

	if (s[n - 1] != ']')
		return line_error(e, lineno, "a section name must end with ']'.");
	s[n - 1] = '\0';
	s = trim(s + 1);
	if (strcasecmp(s, DEST_DEFAULT_NAME) == 0) {
		strcpy(s, DEST_DEFAULT_NAME);
	} else if (dest_check_domain(s, &why) < 0) {
		snprintf(msg, sizeof(msg), "\"%.60s\" is not a domain.", s);
		return line_error(e, lineno, msg);
	}
	if (domain_map_get(seen, s)) {
		snprintf(msg, sizeof(msg), "the section [%.60s] appears twice.", s);
		return line_error(e, lineno, msg);
	}
	entry = add_entry(ini, cap);
	snprintf(entry->name, sizeof(entry->name), "%s", s);
	if (strcmp(s, DEST_DEFAULT_NAME) == 0) {
		dest_policy_defaults(&entry->policy);
		ini->has_default = 1;
	} else {
		dest_policy_empty(&entry->policy);
	}
	domain_map_put(seen, s, (void *)1, NULL); /* only "seen" matters */
	return 0;
}

static int parse_setting(struct dest_ini *ini, char *s, unsigned *keys_seen, size_t lineno,
			 struct err *e)
{
	char *eq = strchr(s, '='), *key, *value, msg[sizeof(struct err)];
	struct dest_policy *p;
	struct dest_policy probe;
	struct err why;

	if (ini->count == 0)
		return line_error(e, lineno, "a setting before the first [section].");
	if (!eq)
		return line_error(e, lineno, "expected \"key = value\".");
	*eq = '\0';
	key = trim(s);
	value = trim(eq + 1);
	p = &ini->entries[ini->count - 1].policy;
	dest_policy_empty(&probe);
	if (dest_policy_set(&probe, key, value, &why) < 0) {
		snprintf(msg, sizeof(msg), "%s", why.msg);
		if (msg[0] >= 'a' && msg[0] <= 'z' && strncmp(msg, "unknown", 7) != 0)
			msg[0] = (char)(msg[0] - 'a' + 'A');
		return line_error(e, lineno, msg);
	}
	unsigned bit = 1u << dest_key_index(key);
	if (*keys_seen & bit) {
		snprintf(msg, sizeof(msg), "the key \"%.40s\" appears twice in this section.", key);
		return line_error(e, lineno, msg);
	}
	*keys_seen |= bit;
	dest_policy_set(p, key, value, &why);
	return 0;
}

/* The section just read, whole: DANE Support needs the entry's own TLS
 * level other than No (dest_check_dane), checked once every key is in; the
 * error names the dane line. */
static int check_section(const struct dest_ini *ini, size_t dane_line, struct err *e)
{
	const struct dest_ini_entry *entry;
	const char *prefix = "That value is not valid. ";
	struct err why;

	if (ini->count == 0 || dane_line == 0)
		return 0;
	entry = &ini->entries[ini->count - 1];
	if (dest_check_dane(&entry->policy, strcmp(entry->name, DEST_DEFAULT_NAME) == 0, &why) < 0)
		return line_error(e, dane_line,
				  strncmp(why.msg, prefix, strlen(prefix)) == 0
					  ? why.msg + strlen(prefix)
					  : why.msg);
	return 0;
}

int dest_ini_parse(const char *text, size_t len, struct dest_ini *out, struct err *e)
{
	struct dest_ini ini = { 0 };
	struct domain_map *seen = domain_map_new();
	size_t cap = 0, lineno = 0, pos = 0, dane_line = 0;
	unsigned keys_seen = 0;
	char buf[DEST_INI_LINE_MAX + 2];
	int rc = 0;

	memset(out, 0, sizeof(*out));
	while (pos < len && rc == 0) {
		const char *nl = memchr(text + pos, '\n', len - pos);
		size_t n = nl ? (size_t)(nl - (text + pos)) : len - pos;
		char *s;

		lineno++;
		if (n > DEST_INI_LINE_MAX) {
			rc = line_error(e, lineno, "the line is too long.");
			break;
		}
		memcpy(buf, text + pos, n);
		buf[n] = '\0';
		pos += n + (nl ? 1 : 0);
		if (memchr(buf, '\0', n)) {
			rc = line_error(e, lineno, "the line holds a NUL byte.");
			break;
		}
		s = trim(buf);
		if (*s == '\0' || *s == '#' || *s == ';')
			continue;
		if (*s == '[') {
			rc = check_section(&ini, dane_line, e);
			if (rc == 0)
				rc = parse_section(&ini, &cap, seen, s, lineno, e);
			keys_seen = 0;
			dane_line = 0;
		} else {
			unsigned before = keys_seen;

			rc = parse_setting(&ini, s, &keys_seen, lineno, e);
			if (rc == 0 && (keys_seen & ~before) == 1u << dest_key_index("dane"))
				dane_line = lineno;
		}
	}
	if (rc == 0)
		rc = check_section(&ini, dane_line, e);
	domain_map_free(seen, NULL);
	if (rc == 0 && ini.count == 0)
		rc = err_set(e, "That value is not valid. The file holds no [section].");
	if (rc < 0) {
		dest_ini_free(&ini);
		return -1;
	}
	*out = ini;
	return 0;
}

void dest_ini_free(struct dest_ini *ini)
{
	free(ini->entries);
	memset(ini, 0, sizeof(*ini));
}

void dest_ini_render_section(const char *name, const struct dest_policy *p, struct strbuf *out)
{
	strbuf_printf(out, "[%s]\n", name);
	dest_policy_render_ini(p, out);
}
