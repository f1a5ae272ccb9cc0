/* cmd_certassign: where an AsyncOS admin chooses a service's certificate —
 * interfaceconfig (the GUI HTTPS interface) and listenerconfig (the inbound
 * SMTP listener), each reduced to a CERTIFICATE operation. The choice is the
 * setting gui.certificate / inbound.certificate, staged and committed. */
#include <stdio.h>
#include <string.h>

#include "certconfig.h"
#include "commands.h"
#include "prompt.h"

struct assignment {
	const char *command;     /* "interfaceconfig" */
	enum tls_service_id id;  /* whose certificate */
	const char *what;        /* "the GUI HTTPS interface" */
	const char *description; /* menu line */
};

static const struct assignment interface_assignment = {
	"interfaceconfig", SVC_GUI, "the GUI HTTPS interface (Management)",
	"Choose the certificate of the GUI HTTPS interface."
};
static const struct assignment listener_assignment = {
	"listenerconfig", SVC_INBOUND, "the inbound SMTP listener",
	"Choose the certificate of the inbound SMTP listener."
};

static int choose(struct session *s, const struct assignment *a, struct config *c)
{
	char question[160], name[CONFIG_PROFILE_MAX + 1];
	struct tls_service *svc = &c->svc[a->id];
	struct profile_list l;
	int rc;

	if (profiles_load(s, &l) < 0)
		return -1;
	snprintf(question, sizeof(question),
		 "\nPlease choose the certificate to use for %s:", a->what);
	rc = ask_profile(s, question, &l, svc->certificate, name);
	profiles_free(&l);
	if (rc < 0)
		return -1;
	snprintf(svc->certificate, sizeof(svc->certificate), "%s", name);
	return 0;
}

static int run_assignment(struct session *s, const struct assignment *a, int argc)
{
	const struct menu_op ops[] = { { "CERTIFICATE", a->description, ROLE_OPERATOR } };

	if (argc > 1) {
		char msg[128];
		snprintf(msg, sizeof(msg), "That value is not valid. %s takes no arguments.",
			 a->command);
		return command_error(s, msg);
	}
	for (;;) {
		struct config c, before;
		struct err e;
		int chosen;

		if (db_load_effective(s->db, s->user, &c, &e) < 0)
			return command_error(s, e.msg);
		printf("%s settings:\n%s certificate: %s\n", a->command,
		       service_names(a->id)->title, c.svc[a->id].certificate);
		if (ask_menu(s, ops, 1, true, &chosen) < 0)
			return -1;
		if (chosen < 0)
			return 0;
		before = c;
		if (choose(s, a, &c) < 0)
			return -1;
		if (db_stage_changes(s->db, s->user, &before, &c, &e) < 0)
			return command_error(s, e.msg);
		printf("\n");
	}
}

int cmd_interfaceconfig(struct session *s, int argc, char **argv)
{
	(void)argv;
	return run_assignment(s, &interface_assignment, argc);
}

int cmd_listenerconfig(struct session *s, int argc, char **argv)
{
	(void)argv;
	return run_assignment(s, &listener_assignment, argc);
}
