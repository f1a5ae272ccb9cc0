/* tlsgated: the TLS engines (GUI HTTPS, inbound SMTP) in one foreground
 * process: one event loop, and one more thread per extra HTTPS worker. Options, the home directory,
 * then daemon.c. */
#define _GNU_SOURCE /* sched_getaffinity, CPU_COUNT */
#include <errno.h>
#include <getopt.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "daemon.h"
#include "workers.h"
#include "../os/harden.h"

/* Descriptors kept for everything but inbound connections: the database,
 * logs, control socket, spool scans, outbound delivery. */
#define FD_RESERVE 128

static void usage(FILE *out)
{
	fprintf(out,
		"Usage: tlsgated [--home DIR] [--https ADDR:PORT] [--smtp ADDR:PORT]\n"
		"  --home DIR            tlsgate home (default: $TLSGATE_HOME, else ~/.tlsgate)\n"
		"  --https ADDR:PORT     GUI HTTPS listener (default 127.0.0.1:8443)\n"
		"  --smtp ADDR:PORT      inbound SMTP listener (default 127.0.0.1:2525)\n"
		"  --http-timeout SECS   idle HTTPS connections are closed after SECS (60)\n"
		"  --smtp-timeout SECS   SMTP read/write timeout (300, RFC 5321 4.5.3.2)\n"
		"  --handshake-timeout SECS  a client must finish its TLS handshake, and an\n"
		"                        SMTP client send EHLO/HELO, within SECS (10)\n"
		"  --smtp-max-size BYTES largest message accepted (10485760)\n"
		"  --smtp-max-sessions N concurrent SMTP sessions (500)\n"
		"  --https-max-conns N   concurrent HTTPS connections (256)\n"
		"  --webui-timeout SECS  a WebUI session ends after SECS without a request (1800)\n"
		"  --max-per-address N   concurrent connections from one address, per listener "
		"(32)\n"
		"                        (both caps shrink to fit the descriptor limit)\n"
		"  --spool-max-bytes B   spool quota in bytes, 0 = none (1073741824)\n"
		"  --spool-max-messages N  spool quota in messages, 0 = none (10000)\n"
		"  --spool-min-free B    refuse mail when less is free on the spool's file\n"
		"                        system, 0 = no floor (268435456)\n"
		"  --deliver             deliver the spooled mail (destconfig, smtproutes)\n"
		"  --retry-base SECS     first retry after a temporary failure (60); doubles\n"
		"  --retry-max SECS      longest wait between retries (3600)\n"
		"  --queue-lifetime SECS a message still undelivered after SECS bounces (259200)\n"
		"  --queue-scan-ms MS    how often the spool is scanned for new mail (500)\n"
		"  --tls-rpt-interval SECS  TLS-RPT reporting period (86400: daily)\n"
		"  --usage-flush SECS    how often TLS usage counts reach the database (60)\n"
		"  --usage-keep-days N   TLS usage rollups are kept N days (90)\n"
		"  --no-usage            record no TLS usage (tlsconnections, metrics)\n"
		"  --metrics-allow LIST  addresses that may GET /metrics, comma-separated\n"
		"                        (127.0.0.1,::1; \"none\": nobody)\n"
		"  --workers N           HTTPS event loops, one thread each (1 to %d; default:\n"
		"                        the cores it may run on); the HTTPS connection cap\n"
		"                        is shared out among them\n"
		"Runs in the foreground; SIGTERM or SIGINT stops it, SIGHUP reopens the log\n"
		"and applies the latest committed configuration. Under systemd (Type=notify)\n"
		"it reports READY=1 once the listeners and the control socket are up.\n",
		WORKERS_MAX);
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

static int bytes(const char *arg, unsigned long long *out)
{
	char *end;

	errno = 0;
	*out = strtoull(arg, &end, 10);
	return errno || *end || end == arg || arg[0] == '-' ? -1 : 0;
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
		{ "handshake-timeout", required_argument, NULL, 'k' },
		{ "https-max-conns", required_argument, NULL, 'c' },
		{ "webui-timeout", required_argument, NULL, 'W' },
		{ "max-per-address", required_argument, NULL, 'a' },
		{ "spool-max-bytes", required_argument, NULL, 'B' },
		{ "spool-max-messages", required_argument, NULL, 'M' },
		{ "spool-min-free", required_argument, NULL, 'F' },
		{ "deliver", no_argument, NULL, 'D' },
		{ "retry-base", required_argument, NULL, 'b' },
		{ "retry-max", required_argument, NULL, 'm' },
		{ "queue-lifetime", required_argument, NULL, 'l' },
		{ "queue-scan-ms", required_argument, NULL, 'q' },
		{ "tls-rpt-interval", required_argument, NULL, 'R' },
		{ "usage-flush", required_argument, NULL, 'U' },
		{ "usage-keep-days", required_argument, NULL, 'K' },
		{ "no-usage", no_argument, NULL, 'N' },
		{ "metrics-allow", required_argument, NULL, 'A' },
		{ "workers", required_argument, NULL, 'w' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	int opt;
	long v;
	unsigned long long u;

	while ((opt = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (opt) {
		case 'H': o->home = optarg; break;
		case 'g': o->https_addr = optarg; break;
		case 's': o->smtp_addr = optarg; break;
		case 'h': usage(stdout); exit(0);
		case 'D': o->deliver = true; break;
		case 'N': o->usage_off = true; break;
		case 'A': o->metrics_allow = optarg; break;
		case 'w':
			if (positive(optarg, WORKERS_MAX, &v) < 0) {
				fprintf(stderr, "tlsgated: --workers takes 1 to %d, not \"%s\"\n",
					WORKERS_MAX, optarg);
				return -1;
			}
			o->workers = (unsigned)v;
			break;
		case 'U':
		case 'K':
			if (positive(optarg, opt == 'U' ? 86400 : 36500, &v) < 0) {
				fprintf(stderr, "tlsgated: bad value \"%s\"\n", optarg);
				return -1;
			}
			*(opt == 'U' ? &o->usage_flush_seconds : &o->usage_keep_days) = v;
			break;
		case 'B':
		case 'M':
		case 'F':
			if (bytes(optarg, &u) < 0 || (opt == 'M' && u > 100000000)) {
				fprintf(stderr, "tlsgated: bad value \"%s\"\n", optarg);
				return -1;
			}
			if (opt == 'B')
				o->spool.max_bytes = u;
			else if (opt == 'M')
				o->spool.max_messages = (unsigned long)u;
			else
				o->spool.min_free = u;
			break;
		case 'b':
		case 'm':
		case 'l':
		case 'q':
		case 'R':
			if (positive(optarg, 100000000, &v) < 0) {
				fprintf(stderr, "tlsgated: bad value \"%s\"\n", optarg);
				return -1;
			}
			*(opt == 'b'   ? &o->retry_base
			  : opt == 'm' ? &o->retry_max
			  : opt == 'l' ? &o->queue_lifetime
			  : opt == 'R' ? &o->tls_rpt_interval
				       : &o->queue_scan_ms) = v;
			break;
		case 't':
		case 'T':
		case 'z':
		case 'n':
		case 'k':
		case 'c':
		case 'W':
		case 'a':
			if (positive(optarg, opt == 'z' ? 1L << 30 : 1000000, &v) < 0) {
				fprintf(stderr, "tlsgated: bad value \"%s\"\n", optarg);
				return -1;
			}
			if (opt == 't')
				o->http_timeout = (int)v;
			else if (opt == 'W')
				o->webui_timeout = (int)v;
			else if (opt == 'T')
				o->smtp_timeout = (int)v;
			else if (opt == 'z')
				o->smtp_max_size = (size_t)v;
			else if (opt == 'n')
				o->smtp_max_sessions = (unsigned)v;
			else if (opt == 'k')
				o->handshake_timeout = (int)v;
			else if (opt == 'c')
				o->https_max_conns = (unsigned)v;
			else
				o->max_per_address = (unsigned)v;
			break;
		default: return -1;
		}
	}
	return optind == argc ? 0 : -1;
}

/* The default workers: one per core this process may run on (taskset,
 * cpusets), but no more than the descriptor limit leaves room for: each
 * worker's loop takes a few descriptors and a share of the connections,
 * so one per 64 (a tight `ulimit -n` gets one loop, not a failed start). */
static unsigned default_workers(unsigned long nofile)
{
	cpu_set_t set;
	unsigned long n = 0;

	if (sched_getaffinity(0, sizeof(set), &set) == 0)
		n = (unsigned long)CPU_COUNT(&set);
	if (n > nofile / 64)
		n = nofile / 64;
	if (n < 1)
		n = 1;
	return n > WORKERS_MAX ? WORKERS_MAX : (unsigned)n;
}

/* Inbound connections must never take the last descriptors: an SMTP
 * session holds two (socket, spool file), an HTTPS connection one. Caps
 * that do not fit under the limit are scaled down, and said so. */
static void fit_descriptors(struct daemon_options *o, unsigned long nofile)
{
	unsigned long need = o->https_max_conns + 2UL * o->smtp_max_sessions;
	/* Each worker holds its loop's descriptors and a listening socket. */
	unsigned long reserve = FD_RESERVE + 4UL * o->workers;
	unsigned long avail = nofile > reserve + 32 ? nofile - reserve : 32;

	if (need <= avail)
		return;
	o->https_max_conns = (unsigned)(o->https_max_conns * avail / need);
	o->smtp_max_sessions = (unsigned)(o->smtp_max_sessions * avail / need);
	if (o->https_max_conns < 4)
		o->https_max_conns = 4;
	if (o->smtp_max_sessions < 4)
		o->smtp_max_sessions = 4;
	fprintf(stderr,
		"tlsgated: %lu descriptors allowed: at most %u SMTP sessions and %u HTTPS "
		"connections\n",
		nofile, o->smtp_max_sessions, o->https_max_conns);
}

int main(int argc, char **argv)
{
	struct daemon_options o = {
		.https_addr = "127.0.0.1:8443",
		.smtp_addr = "127.0.0.1:2525",
		.http_timeout = 60,
		.webui_timeout = 1800,
		.smtp_timeout = 300,
		.handshake_timeout = 10,
		.smtp_max_size = 10485760,
		.smtp_max_sessions = 500,
		.https_max_conns = 256,
		.max_per_address = 32,
		.spool = { .max_bytes = 1ULL << 30,
			   .max_messages = 10000,
			   .min_free = 256ULL << 20 },
		.retry_base = 60,
		.retry_max = 3600,
		.queue_lifetime = 259200,
		.queue_scan_ms = 500,
		.tls_rpt_interval = 86400,
		.usage_flush_seconds = 60,
		.usage_keep_days = 90,
		.metrics_allow = "127.0.0.1,::1",
	};
	struct daemon d;
	char home_buf[4096];
	struct err e;
	unsigned long nofile;
	int status;

	/* Keys live in this process's memory: no core file may carry them. */
	harden_no_core_dumps();
	if (parse_options(argc, argv, &o) < 0) {
		usage(stderr);
		return 2;
	}
	nofile = harden_raise_nofile();
	if (!o.workers)
		o.workers = default_workers(nofile);
	fit_descriptors(&o, nofile);
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
