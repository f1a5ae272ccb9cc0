/* hat: the host access table's model, defaults and compiled matcher. */
#include "hat.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

static const char *const tls_labels[HAT_TLS_COUNT] = {
	"No", "Preferred", "Required", "Preferred - Verify", "Required - Verify",
};
static const char *const tls_keywords[HAT_TLS_COUNT] = {
	"off", "preferred", "required", "preferred_verify", "required_verify",
};
static const char *const behavior_keywords[HAT_BEHAVIOR_COUNT] = {
	"ACCEPT",
	"REJECT",
	"TCPREFUSE",
	"RELAY",
};

const char *hat_tls_label(enum hat_tls t)
{
	return t < HAT_TLS_COUNT ? tls_labels[t] : "?";
}

const char *hat_tls_keyword(enum hat_tls t)
{
	return t < HAT_TLS_COUNT ? tls_keywords[t] : "?";
}

const char *hat_behavior_keyword(enum hat_behavior b)
{
	return b < HAT_BEHAVIOR_COUNT ? behavior_keywords[b] : "?";
}

void hat_init(struct hat *h)
{
	memset(h, 0, sizeof(*h));
	h->all_policy = -1;
}

void hat_free(struct hat *h)
{
	for (size_t g = 0; g < h->ngroups; g++) {
		for (size_t i = 0; i < h->groups[g].count; i++)
			free(h->groups[g].patterns[i]);
		free(h->groups[g].patterns);
	}
	free(h->groups);
	free(h->policies);
	hat_init(h);
}

static int name_ok(const char *s, size_t max)
{
	size_t n = strlen(s);

	if (n == 0 || n > max)
		return 0;
	for (; *s; s++)
		if (!isalnum((unsigned char)*s) && *s != '_' && *s != '-')
			return 0;
	return 1;
}

int hat_check_group_name(const char *name, struct err *e)
{
	if (!name_ok(name, HAT_NAME_MAX) || strcasecmp(name, "ALL") == 0 ||
	    strcasecmp(name, "DEFAULT") == 0)
		return err_set(e,
			       "\"%.60s\" is not a valid sender group name: use 1 to %d letters, "
			       "digits, '_' and '-' (not ALL or DEFAULT).",
			       name, HAT_NAME_MAX);
	return 0;
}

int hat_check_policy_name(const char *name, struct err *e)
{
	if (name[0] != '$' || !name_ok(name + 1, HAT_NAME_MAX - 1))
		return err_set(e,
			       "\"%.60s\" is not a valid policy name: \"$\" and 1 to %d letters, "
			       "digits, '_' and '-', such as $PARTNERS.",
			       name, HAT_NAME_MAX - 1);
	return 0;
}

int hat_policy_find(const struct hat *h, const char *name)
{
	for (size_t i = 0; i < h->npolicies; i++)
		if (strcasecmp(h->policies[i].name, name) == 0)
			return (int)i;
	return -1;
}

int hat_group_find(const struct hat *h, const char *name)
{
	for (size_t i = 0; i < h->ngroups; i++)
		if (strcasecmp(h->groups[i].name, name) == 0)
			return (int)i;
	return -1;
}

int hat_policy_new(struct hat *h, const char *name, enum hat_behavior b, struct err *e)
{
	struct hat_policy *grown;

	if (hat_check_policy_name(name, e) < 0)
		return -1;
	if (hat_policy_find(h, name) >= 0)
		return err_set(e, "The policy %s already exists.", name);
	if (h->npolicies >= HAT_POLICIES_MAX)
		return err_set(e, "A table holds at most %d policies.", HAT_POLICIES_MAX);
	grown = realloc(h->policies, (h->npolicies + 1) * sizeof(*grown));
	if (!grown)
		return err_set(e, "Out of memory.");
	h->policies = grown;
	memset(&grown[h->npolicies], 0, sizeof(*grown));
	snprintf(grown[h->npolicies].name, sizeof(grown->name), "%s", name);
	grown[h->npolicies].behavior = b;
	return (int)h->npolicies++;
}

int hat_group_new(struct hat *h, const char *name, int policy, struct err *e)
{
	struct hat_group *grown;

	if (hat_check_group_name(name, e) < 0)
		return -1;
	if (hat_group_find(h, name) >= 0)
		return err_set(e, "The sender group %s already exists.", name);
	if (h->ngroups >= HAT_GROUPS_MAX)
		return err_set(e, "A table holds at most %d sender groups.", HAT_GROUPS_MAX);
	grown = realloc(h->groups, (h->ngroups + 1) * sizeof(*grown));
	if (!grown)
		return err_set(e, "Out of memory.");
	h->groups = grown;
	memset(&grown[h->ngroups], 0, sizeof(*grown));
	snprintf(grown[h->ngroups].name, sizeof(grown->name), "%s", name);
	grown[h->ngroups].policy = policy;
	return (int)h->ngroups++;
}

