/* revert: one libevent timer on the deadline of the pending "commit
 * confirmed"; db_confirm.c owns the state, this only watches the clock. */
#include "revert.h"

#include <event2/event.h>
#include <stdlib.h>
#include <time.h>

#include "../os/audit.h"
#include "daemon.h"

#define RETRY_SECONDS 5 /* after a database error */

struct revert_timer {
	struct daemon *d;
	struct event *ev;
};

static void arm_in(struct revert_timer *t, time_t seconds)
{
	struct timeval tv = { seconds > 0 ? seconds : 0, 0 };

	evtimer_add(t->ev, &tv);
}

static void revert_now(struct revert_timer *t)
{
	struct daemon *d = t->d;
	struct config before = d->config;
	struct pending_confirm p;
	struct commit_info info;
	struct err e;
	long version;

	if (db_revert_unconfirmed(d->db, time(NULL), &version, &p, &e) < 0) {
		mail_log_warning(d->log, "Cannot revert unconfirmed version: %s", e.msg);
		arm_in(t, RETRY_SECONDS);
		return;
	}
	if (version == 0)
		return;
	mail_log_info(d->log,
		      "Configuration version %ld was not confirmed: version %ld restored "
		      "as version %ld",
		      p.version, p.previous, version);
	if (daemon_apply(d, version, &e) == 0 && db_version_info(d->db, version, &info, &e) == 0) {
		struct strbuf entries;
		strbuf_init(&entries);
		audit_entries_between(d->db, p.version, version, &entries);
		audit_commit(d->opt.home, "system", "revert", version, info.comment, &before,
			     &d->config, entries.data);
		strbuf_free(&entries);
	}
}

static void on_deadline(evutil_socket_t fd, short what, void *arg)
{
	struct revert_timer *t = arg;

	(void)fd;
	(void)what;
	revert_now(t);
	revert_timer_rearm(t);
}

void revert_timer_rearm(struct revert_timer *t)
{
	struct pending_confirm p;
	struct err e;
	int found;

	if (!t)
		return;
	evtimer_del(t->ev);
	if (db_pending_confirm(t->d->db, &p, &found, &e) < 0) {
		mail_log_warning(t->d->log, "Cannot read pending confirmations: %s", e.msg);
		arm_in(t, RETRY_SECONDS);
	} else if (found) {
		arm_in(t, p.deadline - time(NULL));
	}
}

int revert_timer_start(struct daemon *d, struct revert_timer **out, struct err *e)
{
	struct revert_timer *t = calloc(1, sizeof(*t));

	if (!t)
		return err_set(e, "Out of memory.");
	t->d = d;
	t->ev = evtimer_new(d->base, on_deadline, t);
	if (!t->ev) {
		free(t);
		return err_set(e, "Cannot create the revert timer.");
	}
	*out = t;
	revert_timer_rearm(t);
	return 0;
}

void revert_timer_free(struct revert_timer *t)
{
	if (!t)
		return;
	event_free(t->ev);
	free(t);
}
