/* cmd_hostaccess_group: HOSTACCESS's sender groups — NEW (a group with its
 * hosts and policy) and EDIT, AsyncOS's sender group editor: NEW adds
 * hosts, DELETE removes one, POLICY changes the group's mail flow policy,
 * PRINT shows the group, RENAME renames it. Every change is checked whole
 * before it touches the table, then stages "hat.LISTENER". */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "commands.h"
#include "input.h"
#include "listeners.h"
#include "prompt.h"

static const char hosts_question[] =
	"Enter the hosts to add. CIDR addresses such as 10.1.1.0/24 are allowed. IP address "
	"ranges such as 10.1.1.10-20 are allowed. IP subnets such as 10.2.3. are allowed. "
	"Hostnames such as crm.example.com are allowed. Partial hostnames such as .example.com "
	"are allowed. Separate multiple hosts with commas";

/* The hosts of an answer, each checked, none twice (nor already in group
 * `g` when g >= 0). */
struct hosts_check {
	const struct hat *h;
	int g;
};

static bool in_group(const struct hat_group *x, const char *host)
{
	for (size_t i = 0; i < x->count; i++)
		if (strcasecmp(x->patterns[i], host) == 0)
			return true;
	return false;
}

static int check_hosts(char *answer, void *arg, struct err *e)
{
	const struct hosts_check *c = arg;
	char copy[INPUT_LINE_MAX], *tok, *save = NULL, *seen[INPUT_LINE_MAX / 2];
	enum host_pattern_kind kind;
	size_t n = 0;

	snprintf(copy, sizeof(copy), "%s", answer);
	for (tok = strtok_r(copy, ", ", &save); tok; tok = strtok_r(NULL, ", ", &save)) {
		if (host_pattern_check(tok, &kind, e) < 0)
			return -1;
		for (size_t i = 0; i < n; i++)
			if (strcasecmp(seen[i], tok) == 0)
				return err_set(e, "The host %.60s is given twice.", tok);
		if (c->g >= 0 && in_group(&c->h->groups[c->g], tok))
			return err_set(e, "The host %.60s is already in this sender group.", tok);
		seen[n++] = tok;
	}
	if (n == 0)
		return err_set(e, "You must enter at least one host.");
	if (c->h->npatterns + n > HAT_PATTERNS_MAX)
		return err_set(e, "A table holds at most %d host patterns.", HAT_PATTERNS_MAX);
	return 0;
}

/* Adds the (checked) hosts to group g, all or none. */
static int add_hosts(struct session *s, struct hat *h, size_t g, const char *hosts)
{
	char copy[INPUT_LINE_MAX], *tok, *save = NULL;
	size_t before = h->groups[g].count;
	struct err e;

	snprintf(copy, sizeof(copy), "%s", hosts);
	for (tok = strtok_r(copy, ", ", &save); tok; tok = strtok_r(NULL, ", ", &save))
		if (hat_group_add(h, g, tok, &e) < 0) {
			while (h->groups[g].count > before)
				hat_group_remove_pattern(h, g, h->groups[g].count - 1);
			return command_error(s, e.msg);
		}
	return 0;
}

static int check_group_name(char *answer, void *arg, struct err *e)
{
	const struct hat *h = arg;

	if (hat_check_group_name(answer, e) < 0)
		return -1;
	if (hat_group_find(h, answer) >= 0)
		return err_set(e, "The sender group %s already exists.", answer);
	return 0;
}

int hostaccess_new_group(struct session *s, struct listener_view *v)
{
	char name[INPUT_LINE_MAX], hosts[INPUT_LINE_MAX];
	struct hosts_check c = { &v->hat, -1 };
	struct err e;
	int g, p;

	if (ask_text(s, "Enter a name for this sender group.", NULL, name, sizeof(name),
		     check_group_name, &v->hat) < 0 ||
	    ask_text(s, hosts_question, NULL, hosts, sizeof(hosts), check_hosts, &c) < 0)
		return -1;
	if ((p = hostaccess_ask_named(s, &v->hat, true, "Select the policy for this sender group.",
				      v->hat.all_policy)) < 0)
		return -1;
	if ((g = hat_group_new(&v->hat, name, p, &e)) < 0)
		return command_error(s, e.msg);
	if (add_hosts(s, &v->hat, (size_t)g, hosts) < 0) {
		hat_group_delete(&v->hat, (size_t)g);
		return -1;
	}
	return listener_stage_hat(s, v);
}

/* ---- the sender group editor ---- */

struct group_edit {
	struct session *s;
	struct listener_view *v;
	size_t g;
};

