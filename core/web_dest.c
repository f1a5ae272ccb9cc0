/* web_dest: the Destination Controls page, its forms and reading them. */
#include "web_dest.h"

#include <stdio.h>
#include <string.h>

#include "config_web.h"
#include "web_page.h"

struct choice {
	const char *value, *label;
};

static const struct choice limit_types[] = {
	{ "host", "One limit applies to the entire domain" },
	{ "MXIP", "Separate limit for each mail exchanger IP address" },
	{ NULL, NULL },
};
static const struct choice on_off[] = { { "1", "On" }, { "0", "Off" }, { NULL, NULL } };
static const struct choice dane_modes[] = {
	{ "off", "No" },
	{ "opportunistic", "Opportunistic" },
	{ "mandatory", "Mandatory" },
	{ NULL, NULL },
};
static const struct choice bounce_profiles[] = { { "Default", "Default" }, { NULL, NULL } };

/* The form's fields, in the order of destconfig's questions; `key` is the
 * INI key (core/dest.h) and the form field's name. `choices` NULL: a
 * number; TLS_CHOICES: the TLS levels. */
#define TLS_CHOICES ((const struct choice *)1)
static const struct field {
	const char *key, *label;
	unsigned bit;
	const struct choice *choices;
} fields[] = {
	{ "max_host_concurrency", "Maximum concurrent connections (1-1000)", DEST_F_CONCURRENCY,
	  NULL },
	{ "max_messages_per_connection", "Maximum messages per connection (1-1000; 0: no limit)",
	  DEST_F_MESSAGES, NULL },
	{ "recipient_limit", "Recipient limit (0: no limit)", DEST_F_RECIPIENTS, NULL },
	{ "recipient_minutes", "... per this many minutes (1-60)", DEST_F_RECIPIENTS, NULL },
	{ "limit_type", "Limits apply to", DEST_F_LIMIT_TYPE, limit_types },
	{ "tls", "TLS Support", DEST_F_TLS, TLS_CHOICES },
	{ "dane", "DANE Support", DEST_F_DANE, dane_modes },
	{ "bounce_validation", "Bounce verification address tagging", DEST_F_BOUNCE_VAL, on_off },
	{ "bounce_profile", "Bounce profile", DEST_F_BOUNCE_PROF, bounce_profiles },
};
#define FIELD_COUNT (sizeof(fields) / sizeof(fields[0]))

/* The INI value of `key` in `p` (every field set, or "" when not). */
static void value_of(const struct dest_policy *p, const char *key, char *out, size_t len)
{
	struct strbuf enc;
	size_t klen = strlen(key);

	out[0] = '\0';
	strbuf_init(&enc);
	dest_policy_encode(p, &enc);
	for (const char *line = enc.data; *line;) {
		const char *nl = strchr(line, '\n');
		size_t n = nl ? (size_t)(nl - line) : strlen(line);
		if (n > klen && strncmp(line, key, klen) == 0 && line[klen] == '=') {
			snprintf(out, len, "%.*s", (int)(n - klen - 1), line + klen + 1);
			break;
		}
		line += n + (nl ? 1 : 0);
	}
	strbuf_free(&enc);
}

static const char *choice_label(const struct field *f, const char *value)
{
	if (f->choices == TLS_CHOICES) {
		for (int l = 0; l < TLS_LEVEL_COUNT; l++)
			if (strcmp(tls_level_ini((enum tls_level)l), value) == 0)
				return tls_level_label((enum tls_level)l);
		return value;
	}
	for (const struct choice *c = f->choices; c && c->value; c++)
		if (strcmp(c->value, value) == 0)
			return c->label;
	return value;
}

static void cell(struct strbuf *out, const char *text)
{
	strbuf_puts(out, "<td>");
	web_html_text(out, text);
	strbuf_puts(out, "</td>");
}

/* destconfig LIST's columns: Rate Limiting, TLS, DANE, Bounce Verification, Bounce
 * Profile. */
