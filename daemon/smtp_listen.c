/* smtp_listen: the inbound listeners' sockets, opened and closed as commits
 * add and remove listeners, and the admission of each connection: its
 * sender group and mail flow policy (the listener's host access table,
 * after verified reverse DNS when a pattern needs a host name), logged as
 * AsyncOS does ("ICID 7 RELAY SG RELAYLIST match 127.0.0.1 SBRS None"). */
#include <event2/bufferevent.h>
#include <event2/event.h>
#include <event2/listener.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../core/addr_match.h"
#include "engine.h"
#include "options.h"
#include "rdns.h"
#include "smtp_engine.h"
#include "smtp_internal.h"
#include "usage.h"

#define RDNS_TIMEOUT_S 5 /* then the client is "reverse dns host unknown" */

static const char *address_of(const struct smtp_engine *eng, const struct listener *l)
{
	return l->address[0] ? l->address : eng->env->opt->smtp_addr;
}

static void listener_free(struct smtp_listener *lst)
{
	conn_guard_free(&lst->guard);
	free(lst);
}

void smtp_listener_release(struct smtp_listener *lst)
{
	if (--lst->refs == 0)
		listener_free(lst);
}

static void close_listener(struct smtp_listener *lst)
{
	if (lst->evl) {
		evconnlistener_free(lst->evl);
		lst->evl = NULL;
		lst->guard.listener = NULL;
		mail_log_info(lst->eng->env->log, "Listener %s on %s closed", lst->name, lst->addr);
		smtp_listener_release(lst);
	}
}

static struct smtp_listener *open_listener(struct smtp_engine *eng, const struct listener *l,
					   struct err *e)
{
	const struct engine_env *env = eng->env;
	struct smtp_listener *lst = calloc(1, sizeof(*lst));
	int fd;

	if (!lst) {
		err_set(e, "Out of memory.");
		return NULL;
	}
	lst->eng = eng;
	lst->refs = 1;
	snprintf(lst->name, sizeof(lst->name), "%s", l->name);
	snprintf(lst->addr, sizeof(lst->addr), "%s", address_of(eng, l));
	snprintf(lst->guard_name, sizeof(lst->guard_name), "SMTP %s", l->name);
	if (conn_guard_init(&lst->guard, lst->guard_name, env->base, env->log,
			    env->opt->smtp_max_sessions, env->opt->max_per_address) < 0) {
		listener_free(lst);
		err_set(e, "Out of memory.");
		return NULL;
	}
	if (net_listen(lst->addr, &fd, e) < 0) {
		listener_free(lst);
		return NULL;
	}
	lst->evl = evconnlistener_new(env->base, smtp_on_accept, lst,
				      LEV_OPT_CLOSE_ON_FREE | LEV_OPT_CLOSE_ON_EXEC, -1, fd);
	if (!lst->evl) {
		close(fd);
		listener_free(lst);
		err_set(e, "Cannot serve SMTP on %s.", lst->addr);
		return NULL;
	}
	conn_guard_listen(&lst->guard, lst->evl);
	return lst;
}

static struct smtp_listener *find_open(struct smtp_engine *eng, const char *name, const char *addr)
{
	for (struct smtp_listener *x = eng->listeners; x; x = x->next)
		if (strcmp(x->name, name) == 0 && strcmp(x->addr, addr) == 0)
			return x;
	return NULL;
}

static bool wanted(const struct smtp_engine *eng, const struct inbound *in,
		   const struct smtp_listener *x)
{
	for (size_t i = 0; in && i < in->count; i++)
		if (strcmp(in->l[i].l.name, x->name) == 0 &&
		    strcmp(address_of(eng, &in->l[i].l), x->addr) == 0)
			return true;
	return false;
}

/* An open socket on `addr` that the new set no longer wants under its
 * name (a renamed listener, or one leaving an address another takes):
 * the new listener takes it over instead of binding again. */