void hat_group_delete(struct hat *h, size_t g)
{
	struct hat_group *x = &h->groups[g];

	for (size_t i = 0; i < x->count; i++)
		free(x->patterns[i]);
	free(x->patterns);
	h->npatterns -= x->count;
	memmove(x, x + 1, (h->ngroups - g - 1) * sizeof(*x));
	h->ngroups--;
}

void hat_group_remove_pattern(struct hat *h, size_t g, size_t i)
{
	struct hat_group *x = &h->groups[g];

	free(x->patterns[i]);
	memmove(&x->patterns[i], &x->patterns[i + 1], (x->count - i - 1) * sizeof(char *));
	x->count--;
	h->npatterns--;
}

static const char *const builtin_policies[] = { "$ACCEPTED", "$BLOCKED", "$THROTTLED", "$TRUSTED",
						"$RELAYED" };

bool hat_policy_builtin(const char *name)
{
	for (size_t i = 0; i < sizeof(builtin_policies) / sizeof(builtin_policies[0]); i++)
		if (strcasecmp(builtin_policies[i], name) == 0)
			return true;
	return false;
}

int hat_policy_delete(struct hat *h, size_t p, struct err *e)
{
	const char *name = h->policies[p].name;

	if (hat_policy_builtin(name))
		return err_set(e, "The policy %s is predefined and cannot be deleted.", name);
	for (size_t g = 0; g < h->ngroups; g++)
		if (h->groups[g].policy == (int)p)
			return err_set(e,
				       "The policy %s cannot be deleted: the sender group %s uses "
				       "it. Give that group another policy first.",
				       name, h->groups[g].name);
	if (h->all_policy == (int)p)
		return err_set(e,
			       "The policy %s cannot be deleted: the ALL rule uses it (a table's "
			       "ALL rule changes with IMPORT).",
			       name);
	memmove(&h->policies[p], &h->policies[p + 1],
		(h->npolicies - p - 1) * sizeof(h->policies[0]));
	h->npolicies--;
	for (size_t g = 0; g < h->ngroups; g++)
		if (h->groups[g].policy > (int)p)
			h->groups[g].policy--;
	if (h->all_policy > (int)p)
		h->all_policy--;
	return 0;
}

int hat_group_add(struct hat *h, size_t g, const char *pattern, struct err *e)
{
	struct hat_group *x = &h->groups[g];
	enum host_pattern_kind kind;

	if (host_pattern_check(pattern, &kind, e) < 0)
		return -1;
	if (h->npatterns >= HAT_PATTERNS_MAX)
		return err_set(e, "A table holds at most %d host patterns.", HAT_PATTERNS_MAX);
	if (x->count == x->cap) {
		size_t cap = x->cap ? x->cap * 2 : 8;
		char **grown = realloc(x->patterns, cap * sizeof(*grown));
		if (!grown)
			return err_set(e, "Out of memory.");
		x->patterns = grown;
		x->cap = cap;
	}
	if (!(x->patterns[x->count] = strdup(pattern)))
		return err_set(e, "Out of memory.");
	x->count++;
	h->npatterns++;
	return 0;
}

static void set_params(struct hat_params *p, unsigned set, int conc, int msgs, int rcpts)
{
	p->set = set;
	p->max_concurrency = conc;
	p->max_msgs_per_session = msgs;
	p->max_rcpts_per_msg = rcpts;
}

/* AsyncOS's predefined policies [guess for the limits]. */
void hat_defaults(struct hat *h, bool public_listener, enum hat_tls tls, const char *relay_host)
{
	struct err e;
	int accepted, relayed, blocked, throttled, trusted, g;

	hat_init(h);
	h->defaults = (struct hat_params){ HAT_P_ALL, tls, 10 * 1024 * 1024, 10, 10, 50 };
	accepted = hat_policy_new(h, "$ACCEPTED", HAT_ACCEPT, &e);
	blocked = hat_policy_new(h, "$BLOCKED", HAT_REJECT, &e);
	throttled = hat_policy_new(h, "$THROTTLED", HAT_ACCEPT, &e);
	trusted = hat_policy_new(h, "$TRUSTED", HAT_ACCEPT, &e);
	relayed = hat_policy_new(h, "$RELAYED", HAT_RELAY, &e);
	set_params(&h->policies[throttled].params,
		   HAT_P_CONCURRENCY | HAT_P_MESSAGES | HAT_P_RECIPIENTS, 1, 1, 25);
	set_params(&h->policies[trusted].params,
		   HAT_P_CONCURRENCY | HAT_P_MESSAGES | HAT_P_RECIPIENTS, 600, 5000, 5000);
	set_params(&h->policies[relayed].params,
		   HAT_P_CONCURRENCY | HAT_P_MESSAGES | HAT_P_RECIPIENTS, 600, 5000, 5000);
	g = hat_group_new(h, "RELAYLIST", relayed, &e);
	if (relay_host)
		hat_group_add(h, (size_t)g, relay_host, &e);
	if (public_listener) {
		hat_group_new(h, "ALLOWED_LIST", trusted, &e);
		hat_group_new(h, "BLOCKED_LIST", blocked, &e);
		hat_group_new(h, "SUSPECTLIST", throttled, &e);
		hat_group_new(h, "UNKNOWNLIST", accepted, &e);
		h->all_policy = accepted;
	} else {
		h->all_policy = blocked;
	}
}

