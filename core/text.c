/* text: the clean-text rule and the escaping every output uses. */
#include "text.h"

#include <stdio.h>
#include <string.h>

/* Length of the valid UTF-8 sequence at p (1-4), or 0 if it is invalid
 * (RFC 3629: no overlong forms, no surrogates, nothing above U+10FFFF). */
static size_t utf8_len(const unsigned char *p)
{
	unsigned char c = p[0];

	if (c < 0x80)
		return 1;
	if (c >= 0xC2 && c <= 0xDF)
		return (p[1] & 0xC0) == 0x80 ? 2 : 0;
	if (c >= 0xE0 && c <= 0xEF) {
		unsigned char lo = c == 0xE0 ? 0xA0 : 0x80, hi = c == 0xED ? 0x9F : 0xBF;
		return p[1] >= lo && p[1] <= hi && (p[2] & 0xC0) == 0x80 ? 3 : 0;
	}
	if (c >= 0xF0 && c <= 0xF4) {
		unsigned char lo = c == 0xF0 ? 0x90 : 0x80, hi = c == 0xF4 ? 0x8F : 0xBF;
		return p[1] >= lo && p[1] <= hi && (p[2] & 0xC0) == 0x80 && (p[3] & 0xC0) == 0x80
			       ? 4
			       : 0;
	}
	return 0;
}

/* Bytes of the printable character at p, or 0 when p starts a control
 * character (C0, DEL, C1 as U+0080-U+009F) or invalid UTF-8. */
static size_t printable_len(const unsigned char *p)
{
	size_t n = utf8_len(p);

	if (n == 1 && (p[0] < 0x20 || p[0] == 0x7F))
		return 0;
	if (n == 2 && p[0] == 0xC2 && p[1] < 0xA0)
		return 0;
	return n;
}

bool text_is_clean(const char *s)
{
	const unsigned char *p = (const unsigned char *)s;

	while (*p) {
		size_t n = printable_len(p);
		if (n == 0)
			return false;
		p += n;
	}
	return true;
}

void text_escape(struct strbuf *out, const char *s)
{
	const unsigned char *p = (const unsigned char *)s;

	while (*p) {
		size_t n = printable_len(p);
		if (n == 0) {
			strbuf_printf(out, "\\x%02X", *p);
			p++;
			continue;
		}
		strbuf_add(out, (const char *)p, n);
		p += n;
	}
}

const char *text_escape_buf(const char *s, char *buf, size_t len)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t used = 0;

	if (len == 0)
		return buf;
	while (*p) {
		size_t n = printable_len(p), w = n ? n : 4;
		if (used + w >= len)
			break;
		if (n)
			memcpy(buf + used, p, n);
		else
			snprintf(buf + used, 5, "\\x%02X", *p);
		used += w;
		p += n ? n : 1;
	}
	buf[used] = '\0';
	return buf;
}
