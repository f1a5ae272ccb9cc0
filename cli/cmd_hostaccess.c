/* cmd_hostaccess: listenerconfig EDIT → HOSTACCESS, a listener's host access
 * table: sender groups (NEW, EDIT, DELETE, MOVE; their own editor is
 * cmd_hostaccess_group.c), mail flow policies (NEW, EDIT, DELETE), the default policy parameters
 * (DEFAULT), and the table as text (PRINT, IMPORT, EXPORT; core/hat_text.c), RESET. Each change
 * stages the entry "hat.LISTENER". */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "../tls/inbound.h"
#include "commands.h"
#include "input.h"
#include "listeners.h"
#include "prompt.h"

/* The policy questions. `base` NULL: the defaults themselves (every field
 * set); else a policy, whose field is set when it differs from `base` or
 * was already set. */
static int ask_params(struct session *s, struct hat_params *p, const struct hat_params *base)
{
	const char *items[HAT_TLS_COUNT];
	struct hat_params cur = base ? *base : *p;
	long v;
	int chosen;

	if (base) {
		if (p->set & HAT_P_SIZE)
			cur.max_message_size = p->max_message_size;
		if (p->set & HAT_P_CONCURRENCY)
			cur.max_concurrency = p->max_concurrency;
		if (p->set & HAT_P_MESSAGES)
			cur.max_msgs_per_session = p->max_msgs_per_session;
		if (p->set & HAT_P_RECIPIENTS)
			cur.max_rcpts_per_msg = p->max_rcpts_per_msg;
		if (p->set & HAT_P_TLS)
			cur.tls = p->tls;
	}
#define FIELD(bit, field, question, max)                                             \
	do {                                                                         \
		if (listener_ask_long(s, question, (long)cur.field, 1, max, &v) < 0) \
			return -1;                                                   \
		p->field = (__typeof__(p->field))v;                                  \
		if (!base || (p->set & bit) || v != (long)base->field)               \
			p->set |= bit;                                               \
	} while (0)
	FIELD(HAT_P_SIZE, max_message_size, "Enter the maximum message size in bytes.",
	      HAT_SIZE_MAX);
	FIELD(HAT_P_CONCURRENCY, max_concurrency,
	      "Enter the maximum number of concurrent connections allowed from a single IP "
	      "address.",
	      HAT_CONCURRENCY_MAX);
	FIELD(HAT_P_MESSAGES, max_msgs_per_session,
	      "Enter the maximum number of messages per connection.", HAT_MESSAGES_MAX);
	FIELD(HAT_P_RECIPIENTS, max_rcpts_per_msg,
	      "Enter the maximum number of recipients per message.", HAT_RECIPIENTS_MAX);
#undef FIELD
	for (int t = 0; t < HAT_TLS_COUNT; t++)
		items[t] = hat_tls_label((enum hat_tls)t);
	if (ask_pick(s, "Do you want to allow encrypted TLS connections?", items, HAT_TLS_COUNT,
		     (int)cur.tls + 1, &chosen) < 0)
		return -1;
	p->tls = (enum hat_tls)(chosen - 1);
	if (!base || (p->set & HAT_P_TLS) || p->tls != base->tls)
		p->set |= HAT_P_TLS;
	return 0;
}

static void print_params(const struct hat_params *p)
{
	printf("Maximum Message Size: %ld\n"
	       "Maximum Number Of Concurrent Connections From A Single IP: %d\n"
	       "Maximum Number Of Messages Per Connection: %d\n"
	       "Maximum Number Of Recipients Per Message: %d\n"
	       "TLS: %s\n",
	       p->max_message_size, p->max_concurrency, p->max_msgs_per_session,
	       p->max_rcpts_per_msg, hat_tls_label(p->tls));
}

static int show(struct session *s, void *ctx)
{
	struct listener_view *v = ctx;

	(void)s;
	printf("\nDefault Policy Parameters\n==========================\n");
	print_params(&v->hat.defaults);
	printf("\nThere are %zu policies defined.\nThere are %zu sender groups.\n",
	       v->hat.npolicies, v->hat.ngroups);
	return 0;
}

/* ---- choosing a group or a policy ---- */

struct named {
	const struct hat *h;
	bool policy;
	int index;
};

static int check_named(char *answer, void *arg, struct err *e)
{
	struct named *n = arg;
	size_t count = n->policy ? n->h->npolicies : n->h->ngroups;
	char *end;
	long k = strtol(answer, &end, 10);

	if (*answer && !*end && k >= 1 && (size_t)k <= count) {
		n->index = (int)k - 1;
		return 0;
	}
	n->index = n->policy ? hat_policy_find(n->h, answer) : hat_group_find(n->h, answer);
	if (n->index >= 0)
		return 0;
	return err_set(e, "There is no %s \"%.60s\".", n->policy ? "policy" : "sender group",
		       answer);
}

