/* fuzz_text: the clean-text rule and the escaping of shown and logged values
 * (core/text.c). Whatever the bytes: the escaped text is clean; it decodes
 * back to the input (\xNN for each refused byte, everything else as is); text
 * is clean exactly when escaping leaves it unchanged; the fixed-buffer form is
 * a clean prefix of the full escape, never cut inside an escape. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../../core/text.h"
#include "fuzz_check.h"

#define TEXT_MAX 4096

static int hex(char c)
{
	return c >= '0' && c <= '9' ? c - '0' : c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	size_t len = size < TEXT_MAX ? size : TEXT_MAX;
	char *text = malloc(len + 1), *decoded = malloc(len + 1), small[64];
	struct strbuf out;
	size_t o = 0;

	check(text && decoded);
	memcpy(text, data, len);
	text[len] = '\0';
	strbuf_init(&out);
	text_escape(&out, text);
	check(text_is_clean(out.data));
	check(text_is_clean(text) == (strcmp(out.data, text) == 0));
	/* Decoding: in the input, a literal "\x" only ever precedes what it did. */
	for (size_t i = 0; i < out.len; i++) {
		if (out.data[i] == '\\' && i + 3 < out.len && out.data[i + 1] == 'x' &&
		    hex(out.data[i + 2]) >= 0 && hex(out.data[i + 3]) >= 0 &&
		    strncmp(text + o, out.data + i, 4) != 0) {
			decoded[o++] = (char)(hex(out.data[i + 2]) * 16 + hex(out.data[i + 3]));
			i += 3;
		} else {
			decoded[o++] = out.data[i];
		}
		check(o <= strlen(text));
	}
	decoded[o] = '\0';
	check(strcmp(decoded, text) == 0);
	text_escape_buf(text, small, sizeof(small));
	check(strlen(small) < sizeof(small) && text_is_clean(small));
	check(strncmp(small, out.data, strlen(small)) == 0);
	strbuf_free(&out);
	free(text);
	free(decoded);
	return 0;
}
