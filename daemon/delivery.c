/* delivery: the outbound engine's queue. Spool scanning, scheduling,
 * bounces and alerts, the TLS-RPT period's reports and the engine's
 * start and stop; one connection is delivery_conn.c, what each host is held
 * to delivery_policy.c.
 *
 * Durability: a message file is removed only after the remote 250 to the
 * final "." (queued_remove fsyncs the directory before anything else
 * happens). A crash before that 250 leaves the file, which the next start
 * delivers again; the only window for a duplicate is between that 250 and
 * the unlink, which no SMTP client can close (RFC 1047). */
#include "delivery_internal.h"

#include <dirent.h>
#include <event2/event.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "engine.h"
#include "options.h"
#include "tls_rpt.h"

#define BATCH_MAX         1000 /* messages per connection when the entry sets no limit */
#define SPOOL_MAX_PENDING 100000
#define OUTBOUND_MAX      64 /* connections in all: within tlsgated's FD_RESERVE */
/* The value of an id in `known` that is no longer (or never was) queued. */
#define GONE ((void *)&gone_marker)
static const char gone_marker;

/* ---- the queue ---- */

static const char *domain_of(const char *rcpt)
{
	const char *at = strrchr(rcpt, '@');

	return at ? at + 1 : rcpt; /* "postmaster" alone: no domain to deliver to */
}

long dl_backoff(const struct delivery *dl, int attempts)
{
	long s = dl->env->opt->retry_base;

	for (int i = 1; i < attempts && s < dl->env->opt->retry_max; i++)
		s *= 2;
	return s < dl->env->opt->retry_max ? s : dl->env->opt->retry_max;
}

struct qmsg *dl_track(struct delivery *dl, const char *id, const char *domain, time_t received)
{
	struct qmsg *m = calloc(1, sizeof(*m));

	if (!m)
		abort();
	snprintf(m->id, sizeof(m->id), "%s", id);
	snprintf(m->domain, sizeof(m->domain), "%s", domain);
	for (char *p = m->domain; *p; p++)
		*p = (char)(*p >= 'A' && *p <= 'Z' ? *p - 'A' + 'a' : *p);
	m->received = received;
	m->next_try = time(NULL);
	m->next = dl->msgs;
	dl->msgs = m;
	domain_map_put(dl->known, m->id, m, NULL);
	return m;
}

void dl_untrack(struct delivery *dl, struct qmsg *m)
{
	struct qmsg **pp;

	for (pp = &dl->msgs; *pp; pp = &(*pp)->next)
		if (*pp == m) {
			*pp = m->next;
			break;
		}
	domain_map_put(dl->known, m->id, GONE, NULL); /* a late readdir must not re-adopt it */
	free(m);
}

/* A message for several domains becomes one file per domain (parent line). */
static int split(struct delivery *dl, struct queued *q)
{
	struct err e;
	size_t n = q->rcpt_count;
	char **group = calloc(n, sizeof(*group));
	bool *done = calloc(n, sizeof(*done));

	if (!group || !done)
		abort();
	for (size_t i = 0; i < n; i++) {
		size_t k = 0;
		char id[SPOOL_ID_MAX];
		if (done[i])
			continue;
		for (size_t j = i; j < n; j++)
			if (!done[j] &&
			    strcasecmp(domain_of(q->rcpt[i]), domain_of(q->rcpt[j])) == 0) {
				group[k++] = q->rcpt[j];
				done[j] = true;
			}
		if (queued_write(dl->dir, q->id, q->received, q->from, group, k, q->body,
				 q->body_len, id, &e) < 0) {
			mail_log_warning(dl->env->log, "MID %s cannot be split per domain: %s",
					 q->id, e.msg);
			free(group);
			free(done);
			return -1;
		}
		dl_track(dl, id, domain_of(group[0]), q->received);
		mail_log_info(dl->env->log, "MID %s split: MID %s for %s", q->id, id,
			      domain_of(group[0]));
	}
	free(group);
	free(done);
	return queued_remove(dl->dir, q->id);
}

static bool parent_exists(struct delivery *dl, const char *parent)
{
	char path[4400];

	snprintf(path, sizeof(path), "%.4000s/%.30s", dl->dir, parent);
	return access(path, F_OK) == 0;
}

