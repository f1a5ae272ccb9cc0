/* cmd_destconfig: AsyncOS destconfig — the destination control table (per
 * domain limits and TLS level, the DEFAULT entry) and its global settings.
 * Entries are named entries of kind "dest" (core/dest.h for the value); the
 * questions are in cmd_destconfig_dialog.c. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "../core/dest.h"
#include "../core/dest_ini.h"
#include "../core/domain_map.h"
#include "../core/scp_parse.h"
#include "commands.h"
#include "config_files.h"
#include "destconfig.h"
#include "input.h"
#include "menu.h"
#include "prompt.h"

/* ---- the table as the user sees it (committed + their staged edits) ---- */

struct dest_row {
	char name[DEST_DOMAIN_MAX + 1];
	struct dest_policy policy;
};

struct dest_rows {
	struct dest_row *rows; /* domains, sorted; DEFAULT apart */
	size_t count, cap;
	struct dest_policy def;
	struct err *e;
	int bad;
};

static int collect(const char *name, const char *value, void *arg)
{
	struct dest_rows *r = arg;
	struct dest_policy p;

	if (dest_policy_decode(value, &p, r->e) < 0) {
		r->bad = 1;
		return 1;
	}
	if (strcmp(name, DEST_DEFAULT_NAME) == 0) {
		dest_policy_merge(&r->def, &p, &r->def);
		return 0;
	}
	if (r->count == r->cap) {
		r->cap = r->cap ? r->cap * 2 : 64;
		r->rows = realloc(r->rows, r->cap * sizeof(*r->rows));
		if (!r->rows)
			abort();
	}
	snprintf(r->rows[r->count].name, sizeof(r->rows[0].name), "%s", name);
	r->rows[r->count++].policy = p;
	return 0;
}

static int load_rows(struct session *s, struct dest_rows *r, struct err *e)
{
	memset(r, 0, sizeof(*r));
	dest_policy_defaults(&r->def);
	r->e = e;
	if (db_entries_list(s->db, 0, s->user, "dest", collect, r, e) < 0 || r->bad) {
		free(r->rows);
		return -1;
	}
	return 0;
}

static struct dest_row *find_row(struct dest_rows *r, const char *name)
{
	for (size_t i = 0; i < r->count; i++)
		if (strcmp(r->rows[i].name, name) == 0)
			return &r->rows[i];
	return NULL;
}

static int stage(struct session *s, const char *name, const struct dest_policy *p)
{
	struct strbuf value;
	struct err e;
	int rc;

	strbuf_init(&value);
	if (p)
		dest_policy_encode(p, &value);
	rc = db_entry_stage(s->db, s->user, "dest", name, p ? value.data : NULL, &e);
	strbuf_free(&value);
	return rc < 0 ? command_error(s, e.msg) : 0;
}

static int check_domain(char *answer, void *arg, struct err *e)
{
	(void)arg;
	return dest_check_domain(answer, e);
}

static int op_new(struct session *s, void *ctx, int unused)
{
	char name[INPUT_LINE_MAX];
	struct dest_policy p;
	char *old = NULL;
	struct err e;

	(void)ctx;
	(void)unused;
	if (ask_text(s, "Enter the domain you wish to configure.", NULL, name, sizeof(name),
		     check_domain, NULL) < 0)
		return -1;
	if (db_entry_get(s->db, s->user, "dest", name, &old, &e) < 0)
		return command_error(s, e.msg);
	if (old) {
		free(old);
		snprintf(e.msg, sizeof(e.msg),
			 "That value is not valid. \"%.200s\" is already in the destination "
			 "control table; use EDIT.",
			 name);
		return command_error(s, e.msg);
	}
	dest_policy_empty(&p);
	if (destconfig_policy_dialog(s, name, false, true, &p) < 0)
		return -1;
	return stage(s, name, &p);
}

static int ask_existing(struct session *s, const char *question, char *name, size_t len,
			struct dest_policy *p)
{
	char *value = NULL;
	struct err e;

	if (ask_text(s, question, NULL, name, len, check_domain, NULL) < 0)
		return -1;
	if (db_entry_get(s->db, s->user, "dest", name, &value, &e) < 0)
		return command_error(s, e.msg);
	if (!value) {
		snprintf(e.msg, sizeof(e.msg),
			 "That value is not valid. \"%.200s\" was not found in the destination "
			 "control table.",
			 name);
		return command_error(s, e.msg);
	}
	if (dest_policy_decode(value, p, &e) < 0) {
		free(value);
		return command_error(s, e.msg);
	}
	free(value);
	return 0;
}

