/* fuzz_hat: hat_parse on arbitrary bytes. Refused: a one-line message and
 * nothing left allocated. Accepted: every group's policy and the ALL rule
 * name defined policies, every pattern passes host_pattern_check, the
 * DEFAULT block sets every field; format(parse(x)) parses again to the same
 * bytes (EXPORT then IMPORT round-trips); the compiled table answers a
 * lookup with a group whose pattern list holds the pattern it reports. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../../core/hat.h"
#include "fuzz_check.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct hat h, again;
	struct hat_match hm;
	struct strbuf a, b;
	enum host_pattern_kind k;
	unsigned char ip[16];
	const char *pat = NULL;
	char *text;
	struct err e;
	int g;

	if (size > 65536)
		return 0;
	text = malloc(size + 1);
	check(text != NULL);
	memcpy(text, data, size);
	text[size] = '\0';
	if (hat_parse(text, &h, &e) < 0) {
		check(memchr(e.msg, '\0', sizeof(e.msg)) && e.msg[0]);
		check(h.ngroups == 0 && h.npolicies == 0 && h.groups == NULL);
		free(text);
		return 0;
	}
	check(h.defaults.set == HAT_P_ALL && h.all_policy >= 0 &&
	      (size_t)h.all_policy < h.npolicies);
	for (size_t i = 0; i < h.ngroups; i++) {
		check(h.groups[i].policy >= 0 && (size_t)h.groups[i].policy < h.npolicies);
		for (size_t j = 0; j < h.groups[i].count; j++)
			check(host_pattern_check(h.groups[i].patterns[j], &k, &e) == 0);
	}
	strbuf_init(&a);
	strbuf_init(&b);
	hat_format(&h, &a);
	check(hat_parse(a.data, &again, &e) == 0);
	hat_format(&again, &b);
	check(a.len == b.len && memcmp(a.data, b.data, a.len) == 0);
	check(hat_compile(&h, &hm, &e) == 0);
	memset(ip, 0, sizeof(ip));
	memcpy(ip, data, size < 16 ? size : 16);
	g = hat_lookup(&h, &hm, ip, size > 20 ? text + size - 20 : NULL, &pat);
	if (g >= 0) {
		bool found = false;
		for (size_t j = 0; j < h.groups[g].count; j++)
			found |= h.groups[g].patterns[j] == pat;
		check(found);
	}
	hat_match_free(&hm);
	strbuf_free(&a);
	strbuf_free(&b);
	hat_free(&again);
	hat_free(&h);
	free(text);
	return 0;
}
