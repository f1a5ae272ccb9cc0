/* dest: TLS levels, destination policies and their text forms. One table of
 * fields drives parsing, the stored value and the INI rendering. */
#include "dest.h"

#include <ctype.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

static const struct {
	const char *label, *ini;
} levels[TLS_LEVEL_COUNT] = {
	[TLS_LEVEL_NO] = { "No", "off" },
	[TLS_LEVEL_PREFERRED] = { "Preferred", "on" },
	[TLS_LEVEL_REQUIRED] = { "Required", "require" },
	[TLS_LEVEL_PREFERRED_VERIFY] = { "Preferred (Verify)", "on_verify" },
	[TLS_LEVEL_REQUIRED_VERIFY] = { "Required (Verify)", "require_verify" },
};

bool tls_level_attempts(enum tls_level l)
{
	return l != TLS_LEVEL_NO;
}

bool tls_level_requires(enum tls_level l)
{
	return l == TLS_LEVEL_REQUIRED || l == TLS_LEVEL_REQUIRED_VERIFY;
}

bool tls_level_verifies(enum tls_level l)
{
	return l == TLS_LEVEL_PREFERRED_VERIFY || l == TLS_LEVEL_REQUIRED_VERIFY;
}

const char *tls_level_label(enum tls_level l)
{
	return l < TLS_LEVEL_COUNT ? levels[l].label : "?";
}

const char *tls_level_ini(enum tls_level l)
{
	return l < TLS_LEVEL_COUNT ? levels[l].ini : "?";
}

static const char *const dane_labels[DANE_MODE_COUNT] = { "No", "Opportunistic", "Mandatory" };

const char *dane_mode_label(enum dane_mode m)
{
	return m < DANE_MODE_COUNT ? dane_labels[m] : "?";
}

enum field_type { F_INT, F_ENUM, F_BOOL, F_TEXT };

static const char *const limit_types[] = { "host", "MXIP", NULL };
static const char *const limit_applies[] = { "system", "VG", NULL };
static const char *const ip_sorts[] = { "DEFAULT",    "PREFER_V4",  "PREFER_V6",
					"REQUIRE_V4", "REQUIRE_V6", NULL };
static const char *const tls_names[] = {
	"off", "on", "require", "on_verify", "require_verify", NULL
};
static const char *const dane_names[] = { "off", "opportunistic", "mandatory", NULL };

/* In the order of the user guide's INI file; export writes this order. */
static const struct field {
	const char *key;
	unsigned bit;
	enum field_type type;
	size_t offset;
	int min, max;
	const char *const *names; /* F_ENUM */
} fields[] = {
	{ "ip_sort_pref", DEST_F_IP_SORT, F_ENUM, offsetof(struct dest_policy, ip_sort), 0, 0,
	  ip_sorts },
	{ "max_host_concurrency", DEST_F_CONCURRENCY, F_INT,
	  offsetof(struct dest_policy, max_host_concurrency), 1, 1000, NULL },
	{ "max_messages_per_connection", DEST_F_MESSAGES, F_INT,
	  offsetof(struct dest_policy, max_messages_per_connection), 0, 1000, NULL },
	{ "recipient_minutes", DEST_F_RECIPIENTS, F_INT,
	  offsetof(struct dest_policy, recipient_minutes), 1, 60, NULL },
	{ "recipient_limit", DEST_F_RECIPIENTS, F_INT,
	  offsetof(struct dest_policy, recipient_limit), 0, 1000000, NULL },
	{ "limit_type", DEST_F_LIMIT_TYPE, F_ENUM, offsetof(struct dest_policy, limit_type), 0, 0,
	  limit_types },
	{ "limit_apply", DEST_F_LIMIT_APPLY, F_ENUM, offsetof(struct dest_policy, limit_apply), 0,
	  0, limit_applies },
	{ "bounce_validation", DEST_F_BOUNCE_VAL, F_BOOL,
	  offsetof(struct dest_policy, bounce_validation), 0, 1, NULL },
	{ "bounce_profile", DEST_F_BOUNCE_PROF, F_TEXT,
	  offsetof(struct dest_policy, bounce_profile), 0, 0, NULL },
	{ "tls", DEST_F_TLS, F_ENUM, offsetof(struct dest_policy, tls), 0, 0, tls_names },
	{ "dane", DEST_F_DANE, F_ENUM, offsetof(struct dest_policy, dane), 0, 0, dane_names },
};
#define FIELD_COUNT (sizeof(fields) / sizeof(fields[0]))