static void list_row(const struct web_dest_view *v, const char *name, const struct dest_policy *p,
		     bool is_default, struct strbuf *out)
{
	char buf[32];

	strbuf_puts(out, "<tr id=\"dest-");
	web_html_text(out, is_default ? DEST_DEFAULT_NAME : name);
	strbuf_puts(out, "\">");
	cell(out, is_default ? "(Default)" : name);
	snprintf(buf, sizeof(buf), "%d", p->max_host_concurrency);
	cell(out, is_default || (p->set & DEST_F_CONCURRENCY) ? buf : "Default");
	cell(out, is_default || (p->set & DEST_F_TLS) ? tls_level_label(p->tls) : "Default");
	cell(out, is_default || (p->set & DEST_F_DANE) ? dane_mode_label(p->dane) : "Default");
	cell(out, is_default || (p->set & DEST_F_BOUNCE_VAL) ? (p->bounce_validation ? "On" : "Off")
							     : "Default");
	cell(out, is_default || (p->set & DEST_F_BOUNCE_PROF) ? p->bounce_profile : "Default");
	if (v->can_edit) {
		strbuf_puts(out, "<td><a class=\"edit\" href=\"/destconfig/edit?domain=");
		web_html_text(out, is_default ? DEST_DEFAULT_NAME : name);
		strbuf_puts(out, "\">Edit</a>");
		if (!is_default) {
			strbuf_puts(out, " <form method=\"post\" action=\"/destconfig/delete\" "
					 "class=\"inline\">");
			web_page_csrf(out, v->csrf);
			strbuf_puts(out, "<input type=\"hidden\" name=\"domain\" value=\"");
			web_html_text(out, name);
			strbuf_puts(out,
				    "\"><button type=\"submit\" class=\"delete\">Delete</button>"
				    "</form>");
		}
		strbuf_puts(out, "</td>");
	}
	strbuf_puts(out, "</tr>\n");
}

static void setup_form(const struct web_dest_view *v, struct strbuf *out)
{
	const struct config *c = v->c;

	strbuf_puts(out, "<h2>Global Settings</h2>\n");
	if (!v->can_edit) {
		strbuf_puts(out, "<table id=\"dest-global\"><tr><th>Certificate for outbound TLS "
				 "connections</th><td>");
		web_html_text(out, c->svc[SVC_OUTBOUND].certificate);
		strbuf_printf(out,
			      "</td></tr>\n<tr><th>Send an alert when a required TLS connection "
			      "fails</th><td>%s</td></tr>\n<tr><th>Alert address</th><td>",
			      c->alert_tls_required ? "Enabled" : "Disabled");
		web_html_text(out, c->alert_to);
		strbuf_puts(out, "</td></tr>\n</table>\n");
		return;
	}
	strbuf_puts(out, "<form method=\"post\" action=\"/destconfig/setup\" id=\"setup-form\">");
	web_page_csrf(out, v->csrf);
	strbuf_puts(out,
		    "\n<table id=\"dest-global\">\n<tr><th><label for=\"outbound_certificate\">"
		    "Certificate for outbound TLS connections</label></th><td><select "
		    "name=\"outbound_certificate\" id=\"outbound_certificate\">");
	for (size_t i = 0; i < v->profile_count; i++) {
		strbuf_puts(out, "<option value=\"");
		web_html_text(out, v->profiles[i]);
		strbuf_printf(out, "\"%s>",
			      strcmp(v->profiles[i], c->svc[SVC_OUTBOUND].certificate) == 0
				      ? " selected"
				      : "");
		web_html_text(out, v->profiles[i]);
		strbuf_puts(out, "</option>");
	}
	strbuf_printf(out,
		      "</select></td></tr>\n<tr><th><label for=\"alert_tls_required\">Send an "
		      "alert when a required TLS connection fails</label></th><td><input "
		      "type=\"checkbox\" name=\"alert_tls_required\" id=\"alert_tls_required\" "
		      "value=\"1\"%s></td></tr>\n<tr><th><label for=\"alert_to\">E-mail address "
		      "to send the alert to</label></th><td><input type=\"text\" name=\"alert_to\" "
		      "id=\"alert_to\" maxlength=\"%d\" value=\"",
		      c->alert_tls_required ? " checked" : "", CONFIG_ADDRESS_MAX);
	web_html_text(out, c->alert_to);
	strbuf_puts(out, "\"></td></tr>\n</table>\n<p><button type=\"submit\" id=\"setup\">Submit"
			 "</button></p>\n</form>\n");
}

