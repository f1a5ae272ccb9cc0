/* tlsgate: the administration console. Opens the home, works out who is
 * logged in (locally, or over SSH as a login shell or a ForceCommand), in
 * which mode and with which role, and runs the shell or the scp end. */
#include <errno.h>
#include <getopt.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../core/text.h"
#include "../os/audit.h"
#include "../os/harden.h"
#include "../tls/certs.h"
#include "roles.h"
#include "scp.h"
#include "shell.h"

static void usage(FILE *out)
{
	fprintf(out, "Usage: tlsgate [--home DIR] [--user NAME] [-c \"COMMAND[; COMMAND...]\"]\n"
		     "  --home DIR   tlsgate home (default: $TLSGATE_HOME, else ~/.tlsgate)\n"
		     "  --user NAME  act as NAME (default: the login name; not over SSH)\n"
		     "  -c COMMANDS  run these commands and exit; answers are read from stdin\n");
}

static int prepare_home_or_say(const char *home)
{
	struct err e;

	if (db_prepare_home(home, &e) < 0) {
		fprintf(stderr, "%s: %s\n", "tlsgate", e.msg);
		return -1;
	}
	return 0;
}

static const char *env_nonempty(const char *name)
{
	const char *v = getenv(name);

	return v && v[0] ? v : NULL;
}

/* Over SSH the console user is the SSH login name: --user would let anyone
 * who can run tlsgate act as an admin, so only root may use it there. */
static int pick_user(const char *requested, char *out, size_t len)
{
	struct passwd *pw;

	if (requested && env_nonempty("SSH_CONNECTION") && getuid() != 0) {
		fprintf(stderr, "tlsgate: --user cannot be used in an SSH session: the console "
				"user is the SSH login name.\n");
		return -1;
	}
	if (!requested) {
		pw = getpwuid(getuid());
		requested = pw ? pw->pw_name : "admin";
	}
	if (!text_is_clean(requested)) { /* it is written to the audit log */
		fprintf(stderr, "tlsgate: That value is not valid. A user name cannot hold control "
				"characters.\n");
		return -1;
	}
	snprintf(out, len, "%s", requested);
	return 0;
}

/* The user's role, or a refusal (logged) for a user the console does not know. */
static int log_in(struct session *s)
{
	struct err e;

	s->is_root = getuid() == 0;
	if (roles_login(s->db, s->user, s->is_root, &s->role, &e) == 0)
		return 0;
	fprintf(stderr, "tlsgate: %s\n", e.msg);
	audit_event(s->home, "Warning", "login refused: user %s is not a console user", s->user);
	return -1;
}

int main(int argc, char **argv)
{
	static const struct option long_opts[] = {
		{ "home", required_argument, NULL, 'H' },
		{ "user", required_argument, NULL, 'u' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct session s = { 0 };
	char home_buf[4096];
	const char *home = NULL, *user = NULL, *commands = NULL;
	struct err e;
	int opt, status;

	harden_no_core_dumps(); /* PASTE/IMPORT put private keys in this memory */
	/* A login shell is started as "-tlsgate" with no arguments: nothing to
	 * do differently, it is interactive when sshd gave it a terminal. */
	while ((opt = getopt_long(argc, argv, "c:h", long_opts, NULL)) != -1) {
		switch (opt) {
		case 'H': home = optarg; break;
		case 'u': user = optarg; break;
		case 'c': commands = optarg; break;
		case 'h': usage(stdout); return 0;
		default: usage(stderr); return 2;
		}
	}
	if (optind != argc) {
		usage(stderr);
		return 2;
	}
	/* Under an sshd ForceCommand, what the user asked for (ssh host "cmd",
	 * or scp's "scp -t DIR") is here; it is run like -c. */
	if (!commands)
		commands = env_nonempty("SSH_ORIGINAL_COMMAND");
	if (!home)
		home = db_default_home(home_buf, sizeof(home_buf));
	if (pick_user(user, s.user, sizeof(s.user)) < 0)
		return 2;
	if (prepare_home_or_say(home) < 0)
		return 1;
	/* Demo exists from the first start, whichever program opens the home
	 * first, so the shell can list and assign it before tlsgated ever ran. */
	if (db_open(home, &s.db, &e) < 0 || certs_ensure_demo(s.db, &e) < 0) {
		fprintf(stderr, "tlsgate: %s\n", e.msg);
		db_close(s.db);
		return 1;
	}
	s.home = home;
	if (log_in(&s) < 0) {
		db_close(s.db);
		return 1;
	}
	if (commands && scp_is_sftp(commands)) {
		status = scp_refuse_sftp(&s);
	} else if (commands && scp_is_command(commands)) {
		status = scp_run(&s, commands);
	} else {
		s.interactive = isatty(STDIN_FILENO);
		s.echo_answers = !s.interactive;
		status = shell_run(&s, commands);
	}
	db_close(s.db);
	return status;
}
