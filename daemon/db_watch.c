/* db_watch: apply what was committed, whoever committed it. */
#include "db_watch.h"

#include <event2/event.h>
#include <stdlib.h>

#include "daemon.h"

struct db_watch {
	struct daemon *d;
	struct event *ev;
	long data_version;
};

static void on_tick(evutil_socket_t fd, short what, void *arg)
{
	struct db_watch *w = arg;
	struct err e;
	long dv, latest;

	(void)fd;
	(void)what;
	if (db_data_version(w->d->db, &dv, &e) < 0 || dv == w->data_version)
		return;
	w->data_version = dv;
	if (db_latest_version(w->d->db, &latest, &e) < 0)
		return;
	/* Also when the version is unchanged: a confirmation or a new pending
	 * "commit confirmed" moves the revert timer. */
	daemon_apply(w->d, latest, &e);
}

int db_watch_start(struct daemon *d, int interval_ms, struct db_watch **out, struct err *e)
{
	struct db_watch *w = calloc(1, sizeof(*w));
	struct timeval tv = { interval_ms / 1000, (interval_ms % 1000) * 1000 };
	struct err ignored;

	if (!w)
		return err_set(e, "Out of memory.");
	w->d = d;
	if (db_data_version(d->db, &w->data_version, &ignored) < 0)
		w->data_version = -1;
	w->ev = event_new(d->base, -1, EV_PERSIST, on_tick, w);
	if (!w->ev || event_add(w->ev, &tv) < 0) {
		db_watch_free(w);
		return err_set(e, "Cannot start watching the configuration database.");
	}
	*out = w;
	return 0;
}

void db_watch_free(struct db_watch *w)
{
	if (!w)
		return;
	if (w->ev)
		event_free(w->ev);
	free(w);
}
