/* commands: the table of top-level console commands. */
#include "commands.h"

#include <stdio.h>
#include <strings.h>
#include <time.h>

#include "../os/audit.h"
#include "cluster_mode.h"
#include "prompt.h"
#include "roles.h"

#define NO_ARGS 0, 0, NULL, NULL

/* The access is the least role allowed to run the command. Read-only commands
 * say ACCESS_GUEST; a menu-driven command open to guests marks its edit
 * operations in its own menu (cli/menu.h). */
const struct command commands[] = {
	{ "certconfig", "Configure security certificates and keys.", cmd_certconfig, ACCESS_GUEST,
	  NO_ARGS, &certconfig_menu },
	{ "clear", "Clear pending changes.", cmd_clear, ACCESS_OPERATOR, NO_ARGS, NULL },
	{ "clusterconfig", "Configure a cluster of machines (etcd).", cmd_clusterconfig,
	  ACCESS_ADMIN, 0, COMMAND_ARGS_ANY,
	  "[create NAME ENDPOINTS [MACHINE [USER PASSWORD]] | join ENDPOINTS USER PASSWORD GROUP "
	  "[MACHINE] | "
	  "addgroup NAME | setgroup MACHINE GROUP | renamegroup OLD NEW | deletegroup NAME | "
	  "removemachine NAME | setname NAME | list | connstatus | disconnect | reconnect]",
	  NULL, &clusterconfig_menu },
	{ "clustermode", "Choose the level a cluster's commands configure.", cmd_clustermode,
	  ACCESS_GUEST, 0, 2, "[cluster | group NAME | machine NAME]", NULL, NULL },
	{ "commit", "Commit changes (\"commit confirmed MINUTES\": reverted unless confirmed).",
	  cmd_commit, ACCESS_OPERATOR, 0, COMMAND_ARGS_ANY,
	  "[--strict] [confirmed MINUTES] [\"comment\"]", NULL, NULL },
	{ "commitcheck", "Show what each service could negotiate after a commit.", cmd_commitcheck,
	  ACCESS_GUEST, NO_ARGS, NULL },
	{ "destconfig", "Configure options for TLS and delivery per destination.", cmd_destconfig,
	  ACCESS_GUEST, NO_ARGS, &destconfig_menu },
	{ "exit", "Exit the console.", cmd_quit, ACCESS_GUEST, NO_ARGS, NULL },
	{ "help", "List the available commands.", cmd_help, ACCESS_GUEST, 0, 1, "[COMMAND]", NULL,
	  NULL },
	{ "interfaceconfig", "Choose the certificate of the GUI HTTPS interface.",
	  cmd_interfaceconfig, ACCESS_GUEST, NO_ARGS, &interfaceconfig_menu },
	{ "listenerconfig", "Configure mail listeners (including SMTP TLS and access tables).",
	  cmd_listenerconfig, ACCESS_GUEST, 0, 5, "[EDIT NAME HOSTACCESS|RCPTACCESS PRINT]", NULL,
	  &listenerconfig_menu },
	{ "loadconfig", "Load a configuration file.", cmd_loadconfig, ACCESS_OPERATOR, NO_ARGS,
	  NULL },
	{ "passwd", "Change your password (for the WebUI).", cmd_passwd, ACCESS_GUEST, NO_ARGS,
	  NULL },
	{ "quit", "Exit the console.", cmd_quit, ACCESS_GUEST, NO_ARGS, NULL },
	{ "rollbackconfig", "Roll back to a previously committed configuration.",
	  cmd_rollbackconfig, ACCESS_GUEST, NO_ARGS, &rollbackconfig_menu },
	{ "saveconfig", "Save XML configuration file in the /configuration directory.",
	  cmd_saveconfig, ACCESS_OPERATOR, 0, 2, "[y|n] [1|2|3]", NULL, NULL },
	{ "sethostname", "Set the name of the machine.", cmd_sethostname, ACCESS_OPERATOR, 0, 1,
	  "[NAME]", NULL, NULL },
	{ "showchanges", "Show the changes not yet committed.", cmd_showchanges, ACCESS_GUEST,
	  NO_ARGS, NULL },
	{ "showconfig", "View XML configuration file as paged output.", cmd_showconfig,
	  ACCESS_GUEST, NO_ARGS, NULL },
	{ "smtproutes", "Set up permanent domain redirections.", cmd_smtproutes, ACCESS_GUEST,
	  NO_ARGS, &smtproutes_menu },
	{ "sslconfig", "Configure SSL settings.", cmd_sslconfig, ACCESS_GUEST, NO_ARGS,
	  &sslconfig_menu },
	{ "tlsconnections", "Report the TLS versions and ciphers peers negotiated.",
	  cmd_tlsconnections, ACCESS_GUEST, 0, 4, "[gui|inbound|outbound ...] [PERIOD: 7d, 12h]",
	  NULL, NULL },
	{ "tlsverify", "Test the outbound TLS connection to a destination domain.", cmd_tlsverify,
	  ACCESS_GUEST, 1, 2, "DOMAIN [HOST[:PORT]]", "a domain", NULL },
	{ "userconfig", "Manage user accounts.", cmd_userconfig, ACCESS_ADMIN, NO_ARGS,
	  &userconfig_menu },
	{ NULL, NULL, NULL, ACCESS_UNSET, NO_ARGS, NULL },
};

const char *const *command_completions(void)
{
	static const char *names[sizeof(commands) / sizeof(commands[0])];

	for (size_t i = 0; commands[i].name; i++)
		names[i] = commands[i].name;
	return names; /* the table's NULL row leaves the last slot NULL */
}

const struct command *command_find(const char *name)
{
	for (const struct command *c = commands; c->name; c++)
		if (strcasecmp(c->name, name) == 0)
			return c;
	return NULL;
}

void format_date(time_t t, char *buf, size_t len)
{
	audit_date(t, buf, len);
}

bool command_allowed(struct session *s, const struct command *c)
{
	return role_check(s, access_role(c->access), c->name);
}

int command_run(struct session *s, const struct command *c, int argc, char **argv)
{
	char msg[256];
	int words = argc - 1;

	if (words < c->min_args) {
		snprintf(msg, sizeof(msg), "You must enter %s: %s %s",
			 c->missing ? c->missing : "a value", c->name, c->usage ? c->usage : "");
		return command_error(s, msg);
	}
	if (c->max_args != COMMAND_ARGS_ANY && words > c->max_args) {
		if (c->max_args == 0)
			snprintf(msg, sizeof(msg),
				 "That value is not valid. %s takes no arguments.", c->name);
		else
			snprintf(msg, sizeof(msg), "That value is not valid. Usage: %s %s", c->name,
				 c->usage ? c->usage : "");
		return command_error(s, msg);
	}
	if (cluster_mode_gate(s, c->name) < 0)
		return -1;
	cluster_view_refresh(s, c->name);
	return c->run(s, argc, argv);
}

int command_error(struct session *s, const char *msg)
{
	say_error(msg);
	s->abort = ABORT_ERROR;
	return -1;
}

int cmd_help(struct session *s, int argc, char **argv)
{
	const struct command *one = argc > 1 ? command_find(argv[1]) : NULL;
	char msg[160];

	if (argc > 1 && !one) {
		snprintf(msg, sizeof(msg),
			 "That value is not valid. There is no command \"%.60s\".", argv[1]);
		return command_error(s, msg);
	}
	if (one) {
		printf("%-16s%s\n", one->name, one->help);
		return 0;
	}
	printf("Available commands:\n");
	for (const struct command *c = commands; c->name; c++)
		printf("%-16s%s\n", c->name, c->help);
	return 0;
}
