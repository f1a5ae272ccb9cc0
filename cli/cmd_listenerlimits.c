/* cmd_listenerlimits: listenerconfig's limits — EDIT → LIMITS (one
 * listener's concurrent connections and largest message, the fields of
 * "listener.NAME") and SETUP (the settings of all listeners together, the
 * entry "smtpsetup.global"). 0 leaves the limit to tlsgated's own options;
 * tlsgated enforces both on the next connection after the commit. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../tls/inbound.h"
#include "commands.h"
#include "listeners.h"
#include "prompt.h"

/* ---- LIMITS ---- */

static void print_limit(const char *label, long v, const char *otherwise)
{
	if (v > 0)
		printf("%s: %ld\n", label, v);
	else
		printf("%s: %s\n", label, otherwise);
}

void listener_print_limits(const struct listener *l)
{
	print_limit("Maximum Concurrent Connections", l->max_connections,
		    "no limit of its own (tlsgated --smtp-max-sessions)");
	print_limit("Maximum Message Size", l->max_message_size,
		    "no limit of its own (tlsgated --smtp-max-size, and each mail flow policy)");
}

int listener_edit_limits(struct session *s, void *ctx, int unused)
{
	struct listener_view *v = ctx;
	long conns, size;

	(void)unused;
	if (listener_ask_long(s,
			      "Enter the maximum number of concurrent connections allowed to this "
			      "listener (0: only tlsgated's --smtp-max-sessions limits it).",
			      v->l.max_connections, 0, LISTENER_CONNECTIONS_MAX, &conns) < 0 ||
	    listener_ask_long(s,
			      "Enter the maximum message size in bytes for this listener (0: only "
			      "tlsgated's --smtp-max-size and the mail flow policies limit it).",
			      v->l.max_message_size, 0, LISTENER_SIZE_MAX, &size) < 0)
		return -1;
	v->l.max_connections = (int)conns;
	v->l.max_message_size = size;
	return listener_stage_entry(s, &v->l);
}

/* ---- SETUP ---- */

static int load_setup(struct session *s, struct listener_setup *out)
{
	struct plan_source src = { s->user, 0 };
	struct err e;

	if (inbound_setup(s->db, &src, out, &e) < 0)
		return command_error(s, e.msg);
	return 0;
}

static void print_setup(const struct listener_setup *s)
{
	const struct listener_setup g = *s;

	printf("Global settings of all listeners:\n");
	print_limit("  Maximum concurrent connections (all listeners)", g.max_connections,
		    "tlsgated --smtp-max-sessions");
	print_limit("  Timeout for unsuccessful inbound connections (seconds)", g.handshake_timeout,
		    "tlsgated --handshake-timeout");
	print_limit("  Maximum connection time (seconds)", g.max_connection_time, "no limit");
}

int listener_setup_run(struct session *s, void *ctx, int unused)
{
	struct listener_setup g;
	struct strbuf text;
	long conns, timeout, life;
	int rc;

	(void)ctx;
	(void)unused;
	if (load_setup(s, &g) < 0)
		return -1;
	print_setup(&g);
	if (listener_ask_long(s,
			      "Enter the global limit for concurrent connections to be allowed "
			      "across all listeners (0: only tlsgated's --smtp-max-sessions "
			      "limits them).",
			      g.max_connections, 0, LISTENER_CONNECTIONS_MAX, &conns) < 0 ||
	    listener_ask_long(s,
			      "Enter the timeout in seconds for unsuccessful inbound connections: "
			      "a client that has not greeted with EHLO or HELO (again after "
			      "STARTTLS) is disconnected (0: tlsgated's --handshake-timeout).",
			      g.handshake_timeout, 0, LISTENER_TIMEOUT_MAX, &timeout) < 0 ||
	    listener_ask_long(s,
			      "Enter the maximum connection time in seconds for inbound "
			      "connections (0: no limit).",
			      g.max_connection_time, 0, 24 * LISTENER_TIMEOUT_MAX, &life) < 0)
		return -1;
	g.max_connections = (int)conns;
	g.handshake_timeout = (int)timeout;
	g.max_connection_time = (int)life;
	strbuf_init(&text);
	listener_setup_encode(&g, &text);
	rc = listener_stage(s, "smtpsetup", LISTENER_SETUP_ENTRY, text.data);
	strbuf_free(&text);
	return rc;
}
