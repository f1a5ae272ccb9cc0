/* Unit tests of the inbound access model: host patterns (core/addr_match.c),
 * the host access table's match order, defaults and text form
 * (core/hat.c, core/hat_text.c), the recipient access table (core/rat.c),
 * the listener fields (core/listener.c), and the SMTP policy hooks in
 * core/smtp_proto.c (530 before STARTTLS, STARTTLS not offered, RAT). */
#include <stdlib.h>
#include <string.h>

#include "../../core/addr_match.h"
#include "../../core/hat.h"
#include "../../core/listener.h"
#include "../../core/rat.h"
#include "../../core/smtp_proto.h"
#include "tap.h"

static unsigned look(const struct addr_match *m, const char *ip, const char *host)
{
	unsigned char a[16];

	if (addr_parse_ip(ip, a) < 0)
		return 12345;
	return addr_match_lookup(m, a, host);
}

static void test_patterns(void)
{
	static const char *const good[] = { "10.1.1.1",
					    "10.0.0.0/8",
					    "10.1.",
					    "10.1.1.10-20",
					    "10.1.1.250-10.1.2.3",
					    "::1",
					    "2001:db8::/32",
					    "mail.example.com",
					    ".example.com",
					    "ALL",
					    "all" };
	static const char *const bad[] = {
		"10.1.1.1/33", "10.1.1.20-10", "10.1.1.300", "::1/129",    "a..b", ".", "",
		"a b",         "10.1.1.1-",    "-1",         "1.2.3.4.5.", "x/y"
	};
	enum host_pattern_kind k;
	struct err e;

	for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++)
		CHECK(host_pattern_check(good[i], &k, &e) == 0, "pattern \"%s\" accepted", good[i]);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		CHECK(host_pattern_check(bad[i], &k, &e) < 0, "pattern \"%s\" refused: %s", bad[i],
		      e.msg);
}

static void test_matcher(void)
{
	struct addr_match m;
	struct err e;

	addr_match_init(&m);
	addr_match_add(&m, "10.1.1.10-20", 5, &e);
	addr_match_add(&m, "10.0.0.0/8", 7, &e);
	addr_match_add(&m, "10.1.1.15", 9, &e);
	addr_match_add(&m, "192.168.", 3, &e);
	addr_match_add(&m, ".example.com", 4, &e);
	addr_match_add(&m, "mx.example.org", 2, &e);
	addr_match_add(&m, "2001:db8::/32", 6, &e);
	CHECK(look(&m, "10.1.1.15", NULL) == 5,
	      "the smallest rule wins: range (5) before the /32 (9)");
	CHECK(look(&m, "10.1.1.21", NULL) == 7, "outside the range: the /8 (7)");
	CHECK(look(&m, "10.1.1.9", NULL) == 7, "below the range: the /8");
	CHECK(look(&m, "192.168.200.1", NULL) == 3, "partial address 192.168.");
	CHECK(look(&m, "11.0.0.1", NULL) == ADDR_NO_MATCH, "no match");
	CHECK(look(&m, "2001:db8:1::5", NULL) == 6, "IPv6 block");
	CHECK(look(&m, "11.0.0.1", "a.b.Example.COM.") == 4,
	      ".example.com matches a subdomain, any case, trailing dot");
	CHECK(look(&m, "11.0.0.1", "example.com") == ADDR_NO_MATCH,
	      ".example.com does not match the domain itself");
	CHECK(look(&m, "11.0.0.1", "mx.example.org") == 2, "host name exact");
	CHECK(look(&m, "11.0.0.1", "x.mx.example.org") == ADDR_NO_MATCH,
	      "host name is not a suffix");
	CHECK(look(&m, "10.1.1.15", "mx.example.org") == 2,
	      "a host name rule before the address rules wins");
	CHECK(addr_match_wants_names(&m), "host name rules need reverse DNS");
	addr_match_add(&m, "ALL", 8, &e);
	CHECK(look(&m, "11.0.0.1", NULL) == 8, "ALL matches the rest");
	CHECK(look(&m, "10.9.9.9", NULL) == 7, "ALL after a match does not win");
	addr_match_free(&m);
}

