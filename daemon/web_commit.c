/* web_commit: Commit Changes. The pending changes as showchanges lists them
 * (the same core renderers: config_render_changes, entry_render_change), the
 * warnings of the commit plan's check before the commit, and the commit
 * itself through the same plan as the console's commit: prepare (authorize
 * with the role from the committed users list), check, write; then the
 * daemon applies the new version at once (daemon_apply). */
#include <stdio.h>
#include <string.h>

#include "../cluster/cluster.h"
#include "../core/config_web.h"
#include "../core/entries.h"
#include "../core/text.h"
#include "../tls/commit_plan.h"
#include "web_internal.h"

#define COMMENT_MAX 255

struct entry_changes {
	struct strbuf *out;
	const char *area;
	int count;
};

static int add_entry_change(const char *key, const char *old, const char *value, void *arg)
{
	struct entry_changes *ec = arg;
	const char *name;
	const struct entry_kind *k = entry_kind_of_key(key, &name);

	if (!k)
		return 0;
	if (!ec->area || strcmp(ec->area, k->area) != 0)
		strbuf_printf(ec->out, "%s%s:\n", ec->out->len ? "\n" : "", k->area);
	ec->area = k->area;
	entry_render_change(k, name, old, value, ec->out);
	ec->count++;
	return 0;
}

/* showchanges' text for the session's user; returns the count or -1. */
static int render_changes(struct web_req *r, struct strbuf *out, long *version, struct err *e)
{
	struct config committed, edited;
	struct entry_changes ec = { out, NULL, 0 };

	if (db_latest_version(r->d->db, version, e) < 0 ||
	    db_load_config(r->d->db, *version, &committed, e) < 0 ||
	    db_load_effective(r->d->db, r->session->user, &edited, e) < 0)
		return -1;
	ec.count = config_render_changes(&committed, &edited, CHANGES_BLOCK, out);
	if (db_staged_entries(r->d->db, r->session->user, add_entry_change, &ec, e) < 0)
		return -1;
	return ec.count;
}

/* The check's warnings, without authorizing (guests may look). */
static int preview(struct web_req *r, struct strbuf *warnings, struct err *e)
{
	struct commit_actor who = { r->session->user, false };
	struct commit_plan p;
	struct strbuf table;
	int n;

	if (commit_plan_preview(&p, r->d->db, r->d->opt.home, &who, e) < 0)
		return -1;
	strbuf_init(&table);
	n = commit_plan_check(&p, false, &table, warnings);
	strbuf_free(&table);
	commit_plan_free(&p);
	return n;
}

/* Where a commit made here goes: a member's WebUI commits at cluster level
 * (it has no level selector; the console's clustermode picks one). */
static void commit_level(struct web_req *r)
{
	struct cluster_conf c;
	struct err e;

	if (cluster_conf_load(r->d->opt.home, &c, &e) == 1) {
		strbuf_puts(&r->body, "<p id=\"commit-level\">Commit at cluster level (cluster ");
		web_html_text(&r->body, c.name);
		strbuf_puts(&r->body, "): every machine of the cluster receives these changes, "
				      "unless a group or machine level overrides them.</p>\n");
	} else {
		strbuf_puts(&r->body, "<p id=\"commit-level\">Commit at machine level (this "
				      "machine is not in a cluster).</p>\n");
	}
}

static void page(struct web_req *r, const char *kind, const char *message)
{
	struct strbuf changes, warnings;
	long version = 0;
	struct err e;
	int n;

	strbuf_init(&changes);
	strbuf_init(&warnings);
	n = render_changes(r, &changes, &version, &e);
	web_begin(r, "Uncommitted Changes");
	if (kind)
		web_page_banner(&r->body, kind, message);
	commit_level(r);
	if (n < 0) {
		web_page_banner(&r->body, "Error", e.msg);
	} else if (n == 0) {
		strbuf_puts(&r->body, "<p id=\"no-changes\">No changes have been made since the "
				      "last commit.</p>\n");
	} else {
		strbuf_printf(&r->body,
			      "<p>Changes not yet committed (committed configuration: version "
			      "%ld):</p>\n<pre id=\"changes\">",
			      version);
		web_html_text(&r->body, changes.data);
		strbuf_puts(&r->body, "</pre>\n");
		if (preview(r, &warnings, &e) < 0)
			web_page_banner(&r->body, "Error", e.msg);
		else if (warnings.len) {
			strbuf_puts(&r->body,
				    "<div class=\"results Warning\" id=\"warnings\"><pre>");
			web_html_text(&r->body, warnings.data);
			strbuf_puts(&r->body, "</pre></div>\n");
		}
		strbuf_puts(&r->body,
			    "<p class=\"note\">Changes to the SSL Configuration and certificates "
			    "apply to new connections at once; no service is restarted, and open "
			    "connections, this page included, keep working.</p>\n");
		if (role_allows(r->role, ROLE_OPERATOR)) {
			strbuf_puts(&r->body, "<form method=\"post\" action=\"/commit\" "
					      "id=\"commit-form\">\n");
			web_page_csrf(&r->body, r->session->csrf);
			strbuf_printf(
				&r->body,
				"<p><label for=\"comment\">Comment (optional):</label><br>"
				"<textarea name=\"comment\" id=\"comment\" rows=\"3\" "
				"maxlength=\"%d\"></textarea></p>\n<p><button type=\"submit\" "
				"id=\"commit\">Commit Changes</button></p>\n</form>\n"
				"<form method=\"post\" action=\"/abandon\" id=\"abandon-form\">",
				COMMENT_MAX);
			web_page_csrf(&r->body, r->session->csrf);
			strbuf_puts(&r->body, "<button type=\"submit\" id=\"abandon\">Abandon "
					      "Changes</button></form>\n");
		}
	}
	web_page_end(&r->body);
	strbuf_free(&changes);
	strbuf_free(&warnings);
}

