/* load: the benchmark load client. One closed-loop client per thread, each
 * running sessions back to back on blocking sockets: HTTPS full handshakes,
 * SMTP STARTTLS sessions, SMTP messages (plain or over STARTTLS), or idle TLS
 * connections held open. Never resumes a session, so every handshake is a
 * full one. Prints one line of key=value results (rate, failures, latency
 * percentiles, the client's own CPU) and, with --trace, one line per session
 * with wall-clock microseconds, for the commit-latency probes. This file is
 * the driver (threads, results, options); one session is load_session.c. */
#include <getopt.h>
#include <netdb.h>
#include <openssl/ssl.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include "load.h"

#define MAX_THREADS     256
#define MAX_SAMPLES     (1 << 20) /* per thread */
#define MAX_IDLE        20000
#define DEFAULT_GROUPS  "X25519:P-256" /* P-256 too: TLS 1.2 ECDSA needs it offered */
#define DEFAULT_MSGSIZE 10240

struct thread_state {
	pthread_t tid;
	const struct options *o;
	SSL_CTX *ctx;
	double deadline;
	long ok, failed;
	float *lat_ms; /* one per successful session */
	long nlat;
	char first_detail[200], last_error[200];
};

static pthread_mutex_t trace_lock = PTHREAD_MUTEX_INITIALIZER;
static long sessions_left; /* --count: shared budget */
static int stopping;       /* SIGINT/SIGTERM: finish, then report (atomic: read by every thread) */

static double mono_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static long long wall_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (long long)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

static void on_stop(int sig)
{
	(void)sig;
	__atomic_store_n(&stopping, 1, __ATOMIC_RELAXED);
}

static int take_one(const struct thread_state *t)
{
	if (__atomic_load_n(&stopping, __ATOMIC_RELAXED))
		return 0;
	if (t->o->count)
		return __atomic_sub_fetch(&sessions_left, 1, __ATOMIC_SEQ_CST) >= 0;
	return mono_s() < t->deadline;
}

static void *run_thread(void *arg)
{
	struct thread_state *t = arg;
	char detail[200];

	while (take_one(t)) {
		long long start = wall_us(), end;
		int rc = session(t->o, t->ctx, detail, sizeof(detail), NULL);

		end = wall_us();
		if (rc == 0) {
			t->ok++;
			if (!t->first_detail[0])
				snprintf(t->first_detail, sizeof(t->first_detail), "%s", detail);
			if (t->nlat < MAX_SAMPLES)
				t->lat_ms[t->nlat++] = (float)(end - start) / 1000.0f;
		} else {
			t->failed++;
			snprintf(t->last_error, sizeof(t->last_error), "%s", detail);
		}
		if (t->o->trace) {
			pthread_mutex_lock(&trace_lock);
			fprintf(t->o->trace, "%lld %lld %s %s\n", start, end,
				rc == 0 ? "ok" : "fail", detail);
			pthread_mutex_unlock(&trace_lock);
		}
	}
	return NULL;
}

static int cmp_float(const void *a, const void *b)
{
	float x = *(const float *)a, y = *(const float *)b;

	return x < y ? -1 : x > y;
}

static double cpu_seconds(void)
{
	struct rusage ru;

	getrusage(RUSAGE_SELF, &ru);
	return (double)ru.ru_utime.tv_sec + (double)ru.ru_utime.tv_usec / 1e6 +
	       (double)ru.ru_stime.tv_sec + (double)ru.ru_stime.tv_usec / 1e6;
}

