/* tlsa: TLSA RDATA, its usability for SMTP and its text form. */
#include "tlsa.h"

#include <stdio.h>
#include <string.h>

int tlsa_parse(const uint8_t *rdata, size_t len, struct tlsa_rr *out, struct err *e)
{
	memset(out, 0, sizeof(*out));
	if (len < 4)
		return err_set(e, "A TLSA record holds at least 4 bytes, this one %zu.", len);
	if (len - 3 > TLSA_DATA_MAX)
		return err_set(e, "A TLSA record's data of %zu bytes is longer than %d.", len - 3,
			       TLSA_DATA_MAX);
	out->usage = rdata[0];
	out->selector = rdata[1];
	out->mtype = rdata[2];
	out->len = len - 3;
	memcpy(out->data, rdata + 3, out->len);
	return 0;
}

const char *tlsa_unusable(const struct tlsa_rr *r)
{
	if (r->usage == TLSA_PKIX_TA || r->usage == TLSA_PKIX_EE)
		return "PKIX-TA(0) and PKIX-EE(1) are not used for SMTP (RFC 7672 3.1.3)";
	if (r->usage != TLSA_DANE_TA && r->usage != TLSA_DANE_EE)
		return "unknown certificate usage";
	if (r->selector > 1)
		return "unknown selector";
	switch (r->mtype) {
	case 0: return NULL;
	case 1: return r->len == 32 ? NULL : "a SHA2-256 digest is 32 bytes";
	case 2: return r->len == 64 ? NULL : "a SHA2-512 digest is 64 bytes";
	default: return "unknown matching type";
	}
}

void tlsa_text(const struct tlsa_rr *r, char *buf, size_t len)
{
	static const char hex[] = "0123456789abcdef";
	size_t n;

	if (len == 0)
		return;
	n = (size_t)snprintf(buf, len, "%u %u %u ", r->usage, r->selector, r->mtype);
	for (size_t i = 0; i < r->len && n + 2 < len; i++) {
		buf[n++] = hex[r->data[i] >> 4];
		buf[n++] = hex[r->data[i] & 15];
	}
	buf[n < len ? n : len - 1] = '\0';
}

void tlsa_set_add(struct tlsa_set *s, const uint8_t *rdata, size_t len)
{
	struct tlsa_rr rr;
	struct err e;

	if (tlsa_parse(rdata, len, &rr, &e) < 0 || tlsa_unusable(&rr) || s->count == TLSA_MAX) {
		s->unusable++;
		return;
	}
	for (size_t i = 0; i < s->count; i++) /* the same record twice is one */
		if (memcmp(&s->rr[i], &rr, sizeof(rr)) == 0)
			return;
	s->rr[s->count++] = rr;
}
