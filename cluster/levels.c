/* levels: cluster -> group -> machine, the cluster's document (levels.h). */
#include "levels.h"

#include <stdio.h>
#include <string.h>

#include "../core/config.h"
#include "../core/entries.h"

static const char *const words[] = { "cluster", "group", "machine" };
static const char *const titles[] = { "Cluster", "Group", "Machine" };

const char *level_word(enum cluster_level l)
{
	return words[l];
}

const char *level_title(enum cluster_level l)
{
	return titles[l];
}

const char *key_area(const char *key)
{
	const struct entry_kind *k = entry_kind_of_key(key, NULL);

	if (k)
		return k->area;
	for (size_t i = 0; i < config_settings_count; i++)
		if (strcmp(config_settings[i].key, key) == 0)
			return config_settings[i].area;
	return NULL;
}

enum area_scope area_scope(const char *area)
{
	if (!area)
		return SCOPE_ANY;
	if (strcmp(area, "userconfig") == 0 || strcmp(area, "passwd") == 0)
		return SCOPE_CLUSTER;
	if (strcmp(area, "sethostname") == 0 || strcmp(area, "interfaceconfig") == 0)
		return SCOPE_MACHINE;
	return SCOPE_ANY;
}

static json_t *object_member(json_t *top, const char *name)
{
	json_t *o = json_object_get(top, name);

	if (!json_is_object(o)) {
		o = json_object();
		json_object_set_new(top, name, o);
	}
	return o;
}

json_t *doc_parse(const char *json, struct err *e)
{
	json_t *top = json_loads(json, 0, NULL), *groups, *o;
	const char *k;

	if (!json_is_object(top) || !json_is_object(json_object_get(top, "rows")) ||
	    !json_is_integer(json_object_get(top, "version"))) {
		json_decref(top);
		err_set(e, "The cluster's configuration in etcd is not a tlsgate snapshot.");
		return NULL;
	}
	groups = object_member(top, "groups");
	object_member(top, "machines");
	object_member(top, "assign");
	if (json_object_size(groups) == 0)
		json_object_set_new(groups, DEFAULT_GROUP, json_object());
	json_object_foreach(groups, k, o)
	{
		if (!json_is_object(o)) {
			json_decref(top);
			err_set(e,
				"The cluster's configuration in etcd is not a tlsgate snapshot.");
			return NULL;
		}
	}
	return top;
}

const char *doc_group_of(json_t *doc, const char *machine, const char *fallback)
{
	const char *g = json_string_value(json_object_get(json_object_get(doc, "assign"), machine));

	return g ? g : fallback;
}

static void overlay(json_t *rows, json_t *over)
{
	const char *k;
	json_t *v;

	if (!json_is_object(over))
		return;
	json_object_foreach(over, k, v)
	{
		if (json_is_null(v))
			json_object_del(rows, k);
		else
			json_object_set(rows, k, v);
	}
}

json_t *doc_effective_rows(json_t *doc, const char *machine, const char *fallback_group)
{
	json_t *rows = json_deep_copy(json_object_get(doc, "rows"));
	const char *g = doc_group_of(doc, machine, fallback_group);

	if (!rows)
		return NULL;
	if (g)
		overlay(rows, json_object_get(json_object_get(doc, "groups"), g));
	overlay(rows, json_object_get(json_object_get(doc, "machines"), machine));
	return rows;
}

json_t *doc_level_rows(json_t *doc, const struct level_ref *lv)
{
	json_t *rows;

	if (lv->level == LEVEL_MACHINE)
		return doc_effective_rows(doc, lv->name, NULL);
	rows = json_deep_copy(json_object_get(doc, "rows"));
	if (rows && lv->level == LEVEL_GROUP)
		overlay(rows, json_object_get(json_object_get(doc, "groups"), lv->name));
	return rows;
}

int doc_effective_snapshot(json_t *doc, const char *machine, const char *fallback_group, char **out,
			   struct err *e)
{
	json_t *rows = doc_effective_rows(doc, machine, fallback_group), *top;
	const char *keys[] = { "version", "user", "time", "comment" };

	*out = NULL;
	if (!rows)
		return err_set(e, "Out of memory.");
	top = json_object();
	for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++)
		json_object_set(top, keys[i], json_object_get(doc, keys[i]));
	json_object_set_new(top, "rows", rows);
	*out = json_dumps(top, JSON_COMPACT | JSON_SORT_KEYS);
	json_decref(top);
	return *out ? 0 : err_set(e, "Out of memory.");
}

/* The layer a level writes into. */
static json_t *layer(json_t *doc, const struct level_ref *lv)
{
	if (lv->level == LEVEL_CLUSTER)
		return json_object_get(doc, "rows");
	return object_member(object_member(doc, lv->level == LEVEL_GROUP ? "groups" : "machines"),
			     lv->name);
}

static int allowed_at(const char *key, const struct level_ref *lv, struct err *e)
{
	enum area_scope sc = area_scope(key_area(key));

	if (sc == SCOPE_CLUSTER && lv->level != LEVEL_CLUSTER)
		return err_set(e,
			       "%s is cluster-wide (users are the same on every machine): commit "
			       "it in cluster mode (clustermode cluster). Nothing was committed.",
			       key);
	if (sc == SCOPE_MACHINE && lv->level != LEVEL_MACHINE)
		return err_set(e,
			       "%s is set per machine: commit it in machine mode (clustermode "
			       "machine NAME). Nothing was committed.",
			       key);
	return 0;
}

int doc_apply_diff(json_t *doc, const struct level_ref *lv, json_t *base, json_t *next,
		   struct err *e)
{
	json_t *to, *v;
	const char *k;

