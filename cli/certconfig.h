/* certconfig: what the certconfig files (cmd_certconfig.c: the menus, IMPORT,
 * EXPORT, PASTE, DELETE, PRINT; cmd_certnew.c: NEW and EDIT;
 * cmd_certauthority.c: CERTAUTHORITY) and the assignment commands
 * (cmd_certassign.c) share: the profiles in a user's view and their
 * questions (certconfig_profiles.c). Profiles are entries "cert.NAME"
 * (tls/cert_profile.h). */
#ifndef TLSGATE_CLI_CERTCONFIG_H
#define TLSGATE_CLI_CERTCONFIG_H

#include <stdbool.h>

#include "../core/config.h"
#include "../tls/cert_profile.h"
#include "menu.h"
#include "session.h"

struct profile_list {
	char (*names)[CONFIG_PROFILE_MAX + 1];
	int count;
};

/* The profiles `s->user` sees (committed plus their staged edits), by name. */
int profiles_load(struct session *s, struct profile_list *l);
void profiles_free(struct profile_list *l);
int profiles_find(const struct profile_list *l, const char *name); /* index or -1 */

/* "QUESTION" and a "1. NAME" pick-list; `def` a name to offer (or NULL). */
int ask_profile(struct session *s, const char *question, const struct profile_list *l,
		const char *def, char *out);
/* The bare name question of IMPORT/PASTE/NEW, with the overwrite question
 * when it exists. *go is false when the admin declined to overwrite. */
int ask_new_profile_name(struct session *s, char *name, bool *go);
/* A profile of the user's view. -1 (said) when it cannot be read. */
int profile_read(struct session *s, const char *name, struct cert_profile *p);
/* Stages `p` as profile `name` and prints a one-line summary. */
int profile_stage(struct session *s, const char *name, const struct cert_profile *p,
		  const char *what);
/* The certificates pasted into a PEM text, each checked (as a check fn arg). */
int check_pasted_certificate(char *answer, void *arg, struct err *e);

/* The services (effective configuration) and the listeners of the user's
 * view that use `name`, as "GUI HTTPS (interfaceconfig)", "listener Mail
 * (listenerconfig EDIT Mail CERTIFICATE)" joined by ", "; "" when none. */
void profile_users(struct session *s, const struct config *c, const char *name, char *buf,
		   size_t len);

/* The "add an intermediate certificate?" loop (PASTE, EDIT): appends to p->chain. */
int paste_intermediates(struct session *s, struct cert_profile *p);

/* certconfig's operations in the other files (menu_fn: ctx unused). */
int certnew_run(struct session *s, void *ctx, int unused);
int certedit_run(struct session *s, void *ctx, int unused);
int certauthority_run(struct session *s, void *ctx, int unused);
/* The menus those open. */
extern const struct menu certedit_menu, certauthority_menu;

#endif