void dest_policy_empty(struct dest_policy *p)
{
	struct dest_policy d;

	dest_policy_defaults(&d);
	*p = d;
	p->set = 0;
}

void dest_policy_defaults(struct dest_policy *p)
{
	memset(p, 0, sizeof(*p));
	p->set = DEST_F_ALL;
	p->max_host_concurrency = 500;
	p->max_messages_per_connection = 50;
	p->recipient_minutes = 60;
	p->recipient_limit = 0;
	p->limit_type = DEST_LIMIT_HOST;
	p->limit_apply = DEST_APPLY_SYSTEM;
	snprintf(p->bounce_profile, sizeof(p->bounce_profile), "Default");
	p->ip_sort = DEST_IP_DEFAULT;
	p->tls = TLS_LEVEL_NO;
	p->dane = DANE_MODE_NO;
}

static void copy_field(struct dest_policy *to, const struct dest_policy *from,
		       const struct field *f)
{
	size_t size = f->type == F_TEXT   ? sizeof(to->bounce_profile)
		      : f->type == F_BOOL ? sizeof(bool)
					  : sizeof(int);
	memcpy((char *)to + f->offset, (const char *)from + f->offset, size);
}

void dest_policy_merge(struct dest_policy *out, const struct dest_policy *p,
		       const struct dest_policy *def)
{
	struct dest_policy r = *def;

	for (size_t i = 0; i < FIELD_COUNT; i++)
		if (p->set & fields[i].bit)
			copy_field(&r, p, &fields[i]);
	r.set = DEST_F_ALL;
	*out = r;
}

static const struct field *find_field(const char *key)
{
	for (size_t i = 0; i < FIELD_COUNT; i++)
		if (strcmp(fields[i].key, key) == 0)
			return &fields[i];
	return NULL;
}

int dest_key_index(const char *key)
{
	const struct field *f = find_field(key);

	return f ? (int)(f - fields) : -1;
}

static int parse_int(const char *v, int min, int max, int *out)
{
	long n = 0;

	if (!*v || strlen(v) > 9)
		return -1;
	for (const char *p = v; *p; p++) {
		if (!isdigit((unsigned char)*p))
			return -1;
		n = n * 10 + (*p - '0');
	}
	if (n < min || n > max)
		return -1;
	*out = (int)n;
	return 0;
}

static int set_field(struct dest_policy *p, const struct field *f, const char *v, struct err *e)
{
	char *at = (char *)p + f->offset;
	int n;

	switch (f->type) {
	case F_INT:
		if (parse_int(v, f->min, f->max, &n) < 0)
			return err_set(e, "The value of %s must be a whole number from %d to %d.",
				       f->key, f->min, f->max);
		*(int *)at = n;
		break;
	case F_BOOL:
		if (strcmp(v, "0") == 0 || strcmp(v, "off") == 0)
			*(bool *)at = false;
		else if (strcmp(v, "1") == 0 || strcmp(v, "on") == 0)
			*(bool *)at = true;
		else
			return err_set(e, "The value of %s must be 0 or 1.", f->key);
		break;
	case F_ENUM:
		for (n = 0; f->names[n]; n++)
			if (strcmp(f->names[n], v) == 0)
				break;
		if (!f->names[n]) {
			char list[128] = "";
			for (int i = 0; f->names[i]; i++)
				snprintf(list + strlen(list), sizeof(list) - strlen(list), "%s%s",
					 i ? ", " : "", f->names[i]);
			return err_set(e, "The value of %s must be one of: %s.", f->key, list);
		}
		*(int *)at = n;
		break;
	case F_TEXT:
		if (!*v || strlen(v) > DEST_PROFILE_MAX)
			return err_set(e, "The value of %s must be 1 to %d characters long.",
				       f->key, DEST_PROFILE_MAX);
		for (const char *c = v; *c; c++)
			if (!isalnum((unsigned char)*c) && *c != '_' && *c != '-')
				return err_set(e,
					       "The value of %s holds letters, digits, '_' "
					       "and '-'.",
					       f->key);
		snprintf(at, DEST_PROFILE_MAX + 1, "%s", v);
		break;
	}
	p->set |= f->bit;
	return 0;
}

