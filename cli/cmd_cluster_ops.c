/* cmd_cluster_ops: clusterconfig's dispatch, its menus and the operations on
 * a cluster's document (spec part 2, §2): ADDGROUP, SETGROUP, RENAMEGROUP,
 * DELETEGROUP, REMOVEMACHINE, SETNAME, DISCONNECT, RECONNECT. Each change of
 * the document is one etcd transaction (cluster/doc_txn.h) that takes effect
 * at once on every member. One-line forms:
 *   clusterconfig create NAME ENDPOINTS [MACHINE [USER PASSWORD]]
 *   clusterconfig join ENDPOINTS USER PASSWORD GROUP [MACHINE]
 *   clusterconfig addgroup NAME | setgroup MACHINE GROUP | renamegroup OLD NEW
 *   clusterconfig deletegroup NAME | removemachine NAME | setname NAME
 *   clusterconfig list | connstatus | disconnect | reconnect */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "../cluster/doc_txn.h"
#include "cluster_ops.h"
#include "commands.h"
#include "prompt.h"

struct op {
	const char *a, *b;
	int settings; /* REMOVEMACHINE: what the cluster drops */
	char certs[256];
};

static json_t *groups(json_t *doc)
{
	return json_object_get(doc, "groups");
}

static json_t *assign(json_t *doc)
{
	return json_object_get(doc, "assign");
}

/* A machine's group as the document says it (a malformed entry: ""). */
static const char *group_in(json_t *g)
{
	return json_string_value(g) ? json_string_value(g) : "";
}

static int need_group(json_t *doc, const char *g, struct err *e)
{
	return json_object_get(groups(doc), g) ? 0 : err_set(e, "There is no group named %s.", g);
}

static int need_machine(json_t *doc, const char *m, struct err *e)
{
	return json_object_get(assign(doc), m) ? 0 : err_set(e, "There is no machine named %s.", m);
}

static int edit_addgroup(json_t *doc, void *arg, struct err *e)
{
	struct op *o = arg;

	if (json_object_get(groups(doc), o->a))
		return err_set(e, "A group named %s already exists.", o->a);
	return json_object_set_new(groups(doc), o->a, json_object());
}

static int edit_setgroup(json_t *doc, void *arg, struct err *e)
{
	struct op *o = arg;

	if (need_machine(doc, o->a, e) < 0 || need_group(doc, o->b, e) < 0)
		return -1;
	return json_object_set_new(assign(doc), o->a, json_string(o->b));
}

static int edit_renamegroup(json_t *doc, void *arg, struct err *e)
{
	struct op *o = arg;
	const char *m;
	json_t *g;

	if (need_group(doc, o->a, e) < 0)
		return -1;
	if (json_object_get(groups(doc), o->b))
		return err_set(e, "A group named %s already exists.", o->b);
	json_object_set(groups(doc), o->b, json_object_get(groups(doc), o->a));
	json_object_del(groups(doc), o->a);
	json_object_foreach(assign(doc), m, g)
	{
		if (strcmp(group_in(g), o->a) == 0)
			json_object_set_new(assign(doc), m, json_string(o->b));
	}
	return 0;
}

static int edit_deletegroup(json_t *doc, void *arg, struct err *e)
{
	struct op *o = arg;
	const char *m;
	json_t *g;

	if (need_group(doc, o->a, e) < 0)
		return -1;
	json_object_foreach(assign(doc), m, g)
	{
		if (strcmp(group_in(g), o->a) == 0)
			return err_set(e,
				       "Group %s still holds machine %s: move its machines first "
				       "(SETGROUP).",
				       o->a, m);
	}
	if (json_object_size(groups(doc)) == 1)
		return err_set(e, "A cluster keeps at least one group.");
	return json_object_del(groups(doc), o->a);
}

static int edit_setname(json_t *doc, void *arg, struct err *e)
{
	struct op *o = arg;

	(void)e;
	return json_object_set_new(doc, "name", json_string(o->a));
}

/* What leaving costs: the machine's own settings and certificates. */
static void count_own(json_t *doc, struct op *o)
{
	json_t *own = json_object_get(json_object_get(doc, "machines"), o->a), *v;
	const char *k;
	size_t used = 0;

	o->settings = 0;
	o->certs[0] = '\0';
	json_object_foreach(own, k, v)
	{
		o->settings++;
		if (strncmp(k, "cert.", 5) == 0 && used < sizeof(o->certs) - 70)
			used += (size_t)snprintf(o->certs + used, sizeof(o->certs) - used,
						 "%s%.60s", used ? ", " : "", k + 5);
	}
}