static int op_edit(struct session *s, void *ctx, int unused)
{
	char name[INPUT_LINE_MAX];
	struct dest_policy p;

	(void)ctx;
	(void)unused;
	if (ask_existing(s, "Enter the domain you wish to edit.", name, sizeof(name), &p) < 0 ||
	    destconfig_policy_dialog(s, name, false, false, &p) < 0)
		return -1;
	return stage(s, name, &p);
}

static int op_delete(struct session *s, void *ctx, int unused)
{
	char name[INPUT_LINE_MAX];
	struct dest_policy p;

	(void)ctx;
	(void)unused;
	if (ask_existing(s, "Enter the domain you wish to delete.", name, sizeof(name), &p) < 0)
		return -1;
	return stage(s, name, NULL);
}

static int op_default(struct session *s, void *ctx, int unused)
{
	struct dest_rows r;
	struct err e;
	int rc;

	(void)ctx;
	(void)unused;
	if (load_rows(s, &r, &e) < 0)
		return command_error(s, e.msg);
	free(r.rows);
	rc = destconfig_policy_dialog(s, DEST_DEFAULT_NAME, true, false, &r.def);
	return rc < 0 ? -1 : stage(s, DEST_DEFAULT_NAME, &r.def);
}

/* ---- views ---- */

static void list_row(const char *name, const struct dest_policy *p, bool is_default)
{
	char rate[16];

	if (is_default || (p->set & DEST_F_CONCURRENCY))
		snprintf(rate, sizeof(rate), "%d", p->max_host_concurrency);
	else
		snprintf(rate, sizeof(rate), "Default");
	/* The TLS words of the destconfig question and DETAIL ("No", ...). */
	printf("%-30s %-9s %-18s %-12s %s\n", name, rate,
	       is_default || (p->set & DEST_F_TLS) ? tls_level_label(p->tls) : "Default",
	       is_default || (p->set & DEST_F_BOUNCE_VAL) ? (p->bounce_validation ? "On" : "Off")
							  : "Default",
	       is_default || (p->set & DEST_F_BOUNCE_PROF) ? p->bounce_profile : "Default");
}

static int op_list(struct session *s, void *ctx, int unused)
{
	struct dest_rows r;
	struct err e;

	(void)ctx;
	(void)unused;
	if (load_rows(s, &r, &e) < 0)
		return command_error(s, e.msg);
	printf("\n%-30s %-9s %-18s %-12s %s\n", "", "Rate", "", "Bounce", "Bounce");
	printf("%-30s %-9s %-18s %-12s %s\n", "Domain", "Limiting", "TLS", "Verification",
	       "Profile");
	printf("%-30s %-9s %-18s %-12s %s\n", "==============================", "=========",
	       "==================", "============", "=======");
	for (size_t i = 0; i < r.count; i++)
		list_row(r.rows[i].name, &r.rows[i].policy, false);
	list_row("(Default)", &r.def, true);
	free(r.rows);
	return 0;
}

static void detail(const char *name, const struct dest_policy *own, const struct dest_policy *def)
{
	struct dest_policy p;
	const char *inherit = strcmp(name, DEST_DEFAULT_NAME) == 0 ? "" : " (default)";

#define FROM(bit) ((own->set & (bit)) ? "" : inherit)
	dest_policy_merge(&p, own, def);
	printf("\n%s\n", name);
	printf("  Maximum concurrent connections: %d%s\n", p.max_host_concurrency,
	       FROM(DEST_F_CONCURRENCY));
	if (p.max_messages_per_connection)
		printf("  Maximum messages per connection: %d%s\n", p.max_messages_per_connection,
		       FROM(DEST_F_MESSAGES));
	else
		printf("  Maximum messages per connection: None%s\n", FROM(DEST_F_MESSAGES));
	if (p.recipient_limit)
		printf("  Recipient limit: %d per %d minutes%s\n", p.recipient_limit,
		       p.recipient_minutes, FROM(DEST_F_RECIPIENTS));
	else
		printf("  Recipient limit: None%s\n", FROM(DEST_F_RECIPIENTS));
	printf("  Limits apply to: %s%s\n",
	       p.limit_type == DEST_LIMIT_MXIP ? "each mail exchanger IP address"
					       : "the entire domain",
	       FROM(DEST_F_LIMIT_TYPE));
	printf("  TLS: %s%s\n", tls_level_label(p.tls), FROM(DEST_F_TLS));
	printf("  Bounce verification address tagging: %s%s\n", p.bounce_validation ? "On" : "Off",
	       FROM(DEST_F_BOUNCE_VAL));
	printf("  Bounce profile: %s%s\n", p.bounce_profile, FROM(DEST_F_BOUNCE_PROF));
#undef FROM
}

