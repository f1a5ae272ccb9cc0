/* inbound: the inbound policy model of one configuration — every listener
 * with its SSL_CTX (its own certificate, the inbound methods and ciphers,
 * and the trusted CAs when a policy verifies client certificates), its host
 * access table and its recipient access table, compiled for lookups. Built
 * by prepare_build() for the console's check and the daemon's apply alike;
 * the daemon's sessions hold a reference to the model they started under. */
#ifndef TLSGATE_INBOUND_H
#define TLSGATE_INBOUND_H

#include <openssl/ssl.h>

#include "../core/hat.h"
#include "../core/listener.h"
#include "../core/rat.h"
#include "prepare.h"

struct inbound_listener {
	struct listener l;
	struct hat hat;
	struct hat_match hm;
	struct rat rat;
	struct rat_match rm;
	SSL_CTX *ctx;
	char certificate[CONFIG_PROFILE_MAX + 1]; /* the profile ctx serves */
	bool verify;                              /* some policy verifies clients */
	bool names;                               /* some pattern needs reverse DNS */
};

struct inbound {
	int refs; /* atomic: sessions on every worker hold one */
	size_t count;
	struct inbound_listener *l;
	struct listener_setup setup; /* listenerconfig SETUP */
};

/* ---- reading the listeners of a source (the console's menus use these) ---- */

/* The listeners of `src` in name order; InboundMail alone when none is stored. */
int inbound_listeners(struct db *db, const struct plan_source *src, struct listener **out,
		      size_t *count, struct err *e);
/* A listener's tables: the stored ones, else the defaults of its kind. */
int inbound_tables(struct db *db, const struct plan_source *src, const struct listener *l,
		   struct hat *hat, struct rat *rat, struct err *e);
/* listenerconfig SETUP's settings (all 0 when never stored). */
int inbound_setup(struct db *db, const struct plan_source *src, struct listener_setup *out,
		  struct err *e);
/* The tables a listener has before any edit (see docs/CLI.md). */
void inbound_default_tables(const struct listener *l, bool stored, struct hat *hat,
			    struct rat *rat);

/* ---- the model ---- */

int inbound_build(struct db *db, const struct plan_source *src, const struct config *c,
		  struct inbound **out, struct err *e);
struct inbound *inbound_ref(struct inbound *in);
void inbound_unref(struct inbound *in);

#endif
