/* web_form: urlencoded and multipart bodies, and cookies. */
#include "web_form.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

static int hex(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* Decodes s[0..n) in place; returns the new length, or -1. */
static long decode(char *s, size_t n)
{
	size_t out = 0;

	for (size_t i = 0; i < n; i++) {
		if (s[i] == '+') {
			s[out++] = ' ';
		} else if (s[i] == '%') {
			int hi;
			if (i + 2 >= n || (hi = hex((unsigned char)s[i + 1])) < 0 ||
			    hex((unsigned char)s[i + 2]) < 0)
				return -1;
			s[out++] = (char)(hi * 16 + hex((unsigned char)s[i + 2]));
			i += 2;
		} else {
			s[out++] = s[i];
		}
	}
	s[out] = '\0';
	return (long)out;
}

static int add_field(struct web_form *f, const char *name, size_t name_len, char *value, size_t len,
		     struct err *e)
{
	struct web_field *fd;

	if (f->count >= WEB_FORM_FIELDS_MAX)
		return err_set(e, "The form has more than %d fields.", WEB_FORM_FIELDS_MAX);
	if (name_len == 0 || name_len > WEB_FORM_NAME_MAX || memchr(name, '\0', name_len))
		return err_set(e, "A form field has no name, too long a name, or a NUL in it.");
	fd = &f->fields[f->count++];
	memcpy(fd->name, name, name_len);
	fd->name[name_len] = '\0';
	fd->value = value;
	fd->len = len;
	return 0;
}

int web_form_parse_urlencoded(struct web_form *f, const char *body, size_t len, struct err *e)
{
	char *p, *end;

	memset(f, 0, sizeof(*f));
	f->buf_len = len + 1;
	if (!(f->buf = malloc(len + 1)))
		return err_set(e, "Out of memory.");
	memcpy(f->buf, body, len);
	f->buf[len] = '\0';
	p = f->buf;
	end = f->buf + len;
	while (p < end) {
		char *amp = memchr(p, '&', (size_t)(end - p)), *eq;
		size_t n = amp ? (size_t)(amp - p) : (size_t)(end - p);
		long name_len, value_len;

		p[n] = '\0';
		if (n == 0) {
			p += 1;
			continue;
		}
		eq = memchr(p, '=', n);
		if (!eq)
			eq = p + n; /* "flag" alone: an empty value */
		*eq = '\0';
		name_len = decode(p, (size_t)(eq - p));
		value_len = eq < p + n ? decode(eq + 1, (size_t)(p + n - eq - 1)) : 0;
		if (name_len < 0 || value_len < 0) {
			web_form_free(f);
			return err_set(e, "The form has a bad %%-escape.");
		}
		if (add_field(f, p, (size_t)name_len, eq < p + n ? eq + 1 : eq, (size_t)value_len,
			      e) < 0) {
			web_form_free(f);
			return -1;
		}
		p += n + 1;
	}
	return 0;
}

/* The boundary parameter of a multipart/form-data Content-Type. */
static int boundary_of(const char *type, char *out, size_t len)
{
	const char *b;
	size_t n;

	if (strncasecmp(type, "multipart/form-data", 19) != 0 || !(b = strstr(type, "boundary=")))
		return -1;
	b += 9;
	if (*b == '"') {
		b++;
		n = strcspn(b, "\"");
	} else {
		n = strcspn(b, "; \t");
	}
	if (n == 0 || n > 70 || n + 3 > len)
		return -1;
	out[0] = '-';
	out[1] = '-';
	memcpy(out + 2, b, n);
	out[n + 2] = '\0';
	return 0;
}

static const char *find(const char *h, size_t hlen, const char *needle, size_t nlen)
{
	if (nlen == 0 || hlen < nlen)
		return NULL;
	for (size_t i = 0; i + nlen <= hlen; i++)
		if (h[i] == needle[0] && memcmp(h + i, needle, nlen) == 0)
			return h + i;
	return NULL;
}

/* name="..." in one part's headers. */
static int part_name(const char *headers, size_t hlen, const char **name, size_t *nlen)
{
	const char *n = find(headers, hlen, "name=\"", 6);

	/* "filename=" also ends in name=": take the one not preceded by "file". */
	while (n && n - headers >= 4 && strncasecmp(n - 4, "file", 4) == 0)
		n = find(n + 6, hlen - (size_t)(n + 6 - headers), "name=\"", 6);
	if (!n)
		return -1;
	n += 6;
	*name = n;
	*nlen = 0;
	while (n + *nlen < headers + hlen && n[*nlen] != '"')
		(*nlen)++;
	return n + *nlen < headers + hlen ? 0 : -1;
}

int web_form_parse_multipart(struct web_form *f, const char *content_type, const char *body,
			     size_t len, struct err *e)
{
	char boundary[80], delim[84];
	const char *p, *end;
	size_t blen, dlen;

	memset(f, 0, sizeof(*f));
	if (!content_type || boundary_of(content_type, boundary, sizeof(boundary)) < 0)
		return err_set(e, "The upload has no multipart boundary.");
	blen = strlen(boundary);
	dlen = (size_t)snprintf(delim, sizeof(delim), "\r\n%s", boundary);
	f->buf_len = len + 1;
	if (!(f->buf = malloc(len + 1)))
		return err_set(e, "Out of memory.");
	memcpy(f->buf, body, len);
	f->buf[len] = '\0';
	end = f->buf + len;
	if (len < blen || memcmp(f->buf, boundary, blen) != 0)
		goto bad;
	p = f->buf + blen;
	for (;;) {
		const char *headers, *hend, *data, *next, *name;
		size_t nlen;

		if (end - p >= 2 && p[0] == '-' && p[1] == '-')
			return 0; /* the closing delimiter */
		if (end - p < 2 || p[0] != '\r' || p[1] != '\n')
			goto bad;
		headers = p + 2;
		if (!(hend = find(headers, (size_t)(end - headers), "\r\n\r\n", 4)))
			goto bad;
		data = hend + 4;
		if (!(next = find(data, (size_t)(end - data), delim, dlen)))
			goto bad;
		if (part_name(headers, (size_t)(hend - headers), &name, &nlen) < 0)
			goto bad;
		if (add_field(f, name, nlen, (char *)data, (size_t)(next - data), e) < 0) {
			web_form_free(f);
			return -1;
		}
		((char *)next)[0] = '\0'; /* the CR before the delimiter */
		p = next + dlen;
	}
bad:
	web_form_free(f);
	return err_set(e, "The upload is not valid multipart/form-data.");
}

/* Forms carry passwords and passphrases: wiped before the memory goes back.
 * The volatile pointer keeps the compiler from dropping the stores. */
void web_form_free(struct web_form *f)
{
	volatile char *p = f->buf;

	for (size_t i = 0; p && i < f->buf_len; i++)
		p[i] = 0;
	free(f->buf);
	memset(f, 0, sizeof(*f));
}

const struct web_field *web_form_field(const struct web_form *f, const char *name)
{
	for (int i = 0; i < f->count; i++)
		if (strcmp(f->fields[i].name, name) == 0)
			return &f->fields[i];
	return NULL;
}

const char *web_form_get(const struct web_form *f, const char *name)
{
	const struct web_field *fd = web_form_field(f, name);

	return fd && strlen(fd->value) == fd->len ? fd->value : NULL;
}

int web_cookie_get(const char *header, const char *name, char *out, size_t len)
{
	size_t n = strlen(name);
	const char *p = header;

	while (p && *p) {
		size_t v;
		while (*p == ' ' || *p == '\t' || *p == ';')
			p++;
		v = strcspn(p, ";");
		if (v > n && strncmp(p, name, n) == 0 && p[n] == '=') {
			if (v - n - 1 >= len)
				return -1;
			memcpy(out, p + n + 1, v - n - 1);
			out[v - n - 1] = '\0';
			return 0;
		}
		p += v;
	}
	return -1;
}
