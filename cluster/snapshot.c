/* snapshot: a whole committed version as JSON, to and from SQLite (store.h). */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store.h"

static int add_row(const char *key, const char *value, void *arg)
{
	return json_object_set_new(arg, key, json_string(value)) < 0 ? 1 : 0;
}

int snapshot_build_as(struct db *db, long version, long as, char **json, struct err *e)
{
	struct commit_info ci;
	json_t *rows = json_object(), *top;

	*json = NULL;
	if (!rows)
		return err_set(e, "Out of memory.");
	if (db_version_info(db, version, &ci, e) < 0 ||
	    db_version_rows(db, version, add_row, rows, e) < 0) {
		json_decref(rows);
		return -1;
	}
	top = json_pack("{s:I,s:s,s:I,s:s,s:o}", "version", (json_int_t)as, "user", ci.user, "time",
			(json_int_t)ci.time, "comment", ci.comment, "rows", rows);
	*json = top ? json_dumps(top, JSON_COMPACT | JSON_SORT_KEYS) : NULL;
	json_decref(top);
	if (!*json)
		return err_set(e, "Out of memory.");
	if ((long)strlen(*json) > SNAPSHOT_MAX) {
		free(*json);
		*json = NULL;
		return err_set(
			e, "The configuration is larger than a cluster commit may be (%ld bytes).",
			SNAPSHOT_MAX);
	}
	return 0;
}

int snapshot_build(struct db *db, long version, char **json, struct err *e)
{
	return snapshot_build_as(db, version, version, json, e);
}

int snapshot_import(struct db *db, const char *json, long *version, int *written, struct err *e)
{
	json_t *top = json_loads(json, 0, NULL), *rows;
	struct commit_info ci;
	const char **keys = NULL, **values = NULL;
	const char *k, *user, *comment;
	json_int_t v, t;
	json_t *val;
	size_t n = 0;
	int rc = -1;

	*written = 0;
	if (!top ||
	    json_unpack(top, "{s:I,s:s,s:I,s:s,s:o}", "version", &v, "user", &user, "time", &t,
			"comment", &comment, "rows", &rows) < 0 ||
	    !json_is_object(rows) || v < 1) {
		json_decref(top);
		return err_set(e, "The cluster's configuration in etcd is not a tlsgate snapshot.");
	}
	memset(&ci, 0, sizeof(ci));
	ci.version = (long)v;
	ci.time = (time_t)t;
	snprintf(ci.user, sizeof(ci.user), "%s", user);
	snprintf(ci.comment, sizeof(ci.comment), "%s", comment);
	keys = calloc(json_object_size(rows) + 1, sizeof(*keys));
	values = calloc(json_object_size(rows) + 1, sizeof(*values));
	if (!keys || !values) {
		err_set(e, "Out of memory.");
		goto out;
	}
	json_object_foreach(rows, k, val)
	{
		if (!json_is_string(val)) {
			err_set(e,
				"The cluster's configuration in etcd is not a tlsgate snapshot.");
			goto out;
		}
		keys[n] = k;
		values[n++] = json_string_value(val);
	}
	*version = ci.version;
	rc = db_import_version(db, &ci, keys, values, n, written, e);
out:
	free(keys);
	free(values);
	json_decref(top);
	return rc;
}

int snapshot_renumber(const char *json, long as, char **out, struct err *e)
{
	json_t *top = json_loads(json, 0, NULL);

	*out = NULL;
	if (!top || !json_is_object(top) ||
	    json_object_set_new(top, "version", json_integer((json_int_t)as)) < 0) {
		json_decref(top);
		return err_set(e, "The cluster's configuration in etcd is not a tlsgate snapshot.");
	}
	*out = json_dumps(top, JSON_COMPACT | JSON_SORT_KEYS);
	json_decref(top);
	return *out ? 0 : err_set(e, "Out of memory.");
}
