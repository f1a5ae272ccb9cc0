/* web_page: the page frame, the result banner and the static files. */
#include "web_page.h"

#include "config_web.h"

void web_page_begin(struct strbuf *out, const struct web_frame *f)
{
	strbuf_puts(out, "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
			 "<title>");
	web_html_text(out, f->title);
	strbuf_puts(out,
		    " - tlsgate</title>\n<link rel=\"stylesheet\" href=\"/static/webui.css\">\n"
		    "<script src=\"/static/webui.js\" defer></script>\n</head>\n<body>\n"
		    "<header>\n<span class=\"brand\">tlsgate</span>\n");
	if (f->user) {
		strbuf_puts(out,
			    "<nav>\n<a href=\"/sslconfig\" id=\"nav-sslconfig\">System "
			    "Administration &gt; SSL Configuration</a>\n<a "
			    "href=\"/certificates\" id=\"nav-certificates\">Network &gt; "
			    "Certificates</a>\n<a href=\"/destconfig\" id=\"nav-destconfig\">Mail "
			    "Policies &gt; Destination Controls</a>\n<a href=\"/monitor/tls\" "
			    "id=\"nav-monitor-tls\">Monitor &gt; TLS Connections</a>\n</nav>\n<div "
			    "class=\"who\">");
		if (f->staged)
			strbuf_puts(out, "<a id=\"commit-changes\" class=\"commit\" "
					 "href=\"/commit\">Commit Changes</a> ");
		strbuf_puts(out, "<span id=\"user\">");
		web_html_text(out, f->user);
		strbuf_puts(out, "</span> (");
		web_html_text(out, f->role ? f->role : "");
		strbuf_puts(out, ")\n<form method=\"post\" action=\"/logout\" class=\"inline\">");
		web_page_csrf(out, f->csrf);
		strbuf_puts(out, "<button type=\"submit\" id=\"logout\">Log Out</button></form>"
				 "</div>\n");
	}
	strbuf_puts(out, "</header>\n<main>\n<h1>");
	web_html_text(out, f->title);
	strbuf_puts(out, "</h1>\n");
}

void web_page_end(struct strbuf *out)
{
	strbuf_puts(out, "</main>\n</body>\n</html>\n");
}

void web_page_banner(struct strbuf *out, const char *kind, const char *message)
{
	strbuf_puts(out, "<div class=\"results ");
	web_html_text(out, kind);
	strbuf_puts(out, "\"><strong id=\"action-results-title\">");
	web_html_text(out, kind);
	strbuf_puts(out, "</strong> <span id=\"action-results-message\">");
	web_html_text(out, message);
	strbuf_puts(out, "</span></div>\n");
}

void web_page_csrf(struct strbuf *out, const char *csrf)
{
	strbuf_puts(out, "<input type=\"hidden\" name=\"csrf\" value=\"");
	web_html_text(out, csrf ? csrf : "");
	strbuf_puts(out, "\">");
}

void web_json_result(struct strbuf *out, const char *kind, const char *message, const char *field)
{
	strbuf_puts(out, "{\"result\":");
	web_json_string(out, kind);
	strbuf_puts(out, ",\"message\":");
	web_json_string(out, message);
	if (field) {
		strbuf_puts(out, ",\"field\":");
		web_json_string(out, field);
	}
	strbuf_puts(out, "}\n");
}

/* Greys out the TLS versions that would break the contiguous run (as
 * AsyncOS's page does); the server enforces the same rule. Boxes greyed out
 * are enabled again before the form is sent, or the browser would leave
 * the checked ones out. */
const char web_script[] =
	"'use strict';\n"
	"function tlsgateRefresh(group) {\n"
	"  var boxes = Array.prototype.slice.call(\n"
	"    document.querySelectorAll('input[data-tls-group=\"' + group + '\"]'));\n"
	"  var on = boxes.filter(function (b) { return b.checked; })\n"
	"    .map(function (b) { return Number(b.dataset.tlsVersion); });\n"
	"  var lo = Math.min.apply(null, on), hi = Math.max.apply(null, on);\n"
	"  boxes.forEach(function (b) {\n"
	"    var v = Number(b.dataset.tlsVersion), ok;\n"
	"    if (on.length === 0) ok = true;\n"
	"    else if (b.checked) ok = v === lo || v === hi;\n"
	"    else ok = v === lo - 1 || v === hi + 1;\n"
	"    b.disabled = !ok;\n"
	"    b.parentNode.classList.toggle('greyed', !ok);\n"
	"  });\n"
	"}\n"
	"document.addEventListener('DOMContentLoaded', function () {\n"
	"  var groups = {};\n"
	"  document.querySelectorAll('input[data-tls-group]').forEach(function (b) {\n"
	"    groups[b.dataset.tlsGroup] = true;\n"
	"    b.addEventListener('change', function () { tlsgateRefresh(b.dataset.tlsGroup); });\n"
	"  });\n"
	"  Object.keys(groups).forEach(tlsgateRefresh);\n"
	"  document.querySelectorAll('form').forEach(function (f) {\n"
	"    f.addEventListener('submit', function () {\n"
	"      f.querySelectorAll('input[data-tls-group]').forEach(function (b) {\n"
	"        b.disabled = false;\n"
	"      });\n"
	"    });\n"
	"  });\n"
	"});\n";

const char web_stylesheet[] =
	"body{font-family:sans-serif;margin:0;color:#222}\n"
	"header{background:#1d3c5a;color:#fff;padding:.5em 1em;display:flex;gap:1.5em;"
	"align-items:center;flex-wrap:wrap}\n"
	"header a{color:#fff}\nnav{display:flex;gap:1em;flex:1}\n"
	".brand{font-weight:bold}\nmain{margin:1em 2em}\n"
	".commit{background:#f5c400;color:#000 !important;padding:.3em .7em;border-radius:3px;"
	"text-decoration:none;font-weight:bold}\n"
	".inline{display:inline}\n"
	"table{border-collapse:collapse;margin-bottom:1em}\n"
	"th,td{border:1px solid #bbb;padding:.3em .6em;text-align:left;vertical-align:top}\n"
	"th{background:#eee}\ncode{word-break:break-all}\n"
	".results{padding:.6em;margin:.6em 0;border:1px solid}\n"
	".Success{background:#e6f4e6;border-color:#4a4}\n"
	".Warning{background:#fff6d6;border-color:#c90}\n"
	".Error{background:#fde8e8;border-color:#c33}\n"
	".error{color:#c33;font-weight:bold}\n"
	".greyed{color:#aaa}\n"
	"label{margin-right:1em;white-space:nowrap}\n"
	"input[type=text],input[type=password],textarea{width:40em;max-width:95%}\n"
	"pre{background:#f6f6f6;padding:.6em;white-space:pre-wrap}\n";
