/* web: the WebUI's dispatcher: the route table (path, method, least role,
 * handler), the session cookie, the CSRF check of every POST, the role read
 * again from the committed users list at each request, and the reply with
 * its security headers. */
#include "web.h"

#include <event2/buffer.h>
#include <event2/keyvalq_struct.h>
#include <openssl/crypto.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "../db/roles.h"
#include "../os/net.h"
#include "web_internal.h"

#define NO_SESSION (ROLE_GUEST - 1) /* a route open to anyone */

static void static_js(struct web_req *r)
{
	r->type = "text/javascript; charset=utf-8";
	strbuf_puts(&r->body, web_script);
}

static void static_css(struct web_req *r)
{
	r->type = "text/css; charset=utf-8";
	strbuf_puts(&r->body, web_stylesheet);
}

static const struct web_route {
	const char *path;
	bool post;
	int role; /* the least role; NO_SESSION: anyone */
	web_handler run;
} routes[] = {
	{ "/login", false, NO_SESSION, web_login_page },
	{ "/login", true, NO_SESSION, web_login_post },
	{ "/logout", true, ROLE_GUEST, web_logout },
	{ "/static/webui.js", false, NO_SESSION, static_js },
	{ "/static/webui.css", false, NO_SESSION, static_css },
	{ "/api/session", false, ROLE_GUEST, web_session_json },
	{ "/sslconfig", false, ROLE_GUEST, web_ssl_page },
	{ "/sslconfig/edit", false, ROLE_OPERATOR, web_ssl_edit },
	{ "/sslconfig", true, ROLE_OPERATOR, web_ssl_post },
	{ "/commit", false, ROLE_GUEST, web_commit_page },
	{ "/commit", true, ROLE_OPERATOR, web_commit_post },
	{ "/abandon", true, ROLE_OPERATOR, web_abandon_post },
	{ "/api/changes", false, ROLE_GUEST, web_changes_json },
	{ "/certificates", false, ROLE_GUEST, web_cert_page },
	{ "/certificates/csr", false, ROLE_GUEST, web_cert_csr },
	{ "/certificates/assign", true, ROLE_OPERATOR, web_cert_assign },
	{ "/certificates/import", true, ROLE_OPERATOR, web_cert_import },
	{ "/certificates/new", true, ROLE_OPERATOR, web_cert_new },
	{ "/certificates/confirm", true, ROLE_OPERATOR, web_cert_confirm_post },
	{ "/certificates/signed", true, ROLE_OPERATOR, web_cert_signed },
	{ "/certificates/export", true, ROLE_ADMIN, web_cert_export },
	{ "/destconfig", false, ROLE_GUEST, web_dest_page },
	{ "/destconfig/edit", false, ROLE_OPERATOR, web_dest_edit },
	{ "/destconfig", true, ROLE_OPERATOR, web_dest_post },
	{ "/destconfig/delete", true, ROLE_OPERATOR, web_dest_delete },
	{ "/destconfig/setup", true, ROLE_OPERATOR, web_dest_setup },
	{ "/monitor/tls", false, ROLE_GUEST, web_usage_page },
};

struct web *web_new(struct daemon *d)
{
	struct web *w = calloc(1, sizeof(*w));

	if (!w)
		return NULL;
	w->d = d;
	web_sessions_init(&w->sessions, d->opt.webui_timeout > 0 ? d->opt.webui_timeout : 1800);
	return w;
}

void web_free(struct web *w)
{
	if (w) {
		web_keygen_free(w);
		web_holds_free(w);
		OPENSSL_cleanse(w, sizeof(*w));
	}
	free(w);
}

static const char *header(struct web_req *r, const char *name)
{
	return evhttp_find_header(evhttp_request_get_input_headers(r->req), name);
}

void web_begin(struct web_req *r, const char *title)
{
	struct web_frame f = { title, NULL, NULL, NULL, false };
	long staged = 0;
	struct err e;

	if (r->session) {
		f.user = r->session->user;
		f.role = role_info_of(r->role)->name;
		f.csrf = r->session->csrf;
		f.staged =
			db_staged_count(r->d->db, r->session->user, &staged, &e) == 0 && staged > 0;
	}
	web_page_begin(&r->body, &f);
}