static int check_detail_name(char *answer, void *arg, struct err *e)
{
	(void)arg;
	if (strcasecmp(answer, "ALL") == 0 || strcasecmp(answer, DEST_DEFAULT_NAME) == 0) {
		for (char *c = answer; *c; c++)
			*c = (char)(*c >= 'a' && *c <= 'z' ? *c - 'a' + 'A' : *c);
		return 0;
	}
	return dest_check_domain(answer, e);
}

static int op_detail(struct session *s, void *ctx, int unused)
{
	char name[INPUT_LINE_MAX];
	struct dest_rows r;
	struct dest_row *row;
	struct err e;

	(void)ctx;
	(void)unused;
	if (ask_text(s, "Enter the domain you wish to view, DEFAULT, or ALL.", NULL, name,
		     sizeof(name), check_detail_name, NULL) < 0)
		return -1;
	if (load_rows(s, &r, &e) < 0)
		return command_error(s, e.msg);
	if (strcmp(name, "ALL") == 0 || strcmp(name, DEST_DEFAULT_NAME) == 0)
		detail(DEST_DEFAULT_NAME, &r.def, &r.def);
	if (strcmp(name, "ALL") == 0)
		for (size_t i = 0; i < r.count; i++)
			detail(r.rows[i].name, &r.rows[i].policy, &r.def);
	if (strcmp(name, "ALL") != 0 && strcmp(name, DEST_DEFAULT_NAME) != 0) {
		row = find_row(&r, name);
		if (!row) {
			free(r.rows);
			snprintf(e.msg, sizeof(e.msg),
				 "That value is not valid. \"%.200s\" was not found in the "
				 "destination control table.",
				 name);
			return command_error(s, e.msg);
		}
		detail(row->name, &row->policy, &r.def);
	}
	free(r.rows);
	return 0;
}

static int op_clear(struct session *s, void *ctx, int unused)
{
	struct dest_rows r;
	struct err e;
	bool yes;
	int rc = 0;

	(void)ctx;
	(void)unused;
	if (ask_yes_no(s, "Do you want to remove all entries?", false, &yes) < 0)
		return -1;
	if (!yes)
		return 0;
	if (load_rows(s, &r, &e) < 0)
		return command_error(s, e.msg);
	if (db_tx_begin(s->db, &e) < 0) {
		free(r.rows);
		return command_error(s, e.msg);
	}
	for (size_t i = 0; i < r.count && rc == 0; i++)
		rc = db_entry_stage(s->db, s->user, "dest", r.rows[i].name, NULL, &e);
	free(r.rows);
	if (rc < 0 || db_tx_commit(s->db, &e) < 0) {
		db_tx_rollback(s->db);
		return command_error(s, e.msg);
	}
	return 0;
}

/* ---- files in $HOME/configuration/ ---- */

static int check_file_name(char *answer, void *arg, struct err *e)
{
	(void)arg;
	return config_file_check_name(answer, e);
}

/* All or nothing: one transaction stages every entry of the file and the
 * removal of every domain it does not name (IMPORT replaces the table; a
 * file without [DEFAULT] keeps the current default). */
static int stage_import(struct session *s, const struct dest_ini *ini, struct err *e)
{
	struct domain_map *named = domain_map_new();
	struct dest_rows r;
	struct strbuf value;
	int rc = 0;

	if (load_rows(s, &r, e) < 0) {
		domain_map_free(named, NULL);
		return -1;
	}
	if (db_tx_begin(s->db, e) < 0) {
		free(r.rows);
		domain_map_free(named, NULL);
		return -1;
	}
	strbuf_init(&value);
	for (size_t i = 0; i < ini->count && rc == 0; i++) {
		strbuf_reset(&value);
		dest_policy_encode(&ini->entries[i].policy, &value);
		domain_map_put(named, ini->entries[i].name, (void *)1, NULL);
		rc = db_entry_stage(s->db, s->user, "dest", ini->entries[i].name, value.data, e);
	}
	for (size_t i = 0; i < r.count && rc == 0; i++)
		if (!domain_map_get(named, r.rows[i].name))
			rc = db_entry_stage(s->db, s->user, "dest", r.rows[i].name, NULL, e);
	strbuf_free(&value);
	free(r.rows);
	domain_map_free(named, NULL);
	if (rc < 0 || db_tx_commit(s->db, e) < 0) {
		db_tx_rollback(s->db);
		return -1;
	}
	return 0;
}