static void adopt(struct delivery *dl, const char *id)
{
	struct queued q;
	struct err e;
	bool many = false;

	if (queued_load(dl->dir, id, &q, &e) < 0) {
		mail_log_warning(dl->env->log, "%s", e.msg);
		domain_map_put(dl->known, id, GONE, NULL); /* do not retry every scan */
		return;
	}
	if (q.parent[0] && parent_exists(dl, q.parent)) {
		/* A crash came between writing this and removing its source. */
		queued_remove(dl->dir, id);
		queued_free(&q);
		return;
	}
	for (size_t i = 1; i < q.rcpt_count; i++)
		if (strcasecmp(domain_of(q.rcpt[0]), domain_of(q.rcpt[i])) != 0)
			many = true;
	if (many) {
		split(dl, &q);
	} else {
		struct qmsg *m = dl_track(dl, id, domain_of(q.rcpt[0]), q.received);
		time_t next;
		/* A deferred message keeps its schedule across a restart (at
		 * most retry_max away: the clock may have been set back). */
		if (queued_retry_load(dl->dir, id, &m->attempts, &next) == 0 && next > m->next_try)
			m->next_try = next - m->next_try > dl->env->opt->retry_max
					      ? m->next_try + dl->env->opt->retry_max
					      : next;
	}
	queued_free(&q);
}

static void scan_spool(struct delivery *dl)
{
	DIR *dir = opendir(dl->dir);
	struct dirent *ent;
	size_t count = 0;

	if (!dir)
		return;
	while ((ent = readdir(dir)) && count < SPOOL_MAX_PENDING) {
		const char *id = ent->d_name;
		if (id[0] == '.' || strcmp(id, "tmp") == 0 || strlen(id) >= SPOOL_ID_MAX)
			continue;
		count++;
		/* Known ids (even ones we gave up on) map to a present key. */
		if (!domain_map_get(dl->known, id))
			adopt(dl, id);
	}
	closedir(dir);
}

/* ---- bounces and alerts: messages spooled like any other ---- */

static void spool_mail(struct delivery *dl, const char *parent, const char *to, const char *subject,
		       const char *headers, const char *content_type, const char *text);

static void spool_notice(struct delivery *dl, const char *parent, const char *to,
			 const char *subject, const char *text)
{
	spool_mail(dl, parent, to, subject, "Auto-Submitted: auto-replied\r\n",
		   "text/plain; charset=us-ascii", text);
}

static void spool_mail(struct delivery *dl, const char *parent, const char *to, const char *subject,
		       const char *headers, const char *content_type, const char *text)
{
	struct strbuf body;
	char id[SPOOL_ID_MAX], date[64];
	char *rcpt[1] = { (char *)to };
	time_t now = time(NULL);
	struct tm tm;
	struct err e;

	localtime_r(&now, &tm);
	strftime(date, sizeof(date), "%a, %d %b %Y %H:%M:%S %z", &tm);
	strbuf_init(&body);
	strbuf_printf(&body,
		      "From: Mail Delivery System <MAILER-DAEMON@%s>\r\nTo: <%s>\r\n"
		      "Subject: %s\r\nDate: %s\r\n%s"
		      "MIME-Version: 1.0\r\nContent-Type: %s\r\n\r\n",
		      dl->env->config->hostname, to, subject, date, headers, content_type);
	for (const char *p = text; *p; p++) {
		if (*p == '\n')
			strbuf_puts(&body, "\r");
		strbuf_add(&body, p, 1);
	}
	if (queued_write(dl->dir, parent, now, "", rcpt, 1, body.data, body.len, id, &e) < 0)
		mail_log_warning(dl->env->log, "Cannot spool a notice to <%s>: %s", to, e.msg);
	else
		dl_track(dl, id, domain_of(to), now);
	strbuf_free(&body);
}

/* A DSN-style failure notice to the sender for `rcpt` (n of them). */
void dl_bounce(struct delivery *dl, const struct queued *q, char *const *rcpt, const int *codes,
	       size_t n, const char *why)
{
	struct strbuf text;

	for (size_t i = 0; i < n; i++)
		mail_log_info(dl->env->log, "MID %s bounced to <%s>: %s", q->id, rcpt[i], why);
	if (!q->from[0]) {
		mail_log_info(dl->env->log, "MID %s: no bounce for a null sender", q->id);
		return;
	}
	strbuf_init(&text);
	strbuf_printf(&text,
		      "This is the mail system at host %s.\n\nYour message could not be "
		      "delivered to the following recipients:\n\n",
		      dl->env->config->hostname);
	for (size_t i = 0; i < n; i++)
		strbuf_printf(&text, "<%s>: %d %s\n", rcpt[i], codes ? codes[i] : 554, why);
	strbuf_printf(&text, "\nQueue id: %s\n\n--- The message's header follows ---\n\n", q->id);
	const char *end = strstr(q->body, "\r\n\r\n");
	size_t hlen = end ? (size_t)(end - q->body) : (q->body_len < 4096 ? q->body_len : 4096);
	for (size_t i = 0; i < hlen && i < 16384; i++)
		if (q->body[i] != '\r')
			strbuf_add(&text, &q->body[i], 1);
	strbuf_puts(&text, "\n");
	spool_notice(dl, "", q->from, "Undelivered Mail Returned to Sender", text.data);
	strbuf_free(&text);
}