static struct smtp_listener *leaving_at(struct smtp_engine *eng, const struct inbound *in,
					const char *addr)
{
	for (struct smtp_listener *x = eng->listeners; x; x = x->next)
		if (x->adopt < 0 && strcmp(x->addr, addr) == 0 && !wanted(eng, in, x))
			return x;
	return NULL;
}

static void close_list(struct smtp_listener *x)
{
	while (x) {
		struct smtp_listener *next = x->next;
		close_listener(x);
		x = next;
	}
}

/* The listener's connection limit (listenerconfig EDIT LIMITS), at most
 * the daemon's --smtp-max-sessions. */
static void set_limits(struct smtp_engine *eng, struct smtp_listener *x,
		       const struct inbound_listener *il)
{
	const struct daemon_options *opt = eng->env->opt;
	unsigned max = opt->smtp_max_sessions;

	if (il && il->l.max_connections > 0 && (unsigned)il->l.max_connections < max)
		max = (unsigned)il->l.max_connections;
	x->guard.max = max;
}

static const struct inbound_listener *model_of(const struct inbound *in, const char *name)
{
	for (size_t i = 0; in && i < in->count; i++)
		if (strcmp(in->l[i].l.name, name) == 0)
			return &in->l[i];
	return NULL;
}

/* Two steps, so a listener that cannot listen (its address taken by
 * another process) changes nothing: first every new socket is bound (or
 * an old one on the same address taken over), and only when all of them
 * are ready are the old ones renamed, closed and the new ones added. */
int smtp_engine_sync(struct smtp_engine *eng, const struct inbound *in, struct err *e)
{
	struct smtp_listener *added = NULL, **pp;
	struct err why;

	for (struct smtp_listener *x = eng->listeners; x; x = x->next)
		x->adopt = -1;
	for (size_t i = 0; in && i < in->count; i++) {
		const struct listener *l = &in->l[i].l;
		struct smtp_listener *x;
		if (find_open(eng, l->name, address_of(eng, l)))
			continue;
		if ((x = leaving_at(eng, in, address_of(eng, l)))) {
			x->adopt = (int)i;
			continue;
		}
		if (!(x = open_listener(eng, l, &why))) {
			close_list(added);
			for (struct smtp_listener *y = eng->listeners; y; y = y->next)
				y->adopt = -1;
			return err_set(e, "Listener %s: %s", l->name, why.msg);
		}
		x->adopt = -1;
		x->next = added;
		added = x;
	}
	/* Everything is ready: nothing below can fail. */
	for (pp = &eng->listeners; *pp;) {
		struct smtp_listener *x = *pp;
		if (x->adopt >= 0) {
			const char *name = in->l[x->adopt].l.name;
			mail_log_info(eng->env->log, "Listener %s on %s is now listener %s",
				      x->name, x->addr, name);
			snprintf(x->name, sizeof(x->name), "%s", name);
			snprintf(x->guard_name, sizeof(x->guard_name), "SMTP %s", name);
			x->adopt = -1;
		} else if (!in || !wanted(eng, in, x)) {
			*pp = x->next;
			close_listener(x);
			continue;
		}
		pp = &x->next;
	}
	while (added) {
		struct smtp_listener *next = added->next;
		mail_log_info(eng->env->log, "Listener %s on %s opened", added->name, added->addr);
		added->next = eng->listeners;
		eng->listeners = added;
		added = next;
	}
	for (struct smtp_listener *x = eng->listeners; x; x = x->next)
		set_limits(eng, x, model_of(in, x->name));
	return 0;
}

void smtp_engine_close_all(struct smtp_engine *eng)
{
	while (eng->listeners) {
		struct smtp_listener *x = eng->listeners;
		eng->listeners = x->next;
		close_listener(x);
	}
}

/* ---- admission ---- */

