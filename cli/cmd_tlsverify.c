/* cmd_tlsverify: "tlsverify DOMAIN [HOST[:PORT]]" — a live outbound TLS test,
 * step by step, through the code delivery uses: the committed configuration
 * (tls/outbound.c: policy lookup, routes, outbound context and trust
 * store), resolve_destination(), and the core SMTP client machine, driven
 * here with blocking sockets. No message is sent: it stops at MAIL. This
 * file is the command and its steps (who may aim where, DANE and MTA-STS
 * explained host by host); the SMTP dialog with one host is
 * cmd_tlsverify_dialog.c.
 *
 * Who may aim it where (else it is a port scanner for anyone with a console
 * login): a guest tests only what delivery would use, the domain's committed
 * route or MX hosts, and cannot name a host; an operator may name hosts on
 * the SMTP ports (25, 465, 587) or those of the domain's committed route;
 * an administrator anything. Refusals are audited in cli_logs. */
#include "cmd_tlsverify.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "../core/dane.h"
#include "../core/smtp_client.h"
#include "../os/dns.h"
#include "../tls/outbound.h"
#include "../os/resolve.h"
#include "commands.h"
#include "roles.h"

/* What DANE decided for the host being tested (core/dane.c), and whether
 * an MTA-STS policy in mode enforce raised its level. */
struct dane_decision tlsv_dane_now;
static bool sts_enforced;

static int parse_target(const char *arg, struct route *r, struct err *e)
{
	return route_parse(arg, r, e);
}

static bool in_route(const struct route *r, const struct route_host *h)
{
	for (size_t i = 0; r && i < r->count; i++)
		if (r->hosts[i].port == h->port && strcasecmp(r->hosts[i].host, h->host) == 0)
			return true;
	return false;
}

/* The role rule above for an explicit HOST[:PORT] list; prints and audits
 * a refusal. */
static bool target_allowed(struct session *s, const char *arg, const struct route *given,
			   const struct route *configured)
{
	char what[300];

	if (role_allows(s->role, ROLE_ADMIN))
		return true;
	snprintf(what, sizeof(what), "tlsverify %.250s", arg);
	if (!role_allows(s->role, ROLE_OPERATOR)) {
		role_log_refusal(s, what);
		command_error(s, "A guest cannot name a host: tlsverify DOMAIN tests the domain's "
				 "SMTP route or MX hosts.");
		return false;
	}
	for (size_t i = 0; i < given->count; i++) {
		unsigned port = given->hosts[i].port;
		if (port == 25 || port == 465 || port == 587 ||
		    in_route(configured, &given->hosts[i]))
			continue;
		role_log_refusal(s, what);
		command_error(s, "An operator may name hosts on the SMTP ports (25, 465, 587) or "
				 "the hosts of the domain's SMTP route; other ports need an "
				 "administrator.");
		return false;
	}
	return true;
}

/* DANE, step by step: where the hosts came from and whether DNSSEC vouches
 * for them. */
static void explain_mx(const char *domain, const struct resolved *res)
{
	printf("DNS resolver: %s (its DNSSEC validation, the AD bit, is trusted).\n", dns_server());
	if (res->via_route)
		printf("DNSSEC: the SMTP route names the hosts (no MX lookup).\n");
	else
		printf("DNSSEC: the MX answer for %s is %s.\n", domain,
		       res->mx_secure ? "validated (secure)" : "not validated (insecure)");
}

/* One host's TLSA records and DANE's decision; false when DANE skips it. */
static bool explain_host(const struct resolved_host *h, char *skipped, size_t len)
{
	static const char *const states[] = {
		[TLSA_NOT_LOOKED] = "not looked up",
		[TLSA_INSECURE] = "not looked up or not validated",
		[TLSA_NONE] = "none (the validated answer says there are none)",
		[TLSA_FOUND] = "found, validated",
		[TLSA_FAILED] = "the lookup failed",
	};
	char text[TLSA_TEXT_MAX];

	printf("Host %s (%s): address records %s.\n", h->name, h->addr,
	       h->addr_secure ? "validated" : "not validated");
	printf("TLSA records at %s: %s%s%s.\n", h->tlsa.name, states[h->tlsa.state],
	       h->tlsa.why[0] ? ": " : "", h->tlsa.why);
	for (size_t i = 0; i < h->tlsa.count; i++) {
		tlsa_text(&h->tlsa.rr[i], text, sizeof(text));
		printf("  TLSA %s\n", text);
	}
	if (h->tlsa.unusable)
		printf("  (%zu unusable TLSA record%s skipped)\n", h->tlsa.unusable,
		       h->tlsa.unusable == 1 ? "" : "s");
	printf("DANE decision: %s.\n", tlsv_dane_now.why);
	if (tlsv_dane_now.action != DANE_ACT_SKIP)
		return true;
	snprintf(skipped, len, "%s", tlsv_dane_now.why);
	return false;
}

/* MTA-STS (RFC 8461): whether it is consulted, and the policy found. */
static void explain_sts(const struct outbound *ob, const char *domain, bool wanted,
			const struct mta_sts_result *r)
{
	if (!ob->config.mta_sts) {
		printf("MTA-STS: not applied (destconfig SETUP).\n");
		return;
	}
	if (!wanted) {
		printf("MTA-STS: not applied: the destination has a TLS setting or a route of its "
		       "own.\n");
		return;
	}
	switch (r->state) {
	case MTA_STS_ABSENT: printf("MTA-STS: %s publishes no policy.\n", domain); return;
	case MTA_STS_FAILED: printf("MTA-STS: no policy in force: %s.\n", r->why); return;
	case MTA_STS_FOUND: break;
	}
	printf("MTA-STS: policy id %s%s, mode %s, max_age %ld, mx:", r->id,
	       r->cached ? " (cached)" : "", mta_sts_mode_name(r->policy.mode), r->policy.max_age);
	for (size_t i = 0; i < r->policy.mx_count; i++)
		printf(" %s", r->policy.mx[i]);
	printf(".\n");
}