static const char hat_text[] = "DEFAULT {\n"
			       "    tls = \"preferred\"\n"
			       "    max_message_size = 10485760\n"
			       "    max_concurrency = 10\n"
			       "    max_msgs_per_session = 10\n"
			       "    max_rcpts_per_msg = 50\n"
			       "}\n"
			       "$ACCEPTED\n"
			       "    ACCEPT {}\n"
			       "$RELAYED\n"
			       "    RELAY {\n"
			       "        tls = \"required_verify\"\n"
			       "        max_msgs_per_session = 5000\n"
			       "    }\n"
			       "$BLOCKED\n"
			       "    REJECT {}\n"
			       "RELAYLIST:\n"
			       "    10.0.0.0/8\n"
			       "    $RELAYED\n"
			       "BLOCKED_LIST:\n"
			       "    10.1.2.3\n"
			       "    .spam.example\n"
			       "    $BLOCKED\n"
			       "ALL\n"
			       "    $ACCEPTED\n";

static void test_hat(void)
{
	struct hat h, d;
	struct hat_match hm;
	struct hat_params p;
	struct strbuf out;
	const char *pat = NULL;
	unsigned char ip[16];
	struct err e;
	int g;

	CHECK(hat_parse(hat_text, &h, &e) == 0, "the HAT text parses: %s", e.msg);
	strbuf_init(&out);
	hat_format(&h, &out);
	CHECK(out.data && strcmp(out.data, hat_text) == 0, "format(parse(text)) == text");
	strbuf_free(&out);
	CHECK(hat_compile(&h, &hm, &e) == 0, "compiles");
	addr_parse_ip("10.1.2.3", ip);
	g = hat_lookup(&h, &hm, ip, NULL, &pat);
	CHECK(g == 0 && strcmp(pat, "10.0.0.0/8") == 0,
	      "match order: the first group (RELAYLIST) wins over a later exact address");
	addr_parse_ip("192.0.2.1", ip);
	CHECK(hat_lookup(&h, &hm, ip, "mx.spam.example", &pat) == 1 &&
		      strcmp(pat, ".spam.example") == 0,
	      "a .domain pattern with a verified name");
	CHECK(hat_lookup(&h, &hm, ip, NULL, &pat) == -1, "no group: the ALL rule");
	hat_effective(&h, hat_policy_find(&h, "$RELAYED"), &p);
	CHECK(p.tls == HAT_TLS_REQUIRED_VERIFY && p.max_msgs_per_session == 5000 &&
		      p.max_rcpts_per_msg == 50,
	      "a policy's own values, the rest from DEFAULT");
	hat_match_free(&hm);
	CHECK(hat_copy(&d, &h) == 0 && d.ngroups == 2 && d.npatterns == 3, "copy");
	hat_free(&d);
	hat_free(&h);

	static const char *const bad[] = {
		"",
		"$A\n ACCEPT {}\nALL\n $A\n",                  /* no DEFAULT */
		"DEFAULT {\n tls = \"off\"\n}\n",              /* incomplete DEFAULT */
		"DEFAULT {}\n",                                /* incomplete DEFAULT */
		"G:\n 1.2.3.4\n $NOPE\n",                      /* undefined policy */
		"$A\n JUMP {}\n",                              /* unknown behaviour */
		"$A\n ACCEPT {\n tls = \"maybe\"\n }\n",       /* bad TLS */
		"$A\n ACCEPT {\n max_rcpts_per_msg = 0\n }\n", /* out of range */
		"$A\n ACCEPT {\n",                             /* unterminated */
		"$A\n ACCEPT {}\nG:\n 1.2.3.999\n $A\n",       /* bad pattern */
		"$A\n ACCEPT {}\n$A\n ACCEPT {}\n",            /* duplicate policy */
		"$A\n ACCEPT {}\nALL\n $A\nG:\n $A\n",         /* after ALL */
		"NAME WITH SPACE:\n $A\n",
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		e.msg[0] = '\0';
		CHECK(hat_parse(bad[i], &h, &e) < 0 && e.msg[0], "bad HAT %zu refused: %s", i,
		      e.msg);
	}
	hat_defaults(&h, true, HAT_TLS_PREFERRED, "127.0.0.1");
	strbuf_init(&out);
	hat_format(&h, &out);
	CHECK(hat_parse(out.data, &d, &e) == 0 && d.ngroups == 5 &&
		      strcmp(h.policies[d.all_policy].name, "$ACCEPTED") == 0,
	      "public defaults: RELAYLIST + 4 AsyncOS groups, ALL $ACCEPTED, round-trip");
	strbuf_free(&out);
	hat_free(&d);
	hat_free(&h);
	hat_defaults(&h, false, HAT_TLS_NO, NULL);
	CHECK(h.ngroups == 1 && strcmp(h.policies[h.all_policy].name, "$BLOCKED") == 0 &&
		      h.defaults.tls == HAT_TLS_NO,
	      "private defaults: RELAYLIST (empty), ALL $BLOCKED, TLS off");
	hat_free(&h);
}

