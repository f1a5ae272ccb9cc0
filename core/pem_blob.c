/* pem_blob: PEM block scanning and the stored profile's order. */
#include "pem_blob.h"

#include <stdio.h>
#include <string.h>

static const struct {
	const char *label;
	enum pem_kind kind;
} labels[] = {
	{ "CERTIFICATE", PEM_CERTIFICATE },           { "X509 CERTIFICATE", PEM_CERTIFICATE },
	{ "TRUSTED CERTIFICATE", PEM_CERTIFICATE },   { "PRIVATE KEY", PEM_PRIVATE_KEY },
	{ "RSA PRIVATE KEY", PEM_PRIVATE_KEY },       { "EC PRIVATE KEY", PEM_PRIVATE_KEY },
	{ "ENCRYPTED PRIVATE KEY", PEM_PRIVATE_KEY }, { "CERTIFICATE REQUEST", PEM_CSR },
	{ "NEW CERTIFICATE REQUEST", PEM_CSR },
};

static enum pem_kind kind_of(const char *label, size_t n)
{
	for (size_t i = 0; i < sizeof(labels) / sizeof(labels[0]); i++)
		if (strlen(labels[i].label) == n && memcmp(labels[i].label, label, n) == 0)
			return labels[i].kind;
	return PEM_OTHER;
}

/* The label of a "-----BEGIN LABEL-----" or END line starting at p. */
static int line_label(const char *p, const char *word, const char **label, size_t *n)
{
	size_t w = strlen(word);
	const char *end;

	if (strncmp(p, "-----", 5) != 0 || strncmp(p + 5, word, w) != 0 || p[5 + w] != ' ')
		return 0;
	*label = p + 6 + w;
	end = strstr(*label, "-----");
	if (!end || memchr(*label, '\n', (size_t)(end - *label)))
		return 0;
	*n = (size_t)(end - *label);
	return 1;
}

static const char *next_line(const char *p)
{
	const char *nl = strchr(p, '\n');
	return nl ? nl + 1 : p + strlen(p);
}

int pem_split(const char *text, struct pem_block *out, size_t max, size_t *count, struct err *e)
{
	const char *p = text;

	*count = 0;
	while (*p) {
		const char *label, *q, *end_label;
		size_t n, end_n;

		if (!line_label(p, "BEGIN", &label, &n)) {
			p = next_line(p);
			continue;
		}
		for (q = next_line(p); *q; q = next_line(q))
			if (line_label(q, "END", &end_label, &end_n))
				break;
		if (!*q)
			return err_set(e, "a \"-----BEGIN %.*s-----\" line has no END line",
				       (int)(n < 40 ? n : 40), label);
		if (end_n != n || memcmp(label, end_label, n) != 0)
			return err_set(e, "the block \"%.*s\" ends with another label",
				       (int)(n < 40 ? n : 40), label);
		if (*count >= max)
			return err_set(e, "more than %zu PEM blocks", max);
		q = next_line(q);
		out[*count].kind = kind_of(label, n);
		out[*count].start = (size_t)(p - text);
		out[*count].len = (size_t)(q - p);
		(*count)++;
		p = q;
	}
	return 0;
}

int pem_profile_layout(const char *text, struct pem_profile_layout *out, struct err *e)
{
	struct pem_block b[PEM_BLOB_BLOCKS_MAX + 3];
	size_t n, i = 0;

	memset(out, 0, sizeof(*out));
	if (pem_split(text, b, sizeof(b) / sizeof(b[0]), &n, e) < 0)
		return -1;
	if (n == 0 || b[0].kind != PEM_CERTIFICATE)
		return err_set(e, "the profile does not start with a certificate");
	out->cert = b[i++];
	while (i < n && b[i].kind == PEM_CERTIFICATE) {
		if (out->chain_count >= PEM_BLOB_BLOCKS_MAX)
			return err_set(e, "too many intermediate certificates");
		out->chain[out->chain_count++] = b[i++];
	}
	if (i >= n || b[i].kind != PEM_PRIVATE_KEY)
		return err_set(e, "the profile has no private key after its certificates");
	out->key = b[i++];
	if (i < n && b[i].kind == PEM_CSR) {
		out->csr = b[i++];
		out->has_csr = 1;
	}
	if (i != n)
		return err_set(e, "the profile has an unexpected block after its private key");
	return 0;
}

long pem_days_remaining(long long seconds_left)
{
	if (seconds_left <= 0)
		return 0;
	return (long)((seconds_left + 86399) / 86400);
}

void pem_render_days(long long seconds_left, char *buf, size_t len)
{
	long days = pem_days_remaining(seconds_left);

	if (days <= 0)
		snprintf(buf, len, "expired");
	else
		snprintf(buf, len, "%ld day%s", days, days == 1 ? "" : "s");
}
