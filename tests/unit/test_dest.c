/* test_dest: destination controls in core/ — TLS level predicates, the entry
 * value codec, the INI file (errors name the line), the most-specific-match
 * table (and its cost), routes, and the SMTP client machine under each TLS
 * level against scripted server replies. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "../../core/dest.h"
#include "../../core/dest_ini.h"
#include "../../core/domain_map.h"
#include "../../core/route.h"
#include "../../core/smtp_client.h"
#include "tap.h"

static void test_levels(void)
{
	CHECK(!tls_level_attempts(TLS_LEVEL_NO), "No never attempts TLS");
	CHECK(tls_level_attempts(TLS_LEVEL_PREFERRED) && !tls_level_requires(TLS_LEVEL_PREFERRED) &&
		      !tls_level_verifies(TLS_LEVEL_PREFERRED),
	      "Preferred: attempts, neither requires nor verifies");
	CHECK(tls_level_requires(TLS_LEVEL_REQUIRED) && !tls_level_verifies(TLS_LEVEL_REQUIRED),
	      "Required: requires, no verification");
	CHECK(!tls_level_requires(TLS_LEVEL_PREFERRED_VERIFY) &&
		      tls_level_verifies(TLS_LEVEL_PREFERRED_VERIFY),
	      "Preferred (Verify): verifies, does not require");
	CHECK(tls_level_requires(TLS_LEVEL_REQUIRED_VERIFY) &&
		      tls_level_verifies(TLS_LEVEL_REQUIRED_VERIFY),
	      "Required (Verify): both");
	CHECK(strcmp(tls_level_ini(TLS_LEVEL_PREFERRED_VERIFY), "on_verify") == 0 &&
		      strcmp(tls_level_label(TLS_LEVEL_REQUIRED_VERIFY), "Required (Verify)") == 0,
	      "INI and menu spellings");
}

static void test_codec(void)
{
	struct dest_policy p, q, d, m;
	struct strbuf sb;
	struct err e;

	dest_policy_empty(&p);
	CHECK(dest_policy_set(&p, "tls", "require_verify", &e) == 0 &&
		      dest_policy_set(&p, "max_host_concurrency", "7", &e) == 0,
	      "set two fields");
	CHECK(dest_policy_set(&p, "tsl", "on", &e) < 0 && strstr(e.msg, "unknown key \"tsl\""),
	      "unknown key: %s", e.msg);
	CHECK(dest_policy_set(&p, "max_host_concurrency", "0", &e) < 0, "concurrency 0 refused");
	CHECK(dest_policy_set(&p, "tls", "maybe", &e) < 0, "bad tls refused");
	strbuf_init(&sb);
	dest_policy_encode(&p, &sb);
	CHECK(strcmp(sb.data, "max_host_concurrency=7\ntls=require_verify\n") == 0,
	      "encoded: only the fields set, in table order");
	CHECK(dest_policy_decode(sb.data, &q, &e) == 0 && q.set == p.set && q.tls == p.tls &&
		      q.max_host_concurrency == 7,
	      "decode(encode) is the same policy");
	strbuf_free(&sb);
	dest_policy_defaults(&d);
	d.tls = TLS_LEVEL_PREFERRED;
	dest_policy_empty(&q);
	dest_policy_merge(&m, &q, &d);
	CHECK(m.tls == TLS_LEVEL_PREFERRED && m.max_host_concurrency == 500,
	      "an entry without a TLS setting uses the default's");
	dest_policy_merge(&m, &p, &d);
	CHECK(m.tls == TLS_LEVEL_REQUIRED_VERIFY && m.max_host_concurrency == 7 &&
		      m.max_messages_per_connection == 50,
	      "an entry's own fields win, the rest are the default's");
	char dom[64] = "Mail.Example.COM";
	CHECK(dest_check_domain(dom, &e) == 0 && strcmp(dom, "mail.example.com") == 0,
	      "domains are lowercased");
	strcpy(dom, ".example.com");
	CHECK(dest_check_domain(dom, &e) == 0, ".example.com is a pattern");
	strcpy(dom, "a..b");
	CHECK(dest_check_domain(dom, &e) < 0, "empty label refused");
	strcpy(dom, "-a.b");
	CHECK(dest_check_domain(dom, &e) < 0, "leading hyphen refused");
}

/* DANE Support belongs to a TLS level (destconfig asks it after one). */
static void test_dane_rule(void)
{
	struct dest_policy p, d;
	struct err e;

	dest_policy_empty(&p);
	CHECK(dest_check_dane(&p, false, &e) == 0, "a domain that sets neither: accepted");
	CHECK(dest_policy_set(&p, "dane", "mandatory", &e) == 0, "dane=mandatory parses");
	CHECK(dest_check_dane(&p, false, &e) < 0 && strstr(e.msg, "own TLS setting"),
	      "DANE Mandatory without a TLS level of the domain's own: refused");
	CHECK(dest_policy_set(&p, "tls", "off", &e) == 0 && dest_check_dane(&p, false, &e) < 0 &&
		      strstr(e.msg, "needs TLS"),
	      "DANE Mandatory with TLS No: refused");
	CHECK(dest_policy_set(&p, "tls", "require", &e) == 0 && dest_check_dane(&p, false, &e) == 0,
	      "DANE Mandatory with TLS Required: accepted");
	CHECK(dest_policy_set(&p, "dane", "off", &e) == 0 &&
		      dest_policy_set(&p, "tls", "off", &e) == 0 &&
		      dest_check_dane(&p, false, &e) == 0,
	      "DANE No with TLS No: accepted");
	CHECK(dest_policy_set(&p, "dane", "always", &e) < 0, "an unknown DANE value: refused");
	dest_policy_defaults(&d);
	d.dane = DANE_MODE_OPPORTUNISTIC;
	CHECK(dest_check_dane(&d, true, &e) < 0, "the default entry: DANE with TLS No refused");
	d.tls = TLS_LEVEL_PREFERRED;
	CHECK(dest_check_dane(&d, true, &e) == 0, "the default entry: DANE with TLS Preferred");
}

