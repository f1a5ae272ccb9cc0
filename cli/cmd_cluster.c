/* cmd_cluster: clusterconfig and clustermode (spec part 2, §2), first slice:
 * one cluster level on etcd (cluster/store.h). Groups and machine-level
 * overrides are not built yet (docs/CLUSTER.md).
 *
 *   clusterconfig create NAME ENDPOINTS [MACHINE]
 *   clusterconfig join ENDPOINTS USER PASSWORD GROUP [MACHINE]
 *   clusterconfig list | connstatus | removemachine NAME
 * USER/PASSWORD are etcd's credentials (ignored by an etcd without auth). */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include "../cluster/store.h"
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

static int member_put(const struct cluster_conf *c, long version, struct err *e)
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

static int cluster_create(struct session *s, int argc, char **argv)
{
	struct cluster_conf c;
	struct err e;
	char *json = NULL, latest_s[32], name_key[256];
	const char *keys[4], *values[4];
	long latest;
	int rc;

	if (argc < 4)
		return command_error(s, "Usage: clusterconfig create NAME ENDPOINTS [MACHINE]");
	if (already_member(s) < 0)
		return -1;
	memset(&c, 0, sizeof(c));
	if (cluster_check_name("cluster", argv[2], &e) < 0 || etcd_init(&c.etcd, argv[3], &e) < 0)
		return command_error(s, e.msg);
	snprintf(c.name, sizeof(c.name), "%s", argv[2]);
	snprintf(c.endpoints, sizeof(c.endpoints), "%s", argv[3]);
	snprintf(c.group, sizeof(c.group), "Main_Group");
	if (argc > 4)
		snprintf(c.machine, sizeof(c.machine), "%s", argv[4]);
	else
		default_machine(s, c.machine, sizeof(c.machine));
	if (cluster_check_name("machine", c.machine, &e) < 0)
		return command_error(s, e.msg);
	if (db_latest_version(s->db, &latest, &e) < 0 ||
	    snapshot_build(s->db, latest, &json, &e) < 0)
		return command_error(s, e.msg);
	snprintf(latest_s, sizeof(latest_s), "%ld", latest);
	snprintf(name_key, sizeof(name_key), "%s", CLUSTER_KEY_NAME);
	keys[0] = name_key;
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

static int cluster_join(struct session *s, int argc, char **argv)
{
	struct cluster_conf c;
	struct err e;
	char *name = NULL, *version = NULL, *json = NULL, *mine = NULL, key[256], *other = NULL;
	long rev, latest, cluster_version, imported;
	int written, rc = -1;

	if (argc < 6)
		return command_error(
			s, "Usage: clusterconfig join ENDPOINTS USER PASSWORD GROUP [MACHINE]");
	if (already_member(s) < 0)
		return -1;
	memset(&c, 0, sizeof(c));
	if (etcd_init(&c.etcd, argv[2], &e) < 0 || cluster_check_name("group", argv[5], &e) < 0)
		return command_error(s, e.msg);
	snprintf(c.endpoints, sizeof(c.endpoints), "%s", argv[2]);
	snprintf(c.etcd.user, sizeof(c.etcd.user), "%s", argv[3]);
	snprintf(c.etcd.password, sizeof(c.etcd.password), "%s", argv[4]);
	snprintf(c.group, sizeof(c.group), "%s", argv[5]);
	if (argc > 6)
		snprintf(c.machine, sizeof(c.machine), "%s", argv[6]);
	else
		default_machine(s, c.machine, sizeof(c.machine));
	if (cluster_check_name("machine", c.machine, &e) < 0)
		return command_error(s, e.msg);
	snprintf(key, sizeof(key), "%s%s", CLUSTER_KEY_MEMBERS, c.machine);
	if (etcd_get(&c.etcd, CLUSTER_KEY_NAME, &name, &rev, &e) < 0 ||
	    etcd_get(&c.etcd, key, &other, &rev, &e) < 0 ||
	    etcd_get(&c.etcd, CLUSTER_KEY_VERSION, &version, &rev, &e) < 0 ||
	    etcd_get(&c.etcd, CLUSTER_KEY_CONFIG, &json, &rev, &e) < 0) {
		command_error(s, e.msg);
		goto out;
	}
	if (!name || !version || !json) {
		command_error(s, "There is no tlsgate cluster at these etcd endpoints.");
		goto out;
	}
	if (other) {
		char msg[200];

		snprintf(msg, sizeof(msg),
			 "A machine named %s is already in the cluster: join with another name.",
			 c.machine);
		command_error(s, msg);
		goto out;
	}
	snprintf(c.name, sizeof(c.name), "%s", name);
	cluster_version = atol(version);
	if (db_latest_version(s->db, &latest, &e) < 0)
		goto fail;
	if (latest >= cluster_version) {
		/* This machine's history is longer: the cluster's configuration is
		 * re-published above it, so every member's numbers stay one. */
		const char *keys[2] = { CLUSTER_KEY_VERSION, CLUSTER_KEY_CONFIG }, *values[2];
		char next_s[32];
		int ok;

		snprintf(next_s, sizeof(next_s), "%ld", latest + 1);
		if (snapshot_renumber(json, latest + 1, &mine, &e) < 0)
			goto fail;
		values[0] = next_s;
		values[1] = mine;
		ok = etcd_txn(&c.etcd, CLUSTER_KEY_VERSION, version, keys, values, 2, &e);
		if (ok < 0)
			goto fail;
		if (ok == 0) {
			command_error(s, "The cluster committed while joining: try again.");
			goto out;
		}
		if (snapshot_import(s->db, mine, &imported, &written, &e) < 0)
			goto fail;
	} else if (snapshot_import(s->db, json, &imported, &written, &e) < 0) {
		goto fail;
	}
	if (db_latest_version(s->db, &latest, &e) < 0 || member_put(&c, latest, &e) < 0 ||
	    cluster_conf_save(s->home, &c, &e) < 0)
		goto fail;
	rc = join_text(s, &c, "Joined");
	goto out;
fail:
	command_error(s, e.msg);
out:
	free(name);
	free(version);
	free(json);
	free(mine);
	free(other);
	return rc;
}

static int print_member(const char *key, const char *value, void *arg)
{
	(void)arg;
	printf("  %-24s %s\n", key + strlen(CLUSTER_KEY_MEMBERS), value);
	return 0;
}

static int cluster_list(struct session *s, const struct cluster_conf *c)
{
	struct err e;

	printf("Cluster %s (this machine: %s, group %s)\n", c->name, c->machine, c->group);
	printf("Machines (last report: local version, time, group):\n");
	if (etcd_list(&c->etcd, CLUSTER_KEY_MEMBERS, print_member, NULL, &e) < 0)
		return command_error(s, e.msg);
	return 0;
}

static int cluster_connstatus(struct session *s, const struct cluster_conf *c)
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

/* The one-line form is the confirmation (a backup script sends it as is). */
static int cluster_removemachine(struct session *s, const struct cluster_conf *c, int argc,
				 char **argv)
{
	char removed[256], member[256], *v = NULL;
	const char *keys[2] = { removed, member }, *values[2] = { "1", NULL };
	struct err e;
	long rev;
	int rc;

	if (argc < 3)
		return command_error(
			s, "You must enter a machine name: clusterconfig removemachine NAME");
	if (cluster_check_name("machine", argv[2], &e) < 0)
		return command_error(s, e.msg);
	snprintf(removed, sizeof(removed), "%s%s", CLUSTER_KEY_REMOVED, argv[2]);
	snprintf(member, sizeof(member), "%s%s", CLUSTER_KEY_MEMBERS, argv[2]);
	if (etcd_get(&c->etcd, member, &v, &rev, &e) < 0)
		return command_error(s, e.msg);
	if (!v) {
		char msg[200];

		snprintf(msg, sizeof(msg), "There is no machine named %s in cluster %s.", argv[2],
			 c->name);
		return command_error(s, msg);
	}
	free(v);
	/* The removed machine's follower sees removed/NAME and leaves; the
	 * member entry goes now, in the same transaction. */
	rc = etcd_txn(&c->etcd, NULL, NULL, keys, values, 2, &e);
	if (rc < 0)
		return command_error(s, e.msg);
	if (strcmp(argv[2], c->machine) == 0 && cluster_conf_remove(s->home, &e) < 0)
		return command_error(s, e.msg);
	printf("Machine %s was removed from cluster %s; it keeps its last configuration as a "
	       "standalone machine.\n",
	       argv[2], c->name);
	return 0;
}

int cmd_clusterconfig(struct session *s, int argc, char **argv)
{
	struct cluster_conf c;
	struct err e;
	int member = cluster_conf_load(s->home, &c, &e);

	if (member < 0)
		return command_error(s, e.msg);
	if (argc < 2) {
		if (member)
			return cluster_list(s, &c);
		printf("This machine is standalone. Create a cluster with \"clusterconfig create "
		       "NAME ENDPOINTS\" or join one with \"clusterconfig join ENDPOINTS USER "
		       "PASSWORD GROUP\".\n");
		return 0;
	}
	if (strcasecmp(argv[1], "create") == 0)
		return cluster_create(s, argc, argv);
	if (strcasecmp(argv[1], "join") == 0)
		return cluster_join(s, argc, argv);
	if (!member)
		return command_error(s, "This machine is not in a cluster.");
	if (strcasecmp(argv[1], "list") == 0)
		return cluster_list(s, &c);
	if (strcasecmp(argv[1], "connstatus") == 0)
		return cluster_connstatus(s, &c);
	if (strcasecmp(argv[1], "removemachine") == 0)
		return cluster_removemachine(s, &c, argc, argv);
	return command_error(s, "That operation is not available yet in cluster mode "
				"(built: create, join, LIST, CONNSTATUS, REMOVEMACHINE).");
}

int cmd_clustermode(struct session *s, int argc, char **argv)
{
	struct cluster_conf c;
	struct err e;
	int member = cluster_conf_load(s->home, &c, &e);

	if (member < 0)
		return command_error(s, e.msg);
	if (!member) {
		printf("This machine is standalone (not in a cluster): the commands run on it.\n");
		return 0;
	}
	if (argc > 1 && strcasecmp(argv[1], "cluster") != 0)
		return command_error(s, "Only the cluster level is available yet: clustermode "
					"cluster.");
	printf("Configuring cluster %s: commits apply to every machine.\n", c.name);
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
	struct tally t;
	struct err e;

	if (cluster_conf_load(s->home, &c, &e) != 1)
		return;
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
