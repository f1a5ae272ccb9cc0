/* fuzz_dest_ini: dest_ini_parse on arbitrary bytes. Refused: the message
 * opens with "That value is not valid." and nothing is returned. Accepted:
 * every section name is a checked domain (or DEFAULT) and appears once;
 * rendering the result and parsing it again gives the same sections and
 * the same bytes (what IMPORT then EXPORT relies on); each policy survives
 * the stored-value codec. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../../core/dest.h"
#include "../../core/dest_ini.h"
#include "../../core/domain_map.h"
#include "fuzz_check.h"

static void render(const struct dest_ini *ini, struct strbuf *out)
{
	for (size_t i = 0; i < ini->count; i++) {
		if (i)
			strbuf_puts(out, "\n");
		dest_ini_render_section(ini->entries[i].name, &ini->entries[i].policy, out);
	}
}

static int same_policy(const struct dest_policy *a, const struct dest_policy *b)
{
	struct strbuf x, y;
	int same;

	strbuf_init(&x);
	strbuf_init(&y);
	dest_policy_encode(a, &x);
	dest_policy_encode(b, &y);
	same = a->set == b->set && strcmp(x.data, y.data) == 0;
	strbuf_free(&x);
	strbuf_free(&y);
	return same;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct dest_ini ini, again;
	struct strbuf text, text2;
	struct err e;

	if (size > 65536)
		return 0;
	if (dest_ini_parse((const char *)data, size, &ini, &e) < 0) {
		check(memchr(e.msg, '\0', sizeof(e.msg)) != NULL);
		check(strncmp(e.msg, "That value is not valid.", 24) == 0);
		check(ini.count == 0 && ini.entries == NULL);
		return 0;
	}
	check(ini.count > 0);
	struct domain_map *seen = domain_map_new();
	for (size_t i = 0; i < ini.count; i++) {
		char name[DEST_DOMAIN_MAX + 1];
		struct dest_policy decoded;
		struct strbuf v;
		memcpy(name, ini.entries[i].name, sizeof(name));
		if (strcmp(name, DEST_DEFAULT_NAME) != 0) {
			check(dest_check_domain(name, &e) == 0);
			check(strcmp(name, ini.entries[i].name) == 0); /* already lowercase */
		}
		check(domain_map_get(seen, name) == NULL);
		domain_map_put(seen, name, (void *)1, NULL);
		strbuf_init(&v);
		dest_policy_encode(&ini.entries[i].policy, &v);
		check(dest_policy_decode(v.data, &decoded, &e) == 0);
		check(same_policy(&decoded, &ini.entries[i].policy));
		strbuf_free(&v);
	}
	domain_map_free(seen, NULL);
	strbuf_init(&text);
	render(&ini, &text);
	check(dest_ini_parse(text.data, text.len, &again, &e) == 0);
	check(again.count == ini.count);
	for (size_t i = 0; i < ini.count; i++) {
		check(strcmp(again.entries[i].name, ini.entries[i].name) == 0);
		check(same_policy(&again.entries[i].policy, &ini.entries[i].policy));
	}
	strbuf_init(&text2);
	render(&again, &text2);
	check(text.len == text2.len && memcmp(text.data, text2.data, text.len) == 0);
	strbuf_free(&text);
	strbuf_free(&text2);
	dest_ini_free(&again);
	dest_ini_free(&ini);
	return 0;
}
