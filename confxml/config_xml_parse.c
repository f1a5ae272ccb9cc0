/* config_xml_parse: a configuration file into a cfgxml_doc, with libxml2
 * hardened: no network, no DTD loading, no entity substitution, and any
 * entity declaration refused while parsing (before it can be used). */
#include <libxml/parser.h>
#include <libxml/tree.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../core/config.h"
#include "../core/entries.h"
#include "config_secret.h"
#include "config_xml.h"
#include "config_xml_names.h"

#define VALUE_MAX (1024 * 1024)

struct parse {
	struct cfgxml_doc *doc;
	struct err *e;
	bool have_key;
	struct secret_key key;
	long entity_line;      /* an entity declaration was seen there */
	char first_error[300]; /* libxml2's first error: the cause, not a consequence */
	int first_error_line;
};

static long line_of(const xmlNode *n)
{
	return xmlGetLineNo(n);
}

static int fail(struct parse *p, const xmlNode *n, const char *fmt, const char *arg)
{
	char what[sizeof(((struct err *)0)->msg) + 16];

	snprintf(what, sizeof(what), fmt, arg ? arg : "");
	return err_set(p->e, "line %ld: %s", n ? line_of(n) : 0L, what);
}

static bool named(const xmlNode *n, const char *name)
{
	return n->type == XML_ELEMENT_NODE && strcmp((const char *)n->name, name) == 0;
}

static bool blank(const xmlChar *s)
{
	for (; s && *s; s++)
		if (*s != ' ' && *s != '\t' && *s != '\n' && *s != '\r')
			return false;
	return true;
}

/* Only elements, comments and blank text between elements. */
static int check_between(struct parse *p, const xmlNode *n)
{
	if (n->type == XML_TEXT_NODE && !blank(n->content))
		return fail(p, n, "text outside an element's value", NULL);
	if (n->type == XML_ENTITY_REF_NODE)
		return fail(p, n, "entity references are not allowed", NULL);
	return 0;
}

static int attr(struct parse *p, const xmlNode *n, const char *name, bool required, char *buf,
		size_t len)
{
	xmlChar *v = xmlGetProp(n, (const xmlChar *)name);

	buf[0] = '\0';
	if (!v)
		return required ? fail(p, n, "the attribute %s is missing", name) : 0;
	if (strlen((const char *)v) >= len) {
		xmlFree(v);
		return fail(p, n, "the attribute %s is too long", name);
	}
	snprintf(buf, len, "%s", (const char *)v);
	xmlFree(v);
	return 0;
}

static int add_text(struct parse *p, const xmlNode *n, struct strbuf *out)
{
	if (n->content)
		strbuf_puts(out, (const char *)n->content);
	return out->len > VALUE_MAX ? fail(p, n, "a value is longer than 1 MB", NULL) : 0;
}

static int add_base64(struct parse *p, const xmlNode *n, struct strbuf *out)
{
	xmlChar *text = xmlNodeGetContent(n);
	unsigned char *bytes;
	size_t len;
	struct err why;
	int rc = secret_b64_decode(text ? (const char *)text : "", &bytes, &len, &why);

	xmlFree(text);
	if (rc < 0)
		return fail(p, n, "<%s> is not valid base64", (const char *)n->name);
	strbuf_add(out, (const char *)bytes, len);
	free(bytes);
	return 0;
}

static int only_text(struct parse *p, const xmlNode *n)
{
	for (const xmlNode *c = n->children; c; c = c->next)
		if (c->type != XML_TEXT_NODE && c->type != XML_CDATA_SECTION_NODE &&
		    c->type != XML_COMMENT_NODE)
			return fail(p, c, "<%s> holds only text", (const char *)n->name);
	return 0;
}

static int add_secret(struct parse *p, const xmlNode *n, const char *key, struct strbuf *out)
{
	char nonce[64], encoding[16];
	xmlChar *text;
	struct err why;
	int rc = 0;

	if (only_text(p, n) < 0 || attr(p, n, "nonce", false, nonce, sizeof(nonce)) < 0 ||
	    attr(p, n, "encoding", false, encoding, sizeof(encoding)) < 0)
		return -1;
	text = xmlNodeGetContent(n);
	if (text && strcmp((const char *)text, "*****") == 0) {
		xmlFree(text);
		return fail(
			p, n,
			"the file was saved with masked passphrases, and cannot be loaded (save "
			"it with option 2 or 3)",
			NULL);
	}
	if (nonce[0] && !p->have_key)
		rc = fail(p, n, "an encrypted secret, but the file has no encrypted <passphrases>",
			  NULL);
	else if (nonce[0])
		rc = secret_open(&p->key, key, nonce, text ? (const char *)text : "", out, &why) < 0
			     ? fail(p, n, "%s", why.msg)
			     : 0;
	else if (p->have_key)
		rc = fail(p, n, "a secret in clear in a file with encrypted passphrases", NULL);
	else if (strcmp(encoding, "base64") == 0)
		rc = add_base64(p, n, out);
	else if (encoding[0])
		rc = fail(p, n, "unknown encoding \"%s\"", encoding);
	else if (text)
		strbuf_puts(out, (const char *)text);
	xmlFree(text);
	return rc;
}

