/* test_pem_blob: the pure certificate helpers of core/: PEM block scanning
 * and the stored profile's order (core/pem_blob.c), days remaining, and the
 * NEW dialog's rules (core/cert_rules.c). Also "ca.system" is a setting,
 * never a custom CA (core/entries.c). */
#include <stdio.h>
#include <string.h>

#include "../../core/cert_rules.h"
#include "../../core/entries.h"
#include "../../core/pem_blob.h"
#include "tap.h"

#define CERT "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n"
#define KEY  "-----BEGIN PRIVATE KEY-----\nBBBB\n-----END PRIVATE KEY-----\n"
#define CSR  "-----BEGIN CERTIFICATE REQUEST-----\nCCCC\n-----END CERTIFICATE REQUEST-----\n"

static void test_split(void)
{
	struct pem_block b[4];
	size_t n;
	struct err e;
	const char *text = "Bag Attributes\n" CERT "junk\n" KEY;

	CHECK(pem_split(text, b, 4, &n, &e) == 0 && n == 2, "two blocks among other text");
	CHECK(b[0].kind == PEM_CERTIFICATE && b[1].kind == PEM_PRIVATE_KEY, "their kinds");
	CHECK(strncmp(text + b[0].start, CERT, b[0].len) == 0 && b[0].len == strlen(CERT),
	      "the certificate block spans BEGIN to END and its newline");
	CHECK(pem_split("-----BEGIN CERTIFICATE-----\nAAAA\n", b, 4, &n, &e) < 0 &&
		      strstr(e.msg, "no END line"),
	      "a BEGIN without END is refused: %s", e.msg);
	CHECK(pem_split("-----BEGIN CERTIFICATE-----\nA\n-----END PRIVATE KEY-----\n", b, 4, &n,
			&e) < 0,
	      "a block ending with another label is refused");
	CHECK(pem_split(CERT CERT CERT, b, 2, &n, &e) < 0, "more blocks than room is refused");
	CHECK(pem_split("", b, 4, &n, &e) == 0 && n == 0, "empty text: no blocks");
	CHECK(pem_split("-----BEGIN EC PRIVATE KEY-----\nx\n-----END EC PRIVATE KEY-----", b, 4, &n,
			&e) == 0 &&
		      n == 1 && b[0].kind == PEM_PRIVATE_KEY,
	      "EC PRIVATE KEY without a final newline");
}

static void test_layout(void)
{
	struct pem_profile_layout l;
	struct err e;

	CHECK(pem_profile_layout(CERT KEY, &l, &e) == 0 && l.chain_count == 0 && !l.has_csr,
	      "certificate and key");
	CHECK(pem_profile_layout(CERT CERT CERT KEY CSR, &l, &e) == 0 && l.chain_count == 2 &&
		      l.has_csr,
	      "certificate, two intermediates, key, CSR");
	CHECK(pem_profile_layout(KEY CERT, &l, &e) < 0, "key first is refused");
	CHECK(pem_profile_layout(CERT, &l, &e) < 0 && strstr(e.msg, "no private key"),
	      "no key is refused: %s", e.msg);
	CHECK(pem_profile_layout(CERT KEY KEY, &l, &e) < 0, "two keys are refused");
	CHECK(pem_profile_layout(CERT KEY CSR CERT, &l, &e) < 0,
	      "a block after the CSR is refused");
}

static void test_days(void)
{
	char buf[32];

	CHECK(pem_days_remaining(3650LL * 86400) == 3650, "exactly 3650 days");
	CHECK(pem_days_remaining(3650LL * 86400 - 5) == 3650, "a started day counts");
	CHECK(pem_days_remaining(1) == 1 && pem_days_remaining(0) == 0 &&
		      pem_days_remaining(-100) == 0,
	      "1 second, 0, negative");
	pem_render_days(86400, buf, sizeof(buf));
	CHECK(strcmp(buf, "1 day") == 0, "\"1 day\": %s", buf);
	pem_render_days(10 * 86400, buf, sizeof(buf));
	CHECK(strcmp(buf, "10 days") == 0, "\"10 days\": %s", buf);
	pem_render_days(-1, buf, sizeof(buf));
	CHECK(strcmp(buf, "expired") == 0, "\"expired\": %s", buf);
}

static void test_rules(void)
{
	struct err e;
	char c[8];
	int days;

	snprintf(c, sizeof(c), "fr");
	CHECK(cert_check_country(c, &e) == 0 && strcmp(c, "FR") == 0, "fr -> FR");
	snprintf(c, sizeof(c), "FRA");
	CHECK(cert_check_country(c, &e) < 0 &&
		      strcmp(e.msg, "That value is not valid. Country should be a ISO two "
				    "character country code") == 0,
	      "FRA refused with the spec's words");
	snprintf(c, sizeof(c), "F1");
	CHECK(cert_check_country(c, &e) < 0, "F1 refused");
	c[0] = '\0';
	CHECK(cert_check_country(c, &e) == 0, "empty allowed");
	CHECK(cert_check_san("mail.example.com", &e) == 0 &&
		      cert_check_san("*.example.com", &e) == 0 &&
		      cert_check_san("192.0.2.1", &e) == 0 &&
		      cert_check_san("2001:db8::1", &e) == 0,
	      "DNS names, a wildcard, IPv4, IPv6");
	CHECK(cert_check_san("a..b", &e) < 0 && cert_check_san("-a.com", &e) < 0 &&
		      cert_check_san("a b", &e) < 0 && cert_check_san("a.*.com", &e) < 0 &&
		      cert_check_san("a-.com", &e) < 0,
	      "empty label, leading/trailing hyphen, blank, inner wildcard refused");
	CHECK(cert_check_days("365", &days, &e) == 0 && days == 365, "365 days");
	CHECK(cert_check_days("0", &days, &e) < 0 && cert_check_days("36501", &days, &e) < 0 &&
		      cert_check_days("-5", &days, &e) < 0 && cert_check_days("1x", &days, &e) < 0,
	      "0, 36501, -5, 1x refused");
	CHECK(cert_check_subject_field("", 64, 1, &e) < 0 && strncmp(e.msg, "You must", 8) == 0,
	      "a required field");
	CHECK(cert_check_subject_field("a\tb", 64, 0, &e) < 0, "control characters refused");
}

static void test_entries_and_settings(void)
{
	char key[300];
	struct err e;

	CHECK(entry_kind_of_key("ca.system", NULL) == NULL, "\"ca.system\" is a setting, not a CA");
	CHECK(entry_kind_of_key("ca.corp", NULL) != NULL, "\"ca.corp\" is a CA");
	CHECK(entry_key("ca", "system", key, sizeof(key), &e) < 0,
	      "a CA cannot be named \"system\": %s", e.msg);
}

int main(void)
{
	test_split();
	test_layout();
	test_days();
	test_rules();
	test_entries_and_settings();
	return tap_done();
}