static void test_ini(void)
{
	const char *good = "# comment\n[DEFAULT]\ntls = on\n\n[Example.com]\ntls=require\r\n"
			   "; another\n[.sub.example.net]\n";
	const char *bad[][2] = {
		{ "tls = on\n", "Line 1: a setting before the first [section]." },
		{ "[a.example]\ntsl = on\n", "Line 2: unknown key \"tsl\"." },
		{ "[a.example]\ntls on\n", "Line 2: expected \"key = value\"." },
		{ "[a.example\n", "Line 1: a section name must end with ']'." },
		{ "[a.example]\n[A.example]\n", "Line 2: the section [a.example] appears twice." },
		{ "[a.example]\ntls = on\ntls = off\n",
		  "Line 3: the key \"tls\" appears twice in this section." },
		{ "[bad domain]\n", "Line 1: \"bad domain\" is not a domain." },
		{ "", "The file holds no [section]." },
	};
	struct dest_ini ini;
	struct err e;

	CHECK(dest_ini_parse(good, strlen(good), &ini, &e) == 0 && ini.count == 3 &&
		      ini.has_default && strcmp(ini.entries[1].name, "example.com") == 0 &&
		      ini.entries[1].policy.tls == TLS_LEVEL_REQUIRED &&
		      ini.entries[0].policy.tls == TLS_LEVEL_PREFERRED &&
		      ini.entries[2].policy.set == 0,
	      "a good file: three sections, CRLF and comments tolerated");
	dest_ini_free(&ini);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		int rc = dest_ini_parse(bad[i][0], strlen(bad[i][0]), &ini, &e);
		CHECK(rc < 0 && strncmp(e.msg, "That value is not valid. ", 25) == 0 &&
			      strcmp(e.msg + 25, bad[i][1]) == 0 && ini.count == 0,
		      "refused: %s", e.msg);
	}
}

static void test_map(void)
{
	struct domain_map *m = domain_map_new();
	const char *matched = NULL;
	int a = 1, b = 2, c = 3;
	char name[64];
	volatile size_t hits = 0;
	clock_t t0;

	domain_map_put(m, "example.com", &a, NULL);
	domain_map_put(m, ".example.com", &b, NULL);
	domain_map_put(m, ".deep.example.com", &c, NULL);
	CHECK(domain_map_lookup(m, "Example.COM", &matched) == &a &&
		      strcmp(matched, "example.com") == 0,
	      "exact match, any case");
	CHECK(domain_map_lookup(m, "mx.example.com", &matched) == &b &&
		      strcmp(matched, ".example.com") == 0,
	      "a subdomain matches .example.com");
	CHECK(domain_map_lookup(m, "a.b.deep.example.com", NULL) == &c,
	      "the most specific pattern wins");
	CHECK(domain_map_lookup(m, "example.net", NULL) == NULL, "no match: NULL (DEFAULT)");
	CHECK(domain_map_lookup(m, "example.com.", NULL) == &a, "a trailing dot is ignored");
	domain_map_free(m, NULL);

	m = domain_map_new();
	for (int i = 0; i < 100000; i++) {
		snprintf(name, sizeof(name), "d%06d.example%d.com", i, i % 13);
		domain_map_put(m, name, &a, NULL);
	}
	CHECK(domain_map_count(m) == 100000, "100,000 domains");
	t0 = clock();
	for (int i = 0; i < 1000000; i++) {
		snprintf(name, sizeof(name), "mx.d%06d.example%d.com", i % 200000, i % 13);
		hits += domain_map_lookup(m, name, NULL) != NULL;
	}
	double ns = (double)(clock() - t0) / CLOCKS_PER_SEC * 1e9 / 1e6;
	printf("# lookup cost: %.0f ns per message (100,000 entries, 1,000,000 lookups, "
	       "snprintf included)\n",
	       ns);
	CHECK(ns < 5000, "a lookup costs microseconds, not a scan (%.0f ns)", ns);
	domain_map_free(m, NULL);
}

