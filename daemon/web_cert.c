/* web_cert: Network > Certificates (the daemon side): the profiles of the
 * user's view (committed plus their staged edits) read with the console's
 * code (cert_profile_parse, cert_info_of), the assignment to GUI HTTPS and
 * the inbound listener (the settings gui.certificate / inbound.certificate,
 * staged as interfaceconfig and listenerconfig stage them), the CSR
 * download, and EXPORT (admin, as the console; audited; the PKCS#12 file is
 * the only thing that leaves, encrypted with the passphrase given twice). */
#include <openssl/crypto.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../core/pem_blob.h"
#include "../core/web_cert.h"
#include "../os/audit.h"
#include "../tls/cert_profile.h"
#include "web_internal.h"

#define PASSPHRASE_MAX 1024

struct rows {
	struct web_cert_row *rows;
	size_t count;
};

static int add_row(const char *name, const char *value, void *arg)
{
	struct rows *l = arg;
	struct web_cert_row *r;
	struct cert_profile p;
	struct cert_info i;
	struct err e;
	void *grown = realloc(l->rows, (l->count + 1) * sizeof(*l->rows));

	if (!grown)
		abort();
	l->rows = grown;
	r = &l->rows[l->count++];
	memset(r, 0, sizeof(*r));
	snprintf(r->name, sizeof(r->name), "%s", name);
	if (cert_profile_parse(value, &p, &e) < 0) {
		snprintf(r->status, sizeof(r->status), "Unreadable");
		snprintf(r->common_name, sizeof(r->common_name), "%.120s", e.msg);
		return 0;
	}
	cert_info_of(p.cert, &i);
	r->has_csr = p.csr != NULL;
	cert_profile_free(&p);
	snprintf(r->common_name, sizeof(r->common_name), "%s", i.common_name);
	snprintf(r->issuer, sizeof(r->issuer), "%s", i.issuer_cn);
	snprintf(r->status, sizeof(r->status), "%s", i.status);
	snprintf(r->key_type, sizeof(r->key_type), "%s", i.key_type);
	r->days_left = i.seconds_left > 0 ? i.seconds_left / 86400 : 0;
	pem_render_days(i.seconds_left, r->remaining, sizeof(r->remaining));
	if (i.seconds_left <= 0)
		snprintf(r->remaining, sizeof(r->remaining), "0 days");
	return 0;
}

static void render(struct web_req *r, const char *kind, const char *message, const char *field)
{
	struct rows l = { NULL, 0 };
	struct config c;
	struct err e;

	if (db_load_effective(r->d->db, r->session->user, &c, &e) < 0 ||
	    db_entries_list(r->d->db, 0, r->session->user, "cert", add_row, &l, &e) < 0) {
		free(l.rows);
		return web_result(r, 500, "Error", e.msg, NULL);
	}
	struct web_cert_view v = { l.rows,
				   l.count,
				   &c,
				   r->session->csrf,
				   role_allows(r->role, ROLE_OPERATOR),
				   role_allows(r->role, ROLE_ADMIN),
				   NULL,
				   NULL,
				   field,
				   message };
	/* A refused form comes back as the admin left it (passphrases never). */
	if (r->post && r->status == 400 && kind && strcmp(kind, "Error") == 0 &&
	    strncmp(r->path, "/certificates/", 14) == 0) {
		v.sent = &r->form;
		v.sent_form = r->path + 14;
	}
	if (r->json && !kind) {
		r->type = "application/json";
		web_cert_json(&v, &r->body);
	} else if (r->json) {
		web_result(r, r->status, kind, message, field);
	} else {
		web_begin(r, "Certificates");
		if (kind)
			web_page_banner(&r->body, kind, message);
		web_cert_html(&v, &r->body);
		web_page_end(&r->body);
	}
	free(l.rows);
}

void web_cert_page(struct web_req *r)
{
	render(r, NULL, NULL, NULL);
}

void web_cert_done(struct web_req *r, int status, const char *kind, const char *message,
		   const char *field)
{
	r->status = status;
	strbuf_reset(&r->body);
	if (r->json)
		return web_result(r, status, kind, message, field);
	render(r, kind, message, field);
}

/* Does profile `name` exist in the user's view? */
static int profile_exists(struct web_req *r, const char *name, struct err *e)
{
	char *blob = NULL;

	if (db_entry_get(r->d->db, r->session->user, "cert", name, &blob, e) < 0)
		return -1;
	cert_blob_free(blob);
	return blob != NULL;
}