/* The value of a setting or an entry: text, <data> (base64) and <secret>. */
static int read_value(struct parse *p, const xmlNode *n, const char *key, struct strbuf *out)
{
	for (const xmlNode *c = n->children; c; c = c->next) {
		int rc = 0;
		if (c->type == XML_TEXT_NODE || c->type == XML_CDATA_SECTION_NODE)
			rc = add_text(p, c, out);
		else if (named(c, "data"))
			rc = only_text(p, c) < 0 ? -1 : add_base64(p, c, out);
		else if (named(c, "secret"))
			rc = add_secret(p, c, key, out);
		else if (c->type == XML_ENTITY_REF_NODE)
			rc = fail(p, c, "entity references are not allowed", NULL);
		else if (c->type == XML_ELEMENT_NODE)
			rc = fail(p, c, "unknown element <%s> in a value", (const char *)c->name);
		if (rc < 0)
			return -1;
	}
	if (strlen(out->data) != out->len)
		return fail(p, n, "a value holds a NUL byte", NULL);
	return out->len > VALUE_MAX ? fail(p, n, "a value is longer than 1 MB", NULL) : 0;
}

static int add_item(struct parse *p, const xmlNode *n, const char *key)
{
	struct strbuf v;

	strbuf_init(&v);
	if (read_value(p, n, key, &v) < 0) {
		memset(v.data, 0, v.len);
		strbuf_free(&v);
		return -1;
	}
	cfgxml_add(p->doc, key, v.data, (int)line_of(n));
	memset(v.data, 0, v.len);
	strbuf_free(&v);
	return 0;
}

static int read_ssl(struct parse *p, const xmlNode *block)
{
	for (const xmlNode *n = block->children; n; n = n->next) {
		const struct setting *s;
		if (check_between(p, n) < 0)
			return -1;
		if (n->type != XML_ELEMENT_NODE)
			continue;
		if (!(s = cfgxml_ssl_setting((const char *)n->name)))
			return fail(p, n, "unknown element <%s> in <ssl>", (const char *)n->name);
		if (add_item(p, n, s->key) < 0)
			return -1;
	}
	return 0;
}

static int read_settings(struct parse *p, const xmlNode *block)
{
	char name[128];

	for (const xmlNode *n = block->children; n; n = n->next) {
		const struct setting *s;
		char element[96];
		if (check_between(p, n) < 0)
			return -1;
		if (n->type != XML_ELEMENT_NODE)
			continue;
		if (!named(n, "setting"))
			return fail(p, n, "unknown element <%s> in <settings>",
				    (const char *)n->name);
		if (attr(p, n, "name", true, name, sizeof(name)) < 0)
			return -1;
		if (!(s = config_find_setting(name)))
			return fail(p, n, "unknown setting \"%s\"", name);
		if (cfgxml_ssl_element(s, element, sizeof(element)) == 0)
			return fail(p, n, "the setting \"%s\" belongs in <ssl>", name);
		if (add_item(p, n, s->key) < 0)
			return -1;
	}
	return 0;
}

static int entry_name(struct parse *p, const xmlNode *n, char *name, size_t len)
{
	char b64[ENTRY_NAME_MAX * 2];
	unsigned char *raw;
	size_t rlen;
	struct err why;

	if (attr(p, n, "name", false, name, len) < 0 ||
	    attr(p, n, "name64", false, b64, sizeof(b64)) < 0)
		return -1;
	if (!name[0] && !b64[0])
		return fail(p, n, "the attribute name is missing", NULL);
	if (name[0])
		return 0;
	if (secret_b64_decode(b64, &raw, &rlen, &why) < 0)
		return fail(p, n, "the attribute name64 is not valid base64", NULL);
	if (rlen >= len || strlen((char *)raw) != rlen) {
		free(raw);
		return fail(p, n, "the attribute name64 is not a name", NULL);
	}
	memcpy(name, raw, rlen + 1);
	free(raw);
	return 0;
}

