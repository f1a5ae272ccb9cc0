/* smtp_internal: what the inbound SMTP engine's files share — the engine,
 * its listeners (one socket each, opened and closed as commits add and
 * remove them) and the sessions. smtp_engine.c runs sessions; smtp_input.c
 * turns their input into commands and message lines; smtp_listen.c owns the
 * sockets; smtp_admit.c admits each connection under the caps and its
 * listener's host access table. */
#ifndef TLSGATE_SMTP_INTERNAL_H
#define TLSGATE_SMTP_INTERNAL_H

#include <event2/util.h>
#include <openssl/ssl.h>
#include <stdbool.h>
#include <stddef.h>
#include <sys/socket.h>

#include "../core/smtp_proto.h"
#include "../os/net.h"
#include "../tls/inbound.h"
#include "conn_guard.h"
#include "smtp_shared.h"
#include "tls_watch.h"

struct engine_env;
struct spool;
struct resolver;
struct rdns_job;

enum phase {
	PHASE_ADMITTING, /* waiting for reverse DNS; nothing sent yet */
	PHASE_OPEN,
	PHASE_STARTING_TLS, /* "220 Ready" queued; switch once it has left */
	PHASE_CLOSING,      /* last reply queued; free once it has left */
};

struct smtp_listener {
	struct smtp_engine *eng;
	struct smtp_listener *next;
	char name[LISTENER_NAME_MAX + 1];
	char addr[LISTENER_ADDRESS_MAX + 1]; /* the address it listens on */
	char guard_name[LISTENER_NAME_MAX + 8];
	char local[64];             /* its bound address, for the log, if not a wildcard */
	bool local_fixed;           /* else each connection's is asked */
	struct evconnlistener *evl; /* NULL once removed */
	struct conn_guard guard;
	unsigned refs; /* its sessions, and 1 while it listens */
	int adopt;     /* during smtp_engines_sync: the new listener taking it over */
};

struct smtp_session {
	struct guard_conn guard;
	struct smtp_engine *eng;
	struct smtp_listener *lst;
	struct smtp_session *prev, *next;   /* its engine's sessions */
	struct smtp_session *sprev, *snext; /* every engine's (smtp_shared.c) */
	bool joined;                        /* in that list: it counts */
	bool unseen;                        /* refused before a word: no "close" logged */
	bool evict_asked; /* by another worker's admission (under the shared lock) */
	int fd;
	struct bufferevent *bev;
	SSL *ssl;            /* owned by the TLS bufferevent */
	bool cert_logged;    /* the client certificate's verdict is in the log */
	struct strbuf batch; /* replies to the commands of one read, sent together */
	bool batching;       /* inside smtp_process_input(): replies go to `batch` */
	unsigned long icid;
	struct net_peer peer;
	struct sockaddr_storage sa;
	socklen_t salen;
	struct smtp_proto proto;
	struct tls_watch watch;
	struct spool_msg *msg;
	enum phase phase;
	bool discarding; /* inside the rest of an overlong line */
	bool paused;     /* input paused until the output drains */
	/* Admission: the policy model it started under (a later commit does
	 * not change an open session), its listener's part, the decision. */
	struct inbound *in;
	const struct inbound_listener *il;
	struct hat_params params;
	bool admitted; /* accepted or relayed: it speaks SMTP */
	struct rdns_job *rdns;
	struct event *rdns_timer;
	struct event *life_timer; /* listenerconfig SETUP: maximum connection time */
};

struct smtp_engine {
	const struct engine_env *env;
	struct smtp_listener *listeners;
	struct smtp_listener *added; /* between smtp_engines_sync's two steps */
	struct smtp_shared *shared;  /* the first engine's, which frees it */
	bool first;                  /* the main thread's: it logs the listeners */
	struct smtp_session *sessions;
	struct resolver *resolver; /* started by the first host-name lookup */
	bool resolver_failed;      /* ... which could not start it: logged once */
	struct event *evict_asked; /* another worker asked for room (evict_asked) */
};

/* The session a guard entry belongs to. */
static inline struct smtp_session *smtp_session_of(const struct guard_conn *c)
{
	return (struct smtp_session *)(void *)((char *)c - offsetof(struct smtp_session, guard));
}

/* smtp_engine.c */
struct smtp_session *smtp_session_new(struct smtp_engine *eng, struct smtp_listener *lst, int fd);
void smtp_session_free(struct smtp_session *s);
/* Starts the dialog with `reply` (the greeting, or a refusal with `close`). */
/* Sends `reply` now if nothing is queued (else queues it); inside
 * smtp_process_input() it joins the batch smtp_flush_batch() sends (smtp_send.c). */
void smtp_send_reply(struct smtp_session *s, const struct strbuf *reply);
void smtp_flush_batch(struct smtp_session *s);
void smtp_session_start(struct smtp_session *s, const struct strbuf *reply, bool close);
void smtp_say_busy(struct smtp_engine *eng, int fd);
/* "421 ... timeout exceeded", then the session ends once it has left. */
void smtp_session_time_out(struct smtp_session *s);
/* The reply is queued; the session ends when it has been written. */
void smtp_close_after_reply(struct smtp_session *s);

/* smtp_input.c */
/* Handles every whole line of input there is, replies batched, until the
 * session stops reading (STARTTLS, closing, output backlog). */
void smtp_process_input(struct smtp_session *s);

/* smtp_timers.c */
/* The read and write timeouts for the session's state. */
void smtp_set_timeouts(struct smtp_session *s);
/* listenerconfig SETUP's maximum connection time, if set. */
void smtp_start_life_timer(struct smtp_session *s);

/* smtp_listen.c */
void smtp_listener_release(struct smtp_listener *lst);
/* The listener called `name` of the model, NULL if none. */
const struct inbound_listener *smtp_model_of(const struct inbound *in, const char *name);

/* smtp_engine.c */
/* From another thread, under the shared lock: `eng` evicts its sessions
 * marked evict_asked, on its own loop. */
void smtp_engine_ask_evict(struct smtp_engine *eng);

/* smtp_admit.c */
/* conn_guard's evict_elsewhere for SMTP listeners (smtp_shared.h). */
unsigned smtp_evict_elsewhere(struct conn_guard *g, const struct guard_conn *c, bool same_addr);
/* Decides a connection once its host name (if needed) is known. */
void smtp_admit(struct smtp_session *s, const char *host, bool verified);
void smtp_on_accept(struct evconnlistener *l, evutil_socket_t fd, struct sockaddr *sa, int salen,
		    void *arg);

#endif
