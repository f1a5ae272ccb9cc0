/* web_cert: the Certificates page, its forms and the overwrite question. */
#include "web_cert.h"

#include <string.h>

#include "config_web.h"
#include "web_page.h"

static void used_by(const struct config *c, const char *name, struct strbuf *out)
{
	const char *sep = "";

	for (int id = 0; c && id < SVC_COUNT; id++)
		if (strcmp(c->svc[id].certificate, name) == 0) {
			strbuf_printf(out, "%s%s", sep, service_names(id)->title);
			sep = ", ";
		}
}

static void table(const struct web_cert_view *v, struct strbuf *out)
{
	strbuf_puts(out, "<h2>Certificate Profiles</h2>\n<table id=\"cert-list\">\n<tr><th>Name"
			 "</th><th>Common Name</th><th>Issued By</th><th>Status</th><th>Time "
			 "Remaining</th><th>Key</th><th>Used By</th><th>Signing Request</th>"
			 "</tr>\n");
	for (size_t i = 0; i < v->count; i++) {
		const struct web_cert_row *r = &v->rows[i];
		strbuf_puts(out, "<tr id=\"cert-");
		web_html_text(out, r->name);
		strbuf_puts(out, "\"><td>");
		web_html_text(out, r->name);
		strbuf_puts(out, "</td><td>");
		web_html_text(out, r->common_name);
		strbuf_puts(out, "</td><td>");
		web_html_text(out, r->issuer);
		strbuf_puts(out, "</td><td>");
		web_html_text(out, r->status);
		strbuf_puts(out, "</td><td>");
		web_html_text(out, r->remaining);
		strbuf_puts(out, "</td><td>");
		web_html_text(out, r->key_type);
		strbuf_puts(out, "</td><td>");
		used_by(v->c, r->name, out);
		strbuf_puts(out, "</td><td>");
		if (r->has_csr) {
			strbuf_puts(out, "<a class=\"csr\" href=\"/certificates/csr?name=");
			web_html_text(out, r->name); /* names are [A-Za-z0-9_-] */
			strbuf_puts(out, "\">Download CSR</a>");
		}
		strbuf_puts(out, "</td></tr>\n");
	}
	strbuf_puts(out, "</table>\n");
}

/* The value of field `name` of form `form` as submitted, when that form
 * comes back refused; otherwise `dflt`. */
static const char *sent_value(const struct web_cert_view *v, const char *form, const char *name,
			      const char *dflt)
{
	const char *value;

	if (!v->sent || !v->sent_form || strcmp(v->sent_form, form) != 0)
		return dflt;
	value = web_form_get(v->sent, name);
	return value ? value : "";
}

/* The refused field's error under it (id "error-FORM-NAME"). */
static void field_error(const struct web_cert_view *v, const char *form, const char *name,
			struct strbuf *out)
{
	if (!v->sent || !v->sent_form || strcmp(v->sent_form, form) != 0 || !v->bad_field ||
	    strcmp(v->bad_field, name) != 0 || !v->bad_message)
		return;
	strbuf_printf(out, "<div class=\"error\" id=\"error-%s-%s\">", form, name);
	web_html_text(out, v->bad_message);
	strbuf_puts(out, "</div>");
}

/* <select name="NAME" id="ID"> of the profiles, `chosen` selected. */
static void pick(const struct web_cert_view *v, const char *name, const char *id,
		 const char *chosen, struct strbuf *out)
{
	strbuf_printf(out, "<select name=\"%s\" id=\"%s\">", name, id);
	for (size_t i = 0; i < v->count; i++) {
		strbuf_puts(out, "<option value=\"");
		web_html_text(out, v->rows[i].name);
		strbuf_printf(out, "\"%s>",
			      chosen && strcmp(chosen, v->rows[i].name) == 0 ? " selected" : "");
		web_html_text(out, v->rows[i].name);
		strbuf_puts(out, "</option>");
	}
	strbuf_puts(out, "</select>");
}

static void form_open(const struct web_cert_view *v, const char *action, const char *id,
		      bool multipart, struct strbuf *out)
{
	strbuf_printf(out, "<form method=\"post\" action=\"%s\" id=\"%s\"%s>\n", action, id,
		      multipart ? " enctype=\"multipart/form-data\"" : "");
	web_page_csrf(out, v->csrf);
	strbuf_puts(out, "\n<table>\n");
}

/* A labelled input; its id is PREFIX-NAME (the page has several forms). A
 * refused form gets back what was typed, except a passphrase. */