static void test_rat(void)
{
	struct rat r;
	struct rat_match m;
	struct strbuf out;
	struct err e;
	const char *text = "# recipients\n"
			   "postmaster@ ACCEPT\n"
			   "blocked@example.com REJECT 550 \"No such user\"\n"
			   "example.com ACCEPT\n"
			   ".example.net ACCEPT 250 \"Welcome\"\n"
			   "ALL REJECT\n";

	CHECK(rat_parse(text, &r, &e) == 0 && r.count == 5, "the RAT text parses: %s", e.msg);
	strbuf_init(&out);
	rat_format(&r, &out);
	CHECK(out.data && strcmp(out.data, text + strlen("# recipients\n")) == 0, "round-trip");
	strbuf_free(&out);
	rat_compile(&r, &m, &e);
	CHECK(rat_lookup(&m, "bob@example.com") == 2, "domain entry");
	CHECK(rat_lookup(&m, "Blocked@Example.com") == 1, "address entry, any case, first match");
	CHECK(rat_lookup(&m, "postmaster@anything.org") == 0, "local part entry");
	CHECK(rat_lookup(&m, "x@a.example.net") == 3, ".domain: a subdomain");
	CHECK(rat_lookup(&m, "x@example.net") == 4, ".domain: not the domain itself (ALL)");
	CHECK(rat_lookup(&m, "x@evil.org") == 4, "ALL");
	rat_match_free(&m);
	rat_free(&r);
	CHECK(rat_parse("example.com ACCEPT\n", &r, &e) == 0, "a table without ALL");
	rat_compile(&r, &m, &e);
	CHECK(rat_lookup(&m, "x@evil.org") == -1, "no entry matches: -1 (refused)");
	rat_match_free(&m);
	rat_free(&r);
	static const char *const bad[] = { "example.com\n",
					   "example.com MAYBE\n",
					   "a@b@ ACCEPT\n",
					   "example.com ACCEPT 550\n",
					   "example.com REJECT 250\n",
					   "x ACCEPT 25 \"a\"\n",
					   "ex ample.com ACCEPT\n",
					   "a ACCEPT\na ACCEPT\n",
					   "a.com REJECT 550 \"unterminated\n" };
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		CHECK(rat_parse(bad[i], &r, &e) < 0, "bad RAT %zu refused: %s", i, e.msg);
}

