/* smtp_shared: what the inbound SMTP engines of all workers share. Each
 * worker runs its own engine (its sockets, sessions, resolver), but every
 * cap counts the sessions of all of them: --smtp-max-sessions, listenerconfig
 * SETUP's maximum over all listeners, a listener's LIMITS, the per-address
 * cap and the mail flow policy's concurrency per host. So sessions join one
 * list here when they are admitted, under one lock; the ICIDs are one
 * series, and the spool is one. With --workers 1 there is one engine and
 * the same code counts its sessions alone. */
#ifndef TLSGATE_SMTP_SHARED_H
#define TLSGATE_SMTP_SHARED_H

#include <stdbool.h>

struct smtp_session;
struct smtp_shared;
struct spool;

/* What an arriving session sees of the others (smtp_shared_count); a
 * session another worker was asked to evict is not counted. */
struct smtp_counts {
	unsigned total;              /* sessions counted, of every listener and engine */
	unsigned listener;           /* of them, on this session's listener (by name) */
	unsigned listener_elsewhere; /* of those, held by another engine */
	unsigned addr_elsewhere;     /* of those, from this session's address */
	unsigned host_admitted;      /* admitted on this listener from this address */
};

struct smtp_shared *smtp_shared_new(struct spool *spool);
/* After the last engine is gone; frees the spool too. */
void smtp_shared_free(struct smtp_shared *sh);
struct spool *smtp_shared_spool(struct smtp_shared *sh);
/* The next ICID of the one series. */
unsigned long smtp_shared_icid(struct smtp_shared *sh);

/* The lock is recursive: an admission evicts idle sessions of its own
 * engine while it holds it, and each of them leaves the list. */
void smtp_shared_lock(struct smtp_shared *sh);
void smtp_shared_unlock(struct smtp_shared *sh);
/* Under the lock: the counts seen by `s` (not counted itself). */
void smtp_shared_count(struct smtp_shared *sh, const struct smtp_session *s, struct smtp_counts *n);
/* Under the lock: `s` joins the list (held by its listener's guard). */
void smtp_shared_join(struct smtp_shared *sh, struct smtp_session *s);
/* Under the lock: asks the engine of the oldest, idlest session of s's
 * listener on another worker (from s's address with `same_addr`) to evict
 * it; from now on it does not count. GUARD_ELSEWHERE[_SAME_ADDR], or 0 if
 * there is none. */
unsigned smtp_shared_evict_elsewhere(struct smtp_shared *sh, struct smtp_session *s,
				     bool same_addr);
/* Under the lock: `s`, asked to go, began a transaction meanwhile: it stays
 * and counts again. */
void smtp_shared_unask(struct smtp_shared *sh, struct smtp_session *s);
/* Takes the lock: `s` no longer counts. Fine if it never did. */
void smtp_shared_leave(struct smtp_shared *sh, struct smtp_session *s);

#endif