void web_cert_assign(struct web_req *r)
{
	static const struct {
		const char *field, *key;
	} choices[] = { { "gui_certificate", "gui.certificate" },
			{ "inbound_certificate", "inbound.certificate" } };
	struct config before, c;
	char msg[300];
	struct err e;

	if (db_load_effective(r->d->db, r->session->user, &before, &e) < 0)
		return web_cert_done(r, 500, "Error", e.msg, NULL);
	c = before;
	for (size_t i = 0; i < sizeof(choices) / sizeof(choices[0]); i++) {
		const char *name = web_form_get(&r->form, choices[i].field);
		int exists;
		if (!name)
			continue; /* not sent: unchanged */
		if (config_check_profile_name(name, &e) < 0 ||
		    (exists = profile_exists(r, name, &e)) < 0)
			return web_cert_done(r, 400, "Error", e.msg, choices[i].field);
		if (!exists) {
			snprintf(msg, sizeof(msg), "There is no certificate profile \"%s\".", name);
			return web_cert_done(r, 400, "Error", msg, choices[i].field);
		}
		if (config_set(&c, choices[i].key, name, &e) < 0)
			return web_cert_done(r, 400, "Error", e.msg, choices[i].field);
	}
	if (db_stage_changes(r->d->db, r->session->user, &before, &c, &e) < 0)
		return web_cert_done(r, 500, "Error", e.msg, NULL);
	mail_log_info(r->d->log,
		      "WebUI CID %lu user %s staged certificates: GUI HTTPS %s, inbound %s", r->cid,
		      r->session->user, c.svc[SVC_GUI].certificate, c.svc[SVC_INBOUND].certificate);
	web_cert_done(r, 200, "Success", "Your changes are staged: Commit Changes to apply them.",
		      NULL);
}

/* The profile `name` of the user's view; -1 with e set. */
static int read_profile(struct web_req *r, const char *name, struct cert_profile *p, struct err *e)
{
	char *blob = NULL;
	int rc;

	memset(p, 0, sizeof(*p));
	if (!name || config_check_profile_name(name, e) < 0 ||
	    db_entry_get(r->d->db, r->session->user, "cert", name, &blob, e) < 0)
		return name ? -1 : err_set(e, "Choose a certificate profile.");
	if (!blob)
		return err_set(e, "There is no certificate profile \"%s\".", name);
	rc = cert_profile_parse(blob, p, e);
	cert_blob_free(blob);
	return rc;
}

/* The query's `name` (GET /certificates/csr?name=X) into out. */
static int query_name(struct web_req *r, char *out, size_t len)
{
	struct web_form q;
	const char *name;
	struct err e;
	int rc = -1;

	memset(&q, 0, sizeof(q));
	if (!r->query || web_form_parse_urlencoded(&q, r->query, strlen(r->query), &e) < 0)
		return -1;
	if ((name = web_form_get(&q, "name")) && strlen(name) < len) {
		snprintf(out, len, "%s", name);
		rc = 0;
	}
	web_form_free(&q);
	return rc;
}

void web_cert_csr(struct web_req *r)
{
	char name[CONFIG_PROFILE_MAX + 1];
	struct cert_profile p;
	struct strbuf pem;
	struct err e;

	if (query_name(r, name, sizeof(name)) < 0)
		return web_cert_done(r, 400, "Error", "Choose a certificate profile.", "name");
	if (read_profile(r, name, &p, &e) < 0)
		return web_cert_done(r, 404, "Error", e.msg, "name");
	strbuf_init(&pem);
	cert_csr_pem(&p, &pem);
	cert_profile_free(&p);
	if (!pem.len) {
		strbuf_free(&pem);
		return web_cert_done(r, 404, "Error",
				     "There is no certificate signing request for this profile.",
				     "name");
	}
	r->type = "application/pkcs10";
	snprintf(r->disposition, sizeof(r->disposition), "attachment; filename=\"%s.csr\"", name);
	strbuf_add(&r->body, pem.data, pem.len);
	strbuf_free(&pem);
}

static void wipe_field(struct web_req *r, const char *name)
{
	const struct web_field *f = web_form_field(&r->form, name);

	if (f && f->value)
		OPENSSL_cleanse(f->value, f->len);
}

static void export_profile(struct web_req *r, const char *name, const char *pass)
{
	struct cert_profile p;
	unsigned char *der = NULL;
	size_t len = 0;
	struct err e;

	if (read_profile(r, name, &p, &e) < 0)
		return web_cert_done(r, 400, "Error", e.msg, "name");
	if (cert_profile_to_pkcs12(&p, name, pass, &der, &len, &e) < 0) {
		cert_profile_free(&p);
		return web_cert_done(r, 500, "Error", e.msg, NULL);
	}
	cert_profile_free(&p);
	r->type = "application/x-pkcs12";
	snprintf(r->disposition, sizeof(r->disposition), "attachment; filename=\"%s.p12\"", name);
	strbuf_add(&r->body, (const char *)der, len);
	OPENSSL_free(der);
	mail_log_info(r->d->log, "WebUI CID %lu user %s exported certificate profile %s", r->cid,
		      r->session->user, name);
	audit_event(r->d->opt.home, "Info",
		    "WebUI: user %s exported certificate profile %s as PKCS#12 (address %s)",
		    r->session->user, name, r->peer);
}

void web_cert_export(struct web_req *r)
{
	const char *name = web_form_get(&r->form, "name");
	const char *pass = web_form_get(&r->form, "passphrase");
	const char *again = web_form_get(&r->form, "passphrase2");

	if (!pass || !pass[0])
		web_cert_done(r, 400, "Error",
			      "You must enter a passphrase: the file holds the private key.",
			      "passphrase");
	else if (strlen(pass) >= PASSPHRASE_MAX)
		web_cert_done(r, 400, "Error", "The passphrase is too long.", "passphrase");
	else if (!again || strcmp(pass, again) != 0)
		web_cert_done(r, 400, "Error",
			      "The value must be the same both times: the passphrases do not "
			      "match.",
			      "passphrase2");
	else
		export_profile(r, name, pass);
	wipe_field(r, "passphrase");
	wipe_field(r, "passphrase2");
}
