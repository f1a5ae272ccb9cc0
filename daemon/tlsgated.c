/* tlsgated: the TLS engines (GUI HTTPS, inbound SMTP) in one foreground
 * process with one event loop. Options, the home directory, then daemon.c. */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "daemon.h"

static void usage(FILE *out)
{
	fprintf(out,
		"Usage: tlsgated [--home DIR] [--https ADDR:PORT] [--smtp ADDR:PORT]\n"
		"  --home DIR            tlsgate home (default: $TLSGATE_HOME, else ~/.tlsgate)\n"
		"  --https ADDR:PORT     GUI HTTPS listener (default 127.0.0.1:8443)\n"
		"  --smtp ADDR:PORT      inbound SMTP listener (default 127.0.0.1:2525)\n"
		"  --http-timeout SECS   idle HTTPS connections are closed after SECS (60)\n"
		"  --smtp-timeout SECS   SMTP read/write timeout (300, RFC 5321 4.5.3.2)\n"
		"  --smtp-max-size BYTES largest message accepted (10485760)\n"
		"  --smtp-max-sessions N concurrent SMTP sessions (1000)\n"
		"  --deliver             deliver the spooled mail (destconfig, smtproutes)\n"
		"  --retry-base SECS     first retry after a temporary failure (60); doubles\n"
		"  --retry-max SECS      longest wait between retries (3600)\n"
		"  --queue-lifetime SECS a message still undelivered after SECS bounces (259200)\n"
		"  --queue-scan-ms MS    how often the spool is scanned for new mail (500)\n"
		"Runs in the foreground; SIGTERM or SIGINT stops it, SIGHUP reopens the log.\n");
}

static int prepare_home_or_say(const char *home)
{
	struct err e;

	if (db_prepare_home(home, &e) < 0) {
		fprintf(stderr, "%s: %s\n", "tlsgated", e.msg);
		return -1;
	}
	return 0;
}

static int positive(const char *arg, long max, long *out)
{
	char *end;

	errno = 0;
	*out = strtol(arg, &end, 10);
	return errno || *end || end == arg || *out < 1 || *out > max ? -1 : 0;
}

static int parse_options(int argc, char **argv, struct daemon_options *o)
{
	static const struct option opts[] = {
		{ "home", required_argument, NULL, 'H' },
		{ "https", required_argument, NULL, 'g' },
		{ "smtp", required_argument, NULL, 's' },
		{ "http-timeout", required_argument, NULL, 't' },
		{ "smtp-timeout", required_argument, NULL, 'T' },
		{ "smtp-max-size", required_argument, NULL, 'z' },
		{ "smtp-max-sessions", required_argument, NULL, 'n' },
		{ "deliver", no_argument, NULL, 'D' },
		{ "retry-base", required_argument, NULL, 'b' },
		{ "retry-max", required_argument, NULL, 'm' },
		{ "queue-lifetime", required_argument, NULL, 'l' },
		{ "queue-scan-ms", required_argument, NULL, 'q' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	int opt;
	long v;

	while ((opt = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (opt) {
		case 'H': o->home = optarg; break;
		case 'g': o->https_addr = optarg; break;
		case 's': o->smtp_addr = optarg; break;
		case 'h': usage(stdout); exit(0);
		case 'D': o->deliver = true; break;
		case 'b':
		case 'm':
		case 'l':
		case 'q':
			if (positive(optarg, 100000000, &v) < 0) {
				fprintf(stderr, "tlsgated: bad value \"%s\"\n", optarg);
				return -1;
			}
			*(opt == 'b'   ? &o->retry_base
			  : opt == 'm' ? &o->retry_max
			  : opt == 'l' ? &o->queue_lifetime
				       : &o->queue_scan_ms) = v;
			break;
		case 't':
		case 'T':
		case 'z':
		case 'n':
			if (positive(optarg, opt == 'z' ? 1L << 30 : 1000000, &v) < 0) {
				fprintf(stderr, "tlsgated: bad value \"%s\"\n", optarg);
				return -1;
			}
			if (opt == 't')
				o->http_timeout = (int)v;
			else if (opt == 'T')
				o->smtp_timeout = (int)v;
			else if (opt == 'z')
				o->smtp_max_size = (size_t)v;
			else
				o->smtp_max_sessions = (unsigned)v;
			break;
		default: return -1;
		}
	}
	return optind == argc ? 0 : -1;
}

int main(int argc, char **argv)
{
	struct daemon_options o = {
		.https_addr = "127.0.0.1:8443",
		.smtp_addr = "127.0.0.1:2525",
		.http_timeout = 60,
		.smtp_timeout = 300,
		.smtp_max_size = 10485760,
		.smtp_max_sessions = 1000,
		.retry_base = 60,
		.retry_max = 3600,
		.queue_lifetime = 259200,
		.queue_scan_ms = 500,
	};
	struct daemon d;
	char home_buf[4096];
	struct err e;
	int status;

	if (parse_options(argc, argv, &o) < 0) {
		usage(stderr);
		return 2;
	}
	if (!o.home)
		o.home = db_default_home(home_buf, sizeof(home_buf));
	if (prepare_home_or_say(o.home) < 0)
		return 1;
	if (daemon_init(&d, &o, &e) < 0) {
		fprintf(stderr, "tlsgated: %s\n", e.msg);
		daemon_free(&d);
		return 1;
	}
	fprintf(stderr, "tlsgated: version %ld applied; GUI HTTPS on %s, inbound SMTP on %s\n",
		d.version, o.https_addr, o.smtp_addr);
	status = daemon_run(&d);
	daemon_free(&d);
	return status < 0 ? 1 : 0;
}
