/* fuzz_addr_match: patterns from the input (one per line) go into the
 * matcher as rules 0..n-1; for addresses from the input, the hash lookup
 * must equal a plain scan that tests each rule alone (a one-pattern
 * matcher): the first rule that matches, or none. Bad patterns are refused
 * with a message and add nothing. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../../core/addr_match.h"
#include "fuzz_check.h"

#define RULES 32

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct addr_match all, one[RULES];
	char line[300], host[64];
	unsigned char ip[16];
	unsigned n = 0, expect = ADDR_NO_MATCH;
	size_t at = 0;
	struct err e;

	if (size < 16 || size > 8192)
		return 0;
	memcpy(ip, data, 16);
	at = 16;
	addr_match_init(&all);
	while (at < size && n < RULES) {
		const uint8_t *nl = memchr(data + at, '\n', size - at);
		size_t len = (nl ? (size_t)(nl - data) : size) - at;
		if (len >= sizeof(line))
			len = sizeof(line) - 1;
		memcpy(line, data + at, len);
		line[len] = '\0';
		at += len + 1;
		if (strlen(line) != len)
			continue;
		addr_match_init(&one[n]);
		if (addr_match_add(&one[n], line, 0, &e) < 0) {
			check(e.msg[0]);
			addr_match_free(&one[n]);
			continue;
		}
		check(addr_match_add(&all, line, n, &e) == 0);
		n++;
	}
	/* The host name: the last line, if any. */
	snprintf(host, sizeof(host), "%s", n ? line : "");
	for (unsigned i = 0; i < n && expect == ADDR_NO_MATCH; i++)
		if (addr_match_lookup(&one[i], ip, host) == 0)
			expect = i;
	check(addr_match_lookup(&all, ip, host) == expect);
	for (unsigned i = 0; i < n; i++)
		addr_match_free(&one[i]);
	addr_match_free(&all);
	return 0;
}