static void test_route(void)
{
	struct route r;
	struct err e;
	char buf[256];

	CHECK(route_parse(" MX1.example.net , [192.0.2.1]:2525,h:26 ", &r, &e) == 0 &&
		      r.count == 3 && r.hosts[0].port == 25 && r.hosts[1].port == 2525 &&
		      strcmp(r.hosts[1].host, "192.0.2.1") == 0,
	      "three hosts with ports");
	route_render(&r, buf, sizeof(buf));
	CHECK(strcmp(buf, "mx1.example.net,192.0.2.1:2525,h:26") == 0, "canonical: %s", buf);
	CHECK(route_parse("a:0", &r, &e) < 0 && route_parse("a:70000", &r, &e) < 0 &&
		      route_parse("", &r, &e) < 0 && route_parse("a b", &r, &e) < 0,
	      "bad ports, empty, blanks refused");
}

/* Runs the machine against a scripted server; returns the events as text. */
struct script {
	const char *greeting_ehlo; /* EHLO reply lines, '\n'-separated */
	int starttls_code;
	int tls_ok, verified; /* tls_ok 2: handshake done, certificate refused */
};

static const char *run(enum tls_level level, const struct script *sc, bool no_tls)
{
	static char log[512];
	struct smtp_client c;
	const char *rcpt[] = { "b@example.net" };
	int codes[1];
	enum smtpc_action a;
	char lines[512];

	log[0] = '\0';
	smtpc_init(&c, "me.example", level, no_tls);
	a = smtpc_line(&c, "220 hi", 6);
	for (int guard = 0; guard < 40; guard++) {
		const char *cmd = c.out.data;
		if (a == SC_ACT_CLOSE) {
			strcat(log, c.fail == SC_FAIL_NONE ? "done" : smtpc_fail_text(c.fail));
			break;
		}
		if (a == SC_ACT_READY) {
			strcat(log, c.tls_active ? "ready-tls;" : "ready-clear;");
			a = smtpc_mail(&c, "a@example.com", rcpt, 1, codes);
			continue;
		}
		if (a == SC_ACT_STARTTLS) {
			strcat(log, "handshake;");
			a = sc->tls_ok == 2 ? smtpc_tls_refused(&c)
					    : smtpc_tls_done(&c, sc->tls_ok, sc->verified);
			continue;
		}
		if (a == SC_ACT_SEND_BODY) {
			smtpc_body_sent(&c);
			a = smtpc_line(&c, "250 queued", 10);
			continue;
		}
		if (a == SC_ACT_MESSAGE_DONE) {
			strcat(log, codes[0] == 250 ? "delivered;" : "refused;");
			a = smtpc_quit(&c);
			continue;
		}
		if (strncmp(cmd, "EHLO", 4) == 0) {
			snprintf(lines, sizeof(lines), "%s",
				 c.tls_active ? "250-x\n250 SIZE 1" : sc->greeting_ehlo);
			char *save = NULL;
			for (char *l = strtok_r(lines, "\n", &save); l;
			     l = strtok_r(NULL, "\n", &save))
				a = smtpc_line(&c, l, strlen(l));
		} else if (strncmp(cmd, "STARTTLS", 8) == 0) {
			snprintf(lines, sizeof(lines), "%d go", sc->starttls_code);
			a = smtpc_line(&c, lines, strlen(lines));
		} else if (strncmp(cmd, "DATA", 4) == 0) {
			a = smtpc_line(&c, "354 go", 6);
		} else if (strncmp(cmd, "QUIT", 4) == 0) {
			a = smtpc_line(&c, "221 bye", 7);
		} else {
			a = smtpc_line(&c, "250 ok", 6);
		}
	}
	smtpc_free(&c);
	return log;
}

