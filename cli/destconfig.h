/* destconfig: what cmd_destconfig.c (the table, its views and files) and
 * cmd_destconfig_dialog.c (the questions) share. */
#ifndef TLSGATE_CLI_DESTCONFIG_H
#define TLSGATE_CLI_DESTCONFIG_H

#include <stdbool.h>

#include "../core/dest.h"
#include "session.h"

/* The questions of NEW, EDIT and DEFAULT for `name`, in the spec's order;
 * the default answers every field, a domain may leave fields inherited. */
int destconfig_policy_dialog(struct session *s, const char *name, bool is_default, bool is_new,
			     struct dest_policy *p);

/* SETUP (a menu operation): the outbound certificate and the alert when a
 * required TLS connection fails, staged as settings. */
int destconfig_setup(struct session *s, void *ctx, int unused);

#endif