void web_dest_html(const struct web_dest_view *v, struct strbuf *out)
{
	strbuf_printf(out, "<p>There are currently %zu entries configured.</p>\n", v->count);
	if (v->can_edit)
		strbuf_puts(out, "<p><a id=\"add-destination\" class=\"button\" "
				 "href=\"/destconfig/edit\">Add Destination...</a></p>\n");
	strbuf_printf(out,
		      "<table id=\"dest-list\">\n<tr><th>Domain</th><th>Rate Limiting</th>"
		      "<th>TLS</th><th>DANE</th><th>Bounce Verification</th><th>Bounce "
		      "Profile</th>%s</tr>\n",
		      v->can_edit ? "<th></th>" : "");
	for (size_t i = 0; i < v->count; i++)
		list_row(v, v->rows[i].name, &v->rows[i].policy, false, out);
	list_row(v, DEST_DEFAULT_NAME, v->def, true, out);
	strbuf_puts(out, "</table>\n");
	setup_form(v, out);
}

static void json_policy(const struct dest_policy *p, struct strbuf *out)
{
	char value[128];
	const char *sep = "";
	struct strbuf enc;

	strbuf_init(&enc);
	dest_policy_encode(p, &enc);
	strbuf_puts(out, "{");
	for (char *line = enc.data, *nl; *line; line = nl + 1) {
		char *eq = strchr(line, '=');
		nl = strchr(line, '\n');
		if (!eq || !nl)
			break;
		*eq = *nl = '\0';
		snprintf(value, sizeof(value), "%s", eq + 1);
		strbuf_puts(out, sep);
		web_json_string(out, line);
		strbuf_puts(out, ":");
		web_json_string(out, value);
		sep = ",";
	}
	strbuf_puts(out, "}");
	strbuf_free(&enc);
}

void web_dest_json(const struct web_dest_view *v, struct strbuf *out)
{
	struct dest_policy merged;

	strbuf_puts(out, "{\"default\":");
	json_policy(v->def, out);
	strbuf_puts(out, ",\"destinations\":[");
	for (size_t i = 0; i < v->count; i++) {
		strbuf_puts(out, i ? ",{\"domain\":" : "{\"domain\":");
		web_json_string(out, v->rows[i].name);
		strbuf_puts(out, ",\"own\":");
		json_policy(&v->rows[i].policy, out);
		dest_policy_merge(&merged, &v->rows[i].policy, v->def);
		strbuf_puts(out, ",\"effective\":");
		json_policy(&merged, out);
		strbuf_puts(out, "}");
	}
	strbuf_puts(out, "],\"outbound_certificate\":");
	web_json_string(out, v->c->svc[SVC_OUTBOUND].certificate);
	strbuf_printf(out, ",\"alert_tls_required\":%s,\"alert_to\":",
		      v->c->alert_tls_required ? "true" : "false");
	web_json_string(out, v->c->alert_to);
	strbuf_puts(out, "}\n");
}

static void option(const char *value, const char *label, bool selected, struct strbuf *out)
{
	strbuf_puts(out, "<option value=\"");
	web_html_text(out, value);
	strbuf_printf(out, "\"%s>", selected ? " selected" : "");
	web_html_text(out, label);
	strbuf_puts(out, "</option>");
}

