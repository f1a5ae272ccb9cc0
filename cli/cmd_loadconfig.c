/* cmd_loadconfig: loadconfig — a configuration file (saveconfig's, whole or
 * partial) pasted or from configuration/, validated completely and then
 * staged in one transaction: every element and name, every value, every
 * certificate, and the checks commit makes (the commit plan's authorize and
 * prepare on exactly what was staged). Anything wrong: nothing is staged and
 * the error names the line. "commit" applies it. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "../core/dest.h"
#include "../core/entries.h"
#include "../core/route.h"
#include "../db/password.h"
#include "../db/roles.h"
#include "../tls/cert_profile.h"
#include "../tls/commit_plan.h"
#include "../confxml/config_xml.h"
#include "commands.h"
#include "config_files.h"
#include "input.h"
#include "prompt.h"

#define USER_NAME_CHARS "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-"
#define USER_NAME_LEN   32

/* ---- values, per kind of entry (kinds without a row need no more than
 * entry_key's rule and the commit plan's prepare) ---- */

static int check_cert(const char *name, const char *value, struct err *e)
{
	struct cert_profile p;
	int rc = cert_profile_parse(value, &p, e);

	(void)name;
	if (rc == 0)
		rc = cert_profile_check(&p, e);
	cert_profile_free(&p);
	return rc;
}

static int check_ca(const char *name, const char *value, struct err *e)
{
	STACK_OF(X509) * list;

	(void)name;
	if (cert_parse_certificates(value, &list, e) < 0)
		return -1;
	sk_X509_pop_free(list, X509_free);
	return 0;
}

/* The stored spelling only: a domain as destconfig stores it (lowercase). */
static int check_domain_name(const char *name, const char *special, struct err *e)
{
	char copy[DEST_DOMAIN_MAX + 2];

	if (strcmp(name, special) == 0)
		return 0;
	if (strlen(name) > DEST_DOMAIN_MAX)
		return err_set(e, "the domain \"%.60s...\" is too long", name);
	snprintf(copy, sizeof(copy), "%s", name);
	if (dest_check_domain(copy, e) < 0)
		return -1;
	if (strcmp(copy, name) != 0)
		return err_set(e, "the domain \"%s\" must be written in lower case", name);
	return 0;
}

static int check_dest(const char *name, const char *value, struct err *e)
{
	struct dest_policy p;

	if (check_domain_name(name, DEST_DEFAULT_NAME, e) < 0)
		return -1;
	return dest_policy_decode(value, &p, e);
}

static int check_route(const char *name, const char *value, struct err *e)
{
	struct route r;
	char canonical[ROUTE_HOSTS_MAX * (ROUTE_HOST_MAX + 8)];

	if (check_domain_name(name, ROUTE_ALL_NAME, e) < 0 || route_parse(value, &r, e) < 0)
		return -1;
	route_render(&r, canonical, sizeof(canonical));
	if (strcmp(canonical, value) != 0)
		return err_set(e, "write the hosts as \"%s\"", canonical);
	return 0;
}

static int check_user(const char *name, const char *value, struct err *e)
{
	bool ok = strlen(name) <= USER_NAME_LEN && strspn(name, USER_NAME_CHARS) == strlen(name) &&
		  name[0] != '.' && name[0] != '-' && !(name[0] >= '0' && name[0] <= '9');
	char want[32];

	/* userconfig's rule; "system" is the automatic revert's committer. */
	if (!ok || strcasecmp(name, "system") == 0)
		return err_set(e, "\"%s\" is not a valid username", name);
	/* "role=ROLE", or "role=ROLE;hash=HASH" with a yescrypt hash (userconfig). */
	const char *hash = strstr(value, ";hash=");
	size_t role_len = hash ? (size_t)(hash - value) : strlen(value);

	if (hash) {
		hash += 6;
		if (strncmp(hash, "$y$", 3) != 0 || strlen(hash) >= PASSWORD_HASH_MAX ||
		    strspn(hash,
			   "$./0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz") !=
			    strlen(hash))
			return err_set(e,
				       "the user \"%s\" has a password hash that is not yescrypt",
				       name);
	}
	for (size_t i = 0; i < role_count; i++) {
		role_to_value(role_table[i].role, want, sizeof(want));
		if (strlen(want) == role_len && strncmp(want, value, role_len) == 0)
			return 0;
	}
	return err_set(e, "the user \"%s\" has no valid role (role=admin, operator or guest)",
		       name);
}

static const struct value_check {
	const char *kind;
	int (*check)(const char *name, const char *value, struct err *e);
} value_checks[] = {
	{ "cert", check_cert },   { "ca", check_ca },     { "dest", check_dest },
	{ "route", check_route }, { "user", check_user },
};

/* ---- the load ---- */

struct load {
	struct session *s;
	struct cfgxml_doc doc;
	const char **keys; /* the file's entry keys, sorted: what a listed kind keeps */
	size_t nkeys;
	const char *kind;
	struct err *e;
	int failed;
};

