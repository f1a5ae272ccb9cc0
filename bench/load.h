/* load.h: what the load client's two files share — its options, and one
 * session (load_session.c) that the driver (load.c) runs in each thread. */
#ifndef TLSGATE_BENCH_LOAD_H
#define TLSGATE_BENCH_LOAD_H

#include <netdb.h>
#include <openssl/ssl.h>
#include <stddef.h>
#include <stdio.h>

enum mode { MODE_HTTPS, MODE_STARTTLS, MODE_MESSAGE, MODE_IDLE };

struct options {
	struct addrinfo *addr;
	enum mode mode;
	int tls_version; /* 0: any */
	int plain;       /* message mode without STARTTLS */
	int threads;
	double duration;
	long count; /* sessions in all; 0: run for --duration */
	int msg_size;
	int idle;
	double hold;
	const char *groups;
	FILE *trace;
};

/* The message of --mode message (make_message), sent by every session. */
extern char *message_body;

/* One session; 0 on success. `*keep` keeps an idle connection open. */
int session(const struct options *o, SSL_CTX *ctx, char *detail, size_t len, SSL **keep);
SSL_CTX *client_ctx(const struct options *o);
/* A 10 KB (--msg-size) message with headers, dot-stuffed lines, ".". */
char *make_message(int size);

#endif
