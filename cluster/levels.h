/* levels: a cluster's configuration at three levels, cluster -> group ->
 * machine (spec part 2, §2). The cluster's document in etcd
 * (/tlsgate/config) is one JSON object:
 *
 *   {"version":N,"user":U,"time":T,"comment":C,"name":CLUSTER,
 *    "rows":{KEY:VALUE,...},                 the cluster level: every row
 *    "groups":{GROUP:{KEY:VALUE|null,...}},  group-level overrides
 *    "machines":{MACHINE:{KEY:VALUE|null}},  machine-level overrides
 *    "assign":{MACHINE:GROUP}}               which group each machine is in
 *
 * A member's effective configuration is the cluster's rows, overridden by
 * its group's, overridden by its own (null: the entry is absent there). Each
 * member's local SQLite holds its effective configuration under the
 * cluster's version numbers. Pure: no I/O (cluster/doc_txn.c talks to etcd). */
#ifndef TLSGATE_LEVELS_H
#define TLSGATE_LEVELS_H

#include <jansson.h>

#include "../core/err.h"

#define DEFAULT_GROUP "Main_Group"

enum cluster_level { LEVEL_CLUSTER = 0, LEVEL_GROUP = 1, LEVEL_MACHINE = 2 };

struct level_ref {
	enum cluster_level level;
	char name[64]; /* the group or machine (empty at cluster level) */
};

const char *level_word(enum cluster_level l);  /* "cluster" */
const char *level_title(enum cluster_level l); /* "Cluster" (the prompt) */

/* Where a command's settings may be configured. */
enum area_scope { SCOPE_ANY, SCOPE_CLUSTER, SCOPE_MACHINE };
/* The command that edits a stored key ("inbound.methods" -> "sslconfig"). */
const char *key_area(const char *key);
/* Users are cluster-wide; the hostname and the GUI's interface are set per
 * machine; everything else at any level. */
enum area_scope area_scope(const char *area);

/* Parses a document; a first-slice document (rows only) gains empty
 * groups/machines/assign and the default group. NULL with e set. */
json_t *doc_parse(const char *json, struct err *e);
/* MACHINE's group in the document, else `fallback`. */
const char *doc_group_of(json_t *doc, const char *machine, const char *fallback);
/* MACHINE's effective rows (a new object). */
json_t *doc_effective_rows(json_t *doc, const char *machine, const char *fallback_group);
/* The configuration a level has (what a console configuring it shows): the
 * cluster's rows, under the group's overrides (group level), under the
 * machine's group's and its own (machine level). NULL when out of memory. */
json_t *doc_level_rows(json_t *doc, const struct level_ref *lv);
/* MACHINE's effective configuration as a plain snapshot (store.h), malloc'd. */
int doc_effective_snapshot(json_t *doc, const char *machine, const char *fallback_group, char **out,
			   struct err *e);

/* Writes the rows a commit changed (base -> next: both whole row sets) into
 * level `lv`. Refuses user accounts below the cluster level and per-machine
 * settings above the machine level, naming the setting. */
int doc_apply_diff(json_t *doc, const struct level_ref *lv, json_t *base, json_t *next,
		   struct err *e);

/* The lowest level at which AREA's settings are overridden for MACHINE. */
enum cluster_level doc_area_level(json_t *doc, const char *area, const char *machine,
				  const char *fallback_group);
/* For CLUSTERSHOW: fn per group and machine overriding AREA, with the count. */
typedef void (*doc_override_fn)(enum cluster_level l, const char *name, int count, void *arg);
void doc_area_overrides(json_t *doc, const char *area, doc_override_fn fn, void *arg);
/* CLUSTERSET: AREA's settings at level `to` for every group or machine (a
 * copy of what each one has in effect now), or only the cluster's. */
int doc_clusterset(json_t *doc, const char *area, enum cluster_level to, struct err *e);

/* A machine's own settings, kept when it creates or joins a cluster: the
 * per-machine rows (hostname, the GUI's certificate) and the certificate
 * profile the GUI uses. A new object. */
json_t *rows_machine_own(json_t *rows);
/* Drops from `own` what the cluster's `rows` already hold as is (the Demo
 * profile every machine has): only what is the machine's own stays. */
void own_drop_shared(json_t *own, json_t *rows);

#endif
