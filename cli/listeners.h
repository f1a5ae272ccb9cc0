/* listeners: what listenerconfig's files share (cmd_listenerconfig.c: the
 * listeners; cmd_hostaccess.c: HOSTACCESS; cmd_rcptaccess.c: RCPTACCESS) —
 * the listener being edited with its tables, as the user sees them (committed
 * plus their staged edits), and how edits are staged: entries
 * "listener.NAME", "hat.NAME", "rat.NAME" (tls/inbound.h reads them). */
#ifndef TLSGATE_CLI_LISTENERS_H
#define TLSGATE_CLI_LISTENERS_H

#include "../core/hat.h"
#include "../core/listener.h"
#include "../core/rat.h"
#include "menu.h"
#include "session.h"

struct listener_view {
	struct listener l;
	struct hat hat;
	struct rat rat;
};

/* The listeners of the user's view (InboundMail when none is stored). */
int listeners_load(struct session *s, struct listener **out, size_t *n);
/* Loads v->hat and v->rat for v->l. */
int listener_tables_load(struct session *s, struct listener_view *v);
void listener_view_free(struct listener_view *v);
/* Stage an entry (value NULL: delete). The first edit of an appliance
 * whose listener was never stored stores InboundMail first. */
int listener_stage(struct session *s, const char *kind, const char *name, const char *value);
int listener_stage_hat(struct session *s, const struct listener_view *v);
int listener_stage_rat(struct session *s, const struct listener_view *v);
/* Stages "listener.NAME" with the fields of `l`. */
int listener_stage_entry(struct session *s, const struct listener *l);

/* A whole number from min to max, `def` offered. */
int listener_ask_long(struct session *s, const char *question, long def, long min, long max,
		      long *out);
/* A number or name from "1. NAME" lists; the index or -1 (said). */
int ask_listener(struct session *s, const char *question, struct listener *ls, size_t n);
/* The text of configuration/NAME for IMPORT (malloc'd, NUL-terminated). */
int listener_import_text(struct session *s, char **text);
int listener_export_text(struct session *s, const struct strbuf *text);
/* Writes configuration/NAME (the name already checked) and says where. */
int listener_write_export(struct session *s, const char *name, const struct strbuf *text);

/* cmd_listenerlimits.c: EDIT → LIMITS and SETUP. */
void listener_print_limits(const struct listener *l);
int listener_edit_limits(struct session *s, void *ctx, int unused);
int listener_setup_run(struct session *s, void *ctx, int unused);

/* cmd_hostaccess.c, cmd_hostaccess_group.c */
int hostaccess_ask_named(struct session *s, const struct hat *h, bool policy, const char *question,
			 int def);
int hostaccess_new_group(struct session *s, struct listener_view *v);
int hostaccess_edit_group(struct session *s, struct listener_view *v);
int hostaccess_run(struct session *s, void *ctx, int unused);
int rcptaccess_run(struct session *s, void *ctx, int unused);
extern const struct menu hostaccess_menu, hostaccess_group_menu, rcptaccess_menu;

#endif
