/* fuzz_body_wire: the outbound wire form of a message body (SMTP smuggling,
 * issue 12 item 3) for arbitrary spool bytes.
 * - It ends with ".\r\n"; no NUL; every CR is followed by LF and every LF
 *   preceded by CR.
 * - No line but the last is ".": the data cannot end early.
 * - Un-stuffed, the lines hold exactly the input's bytes other than CR, LF
 *   and NUL, in order: nothing is lost, nothing added. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../../core/smtp_client.h"
#include "fuzz_check.h"

static void collect(void *arg, const char *p, size_t n)
{
	strbuf_add(arg, p, n);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct strbuf out;
	char *want = malloc(size + 1), *got = malloc(size + 1);
	size_t nwant = 0, ngot = 0, start = 0;

	if (!want || !got)
		abort();
	for (size_t i = 0; i < size; i++)
		if (data[i] != '\r' && data[i] != '\n' && data[i] != '\0')
			want[nwant++] = (char)data[i];
	strbuf_init(&out);
	smtpc_body_wire((const char *)data, size, collect, &out);
	check(out.len >= 3 && memcmp(out.data + out.len - 3, ".\r\n", 3) == 0);
	check(!memchr(out.data, '\0', out.len));
	for (size_t i = 0; i < out.len; i++) {
		if (out.data[i] == '\r')
			check(i + 1 < out.len && out.data[i + 1] == '\n');
		if (out.data[i] == '\n')
			check(i > 0 && out.data[i - 1] == '\r');
	}
	for (size_t i = 0; i + 1 < out.len; i++) {
		if (out.data[i] != '\r')
			continue;
		const char *line = out.data + start;
		size_t len = i - start;
		bool last = i + 2 == out.len;
		check(last == (len == 1 && line[0] == '.'));
		if (!last) {
			if (len && line[0] == '.') {
				line++;
				len--;
			}
			check(ngot + len <= size);
			memcpy(got + ngot, line, len);
			ngot += len;
		}
		start = i + 2;
	}
	check(ngot == nwant && memcmp(got, want, ngot) == 0);
	strbuf_free(&out);
	free(want);
	free(got);
	return 0;
}
