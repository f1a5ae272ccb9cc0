/* test_mta_sts: MTA-STS's pure parts (core/mta_sts.c) — the TXT record, the
 * policy file (RFC 8461 3.2: keys, modes, max_age bounds, mx patterns, CRLF
 * or LF, unknown keys ignored, every malformed form refused), MX matching
 * (exact, "*." with exactly one label), and the decision per host. */
#include <stdio.h>
#include <string.h>

#include "../../core/mta_sts.h"
#include "tap.h"

static int txt(const char *s, char *id)
{
	struct err e;
	return mta_sts_txt_parse(s, strlen(s), id, &e);
}

static int policy(const char *s, struct mta_sts_policy *p)
{
	struct err e;
	return mta_sts_policy_parse(s, strlen(s), p, &e);
}

int main(void)
{
	char id[MTA_STS_ID_MAX + 1];
	struct mta_sts_policy p;
	struct mta_sts_decision d;

	CHECK(txt("v=STSv1; id=20160831085700Z;", id) == 0 && strcmp(id, "20160831085700Z") == 0,
	      "TXT: v=STSv1; id=...;");
	CHECK(txt("v=STSv1;id=abc", id) == 0 && strcmp(id, "abc") == 0,
	      "TXT: no spaces, no final ;");
	CHECK(txt("id=abc; v=STSv1;", id) < 0, "TXT: v= must come first");
	CHECK(txt("v=STSv2; id=abc;", id) < 0, "TXT: another version is not a record");
	CHECK(txt("v=STSv1;", id) < 0, "TXT: without id");
	CHECK(txt("v=STSv1; id=ab-c;", id) < 0, "TXT: an id holds letters and digits only");
	CHECK(txt("v=STSv1; id=123456789012345678901234567890123;", id) < 0, "TXT: id of 33");
	CHECK(txt("", id) < 0, "TXT: empty");

	CHECK(policy("version: STSv1\r\nmode: enforce\r\nmx: mail.example.com\r\nmx: "
		     "*.example.net\r\nmax_age: 604800\r\n",
		     &p) == 0 &&
		      p.mode == MTA_STS_ENFORCE && p.mx_count == 2 && p.max_age == 604800,
	      "policy: the RFC's example (CRLF)");
	CHECK(policy("version: STSv1\nmode: testing\nmx: a.example\nmax_age: 1\nfuture: x\n", &p) ==
			      0 &&
		      p.mode == MTA_STS_TESTING,
	      "policy: LF, an unknown key ignored");
	CHECK(policy("version: STSv1\nmode: none\nmax_age: 0\n", &p) == 0,
	      "policy: none needs no mx");
	CHECK(policy("version: STSv1\nmode: enforce\nmax_age: 10\n", &p) < 0,
	      "policy: enforce without mx");
	CHECK(policy("version: STSv1\nmode: strict\nmx: a\nmax_age: 10\n", &p) < 0,
	      "policy: unknown mode");
	CHECK(policy("version: STSv1\nmode: enforce\nmx: a\nmax_age: 31557601\n", &p) < 0,
	      "policy: max_age over a year");
	CHECK(policy("version: STSv1\nmode: enforce\nmx: a\nmax_age: -1\n", &p) < 0,
	      "policy: negative max_age");
	CHECK(policy("mode: enforce\nmx: a\nmax_age: 10\n", &p) < 0, "policy: without version");
	CHECK(policy("version: STSv1\nmode: enforce\nmx: a b\nmax_age: 10\n", &p) < 0,
	      "policy: an mx with a space");
	CHECK(policy("version: STSv1\nmode: enforce\nmx: *.\nmax_age: 10\n", &p) < 0,
	      "policy: mx *.");
	CHECK(policy("garbage\n", &p) < 0, "policy: a line without ':'");

	policy("version: STSv1\nmode: enforce\nmx: mail.example.com\nmx: *.example.net\nmax_age: "
	       "9\n",
	       &p);
	CHECK(mta_sts_mx_match(&p, "mail.example.com") && mta_sts_mx_match(&p, "MAIL.example.com."),
	      "match: exact, case-insensitive, trailing dot");
	CHECK(mta_sts_mx_match(&p, "mx1.example.net"),
	      "match: *.example.net matches mx1.example.net");
	CHECK(!mta_sts_mx_match(&p, "a.b.example.net") && !mta_sts_mx_match(&p, "example.net"),
	      "match: one label only, not the bare suffix");
	CHECK(!mta_sts_mx_match(&p, "mail.example.com.evil"), "match: no suffix trick");
	policy("version: STSv1\nmode: enforce\nmx: *.example.net.\nmax_age: 9\n", &p);
	CHECK(mta_sts_mx_match(&p, "x.example.net") && mta_sts_mx_match(&p, "x.example.net."),
	      "match: a pattern with a trailing dot (found by fuzz_mta_sts)");

	mta_sts_decide(&p, "mx1.example.net", TLS_LEVEL_PREFERRED, &d);
	CHECK(d.action == MTA_STS_ACT_ENFORCE && d.level == TLS_LEVEL_REQUIRED_VERIFY,
	      "decide: enforce, host matches: verified TLS");
	mta_sts_decide(&p, "other.example.org", TLS_LEVEL_PREFERRED, &d);
	CHECK(d.action == MTA_STS_ACT_SKIP, "decide: enforce, no match: the host is not used");
	p.mode = MTA_STS_TESTING;
	mta_sts_decide(&p, "other.example.org", TLS_LEVEL_PREFERRED, &d);
	CHECK(d.action == MTA_STS_ACT_REPORT && d.level == TLS_LEVEL_PREFERRED,
	      "decide: testing, no match: reported, the TLS setting applies");
	mta_sts_decide(NULL, "x", TLS_LEVEL_REQUIRED, &d);
	CHECK(d.action == MTA_STS_ACT_NONE && d.level == TLS_LEVEL_REQUIRED, "decide: no policy");
	return tap_done();
}
