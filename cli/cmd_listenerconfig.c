/* cmd_listenerconfig: AsyncOS listenerconfig — the inbound SMTP listeners
 * (NEW, EDIT, DELETE, SETUP), each with its address, certificate, host
 * access table (cmd_hostaccess.c) and recipient access table
 * (cmd_rcptaccess.c); CERTIFICATE chooses the inbound certificate listeners
 * use unless they have their own. One-line form: `listenerconfig EDIT NAME
 * RCPTACCESS PRINT` (also HOSTACCESS, and EXPORT FILE). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "../core/scp_parse.h"
#include "../tls/inbound.h"
#include "certconfig.h"
#include "commands.h"
#include "config_files.h"
#include "input.h"
#include "listeners.h"
#include "prompt.h"

/* ---- the listing ---- */

static void print_listener(size_t i, const struct listener *l)
{
	const char *port = strrchr(l->address, ':');

	if (l->address[0])
		printf("%zu. %s (on %.*s) SMTP TCP Port %s %s\n", i + 1, l->name,
		       (int)(port - l->address), l->address, port + 1,
		       listener_type_label(l->type));
	else
		printf("%zu. %s (on the --smtp address of tlsgated) SMTP %s\n", i + 1, l->name,
		       listener_type_label(l->type));
}

static int show(struct session *s, void *ctx)
{
	struct listener *ls;
	struct config c;
	struct err e;
	size_t n;

	(void)ctx;
	if (listeners_load(s, &ls, &n) < 0)
		return -1;
	if (db_load_effective(s->db, s->user, &c, &e) < 0) {
		free(ls);
		return command_error(s, e.msg);
	}
	printf("Currently configured listeners:\n");
	for (size_t i = 0; i < n; i++)
		print_listener(i, &ls[i]);
	printf("Inbound SMTP certificate: %s\n", c.svc[SVC_INBOUND].certificate);
	free(ls);
	return 0;
}

/* ---- NEW, DELETE ---- */

struct name_check {
	struct listener *ls;
	size_t n;
	const char *self; /* the listener being renamed */
};

static int check_new_name(char *answer, void *arg, struct err *e)
{
	struct name_check *c = arg;

	if (listener_check_name(answer, e) < 0)
		return -1;
	for (size_t i = 0; i < c->n; i++)
		if (strcasecmp(c->ls[i].name, answer) == 0 &&
		    !(c->self && strcmp(c->self, c->ls[i].name) == 0))
			return err_set(e, "There is already a listener named %s.", c->ls[i].name);
	return 0;
}

static int check_address(char *answer, void *arg, struct err *e)
{
	struct name_check *c = arg;

	if (listener_check_address(answer, e) < 0)
		return -1;
	for (size_t i = 0; i < c->n; i++)
		if (strcmp(c->ls[i].address, answer) == 0 &&
		    !(c->self && strcmp(c->self, c->ls[i].name) == 0))
			return err_set(e, "The listener %s already listens on %s.", c->ls[i].name,
				       answer);
	return 0;
}

static int op_new(struct session *s, void *ctx, int unused)
{
	static const char *const types[] = { "Public", "Private" };
	struct listener_view v = { 0 };
	char answer[INPUT_LINE_MAX];
	struct name_check nc = { 0 };
	int chosen, rc = -1;

	(void)ctx;
	(void)unused;
	if (listeners_load(s, &nc.ls, &nc.n) < 0)
		return -1;
	if (nc.n >= LISTENERS_MAX) {
		rc = command_error(s, "There are already 16 listeners.");
		goto out;
	}
	if (ask_text(s, "Please enter the name for the listener:", NULL, answer, sizeof(answer),
		     check_new_name, &nc) < 0)
		goto out;
	snprintf(v.l.name, sizeof(v.l.name), "%.59s", answer);
	if (ask_pick(s, "Please choose the type of listener:", types, 2, 1, &chosen) < 0)
		goto out;
	v.l.type = chosen == 2 ? LISTENER_PRIVATE : LISTENER_PUBLIC;
	if (ask_text(s, "Enter the address and port to listen on (such as 127.0.0.1:2526):", NULL,
		     answer, sizeof(answer), check_address, &nc) < 0)
		goto out;
	snprintf(v.l.address, sizeof(v.l.address), "%.63s", answer);
	inbound_default_tables(&v.l, true, &v.hat, &v.rat);
	rc = listener_stage_entry(s, &v.l) < 0 || listener_stage_hat(s, &v) < 0 ||
			     listener_stage_rat(s, &v) < 0
		     ? -1
		     : 0;
	if (rc == 0)
		printf("Listener %s created.\n", v.l.name);
out:
	listener_view_free(&v);
	free(nc.ls);
	return rc;
}

static int delete_entries(struct session *s, const char *name)
{
	return listener_stage(s, "listener", name, NULL) < 0 ||
			       listener_stage(s, "hat", name, NULL) < 0 ||
			       listener_stage(s, "rat", name, NULL) < 0
		       ? -1
		       : 0;
}