int hat_copy(struct hat *dst, const struct hat *src)
{
	struct err e;

	hat_init(dst);
	dst->defaults = src->defaults;
	dst->all_policy = src->all_policy;
	if (src->npolicies) {
		dst->policies = malloc(src->npolicies * sizeof(*dst->policies));
		if (!dst->policies)
			return -1;
		memcpy(dst->policies, src->policies, src->npolicies * sizeof(*dst->policies));
		dst->npolicies = src->npolicies;
	}
	for (size_t g = 0; g < src->ngroups; g++) {
		int n = hat_group_new(dst, src->groups[g].name, src->groups[g].policy, &e);
		if (n < 0)
			goto fail;
		for (size_t i = 0; i < src->groups[g].count; i++)
			if (hat_group_add(dst, (size_t)n, src->groups[g].patterns[i], &e) < 0)
				goto fail;
	}
	return 0;
fail:
	hat_free(dst);
	return -1;
}

void hat_effective(const struct hat *h, int policy, struct hat_params *out)
{
	const struct hat_params *p = &h->policies[policy].params;

	*out = h->defaults;
	if (p->set & HAT_P_TLS)
		out->tls = p->tls;
	if (p->set & HAT_P_SIZE)
		out->max_message_size = p->max_message_size;
	if (p->set & HAT_P_CONCURRENCY)
		out->max_concurrency = p->max_concurrency;
	if (p->set & HAT_P_MESSAGES)
		out->max_msgs_per_session = p->max_msgs_per_session;
	if (p->set & HAT_P_RECIPIENTS)
		out->max_rcpts_per_msg = p->max_rcpts_per_msg;
	out->set = HAT_P_ALL;
}

int hat_check_params(const struct hat_params *p, struct err *e)
{
	if ((p->set & HAT_P_TLS) && (unsigned)p->tls >= HAT_TLS_COUNT)
		return err_set(e, "Unknown TLS level.");
	if ((p->set & HAT_P_SIZE) &&
	    (p->max_message_size < 1 || p->max_message_size > HAT_SIZE_MAX))
		return err_set(e, "The maximum message size must be from 1 to %ld bytes.",
			       HAT_SIZE_MAX);
	if ((p->set & HAT_P_CONCURRENCY) &&
	    (p->max_concurrency < 1 || p->max_concurrency > HAT_CONCURRENCY_MAX))
		return err_set(e, "The concurrency limit must be from 1 to %d.",
			       HAT_CONCURRENCY_MAX);
	if ((p->set & HAT_P_MESSAGES) &&
	    (p->max_msgs_per_session < 1 || p->max_msgs_per_session > HAT_MESSAGES_MAX))
		return err_set(e, "The messages per connection must be from 1 to %d.",
			       HAT_MESSAGES_MAX);
	if ((p->set & HAT_P_RECIPIENTS) &&
	    (p->max_rcpts_per_msg < 1 || p->max_rcpts_per_msg > HAT_RECIPIENTS_MAX))
		return err_set(e, "The recipients per message must be from 1 to %d.",
			       HAT_RECIPIENTS_MAX);
	return 0;
}

int hat_compile(const struct hat *h, struct hat_match *out, struct err *e)
{
	size_t n = 0;

	memset(out, 0, sizeof(*out));
	addr_match_init(&out->m);
	out->rule_group = malloc((h->npatterns + 1) * sizeof(unsigned));
	out->rule_pattern = malloc((h->npatterns + 1) * sizeof(unsigned));
	if (!out->rule_group || !out->rule_pattern) {
		hat_match_free(out);
		return err_set(e, "Out of memory.");
	}
	for (size_t g = 0; g < h->ngroups; g++)
		for (size_t i = 0; i < h->groups[g].count; i++, n++) {
			out->rule_group[n] = (unsigned)g;
			out->rule_pattern[n] = (unsigned)i;
			if (addr_match_add(&out->m, h->groups[g].patterns[i], (unsigned)n, e) < 0) {
				hat_match_free(out);
				return -1;
			}
		}
	out->nrules = n;
	return 0;
}

void hat_match_free(struct hat_match *hm)
{
	addr_match_free(&hm->m);
	free(hm->rule_group);
	free(hm->rule_pattern);
	memset(hm, 0, sizeof(*hm));
}

int hat_lookup(const struct hat *h, const struct hat_match *hm, const unsigned char ip[16],
	       const char *host, const char **pattern)
{
	unsigned r = addr_match_lookup(&hm->m, ip, host);
	unsigned g;

	if (r == ADDR_NO_MATCH || r >= hm->nrules)
		return -1;
	g = hm->rule_group[r];
	*pattern = h->groups[g].patterns[hm->rule_pattern[r]];
	return (int)g;
}
