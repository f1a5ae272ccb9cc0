/* delivery: spool scanning, scheduling, connections and their outcomes.
 *
 * Durability: a message file is removed only after the remote 250 to the
 * final "." (queued_remove fsyncs the directory before anything else
 * happens). A crash before that 250 leaves the file, which the next start
 * delivers again; the only window for a duplicate is between that 250 and
 * the unlink, which no SMTP client can close (RFC 1047). */
#include "delivery.h"

#include <arpa/inet.h>
#include <dirent.h>
#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/bufferevent_ssl.h>
#include <event2/event.h>
#include <netinet/in.h>
#include <openssl/err.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <unistd.h>

#include "../core/smtp_client.h"
#include "engine.h"
#include "options.h"
#include "../os/net.h"
#include "queue_file.h"
#include "resolver.h"
#include "tls_rpt.h"
#include "usage.h"
#include "../core/dane.h"
#include "../tls/dane.h"

#define LINE_MAX_BYTES    2048
#define BATCH_MAX         1000 /* messages per connection when the entry sets no limit */
#define SPOOL_MAX_PENDING 100000
#define OUTBOUND_MAX      64 /* connections in all: within tlsgated's FD_RESERVE */
/* The value of an id in `known` that is no longer (or never was) queued. */
#define GONE ((void *)&gone_marker)
static const char gone_marker;

struct qmsg {
	struct qmsg *next;
	char id[SPOOL_ID_MAX];
	char domain[256];
	time_t received, next_try;
	int attempts;
	bool busy;
};

struct conn {
	struct delivery *dl;
	struct conn *next;
	struct outbound *ob;
	unsigned long dcid;
	char domain[256];
	struct dest_policy pol;
	struct qmsg **batch;
	size_t nbatch, cur, done_count;
	struct resolved res;
	size_t host;
	int fd;
	struct bufferevent *bev;
	SSL *ssl;
	bool handshaking, no_tls, resolving, closing, alerted;
	bool counted; /* this DCID's TLS outcome is in the usage record */
	struct smtp_client sc;
	struct queued q;
	bool have_q;
	int *codes;
	char peer[64];
	char refused[400];         /* why the certificate was refused, "" if it was not */
	enum tls_level level;      /* what this host is held to (DANE may raise it) */
	struct dane_decision dane; /* for the current host */
	char dane_skipped[700];    /* why DANE skipped a host, "" if it did not */
	bool sts_on;               /* an MTA-STS policy governs the current host */
};

struct delivery {
	const struct engine_env *env;
	struct outbound *ob;
	struct resolver *resolver;
	struct tls_rpt_store *rpt; /* TLS-RPT: this period's outcomes */
	char dir[4096];
	struct event *timer;
	struct qmsg *msgs;
	struct domain_map *known;  /* id -> qmsg */
	struct domain_map *active; /* domain -> (void *)(uintptr_t) open connections */
	struct conn *conns;
	unsigned open; /* connections in all domains */
	unsigned long next_dcid;
};

static void conn_next_message(struct conn *c);
static void conn_finish(struct conn *c, enum smtpc_fail fail, const char *why);
static void conn_connect(struct conn *c);
static void act(struct conn *c, enum smtpc_action a);
static void count_tls(struct conn *c, enum usage_outcome outcome, const char *reason);

/* ---- the queue ---- */

static const char *domain_of(const char *rcpt)
{
	const char *at = strrchr(rcpt, '@');

	return at ? at + 1 : rcpt; /* "postmaster" alone: no domain to deliver to */
}

static long backoff(const struct delivery *dl, int attempts)
{
	long s = dl->env->opt->retry_base;

	for (int i = 1; i < attempts && s < dl->env->opt->retry_max; i++)
		s *= 2;
	return s < dl->env->opt->retry_max ? s : dl->env->opt->retry_max;
}

static struct qmsg *track(struct delivery *dl, const char *id, const char *domain, time_t received)
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

static void untrack(struct delivery *dl, struct qmsg *m)
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
		track(dl, id, domain_of(group[0]), q->received);
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
		struct qmsg *m = track(dl, id, domain_of(q.rcpt[0]), q.received);
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
		track(dl, id, domain_of(to), now);
	strbuf_free(&body);
}

