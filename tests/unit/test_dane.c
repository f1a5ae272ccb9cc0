/* test_dane: DANE's pure parts — TLSA RDATA (core/tlsa.c: parsing, RFC 7672
 * usability, the text form, the per-host set) and the decision for one mail
 * exchanger (core/dane.c) under No, Opportunistic and Mandatory for every
 * DNSSEC state; the destconfig field's codec (old values read as No). */
#include <stdio.h>
#include <string.h>

#include "../../core/dane.h"
#include "../../core/dest.h"
#include "../../core/tlsa.h"
#include "tap.h"

static void rdata(uint8_t *buf, uint8_t u, uint8_t s, uint8_t m, size_t n)
{
	buf[0] = u;
	buf[1] = s;
	buf[2] = m;
	for (size_t i = 0; i < n; i++)
		buf[3 + i] = (uint8_t)i;
}

static void test_tlsa(void)
{
	uint8_t buf[200] = { 0 };
	struct tlsa_rr r;
	struct tlsa_set set = { 0 };
	char text[TLSA_TEXT_MAX];
	struct err e;

	CHECK(tlsa_parse(buf, 3, &r, &e) < 0, "a 3-byte TLSA record is refused: %s", e.msg);
	rdata(buf, 3, 1, 1, 32);
	CHECK(tlsa_parse(buf, 35, &r, &e) == 0 && r.usage == 3 && r.len == 32 && !tlsa_unusable(&r),
	      "3 1 1 with 32 bytes: usable");
	tlsa_text(&r, text, sizeof(text));
	CHECK(strncmp(text, "3 1 1 000102", 12) == 0 && strlen(text) == 6 + 64, "text form: %s",
	      text);
	tlsa_text(&r, text, 10);
	CHECK(strlen(text) < 10, "text form truncated safely: \"%s\"", text);
	CHECK(tlsa_parse(buf, 34, &r, &e) == 0 && tlsa_unusable(&r),
	      "SHA2-256 with 31 bytes: unusable (%s)", tlsa_unusable(&r));
	rdata(buf, 1, 1, 1, 32);
	tlsa_parse(buf, 35, &r, &e);
	CHECK(tlsa_unusable(&r) != NULL, "PKIX-EE(1): unusable for SMTP");
	rdata(buf, 2, 0, 2, 64);
	CHECK(tlsa_parse(buf, 67, &r, &e) == 0 && !tlsa_unusable(&r),
	      "2 0 2 with 64 bytes: usable");
	rdata(buf, 3, 2, 1, 32);
	tlsa_parse(buf, 35, &r, &e);
	CHECK(tlsa_unusable(&r) != NULL, "selector 2: unusable");
	rdata(buf, 3, 1, 0, 100);
	CHECK(tlsa_parse(buf, 103, &r, &e) < 0, "Full(0) data over %d bytes: not kept",
	      TLSA_DATA_MAX);

	rdata(buf, 3, 1, 1, 32);
	tlsa_set_add(&set, buf, 35);
	tlsa_set_add(&set, buf, 35);
	rdata(buf, 0, 0, 1, 32);
	tlsa_set_add(&set, buf, 35);
	tlsa_set_add(&set, buf, 2);
	CHECK(set.count == 1 && set.unusable == 2,
	      "set: a duplicate is one record, PKIX-TA and a short record are counted unusable");
	for (int i = 0; i < 20; i++) {
		rdata(buf, 3, 1, 1, 32);
		buf[3] = (uint8_t)(i + 1);
		tlsa_set_add(&set, buf, 35);
	}
	CHECK(set.count == TLSA_MAX, "set: at most %d records kept", TLSA_MAX);
}

