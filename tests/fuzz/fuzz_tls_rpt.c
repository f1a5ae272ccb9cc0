/* fuzz_tls_rpt: the TLSRPTv1 TXT parser and the JSON report (core/tls_rpt.c).
 * The input is a TXT record; its accepted addresses (at most
 * TLS_RPT_RUA_MAX, each with '@', no space, quote, angle bracket, backslash
 * or non-ASCII byte: they become a mail recipient) are then counted as
 * failure details and rendered; the JSON must hold no raw control byte and
 * balanced braces and brackets outside strings. */
#include <stdint.h>
#include <string.h>

#include "../../core/tls_rpt.h"
#include "fuzz_check.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char rua[TLS_RPT_RUA_MAX][256];
	struct tls_rpt_domain d = { .domain = "example.com" };
	struct strbuf out;
	struct err e;
	size_t n = 0;
	int depth = 0;
	bool in_str = false;

	if (tls_rpt_txt_parse((const char *)data, size, rua, &n, &e) < 0)
		return 0;
	check(n >= 1 && n <= TLS_RPT_RUA_MAX);
	for (size_t i = 0; i < n; i++) {
		check(strchr(rua[i], '@') != NULL);
		for (const char *p = rua[i]; *p; p++)
			check(*p > ' ' && *p < 127 && !strchr("<>\"\\", *p));
		tls_rpt_count(&d, "sts", "validation-failure", rua[i], rua[i]);
	}
	strbuf_init(&out);
	tls_rpt_json(&d, rua[0], rua[0], rua[0], 0, 1, &out);
	for (size_t i = 0; i < out.len; i++) {
		char c = out.data[i];
		check((unsigned char)c >= 0x20);
		if (in_str) {
			if (c == '\\')
				i++;
			else if (c == '"')
				in_str = false;
		} else if (c == '"') {
			in_str = true;
		} else if (c == '{' || c == '[') {
			depth++;
		} else if (c == '}' || c == ']') {
			check(--depth >= 0);
		}
	}
	check(depth == 0 && !in_str);
	strbuf_free(&out);
	return 0;
}