static int show_group(struct session *s, void *ctx)
{
	struct group_edit *x = ctx;
	const struct hat_group *g = &x->v->hat.groups[x->g];

	(void)s;
	printf("\nSender group: %s\nPolicy: %s\n", g->name, x->v->hat.policies[g->policy].name);
	if (g->count == 0)
		printf("Hosts: none\n");
	for (size_t i = 0; i < g->count; i++)
		printf("%s%zu. %s\n", i ? "" : "Hosts:\n", i + 1, g->patterns[i]);
	return 0;
}

static int op_new_host(struct session *s, void *ctx, int unused)
{
	struct group_edit *x = ctx;
	struct hosts_check c = { &x->v->hat, (int)x->g };
	char hosts[INPUT_LINE_MAX];

	(void)unused;
	if (ask_text(s, hosts_question, NULL, hosts, sizeof(hosts), check_hosts, &c) < 0 ||
	    add_hosts(s, &x->v->hat, x->g, hosts) < 0)
		return -1;
	return listener_stage_hat(s, x->v);
}

struct host_pick {
	const struct hat_group *g;
	size_t index;
};

static int check_host(char *answer, void *arg, struct err *e)
{
	struct host_pick *p = arg;
	char *end;
	long k = strtol(answer, &end, 10);

	if (*answer && !*end && k >= 1 && (size_t)k <= p->g->count) {
		p->index = (size_t)k - 1;
		return 0;
	}
	for (size_t i = 0; i < p->g->count; i++)
		if (strcasecmp(p->g->patterns[i], answer) == 0) {
			p->index = i;
			return 0;
		}
	return err_set(e, "There is no host \"%.60s\" in this sender group.", answer);
}

static int op_delete_host(struct session *s, void *ctx, int unused)
{
	struct group_edit *x = ctx;
	struct host_pick p = { &x->v->hat.groups[x->g], 0 };
	char answer[INPUT_LINE_MAX];

	(void)unused;
	if (p.g->count == 0)
		return command_error(s, "This sender group has no hosts.");
	if (ask_text(s, "Enter the number or the host you wish to delete.", NULL, answer,
		     sizeof(answer), check_host, &p) < 0)
		return -1;
	printf("Host %s deleted.\n", p.g->patterns[p.index]);
	hat_group_remove_pattern(&x->v->hat, x->g, p.index);
	return listener_stage_hat(s, x->v);
}

static int op_policy(struct session *s, void *ctx, int unused)
{
	struct group_edit *x = ctx;
	int p;

	(void)unused;
	if ((p = hostaccess_ask_named(s, &x->v->hat, true,
				      "Select the policy for this sender group.",
				      x->v->hat.groups[x->g].policy)) < 0)
		return -1;
	x->v->hat.groups[x->g].policy = p;
	return listener_stage_hat(s, x->v);
}

static int op_print(struct session *s, void *ctx, int unused)
{
	(void)unused;
	return show_group(s, ctx);
}

static int op_rename(struct session *s, void *ctx, int unused)
{
	struct group_edit *x = ctx;
	char name[INPUT_LINE_MAX];

	(void)unused;
	if (ask_text(s, "Enter the new name for this sender group.", NULL, name, sizeof(name),
		     check_group_name, &x->v->hat) < 0)
		return -1;
	snprintf(x->v->hat.groups[x->g].name, sizeof(x->v->hat.groups[x->g].name), "%.59s", name);
	return listener_stage_hat(s, x->v);
}

static const struct menu_row rows[] = {
	{ "NEW", "Add a new host.", ACCESS_OPERATOR, op_new_host, 0, NULL, NULL },
	{ "DELETE", "Remove a host.", ACCESS_OPERATOR, op_delete_host, 0, NULL, NULL },
	{ "POLICY", "Change the policy settings and options.", ACCESS_OPERATOR, op_policy, 0, NULL,
	  NULL },
	{ "PRINT", "Display the current definition.", ACCESS_GUEST, op_print, 0, NULL, NULL },
	{ "RENAME", "Rename this sender group.", ACCESS_OPERATOR, op_rename, 0, NULL, NULL },
};
const struct menu hostaccess_group_menu = {
	"listenerconfig EDIT HOSTACCESS EDIT", MENU_ROWS(rows), NULL, NULL, false, false
};
MENU_REGISTER(hostaccess_group_menu)

int hostaccess_edit_group(struct session *s, struct listener_view *v)
{
	struct group_edit x = { s, v, 0 };
	int g;

	if ((g = hostaccess_ask_named(s, &v->hat, false,
				      "Enter the sender group number or name to edit.", -1)) < 0)
		return -1;
	x.g = (size_t)g;
	show_group(s, &x);
	return menu_run(s, &hostaccess_group_menu, &x);
}
