/* conn_guard: connection limits, eviction of idle clients, accept back-off
 * and rate-limited logging for one listener (see conn_guard.h). */
#define _GNU_SOURCE /* POLLRDHUP */
#include "conn_guard.h"

#include <arpa/inet.h>
#include <errno.h>
#include <event2/event.h>
#include <malloc.h>
#include <event2/listener.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <pthread.h>
#include <sys/socket.h>

#include "../core/listener.h"
#include "workers.h"

#define LOG_INTERVAL 10  /* seconds between two summary lines */
#define BACKOFF_MS   100 /* the listener rests this long after accept() failed */
#define BURST_SLACK  64  /* connections being evicted that may still hold descriptors */
/* listeners with a guard, on each worker: HTTPS and the SMTP listeners
 * (twice as many for the moment of a commit replacing them all) */
#define MAX_GUARDS   (WORKERS_MAX * (1 + 2 * LISTENERS_MAX))
#define PEEK_MAX     1024 /* connections probed for a gone client per eviction */
#define TRIM_PEAK    128  /* a burst this large is given back to the system ... */
#define TRIM_DELAY_S 1    /* ... this long after it has drained */

/* The error callback gets the listener's own argument (evhttp's, for the
 * HTTPS listener), so the guard is found by its listener. */
static struct conn_guard *guards[MAX_GUARDS];
/* Workers' loops register, look up and drop theirs from their threads. */
static pthread_mutex_t guards_lock = PTHREAD_MUTEX_INITIALIZER;

static struct conn_guard *guard_of(const struct evconnlistener *l)
{
	struct conn_guard *g = NULL;

	pthread_mutex_lock(&guards_lock);
	for (int i = 0; i < MAX_GUARDS && !g; i++)
		if (guards[i] && guards[i]->listener == l)
			g = guards[i];
	pthread_mutex_unlock(&guards_lock);
	return g;
}

static void log_counts(struct conn_guard *g)
{
	if (!g->refused && !g->evicted && !g->accept_errors)
		return;
	mail_log_warning(g->log,
			 "%s connection limits (%u in all, %u per address): %lu refused, "
			 "%lu idle evicted, %lu accept() failures%s%s in the last %d s",
			 g->name, g->max, g->per_addr, g->refused, g->evicted, g->accept_errors,
			 g->accept_errors ? ", last: " : "",
			 g->accept_errors ? strerror(g->last_errno) : "", LOG_INTERVAL);
	g->refused = g->evicted = g->accept_errors = 0;
	g->last_log = time(NULL);
}

static void on_flush(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	log_counts(arg);
}

/* One line now if none was written for LOG_INTERVAL; otherwise the counts
 * wait for the flush timer. */
static void noted(struct conn_guard *g)
{
	time_t now = time(NULL);
	struct timeval tv = { LOG_INTERVAL, 0 };

	if (now - g->last_log >= LOG_INTERVAL) {
		log_counts(g);
		return;
	}
	if (!evtimer_pending(g->flush, NULL)) {
		tv.tv_sec = LOG_INTERVAL - (now - g->last_log);
		evtimer_add(g->flush, &tv);
	}
}

static void update_listener(struct conn_guard *g)
{
	bool should_run;

	g->full = g->count >= g->max + BURST_SLACK;
	should_run = !g->full && !g->backoff;
	if (!g->listener || should_run == g->running)
		return;
	g->running = should_run;
	if (should_run)
		evconnlistener_enable(g->listener);
	else
		evconnlistener_disable(g->listener);
}

/* The client closed or reset and the event loop has not read it yet (also
 * when bytes it sent before closing are still unread: POLLRDHUP). */
static bool gone(const struct guard_conn *c)
{
	struct pollfd p = { .fd = c->fd, .events = POLLRDHUP };

	if (c->fd < 0)
		return false;
	return poll(&p, 1, 0) == 1 && (p.revents & (POLLRDHUP | POLLHUP | POLLERR));
}

/* A connection marked silent whose client has begun (a ClientHello read)
 * is as idle as a quiet one: a client in its handshake is not evicted
 * before those that sent nothing. */
