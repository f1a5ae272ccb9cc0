/* web_ssl: the SSL Configuration view, its Edit Settings form, and reading
 * the form back. */
#include "web_ssl.h"

#include <stdio.h>
#include <string.h>

#include "config_web.h"

static void view_methods(tls_method_set m, struct strbuf *out)
{
	const char *sep = "";

	for (int v = TLS_VERSION_COUNT - 1; v >= 0; v--)
		if (m & (1u << v)) {
			strbuf_printf(out, "%s%s", sep, tls_version_label(v));
			sep = " ";
		}
}

void web_ssl_view(const struct config *c, bool can_edit, struct strbuf *out)
{
	strbuf_puts(out, "<table id=\"ssl-view\">\n");
	for (int id = 0; id < SVC_COUNT; id++) {
		const struct tls_service *s = &c->svc[id];
		const char *key = service_names(id)->key;

		strbuf_printf(
			out,
			"<tr><th rowspan=\"%d\">%s:</th><th>Methods:</th><td id=\"%s-methods\">",
			id == SVC_OUTBOUND ? 2 : 3, service_names(id)->title, key);
		view_methods(s->methods, out);
		strbuf_printf(out,
			      "</td></tr>\n<tr><th>SSL Cipher(s) to use:</th><td><code "
			      "id=\"%s-ciphers\">",
			      key);
		web_html_text(out, s->ciphers);
		strbuf_puts(out, "</code></td></tr>\n");
		if (id != SVC_OUTBOUND)
			strbuf_printf(out, "<tr><th>TLS Renegotiation:</th><td>%s</td></tr>\n",
				      s->renegotiation ? "Enabled" : "Disabled");
	}
	strbuf_printf(out,
		      "<tr><th>Other TLS Client Services:</th><th>Methods:</th><td>%s</td></tr>\n"
		      "<tr><th>Peer Certificate FQDN Validation:</th><th>Used for Alert Over "
		      "TLS, Outbound SMTP, Updater and LDAP:</th><td>%s</td></tr>\n"
		      "<tr><th>Peer Certificate X509 Validation:</th><th>Used for Alert Over "
		      "TLS, Outbound SMTP, Updater and LDAP:</th><td>%s</td></tr>\n</table>\n",
		      c->other_client_tlsv10 ? "TLS v1.0"
					     : "TLS v1.2, TLS v1.1 are being used as default",
		      c->peer_cert_fqdn ? "Enabled" : "Disabled",
		      c->peer_cert_x509 ? "Enabled" : "Disabled");
	if (can_edit)
		strbuf_puts(out, "<p><a id=\"edit-settings\" class=\"button\" "
				 "href=\"/sslconfig/edit\">Edit Settings...</a></p>\n");
}

static void field_error(const char *name, const char *bad, const char *msg, struct strbuf *out)
{
	if (bad && strcmp(name, bad) == 0) {
		strbuf_printf(out, "<div class=\"error\" id=\"error-%s\">", name);
		web_html_text(out, msg);
		strbuf_puts(out, "</div>");
	}
}

static void checkbox(const char *name, bool on, const char *label, struct strbuf *out)
{
	strbuf_printf(
		out,
		"<label><input type=\"checkbox\" name=\"%s\" id=\"%s\" value=\"1\"%s> %s</label>",
		name, name, on ? " checked" : "", label);
}

/* A checkbox's state: as submitted when the form comes back refused. */
static bool ticked(const struct web_form *sent, const char *name, bool stored)
{
	return sent ? web_form_field(sent, name) != NULL : stored;
}

static void form_service(const struct config *c, int id, const struct web_form *sent,
			 const char *bad, const char *msg, struct strbuf *out)
{
	const struct tls_service *s = &c->svc[id];
	const char *key = service_names(id)->key, *ciphers = s->ciphers;
	char name[64];

	strbuf_printf(out, "<tr><th rowspan=\"%d\">%s:</th><th>Methods:</th><td>",
		      id == SVC_OUTBOUND ? 2 : 3, service_names(id)->title);
	for (int v = TLS_VERSION_COUNT - 1; v >= 0; v--) {
		snprintf(name, sizeof(name), "ssl_%s_method_%s", key, tls_version_token(v));
		strbuf_printf(out,
			      "<label><input type=\"checkbox\" name=\"%s\" id=\"%s\" value=\"1\" "
			      "data-tls-group=\"%s\" data-tls-version=\"%d\"%s> %s</label>",
			      name, name, key, v,
			      ticked(sent, name, s->methods & (1u << v)) ? " checked" : "",
			      tls_version_label(v));
	}
	snprintf(name, sizeof(name), "ssl_%s_method", key);
	field_error(name, bad, msg, out);
	snprintf(name, sizeof(name), "ssl_%s_ciphers", key);
	strbuf_printf(out,
		      "</td></tr>\n<tr><th>SSL Cipher(s) to use:</th><td><input type=\"text\" "
		      "name=\"%s\" id=\"%s\" maxlength=\"%d\" value=\"",
		      name, name, CONFIG_CIPHERS_MAX - 1);
	if (sent) /* what the admin typed, whatever it is */
		ciphers = web_form_get(sent, name) ? web_form_get(sent, name) : "";
	web_html_text(out, ciphers);
	strbuf_puts(out, "\">");
	field_error(name, bad, msg, out);
	strbuf_puts(out, "</td></tr>\n");
	if (id != SVC_OUTBOUND) {
		snprintf(name, sizeof(name), "%s_tls_renegotiation", key);
		strbuf_puts(out, "<tr><th>TLS Renegotiation:</th><td>");
		checkbox(name, ticked(sent, name, s->renegotiation), "Enable", out);
		strbuf_puts(out, "</td></tr>\n");
	}
}