static int op_import(struct session *s, void *ctx, int unused)
{
	char name[INPUT_LINE_MAX];
	unsigned char *text;
	size_t len;
	struct dest_ini ini;
	struct err e;
	int rc;

	(void)ctx;
	(void)unused;
	if (ask_text(s, "Enter the name of the file to import:", NULL, name, sizeof(name),
		     check_file_name, NULL) < 0)
		return -1;
	if (config_file_read(s->home, name, &text, &len, &e) < 0)
		return command_error(s, e.msg);
	rc = dest_ini_parse((const char *)text, len, &ini, &e);
	free(text);
	if (rc < 0)
		return command_error(s, e.msg);
	if (stage_import(s, &ini, &e) < 0) {
		dest_ini_free(&ini);
		return command_error(s, e.msg);
	}
	printf("%zu entries imported from \"%s\".\n", ini.count, name);
	dest_ini_free(&ini);
	return 0;
}

static int op_export(struct session *s, void *ctx, int unused)
{
	char name[INPUT_LINE_MAX];
	struct strbuf text;
	struct dest_rows r;
	struct config c;
	struct err e;
	int rc;

	(void)ctx;
	(void)unused;
	if (ask_text(s, "Enter a name for the exported file:", NULL, name, sizeof(name),
		     check_file_name, NULL) < 0)
		return -1;
	if (db_load_effective(s->db, s->user, &c, &e) < 0 || load_rows(s, &r, &e) < 0)
		return command_error(s, e.msg);
	strbuf_init(&text);
	dest_ini_render_section(DEST_DEFAULT_NAME, &r.def, &text);
	for (size_t i = 0; i < r.count; i++) {
		strbuf_puts(&text, "\n");
		dest_ini_render_section(r.rows[i].name, &r.rows[i].policy, &text);
	}
	free(r.rows);
	rc = config_file_write(s, name, text.data, text.len, &e);
	strbuf_free(&text);
	if (rc < 0)
		return command_error(s, e.msg);
	/* saveconfig's wording (spec part 2, section 1). */
	printf("File written on machine \"%s\" to the location\n\"/%s/%s\".\n", c.hostname,
	       SCP_FOLDER, name);
	return 0;
}

static int show_count(struct session *s, void *ctx)
{
	struct dest_rows r;
	struct err e;

	(void)ctx;
	if (load_rows(s, &r, &e) < 0)
		return command_error(s, e.msg);
	free(r.rows);
	printf("\nThere are currently %zu entries configured.\n", r.count);
	return 0;
}

static const struct menu_row rows[] = {
	{ "SETUP", "Change global settings.", ACCESS_OPERATOR, destconfig_setup, 0, NULL, NULL },
	{ "NEW", "Create a new entry.", ACCESS_OPERATOR, op_new, 0, NULL, NULL },
	{ "EDIT", "Modify an entry.", ACCESS_OPERATOR, op_edit, 0, NULL, NULL },
	{ "DELETE", "Remove an entry.", ACCESS_OPERATOR, op_delete, 0, NULL, NULL },
	{ "DEFAULT", "Change the default.", ACCESS_OPERATOR, op_default, 0, NULL, NULL },
	{ "LIST", "Display a summary list of all entries.", ACCESS_GUEST, op_list, 0, NULL, NULL },
	{ "DETAIL", "Display details for one destination or all entries.", ACCESS_GUEST, op_detail,
	  0, NULL, NULL },
	{ "CLEAR", "Remove all entries.", ACCESS_OPERATOR, op_clear, 0, NULL, NULL },
	{ "IMPORT", "Import tables from a file.", ACCESS_OPERATOR, op_import, 0, NULL, NULL },
	/* Writing a file in configuration/ is an edit: it can replace another's file. */
	{ "EXPORT", "Export tables to a file.", ACCESS_OPERATOR, op_export, 0, NULL, NULL },
};
const struct menu destconfig_menu = {
	"destconfig", MENU_ROWS(rows), show_count, NULL, true, false
};
MENU_REGISTER(destconfig_menu)

int cmd_destconfig(struct session *s, int argc, char **argv)
{
	(void)argc;
	(void)argv;
	return menu_run(s, &destconfig_menu, NULL);
}
