/* fuzz_http_route: the GUI HTTPS request path after libevent has split the
 * request line: byte 0 picks the method, the rest is the request target,
 * parsed by evhttp_uri_parse_with_flags as evhttp parses it (flag
 * EVHTTP_URI_NONCONFORMANT), then routed by http_route. Checks the answer
 * against a model: only GET/HEAD of "/" and "/api/sslconfig" succeed. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <event2/http.h>

#include "../../daemon/http_route.h"
#include "fuzz_check.h"

#define TARGET_MAX 8192 /* above the engine's header limit */

static const enum evhttp_cmd_type methods[] = {
	EVHTTP_REQ_GET,	    EVHTTP_REQ_HEAD,  EVHTTP_REQ_POST,	  EVHTTP_REQ_PUT,  EVHTTP_REQ_DELETE,
	EVHTTP_REQ_OPTIONS, EVHTTP_REQ_TRACE, EVHTTP_REQ_CONNECT, EVHTTP_REQ_PATCH,
};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	enum evhttp_cmd_type cmd;
	struct evhttp_uri *uri;
	struct http_answer a;
	const char *path;
	char *target;
	int get_like, known;

	if (size < 1 || size > TARGET_MAX)
		return 0;
	cmd = methods[data[0] % (sizeof(methods) / sizeof(methods[0]))];
	target = malloc(size);
	check(target != NULL);
	memcpy(target, data + 1, size - 1);
	target[size - 1] = '\0';
	uri = evhttp_uri_parse_with_flags(target, EVHTTP_URI_NONCONFORMANT);
	http_route(cmd, uri, &a);

	path = uri ? evhttp_uri_get_path(uri) : NULL;
	get_like = cmd == EVHTTP_REQ_GET || cmd == EVHTTP_REQ_HEAD;
	known = path && (strcmp(path, "/") == 0 || strcmp(path, "/api/sslconfig") == 0 ||
			 strcmp(path, "/metrics") == 0);
	check(a.reason != NULL && a.reason[0] != '\0');
	if (!path || path[0] != '/') {
		check(a.status == 400 && a.page == HTTP_PAGE_NONE && !a.allow);
	} else if (!known) {
		check(a.status == 404 && a.page == HTTP_PAGE_NONE && !a.allow);
	} else if (!get_like) {
		check(a.status == 405 && a.page == HTTP_PAGE_NONE);
		check(a.allow && strcmp(a.allow, "GET, HEAD") == 0);
	} else {
		check(a.status == 200 && !a.allow);
		check(a.page == (strcmp(path, "/") == 0		  ? HTTP_PAGE_HTML
				 : strcmp(path, "/metrics") == 0 ? HTTP_PAGE_METRICS
								  : HTTP_PAGE_JSON));
	}
	/* A routed page is never reached by a path with more in it (dot segments,
	 * encodings, NULs cut short by the parser). */
	if (a.status == 200)
		check(strlen(path) <= strlen("/api/sslconfig"));
	if (uri)
		evhttp_uri_free(uri);
	free(target);
	return 0;
}
