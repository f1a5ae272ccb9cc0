/* cmd_smtproutes: AsyncOS smtproutes — permanent routes from a domain to
 * destination hosts, kept as entries of kind "route" (core/route.h). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "../core/dest.h"
#include "../core/route.h"
#include "commands.h"
#include "input.h"
#include "menu.h"
#include "prompt.h"

struct names {
	char (*name)[DEST_DOMAIN_MAX + 1];
	char **value;
	size_t count, cap;
};

static int collect(const char *name, const char *value, void *arg)
{
	struct names *n = arg;

	if (n->count == n->cap) {
		n->cap = n->cap ? n->cap * 2 : 16;
		n->name = realloc(n->name, n->cap * sizeof(*n->name));
		n->value = realloc(n->value, n->cap * sizeof(*n->value));
		if (!n->name || !n->value)
			abort();
	}
	snprintf(n->name[n->count], sizeof(n->name[0]), "%s", name);
	n->value[n->count] = strdup(value);
	if (!n->value[n->count++])
		abort();
	return 0;
}

static void names_free(struct names *n)
{
	for (size_t i = 0; i < n->count; i++)
		free(n->value[i]);
	free(n->name);
	free(n->value);
}

static int load(struct session *s, struct names *n)
{
	struct err e;

	memset(n, 0, sizeof(*n));
	if (db_entries_list(s->db, 0, s->user, "route", collect, n, &e) < 0) {
		names_free(n);
		return command_error(s, e.msg);
	}
	return 0;
}

static int check_route_domain(char *answer, void *arg, struct err *e)
{
	(void)arg;
	if (strcasecmp(answer, ROUTE_ALL_NAME) == 0) {
		strcpy(answer, ROUTE_ALL_NAME);
		return 0;
	}
	return dest_check_domain(answer, e);
}

static int check_hosts(char *answer, void *arg, struct err *e)
{
	struct route r;

	if (route_parse(answer, &r, e) < 0)
		return -1;
	route_render(&r, (char *)arg, 2048);
	return 0;
}

static int ask_hosts(struct session *s, const char *domain, const char *def)
{
	char q[512], answer[INPUT_LINE_MAX], canonical[2048];
	struct err e;

	snprintf(q, sizeof(q),
		 "Enter the destination hosts, separated by commas, which you want mail for %s "
		 "to be delivered.\nA host may be followed by :PORT (25 by default); enclose an "
		 "address in brackets, such as [192.0.2.1].",
		 domain);
	if (ask_text(s, q, def, answer, sizeof(answer), check_hosts, canonical) < 0)
		return -1;
	if (db_entry_stage(s->db, s->user, "route", domain, canonical, &e) < 0)
		return command_error(s, e.msg);
	return 0;
}

static int op_new(struct session *s, void *ctx, int unused)
{
	char domain[INPUT_LINE_MAX], *old = NULL;
	struct err e;

	(void)ctx;
	(void)unused;
	if (ask_text(s,
		     "Enter the domain for which you want to set up a permanent route.\n"
		     "Partial hostnames such as \".example.com\" are allowed.\n"
		     "Use \"ALL\" for the default route.",
		     NULL, domain, sizeof(domain), check_route_domain, NULL) < 0)
		return -1;
	if (db_entry_get(s->db, s->user, "route", domain, &old, &e) < 0)
		return command_error(s, e.msg);
	if (old) {
		free(old);
		snprintf(
			e.msg, sizeof(e.msg),
			"That value is not valid. A route for \"%.200s\" already exists; use EDIT.",
			domain);
		return command_error(s, e.msg);
	}
	return ask_hosts(s, domain, NULL);
}

static int ask_existing(struct session *s, const char *question, char *domain, size_t len,
			char **value)
{
	struct err e;

	if (ask_text(s, question, NULL, domain, len, check_route_domain, NULL) < 0)
		return -1;
	if (db_entry_get(s->db, s->user, "route", domain, value, &e) < 0)
		return command_error(s, e.msg);
	if (!*value) {
		snprintf(e.msg, sizeof(e.msg),
			 "That value is not valid. There is no route for \"%.200s\".", domain);
		return command_error(s, e.msg);
	}
	return 0;
}

static int op_edit(struct session *s, void *ctx, int unused)
{
	char domain[INPUT_LINE_MAX], *value = NULL;
	int rc;

	(void)ctx;
	(void)unused;
	if (ask_existing(s, "Enter the domain you wish to edit.", domain, sizeof(domain), &value) <
	    0)
		return -1;
	rc = ask_hosts(s, domain, value);
	free(value);
	return rc;
}

static int op_delete(struct session *s, void *ctx, int unused)
{
	char domain[INPUT_LINE_MAX], *value = NULL;
	struct err e;

	(void)ctx;
	(void)unused;
	if (ask_existing(s, "Enter the domain you wish to delete.", domain, sizeof(domain),
			 &value) < 0)
		return -1;
	free(value);
	if (db_entry_stage(s->db, s->user, "route", domain, NULL, &e) < 0)
		return command_error(s, e.msg);
	return 0;
}

static int op_print(struct session *s, void *ctx, int unused)
{
	struct names n;

	(void)ctx;
	(void)unused;
	if (load(s, &n) < 0)
		return -1;
	printf("\n");
	for (size_t i = 0; i < n.count; i++)
		printf("%s: %s\n", n.name[i], n.value[i]);
	if (n.count == 0)
		printf("There are no routes configured.\n");
	names_free(&n);
	return 0;
}

static int op_clear(struct session *s, void *ctx, int unused)
{
	struct names n;
	struct err e;
	bool yes;
	int rc = 0;

	(void)ctx;
	(void)unused;
	if (ask_yes_no(s, "Do you want to remove all routes?", false, &yes) < 0)
		return -1;
	if (!yes || load(s, &n) < 0)
		return yes ? -1 : 0;
	if (db_tx_begin(s->db, &e) < 0) {
		names_free(&n);
		return command_error(s, e.msg);
	}
	for (size_t i = 0; i < n.count && rc == 0; i++)
		rc = db_entry_stage(s->db, s->user, "route", n.name[i], NULL, &e);
	names_free(&n);
	if (rc < 0 || db_tx_commit(s->db, &e) < 0) {
		db_tx_rollback(s->db);
		return command_error(s, e.msg);
	}
	return 0;
}

static int show_count(struct session *s, void *ctx)
{
	struct names n;

	(void)ctx;
	if (load(s, &n) < 0)
		return -1;
	if (n.count == 0)
		printf("\nThere are no routes configured.\n");
	else
		printf("\nThere are currently %zu routes configured.\n", n.count);
	names_free(&n);
	return 0;
}

static const struct menu_row rows[] = {
	{ "NEW", "Create a new route.", ACCESS_OPERATOR, op_new, 0, NULL, NULL },
	{ "EDIT", "Edit destinations of an existing route.", ACCESS_OPERATOR, op_edit, 0, NULL,
	  NULL },
	{ "DELETE", "Remove a route.", ACCESS_OPERATOR, op_delete, 0, NULL, NULL },
	{ "PRINT", "Display all routes.", ACCESS_GUEST, op_print, 0, NULL, NULL },
	{ "CLEAR", "Remove all routes.", ACCESS_OPERATOR, op_clear, 0, NULL, NULL },
};
const struct menu smtproutes_menu = {
	"smtproutes", MENU_ROWS(rows), show_count, NULL, true, false
};
MENU_REGISTER(smtproutes_menu)

int cmd_smtproutes(struct session *s, int argc, char **argv)
{
	(void)argc;
	(void)argv;
	return menu_run(s, &smtproutes_menu, NULL);
}
