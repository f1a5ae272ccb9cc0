/* https_engine: evhttp over bufferevent_openssl. Each accepted connection
 * gets SSL_new(current GUI context); its mail-log lines come from tls_watch
 * and from the SSL's ex_data destructor, which runs when evhttp frees it. */
#include "https_engine.h"

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/bufferevent_ssl.h>
#include <event2/event.h>
#include <event2/http.h>
#include <event2/keyvalq_struct.h>
#include <event2/listener.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/queue.h>
#include <sys/socket.h>
#include <unistd.h>

#include "../core/config_web.h"
#include "conn_guard.h"
#include "engine.h"
#include "options.h"
#include "http_route.h"
#include "../os/net.h"
#include "tls_watch.h"
#include "usage.h"
#include "web.h"
#include "workers.h"

#define MAX_HEADERS_SIZE 8192  /* request line and headers */
#define MAX_BODY_SIZE    65536 /* the WebUI's largest: a PKCS#12 upload */

struct https_engine {
	const struct engine_env *env;
	struct evhttp *http;
	int fd; /* the listening socket */
	struct conn_guard guard;
	struct web *web;  /* the WebUI: login, pages, commit */
	char local[64];   /* the listener's address (the log's "interface") */
	bool local_fixed; /* false: bound to a wildcard, asked per connection */
};

/* One TLS connection; `watch` first so the tls_watch callback can find it.
 * evhttp owns the connection: this side never frees it, it shuts the socket
 * down and evhttp closes it as any connection the peer ended. */
struct https_conn {
	struct tls_watch watch;
	struct https_engine *h;
	unsigned long cid;
	SSL *ssl;
	struct guard_conn guard;
	struct event *timer; /* admission on the next loop turn, then the handshake deadline */
	struct bufferevent *bev;
	struct net_peer peer; /* from accept(), through evhttp: no getpeername */
	bool admitted;
};

static int conn_index = -1;
/* Connection ids, one series over every worker's engine. */
static _Atomic unsigned long next_cid;

static void announce(SSL *ssl, struct tls_watch *w)
{
	struct https_conn *c = (struct https_conn *)w;
	struct net_peer p = c->peer;

	if (!c->admitted)
		net_describe(SSL_get_fd(ssl), &p); /* cannot happen: admission comes first */
	else if (c->h->local_fixed)
		snprintf(p.local, sizeof(p.local), "%s", c->h->local);
	else {
		struct net_peer q;
		net_describe(SSL_get_fd(ssl), &q);
		memcpy(p.local, q.local, sizeof(p.local));
	}
	tls_watch_count(w, c->h->env->usage, SVC_GUI, USAGE_MODE_REQUIRED, "Management", p.remote,
			NULL);
	mail_log_info(w->log, "New HTTPS CID %lu interface Management (%s) address %s port %u",
		      c->cid, p.local, p.remote, p.remote_port);
}

/* SSL_free runs this: the connection is gone. */
static void conn_closed(void *parent, void *ptr, CRYPTO_EX_DATA *ad, int idx, long argl, void *argp)
{
	struct https_conn *c = ptr;

	(void)ad;
	(void)idx;
	(void)argl;
	(void)argp;
	if (!c)
		return;
	if (c->watch.seen) {
		tls_watch_closed(parent, &c->watch);
		mail_log_info(c->watch.log, "HTTPS CID %lu close", c->cid);
	}
	if (c->timer)
		event_free(c->timer);
	if (c->h)
		conn_guard_remove(&c->h->guard, &c->guard);
	free(c);
}

/* Ends the connection through evhttp: it sees the peer gone and frees it. */
static void shut(struct https_conn *c)
{
	int fd = SSL_get_fd(c->ssl);

	if (fd >= 0)
		shutdown(fd, SHUT_RDWR);
	conn_guard_dying(&c->h->guard, &c->guard);
	event_del(c->timer);
}

/* The ClientHello has been read: a client in its handshake. */
static bool spoke(const struct guard_conn *g)
{
	const struct https_conn *c =
		(const struct https_conn *)(const void *)((const char *)g -
							  offsetof(struct https_conn, guard));

	return SSL_get_state(c->ssl) != TLS_ST_BEFORE;
}

static void evict(struct guard_conn *g)
{
	shut((struct https_conn *)(void *)((char *)g - offsetof(struct https_conn, guard)));
}

