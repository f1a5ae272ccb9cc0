/* test_commit_plan: the commit plan's phases on a real database
 * (tls/commit_plan.c): authorize against the committed role now, prepare and
 * check from exactly what is committed, a profile's content counted as a
 * change, re-prepare when the base moves, rollback staging without users. */
#include <openssl/obj_mac.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../core/entries.h"
#include "../../db/db.h"
#include "../../db/roles.h"
#include "../../tls/cert_profile.h"
#include "../../tls/certs.h"
#include "../../tls/commit_plan.h"
#include "../../tls/precheck.h"
#include "tap.h"

static char home[] = "/tmp/tlsgate-plan.XXXXXX";

static long commit_as(struct db *db, const char *user, struct err *e)
{
	/* "root-ish" stands for uid 0 (always admin) */
	struct commit_actor who = { user, strcmp(user, "root-ish") == 0 };
	struct commit_request r = { "t", true, 0, "commit", NULL };
	struct commit_plan p;
	long v = -1;

	if (commit_plan_prepare(&p, db, home, &who, e) < 0)
		return -1;
	if (commit_plan_write(&p, &r, &v, e) < 0)
		v = -1;
	commit_plan_free(&p);
	return v;
}

static void stage_user(struct db *db, const char *by, const char *name, const char *role)
{
	struct err e;
	db_entry_stage(db, by, "user", name, role, &e);
}

/* A new self-signed profile blob (ECDSA P-256 or RSA-2048) for `cn`. */
static char *profile_blob(int ecdsa, const char *cn)
{
	struct cert_request r = {
		.ecdsa = ecdsa, .rsa_bits = 2048, .ec_curve = NID_X9_62_prime256v1, .days = 30
	};
	struct cert_profile p;
	struct err e;
	char *blob = NULL;

	snprintf(r.cn, sizeof(r.cn), "%s", cn);
	if (cert_profile_new(&r, &p, &e) < 0 || cert_profile_to_blob(&p, &blob, &e) < 0)
		printf("# profile: %s\n", e.msg);
	cert_profile_free(&p);
	return blob;
}

static int count_warnings(const struct commit_plan *p, const char *needle, int *found)
{
	struct strbuf table, w;
	int n;

	strbuf_init(&table);
	strbuf_init(&w);
	n = commit_plan_check(p, false, &table, &w);
	*found = needle && strstr(w.data, needle) != NULL;
	strbuf_free(&table);
	strbuf_free(&w);
	return n;
}

