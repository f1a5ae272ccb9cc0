/* smtp_listen: the inbound listeners' sockets, opened and closed as commits
 * add and remove listeners, and the admission of each connection: its
 * sender group and mail flow policy (the listener's host access table,
 * after verified reverse DNS when a pattern needs a host name), logged as
 * AsyncOS does ("ICID 7 RELAY SG RELAYLIST match 127.0.0.1 SBRS None"). */
#include <event2/bufferevent.h>
#include <event2/event.h>
#include <event2/listener.h>
#include <errno.h>
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
		if (lst->eng->first)
			mail_log_info(lst->eng->env->log, "Listener %s on %s closed", lst->name,
				      lst->addr);
		smtp_listener_release(lst);
	}
}

/* `beside`: the first engine's socket for it (SO_REUSEPORT), or NULL. */
static struct smtp_listener *open_listener(struct smtp_engine *eng, const struct listener *l,
					   const struct smtp_listener *beside, struct err *e)
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
	if ((beside ? net_listen_beside(evconnlistener_get_fd(beside->evl), lst->addr, &fd, e)
	     : env->opt->workers > 1 ? net_listen_shared(lst->addr, &fd, e)
				     : net_listen(lst->addr, &fd, e)) < 0) {
		listener_free(lst);
		return NULL;
	}
	lst->local_fixed = net_listen_local(fd, lst->local, sizeof(lst->local));
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

/* The first engine's socket for (name, addr): open, or opened by this sync. */
static const struct smtp_listener *first_at(const struct smtp_engine *first, const char *name,
					    const char *addr)
{
	const struct smtp_listener *lists[2] = { first->listeners, first->added };

	for (int k = 0; k < 2; k++)
		for (const struct smtp_listener *x = lists[k]; x; x = x->next)
			if (x->evl && strcmp(x->name, name) == 0 && strcmp(x->addr, addr) == 0)
				return x;
	return NULL;
}

/* Undoes prepare(): the new sockets close, nothing else changed. */
static void cancel(struct smtp_engine *eng)
{
	close_list(eng->added);
	eng->added = NULL;
	for (struct smtp_listener *y = eng->listeners; y; y = y->next)
		y->adopt = -1;
}

/* Step one: every new socket bound (beside the first engine's, when
 * `first` is given), or an old one on the same address taken over. */
static int prepare(struct smtp_engine *eng, const struct inbound *in,
		   const struct smtp_engine *first, struct err *e)
{
	struct err why;

	eng->added = NULL;
	for (struct smtp_listener *x = eng->listeners; x; x = x->next)
		x->adopt = -1;
	for (size_t i = 0; in && i < in->count; i++) {
		const struct listener *l = &in->l[i].l;
		const struct smtp_listener *beside = NULL;
		struct smtp_listener *x;
		if (find_open(eng, l->name, address_of(eng, l)))
			continue;
		if ((x = leaving_at(eng, in, address_of(eng, l)))) {
			x->adopt = (int)i;
			continue;
		}
		if (first && !(beside = first_at(first, l->name, address_of(eng, l)))) {
			cancel(eng);
			return err_set(e, "Listener %s: the first worker has no socket for it.",
				       l->name);
		}
		if (!(x = open_listener(eng, l, beside, &why))) {
			cancel(eng);
			return err_set(e, "Listener %s: %s", l->name, why.msg);
		}
		x->adopt = -1;
		x->next = eng->added;
		eng->added = x;
	}
	return 0;
}