static void test_listener(void)
{
	struct listener l;
	struct strbuf v;
	struct err e;

	listener_default(&l);
	CHECK(strcmp(l.name, "InboundMail") == 0 && l.type == LISTENER_PUBLIC && !l.address[0],
	      "default: InboundMail, public, on --smtp");
	snprintf(l.address, sizeof(l.address), "[::1]:25");
	strbuf_init(&v);
	listener_encode(&l, &v);
	CHECK(listener_decode("InboundMail", v.data, &l, &e) == 0 &&
		      strcmp(l.address, "[::1]:25") == 0,
	      "encode/decode");
	strbuf_free(&v);
	CHECK(listener_check_address("127.0.0.1:2525", &e) == 0, "IPv4 address");
	CHECK(listener_check_address("::1:25", &e) < 0, "IPv6 without brackets refused");
	CHECK(listener_check_address("127.0.0.1:0", &e) < 0, "port 0 refused");
	CHECK(listener_check_address("host:25", &e) < 0, "a name refused (numeric only)");
	CHECK(listener_decode("x", "type=odd\n", &l, &e) < 0, "unknown type refused");
	CHECK(listener_check_name("a b", &e) < 0, "a name with a space refused");

	/* LIMITS: written only when set, each in its range, never twice. */
	struct listener_setup g;
	listener_default(&l);
	strbuf_init(&v);
	listener_encode(&l, &v);
	CHECK(!strstr(v.data, "max_"), "no limits: the stored form is as before LIMITS");
	l.max_connections = 2;
	l.max_message_size = 2000;
	strbuf_reset(&v);
	listener_encode(&l, &v);
	CHECK(listener_decode("InboundMail", v.data, &l, &e) == 0 && l.max_connections == 2 &&
		      l.max_message_size == 2000,
	      "limits round-trip");
	strbuf_free(&v);
	CHECK(listener_decode("x", "max_connections=100001\n", &l, &e) < 0,
	      "max_connections over 100000 refused");
	CHECK(listener_decode("x", "max_message_size=-1\n", &l, &e) < 0, "a negative size refused");
	CHECK(listener_decode("x", "type=public\ntype=private\n", &l, &e) < 0 &&
		      strstr(e.msg, "twice"),
	      "a field given twice refused: %s", e.msg);
	CHECK(listener_setup_decode("max_connections=5\nhandshake_timeout=7\n", &g, &e) == 0 &&
		      g.max_connections == 5 && g.handshake_timeout == 7 &&
		      g.max_connection_time == 0,
	      "SETUP decodes; an absent field is 0");
	CHECK(listener_setup_decode("handshake_timeout=3601\n", &g, &e) < 0,
	      "SETUP: a greeting timeout over an hour refused");
	CHECK(listener_setup_decode("tls_connections=5\n", &g, &e) < 0,
	      "SETUP: unknown field refused");
}

static const char *say(struct smtp_proto *p, const char *line, struct strbuf *r)
{
	strbuf_reset(r);
	smtp_proto_command(p, line, strlen(line), r);
	return r->data ? r->data : "";
}

static void test_smtp_policy(void)
{
	struct smtp_limits lim = { 1 << 20, 10, 50 };
	struct smtp_proto p;
	struct strbuf r;
	struct rat rat;
	struct rat_match m;
	struct err e;

	strbuf_init(&r);
	rat_parse("example.com ACCEPT\nno@example.org REJECT 550 \"Gone\"\n", &rat, &e);
	rat_compile(&rat, &m, &e);
	smtp_proto_init(&p, "mx", &lim);
	smtp_proto_set_policy(
		&p, &(struct smtp_policy){ .tls_required = true, .rat = &rat, .rat_match = &m });
	CHECK(strncmp(say(&p, "NOOP", &r), "250", 3) == 0, "Required: NOOP answered");
	CHECK(strstr(say(&p, "EHLO c", &r), "250-STARTTLS"), "Required: EHLO offers STARTTLS");
	CHECK(strncmp(say(&p, "MAIL FROM:<a@b>", &r), "530 5.7.0 Must issue a STARTTLS", 31) == 0,
	      "Required: MAIL gets 530");
	CHECK(strncmp(say(&p, "HELO c", &r), "530", 3) == 0, "Required: HELO gets 530");
	CHECK(strncmp(say(&p, "STARTTLS", &r), "220", 3) == 0, "Required: STARTTLS accepted");
	say(&p, "EHLO c", &r);
	CHECK(strncmp(say(&p, "MAIL FROM:<a@b>", &r), "250", 3) == 0, "after TLS: MAIL accepted");
	CHECK(strncmp(say(&p, "RCPT TO:<x@example.com>", &r), "250", 3) == 0, "RAT accepts");
	CHECK(strncmp(say(&p, "RCPT TO:<x@evil.org>", &r), "550 5.7.1", 9) == 0 && p.rcpt_refused,
	      "RAT: no entry -> refused (no open relay)");
	CHECK(strcmp(say(&p, "RCPT TO:<no@example.org>", &r), "550 Gone\r\n") == 0,
	      "RAT: custom response");
	smtp_proto_free(&p);
	smtp_proto_init(&p, "mx", &lim);
	smtp_proto_set_policy(&p, &(struct smtp_policy){ .relay = true, .max_messages = 1 });
	CHECK(!strstr(say(&p, "EHLO c", &r), "STARTTLS"), "No: EHLO without STARTTLS");
	CHECK(strncmp(say(&p, "STARTTLS", &r), "502", 3) == 0, "No: STARTTLS refused");
	say(&p, "MAIL FROM:<a@b>", &r);
	CHECK(strncmp(say(&p, "RCPT TO:<x@evil.org>", &r), "250", 3) == 0, "relay: any recipient");
	smtp_proto_free(&p);
	smtp_proto_init(&p, "mx", &lim);
	say(&p, "EHLO c", &r);
	say(&p, "MAIL FROM:<a@b>", &r);
	CHECK(strncmp(say(&p, "RCPT TO:<x@example.com>", &r), "550", 3) == 0,
	      "no policy set: no recipient accepted");
	smtp_proto_free(&p);
	rat_match_free(&m);
	rat_free(&rat);
	strbuf_free(&r);
}