static enum guard_idle idleness(const struct guard_conn *c)
{
	if (c->idle == GUARD_SILENT && c->spoke && c->spoke(c))
		return GUARD_QUIET;
	return c->idle;
}

/* May `c` make room? Not one being evicted, busy, or not yet admitted: an
 * accepted burst is admitted one by one, each against the cap then, so a
 * burst's newcomers never push out older clients before the ones of the
 * burst that are already gone. */
static bool candidate(const struct guard_conn *c, const struct guard_conn *except, const char *addr)
{
	if (c == except || c->dying || c->idle == GUARD_BUSY || c->fd < 0)
		return false;
	return !addr || strcmp(c->addr, addr) == 0;
}

/* The oldest connection of the highest idleness, from `addr` if given. */
static struct guard_conn *victim(struct conn_guard *g, const struct guard_conn *except,
				 const char *addr)
{
	struct guard_conn *best = NULL;
	enum guard_idle best_idle = GUARD_BUSY, idle;
	int peeks = 0;

	for (struct guard_conn *c = g->head; c; c = c->next) {
		if (!candidate(c, except, addr))
			continue;
		if (peeks++ < PEEK_MAX && gone(c))
			return c;
	}
	for (struct guard_conn *c = g->head; c; c = c->next) {
		if (!candidate(c, except, addr))
			continue;
		idle = idleness(c);
		if (!best || idle > best_idle) {
			best = c;
			best_idle = idle;
		}
		if (best_idle == GUARD_SILENT)
			break;
	}
	return best;
}

static bool evict_one(struct conn_guard *g, const struct guard_conn *except, const char *addr)
{
	struct guard_conn *v = victim(g, except, addr);

	if (!v)
		return false;
	g->evicted++;
	v->evict(v); /* may free v */
	return true;
}

static void on_resume(evutil_socket_t fd, short what, void *arg)
{
	struct conn_guard *g = arg;

	(void)fd;
	(void)what;
	g->backoff = false;
	update_listener(g);
}

/* accept() failed for another reason than "nothing to accept": rest the
 * listener instead of retrying at once, and free a descriptor if an idle
 * connection holds one. */
static void on_accept_error(struct evconnlistener *l, void *arg)
{
	struct conn_guard *g = guard_of(l);
	struct timeval tv = { 0, BACKOFF_MS * 1000 };

	(void)arg;
	if (!g) {
		evconnlistener_disable(l); /* cannot happen; never spin anyway */
		return;
	}
	g->last_errno = errno;
	g->accept_errors++;
	evict_one(g, NULL, NULL);
	g->backoff = true;
	update_listener(g);
	evtimer_add(g->resume, &tv);
	noted(g);
}

/* After a burst (thousands of abandoned connections), malloc keeps the
 * freed memory at the top of its arenas: RSS would stay at the peak. */
static void on_trim(evutil_socket_t fd, short what, void *arg)
{
	struct conn_guard *g = arg;

	(void)fd;
	(void)what;
	if (g->count > g->peak / 8)
		return; /* a new burst: trimmed when that one drains */
	g->peak = g->count;
	malloc_trim(0);
}

int conn_guard_init(struct conn_guard *g, const char *name, struct event_base *base,
		    struct mail_log *log, unsigned max, unsigned per_addr)
{
	memset(g, 0, sizeof(*g));
	g->name = name;
	g->log = log;
	g->max = max;
	g->per_addr = per_addr;
	g->resume = evtimer_new(base, on_resume, g);
	g->flush = evtimer_new(base, on_flush, g);
	g->trim = evtimer_new(base, on_trim, g);
	return g->resume && g->flush && g->trim ? 0 : -1;
}

void conn_guard_free(struct conn_guard *g)
{
	pthread_mutex_lock(&guards_lock);
	for (int i = 0; i < MAX_GUARDS; i++)
		if (guards[i] == g)
			guards[i] = NULL;
	pthread_mutex_unlock(&guards_lock);
	if (g->flush)
		event_free(g->flush);
	if (g->trim)
		event_free(g->trim);
	g->trim = NULL;
	if (g->resume)
		event_free(g->resume);
	g->flush = g->resume = NULL;
}

