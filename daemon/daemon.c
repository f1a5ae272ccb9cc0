/* daemon: startup, shutdown, signals, and the all-or-nothing apply. */
#include "daemon.h"

#include <errno.h>
#include <event2/event.h>
#include <openssl/err.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>

#include "../core/pem_blob.h"
#include "../os/net.h"
#include "../tls/cert_profile.h"
#include "../tls/certs.h"
#include "control.h"
#include "cluster_watch.h"
#include "db_watch.h"
#include "delivery.h"
#include "../tls/outbound.h"
#include "../tls/inbound.h"
#include "../tls/prepare.h"
#include "https_engine.h"
#include "revert.h"
#include "sd_notify.h"
#include "smtp_engine.h"
#include "../tls/tls_ctx.h"
#include "usage.h"
#include "web.h"
#include "workers.h"

/* Runs on every ClientHello. A connection accepted before the last apply
 * still holds the previous context: move it to the current policy before
 * the version and cipher are chosen. Renegotiations keep theirs. */
static int on_client_hello(SSL *ssl, int *alert, void *arg)
{
	struct ctx_slot *slot = arg;

	if (SSL_get_SSL_CTX(ssl) == slot->current || SSL_get_current_cipher(ssl))
		return SSL_CLIENT_HELLO_SUCCESS;
	if (ctx_adopt(ssl, slot->current) == 0)
		return SSL_CLIENT_HELLO_SUCCESS;
	ERR_clear_error();
	*alert = SSL_AD_INTERNAL_ERROR;
	return SSL_CLIENT_HELLO_ERROR;
}

/* The same for a listener's context: a session that sent STARTTLS before
 * the last apply shakes hands with its listener's current context (the
 * methods, ciphers and certificate committed since). Its policy stays the
 * one it was admitted under. A removed listener keeps its context. */
static int on_listener_hello(SSL *ssl, int *alert, void *arg)
{
	struct daemon *d = arg;
	SSL_CTX *have = SSL_get_SSL_CTX(ssl);
	/* The listener's name, set by the SMTP engine, lives as long as the SSL. */
	const char *name = SSL_get_app_data(ssl);

	if (!name || !d->inbound || SSL_get_current_cipher(ssl))
		return SSL_CLIENT_HELLO_SUCCESS;
	for (size_t i = 0; i < d->inbound->count; i++) {
		SSL_CTX *now = d->inbound->l[i].ctx;
		if (strcmp(d->inbound->l[i].l.name, name) != 0 || now == have)
			continue;
		if (ctx_adopt(ssl, now) == 0)
			return SSL_CLIENT_HELLO_SUCCESS;
		ERR_clear_error();
		*alert = SSL_AD_INTERNAL_ERROR;
		return SSL_CLIENT_HELLO_ERROR;
	}
	return SSL_CLIENT_HELLO_SUCCESS;
}

/* Swap in every context of `p` (its references move to the slots). */
static void install(struct daemon *d, struct prepared *p)
{
	for (size_t i = 0; p->inbound && i < p->inbound->count; i++)
		SSL_CTX_set_client_hello_cb(p->inbound->l[i].ctx, on_listener_hello, d);
	for (int id = 0; id < SVC_COUNT; id++) {
		if (id != SVC_OUTBOUND)
			SSL_CTX_set_client_hello_cb(p->ctx[id], on_client_hello, &d->slot[id]);
		/* Open connections keep their reference; this drops only ours. */
		SSL_CTX_free(d->slot[id].current);
		d->slot[id].current = p->ctx[id];
		p->ctx[id] = NULL;
	}
	/* Deliveries in flight keep the configuration they started with. */
	outbound_unref(d->outbound);
	d->outbound = p->outbound;
	p->outbound = NULL;
	delivery_set_outbound(d->delivery, d->outbound);
	/* Open sessions hold the model they were admitted under. */
	inbound_unref(d->inbound);
	d->inbound = p->inbound;
	p->inbound = NULL;
	d->config = p->config;
	d->version = p->version;
	memcpy(d->fingerprint, p->fingerprint, sizeof(d->fingerprint));
}

