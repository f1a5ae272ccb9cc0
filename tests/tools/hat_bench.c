/* hat_bench: sender-group matching with a large host access table. Builds
 * the HAT text of 100,000 patterns (IPv4 addresses, CIDR blocks, ranges,
 * .domain names) in 200 sender groups, parses and compiles it as the
 * engines do, then times lookups of random client addresses (with and
 * without a verified host name), in CPU time (the machine may be shared).
 * Prints one key=value line for bench/run.sh:
 *   patterns=N groups=N parse_ms=N compile_ms=N ns_ip=N ns_name=N matched=N */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "../../core/hat.h"

static double now_ns(void)
{
	struct timespec t;

	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t); /* CPU time: the machine may be shared */
	return (double)t.tv_sec * 1e9 + (double)t.tv_nsec;
}

static unsigned long long rng = 88172645463325252ULL;
static unsigned rnd(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return (unsigned)rng;
}

int main(int argc, char **argv)
{
	size_t patterns = argc > 1 ? strtoul(argv[1], NULL, 10) : 100000, groups = 200;
	size_t lookups = 2000000;
	struct strbuf text;
	struct hat h;
	struct hat_match hm;
	struct err e;
	double t0, parse_ms, compile_ms, ns_ip, ns_name;
	unsigned char(*ips)[16];
	char names[256][64];
	unsigned long matched = 0;

	strbuf_init(&text);
	strbuf_puts(&text, "DEFAULT {\n    tls = \"preferred\"\n    max_message_size = 10485760\n"
			   "    max_concurrency = 10\n    max_msgs_per_session = 10\n"
			   "    max_rcpts_per_msg = 50\n}\n$ACCEPTED\n    ACCEPT {}\n"
			   "$BLOCKED\n    REJECT {}\n");
	for (size_t g = 0; g < groups; g++) {
		strbuf_printf(&text, "G%zu:\n", g);
		for (size_t i = g; i < patterns; i += groups) {
			unsigned a = rnd();
			switch (i % 10) {
			case 0:
			case 1:
			case 2:
			case 3:
			case 4:
				strbuf_printf(&text, "    %u.%u.%u.%u\n", a >> 24, (a >> 16) & 255,
					      (a >> 8) & 255, a & 255);
				break;
			case 5:
			case 6:
				strbuf_printf(&text, "    %u.%u.%u.0/24\n", a >> 24,
					      (a >> 16) & 255, (a >> 8) & 255);
				break;
			case 7:
				strbuf_printf(&text, "    %u.%u.0.0/16\n", a >> 24,
					      (a >> 16) & 255);
				break;
			case 8:
				strbuf_printf(&text, "    %u.%u.%u.10-20\n", a >> 24,
					      (a >> 16) & 255, (a >> 8) & 255);
				break;
			default: strbuf_printf(&text, "    .d%u.example\n", a); break;
			}
		}
		strbuf_printf(&text, "    %s\n", g % 2 ? "$BLOCKED" : "$ACCEPTED");
	}
	strbuf_puts(&text, "ALL\n    $ACCEPTED\n");
	t0 = now_ns();
	if (hat_parse(text.data, &h, &e) < 0) {
		fprintf(stderr, "hat_bench: %s\n", e.msg);
		return 1;
	}
	parse_ms = (now_ns() - t0) / 1e6;
	t0 = now_ns();
	if (hat_compile(&h, &hm, &e) < 0) {
		fprintf(stderr, "hat_bench: %s\n", e.msg);
		return 1;
	}
	compile_ms = (now_ns() - t0) / 1e6;
	ips = malloc(65536 * sizeof(*ips));
	for (size_t i = 0; i < 65536; i++) {
		unsigned a = rnd();
		memset(ips[i], 0, 10);
		ips[i][10] = ips[i][11] = 0xff;
		memcpy(ips[i] + 12, &a, 4);
	}
	for (size_t i = 0; i < 256; i++)
		snprintf(names[i], sizeof(names[i]), "mx%zu.d%u.example", i, rnd());
	t0 = now_ns();
	for (size_t i = 0; i < lookups; i++) {
		const char *p;
		matched += hat_lookup(&h, &hm, ips[i & 65535], NULL, &p) >= 0;
	}
	ns_ip = (now_ns() - t0) / (double)lookups;
	t0 = now_ns();
	for (size_t i = 0; i < lookups / 4; i++) {
		const char *p;
		matched += hat_lookup(&h, &hm, ips[i & 65535], names[i & 255], &p) >= 0;
	}
	ns_name = (now_ns() - t0) / (double)(lookups / 4);
	printf("patterns=%zu groups=%zu parse_ms=%.0f compile_ms=%.0f ns_ip=%.0f ns_name=%.0f "
	       "matched=%lu\n",
	       h.npatterns, h.ngroups, parse_ms, compile_ms, ns_ip, ns_name, matched);
	hat_match_free(&hm);
	hat_free(&h);
	strbuf_free(&text);
	free(ips);
	return 0;
}