static int op_delete(struct session *s, void *ctx, int unused)
{
	struct listener *ls;
	size_t n;
	int i, rc = -1;

	(void)ctx;
	(void)unused;
	if (listeners_load(s, &ls, &n) < 0)
		return -1;
	i = ask_listener(s, "Enter the name or number of the listener you wish to delete.", ls, n);
	if (i >= 0 && n == 1)
		rc = command_error(s, "The last listener cannot be deleted.");
	else if (i >= 0 && (rc = delete_entries(s, ls[i].name)) == 0)
		printf("Listener %s deleted.\n", ls[i].name);
	free(ls);
	return rc;
}

/* ---- EDIT ---- */

static int op_edit_name(struct session *s, void *ctx, int unused)
{
	struct listener_view *v = ctx;
	struct name_check nc = { .self = v->l.name };
	char answer[INPUT_LINE_MAX], old[LISTENER_NAME_MAX + 1];
	int rc = -1;

	(void)unused;
	if (listeners_load(s, &nc.ls, &nc.n) < 0)
		return -1;
	if (ask_text(s, "Please enter the name for the listener:", v->l.name, answer,
		     sizeof(answer), check_new_name, &nc) < 0)
		goto out;
	rc = 0;
	if (strcmp(answer, v->l.name) == 0)
		goto out;
	snprintf(old, sizeof(old), "%s", v->l.name);
	snprintf(v->l.name, sizeof(v->l.name), "%.59s", answer);
	if (listener_stage_entry(s, &v->l) < 0 || listener_stage_hat(s, v) < 0 ||
	    listener_stage_rat(s, v) < 0 || delete_entries(s, old) < 0)
		rc = -1;
out:
	free(nc.ls);
	return rc;
}

static int op_edit_interface(struct session *s, void *ctx, int unused)
{
	struct listener_view *v = ctx;
	struct name_check nc = { .self = v->l.name };
	char answer[INPUT_LINE_MAX];
	int rc = -1;

	(void)unused;
	if (listeners_load(s, &nc.ls, &nc.n) < 0)
		return -1;
	if (ask_text(s, "Enter the address and port to listen on (such as 127.0.0.1:2526):",
		     v->l.address[0] ? v->l.address : NULL, answer, sizeof(answer), check_address,
		     &nc) == 0) {
		snprintf(v->l.address, sizeof(v->l.address), "%.63s", answer);
		rc = listener_stage_entry(s, &v->l);
	}
	free(nc.ls);
	return rc;
}

static int op_edit_certificate(struct session *s, void *ctx, int unused)
{
	struct listener_view *v = ctx;
	char question[160], name[CONFIG_PROFILE_MAX + 1];
	struct profile_list l;
	struct config c;
	struct err e;
	int rc;

	(void)unused;
	if (db_load_effective(s->db, s->user, &c, &e) < 0)
		return command_error(s, e.msg);
	if (profiles_load(s, &l) < 0)
		return -1;
	snprintf(question, sizeof(question),
		 "\nPlease choose the certificate to use for the listener %s:", v->l.name);
	rc = ask_profile(s, question, &l,
			 v->l.certificate[0] ? v->l.certificate : c.svc[SVC_INBOUND].certificate,
			 name);
	profiles_free(&l);
	if (rc < 0)
		return -1;
	snprintf(v->l.certificate, sizeof(v->l.certificate), "%s", name);
	return listener_stage_entry(s, &v->l);
}

static int show_listener(struct session *s, void *ctx)
{
	struct listener_view *v = ctx;

	(void)s;
	printf("Name: %s\nType: %s\nAddress: %s\nCertificate: %s\n", v->l.name,
	       listener_type_label(v->l.type),
	       v->l.address[0] ? v->l.address : "the --smtp address of tlsgated",
	       v->l.certificate[0] ? v->l.certificate : "the inbound SMTP certificate");
	listener_print_limits(&v->l);
	return 0;
}

static const struct menu_row edit_rows[] = {
	{ "NAME", "Change the name of the listener.", ACCESS_OPERATOR, op_edit_name, 0, NULL,
	  NULL },
	{ "INTERFACE", "Change the address and port the listener listens on.", ACCESS_OPERATOR,
	  op_edit_interface, 0, NULL, NULL },
	{ "LIMITS", "Change the injection limits.", ACCESS_OPERATOR, listener_edit_limits, 0, NULL,
	  NULL },
	{ "HOSTACCESS", "Modify the Host Access Table.", ACCESS_GUEST, hostaccess_run, 0,
	  &hostaccess_menu, NULL },
	{ "RCPTACCESS", "Modify the Recipient Access Table.", ACCESS_GUEST, rcptaccess_run, 0,
	  &rcptaccess_menu, NULL },
	{ "CERTIFICATE", "Choose the certificate of this listener.", ACCESS_OPERATOR,
	  op_edit_certificate, 0, NULL, NULL },
};
const struct menu listener_edit_menu = {
	"listenerconfig EDIT", MENU_ROWS(edit_rows), show_listener, NULL, false, false
};
MENU_REGISTER(listener_edit_menu)

