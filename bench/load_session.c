/* load_session: one session of the load client, on a blocking socket with
 * timeouts: the TCP connection, the SMTP dialog (greeting, EHLO, STARTTLS,
 * a message, QUIT) and the TLS handshake; and the client's SSL_CTX, which
 * never resumes a session, so every handshake is a full one. */
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <openssl/err.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include "load.h"

#define IO_TIMEOUT_S   10
#define SMTP_REPLY_MAX 4096
#define TLS12_CIPHERS  "ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256"
#define TLS13_SUITES   "TLS_AES_128_GCM_SHA256"

char *message_body;

static int dial(const struct options *o, char *err, size_t len)
{
	struct timeval tv = { IO_TIMEOUT_S, 0 };
	int on = 1, fd = socket(o->addr->ai_family, SOCK_STREAM | SOCK_CLOEXEC, 0);

	if (fd < 0) {
		snprintf(err, len, "socket: %s", strerror(errno));
		return -1;
	}
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &on, sizeof(on));
	if (connect(fd, o->addr->ai_addr, o->addr->ai_addrlen) < 0) {
		snprintf(err, len, "connect: %s", strerror(errno));
		close(fd);
		return -1;
	}
	return fd;
}

/* One SMTP reply, all its lines, read through `ssl` or the plain socket.
 * Byte at a time on the plain socket so no TLS byte is swallowed. */
static int smtp_reply(int fd, SSL *ssl, char *err, size_t len)
{
	char buf[SMTP_REPLY_MAX];
	size_t used = 0;

	for (;;) {
		int n = ssl ? SSL_read(ssl, buf + used, 1) : (int)recv(fd, buf + used, 1, 0);
		if (n <= 0 || used + 2 >= sizeof(buf)) {
			snprintf(err, len, "smtp: connection closed or reply too long");
			return -1;
		}
		if (buf[used++] != '\n')
			continue;
		if (used >= 4 && buf[3] == ' ') {
			buf[used] = '\0';
			if (buf[0] != '2' && buf[0] != '3')
				snprintf(err, len, "smtp: %.*s", (int)strcspn(buf, "\r\n"), buf);
			return atoi(buf);
		}
		used = 0;
	}
}

static int send_all(int fd, SSL *ssl, const char *data, size_t n)
{
	while (n > 0) {
		int w = ssl ? SSL_write(ssl, data, (int)n) : (int)send(fd, data, n, MSG_NOSIGNAL);
		if (w <= 0)
			return -1;
		data += w;
		n -= (size_t)w;
	}
	return 0;
}

/* Sends `cmd` and expects a reply with code `want`. */
static int smtp_cmd(int fd, SSL *ssl, const char *cmd, int want, char *err, size_t len)
{
	if (send_all(fd, ssl, cmd, strlen(cmd)) < 0) {
		snprintf(err, len, "smtp: send failed");
		return -1;
	}
	return smtp_reply(fd, ssl, err, len) == want ? 0 : -1;
}

static void tls_error(char *err, size_t len)
{
	unsigned long code = ERR_get_error();
	char text[160] = "handshake failed";

	if (code)
		ERR_error_string_n(code, text, sizeof(text));
	snprintf(err, len, "tls: %s", text);
	ERR_clear_error();
}

static int send_message(int fd, SSL *ssl, char *err, size_t len)
{
	if (smtp_cmd(fd, ssl, "MAIL FROM:<load@example.com>\r\n", 250, err, len) < 0 ||
	    smtp_cmd(fd, ssl, "RCPT TO:<sink@example.net>\r\n", 250, err, len) < 0 ||
	    smtp_cmd(fd, ssl, "DATA\r\n", 354, err, len) < 0)
		return -1;
	if (send_all(fd, ssl, message_body, strlen(message_body)) < 0) {
		snprintf(err, len, "smtp: send failed");
		return -1;
	}
	return smtp_reply(fd, ssl, err, len) == 250 ? 0 : -1;
}

/* One session; 0 on success. `*out_ssl` keeps an idle connection open. */
int session(const struct options *o, SSL_CTX *ctx, char *detail, size_t len, SSL **keep)
{
	int fd = dial(o, detail, len), rc = -1;
	SSL *ssl = NULL;
	int smtp = o->mode == MODE_STARTTLS || o->mode == MODE_MESSAGE;

	if (fd < 0)
		return -1;
	if (smtp && (smtp_reply(fd, NULL, detail, len) != 220 ||
		     smtp_cmd(fd, NULL, "EHLO load.example\r\n", 250, detail, len) < 0))
		goto out;
	if (o->plain) {
		if ((o->mode != MODE_MESSAGE || send_message(fd, NULL, detail, len) == 0) &&
		    smtp_cmd(fd, NULL, "QUIT\r\n", 221, detail, len) == 0)
			rc = 0;
		goto out;
	}
	if (smtp && smtp_cmd(fd, NULL, "STARTTLS\r\n", 220, detail, len) < 0)
		goto out;
	ssl = SSL_new(ctx);
	if (!ssl || !SSL_set_fd(ssl, fd) || SSL_connect(ssl) != 1) {
		tls_error(detail, len);
		goto out;
	}
	snprintf(detail, len, "%s %s", SSL_get_version(ssl), SSL_get_cipher_name(ssl));
	if (smtp) {
		char why[200];
		if (smtp_cmd(fd, ssl, "EHLO load.example\r\n", 250, why, sizeof(why)) < 0 ||
		    (o->mode == MODE_MESSAGE && send_message(fd, ssl, why, sizeof(why)) < 0) ||
		    smtp_cmd(fd, ssl, "QUIT\r\n", 221, why, sizeof(why)) < 0) {
			snprintf(detail, len, "%s", why);
			goto out;
		}
	}
	rc = 0;
	if (keep) {
		*keep = ssl;
		return 0;
	}
	SSL_shutdown(ssl);
out:
	SSL_free(ssl);
	close(fd);
	return rc;
}

SSL_CTX *client_ctx(const struct options *o)
{
	SSL_CTX *ctx = SSL_CTX_new(TLS_client_method());

	if (!ctx)
		return NULL;
	if (o->tls_version) {
		SSL_CTX_set_min_proto_version(ctx, o->tls_version);
		SSL_CTX_set_max_proto_version(ctx, o->tls_version);
	}
	/* Full handshakes only: no session cache, no tickets asked for. */
	SSL_CTX_set_session_cache_mode(ctx, SSL_SESS_CACHE_OFF);
	SSL_CTX_set_options(ctx, SSL_OP_NO_TICKET);
	SSL_CTX_set_verify(ctx, SSL_VERIFY_NONE, NULL);
	if (!SSL_CTX_set_cipher_list(ctx, TLS12_CIPHERS) ||
	    !SSL_CTX_set_ciphersuites(ctx, TLS13_SUITES) ||
	    !SSL_CTX_set1_groups_list(ctx, o->groups)) {
		SSL_CTX_free(ctx);
		return NULL;
	}
	return ctx;
}

/* A 10 KB (--msg-size) message with headers, dot-stuffed lines, ".". */
char *make_message(int size)
{
	char *m = malloc((size_t)size + 256), *p = m;
	int line = 0;

	if (!m)
		return NULL;
	p += sprintf(p, "From: load@example.com\r\nTo: sink@example.net\r\nSubject: load\r\n\r\n");
	while (p - m < size) {
		p += sprintf(p,
			     "%04d The quick brown fox jumps over the lazy dog, again and "
			     "again.\r\n",
			     line++ % 10000);
	}
	strcpy(p, ".\r\n");
	return m;
}
