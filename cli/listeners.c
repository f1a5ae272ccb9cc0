/* listeners: the listenerconfig helpers its three files share (listeners.h):
 * loading the user's view of the listeners and their tables, staging their
 * entries, the listener question, and the table files of IMPORT/EXPORT
 * (through config_files.c only). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "../core/scp_parse.h"
#include "../tls/inbound.h"
#include "commands.h"
#include "config_files.h"
#include "input.h"
#include "listeners.h"
#include "prompt.h"

int listeners_load(struct session *s, struct listener **out, size_t *n)
{
	struct plan_source src = { s->user, 0 };
	struct err e;

	if (inbound_listeners(s->db, &src, out, n, &e) < 0)
		return command_error(s, e.msg);
	return 0;
}

int listener_tables_load(struct session *s, struct listener_view *v)
{
	struct plan_source src = { s->user, 0 };
	struct err e;

	if (inbound_tables(s->db, &src, &v->l, &v->hat, &v->rat, &e) < 0)
		return command_error(s, e.msg);
	return 0;
}

void listener_view_free(struct listener_view *v)
{
	hat_free(&v->hat);
	rat_free(&v->rat);
}

static int count_one(const char *name, const char *value, void *arg)
{
	(void)name;
	(void)value;
	(*(size_t *)arg)++;
	return 0;
}

int listener_stage(struct session *s, const char *kind, const char *name, const char *value)
{
	size_t stored = 0;
	struct err e;

	if (db_entries_list(s->db, 0, s->user, "listener", count_one, &stored, &e) < 0)
		return command_error(s, e.msg);
	if (stored == 0) {
		struct listener def;
		struct strbuf v;
		int rc;
		listener_default(&def);
		strbuf_init(&v);
		listener_encode(&def, &v);
		rc = db_entry_stage(s->db, s->user, "listener", def.name, v.data, &e);
		strbuf_free(&v);
		if (rc < 0)
			return command_error(s, e.msg);
	}
	if (db_entry_stage(s->db, s->user, kind, name, value, &e) < 0)
		return command_error(s, e.msg);
	return 0;
}

int listener_stage_hat(struct session *s, const struct listener_view *v)
{
	struct strbuf text;
	int rc;

	strbuf_init(&text);
	hat_format(&v->hat, &text);
	rc = listener_stage(s, "hat", v->l.name, text.data);
	strbuf_free(&text);
	return rc;
}

int listener_stage_rat(struct session *s, const struct listener_view *v)
{
	struct strbuf text;
	int rc;

	strbuf_init(&text);
	rat_format(&v->rat, &text);
	rc = listener_stage(s, "rat", v->l.name, text.len ? text.data : "");
	strbuf_free(&text);
	return rc;
}

int listener_stage_entry(struct session *s, const struct listener *l)
{
	struct strbuf v;
	int rc;

	strbuf_init(&v);
	listener_encode(l, &v);
	rc = listener_stage(s, "listener", l->name, v.data);
	strbuf_free(&v);
	return rc;
}

struct pick {
	struct listener *ls;
	size_t n;
	int index;
};

static int check_listener(char *answer, void *arg, struct err *e)
{
	struct pick *p = arg;
	char *end;
	long n = strtol(answer, &end, 10);

	if (*answer && !*end && n >= 1 && (size_t)n <= p->n) {
		p->index = (int)n - 1;
		return 0;
	}
	for (size_t i = 0; i < p->n; i++)
		if (strcasecmp(p->ls[i].name, answer) == 0) {
			p->index = (int)i;
			return 0;
		}
	return err_set(e, "There is no listener \"%.60s\".", answer);
}

int ask_listener(struct session *s, const char *question, struct listener *ls, size_t n)
{
	struct pick p = { ls, n, -1 };
	char answer[INPUT_LINE_MAX];

	if (ask_text(s, question, NULL, answer, sizeof(answer), check_listener, &p) < 0)
		return -1;
	return p.index;
}

static int check_file_name(char *answer, void *arg, struct err *e)
{
	(void)arg;
	return config_file_check_name(answer, e);
}

int listener_import_text(struct session *s, char **text)
{
	char name[INPUT_LINE_MAX];
	unsigned char *data;
	size_t len;
	struct err e;

	if (ask_text(s, "Enter the name of the file to import:", NULL, name, sizeof(name),
		     check_file_name, NULL) < 0)
		return -1;
	if (config_file_read(s->home, name, &data, &len, &e) < 0)
		return command_error(s, e.msg);
	if (strlen((char *)data) != len) {
		free(data);
		return command_error(s, "That file is not text: it holds a NUL byte.");
	}
	*text = (char *)data;
	return 0;
}

int listener_write_export(struct session *s, const char *name, const struct strbuf *text)
{
	struct err e;
	struct config c;

	if (db_load_effective(s->db, s->user, &c, &e) < 0 ||
	    config_file_write(s, name, text->data ? text->data : "", text->len, &e) < 0)
		return command_error(s, e.msg);
	printf("File written on machine \"%s\" to the location\n\"/%s/%s\".\n", c.hostname,
	       SCP_FOLDER, name);
	return 0;
}

int listener_export_text(struct session *s, const struct strbuf *text)
{
	char name[INPUT_LINE_MAX];

	if (ask_text(s, "Enter a name for the exported file:", NULL, name, sizeof(name),
		     check_file_name, NULL) < 0)
		return -1;
	return listener_write_export(s, name, text);
}

struct long_range {
	long min, max, value;
};

static int check_long(char *answer, void *arg, struct err *e)
{
	struct long_range *r = arg;
	char *end;
	long v;

	errno = 0;
	v = strtol(answer, &end, 10);
	if (errno || *end || end == answer || v < r->min || v > r->max)
		return err_set(e, "The value must be a whole number from %ld to %ld.", r->min,
			       r->max);
	r->value = v;
	return 0;
}

int listener_ask_long(struct session *s, const char *question, long def, long min, long max,
		      long *out)
{
	char answer[INPUT_LINE_MAX], d[32];
	struct long_range r = { min, max, 0 };

	snprintf(d, sizeof(d), "%ld", def);
	if (ask_text(s, question, d, answer, sizeof(answer), check_long, &r) < 0)
		return -1;
	*out = r.value;
	return 0;
}