static void ip_of(const struct sockaddr_storage *sa, unsigned char ip[16])
{
	memset(ip, 0, 16);
	if (sa->ss_family == AF_INET) {
		ip[10] = ip[11] = 0xff;
		memcpy(ip + 12, &((const struct sockaddr_in *)(const void *)sa)->sin_addr, 4);
	} else if (sa->ss_family == AF_INET6) {
		memcpy(ip, &((const struct sockaddr_in6 *)(const void *)sa)->sin6_addr, 16);
	}
}

static const char *const behavior_words[HAT_BEHAVIOR_COUNT] = {
	[HAT_ACCEPT] = "ACCEPT",
	[HAT_REJECT] = "REJECT",
	[HAT_TCPREFUSE] = "TCPREFUSE",
	[HAT_RELAY] = "RELAY",
};

/* Sessions of this listener from the same address, itself excluded. */
static unsigned same_host(const struct smtp_session *s)
{
	unsigned n = 0;

	for (const struct smtp_session *x = s->eng->sessions; x; x = x->next)
		n += x != s && x->lst == s->lst && x->admitted &&
		     strcmp(x->peer.remote, s->peer.remote) == 0;
	return n;
}

void smtp_admit(struct smtp_session *s, const char *host, bool verified)
{
	struct mail_log *log = s->eng->env->log;
	const struct inbound_listener *il = s->il;
	const char *pattern = NULL;
	unsigned char ip[16];
	struct smtp_policy pol = { 0 };
	struct smtp_limits lim;
	struct strbuf reply;
	enum hat_behavior b;
	int g, policy;

	mail_log_info(log,
		      "New SMTP ICID %lu interface %s (%s) address %s reverse dns host %s "
		      "verified %s",
		      s->icid, il->l.name, s->peer.local, s->peer.remote,
		      host && *host ? host : "unknown", verified ? "yes" : "no");
	ip_of(&s->sa, ip);
	g = hat_lookup(&il->hat, &il->hm, ip, verified ? host : NULL, &pattern);
	policy = g >= 0 ? il->hat.groups[g].policy : il->hat.all_policy;
	b = il->hat.policies[policy].behavior;
	hat_effective(&il->hat, policy, &s->params);
	/* The TLS usage record: this listener, this policy's TLS level, the
	 * verified host name if any (the HELO name replaces a missing one). */
	usage_peer_set(&s->watch.peer, SVC_INBOUND,
		       hat_tls_required(s->params.tls)  ? USAGE_MODE_REQUIRED
		       : hat_tls_offered(s->params.tls) ? USAGE_MODE_PREFERRED
							: USAGE_MODE_NONE,
		       il->l.name, s->peer.remote, verified && host ? host : NULL);
	if (g >= 0)
		mail_log_info(log, "ICID %lu %s SG %s match %s SBRS None", s->icid,
			      behavior_words[b], il->hat.groups[g].name, pattern);
	else
		mail_log_info(log, "ICID %lu %s SG None match SBRS None", s->icid,
			      behavior_words[b]);
	if (b == HAT_TCPREFUSE) {
		smtp_session_free(s);
		return;
	}
	strbuf_init(&reply);
	if (b == HAT_REJECT) {
		smtp_proto_rejected(&s->proto, &reply);
		smtp_session_start(s, &reply, true);
		strbuf_free(&reply);
		return;
	}
	if (same_host(s) >= (unsigned)s->params.max_concurrency) {
		mail_log_info(log, "ICID %lu refused: %d connections from %s at once (policy %s)",
			      s->icid, s->params.max_concurrency, s->peer.remote,
			      il->hat.policies[policy].name);
		smtp_proto_busy(&s->proto, &reply);
		smtp_session_start(s, &reply, true);
		strbuf_free(&reply);
		return;
	}
	lim = s->proto.limits;
	if ((size_t)s->params.max_message_size < lim.max_message_size)
		lim.max_message_size = (size_t)s->params.max_message_size;
	if (il->l.max_message_size > 0 && (size_t)il->l.max_message_size < lim.max_message_size)
		lim.max_message_size = (size_t)il->l.max_message_size; /* LIMITS */
	lim.max_recipients = (size_t)s->params.max_rcpts_per_msg;
	smtp_proto_init(&s->proto, s->proto.hostname, &lim);
	pol.tls_offered = hat_tls_offered(s->params.tls);
	pol.tls_required = hat_tls_required(s->params.tls);
	pol.relay = b == HAT_RELAY;
	pol.rat = &il->rat;
	pol.rat_match = &il->rm;
	pol.max_messages = (unsigned)s->params.max_msgs_per_session;
	smtp_proto_set_policy(&s->proto, &pol);
	s->admitted = true;
	smtp_proto_greeting(&s->proto, &reply);
	smtp_session_start(s, &reply, false);
	strbuf_free(&reply);
}

