/* config_xml: writing the configuration file, and spans of secrets. */
#define _GNU_SOURCE /* memmem */
#include "config_xml.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../core/config.h"
#include "../core/entries.h"
#include "config_secret.h"
#include "config_xml_names.h"

#define SPANS_MAX 32

void cfgxml_doc_init(struct cfgxml_doc *d)
{
	memset(d, 0, sizeof(*d));
}

void cfgxml_doc_free(struct cfgxml_doc *d)
{
	for (size_t i = 0; i < d->count; i++) {
		free(d->items[i].key);
		if (d->items[i].value) {
			memset(d->items[i].value, 0, strlen(d->items[i].value));
			free(d->items[i].value);
		}
	}
	free(d->items);
	cfgxml_doc_init(d);
}

static char *dup_or_die(const char *s)
{
	char *p = strdup(s);

	if (!p)
		abort();
	return p;
}

void cfgxml_add(struct cfgxml_doc *d, const char *key, const char *value, int line)
{
	if (d->count == d->cap) {
		d->cap = d->cap ? d->cap * 2 : 64;
		if (!(d->items = realloc(d->items, d->cap * sizeof(*d->items))))
			abort();
	}
	d->items[d->count++] = (struct cfgxml_item){ dup_or_die(key), dup_or_die(value), line };
}

size_t cfgxml_secret_spans(const char *value, struct cfgxml_span *out, size_t max)
{
	const char *p = value;
	size_t n = 0;

	while (*p && n < max) {
		const char *eol = strchr(p, '\n');
		const char *next = eol ? eol + 1 : p + strlen(p);
		if (strncmp(p, "-----BEGIN ", 11) == 0) {
			const char *label = p + 11, *dash = strstr(label, "-----");
			if (dash && (!eol || dash < eol) && (size_t)(dash - label) < 64) {
				char end[96];
				int len = (int)(dash - label);
				snprintf(end, sizeof(end), "-----END %.*s-----", len, label);
				if (memmem(label, (size_t)len, "PRIVATE KEY", 11)) {
					const char *stop = strstr(next, end);
					const char *after =
						stop ? stop + strlen(end) : p + strlen(p);
					if (*after == '\n')
						after++;
					out[n++] = (struct cfgxml_span){ (size_t)(p - value),
									 (size_t)(after - value) };
					p = after;
					continue;
				}
			}
		} else if (strncmp(p, "password_hash=", 14) == 0 ||
			   strncmp(p, "passphrase=", 11) == 0) {
			const char *start = strchr(p, '=') + 1;
			const char *stop = eol ? eol : p + strlen(p);
			if (stop > start)
				out[n++] = (struct cfgxml_span){ (size_t)(start - value),
								 (size_t)(stop - value) };
		} else if (strncmp(p, "role=", 5) == 0) {
			/* A user entry, "role=ROLE;hash=HASH" (db/roles.h). */
			const char *stop = eol ? eol : p + strlen(p);
			const char *h = memmem(p, (size_t)(stop - p), ";hash=", 6);
			if (h && stop > h + 6)
				out[n++] = (struct cfgxml_span){ (size_t)(h + 6 - value),
								 (size_t)(stop - value) };
		}
		p = next;
	}
	return n;
}

/* Printable ASCII, newlines and tabs survive XML as they are. */
static bool clean_text(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		if (!((c >= 0x20 && c < 0x7f) || c == '\n' || c == '\t'))
			return false;
	}
	return true;
}

static void put_escaped(struct strbuf *o, const char *s, size_t n)
{
	size_t from = 0;

	for (size_t i = 0; i < n; i++) {
		const char *rep = s[i] == '&'   ? "&amp;"
				  : s[i] == '<' ? "&lt;"
				  : s[i] == '>' ? "&gt;"
				  : s[i] == '"' ? "&quot;"
						: NULL;
		if (!rep)
			continue;
		strbuf_add(o, s + from, i - from);
		strbuf_puts(o, rep);
		from = i + 1;
	}
	strbuf_add(o, s + from, n - from);
}

static void put_segment(struct strbuf *o, const char *s, size_t n)
{
	if (n == 0)
		return;
	if (clean_text(s, n)) {
		put_escaped(o, s, n);
		return;
	}
	strbuf_puts(o, "<data encoding=\"base64\">");
	secret_b64_encode((const unsigned char *)s, n, 0, o);
	strbuf_puts(o, "</data>");
}

