/* cmd_tlsconnections: the TLS Connections report (issue 17) from the
 * rollups tlsgated records (db/usage.h): for a service and a period,
 * sessions per TLS version and cipher suite, failures by reason, the top
 * peers per version, and AsyncOS's TLS Connections columns per peer. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "../core/usage_impact.h"
#include "../db/usage.h"
#include "commands.h"

#define TOP_PER_VERSION 5
#define PEER_ROWS       20
#define MAX_DAYS        3650
#define PEER_WIDTH      19 /* the peers table fits 80 columns */

struct report {
	struct strbuf *out;
	char version[16]; /* USAGE_Q_PEERS: the version being listed */
	int shown, rows;
	unsigned long long outcomes[USAGE_OUTCOME_COUNT];
};

static const char *count(unsigned long long n, char *buf)
{
	usage_format_count(n, buf, 32);
	return buf;
}

static int on_outcome(const struct usage_row *r, void *arg)
{
	struct report *rp = arg;

	if (r->outcome >= 0)
		rp->outcomes[r->outcome] += r->sessions;
	return 0;
}

static int on_cipher(const struct usage_row *r, void *arg)
{
	struct report *rp = arg;
	char n[32];

	strbuf_printf(rp->out, "%-10s %-32s %-12s %10s\n", usage_version_label(r->version),
		      r->cipher, r->group[0] ? r->group : "-", count(r->sessions, n));
	return 0;
}

static int on_reason(const struct usage_row *r, void *arg)
{
	struct report *rp = arg;
	char n[32];

	strbuf_printf(rp->out, "%-56s %10s\n", r->reason[0] ? r->reason : "-",
		      count(r->sessions, n));
	return 0;
}

static int on_peer(const struct usage_row *r, void *arg)
{
	struct report *rp = arg;
	char n[32];

	if (strcmp(r->version, rp->version) != 0 || rp->rows == 0) {
		snprintf(rp->version, sizeof(rp->version), "%s", r->version);
		strbuf_printf(rp->out, "%s%s:", rp->rows ? "\n" : "",
			      usage_version_label(r->version));
		rp->shown = 0;
	}
	rp->rows++;
	if (rp->shown < TOP_PER_VERSION)
		strbuf_printf(rp->out, "%s %s %s", rp->shown ? "," : "", r->peer,
			      count(r->sessions, n));
	else if (rp->shown == TOP_PER_VERSION)
		strbuf_puts(rp->out, ", ...");
	rp->shown++;
	return 0;
}

static int on_columns(const struct usage_row *r, void *arg)
{
	struct report *rp = arg;
	char n[USAGE_COL_COUNT][32];

	if (rp->rows++ >= PEER_ROWS)
		return 1;
	for (int i = 0; i < USAGE_COL_COUNT; i++)
		count(r->n[i], n[i]);
	/* 80 columns: a long name gets a line of its own. */
	if (strlen(r->peer) > PEER_WIDTH)
		strbuf_printf(rp->out, "%s\n", r->peer);
	strbuf_printf(rp->out, "%-*s %9s %9s %9s %9s %9s %9s\n", PEER_WIDTH,
		      strlen(r->peer) > PEER_WIDTH ? "" : r->peer, n[USAGE_COL_REQ_FAILED],
		      n[USAGE_COL_REQ_OK], n[USAGE_COL_PREF_FAILED], n[USAGE_COL_PREF_OK],
		      n[USAGE_COL_NO_TLS], n[USAGE_COL_TOTAL]);
	return 0;
}

