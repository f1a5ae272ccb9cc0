/* cmd_tlsverify_dialog: tlsverify's SMTP dialog with one host, on blocking
 * sockets bounded in time: connect, the core SMTP client machine up to MAIL,
 * STARTTLS and the handshake, the certificate or DANE verdict, and the
 * verdict line (what delivery would do). */
#include "cmd_tlsverify.h"

#include <errno.h>
#include <fcntl.h>
#include <openssl/err.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "../tls/dane.h"
#include "../os/net.h"

#define VERIFY_TIMEOUT_MS 10000

int tlsv_connect_to(const struct resolved_host *h, struct err *e)
{
	struct sockaddr_storage ss;
	unsigned len;
	struct pollfd p;
	int fd, soerr = 0;
	socklen_t sl = sizeof(soerr);

	if (net_sockaddr(h->addr, (unsigned)h->port, &ss, &len) < 0)
		return err_set(e, "\"%s\" is not an address.", h->addr);
	fd = socket(ss.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return err_set(e, "Cannot create a socket: %s", strerror(errno));
	if (connect(fd, (struct sockaddr *)&ss, len) < 0 && errno != EINPROGRESS) {
		err_set(e, "%s", strerror(errno));
		close(fd);
		return -1;
	}
	p = (struct pollfd){ .fd = fd, .events = POLLOUT };
	if (poll(&p, 1, VERIFY_TIMEOUT_MS) != 1 ||
	    getsockopt(fd, SOL_SOCKET, SO_ERROR, &soerr, &sl) < 0 || soerr) {
		err_set(e, "%s", soerr ? strerror(soerr) : "no answer within 10 seconds");
		close(fd);
		return -1;
	}
	/* Blocking from here, with timeouts, so SSL_connect can be plain. */
	struct timeval tv = { VERIFY_TIMEOUT_MS / 1000, 0 };
	fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) & ~O_NONBLOCK);
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
	return fd;
}

/* One reply line (CRLF stripped) into line; -1 on close, timeout, overlong. */
static int read_line(struct link *l, char *line, size_t max)
{
	for (;;) {
		char *nl = memchr(l->buf, '\n', l->len);
		if (nl) {
			size_t n = (size_t)(nl - l->buf);
			size_t keep = n > 0 && l->buf[n - 1] == '\r' ? n - 1 : n;
			if (keep >= max)
				return -1;
			memcpy(line, l->buf, keep);
			line[keep] = '\0';
			memmove(l->buf, nl + 1, l->len - n - 1);
			l->len -= n + 1;
			return (int)keep;
		}
		if (l->len == sizeof(l->buf))
			return -1;
		struct pollfd p = { .fd = l->fd, .events = POLLIN };
		if (!(l->ssl && SSL_pending(l->ssl)) && poll(&p, 1, VERIFY_TIMEOUT_MS) != 1)
			return -1;
		int n = l->ssl ? SSL_read(l->ssl, l->buf + l->len, (int)(sizeof(l->buf) - l->len))
			       : (int)recv(l->fd, l->buf + l->len, sizeof(l->buf) - l->len, 0);
		if (n <= 0)
			return -1;
		l->len += (size_t)n;
	}
}

static int write_all(struct link *l, const char *data, size_t len)
{
	return l->ssl ? (SSL_write(l->ssl, data, (int)len) == (int)len ? 0 : -1)
		      : (send(l->fd, data, len, MSG_NOSIGNAL) == (ssize_t)len ? 0 : -1);
}

static void print_cert(SSL *ssl)
{
	X509 *peer = SSL_get1_peer_certificate(ssl);
	char subject[256], issuer[256];

	if (!peer) {
		printf("The server sent no certificate.\n");
		return;
	}
	X509_NAME_oneline(X509_get_subject_name(peer), subject, sizeof(subject));
	X509_NAME_oneline(X509_get_issuer_name(peer), issuer, sizeof(issuer));
	printf("Certificate subject: %s\nCertificate issuer: %s\n", subject, issuer);
	X509_free(peer);
}

/* DANE-authenticated TLS: the TLSA records decide (tls/dane.c). */
static void dane_judge(struct link *l, enum outbound_cert_verdict *verdict)
{
	char what[400];

	if (dane_result(l->ssl, what, sizeof(what))) {
		printf("DANE verification: %s.\n", what);
		*verdict = OB_CERT_OK;
	} else {
		printf("DANE verification failed: %s.\n", what);
		*verdict = OB_CERT_REFUSED;
	}
}