struct writer {
	struct strbuf *o;
	enum cfgxml_secrets mode;
	struct secret_key key;
};

static int put_secret(struct writer *w, const char *aad, const char *s, size_t n, struct err *e)
{
	struct strbuf nonce, sealed;

	switch (w->mode) {
	case CFGXML_NONE:
	case CFGXML_MASKED: strbuf_puts(w->o, "<secret>*****</secret>"); return 0;
	case CFGXML_PLAIN:
		/* Text that is not clean, or reads as the mask: base64. */
		if (clean_text(s, n) && !(n == 5 && memcmp(s, "*****", 5) == 0)) {
			strbuf_puts(w->o, "<secret>");
			put_escaped(w->o, s, n);
		} else {
			strbuf_puts(w->o, "<secret encoding=\"base64\">");
			secret_b64_encode((const unsigned char *)s, n, 0, w->o);
		}
		strbuf_puts(w->o, "</secret>");
		return 0;
	case CFGXML_ENCRYPTED: break;
	}
	strbuf_init(&nonce);
	strbuf_init(&sealed);
	if (secret_seal(&w->key, aad, s, n, &nonce, &sealed, e) < 0) {
		strbuf_free(&nonce);
		strbuf_free(&sealed);
		return -1;
	}
	strbuf_printf(w->o, "<secret nonce=\"%s\">\n%s</secret>", nonce.data, sealed.data);
	strbuf_free(&nonce);
	strbuf_free(&sealed);
	return 0;
}

static int put_value(struct writer *w, const char *key, const char *value, struct err *e)
{
	struct cfgxml_span spans[SPANS_MAX];
	size_t n = cfgxml_secret_spans(value, spans, SPANS_MAX), pos = 0;

	for (size_t i = 0; i < n; i++) {
		put_segment(w->o, value + pos, spans[i].start - pos);
		if (put_secret(w, key, value + spans[i].start, spans[i].end - spans[i].start, e) <
		    0)
			return -1;
		pos = spans[i].end;
	}
	put_segment(w->o, value + pos, strlen(value) - pos);
	return 0;
}

/* name="..." when the name is printable ASCII without blanks, else name64. */
static void put_name(struct strbuf *o, const char *name)
{
	size_t n = strlen(name);
	bool plain = n > 0;

	for (size_t i = 0; i < n; i++)
		if ((unsigned char)name[i] <= 0x20 || (unsigned char)name[i] >= 0x7f)
			plain = false;
	if (plain) {
		strbuf_puts(o, " name=\"");
		put_escaped(o, name, n);
	} else {
		strbuf_puts(o, " name64=\"");
		secret_b64_encode((const unsigned char *)name, n, 0, o);
	}
	strbuf_puts(o, "\"");
}

static void put_header(struct writer *w, const struct cfgxml_header *h, struct err *e)
{
	static const char *const option_names[] = { "none", "masked", "encrypted", "plain" };
	(void)e;
	strbuf_puts(w->o, "<?xml version=\"1.0\" encoding=\"ISO-8859-1\"?>\n"
			  "<!DOCTYPE config SYSTEM \"config.dtd\">\n\n<!--\n");
	strbuf_printf(w->o,
		      "  Product: %s\n  Model Number: %s\n  Version: %s\n  Serial Number: %s\n"
		      "  Current Time: %s\n",
		      h->product, h->model, h->version, h->serial, h->time);
	strbuf_printf(w->o, "  Passphrases: %s%s\n-->\n<config>\n", option_names[w->mode],
		      w->mode == CFGXML_MASKED ? " (files with masked passphrases cannot be "
						 "loaded using the loadconfig command)"
					       : "");
}

static int put_passphrases(struct writer *w, const char *passphrase, struct err *e)
{
	static const char *const option_names[] = { "none", "masked", "encrypted", "plain" };
	struct strbuf check;

	if (w->mode != CFGXML_ENCRYPTED) {
		strbuf_printf(w->o, "  <passphrases option=\"%s\"/>\n", option_names[w->mode]);
		return 0;
	}
	if (secret_key_derive(&w->key, passphrase, NULL, SECRET_LOG2N, e) < 0)
		return -1;
	strbuf_init(&check);
	if (secret_check_make(&w->key, &check, e) < 0) {
		strbuf_free(&check);
		return -1;
	}
	strbuf_printf(w->o,
		      "  <passphrases option=\"encrypted\" cipher=\"aes-256-gcm\" kdf=\"scrypt\" "
		      "log2n=\"%d\" r=\"8\" p=\"1\" salt=\"",
		      w->key.log2n);
	secret_b64_encode(w->key.salt, SECRET_SALT_LEN, 0, w->o);
	strbuf_printf(w->o, "\" check=\"%s\"/>\n", check.data);
	strbuf_free(&check);
	return 0;
}

