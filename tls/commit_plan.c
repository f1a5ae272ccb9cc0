/* commit_plan: authorize -> prepare -> check -> write -> notify. */
#include "commit_plan.h"

#include <errno.h>
#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "../cluster/store.h"
#include "../db/roles.h"
#include "../os/audit.h"
#include "../os/net.h"
#include "inbound.h"
#include "precheck.h"
#include "usage_predict.h"

#define APPLY_TIMEOUT_MS 10000

struct needed {
	enum role role;
	const char *key; /* the first key that needs it */
	char first[128];
	struct db *db;
	const char *user;
	bool any; /* anything staged at all */
};

/* A user's own entry with the committed role kept is a password change
 * (passwd): anyone listed may make it. */
static bool own_password(struct needed *n, const char *key, const char *value)
{
	char *committed = NULL;
	struct err e;
	bool own;

	if (!value || strncmp(key, "user.", 5) != 0 || strcmp(key + 5, n->user) != 0)
		return false;
	if (db_entry_get(n->db, NULL, "user", n->user, &committed, &e) < 0 || !committed)
		return false;
	own = role_from_value(committed) == role_from_value(value) &&
	      strncmp(value, "role=", 5) == 0 && strcspn(value, ";") == strcspn(committed, ";");
	free(committed);
	return own;
}

static int note_needed(const char *key, const char *value, void *arg)
{
	struct needed *n = arg;
	enum role r = own_password(n, key, value) ? ROLE_GUEST : role_needed_for_key(key);

	n->any = true;
	if (r > n->role) {
		n->role = r;
		snprintf(n->first, sizeof(n->first), "%s", key);
	}
	return 0;
}

static int refuse(const char *home, const struct commit_actor *who, enum role have, const char *why,
		  struct err *e)
{
	audit_event(home, "Warning", "access denied: user %s role %s commit (%s)", who->user,
		    role_info_of(have)->name, why);
	return err_set(e, "%s", why);
}

int commit_authorize(struct db *db, const char *home, const struct commit_actor *who, struct err *e)
{
	struct needed n = { ROLE_GUEST, NULL, "", db, who->user, false };
	long users, admins, users_now, admins_now;
	enum role have;

	if (roles_login(db, who->user, who->is_root, &have, e) < 0)
		return -1;
	if (db_staged_rows(db, who->user, note_needed, &n, e) < 0)
		return -1;
	if (!role_allows(have, ROLE_OPERATOR) && (n.role > ROLE_GUEST || !n.any))
		return refuse(home, who, have,
			      "You are not in the correct access group to commit changes.", e);
	if (!role_allows(have, n.role)) {
		char why[256];
		snprintf(why, sizeof(why),
			 "Changing user accounts needs the %s role, and %.64s is %s now; use "
			 "\"clear\" to discard these changes.",
			 role_info_of(n.role)->name, who->user, role_info_of(have)->name);
		return refuse(home, who, have, why, e);
	}
	/* An empty users list makes every member of the console group admin;
	 * a list without an admin leaves nobody to manage it. */
	if (roles_count(db, NULL, &users, &admins, e) < 0 ||
	    roles_count(db, who->user, &users_now, &admins_now, e) < 0)
		return -1;
	if (users > 0 && (users_now == 0 || admins_now == 0))
		return refuse(home, who, have,
			      users_now == 0 ? "This would remove every user account, and then "
					       "anyone in the console group would be an "
					       "administrator."
					     : "This would leave no user with the admin role.",
			      e);
	return 0;
}

static int digest_row(const char *key, const char *value, void *arg)
{
	EVP_MD_CTX *md = arg;

	EVP_DigestUpdate(md, key, strlen(key) + 1);
	if (value)
		EVP_DigestUpdate(md, value, strlen(value) + 1);
	else
		EVP_DigestUpdate(md, "\1", 1);
	return 0;
}

/* Identifies the staged edits, so the write can tell whether what it is
 * about to commit is still what was prepared. */
static int staged_digest(struct db *db, const char *user, unsigned char out[SHA256_DIGEST_LENGTH],
			 struct err *e)
{
	EVP_MD_CTX *md = EVP_MD_CTX_new();
	int rc;

	if (!md || EVP_DigestInit_ex(md, EVP_sha256(), NULL) != 1) {
		EVP_MD_CTX_free(md);
		return err_set(e, "Out of memory.");
	}
	rc = db_staged_rows(db, user, digest_row, md, e);
	EVP_DigestFinal_ex(md, out, NULL);
	EVP_MD_CTX_free(md);
	return rc;
}

/* The base (latest committed) and the next configuration, built. */
static int build(struct commit_plan *p, struct err *e)
{
	struct plan_source mine = { p->who.user, 0 }, base;

	prepare_free(&p->next);
	if (db_latest_version(p->db, &p->base, e) < 0 ||
	    db_load_config(p->db, p->base, &p->base_config, e) < 0)
		return -1;
	if (db_view(p->db))
		p->base_config = *db_view(p->db); /* the cluster level the edits are of */
	base = (struct plan_source){ NULL, p->base };
	if (prepare_fingerprints(p->db, &base, &p->base_config, p->base_fp, e) < 0 ||
	    staged_digest(p->db, p->who.user, p->staged_digest, e) < 0 ||
	    prepare_build(p->db, &mine, &p->next, e) < 0)
		return -1;
	p->builds++;
	p->changed = precheck_changed_services(&p->base_config, p->base_fp, &p->next);
	return 0;
}

