/* conn_guard: who may hold a connection to one listener. A cap on the
 * connections the listener holds and on those from one client address, both
 * well under the descriptor limit; when either is reached, the oldest
 * connection that has not yet said anything useful (no ClientHello, no
 * EHLO) makes room, so idle clients cannot lock well-behaved ones out;
 * connections whose client has already gone (EOF or reset waiting to be
 * read) go before anyone else, and clients in their handshake after them. When
 * The per-address cap applies once the listener holds half its cap: it
 * shares a contended listener, it does not limit a quiet one. When
 * accept() fails (EMFILE, ENFILE, ENOBUFS) the listener pauses briefly
 * instead of spinning. Refusals, evictions and accept errors are logged at
 * most once per LOG_INTERVAL with their counts. */
#ifndef TLSGATE_CONN_GUARD_H
#define TLSGATE_CONN_GUARD_H

#include <stdbool.h>
#include <time.h>

#include "mail_log.h"

struct event_base;
struct event;
struct evconnlistener;
struct sockaddr;

/* How much a connection has shown it is a real client. Eviction takes the
 * oldest connection of the highest idleness first, never a busy one. */
enum guard_idle {
	GUARD_BUSY = 0,   /* in a transaction: never evicted */
	GUARD_QUIET = 1,  /* between requests (HTTPS keep-alive) */
	GUARD_SILENT = 2, /* nothing useful yet: no handshake, no EHLO */
};

#define GUARD_ELSEWHERE           1u
#define GUARD_ELSEWHERE_SAME_ADDR 2u

struct guard_conn;
/* Make room: close `c` now, or start closing it and call guard_dying(). */
typedef void (*guard_evict_fn)(struct guard_conn *c);

struct guard_conn {
	struct guard_conn *prev, *next; /* oldest first */
	char addr[64];                  /* client address, "" until known */
	enum guard_idle idle;           /* written atomically: other workers read it */
	bool dying;                     /* eviction started; still holds its descriptor */
	int fd;                         /* the socket, -1 until known */
	guard_evict_fn evict;
	/* Optional, for GUARD_SILENT: has the client begun to speak since? */
	bool (*spoke)(const struct guard_conn *c);
};

struct conn_guard {
	const char *name; /* "SMTP", "HTTPS" */
	struct mail_log *log;
	unsigned max, per_addr;
	unsigned count, dying; /* all connections; those being evicted */
	unsigned held;         /* admitted and not being evicted: what the caps count */
	/* Set before each admission by a listener open on several workers:
	 * what the others hold of it, and of that from the same address. The
	 * caps count them too; only this guard's connections are evicted. */
	unsigned others, others_addr;
	/* Optional, with `others`: when this guard has nobody to evict, asks
	 * another worker to evict one of its idle connections to the listener
	 * (from c's address with `same_addr`). 0: nobody there either; else
	 * GUARD_ELSEWHERE, | GUARD_ELSEWHERE_SAME_ADDR if it is from c's. */
	unsigned (*evict_elsewhere)(struct conn_guard *g, const struct guard_conn *c,
				    bool same_addr);
	struct guard_conn *head, *tail;
	struct evconnlistener *listener;
	struct event *resume; /* ends an accept() back-off */
	struct event *flush;  /* logs the counts left at the end of an interval */
	struct event *trim;   /* returns a drained burst's memory (malloc_trim) */
	unsigned peak;        /* connections held at once since the last trim */
	bool full, backoff;   /* why the listener is disabled */
	bool running;         /* the listener accepts */
	time_t last_log;
	unsigned long refused, evicted, accept_errors;
	int last_errno;
};

int conn_guard_init(struct conn_guard *g, const char *name, struct event_base *base,
		    struct mail_log *log, unsigned max, unsigned per_addr);
void conn_guard_free(struct conn_guard *g);
/* Takes over the listener's error callback (the back-off) and pauses it
 * while the guard holds more connections than it can hold descriptors for. */
void conn_guard_listen(struct conn_guard *g, struct evconnlistener *l);

/* A new connection (idle GUARD_SILENT). */
void conn_guard_add(struct conn_guard *g, struct guard_conn *c, guard_evict_fn evict);
/* Once the peer address is known: 0 admitted (after evicting others if
 * needed), -1 over a limit with nobody to evict; the caller refuses `c`. */
int conn_guard_admit(struct conn_guard *g, struct guard_conn *c, int fd, const struct sockaddr *sa);
void conn_guard_set_idle(struct guard_conn *c, enum guard_idle idle);
/* Eviction of `c` started; it leaves with conn_guard_remove(). */
void conn_guard_dying(struct conn_guard *g, struct guard_conn *c);
void conn_guard_remove(struct conn_guard *g, struct guard_conn *c);

#endif