static int edit_removemachine(json_t *doc, void *arg, struct err *e)
{
	struct op *o = arg;

	if (need_machine(doc, o->a, e) < 0)
		return -1;
	count_own(doc, o);
	json_object_del(json_object_get(doc, "machines"), o->a);
	return json_object_del(assign(doc), o->a);
}

/* One change of the document; this machine takes its new version at once. */
static int doc_op(struct session *s, struct cluster_conf *c, const char *what, doc_edit_fn fn,
		  struct op *o, const char *const *xk, const char *const *xv, int xn)
{
	struct doc_change ch = { s->user, what, 0, fn, o, xk, xv, xn };
	json_t *doc;
	long version;
	int written;
	struct err e;

	if (cluster_doc_update(c, &ch, &doc, &version, &e) < 0)
		return command_error(s, e.msg);
	if (json_object_get(assign(doc), c->machine)) {
		cluster_conf_sync(s->home, c, doc);
		if (cluster_doc_import_self(s->db, c, doc, &version, &written, &e) < 0)
			say_error(e.msg);
	}
	json_decref(doc);
	printf("%s: done (cluster %s, version %ld). The change to the cluster takes effect "
	       "immediately on every machine.\n",
	       what, c->name, version);
	return 0;
}

static int op_group(struct session *s, struct cluster_conf *c, const char *op, const char *a,
		    const char *b)
{
	struct op o = { a, b, 0, "" };
	struct err e;

	if ((a &&
	     cluster_check_name(strcmp(op, "setgroup") == 0 ? "machine" : "group", a, &e) < 0) ||
	    (b && cluster_check_name("group", b, &e) < 0))
		return command_error(s, e.msg);
	if (strcmp(op, "addgroup") == 0)
		return doc_op(s, c, "ADDGROUP", edit_addgroup, &o, NULL, NULL, 0);
	if (strcmp(op, "setgroup") == 0)
		return doc_op(s, c, "SETGROUP", edit_setgroup, &o, NULL, NULL, 0);
	if (strcmp(op, "renamegroup") == 0)
		return doc_op(s, c, "RENAMEGROUP", edit_renamegroup, &o, NULL, NULL, 0);
	return doc_op(s, c, "DELETEGROUP", edit_deletegroup, &o, NULL, NULL, 0);
}

static int op_setname(struct session *s, struct cluster_conf *c, const char *name)
{
	struct op o = { name, NULL, 0, "" };
	const char *xk[1] = { CLUSTER_KEY_NAME }, *xv[1] = { name };
	struct err e;

	if (cluster_check_name("cluster", name, &e) < 0)
		return command_error(s, e.msg);
	return doc_op(s, c, "SETNAME", edit_setname, &o, xk, xv, 1);
}

/* `confirm`: the menu asks; the one-line form is its own confirmation (a
 * backup script sends it as is). */
static int op_removemachine(struct session *s, struct cluster_conf *c, const char *name,
			    bool confirm)
{
	char removed[256], member[256], q[512];
	const char *xk[2] = { removed, member }, *xv[2] = { "1", NULL };
	struct op o = { name, NULL, 0, "" };
	struct err e;

	if (cluster_check_name("machine", name, &e) < 0)
		return command_error(s, e.msg);
	if (confirm) {
		json_t *doc;
		long version;
		bool yes;

		if (cluster_doc_fetch(c, &doc, &version, &e) < 0)
			return command_error(s, e.msg);
		count_own(doc, &o);
		json_decref(doc);
		snprintf(q, sizeof(q),
			 "Machine %s's machine-level settings (%d) and certificates (%s) will be "
			 "lost. Remove it from cluster %s?",
			 name, o.settings, o.certs[0] ? o.certs : "none", c->name);
		if (ask_yes_no(s, q, false, &yes) < 0)
			return -1;
		if (!yes)
			return 0;
	}
	snprintf(removed, sizeof(removed), "%s%s", CLUSTER_KEY_REMOVED, name);
	snprintf(member, sizeof(member), "%s%s", CLUSTER_KEY_MEMBERS, name);
	if (doc_op(s, c, "REMOVEMACHINE", edit_removemachine, &o, xk, xv, 2) < 0)
		return -1;
	if (strcmp(name, c->machine) == 0 && cluster_conf_remove(s->home, &e) < 0)
		return command_error(s, e.msg);
	printf("Machine %s was removed from cluster %s: its machine-level settings (%d) and "
	       "certificates (%s) were dropped; it keeps its last configuration as a standalone "
	       "machine.\n",
	       name, c->name, o.settings, o.certs[0] ? o.certs : "none");
	return 0;
}