static int run_load(const struct options *o)
{
	struct thread_state *ts = calloc((size_t)o->threads, sizeof(*ts));
	long ok = 0, failed = 0, n = 0;
	double t0 = mono_s(), cpu0 = cpu_seconds(), secs, cpu;
	const char *detail = "", *error = "";
	float *all;

	if (!ts)
		return 2;
	sessions_left = o->count;
	for (int i = 0; i < o->threads; i++) {
		ts[i].o = o;
		ts[i].ctx = client_ctx(o);
		ts[i].deadline = t0 + o->duration;
		ts[i].lat_ms = malloc(sizeof(float) * MAX_SAMPLES);
		if (!ts[i].ctx || !ts[i].lat_ms ||
		    pthread_create(&ts[i].tid, NULL, run_thread, &ts[i]) != 0) {
			fprintf(stderr, "load: cannot start client thread %d\n", i);
			return 2;
		}
	}
	for (int i = 0; i < o->threads; i++) {
		pthread_join(ts[i].tid, NULL);
		ok += ts[i].ok;
		failed += ts[i].failed;
		n += ts[i].nlat;
	}
	secs = mono_s() - t0;
	cpu = cpu_seconds() - cpu0;
	all = malloc(sizeof(float) * (size_t)(n ? n : 1));
	n = 0;
	for (int i = 0; all && i < o->threads; i++) {
		memcpy(all + n, ts[i].lat_ms, sizeof(float) * (size_t)ts[i].nlat);
		n += ts[i].nlat;
		if (ts[i].first_detail[0])
			detail = ts[i].first_detail;
		if (ts[i].last_error[0])
			error = ts[i].last_error;
	}
	if (all && n)
		qsort(all, (size_t)n, sizeof(float), cmp_float);
	printf("ok=%ld failed=%ld secs=%.3f rate=%.1f p50_ms=%.2f p99_ms=%.2f client_cpu_s=%.3f "
	       "negotiated=\"%s\" last_error=\"%s\"\n",
	       ok, failed, secs, (double)ok / secs, n ? all[n / 2] : 0.0,
	       n ? all[(long)((double)n * 0.99)] : 0.0, cpu, detail, error);
	for (int i = 0; i < o->threads; i++) {
		SSL_CTX_free(ts[i].ctx);
		free(ts[i].lat_ms);
	}
	free(all);
	free(ts);
	return 0;
}

/* Opens --idle TLS connections and holds them --hold seconds (or until
 * stdin closes): "ready N" once they are all up, for a memory reading. */
static int run_idle(const struct options *o)
{
	SSL_CTX *ctx = client_ctx(o);
	SSL **conns = calloc((size_t)o->idle, sizeof(*conns));
	char detail[200] = "";
	int up = 0;
	double until;

	if (!ctx || !conns)
		return 2;
	for (int i = 0; i < o->idle; i++)
		if (session(o, ctx, detail, sizeof(detail), &conns[up]) == 0)
			up++;
	printf("ready %d failed=%d last=\"%s\"\n", up, o->idle - up, detail);
	fflush(stdout);
	until = mono_s() + o->hold;
	while (mono_s() < until) {
		struct timeval tv = { 0, 200000 };
		fd_set in;
		char c;

		FD_ZERO(&in);
		FD_SET(0, &in);
		if (select(1, &in, NULL, NULL, &tv) > 0 && read(0, &c, 1) <= 0)
			break;
	}
	for (int i = 0; i < up; i++) {
		close(SSL_get_fd(conns[i]));
		SSL_free(conns[i]);
	}
	free(conns);
	SSL_CTX_free(ctx);
	return 0;
}

static int parse_target(const char *spec, struct options *o)
{
	struct addrinfo hints = { .ai_socktype = SOCK_STREAM, .ai_flags = AI_NUMERICSERV };
	const char *colon = strrchr(spec, ':');
	char host[256];

	if (!colon || (size_t)(colon - spec) >= sizeof(host))
		return -1;
	snprintf(host, sizeof(host), "%.*s", (int)(colon - spec), spec);
	return getaddrinfo(host, colon + 1, &hints, &o->addr) == 0 ? 0 : -1;
}

static int parse_mode(const char *m, struct options *o)
{
	static const char *const names[] = { "https", "starttls", "message", "idle" };

	for (int i = 0; i < 4; i++)
		if (strcmp(m, names[i]) == 0) {
			o->mode = (enum mode)i;
			return 0;
		}
	return -1;
}

