/* cmd_cluster: clusterconfig's create, join, LIST and CONNSTATUS, and the
 * report after a cluster commit (spec part 2, §2; cluster/levels.h). The
 * other operations and the menus: cli/cmd_cluster_ops.c.
 * USER/PASSWORD of join are etcd's credentials (ignored without auth). */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include "../cluster/doc_txn.h"
#include "../cluster/store.h"
#include "cluster_mode.h"
#include "cluster_ops.h"
#include "commands.h"
#include "prompt.h"

static int join_text(struct session *s, const struct cluster_conf *c, const char *how)
{
	printf("%s cluster %s as machine %s (group %s). Joining a cluster takes effect "
	       "immediately: the cluster takes effect immediately on this machine.\n",
	       how, c->name, c->machine, c->group);
	(void)s;
	return 0;
}

static void default_machine(struct session *s, char *out, size_t len)
{
	struct config c;
	struct err e;

	if (db_load_config(s->db, 0, &c, &e) == 0 && c.hostname[0])
		snprintf(out, len, "%.63s", c.hostname);
	else if (gethostname(out, len) < 0)
		snprintf(out, len, "machine");
	out[strcspn(out, ".")] = '\0'; /* a member name, not an FQDN */
}

int member_put(const struct cluster_conf *c, long version, struct err *e)
{
	char key[256], value[256];

	snprintf(key, sizeof(key), "%s%s", CLUSTER_KEY_MEMBERS, c->machine);
	snprintf(value, sizeof(value), "{\"version\":%ld,\"time\":%ld,\"group\":\"%s\"}", version,
		 (long)time(NULL), c->group);
	return etcd_put(&c->etcd, key, value, e);
}

static int already_member(struct session *s)
{
	struct cluster_conf c;
	struct err e;
	int rc = cluster_conf_load(s->home, &c, &e);

	if (rc < 0)
		return command_error(s, e.msg);
	if (rc == 1) {
		char msg[200];

		snprintf(msg, sizeof(msg), "This machine is already in cluster %s.", c.name);
		return command_error(s, msg);
	}
	return 0;
}

/* This machine's latest version as a cluster document: its rows at the
 * cluster level, its own (per-machine) rows at its machine level. */
static json_t *own_doc(struct session *s, const struct cluster_conf *c, long *latest, struct err *e)
{
	char *json = NULL;
	json_t *doc, *own;

	if (db_latest_version(s->db, latest, e) < 0 || snapshot_build(s->db, *latest, &json, e) < 0)
		return NULL;
	doc = doc_parse(json, e);
	free(json);
	if (!doc)
		return NULL;
	own = rows_machine_own(json_object_get(doc, "rows"));
	own_drop_shared(own, json_object_get(doc, "rows"));
	json_object_set_new(json_object_get(doc, "machines"), c->machine, own);
	json_object_set_new(json_object_get(doc, "assign"), c->machine, json_string(c->group));
	json_object_set_new(doc, "name", json_string(c->name));
	return doc;
}

int cluster_create(struct session *s, const char *name, const char *endpoints, const char *machine,
		   const char *user, const char *password)
{
	struct cluster_conf c;
	struct err e;
	char *json = NULL, latest_s[32];
	const char *keys[3], *values[3];
	json_t *doc;
	long latest;
	int rc;

	if (already_member(s) < 0)
		return -1;
	memset(&c, 0, sizeof(c));
	if (cluster_check_name("cluster", name, &e) < 0 || etcd_init(&c.etcd, endpoints, &e) < 0)
		return command_error(s, e.msg);
	snprintf(c.name, sizeof(c.name), "%s", name);
	snprintf(c.endpoints, sizeof(c.endpoints), "%s", endpoints);
	snprintf(c.etcd.user, sizeof(c.etcd.user), "%s", user ? user : "");
	snprintf(c.etcd.password, sizeof(c.etcd.password), "%s", password ? password : "");
	snprintf(c.group, sizeof(c.group), DEFAULT_GROUP);
	if (machine && machine[0])
		snprintf(c.machine, sizeof(c.machine), "%s", machine);
	else
		default_machine(s, c.machine, sizeof(c.machine));
	if (cluster_check_name("machine", c.machine, &e) < 0)
		return command_error(s, e.msg);
	if (!(doc = own_doc(s, &c, &latest, &e)))
		return command_error(s, e.msg);
	json = json_dumps(doc, JSON_COMPACT | JSON_SORT_KEYS);
	json_decref(doc);
	if (!json)
		return command_error(s, "Out of memory.");
	snprintf(latest_s, sizeof(latest_s), "%ld", latest);
	keys[0] = CLUSTER_KEY_NAME;
	values[0] = c.name;
	keys[1] = CLUSTER_KEY_VERSION;
	values[1] = latest_s;
	keys[2] = CLUSTER_KEY_CONFIG;
	values[2] = json;
	/* Only where no cluster is yet: this machine's configuration becomes the
	 * cluster's, in one transaction. */
	rc = etcd_txn(&c.etcd, CLUSTER_KEY_NAME, NULL, keys, values, 3, &e);
	free(json);
	if (rc < 0)
		return command_error(s, e.msg);
	if (rc == 0)
		return command_error(s, "These etcd endpoints already hold a tlsgate cluster: use "
					"\"clusterconfig join\".");
	if (member_put(&c, latest, &e) < 0 || cluster_conf_save(s->home, &c, &e) < 0)
		return command_error(s, e.msg);
	return join_text(s, &c, "Created");
}