/* evhttp gives the socket to the connection only after new_connection():
 * the address is checked one loop turn later, and from then on the
 * handshake must finish within the handshake timeout. */
static void on_timer(evutil_socket_t fd, short what, void *arg)
{
	struct https_conn *c = arg;
	void *evcon = NULL;
	const struct sockaddr *sa;
	const struct daemon_options *o = c->h->env->opt;
	struct timeval tv = { o->handshake_timeout < o->http_timeout ? o->handshake_timeout
								     : o->http_timeout,
			      0 };

	(void)fd;
	(void)what;
	if (c->admitted) {
		if (!c->watch.done) {
			mail_log_info(c->h->env->log,
				      "HTTPS CID %lu no TLS handshake in %ld s: closed", c->cid,
				      (long)tv.tv_sec);
			shut(c);
		}
		return;
	}
	c->admitted = true;
	/* evhttp keeps the address accept() gave it; its connection is the
	 * bufferevent's callback argument. */
	bufferevent_getcb(c->bev, NULL, NULL, NULL, &evcon);
	sa = evcon ? evhttp_connection_get_addr(evcon) : NULL;
	net_format_peer(sa, &c->peer);
	if (SSL_get_fd(c->ssl) < 0 || !sa ||
	    conn_guard_admit(&c->h->guard, &c->guard, SSL_get_fd(c->ssl), sa) < 0) {
		shut(c);
		return;
	}
	evtimer_add(c->timer, &tv);
}

static struct bufferevent *new_connection(struct event_base *base, void *arg)
{
	struct https_engine *h = arg;
	struct https_conn *c = calloc(1, sizeof(*c));
	SSL *ssl = engine_new_ssl(h->env, SVC_GUI);
	struct bufferevent *bev;
	char who[48];

	/* evhttp would fall back to plain HTTP on NULL: never let it. */
	if (!c || !ssl || !(c->timer = evtimer_new(base, on_timer, c))) {
		fprintf(stderr, "tlsgated: out of memory for a TLS connection\n");
		abort();
	}
	c->h = h;
	c->ssl = ssl;
	conn_guard_add(&h->guard, &c->guard, evict);
	c->guard.spoke = spoke;
	event_active(c->timer, EV_TIMEOUT, 0);
	c->cid = ++next_cid;
	snprintf(who, sizeof(who), "HTTPS CID %lu", c->cid);
	tls_watch_init(&c->watch, h->env->log, who, announce);
	if (!SSL_set_ex_data(ssl, conn_index, c) || tls_watch_attach(ssl, &c->watch) < 0)
		abort();
	/* No 16 KB+ buffers held by idle connections (as nginx does). Not
	 * read-ahead: bufferevent_openssl then leaves whole requests unread in
	 * OpenSSL's buffer (POST bodies and HEAD requests stall). */
	SSL_set_mode(ssl, SSL_MODE_RELEASE_BUFFERS);
	/* The handshake in bufferevent_openssl's own state, not inside
	 * SSL_read on the open state's read event: that saves four epoll_ctl
	 * per handshake but leaves an empty 8 kB input chain reserved on every
	 * idle connection (24.4 kB each instead of 16.3; nginx 17.3). */
	bev = bufferevent_openssl_socket_new(base, -1, ssl, BUFFEREVENT_SSL_ACCEPTING,
					     BEV_OPT_CLOSE_ON_FREE | BEV_OPT_DEFER_CALLBACKS);
	if (!bev)
		abort();
	c->bev = bev;
	return bev;
}

static struct https_conn *conn_of(struct evhttp_request *req)
{
	struct evhttp_connection *evcon = evhttp_request_get_connection(req);
	struct bufferevent *bev = evcon ? evhttp_connection_get_bufferevent(evcon) : NULL;
	SSL *ssl = bev ? bufferevent_openssl_get_ssl(bev) : NULL;

	return ssl ? SSL_get_ex_data(ssl, conn_index) : NULL;
}

static const char *method_name(enum evhttp_cmd_type cmd)
{
	switch (cmd) {
	case EVHTTP_REQ_GET: return "GET";
	case EVHTTP_REQ_HEAD: return "HEAD";
	case EVHTTP_REQ_POST: return "POST";
	case EVHTTP_REQ_PUT: return "PUT";
	case EVHTTP_REQ_DELETE: return "DELETE";
	case EVHTTP_REQ_OPTIONS: return "OPTIONS";
	case EVHTTP_REQ_TRACE: return "TRACE";
	case EVHTTP_REQ_CONNECT: return "CONNECT";
	case EVHTTP_REQ_PATCH: return "PATCH";
	}
	return "?";
}

