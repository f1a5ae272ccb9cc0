/* menu: the one operation-menu loop (printing, asking, the role check,
 * dispatch, re-asking after a failed operation) and the menu registry. */
#include "menu.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "input.h"
#include "prompt.h"
#include "roles.h"

#define MENU_REGISTRY_MAX 64
#define MENU_ROWS_MAX     31 /* more than any AsyncOS menu; the rest is never offered */

static const struct menu *registry[MENU_REGISTRY_MAX];
static size_t registered;

void menu_register(const struct menu *m)
{
	if (registered < MENU_REGISTRY_MAX)
		registry[registered++] = m;
}

const struct menu *const *menu_registered(size_t *count)
{
	*count = registered;
	return registry;
}

enum role access_role(enum access a)
{
	switch (a) {
	case ACCESS_GUEST: return ROLE_GUEST;
	case ACCESS_OPERATOR: return ROLE_OPERATOR;
	case ACCESS_ADMIN:
	case ACCESS_UNSET: break;
	}
	return ROLE_ADMIN; /* a row that says nothing is for admins only */
}

/* The rows offered now, at most MENU_ROWS_MAX; returns how many. */
static size_t offered_rows(const struct menu *m, void *ctx, const struct menu_row **rows,
			   const char **names)
{
	size_t n = 0;

	for (size_t i = 0; i < m->count && n < MENU_ROWS_MAX; i++) {
		const struct menu_row *r = &m->rows[i];
		if (r->offered && !r->offered(ctx, r->arg))
			continue;
		rows[n] = r;
		names[n++] = r->name;
	}
	names[n] = NULL;
	return n;
}

/* The role check of an operation, logged as "COMMAND OPERATION". */
static bool row_allowed(struct session *s, const struct menu_row *r)
{
	char what[128];

	snprintf(what, sizeof(what), "%s %s", s->command ? s->command : "", r->name);
	return role_check(s, access_role(r->access), what);
}

/* One "Choose the operation" round. 0 with *chosen (NULL: leave the menu),
 * 1 ask again, -1 stop. */
static int ask_row(struct session *s, const struct menu *m, void *ctx,
		   const struct menu_row **chosen)
{
	const struct menu_row *rows[MENU_ROWS_MAX];
	const char *names[MENU_ROWS_MAX + 1];
	char answer[INPUT_LINE_MAX], msg[INPUT_LINE_MAX + 64];
	size_t n = offered_rows(m, ctx, rows, names);
	int rc;

	printf("\nChoose the operation you want to perform:\n");
	for (size_t i = 0; i < n; i++)
		printf("- %s - %s\n", rows[i]->name, rows[i]->help);
	rc = ask_operation(s, names, answer, sizeof(answer));
	if (rc < 0 && s->abort == ABORT_EOF && m->top) {
		s->abort = ABORT_NONE;
		*chosen = NULL;
		return 0;
	}
	if (rc != 0)
		return rc;
	*chosen = NULL;
	if (answer[0] == '\0')
		return 0;
	for (size_t i = 0; i < n; i++) {
		if (strcasecmp(answer, rows[i]->name) != 0)
			continue;
		if (row_allowed(s, rows[i])) {
			*chosen = rows[i];
			return 0;
		}
		if (s->interactive) /* refused and logged by row_allowed */
			return 1;
		s->abort = ABORT_ERROR;
		return -1;
	}
	snprintf(msg, sizeof(msg),
		 "Unknown option \"%.60s\". Enter one of the operations listed, or press Enter to "
		 "go back.",
		 answer);
	return say_invalid(s, msg);
}

/* Runs one operation. On a terminal a refused answer inside it (an unknown
 * domain, a profile in use) takes back what it staged and returns 1: the
 * menu is asked again, so answers typed ahead are not run as commands. */
static int run_row(struct session *s, const struct menu *m, const struct menu_row *r, void *ctx)
{
	struct staged_snapshot *before = NULL;
	struct err e;
	int rc;

	if (s->interactive && db_staged_save(s->db, s->user, &before, &e) < 0) {
		say_error(e.msg);
		s->abort = ABORT_ERROR;
		return -1;
	}
	s->abort = ABORT_NONE;
	rc = r->run(s, ctx, r->arg);
	if (rc == 0 && m->after)
		rc = m->after(s, ctx);
	if (rc < 0 && s->interactive && s->abort == ABORT_ERROR) {
		db_staged_restore(s->db, s->user, before, &e);
		s->abort = ABORT_NONE;
		rc = 1;
	}
	db_staged_snapshot_free(before);
	return rc;
}

int menu_run(struct session *s, const struct menu *m, void *ctx)
{
	for (;;) {
		const struct menu_row *chosen;
		int rc;

		if (m->show && m->show(s, ctx) < 0)
			return -1;
		do
			rc = ask_row(s, m, ctx, &chosen);
		while (rc > 0);
		if (rc < 0)
			return -1;
		if (!chosen)
			return 0;
		rc = run_row(s, m, chosen, ctx);
		if (rc < 0)
			return -1;
		if (rc == 0 && m->once)
			return 0;
	}
}
