/* workers: extra GUI HTTPS loops, and the hand-over of the daemon's state
 * between threads (workers.h says who may touch what). */
#include "workers.h"

#include <event2/event.h>
#include <event2/thread.h>
#include <pthread.h>
#include <signal.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "engine.h"
#include "https_engine.h"
#include "smtp_engine.h"
#include "options.h"
#include "../os/net.h"

struct worker {
	struct workers *ws;
	pthread_t thread;
	bool running;
	struct event_base *base;
	struct engine_env env; /* the daemon's, with this loop */
	struct https_engine *https;
	struct smtp_engine *smtp;
	struct event *park, *quit;
};

/* A worker waiting for the daemon (workers_exclusive_begin). */
struct borrower {
	struct borrower *next;
	bool granted, refused;
};

struct workers {
	pthread_mutex_t lock;
	pthread_cond_t cond;
	unsigned count;          /* threads, the main one not counted */
	unsigned parked;         /* of them, waiting and not running engine code */
	bool pausing, stopping;  /* workers_pause .. workers_resume; workers_stop */
	struct borrower *queue;  /* waiting for the daemon, in order */
	struct borrower *holder; /* the worker holding it, NULL: the main thread */
	struct event *lend;      /* on the main loop: hands the daemon over */
	struct worker w[];
};

/* This thread's worker; NULL on the main thread. */
static __thread struct worker *self;

int workers_init_threads(struct err *e)
{
	return evthread_use_pthreads() < 0 ? err_set(e, "Cannot make the event loops thread-safe.")
					   : 0;
}

/* Called with the lock held: parks this worker until the pause ends. */
static void park_locked(struct workers *ws)
{
	ws->parked++;
	pthread_cond_broadcast(&ws->cond);
	while (ws->pausing)
		pthread_cond_wait(&ws->cond, &ws->lock);
	ws->parked--;
}

static void on_park(evutil_socket_t fd, short what, void *arg)
{
	struct worker *w = arg;

	(void)fd;
	(void)what;
	pthread_mutex_lock(&w->ws->lock);
	if (w->ws->pausing) /* else a pause that ended before this turn */
		park_locked(w->ws);
	pthread_mutex_unlock(&w->ws->lock);
}

/* The engine is freed on its own thread; the loop then runs what freeing
 * it left (bufferevents are finalized by their loop) and ends by itself
 * once nothing is left: no connection's memory outlives the stop. */
static void on_quit(evutil_socket_t fd, short what, void *arg)
{
	struct worker *w = arg;

	(void)fd;
	(void)what;
	https_engine_free(w->https);
	w->https = NULL;
	smtp_engine_free(w->smtp);
	w->smtp = NULL;
}

/* Main thread: lend the daemon to each waiting worker in turn, and wait
 * for it back. The main loop stands still meanwhile. */
static void on_lend(evutil_socket_t fd, short what, void *arg)
{
	struct workers *ws = arg;

	(void)fd;
	(void)what;
	pthread_mutex_lock(&ws->lock);
	while (ws->queue && !ws->stopping) {
		struct borrower *b = ws->queue;
		ws->queue = b->next;
		ws->holder = b;
		b->granted = true;
		pthread_cond_broadcast(&ws->cond);
		while (ws->holder == b)
			pthread_cond_wait(&ws->cond, &ws->lock);
	}
	pthread_mutex_unlock(&ws->lock);
}

static void *run(void *arg)
{
	struct worker *w = arg;

	self = w;
	event_base_dispatch(w->base);
	return NULL;
}

static int start_one(struct workers *ws, struct worker *w, const struct engine_env *env,
		     struct web *web, int first_fd, struct smtp_engine *first_smtp, struct err *e)
{
	sigset_t all, old;
	int fd, rc;

	w->ws = ws;
	/* Two priorities: parking runs right after the callback in progress,
	 * not after every connection of a busy turn (a commit waits for it). */
	if (!(w->base = event_base_new()) || event_base_priority_init(w->base, 2) < 0 ||
	    !(w->park = event_new(w->base, -1, 0, on_park, w)) ||
	    !(w->quit = event_new(w->base, -1, 0, on_quit, w)) ||
	    event_priority_set(w->park, 0) < 0 || event_priority_set(w->quit, 0) < 0)
		return err_set(e, "Cannot create a worker's event loop.");
	w->env = *env;
	w->env.base = w->base;
	w->env.workers = ws;
	if (net_listen_beside(first_fd, env->opt->https_addr, &fd, e) < 0 ||
	    https_engine_start(&w->env, web, fd, &w->https, e) < 0 ||
	    (first_smtp && smtp_engine_start_beside(&w->env, first_smtp, &w->smtp, e) < 0))
		return -1;
	/* Signals stay the main loop's. */
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	rc = pthread_create(&w->thread, NULL, run, w);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (rc != 0)
		return err_set(e, "Cannot start a worker thread: %s", strerror(rc));
	w->running = true;
	return 0;
}