int hostaccess_ask_named(struct session *s, const struct hat *h, bool policy, const char *question,
			 int def)
{
	struct named n = { h, policy, -1 };
	size_t count = policy ? h->npolicies : h->ngroups;
	char answer[INPUT_LINE_MAX], d[16];

	if (count == 0)
		return command_error(s, policy ? "There are no policies."
					       : "There are no sender "
						 "groups.");
	printf("\n");
	for (size_t i = 0; i < count; i++)
		printf("%zu. %s\n", i + 1, policy ? h->policies[i].name : h->groups[i].name);
	snprintf(d, sizeof(d), "%d", def + 1);
	if (ask_text(s, question, def >= 0 ? d : NULL, answer, sizeof(answer), check_named, &n) < 0)
		return -1;
	return n.index;
}

/* ---- policies ---- */

static int ask_behavior(struct session *s, enum hat_behavior *b)
{
	static const char *const items[] = { "Accept", "Reject", "TCP Refuse", "Relay" };
	int chosen;

	if (ask_pick(s, "Select the behavior for this policy.", items, 4, (int)*b + 1, &chosen) < 0)
		return -1;
	*b = (enum hat_behavior)(chosen - 1);
	return 0;
}

static int check_policy_name(char *answer, void *arg, struct err *e)
{
	const struct hat *h = arg;

	if (hat_check_policy_name(answer, e) < 0)
		return -1;
	if (hat_policy_find(h, answer) >= 0)
		return err_set(e, "The policy %s already exists.", answer);
	return 0;
}

static int new_policy(struct session *s, struct listener_view *v)
{
	char name[INPUT_LINE_MAX];
	enum hat_behavior b = HAT_ACCEPT;
	struct hat_params p = { 0 };
	struct err e;
	int i;

	if (ask_text(s, "Enter the name for this policy (such as $PARTNERS).", NULL, name,
		     sizeof(name), check_policy_name, &v->hat) < 0 ||
	    ask_behavior(s, &b) < 0 || ask_params(s, &p, &v->hat.defaults) < 0)
		return -1;
	if ((i = hat_policy_new(&v->hat, name, b, &e)) < 0)
		return command_error(s, e.msg);
	v->hat.policies[i].params = p;
	return listener_stage_hat(s, v);
}

static int edit_policy(struct session *s, struct listener_view *v)
{
	struct hat_policy *x;
	int i;

	if ((i = hostaccess_ask_named(s, &v->hat, true, "Enter the policy number or name to edit.",
				      -1)) < 0)
		return -1;
	x = &v->hat.policies[i];
	if (ask_behavior(s, &x->behavior) < 0 || ask_params(s, &x->params, &v->hat.defaults) < 0)
		return -1;
	return listener_stage_hat(s, v);
}

/* ---- the operations ---- */

static int op_new(struct session *s, void *ctx, int unused)
{
	static const char *const items[] = { "New Sender Group", "New Policy" };
	int chosen;

	(void)unused;
	if (ask_pick(s, "Choose what to create:", items, 2, 1, &chosen) < 0)
		return -1;
	return chosen == 1 ? hostaccess_new_group(s, ctx) : new_policy(s, ctx);
}

static int op_edit(struct session *s, void *ctx, int unused)
{
	static const char *const items[] = { "Edit Sender Group", "Edit Policy" };
	int chosen;

	(void)unused;
	if (ask_pick(s, "Choose what to edit:", items, 2, 1, &chosen) < 0)
		return -1;
	return chosen == 1 ? hostaccess_edit_group(s, ctx) : edit_policy(s, ctx);
}

static int op_delete(struct session *s, void *ctx, int unused)
{
	static const char *const items[] = { "Delete Sender Group", "Delete Policy" };
	struct listener_view *v = ctx;
	struct err e;
	int chosen, i;

	(void)unused;
	if (ask_pick(s, "Choose what to delete:", items, 2, 1, &chosen) < 0)
		return -1;
	if (chosen == 1) {
		if ((i = hostaccess_ask_named(s, &v->hat, false,
					      "Enter the sender group number or name to delete.",
					      -1)) < 0)
			return -1;
		printf("Sender group %s deleted.\n", v->hat.groups[i].name);
		hat_group_delete(&v->hat, (size_t)i);
		return listener_stage_hat(s, v);
	}
	if ((i = hostaccess_ask_named(s, &v->hat, true,
				      "Enter the policy number or name to delete.", -1)) < 0)
		return -1;
	if (hat_policy_delete(&v->hat, (size_t)i, &e) < 0)
		return command_error(s, e.msg);
	printf("Policy deleted.\n");
	return listener_stage_hat(s, v);
}