static int read_entries(struct parse *p, const xmlNode *block)
{
	char kind[32], name[ENTRY_NAME_MAX + 1], key[ENTRY_NAME_MAX + 64];
	const struct entry_kind *k;
	struct err why;
	size_t index;

	if (attr(p, block, "kind", true, kind, sizeof(kind)) < 0)
		return -1;
	if (!(k = entry_kind_find(kind)))
		return fail(p, block, "unknown kind of entry \"%s\"", kind);
	index = (size_t)(k - entry_kinds);
	if (index >= CFGXML_KINDS_MAX)
		return fail(p, block, "too many kinds of entry", NULL);
	if (p->doc->kind_listed[index])
		return fail(p, block, "a second <entries kind=\"%s\">", kind);
	p->doc->kind_listed[index] = true;
	p->doc->kind_line[index] = (int)line_of(block);
	for (const xmlNode *n = block->children; n; n = n->next) {
		if (check_between(p, n) < 0)
			return -1;
		if (n->type != XML_ELEMENT_NODE)
			continue;
		if (!named(n, "entry"))
			return fail(p, n, "unknown element <%s> in <entries>",
				    (const char *)n->name);
		if (entry_name(p, n, name, sizeof(name)) < 0)
			return -1;
		if (entry_key(kind, name, key, sizeof(key), &why) < 0)
			return fail(p, n, "%s", why.msg);
		if (add_item(p, n, key) < 0)
			return -1;
	}
	return 0;
}

static int read_passphrases(struct parse *p, const xmlNode *n, cfgxml_passphrase_fn ask, void *arg)
{
	char option[16], kdf[16], cipher[32], log2n[8], salt[64], check[128], pass[1024];
	unsigned char *raw;
	size_t len;
	struct err why;
	int rc;

	if (attr(p, n, "option", true, option, sizeof(option)) < 0)
		return -1;
	p->doc->secrets_line = (int)line_of(n);
	if (strcmp(option, "masked") == 0)
		return fail(
			p, n,
			"the file was saved with masked passphrases, and cannot be loaded (save "
			"it with option 2 or 3)",
			NULL);
	if (strcmp(option, "plain") == 0) {
		p->doc->secrets = CFGXML_PLAIN;
		return 0;
	}
	if (strcmp(option, "encrypted") != 0)
		return fail(p, n, "unknown passphrase option \"%s\"", option);
	p->doc->secrets = CFGXML_ENCRYPTED;
	if (attr(p, n, "kdf", true, kdf, sizeof(kdf)) < 0 ||
	    attr(p, n, "cipher", true, cipher, sizeof(cipher)) < 0 ||
	    attr(p, n, "log2n", true, log2n, sizeof(log2n)) < 0 ||
	    attr(p, n, "salt", true, salt, sizeof(salt)) < 0 ||
	    attr(p, n, "check", true, check, sizeof(check)) < 0)
		return -1;
	if (strcmp(kdf, "scrypt") != 0 || strcmp(cipher, "aes-256-gcm") != 0)
		return fail(p, n, "only scrypt and aes-256-gcm are known", NULL);
	if (secret_b64_decode(salt, &raw, &len, &why) < 0 || len != SECRET_SALT_LEN) {
		if (raw)
			free(raw);
		return fail(p, n, "the salt is damaged", NULL);
	}
	if (!ask || ask(arg, pass, sizeof(pass)) < 0) {
		free(raw);
		return err_set(p->e, "no passphrase");
	}
	rc = secret_key_derive(&p->key, pass, raw, atoi(log2n), &why);
	memset(pass, 0, sizeof(pass));
	free(raw);
	if (rc < 0)
		return fail(p, n, "%s", why.msg);
	if (secret_check_verify(&p->key, check, &why) < 0)
		return fail(p, n, "%s", why.msg);
	p->have_key = true;
	return 0;
}

static int read_config(struct parse *p, const xmlNode *root, cfgxml_passphrase_fn ask, void *arg)
{
	const xmlNode *pass = NULL;

	for (const xmlNode *n = root->children; n; n = n->next)
		if (named(n, "passphrases")) {
			if (pass)
				return fail(p, n, "a second <passphrases>", NULL);
			pass = n;
		}
	if (pass && read_passphrases(p, pass, ask, arg) < 0)
		return -1;
	for (const xmlNode *n = root->children; n; n = n->next) {
		int rc = 0;
		if (check_between(p, n) < 0)
			return -1;
		if (n->type != XML_ELEMENT_NODE || n == pass)
			continue;
		if (named(n, "ssl"))
			rc = read_ssl(p, n);
		else if (named(n, "settings"))
			rc = read_settings(p, n);
		else if (named(n, "entries"))
			rc = read_entries(p, n);
		else
			rc = fail(p, n, "unknown element <%s>", (const char *)n->name);
		if (rc < 0)
			return -1;
	}
	return 0;
}

static int by_key(const void *a, const void *b)
{
	const struct cfgxml_item *x = *(const struct cfgxml_item *const *)a;
	const struct cfgxml_item *y = *(const struct cfgxml_item *const *)b;

	return strcmp(x->key, y->key);
}