/* What the daemon runs, as the `prev` of prepare_build_reusing. */
static void running(const struct daemon *d, struct prepared *prev)
{
	memset(prev, 0, sizeof(*prev));
	prev->version = d->version;
	prev->config = d->config;
	for (int id = 0; id < SVC_COUNT; id++)
		prev->ctx[id] = d->slot[id].current;
	memcpy(prev->fingerprint, d->fingerprint, sizeof(prev->fingerprint));
}

/* How late the daemon learns of a commit whose console could not notify it. */
#define DB_WATCH_INTERVAL_MS 200

#define EXPIRY_WARN_DAYS     30
#define EXPIRY_CHECK_SECONDS (24 * 60 * 60)

static void warn_one(struct daemon *d, SSL_CTX *ctx, const char *profile, const char *what)
{
	X509 *cert = ctx ? SSL_CTX_get0_certificate(ctx) : NULL;
	struct cert_info info;
	char days[32];

	if (!cert)
		return;
	cert_info_of(cert, &info);
	if (info.seconds_left >= (long long)EXPIRY_WARN_DAYS * 86400)
		return;
	pem_render_days(info.seconds_left, days, sizeof(days));
	if (info.seconds_left <= 0)
		mail_log_warning(d->log,
				 "Certificate profile \"%s\" of %s has expired (not after %s)",
				 profile, what, info.not_after);
	else
		mail_log_warning(d->log,
				 "Certificate profile \"%s\" of %s expires in %s (not after %s)",
				 profile, what, days, info.not_after);
}

/* One warning line per service, and per listener with a certificate of its
 * own, whose certificate has under 30 days left: at each apply (and so at
 * startup) and once a day. */
static void warn_expiring(struct daemon *d)
{
	char what[LISTENER_NAME_MAX + 16];

	for (int id = 0; id < SVC_COUNT; id++)
		warn_one(d, d->slot[id].current, d->config.svc[id].certificate,
			 service_names(id)->title);
	for (size_t i = 0; d->inbound && i < d->inbound->count; i++) {
		const struct inbound_listener *x = &d->inbound->l[i];
		if (strcmp(x->certificate, d->config.svc[SVC_INBOUND].certificate) == 0)
			continue;
		snprintf(what, sizeof(what), "listener %s", x->l.name);
		warn_one(d, x->ctx, x->certificate, what);
	}
}

static void on_expiry_timer(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	warn_expiring(arg);
}

/* Every thread's SMTP engine at once, the main one first (workers paused). */
static int sync_listeners(struct daemon *d, const struct inbound *in, struct err *e)
{
	struct smtp_engine *engs[WORKERS_MAX];

	if (!d->smtp)
		return 0;
	engs[0] = d->smtp;
	return smtp_engines_sync(
		engs, 1 + workers_smtp_engines(d->workers, engs + 1, WORKERS_MAX - 1), in, e);
}

int daemon_apply(struct daemon *d, long version, struct err *e)
{
	struct plan_source src = { NULL, 0 };
	struct prepared p, prev;
	long latest;

	if (db_latest_version(d->db, &latest, e) < 0)
		goto fail;
	if (version < 1 || version > latest) {
		err_set(e, "There is no configuration version %ld.", version);
		goto fail;
	}
	/* The latest version is the truth; a version asked for late (two shells
	 * committing at once, or the database watch got there first) is already
	 * applied or superseded. */
	if (latest == d->version) {
		revert_timer_rearm(d->revert);
		return 0;
	}
	src.version = latest;
	running(d, &prev);
	if (prepare_build_reusing(d->db, &src, &prev, &p, e) < 0)
		goto fail;
	/* No worker runs while the sockets and contexts change: once this
	 * returns, every new connection on every thread gets the new ones. */
	workers_pause(d->workers);
	/* Sockets first: a listener that cannot listen fails the apply. */
	if (sync_listeners(d, p.inbound, e) < 0) {
		workers_resume(d->workers);
		prepare_free(&p);
		goto fail;
	}
	install(d, &p);
	workers_resume(d->workers);
	prepare_free(&p);
	mail_log_info(d->log, "Configuration version %ld applied", latest);
	mail_log_flush(d->log); /* an apply is rare: its line is there when it is acknowledged */
	warn_expiring(d);
	revert_timer_rearm(d->revert);
	return 0;
fail:
	mail_log_warning(d->log, "Configuration version %ld not applied: %s", version, e->msg);
	return -1;
}

