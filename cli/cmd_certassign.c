/* cmd_certassign: interfaceconfig, reduced to its CERTIFICATE operation: the
 * GUI HTTPS interface's certificate, the setting gui.certificate, staged and
 * committed. (listenerconfig is cmd_listenerconfig.c.) */
#include <stdio.h>
#include <string.h>

#include "certconfig.h"
#include "commands.h"
#include "menu.h"
#include "prompt.h"

struct assignment {
	const char *command;    /* "interfaceconfig" */
	enum tls_service_id id; /* whose certificate */
	const char *what;       /* "the GUI HTTPS interface" */
};

static const struct assignment interface_assignment = { "interfaceconfig", SVC_GUI,
							"the GUI HTTPS interface (Management)" };

/* What the menu works on: which assignment, the user's view and what it was. */
struct assign_view {
	const struct assignment *a;
	struct config c, before;
};

static int choose(struct session *s, void *ctx, int unused)
{
	struct assign_view *v = ctx;
	char question[160], name[CONFIG_PROFILE_MAX + 1];
	struct tls_service *svc = &v->c.svc[v->a->id];
	struct profile_list l;
	int rc;

	(void)unused;
	if (profiles_load(s, &l) < 0)
		return -1;
	snprintf(question, sizeof(question),
		 "\nPlease choose the certificate to use for %s:", v->a->what);
	rc = ask_profile(s, question, &l, svc->certificate, name);
	profiles_free(&l);
	if (rc < 0)
		return -1;
	snprintf(svc->certificate, sizeof(svc->certificate), "%s", name);
	return 0;
}

static int show(struct session *s, void *ctx)
{
	struct assign_view *v = ctx;
	struct err e;

	if (db_load_effective(s->db, s->user, &v->c, &e) < 0)
		return command_error(s, e.msg);
	v->before = v->c;
	printf("%s settings:\n%s certificate: %s\n", v->a->command, service_names(v->a->id)->title,
	       v->c.svc[v->a->id].certificate);
	return 0;
}

static int stage_choice(struct session *s, void *ctx)
{
	struct assign_view *v = ctx;
	struct err e;

	if (db_stage_changes(s->db, s->user, &v->before, &v->c, &e) < 0)
		return command_error(s, e.msg);
	printf("\n");
	return 0;
}

static const struct menu_row interface_rows[] = {
	{ "CERTIFICATE", "Choose the certificate of the GUI HTTPS interface.", ACCESS_OPERATOR,
	  choose, 0, NULL, NULL },
};
const struct menu interfaceconfig_menu = {
	"interfaceconfig", MENU_ROWS(interface_rows), show, stage_choice, true, false
};
MENU_REGISTER(interfaceconfig_menu)

int cmd_interfaceconfig(struct session *s, int argc, char **argv)
{
	struct assign_view v = { .a = &interface_assignment };

	(void)argc;
	(void)argv;
	return menu_run(s, &interfaceconfig_menu, &v);
}
