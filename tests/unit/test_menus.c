/* test_menus: walks the command table and every menu reachable from it, and
 * fails on a row without handler, help or role; every menu that registered
 * itself must be reachable from a command, and every reachable menu must be
 * registered (so a menu opened by hand, outside the data, is caught). */
#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "../../cli/commands.h"
#include "../../cli/menu.h"
#include "tap.h"

#define SEEN_MAX 128

struct walk {
	const struct menu *seen[SEEN_MAX];
	size_t count;
};

static bool seen(const struct walk *w, const struct menu *m)
{
	for (size_t i = 0; i < w->count; i++)
		if (w->seen[i] == m)
			return true;
	return false;
}

static bool is_operation_name(const char *name)
{
	if (!name || !name[0])
		return false;
	for (const char *c = name; *c; c++)
		if (!isupper((unsigned char)*c) && !isdigit((unsigned char)*c) && *c != '_')
			return false;
	return true;
}

static bool valid_access(enum access a)
{
	return a == ACCESS_GUEST || a == ACCESS_OPERATOR || a == ACCESS_ADMIN;
}

/* The problems of one row, as a count (0: none); each one is said. */
static int row_problems(const struct menu *m, const struct menu_row *r, bool say)
{
	int n = 0;

#define PROBLEM(cond, what)                                                                       \
	do {                                                                                      \
		if (cond) {                                                                       \
			n++;                                                                      \
			if (say)                                                                  \
				printf("# %s %s: %s\n", m->name, r->name ? r->name : "(no name)", \
				       what);                                                     \
		}                                                                                 \
	} while (0)
	PROBLEM(!is_operation_name(r->name), "the name is not an upper-case operation name");
	PROBLEM(!r->help || !r->help[0], "no help");
	PROBLEM(!r->run, "no handler");
	PROBLEM(!valid_access(r->access), "no role");
	for (const struct menu_row *o = m->rows; o < r; o++)
		PROBLEM(o->name && r->name && strcasecmp(o->name, r->name) == 0 && !o->offered &&
				!r->offered,
			"the name is used twice");
#undef PROBLEM
	return n;
}

static int menu_problems(const struct menu *m, bool say)
{
	int n = 0;

	if (!m->name || !m->name[0] || !m->rows || m->count == 0) {
		if (say)
			printf("# a menu without name or rows\n");
		n++;
	}
	for (size_t i = 0; m->rows && i < m->count; i++)
		n += row_problems(m, &m->rows[i], say);
	return n;
}

static void walk_menu(struct walk *w, const struct menu *m, const char *from)
{
	if (seen(w, m))
		return;
	if (w->count == SEEN_MAX) {
		CHECK(0, "at most %d menus", SEEN_MAX);
		return;
	}
	w->seen[w->count++] = m;
	CHECK(menu_problems(m, true) == 0,
	      "menu \"%s\" (from %s): every row has a name, help, a handler and a role", m->name,
	      from);
	for (size_t i = 0; i < m->count; i++)
		if (m->rows[i].opens)
			walk_menu(w, m->rows[i].opens, m->name);
}

static void check_commands(struct walk *w)
{
	size_t n = 0;

	for (const struct command *c = commands; c->name; c++, n++) {
		bool args_ok = c->min_args >= 0 &&
			       (c->max_args == COMMAND_ARGS_ANY || c->max_args >= c->min_args);
		CHECK(c->help && c->help[0] && c->run && valid_access(c->access) && args_ok,
		      "command %s has help, a handler, a role and its arguments", c->name);
		if (c->max_args != 0)
			CHECK(c->usage && c->usage[0], "command %s says its usage", c->name);
		CHECK(command_find(c->name) == c, "command %s is found by its name", c->name);
		if (c->menu) {
			CHECK(c->menu->top, "%s's menu is a top menu (end of input leaves it)",
			      c->name);
			walk_menu(w, c->menu, c->name);
		}
	}
	CHECK(n >= 10, "the command table has its %zu commands", n);
}

/* The checker itself must be able to fail: broken rows are caught. */
static int noop(struct session *s, void *ctx, int arg)
{
	(void)s;
	(void)ctx;
	(void)arg;
	return 0;
}

static void check_the_checker(void)
{
	static const struct menu_row no_handler[] = { { "X", "Help.", ACCESS_GUEST, NULL, 0, NULL,
							NULL } };
	static const struct menu_row no_help[] = { { "X", "", ACCESS_GUEST, noop, 0, NULL, NULL } };
	static const struct menu_row no_role[] = { { .name = "X", .help = "Help.", .run = noop } };
	static const struct menu_row twice[] = {
		{ "X", "Help.", ACCESS_GUEST, noop, 0, NULL, NULL },
		{ "X", "Help.", ACCESS_GUEST, noop, 0, NULL, NULL },
	};
	static const struct menu_row good[] = { { "X_1", "Help.", ACCESS_OPERATOR, noop, 0, NULL,
						  NULL } };
	const struct menu bad1 = { "t1", MENU_ROWS(no_handler), NULL, NULL, false, false };
	const struct menu bad2 = { "t2", MENU_ROWS(no_help), NULL, NULL, false, false };
	const struct menu bad3 = { "t3", MENU_ROWS(no_role), NULL, NULL, false, false };
	const struct menu bad4 = { "t4", MENU_ROWS(twice), NULL, NULL, false, false };
	const struct menu ok = { "t5", MENU_ROWS(good), NULL, NULL, false, false };

	CHECK(menu_problems(&bad1, false) == 1, "the walk catches a row without handler");
	CHECK(menu_problems(&bad2, false) == 1, "the walk catches a row without help");
	CHECK(menu_problems(&bad3, false) == 1, "the walk catches a row without role");
	CHECK(menu_problems(&bad4, false) == 1, "the walk catches a name used twice");
	CHECK(menu_problems(&ok, false) == 0, "a complete row passes");
	CHECK(access_role(ACCESS_UNSET) == ROLE_ADMIN,
	      "a row that says no role is for admins only at run time");
}

int main(void)
{
	struct walk w = { .count = 0 };
	const struct menu *const *reg;
	size_t count;

	check_the_checker();
	check_commands(&w);
	reg = menu_registered(&count);
	CHECK(count >= 15, "%zu menus registered themselves", count);
	for (size_t i = 0; i < count; i++)
		CHECK(seen(&w, reg[i]), "registered menu \"%s\" is reachable from a command",
		      reg[i]->name);
	for (size_t i = 0; i < w.count; i++) {
		bool found = false;
		for (size_t j = 0; j < count; j++)
			found = found || reg[j] == w.seen[i];
		CHECK(found, "reachable menu \"%s\" is registered", w.seen[i]->name);
	}
	return tap_done();
}
