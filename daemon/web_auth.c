/* web_auth: the login page and its POST (password, throttle, log), logout,
 * and GET /api/session. The login form has its own CSRF token: a random
 * cookie it must echo (double submit), since there is no session yet. */
#include <event2/http.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "../core/config_web.h"
#include "../core/text.h"
#include "../db/password.h"
#include "../db/roles.h"
#include "web_internal.h"

#define LOGIN_COOKIE "tlsgate_login"

static void login_form(struct web_req *r, const char *kind, const char *message)
{
	char token[WEB_TOKEN_LEN + 1];

	if (web_random_token(token) < 0) {
		web_result(r, 500, "Error", "The random source failed.", NULL);
		return;
	}
	snprintf(r->cookie, sizeof(r->cookie),
		 LOGIN_COOKIE "=%s; Path=/login; Secure; HttpOnly; SameSite=Strict", token);
	web_begin(r, "Log In");
	if (kind)
		web_page_banner(&r->body, kind, message);
	strbuf_puts(&r->body, "<form method=\"post\" action=\"/login\" id=\"login-form\">\n");
	web_page_csrf(&r->body, token);
	strbuf_puts(&r->body,
		    "<table>\n<tr><th><label for=\"username\">Username:</label></th><td><input "
		    "type=\"text\" name=\"username\" id=\"username\" maxlength=\"64\" "
		    "autocomplete=\"username\" required></td></tr>\n<tr><th><label "
		    "for=\"password\">Passphrase:</label></th><td><input type=\"password\" "
		    "name=\"password\" id=\"password\" maxlength=\"128\" "
		    "autocomplete=\"current-password\" required></td></tr>\n</table>\n<p><button "
		    "type=\"submit\" id=\"login\">Login</button></p>\n</form>\n");
	web_page_end(&r->body);
}

void web_login_page(struct web_req *r)
{
	login_form(r, NULL, NULL);
}

static void login_refused(struct web_req *r, int status, const char *message)
{
	if (r->json) {
		web_result(r, status, "Error", message, NULL);
		return;
	}
	r->status = status;
	login_form(r, "Error", message);
}

void web_login_post(struct web_req *r)
{
	const char *user = web_form_get(&r->form, "username");
	const char *password = web_form_get(&r->form, "password");
	const char *cookies =
		evhttp_find_header(evhttp_request_get_input_headers(r->req), "Cookie");
	const char *csrf = web_form_get(&r->form, "csrf");
	char token[WEB_TOKEN_LEN + 2], shown[128];
	time_t now = time(NULL);
	struct web_session *s;
	enum role role;
	struct err e;

	if (!cookies || web_cookie_get(cookies, LOGIN_COOKIE, token, sizeof(token)) < 0 || !csrf ||
	    strlen(token) != WEB_TOKEN_LEN || strcmp(token, csrf) != 0) {
		mail_log_warning(r->d->log,
				 "WebUI CID %lu login refused (address %s): no valid CSRF token",
				 r->cid, r->peer);
		return login_refused(r, 403, "The login form has expired; please try again.");
	}
	if (!user || !password || !user[0] || strlen(user) > WEB_USER_MAX || !text_is_clean(user))
		return login_refused(r, 400, "Enter a username and a passphrase.");
	text_escape_buf(user, shown, sizeof(shown));
	if (!web_login_allowed(&r->w->sessions, r->peer, user, now)) {
		mail_log_warning(r->d->log,
				 "WebUI CID %lu login refused for %s (address %s): too many failed "
				 "attempts",
				 r->cid, shown, r->peer);
		return login_refused(r, 429,
				     "Too many failed login attempts. Try again in a few minutes.");
	}
	if (password_login(r->d->db, user, password, &role, &e) < 0) {
		web_login_failed(&r->w->sessions, r->peer, user, now);
		mail_log_warning(r->d->log, "WebUI CID %lu login failed for %s (address %s)",
				 r->cid, shown, r->peer);
		return login_refused(r, 401, "Invalid username or passphrase.");
	}
	if (!(s = web_session_new(&r->w->sessions, user, now)))
		return login_refused(r, 500, "The random source failed.");
	mail_log_info(r->d->log, "WebUI CID %lu user %s logged in (%s) from %s", r->cid, shown,
		      role_info_of(role)->name, r->peer);
	snprintf(r->cookie, sizeof(r->cookie),
		 "tlsgate_session=%s; Path=/; Secure; HttpOnly; SameSite=Strict", s->id);
	r->session = s;
	r->role = role;
	if (r->json)
		return web_session_json(r);
	web_redirect(r, "/sslconfig");
}

void web_logout(struct web_req *r)
{
	mail_log_info(r->d->log, "WebUI CID %lu user %s logged out", r->cid, r->session->user);
	web_session_end(r->session);
	r->session = NULL;
	snprintf(r->cookie, sizeof(r->cookie),
		 "tlsgate_session=; Path=/; Max-Age=0; Secure; HttpOnly; SameSite=Strict");
	if (r->json) {
		r->type = "application/json";
		web_json_result(&r->body, "Success", "You have logged out.", NULL);
		return;
	}
	web_redirect(r, "/login");
}

void web_session_json(struct web_req *r)
{
	long staged = 0;
	struct err e;

	db_staged_count(r->d->db, r->session->user, &staged, &e);
	r->type = "application/json";
	strbuf_puts(&r->body, "{\"user\":");
	web_json_string(&r->body, r->session->user);
	strbuf_printf(&r->body, ",\"role\":\"%s\",\"csrf\":\"%s\",\"staged\":%ld,\"timeout\":%d}\n",
		      role_info_of(r->role)->name, r->session->csrf, staged,
		      r->w->sessions.timeout);
}
