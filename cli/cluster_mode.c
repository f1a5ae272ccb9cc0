/* cluster_mode: clustermode, the prompt of a cluster member, and the gate
 * every command passes on a member (spec part 2, §2): machine-only commands
 * are restricted to machine mode and user accounts to cluster mode (each
 * offers to switch); a command whose settings this machine takes from a
 * lower level asks "Do you want to make changes at the cluster level, group
 * level or machine level? [C]>" (on a terminal). */
#include "cluster_mode.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "../cluster/doc_txn.h"
#include "../core/config.h"
#include "../core/entries.h"
#include "commands.h"
#include "prompt.h"

int cluster_mode_get(struct session *s, struct cluster_conf *c, struct level_ref *lv)
{
	struct cluster_conf own;
	struct err e;

	if (!c)
		c = &own;
	if (cluster_conf_load(s->home, c, &e) != 1)
		return 0;
	if (!s->cluster_mode_set) {
		s->cluster_mode_set = true;
		s->cluster_level = LEVEL_CLUSTER;
		s->cluster_level_name[0] = '\0';
	}
	lv->level = (enum cluster_level)s->cluster_level;
	snprintf(lv->name, sizeof(lv->name), "%s", s->cluster_level_name);
	return 1;
}

static void set_mode(struct session *s, enum cluster_level l, const char *name)
{
	s->cluster_mode_set = true;
	s->cluster_level = l;
	snprintf(s->cluster_level_name, sizeof(s->cluster_level_name), "%s", name ? name : "");
}

int cluster_prompt(struct session *s, char *buf, size_t len)
{
	struct cluster_conf c;
	struct level_ref lv;

	if (cluster_mode_get(s, &c, &lv) != 1)
		return 0;
	snprintf(buf, len, "(%s %s)> ", level_title(lv.level),
		 lv.level == LEVEL_CLUSTER ? c.name : lv.name);
	return 1;
}

static void say_mode(struct session *s, const struct cluster_conf *c)
{
	if (s->cluster_level == LEVEL_CLUSTER)
		printf("Configuring cluster %s: changes apply to every machine, unless a group or "
		       "machine overrides them.\n",
		       c->name);
	else
		printf("Configuring %s %s of cluster %s.\n", level_word(s->cluster_level),
		       s->cluster_level_name, c->name);
}

/* Names of groups or machines in the document, for the pick-lists. */
static size_t names_of(json_t *doc, const char *member, const char **out, size_t max)
{
	const char *k;
	json_t *v;
	size_t n = 0;

	json_object_foreach(json_object_get(doc, member), k, v)
	{
		if (n < max)
			out[n++] = k;
	}
	return n;
}

static int pick_name(struct session *s, json_t *doc, enum cluster_level l, char *out, size_t len)
{
	const char *names[64];
	size_t n = names_of(doc, l == LEVEL_GROUP ? "groups" : "assign", names, 64);
	int chosen;

	if (n == 0)
		return command_error(s, "The cluster has none.");
	if (ask_pick(s, l == LEVEL_GROUP ? "Choose the group to configure." : "Choose a machine.",
		     names, n, 1, &chosen) < 0)
		return -1;
	snprintf(out, len, "%s", names[chosen - 1]);
	return 0;
}

int cmd_clustermode(struct session *s, int argc, char **argv)
{
	static const char *const modes[] = { "Cluster", "Group", "Machine" };
	struct cluster_conf c;
	struct level_ref lv;
	char name[64] = "";
	enum cluster_level l;
	json_t *doc = NULL;
	long version;
	struct err e;
	int chosen, rc = -1;

	if (cluster_mode_get(s, &c, &lv) != 1) {
		printf("This machine is standalone (not in a cluster): the commands run on it.\n");
		return 0;
	}
	if (argc > 1 && strcasecmp(argv[1], "cluster") == 0) {
		set_mode(s, LEVEL_CLUSTER, NULL);
		say_mode(s, &c);
		return 0;
	}
	if (argc > 1 && strcasecmp(argv[1], "group") != 0 && strcasecmp(argv[1], "machine") != 0)
		return command_error(s, "That value is not valid. Usage: clustermode [cluster | "
					"group NAME | machine NAME]");
	c.etcd.total_ms = 2000;
	if (cluster_doc_fetch(&c, &doc, &version, &e) < 0)
		return command_error(s, e.msg);
	if (argc > 1) {
		l = strcasecmp(argv[1], "group") == 0 ? LEVEL_GROUP : LEVEL_MACHINE;
		if (argc > 2)
			snprintf(name, sizeof(name), "%s", argv[2]);
		else if (l == LEVEL_MACHINE)
			snprintf(name, sizeof(name), "%s", c.machine);
		else if (pick_name(s, doc, l, name, sizeof(name)) < 0)
			goto out;
	} else {
		if (ask_pick(s, "Choose the configuration mode.", modes, 3, lv.level + 1, &chosen) <
		    0)
			goto out;
		l = (enum cluster_level)(chosen - 1);
		if (l != LEVEL_CLUSTER && pick_name(s, doc, l, name, sizeof(name)) < 0)
			goto out;
	}
	if (l != LEVEL_CLUSTER &&
	    !json_object_get(json_object_get(doc, l == LEVEL_GROUP ? "groups" : "assign"), name)) {
		char msg[200];

		snprintf(msg, sizeof(msg), "There is no %s named %.64s in cluster %s.",
			 level_word(l), name, c.name);
		command_error(s, msg);
		goto out;
	}
	set_mode(s, l, name);
	say_mode(s, &c);
	rc = 0;
out:
	json_decref(doc);
	return rc;
}

