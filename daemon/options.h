/* options: tlsgated's command-line settings (daemon/tlsgated.c parses them),
 * read by the daemon and, through engine.h's handle, by the engines. */
#ifndef TLSGATE_OPTIONS_H
#define TLSGATE_OPTIONS_H

#include <stdbool.h>
#include <stddef.h>

#include "spool.h"

struct daemon_options {
	const char *home;
	const char *https_addr;     /* "127.0.0.1:8443" */
	const char *smtp_addr;      /* "127.0.0.1:2525" */
	int http_timeout;           /* seconds a connection may sit idle */
	int webui_timeout;          /* seconds a WebUI session may sit idle */
	int smtp_timeout;           /* seconds per SMTP read or write */
	int handshake_timeout;      /* seconds to finish TLS, and to send EHLO/HELO */
	size_t smtp_max_size;       /* SIZE: largest message accepted */
	unsigned smtp_max_sessions; /* concurrent inbound sessions */
	unsigned https_max_conns;   /* concurrent HTTPS connections */
	unsigned max_per_address;   /* concurrent connections from one address, per listener */
	struct spool_limits spool;  /* spool quota and free-space floor */
	bool deliver;               /* run the outbound delivery engine */
	long retry_base;            /* seconds before the first retry; doubles each time */
	long retry_max;             /* the longest wait between retries */
	long queue_lifetime;        /* seconds a message may stay queued before it bounces */
	long queue_scan_ms;         /* how often the spool is scanned for new messages */
	long tls_rpt_interval;      /* seconds per TLS-RPT report period (RFC 8460: a day) */
	bool usage_off;             /* --no-usage: record no TLS usage (daemon/usage.h) */
	long usage_flush_seconds;   /* how often the counts reach the rollups */
	long usage_keep_days;       /* rollups older than this are deleted */
	const char *metrics_allow;  /* addresses that may GET /metrics, comma-separated */
	unsigned workers;           /* HTTPS event loops (threads), daemon/workers.h */
};

#endif
