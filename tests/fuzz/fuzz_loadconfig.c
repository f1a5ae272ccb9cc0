/* fuzz_loadconfig: cfgxml_parse (confxml/config_xml_parse.c, libxml2) on
 * arbitrary bytes — what loadconfig reads from a pasted or uploaded file.
 * Refused: the message names a line ("line N: ...") and nothing is
 * returned. Accepted: every item is a known setting or a well-formed entry
 * key, at most once; writing the document as a plain file and parsing that
 * again gives the same items, byte for byte (what saveconfig then loadconfig
 * relies on). Encrypted files are asked the passphrase "fuzzing-pass". */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "../../core/config.h"
#include "../../core/entries.h"
#include "../../confxml/config_xml.h"
#include "fuzz_check.h"

static int passphrase(void *arg, char *buf, size_t len)
{
	(void)arg;
	snprintf(buf, len, "fuzzing-pass");
	return 0;
}

static void check_items(const struct cfgxml_doc *d)
{
	for (size_t i = 0; i < d->count; i++) {
		const char *key = d->items[i].key, *name;
		const struct entry_kind *k = entry_kind_of_key(key, &name);
		check(k || config_find_setting(key));
		if (k) {
			char again[ENTRY_NAME_MAX + 64];
			struct err e;
			check(entry_key(k->kind, name, again, sizeof(again), &e) == 0);
			check(strcmp(again, key) == 0);
		}
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct cfgxml_header h = { "p", "m", "v", "0123456789ABCDEF", "now" };
	struct cfgxml_doc doc, again;
	struct strbuf out;
	struct err e;

	if (cfgxml_parse((const char *)data, size, passphrase, NULL, &doc, &e) < 0) {
		check(strncmp(e.msg, "line ", 5) == 0 || strstr(e.msg, "larger") ||
		      strstr(e.msg, "passphrase"));
		check(doc.count == 0);
		return 0;
	}
	check_items(&doc);
	strbuf_init(&out);
	check(cfgxml_write(&doc, &h, CFGXML_PLAIN, NULL, &out, &e) == 0);
	check(cfgxml_parse(out.data, out.len, passphrase, NULL, &again, &e) == 0);
	check(again.count == doc.count);
	/* The writer groups the items (<ssl>, <settings>, kinds in table order). */
	for (size_t i = 0; i < doc.count; i++) {
		size_t j = 0;
		while (j < again.count && strcmp(doc.items[i].key, again.items[j].key) != 0)
			j++;
		check(j < again.count);
		check(strcmp(doc.items[i].value, again.items[j].value) == 0);
	}
	for (size_t k = 0; k < CFGXML_KINDS_MAX; k++)
		check(!doc.kind_listed[k] || again.kind_listed[k]);
	cfgxml_doc_free(&again);
	cfgxml_doc_free(&doc);
	strbuf_free(&out);
	return 0;
}
