/* test_levels: the cluster's document (cluster/levels.c): effective
 * configuration cluster -> group -> machine, a commit's changes written at a
 * level, the refusals (users below the cluster level, per-machine settings
 * above the machine level), CLUSTERSET and what a machine keeps when it joins. */
#include <stdlib.h>
#include <string.h>

#include "../../cluster/levels.h"
#include "tap.h"

static const char *DOC =
	"{\"version\":7,\"user\":\"u\",\"time\":1,\"comment\":\"c\",\"name\":\"fleet\","
	"\"rows\":{\"gui.methods\":\"tlsv1_3\",\"inbound.methods\":\"tlsv1_2\","
	"\"system.hostname\":\"a.example\",\"user.adm\":\"role=admin\",\"cert.web\":\"PEM\"},"
	"\"groups\":{\"Main_Group\":{},\"Edge\":{\"gui.methods\":\"tlsv1_2\"}},"
	"\"machines\":{\"gwB\":{\"inbound.methods\":\"tlsv1_3\",\"system.hostname\":\"b.example\","
	"\"cert.web\":null}},"
	"\"assign\":{\"gwA\":\"Main_Group\",\"gwB\":\"Edge\"}}";

static const char *get(json_t *rows, const char *k)
{
	const char *v = json_string_value(json_object_get(rows, k));
	return v ? v : "(absent)";
}

