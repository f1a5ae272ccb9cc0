/* fuzz_rat: rat_parse on arbitrary bytes. Refused: a message, nothing kept.
 * Accepted: every pattern passes rat_check_pattern, patterns are unique,
 * codes are 2xx for Accept and 4xx/5xx for Reject; format(parse(x)) parses
 * to the same bytes; a lookup of any address returns -1 or an entry that
 * matches it by the table's rules (checked by a plain scan). */
#include <ctype.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "../../core/rat.h"
#include "fuzz_check.h"

/* The rules, written the slow way: the first entry that matches. */
static int scan(const struct rat *r, const char *addr)
{
	const char *at = strrchr(addr, '@');

	for (size_t i = 0; i < r->count; i++) {
		const char *p = r->e[i].pattern;
		size_t pn = strlen(p);
		if (strcmp(p, "ALL") == 0 || ((p[0] != '.' || strchr(p, '@')) && strcasecmp(p, addr) == 0))
			return (int)i;
		if (!at)
			continue;
		if (p[pn - 1] == '@' && (size_t)(at - addr) + 1 == pn && strncasecmp(p, addr, pn) == 0)
			return (int)i;
		if ((p[0] != '.' || strchr(p, '@')) && strcasecmp(p, at + 1) == 0)
			return (int)i;
		if (p[0] == '.' && !strchr(p, '@')) {
			size_t dn = strlen(at + 1);
			if (dn > pn && strcasecmp(at + 1 + dn - pn, p) == 0)
				return (int)i;
		}
	}
	return -1;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct rat r, again;
	struct rat_match m;
	struct strbuf a, b;
	struct err e;
	char *text, addr[64];
	size_t n;

	if (size > 65536)
		return 0;
	text = malloc(size + 1);
	check(text != NULL);
	memcpy(text, data, size);
	text[size] = '\0';
	if (rat_parse(text, &r, &e) < 0) {
		check(e.msg[0] && r.count == 0 && r.e == NULL);
		free(text);
		return 0;
	}
	for (size_t i = 0; i < r.count; i++) {
		check(rat_check_pattern(r.e[i].pattern, &e) == 0);
		check(rat_find(&r, r.e[i].pattern) == (int)i);
		if (r.e[i].code)
			check(r.e[i].action == RAT_ACCEPT ? r.e[i].code / 100 == 2
							 : r.e[i].code / 100 == 4 ||
								   r.e[i].code / 100 == 5);
	}
	strbuf_init(&a);
	strbuf_init(&b);
	rat_format(&r, &a);
	check(rat_parse(a.len ? a.data : "", &again, &e) == 0);
	rat_format(&again, &b);
	check(a.len == b.len && (a.len == 0 || memcmp(a.data, b.data, a.len) == 0));
	check(rat_compile(&r, &m, &e) == 0);
	/* The address: the last line's first word, or the input's tail. */
	n = size < sizeof(addr) - 1 ? size : sizeof(addr) - 1;
	memcpy(addr, data + size - n, n);
	addr[n] = '\0';
	for (size_t i = 0; i < n; i++)
		if (!isgraph((unsigned char)addr[i]))
			addr[i] = '_';
	check(rat_lookup(&m, addr) == scan(&r, addr));
	if (r.count)
		check(rat_lookup(&m, r.e[r.count - 1].pattern) == scan(&r, r.e[r.count - 1].pattern));
	rat_match_free(&m);
	strbuf_free(&a);
	strbuf_free(&b);
	rat_free(&again);
	rat_free(&r);
	free(text);
	return 0;
}