static void add_headers(struct evhttp_request *req, const char *type)
{
	struct evkeyvalq *h = evhttp_request_get_output_headers(req);

	evhttp_add_header(h, "Content-Type", type);
	evhttp_add_header(h, "Cache-Control", "no-store");
	evhttp_add_header(h, "X-Content-Type-Options", "nosniff");
	evhttp_add_header(h, "X-Frame-Options", "DENY");
	evhttp_add_header(h, "Content-Security-Policy",
			  "default-src 'none'; style-src 'unsafe-inline'");
	evhttp_add_header(h, "Server", "tlsgate");
}

/* Fills `body` and returns the status code for this request. */
static int route(struct https_engine *h, struct evhttp_request *req, struct strbuf *body,
		 const char **type, const char **reason)
{
	struct http_answer a;

	http_route(evhttp_request_get_command(req), evhttp_request_get_evhttp_uri(req), &a);
	*reason = a.reason;
	*type = "text/plain; charset=utf-8";
	if (a.allow)
		evhttp_add_header(evhttp_request_get_output_headers(req), "Allow", a.allow);
	switch (a.page) {
	case HTTP_PAGE_HTML:
		*type = "text/html; charset=utf-8";
		config_render_html(h->env->config, *h->env->version, body);
		break;
	case HTTP_PAGE_JSON:
		*type = "application/json";
		config_render_json(h->env->config, *h->env->version, body);
		break;
	case HTTP_PAGE_METRICS:
		return usage_metrics_page(h->env, evhttp_request_get_connection(req), body, type,
					  reason);
	case HTTP_PAGE_NONE: strbuf_printf(body, "%d %s\n", a.status, a.reason); break;
	}
	return a.status;
}

/* RFC 9112 6.3: more than one Content-Length (evhttp reads the first) means
 * the client and any proxy before us may disagree on where this request
 * ends; whatever follows on the connection cannot be trusted. */
static bool ambiguous_length(struct evhttp_request *req)
{
	struct evkeyvalq *in = evhttp_request_get_input_headers(req);
	unsigned lengths = 0;

	for (struct evkeyval *kv = TAILQ_FIRST(in); kv; kv = TAILQ_NEXT(kv, next))
		lengths += evutil_ascii_strcasecmp(kv->key, "Content-Length") == 0;
	return lengths > 1;
}

static void on_request(struct evhttp_request *req, void *arg)
{
	struct https_engine *h = arg;
	struct https_conn *c = conn_of(req);
	struct evbuffer *out = evbuffer_new();
	const char *type, *reason, *uri = evhttp_request_get_uri(req);
	struct strbuf body;
	int code;

	if (c)
		conn_guard_set_idle(&c->guard, GUARD_QUIET);
	if (!out) {
		evhttp_send_error(req, 500, "Internal Server Error");
		return;
	}
	if (ambiguous_length(req)) {
		mail_log_warning(h->env->log,
				 "HTTPS CID %lu request with several Content-Length "
				 "headers refused; connection closed",
				 c ? c->cid : 0);
		evhttp_add_header(evhttp_request_get_output_headers(req), "Connection", "close");
		evhttp_send_error(req, 400, "Bad Request");
		evbuffer_free(out);
		return;
	}
	/* A WebUI page reads and changes the daemon's state: on a worker
	 * thread it borrows the daemon first (daemon/workers.h). */
	if (web_route_known(req)) {
		if (workers_exclusive_begin(h->env->workers) < 0) {
			evhttp_send_error(req, 503, "Service Unavailable");
			evbuffer_free(out);
			return;
		}
		web_handle(h->web, req, c ? c->cid : 0);
		workers_exclusive_end(h->env->workers);
		evbuffer_free(out);
		return;
	}
	strbuf_init(&body);
	code = route(h, req, &body, &type, &reason);
	add_headers(req, type);
	/* evhttp sends no body for HEAD and so no length; say what GET would send. */
	if (evhttp_request_get_command(req) == EVHTTP_REQ_HEAD) {
		char len[32];
		snprintf(len, sizeof(len), "%zu", body.len);
		evhttp_add_header(evhttp_request_get_output_headers(req), "Content-Length", len);
	}
	evbuffer_add(out, body.data, body.len);
	mail_log_info(h->env->log, "HTTPS CID %lu %s %.200s %d", c ? c->cid : 0,
		      method_name(evhttp_request_get_command(req)), uri ? uri : "-", code);
	evhttp_send_reply(req, code, reason, out);
	evbuffer_free(out);
	strbuf_free(&body);
}

