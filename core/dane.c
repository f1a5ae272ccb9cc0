/* dane: the DANE decision for one mail exchanger (RFC 7672 2.2). */
#include "dane.h"

#include <stdio.h>
#include <string.h>

static void set(struct dane_decision *d, enum dane_action a, enum tls_level level)
{
	d->action = a;
	d->level = level;
}

void dane_decide(enum dane_mode mode, enum tls_level level, bool mx_secure,
		 const struct tlsa_set *t, const char *host, struct dane_decision *out)
{
	bool mandatory = mode == DANE_MODE_MANDATORY;
	char insecure[400] = "";

	memset(out, 0, sizeof(*out));
	set(out, DANE_ACT_TLS_LEVEL, level);
	if (mode == DANE_MODE_NO) {
		snprintf(out->why, sizeof(out->why), "DANE Support is No");
		return;
	}
	if (!mx_secure)
		snprintf(insecure, sizeof(insecure), "the MX records are not DNSSEC-validated");
	else if (t->state == TLSA_INSECURE || t->state == TLSA_NOT_LOOKED)
		snprintf(insecure, sizeof(insecure), "%.159s",
			 t->why[0] ? t->why : "the TLSA records were not looked up");
	else if (t->state == TLSA_NONE)
		snprintf(insecure, sizeof(insecure), "%.255s publishes no TLSA records (validated)",
			 t->name[0] ? t->name : host);
	if (insecure[0]) {
		/* RFC 7672 2.2: no secure TLSA records, no DANE. */
		if (mandatory) {
			set(out, DANE_ACT_SKIP, level);
			snprintf(out->why, sizeof(out->why),
				 "DANE is Mandatory but %.380s; %.200s is not used", insecure,
				 host);
		} else {
			snprintf(out->why, sizeof(out->why),
				 "DANE does not apply: %.380s; the TLS setting (%s) is used",
				 insecure, tls_level_label(level));
		}
		return;
	}
	if (t->state == TLSA_FAILED) {
		/* A validated zone whose TLSA lookup fails may be under attack
		 * (RFC 7672 2.2.1): never fall back, try later. */
		set(out, DANE_ACT_SKIP, level);
		snprintf(out->why, sizeof(out->why),
			 "the TLSA lookup of %.255s failed (%.159s); %.150s is not used until it "
			 "succeeds",
			 t->name, t->why[0] ? t->why : "no answer", host);
		return;
	}
	if (t->count == 0) {
		/* RFC 7672 2.2: only unusable records: TLS, unauthenticated. */
		if (mandatory) {
			set(out, DANE_ACT_SKIP, level);
			snprintf(out->why, sizeof(out->why),
				 "DANE is Mandatory but none of the %zu TLSA records of %.255s is "
				 "usable; %.200s is not used",
				 t->unusable, t->name, host);
		} else {
			set(out, DANE_ACT_ENCRYPT, TLS_LEVEL_REQUIRED);
			snprintf(out->why, sizeof(out->why),
				 "none of the %zu TLSA records of %.255s is usable: TLS is "
				 "required, "
				 "without authentication",
				 t->unusable, t->name);
		}
		return;
	}
	set(out, DANE_ACT_AUTH, TLS_LEVEL_REQUIRED_VERIFY);
	snprintf(out->why, sizeof(out->why),
		 "%.255s has %zu usable TLSA record%s (DNSSEC-validated): TLS is required and the "
		 "certificate must match one",
		 t->name, t->count, t->count == 1 ? "" : "s");
}
