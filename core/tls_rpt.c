/* tls_rpt: the TLSRPTv1 TXT record, outcome counts, the JSON report. */
#include "tls_rpt.h"

#include <stdio.h>
#include <string.h>

int tls_rpt_txt_parse(const char *txt, size_t len, char rua[TLS_RPT_RUA_MAX][256], size_t *n,
		      struct err *e)
{
	const char *p = txt, *end = txt + len;
	bool first = true;

	*n = 0;
	while (p < end) {
		const char *semi, *fend;
		while (p < end && (*p == ' ' || *p == '\t'))
			p++;
		if (p >= end)
			break;
		semi = memchr(p, ';', (size_t)(end - p));
		fend = semi ? semi : end;
		while (fend > p && (fend[-1] == ' ' || fend[-1] == '\t'))
			fend--;
		if (first) {
			if (fend - p != 10 || memcmp(p, "v=TLSRPTv1", 10) != 0)
				return err_set(e, "not a TLSRPTv1 record");
			first = false;
		} else if (fend - p > 4 && memcmp(p, "rua=", 4) == 0) {
			const char *u = p + 4;
			while (u < fend) {
				const char *comma = memchr(u, ',', (size_t)(fend - u));
				const char *uend = comma ? comma : fend;
				size_t ulen = (size_t)(uend - u);
				if (ulen > 7 && memcmp(u, "mailto:", 7) == 0 && ulen - 7 < 256 &&
				    *n < TLS_RPT_RUA_MAX) {
					bool ok = memchr(u + 7, '@', ulen - 7) != NULL;
					for (size_t i = 7; i < ulen; i++)
						if (u[i] <= ' ' || u[i] == '<' || u[i] == '>' ||
						    u[i] == '"' || u[i] == '\\' || u[i] == 127 ||
						    (unsigned char)u[i] > 127)
							ok = false;
					if (ok)
						snprintf(rua[(*n)++], 256, "%.*s", (int)(ulen - 7),
							 u + 7);
				}
				u = comma ? comma + 1 : fend;
			}
		}
		p = semi ? semi + 1 : end;
	}
	if (first)
		return err_set(e, "not a TLSRPTv1 record");
	if (*n == 0)
		return err_set(e, "the TLSRPTv1 record names no mailto: address");
	return 0;
}

void tls_rpt_count(struct tls_rpt_domain *d, const char *policy_type, const char *result_type,
		   const char *mx, const char *ip)
{
	/* The strongest policy seen that day names the report's policy. */
	if (!d->policy_type[0] || strcmp(d->policy_type, "no-policy-found") == 0)
		snprintf(d->policy_type, sizeof(d->policy_type), "%s", policy_type);
	if (!result_type) {
		d->success++;
		return;
	}
	d->failure++;
	for (size_t i = 0; i < d->nfails; i++) {
		struct tls_rpt_failure *f = &d->fails[i];
		if (strcmp(f->result_type, result_type) == 0 && strcmp(f->mx, mx) == 0 &&
		    strcmp(f->ip, ip) == 0) {
			f->count++;
			return;
		}
	}
	if (d->nfails == TLS_RPT_FAILS_MAX)
		return;
	struct tls_rpt_failure *f = &d->fails[d->nfails++];
	snprintf(f->result_type, sizeof(f->result_type), "%s", result_type);
	snprintf(f->mx, sizeof(f->mx), "%s", mx);
	snprintf(f->ip, sizeof(f->ip), "%s", ip);
	f->count = 1;
}

/* A JSON string: the names and addresses here are host names and numbers,
 * but escape anyway. */
static void json_str(struct strbuf *out, const char *s)
{
	strbuf_puts(out, "\"");
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;
		if (c == '"' || c == '\\')
			strbuf_printf(out, "\\%c", c);
		else if (c < 0x20 || c >= 0x7f)
			strbuf_printf(out, "\\u%04x", c);
		else
			strbuf_add(out, s, 1);
	}
	strbuf_puts(out, "\"");
}

static void iso(time_t t, char *buf, size_t len)
{
	struct tm tm;

	gmtime_r(&t, &tm);
	strftime(buf, len, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

void tls_rpt_json(const struct tls_rpt_domain *d, const char *organization, const char *contact,
		  const char *report_id, time_t start, time_t end, struct strbuf *out)
{
	char a[32], b[32];

	iso(start, a, sizeof(a));
	iso(end, b, sizeof(b));
	strbuf_puts(out, "{\"organization-name\":");
	json_str(out, organization);
	strbuf_printf(out, ",\"date-range\":{\"start-datetime\":\"%s\",\"end-datetime\":\"%s\"},",
		      a, b);
	strbuf_puts(out, "\"contact-info\":");
	json_str(out, contact);
	strbuf_puts(out, ",\"report-id\":");
	json_str(out, report_id);
	strbuf_puts(out, ",\"policies\":[{\"policy\":{\"policy-type\":");
	json_str(out, d->policy_type[0] ? d->policy_type : "no-policy-found");
	strbuf_puts(out, ",\"policy-domain\":");
	json_str(out, d->domain);
	strbuf_printf(out,
		      "},\"summary\":{\"total-successful-session-count\":%ld,"
		      "\"total-failure-session-count\":%ld},\"failure-details\":[",
		      d->success, d->failure);
	for (size_t i = 0; i < d->nfails; i++) {
		const struct tls_rpt_failure *f = &d->fails[i];
		strbuf_puts(out, i ? ",{\"result-type\":" : "{\"result-type\":");
		json_str(out, f->result_type);
		strbuf_puts(out, ",\"receiving-ip\":");
		json_str(out, f->ip);
		strbuf_puts(out, ",\"receiving-mx-hostname\":");
		json_str(out, f->mx);
		strbuf_printf(out, ",\"failed-session-count\":%ld}", f->count);
	}
	strbuf_puts(out, "]}]}");
}