struct join_edit {
	const struct cluster_conf *c;
	json_t *own;
};

/* The joiner enters its group with its own per-machine settings. */
static int join_edit(json_t *doc, void *arg, struct err *e)
{
	struct join_edit *j = arg;

	if (json_object_get(json_object_get(doc, "assign"), j->c->machine))
		return err_set(e,
			       "A machine named %s is already in the cluster: join with another "
			       "name.",
			       j->c->machine);
	if (!json_object_get(json_object_get(doc, "groups"), j->c->group))
		return err_set(e, "There is no group named %s in the cluster.", j->c->group);
	own_drop_shared(j->own, json_object_get(doc, "rows"));
	json_object_set(json_object_get(doc, "machines"), j->c->machine, j->own);
	json_object_set_new(json_object_get(doc, "assign"), j->c->machine,
			    json_string(j->c->group));
	return 0;
}

int cluster_join(struct session *s, const char *endpoints, const char *user, const char *password,
		 const char *group, const char *machine)
{
	struct cluster_conf c;
	struct err e;
	char *name = NULL, key[256], *other = NULL;
	struct join_edit je = { &c, NULL };
	struct doc_change ch = { s->user, "joined the cluster", 0, join_edit, &je, NULL, NULL, 0 };
	json_t *mine = NULL, *doc = NULL;
	long rev, latest, version;
	int written, rc = -1;

	if (already_member(s) < 0)
		return -1;
	memset(&c, 0, sizeof(c));
	if (etcd_init(&c.etcd, endpoints, &e) < 0 || cluster_check_name("group", group, &e) < 0)
		return command_error(s, e.msg);
	snprintf(c.endpoints, sizeof(c.endpoints), "%s", endpoints);
	snprintf(c.etcd.user, sizeof(c.etcd.user), "%s", user);
	snprintf(c.etcd.password, sizeof(c.etcd.password), "%s", password);
	snprintf(c.group, sizeof(c.group), "%s", group);
	if (machine && machine[0])
		snprintf(c.machine, sizeof(c.machine), "%s", machine);
	else
		default_machine(s, c.machine, sizeof(c.machine));
	if (cluster_check_name("machine", c.machine, &e) < 0)
		return command_error(s, e.msg);
	snprintf(key, sizeof(key), "%s%s", CLUSTER_KEY_MEMBERS, c.machine);
	if (etcd_get(&c.etcd, CLUSTER_KEY_NAME, &name, &rev, &e) < 0 ||
	    etcd_get(&c.etcd, key, &other, &rev, &e) < 0)
		goto fail;
	if (!name) {
		command_error(s, "There is no tlsgate cluster at these etcd endpoints.");
		goto out;
	}
	if (other) {
		err_set(&e, "A machine named %s is already in the cluster: join with another name.",
			c.machine);
		goto fail;
	}
	snprintf(c.name, sizeof(c.name), "%s", name);
	/* Joining replaces this machine's cluster-level settings with the
	 * cluster's and keeps its own per-machine ones; the new version is above
	 * both histories, so every member keeps one numbering. */
	if (!(mine = own_doc(s, &c, &latest, &e)))
		goto fail;
	je.own = json_object_get(json_object_get(mine, "machines"), c.machine);
	ch.at_least = latest;
	if (cluster_doc_update(&c, &ch, &doc, &version, &e) < 0)
		goto fail;
	cluster_conf_sync(s->home, &c, doc);
	if (cluster_doc_import_self(s->db, &c, doc, &version, &written, &e) < 0 ||
	    member_put(&c, version, &e) < 0 || cluster_conf_save(s->home, &c, &e) < 0)
		goto fail;
	rc = join_text(s, &c, "Joined");
	goto out;
fail:
	command_error(s, e.msg);
out:
	free(name);
	free(other);
	json_decref(mine);
	json_decref(doc);
	return rc;
}