/* False when the handshake failed; else *verdict judges the certificate. */
static bool handshake(struct link *l, const struct outbound *ob, const char *domain,
		      const struct resolved_host *h, struct smtp_client *sc,
		      enum outbound_cert_verdict *verdict, bool *refused_by_sslconfig)
{
	char why[320];
	unsigned long code;
	int rc;

	l->ssl = outbound_new_ssl(ob, domain, h->name);
	if (!l->ssl || SSL_set_fd(l->ssl, l->fd) != 1)
		return false;
	if (tlsv_dane_now.action == DANE_ACT_AUTH &&
	    dane_attach(l->ssl, h->name, domain, &h->tlsa, why, sizeof(why)) < 0) {
		printf("DANE failed: %s.\n", why);
		return false;
	}
	l->len = 0; /* nothing may follow the 220 in clear */
	rc = SSL_connect(l->ssl);
	if (rc != 1) {
		code = ERR_get_error();
		ERR_error_string_n(code, why, sizeof(why));
		printf("TLS handshake failed: (%lu, '%s')\n", code,
		       code ? why : "connection closed");
		if (SSL_get_state(l->ssl) == TLS_ST_CW_CLNT_HELLO)
			printf("The server hung up before choosing a TLS version: TLS version "
			       "mismatch could be the failure reason (outbound methods: see "
			       "sslconfig).\n");
		ERR_clear_error();
		return false;
	}
	printf("TLS handshake: %s, cipher %s\n", SSL_get_version(l->ssl),
	       SSL_get_cipher_name(l->ssl));
	print_cert(l->ssl);
	if (tlsv_dane_now.action == DANE_ACT_AUTH) {
		dane_judge(l, verdict);
		*refused_by_sslconfig = false;
		return true;
	}
	struct outbound_peer peer;
	outbound_check_peer(ob, l->ssl, &peer);
	printf("Certificate chain (X.509): %s%s.\n",
	       peer.chain_ok ? "trusted" : "not trusted: ", peer.chain_ok ? "" : peer.chain_why);
	if (peer.name_ok)
		printf("Certificate name (FQDN): matches %s or its mail exchanger.\n", domain);
	else
		printf("Certificate name (FQDN): %s for %s or %s.\n", peer.name_why, domain,
		       h->name);
	printf("Peer certificate validation in sslconfig: X509 %s, FQDN %s.\n",
	       ob->config.peer_cert_x509 ? "enabled" : "disabled",
	       ob->config.peer_cert_fqdn ? "enabled" : "disabled");
	bool by_sslconfig;
	*verdict = outbound_judge(ob, sc->level, &peer, why, sizeof(why), &by_sslconfig);
	*refused_by_sslconfig = by_sslconfig;
	bool chain = tls_level_verifies(sc->level) || ob->config.peer_cert_x509;
	bool name = tls_level_verifies(sc->level) || ob->config.peer_cert_fqdn;
	if (*verdict != OB_CERT_OK)
		printf("Certificate verification failed: %s%s.\n", why,
		       by_sslconfig ? " (required by the sslconfig peer certificate validation)"
				    : "");
	else if (chain && name)
		printf("Certificate verification: the chain is trusted and the name matches "
		       "%s.\n",
		       domain);
	else if (chain)
		printf("Certificate verification: the chain is trusted (the name is not checked "
		       "at this TLS setting).\n");
	else if (name)
		printf("Certificate verification: the name matches %s (the chain is not checked "
		       "at this TLS setting).\n",
		       domain);
	else
		printf("Certificate verification: not checked at this TLS setting.\n");
	return true;
}

