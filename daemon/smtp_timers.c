/* smtp_timers: how long an inbound session may take — the read and write
 * timeouts (the short greeting timeout until the client has said EHLO or
 * HELO, again after STARTTLS; RFC 5321's after) and listenerconfig SETUP's
 * maximum connection time, both read from the policy model the session was
 * admitted under. */
#include <event2/bufferevent.h>
#include <event2/event.h>

#include "engine.h"
#include "options.h"
#include "smtp_internal.h"

void smtp_set_timeouts(struct smtp_session *s)
{
	const struct daemon_options *o = s->eng->env->opt;
	int greet = o->handshake_timeout < o->smtp_timeout ? o->handshake_timeout : o->smtp_timeout;
	int setup = s->in ? s->in->setup.handshake_timeout : 0; /* listenerconfig SETUP */
	struct timeval tv;

	if (setup > 0 && setup < greet)
		greet = setup;
	tv = (struct timeval){ s->proto.state == SMTP_STATE_START ? greet : o->smtp_timeout, 0 };
	bufferevent_set_timeouts(s->bev, &tv, &tv);
}

/* The time is up: a 421 if the client can still be spoken to (not in the
 * middle of a TLS handshake), and the session ends, however busy. */
static void on_time_up(evutil_socket_t fd, short what, void *arg)
{
	struct smtp_session *s = arg;

	(void)fd;
	(void)what;
	mail_log_info(s->eng->env->log, "ICID %lu connection time limit reached (%d seconds)",
		      s->icid, s->in->setup.max_connection_time);
	if (s->phase != PHASE_OPEN || (s->ssl && !s->watch.done))
		smtp_session_free(s);
	else
		smtp_session_time_out(s);
}

void smtp_start_life_timer(struct smtp_session *s)
{
	struct timeval tv;

	if (!s->in || s->in->setup.max_connection_time <= 0)
		return;
	tv = (struct timeval){ s->in->setup.max_connection_time, 0 };
	s->life_timer = evtimer_new(s->eng->env->base, on_time_up, s);
	if (s->life_timer)
		evtimer_add(s->life_timer, &tv);
}