static int op_connect(struct session *s, struct cluster_conf *c, bool connect)
{
	struct err e;

	snprintf(c->disconnected, sizeof(c->disconnected), "%s", connect ? "" : "1");
	if (cluster_conf_save(s->home, c, &e) < 0)
		return command_error(s, e.msg);
	if (connect)
		printf("Machine %s is reconnected to cluster %s: it catches up with the cluster "
		       "within a second.\n",
		       c->machine, c->name);
	else
		printf("Machine %s is disconnected from cluster %s: it keeps serving its last "
		       "configuration, receives no commits and may not commit until "
		       "\"clusterconfig reconnect\".\n",
		       c->machine, c->name);
	return 0;
}

/* ---- menus ---- */

static int ask_name(struct session *s, const char *q, char *out)
{
	return ask_text(s, q, NULL, out, 64, NULL, NULL);
}

static int m_op(struct session *s, void *ctx, int which)
{
	struct cluster_conf *c = ctx;
	char a[64], b[64];

	switch (which) {
	case 0:
		return ask_name(s, "Enter the name of the new group.", a) < 0
			       ? -1
			       : op_group(s, c, "addgroup", a, NULL);
	case 1:
		if (ask_name(s, "Enter the machine to move.", a) < 0 ||
		    ask_name(s, "Enter the group to move it to.", b) < 0)
			return -1;
		return op_group(s, c, "setgroup", a, b);
	case 2:
		if (ask_name(s, "Enter the group to rename.", a) < 0 ||
		    ask_name(s, "Enter its new name.", b) < 0)
			return -1;
		return op_group(s, c, "renamegroup", a, b);
	case 3:
		return ask_name(s, "Enter the group to delete.", a) < 0
			       ? -1
			       : op_group(s, c, "deletegroup", a, NULL);
	case 4:
		return ask_name(s, "Enter the machine to remove.", a) < 0
			       ? -1
			       : op_removemachine(s, c, a, true);
	case 5:
		return ask_name(s, "Enter the new name of the cluster.", a) < 0
			       ? -1
			       : op_setname(s, c, a);
	case 6: return cluster_list(s, c);
	case 7: return cluster_connstatus(s, c);
	case 8: return op_connect(s, c, false);
	default: return op_connect(s, c, true);
	}
}

static const struct menu_row rows[] = {
	{ "ADDGROUP", "Add a cluster group.", ACCESS_ADMIN, m_op, 0, NULL, NULL },
	{ "SETGROUP", "Set the group that machines are a member of.", ACCESS_ADMIN, m_op, 1, NULL,
	  NULL },
	{ "RENAMEGROUP", "Rename a cluster group.", ACCESS_ADMIN, m_op, 2, NULL, NULL },
	{ "DELETEGROUP", "Remove a cluster group.", ACCESS_ADMIN, m_op, 3, NULL, NULL },
	{ "REMOVEMACHINE", "Remove a machine from the cluster.", ACCESS_ADMIN, m_op, 4, NULL,
	  NULL },
	{ "SETNAME", "Set the cluster name.", ACCESS_ADMIN, m_op, 5, NULL, NULL },
	{ "LIST", "List the machines in the cluster.", ACCESS_GUEST, m_op, 6, NULL, NULL },
	{ "CONNSTATUS", "Show the status of connections to the cluster's etcd.", ACCESS_GUEST, m_op,
	  7, NULL, NULL },
	{ "DISCONNECT", "Temporarily detach this machine from the cluster.", ACCESS_ADMIN, m_op, 8,
	  NULL, NULL },
	{ "RECONNECT", "Restore the connection of this machine to the cluster.", ACCESS_ADMIN, m_op,
	  9, NULL, NULL },
};

static int show_cluster(struct session *s, void *ctx)
{
	const struct cluster_conf *c = ctx;

	(void)s;
	printf("\nCluster %s (this machine: %s, group %s)%s\n", c->name, c->machine, c->group,
	       c->disconnected[0] == '1' ? ", disconnected" : "");
	return 0;
}

const struct menu clusterconfig_menu = {
	"clusterconfig", MENU_ROWS(rows), show_cluster, NULL, true, false
};
MENU_REGISTER(clusterconfig_menu)

