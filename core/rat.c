/* rat: the recipient access table's model, text form and lookup. */
#include "rat.h"

#include <ctype.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

void rat_init(struct rat *r)
{
	memset(r, 0, sizeof(*r));
}

void rat_free(struct rat *r)
{
	for (size_t i = 0; i < r->count; i++) {
		free(r->e[i].pattern);
		free(r->e[i].text);
	}
	free(r->e);
	rat_init(r);
}

void rat_defaults(struct rat *r)
{
	struct err e;

	rat_init(r);
	rat_insert(r, 0, "ALL", RAT_REJECT, 0, NULL, &e);
}

static int domain_ok(const char *s)
{
	size_t label = 0;

	if (!*s)
		return 0;
	for (;; s++) {
		if (*s == '.' || *s == '\0') {
			if (label == 0 || label > 63)
				return 0;
			if (!*s)
				return 1;
			label = 0;
		} else if (isalnum((unsigned char)*s) || *s == '-' || *s == '_') {
			label++;
		} else {
			return 0;
		}
	}
}

int rat_check_pattern(const char *p, struct err *e)
{
	const char *at = strrchr(p, '@');
	size_t n = strlen(p);

	if (n == 0 || n > RAT_PATTERN_MAX)
		goto bad;
	if (strcasecmp(p, "ALL") == 0)
		return 0;
	if (at) {
		for (const char *q = p; q < at; q++)
			if ((unsigned char)*q <= ' ' || (unsigned char)*q >= 0x7f ||
			    strchr("<>\"(),;:\\[]@", *q))
				goto bad;
		if (at == p)
			goto bad;
		if (!at[1] || domain_ok(at + 1))
			return 0;
		goto bad;
	}
	if (p[0] == '.' ? domain_ok(p + 1) : domain_ok(p))
		return 0;
bad:
	return err_set(e,
		       "\"%.60s\" is not a valid recipient pattern: enter an address "
		       "(user@example.com), a local part (user@), a domain (example.com), "
		       ".domain or ALL.",
		       p);
}

int rat_find(const struct rat *r, const char *pattern)
{
	for (size_t i = 0; i < r->count; i++)
		if (strcasecmp(r->e[i].pattern, pattern) == 0)
			return (int)i;
	return -1;
}

static int text_ok(const char *t)
{
	if (strlen(t) > RAT_RESPONSE_MAX)
		return 0;
	for (; *t; t++)
		if ((unsigned char)*t < ' ' || (unsigned char)*t >= 0x7f || *t == '"')
			return 0;
	return 1;
}

int rat_insert(struct rat *r, size_t pos, const char *pattern, enum rat_action a, int code,
	       const char *text, struct err *e)
{
	struct rat_entry x = { 0 };

	if (rat_check_pattern(pattern, e) < 0)
		return -1;
	if (rat_find(r, pattern) >= 0)
		return err_set(e, "The recipient table already has an entry for %.60s.", pattern);
	if (r->count >= RAT_ENTRIES_MAX)
		return err_set(e, "A recipient table holds at most %d entries.", RAT_ENTRIES_MAX);
	if (code && (a == RAT_ACCEPT ? (code < 200 || code > 299) : (code < 400 || code > 599)))
		return err_set(e, "The SMTP response code of %s must be %s.",
			       a == RAT_ACCEPT ? "Accept" : "Reject",
			       a == RAT_ACCEPT ? "from 200 to 299" : "from 400 to 599");
	if (text && !text_ok(text))
		return err_set(e,
			       "The SMTP response text must be at most %d printable characters "
			       "without '\"'.",
			       RAT_RESPONSE_MAX);
	if (r->count == r->cap) {
		size_t cap = r->cap ? r->cap * 2 : 16;
		struct rat_entry *grown = realloc(r->e, cap * sizeof(*grown));
		if (!grown)
			return err_set(e, "Out of memory.");
		r->e = grown;
		r->cap = cap;
	}
	x.pattern = strdup(pattern);
	x.text = text && *text ? strdup(text) : NULL;
	if (!x.pattern || (text && *text && !x.text)) {
		free(x.pattern);
		free(x.text);
		return err_set(e, "Out of memory.");
	}
	for (char *q = x.pattern; *q; q++)
		*q = (char)tolower((unsigned char)*q);
	if (strcmp(x.pattern, "all") == 0)
		strcpy(x.pattern, "ALL");
	x.action = a;
	x.code = code;
	if (pos > r->count)
		pos = r->count;
	memmove(&r->e[pos + 1], &r->e[pos], (r->count - pos) * sizeof(x));
	r->e[pos] = x;
	r->count++;
	return 0;
}

void rat_delete(struct rat *r, size_t i)
{
	free(r->e[i].pattern);
	free(r->e[i].text);
	memmove(&r->e[i], &r->e[i + 1], (r->count - i - 1) * sizeof(r->e[0]));
	r->count--;
}

int rat_copy(struct rat *dst, const struct rat *src)
{
	struct err e;

	rat_init(dst);
	for (size_t i = 0; i < src->count; i++)
		if (rat_insert(dst, dst->count, src->e[i].pattern, src->e[i].action, src->e[i].code,
			       src->e[i].text, &e) < 0) {
			rat_free(dst);
			return -1;
		}
	return 0;
}