int main(void)
{
	struct err e;
	json_t *doc = doc_parse(DOC, &e), *a, *b, *base, *next;
	struct level_ref cl = { LEVEL_CLUSTER, "" }, gr = { LEVEL_GROUP, "Edge" },
			 ma = { LEVEL_MACHINE, "gwB" }, nog = { LEVEL_GROUP, "NoSuch" };

	CHECK(doc != NULL, "the document parses");
	a = doc_effective_rows(doc, "gwA", NULL);
	b = doc_effective_rows(doc, "gwB", NULL);
	CHECK(strcmp(get(a, "gui.methods"), "tlsv1_3") == 0,
	      "gwA (Main_Group): the cluster's value");
	CHECK(strcmp(get(b, "gui.methods"), "tlsv1_2") == 0, "gwB: its group Edge overrides");
	CHECK(strcmp(get(b, "inbound.methods"), "tlsv1_3") == 0, "gwB: its machine overrides");
	CHECK(strcmp(get(b, "cert.web"), "(absent)") == 0, "gwB: null at machine level removes");
	{
		/* Each level's view: what a console configuring it shows. */
		json_t *vc = doc_level_rows(doc, &cl), *vg = doc_level_rows(doc, &gr),
		       *vm = doc_level_rows(doc, &ma);

		CHECK(strcmp(get(vc, "gui.methods"), "tlsv1_3") == 0 &&
			      strcmp(get(vc, "inbound.methods"), "tlsv1_2") == 0,
		      "the cluster level's view: the cluster's rows only");
		CHECK(strcmp(get(vg, "gui.methods"), "tlsv1_2") == 0 &&
			      strcmp(get(vg, "inbound.methods"), "tlsv1_2") == 0,
		      "group Edge's view: the cluster's under Edge's overrides, not gwB's");
		CHECK(json_equal(vm, b), "machine gwB's view: gwB's effective configuration");
		json_decref(vc);
		json_decref(vg);
		json_decref(vm);
	}
	CHECK(strcmp(get(a, "cert.web"), "PEM") == 0, "gwA keeps the cluster's entry");
	CHECK(strcmp(doc_group_of(doc, "gwZ", "Main_Group"), "Main_Group") == 0,
	      "an unassigned machine takes the fallback group");
	CHECK(doc_area_level(doc, "sslconfig", "gwB", NULL) == LEVEL_MACHINE,
	      "gwB's sslconfig settings are defined at machine level");
	CHECK(doc_area_level(doc, "sslconfig", "gwA", NULL) == LEVEL_CLUSTER,
	      "gwA's at cluster level");

	/* A commit on gwA changing gui.methods, at each level. */
	base = json_deep_copy(a);
	next = json_deep_copy(a);
	json_object_set_new(next, "gui.methods", json_string("tlsv1_2tlsv1_3"));
	CHECK(doc_apply_diff(doc, &gr, base, next, &e) == 0, "a group-level change is accepted");
	CHECK(strcmp(get(json_object_get(json_object_get(doc, "groups"), "Edge"), "gui.methods"),
		     "tlsv1_2tlsv1_3") == 0,
	      "... and written into group Edge only");
	CHECK(strcmp(get(json_object_get(doc, "rows"), "gui.methods"), "tlsv1_3") == 0,
	      "... the cluster's row is untouched");
	CHECK(doc_apply_diff(doc, &nog, base, next, &e) < 0 && strstr(e.msg, "no group named"),
	      "an unknown group is refused");
	json_object_del(next, "cert.web");
	CHECK(doc_apply_diff(doc, &ma, base, next, &e) == 0, "a machine-level deletion");
	CHECK(json_is_null(json_object_get(json_object_get(json_object_get(doc, "machines"), "gwB"),
					   "cert.web")),
	      "... is a null override");
	CHECK(doc_apply_diff(doc, &cl, base, next, &e) == 0 &&
		      !json_object_get(json_object_get(doc, "rows"), "cert.web"),
	      "a cluster-level deletion removes the row");
	json_decref(next);

	/* Users are cluster-wide; the hostname is per machine. */
	next = json_deep_copy(base);
	json_object_set_new(next, "user.mallory", json_string("role=admin"));
	CHECK(doc_apply_diff(doc, &ma, base, next, &e) < 0 && strstr(e.msg, "cluster-wide"),
	      "a user at machine level is refused");
	CHECK(!json_object_get(json_object_get(json_object_get(doc, "machines"), "gwB"),
			       "user.mallory"),
	      "... and nothing of the commit was written");
	CHECK(doc_apply_diff(doc, &cl, base, next, &e) == 0, "a user at cluster level is accepted");
	json_decref(next);
	next = json_deep_copy(base);
	json_object_set_new(next, "system.hostname", json_string("x.example"));
	CHECK(doc_apply_diff(doc, &cl, base, next, &e) < 0 && strstr(e.msg, "per machine"),
	      "the hostname at cluster level is refused");
	CHECK(doc_apply_diff(doc, &gr, base, next, &e) < 0, "... and at group level");
	CHECK(doc_apply_diff(doc, &ma, base, next, &e) == 0, "... accepted at machine level");
	json_decref(next);

	/* CLUSTERSET. */
	json_decref(a);
	a = doc_effective_rows(doc, "gwA", NULL);
	CHECK(doc_clusterset(doc, "sslconfig", LEVEL_MACHINE, &e) == 0, "CLUSTERSET per machine");
	{
		json_t *m = json_object_get(doc, "machines");
		json_t *ea = doc_effective_rows(doc, "gwA", NULL);
		CHECK(json_object_get(json_object_get(m, "gwA"), "gui.methods") &&
			      json_object_get(json_object_get(m, "gwB"), "outbound.methods") ==
				      NULL,
		      "every machine gets a copy of its sslconfig rows (the ones present)");
		CHECK(json_object_size(json_object_get(json_object_get(doc, "groups"), "Edge")) ==
			      0,
		      "the group's sslconfig overrides are gone");
		CHECK(strcmp(get(ea, "gui.methods"), get(a, "gui.methods")) == 0,
		      "gwA's effective value did not change");
		json_decref(ea);
	}
	CHECK(doc_clusterset(doc, "sslconfig", LEVEL_CLUSTER, &e) == 0 &&
		      doc_area_level(doc, "sslconfig", "gwB", NULL) == LEVEL_CLUSTER,
	      "CLUSTERSET cluster: no overrides left");
	CHECK(doc_clusterset(doc, "userconfig", LEVEL_MACHINE, &e) < 0,
	      "users cannot move between levels");

	/* What a machine keeps when it joins. */
	{
		json_t *rows = json_pack("{s:s,s:s,s:s,s:s,s:s}", "system.hostname", "j.example",
					 "gui.certificate", "mine", "cert.mine", "PEM1",
					 "cert.other", "PEM2", "gui.methods", "tlsv1_2");
		json_t *own = rows_machine_own(rows);
		CHECK(json_object_size(own) == 3 && json_object_get(own, "cert.mine") &&
			      !json_object_get(own, "gui.methods"),
		      "hostname, GUI certificate and its profile; not the ssl settings");
		json_object_set_new(rows, "cert.mine", json_string("PEM1"));
		own_drop_shared(own, rows);
		CHECK(json_object_size(own) == 2 && !json_object_get(own, "cert.mine"),
		      "a profile the cluster already holds as is is not the machine's own");
		json_decref(own);
		json_decref(rows);
	}
	CHECK(doc_parse("{\"rows\":[]}", &e) == NULL, "a malformed document is refused");
	CHECK(doc_parse("not json", &e) == NULL, "text that is not JSON is refused");
	json_decref(base);
	json_decref(a);
	json_decref(b);
	json_decref(doc);
	return tap_done();
}
