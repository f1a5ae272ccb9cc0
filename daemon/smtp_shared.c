/* smtp_shared: the sessions of every worker's SMTP engine, counted together
 * (smtp_shared.h). */
#include "smtp_shared.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "smtp_internal.h"
#include "spool.h"

struct smtp_shared {
	pthread_mutex_t lock;
	struct smtp_session *head; /* joined sessions, through snext/sprev */
	unsigned count;            /* joined sessions */
	unsigned asked;            /* of them, asked to go (evict_asked) */
	unsigned long next_icid;
	struct spool *spool;
};

struct smtp_shared *smtp_shared_new(struct spool *spool)
{
	struct smtp_shared *sh = calloc(1, sizeof(*sh));
	pthread_mutexattr_t attr;

	if (!sh)
		return NULL;
	pthread_mutexattr_init(&attr);
	pthread_mutexattr_settype(&attr, PTHREAD_MUTEX_RECURSIVE);
	pthread_mutex_init(&sh->lock, &attr);
	pthread_mutexattr_destroy(&attr);
	sh->spool = spool;
	return sh;
}

void smtp_shared_free(struct smtp_shared *sh)
{
	if (!sh)
		return;
	spool_close(sh->spool);
	pthread_mutex_destroy(&sh->lock);
	free(sh);
}

struct spool *smtp_shared_spool(struct smtp_shared *sh)
{
	return sh->spool;
}

unsigned long smtp_shared_icid(struct smtp_shared *sh)
{
	return __atomic_add_fetch(&sh->next_icid, 1, __ATOMIC_RELAXED);
}

void smtp_shared_lock(struct smtp_shared *sh)
{
	pthread_mutex_lock(&sh->lock);
}

void smtp_shared_unlock(struct smtp_shared *sh)
{
	pthread_mutex_unlock(&sh->lock);
}

/* A listener is the same on every engine by its name (a commit renames it
 * on all of them while they are paused). */
void smtp_shared_count(struct smtp_shared *sh, const struct smtp_session *s, struct smtp_counts *n)
{
	memset(n, 0, sizeof(*n));
	n->total = sh->count - sh->asked - (s->joined ? 1 : 0);
	for (const struct smtp_session *x = sh->head; x; x = x->snext) {
		bool same_addr;
		if (x == s || x->evict_asked || strcmp(x->lst->name, s->lst->name) != 0)
			continue;
		same_addr = strcmp(x->peer.remote, s->peer.remote) == 0;
		n->listener++;
		if (x->eng != s->eng) {
			n->listener_elsewhere++;
			n->addr_elsewhere += same_addr;
		}
		n->host_admitted += x->admitted && same_addr;
	}
}

void smtp_shared_join(struct smtp_shared *sh, struct smtp_session *s)
{
	s->joined = true;
	sh->count++;
	s->sprev = NULL;
	s->snext = sh->head;
	if (sh->head)
		sh->head->sprev = s;
	sh->head = s;
}

unsigned smtp_shared_evict_elsewhere(struct smtp_shared *sh, struct smtp_session *s, bool same_addr)
{
	struct smtp_session *best = NULL;
	enum guard_idle best_idle = GUARD_BUSY;

	/* Newest first: the last of the idlest is the oldest. */
	for (struct smtp_session *x = sh->head; x; x = x->snext) {
		enum guard_idle idle;
		if (x == s || x->eng == s->eng || x->evict_asked ||
		    strcmp(x->lst->name, s->lst->name) != 0 ||
		    (same_addr && strcmp(x->peer.remote, s->peer.remote) != 0))
			continue;
		idle = __atomic_load_n(&x->guard.idle, __ATOMIC_RELAXED);
		if (idle != GUARD_BUSY && (!best || idle >= best_idle)) {
			best = x;
			best_idle = idle;
		}
	}
	if (!best)
		return 0;
	best->evict_asked = true;
	sh->asked++;
	smtp_engine_ask_evict(best->eng);
	return GUARD_ELSEWHERE |
	       (strcmp(best->peer.remote, s->peer.remote) == 0 ? GUARD_ELSEWHERE_SAME_ADDR : 0);
}

void smtp_shared_unask(struct smtp_shared *sh, struct smtp_session *s)
{
	if (s->evict_asked) {
		s->evict_asked = false;
		sh->asked--;
	}
}

void smtp_shared_leave(struct smtp_shared *sh, struct smtp_session *s)
{
	if (!s->joined)
		return; /* never counted: nobody else saw it */
	pthread_mutex_lock(&sh->lock);
	if (s->sprev)
		s->sprev->snext = s->snext;
	else
		sh->head = s->snext;
	if (s->snext)
		s->snext->sprev = s->sprev;
	s->joined = false;
	smtp_shared_unask(sh, s);
	sh->count--;
	pthread_mutex_unlock(&sh->lock);
}