/* A DSN-style failure notice to the sender for `rcpt` (n of them). */
static void bounce(struct delivery *dl, const struct queued *q, char *const *rcpt, const int *codes,
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

static void alert(struct conn *c, const char *why)
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

static void active_add(struct delivery *dl, const char *domain, int delta)
{
	uintptr_t n = active_count(dl, domain) + (uintptr_t)(intptr_t)delta;

	domain_map_put(dl->active, domain, (void *)n, NULL);
	dl->open += (unsigned)delta;
}

static void on_resolved(void *arg, int rc, const struct resolved *r, int temporary,
			const char *why);

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
	active_add(dl, c->domain, 1);
	c->resolving = true;
	resolver_submit(dl->resolver, c->domain, outbound_route(c->ob, c->domain),
			c->pol.dane != DANE_MODE_NO, outbound_wants_mta_sts(c->ob, c->domain),
			on_resolved, c);
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

/* ---- one connection ---- */

static void conn_free(struct conn *c)
{
	struct delivery *dl = c->dl;
	struct conn **pp;

	if (c->bev) {
		bufferevent_disable(c->bev, EV_READ | EV_WRITE);
		bufferevent_free(c->bev); /* closes the socket when it is a TLS one */
	}
	if (!c->ssl && c->fd >= 0)
		close(c->fd);
	if (c->have_q)
		queued_free(&c->q);
	smtpc_free(&c->sc);
	free(c->codes);
	for (pp = &dl->conns; *pp; pp = &(*pp)->next)
		if (*pp == c) {
			*pp = c->next;
			break;
		}
	active_add(dl, c->domain, -1);
	outbound_unref(c->ob);
	free(c->batch);
	free(c);
}

static void log_rids(char *buf, size_t len, size_t n)
{
	size_t off = (size_t)snprintf(buf, len, "[");

	for (size_t i = 0; i < n && off < len; i++)
		off += (size_t)snprintf(buf + off, len - off, "%s%zu", i ? ", " : "", i);
	if (off < len)
		snprintf(buf + off, len - off, "]");
}

/* Back to the queue, later; bounced when too old. */
static void defer(struct conn *c, struct qmsg *m, const char *why)
{
	struct delivery *dl = c->dl;
	time_t now = time(NULL);

	m->busy = false;
	m->attempts++;
	if (now - m->received >= dl->env->opt->queue_lifetime) {
		struct queued q;
		struct err e;
		if (queued_load(dl->dir, m->id, &q, &e) == 0) {
			bounce(dl, &q, q.rcpt, NULL, q.rcpt_count, why);
			queued_free(&q);
		}
		queued_remove(dl->dir, m->id);
		untrack(dl, m);
		return;
	}
	m->next_try = now + backoff(dl, m->attempts);
	if (queued_retry_save(dl->dir, m->id, m->attempts, m->next_try) < 0)
		mail_log_warning(dl->env->log, "MID %s: cannot save its retry schedule: %s", m->id,
				 strerror(errno));
	mail_log_info(dl->env->log, "MID %s delayed: %s; next attempt in %lld seconds", m->id, why,
		      (long long)(m->next_try - now));
}

static void conn_finish(struct conn *c, enum smtpc_fail fail, const char *why)
{
	struct delivery *dl = c->dl;
	bool retry_clear = fail == SC_FAIL_TLS_CLEAR && !c->no_tls;

	if (fail == SC_FAIL_TLS_REQUIRED || fail == SC_FAIL_VERIFY)
		alert(c, why);
	if (c->fd >= 0 || c->bev)
		mail_log_info(dl->env->log, "DCID %lu close", c->dcid);
	if (c->sc.helo_name[0]) /* an SMTP dialog that never tried TLS */
		count_tls(c, USAGE_NO_TLS, NULL);
	if (retry_clear) {
		/* Preferred (Verify): TLS could not be negotiated, so in clear. */
		struct conn *n = calloc(1, sizeof(*n));
		if (!n)
			abort();
		*n = (struct conn){ .dl = dl,
				    .ob = outbound_ref(c->ob),
				    .fd = -1,
				    .no_tls = true,
				    .level = c->level,
				    .pol = c->pol,
				    .res = c->res,
				    .host = c->host };
		snprintf(n->domain, sizeof(n->domain), "%s", c->domain);
		n->batch = c->batch;
		n->nbatch = c->nbatch;
		n->cur = c->cur;
		c->batch = NULL;
		n->next = dl->conns;
		dl->conns = n;
		active_add(dl, n->domain, 1);
		conn_free(c);
		conn_connect(n);
		return;
	}
	for (size_t i = c->cur; i < c->nbatch; i++) {
		if (fail == SC_FAIL_PERM) {
			struct queued q;
			struct err e;
			if (queued_load(dl->dir, c->batch[i]->id, &q, &e) == 0) {
				bounce(dl, &q, q.rcpt, NULL, q.rcpt_count, why);
				queued_free(&q);
			}
			queued_remove(dl->dir, c->batch[i]->id);
			untrack(dl, c->batch[i]);
		} else {
			defer(c, c->batch[i], why);
		}
	}
	c->cur = c->nbatch;
	conn_free(c);
}

/* The connection ended for the reason the client machine gave. */
static void conn_close_per_client(struct conn *c)
{
	const char *why;

	switch (c->sc.fail) {
	case SC_FAIL_NONE: why = "done"; break;
	case SC_FAIL_TLS_REQUIRED:
	case SC_FAIL_VERIFY:
		why = "TLS was required but could not be successfully negotiated";
		break;
	case SC_FAIL_TEMP:
	case SC_FAIL_PERM: why = c->sc.text[0] ? c->sc.text : smtpc_fail_text(c->sc.fail); break;
	default: why = c->refused[0] ? c->refused : smtpc_fail_text(c->sc.fail); break;
	}
	conn_finish(c, c->sc.fail, why);
}

static void add_to(void *out, const char *p, size_t n)
{
	evbuffer_add(out, p, n);
}

/* Dot-stuffed, CRLF only, no NUL: nothing to smuggle (smtpc_body_wire). */
static void send_body(struct conn *c)
{
	smtpc_body_wire(c->q.body, c->q.body_len, add_to, bufferevent_get_output(c->bev));
	smtpc_body_sent(&c->sc);
}

/* The current message's transaction ended: record each recipient's fate. */
static void message_done(struct conn *c)
{
	struct delivery *dl = c->dl;
	struct qmsg *m = c->batch[c->cur];
	size_t n = c->q.rcpt_count, ok = 0, perm = 0;
	char rids[256], **later = calloc(n, sizeof(char *)), **failed = calloc(n, sizeof(char *));
	int *fcodes = calloc(n, sizeof(int));
	size_t nl = 0, nf = 0;

	if (!later || !failed || !fcodes)
		abort();
	for (size_t i = 0; i < n; i++) {
		int cls = c->codes[i] / 100;
		if (cls == 2) {
			ok++;
		} else if (cls == 5) {
			failed[nf] = c->q.rcpt[i];
			fcodes[nf++] = c->codes[i];
			perm++;
		} else {
			later[nl++] = c->q.rcpt[i];
		}
	}
	const char *why = c->sc.refusal[0] ? c->sc.refusal : c->sc.text;

	log_rids(rids, sizeof(rids), n);
	if (ok == n) {
		/* First make it gone: a crash from here on cannot resend it. */
		queued_remove(dl->dir, m->id);
		mail_log_info(dl->env->log, "Message done DCID %lu MID %s to RID %s", c->dcid,
			      m->id, rids);
		mail_log_info(dl->env->log, "MID %s RID %s Response '%s'", m->id, rids, c->sc.text);
		untrack(dl, m);
	} else if (nl == n) {
		defer(c, m, why);
	} else {
		char id[SPOOL_ID_MAX];
		struct err e;
		if (ok)
			mail_log_info(dl->env->log,
				      "Message done DCID %lu MID %s to %zu of %zu recipients",
				      c->dcid, m->id, ok, n);
		if (nf)
			bounce(dl, &c->q, failed, fcodes, nf, why);
		if (nl && queued_write(dl->dir, m->id, c->q.received, c->q.from, later, nl,
				       c->q.body, c->q.body_len, id, &e) == 0) {
			struct qmsg *rest = track(dl, id, m->domain, c->q.received);
			rest->attempts = m->attempts;
			queued_remove(dl->dir, m->id);
			untrack(dl, m);
			m = NULL;
			defer(c, rest, why);
		} else if (!nl) {
			queued_remove(dl->dir, m->id);
			untrack(dl, m);
		} else {
			mail_log_warning(dl->env->log, "MID %s: %s", m->id, e.msg);
			defer(c, m, why);
		}
	}
	(void)perm;
	free(later);
	free(failed);
	free(fcodes);
	queued_free(&c->q);
	c->have_q = false;
	c->cur++;
	c->done_count++;
}

static void conn_next_message(struct conn *c)
{
	struct delivery *dl = c->dl;
	char rids[256];
	struct err e;

	while (c->cur < c->nbatch) {
		struct qmsg *m = c->batch[c->cur];
		if (queued_load(dl->dir, m->id, &c->q, &e) == 0)
			break;
		mail_log_warning(dl->env->log, "%s", e.msg);
		untrack(dl, m);
		c->cur++;
	}
	if (c->cur >= c->nbatch) {
		act(c, smtpc_quit(&c->sc));
		return;
	}
	c->have_q = true;
	free(c->codes);
	c->codes = calloc(c->q.rcpt_count, sizeof(int));
	if (!c->codes)
		abort();
	log_rids(rids, sizeof(rids), c->q.rcpt_count);
	mail_log_info(dl->env->log, "Delivery start DCID %lu MID %s to RID %s", c->dcid,
		      c->batch[c->cur]->id, rids);
	act(c, smtpc_mail(&c->sc, c->q.from, (const char *const *)c->q.rcpt, c->q.rcpt_count,
			  c->codes));
}

/* ---- the socket, STARTTLS and the client machine ---- */

static void on_read(struct bufferevent *bev, void *arg);
static void on_event(struct bufferevent *bev, short what, void *arg);

static void set_timeouts(struct conn *c)
{
	struct timeval tv = { c->dl->env->opt->smtp_timeout, 0 };

	bufferevent_set_timeouts(c->bev, &tv, &tv);
}

/* This DCID's one TLS outcome, for the usage record (daemon/usage.h). */
static void count_tls(struct conn *c, enum usage_outcome outcome, const char *reason)
{
	const struct resolved_host *h = c->host < c->res.count ? &c->res.hosts[c->host] : NULL;
	int mode = tls_level_requires(c->level)   ? USAGE_MODE_REQUIRED
		   : tls_level_attempts(c->level) ? USAGE_MODE_PREFERRED
						  : USAGE_MODE_NONE;
	struct usage_peer p;

	if (c->counted || !h)
		return;
	c->counted = true;
	usage_peer_set(&p, SVC_OUTBOUND, mode, "", c->domain, h->name[0] ? h->name : h->addr);
	usage_count(c->dl->env->usage, &p, c->ssl, outcome, reason);
}

/* "(code, 'text')" of the first queued OpenSSL error, as AsyncOS logs it. */
static unsigned long tls_error(struct conn *c, char *buf, size_t len)
{
	unsigned long code = c->bev ? bufferevent_get_openssl_error(c->bev) : 0, more;
	char text[256] = "the connection closed during the handshake";

	if (!code)
		code = ERR_get_error();
	while (c->bev && (more = bufferevent_get_openssl_error(c->bev)) != 0)
		(void)more;
	if (code)
		ERR_error_string_n(code, text, sizeof(text));
	ERR_clear_error();
	snprintf(buf, len, "(%lu, '%s')", code, text);
	return code;
}

static void start_tls(struct conn *c)
{
	struct delivery *dl = c->dl;
	struct evbuffer *in = bufferevent_get_input(c->bev);
	const char *host = c->res.hosts[c->host].name;
	struct bufferevent *tls = NULL;
	SSL *ssl = outbound_new_ssl(c->ob, c->domain, c->res.via_route ? host : host);

	/* Nothing may follow the 220 in clear (RFC 3207): drop it unread. */
	evbuffer_drain(in, evbuffer_get_length(in));
	if (ssl && c->dane.action == DANE_ACT_AUTH) {
		char why[200];
		if (dane_attach(ssl, host, c->domain, &c->res.hosts[c->host].tlsa, why,
				sizeof(why)) < 0) {
			mail_log_info(dl->env->log, "DCID %lu IP %s DANE failed: %s", c->dcid,
				      c->peer, why);
			SSL_free(ssl);
			ssl = NULL;
		}
	}
	if (ssl)
		tls = bufferevent_openssl_socket_new(
			dl->env->base, c->fd, ssl, BUFFEREVENT_SSL_CONNECTING,
			BEV_OPT_CLOSE_ON_FREE | BEV_OPT_DEFER_CALLBACKS);
	if (!tls) {
		SSL_free(ssl);
		act(c, smtpc_tls_done(&c->sc, false, false));
		return;
	}
	bufferevent_disable(c->bev, EV_READ | EV_WRITE);
	bufferevent_free(c->bev);
	c->bev = tls;
	c->ssl = ssl;
	c->handshaking = true;
	bufferevent_openssl_set_allow_dirty_shutdown(tls, 1);
	bufferevent_setcb(tls, on_read, NULL, on_event, c);
	set_timeouts(c);
	bufferevent_enable(tls, EV_READ | EV_WRITE);
}

/* TLS-RPT (RFC 8460): one session's outcome for the current host;
 * `result_type` NULL for a success. */
static void rpt(struct conn *c, const char *result_type)
{
	const struct resolved_host *h = &c->res.hosts[c->host < c->res.count ? c->host : 0];
	const char *policy = c->dane.action == DANE_ACT_AUTH || c->dane.action == DANE_ACT_ENCRYPT
				     ? "tlsa"
			     : c->sts_on ? "sts"
					 : "no-policy-found";

	if (c->dl->rpt && c->res.count)
		tls_rpt_store_count(c->dl->rpt, c->domain, policy, result_type, h->name, h->addr);
}

/* DANE-authenticated TLS (RFC 7672): the TLSA records decide, not the CAs
 * or sslconfig's peer certificate checks. */
static void dane_verdict(struct conn *c)
{
	struct delivery *dl = c->dl;
	char what[400];

	if (dane_result(c->ssl, what, sizeof(what))) {
		mail_log_info(dl->env->log, "DCID %lu DANE success: %s", c->dcid, what);
		rpt(c, NULL);
		count_tls(c, USAGE_SUCCESS, NULL);
		act(c, smtpc_tls_done(&c->sc, true, true));
		return;
	}
	mail_log_info(dl->env->log, "DCID %lu IP %s DANE failed: %s (%s)", c->dcid, c->peer, what,
		      c->res.hosts[c->host].tlsa.name);
	snprintf(c->refused, sizeof(c->refused), "DANE verification failed: %.370s", what);
	rpt(c, "validation-failure");
	count_tls(c, USAGE_FAILED, "DANE verification failed");
	act(c, smtpc_tls_refused(&c->sc));
}

static void handshake_done(struct conn *c, bool ok)
{
	struct delivery *dl = c->dl;
	char why[320];

	c->handshaking = false;
	if (ok) {
		struct outbound_peer peer;
		bool by_sslconfig;
		enum outbound_cert_verdict v;

		mail_log_info(dl->env->log, "DCID %lu TLS success protocol %s cipher %s", c->dcid,
			      SSL_get_version(c->ssl), SSL_get_cipher_name(c->ssl));
		outbound_check_peer(c->ob, c->ssl, &peer);
		if (c->dane.action == DANE_ACT_AUTH) {
			dane_verdict(c);
			return;
		}
		v = outbound_judge(c->ob, c->level, &peer, why, sizeof(why), &by_sslconfig);
		if (v != OB_CERT_OK)
			mail_log_info(dl->env->log,
				      "DCID %lu IP %s TLS certificate verification failed: %s%s",
				      c->dcid, c->peer, why,
				      v == OB_CERT_TOLERATED
					      ? "; delivering encrypted (Preferred (Verify))"
				      : by_sslconfig ? "; refused by the sslconfig peer "
						       "certificate validation"
						     : "");
		rpt(c, v != OB_CERT_REFUSED ? NULL
		       : !peer.chain_ok     ? "certificate-not-trusted"
					    : "certificate-host-mismatch");
		count_tls(c, v == OB_CERT_REFUSED ? USAGE_FAILED : USAGE_SUCCESS,
			  "certificate verification failed");
		if (v == OB_CERT_REFUSED) {
			snprintf(c->refused, sizeof(c->refused),
				 "the peer certificate failed validation: %s", why);
			act(c, smtpc_tls_refused(&c->sc));
			return;
		}
		act(c, smtpc_tls_done(&c->sc, true, v == OB_CERT_OK));
		return;
	}
	/* Before the ServerHello, a server that hangs up instead of sending the
	 * protocol_version alert most likely wanted a version we do not offer. */
	bool no_hello = SSL_get_state(c->ssl) == TLS_ST_CW_CLNT_HELLO;
	tls_method_set all = (1u << TLS_VERSION_COUNT) - 1;
	unsigned long code = tls_error(c, why, sizeof(why));
	int reason = ERR_GET_REASON(code);
	bool version = reason == SSL_R_UNSUPPORTED_PROTOCOL ||
		       reason == SSL_R_TLSV1_ALERT_PROTOCOL_VERSION ||
		       reason == SSL_R_NO_PROTOCOLS_AVAILABLE ||
		       reason == SSL_R_WRONG_SSL_VERSION || reason == SSL_R_WRONG_VERSION_NUMBER ||
		       (no_hello && c->ob->config.svc[SVC_OUTBOUND].methods != all);
	count_tls(c, USAGE_FAILED, code ? usage_reason(code) : "closed during the handshake");
	if (c->level == TLS_LEVEL_PREFERRED)
		mail_log_info(dl->env->log, "DCID %lu TLS deferring: %s%s", c->dcid, why,
			      version ? " TLS version mismatch could be the failure reason" : "");
	else
		mail_log_info(dl->env->log, "DCID %lu IP %s TLS failed: %s%s", c->dcid, c->peer,
			      why,
			      version ? " TLS version mismatch could be the failure reason" : "");
	rpt(c, "validation-failure");
	act(c, smtpc_tls_done(&c->sc, false, false));
}

static void act(struct conn *c, enum smtpc_action a)
{
	struct delivery *dl = c->dl;

	switch (c->sc.note) {
	case SC_NOTE_STARTTLS_UNEXPECTED:
		count_tls(c, USAGE_FAILED, "STARTTLS unexpected response");
		mail_log_info(dl->env->log,
			      "DCID %lu IP %s TLS failed: STARTTLS unexpected response", c->dcid,
			      c->peer);
		break;
	case SC_NOTE_STARTTLS_NOT_OFFERED:
		count_tls(c, tls_level_requires(c->level) ? USAGE_FAILED : USAGE_NO_TLS,
			  "STARTTLS not offered");
		if (tls_level_requires(c->level) && !c->no_tls) {
			mail_log_info(dl->env->log,
				      "DCID %lu IP %s TLS failed: STARTTLS not offered", c->dcid,
				      c->peer);
			rpt(c, "starttls-not-supported");
		}
		break;
	default: break;
	}
	c->sc.note = SC_NOTE_NONE;
	if (c->sc.fail == SC_FAIL_TLS_REQUIRED || c->sc.fail == SC_FAIL_VERIFY) {
		if (!c->alerted && !c->closing)
			mail_log_info(
				dl->env->log,
				"DCID %lu IP %s TLS was required but could not be successfully "
				"negotiated",
				c->dcid, c->peer);
		c->closing = true;
	}
	switch (a) {
	case SC_ACT_NONE: return;
	case SC_ACT_SEND: bufferevent_write(c->bev, c->sc.out.data, c->sc.out.len); return;
	case SC_ACT_STARTTLS: start_tls(c); return;
	case SC_ACT_READY: conn_next_message(c); return;
	case SC_ACT_SEND_BODY: send_body(c); return;
	case SC_ACT_MESSAGE_DONE:
		message_done(c);
		if (c->sc.state == SC_QUIT ||
		    (c->pol.max_messages_per_connection &&
		     c->done_count >= (size_t)c->pol.max_messages_per_connection))
			act(c, smtpc_quit(&c->sc));
		else
			conn_next_message(c);
		return;
	case SC_ACT_CLOSE: conn_close_per_client(c); return;
	}
}

static void on_read(struct bufferevent *bev, void *arg)
{
	struct conn *c = arg;
	struct evbuffer *in = bufferevent_get_input(bev);
	char *line;
	size_t n;

	while (c->bev == bev && (line = evbuffer_readln(in, &n, EVBUFFER_EOL_CRLF))) {
		enum smtpc_state before = c->sc.state;
		enum smtpc_action a = smtpc_line(&c->sc, line, n);
		free(line);
		act(c, a);
		/* The connection is gone, or TLS is starting on a new bufferevent. */
		if (a == SC_ACT_CLOSE || a == SC_ACT_STARTTLS || before == SC_CLOSED)
			return;
	}
	if (c->bev == bev && evbuffer_get_length(in) > LINE_MAX_BYTES)
		act(c, smtpc_lost(&c->sc));
}

static void on_event(struct bufferevent *bev, short what, void *arg)
{
	struct conn *c = arg;

	(void)bev;
	if (what & BEV_EVENT_CONNECTED) {
		if (c->handshaking) {
			handshake_done(c, true);
			return;
		}
		struct net_peer p;
		net_describe(c->fd, &p);
		mail_log_info(c->dl->env->log, "New SMTP DCID %lu interface %s address %s port %u",
			      c->dcid, p.local, c->peer, c->res.hosts[c->host].port);
		smtpc_init(&c->sc,
			   c->dl->env->config->hostname[0] ? c->dl->env->config->hostname
							   : "localhost",
			   c->level, c->no_tls);
		set_timeouts(c);
		bufferevent_enable(c->bev, EV_READ | EV_WRITE);
		return;
	}
	if (c->handshaking) {
		handshake_done(c, false);
		return;
	}
	if (c->sc.helo_name[0] == '\0') { /* the connection itself failed */
		mail_log_info(c->dl->env->log, "DCID %lu cannot connect to %s port %u", c->dcid,
			      c->peer, c->res.hosts[c->host].port);
		bufferevent_free(c->bev);
		c->bev = NULL;
		close(c->fd);
		c->fd = -1;
		c->host++;
		conn_connect(c);
		return;
	}
	act(c, smtpc_lost(&c->sc));
}

/* MTA-STS's say on host `h` when DANE declined (core/mta_sts.c). */
static bool sts_allows(struct conn *c, const struct resolved_host *h)
{
	struct delivery *dl = c->dl;
	const struct mta_sts_result *r = &c->res.sts;
	struct mta_sts_decision d;

	if (r->state == MTA_STS_FAILED) {
		/* RFC 8461 5.1: no valid policy and none cached: as if none. */
		mail_log_info(dl->env->log, "MTA-STS for %s: no policy in force: %s", c->domain,
			      r->why);
		return true;
	}
	mta_sts_decide(&r->policy, h->name, c->pol.tls, &d);
	c->level = d.level;
	c->sts_on = r->policy.mode != MTA_STS_NONE;
	mail_log_info(dl->env->log, "MTA-STS for %s: policy %s (mode %s%s): host %s (%s): %s",
		      c->domain, r->id, mta_sts_mode_name(r->policy.mode),
		      r->cached ? ", cached" : "", h->name, h->addr, d.why);
	if (d.action != MTA_STS_ACT_SKIP)
		return true;
	snprintf(c->dane_skipped, sizeof(c->dane_skipped), "%s", d.why);
	rpt(c, "validation-failure");
	return false;
}

/* DANE's say on host `h` (core/dane.c): the level it is held to, or not
 * now. Logged once per host and connection attempt. */
static bool dane_allows(struct conn *c, const struct resolved_host *h)
{
	struct delivery *dl = c->dl;

	dane_decide(c->pol.dane, c->pol.tls, c->res.mx_secure, &h->tlsa, h->name, &c->dane);
	c->level = c->dane.level;
	c->sts_on = false;
	if (c->dane.action == DANE_ACT_TLS_LEVEL && c->res.sts.state != MTA_STS_ABSENT)
		return sts_allows(c, h); /* DANE first (RFC 8461 2), then MTA-STS */
	if (c->pol.dane == DANE_MODE_NO)
		return true;
	if (c->no_tls && c->dane.action != DANE_ACT_TLS_LEVEL) { /* a clear-text retry */
		c->dane.action = DANE_ACT_SKIP;
		snprintf(c->dane.why, sizeof(c->dane.why),
			 "DANE requires TLS; no clear-text retry");
	}
	if (c->dane.action == DANE_ACT_SKIP) {
		mail_log_info(dl->env->log, "DANE for %s: host %s (%s): %s", c->domain, h->name,
			      h->addr, c->dane.why);
		snprintf(c->dane_skipped, sizeof(c->dane_skipped), "%s", c->dane.why);
		if (c->pol.dane != DANE_MODE_NO)
			rpt(c, h->tlsa.state == TLSA_FAILED ? "dnssec-invalid" : "dane-required");
		return false;
	}
	mail_log_info(dl->env->log, "DANE for %s: host %s (%s): %s", c->domain, h->name, h->addr,
		      c->dane.why);
	return true;
}

static void conn_connect(struct conn *c)
{
	struct delivery *dl = c->dl;
	struct sockaddr_storage ss;
	unsigned len;

	for (; c->host < c->res.count; c->host++) {
		const struct resolved_host *h = &c->res.hosts[c->host];
		if (net_sockaddr(h->addr, (unsigned)h->port, &ss, &len) < 0)
			continue;
		if (!dane_allows(c, h))
			continue;
		c->fd = socket(ss.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
		if (c->fd < 0)
			break;
		c->dcid = ++dl->next_dcid;
		c->ssl = NULL;
		c->counted = false;
		/* Zeroed until the server answers (smtpc_init on connect). */
		smtpc_free(&c->sc);
		memset(&c->sc, 0, sizeof(c->sc));
		snprintf(c->peer, sizeof(c->peer), "%s", h->addr);
		c->bev = bufferevent_socket_new(dl->env->base, c->fd, BEV_OPT_DEFER_CALLBACKS);
		if (!c->bev)
			break;
		bufferevent_setcb(c->bev, on_read, NULL, on_event, c);
		struct timeval tv = { dl->env->opt->smtp_timeout, 0 };
		bufferevent_set_timeouts(c->bev, &tv, &tv);
		if (bufferevent_socket_connect(c->bev, (struct sockaddr *)&ss, (int)len) == 0)
			return;
		bufferevent_free(c->bev);
		c->bev = NULL;
		close(c->fd);
		c->fd = -1;
	}
	if (c->bev) {
		bufferevent_free(c->bev);
		c->bev = NULL;
	}
	conn_finish(c, SC_FAIL_TEMP,
		    c->dane_skipped[0] ? c->dane_skipped
				       : "no mail exchanger of the domain could be reached");
}

static void on_resolved(void *arg, int rc, const struct resolved *r, int temporary, const char *why)
{
	struct conn *c = arg;

	c->resolving = false;
	if (rc < 0) {
		mail_log_info(c->dl->env->log, "Cannot deliver to %s: %s", c->domain, why);
		conn_finish(c, temporary ? SC_FAIL_TEMP : SC_FAIL_PERM, why);
		return;
	}
	c->res = *r;
	c->host = 0;
	conn_connect(c);
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
		conn_free(c);
	}
	while (dl->msgs)
		untrack(dl, dl->msgs);
	if (dl->timer)
		event_free(dl->timer);
	domain_map_free(dl->known, NULL);
	domain_map_free(dl->active, NULL);
	outbound_unref(dl->ob);
	tls_rpt_store_free(dl->rpt);
	free(dl);
}
