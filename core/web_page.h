/* web_page: the WebUI's page frame (navigation, who is logged in, the yellow
 * Commit Changes button while anything is staged), AsyncOS's result banner
 * (id="action-results-title": Success, Warning or Error), the CSRF field of
 * every form, and the script and style sheet served as files (the
 * Content-Security-Policy forbids inline scripts). */
#ifndef TLSGATE_WEB_PAGE_H
#define TLSGATE_WEB_PAGE_H

#include <stdbool.h>

#include "strbuf.h"

struct web_frame {
	const char *title; /* "SSL Configuration" */
	const char *user;  /* NULL: not logged in (the login page) */
	const char *role;  /* "admin" */
	const char *csrf;  /* the session's token, for the logout form */
	bool staged;       /* show Commit Changes */
};

void web_page_begin(struct strbuf *out, const struct web_frame *f);
void web_page_end(struct strbuf *out);
/* kind "Success", "Warning" or "Error"; message is text (escaped here). */
void web_page_banner(struct strbuf *out, const char *kind, const char *message);
/* <input type="hidden" name="csrf" value="..."> */
void web_page_csrf(struct strbuf *out, const char *csrf);

/* The same result as JSON: {"result":"Error","message":"...","field":"..."}. */
void web_json_result(struct strbuf *out, const char *kind, const char *message, const char *field);

extern const char web_script[];     /* GET /static/webui.js */
extern const char web_stylesheet[]; /* GET /static/webui.css */

#endif