/* Step two, which cannot fail: renames, closes, and the new ones join. */
static void finish(struct smtp_engine *eng, const struct inbound *in)
{
	struct smtp_listener **pp;

	for (pp = &eng->listeners; *pp;) {
		struct smtp_listener *x = *pp;
		if (x->adopt >= 0) {
			const char *name = in->l[x->adopt].l.name;
			if (eng->first)
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
	while (eng->added) {
		struct smtp_listener *x = eng->added;
		eng->added = x->next;
		if (eng->first)
			mail_log_info(eng->env->log, "Listener %s on %s opened", x->name, x->addr);
		x->next = eng->listeners;
		eng->listeners = x;
	}
	for (struct smtp_listener *x = eng->listeners; x; x = x->next)
		set_limits(eng, x, model_of(in, x->name));
}

int smtp_engine_check_sockets(const struct smtp_engine *first, unsigned engines, bool added,
			      struct err *e)
{
	for (const struct smtp_listener *x = added ? first->added : first->listeners; x;
	     x = x->next)
		if (engines > 1 && net_listeners_at(evconnlistener_get_fd(x->evl)) > (int)engines)
			return err_set(e,
				       "Listener %s: cannot listen on %s: %s (another process "
				       "bound it at the same moment)",
				       x->name, x->addr, strerror(EADDRINUSE));
	return 0;
}

/* Two steps over every engine, so a listener that cannot listen (its
 * address taken by another process) changes nothing anywhere: first every
 * new socket of every engine is bound, and only when all are ready are
 * the old ones renamed, closed and the new ones added. */
int smtp_engines_sync(struct smtp_engine *const *engs, size_t n, const struct inbound *in,
		      struct err *e)
{
	for (size_t k = 0; k < n; k++)
		if (prepare(engs[k], in, k ? engs[0] : NULL, e) < 0 ||
		    (k + 1 == n && smtp_engine_check_sockets(engs[0], (unsigned)n, true, e) < 0)) {
			for (size_t j = 0; j <= k; j++)
				cancel(engs[j]);
			return -1;
		}
	for (size_t k = 0; k < n; k++)
		finish(engs[k], in);
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

/* The mail flow policy's concurrency per host, over every worker: true
 * and `s` admitted, or false with as many sessions from its address
 * admitted on its listener as the policy allows. */
static bool join_host(struct smtp_session *s)
{
	struct smtp_shared *sh = s->eng->shared;
	struct smtp_counts n;
	bool ok;

	smtp_shared_lock(sh);
	smtp_shared_count(sh, s, &n);
	ok = n.host_admitted < (unsigned)s->params.max_concurrency;
	if (ok)
		smtp_shared_admitted(sh, s);
	smtp_shared_unlock(sh);
	return ok;
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
	if (!join_host(s)) {
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

enum verdict {
	COUNTED,
	OVER_TOTAL, /* refused before it was a session: no ICID in the log */
	OVER_GUARD, /* refused by its listener's guard (logged by the guard) */
};

/* The caps over every worker's sessions, decided under the shared lock so
 * that two workers cannot both take the last place. */
static enum verdict counted(struct smtp_session *s, int fd, const struct sockaddr *sa)
{
	struct smtp_engine *eng = s->eng;
	struct smtp_listener *lst = s->lst;
	const struct engine_env *env = eng->env;
	const struct inbound *in = *env->inbound;
	struct smtp_shared *sh = eng->shared;
	struct smtp_counts n;
	enum verdict v = OVER_TOTAL;

	smtp_shared_lock(sh);
	smtp_shared_count(sh, s, &n);
	/* --smtp-max-sessions bounds the sessions of all listeners together
	 * (the descriptor budget); while this listener holds them all, its
	 * guard may evict an idle one instead. */
	if (n.total >= env->opt->smtp_max_sessions && n.listener < n.total) {
	} else if (in && in->setup.max_connections > 0 &&
		   n.total >= (unsigned)in->setup.max_connections) {
		/* listenerconfig SETUP: all listeners together; nobody is evicted. */
		mail_log_info(env->log,
			      "SMTP connection on %s refused: %u connections to all listeners at "
			      "once (listenerconfig SETUP)",
			      lst->name, n.total);
	} else {
		/* The guard evicts only this engine's sessions; the others' count. */
		lst->guard.others = n.listener_elsewhere;
		lst->guard.others_addr = n.addr_elsewhere;
		v = OVER_GUARD;
		if (conn_guard_admit(&lst->guard, &s->guard, fd, sa) == 0) {
			smtp_shared_join(sh, s);
			v = COUNTED;
		}
	}
	smtp_shared_unlock(sh);
	return v;
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
	if (!(s = smtp_session_new(eng, lst, fd))) {
		smtp_say_busy(eng, fd);
		close(fd);
		return;
	}
	net_nodelay(fd);
	net_describe_accepted(fd, sa, lst->local_fixed ? lst->local : NULL, &s->peer);
	if ((size_t)salen > sizeof(s->sa))
		salen = sizeof(s->sa);
	memcpy(&s->sa, sa, (size_t)salen);
	s->salen = (socklen_t)salen;
	switch (counted(s, fd, sa)) {
	case COUNTED: break;
	case OVER_TOTAL:
		s->unseen = true;
		/* fall through */
	case OVER_GUARD:
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