void web_ssl_form(const struct config *c, const char *csrf, const struct web_form *sent,
		  const char *bad, const char *msg, struct strbuf *out)
{
	strbuf_puts(out, "<form method=\"post\" action=\"/sslconfig\" id=\"ssl-form\">\n");
	strbuf_puts(out, "<input type=\"hidden\" name=\"csrf\" value=\"");
	web_html_text(out, csrf);
	strbuf_puts(out, "\">\n<table>\n");
	for (int id = 0; id < SVC_COUNT; id++)
		form_service(c, id, sent, bad, msg, out);
	strbuf_puts(out, "<tr><th>Other TLS Client Services:</th><th>Methods:</th><td>");
	checkbox("tls_client_method", ticked(sent, "tls_client_method", c->other_client_tlsv10),
		 "TLS v1.0", out);
	strbuf_puts(out, "</td></tr>\n<tr><th>Peer Certificate FQDN Validation:</th><th>Used for "
			 "Alert Over TLS, Outbound SMTP, Updater and LDAP:</th><td>");
	checkbox("peer_cert_fqdn", ticked(sent, "peer_cert_fqdn", c->peer_cert_fqdn), "Enable",
		 out);
	strbuf_puts(out, "</td></tr>\n<tr><th>Peer Certificate X509 Validation:</th><th>Used for "
			 "Alert Over TLS, Outbound SMTP, Updater and LDAP:</th><td>");
	checkbox("peer_cert_x509", ticked(sent, "peer_cert_x509", c->peer_cert_x509), "Enable",
		 out);
	strbuf_puts(out,
		    "</td></tr>\n</table>\n<p class=\"note\">TLS protocols can be enabled only in "
		    "sequence. The configured SSL Cipher(s) do not apply to TLS 1.3: it uses "
		    "TLS_AES_256_GCM_SHA384, TLS_CHACHA20_POLY1305_SHA256 and "
		    "TLS_AES_128_GCM_SHA256.</p>\n<p><a href=\"/sslconfig\">Cancel</a> "
		    "<button type=\"submit\" id=\"submit\">Submit</button></p>\n</form>\n");
}

static int set(struct config *c, const char *key, const char *value, const char *form_field,
	       char *field, size_t field_len, struct err *e)
{
	if (config_set(c, key, value, e) == 0)
		return 0;
	snprintf(field, field_len, "%s", form_field);
	return -1;
}

static const char *flag(const struct web_form *f, const char *name)
{
	return web_form_field(f, name) ? "enabled" : "disabled";
}

int web_ssl_apply(const struct web_form *f, struct config *c, char *field, size_t field_len,
		  struct err *e)
{
	char key[64], name[64], tokens[64];

	for (int id = 0; id < SVC_COUNT; id++) {
		const char *svc = service_names(id)->key, *ciphers;
		tls_method_set m = 0;

		for (int v = 0; v < TLS_VERSION_COUNT; v++) {
			snprintf(name, sizeof(name), "ssl_%s_method_%s", svc, tls_version_token(v));
			if (web_form_field(f, name))
				m |= 1u << v;
		}
		snprintf(name, sizeof(name), "ssl_%s_method", svc);
		if (m == 0) {
			snprintf(field, field_len, "%s", name);
			return err_set(e, "Choose at least one TLS version for %s.",
				       service_names(id)->title);
		}
		methods_render_tokens(m, tokens, sizeof(tokens));
		snprintf(key, sizeof(key), "%s.methods", svc);
		if (set(c, key, tokens, name, field, field_len, e) < 0)
			return -1;
		snprintf(name, sizeof(name), "ssl_%s_ciphers", svc);
		ciphers = web_form_get(f, name);
		snprintf(key, sizeof(key), "%s.ciphers", svc);
		if (set(c, key, ciphers ? ciphers : "", name, field, field_len, e) < 0)
			return -1;
		if (id != SVC_OUTBOUND) {
			snprintf(name, sizeof(name), "%s_tls_renegotiation", svc);
			snprintf(key, sizeof(key), "%s.renegotiation", svc);
			if (set(c, key, flag(f, name), name, field, field_len, e) < 0)
				return -1;
		}
	}
	if (set(c, "sslconfig.other_client_tlsv10", flag(f, "tls_client_method"),
		"tls_client_method", field, field_len, e) < 0 ||
	    set(c, "sslconfig.peer_cert_fqdn", flag(f, "peer_cert_fqdn"), "peer_cert_fqdn", field,
		field_len, e) < 0 ||
	    set(c, "sslconfig.peer_cert_x509", flag(f, "peer_cert_x509"), "peer_cert_x509", field,
		field_len, e) < 0)
		return -1;
	return 0;
}
