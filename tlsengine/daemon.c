/* daemon: startup, shutdown, signals, and the all-or-nothing apply. */
#include "daemon.h"

#include <event2/event.h>
#include <openssl/err.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>

#include "certs.h"
#include "control.h"
#include "delivery.h"
#include "outbound.h"
#include "ctx_set.h"
#include "https_engine.h"
#include "revert.h"
#include "smtp_engine.h"
#include "tls_ctx.h"

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

static void install(struct daemon *d, struct ctx_set *set)
{
	for (int id = 0; id < SVC_COUNT; id++) {
		if (id != SVC_OUTBOUND)
			SSL_CTX_set_client_hello_cb(set->ctx[id], on_client_hello, &d->slot[id]);
		/* Open connections keep their reference; this drops only ours. */
		SSL_CTX_free(d->slot[id].current);
		d->slot[id].current = set->ctx[id];
		set->ctx[id] = NULL;
	}
}

int daemon_apply(struct daemon *d, long version, struct err *e)
{
	struct ctx_set set;
	struct outbound *ob;
	struct config c;
	long latest;

	if (db_latest_version(d->db, &latest, e) < 0)
		goto fail;
	if (version < 1 || version > latest) {
		err_set(e, "There is no configuration version %ld.", version);
		goto fail;
	}
	/* The latest version is the truth; an older one asked for late (two
	 * shells committing at once) is already superseded. */
	if (version < d->version && latest == d->version)
		return 0;
	if (db_load_config(d->db, latest, &c, e) < 0 || ctx_set_build(d->db, &c, &set, e) < 0)
		goto fail;
	if (outbound_build(d->db, latest, &ob, e) < 0) {
		ctx_set_free(&set);
		goto fail;
	}
	install(d, &set);
	/* Deliveries in flight keep the configuration they started with. */
	outbound_unref(d->outbound);
	d->outbound = ob;
	delivery_set_outbound(d->delivery, ob);
	d->config = c;
	d->version = latest;
	mail_log_info(d->log, "Configuration version %ld applied", latest);
	revert_timer_rearm(d->revert);
	return 0;
fail:
	mail_log_warning(d->log, "Configuration version %ld not applied: %s", version, e->msg);
	return -1;
}

SSL *daemon_new_ssl(struct daemon *d, enum tls_service_id id)
{
	return SSL_new(d->slot[id].current);
}

static void on_signal(evutil_socket_t sig, short what, void *arg)
{
	struct daemon *d = arg;
	struct err e;

	(void)what;
	if (sig == SIGHUP) {
		if (mail_log_reopen(d->log, &e) < 0)
			fprintf(stderr, "tlsgated: %s\n", e.msg);
		return;
	}
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

int daemon_init(struct daemon *d, const struct daemon_options *opt, struct err *e)
{
	memset(d, 0, sizeof(*d));
	d->opt = *opt;
	/* A peer that vanishes mid-write must cost an EPIPE, not the process. */
	signal(SIGPIPE, SIG_IGN);
	if (open_state(d, e) < 0)
		return -1;
	d->base = event_base_new();
	if (!d->base)
		return err_set(e, "Cannot create the event loop.");
	if (https_engine_start(d, &d->https, e) < 0 || smtp_engine_start(d, &d->smtp, e) < 0 ||
	    revert_timer_start(d, &d->revert, e) < 0 || add_signals(d, e) < 0)
		return -1;
	if (d->opt.deliver && delivery_start(d, &d->delivery, e) < 0)
		return -1;
	/* Last: a client that finds the socket finds the listeners ready. */
	return control_start(d, &d->control, e);
}

int daemon_run(struct daemon *d)
{
	return event_base_dispatch(d->base) < 0 ? -1 : 0;
}

void daemon_free(struct daemon *d)
{
	control_free(d->control);
	delivery_free(d->delivery);
	outbound_unref(d->outbound);
	https_engine_free(d->https);
	smtp_engine_free(d->smtp);
	revert_timer_free(d->revert);
	for (size_t i = 0; i < sizeof(d->signals) / sizeof(d->signals[0]); i++)
		if (d->signals[i])
			event_free(d->signals[i]);
	for (int id = 0; id < SVC_COUNT; id++)
		SSL_CTX_free(d->slot[id].current);
	if (d->base)
		event_base_free(d->base);
	db_close(d->db);
	if (d->log)
		mail_log_info(d->log, "tlsgated stopped");
	mail_log_close(d->log);
	memset(d, 0, sizeof(*d));
}
