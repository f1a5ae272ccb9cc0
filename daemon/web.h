/* web: the WebUI inside the GUI HTTPS engine: login, sessions, CSRF, roles,
 * and the pages (web_auth.c, web_ssl.c, web_commit.c, web_certs.c,
 * web_dest.c). The engine hands every request here first. */
#ifndef TLSGATE_WEB_H
#define TLSGATE_WEB_H

#include <event2/http.h>
#include <stdbool.h>

struct daemon;
struct web;

struct web *web_new(struct daemon *d);
void web_free(struct web *w);
/* Is this one of the WebUI's paths? (Pure: any thread may ask.) */
bool web_route_known(struct evhttp_request *req);
/* 1: a WebUI request, answered; 0: not one (the engine's own routes). */
int web_handle(struct web *w, struct evhttp_request *req, unsigned long cid);

#endif
