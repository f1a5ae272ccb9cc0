/* cmd_destconfig_dialog: destconfig's questions — the policy dialog of NEW,
 * EDIT and DEFAULT (limits, TLS, bounce settings, in the spec's order) and
 * SETUP (outbound certificate, required-TLS alert). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../core/config.h"
#include "../core/dest.h"
#include "commands.h"
#include "destconfig.h"
#include "input.h"
#include "prompt.h"

struct int_range {
	int min, max, value;
};

static int check_int(char *answer, void *arg, struct err *e)
{
	struct int_range *r = arg;
	char *end;
	long v;

	errno = 0;
	v = strtol(answer, &end, 10);
	if (errno || *end || end == answer || v < r->min || v > r->max)
		return err_set(e, "The value must be a whole number from %d to %d.", r->min,
			       r->max);
	r->value = (int)v;
	return 0;
}

static int ask_int(struct session *s, const char *question, int def, int min, int max, int *out)
{
	char answer[INPUT_LINE_MAX], defbuf[16];
	struct int_range r = { min, max, 0 };

	snprintf(defbuf, sizeof(defbuf), "%d", def);
	if (ask_text(s, question, def >= min ? defbuf : NULL, answer, sizeof(answer), check_int,
		     &r) < 0)
		return -1;
	*out = r.value;
	return 0;
}

/* A domain's yes/no gate: asked for domains only (the default sets every
 * field). Returns 1 to ask the value, 0 to leave it inherited, -1 to stop. */
static int gate(struct session *s, bool is_default, const char *question, bool def)
{
	bool yes;

	if (is_default)
		return 1;
	if (ask_yes_no(s, question, def, &yes) < 0)
		return -1;
	return yes;
}

static int ask_limits(struct session *s, const char *name, bool is_default, bool is_new,
		      struct dest_policy *p)
{
	char q[512];
	bool yes;
	int rc;

	snprintf(q, sizeof(q), "Do you wish to configure a concurrency limit for %s?", name);
	if ((rc = gate(s, is_default, q, is_new || (p->set & DEST_F_CONCURRENCY))) < 0)
		return -1;
	p->set &= ~(unsigned)DEST_F_CONCURRENCY;
	snprintf(q, sizeof(q), "Enter the max concurrency limit for \"%s\".", name);
	if (rc && ask_int(s, q, p->max_host_concurrency, 1, 1000, &p->max_host_concurrency) < 0)
		return -1;
	p->set |= rc ? DEST_F_CONCURRENCY : 0;

	if (ask_yes_no(s, "Do you wish to apply a messages-per-connection limit to this domain?",
		       (p->set & DEST_F_MESSAGES) && p->max_messages_per_connection > 0, &yes) < 0)
		return -1;
	p->set &= ~(unsigned)DEST_F_MESSAGES;
	if (yes) {
		snprintf(q, sizeof(q),
			 "Enter the max number of messages per connection for \"%s\".", name);
		if (ask_int(s, q,
			    p->max_messages_per_connection ? p->max_messages_per_connection : 50, 1,
			    1000, &p->max_messages_per_connection) < 0)
			return -1;
		p->set |= DEST_F_MESSAGES;
	} else if (is_default) {
		p->max_messages_per_connection = 0;
		p->set |= DEST_F_MESSAGES;
	}

	if (ask_yes_no(s, "Do you wish to apply a recipient limit to this domain?",
		       (p->set & DEST_F_RECIPIENTS) && p->recipient_limit > 0, &yes) < 0)
		return -1;
	p->set &= ~(unsigned)DEST_F_RECIPIENTS;
	if (yes) {
		if (ask_int(s, "Enter the number of minutes used to measure the recipient limit.",
			    p->recipient_minutes, 1, 60, &p->recipient_minutes) < 0)
			return -1;
		snprintf(q, sizeof(q),
			 "Enter the max number of recipients per %d minutes for \"%s\".",
			 p->recipient_minutes, name);
		if (ask_int(s, q, p->recipient_limit > 0 ? p->recipient_limit : 0, 1, 1000000,
			    &p->recipient_limit) < 0)
			return -1;
		p->set |= DEST_F_RECIPIENTS;
	} else if (is_default) {
		p->recipient_limit = 0;
		p->set |= DEST_F_RECIPIENTS;
	}
	return 0;
}