/* One worker's part of a cap: all of them together hold no more. */
static unsigned share(unsigned cap, unsigned workers)
{
	unsigned part = workers > 1 ? cap / workers : cap;

	return part ? part : 1;
}

int https_engine_start(const struct engine_env *env, struct web *web, int fd,
		       struct https_engine **out, struct err *e)
{
	struct https_engine *h = calloc(1, sizeof(*h));
	struct evhttp_bound_socket *bound;
	unsigned n = env->opt->workers;

	if (!h) {
		if (fd >= 0)
			close(fd);
		return err_set(e, "Out of memory.");
	}
	h->env = env;
	h->fd = -1;
	h->web = web; /* the daemon's: it needs the database and the apply path */
	/* The connection cap is divided (the descriptors are counted for all);
	 * each worker applies the whole per-address cap to its share: it
	 * shares out a contended listener, and a smaller window would let one
	 * address's flood evict that address's slow clients sooner. */
	if (conn_guard_init(&h->guard, "HTTPS", env->base, env->log,
			    share(env->opt->https_max_conns, n), env->opt->max_per_address) < 0) {
		if (fd >= 0)
			close(fd);
		https_engine_free(h);
		return err_set(e, "Out of memory.");
	}
	if (conn_index < 0)
		conn_index = SSL_get_ex_new_index(0, NULL, NULL, NULL, conn_closed);
	h->http = evhttp_new(env->base);
	if (conn_index < 0 || !h->http || !h->web) {
		if (fd >= 0)
			close(fd);
		https_engine_free(h);
		return err_set(e, "Cannot create the HTTPS server.");
	}
	if (fd < 0 && (n > 1 ? net_listen_shared : net_listen)(env->opt->https_addr, &fd, e) < 0) {
		https_engine_free(h);
		return -1;
	}
	h->fd = fd;
	h->local_fixed = net_listen_local(fd, h->local, sizeof(h->local));
	if (!(bound = evhttp_accept_socket_with_handle(h->http, fd))) {
		close(fd);
		https_engine_free(h);
		return err_set(e, "Cannot serve HTTPS on %s.", env->opt->https_addr);
	}
	conn_guard_listen(&h->guard, evhttp_bound_socket_get_listener(bound));
	evhttp_set_bevcb(h->http, new_connection, h);
	evhttp_set_gencb(h->http, on_request, h);
	/* Every method reaches on_request, which answers 405 itself. */
	evhttp_set_allowed_methods(h->http, EVHTTP_REQ_GET | EVHTTP_REQ_HEAD | EVHTTP_REQ_POST |
						    EVHTTP_REQ_PUT | EVHTTP_REQ_DELETE |
						    EVHTTP_REQ_OPTIONS | EVHTTP_REQ_TRACE |
						    EVHTTP_REQ_CONNECT | EVHTTP_REQ_PATCH);
	evhttp_set_max_headers_size(h->http, MAX_HEADERS_SIZE);
	evhttp_set_max_body_size(h->http, MAX_BODY_SIZE);
	evhttp_set_timeout(h->http, env->opt->http_timeout);
	/* Read an oversized body to its end so the client sees the 413. */
	evhttp_set_flags(h->http, EVHTTP_SERVER_LINGERING_CLOSE);
	*out = h;
	return 0;
}

int https_engine_fd(const struct https_engine *h)
{
	return h->fd;
}

void https_engine_free(struct https_engine *h)
{
	if (!h)
		return;
	/* Connections evhttp frees later must not reach back into `h`. */
	while (h->guard.head) {
		struct https_conn *c =
			(struct https_conn *)(void *)((char *)h->guard.head -
						      offsetof(struct https_conn, guard));
		event_free(c->timer);
		c->timer = NULL;
		conn_guard_remove(&h->guard, &c->guard);
		c->h = NULL;
		/* Its bufferevent may be finalized only when the loop is freed,
		 * after the usage record: a stop's own closings are not counted. */
		c->watch.usage = NULL;
	}
	if (h->http)
		evhttp_free(h->http);
	conn_guard_free(&h->guard);
	free(h);
}