int workers_start(const struct engine_env *env, struct web *web, int first_fd,
		  struct smtp_engine *first_smtp, unsigned n, struct workers **out, struct err *e)
{
	struct workers *ws = calloc(1, sizeof(*ws) + (n - 1) * sizeof(struct worker));

	*out = NULL;
	if (!ws)
		return err_set(e, "Out of memory.");
	pthread_mutex_init(&ws->lock, NULL);
	pthread_cond_init(&ws->cond, NULL);
	*out = ws; /* from here on, workers_stop/free undo what was done */
	/* The main loop has two priorities (daemon.c): a page waits for the
	 * callback in progress only. */
	if (!(ws->lend = event_new(env->base, -1, 0, on_lend, ws)) ||
	    event_priority_set(ws->lend, 0) < 0)
		return err_set(e, "Out of memory.");
	for (unsigned i = 0; i + 1 < n; i++) {
		ws->count++;
		if (start_one(ws, &ws->w[i], env, web, first_fd, first_smtp, e) < 0)
			return -1;
	}
	return 0;
}

void workers_stop(struct workers *ws)
{
	if (!ws)
		return;
	pthread_mutex_lock(&ws->lock);
	ws->stopping = true;
	for (struct borrower *b = ws->queue; b; b = b->next)
		b->refused = true;
	ws->queue = NULL;
	pthread_cond_broadcast(&ws->cond);
	pthread_mutex_unlock(&ws->lock);
	for (unsigned i = 0; i < ws->count; i++)
		if (ws->w[i].running)
			event_active(ws->w[i].quit, 0, 0);
	for (unsigned i = 0; i < ws->count; i++) {
		struct worker *w = &ws->w[i];
		struct timespec until;
		clock_gettime(CLOCK_REALTIME, &until);
		until.tv_sec += 2;
		/* Something left registered would keep the loop: end it anyway. */
		if (w->running && pthread_timedjoin_np(w->thread, NULL, &until) != 0) {
			event_base_loopbreak(w->base);
			pthread_join(w->thread, NULL);
		}
		w->running = false;
		https_engine_free(w->https); /* a worker that never ran */
		w->https = NULL;
		smtp_engine_free(w->smtp);
		w->smtp = NULL;
	}
}

void workers_free(struct workers *ws)
{
	if (!ws)
		return;
	workers_stop(ws);
	for (unsigned i = 0; i < ws->count; i++) {
		struct worker *w = &ws->w[i];
		if (w->park)
			event_free(w->park);
		if (w->quit)
			event_free(w->quit);
		if (w->base)
			event_base_free(w->base);
	}
	if (ws->lend)
		event_free(ws->lend);
	pthread_cond_destroy(&ws->cond);
	pthread_mutex_destroy(&ws->lock);
	free(ws);
}

size_t workers_smtp_engines(const struct workers *ws, struct smtp_engine **out, size_t max)
{
	size_t n = 0;

	for (unsigned i = 0; ws && i < ws->count && n < max; i++)
		if (ws->w[i].smtp)
			out[n++] = ws->w[i].smtp;
	return n;
}

void workers_pause(struct workers *ws)
{
	unsigned others;

	if (!ws)
		return;
	others = ws->count - (self ? 1 : 0);
	pthread_mutex_lock(&ws->lock);
	ws->pausing = true;
	for (unsigned i = 0; i < ws->count; i++)
		if (ws->w[i].running && &ws->w[i] != self)
			event_active(ws->w[i].park, 0, 0);
		else if (!ws->w[i].running && &ws->w[i] != self)
			others--; /* never started, or stopped */
	while (ws->parked < others)
		pthread_cond_wait(&ws->cond, &ws->lock);
	pthread_mutex_unlock(&ws->lock);
}

void workers_resume(struct workers *ws)
{
	if (!ws)
		return;
	pthread_mutex_lock(&ws->lock);
	ws->pausing = false;
	pthread_cond_broadcast(&ws->cond);
	pthread_mutex_unlock(&ws->lock);
}

int workers_exclusive_begin(struct workers *ws)
{
	struct borrower b = { NULL, false, false };
	struct borrower **tail;
	int rc;

	if (!ws || !self)
		return 0; /* the main thread holds the daemon */
	pthread_mutex_lock(&ws->lock);
	if (ws->stopping) {
		pthread_mutex_unlock(&ws->lock);
		return -1;
	}
	for (tail = &ws->queue; *tail; tail = &(*tail)->next)
		;
	*tail = &b;
	event_active(ws->lend, 0, 0);
	/* Waiting counts as parked: a pause by the holder need not wait for us. */
	ws->parked++;
	pthread_cond_broadcast(&ws->cond);
	while (!b.refused && (!b.granted || ws->pausing))
		pthread_cond_wait(&ws->cond, &ws->lock);
	ws->parked--;
	rc = b.refused ? -1 : 0;
	pthread_mutex_unlock(&ws->lock);
	return rc;
}

void workers_exclusive_end(struct workers *ws)
{
	if (!ws || !self)
		return;
	pthread_mutex_lock(&ws->lock);
	ws->holder = NULL;
	pthread_cond_broadcast(&ws->cond);
	pthread_mutex_unlock(&ws->lock);
}
