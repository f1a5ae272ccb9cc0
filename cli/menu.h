/* menu: AsyncOS operation menus as data. A row holds an operation's name,
 * its help as the menu prints it, the least role allowed, its handler and the
 * argument the handler takes; menu_run() owns printing, asking, the role
 * check, dispatch and the loop until Enter. Every menu registers itself
 * (MENU_REGISTER), so tests/unit/test_menus.c can walk them all. */
#ifndef TLSGATE_MENU_H
#define TLSGATE_MENU_H

#include <stdbool.h>
#include <stddef.h>

#include "session.h"

/* The least role a menu row or a command needs. Zero is "not said": the
 * menu test refuses such a row, and menu_run treats it as admin-only. */
enum access { ACCESS_UNSET = 0, ACCESS_GUEST, ACCESS_OPERATOR, ACCESS_ADMIN };

enum role access_role(enum access a);

struct menu;

/* An operation. `ctx` is what the menu was run with, `arg` the row's own
 * argument. 0 done; -1 stopped (s->abort says why). */
typedef int (*menu_fn)(struct session *s, void *ctx, int arg);

struct menu_row {
	const char *name;         /* "INBOUND", matched case-insensitively */
	const char *help;         /* "Edit Inbound SMTP ssl settings.", as printed */
	enum access access;       /* the least role allowed to choose it */
	menu_fn run;              /* the operation */
	int arg;                  /* given to run: which service, which flag */
	const struct menu *opens; /* the menu this operation leads to, if any */
	/* NULL: always offered. Otherwise offered while it returns true (the
	 * ENABLE/DISABLE pair of a setting: only one of them is offered). */
	bool (*offered)(const void *ctx, int arg);
};

struct menu {
	const char *name; /* "certconfig CERTIFICATE": for tests and messages */
	const struct menu_row *rows;
	size_t count;
	/* Before each "Choose the operation" (the settings block, a listing):
	 * may fill ctx. -1 stops the command. NULL: nothing. */
	int (*show)(struct session *s, void *ctx);
	/* After each operation that succeeded (stage what it edited). -1 stops. */
	int (*after)(struct session *s, void *ctx);
	bool top;  /* a command's top menu: end of input leaves, like Enter */
	bool once; /* leave after one operation (a one-question sub-dialog) */
};

#define MENU_ROWS(rows) (rows), (sizeof(rows) / sizeof((rows)[0]))

/* Runs the menu until Enter (or after one operation with `once`). An
 * operation the session's role does not allow is refused and logged. An
 * operation that fails on a terminal (an unknown domain, a profile in use)
 * takes back what it staged and the menu is asked again; in batch mode it
 * stops the command (the batch is all or nothing). 0 left; -1 stopped. */
int menu_run(struct session *s, const struct menu *m, void *ctx);

/* The registry: every menu that MENU_REGISTER named, in no set order. */
void menu_register(const struct menu *m);
const struct menu *const *menu_registered(size_t *count);

#define MENU_REGISTER(m)                                                 \
	__attribute__((constructor)) static void menu_register_##m(void) \
	{                                                                \
		menu_register(&(m));                                     \
	}

#endif
