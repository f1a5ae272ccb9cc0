/* web_internal: what the WebUI's page handlers share: the request as the
 * dispatcher prepared it (session, role, parsed form) and the reply. */
#ifndef TLSGATE_WEB_INTERNAL_H
#define TLSGATE_WEB_INTERNAL_H

#include <stdbool.h>

#include "../core/role.h"
#include "../core/strbuf.h"
#include "../core/web_form.h"
#include "../core/web_page.h"
#include "daemon.h"
#include "web_session.h"

struct web {
	struct daemon *d;
	struct web_sessions sessions;
};

struct web_req {
	struct web *w;
	struct daemon *d;
	struct evhttp_request *req;
	bool post;
	const char *path;
	char peer[64]; /* the client's address */
	unsigned long cid;
	bool json; /* Accept: application/json: answer JSON */
	struct web_form form;
	struct web_session *session; /* NULL: not logged in */
	enum role role;
	/* the reply */
	int status;
	const char *type;
	struct strbuf body;
	char cookie[256];   /* a Set-Cookie value, or "" */
	char location[128]; /* a 303's target, or "" */
};

/* A handler fills r->status and r->body (r->type defaults to HTML). */
typedef void (*web_handler)(struct web_req *r);

/* The page frame for a logged-in user (Commit Changes when anything is staged). */
void web_begin(struct web_req *r, const char *title);
/* An error or success answer: a page with the banner (and `more` rendered
 * after it, may be NULL), or JSON. */
void web_result(struct web_req *r, int status, const char *kind, const char *message,
		const char *field);
void web_redirect(struct web_req *r, const char *to);

/* Handlers. */
void web_login_page(struct web_req *r);
void web_login_post(struct web_req *r);
void web_logout(struct web_req *r);
void web_session_json(struct web_req *r);
void web_ssl_page(struct web_req *r);
void web_ssl_edit(struct web_req *r);
void web_ssl_post(struct web_req *r);
void web_commit_page(struct web_req *r);
void web_commit_post(struct web_req *r);
void web_abandon_post(struct web_req *r);
void web_changes_json(struct web_req *r);
void web_usage_page(struct web_req *r);

#endif