void conn_guard_listen(struct conn_guard *g, struct evconnlistener *l)
{
	g->listener = l;
	g->running = true;
	pthread_mutex_lock(&guards_lock);
	for (int i = 0; i < MAX_GUARDS; i++)
		if (!guards[i] || guards[i] == g) {
			guards[i] = g;
			break;
		}
	pthread_mutex_unlock(&guards_lock);
	evconnlistener_set_error_cb(l, on_accept_error);
	update_listener(g);
}

void conn_guard_add(struct conn_guard *g, struct guard_conn *c, guard_evict_fn evict)
{
	c->addr[0] = '\0';
	c->idle = GUARD_SILENT;
	c->dying = false;
	c->evict = evict;
	c->spoke = NULL;
	c->fd = -1;
	c->next = NULL;
	c->prev = g->tail;
	if (g->tail)
		g->tail->next = c;
	else
		g->head = c;
	g->tail = c;
	g->count++;
	if (g->count > g->peak)
		g->peak = g->count;
	update_listener(g);
}

static void format_addr(const struct sockaddr *sa, char *buf, size_t len)
{
	const void *bin = NULL;

	if (sa && sa->sa_family == AF_INET)
		bin = &((const struct sockaddr_in *)(const void *)sa)->sin_addr;
	else if (sa && sa->sa_family == AF_INET6)
		bin = &((const struct sockaddr_in6 *)(const void *)sa)->sin6_addr;
	if (!bin || !inet_ntop(sa->sa_family, bin, buf, (socklen_t)len))
		snprintf(buf, len, "unknown");
}

static unsigned from_addr(const struct conn_guard *g, const char *addr)
{
	unsigned n = 0;

	for (const struct guard_conn *c = g->head; c; c = c->next)
		n += !c->dying && strcmp(c->addr, addr) == 0;
	return n;
}

/* One connection fewer: one of ours, or else one of another worker's. */
static bool make_room(struct conn_guard *g, struct guard_conn *c, const char *addr)
{
	unsigned got;

	if (evict_one(g, c, addr))
		return true;
	if (!g->evict_elsewhere || !(got = g->evict_elsewhere(g, c, addr != NULL)))
		return false;
	g->evicted++;
	g->others--;
	if (got & GUARD_ELSEWHERE_SAME_ADDR)
		g->others_addr--;
	return true;
}

int conn_guard_admit(struct conn_guard *g, struct guard_conn *c, int fd, const struct sockaddr *sa)
{
	c->fd = fd;
	format_addr(sa, c->addr, sizeof(c->addr));
	if (!c->dying)
		g->held++;
	/* `c` counts itself in both. The per-address cap shares a contended
	 * listener fairly; below half its cap, one busy address may use it. */
	while (g->held + g->others >= (g->max + 1) / 2 &&
	       from_addr(g, c->addr) + g->others_addr > g->per_addr)
		if (!make_room(g, c, c->addr))
			goto refuse;
	while (g->held + g->others > g->max)
		if (!make_room(g, c, NULL))
			goto refuse;
	if (g->evicted)
		noted(g);
	return 0;
refuse:
	g->refused++;
	noted(g);
	return -1;
}

void conn_guard_set_idle(struct guard_conn *c, enum guard_idle idle)
{
	__atomic_store_n(&c->idle, idle, __ATOMIC_RELAXED);
}

void conn_guard_dying(struct conn_guard *g, struct guard_conn *c)
{
	if (!c->dying) {
		c->dying = true;
		g->dying++;
		if (c->fd >= 0)
			g->held--;
	}
}

void conn_guard_remove(struct conn_guard *g, struct guard_conn *c)
{
	if (c->prev)
		c->prev->next = c->next;
	else
		g->head = c->next;
	if (c->next)
		c->next->prev = c->prev;
	else
		g->tail = c->prev;
	c->prev = c->next = NULL;
	if (c->dying)
		g->dying--;
	else if (c->fd >= 0)
		g->held--;
	g->count--;
	if (g->peak >= TRIM_PEAK && g->count <= g->peak / 8 && g->trim &&
	    !evtimer_pending(g->trim, NULL)) {
		struct timeval tv = { TRIM_DELAY_S, 0 };
		evtimer_add(g->trim, &tv);
	}
	update_listener(g);
}
