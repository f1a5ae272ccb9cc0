/* commit_plan: the one path every configuration change takes, in phases
 * (FRR's northbound, BIRD): authorize -> prepare -> check -> write -> notify.
 * The console's commit and rollbackconfig use it; the daemon's revert of an
 * unconfirmed commit prepares and applies with the same prepare_build().
 *
 *   authorize  every staged change needs a role (core/role.h); the committer's
 *              role is read from the committed users list, again inside the
 *              write transaction, so a demotion takes effect at once
 *   prepare    every context once, from exactly what would be committed
 *              (tls/prepare.h)
 *   check      warnings read from those same objects (tls/precheck.h)
 *   write      one SQLite transaction; re-prepared if the base or the staged
 *              edits moved since prepare; audited
 *   notify     the daemon's control socket (a fast path: the daemon also
 *              watches the database itself) */
#ifndef TLSGATE_COMMIT_PLAN_H
#define TLSGATE_COMMIT_PLAN_H

#include <stdbool.h>

#include "../core/strbuf.h"
#include "../os/control_client.h"
#include "prepare.h"

struct commit_actor {
	const char *user;
	bool is_root; /* uid 0: always admin */
};

struct commit_plan {
	struct db *db;
	const char *home;
	struct commit_actor who;
	long base; /* the latest committed version when prepared */
	struct config base_config;
	unsigned char base_fp[SVC_COUNT][SHA256_DIGEST_LENGTH];
	unsigned char staged_digest[SHA256_DIGEST_LENGTH];
	struct prepared next; /* what the commit would leave */
	unsigned changed;     /* services whose policy or certificate changes */
	bool strict;          /* refuse a configuration with warnings */
	int builds;           /* how many times `next` was built (measured) */
};

/* What to write. `what` names the action in the audit log ("commit",
 * "rollback"). confirm_seconds > 0: revert unless confirmed (commit
 * confirmed). */
struct level_ref; /* cluster/levels.h */
struct commit_request {
	const char *comment;
	bool save_for_rollback;
	int confirm_seconds;
	const char *what;
	const struct level_ref *level; /* a cluster member: where (NULL: cluster level) */
};

/* Authorize and prepare the actor's staged edits. -1 with e set when the
 * actor may not make them or they cannot run (nothing is built then). */
int commit_plan_prepare(struct commit_plan *p, struct db *db, const char *home,
			const struct commit_actor *who, struct err *e);

/* Prepare without authorizing: what the edits would do, for anyone who may
 * view (commitcheck). Such a plan is never written. */
int commit_plan_preview(struct commit_plan *p, struct db *db, const char *home,
			const struct commit_actor *who, struct err *e);

/* The check: appends the prediction table (all services) and one warning
 * line per problem of the services the commit changes (all of them with
 * `all_services`); returns the number of warnings. */
int commit_plan_check(const struct commit_plan *p, bool all_services, struct strbuf *table,
		      struct strbuf *warnings);

/* Authorize again and write, in one transaction; audited (refusals too).
 * *version is the new version. */
int commit_plan_write(struct commit_plan *p, const struct commit_request *r, long *version,
		      struct err *e);

/* Asks the running daemon to apply `version` and waits for it (bounded). */
enum apply_result commit_plan_notify(const struct commit_plan *p, long version, char *why,
				     size_t len);

void commit_plan_free(struct commit_plan *p);

/* The authorize step alone: may `who` commit `user`'s staged edits now? */
int commit_authorize(struct db *db, const char *home, const struct commit_actor *who,
		     struct err *e);

#endif