void web_result(struct web_req *r, int status, const char *kind, const char *message,
		const char *field)
{
	r->status = status;
	strbuf_reset(&r->body);
	if (r->json) {
		r->type = "application/json";
		web_json_result(&r->body, kind, message, field);
		return;
	}
	web_begin(r, kind);
	web_page_banner(&r->body, kind, message);
	if (!r->session)
		strbuf_puts(&r->body, "<p><a href=\"/login\">Log in</a></p>\n");
	else
		strbuf_printf(&r->body, "<p><a href=\"%s\">Back</a></p>\n",
			      strncmp(r->path, "/certificates", 13) == 0 ? "/certificates"
			      : strncmp(r->path, "/destconfig", 11) == 0 ? "/destconfig"
									 : "/sslconfig");
	web_page_end(&r->body);
}

void web_redirect(struct web_req *r, const char *to)
{
	r->status = 303;
	snprintf(r->location, sizeof(r->location), "%s", to);
	strbuf_reset(&r->body);
}

static int parse_body(struct web_req *r, struct err *e)
{
	struct evbuffer *in = evhttp_request_get_input_buffer(r->req);
	size_t len = evbuffer_get_length(in);
	const char *type = header(r, "Content-Type");
	const char *data = len ? (const char *)evbuffer_pullup(in, -1) : "";

	if (type && strncasecmp(type, "multipart/form-data", 19) == 0)
		return web_form_parse_multipart(&r->form, type, data, len, e);
	return web_form_parse_urlencoded(&r->form, data, len, e);
}

/* The session `id`, and the user's role now. */
static void find_session_id(struct web_req *r, const char *id)
{
	bool expired;
	struct err e;

	r->session = web_session_find(&r->w->sessions, id, time(NULL), &expired);
	if (expired)
		mail_log_info(r->d->log, "WebUI CID %lu session expired (address %s)", r->cid,
			      r->peer);
	if (r->session && roles_login(r->d->db, r->session->user, false, &r->role, &e) < 0) {
		mail_log_warning(r->d->log,
				 "WebUI CID %lu user %s is no longer listed: session ended", r->cid,
				 r->session->user);
		web_session_end(r->session);
		r->session = NULL;
	}
}

/* The session of the cookie, and the user's role now. */
static void find_session(struct web_req *r)
{
	const char *cookies = header(r, "Cookie");
	char id[WEB_TOKEN_LEN + 2];

	if (cookies && web_cookie_get(cookies, "tlsgate_session", id, sizeof(id)) == 0)
		find_session_id(r, id);
}

static void refuse(struct web_req *r, int status, const char *message, const char *why)
{
	mail_log_warning(r->d->log, "WebUI CID %lu %s %s refused for %s%s (address %s): %s", r->cid,
			 r->post ? "POST" : "GET", r->path, r->session ? "user " : "",
			 r->session ? r->session->user : "no session", r->peer, why);
	web_result(r, status, "Error", message, NULL);
}

int web_resume(struct web_req *r, const char *session_id, enum role least)
{
	find_session_id(r, session_id);
	if (!r->session) {
		refuse(r, 401, "You are not logged in, or your session has expired.",
		       "session ended while the key was made");
		return -1;
	}
	if (!role_allows(r->role, least)) {
		refuse(r, 403, "You are not in the correct access group to make changes.",
		       "role too low");
		return -1;
	}
	return 0;
}

static void dispatch(struct web_req *r, const struct web_route *rt)
{
	struct err e;

	if (r->post && parse_body(r, &e) < 0)
		return refuse(r, 400, e.msg, "bad form");
	if (rt->role == NO_SESSION)
		return rt->run(r);
	find_session(r);
	if (!r->session) {
		if (!r->post && !r->json)
			return web_redirect(r, "/login");
		return refuse(r, 401, "You are not logged in, or your session has expired.",
			      "not logged in");
	}
	if (r->post && !web_session_csrf_ok(r->session, web_form_get(&r->form, "csrf")))
		return refuse(r, 403,
			      "The form has expired or did not come from this page; "
			      "reload it and try again.",
			      "no valid CSRF token");
	if (!role_allows(r->role, (enum role)rt->role))
		return refuse(r, 403, "You are not in the correct access group to make changes.",
			      "role too low");
	rt->run(r);
}