/* PATTERN ACTION [CODE "TEXT"] */
static int parse_line(struct rat *r, char *line, unsigned n, struct err *e)
{
	char *pattern = strtok(line, " \t"), *action = strtok(NULL, " \t"), *rest, *end;
	enum rat_action a;
	long code = 0;
	char *text = NULL;
	struct err why;

	if (!pattern || !action)
		return err_set(e, "Line %u: expected \"PATTERN ACCEPT\" or \"PATTERN REJECT\".", n);
	if (strcasecmp(action, "ACCEPT") == 0)
		a = RAT_ACCEPT;
	else if (strcasecmp(action, "REJECT") == 0)
		a = RAT_REJECT;
	else
		return err_set(e, "Line %u: the action is ACCEPT or REJECT, not \"%.20s\".", n,
			       action);
	rest = strtok(NULL, "");
	if (rest) {
		while (*rest == ' ' || *rest == '\t')
			rest++;
		code = strtol(rest, &end, 10);
		if (end == rest || end - rest != 3)
			return err_set(e, "Line %u: a custom response is CODE \"TEXT\".", n);
		for (rest = end; *rest == ' ' || *rest == '\t'; rest++) {
		}
		if (*rest) {
			size_t len = strlen(rest);
			if (len < 2 || rest[0] != '"' || rest[len - 1] != '"')
				return err_set(e, "Line %u: the response text is quoted.", n);
			rest[len - 1] = '\0';
			text = rest + 1;
		}
	}
	if (rat_insert(r, r->count, pattern, a, (int)code, text, &why) < 0)
		return err_set(e, "Line %u: %s", n, why.msg);
	return 0;
}

int rat_parse(const char *text, struct rat *r, struct err *e)
{
	const char *p = text;
	char buf[RAT_PATTERN_MAX + RAT_RESPONSE_MAX + 64];
	unsigned n = 0;

	rat_init(r);
	if (strlen(text) > RAT_TEXT_MAX)
		return err_set(e, "The recipient access table is larger than %u bytes.",
			       RAT_TEXT_MAX);
	while (*p) {
		const char *eol = strchr(p, '\n');
		size_t len = eol ? (size_t)(eol - p) : strlen(p);
		char *s;
		n++;
		if (len >= sizeof(buf)) {
			rat_free(r);
			return err_set(e, "Line %u is too long.", n);
		}
		memcpy(buf, p, len);
		buf[len] = '\0';
		p += len + (eol ? 1 : 0);
		for (s = buf + len; s > buf && isspace((unsigned char)s[-1]); s--)
			s[-1] = '\0';
		for (s = buf; *s == ' ' || *s == '\t'; s++) {
		}
		if (!*s || *s == '#')
			continue;
		for (char *q = s; *q; q++)
			if ((unsigned char)*q < ' ' && *q != '\t') {
				rat_free(r);
				return err_set(e, "Line %u holds a control character.", n);
			}
		if (parse_line(r, s, n, e) < 0) {
			rat_free(r);
			return -1;
		}
	}
	return 0;
}

void rat_format(const struct rat *r, struct strbuf *out)
{
	for (size_t i = 0; i < r->count; i++) {
		const struct rat_entry *x = &r->e[i];
		strbuf_printf(out, "%s %s", x->pattern,
			      x->action == RAT_ACCEPT ? "ACCEPT" : "REJECT");
		if (x->code)
			strbuf_printf(out, " %d", x->code);
		if (x->code && x->text)
			strbuf_printf(out, " \"%s\"", x->text);
		strbuf_puts(out, "\n");
	}
}

int rat_compile(const struct rat *r, struct rat_match *m, struct err *e)
{
	keymap_init(&m->exact);
	keymap_init(&m->suffix);
	m->all = UINT_MAX;
	for (size_t i = 0; i < r->count; i++) {
		const char *p = r->e[i].pattern;
		int rc;
		if (strcmp(p, "ALL") == 0) {
			if (m->all == UINT_MAX)
				m->all = (unsigned)i;
			continue;
		}
		rc = p[0] == '.' && !strchr(p, '@')
			     ? keymap_put_min(&m->suffix, p + 1, strlen(p + 1), (unsigned)i)
			     : keymap_put_min(&m->exact, p, strlen(p), (unsigned)i);
		if (rc < 0) {
			rat_match_free(m);
			return err_set(e, "Out of memory.");
		}
	}
	return 0;
}

void rat_match_free(struct rat_match *m)
{
	keymap_free(&m->exact);
	keymap_free(&m->suffix);
}

static void take(const struct keymap *k, const char *key, size_t len, unsigned *best)
{
	unsigned v;

	if (keymap_get(k, key, len, &v) && v < *best)
		*best = v;
}

int rat_lookup(const struct rat_match *m, const char *address)
{
	char lower[RAT_PATTERN_MAX + 2];
	size_t n = strlen(address);
	unsigned best = m->all;
	char *at;

	if (n > RAT_PATTERN_MAX)
		return best == UINT_MAX ? -1 : (int)best;
	for (size_t i = 0; i <= n; i++)
		lower[i] = (char)tolower((unsigned char)address[i]);
	at = strrchr(lower, '@');
	take(&m->exact, lower, n, &best);
	if (at) {
		const char *domain = at + 1;
		size_t dn = strlen(domain);
		take(&m->exact, lower, (size_t)(at - lower) + 1, &best); /* "user@" */
		take(&m->exact, domain, dn, &best);
		/* i > 0: a domain opening with a dot has no label to be below it. */
		for (size_t i = 1; i < dn; i++)
			if (domain[i] == '.')
				take(&m->suffix, domain + i + 1, dn - i - 1, &best);
	}
	return best == UINT_MAX ? -1 : (int)best;
}