static void on_signal(evutil_socket_t sig, short what, void *arg)
{
	struct daemon *d = arg;
	struct err e;

	(void)what;
	/* SIGHUP (systemctl reload, logrotate): reopen the log, then apply the
	 * latest committed configuration if it is not the one running. */
	if (sig == SIGHUP) {
		long latest;

		if (mail_log_reopen(d->log, &e) < 0)
			fprintf(stderr, "tlsgated: %s\n", e.msg);
		if (db_latest_version(d->db, &latest, &e) < 0 || daemon_apply(d, latest, &e) < 0)
			fprintf(stderr, "tlsgated: reload: %s\n", e.msg);
		return;
	}
	sd_notify_send("STOPPING=1");
	mail_log_info(d->log, "tlsgated stopping on signal %d", (int)sig);
	event_base_loopbreak(d->base);
}

static int add_signals(struct daemon *d, struct err *e)
{
	static const int sigs[] = { SIGTERM, SIGINT, SIGHUP };

	for (size_t i = 0; i < sizeof(sigs) / sizeof(sigs[0]); i++) {
		d->signals[i] = evsignal_new(d->base, sigs[i], on_signal, d);
		if (!d->signals[i] || evsignal_add(d->signals[i], NULL) < 0)
			return err_set(e, "Cannot watch signal %d.", sigs[i]);
	}
	return 0;
}

static int open_state(struct daemon *d, struct err *e)
{
	long latest;

	if (mail_log_open(d->opt.home, &d->log, e) < 0 || db_open(d->opt.home, &d->db, e) < 0)
		return -1;
	mail_log_info(d->log, "tlsgated starting: GUI HTTPS on %s, inbound SMTP on %s",
		      d->opt.https_addr, d->opt.smtp_addr);
	if (certs_ensure_demo(d->db, e) < 0 || db_latest_version(d->db, &latest, e) < 0)
		return -1;
	return daemon_apply(d, latest, e);
}

/* The cluster follower (daemon/cluster_watch.h): one per process. */
static struct cluster_watch *cluster_follower;

