/* handshake_load: a TLS handshake load client and probe for the e2e tests.
 * Opens N connections/s for T seconds (optionally with SMTP STARTTLS first,
 * optionally pinned to one TLS version), counts handshakes that succeed and
 * fail, and can trace each one with wall-clock times. --until mode probes
 * one connection at a time until a handshake fails (or succeeds). */
#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <netdb.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define IO_TIMEOUT_S 5
#define MAX_WORKERS  32

struct options {
	char host[256], port[16];
	int starttls;
	double rate, duration;
	int workers;
	int version; /* 0: any, else TLS1_VERSION... */
	const char *cipher;
	const char *until; /* "fail" | "ok" | NULL */
	double max_wait;
	int trace;
};

struct result {
	int ok;
	char detail[200]; /* "TLSv1.3 TLS_AES_256_GCM_SHA384" or the reason */
};

static long long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static double mono_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int dial(const struct options *o, struct result *r)
{
	struct addrinfo hints = { .ai_socktype = SOCK_STREAM }, *ai;
	struct timeval tv = { IO_TIMEOUT_S, 0 };
	int fd;

	if (getaddrinfo(o->host, o->port, &hints, &ai) != 0) {
		snprintf(r->detail, sizeof(r->detail), "cannot resolve %.100s", o->host);
		return -1;
	}
	fd = socket(ai->ai_family, SOCK_STREAM, 0);
	if (fd >= 0) {
		setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
		setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
		if (connect(fd, ai->ai_addr, ai->ai_addrlen) < 0) {
			snprintf(r->detail, sizeof(r->detail), "connect: %s", strerror(errno));
			close(fd);
			fd = -1;
		}
	}
	freeaddrinfo(ai);
	return fd;
}

/* Reads one SMTP reply (all its lines); returns its code or -1. */
static int smtp_reply(int fd, char *last, size_t len)
{
	char buf[2048];
	size_t used = 0;

	for (;;) {
		ssize_t n = recv(fd, buf + used, 1, 0); /* byte by byte: no TLS bytes swallowed */
		if (n <= 0 || used + 2 >= sizeof(buf))
			return -1;
		if (buf[used++] != '\n')
			continue;
		buf[used] = '\0';
		if (used >= 4 && buf[3] == ' ') {
			snprintf(last, len, "%.*s", (int)strcspn(buf, "\r\n"), buf);
			return atoi(buf);
		}
		used = 0;
	}
}

static int smtp_starttls(int fd, struct result *r)
{
	char last[256] = "";
	static const char ehlo[] = "EHLO load.example\r\n", starttls[] = "STARTTLS\r\n";

	if (smtp_reply(fd, last, sizeof(last)) != 220 ||
	    send(fd, ehlo, sizeof(ehlo) - 1, MSG_NOSIGNAL) < 0 ||
	    smtp_reply(fd, last, sizeof(last)) != 250 ||
	    send(fd, starttls, sizeof(starttls) - 1, MSG_NOSIGNAL) < 0 ||
	    smtp_reply(fd, last, sizeof(last)) != 220) {
		snprintf(r->detail, sizeof(r->detail), "smtp: %.150s", last[0] ? last : "no reply");
		return -1;
	}
	return 0;
}

static SSL_CTX *client_ctx(const struct options *o)
{
	SSL_CTX *ctx = SSL_CTX_new(TLS_client_method());

	if (!ctx)
		return NULL;
	if (o->version) {
		SSL_CTX_set_min_proto_version(ctx, o->version);
		SSL_CTX_set_max_proto_version(ctx, o->version);
	}
	/* OpenSSL 3 clients refuse TLS 1.0/1.1 above security level 0. */
	SSL_CTX_set_security_level(ctx, 0);
	if (o->cipher && o->version == TLS1_3_VERSION)
		SSL_CTX_set_ciphersuites(ctx, o->cipher);
	else if (o->cipher)
		SSL_CTX_set_cipher_list(ctx, o->cipher);
	else
		SSL_CTX_set_cipher_list(ctx, "DEFAULT:@SECLEVEL=0");
	return ctx;
}

static void one_handshake(const struct options *o, SSL_CTX *ctx, struct result *r)
{
	int fd = dial(o, r);
	SSL *ssl;

	r->ok = 0;
	if (fd < 0)
		return;
	if (o->starttls && smtp_starttls(fd, r) < 0) {
		close(fd);
		return;
	}
	ssl = SSL_new(ctx);
	if (ssl && SSL_set_fd(ssl, fd) && SSL_connect(ssl) == 1) {
		r->ok = 1;
		snprintf(r->detail, sizeof(r->detail), "%s %s", SSL_get_version(ssl),
			 SSL_get_cipher_name(ssl));
		SSL_shutdown(ssl);
	} else {
		unsigned long code = ERR_get_error();
		char text[160] = "handshake failed";
		if (code)
			ERR_error_string_n(code, text, sizeof(text));
		snprintf(r->detail, sizeof(r->detail), "tls: %s", text);
	}
	ERR_clear_error();
	SSL_free(ssl);
	close(fd);
}

/* Connections w, w+P, w+2P... each at its scheduled time; one line each on
 * the pipe (shorter than PIPE_BUF, so lines from workers never mix). */
static void worker(const struct options *o, int w, double t0, int out)
{
	SSL_CTX *ctx = client_ctx(o);
	long total = (long)(o->rate * o->duration);

	for (long i = w; i < total; i += o->workers) {
		double at = t0 + (double)i / o->rate, wait = at - mono_s();
		struct result r;
		char line[300];
		long long start;
		int n;

		if (wait > 0) {
			struct timespec ts = { (time_t)wait, (long)((wait - (long)wait) * 1e9) };
			nanosleep(&ts, NULL);
		}
		start = now_ms();
		one_handshake(o, ctx, &r);
		n = snprintf(line, sizeof(line), "%lld %lld %s %s\n", start, now_ms(),
			     r.ok ? "ok" : "fail", r.detail);
		if (write(out, line, (size_t)n) < 0)
			break;
	}
	SSL_CTX_free(ctx);
	_exit(0);
}

