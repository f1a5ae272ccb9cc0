/* resolver: one worker thread, two queues, a pipe to wake the loop. */
#include "resolver.h"

#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

struct request {
	struct request *next;
	char domain[256];
	struct route route;
	int has_route;
	resolver_done_fn fn;
	resolver_job_fn work, after; /* resolver_run's jobs */
	void *arg;
	int rc, temporary;
	struct resolved result;
	struct err why;
};

struct resolver {
	pthread_t thread;
	pthread_mutex_t lock;
	pthread_cond_t wake;
	struct request *todo, *done; /* LIFO is fine: order does not matter */
	int stop;
	int pipe[2];
	struct event *ev;
};

static void *worker(void *arg)
{
	struct resolver *r = arg;

	pthread_mutex_lock(&r->lock);
	for (;;) {
		struct request *q;
		while (!r->todo && !r->stop)
			pthread_cond_wait(&r->wake, &r->lock);
		if (r->stop)
			break;
		q = r->todo;
		r->todo = q->next;
		pthread_mutex_unlock(&r->lock);
		if (q->work)
			q->work(q->arg);
		else
			q->rc = resolve_destination(q->domain, q->has_route ? &q->route : NULL,
						    &q->result, &q->temporary, &q->why);
		pthread_mutex_lock(&r->lock);
		q->next = r->done;
		r->done = q;
		if (write(r->pipe[1], "x", 1) < 0) {
			/* the pipe is full: the loop has wake-ups pending anyway */
		}
	}
	pthread_mutex_unlock(&r->lock);
	return NULL;
}

static void on_wake(evutil_socket_t fd, short what, void *arg)
{
	struct resolver *r = arg;
	struct request *q, *next;
	char buf[64];

	(void)what;
	while (read(fd, buf, sizeof(buf)) > 0) {
	}
	pthread_mutex_lock(&r->lock);
	q = r->done;
	r->done = NULL;
	pthread_mutex_unlock(&r->lock);
	for (; q; q = next) {
		next = q->next;
		if (q->after)
			q->after(q->arg);
		else
			q->fn(q->arg, q->rc, &q->result, q->temporary, q->rc < 0 ? q->why.msg : "");
		free(q);
	}
}

int resolver_start(struct event_base *base, struct resolver **out, struct err *e)
{
	struct resolver *r = calloc(1, sizeof(*r));

	if (!r)
		abort();
	if (pipe2(r->pipe, O_NONBLOCK | O_CLOEXEC) < 0) {
		free(r);
		return err_set(e, "Cannot create the resolver's pipe.");
	}
	pthread_mutex_init(&r->lock, NULL);
	pthread_cond_init(&r->wake, NULL);
	r->ev = event_new(base, r->pipe[0], EV_READ | EV_PERSIST, on_wake, r);
	if (!r->ev || event_add(r->ev, NULL) < 0 ||
	    pthread_create(&r->thread, NULL, worker, r) != 0) {
		if (r->ev)
			event_free(r->ev);
		close(r->pipe[0]);
		close(r->pipe[1]);
		free(r);
		return err_set(e, "Cannot start the resolver thread.");
	}
	*out = r;
	return 0;
}

void resolver_submit(struct resolver *r, const char *domain, const struct route *route,
		     resolver_done_fn fn, void *arg)
{
	struct request *q = calloc(1, sizeof(*q));

	if (!q)
		abort();
	snprintf(q->domain, sizeof(q->domain), "%s", domain);
	if (route) {
		q->route = *route;
		q->has_route = 1;
	}
	q->fn = fn;
	q->arg = arg;
	pthread_mutex_lock(&r->lock);
	q->next = r->todo;
	r->todo = q;
	pthread_cond_signal(&r->wake);
	pthread_mutex_unlock(&r->lock);
}

void resolver_run(struct resolver *r, resolver_job_fn work, resolver_job_fn after, void *arg)
{
	struct request *q = calloc(1, sizeof(*q));

	if (!q)
		abort();
	q->work = work;
	q->after = after;
	q->arg = arg;
	pthread_mutex_lock(&r->lock);
	q->next = r->todo;
	r->todo = q;
	pthread_cond_signal(&r->wake);
	pthread_mutex_unlock(&r->lock);
}

void resolver_free(struct resolver *r)
{
	struct request *q, *next;

	if (!r)
		return;
	pthread_mutex_lock(&r->lock);
	r->stop = 1;
	pthread_cond_signal(&r->wake);
	pthread_mutex_unlock(&r->lock);
	pthread_join(r->thread, NULL);
	for (int i = 0; i < 2; i++)
		for (q = i ? r->done : r->todo; q; q = next) {
			next = q->next;
			if (q->after)
				q->after(q->arg);
			free(q);
		}
	event_free(r->ev);
	close(r->pipe[0]);
	close(r->pipe[1]);
	free(r);
}