void web_reply(struct web_req *r)
{
	struct evkeyvalq *h = evhttp_request_get_output_headers(r->req);
	struct evbuffer *out = evbuffer_new();

	evhttp_add_header(h, "Content-Type", r->type);
	evhttp_add_header(h, "Cache-Control", "no-store");
	evhttp_add_header(h, "X-Content-Type-Options", "nosniff");
	evhttp_add_header(h, "X-Frame-Options", "DENY");
	evhttp_add_header(h, "Referrer-Policy", "no-referrer");
	evhttp_add_header(h, "Strict-Transport-Security", "max-age=31536000");
	evhttp_add_header(h, "Content-Security-Policy",
			  "default-src 'none'; script-src 'self'; style-src 'self'; "
			  "img-src 'self'; connect-src 'self'; form-action 'self'; "
			  "frame-ancestors 'none'; base-uri 'none'");
	evhttp_add_header(h, "Server", "tlsgate");
	if (r->cookie[0])
		evhttp_add_header(h, "Set-Cookie", r->cookie);
	if (r->location[0])
		evhttp_add_header(h, "Location", r->location);
	if (r->disposition[0])
		evhttp_add_header(h, "Content-Disposition", r->disposition);
	if (out)
		evbuffer_add(out, r->body.data, r->body.len);
	mail_log_info(r->d->log, "HTTPS CID %lu %s %.200s %d", r->cid, r->post ? "POST" : "GET",
		      r->path, r->status);
	evhttp_send_reply(r->req, r->status, r->status == 200 ? "OK" : "", out);
	if (out)
		evbuffer_free(out);
	web_form_free(&r->form);
	strbuf_free(&r->body);
}

void web_req_init(struct web_req *r, struct web *w, struct evhttp_request *req, const char *path,
		  bool post, unsigned long cid)
{
	memset(r, 0, sizeof(*r));
	r->w = w;
	r->d = w->d;
	r->req = req;
	r->post = post;
	r->path = path;
	r->cid = cid;
	r->status = 200;
	r->type = "text/html; charset=utf-8";
	strbuf_init(&r->body);
}

bool web_route_known(struct evhttp_request *req)
{
	const struct evhttp_uri *uri = evhttp_request_get_evhttp_uri(req);
	const char *path = uri ? evhttp_uri_get_path(uri) : NULL;

	for (size_t i = 0; path && i < sizeof(routes) / sizeof(routes[0]); i++)
		if (strcmp(routes[i].path, path) == 0)
			return true;
	return false;
}

int web_handle(struct web *w, struct evhttp_request *req, unsigned long cid)
{
	const struct evhttp_uri *uri = evhttp_request_get_evhttp_uri(req);
	const char *path = uri ? evhttp_uri_get_path(uri) : NULL;
	enum evhttp_cmd_type cmd = evhttp_request_get_command(req);
	const struct web_route *rt = NULL;
	struct web_req r;
	bool known = false;

	if (!path)
		return 0;
	for (size_t i = 0; i < sizeof(routes) / sizeof(routes[0]); i++)
		if (strcmp(routes[i].path, path) == 0) {
			known = true;
			if (routes[i].post == (cmd == EVHTTP_REQ_POST) &&
			    (cmd == EVHTTP_REQ_GET || cmd == EVHTTP_REQ_POST))
				rt = &routes[i];
		}
	if (!known)
		return 0;
	web_holds_expire(w, time(NULL)); /* a held key stays no longer than it may */
	web_req_init(&r, w, req, path, cmd == EVHTTP_REQ_POST, cid);
	r.query = evhttp_uri_get_query(uri);
	{
		const char *accept = header(&r, "Accept");
		r.json = accept && strstr(accept, "application/json") &&
			 !strstr(accept, "text/html");
	}
	{
		struct evhttp_connection *con = evhttp_request_get_connection(req);
		const char *addr = NULL;
		ev_uint16_t port;
		if (con)
			evhttp_connection_get_peer(con, (char **)&addr, &port);
		snprintf(r.peer, sizeof(r.peer), "%s", addr ? addr : "?");
	}
	if (!rt) {
		evhttp_add_header(evhttp_request_get_output_headers(req), "Allow", "GET, POST");
		web_result(&r, 405, "Error", "Method Not Allowed", NULL);
	} else {
		dispatch(&r, rt);
	}
	if (r.deferred) { /* web_keygen replies when the key is made */
		web_form_free(&r.form);
		strbuf_free(&r.body);
	} else {
		web_reply(&r);
	}
	return 1;
}