static int service_report(struct session *s, enum tls_service_id id, long long since,
			  const char *period, struct strbuf *out)
{
	struct report rp = { .out = out };
	unsigned long long total = 0;
	char date[64], a[32], b[32], c[32], d[32];
	struct err e;

	format_date((time_t)since, date, sizeof(date));
	strbuf_printf(out, "TLS Connections: %s, %s (from %s)\n", service_names(id)->title, period,
		      date);
	if (db_usage_query(s->db, USAGE_Q_OUTCOMES, id, since, on_outcome, &rp, &e) < 0)
		return command_error(s, e.msg);
	for (int i = 0; i < USAGE_OUTCOME_COUNT; i++)
		total += rp.outcomes[i];
	if (total == 0) {
		strbuf_puts(out, "No sessions were recorded.\n");
		return 0;
	}
	strbuf_printf(out, "Sessions: %s (TLS success %s, TLS failed %s, no TLS %s)\n\n",
		      count(total, a), count(rp.outcomes[USAGE_SUCCESS], b),
		      count(rp.outcomes[USAGE_FAILED], c), count(rp.outcomes[USAGE_NO_TLS], d));
	strbuf_printf(out, "%-10s %-32s %-12s %10s\n", "Version", "Cipher", "Group", "Sessions");
	if (db_usage_query(s->db, USAGE_Q_CIPHERS, id, since, on_cipher, &rp, &e) < 0)
		return command_error(s, e.msg);
	if (rp.outcomes[USAGE_FAILED]) {
		strbuf_printf(out, "\n%-56s %10s\n", "Failure reason", "Sessions");
		if (db_usage_query(s->db, USAGE_Q_REASONS, id, since, on_reason, &rp, &e) < 0)
			return command_error(s, e.msg);
	}
	if (rp.outcomes[USAGE_SUCCESS]) {
		strbuf_puts(out, "\nTop peers per version (sessions):\n");
		if (db_usage_query(s->db, USAGE_Q_PEERS, id, since, on_peer, &rp, &e) < 0)
			return command_error(s, e.msg);
		strbuf_puts(out, "\n");
	}
	rp.rows = 0;
	strbuf_printf(out, "\n%-*s %9s %9s %9s %9s %9s %9s\n", PEER_WIDTH, "Peer", "Req Fail",
		      "Req OK", "Pref Fail", "Pref OK", "No TLS", "Total");
	if (db_usage_query(s->db, USAGE_Q_COLUMNS, id, since, on_columns, &rp, &e) < 0)
		return command_error(s, e.msg);
	if (rp.rows > PEER_ROWS)
		strbuf_printf(out, "(the %d peers with the most sessions)\n", PEER_ROWS);
	return 0;
}

/* "7d", "12h", "30" (days): the period in hours; -1 if not one. */
static long parse_period(const char *arg)
{
	char *end;
	long n;

	errno = 0;
	n = strtol(arg, &end, 10);
	if (errno || end == arg || arg[0] == '-' || n < 1)
		return -1;
	if (*end == 'h' && end[1] == '\0')
		return n <= MAX_DAYS * 24L ? n : -1;
	if ((*end == 'd' && end[1] == '\0') || *end == '\0')
		return n <= MAX_DAYS ? n * 24 : -1;
	return -1;
}

int cmd_tlsconnections(struct session *s, int argc, char **argv)
{
	unsigned services = 0;
	long hours = 7 * 24;
	long long since;
	char period[64], msg[160];
	struct strbuf out;
	int rc = 0;

	for (int i = 1; i < argc; i++) {
		int found = -1;
		for (int id = 0; id < SVC_COUNT; id++)
			if (strcasecmp(argv[i], service_names(id)->key) == 0)
				found = id;
		if (found >= 0) {
			services |= 1u << found;
		} else if ((hours = parse_period(argv[i])) < 0) {
			snprintf(msg, sizeof(msg),
				 "That value is not valid. \"%.40s\" is neither gui, inbound, "
				 "outbound nor a period (7d, 12h).",
				 argv[i]);
			return command_error(s, msg);
		}
	}
	if (!services)
		services = (1u << SVC_COUNT) - 1;
	/* The hours that began within the period, the current one included. */
	since = ((long long)time(NULL) / 3600 - hours + 1) * 3600;
	if (hours % 24 == 0)
		snprintf(period, sizeof(period), "last %ld day%s", hours / 24,
			 hours == 24 ? "" : "s");
	else
		snprintf(period, sizeof(period), "last %ld hour%s", hours, hours == 1 ? "" : "s");
	strbuf_init(&out);
	for (int id = 0; id < SVC_COUNT && rc == 0; id++) {
		if (!(services & (1u << id)))
			continue;
		if (out.len)
			strbuf_puts(&out, "\n");
		rc = service_report(s, id, since, period, &out);
	}
	if (rc == 0)
		fputs(out.data, stdout);
	strbuf_free(&out);
	return rc;
}
