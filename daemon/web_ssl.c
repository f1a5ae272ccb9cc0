/* web_ssl (daemon side): SSL Configuration pages. The form is read by
 * core/web_ssl.c through config_set (the contiguity rule, cipher syntax),
 * then each cipher string is checked by OpenSSL with the console's
 * tls_check_ciphers, and the edit is staged for the user exactly as
 * sslconfig stages it (db_stage_changes). */
#include <stdio.h>
#include <string.h>

#include "../core/config_web.h"
#include "../core/web_ssl.h"
#include "../tls/tls_ctx.h"
#include "web_internal.h"

static void page(struct web_req *r, const struct config *c, const char *kind, const char *message)
{
	long staged = 0;
	struct err e;

	web_begin(r, "SSL Configuration");
	if (kind)
		web_page_banner(&r->body, kind, message);
	db_staged_count(r->d->db, r->session->user, &staged, &e);
	if (staged > 0)
		strbuf_puts(&r->body, "<p class=\"note\">These settings include your changes not "
				      "yet committed.</p>\n");
	web_ssl_view(c, role_allows(r->role, ROLE_OPERATOR), &r->body);
	web_page_end(&r->body);
}

void web_ssl_page(struct web_req *r)
{
	struct config c;
	struct err e;

	if (db_load_effective(r->d->db, r->session->user, &c, &e) < 0)
		return web_result(r, 500, "Error", e.msg, NULL);
	if (r->json) {
		r->type = "application/json";
		config_render_json(&c, r->d->version, &r->body);
		return;
	}
	page(r, &c, NULL, NULL);
}

/* The Edit Settings form; `sent` (or NULL): a refused submission shown
 * again as the admin left it, with the field error. */
static void form_page(struct web_req *r, const struct config *c, const struct web_form *sent,
		      const char *field, const char *message)
{
	web_begin(r, "Edit SSL Configuration");
	if (field)
		web_page_banner(&r->body, "Error", message);
	web_ssl_form(c, r->session->csrf, sent, field, message, &r->body);
	web_page_end(&r->body);
}

void web_ssl_edit(struct web_req *r)
{
	struct config c;
	struct err e;

	if (db_load_effective(r->d->db, r->session->user, &c, &e) < 0)
		return web_result(r, 500, "Error", e.msg, NULL);
	form_page(r, &c, NULL, NULL, NULL);
}

static void refuse_field(struct web_req *r, const struct config *shown, const char *field,
			 const char *message)
{
	mail_log_info(r->d->log, "WebUI CID %lu user %s SSL Configuration refused: %s: %s", r->cid,
		      r->session->user, field, message);
	if (r->json)
		return web_result(r, 400, "Error", message, field);
	r->status = 400;
	form_page(r, shown, &r->form, field, message);
}

void web_ssl_post(struct web_req *r)
{
	struct config seen, edited;
	struct strbuf notes;
	char field[64] = "";
	struct err e;

	if (db_load_effective(r->d->db, r->session->user, &seen, &e) < 0)
		return web_result(r, 500, "Error", e.msg, NULL);
	edited = seen;
	if (web_ssl_apply(&r->form, &edited, field, sizeof(field), &e) < 0)
		return refuse_field(r, &seen, field, e.msg);
	strbuf_init(&notes);
	for (int id = 0; id < SVC_COUNT; id++) {
		if (tls_check_ciphers(edited.svc[id].ciphers, &e) < 0) {
			snprintf(field, sizeof(field), "ssl_%s_ciphers", service_names(id)->key);
			strbuf_free(&notes);
			return refuse_field(r, &seen, field, e.msg);
		}
		tls_cipher_unmatched_entries(edited.svc[id].ciphers, seen.svc[id].ciphers, &notes);
	}
	if (db_stage_changes(r->d->db, r->session->user, &seen, &edited, &e) < 0) {
		strbuf_free(&notes);
		return web_result(r, 500, "Error", e.msg, NULL);
	}
	mail_log_info(r->d->log, "WebUI CID %lu user %s staged SSL Configuration changes", r->cid,
		      r->session->user);
	struct strbuf msg;
	strbuf_init(&msg);
	strbuf_puts(&msg, "Your changes are staged: Commit Changes to apply them.");
	if (notes.len) {
		for (char *p = notes.data; *p; p++)
			if (*p == '\n')
				*p = p[1] ? ',' : '\0';
		strbuf_printf(&msg,
			      " Note: these entries match no cipher known to OpenSSL and "
			      "are ignored: %s.",
			      notes.data);
	}
	if (r->json) {
		r->type = "application/json";
		web_json_result(&r->body, notes.len ? "Warning" : "Success", msg.data, NULL);
	} else {
		page(r, &edited, notes.len ? "Warning" : "Success", msg.data);
	}
	strbuf_free(&msg);
	strbuf_free(&notes);
}
