/* dest: destination controls (destconfig) as plain data — the five TLS
 * levels and their predicates, one domain's policy, the stored value codec
 * ("key=value" lines using the INI keys), and domain-name rules. */
#ifndef TLSGATE_DEST_H
#define TLSGATE_DEST_H

#include <stdbool.h>
#include <stddef.h>

#include "err.h"
#include "strbuf.h"

/* The entry name of the default policy. Domains are stored lowercased, so an
 * upper-case name can never collide with one. */
#define DEST_DEFAULT_NAME "DEFAULT"
#define DEST_DOMAIN_MAX   253
#define DEST_PROFILE_MAX  64

/* Ordered as the destconfig pick-list (1. No ... 5. Required (Verify)). */
enum tls_level {
	TLS_LEVEL_NO,
	TLS_LEVEL_PREFERRED,
	TLS_LEVEL_REQUIRED,
	TLS_LEVEL_PREFERRED_VERIFY,
	TLS_LEVEL_REQUIRED_VERIFY,
	TLS_LEVEL_COUNT,
};

/* The questions delivery asks; never compare levels by name. */
bool tls_level_attempts(enum tls_level l);     /* STARTTLS when offered */
bool tls_level_requires(enum tls_level l);     /* nothing in clear */
bool tls_level_verifies(enum tls_level l);     /* check the certificate */
const char *tls_level_label(enum tls_level l); /* "Preferred (Verify)" */
const char *tls_level_ini(enum tls_level l);   /* "on_verify" */

/* destconfig's DANE Support (RFC 7672), ordered as its pick-list. */
enum dane_mode {
	DANE_MODE_NO,
	DANE_MODE_OPPORTUNISTIC, /* DANE when the MX and TLSA records are secure */
	DANE_MODE_MANDATORY,     /* only over DANE-authenticated TLS */
	DANE_MODE_COUNT,
};
const char *dane_mode_label(enum dane_mode m); /* "Opportunistic" */

enum dest_limit_type { DEST_LIMIT_HOST, DEST_LIMIT_MXIP };
enum dest_limit_apply { DEST_APPLY_SYSTEM, DEST_APPLY_VG };
enum dest_ip_sort {
	DEST_IP_DEFAULT,
	DEST_IP_PREFER_V4,
	DEST_IP_PREFER_V6,
	DEST_IP_REQUIRE_V4,
	DEST_IP_REQUIRE_V6
};

/* Which settings an entry sets itself; the rest come from DEFAULT. */
enum dest_field {
	DEST_F_CONCURRENCY = 1u << 0, /* max_host_concurrency */
	DEST_F_MESSAGES = 1u << 1,    /* max_messages_per_connection */
	DEST_F_RECIPIENTS = 1u << 2,  /* recipient_minutes, recipient_limit */
	DEST_F_LIMIT_TYPE = 1u << 3,  /* limit_type */
	DEST_F_LIMIT_APPLY = 1u << 4, /* limit_apply */
	DEST_F_BOUNCE_VAL = 1u << 5,  /* bounce_validation */
	DEST_F_BOUNCE_PROF = 1u << 6, /* bounce_profile */
	DEST_F_IP_SORT = 1u << 7,     /* ip_sort_pref */
	DEST_F_TLS = 1u << 8,         /* tls */
	DEST_F_DANE = 1u << 9,        /* dane (absent in older values: inherited, No) */
	DEST_F_ALL = (1u << 10) - 1,
};

struct dest_policy {
	unsigned set;                    /* enum dest_field bits */
	int max_host_concurrency;        /* 1..1000 */
	int max_messages_per_connection; /* 0: no limit */
	int recipient_minutes;           /* 1..60 */
	int recipient_limit;             /* 0: no limit */
	enum dest_limit_type limit_type;
	enum dest_limit_apply limit_apply;
	bool bounce_validation;
	char bounce_profile[DEST_PROFILE_MAX + 1];
	enum dest_ip_sort ip_sort;
	enum tls_level tls;
	enum dane_mode dane;
};

/* The DEFAULT entry of a new appliance (every field set). */
void dest_policy_defaults(struct dest_policy *p);
/* An entry that sets nothing (inherits everything). */
void dest_policy_empty(struct dest_policy *p);
/* `p` with the fields it does not set taken from `def`. */
void dest_policy_merge(struct dest_policy *out, const struct dest_policy *p,
		       const struct dest_policy *def);

/* One setting by its INI key; -1 with "That value is not valid. ..." or
 * "unknown key". Sets the field's bit. */
int dest_policy_set(struct dest_policy *p, const char *key, const char *value, struct err *e);
/* The position of an INI key in the field table (0..15), -1 if unknown. */
int dest_key_index(const char *key);
/* The stored value: "key=value\n" per set field, in a fixed order. */
void dest_policy_encode(const struct dest_policy *p, struct strbuf *out);
int dest_policy_decode(const char *text, struct dest_policy *p, struct err *e);
/* The INI body of a section: "key = value\n" per set field. */
void dest_policy_render_ini(const struct dest_policy *p, struct strbuf *out);

/* DANE Support belongs to an entry's own TLS setting, as destconfig asks it
 * (after a TLS level other than No): a domain that sets DANE Support other
 * than No must set its TLS level too, and no entry has it with TLS No. */
int dest_check_dane(const struct dest_policy *p, bool is_default, struct err *e);

/* Lowercases `name` in place and checks it: a domain ("example.com"), a
 * subdomain pattern (".example.com") or an IPv4 address. */
int dest_check_domain(char *name, struct err *e);

#endif
