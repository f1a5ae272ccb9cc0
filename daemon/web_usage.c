/* web_usage: Monitor > TLS Connections (issue 17), the WebUI's view of the
 * TLS usage rollups: per service over the last 7 days, a chart of sessions
 * per TLS version per day (core/usage_svg.c), sessions per version and
 * cipher suite, failures by reason, and AsyncOS's columns per peer: the
 * numbers of the console's tlsconnections, from the same queries. */
#include <stdio.h>
#include <time.h>

#include "../core/config_web.h"
#include "../core/usage_svg.h"
#include "../db/usage.h"
#include "web_internal.h"

#define PEER_ROWS 20

struct view {
	struct strbuf *out;
	struct usage_chart chart;
	unsigned long long outcomes[USAGE_OUTCOME_COUNT];
	int rows;
};

static void cell(struct strbuf *out, const char *text)
{
	strbuf_puts(out, "<td>");
	web_html_text(out, text);
	strbuf_puts(out, "</td>");
}

static int on_outcome(const struct usage_row *r, void *arg)
{
	struct view *v = arg;

	if (r->outcome >= 0)
		v->outcomes[r->outcome] += r->sessions;
	return 0;
}

static int on_day(const struct usage_row *r, void *arg)
{
	usage_chart_add(&((struct view *)arg)->chart, r->day, r->version, r->sessions);
	return 0;
}

static int on_cipher(const struct usage_row *r, void *arg)
{
	struct view *v = arg;

	strbuf_puts(v->out, "<tr>");
	cell(v->out, usage_version_label(r->version));
	cell(v->out, r->cipher);
	cell(v->out, r->group[0] ? r->group : "-");
	strbuf_printf(v->out, "<td class=\"n\">%llu</td></tr>\n", r->sessions);
	return 0;
}

static int on_reason(const struct usage_row *r, void *arg)
{
	struct view *v = arg;

	strbuf_puts(v->out, "<tr>");
	cell(v->out, r->reason);
	strbuf_printf(v->out, "<td class=\"n\">%llu</td></tr>\n", r->sessions);
	return 0;
}

static int on_peer(const struct usage_row *r, void *arg)
{
	struct view *v = arg;

	if (v->rows++ >= PEER_ROWS)
		return 1;
	strbuf_puts(v->out, "<tr>");
	cell(v->out, r->peer);
	for (int i = 0; i < USAGE_COL_COUNT; i++)
		strbuf_printf(v->out, "<td class=\"n\">%llu</td>", r->n[i]);
	strbuf_puts(v->out, "</tr>\n");
	return 0;
}

static int service(struct web_req *r, enum tls_service_id id, long long since, long long today)
{
	struct view v = { .out = &r->body };
	struct strbuf *out = &r->body;
	struct err e;

	v.chart.first_day = today - (USAGE_CHART_DAYS - 1) * 86400LL;
	strbuf_printf(out, "<h2>%s</h2>\n", service_names(id)->title);
	if (db_usage_query(r->d->db, USAGE_Q_OUTCOMES, id, since, on_outcome, &v, &e) < 0 ||
	    db_usage_query(r->d->db, USAGE_Q_DAILY, id, v.chart.first_day, on_day, &v, &e) < 0)
		return -1;
	strbuf_printf(out,
		      "<p>Sessions: %llu (TLS success %llu, TLS failed %llu, no TLS %llu)</p>\n",
		      v.outcomes[0] + v.outcomes[1] + v.outcomes[2], v.outcomes[USAGE_SUCCESS],
		      v.outcomes[USAGE_FAILED], v.outcomes[USAGE_NO_TLS]);
	usage_chart_svg(&v.chart, out);
	strbuf_puts(out, "<table>\n<tr><th>TLS version</th><th>Cipher</th><th>Group</th>"
			 "<th>Sessions</th></tr>\n");
	if (db_usage_query(r->d->db, USAGE_Q_CIPHERS, id, since, on_cipher, &v, &e) < 0)
		return -1;
	strbuf_puts(out, "</table>\n<table>\n<tr><th>Failure reason</th><th>Sessions</th></tr>\n");
	if (db_usage_query(r->d->db, USAGE_Q_REASONS, id, since, on_reason, &v, &e) < 0)
		return -1;
	strbuf_puts(out, "</table>\n<table>\n<tr><th>Peer</th><th>TLS Req. Failed</th>"
			 "<th>TLS Req. Success</th><th>TLS Pref. Failed</th>"
			 "<th>TLS Pref. Success</th><th>No TLS</th><th>Total</th></tr>\n");
	if (db_usage_query(r->d->db, USAGE_Q_COLUMNS, id, since, on_peer, &v, &e) < 0)
		return -1;
	strbuf_puts(out, "</table>\n");
	return 0;
}

void web_usage_page(struct web_req *r)
{
	long long now = (long long)time(NULL);
	long long since = (now / 3600 - 7 * 24 + 1) * 3600;

	web_begin(r, "TLS Connections");
	strbuf_puts(&r->body, "<p>The last 7 days, as recorded by the engines (flushed every "
			      "--usage-flush seconds).</p>\n");
	for (int id = 0; id < SVC_COUNT; id++)
		if (service(r, id, since, now / 86400 * 86400) < 0)
			return web_result(r, 500, "Error", "The TLS usage cannot be read.", NULL);
	web_page_end(&r->body);
}