static int op_move(struct session *s, void *ctx, int unused)
{
	struct listener_view *v = ctx;
	struct hat_group x;
	long to;
	int g;

	(void)unused;
	if ((g = hostaccess_ask_named(s, &v->hat, false,
				      "Enter the sender group number or name to move.", -1)) < 0 ||
	    listener_ask_long(s, "Enter the position to move it to.", g + 1, 1,
			      (long)v->hat.ngroups, &to) < 0)
		return -1;
	x = v->hat.groups[g];
	memmove(&v->hat.groups[g], &v->hat.groups[g + 1],
		(v->hat.ngroups - (size_t)g - 1) * sizeof(x));
	memmove(&v->hat.groups[to], &v->hat.groups[to - 1],
		(v->hat.ngroups - (size_t)to) * sizeof(x));
	v->hat.groups[to - 1] = x;
	return listener_stage_hat(s, v);
}

static int op_default(struct session *s, void *ctx, int unused)
{
	struct listener_view *v = ctx;

	(void)unused;
	if (ask_params(s, &v->hat.defaults, NULL) < 0)
		return -1;
	v->hat.defaults.set = HAT_P_ALL;
	return listener_stage_hat(s, v);
}

static int op_print(struct session *s, void *ctx, int unused)
{
	struct listener_view *v = ctx;
	struct strbuf text;

	(void)s;
	(void)unused;
	strbuf_init(&text);
	hat_format(&v->hat, &text);
	say_text(text.data);
	strbuf_free(&text);
	return 0;
}

static int op_import(struct session *s, void *ctx, int unused)
{
	struct listener_view *v = ctx;
	struct hat h;
	struct err e;
	char *text;
	int rc;

	(void)unused;
	if (listener_import_text(s, &text) < 0)
		return -1;
	rc = hat_parse(text, &h, &e);
	free(text);
	if (rc < 0)
		return command_error(s, e.msg);
	hat_free(&v->hat);
	v->hat = h;
	printf("Imported %zu sender groups and %zu policies.\n", h.ngroups, h.npolicies);
	return listener_stage_hat(s, v);
}

static int op_export(struct session *s, void *ctx, int unused)
{
	struct listener_view *v = ctx;
	struct strbuf text;
	int rc;

	(void)unused;
	strbuf_init(&text);
	hat_format(&v->hat, &text);
	rc = listener_export_text(s, &text);
	strbuf_free(&text);
	return rc;
}

static int op_reset(struct session *s, void *ctx, int unused)
{
	struct listener_view *v = ctx;

	(void)unused;
	hat_free(&v->hat);
	inbound_default_tables(&v->l, true, &v->hat, NULL);
	printf("The host access table is reset to the defaults.\n");
	return listener_stage_hat(s, v);
}

static const struct menu_row rows[] = {
	{ "NEW", "Create a new entry.", ACCESS_OPERATOR, op_new, 0, NULL, NULL },
	{ "EDIT", "Modify an entry.", ACCESS_OPERATOR, op_edit, 0, &hostaccess_group_menu, NULL },
	{ "DELETE", "Remove an entry.", ACCESS_OPERATOR, op_delete, 0, NULL, NULL },
	{ "MOVE", "Move an entry.", ACCESS_OPERATOR, op_move, 0, NULL, NULL },
	{ "DEFAULT", "Set the defaults.", ACCESS_OPERATOR, op_default, 0, NULL, NULL },
	{ "PRINT", "Display the table.", ACCESS_GUEST, op_print, 0, NULL, NULL },
	{ "IMPORT", "Import a table from a file.", ACCESS_OPERATOR, op_import, 0, NULL, NULL },
	{ "EXPORT", "Export the table to a file.", ACCESS_OPERATOR, op_export, 0, NULL, NULL },
	{ "RESET", "Remove senders and set policies to system default.", ACCESS_OPERATOR, op_reset,
	  0, NULL, NULL },
};
const struct menu hostaccess_menu = {
	"listenerconfig EDIT HOSTACCESS", MENU_ROWS(rows), show, NULL, false, false
};
MENU_REGISTER(hostaccess_menu)

int hostaccess_run(struct session *s, void *ctx, int unused)
{
	(void)unused;
	return menu_run(s, &hostaccess_menu, ctx);
}
