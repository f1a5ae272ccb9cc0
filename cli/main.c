/* tlsgate: the administration console. Opens the home, works out who is
 * logged in and in which mode, and runs the shell. */
#include <errno.h>
#include <getopt.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "shell.h"

static void usage(FILE *out)
{
	fprintf(out, "Usage: tlsgate [--home DIR] [--user NAME] [-c \"COMMAND[; COMMAND...]\"]\n"
		     "  --home DIR   tlsgate home (default: $TLSGATE_HOME, else ~/.tlsgate)\n"
		     "  --user NAME  act as NAME (default: the login name)\n"
		     "  -c COMMANDS  run these commands and exit; answers are read from stdin\n");
}

/* The home holds the database and keys: created 0700, and refused when others
 * can reach into it. */
static int prepare_home(const char *home)
{
	struct stat st;

	if (mkdir(home, 0700) < 0 && errno != EEXIST) {
		fprintf(stderr, "tlsgate: cannot create %s: %s\n", home, strerror(errno));
		return -1;
	}
	if (stat(home, &st) < 0 || !S_ISDIR(st.st_mode)) {
		fprintf(stderr, "tlsgate: %s is not a directory\n", home);
		return -1;
	}
	if ((st.st_mode & 077) && st.st_uid == geteuid() && chmod(home, 0700) < 0) {
		fprintf(stderr, "tlsgate: cannot restrict %s to mode 0700: %s\n", home,
			strerror(errno));
		return -1;
	}
	return 0;
}

static const char *default_home(char *buf, size_t len)
{
	const char *env = getenv("TLSGATE_HOME"), *h = getenv("HOME");

	if (env && env[0])
		return env;
	snprintf(buf, len, "%s/.tlsgate", h && h[0] ? h : ".");
	return buf;
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
	if (!home)
		home = default_home(home_buf, sizeof(home_buf));
	if (!user) {
		struct passwd *pw = getpwuid(getuid());
		user = pw ? pw->pw_name : "admin";
	}
	if (prepare_home(home) < 0)
		return 1;
	if (db_open(home, &s.db, &e) < 0) {
		fprintf(stderr, "tlsgate: %s\n", e.msg);
		return 1;
	}
	s.home = home;
	snprintf(s.user, sizeof(s.user), "%s", user);
	s.interactive = isatty(STDIN_FILENO);
	s.echo_answers = !s.interactive;
	status = shell_run(&s, commands);
	db_close(s.db);
	return status;
}