/* Deleting a policy: predefined and used ones refused; the others go, and
 * every group (and the ALL rule) still names the same policy after the
 * indexes shift. Removing a host keeps the table's pattern count. */
static void test_hat_policy_delete(void)
{
	struct hat h;
	struct err e;
	int a, b, c, g1, g2;

	hat_defaults(&h, true, HAT_TLS_NO, "127.0.0.1");
	a = hat_policy_new(&h, "$A", HAT_ACCEPT, &e);
	b = hat_policy_new(&h, "$B", HAT_REJECT, &e);
	c = hat_policy_new(&h, "$C", HAT_RELAY, &e);
	g1 = hat_group_new(&h, "G1", c, &e);
	g2 = hat_group_new(&h, "G2", b, &e);
	CHECK(a >= 0 && b == a + 1 && c == b + 1 && g1 >= 0 && g2 == g1 + 1,
	      "policies and groups made");
	h.all_policy = c;
	CHECK(hat_policy_delete(&h, (size_t)hat_policy_find(&h, "$ACCEPTED"), &e) < 0 &&
		      strstr(e.msg, "predefined"),
	      "$ACCEPTED refused: %s", e.msg);
	CHECK(hat_policy_delete(&h, (size_t)hat_policy_find(&h, "$relayed"), &e) < 0,
	      "$relayed (any case) refused");
	CHECK(hat_policy_delete(&h, (size_t)b, &e) < 0 && strstr(e.msg, "G2"),
	      "$B used by G2 refused: %s", e.msg);
	CHECK(hat_policy_delete(&h, (size_t)c, &e) < 0, "$C used by G1 and ALL refused");
	CHECK(hat_policy_delete(&h, (size_t)a, &e) == 0, "$A (unused) deleted");
	CHECK(hat_policy_find(&h, "$A") < 0 &&
		      strcmp(h.policies[h.groups[g1].policy].name, "$C") == 0 &&
		      strcmp(h.policies[h.groups[g2].policy].name, "$B") == 0 &&
		      strcmp(h.policies[h.all_policy].name, "$C") == 0,
	      "groups and ALL keep their policies after the shift");
	h.groups[g1].policy = h.groups[g2].policy;
	h.all_policy = h.groups[g2].policy;
	CHECK(hat_policy_delete(&h, (size_t)hat_policy_find(&h, "$C"), &e) == 0 &&
		      strcmp(h.policies[h.all_policy].name, "$B") == 0,
	      "$C deleted once nothing uses it");
	CHECK(hat_group_add(&h, (size_t)g1, "10.0.0.1", &e) == 0 &&
		      hat_group_add(&h, (size_t)g1, "10.0.0.2", &e) == 0,
	      "two hosts added");
	size_t before = h.npatterns;
	hat_group_remove_pattern(&h, (size_t)g1, 0);
	CHECK(h.npatterns == before - 1 && h.groups[g1].count == 1 &&
		      strcmp(h.groups[g1].patterns[0], "10.0.0.2") == 0,
	      "a host removed, the rest kept in order");
	hat_free(&h);
}

int main(void)
{
	test_patterns();
	test_matcher();
	test_hat();
	test_hat_policy_delete();
	test_rat();
	test_listener();
	test_smtp_policy();
	return tap_done();
}
