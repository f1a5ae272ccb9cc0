/* route: smtproutes destinations — "host[:port]" lists, comma-separated, as
 * the admin types them and as entries of kind "route" store them. A host may
 * be bracketed ("[192.0.2.1]") to say it is used as is, never MX-looked-up;
 * routed hosts are never MX-looked-up in tlsgate anyway (AsyncOS's rule for
 * a route to a name). The entry "ALL" is the default route. */
#ifndef TLSGATE_ROUTE_H
#define TLSGATE_ROUTE_H

#include <stddef.h>

#include "err.h"

#define ROUTE_ALL_NAME  "ALL"
#define ROUTE_HOSTS_MAX 8
#define ROUTE_HOST_MAX  253

struct route_host {
	char host[ROUTE_HOST_MAX + 1]; /* without brackets */
	unsigned port;                 /* 25 unless given */
};

struct route {
	struct route_host hosts[ROUTE_HOSTS_MAX];
	size_t count;
};

/* "mx1.example.com, [192.0.2.1]:2525": blanks around commas allowed. */
int route_parse(const char *text, struct route *out, struct err *e);
/* The canonical spelling ("mx1.example.com,192.0.2.1:2525") into buf. */
void route_render(const struct route *r, char *buf, size_t len);

#endif
