/* web_keygen: the Certificates page's NEW makes its key (RSA 4096 takes about
 * a second) on a worker thread, so the event loop keeps answering every
 * other client meanwhile. At most WEB_KEYGEN_MAX keys at a time; one more is
 * answered "busy" at once. The request waits (its reply deferred); when the
 * thread is done it writes one byte to a pipe that the event loop watches,
 * and the rest (the session looked up and the role read again, the staging,
 * the reply) runs on the loop as any request does. */
#define _GNU_SOURCE /* pipe2 */
#include <errno.h>
#include <event2/event.h>
#include <event2/http.h>
#include <fcntl.h>
#include <openssl/crypto.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "web_internal.h"
#include "workers.h"

struct web_keygen {
	struct web *w;
	struct evhttp_request *req; /* NULL: evhttp freed it with its connection */
	pthread_t thread;
	bool running; /* a thread to join */
	bool made;    /* p holds the new profile */
	int pipe[2];
	struct event *ev;
	web_keygen_done done;
	/* the request as it was */
	char name[65];
	char session[WEB_TOKEN_LEN + 1];
	char peer[64];
	unsigned long cid;
	bool json, overwrite;
	/* the thread's work: q in, rc/p/e out */
	struct cert_request q;
	struct cert_profile p;
	struct err e;
	int rc;
};

static void *work(void *arg)
{
	struct web_keygen *k = arg;
	ssize_t n;

	k->rc = cert_profile_new(&k->q, &k->p, &k->e);
	k->made = k->rc == 0;
	do
		n = write(k->pipe[1], "", 1);
	while (n < 0 && errno == EINTR);
	return NULL;
}

/* Frees the job (waiting for its thread first, if any). */
static void job_free(struct web_keygen *k)
{
	if (k->running)
		pthread_join(k->thread, NULL);
	if (k->ev)
		event_free(k->ev);
	for (int i = 0; i < 2; i++)
		if (k->pipe[i] >= 0)
			close(k->pipe[i]);
	if (k->made)
		cert_profile_free(&k->p);
	OPENSSL_cleanse(k, sizeof(*k));
	free(k);
}

/* The request's connection closes (a hang-up, an eviction, shutdown). A
 * request still on it is freed with it: forget it. One evhttp took off the
 * connection before (req->evcon NULL) stays ours, and web_reply frees it. */
static void connection_closed(struct evhttp_connection *con, void *arg)
{
	struct web_keygen *k = arg;

	if (k->req && evhttp_request_get_connection(k->req) == con)
		k->req = NULL;
}

static void reply(struct web_keygen *k);

static void finished(evutil_socket_t fd, short what, void *arg)
{
	struct web_keygen *k = arg;
	struct web *w = k->w;
	char byte;

	(void)what;
	if (read(fd, &byte, 1) != 1)
		return; /* not yet (spurious wake-up): the event stays armed */
	/* The request may live on a worker's loop: it stands still while its
	 * connection is answered from here (daemon/workers.h). */
	workers_pause(w->d->env.workers);
	reply(k);
	workers_resume(w->d->env.workers);
}

/* The rest of finished(), every other thread parked. */
static void reply(struct web_keygen *k)
{
	struct web *w = k->w;
	struct web_req r;

	pthread_join(k->thread, NULL);
	k->running = false;
	for (int i = 0; i < WEB_KEYGEN_MAX; i++)
		if (w->keygen[i] == k)
			w->keygen[i] = NULL;
	/* With its request gone (evhttp freed it with its connection) the key is
	 * still staged for the session, as after a hang-up: only the answer is
	 * lost. */
	if (k->req && evhttp_request_get_connection(k->req))
		evhttp_connection_set_closecb(evhttp_request_get_connection(k->req), NULL, NULL);
	web_req_init(&r, w, k->req, "/certificates/new", true, k->cid);
	r.json = k->json;
	snprintf(r.peer, sizeof(r.peer), "%s", k->peer);
	if (k->overwrite) {
		struct err ignored;
		web_form_parse_urlencoded(&r.form, "overwrite=1", 11, &ignored);
	}
	if (web_resume(&r, k->session, ROLE_OPERATOR) == 0)
		k->done(&r, k->name, k->made ? &k->p : NULL, &k->e);
	if (k->req) {
		web_reply(&r);
	} else {
		mail_log_info(w->d->log,
			      "HTTPS CID %lu POST /certificates/new %d (not sent: the "
			      "connection closed)",
			      k->cid, r.status);
		web_form_free(&r.form);
		strbuf_free(&r.body);
	}
	job_free(k);
}

int web_keygen_start(struct web_req *r, const char *name, const struct cert_request *q,
		     web_keygen_done done)
{
	const char *overwrite = web_form_get(&r->form, "overwrite");
	struct web_keygen *k;
	sigset_t all, old;
	int slot = -1, rc;

	for (int i = 0; i < WEB_KEYGEN_MAX && slot < 0; i++)
		if (!r->w->keygen[i])
			slot = i;
	if (slot < 0)
		return 1;
	if (!(k = calloc(1, sizeof(*k))))
		return -1;
	k->pipe[0] = k->pipe[1] = -1;
	k->w = r->w;
	k->req = r->req;
	k->done = done;
	k->q = *q;
	k->cid = r->cid;
	k->json = r->json;
	k->overwrite = overwrite && strcmp(overwrite, "1") == 0;
	snprintf(k->name, sizeof(k->name), "%s", name);
	snprintf(k->session, sizeof(k->session), "%s", r->session->id);
	snprintf(k->peer, sizeof(k->peer), "%s", r->peer);
	if (pipe2(k->pipe, O_CLOEXEC | O_NONBLOCK) < 0 ||
	    !(k->ev = event_new(r->d->base, k->pipe[0], EV_READ | EV_PERSIST, finished, k)) ||
	    event_add(k->ev, NULL) < 0) {
		job_free(k);
		return -1;
	}
	/* Signals stay the event loop's: the worker blocks them all. */
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	rc = pthread_create(&k->thread, NULL, work, k);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (rc != 0) {
		job_free(k);
		return -1;
	}
	k->running = true;
	evhttp_connection_set_closecb(evhttp_request_get_connection(r->req), connection_closed, k);
	r->w->keygen[slot] = k;
	r->deferred = true;
	return 0;
}

void web_keygen_free(struct web *w)
{
	/* At shutdown: the threads finish their key (no reply: the HTTPS
	 * engine and its requests are gone already). */
	for (int i = 0; i < WEB_KEYGEN_MAX; i++)
		if (w->keygen[i]) {
			job_free(w->keygen[i]);
			w->keygen[i] = NULL;
		}
}
