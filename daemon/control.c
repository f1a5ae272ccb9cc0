/* control: the unix-socket server that applies committed versions. */
#include "control.h"

#include <errno.h>
#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/listener.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "daemon.h"
#include "usage.h"

#define REQUEST_MAX     128 /* bytes in one request line */
#define CLIENT_TIMEOUT  10  /* seconds, as the shell waits */
#define CLIENTS_MAX     32  /* console users share the socket: bounded */
#define CONTROL_REST_MS 100 /* after a failed accept() */

struct control_client {
	struct control *ctl;
	struct bufferevent *bev;
	struct control_client *next;
};

struct control {
	struct daemon *d;
	struct evconnlistener *listener;
	struct control_client *clients;
	unsigned nclients;
	struct event *rest; /* re-enables the listener after accept() failed */
	char path[sizeof(((struct sockaddr_un *)0)->sun_path)];
};

static void client_free(struct control_client *c)
{
	struct control_client **p = &c->ctl->clients;

	while (*p && *p != c)
		p = &(*p)->next;
	if (*p)
		*p = c->next;
	c->ctl->nclients--;
	bufferevent_free(c->bev);
	free(c);
}

static void handle(struct control_client *c, const char *line)
{
	struct evbuffer *out = bufferevent_get_output(c->bev);
	struct daemon *d = c->ctl->d;
	struct err e;
	char *end;
	long n;

	if (strcmp(line, "status") == 0) {
		evbuffer_add_printf(out, "version %ld\n", d->version);
		return;
	}
	if (strcmp(line, "usage flush") == 0) {
		long rows;
		if (usage_flush(d->usage, &rows, &e) < 0)
			evbuffer_add_printf(out, "error %s\n", e.msg);
		else
			evbuffer_add_printf(out, "flushed %ld\n", rows);
		return;
	}
	if (strncmp(line, "apply ", 6) != 0) {
		evbuffer_add_printf(out, "error unknown request\n");
		return;
	}
	errno = 0;
	n = strtol(line + 6, &end, 10);
	if (errno || end == line + 6 || *end || n < 1) {
		evbuffer_add_printf(out, "error bad version number\n");
		return;
	}
	/* Synchronous: the reply leaves only after the swap. */
	if (daemon_apply(d, n, &e) < 0)
		evbuffer_add_printf(out, "error %s\n", e.msg);
	else
		evbuffer_add_printf(out, "applied %ld\n", n);
}

static void on_read(struct bufferevent *bev, void *arg)
{
	struct control_client *c = arg;
	struct evbuffer *in = bufferevent_get_input(bev);
	char *line;
	size_t len;

	while ((line = evbuffer_readln(in, &len, EVBUFFER_EOL_LF))) {
		if (len >= REQUEST_MAX)
			evbuffer_add_printf(bufferevent_get_output(bev),
					    "error request too long\n");
		else
			handle(c, line);
		free(line);
	}
	if (evbuffer_get_length(in) >= REQUEST_MAX) {
		evbuffer_drain(in, evbuffer_get_length(in));
		evbuffer_add_printf(bufferevent_get_output(bev), "error request too long\n");
	}
}

static void on_event(struct bufferevent *bev, short what, void *arg)
{
	(void)bev;
	(void)what;
	/* EOF, error or the client's silence: nothing more to answer. */
	client_free(arg);
}

static void on_accept(struct evconnlistener *l, evutil_socket_t fd, struct sockaddr *sa, int salen,
		      void *arg)
{
	struct control *ctl = arg;
	struct control_client *c = calloc(1, sizeof(*c));
	struct timeval tv = { CLIENT_TIMEOUT, 0 };

	(void)sa;
	(void)salen;
	if (ctl->nclients >= CLIENTS_MAX) {
		free(c);
		close(fd);
		return;
	}
	if (c)
		c->bev = bufferevent_socket_new(evconnlistener_get_base(l), fd,
						BEV_OPT_CLOSE_ON_FREE);
	if (!c || !c->bev) {
		free(c);
		close(fd);
		return;
	}
	c->ctl = ctl;
	c->next = ctl->clients;
	ctl->clients = c;
	ctl->nclients++;
	bufferevent_setcb(c->bev, on_read, NULL, on_event, c);
	bufferevent_set_timeouts(c->bev, &tv, &tv);
	bufferevent_enable(c->bev, EV_READ | EV_WRITE);
}

