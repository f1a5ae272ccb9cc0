/* commands: the table of top-level console commands. */
#include "commands.h"

#include <stdio.h>
#include <strings.h>
#include <time.h>

#include "../os/audit.h"
#include "prompt.h"

/* The role is the least one allowed to run the command. Read-only commands say
 * ROLE_GUEST; a menu-driven command open to guests marks its edit operations
 * in its own operation table (struct menu_op). */
const struct command commands[] = {
	{ "certconfig", "Configure security certificates and keys.", cmd_certconfig, ROLE_GUEST },
	{ "clear", "Clear pending changes.", cmd_clear, ROLE_OPERATOR },
	{ "commit", "Commit changes (\"commit confirmed MINUTES\": reverted unless confirmed).",
	  cmd_commit, ROLE_OPERATOR },
	{ "commitcheck", "Show what each service could negotiate after a commit.", cmd_commitcheck,
	  ROLE_GUEST },
	{ "destconfig", "Configure options for TLS and delivery per destination.", cmd_destconfig,
	  ROLE_GUEST },
	{ "exit", "Exit the console.", cmd_quit, ROLE_GUEST },
	{ "help", "List the available commands.", cmd_help, ROLE_GUEST },
	{ "interfaceconfig", "Choose the certificate of the GUI HTTPS interface.",
	  cmd_interfaceconfig, ROLE_GUEST },
	{ "listenerconfig", "Choose the certificate of the inbound SMTP listener.",
	  cmd_listenerconfig, ROLE_GUEST },
	{ "quit", "Exit the console.", cmd_quit, ROLE_GUEST },
	{ "rollbackconfig", "Roll back to a previously committed configuration.",
	  cmd_rollbackconfig, ROLE_GUEST },
	{ "sethostname", "Set the name of the machine.", cmd_sethostname, ROLE_OPERATOR },
	{ "showchanges", "Show the changes not yet committed.", cmd_showchanges, ROLE_GUEST },
	{ "smtproutes", "Set up permanent domain redirections.", cmd_smtproutes, ROLE_GUEST },
	{ "sslconfig", "Configure SSL settings.", cmd_sslconfig, ROLE_GUEST },
	{ "tlsverify", "Test the outbound TLS connection to a destination domain.", cmd_tlsverify,
	  ROLE_GUEST },
	{ "userconfig", "Manage user accounts.", cmd_userconfig, ROLE_ADMIN },
	{ NULL, NULL, NULL, ROLE_ADMIN },
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

int command_error(struct session *s, const char *msg)
{
	say_error(msg);
	s->abort = ABORT_ERROR;
	return -1;
}

int cmd_help(struct session *s, int argc, char **argv)
{
	(void)s;
	(void)argc;
	(void)argv;
	printf("Available commands:\n");
	for (const struct command *c = commands; c->name; c++)
		printf("%-16s%s\n", c->name, c->help);
	return 0;
}