void web_commit_page(struct web_req *r)
{
	page(r, NULL, NULL);
}

void web_changes_json(struct web_req *r)
{
	struct strbuf changes, warnings;
	long version = 0;
	struct err e;
	int n;

	strbuf_init(&changes);
	strbuf_init(&warnings);
	r->json = true;
	if ((n = render_changes(r, &changes, &version, &e)) < 0 ||
	    (n > 0 && preview(r, &warnings, &e) < 0)) {
		web_result(r, 500, "Error", e.msg, NULL);
	} else {
		r->type = "application/json";
		strbuf_printf(&r->body, "{\"version\":%ld,\"count\":%d,\"changes\":", version, n);
		web_json_string(&r->body, changes.data);
		strbuf_puts(&r->body, ",\"warnings\":");
		web_json_string(&r->body, warnings.data);
		strbuf_puts(&r->body, "}\n");
	}
	strbuf_free(&changes);
	strbuf_free(&warnings);
}

static void done(struct web_req *r, int status, const char *kind, const char *message)
{
	if (r->json)
		return web_result(r, status, kind, message, NULL);
	r->status = status;
	page(r, kind, message);
}

void web_commit_post(struct web_req *r)
{
	const char *comment = web_form_get(&r->form, "comment");
	struct commit_actor who = { r->session->user, false };
	struct commit_request req = { comment ? comment : "", true, 0, "commit", NULL };
	struct commit_plan p;
	long staged = 0, version;
	struct strbuf table, warnings;
	struct err e;

	if (!comment || strlen(comment) > COMMENT_MAX || !text_is_clean(comment))
		return done(r, 400, "Error",
			    "The comment must be at most 255 characters of text without control "
			    "characters (no line breaks).");
	if (db_staged_count(r->d->db, r->session->user, &staged, &e) < 0)
		return done(r, 500, "Error", e.msg);
	if (staged == 0)
		return done(r, 200, "Warning", "There is no data to commit.");
	if (commit_plan_prepare(&p, r->d->db, r->d->opt.home, &who, &e) < 0) {
		char msg[sizeof(e.msg) + 40];
		snprintf(msg, sizeof(msg), "The changes were not committed: %s", e.msg);
		mail_log_warning(r->d->log, "WebUI CID %lu user %s commit refused: %s", r->cid,
				 r->session->user, e.msg);
		return done(r, 403, "Error", msg);
	}
	strbuf_init(&table);
	strbuf_init(&warnings);
	commit_plan_check(&p, false, &table, &warnings);
	if (commit_plan_write(&p, &req, &version, &e) < 0) {
		char msg[sizeof(e.msg) + 40];
		snprintf(msg, sizeof(msg), "The changes were not committed: %s", e.msg);
		done(r, 409, "Error", msg);
	} else if (daemon_apply(r->d, version, &e) < 0) {
		char msg[sizeof(e.msg) + 80];
		snprintf(msg, sizeof(msg),
			 "Your changes have been committed, but the engines did not apply them: %s",
			 e.msg);
		done(r, 500, "Warning", msg);
	} else {
		mail_log_info(r->d->log, "WebUI CID %lu user %s committed version %ld", r->cid,
			      r->session->user, version);
		done(r, 200, "Success", "Your changes have been committed.");
	}
	strbuf_free(&table);
	strbuf_free(&warnings);
	commit_plan_free(&p);
}

void web_abandon_post(struct web_req *r)
{
	struct err e;

	if (db_clear_staged(r->d->db, r->session->user, &e) < 0)
		return done(r, 500, "Error", e.msg);
	mail_log_info(r->d->log, "WebUI CID %lu user %s abandoned the staged changes", r->cid,
		      r->session->user);
	done(r, 200, "Success", "Your changes have been abandoned.");
}