static void text_row(const struct web_cert_view *v, const char *prefix, const char *label,
		     const char *name, const char *type, const char *value, int maxlength,
		     struct strbuf *out)
{
	if (strcmp(type, "password") != 0)
		value = sent_value(v, prefix, name, value);
	strbuf_printf(out,
		      "<tr><th><label for=\"%s-%s\">%s</label></th><td><input type=\"%s\" "
		      "name=\"%s\" id=\"%s-%s\" maxlength=\"%d\" value=\"",
		      prefix, name, label, type, name, prefix, name, maxlength);
	web_html_text(out, strcmp(type, "password") != 0 && value ? value : "");
	strbuf_puts(out, "\">");
	field_error(v, prefix, name, out);
	strbuf_puts(out, "</td></tr>\n");
}

static void form_close(const char *button_id, const char *label, struct strbuf *out)
{
	strbuf_printf(out,
		      "</table>\n<p><button type=\"submit\" id=\"%s\">%s</button></p>\n"
		      "</form>\n",
		      button_id, label);
}

static void assign_form(const struct web_cert_view *v, struct strbuf *out)
{
	strbuf_puts(out, "<h2>Assign Certificates</h2>\n");
	form_open(v, "/certificates/assign", "assign-form", false, out);
	strbuf_puts(out, "<tr><th><label for=\"gui_certificate\">GUI HTTPS (Management "
			 "interface)</label></th><td>");
	pick(v, "gui_certificate", "gui_certificate",
	     sent_value(v, "assign", "gui_certificate", v->c->svc[SVC_GUI].certificate), out);
	field_error(v, "assign", "gui_certificate", out);
	strbuf_puts(out, "</td></tr>\n<tr><th><label for=\"inbound_certificate\">Inbound SMTP "
			 "listeners (those without a certificate of their own)</label></th><td>");
	pick(v, "inbound_certificate", "inbound_certificate",
	     sent_value(v, "assign", "inbound_certificate", v->c->svc[SVC_INBOUND].certificate),
	     out);
	field_error(v, "assign", "inbound_certificate", out);
	strbuf_puts(out, "</td></tr>\n");
	form_close("assign", "Submit", out);
}

static void import_form(const struct web_cert_view *v, struct strbuf *out)
{
	strbuf_puts(out, "<h2>Import a Certificate (PKCS#12)</h2>\n");
	form_open(v, "/certificates/import", "import-form", true, out);
	text_row(v, "import", "Profile name", "name", "text", "", CONFIG_PROFILE_MAX, out);
	strbuf_puts(out, "<tr><th><label for=\"import-file\">PKCS#12 file</label></th><td><input "
			 "type=\"file\" name=\"file\" id=\"import-file\" accept=\".p12,.pfx\">");
	field_error(v, "import", "file", out);
	strbuf_puts(out, "</td></tr>\n");
	text_row(v, "import", "Passphrase", "passphrase", "password", "", 1023, out);
	form_close("import", "Import", out);
}

static void new_form(const struct web_cert_view *v, struct strbuf *out)
{
	static const char *const keys[][2] = {
		{ "rsa2048", "RSA 2048" }, { "rsa3072", "RSA 3072" }, { "rsa4096", "RSA 4096" },
		{ "p256", "ECDSA P-256" }, { "p384", "ECDSA P-384" },
	};
	const char *key;

	strbuf_puts(out, "<h2>Create a Key and Certificate Signing Request</h2>\n"
			 "<p class=\"note\">The profile gets a self-signed certificate until the "
			 "certificate the CA signs is uploaded below.</p>\n");
	form_open(v, "/certificates/new", "new-form", false, out);
	text_row(v, "new", "Profile name", "name", "text", "", CONFIG_PROFILE_MAX, out);
	key = sent_value(v, "new", "key", "rsa2048");
	strbuf_puts(out, "<tr><th><label for=\"new-key\">Key</label></th><td><select name=\"key\" "
			 "id=\"new-key\">");
	for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++)
		strbuf_printf(out, "<option value=\"%s\"%s>%s</option>", keys[i][0],
			      strcmp(key, keys[i][0]) == 0 ? " selected" : "", keys[i][1]);
	strbuf_puts(out, "</select>");
	field_error(v, "new", "key", out);
	strbuf_puts(out, "</td></tr>\n");
	text_row(v, "new", "Common Name", "cn", "text", "", 64, out);
	text_row(v, "new", "Organization", "o", "text", "", 64, out);
	text_row(v, "new", "Organizational Unit", "ou", "text", "", 64, out);
	text_row(v, "new", "Locality or City", "l", "text", "", 128, out);
	text_row(v, "new", "State or Province", "st", "text", "", 128, out);
	text_row(v, "new", "Country (2 letter code)", "c", "text", "", 2, out);
	text_row(v, "new", "Duration before expiration (in days)", "days", "text", "3650", 5, out);
	strbuf_puts(out, "<tr><th><label for=\"new-sans\">Subject alternative names (DNS names or "
			 "IP addresses, one per line)</label></th><td><textarea name=\"sans\" "
			 "id=\"new-sans\" rows=\"3\">");
	web_html_text(out, sent_value(v, "new", "sans", ""));
	strbuf_puts(out, "</textarea>");
	field_error(v, "new", "sans", out);
	strbuf_puts(out, "</td></tr>\n");
	form_close("create", "Create", out);
}