static int ask_apply(struct session *s, const char *name, struct dest_policy *p)
{
	static const char *const items[] = { "One limit applies to the entire domain",
					     "Separate limit for each mail exchanger IP address" };
	char q[512];
	int chosen;

	snprintf(q, sizeof(q), "Select how you want to apply the limits for %s:", name);
	if (ask_pick(s, q, items, 2, (int)p->limit_type + 1, &chosen) < 0)
		return -1;
	p->limit_type = chosen == 2 ? DEST_LIMIT_MXIP : DEST_LIMIT_HOST;
	p->set |= DEST_F_LIMIT_TYPE;
	return 0;
}

/* DANE Support (RFC 7672), part of a domain's own TLS setting: asked after a
 * TLS level other than No (TLS No resets it to No, see ask_tls); a domain
 * without a TLS setting of its own inherits the default's DANE Support with
 * its TLS level. */
static int ask_dane(struct session *s, bool is_default, struct dest_policy *p)
{
	const char *items[DANE_MODE_COUNT];
	int rc, chosen;

	for (int m = 0; m < DANE_MODE_COUNT; m++)
		items[m] = dane_mode_label((enum dane_mode)m);
	rc = gate(s, is_default, "Do you wish to configure DANE Support for this domain?",
		  (p->set & DEST_F_DANE) && p->dane != DANE_MODE_NO);
	if (rc < 0)
		return -1;
	p->set &= ~(unsigned)DEST_F_DANE;
	if (!rc)
		return 0;
	if (ask_pick(s, "Please choose a DANE option:", items, DANE_MODE_COUNT, (int)p->dane + 1,
		     &chosen) < 0)
		return -1;
	p->dane = (enum dane_mode)(chosen - 1);
	p->set |= DEST_F_DANE;
	return 0;
}

static int ask_tls(struct session *s, bool is_default, struct dest_policy *p)
{
	const char *items[TLS_LEVEL_COUNT];
	int rc, chosen;

	for (int l = 0; l < TLS_LEVEL_COUNT; l++)
		items[l] = tls_level_label((enum tls_level)l);
	rc = gate(s, is_default, "Do you wish to apply a specific TLS setting for this domain?",
		  p->set & DEST_F_TLS);
	if (rc < 0)
		return -1;
	p->set &= ~(unsigned)DEST_F_TLS;
	if (!rc) {
		p->set &= ~(unsigned)DEST_F_DANE;
		return 0;
	}
	if (ask_pick(s, "Do you want to use TLS support?", items, TLS_LEVEL_COUNT, (int)p->tls + 1,
		     &chosen) < 0)
		return -1;
	p->tls = (enum tls_level)(chosen - 1);
	p->set |= DEST_F_TLS;
	if (p->tls != TLS_LEVEL_NO)
		return ask_dane(s, is_default, p);
	/* DANE needs TLS (dest_check_dane): TLS No resets it, the entry's own
	 * No, so the default's DANE is not inherited either. */
	if ((p->set & DEST_F_DANE) && p->dane != DANE_MODE_NO)
		printf("DANE Support is reset to No: it needs TLS.\n");
	p->dane = DANE_MODE_NO;
	p->set |= DEST_F_DANE;
	return 0;
}