static int run_load(const struct options *o)
{
	int fds[2], ok = 0, failed = 0;
	double t0 = mono_s() + 0.05;
	char line[400];
	FILE *in;

	if (pipe(fds) < 0)
		return 2;
	for (int w = 0; w < o->workers; w++)
		if (fork() == 0) {
			close(fds[0]);
			worker(o, w, t0, fds[1]);
		}
	close(fds[1]);
	in = fdopen(fds[0], "r");
	while (in && fgets(line, sizeof(line), in)) {
		char *status = strchr(strchr(line, ' ') + 1, ' ') + 1;
		if (strncmp(status, "ok", 2) == 0)
			ok++;
		else
			failed++;
		if (o->trace)
			fputs(line, stdout);
	}
	while (wait(NULL) > 0)
		;
	printf("attempted=%d ok=%d failed=%d\n", ok + failed, ok, failed);
	return 0;
}

/* Serial probes, at most --rate a second, until the wanted outcome: prints
 * when it happened. */
static int run_until(const struct options *o)
{
	SSL_CTX *ctx = client_ctx(o);
	int want_ok = strcmp(o->until, "ok") == 0;
	double deadline = mono_s() + o->max_wait;
	long probes = 0;
	struct result r;

	for (double next = mono_s(); mono_s() < deadline; next += 1.0 / o->rate) {
		long long start;
		double wait = next - mono_s();

		if (wait > 0) {
			struct timespec ts = { (time_t)wait, (long)((wait - (long)wait) * 1e9) };
			nanosleep(&ts, NULL);
		}
		start = now_ms();
		one_handshake(o, ctx, &r);
		probes++;
		if (r.ok == want_ok) {
			printf("start_ms=%lld end_ms=%lld probes=%ld detail=%s\n", start, now_ms(),
			       probes, r.detail);
			SSL_CTX_free(ctx);
			return 0;
		}
	}
	printf("timeout probes=%ld last=%s\n", probes, r.detail);
	SSL_CTX_free(ctx);
	return 1;
}

static int parse_version(const char *v)
{
	if (strcmp(v, "1.0") == 0)
		return TLS1_VERSION;
	if (strcmp(v, "1.1") == 0)
		return TLS1_1_VERSION;
	if (strcmp(v, "1.2") == 0)
		return TLS1_2_VERSION;
	if (strcmp(v, "1.3") == 0)
		return TLS1_3_VERSION;
	return -1;
}

static int parse_target(const char *spec, struct options *o)
{
	const char *colon = strrchr(spec, ':');

	if (!colon || (size_t)(colon - spec) >= sizeof(o->host) ||
	    strlen(colon + 1) >= sizeof(o->port))
		return -1;
	snprintf(o->host, sizeof(o->host), "%.*s", (int)(colon - spec), spec);
	snprintf(o->port, sizeof(o->port), "%s", colon + 1);
	return 0;
}

static void usage(void)
{
	fprintf(stderr,
		"Usage: handshake_load --connect HOST:PORT [--starttls] [--tls 1.0|1.1|1.2|1.3]\n"
		"         [--cipher LIST] [--rate N] [--duration SECS] [--workers P] [--trace]\n"
		"       handshake_load --connect HOST:PORT --until fail|ok [--max-wait SECS] "
		"[--rate N]\n"
		"Load mode prints attempted=N ok=N failed=N (--trace: one line per connection:\n"
		"start_ms end_ms ok|fail detail, wall-clock milliseconds).\n");
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "connect", required_argument, NULL, 'c' },
		{ "starttls", no_argument, NULL, 's' },
		{ "rate", required_argument, NULL, 'r' },
		{ "duration", required_argument, NULL, 'd' },
		{ "workers", required_argument, NULL, 'w' },
		{ "tls", required_argument, NULL, 'v' },
		{ "cipher", required_argument, NULL, 'C' },
		{ "until", required_argument, NULL, 'u' },
		{ "max-wait", required_argument, NULL, 'm' },
		{ "trace", no_argument, NULL, 't' },
		{ NULL, 0, NULL, 0 },
	};
	struct options o = { .rate = 0, .duration = 2, .workers = 4, .max_wait = 10 };
	int opt, have_target = 0;

	while ((opt = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (opt) {
		case 'c': have_target = parse_target(optarg, &o) == 0; break;
		case 's': o.starttls = 1; break;
		case 'r': o.rate = atof(optarg); break;
		case 'd': o.duration = atof(optarg); break;
		case 'w': o.workers = atoi(optarg); break;
		case 'v': o.version = parse_version(optarg); break;
		case 'C': o.cipher = optarg; break;
		case 'u': o.until = optarg; break;
		case 'm': o.max_wait = atof(optarg); break;
		case 't': o.trace = 1; break;
		default: usage(); return 2;
		}
	}
	if (!have_target || o.version < 0 || o.rate < 0 || o.duration <= 0 || o.workers < 1 ||
	    o.workers > MAX_WORKERS ||
	    (o.until && strcmp(o.until, "fail") != 0 && strcmp(o.until, "ok") != 0)) {
		usage();
		return 2;
	}
	if (o.rate == 0)
		o.rate = o.until ? 1e6 : 50; /* --until: as fast as it can by default */
	signal(SIGPIPE, SIG_IGN);
	setvbuf(stdout, NULL, _IOLBF, 0);
	return o.until ? run_until(&o) : run_load(&o);
}
