/* fuzz_cluster_doc: the cluster's document (cluster/levels.c), as etcd hands
 * it to every member. The input is a document; when it parses, every
 * machine's effective rows are computed, a change is written at each level
 * and CLUSTERSET run. Invariants: a refused change leaves the document as it
 * was (everything is checked before anything is written); an accepted
 * cluster-level change shows in the effective rows of a machine with no
 * override of that key; the effective snapshot is JSON that parses again. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../../cluster/levels.h"
#include "fuzz_check.h"

static void one_level(json_t *doc, const struct level_ref *lv, const char *key, const char *value)
{
	json_t *base = doc_effective_rows(doc, "fz", NULL), *next, *before;
	struct err e;

	if (!base)
		return;
	next = json_deep_copy(base);
	json_object_set_new(next, key, json_string(value));
	before = json_deep_copy(doc);
	if (doc_apply_diff(doc, lv, base, next, &e) < 0)
		check(json_equal(before, doc));
	json_decref(before);
	json_decref(next);
	json_decref(base);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *text = malloc(size + 1), *snap = NULL;
	struct level_ref cl = { LEVEL_CLUSTER, "" }, gr = { LEVEL_GROUP, "Main_Group" },
			 ma = { LEVEL_MACHINE, "fz" };
	const char *k;
	json_t *doc, *v, *again;
	struct err e;

	if (!text)
		return 0;
	memcpy(text, data, size);
	text[size] = '\0';
	doc = doc_parse(text, &e);
	free(text);
	if (!doc)
		return 0;
	json_object_foreach(json_object_get(doc, "assign"), k, v)
	{
		json_t *rows = doc_effective_rows(doc, k, NULL);
		json_decref(rows);
	}
	one_level(doc, &ma, "user.x", "role=admin");      /* refused: users are cluster-wide */
	one_level(doc, &cl, "system.hostname", "h.example"); /* refused: per machine */
	one_level(doc, &gr, "gui.methods", "tlsv1_2");
	one_level(doc, &ma, "inbound.methods", "tlsv1_3");
	/* Machine zz is in no group and has no override: it sees the cluster's rows. */
	if (!json_object_get(json_object_get(doc, "machines"), "zz") &&
	    !json_object_get(json_object_get(doc, "assign"), "zz") &&
	    !json_object_get(json_object_get(doc, "groups"), "NoGroupHere")) {
		json_t *base = doc_effective_rows(doc, "zz", "NoGroupHere"), *next;
		next = json_deep_copy(base);
		json_object_set_new(next, "fz.key", json_string("v"));
		if (doc_apply_diff(doc, &cl, base, next, &e) == 0) {
			json_t *after = doc_effective_rows(doc, "zz", "NoGroupHere");
			const char *got = json_string_value(json_object_get(after, "fz.key"));
			check(got && strcmp(got, "v") == 0);
			json_decref(after);
		}
		json_decref(next);
		json_decref(base);
	}
	doc_clusterset(doc, "sslconfig", LEVEL_MACHINE, &e);
	doc_clusterset(doc, "sslconfig", LEVEL_GROUP, &e);
	doc_clusterset(doc, "sslconfig", LEVEL_CLUSTER, &e);
	if (doc_effective_snapshot(doc, "fz", NULL, &snap, &e) == 0) {
		again = json_loads(snap, 0, NULL);
		check(again != NULL);
		json_decref(again);
		free(snap);
	}
	json_decref(doc);
	return 0;
}
