/* http_route: the GUI HTTPS engine's routing table. */
#include "http_route.h"

#include <string.h>

static const struct {
	const char *path;
	enum http_page page;
} routes[] = {
	{ "/", HTTP_PAGE_HTML },
	{ "/api/sslconfig", HTTP_PAGE_JSON },
	{ "/metrics", HTTP_PAGE_METRICS },
};

static void answer(struct http_answer *out, int status, enum http_page page, const char *reason)
{
	out->status = status;
	out->page = page;
	out->reason = reason;
	out->allow = status == 405 ? "GET, HEAD" : NULL;
}

void http_route(enum evhttp_cmd_type cmd, const struct evhttp_uri *uri, struct http_answer *out)
{
	const char *path = uri ? evhttp_uri_get_path(uri) : NULL;

	if (!path || path[0] != '/')
		return answer(out, 400, HTTP_PAGE_NONE, "Bad Request");
	for (size_t i = 0; i < sizeof(routes) / sizeof(routes[0]); i++) {
		if (strcmp(path, routes[i].path) != 0)
			continue;
		if (cmd != EVHTTP_REQ_GET && cmd != EVHTTP_REQ_HEAD)
			return answer(out, 405, HTTP_PAGE_NONE, "Method Not Allowed");
		return answer(out, 200, routes[i].page, "OK");
	}
	answer(out, 404, HTTP_PAGE_NONE, "Not Found");
}
