/* smtp_admit: the admission of each inbound connection: the caps over
 * every worker's sessions (smtp_shared.h), then its sender group and mail
 * flow policy (the listener's host access table, after verified reverse
 * DNS when a pattern needs a host name), logged as AsyncOS does
 * ("ICID 7 RELAY SG RELAYLIST match 127.0.0.1 SBRS None"). */
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
#include "resolver.h"
#include "smtp_engine.h"
#include "smtp_internal.h"
#include "usage.h"

#define RDNS_TIMEOUT_S 5 /* then the client is "reverse dns host unknown" */

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
		s->admitted = true; /* under the lock: others count it */
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
	char hostname[sizeof(s->proto.hostname)];

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
	/* Init clears the struct the name is in: copy it out first. */
	snprintf(hostname, sizeof(hostname), "%s", s->proto.hostname);
	smtp_proto_init(&s->proto, hostname, &lim);
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

unsigned smtp_evict_elsewhere(struct conn_guard *g, const struct guard_conn *c, bool same_addr)
{
	struct smtp_session *s = smtp_session_of(c);

	(void)g;
	return smtp_shared_evict_elsewhere(s->eng->shared, s, same_addr);
}

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

/* The engine's resolver thread, started when a host access table first
 * needs a client's name: most have no name patterns, and a worker's
 * engine then holds no thread and no pipe for nothing. NULL if it cannot
 * start: the client is admitted as "reverse dns host unknown". */
static struct resolver *resolver_of(struct smtp_engine *eng)
{
	struct err why;

	if (!eng->resolver && resolver_start(eng->env->base, &eng->resolver, &why) < 0) {
		if (!eng->resolver_failed)
			mail_log_warning(eng->env->log,
					 "Reverse DNS for SMTP clients is unavailable: %s",
					 why.msg);
		eng->resolver_failed = true;
		return NULL;
	}
	eng->resolver_failed = false;
	return eng->resolver;
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
	if (!(s->il = smtp_model_of(s->in, lst->name))) {
		smtp_session_free(s); /* removed by an apply not yet synced: cannot happen */
		return;
	}
	if (!s->il->names || !resolver_of(eng)) {
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