static void test_decide(void)
{
	struct tlsa_set found = { .state = TLSA_FOUND, .name = "_25._tcp.mx", .count = 1 };
	struct tlsa_set unusable = { .state = TLSA_FOUND, .name = "_25._tcp.mx", .unusable = 2 };
	struct tlsa_set none = { .state = TLSA_NONE, .name = "_25._tcp.mx" };
	struct tlsa_set failed = { .state = TLSA_FAILED, .name = "_25._tcp.mx", .why = "SERVFAIL" };
	struct tlsa_set insecure = { .state = TLSA_INSECURE, .why = "not validated" };
	struct dane_decision d;

	dane_decide(DANE_MODE_NO, TLS_LEVEL_PREFERRED, true, &found, "mx", &d);
	CHECK(d.action == DANE_ACT_TLS_LEVEL && d.level == TLS_LEVEL_PREFERRED,
	      "No: the TLS level, whatever the TLSA records");
	dane_decide(DANE_MODE_OPPORTUNISTIC, TLS_LEVEL_NO, true, &found, "mx", &d);
	CHECK(d.action == DANE_ACT_AUTH && d.level == TLS_LEVEL_REQUIRED_VERIFY,
	      "Opportunistic, secure usable TLSA: authenticated TLS even over TLS No");
	dane_decide(DANE_MODE_OPPORTUNISTIC, TLS_LEVEL_PREFERRED, false, &found, "mx", &d);
	CHECK(d.action == DANE_ACT_TLS_LEVEL && d.level == TLS_LEVEL_PREFERRED,
	      "Opportunistic, insecure MX: the TLS level (%s)", d.why);
	dane_decide(DANE_MODE_MANDATORY, TLS_LEVEL_PREFERRED, false, &found, "mx", &d);
	CHECK(d.action == DANE_ACT_SKIP, "Mandatory, insecure MX: skipped (%s)", d.why);
	dane_decide(DANE_MODE_OPPORTUNISTIC, TLS_LEVEL_REQUIRED, true, &none, "mx", &d);
	CHECK(d.action == DANE_ACT_TLS_LEVEL && d.level == TLS_LEVEL_REQUIRED,
	      "Opportunistic, no TLSA: the TLS level");
	dane_decide(DANE_MODE_MANDATORY, TLS_LEVEL_REQUIRED, true, &none, "mx", &d);
	CHECK(d.action == DANE_ACT_SKIP, "Mandatory, no TLSA: skipped");
	dane_decide(DANE_MODE_OPPORTUNISTIC, TLS_LEVEL_PREFERRED, true, &insecure, "mx", &d);
	CHECK(d.action == DANE_ACT_TLS_LEVEL && strstr(d.why, "not validated"),
	      "Opportunistic, insecure host: the TLS level, and why");
	dane_decide(DANE_MODE_OPPORTUNISTIC, TLS_LEVEL_PREFERRED, true, &failed, "mx", &d);
	CHECK(d.action == DANE_ACT_SKIP && strstr(d.why, "SERVFAIL"),
	      "Opportunistic, failed TLSA lookup on a secure host: never falls back");
	dane_decide(DANE_MODE_OPPORTUNISTIC, TLS_LEVEL_PREFERRED, true, &unusable, "mx", &d);
	CHECK(d.action == DANE_ACT_ENCRYPT && d.level == TLS_LEVEL_REQUIRED,
	      "Opportunistic, only unusable records: TLS required, unauthenticated");
	dane_decide(DANE_MODE_MANDATORY, TLS_LEVEL_PREFERRED, true, &unusable, "mx", &d);
	CHECK(d.action == DANE_ACT_SKIP, "Mandatory, only unusable records: skipped");
	dane_decide(DANE_MODE_MANDATORY, TLS_LEVEL_NO, true, &found, "mx", &d);
	CHECK(d.action == DANE_ACT_AUTH, "Mandatory, usable records: authenticated TLS");
}

static void test_field(void)
{
	struct dest_policy p, def, m;
	struct strbuf out;
	struct err e;

	CHECK(dest_policy_decode("tls=on\n", &p, &e) == 0 && !(p.set & DEST_F_DANE),
	      "a value stored before DANE existed decodes without the field");
	dest_policy_defaults(&def);
	dest_policy_merge(&m, &p, &def);
	CHECK(m.dane == DANE_MODE_NO, "... and inherits No");
	CHECK(dest_policy_set(&p, "dane", "mandatory", &e) == 0 && p.dane == DANE_MODE_MANDATORY,
	      "dane=mandatory");
	CHECK(dest_policy_set(&p, "dane", "yes", &e) < 0 && p.dane == DANE_MODE_MANDATORY,
	      "a bad value is refused and changes nothing: %s", e.msg);
	strbuf_init(&out);
	dest_policy_encode(&p, &out);
	CHECK(strstr(out.data, "dane=mandatory\n") != NULL, "encoded as dane=mandatory");
	strbuf_free(&out);
	CHECK(strcmp(dane_mode_label(DANE_MODE_OPPORTUNISTIC), "Opportunistic") == 0,
	      "labels as the pick-list prints them");
}

int main(void)
{
	test_tlsa();
	test_decide();
	test_field();
	return tap_done();
}