/* accept() failed (out of descriptors): rest the listener briefly rather than
 * be called again at once, in a loop, by the event loop. */
static void on_accept_error(struct evconnlistener *l, void *arg)
{
	struct control *ctl = arg;
	struct timeval tv = { 0, CONTROL_REST_MS * 1000 };

	evconnlistener_disable(l);
	evtimer_add(ctl->rest, &tv);
}

static void on_rest_over(evutil_socket_t fd, short what, void *arg)
{
	struct control *ctl = arg;

	(void)fd;
	(void)what;
	evconnlistener_enable(ctl->listener);
}

/* A socket file nobody answers on is a leftover of a crash: remove it. */
static int claim_path(const struct sockaddr_un *addr, struct err *e)
{
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	int alive;

	if (fd < 0)
		return err_set(e, "Cannot create a socket: %s", strerror(errno));
	alive = connect(fd, (const struct sockaddr *)addr, sizeof(*addr)) == 0;
	close(fd);
	if (alive)
		return err_set(e, "Another tlsgated already answers on %s.", addr->sun_path);
	if (unlink(addr->sun_path) < 0 && errno != ENOENT)
		return err_set(e, "Cannot remove %s: %s", addr->sun_path, strerror(errno));
	return 0;
}

/* In a group-shared home the console users (the group) must reach the
 * socket: 0660. Every request it takes is harmless to them: "status",
 * "apply N", which applies the latest committed version, nothing else, and
 * "usage flush", which writes the TLS usage counts early. */
static int open_socket(const struct sockaddr_un *addr, int shared, struct err *e)
{
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	mode_t old_mask, mode = shared ? 0660 : 0600;
	int rc;

	if (fd < 0)
		return err_set(e, "Cannot create a socket: %s", strerror(errno));
	old_mask = umask(shared ? 007 : 077); /* never born wider than it ends */
	rc = bind(fd, (const struct sockaddr *)addr, sizeof(*addr));
	umask(old_mask);
	if (rc < 0 || chmod(addr->sun_path, mode) < 0 || listen(fd, 16) < 0) {
		err_set(e, "Cannot listen on %s: %s", addr->sun_path, strerror(errno));
		close(fd);
		return -1;
	}
	return fd;
}

int control_start(struct daemon *d, struct control **out, struct err *e)
{
	struct control *ctl = calloc(1, sizeof(*ctl));
	struct sockaddr_un addr = { .sun_family = AF_UNIX };
	int fd;

	if (!ctl)
		return err_set(e, "Out of memory.");
	ctl->d = d;
	if ((size_t)snprintf(addr.sun_path, sizeof(addr.sun_path), "%s/tlsgated.sock",
			     d->opt.home) >= sizeof(addr.sun_path)) {
		free(ctl);
		return err_set(e, "The home directory path is too long for a socket.");
	}
	if (claim_path(&addr, e) < 0 ||
	    (fd = open_socket(&addr, db_home_shared(d->opt.home), e)) < 0) {
		free(ctl);
		return -1;
	}
	snprintf(ctl->path, sizeof(ctl->path), "%s", addr.sun_path);
	ctl->listener = evconnlistener_new(d->base, on_accept, ctl,
					   LEV_OPT_CLOSE_ON_FREE | LEV_OPT_CLOSE_ON_EXEC, -1, fd);
	ctl->rest = evtimer_new(d->base, on_rest_over, ctl);
	if (!ctl->listener || !ctl->rest) {
		if (ctl->rest)
			event_free(ctl->rest);
		if (ctl->listener)
			evconnlistener_free(ctl->listener); /* closes fd */
		else
			close(fd);
		unlink(ctl->path);
		free(ctl);
		return err_set(e, "Cannot watch the control socket.");
	}
	evconnlistener_set_error_cb(ctl->listener, on_accept_error);
	*out = ctl;
	return 0;
}

void control_free(struct control *ctl)
{
	if (!ctl)
		return;
	while (ctl->clients)
		client_free(ctl->clients);
	evconnlistener_free(ctl->listener);
	event_free(ctl->rest);
	unlink(ctl->path);
	free(ctl);
}