/* The standalone dialog: numbers as AsyncOS asks them. */
static int standalone_menu(struct session *s)
{
	static const char *const items[] = {
		"No, configure as standalone.",
		"Create a new cluster.",
		"Join an existing cluster over SSH.",
		"Join an existing cluster over CCS.",
	};
	char name[64], ep[2048], user[128], pw[128], group[64], machine[64];
	int chosen;

	if (ask_pick(s, "Do you want to join or create a cluster?", items, 4, 1, &chosen) < 0)
		return -1;
	if (chosen == 1)
		return 0;
	if (chosen == 2) {
		if (ask_name(s, "Enter the name of the new cluster.", name) < 0 ||
		    ask_text(s, "Enter the etcd endpoints (comma-separated URLs).", NULL, ep,
			     sizeof(ep), NULL, NULL) < 0 ||
		    ask_text(s, "Enter the etcd user name (empty: etcd without auth).", "", user,
			     sizeof(user), NULL, NULL) < 0 ||
		    (user[0] &&
		     ask_secret(s, "Enter the etcd password.", pw, sizeof(pw), NULL, NULL) < 0) ||
		    ask_text(s, "Enter the name of this machine in the cluster.", "", machine,
			     sizeof(machine), NULL, NULL) < 0)
			return -1;
		return cluster_create(s, name, ep, machine, user, user[0] ? pw : "");
	}
	if (ask_text(s, "Enter the etcd endpoints of the cluster (comma-separated URLs).", NULL, ep,
		     sizeof(ep), NULL, NULL) < 0 ||
	    ask_text(s, "Enter the etcd user name.", "", user, sizeof(user), NULL, NULL) < 0 ||
	    ask_secret(s, "Enter the etcd password.", pw, sizeof(pw), NULL, NULL) < 0 ||
	    ask_text(s, "Enter the group to join.", DEFAULT_GROUP, group, sizeof(group), NULL,
		     NULL) < 0 ||
	    ask_text(s, "Enter the name of this machine in the cluster.", "", machine,
		     sizeof(machine), NULL, NULL) < 0)
		return -1;
	return cluster_join(s, ep, user, pw, group, machine);
}

static int words(struct session *s, int argc, int need, const char *usage)
{
	char msg[200];

	if (argc >= need)
		return 0;
	snprintf(msg, sizeof(msg), "You must enter a value: clusterconfig %s", usage);
	return command_error(s, msg);
}

int cmd_clusterconfig(struct session *s, int argc, char **argv)
{
	struct cluster_conf c;
	struct err e;
	int member = cluster_conf_load(s->home, &c, &e);
	const char *op = argc > 1 ? argv[1] : "";

	if (member < 0)
		return command_error(s, e.msg);
	if (argc < 2)
		return member ? menu_run(s, &clusterconfig_menu, &c) : standalone_menu(s);
	if (strcasecmp(op, "create") == 0)
		return words(s, argc, 4, "create NAME ENDPOINTS [MACHINE [USER PASSWORD]]") < 0
			       ? -1
			       : cluster_create(s, argv[2], argv[3], argc > 4 ? argv[4] : NULL,
						argc > 6 ? argv[5] : NULL,
						argc > 6 ? argv[6] : NULL);
	if (strcasecmp(op, "join") == 0)
		return words(s, argc, 6, "join ENDPOINTS USER PASSWORD GROUP [MACHINE]") < 0
			       ? -1
			       : cluster_join(s, argv[2], argv[3], argv[4], argv[5],
					      argc > 6 ? argv[6] : NULL);
	if (!member)
		return command_error(s, "This machine is not in a cluster.");
	if (strcasecmp(op, "list") == 0)
		return cluster_list(s, &c);
	if (strcasecmp(op, "connstatus") == 0)
		return cluster_connstatus(s, &c);
	if (strcasecmp(op, "disconnect") == 0 || strcasecmp(op, "reconnect") == 0)
		return op_connect(s, &c, strcasecmp(op, "reconnect") == 0);
	if (strcasecmp(op, "removemachine") == 0)
		return words(s, argc, 3, "removemachine NAME") < 0
			       ? -1
			       : op_removemachine(s, &c, argv[2], false);
	if (strcasecmp(op, "setname") == 0)
		return words(s, argc, 3, "setname NAME") < 0 ? -1 : op_setname(s, &c, argv[2]);
	if (strcasecmp(op, "addgroup") == 0 || strcasecmp(op, "deletegroup") == 0)
		return words(s, argc, 3, "addgroup|deletegroup NAME") < 0
			       ? -1
			       : op_group(s, &c,
					  strcasecmp(op, "addgroup") == 0 ? "addgroup"
									  : "deletegroup",
					  argv[2], NULL);
	if (strcasecmp(op, "setgroup") == 0 || strcasecmp(op, "renamegroup") == 0)
		return words(s, argc, 4, "setgroup MACHINE GROUP | renamegroup OLD NEW") < 0
			       ? -1
			       : op_group(s, &c,
					  strcasecmp(op, "setgroup") == 0 ? "setgroup"
									  : "renamegroup",
					  argv[2], argv[3]);
	return command_error(s, "That value is not valid. clusterconfig operations: create, join, "
				"ADDGROUP, SETGROUP, RENAMEGROUP, DELETEGROUP, REMOVEMACHINE, "
				"SETNAME, LIST, CONNSTATUS, DISCONNECT, RECONNECT.");
}
