/* config_web: HTML and JSON renderings of the sslconfig settings, laid out
 * like AsyncOS's Network > SSL Configuration page. */
#include "config_web.h"

#include <stdio.h>
#include <string.h>

/* The fixed TLS 1.3 suites, as tls/tls_ctx.h's TLS13_SUITES sets them. */
static const char *const tls13_suites[] = {
	"TLS_AES_256_GCM_SHA384",
	"TLS_CHACHA20_POLY1305_SHA256",
	"TLS_AES_128_GCM_SHA256",
};
#define TLS13_SUITE_COUNT (sizeof(tls13_suites) / sizeof(tls13_suites[0]))

/* OpenSSL's protocol names, which s_client and curl print. */
static const char *const protocol_names[TLS_VERSION_COUNT] = {
	[TLS_V1_0] = "TLSv1.0",
	[TLS_V1_1] = "TLSv1.1",
	[TLS_V1_2] = "TLSv1.2",
	[TLS_V1_3] = "TLSv1.3",
};

void web_json_string(struct strbuf *out, const char *s)
{
	strbuf_puts(out, "\"");
	for (; *s; s++) {
		unsigned char ch = (unsigned char)*s;
		if (ch == '"' || ch == '\\')
			strbuf_printf(out, "\\%c", ch);
		else if (ch < 0x20)
			strbuf_printf(out, "\\u%04x", ch);
		else
			strbuf_add(out, s, 1);
	}
	strbuf_puts(out, "\"");
}

void web_html_text(struct strbuf *out, const char *s)
{
	for (; *s; s++) {
		switch (*s) {
		case '<': strbuf_puts(out, "&lt;"); break;
		case '>': strbuf_puts(out, "&gt;"); break;
		case '&': strbuf_puts(out, "&amp;"); break;
		case '"': strbuf_puts(out, "&quot;"); break;
		case '\'': strbuf_puts(out, "&#39;"); break;
		default: strbuf_add(out, s, 1);
		}
	}
}

static void json_service(const struct config *c, int id, struct strbuf *out)
{
	const struct tls_service *svc = &c->svc[id];
	const char *sep = "";

	strbuf_printf(out, "\"%s\":{\"methods\":[", service_names(id)->key);
	for (int v = 0; v < TLS_VERSION_COUNT; v++)
		if (svc->methods & (1u << v)) {
			strbuf_printf(out, "%s\"%s\"", sep, protocol_names[v]);
			sep = ",";
		}
	strbuf_puts(out, "],\"ciphers\":");
	web_json_string(out, svc->ciphers);
	strbuf_puts(out, ",\"tls13_ciphersuites\":[");
	for (size_t i = 0; i < TLS13_SUITE_COUNT; i++)
		strbuf_printf(out, "%s\"%s\"", i ? "," : "", tls13_suites[i]);
	strbuf_puts(out, "]");
	if (id != SVC_OUTBOUND)
		strbuf_printf(out, ",\"renegotiation\":%s", svc->renegotiation ? "true" : "false");
	strbuf_puts(out, "}");
}

void config_render_json(const struct config *c, long version, struct strbuf *out)
{
	strbuf_printf(out, "{\"version\":%ld,\"hostname\":", version);
	web_json_string(out, c->hostname);
	for (int id = 0; id < SVC_COUNT; id++) {
		strbuf_puts(out, ",");
		json_service(c, id, out);
	}
	strbuf_printf(out,
		      ",\"other_client_tlsv10\":%s,\"peer_cert_fqdn\":%s,\"peer_cert_x509\":%s}\n",
		      c->other_client_tlsv10 ? "true" : "false",
		      c->peer_cert_fqdn ? "true" : "false", c->peer_cert_x509 ? "true" : "false");
}

static void html_methods(tls_method_set methods, struct strbuf *out)
{
	const char *sep = "";

	for (int v = 0; v < TLS_VERSION_COUNT; v++)
		if (methods & (1u << v)) {
			strbuf_printf(out, "%s%s", sep, tls_version_label(v));
			sep = ", ";
		}
}

static void html_service(const struct config *c, int id, struct strbuf *out)
{
	const struct tls_service *svc = &c->svc[id];

	strbuf_printf(out, "<section id=\"%s\">\n<h2>%s</h2>\n<table>\n", service_names(id)->key,
		      service_names(id)->title);
	strbuf_puts(out, "<tr><th>Methods</th><td class=\"methods\">");
	html_methods(svc->methods, out);
	strbuf_puts(out, "</td></tr>\n<tr><th>SSL Cipher(s) to use</th><td><code>");
	web_html_text(out, svc->ciphers);
	strbuf_puts(out, "</code></td></tr>\n<tr><th>TLS v1.3 cipher suites</th><td><code>");
	for (size_t i = 0; i < TLS13_SUITE_COUNT; i++)
		strbuf_printf(out, "%s%s", i ? ":" : "", tls13_suites[i]);
	strbuf_puts(out, "</code></td></tr>\n");
	if (id != SVC_OUTBOUND)
		strbuf_printf(out, "<tr><th>TLS Renegotiation</th><td>%s</td></tr>\n",
			      svc->renegotiation ? "Enabled" : "Disabled");
	strbuf_puts(out, "</table>\n</section>\n");
}

static const char html_head[] =
	"<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
	"<title>SSL Configuration</title>\n<style>\n"
	"body{font-family:sans-serif;margin:2em;color:#222}\n"
	"table{border-collapse:collapse;margin-bottom:1em}\n"
	"th,td{border:1px solid #bbb;padding:.3em .6em;text-align:left;vertical-align:top}\n"
	"th{background:#eee;width:14em}\ncode{word-break:break-all}\n"
	"</style>\n</head>\n<body>\n<h1>SSL Configuration</h1>\n";

void config_render_html(const struct config *c, long version, struct strbuf *out)
{
	struct strbuf block;

	strbuf_puts(out, html_head);
	strbuf_puts(out, "<p>Host <strong>");
	web_html_text(out, c->hostname);
	strbuf_printf(out,
		      "</strong>, configuration version <strong id=\"version\">%ld</strong> "
		      "(<a href=\"/api/sslconfig\">JSON</a>)</p>\n",
		      version);
	for (int id = 0; id < SVC_COUNT; id++)
		html_service(c, id, out);
	strbuf_printf(out,
		      "<section id=\"other\">\n<h2>Other</h2>\n<table>\n"
		      "<tr><th>Other TLS Client Services</th><td>TLS v1.0 %s</td></tr>\n"
		      "<tr><th>Peer Certificate FQDN Validation</th><td>%s</td></tr>\n"
		      "<tr><th>Peer Certificate X509 Validation</th><td>%s</td></tr>\n"
		      "</table>\n</section>\n",
		      c->other_client_tlsv10 ? "enabled" : "disabled",
		      c->peer_cert_fqdn ? "Enabled" : "Disabled",
		      c->peer_cert_x509 ? "Enabled" : "Disabled");
	strbuf_init(&block);
	config_render_sslconfig(c, &block);
	strbuf_puts(out, "<h2>sslconfig</h2>\n<pre id=\"sslconfig\">");
	web_html_text(out, block.data);
	strbuf_puts(out, "</pre>\n</body>\n</html>\n");
	strbuf_free(&block);
}
