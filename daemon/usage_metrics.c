/* usage_metrics: the running TLS outcome totals in Prometheus' text
 * exposition format (version 0.0.4), for GET /metrics on the HTTPS
 * service, and who may read them (--metrics-allow). */
#include <event2/http.h>
#include <string.h>

#include "engine.h"
#include "options.h"
#include "usage_internal.h"

bool usage_metrics_allowed(const struct engine_env *env, const char *addr)
{
	const char *list = env->opt->metrics_allow, *p = list;
	size_t n = strlen(addr);

	while (p && *p) {
		const char *end = strchr(p, ',');
		size_t len = end ? (size_t)(end - p) : strlen(p);
		if (len == n && n && strncmp(p, addr, n) == 0)
			return true;
		p = end ? end + 1 : NULL;
	}
	return false;
}

/* A label value: backslash, double quote and newline escaped. */
static void label(struct strbuf *out, const char *name, const char *value, bool last)
{
	strbuf_printf(out, "%s=\"", name);
	for (const char *c = value; *c; c++) {
		if (*c == '\\' || *c == '"')
			strbuf_printf(out, "\\%c", *c);
		else if (*c == '\n')
			strbuf_puts(out, "\\n");
		else
			strbuf_add(out, c, 1);
	}
	strbuf_puts(out, last ? "\"" : "\",");
}

void usage_metrics(const struct usage *u, struct strbuf *out)
{
	/* The lock guards the tables, not the handle: workers count meanwhile. */
	pthread_mutex_t *lock = u ? (pthread_mutex_t *)&u->lock : NULL;

	if (lock)
		pthread_mutex_lock(lock);
	strbuf_puts(out, "# HELP tlsgate_tls_sessions_total Sessions by TLS outcome since "
			 "tlsgated started (outcome none: no TLS was tried).\n"
			 "# TYPE tlsgate_tls_sessions_total counter\n");
	for (size_t i = 0; u && i < usage_table_count(u->totals); i++) {
		const struct usage_entry *en = usage_table_entry(u->totals, i);
		const struct usage_key *k = &en->key;

		strbuf_puts(out, "tlsgate_tls_sessions_total{");
		label(out, "service", service_names(k->service)->key, false);
		label(out, "listener", k->listener, false);
		label(out, "mode", usage_mode_name(k->mode), false);
		label(out, "outcome", usage_outcome_name(k->outcome), false);
		label(out, "version", k->version, false);
		label(out, "cipher", k->cipher, false);
		label(out, "group", k->group, false);
		label(out, "reason", k->reason, true);
		strbuf_printf(out, "} %llu\n", en->sessions);
	}
	strbuf_printf(out,
		      "# HELP tlsgate_tls_usage_dropped_total Sessions not counted: the "
		      "in-memory tables were full.\n"
		      "# TYPE tlsgate_tls_usage_dropped_total counter\n"
		      "tlsgate_tls_usage_dropped_total %llu\n"
		      "# HELP tlsgate_tls_usage_flush_failures_total Flushes of the counts to "
		      "the database that failed (retried).\n"
		      "# TYPE tlsgate_tls_usage_flush_failures_total counter\n"
		      "tlsgate_tls_usage_flush_failures_total %llu\n",
		      u ? usage_table_dropped(u->hourly) + usage_table_dropped(u->totals) : 0,
		      u ? u->flush_failures : 0);
	if (lock)
		pthread_mutex_unlock(lock);
}

int usage_metrics_page(const struct engine_env *env, struct evhttp_connection *evcon,
		       struct strbuf *body, const char **type, const char **reason)
{
	const char *addr = NULL;
	ev_uint16_t port = 0;

	if (evcon)
		evhttp_connection_get_peer(evcon, (char **)&addr, &port);
	if (!addr || !usage_metrics_allowed(env, addr)) {
		*reason = "Forbidden";
		strbuf_puts(body, "403 Forbidden\n");
		return 403;
	}
	*type = "text/plain; version=0.0.4; charset=utf-8";
	usage_metrics(env->usage, body);
	return 200;
}
