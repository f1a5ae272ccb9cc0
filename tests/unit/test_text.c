/* test_text: the clean-text rule (what an answer may hold) and the escaping of
 * every value shown or logged: control characters of every class and broken
 * UTF-8 are caught, printable UTF-8 passes untouched. */
#include <stdio.h>
#include <string.h>

#include "../../core/text.h"
#include "tap.h"

static const char *escaped(const char *s)
{
	static char buf[256];
	struct strbuf sb;

	strbuf_init(&sb);
	text_escape(&sb, s);
	snprintf(buf, sizeof(buf), "%s", sb.data);
	strbuf_free(&sb);
	return buf;
}

int main(void)
{
	static const struct {
		const char *text;
		int clean;
		const char *escaped;
	} cases[] = {
		{ "allow TLS 1.3 inbound", 1, "allow TLS 1.3 inbound" },
		{ "", 1, "" },
		{ "caf\xC3\xA9 \xE2\x82\xAC \xF0\x9F\x94\x92", 1,
		  "caf\xC3\xA9 \xE2\x82\xAC \xF0\x9F\x94\x92" },
		{ "back\\slash", 1, "back\\slash" },
		{ "a\nuser tgadm version 99", 0, "a\\x0Auser tgadm version 99" },
		{ "tab\there", 0, "tab\\x09here" },
		{ "cr\r", 0, "cr\\x0D" },
		{ "\x1B]0;owned\x07\x1B[2J", 0, "\\x1B]0;owned\\x07\\x1B[2J" },
		{ "del\x7F", 0, "del\\x7F" },
		{ "c1 csi \xC2\x9B"
		  "2J",
		  0, "c1 csi \\xC2\\x9B2J" },
		{ "nbsp \xC2\xA0 ok", 1, "nbsp \xC2\xA0 ok" },
		{ "raw csi \x9B"
		  "2J",
		  0, "raw csi \\x9B2J" },
		{ "latin1 \xE9t\xE9", 0, "latin1 \\xE9t\\xE9" },
		{ "overlong \xC0\xAF", 0, "overlong \\xC0\\xAF" },
		{ "surrogate \xED\xA0\x80", 0, "surrogate \\xED\\xA0\\x80" },
		{ "cut \xE2\x82", 0, "cut \\xE2\\x82" },
		{ "too big \xF4\x90\x80\x80", 0, "too big \\xF4\\x90\\x80\\x80" },
	};
	char small[8];

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		CHECK(text_is_clean(cases[i].text) == cases[i].clean, "case %zu is %s", i,
		      cases[i].clean ? "clean" : "refused");
		CHECK(strcmp(escaped(cases[i].text), cases[i].escaped) == 0,
		      "case %zu escapes to \"%s\" (got \"%s\")", i, cases[i].escaped,
		      escaped(cases[i].text));
		CHECK(text_is_clean(escaped(cases[i].text)), "case %zu: the escaped text is clean",
		      i);
	}
	CHECK(strcmp(text_escape_buf("ab\ncd", small, sizeof(small)), "ab\\x0Ac") == 0,
	      "a fixed buffer holds whole escapes: \"%s\"", small);
	CHECK(strcmp(text_escape_buf("\n\n", small, sizeof(small)), "\\x0A") == 0,
	      "never a cut escape: \"%s\"", small);
	CHECK(strcmp(text_escape_buf("abcde\xE2\x82\xAC", small, sizeof(small)), "abcde") == 0,
	      "never a cut UTF-8 character: \"%s\"", small);
	return tap_done();
}
