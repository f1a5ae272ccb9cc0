/* web_internal: what the WebUI's page handlers share: the request as the
 * dispatcher prepared it (session, role, parsed form) and the reply. */
#ifndef TLSGATE_WEB_INTERNAL_H
#define TLSGATE_WEB_INTERNAL_H

#include <stdbool.h>
#include <time.h>

#include "../core/role.h"
#include "../core/strbuf.h"
#include "../core/web_form.h"
#include "../core/web_page.h"
#include "../tls/cert_profile.h"
#include "daemon.h"
#include "web_session.h"

/* A new certificate profile waiting for the overwrite question's answer
 * (IMPORT, NEW: the name exists). Held in memory for its session only, at
 * most WEB_HOLD_SECONDS, wiped when answered, replaced or expired. */
#define WEB_HOLDS_MAX    8
#define WEB_HOLD_SECONDS 300
struct web_hold {
	char session[WEB_TOKEN_LEN + 1]; /* "": free */
	char name[65];
	char summary[400]; /* what staging it will say */
	char *blob;        /* the profile as stored (holds its key) */
	time_t at;
};

/* New keys made at the same time (web_keygen.c); one more is "busy". */
#define WEB_KEYGEN_MAX 2
struct web_keygen;

struct web {
	struct daemon *d;
	struct web_sessions sessions;
	struct web_hold holds[WEB_HOLDS_MAX];
	struct web_keygen *keygen[WEB_KEYGEN_MAX];
};

struct web_req {
	struct web *w;
	struct daemon *d;
	struct evhttp_request *req;
	bool post;
	const char *path;
	const char *query; /* the URI's query ("name=x"), or NULL */
	char peer[64];     /* the client's address */
	unsigned long cid;
	bool json; /* Accept: application/json: answer JSON */
	struct web_form form;
	struct web_session *session; /* NULL: not logged in */
	enum role role;
	/* the reply */
	int status;
	const char *type;
	struct strbuf body;
	char cookie[256];      /* a Set-Cookie value, or "" */
	char location[128];    /* a 303's target, or "" */
	char disposition[160]; /* a Content-Disposition value (a download), or "" */
	bool deferred;         /* the reply comes later (web_keygen): not sent on return */
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

/* A request's fields from the evhttp request (body empty, HTML, 200). */
void web_req_init(struct web_req *r, struct web *w, struct evhttp_request *req, const char *path,
		  bool post, unsigned long cid);
/* Sends the reply and frees what the request holds. */
void web_reply(struct web_req *r);
/* A deferred request's session again (by its id) with its role read again
 * from the committed users; -1 (the refusal filled in) when it ended or the
 * role is now below `least`. */
int web_resume(struct web_req *r, const char *session_id, enum role least);

/* Makes the key and certificate of `q` on a worker thread, then calls `done`
 * on the event loop with the profile (NULL: e says why) and replies. 0: r is
 * deferred; 1: WEB_KEYGEN_MAX keys are being made already; -1: cannot. */
typedef void (*web_keygen_done)(struct web_req *r, const char *name, const struct cert_profile *p,
				const struct err *e);
int web_keygen_start(struct web_req *r, const char *name, const struct cert_request *q,
		     web_keygen_done done);
/* Waits for the threads and frees their work, without replying (web_free). */
void web_keygen_free(struct web *w);

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
void web_cert_page(struct web_req *r);
void web_cert_assign(struct web_req *r);
void web_cert_export(struct web_req *r);
void web_cert_csr(struct web_req *r);
void web_cert_import(struct web_req *r);
void web_cert_new(struct web_req *r);
void web_cert_confirm_post(struct web_req *r);
void web_cert_signed(struct web_req *r);
void web_dest_page(struct web_req *r);
void web_dest_edit(struct web_req *r);
void web_dest_post(struct web_req *r);
void web_dest_delete(struct web_req *r);
void web_dest_setup(struct web_req *r);

/* The certificates page again after a POST, with a banner (or JSON). */
void web_cert_done(struct web_req *r, int status, const char *kind, const char *message,
		   const char *field);
/* Wipes and frees every hold (web_free), or those older than
 * WEB_HOLD_SECONDS (at each request). */
void web_holds_free(struct web *w);
void web_holds_expire(struct web *w, time_t now);

#endif
