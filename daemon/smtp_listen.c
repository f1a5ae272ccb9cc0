/* smtp_listen: the inbound listeners' sockets, opened and closed as commits
 * add and remove listeners, on every worker's engine at once (the
 * admission of each connection: smtp_admit.c). */
#include <event2/event.h>
#include <event2/listener.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "engine.h"
#include "options.h"
#include "smtp_engine.h"
#include "smtp_internal.h"

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
	lst->guard.evict_elsewhere = smtp_evict_elsewhere;
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

const struct inbound_listener *smtp_model_of(const struct inbound *in, const char *name)
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
		set_limits(eng, x, smtp_model_of(in, x->name));
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