/* MTA-STS's decision for one host, after DANE declined; false: not used. */
static bool sts_host(const struct mta_sts_result *r, const struct resolved_host *h,
		     enum tls_level level, char *skipped, size_t len)
{
	struct mta_sts_decision d;

	if (tlsv_dane_now.action != DANE_ACT_TLS_LEVEL || r->state != MTA_STS_FOUND)
		return true;
	mta_sts_decide(&r->policy, h->name, level, &d);
	printf("MTA-STS decision for %s: %s.\n", h->name, d.why);
	tlsv_dane_now.level = d.level;
	sts_enforced = d.action == MTA_STS_ACT_ENFORCE;
	if (d.action != MTA_STS_ACT_SKIP)
		return true;
	snprintf(skipped, len, "%s", d.why);
	return false;
}

int cmd_tlsverify(struct session *s, int argc, char **argv)
{
	char domain[DEST_DOMAIN_MAX + 1];
	struct dest_policy pol;
	const char *matched;
	struct outbound *ob;
	struct route given;
	const struct route *route;
	struct resolved res;
	struct err e;
	int temporary;

	snprintf(domain, sizeof(domain), "%s", argv[1]);
	if (dest_check_domain(domain, &e) < 0 || domain[0] == '.')
		return command_error(s, domain[0] == '.' ? "That value is not valid. Enter a "
							   "domain, not a pattern."
							 : e.msg);
	if (argc == 3 && parse_target(argv[2], &given, &e) < 0)
		return command_error(s, e.msg);
	if (outbound_build(s->db, 0, &ob, &e) < 0)
		return command_error(s, e.msg);
	if (argc == 3 && !target_allowed(s, argv[2], &given, outbound_route(ob, domain))) {
		outbound_unref(ob);
		return -1;
	}
	outbound_policy(ob, domain, &pol, &matched);
	printf("Destination %s: TLS setting %s (destination control entry \"%s\").\n", domain,
	       tls_level_label(pol.tls), matched);
	printf("DANE Support: %s.\n", dane_mode_label(pol.dane));
	route = argc == 3 ? &given : outbound_route(ob, domain);
	if (route && argc != 3)
		printf("An SMTP route sends mail for %s to the hosts of the route.\n", domain);
	bool sts = argc != 3 && outbound_wants_mta_sts(ob, domain);
	if (resolve_destination(domain, route, pol.dane != DANE_MODE_NO, sts, &res, &temporary,
				&e) < 0) {
		printf("%s\nVerdict: mail to %s would be %s.\n", e.msg, domain,
		       temporary ? "deferred" : "bounced");
		outbound_unref(ob);
		return 0;
	}
	if (pol.dane != DANE_MODE_NO)
		explain_mx(domain, &res);
	explain_sts(ob, domain, sts, &res.sts);
	char skipped[sizeof(tlsv_dane_now.why)] = "";
	for (size_t i = 0; i < res.count; i++) {
		const struct resolved_host *h = &res.hosts[i];
		struct link l = { .fd = -1 };
		struct smtp_client sc;

		dane_decide(pol.dane, pol.tls, res.mx_secure, &h->tlsa, h->name, &tlsv_dane_now);
		sts_enforced = false;
		if (pol.dane != DANE_MODE_NO && !explain_host(h, skipped, sizeof(skipped)))
			continue;
		if (!sts_host(&res.sts, h, pol.tls, skipped, sizeof(skipped)))
			continue;
		printf("Connecting to %s (%s) port %u...\n", h->name, h->addr, h->port);
		l.fd = tlsv_connect_to(h, &e);
		if (l.fd < 0) {
			printf("Cannot connect: %s.\n", e.msg);
			continue;
		}
		printf("Connected.\n");
		smtpc_init(&sc, ob->config.hostname[0] ? ob->config.hostname : "localhost",
			   tlsv_dane_now.level, false);
		bool refused = false;
		tlsv_converse(&l, ob, domain, h, &sc, &refused);
		printf("Verdict: under its TLS setting (%s)%s, mail to %s %s\n",
		       tls_level_label(pol.tls),
		       tlsv_dane_now.action == DANE_ACT_AUTH      ? " and DANE"
		       : tlsv_dane_now.action == DANE_ACT_ENCRYPT ? " and DANE (unauthenticated)"
		       : sts_enforced                             ? " and MTA-STS (enforce)"
								  : "",
		       domain, tlsv_verdict(&sc, tlsv_dane_now.level, sc.tls_active, refused));
		smtpc_free(&sc);
		SSL_free(l.ssl);
		close(l.fd);
		outbound_unref(ob);
		return 0;
	}
	if (skipped[0])
		printf("Verdict: DANE or MTA-STS allows none of the mail exchangers of %s now "
		       "(%s); "
		       "mail would be deferred.\n",
		       domain, skipped);
	else
		printf("Verdict: no mail exchanger of %s could be reached; mail would be "
		       "deferred.\n",
		       domain);
	outbound_unref(ob);
	return 0;
}