static int ask_bounce(struct session *s, bool is_default, struct dest_policy *p)
{
	static const char *const profiles[] = { "Default" };
	int rc, chosen;
	bool yes;

	rc = gate(s, is_default,
		  "Do you wish to apply a specific bounce verification address tagging setting "
		  "for this domain?",
		  p->set & DEST_F_BOUNCE_VAL);
	if (rc < 0)
		return -1;
	p->set &= ~(unsigned)DEST_F_BOUNCE_VAL;
	if (rc) {
		if (ask_yes_no(s, "Perform bounce verification address tagging?",
			       p->bounce_validation, &yes) < 0)
			return -1;
		p->bounce_validation = yes;
		p->set |= DEST_F_BOUNCE_VAL;
	}
	rc = gate(s, is_default, "Do you wish to apply a specific bounce profile to this domain?",
		  p->set & DEST_F_BOUNCE_PROF);
	if (rc < 0)
		return -1;
	p->set &= ~(unsigned)DEST_F_BOUNCE_PROF;
	if (rc) {
		if (ask_pick(s, "Please choose a bounce profile to apply:", profiles, 1, 1,
			     &chosen) < 0)
			return -1;
		snprintf(p->bounce_profile, sizeof(p->bounce_profile), "%s", profiles[0]);
		p->set |= DEST_F_BOUNCE_PROF;
	}
	return 0;
}

/* The questions of NEW, EDIT and DEFAULT, in the spec's order. */
int destconfig_policy_dialog(struct session *s, const char *name, bool is_default, bool is_new,
			     struct dest_policy *p)
{
	if (ask_limits(s, name, is_default, is_new, p) < 0 || ask_apply(s, name, p) < 0 ||
	    ask_tls(s, is_default, p) < 0 || ask_bounce(s, is_default, p) < 0)
		return -1;
	return 0;
}

/* ---- SETUP: outbound certificate and the required-TLS alert ---- */

struct profile_list {
	const char *items[64];
	char names[64][CONFIG_PROFILE_MAX + 1];
	size_t n;
};

static int add_profile(const char *name, const char *value, void *arg)
{
	struct profile_list *l = arg;

	(void)value;
	if (l->n >= 64)
		return 1;
	snprintf(l->names[l->n], sizeof(l->names[0]), "%s", name);
	l->items[l->n] = l->names[l->n];
	l->n++;
	return 0;
}

static int check_address(char *answer, void *arg, struct err *e)
{
	(void)arg;
	if (!answer[0])
		return err_set(e, "You must enter an e-mail address.");
	return config_check_address(answer, e);
}

int destconfig_setup(struct session *s, void *ctx, int unused)
{
	struct profile_list l = { .n = 0 };
	char answer[INPUT_LINE_MAX];
	struct config c, before;
	struct err e;
	int chosen, def = 1;
	bool yes;

	(void)ctx;
	(void)unused;
	if (db_load_effective(s->db, s->user, &c, &e) < 0 ||
	    db_entries_list(s->db, 0, s->user, "cert", add_profile, &l, &e) < 0)
		return command_error(s, e.msg);
	if (l.n == 0) /* certificates not yet kept as entries: Demo always exists */
		add_profile("Demo", "", &l);
	for (size_t i = 0; i < l.n; i++)
		if (strcmp(l.names[i], c.svc[SVC_OUTBOUND].certificate) == 0)
			def = (int)i + 1;
	before = c;
	if (ask_pick(s, "Please choose the certificate to use for outbound TLS connections:",
		     l.items, l.n, def, &chosen) < 0)
		return -1;
	snprintf(c.svc[SVC_OUTBOUND].certificate, sizeof(c.svc[0].certificate), "%s",
		 l.names[chosen - 1]);
	if (ask_yes_no(s, "Do you want to send an alert when a required TLS connection fails?",
		       c.alert_tls_required, &yes) < 0)
		return -1;
	c.alert_tls_required = yes;
	if (yes) {
		if (ask_text(s, "Enter the e-mail address to send the alert to.",
			     c.alert_to[0] ? c.alert_to : NULL, answer, sizeof(answer),
			     check_address, NULL) < 0)
			return -1;
		snprintf(c.alert_to, sizeof(c.alert_to), "%.254s", answer);
	}
	/* Not an AsyncOS question (MTA-STS is no AsyncOS row): docs/CLI.md. */
	if (ask_yes_no(s,
		       "Do you want to apply the MTA-STS policies (RFC 8461) of destinations "
		       "without a TLS setting of their own?",
		       c.mta_sts, &yes) < 0)
		return -1;
	c.mta_sts = yes;
	if (db_stage_changes(s->db, s->user, &before, &c, &e) < 0)
		return command_error(s, e.msg);
	return 0;
}