void dl_alert(struct conn *c, const char *why)
{
	const struct config *cfg = &c->ob->config;
	char text[1024];

	if (!cfg->alert_tls_required || c->alerted)
		return;
	c->alerted = true;
	mail_log_warning(c->dl->env->log,
			 "Alert: DCID %lu required TLS to %s failed (%s); alert sent to <%s>",
			 c->dcid, c->domain, why, cfg->alert_to[0] ? cfg->alert_to : "nobody");
	if (!cfg->alert_to[0])
		return;
	snprintf(text, sizeof(text),
		 "Warning: a TLS connection required by the destination controls failed.\n\n"
		 "Destination domain: %s\nHost: %s\nReason: %s\n\nThe messages stay queued and "
		 "will be retried.\n",
		 c->domain, c->peer, why);
	spool_notice(c->dl, "", cfg->alert_to, "Alert: required TLS connection failed", text);
}

/* ---- scheduling ---- */

static uintptr_t active_count(struct delivery *dl, const char *domain)
{
	return (uintptr_t)domain_map_get(dl->active, domain);
}

void dl_active_add(struct delivery *dl, const char *domain, int delta)
{
	uintptr_t n = active_count(dl, domain) + (uintptr_t)(intptr_t)delta;

	domain_map_put(dl->active, domain, (void *)n, NULL);
	dl->open += (unsigned)delta;
}

static void start_conn(struct delivery *dl, struct qmsg *first, size_t limit)
{
	struct conn *c = calloc(1, sizeof(*c));
	size_t cap = 16;

	if (!c)
		abort();
	c->dl = dl;
	c->ob = outbound_ref(dl->ob);
	c->fd = -1;
	snprintf(c->domain, sizeof(c->domain), "%s", first->domain);
	outbound_policy(c->ob, c->domain, &c->pol, NULL);
	c->batch = malloc(cap * sizeof(*c->batch));
	if (!c->batch)
		abort();
	for (struct qmsg *m = first; m && c->nbatch < limit; m = m->next) {
		if (m->busy || m->next_try > time(NULL) || strcmp(m->domain, c->domain) != 0)
			continue;
		if (c->nbatch == cap) {
			cap *= 2;
			c->batch = realloc(c->batch, cap * sizeof(*c->batch));
			if (!c->batch)
				abort();
		}
		m->busy = true;
		c->batch[c->nbatch++] = m;
	}
	c->next = dl->conns;
	dl->conns = c;
	dl_active_add(dl, c->domain, 1);
	c->resolving = true;
	resolver_submit(dl->resolver, c->domain, outbound_route(c->ob, c->domain),
			c->pol.dane != DANE_MODE_NO, outbound_wants_mta_sts(c->ob, c->domain),
			dl_on_resolved, c);
}

static void schedule(struct delivery *dl)
{
	time_t now = time(NULL);

	for (struct qmsg *m = dl->msgs; m; m = m->next) {
		struct dest_policy pol;
		size_t limit;
		if (dl->open >= OUTBOUND_MAX)
			break;
		if (m->busy || m->next_try > now)
			continue;
		outbound_policy(dl->ob, m->domain, &pol, NULL);
		if (active_count(dl, m->domain) >= (uintptr_t)pol.max_host_concurrency)
			continue;
		limit = pol.max_messages_per_connection ? (size_t)pol.max_messages_per_connection
							: BATCH_MAX;
		start_conn(dl, m, limit);
	}
}

/* ---- TLS-RPT: the period's reports ---- */

struct rpt_job {
	struct delivery *dl;
	struct tls_rpt_domain d;
	time_t start, end;
	char rua[TLS_RPT_RUA_MAX][256];
	size_t n;
	char why[400];
};

static void rpt_work(void *arg)
{
	struct rpt_job *j = arg;

	j->n = tls_rpt_lookup(j->d.domain, j->rua, j->why, sizeof(j->why));
}