	if (lv->level == LEVEL_GROUP && !json_object_get(json_object_get(doc, "groups"), lv->name))
		return err_set(e, "There is no group named %s in the cluster.", lv->name);
	if (lv->level == LEVEL_MACHINE &&
	    !json_object_get(json_object_get(doc, "assign"), lv->name))
		return err_set(e, "There is no machine named %s in the cluster.", lv->name);
	/* Check everything first: a refused key leaves the document as it was. */
	json_object_foreach(next, k, v)
	{
		if (!json_equal(v, json_object_get(base, k)) && allowed_at(k, lv, e) < 0)
			return -1;
	}
	json_object_foreach(base, k, v)
	{
		if (!json_object_get(next, k) && allowed_at(k, lv, e) < 0)
			return -1;
	}
	to = layer(doc, lv);
	json_object_foreach(next, k, v)
	{
		if (!json_equal(v, json_object_get(base, k)))
			json_object_set(to, k, v);
	}
	json_object_foreach(base, k, v)
	{
		if (json_object_get(next, k))
			continue;
		if (lv->level == LEVEL_CLUSTER)
			json_object_del(to, k);
		else
			json_object_set_new(to, k, json_null());
	}
	return 0;
}

static int count_area(json_t *over, const char *area)
{
	const char *k, *a;
	json_t *v;
	int n = 0;

	json_object_foreach(over, k, v)
	{
		a = key_area(k);
		n += a && strcmp(a, area) == 0;
	}
	return n;
}

enum cluster_level doc_area_level(json_t *doc, const char *area, const char *machine,
				  const char *fallback_group)
{
	const char *g = doc_group_of(doc, machine, fallback_group);

	if (count_area(json_object_get(json_object_get(doc, "machines"), machine), area))
		return LEVEL_MACHINE;
	if (g && count_area(json_object_get(json_object_get(doc, "groups"), g), area))
		return LEVEL_GROUP;
	return LEVEL_CLUSTER;
}

void doc_area_overrides(json_t *doc, const char *area, doc_override_fn fn, void *arg)
{
	const char *name;
	json_t *over;
	int n;

	json_object_foreach(json_object_get(doc, "groups"), name, over)
	{
		if ((n = count_area(over, area)))
			fn(LEVEL_GROUP, name, n, arg);
	}
	json_object_foreach(json_object_get(doc, "machines"), name, over)
	{
		if ((n = count_area(over, area)))
			fn(LEVEL_MACHINE, name, n, arg);
	}
}

static void drop_area(json_t *over, const char *area)
{
	const char *k, *a;
	json_t *v;
	void *tmp;

	json_object_foreach_safe(over, tmp, k, v)
	{
		a = key_area(k);
		if (a && strcmp(a, area) == 0)
			json_object_del(over, k);
	}
}

/* AREA's keys of `eff` (absent ones as null, against the cluster's rows). */
static void copy_area(json_t *to, json_t *eff, json_t *rows, const char *area)
{
	const char *k, *a;
	json_t *v;

	json_object_foreach(eff, k, v)
	{
		if ((a = key_area(k)) && strcmp(a, area) == 0)
			json_object_set(to, k, v);
	}
	json_object_foreach(rows, k, v)
	{
		if ((a = key_area(k)) && strcmp(a, area) == 0 && !json_object_get(eff, k))
			json_object_set_new(to, k, json_null());
	}
}

int doc_clusterset(json_t *doc, const char *area, enum cluster_level to, struct err *e)
{
	json_t *groups = json_object_get(doc, "groups"), *machines = object_member(doc, "machines");
	json_t *rows = json_object_get(doc, "rows"), *assign = json_object_get(doc, "assign");
	json_t *over, *eff, *g;
	const char *name;

	if (area_scope(area) != SCOPE_ANY)
		return err_set(e, "%s settings cannot move between levels.", area);
	if (to == LEVEL_GROUP) {
		json_object_foreach(groups, name, over)
		{
			/* The group's view: the cluster's rows under its overrides. */
			eff = json_deep_copy(rows);
			overlay(eff, over);
			copy_area(over, eff, rows, area);
			json_decref(eff);
		}
	} else if (to == LEVEL_MACHINE) {
		json_object_foreach(assign, name, g)
		{
			eff = doc_effective_rows(doc, name, NULL);
			over = object_member(machines, name);
			copy_area(over, eff, rows, area);
			json_decref(eff);
		}
	}
	if (to != LEVEL_GROUP)
		json_object_foreach(groups, name, over) drop_area(over, area);
	if (to != LEVEL_MACHINE)
		json_object_foreach(machines, name, over) drop_area(over, area);
	return 0;
}

json_t *rows_machine_own(json_t *rows)
{
	json_t *own = json_object(), *v;
	const char *k, *cert;
	char key[300];

	json_object_foreach(rows, k, v)
	{
		if (area_scope(key_area(k)) == SCOPE_MACHINE)
			json_object_set(own, k, v);
	}
	cert = json_string_value(json_object_get(rows, "gui.certificate"));
	if (cert && cert[0]) {
		snprintf(key, sizeof(key), "cert.%s", cert);
		if (json_object_get(rows, key))
			json_object_set(own, key, json_object_get(rows, key));
	}
	return own;
}

void own_drop_shared(json_t *own, json_t *rows)
{
	const char *k;
	json_t *v;
	void *tmp;

	json_object_foreach_safe(own, tmp, k, v)
	{
		if (area_scope(key_area(k)) != SCOPE_MACHINE &&
		    json_equal(v, json_object_get(rows, k)))
			json_object_del(own, k);
	}
}