static int put_settings(struct writer *w, const struct cfgxml_doc *d, bool ssl, struct err *e)
{
	char element[96];
	bool opened = false;

	for (size_t i = 0; i < d->count; i++) {
		const struct setting *s = config_find_setting(d->items[i].key);
		if (!s || (cfgxml_ssl_element(s, element, sizeof(element)) == 0) != ssl)
			continue;
		if (!opened)
			strbuf_puts(w->o, ssl ? "  <ssl>\n" : "  <settings>\n");
		opened = true;
		if (ssl)
			strbuf_printf(w->o, "    <%s>", element);
		else
			strbuf_printf(w->o, "    <setting name=\"%s\">", s->key);
		if (put_value(w, s->key, d->items[i].value, e) < 0)
			return -1;
		strbuf_printf(w->o, "</%s>\n", ssl ? element : "setting");
	}
	if (opened)
		strbuf_puts(w->o, ssl ? "  </ssl>\n" : "  </settings>\n");
	return 0;
}

static int put_entries(struct writer *w, const struct cfgxml_doc *d, size_t k, struct err *e)
{
	const char *kind = entry_kinds[k].kind;
	bool opened = false;

	for (size_t i = 0; i < d->count; i++) {
		const char *name;
		const struct entry_kind *ek = entry_kind_of_key(d->items[i].key, &name);
		if (ek != &entry_kinds[k])
			continue;
		if (!opened)
			strbuf_printf(w->o, "  <entries kind=\"%s\">\n", kind);
		opened = true;
		strbuf_puts(w->o, "    <entry");
		put_name(w->o, name);
		strbuf_puts(w->o, ">");
		if (put_value(w, d->items[i].key, d->items[i].value, e) < 0)
			return -1;
		strbuf_puts(w->o, "</entry>\n");
	}
	if (opened)
		strbuf_printf(w->o, "  </entries>\n");
	else if (k < CFGXML_KINDS_MAX && d->kind_listed[k])
		strbuf_printf(w->o, "  <entries kind=\"%s\"/>\n", kind);
	return 0;
}

int cfgxml_write(const struct cfgxml_doc *d, const struct cfgxml_header *h,
		 enum cfgxml_secrets mode, const char *passphrase, struct strbuf *out,
		 struct err *e)
{
	struct writer w = { out, mode, { { 0 }, { 0 }, 0 } };
	int rc = -1;

	put_header(&w, h, e);
	if (put_passphrases(&w, passphrase, e) < 0 || put_settings(&w, d, true, e) < 0 ||
	    put_settings(&w, d, false, e) < 0)
		goto out;
	for (size_t k = 0; k < entry_kinds_count; k++)
		if (put_entries(&w, d, k, e) < 0)
			goto out;
	strbuf_puts(out, "</config>\n");
	rc = 0;
out:
	secret_key_wipe(&w.key);
	return rc;
}

int cfgxml_ssl_element(const struct setting *s, char *buf, size_t len)
{
	const char *key = s->key;
	size_t n;

	if (strcmp(s->area, "sslconfig") != 0)
		return -1;
	if (strncmp(key, "sslconfig.", 10) == 0)
		key += 10;
	if ((size_t)snprintf(buf, len, "ssl_%s", key) >= len)
		return -1;
	for (char *p = buf; *p; p++)
		if (*p == '.')
			*p = '_';
	n = strlen(buf);
	if (n > 8 && strcmp(buf + n - 8, "_methods") == 0)
		buf[n - 1] = '\0'; /* AsyncOS: ssl_gui_method */
	return 0;
}

const struct setting *cfgxml_ssl_setting(const char *element)
{
	char name[96];

	for (size_t i = 0; i < config_settings_count; i++)
		if (cfgxml_ssl_element(&config_settings[i], name, sizeof(name)) == 0 &&
		    strcmp(name, element) == 0)
			return &config_settings[i];
	return NULL;
}
