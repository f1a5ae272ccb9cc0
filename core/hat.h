/* hat: a listener's host access table (AsyncOS HOSTACCESS) — mail flow
 * policies (behaviour, limits, TLS level), ordered sender groups of host
 * patterns each bound to a policy, the final ALL rule, and the default
 * policy parameters every policy inherits what it does not set. The first
 * sender group with a matching pattern decides a connection. */
#ifndef TLSGATE_HAT_H
#define TLSGATE_HAT_H

#include <stdbool.h>
#include <stddef.h>

#include "addr_match.h"
#include "err.h"
#include "strbuf.h"

#define HAT_NAME_MAX     59 /* sender group and policy names ("$" included) */
#define HAT_GROUPS_MAX   1000
#define HAT_POLICIES_MAX 100
#define HAT_PATTERNS_MAX 200000 /* in the whole table */
#define HAT_TEXT_MAX     (16u << 20)

enum hat_behavior { HAT_ACCEPT, HAT_REJECT, HAT_TCPREFUSE, HAT_RELAY, HAT_BEHAVIOR_COUNT };

/* Ordered: the TLS levels of the policy question, as AsyncOS numbers them. */
enum hat_tls {
	HAT_TLS_NO,
	HAT_TLS_PREFERRED,
	HAT_TLS_REQUIRED,
	HAT_TLS_PREFERRED_VERIFY,
	HAT_TLS_REQUIRED_VERIFY,
	HAT_TLS_COUNT,
};

static inline bool hat_tls_offered(enum hat_tls t)
{
	return t != HAT_TLS_NO;
}
static inline bool hat_tls_required(enum hat_tls t)
{
	return t == HAT_TLS_REQUIRED || t == HAT_TLS_REQUIRED_VERIFY;
}
static inline bool hat_tls_verify(enum hat_tls t)
{
	return t == HAT_TLS_PREFERRED_VERIFY || t == HAT_TLS_REQUIRED_VERIFY;
}
const char *hat_tls_label(enum hat_tls t);             /* "Preferred - Verify" */
const char *hat_tls_keyword(enum hat_tls t);           /* "preferred_verify" */
const char *hat_behavior_keyword(enum hat_behavior b); /* "TCPREFUSE" */

/* Which fields a policy sets (the rest come from the defaults). */
enum {
	HAT_P_TLS = 1u << 0,
	HAT_P_SIZE = 1u << 1,
	HAT_P_CONCURRENCY = 1u << 2,
	HAT_P_MESSAGES = 1u << 3,
	HAT_P_RECIPIENTS = 1u << 4,
	HAT_P_ALL = (1u << 5) - 1,
};

#define HAT_SIZE_MAX        (1L << 30)
#define HAT_CONCURRENCY_MAX 1000
#define HAT_MESSAGES_MAX    10000
#define HAT_RECIPIENTS_MAX  10000

struct hat_params {
	unsigned set;
	enum hat_tls tls;
	long max_message_size;    /* bytes */
	int max_concurrency;      /* connections at once from one host */
	int max_msgs_per_session; /* messages per connection */
	int max_rcpts_per_msg;    /* recipients per message */
};

struct hat_policy {
	char name[HAT_NAME_MAX + 1]; /* "$ACCEPTED" */
	enum hat_behavior behavior;
	struct hat_params params;
};

struct hat_group {
	char name[HAT_NAME_MAX + 1]; /* "RELAYLIST" */
	char **patterns;
	size_t count, cap;
	int policy; /* index into policies */
};

struct hat {
	struct hat_params defaults; /* every field set */
	struct hat_policy *policies;
	size_t npolicies;
	struct hat_group *groups;
	size_t ngroups;
	size_t npatterns;
	int all_policy; /* the final ALL rule */
};

void hat_init(struct hat *h);
void hat_free(struct hat *h);
/* The table a new listener gets. A public listener: RELAYLIST (`relay_host`
 * if not NULL), ALLOWED_LIST, BLOCKED_LIST, SUSPECTLIST, UNKNOWNLIST, ALL
 * $ACCEPTED; a private one: RELAYLIST, ALL $BLOCKED. */
void hat_defaults(struct hat *h, bool public_listener, enum hat_tls tls, const char *relay_host);
int hat_copy(struct hat *dst, const struct hat *src);

int hat_policy_find(const struct hat *h, const char *name);
int hat_group_find(const struct hat *h, const char *name);
int hat_check_group_name(const char *name, struct err *e);
int hat_check_policy_name(const char *name, struct err *e);
/* Adds a pattern to group g (checked; counted against HAT_PATTERNS_MAX). */
int hat_group_add(struct hat *h, size_t g, const char *pattern, struct err *e);
int hat_group_new(struct hat *h, const char *name, int policy, struct err *e);
void hat_group_delete(struct hat *h, size_t g);
/* Removes pattern i of group g. */
void hat_group_remove_pattern(struct hat *h, size_t g, size_t i);
/* $ACCEPTED, $BLOCKED, $THROTTLED, $TRUSTED, $RELAYED. */
bool hat_policy_builtin(const char *name);
/* Refuses a predefined policy and one a sender group or the ALL rule uses. */
int hat_policy_delete(struct hat *h, size_t p, struct err *e);
int hat_policy_new(struct hat *h, const char *name, enum hat_behavior b, struct err *e);
/* A policy's parameters with the defaults filled in. */
void hat_effective(const struct hat *h, int policy, struct hat_params *out);
int hat_check_params(const struct hat_params *p, struct err *e);

/* The text form (EXPORT, IMPORT, PRINT, the stored value); see docs/CLI.md. */
int hat_parse(const char *text, struct hat *h, struct err *e);
void hat_format(const struct hat *h, struct strbuf *out);

/* A table ready for connections. */
struct hat_match {
	struct addr_match m;
	unsigned *rule_group;   /* rule index -> group */
	unsigned *rule_pattern; /* rule index -> pattern within the group */
	size_t nrules;
};
int hat_compile(const struct hat *h, struct hat_match *out, struct err *e);
void hat_match_free(struct hat_match *hm);
/* -1: no sender group matched (the ALL rule); else the group, and *pattern
 * its pattern that matched. */
int hat_lookup(const struct hat *h, const struct hat_match *hm, const unsigned char ip[16],
	       const char *host, const char **pattern);

#endif