static void test_client(void)
{
	const struct script offers = { "250-x\n250-STARTTLS\n250 SIZE 1", 220, 1, 1 };
	const struct script offers_unverified = { "250-x\n250-STARTTLS\n250 SIZE 1", 220, 1, 0 };
	const struct script none = { "250-x\n250 SIZE 1", 0, 0, 0 };
	const struct script refuses = { "250-x\n250 STARTTLS", 454, 0, 0 };
	const struct script breaks = { "250 STARTTLS", 220, 0, 0 };
	const struct script cert_refused = { "250 STARTTLS", 220, 2, 0 };
	const struct {
		enum tls_level level;
		const struct script *s;
		const char *want;
	} cases[] = {
		{ TLS_LEVEL_NO, &offers, "ready-clear;delivered;done" },
		/* A certificate refused after the handshake: no clear-text fallback. */
		{ TLS_LEVEL_PREFERRED, &cert_refused, "handshake;the TLS handshake failed" },
		{ TLS_LEVEL_PREFERRED_VERIFY, &cert_refused, "handshake;the TLS handshake failed" },
		{ TLS_LEVEL_REQUIRED, &cert_refused,
		  "handshake;the server certificate could not be verified" },
		{ TLS_LEVEL_REQUIRED_VERIFY, &cert_refused,
		  "handshake;the server certificate could not be verified" },
		{ TLS_LEVEL_PREFERRED, &offers, "handshake;ready-tls;delivered;done" },
		{ TLS_LEVEL_PREFERRED, &none, "ready-clear;delivered;done" },
		{ TLS_LEVEL_PREFERRED, &refuses, "ready-clear;delivered;done" },
		{ TLS_LEVEL_PREFERRED, &breaks, "handshake;the TLS handshake failed" },
		{ TLS_LEVEL_PREFERRED, &offers_unverified, "handshake;ready-tls;delivered;done" },
		{ TLS_LEVEL_REQUIRED, &offers_unverified, "handshake;ready-tls;delivered;done" },
		{ TLS_LEVEL_REQUIRED, &none, "TLS was required but could not be negotiated" },
		{ TLS_LEVEL_REQUIRED, &refuses, "TLS was required but could not be negotiated" },
		{ TLS_LEVEL_REQUIRED, &breaks,
		  "handshake;TLS was required but could not be negotiated" },
		{ TLS_LEVEL_PREFERRED_VERIFY, &offers_unverified,
		  "handshake;ready-tls;delivered;done" },
		{ TLS_LEVEL_PREFERRED_VERIFY, &none, "ready-clear;delivered;done" },
		{ TLS_LEVEL_PREFERRED_VERIFY, &breaks,
		  "handshake;the TLS handshake failed; retrying in clear" },
		{ TLS_LEVEL_REQUIRED_VERIFY, &offers, "handshake;ready-tls;delivered;done" },
		{ TLS_LEVEL_REQUIRED_VERIFY, &offers_unverified,
		  "handshake;the server certificate could not be verified" },
		{ TLS_LEVEL_REQUIRED_VERIFY, &none,
		  "TLS was required but could not be negotiated" },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const char *got = run(cases[i].level, cases[i].s, false);
		CHECK(strcmp(got, cases[i].want) == 0, "%s, case %zu: %s",
		      tls_level_label(cases[i].level), i, got);
	}
	CHECK(strcmp(run(TLS_LEVEL_PREFERRED_VERIFY, &breaks, true),
		     "ready-clear;delivered;done") == 0,
	      "Preferred (Verify)'s clear retry does not STARTTLS");

	struct smtp_client c;
	smtpc_init(&c, "me", TLS_LEVEL_NO, false);
	CHECK(smtpc_line(&c, "22", 2) == SC_ACT_CLOSE && c.fail == SC_FAIL_TEMP,
	      "a broken reply closes with a temporary failure");
	smtpc_free(&c);
	smtpc_init(&c, "me", TLS_LEVEL_NO, false);
	CHECK(smtpc_line(&c, "554 go away", 11) == SC_ACT_SEND &&
		      smtpc_line(&c, "221 bye", 7) == SC_ACT_CLOSE && c.fail == SC_FAIL_PERM,
	      "a 554 greeting: QUIT, then a permanent failure");
	smtpc_free(&c);
	smtpc_init(&c, "me", TLS_LEVEL_NO, false);
	CHECK(smtpc_line(&c, "220-a", 5) == SC_ACT_NONE &&
		      smtpc_line(&c, "221 b", 5) == SC_ACT_CLOSE,
	      "a multi-line reply whose code changes is refused");
	smtpc_free(&c);
}

int main(void)
{
	test_levels();
	test_codec();
	test_dane_rule();
	test_ini();
	test_map();
	test_route();
	test_client();
	return tap_done();
}
