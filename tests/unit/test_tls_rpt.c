/* test_tls_rpt: TLS-RPT's pure parts (core/tls_rpt.c) — the TLSRPTv1 TXT
 * record (mailto: kept, https: skipped, malformed refused), outcome counts
 * (distinct failures, the bound), and the JSON report's shape. */
#include <stdio.h>
#include <string.h>

#include "../../core/tls_rpt.h"
#include "tap.h"

static int txt(const char *s, char rua[TLS_RPT_RUA_MAX][256], size_t *n)
{
	struct err e;
	return tls_rpt_txt_parse(s, strlen(s), rua, n, &e);
}

int main(void)
{
	char rua[TLS_RPT_RUA_MAX][256];
	struct tls_rpt_domain d = { .domain = "example.com" };
	struct strbuf out;
	size_t n;

	CHECK(txt("v=TLSRPTv1; rua=mailto:reports@example.com", rua, &n) == 0 && n == 1 &&
		      strcmp(rua[0], "reports@example.com") == 0,
	      "TXT: one mailto:");
	CHECK(txt("v=TLSRPTv1;rua=https://r.example/x,mailto:a@b.example,mailto:c@d.example;", rua,
		  &n) == 0 &&
		      n == 2 && strcmp(rua[1], "c@d.example") == 0,
	      "TXT: https: skipped, two mailto:");
	CHECK(txt("v=TLSRPTv1; rua=https://r.example/x", rua, &n) < 0,
	      "TXT: no mailto: is refused");
	CHECK(txt("rua=mailto:a@b; v=TLSRPTv1", rua, &n) < 0, "TXT: v= first");
	CHECK(txt("v=TLSRPTv1; rua=mailto:a b@c", rua, &n) < 0, "TXT: an address with a space");
	CHECK(txt("v=TLSRPTv1; rua=mailto:<a@b>", rua, &n) < 0, "TXT: angle brackets refused");
	CHECK(txt("v=TLSRPTv2; rua=mailto:a@b", rua, &n) < 0, "TXT: another version");

	tls_rpt_count(&d, "sts", NULL, "mx.example.com", "192.0.2.1");
	tls_rpt_count(&d, "no-policy-found", "certificate-host-mismatch", "mx.example.com",
		      "192.0.2.1");
	tls_rpt_count(&d, "sts", "certificate-host-mismatch", "mx.example.com", "192.0.2.1");
	CHECK(d.success == 1 && d.failure == 2 && d.nfails == 1 && d.fails[0].count == 2,
	      "counts: the same failure twice is one detail with count 2");
	CHECK(strcmp(d.policy_type, "sts") == 0, "counts: the policy type seen first is kept");
	for (int i = 0; i < 40; i++) {
		char ip[32];
		snprintf(ip, sizeof(ip), "192.0.2.%d", i + 10);
		tls_rpt_count(&d, "sts", "validation-failure", "mx", ip);
	}
	CHECK(d.nfails == TLS_RPT_FAILS_MAX && d.failure == 42,
	      "counts: at most %d details, every failure counted", TLS_RPT_FAILS_MAX);

	strbuf_init(&out);
	tls_rpt_json(&d, "gw \"one\"", "", "id-1", 0, 86400, &out);
	CHECK(strstr(out.data, "\"organization-name\":\"gw \\\"one\\\"\"") != NULL,
	      "JSON: strings escaped");
	CHECK(strstr(out.data, "\"start-datetime\":\"1970-01-01T00:00:00Z\",\"end-datetime\":"
			       "\"1970-01-02T00:00:00Z\"") != NULL,
	      "JSON: the date range in RFC 3339");
	CHECK(strstr(out.data, "\"total-successful-session-count\":1,"
			       "\"total-failure-session-count\":42") != NULL,
	      "JSON: the summary");
	CHECK(strstr(out.data, "{\"result-type\":\"certificate-host-mismatch\","
			       "\"receiving-ip\":\"192.0.2.1\",\"receiving-mx-hostname\":"
			       "\"mx.example.com\",\"failed-session-count\":2}") != NULL,
	      "JSON: a failure detail");
	strbuf_free(&out);
	return tap_done();
}