static void usage(void)
{
	fprintf(stderr,
		"Usage: load --connect HOST:PORT --mode https|starttls|message|idle\n"
		"            [--tls 1.2|1.3] [--threads N] [--duration SECS | --count N]\n"
		"            [--plain (SMTP without STARTTLS)] [--msg-size BYTES] [--groups LIST] "
		"[--trace FILE]\n"
		"            [--idle N --hold SECS]\n"
		"Prints: ok= failed= secs= rate= p50_ms= p99_ms= client_cpu_s= negotiated= "
		"last_error=\n"
		"--trace: one line per session: start_us end_us ok|fail detail (wall clock).\n"
		"SIGINT/SIGTERM (not --idle): the sessions in progress end, then the results are\n"
		"printed.\n");
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "connect", required_argument, NULL, 'c' },
		{ "mode", required_argument, NULL, 'm' },
		{ "tls", required_argument, NULL, 'v' },
		{ "threads", required_argument, NULL, 'n' },
		{ "duration", required_argument, NULL, 'd' },
		{ "count", required_argument, NULL, 'N' },
		{ "plain", no_argument, NULL, 'p' },
		{ "msg-size", required_argument, NULL, 's' },
		{ "groups", required_argument, NULL, 'g' },
		{ "trace", required_argument, NULL, 't' },
		{ "idle", required_argument, NULL, 'i' },
		{ "hold", required_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct options o = { .threads = 1,
			     .duration = 5,
			     .msg_size = DEFAULT_MSGSIZE,
			     .groups = DEFAULT_GROUPS,
			     .hold = 3600 };
	struct rlimit rl;
	int opt, bad = 0, rc;

	while ((opt = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (opt) {
		case 'c': bad |= parse_target(optarg, &o) < 0; break;
		case 'm': bad |= parse_mode(optarg, &o) < 0; break;
		case 'v':
			o.tls_version = strcmp(optarg, "1.2") == 0   ? TLS1_2_VERSION
					: strcmp(optarg, "1.3") == 0 ? TLS1_3_VERSION
								     : -1;
			bad |= o.tls_version < 0;
			break;
		case 'n': o.threads = atoi(optarg); break;
		case 'd': o.duration = atof(optarg); break;
		case 'N': o.count = atol(optarg); break;
		case 'p': o.plain = 1; break;
		case 's': o.msg_size = atoi(optarg); break;
		case 'g': o.groups = optarg; break;
		case 't':
			o.trace = fopen(optarg, "w");
			bad |= !o.trace;
			break;
		case 'i': o.idle = atoi(optarg); break;
		case 'h': o.hold = atof(optarg); break;
		default: bad = 1;
		}
	}
	if (bad || !o.addr || o.threads < 1 || o.threads > MAX_THREADS || o.duration <= 0 ||
	    o.msg_size < 0 || (o.mode == MODE_IDLE && (o.idle < 1 || o.idle > MAX_IDLE)) ||
	    (o.plain && o.mode != MODE_MESSAGE && o.mode != MODE_STARTTLS)) {
		usage();
		return 2;
	}
	signal(SIGPIPE, SIG_IGN);
	/* A stop ends the sessions in progress and prints the results; SA_RESTART
	 * keeps the blocked reads of a session from failing on it. (--idle: a
	 * stop still kills at once.) */
	if (o.mode != MODE_IDLE) {
		struct sigaction sa = { .sa_handler = on_stop, .sa_flags = SA_RESTART };

		sigemptyset(&sa.sa_mask);
		sigaction(SIGINT, &sa, NULL);
		sigaction(SIGTERM, &sa, NULL);
	}
	/* Room for --idle connections. */
	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
		rl.rlim_cur = rl.rlim_max;
		setrlimit(RLIMIT_NOFILE, &rl);
	}
	if (o.mode == MODE_MESSAGE && !(message_body = make_message(o.msg_size)))
		return 2;
	if (o.trace)
		setvbuf(o.trace, NULL, _IOLBF, 0);
	rc = o.mode == MODE_IDLE ? run_idle(&o) : run_load(&o);
	if (o.trace)
		fclose(o.trace);
	freeaddrinfo(o.addr);
	free(message_body);
	return rc;
}