static int parsing_failed(struct session *s, const char *msg)
{
	char out[sizeof(((struct err *)0)->msg) + 32];

	snprintf(out, sizeof(out), "Parsing failed: %s", msg);
	return command_error(s, out);
}

/* Settings onto the committed configuration, then each entry's value. */
static int check_values(struct load *l, const struct config *seen, struct config *edited)
{
	struct err why;

	*edited = *seen;
	for (size_t i = 0; i < l->doc.count; i++) {
		const struct cfgxml_item *it = &l->doc.items[i];
		const char *name;
		const struct entry_kind *k = entry_kind_of_key(it->key, &name);
		if (!k) {
			if (config_set(edited, it->key, it->value, &why) < 0)
				return err_set(l->e, "line %d: %s: %s", it->line,
					       config_find_setting(it->key)->label, why.msg);
			continue;
		}
		for (size_t c = 0; c < sizeof(value_checks) / sizeof(value_checks[0]); c++)
			if (strcmp(value_checks[c].kind, k->kind) == 0 &&
			    value_checks[c].check(name, it->value, &why) < 0)
				return err_set(l->e, "line %d: %s \"%s\": %s", it->line, k->label,
					       name, why.msg);
	}
	return 0;
}

static int by_string(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* A committed entry of a kind the file lists whole, but not in the file: goes. */
static int stage_removal(const char *name, const char *value, void *arg)
{
	struct load *l = arg;
	char key[ENTRY_NAME_MAX + 64];
	const char *k = key;

	(void)value;
	snprintf(key, sizeof(key), "%s.%s", l->kind, name);
	if (bsearch(&k, l->keys, l->nkeys, sizeof(*l->keys), by_string))
		return 0;
	if (db_entry_stage(l->s->db, l->s->user, l->kind, name, NULL, l->e) < 0)
		return l->failed = 1;
	return 0;
}

static int stage_all(struct load *l, const struct config *seen, const struct config *edited)
{
	struct session *s = l->s;

	if (db_stage_changes(s->db, s->user, seen, edited, l->e) < 0)
		return -1;
	if (!(l->keys = malloc((l->doc.count + 1) * sizeof(*l->keys))))
		abort();
	for (size_t i = 0; i < l->doc.count; i++) {
		const char *name;
		const struct entry_kind *k = entry_kind_of_key(l->doc.items[i].key, &name);
		if (!k)
			continue;
		l->keys[l->nkeys++] = l->doc.items[i].key;
		if (db_entry_stage(s->db, s->user, k->kind, name, l->doc.items[i].value, l->e) < 0)
			return -1;
	}
	qsort(l->keys, l->nkeys, sizeof(*l->keys), by_string);
	for (size_t k = 0; k < entry_kinds_count && k < CFGXML_KINDS_MAX; k++) {
		if (!l->doc.kind_listed[k])
			continue;
		l->kind = entry_kinds[k].kind;
		if (db_entries_list(s->db, 0, NULL, l->kind, stage_removal, l, l->e) < 0 ||
		    l->failed)
			return -1;
	}
	return 0;
}

/* The line of the first entry (or setting's value) a commit-check message
 * names in quotes ("Certificate profile "x": ..."), else 0. */
static int line_named(const struct cfgxml_doc *d, const char *msg)
{
	for (size_t i = 0; i < d->count; i++) {
		const char *name, *q;
		if (!entry_kind_of_key(d->items[i].key, &name))
			name = d->items[i].value; /* a setting naming one: gui.certificate */
		if (!name[0])
			continue;
		for (q = strstr(msg, name); q; q = strstr(q + 1, name))
			if (q > msg && q[-1] == '"' && q[strlen(name)] == '"')
				return d->items[i].line;
	}
	return 0;
}

/* The same checks commit makes, on what was just staged; prints warnings. */
static int check_as_commit(struct load *l)
{
	struct session *s = l->s;
	struct commit_actor who = { s->user, s->is_root };
	struct commit_plan p;
	struct strbuf table, warnings;
	int line;

	memset(&p, 0, sizeof(p));
	if (commit_plan_prepare(&p, s->db, s->home, &who, l->e) < 0) {
		if ((line = line_named(&l->doc, l->e->msg)) > 0) {
			char msg[sizeof(l->e->msg)];
			snprintf(msg, sizeof(msg), "%s", l->e->msg);
			err_set(l->e, "line %d: %s", line, msg);
		}
		return -1;
	}
	strbuf_init(&table);
	strbuf_init(&warnings);
	commit_plan_check(&p, false, &table, &warnings);
	say_text(warnings.data);
	strbuf_free(&table);
	strbuf_free(&warnings);
	commit_plan_free(&p);
	return 0;
}

/* Validate, stage, check; all in one transaction. 1: nothing to change. */
static int load_doc(struct load *l, bool discard_staged)
{
	struct session *s = l->s;
	struct config seen, edited;
	long staged = 0;

	if (db_tx_begin(s->db, l->e) < 0)
		return -1;
	if ((discard_staged && db_clear_staged(s->db, s->user, l->e) < 0) ||
	    db_load_effective(s->db, s->user, &seen, l->e) < 0 ||
	    check_values(l, &seen, &edited) < 0 || stage_all(l, &seen, &edited) < 0 ||
	    db_staged_count(s->db, s->user, &staged, l->e) < 0)
		goto fail;
	if (staged == 0) {
		db_tx_rollback(s->db);
		return 1;
	}
	if (check_as_commit(l) < 0 || db_tx_commit(s->db, l->e) < 0)
		goto fail;
	return 0;
fail:
	db_tx_rollback(s->db);
	return -1;
}

/* ---- where the file comes from ---- */

/* Lines until Ctrl-D (end of input), at most CFGXML_INPUT_MAX bytes. */
static int read_pasted(struct session *s, struct strbuf *out, struct err *e)
{
	char line[INPUT_LINE_MAX];
	bool too_long = false;

	printf("Paste the configuration file now.\nPress CTRL-D on a blank line when done.\n");
	fflush(stdout);
	for (;;) {
		enum input_status st = input_read_unechoed(s, "", line, sizeof(line));
		if (st == INPUT_EOF)
			break;
		if (st == INPUT_INTERRUPT) {
			s->abort = ABORT_INTERRUPT;
			return -1;
		}
		if (st != INPUT_LINE) {
			too_long = true;
			continue;
		}
		if (out->len + strlen(line) + 1 > (size_t)CFGXML_INPUT_MAX)
			too_long = true;
		else
			strbuf_printf(out, "%s\n", line);
	}
	if (too_long)
		return err_set(e,
			       "the pasted text is larger than %ld bytes, has a line longer "
			       "than %d bytes or a NUL byte",
			       CFGXML_INPUT_MAX, INPUT_LINE_MAX - 1);
	return 0;
}

static int check_file_name(char *answer, void *arg, struct err *e)
{
	(void)arg;
	return config_file_check_name(answer, e);
}

static int read_from_file(struct session *s, struct strbuf *out)
{
	char name[256];
	unsigned char *data;
	size_t len;
	struct err e;

	if (ask_text(s, "Enter the name of the file in /configuration to load:", NULL, name,
		     sizeof(name), check_file_name, NULL) < 0)
		return -1;
	if (!config_file_exists(s->home, name)) {
		char msg[320];
		snprintf(msg, sizeof(msg), "Error: the file \"%s\" does not exist.", name);
		return command_error(s, msg);
	}
	if (config_file_read(s->home, name, &data, &len, &e) < 0)
		return command_error(s, e.msg);
	strbuf_add(out, (const char *)data, len);
	memset(data, 0, len);
	free(data);
	return 0;
}

static int ask_file_passphrase(void *arg, char *buf, size_t len)
{
	return ask_secret(arg, "Enter the passphrase the file was saved with:", buf, len, NULL,
			  NULL);
}

static bool blank_text(const struct strbuf *sb)
{
	return strspn(sb->data, " \t\r\n") == sb->len;
}

int cmd_loadconfig(struct session *s, int argc, char **argv)
{
	static const char *const sources[] = { "Paste via CLI", "Load from file" };
	struct load l = { s, { 0 }, NULL, 0, NULL, NULL, 0 };
	struct strbuf text;
	struct err e;
	long staged;
	bool go = true;
	int source, rc;

	(void)argc;
	(void)argv;
	l.e = &e;
	if (db_staged_count(s->db, s->user, &staged, &e) < 0)
		return command_error(s, e.msg);
	if (staged > 0 &&
	    ask_yes_no(s,
		       "You have uncommitted changes. Loading a configuration discards them. "
		       "Do you want to continue?",
		       false, &go) < 0)
		return -1;
	if (!go)
		return 0;
	if (ask_pick(s, "Choose the method to load the configuration:", sources, 2, 1, &source) < 0)
		return -1;
	strbuf_init(&text);
	if (source == 1 && read_pasted(s, &text, &e) < 0) {
		strbuf_free(&text);
		return s->abort != ABORT_NONE ? -1 : parsing_failed(s, e.msg);
	}
	if (source == 2 && read_from_file(s, &text) < 0) {
		strbuf_free(&text);
		return -1;
	}
	if (blank_text(&text)) {
		strbuf_free(&text);
		printf("No data to load.\n");
		return 0;
	}
	rc = cfgxml_parse(text.data, text.len, ask_file_passphrase, s, &l.doc, &e);
	memset(text.data, 0, text.len);
	strbuf_free(&text);
	if (rc == 0)
		rc = load_doc(&l, staged > 0);
	free(l.keys);
	cfgxml_doc_free(&l.doc);
	if (rc < 0)
		return s->abort != ABORT_NONE ? -1 : parsing_failed(s, e.msg);
	printf(rc == 1 ? "No changes detected.\n"
		       : "Values have been loaded.\nUse \"commit\" to apply them, \"clear\" to "
			 "discard them.\n");
	return 0;
}