static void form_field(const struct field *f, bool is_default, const struct dest_policy *own,
		       const struct dest_policy *merged, struct strbuf *out)
{
	char mine[128] = "", inherited[128];

	if (is_default || (own->set & f->bit))
		value_of(merged, f->key, mine, sizeof(mine));
	value_of(merged, f->key, inherited, sizeof(inherited));
	strbuf_printf(out, "<tr><th><label for=\"%s\">%s</label></th><td>", f->key, f->label);
	if (!f->choices) {
		strbuf_printf(out,
			      "<input type=\"text\" name=\"%s\" id=\"%s\" maxlength=\"9\" "
			      "value=\"",
			      f->key, f->key);
		web_html_text(out, mine);
		strbuf_puts(out, "\"");
		if (!is_default) {
			strbuf_puts(out, " placeholder=\"Default: ");
			web_html_text(out, inherited);
			strbuf_puts(out, "\"");
		}
		strbuf_puts(out, ">");
	} else {
		strbuf_printf(out, "<select name=\"%s\" id=\"%s\">", f->key, f->key);
		if (!is_default) {
			char label[200];
			snprintf(label, sizeof(label), "Default (%s)", choice_label(f, inherited));
			option("", label, !mine[0], out);
		}
		if (f->choices == TLS_CHOICES)
			for (int l = 0; l < TLS_LEVEL_COUNT; l++)
				option(tls_level_ini((enum tls_level)l),
				       tls_level_label((enum tls_level)l),
				       strcmp(mine, tls_level_ini((enum tls_level)l)) == 0, out);
		else
			for (const struct choice *c = f->choices; c->value; c++)
				option(c->value, c->label, strcmp(mine, c->value) == 0, out);
		strbuf_puts(out, "</select>");
	}
	strbuf_puts(out, "</td></tr>\n");
}

void web_dest_form(const char *name, const struct dest_policy *own, const struct dest_policy *def,
		   const char *csrf, struct strbuf *out)
{
	bool is_default = name && strcmp(name, DEST_DEFAULT_NAME) == 0;
	struct dest_policy merged;

	dest_policy_merge(&merged, own, def);
	strbuf_puts(out, "<form method=\"post\" action=\"/destconfig\" id=\"dest-form\">");
	web_page_csrf(out, csrf);
	strbuf_printf(out, "<input type=\"hidden\" name=\"mode\" value=\"%s\">\n<table>\n",
		      name ? "edit" : "new");
	strbuf_puts(out, "<tr><th><label for=\"domain\">Destination</label></th><td>");
	if (name) {
		strbuf_puts(out, "<input type=\"hidden\" name=\"domain\" id=\"domain\" value=\"");
		web_html_text(out, name);
		strbuf_puts(out, "\">");
		web_html_text(out, is_default ? "(Default)" : name);
	} else {
		strbuf_printf(out,
			      "<input type=\"text\" name=\"domain\" id=\"domain\" maxlength=\"%d\" "
			      "placeholder=\"example.com, .example.com or an IPv4 address\">",
			      DEST_DOMAIN_MAX);
	}
	strbuf_puts(out, "</td></tr>\n");
	for (size_t i = 0; i < FIELD_COUNT; i++)
		form_field(&fields[i], is_default, own, &merged, out);
	strbuf_printf(out,
		      "</table>\n%s<p><a href=\"/destconfig\">Cancel</a> <button type=\"submit\" "
		      "id=\"submit\">Submit</button></p>\n</form>\n",
		      is_default ? ""
				 : "<p class=\"note\">An empty field, or Default, takes the "
				   "default entry's value.</p>\n");
}

int web_dest_apply(const struct web_form *f, bool is_default, struct dest_policy *p, char *field,
		   size_t field_len, struct err *e)
{
	for (size_t i = 0; i < FIELD_COUNT; i++) {
		const char *key = fields[i].key, *v = web_form_get(f, key);

		snprintf(field, field_len, "%s", key);
		if (strcmp(key, "recipient_minutes") == 0 && !(p->set & DEST_F_RECIPIENTS))
			continue; /* no recipient limit of its own */
		if (!v || !v[0]) {
			if (is_default || strcmp(key, "recipient_minutes") == 0)
				return err_set(e, "You must enter a value: %s.", fields[i].label);
			p->set &= ~fields[i].bit;
			continue;
		}
		if (dest_policy_set(p, key, v, e) < 0)
			return -1;
	}
	snprintf(field, field_len, "dane");
	if (dest_check_dane(p, is_default, e) < 0)
		return -1;
	field[0] = '\0';
	return 0;
}
