/* doc_txn: the cluster's document (levels.h) in etcd. Every change to it —
 * a commit at any level, a group operation, a join, CLUSTERSET — is one etcd
 * transaction: "/tlsgate/version is still BASE" -> put the next version and
 * the edited document (and any extra keys), so nothing lands twice or half. */
#ifndef TLSGATE_DOC_TXN_H
#define TLSGATE_DOC_TXN_H

#include <jansson.h>

#include "../db/db.h"
#include "cluster.h"
#include "levels.h"

#define DOC_EXTRA_MAX 4

/* The document and the version it was read at. */
int cluster_doc_fetch(const struct cluster_conf *c, json_t **doc, long *version, struct err *e);
/* The same, and the mod_revision of /tlsgate/version (a commit's compare). */
int cluster_doc_fetch_rev(const struct cluster_conf *c, json_t **doc, long *version,
			  long *version_rev, struct err *e);

typedef int (*doc_edit_fn)(json_t *doc, void *arg, struct err *e);
struct doc_change {
	const char *user, *comment;
	long at_least;    /* the new version is above max(base, at_least) */
	doc_edit_fn edit; /* -1 refuses: nothing is written */
	void *arg;
	const char *const *extra_keys; /* put beside it (value NULL: delete) */
	const char *const *extra_values;
	int extra_count;
};
/* Reads, edits and writes back in one transaction; *out (if given) is the
 * document written, *version its number. A concurrent change: -1, nothing
 * written, the message says so. */
int cluster_doc_update(const struct cluster_conf *c, const struct doc_change *ch, json_t **out,
		       long *version, struct err *e);

/* Writes this machine's effective configuration of `doc` into `db`. */
int cluster_doc_import_self(struct db *db, const struct cluster_conf *c, json_t *doc, long *version,
			    int *written, struct err *e);
/* Keeps HOME/cluster.conf's cluster name and group as the document says. */
int cluster_conf_sync(const char *home, struct cluster_conf *c, json_t *doc);

#endif
