/* http_route: which answer the GUI HTTPS engine gives to a request, from its
 * method and its parsed request target. Kept apart from the engine so that
 * the request path (libevent's URI parser, then this) is fuzzed alone. */
#ifndef TLSGATE_HTTP_ROUTE_H
#define TLSGATE_HTTP_ROUTE_H

#include <event2/http.h>

enum http_page { HTTP_PAGE_NONE, HTTP_PAGE_HTML, HTTP_PAGE_JSON, HTTP_PAGE_METRICS };

struct http_answer {
	int status;          /* 200, 400, 404 or 405 */
	enum http_page page; /* HTTP_PAGE_NONE unless status is 200 */
	const char *allow;   /* the Allow header of a 405, else NULL */
	const char *reason;  /* "Not Found": the status line's text, and the error body */
};

/* `uri` as libevent parsed the request line (NULL: it could not). Only GET
 * and HEAD of "/" (the page), "/api/sslconfig" (JSON) and "/metrics"
 * (Prometheus, daemon/usage.h) succeed; the query string is ignored. */
void http_route(enum evhttp_cmd_type cmd, const struct evhttp_uri *uri, struct http_answer *out);

#endif