static int print_member(const char *key, const char *value, void *arg)
{
	(void)arg;
	printf("  %-24s %s\n", key + strlen(CLUSTER_KEY_MEMBERS), value);
	return 0;
}

int cluster_list(struct session *s, const struct cluster_conf *c)
{
	struct err e;
	json_t *doc, *g;
	const char *k;
	long version;

	printf("Cluster %s (this machine: %s, group %s)\n", c->name, c->machine, c->group);
	if (cluster_doc_fetch(c, &doc, &version, &e) == 0) {
		printf("Groups (version %ld):\n", version);
		json_object_foreach(json_object_get(doc, "groups"), k, g)
		{
			const char *m;
			json_t *in;

			printf("  %s:", k);
			json_object_foreach(json_object_get(doc, "assign"), m, in)
			{
				const char *g_of = json_string_value(in);

				if (g_of && strcmp(g_of, k) == 0)
					printf(" %s", m);
			}
			printf("\n");
		}
		json_decref(doc);
	}
	printf("Machines (last report: local version, time, group):\n");
	if (etcd_list(&c->etcd, CLUSTER_KEY_MEMBERS, print_member, NULL, &e) < 0)
		return command_error(s, e.msg);
	return 0;
}

int cluster_connstatus(struct session *s, const struct cluster_conf *c)
{
	int up = 0;
	long latest = 0;
	struct err e;

	for (int i = 0; i < c->etcd.count; i++) {
		struct etcd one = c->etcd;
		char *v = NULL;
		long rev;

		memcpy(one.endpoints[0], c->etcd.endpoints[i], sizeof(one.endpoints[0]));
		one.count = 1;
		one.total_ms = 1000;
		if (etcd_get(&one, CLUSTER_KEY_VERSION, &v, &rev, &e) == 0) {
			printf("  %-40s connected (cluster version %s)\n", one.endpoints[0],
			       v ? v : "none");
			up++;
		} else {
			printf("  %-40s not reachable\n", one.endpoints[0]);
		}
		free(v);
	}
	db_latest_version(s->db, &latest, &e);
	printf("This machine (%s) has version %ld. %d of %d etcd endpoints answer.\n", c->machine,
	       latest, up, c->etcd.count);
	return 0;
}

#define REPORT_WAIT_MS 5000

struct tally {
	const char *self;
	long version;
	bool self_applied;
	int members, enforced;
	char missing[512];
};

static int count_member(const char *key, const char *value, void *arg)
{
	struct tally *t = arg;
	const char *name = key + strlen(CLUSTER_KEY_MEMBERS);
	json_t *j = json_loads(value, 0, NULL);
	json_int_t applied = 0;
	size_t used = strlen(t->missing);

	if (j)
		json_unpack(j, "{s?I}", "applied", &applied);
	json_decref(j);
	t->members++;
	if (strcmp(name, t->self) == 0 ? t->self_applied : applied >= t->version)
		t->enforced++;
	else if (used < sizeof(t->missing) - 80)
		snprintf(t->missing + used, sizeof(t->missing) - used, "%s%s (at version %ld)",
			 used ? ", " : "", name, (long)applied);
	return 0;
}

void cluster_commit_report(struct session *s, long version, bool self_applied)
{
	struct cluster_conf c;
	struct level_ref lv;
	struct tally t;
	struct err e;

	if (cluster_mode_get(s, &c, &lv) != 1)
		return;
	if (lv.level == LEVEL_CLUSTER)
		printf("Committed at the cluster level of cluster %s.\n", c.name);
	else
		printf("Committed at the %s level (%s) of cluster %s.\n", level_word(lv.level),
		       lv.name, c.name);
	for (int waited = 0;; waited += 200) {
		memset(&t, 0, sizeof(t));
		t.self = c.machine;
		t.version = version;
		t.self_applied = self_applied;
		if (etcd_list(&c.etcd, CLUSTER_KEY_MEMBERS, count_member, &t, &e) < 0) {
			printf("Cluster %s: cannot read the members' reports (%s).\n", c.name,
			       e.msg);
			return;
		}
		if (t.enforced == t.members || waited >= REPORT_WAIT_MS)
			break;
		usleep(200 * 1000);
	}
	if (t.enforced == t.members)
		printf("Cluster %s: version %ld is enforced on %d of %d machines.\n", c.name,
		       version, t.enforced, t.members);
	else
		printf("Cluster %s: version %ld is enforced on %d of %d machines; not (yet) on: "
		       "%s.\n",
		       c.name, version, t.enforced, t.members, t.missing);
}