/* A command that edits settings or entries: its name is their area. */
static int edits_settings(const char *command)
{
	for (size_t i = 0; i < config_settings_count; i++)
		if (strcmp(config_settings[i].area, command) == 0)
			return 1;
	for (size_t i = 0; i < entry_kinds_count; i++)
		if (strcmp(entry_kinds[i].area, command) == 0)
			return 1;
	return strcmp(command, "passwd") == 0;
}

static int offer_switch(struct session *s, const struct cluster_conf *c, const char *command,
			enum cluster_level to)
{
	char q[200];
	bool yes;

	printf("The %s command is restricted to %s mode.\n", command, level_word(to));
	snprintf(q, sizeof(q), "Would you like to switch to %s mode%s%s?", level_word(to),
		 to == LEVEL_MACHINE ? " for " : "", to == LEVEL_MACHINE ? c->machine : "");
	if (ask_yes_no(s, q, true, &yes) < 0)
		return -1;
	if (!yes)
		return command_error(s, "The command did not run.");
	set_mode(s, to, to == LEVEL_MACHINE ? c->machine : NULL);
	say_mode(s, c);
	return 0;
}

/* The level question: this machine takes the command's settings from a lower
 * level than the session configures. */
static int ask_level(struct session *s, const struct cluster_conf *c, const char *command)
{
	struct cluster_conf q = *c;
	json_t *doc;
	long version;
	struct err e;
	enum cluster_level at;
	char answer, def = "CGM"[s->cluster_level];

	q.etcd.total_ms = 1000;
	q.etcd.serializable = true; /* a question, not a commit: any member's copy will do */
	if (cluster_doc_fetch(&q, &doc, &version, &e) < 0)
		return 0; /* etcd down: the commit will say so */
	at = doc_area_level(doc, command, c->machine, c->group);
	json_decref(doc);
	if ((int)at <= s->cluster_level)
		return 0;
	printf("This machine's %s settings are defined at %s level.\n", command, level_word(at));
	if (ask_letter(s,
		       "Do you want to make changes at the cluster level, group level or machine "
		       "level?",
		       "CGM", def, &answer) < 0)
		return -1;
	if (answer == 'C')
		set_mode(s, LEVEL_CLUSTER, NULL);
	else if (answer == 'G')
		set_mode(s, LEVEL_GROUP, c->group);
	else
		set_mode(s, LEVEL_MACHINE, c->machine);
	say_mode(s, c);
	return 0;
}

/* The configuration the session's level has, as the console's committed view
 * (db_set_view): settings the level does not hold keep their defaults. */
static int set_view(struct session *s, json_t *doc, const struct level_ref *lv, struct err *e)
{
	json_t *rows = doc_level_rows(doc, lv), *v;
	struct config c;
	struct err bad;
	const char *k;
	int rc;

	if (!rows)
		return err_set(e, "Out of memory.");
	config_defaults(&c);
	json_object_foreach(rows, k, v)
	{
		if (json_is_string(v) && config_find_setting(k))
			(void)config_set(&c, k, json_string_value(v), &bad);
	}
	json_decref(rows);
	rc = db_set_view(s->db, &c, e);
	return rc;
}

void cluster_view_refresh(struct session *s, const char *command)
{
	struct cluster_conf c;
	struct level_ref lv;
	json_t *doc;
	long version;
	struct err e;

	/* Standalone, or disconnected (it keeps its last configuration). */
	if (cluster_mode_get(s, &c, &lv) != 1 || c.disconnected[0] == '1') {
		(void)db_set_view(s->db, NULL, &e);
		return;
	}
	c.etcd.total_ms = 1000;
	c.etcd.serializable = true; /* no quorum needed to look; a commit checks */
	if (cluster_doc_fetch(&c, &doc, &version, &e) < 0) {
		/* etcd unreachable: this machine's own configuration (a commit
		 * would be refused anyway, saying why). */
		if (edits_settings(command))
			printf("The cluster's configuration cannot be read (%s): showing this "
			       "machine's.\n",
			       e.msg);
		(void)db_set_view(s->db, NULL, &e);
		return;
	}
	if (set_view(s, doc, &lv, &e) < 0)
		(void)db_set_view(s->db, NULL, &e);
	json_decref(doc);
}

int cluster_mode_gate(struct session *s, const char *command)
{
	struct cluster_conf c;
	struct level_ref lv;
	enum area_scope sc;

	if (!edits_settings(command) || cluster_mode_get(s, &c, &lv) != 1)
		return 0;
	sc = area_scope(command);
	if (sc == SCOPE_MACHINE && lv.level != LEVEL_MACHINE)
		return offer_switch(s, &c, command, LEVEL_MACHINE);
	if (sc == SCOPE_CLUSTER && lv.level != LEVEL_CLUSTER)
		return offer_switch(s, &c, command, LEVEL_CLUSTER);
	if (sc == SCOPE_ANY && s->interactive)
		return ask_level(s, &c, command);
	return 0;
}
