/* commands: the table of top-level console commands. */
#include "commands.h"

#include <stdio.h>
#include <strings.h>
#include <time.h>

#include "../tlsengine/audit.h"
#include "prompt.h"

const struct command commands[] = {
	{ "clear", "Clear pending changes.", cmd_clear },
	{ "commit", "Commit changes.", cmd_commit },
	{ "commitcheck", "Show what each service could negotiate after a commit.",
	  cmd_commitcheck },
	{ "exit", "Exit the console.", cmd_quit },
	{ "help", "List the available commands.", cmd_help },
	{ "quit", "Exit the console.", cmd_quit },
	{ "rollbackconfig", "Roll back to a previously committed configuration.",
	  cmd_rollbackconfig },
	{ "sethostname", "Set the name of the machine.", cmd_sethostname },
	{ "showchanges", "Show the changes not yet committed.", cmd_showchanges },
	{ "sslconfig", "Configure SSL settings.", cmd_sslconfig },
	{ NULL, NULL, NULL },
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