const char *tlsv_verdict(const struct smtp_client *sc, enum tls_level level, bool tls_on,
			 bool refused_by_sslconfig)
{
	if (tlsv_dane_now.action == DANE_ACT_AUTH)
		return sc->fail == SC_FAIL_NONE && tls_on
			       ? "would be delivered encrypted, DANE-authenticated (a TLSA record "
				 "matched the server's certificate)."
		       : sc->fail == SC_FAIL_VERIFY
			       ? "would NOT be delivered: DANE requires a certificate matching the "
				 "TLSA records, and none matched."
			       : "would NOT be delivered: DANE requires TLS, and it could not be "
				 "negotiated.";
	if (refused_by_sslconfig)
		return sc->fail == SC_FAIL_VERIFY
			       ? "would NOT be delivered: the certificate failed the peer "
				 "certificate validation enabled in sslconfig."
			       : "would be deferred: the certificate failed the peer certificate "
				 "validation enabled in sslconfig, and no message is sent in clear "
				 "text after that.";
	switch (sc->fail) {
	case SC_FAIL_NONE:
		if (!tls_on)
			return tls_level_attempts(level)
				       ? "would be delivered in clear text: the server did not "
					 "negotiate TLS, which this TLS setting allows."
				       : "would be delivered in clear text (TLS is not used for "
					 "this destination).";
		return tls_level_verifies(level) && !sc->verified
			       ? "would be delivered encrypted, although the certificate could not "
				 "be verified (Preferred (Verify) allows this)."
			       : "would be delivered encrypted.";
	case SC_FAIL_TLS_REQUIRED:
		return "would NOT be delivered: TLS is required but could not be negotiated.";
	case SC_FAIL_VERIFY:
		return "would NOT be delivered: a verified certificate is required, and "
		       "verification failed.";
	case SC_FAIL_TLS_DEFER:
		return "would be deferred: the TLS handshake failed after the server agreed to "
		       "STARTTLS, and Preferred does not fall back to clear text on that "
		       "connection.";
	case SC_FAIL_TLS_CLEAR:
		return "would be delivered in clear text on a new connection: TLS could not be "
		       "negotiated (Preferred (Verify)).";
	case SC_FAIL_PERM: return "would bounce: the server refused the session.";
	case SC_FAIL_TEMP: break;
	}
	return "would be deferred: the server did not complete the SMTP dialog.";
}

/* Runs the client machine up to MAIL (READY) or its end. */
void tlsv_converse(struct link *l, const struct outbound *ob, const char *domain,
		   const struct resolved_host *h, struct smtp_client *sc,
		   bool *refused_by_sslconfig)
{
	char line[1024];
	enum smtpc_action a = SC_ACT_NONE;
	enum smtpc_state asked = SC_GREETING;
	static const char *const what[] = {
		[SC_GREETING] = "Server greeting", [SC_EHLO] = "EHLO", [SC_HELO] = "HELO",
		[SC_STARTTLS] = "STARTTLS",        [SC_QUIT] = "QUIT",
	};

	for (;;) {
		if (a == SC_ACT_SEND) {
			asked = sc->state;
			if (write_all(l, sc->out.data, sc->out.len) < 0) {
				a = smtpc_lost(sc);
				continue;
			}
		} else if (a == SC_ACT_STARTTLS) {
			enum outbound_cert_verdict v = OB_CERT_REFUSED;
			bool ok = handshake(l, ob, domain, h, sc, &v, refused_by_sslconfig);
			bool established = ok && l->ssl && SSL_is_init_finished(l->ssl);
			a = established && v == OB_CERT_REFUSED
				    ? smtpc_tls_refused(sc)
				    : smtpc_tls_done(sc, established, v == OB_CERT_OK);
			continue;
		} else if (a == SC_ACT_READY) {
			printf("The server is ready for a message (none is sent).\n");
			a = smtpc_quit(sc);
			sc->fail = SC_FAIL_NONE;
			continue;
		} else if (a == SC_ACT_CLOSE) {
			return;
		}
		int n = read_line(l, line, sizeof(line));
		if (n < 0) {
			if (sc->state != SC_QUIT)
				printf("The connection closed or timed out.\n");
			a = smtpc_lost(sc);
			continue;
		}
		if (asked < sizeof(what) / sizeof(what[0]) && what[asked] &&
		    (n < 4 || line[3] != '-' || asked == SC_EHLO))
			printf("%s: %s\n", what[asked], line);
		a = smtpc_line(sc, line, (size_t)n);
		if (sc->note == SC_NOTE_STARTTLS_NOT_OFFERED)
			printf("The server does not offer STARTTLS.\n");
		else if (sc->note == SC_NOTE_STARTTLS_UNEXPECTED)
			printf("The server refused STARTTLS (TLS failed: STARTTLS unexpected "
			       "response).\n");
		sc->note = SC_NOTE_NONE;
	}
}