int dest_policy_set(struct dest_policy *p, const char *key, const char *value, struct err *e)
{
	const struct field *f = find_field(key);
	struct dest_policy copy = *p;

	if (!f)
		return err_set(e, "unknown key \"%.40s\".", key);
	if (set_field(&copy, f, value, e) < 0)
		return -1;
	*p = copy;
	return 0;
}

static void render_field(const struct dest_policy *p, const struct field *f, struct strbuf *out)
{
	const char *at = (const char *)p + f->offset;

	switch (f->type) {
	case F_INT: strbuf_printf(out, "%d", *(const int *)at); break;
	case F_BOOL: strbuf_puts(out, *(const bool *)at ? "1" : "0"); break;
	case F_ENUM: strbuf_puts(out, f->names[*(const int *)at]); break;
	case F_TEXT: strbuf_puts(out, at); break;
	}
}

static void render(const struct dest_policy *p, const char *sep, struct strbuf *out)
{
	for (size_t i = 0; i < FIELD_COUNT; i++) {
		if (!(p->set & fields[i].bit))
			continue;
		strbuf_printf(out, "%s%s", fields[i].key, sep);
		render_field(p, &fields[i], out);
		strbuf_puts(out, "\n");
	}
}

void dest_policy_encode(const struct dest_policy *p, struct strbuf *out)
{
	render(p, "=", out);
}

void dest_policy_render_ini(const struct dest_policy *p, struct strbuf *out)
{
	render(p, " = ", out);
}

int dest_policy_decode(const char *text, struct dest_policy *p, struct err *e)
{
	struct dest_policy r;
	char line[256];

	dest_policy_empty(&r);
	while (*text) {
		const char *nl = strchr(text, '\n');
		size_t n = nl ? (size_t)(nl - text) : strlen(text);
		char *eq;

		if (n >= sizeof(line))
			return err_set(e, "A destination entry line is too long.");
		memcpy(line, text, n);
		line[n] = '\0';
		text += n + (nl ? 1 : 0);
		if (n == 0)
			continue;
		eq = strchr(line, '=');
		if (!eq)
			return err_set(e, "A destination entry line has no '='.");
		*eq = '\0';
		if (dest_policy_set(&r, line, eq + 1, e) < 0)
			return -1;
	}
	*p = r;
	return 0;
}

static int is_ipv4(const char *s)
{
	int parts = 0, digits = 0, value = 0;

	for (;; s++) {
		if (isdigit((unsigned char)*s)) {
			value = value * 10 + (*s - '0');
			if (++digits > 3 || value > 255)
				return 0;
		} else if (*s == '.' || *s == '\0') {
			if (digits == 0)
				return 0;
			parts++;
			digits = value = 0;
			if (*s == '\0')
				return parts == 4;
		} else {
			return 0;
		}
	}
}

int dest_check_domain(char *name, struct err *e)
{
	size_t n = strlen(name), label = 0;
	const char *p = name;

	if (n == 0)
		return err_set(e, "You must enter a domain.");
	if (n > DEST_DOMAIN_MAX)
		return err_set(e, "The value must be at most %d characters long.", DEST_DOMAIN_MAX);
	for (char *c = name; *c; c++)
		*c = (char)tolower((unsigned char)*c);
	if (is_ipv4(name))
		return 0;
	if (*p == '.')
		p++; /* ".example.com": every subdomain of example.com */
	for (size_t i = 0;; i++) {
		char ch = p[i];
		if (ch == '.' || ch == '\0') {
			if (label == 0 || label > 63 || p[i - 1] == '-')
				goto bad;
			label = 0;
			if (ch == '\0')
				return 0;
		} else if (isalnum((unsigned char)ch) || ch == '_' || (ch == '-' && label > 0)) {
			label++;
		} else {
			goto bad;
		}
	}
bad:
	return err_set(e, "That value is not valid. A domain is letters, digits and hyphens in "
			  "dot-separated labels, such as example.com or .example.com.");
}

int dest_check_dane(const struct dest_policy *p, bool is_default, struct err *e)
{
	if (!(p->set & DEST_F_DANE) || p->dane == DANE_MODE_NO)
		return 0;
	if (!is_default && !(p->set & DEST_F_TLS))
		return err_set(e, "That value is not valid. DANE Support is part of the domain's "
				  "own TLS setting: choose its TLS Support too.");
	if (p->tls == TLS_LEVEL_NO)
		return err_set(e, "That value is not valid. DANE Support needs TLS: choose a TLS "
				  "Support other than No.");
	return 0;
}