int daemon_init(struct daemon *d, const struct daemon_options *opt, struct err *e)
{
	memset(d, 0, sizeof(*d));
	d->opt = *opt;
	/* A peer that vanishes mid-write must cost an EPIPE, not the process. */
	signal(SIGPIPE, SIG_IGN);
	if (workers_init_threads(e) < 0 || open_state(d, e) < 0)
		return -1;
	d->base = event_base_new();
	/* Everything at the default priority (1); the workers' hand-over at 0. */
	if (!d->base || event_base_priority_init(d->base, 2) < 0 ||
	    mail_log_attach(d->log, d->base) < 0)
		return err_set(e, "Cannot create the event loop.");
	d->env = (struct engine_env){ d->base,    d->log,      &d->opt,     NULL, d->slot,
				      &d->config, &d->version, &d->inbound, NULL };
	if (usage_start(d, &d->usage, e) < 0)
		return -1;
	d->env.usage = d->usage;
	if (d->opt.workers < 1)
		d->opt.workers = 1;
	d->web = web_new(d);
	if (!d->web)
		return err_set(e, "Cannot create the WebUI.");
	if (https_engine_start(&d->env, d->web, -1, &d->https, e) < 0 ||
	    smtp_engine_start(&d->env, &d->smtp, e) < 0 ||
	    (d->opt.workers > 1 && workers_start(&d->env, d->web, https_engine_fd(d->https),
						 d->smtp, d->opt.workers, &d->workers, e) < 0) ||
	    revert_timer_start(d, &d->revert, e) < 0 ||
	    db_watch_start(d, DB_WATCH_INTERVAL_MS, &d->watch, e) < 0 || add_signals(d, e) < 0 ||
	    cluster_watch_start(d->opt.home, &cluster_follower, e) < 0)
		return -1;
	d->env.workers = d->workers;
	/* SO_REUSEPORT: a second tlsgated of the same user, started at the
	 * same moment, can pass the probe before these binds and join the
	 * address. Whichever of the two binds last sees the other's sockets. */
	if (d->opt.workers > 1 && net_listeners_at(https_engine_fd(d->https)) > (int)d->opt.workers)
		return err_set(
			e, "Cannot listen on %s: %s (another process bound it at the same moment)",
			d->opt.https_addr, strerror(EADDRINUSE));
	if (smtp_engine_check_sockets(d->smtp, d->opt.workers, false, e) < 0)
		return -1;
	if (d->opt.deliver && delivery_start(&d->env, d->outbound, &d->delivery, e) < 0)
		return -1;
	d->expiry_timer = event_new(d->base, -1, EV_PERSIST, on_expiry_timer, d);
	if (!d->expiry_timer ||
	    event_add(d->expiry_timer, &(struct timeval){ EXPIRY_CHECK_SECONDS, 0 }) < 0)
		return err_set(e, "Cannot start the certificate expiry check.");
	/* Last: a client that finds the socket finds the listeners ready. */
	if (control_start(d, &d->control, e) < 0)
		return -1;
	/* systemd (Type=notify): the listeners and the control socket are up. */
	if (sd_notify_send("READY=1") < 0)
		fprintf(stderr, "tlsgated: cannot notify systemd: %s\n", strerror(errno));
	return 0;
}

int daemon_run(struct daemon *d)
{
	return event_base_dispatch(d->base) < 0 ? -1 : 0;
}

void daemon_free(struct daemon *d)
{
	control_free(d->control);
	cluster_watch_stop(cluster_follower);
	cluster_follower = NULL;
	db_watch_free(d->watch);
	delivery_free(d->delivery);
	outbound_unref(d->outbound);
	workers_stop(d->workers); /* first: their threads read what follows */
	https_engine_free(d->https);
	web_free(d->web);
	workers_free(d->workers);
	smtp_engine_free(d->smtp);
	d->https = NULL;
	d->smtp = NULL;
	d->workers = NULL;
	/* Nothing that applies may run in the turns below. */
	revert_timer_free(d->revert);
	d->revert = NULL;
	if (d->expiry_timer)
		event_free(d->expiry_timer);
	d->expiry_timer = NULL;
	for (size_t i = 0; i < sizeof(d->signals) / sizeof(d->signals[0]); i++)
		if (d->signals[i])
			event_free(d->signals[i]);
	memset(d->signals, 0, sizeof(d->signals));
	/* Freed connections' bufferevents are finalized by the loop; so are
	 * deferred callbacks holding them (event_base_free would drop those).
	 * A few turns without waiting, now that no engine is left (what else
	 * may run: the usage flush and the log's timers). */
	for (int i = 0;
	     d->base && i < 16 && event_base_get_num_events(d->base, EVENT_BASE_COUNT_ACTIVE) > 0;
	     i++)
		event_base_loop(d->base, EVLOOP_NONBLOCK);
	usage_free(d->usage); /* after the engines: their last sessions count */
	inbound_unref(d->inbound);
	for (int id = 0; id < SVC_COUNT; id++)
		SSL_CTX_free(d->slot[id].current);
	mail_log_detach(d->log); /* flushed: nothing is lost on a clean stop */
	if (d->base)
		event_base_free(d->base);
	db_close(d->db);
	if (d->log)
		mail_log_info(d->log, "tlsgated stopped");
	mail_log_close(d->log);
	memset(d, 0, sizeof(*d));
}
