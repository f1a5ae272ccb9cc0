/* cmd_showchanges: the user's staged edits as a diff against the committed
 * configuration, grouped by the command that edits them. */
#include <stdio.h>

#include "commands.h"

int cmd_showchanges(struct session *s, int argc, char **argv)
{
	struct config committed, edited;
	struct strbuf out;
	struct err e;
	long version;

	(void)argv;
	if (argc > 1)
		return command_error(s, "showchanges takes no arguments.");
	if (db_latest_version(s->db, &version, &e) < 0 ||
	    db_load_config(s->db, version, &committed, &e) < 0 ||
	    db_load_effective(s->db, s->user, &edited, &e) < 0)
		return command_error(s, e.msg);
	strbuf_init(&out);
	if (config_render_changes(&committed, &edited, CHANGES_BLOCK, &out) == 0)
		printf("No changes have been made since the last commit.\n");
	else
		printf("Changes not yet committed (committed configuration: version %ld):\n\n%s",
		       version, out.data);
	strbuf_free(&out);
	return 0;
}