static void on_rdns(void *arg, const char *host, bool verified)
{
	struct smtp_session *s = arg;

	s->rdns = NULL;
	event_del(s->rdns_timer);
	smtp_admit(s, host, verified);
}

static void on_rdns_timeout(evutil_socket_t fd, short what, void *arg)
{
	struct smtp_session *s = arg;

	(void)fd;
	(void)what;
	rdns_cancel(s->rdns);
	s->rdns = NULL;
	smtp_admit(s, NULL, false);
}

void smtp_on_accept(struct evconnlistener *l, evutil_socket_t fd, struct sockaddr *sa, int salen,
		    void *arg)
{
	struct smtp_listener *lst = arg;
	struct smtp_engine *eng = lst->eng;
	const struct engine_env *env = eng->env;
	struct smtp_session *s;
	struct timeval tv = { RDNS_TIMEOUT_S, 0 };

	(void)l;
	/* --smtp-max-sessions bounds the sessions of all listeners together (the
	 * descriptor budget); while this listener holds them all, its guard may
	 * evict an idle one instead. */
	if (eng->count >= env->opt->smtp_max_sessions && lst->guard.count < eng->count) {
		smtp_say_busy(eng, fd);
		close(fd);
		return;
	}
	/* listenerconfig SETUP: all listeners together; nobody is evicted. */
	if (*env->inbound && (*env->inbound)->setup.max_connections > 0 &&
	    eng->count >= (unsigned)(*env->inbound)->setup.max_connections) {
		mail_log_info(env->log,
			      "SMTP connection on %s refused: %u connections to all listeners at "
			      "once (listenerconfig SETUP)",
			      lst->name, eng->count);
		smtp_say_busy(eng, fd);
		close(fd);
		return;
	}
	if (!(s = smtp_session_new(eng, lst, fd))) {
		smtp_say_busy(eng, fd);
		close(fd);
		return;
	}
	net_nodelay(fd);
	net_describe(fd, &s->peer);
	if ((size_t)salen > sizeof(s->sa))
		salen = sizeof(s->sa);
	memcpy(&s->sa, sa, (size_t)salen);
	s->salen = (socklen_t)salen;
	if (conn_guard_admit(&lst->guard, &s->guard, fd, sa) < 0) {
		smtp_say_busy(eng, fd);
		smtp_session_free(s);
		return;
	}
	s->in = inbound_ref(*env->inbound);
	if (!(s->il = model_of(s->in, lst->name))) {
		smtp_session_free(s); /* removed by an apply not yet synced: cannot happen */
		return;
	}
	if (!s->il->names) {
		smtp_admit(s, NULL, false);
		return;
	}
	if (env->opt->handshake_timeout < RDNS_TIMEOUT_S)
		tv.tv_sec = env->opt->handshake_timeout;
	s->rdns_timer = evtimer_new(env->base, on_rdns_timeout, s);
	if (!s->rdns_timer) {
		smtp_session_free(s);
		return;
	}
	evtimer_add(s->rdns_timer, &tv);
	s->rdns = rdns_lookup(eng->resolver, sa, (socklen_t)salen, on_rdns, s);
}