static int load_view(struct session *s, const char *question, const char *name,
		     struct listener_view *v)
{
	struct listener *ls;
	size_t n;
	int i = -1;

	memset(v, 0, sizeof(*v));
	if (listeners_load(s, &ls, &n) < 0)
		return -1;
	if (name) {
		for (size_t k = 0; k < n; k++)
			if (strcasecmp(ls[k].name, name) == 0)
				i = (int)k;
		if (i < 0) {
			char msg[128];
			snprintf(msg, sizeof(msg), "There is no listener \"%.60s\".", name);
			free(ls);
			return command_error(s, msg);
		}
	} else if ((i = ask_listener(s, question, ls, n)) < 0) {
		free(ls);
		return -1;
	}
	v->l = ls[i];
	free(ls);
	return listener_tables_load(s, v);
}

static int op_edit(struct session *s, void *ctx, int unused)
{
	struct listener_view v;
	int rc;

	(void)ctx;
	(void)unused;
	if (load_view(s, "Enter the name or number of the listener you wish to edit.", NULL, &v) <
	    0)
		return -1;
	rc = menu_run(s, &listener_edit_menu, &v);
	listener_view_free(&v);
	return rc;
}

/* ---- CERTIFICATE (SETUP and LIMITS: cmd_listenerlimits.c) ---- */

static int op_certificate(struct session *s, void *ctx, int unused)
{
	char name[CONFIG_PROFILE_MAX + 1];
	struct profile_list l;
	struct config c, before;
	struct err e;
	int rc;

	(void)ctx;
	(void)unused;
	if (db_load_effective(s->db, s->user, &c, &e) < 0)
		return command_error(s, e.msg);
	before = c;
	if (profiles_load(s, &l) < 0)
		return -1;
	rc = ask_profile(s, "\nPlease choose the certificate to use for the inbound SMTP listener:",
			 &l, c.svc[SVC_INBOUND].certificate, name);
	profiles_free(&l);
	if (rc < 0)
		return -1;
	snprintf(c.svc[SVC_INBOUND].certificate, sizeof(c.svc[0].certificate), "%s", name);
	if (db_stage_changes(s->db, s->user, &before, &c, &e) < 0)
		return command_error(s, e.msg);
	printf("\n");
	return 0;
}

static const struct menu_row rows[] = {
	{ "NEW", "Create a new listener.", ACCESS_OPERATOR, op_new, 0, NULL, NULL },
	{ "EDIT", "Modify a listener.", ACCESS_GUEST, op_edit, 0, &listener_edit_menu, NULL },
	{ "DELETE", "Remove a listener.", ACCESS_OPERATOR, op_delete, 0, NULL, NULL },
	{ "SETUP", "Change global settings.", ACCESS_OPERATOR, listener_setup_run, 0, NULL, NULL },
	{ "CERTIFICATE", "Choose the certificate of the inbound SMTP listener.", ACCESS_OPERATOR,
	  op_certificate, 0, NULL, NULL },
};
const struct menu listenerconfig_menu = {
	"listenerconfig", MENU_ROWS(rows), show, NULL, true, false
};
MENU_REGISTER(listenerconfig_menu)

/* `listenerconfig EDIT NAME HOSTACCESS|RCPTACCESS PRINT|EXPORT FILE`. */
static int one_line(struct session *s, int argc, char **argv)
{
	struct listener_view v;
	struct strbuf text;
	bool hat, export;
	int rc;

	if (argc < 4 || argc > 5 || strcasecmp(argv[0], "EDIT") != 0 ||
	    (strcasecmp(argv[2], "HOSTACCESS") != 0 && strcasecmp(argv[2], "RCPTACCESS") != 0) ||
	    (strcasecmp(argv[3], "PRINT") != 0 && strcasecmp(argv[3], "EXPORT") != 0) ||
	    (strcasecmp(argv[3], "EXPORT") == 0) != (argc == 5))
		return command_error(s, "Usage: listenerconfig [EDIT NAME HOSTACCESS|RCPTACCESS "
					"PRINT|EXPORT FILE]");
	hat = strcasecmp(argv[2], "HOSTACCESS") == 0;
	export = argc == 5;
	if (export && !role_allows(s->role, ROLE_OPERATOR))
		return command_error(s, "EXPORT needs the operator role.");
	if (load_view(s, NULL, argv[1], &v) < 0)
		return -1;
	strbuf_init(&text);
	if (hat)
		hat_format(&v.hat, &text);
	else
		rat_format(&v.rat, &text);
	if (export) {
		struct err e;
		rc = config_file_check_name(argv[4], &e) < 0
			     ? command_error(s, e.msg)
			     : listener_write_export(s, argv[4], &text);
	} else {
		say_text(text.data ? text.data : "");
		rc = 0;
	}
	strbuf_free(&text);
	listener_view_free(&v);
	return rc;
}

int cmd_listenerconfig(struct session *s, int argc, char **argv)
{
	if (argc > 1)
		return one_line(s, argc - 1, argv + 1);
	return menu_run(s, &listenerconfig_menu, NULL);
}
