/* cmd_showchanges: the user's staged edits as a diff against the committed
 * configuration, grouped by the command that edits them. */
#include <stdio.h>

#include <string.h>

#include "../core/entries.h"
#include "commands.h"
#include "prompt.h"

struct entry_changes {
	struct strbuf *out;
	const char *area;
	int count;
};

static int add_entry_change(const char *key, const char *old, const char *value, void *arg)
{
	struct entry_changes *ec = arg;
	const char *name;
	const struct entry_kind *k = entry_kind_of_key(key, &name);

	if (!ec->area || strcmp(ec->area, k->area) != 0)
		strbuf_printf(ec->out, "%s%s:\n", ec->out->len ? "\n" : "", k->area);
	ec->area = k->area;
	entry_render_change(k, name, old, value, ec->out);
	ec->count++;
	return 0;
}

int cmd_showchanges(struct session *s, int argc, char **argv)
{
	struct config committed, edited;
	struct strbuf out;
	struct err e;
	long version;

	(void)argc;
	(void)argv;
	if (db_latest_version(s->db, &version, &e) < 0 ||
	    db_load_config(s->db, version, &committed, &e) < 0 ||
	    db_load_effective(s->db, s->user, &edited, &e) < 0)
		return command_error(s, e.msg);
	if (db_view(s->db))
		committed = *db_view(s->db); /* a cluster level's configuration */
	strbuf_init(&out);
	struct entry_changes ec = { &out, NULL, 0 };
	ec.count = config_render_changes(&committed, &edited, CHANGES_BLOCK, &out);
	if (db_staged_entries(s->db, s->user, add_entry_change, &ec, &e) < 0) {
		strbuf_free(&out);
		return command_error(s, e.msg);
	}
	if (ec.count == 0)
		printf("No changes have been made since the last commit.\n");
	else {
		printf("Changes not yet committed (committed configuration: version %ld):\n\n",
		       version);
		say_text(out.data); /* values escaped: old data may hold anything */
	}
	strbuf_free(&out);
	return 0;
}