static int no_duplicates(struct cfgxml_doc *d, struct err *e)
{
	const struct cfgxml_item **v = malloc((d->count + 1) * sizeof(*v));
	int rc = 0;

	if (!v)
		abort();
	for (size_t i = 0; i < d->count; i++)
		v[i] = &d->items[i];
	qsort(v, d->count, sizeof(*v), by_key);
	for (size_t i = 1; i < d->count && rc == 0; i++)
		if (strcmp(v[i - 1]->key, v[i]->key) == 0)
			rc = err_set(e, "line %d: \"%.200s\" is given twice (also line %d)",
				     v[i]->line > v[i - 1]->line ? v[i]->line : v[i - 1]->line,
				     v[i]->key,
				     v[i]->line > v[i - 1]->line ? v[i - 1]->line : v[i]->line);
	free(v);
	return rc;
}

/* SAX hook: an entity declaration stops the parser before anything can use
 * it (billion laughs, external entities). */
static void refuse_entity(void *ctx, const xmlChar *name, int type, const xmlChar *public_id,
			  const xmlChar *system_id, xmlChar *content)
{
	xmlParserCtxtPtr ctxt = ctx;
	struct parse *p = ctxt->_private;

	(void)name, (void)type, (void)public_id, (void)system_id, (void)content;
	if (!p->entity_line)
		p->entity_line = ctxt->input ? ctxt->input->line : 1;
	xmlStopParser(ctxt);
}

static void note_error(void *ctx, xmlErrorPtr x)
{
	xmlParserCtxtPtr ctxt = ctx;
	struct parse *p = ctxt ? ctxt->_private : NULL;
	size_t n;

	if (!p || p->first_error[0] || !x || !x->message || x->level < XML_ERR_ERROR)
		return;
	snprintf(p->first_error, sizeof(p->first_error), "%s", x->message);
	n = strlen(p->first_error);
	while (n > 0 && (p->first_error[n - 1] == '\n' || p->first_error[n - 1] == ' '))
		p->first_error[--n] = '\0';
	p->first_error_line = x->line;
}

static int parse_error(struct parse *p, xmlParserCtxtPtr ctxt)
{
	if (p->entity_line)
		return err_set(p->e, "line %ld: entity declarations are not allowed",
			       p->entity_line);
	if (!p->first_error[0])
		return err_set(p->e, "line %d: the XML is not well-formed",
			       ctxt->input ? ctxt->input->line : 0);
	return err_set(p->e, "line %d: %s", p->first_error_line, p->first_error);
}

int cfgxml_parse(const char *data, size_t len, cfgxml_passphrase_fn ask, void *arg,
		 struct cfgxml_doc *out, struct err *e)
{
	struct parse p = { .doc = out, .e = e };
	int opts = XML_PARSE_NONET | XML_PARSE_BIG_LINES | XML_PARSE_NOERROR | XML_PARSE_NOWARNING;
	xmlParserCtxtPtr ctxt;
	xmlDocPtr doc = NULL;
	const xmlNode *root;
	int rc = -1;

#ifdef XML_PARSE_NO_XXE
	opts |= XML_PARSE_NO_XXE;
#endif
	cfgxml_doc_init(out);
	if (len > (size_t)CFGXML_INPUT_MAX)
		return err_set(e, "the file is larger than %ld bytes", CFGXML_INPUT_MAX);
	if (len > (size_t)INT32_MAX || !(ctxt = xmlNewParserCtxt()))
		return err_set(e, "out of memory");
	ctxt->_private = &p;
	ctxt->sax->entityDecl = refuse_entity;
	ctxt->sax->serror = note_error;
	doc = xmlCtxtReadMemory(ctxt, data, (int)len, "config.xml", NULL, opts);
	if (!doc || !ctxt->wellFormed || p.entity_line) {
		parse_error(&p, ctxt);
		goto out;
	}
	if (doc->intSubset && doc->intSubset->children) {
		err_set(e, "line %ld: the DOCTYPE must not declare anything",
			line_of((const xmlNode *)doc->intSubset->children));
		goto out;
	}
	root = xmlDocGetRootElement(doc);
	if (!root || !named(root, "config")) {
		err_set(e, "line %ld: the root element must be <config>",
			root ? line_of(root) : 1L);
		goto out;
	}
	if (read_config(&p, root, ask, arg) < 0 || no_duplicates(out, e) < 0)
		goto out;
	rc = 0;
out:
	secret_key_wipe(&p.key);
	if (doc)
		xmlFreeDoc(doc);
	xmlFreeParserCtxt(ctxt);
	if (rc < 0)
		cfgxml_doc_free(out);
	return rc;
}