static void signed_form(const struct web_cert_view *v, struct strbuf *out)
{
	strbuf_puts(out, "<h2>Upload the Signed Certificate</h2>\n");
	form_open(v, "/certificates/signed", "signed-form", true, out);
	strbuf_puts(out, "<tr><th><label for=\"signed-name\">Profile</label></th><td>");
	pick(v, "name", "signed-name", sent_value(v, "signed", "name", NULL), out);
	field_error(v, "signed", "name", out);
	strbuf_puts(out, "</td></tr>\n<tr><th><label for=\"certificate\">Signed certificate "
			 "and intermediates (PEM)</label></th><td><textarea name=\"certificate\" "
			 "id=\"certificate\" rows=\"6\">");
	web_html_text(out, sent_value(v, "signed", "certificate", ""));
	strbuf_puts(out, "</textarea><br>or a file: <input type=\"file\" name=\"certificate_file\" "
			 "id=\"certificate_file\" accept=\".pem,.crt,.cer\">");
	field_error(v, "signed", "certificate", out);
	strbuf_puts(out, "</td></tr>\n");
	form_close("upload-signed", "Upload", out);
}

static void export_form(const struct web_cert_view *v, struct strbuf *out)
{
	strbuf_puts(out, "<h2>Export a Certificate (PKCS#12)</h2>\n");
	form_open(v, "/certificates/export", "export-form", false, out);
	strbuf_puts(out, "<tr><th><label for=\"export-name\">Profile</label></th><td>");
	pick(v, "name", "export-name", sent_value(v, "export", "name", NULL), out);
	field_error(v, "export", "name", out);
	strbuf_puts(out, "</td></tr>\n");
	text_row(v, "export", "Passphrase", "passphrase", "password", "", 1023, out);
	text_row(v, "export", "Passphrase (again)", "passphrase2", "password", "", 1023, out);
	form_close("export", "Export", out);
}

void web_cert_html(const struct web_cert_view *v, struct strbuf *out)
{
	table(v, out);
	if (v->can_edit) {
		assign_form(v, out);
		import_form(v, out);
		new_form(v, out);
		signed_form(v, out);
	}
	if (v->can_export)
		export_form(v, out);
}

void web_cert_json(const struct web_cert_view *v, struct strbuf *out)
{
	strbuf_puts(out, "{\"profiles\":[");
	for (size_t i = 0; i < v->count; i++) {
		const struct web_cert_row *r = &v->rows[i];
		strbuf_puts(out, i ? ",{\"name\":" : "{\"name\":");
		web_json_string(out, r->name);
		strbuf_puts(out, ",\"common_name\":");
		web_json_string(out, r->common_name);
		strbuf_puts(out, ",\"issuer\":");
		web_json_string(out, r->issuer);
		strbuf_puts(out, ",\"status\":");
		web_json_string(out, r->status);
		strbuf_printf(out, ",\"days_left\":%lld,\"key\":", r->days_left);
		web_json_string(out, r->key_type);
		strbuf_printf(out, ",\"csr\":%s}", r->has_csr ? "true" : "false");
	}
	strbuf_puts(out, "]");
	for (int id = 0; v->c && id < SVC_COUNT; id++) {
		strbuf_printf(out, ",\"%s\":", service_names(id)->key);
		web_json_string(out, v->c->svc[id].certificate);
	}
	strbuf_puts(out, "}\n");
}

void web_cert_confirm(const char *name, const char *csrf, struct strbuf *out)
{
	strbuf_puts(out, "<div class=\"results Warning\"><strong id=\"action-results-title\">"
			 "Warning</strong> <span id=\"action-results-message\">Certificate "
			 "profile &quot;");
	web_html_text(out, name);
	strbuf_puts(out, "&quot; already exists. Do you want to overwrite with this new one?"
			 "</span></div>\n<form method=\"post\" action=\"/certificates/confirm\" "
			 "id=\"confirm-form\">");
	web_page_csrf(out, csrf);
	strbuf_puts(out, "<button type=\"submit\" name=\"answer\" value=\"yes\" id=\"overwrite\">"
			 "Overwrite</button> <button type=\"submit\" name=\"answer\" value=\"no\" "
			 "id=\"keep\">Cancel</button></form>\n");
}