int main(void)
{
	struct commit_actor alice = { "alice", false }, bob = { "bob", false },
			    guest = { "gina", false };
	struct commit_plan p;
	struct config c;
	struct err e;
	char *value = NULL;
	long v, users, admins;
	int found;

	struct db *db;

	if (!mkdtemp(home) || db_open(home, &db, &e) < 0) {
		printf("not ok - cannot open a database\n");
		return 1;
	}
	certs_ensure_demo(db, &e);

	CHECK(role_needed_for_key("user.alice") == ROLE_ADMIN, "a user account needs admin");
	CHECK(role_needed_for_key("gui.methods") == ROLE_OPERATOR, "a setting needs operator");
	CHECK(role_needed_for_key("cert.Demo") == ROLE_OPERATOR, "a profile needs operator");

	/* A new home: nobody listed, everyone is admin; alice adds the team. */
	stage_user(db, "alice", "alice", "role=admin");
	stage_user(db, "alice", "bob", "role=operator");
	stage_user(db, "alice", "gina", "role=guest");
	stage_user(db, "alice", "zed", "role=admin");
	CHECK(commit_as(db, "alice", &e) > 1, "alice (admin of a new home) adds four users");

	/* An operator may stage settings but not users. */
	stage_user(db, "bob", "mallory", "role=admin");
	CHECK(commit_plan_prepare(&p, db, home, &bob, &e) < 0 && strstr(e.msg, "admin role"),
	      "bob (operator) cannot commit a user account: %s", e.msg);
	db_clear_staged(db, "bob", &e);
	CHECK(db_entry_get(db, NULL, "user", "mallory", &value, &e) == 0 && !value,
	      "... nothing was written");

	/* A guest commits nothing at all. */
	db_load_effective(db, "gina", &c, &e);
	struct config seen = c;
	c.svc[SVC_GUI].methods = 1u << TLS_V1_3;
	db_stage_changes(db, "gina", &seen, &c, &e);
	CHECK(commit_plan_prepare(&p, db, home, &guest, &e) < 0,
	      "gina (guest) cannot commit a setting: %s", e.msg);
	CHECK(commit_plan_preview(&p, db, home, &guest, &e) == 0 && p.changed == 1u << SVC_GUI,
	      "... but may see what it would do (commitcheck): %s", e.msg);
	commit_plan_free(&p);
	db_clear_staged(db, "gina", &e);

	/* Demoted after staging: the role now decides, inside the write too. */
	stage_user(db, "alice", "carol", "role=guest");
	CHECK(commit_plan_prepare(&p, db, home, &alice, &e) == 0, "alice prepares adding carol");
	/* root demotes alice through its own session (root is always admin). */
	{
		struct commit_actor root = { "root-ish", true };
		struct commit_request r = { "demote", true, 0, "commit", NULL };
		struct commit_plan q;
		stage_user(db, "root-ish", "alice", "role=operator");
		CHECK(commit_plan_prepare(&q, db, home, &root, &e) == 0 &&
			      commit_plan_write(&q, &r, &v, &e) == 0,
		      "root demotes alice to operator: %s", e.msg);
		commit_plan_free(&q);
	}
	{
		struct commit_request r = { "carol", true, 0, "commit", NULL };
		CHECK(commit_plan_write(&p, &r, &v, &e) < 0 && strstr(e.msg, "operator now"),
		      "alice's prepared user change is refused at write: %s", e.msg);
		commit_plan_free(&p);
	}
	db_clear_staged(db, "alice", &e);
	CHECK(db_entry_get(db, NULL, "user", "carol", &value, &e) == 0 && !value,
	      "... carol was not added");

	/* No user, or no admin, left: refused even for root. */
	{
		struct commit_actor root = { "root-ish", true };
		db_entry_stage(db, "root-ish", "user", "alice", NULL, &e);
		db_entry_stage(db, "root-ish", "user", "bob", NULL, &e);
		db_entry_stage(db, "root-ish", "user", "gina", NULL, &e);
		db_entry_stage(db, "root-ish", "user", "zed", NULL, &e);
		CHECK(commit_plan_prepare(&p, db, home, &root, &e) < 0 &&
			      strstr(e.msg, "every user account"),
		      "emptying the users list is refused: %s", e.msg);
		db_clear_staged(db, "root-ish", &e);
		/* alice is operator now: zed is the last admin. */
		db_entry_stage(db, "root-ish", "user", "zed", NULL, &e);
		CHECK(commit_plan_prepare(&p, db, home, &root, &e) < 0 &&
			      strstr(e.msg, "no user with the admin role"),
		      "removing the last admin is refused: %s", e.msg);
		db_clear_staged(db, "root-ish", &e);
	}

	/* Rollback staging as an operator leaves user accounts alone. */
	CHECK(db_stage_entries_of_version(db, "bob", 1, ROLE_OPERATOR, &e) == 0,
	      "bob stages version 1's entries");
	roles_count(db, "bob", &users, &admins, &e);
	CHECK(users > 0 && admins > 0, "... users are still there in bob's view (%ld, %ld)", users,
	      admins);
	db_clear_staged(db, "bob", &e);

	/* A profile replaced in place counts as a change of its services. */
	char *ec = profile_blob(1, "mail.example.com");
	db_load_effective(db, "bob", &c, &e);
	seen = c;
	snprintf(c.svc[SVC_INBOUND].ciphers, sizeof(c.svc[SVC_INBOUND].ciphers), "%s",
		 "HIGH:!aNULL:!ECDSA");
	c.svc[SVC_INBOUND].methods = 1u << TLS_V1_2;
	db_stage_changes(db, "bob", &seen, &c, &e);
	CHECK(commit_as(db, "bob", &e) > 0, "inbound: TLS v1.2 only, no ECDSA suites: %s", e.msg);
	CHECK(ec && db_entry_stage(db, "bob", "cert", "Demo", ec, &e) == 0,
	      "bob stages an ECDSA Demo in place");
	CHECK(commit_plan_prepare(&p, db, home, &bob, &e) == 0, "... it prepares: %s", e.msg);
	CHECK(p.changed & (1u << SVC_INBOUND), "... inbound counts as changed (content)");
	CHECK(count_warnings(&p, "Inbound SMTP: TLS v1.2 is enabled but no cipher suite", &found) >
			      0 &&
		      found,
	      "... and the check warns that TLS v1.2 has no usable suite");
	CHECK(SSL_CTX_get0_privatekey(p.next.ctx[SVC_INBOUND]) &&
		      EVP_PKEY_is_a(SSL_CTX_get0_privatekey(p.next.ctx[SVC_INBOUND]), "EC"),
	      "... from the context it will really run with (an EC key)");
	CHECK(p.builds == 1, "prepared once");

	/* The base moves before the write: re-prepared, and what is written is
	 * built from what is committed. */
	{
		struct commit_request r = { "ecdsa", true, 0, "commit", NULL };
		db_load_effective(db, "alice", &c, &e);
		seen = c;
		c.svc[SVC_GUI].methods = (1u << TLS_V1_2) | (1u << TLS_V1_3);
		db_stage_changes(db, "alice", &seen, &c, &e);
		CHECK(commit_as(db, "alice", &e) > 0, "alice commits a GUI change meanwhile");
		CHECK(commit_plan_write(&p, &r, &v, &e) == 0, "bob's commit is written: %s", e.msg);
		CHECK(p.builds == 2, "... after being prepared again (%d builds)", p.builds);
		commit_plan_free(&p);
	}

	/* The daemon's side: the same prepare on the committed version. */
	{
		struct plan_source src = { NULL, v };
		struct prepared d;
		CHECK(prepare_build(db, &src, &d, &e) == 0, "version %ld prepares: %s", v, e.msg);
		CHECK(EVP_PKEY_is_a(SSL_CTX_get0_privatekey(d.ctx[SVC_INBOUND]), "EC") &&
			      EVP_PKEY_is_a(SSL_CTX_get0_privatekey(d.ctx[SVC_OUTBOUND]), "EC"),
		      "... with the ECDSA profile for inbound and outbound (the version's, not "
		      "another's)");
		prepare_free(&d);
		src.version = v - 1;
		CHECK(prepare_build(db, &src, &d, &e) == 0 &&
			      EVP_PKEY_is_a(SSL_CTX_get0_privatekey(d.ctx[SVC_OUTBOUND]), "RSA"),
		      "version %ld's outbound context has that version's RSA profile", v - 1);
		/* The daemon's apply reuses only what did not change. */
		{
			struct prepared same, next;
			struct plan_source at_v = { NULL, v };
			CHECK(prepare_build_reusing(db, &src, &d, &same, &e) == 0 &&
				      same.ctx[SVC_GUI] == d.ctx[SVC_GUI] &&
				      same.ctx[SVC_INBOUND] == d.ctx[SVC_INBOUND],
			      "the same version again: both server contexts reused");
			CHECK(prepare_build_reusing(db, &at_v, &d, &next, &e) == 0 &&
				      next.ctx[SVC_INBOUND] != d.ctx[SVC_INBOUND] &&
				      EVP_PKEY_is_a(SSL_CTX_get0_privatekey(next.ctx[SVC_INBOUND]),
						    "EC"),
			      "version %ld after %ld: the inbound context (profile changed) is "
			      "built anew: %s",
			      v, v - 1, e.msg);
			CHECK(next.ctx[SVC_GUI] != d.ctx[SVC_GUI] &&
				      EVP_PKEY_is_a(SSL_CTX_get0_privatekey(next.ctx[SVC_GUI]),
						    "EC"),
			      "... and the GUI's, same settings but its profile (Demo) replaced in "
			      "place");
			prepare_free(&same);
			prepare_free(&next);
		}
		prepare_free(&d);
	}
	/* A listener's own profile, replaced in place: inbound changes too. */
	{
		char *rsa = profile_blob(0, "relay.example.com");
		char *rsa2 = profile_blob(0, "relay.example.com");
		CHECK(rsa && rsa2 && db_entry_stage(db, "bob", "cert", "relay", rsa, &e) == 0 &&
			      db_entry_stage(db, "bob", "listener", "Relay",
					     "type=private\naddress=127.0.0.1:2600\n"
					     "certificate=relay\n",
					     &e) == 0 &&
			      commit_as(db, "bob", &e) > 0,
		      "bob adds listener Relay with its own profile \"relay\": %s", e.msg);
		CHECK(db_entry_stage(db, "bob", "cert", "relay", rsa2, &e) == 0 &&
			      commit_plan_prepare(&p, db, home, &bob, &e) == 0,
		      "bob renews \"relay\" in place: %s", e.msg);
		CHECK(p.changed == 1u << SVC_INBOUND,
		      "... inbound (and only inbound) counts as changed (%u)", p.changed);
		commit_plan_free(&p);
		db_clear_staged(db, "bob", &e);
		cert_blob_free(rsa);
		cert_blob_free(rsa2);
	}
	cert_blob_free(ec);

	db_close(db);
	char cmd[128];
	snprintf(cmd, sizeof(cmd), "rm -rf %s", home);
	if (system(cmd) != 0)
		printf("# could not remove %s\n", home);
	return tap_done();
}