int commit_plan_preview(struct commit_plan *p, struct db *db, const char *home,
			const struct commit_actor *who, struct err *e)
{
	memset(p, 0, sizeof(*p));
	p->db = db;
	p->home = home;
	p->who = *who;
	return build(p, e);
}

int commit_plan_prepare(struct commit_plan *p, struct db *db, const char *home,
			const struct commit_actor *who, struct err *e)
{
	if (commit_authorize(db, home, who, e) < 0) {
		memset(p, 0, sizeof(*p));
		return -1;
	}
	return commit_plan_preview(p, db, home, who, e);
}

/* A listener on an address no committed listener has: can it listen
 * there? Another process holding it makes tlsgated keep the configuration
 * it runs (daemon/smtp_listen.c); say so before the write. EACCES (a
 * console without the daemon's privilege for ports under 1024) is not
 * tlsgated's problem, and an address of another machine may be a cluster
 * member's: both are left to the daemon. */
static int probe_listeners(const struct commit_plan *p, struct strbuf *warnings)
{
	struct plan_source base = { NULL, p->base };
	struct listener *ls = NULL;
	size_t n = 0;
	struct err e;
	int warned = 0;

	if (!p->next.inbound || (p->base > 0 && inbound_listeners(p->db, &base, &ls, &n, &e) < 0))
		return 0;
	for (size_t i = 0; i < p->next.inbound->count; i++) {
		const struct listener *l = &p->next.inbound->l[i].l;
		bool known = !l->address[0];
		for (size_t k = 0; k < n && !known; k++)
			known = strcmp(ls[k].address, l->address) == 0;
		if (known || net_probe_bind(l->address) != EADDRINUSE)
			continue;
		strbuf_printf(warnings,
			      "Warning: Listener %s: %s is in use by another program on this "
			      "machine; tlsgated will not apply this configuration (it keeps "
			      "serving the one it runs) until the address is free.\n",
			      l->name, l->address);
		warned++;
	}
	free(ls);
	return warned;
}

int commit_plan_check(const struct commit_plan *p, bool all_services, struct strbuf *table,
		      struct strbuf *warnings)
{
	unsigned services = all_services ? ~0u : p->changed;

	return precheck_report(&p->next, services, table, warnings) +
	       usage_predict(p->db, &p->base_config, &p->next, services, time(NULL), warnings) +
	       probe_listeners(p, warnings);
}

struct write_ctx {
	struct commit_plan *p;
	struct strbuf *entries;
};

/* Runs inside the write transaction (db_commit_confirmed's validate step). */
static int authorize_and_check(const struct config *c, void *arg, struct err *e)
{
	struct write_ctx *w = arg;
	struct commit_plan *p = w->p;
	unsigned char digest[SHA256_DIGEST_LENGTH];
	long latest;

	(void)c;
	if (commit_authorize(p->db, p->home, &p->who, e) < 0 ||
	    db_latest_version(p->db, &latest, e) < 0 ||
	    staged_digest(p->db, p->who.user, digest, e) < 0)
		return -1;
	/* Another commit landed or the edits changed since prepare: what is
	 * written must be what was built and checked. */
	if (latest != p->base || memcmp(digest, p->staged_digest, sizeof(digest)) != 0) {
		struct strbuf table, warnings;
		int n;

		if (build(p, e) < 0)
			return -1;
		strbuf_init(&table);
		strbuf_init(&warnings);
		n = commit_plan_check(p, false, &table, &warnings);
		strbuf_free(&table);
		strbuf_free(&warnings);
		if (n > 0 && p->strict)
			return err_set(e, "--strict refuses a configuration with warnings.");
	}
	audit_entries_staged(p->db, p->who.user, w->entries);
	return 0;
}

int commit_plan_write(struct commit_plan *p, const struct commit_request *r, long *version,
		      struct err *e)
{
	struct strbuf entries;
	struct write_ctx w = { p, &entries };
	struct config before;
	struct committed_store store;
	char level[80];
	int rc;

	/* The committed store: SQLite alone, or etcd then SQLite (cluster/store.h). */
	if (committed_store_open(p->home, &store, e) < 0)
		return -1;
	if (store.cluster && r->confirm_seconds > 0)
		return err_set(e, "\"commit confirmed\" is refused in a cluster: a revert "
				  "timer on one machine cannot take back what every machine "
				  "enforces. Nothing was committed; use \"commit\".");
	if (r->level)
		store.level = *r->level;
	store.user = p->who.user;
	strbuf_init(&entries);
	committed_store_arm(&store, p->db);
	rc = db_commit_confirmed(p->db, p->who.user, r->comment, r->save_for_rollback,
				 authorize_and_check, &w, r->confirm_seconds, version, e);
	committed_store_disarm(&store, p->db);
	before = p->base_config; /* a console in a cluster: its level's view */
	if (store.cluster)
		snprintf(level, sizeof(level), "%s%s%.64s", level_word(store.level.level),
			 store.level.level == LEVEL_CLUSTER ? "" : " ",
			 store.level.level == LEVEL_CLUSTER ? "" : store.level.name);
	if (rc == 0)
		audit_commit_at(p->home, p->who.user, r->what, *version,
				store.cluster ? level : NULL, r->comment, &before, &p->next.config,
				entries.data);
	strbuf_free(&entries);
	return rc;
}

enum apply_result commit_plan_notify(const struct commit_plan *p, long version, char *why,
				     size_t len)
{
	return control_apply(p->home, version, APPLY_TIMEOUT_MS, why, len);
}

void commit_plan_free(struct commit_plan *p)
{
	prepare_free(&p->next);
}