static void rpt_done(void *arg)
{
	struct rpt_job *j = arg;
	struct delivery *dl = j->dl;
	const char *host = dl->env->config->hostname[0] ? dl->env->config->hostname : "localhost";
	char id[400], subject[800], headers[800], date[32];
	struct strbuf json;
	struct tm tm;

	if (j->n == 0) {
		mail_log_info(dl->env->log, "TLS-RPT for %s: no report sent: %s", j->d.domain,
			      j->why);
		free(j);
		return;
	}
	gmtime_r(&j->start, &tm);
	strftime(date, sizeof(date), "%Y%m%dT%H%M%S", &tm);
	snprintf(id, sizeof(id), "%s.%.255s@%.100s", date, j->d.domain, host);
	snprintf(subject, sizeof(subject),
		 "Report Domain: %.255s Submitter: %.100s Report-ID: <%s>", j->d.domain, host, id);
	snprintf(headers, sizeof(headers),
		 "TLS-Report-Domain: %.255s\r\nTLS-Report-Submitter: %.100s\r\n"
		 "Auto-Submitted: auto-generated\r\n",
		 j->d.domain, host);
	strbuf_init(&json);
	tls_rpt_json(&j->d, host, "", id, j->start, j->end, &json);
	for (size_t i = 0; i < j->n; i++) {
		spool_mail(dl, "", j->rua[i], subject, headers, "application/tlsrpt+json",
			   json.data);
		mail_log_info(
			dl->env->log,
			"TLS-RPT for %s: report %s (%ld successful, %ld failed sessions) sent "
			"to <%s>",
			j->d.domain, id, j->d.success, j->d.failure, j->rua[i]);
	}
	strbuf_free(&json);
	free(j);
}

static void rpt_flush(struct delivery *dl)
{
	time_t start, end;
	unsigned long dropped;
	size_t n = 0;
	struct tls_rpt_domain *all =
		tls_rpt_store_take(dl->rpt, time(NULL), &n, &start, &end, &dropped);

	if (dropped)
		mail_log_warning(dl->env->log, "TLS-RPT: %lu domains beyond %d were not counted",
				 dropped, TLS_RPT_DOMAINS_MAX);
	for (size_t i = 0; i < n; i++) {
		struct rpt_job *j = calloc(1, sizeof(*j));
		if (!j)
			abort();
		*j = (struct rpt_job){ .dl = dl, .d = all[i], .start = start, .end = end };
		resolver_run(dl->resolver, rpt_work, rpt_done, j);
	}
	free(all);
}

static void on_timer(evutil_socket_t fd, short what, void *arg)
{
	struct delivery *dl = arg;

	(void)fd;
	(void)what;
	rpt_flush(dl);
	scan_spool(dl);
	schedule(dl);
}
/* ---- the engine ---- */

int delivery_start(const struct engine_env *env, struct outbound *ob, struct delivery **out,
		   struct err *e)
{
	struct delivery *dl = calloc(1, sizeof(*dl));
	struct timeval tv;

	if (!dl)
		abort();
	dl->env = env;
	snprintf(dl->dir, sizeof(dl->dir), "%.4000s/spool", env->opt->home);
	dl->known = domain_map_new();
	dl->active = domain_map_new();
	dl->ob = outbound_ref(ob);
	dl->rpt = tls_rpt_store_new(env->opt->tls_rpt_interval);
	if (resolver_start(env->base, &dl->resolver, e) < 0) {
		delivery_free(dl);
		return -1;
	}
	tv.tv_sec = env->opt->queue_scan_ms / 1000;
	tv.tv_usec = (env->opt->queue_scan_ms % 1000) * 1000;
	dl->timer = event_new(env->base, -1, EV_PERSIST, on_timer, dl);
	if (!dl->timer || event_add(dl->timer, &tv) < 0) {
		delivery_free(dl);
		return err_set(e, "Cannot start the delivery timer.");
	}
	mail_log_info(env->log, "Delivery engine started");
	*out = dl;
	return 0;
}

void delivery_set_outbound(struct delivery *dl, struct outbound *ob)
{
	if (!dl)
		return;
	outbound_unref(dl->ob);
	dl->ob = outbound_ref(ob);
}

void delivery_free(struct delivery *dl)
{
	if (!dl)
		return;
	/* Stop the thread first: no callback may arrive for a freed connection. */
	resolver_free(dl->resolver);
	while (dl->conns) {
		struct conn *c = dl->conns;
		for (size_t i = c->cur; i < c->nbatch; i++)
			c->batch[i]->busy = false;
		dl_conn_free(c);
	}
	while (dl->msgs)
		dl_untrack(dl, dl->msgs);
	if (dl->timer)
		event_free(dl->timer);
	domain_map_free(dl->known, NULL);
	domain_map_free(dl->active, NULL);
	outbound_unref(dl->ob);
	tls_rpt_store_free(dl->rpt);
	free(dl);
}
