/* cmd_sslconfig_cluster: sslconfig CLUSTERSET and CLUSTERSHOW on a cluster
 * member (spec part 2, §2): where the ssl settings are configured. CLUSTERSET
 * is one change of the cluster's document (cluster/doc_txn.h), in effect at
 * once on every member:
 *   1. the cluster's settings on every machine (group and machine overrides
 *      of the ssl settings are removed);
 *   2. per group: every group gets a copy of the settings it has in effect;
 *   3. per machine: every machine gets a copy of what it has in effect. */
#include "cmd_sslconfig_cluster.h"

#include <stdio.h>

#include "../cluster/doc_txn.h"
#include "commands.h"
#include "prompt.h"

#define AREA "sslconfig"

bool sslconfig_in_cluster(const void *ctx, int arg)
{
	const struct sslconfig_home *h = ctx;
	struct cluster_conf c;
	struct err e;

	(void)arg;
	return cluster_conf_load(h->home, &c, &e) == 1;
}

static void show_one(enum cluster_level l, const char *name, int count, void *arg)
{
	(*(int *)arg)++;
	printf("  %s %s overrides %d ssl setting%s.\n", level_title(l), name, count,
	       count == 1 ? "" : "s");
}

int sslconfig_clustershow(struct session *s, void *ctx, int arg)
{
	struct cluster_conf c;
	json_t *doc;
	long version;
	struct err e;
	int n = 0;

	(void)ctx;
	(void)arg;
	if (cluster_conf_load(s->home, &c, &e) != 1)
		return command_error(s, "This machine is not in a cluster.");
	if (cluster_doc_fetch(&c, &doc, &version, &e) < 0)
		return command_error(s, e.msg);
	printf("ssl settings in cluster %s (version %ld): the cluster level", c.name, version);
	printf(", overridden by:\n");
	doc_area_overrides(doc, AREA, show_one, &n);
	if (n == 0)
		printf("  nothing: every machine uses the cluster's ssl settings.\n");
	printf("This machine (%s, group %s) takes its ssl settings from the %s level.\n", c.machine,
	       c.group, level_word(doc_area_level(doc, AREA, c.machine, c.group)));
	json_decref(doc);
	return 0;
}

static int set_level(json_t *doc, void *arg, struct err *e)
{
	return doc_clusterset(doc, AREA, *(enum cluster_level *)arg, e);
}

int sslconfig_clusterset(struct session *s, void *ctx, int arg)
{
	static const char *const items[] = {
		"Use the cluster's ssl settings on every machine.",
		"Configure ssl settings per group (each group starts from what it has in effect).",
		"Configure ssl settings per machine (each machine starts from what it has in "
		"effect).",
	};
	struct cluster_conf c;
	struct doc_change ch = {
		s->user, "sslconfig CLUSTERSET", 0, set_level, NULL, NULL, NULL, 0
	};
	enum cluster_level to;
	json_t *doc;
	long version;
	int chosen, written;
	struct err e;

	(void)ctx;
	(void)arg;
	if (cluster_conf_load(s->home, &c, &e) != 1)
		return command_error(s, "This machine is not in a cluster.");
	if (ask_pick(s, "How do you want to configure ssl settings in the cluster?", items, 3, 1,
		     &chosen) < 0)
		return -1;
	to = (enum cluster_level)(chosen - 1);
	ch.arg = &to;
	if (cluster_doc_update(&c, &ch, &doc, &version, &e) < 0)
		return command_error(s, e.msg);
	if (cluster_doc_import_self(s->db, &c, doc, &version, &written, &e) < 0)
		say_error(e.msg);
	json_decref(doc);
	printf("ssl settings are now configured at %s level (cluster %s, version %ld); the "
	       "change to the cluster takes effect immediately.\n",
	       level_word(to), c.name, version);
	return 0;
}
