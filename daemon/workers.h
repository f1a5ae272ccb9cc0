/* workers: --workers N. The main thread runs everything tlsgated does; N-1
 * more threads each run one more GUI HTTPS engine and one more inbound SMTP
 * engine on an event loop of its own, on sockets of their own bound beside
 * the main ones (SO_REUSEPORT: the kernel spreads the connections over the
 * threads). The SMTP engines count their sessions together (smtp_shared.h).
 *
 * Who may touch what: the daemon's state (the database, the WebUI, the
 * applied configuration, the listening sockets of every engine, the main
 * SMTP engine and the delivery engine) belongs to the
 * thread holding the daemon -- the main thread, unless a worker borrowed
 * it with workers_exclusive_begin() (the WebUI's pages; the main thread
 * then waits). Workers only read the applied configuration and contexts
 * (engine.h), and daemon_apply changes them (and opens and closes the
 * workers' SMTP sockets) only inside workers_pause(),
 * when every other thread is parked: no worker accepts a connection under
 * the old policy once an apply returns. The mail log and the usage
 * counters take their own locks. Libevent runs with its pthread locks
 * (evthread_use_pthreads) because threads add events to each other's
 * loops (the log's timer, the wake-ups here); a thread parks only in a
 * callback of its own, so no other thread ever deletes the event it runs. */
#ifndef TLSGATE_WORKERS_H
#define TLSGATE_WORKERS_H

#include <stddef.h>

#include "../core/err.h"

#define WORKERS_MAX 64

struct engine_env;
struct https_engine;
struct smtp_engine;
struct web;
struct workers;

/* Turns on libevent's locking: before the first event loop is made. */
int workers_init_threads(struct err *e);

/* Starts n - 1 worker threads (n >= 2) beside the main thread's HTTPS
 * engine, whose socket is `first_fd` (bound with net_listen_shared), and
 * its SMTP engine `first_smtp` (NULL: none). */
int workers_start(const struct engine_env *env, struct web *web, int first_fd,
		  struct smtp_engine *first_smtp, unsigned n, struct workers **out, struct err *e);
/* The workers' SMTP engines (at most `max`): for the daemon's holder, to
 * sync them inside workers_pause(). */
size_t workers_smtp_engines(const struct workers *ws, struct smtp_engine **out, size_t max);
/* Stops the threads and frees their engines (connections closed). The
 * loops stay until workers_free: the WebUI may still hold events on them. */
void workers_stop(struct workers *ws);
void workers_free(struct workers *ws);

/* Called by the holder of the daemon: every other thread parks (between
 * two callbacks) until workers_resume. NULL ws: nothing to do. */
void workers_pause(struct workers *ws);
void workers_resume(struct workers *ws);

/* Called by an engine about to touch the daemon's state (a WebUI page):
 * on a worker thread, waits until the main thread hands the daemon over.
 * -1: tlsgated is stopping, the page cannot be served. */
int workers_exclusive_begin(struct workers *ws);
void workers_exclusive_end(struct workers *ws);

#endif
