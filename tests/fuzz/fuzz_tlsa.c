/* fuzz_tlsa: TLSA RDATA as a DNS answer delivers it (core/tlsa.c) and the
 * DANE decision over the set (core/dane.c). The input is a list of records,
 * each a length byte and that many bytes; every record goes through
 * tlsa_parse, tlsa_unusable, tlsa_text and tlsa_set_add. Invariants: the set
 * never holds more than TLSA_MAX records, only usable ones, every text form
 * is NUL-terminated within its buffer, and the decision is one of the four
 * actions with a non-empty reason. */
#include <stdint.h>
#include <string.h>

#include "../../core/dane.h"
#include "../../core/tlsa.h"
#include "fuzz_check.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct tlsa_set set = { .state = TLSA_FOUND, .name = "_25._tcp.mx.example" };
	struct dane_decision d;
	size_t pos = 0;

	while (pos < size) {
		size_t n = data[pos++];
		struct tlsa_rr r;
		struct err e;
		char text[TLSA_TEXT_MAX], small[7];

		if (n > size - pos)
			n = size - pos;
		if (tlsa_parse(data + pos, n, &r, &e) == 0) {
			check(r.len == n - 3);
			tlsa_unusable(&r);
			tlsa_text(&r, text, sizeof(text));
			check(memchr(text, '\0', sizeof(text)) != NULL);
			tlsa_text(&r, small, sizeof(small));
			check(memchr(small, '\0', sizeof(small)) != NULL);
		}
		tlsa_set_add(&set, data + pos, n);
		pos += n;
	}
	check(set.count <= TLSA_MAX);
	for (size_t i = 0; i < set.count; i++)
		check(tlsa_unusable(&set.rr[i]) == NULL);
	for (int mode = 0; mode < DANE_MODE_COUNT; mode++) {
		dane_decide((enum dane_mode)mode, TLS_LEVEL_PREFERRED, size & 1, &set, "mx.example",
			    &d);
		check(d.action <= DANE_ACT_SKIP && d.why[0] != '\0');
		check(memchr(d.why, '\0', sizeof(d.why)) != NULL);
	}
	return 0;
}
