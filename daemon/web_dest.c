/* web_dest: Mail Policies > Destination Controls (the daemon side): the
 * table of the user's view (entries "dest.DOMAIN", committed plus their
 * staged edits, as destconfig reads them), Add / Edit / Delete of a domain
 * and of the default entry, staged with db_entry_stage as destconfig stages
 * them, and the global settings (destconfig SETUP: the outbound certificate
 * and the required-TLS failure alert), staged with db_stage_changes. The
 * checks are the console's: dest_check_domain, dest_policy_set,
 * config_check_address. */
#include <openssl/crypto.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../core/web_dest.h"
#include "web_internal.h"

struct table {
	struct web_dest_row *rows;
	size_t count;
	struct dest_policy def;
	char (*profiles)[CONFIG_PROFILE_MAX + 1];
	const char **names;
	size_t profile_count;
	struct err *e;
	bool bad;
};

static int collect(const char *name, const char *value, void *arg)
{
	struct table *t = arg;
	struct dest_policy p;

	if (dest_policy_decode(value, &p, t->e) < 0) {
		t->bad = true;
		return 1;
	}
	if (strcmp(name, DEST_DEFAULT_NAME) == 0) {
		dest_policy_merge(&t->def, &p, &t->def);
		return 0;
	}
	void *grown = realloc(t->rows, (t->count + 1) * sizeof(*t->rows));
	if (!grown)
		abort();
	t->rows = grown;
	snprintf(t->rows[t->count].name, sizeof(t->rows[0].name), "%s", name);
	t->rows[t->count++].policy = p;
	return 0;
}

static int add_profile(const char *name, const char *value, void *arg)
{
	struct table *t = arg;
	void *grown = realloc(t->profiles, (t->profile_count + 1) * sizeof(*t->profiles));

	(void)value;
	if (!grown)
		abort();
	t->profiles = grown;
	snprintf(t->profiles[t->profile_count++], sizeof(t->profiles[0]), "%s", name);
	return 0;
}

static void table_free(struct table *t)
{
	free(t->rows);
	free(t->profiles);
	free(t->names);
}

static int load(struct web_req *r, struct table *t, struct err *e)
{
	memset(t, 0, sizeof(*t));
	dest_policy_defaults(&t->def);
	t->e = e;
	if (db_entries_list(r->d->db, 0, r->session->user, "dest", collect, t, e) < 0 || t->bad ||
	    db_entries_list(r->d->db, 0, r->session->user, "cert", add_profile, t, e) < 0) {
		table_free(t);
		return -1;
	}
	t->names = calloc(t->profile_count + 1, sizeof(*t->names));
	if (!t->names)
		abort();
	for (size_t i = 0; i < t->profile_count; i++)
		t->names[i] = t->profiles[i];
	return 0;
}

static void render(struct web_req *r, const char *kind, const char *message)
{
	struct table t;
	struct config c;
	struct err e;

	if (db_load_effective(r->d->db, r->session->user, &c, &e) < 0 || load(r, &t, &e) < 0)
		return web_result(r, 500, "Error", e.msg, NULL);
	struct web_dest_view v = { t.rows,           t.count,
				   &t.def,           &c,
				   t.names,          t.profile_count,
				   r->session->csrf, role_allows(r->role, ROLE_OPERATOR) };
	if (r->json) {
		r->type = "application/json";
		web_dest_json(&v, &r->body);
	} else {
		web_begin(r, "Destination Controls");
		if (kind)
			web_page_banner(&r->body, kind, message);
		web_dest_html(&v, &r->body);
		web_page_end(&r->body);
	}
	table_free(&t);
}

void web_dest_page(struct web_req *r)
{
	render(r, NULL, NULL);
}

static void done(struct web_req *r, int status, const char *kind, const char *message,
		 const char *field)
{
	r->status = status;
	strbuf_reset(&r->body);
	if (r->json)
		return web_result(r, status, kind, message, field);
	render(r, kind, message);
}

/* The entry `name` of the user's view into *p: 1 found, 0 not, -1 error. */
static int entry_get(struct web_req *r, const char *name, struct dest_policy *p, struct err *e)
{
	char *value = NULL;
	int rc;

	if (db_entry_get(r->d->db, r->session->user, "dest", name, &value, e) < 0)
		return -1;
	if (!value)
		return 0;
	rc = dest_policy_decode(value, p, e);
	free(value);
	return rc < 0 ? -1 : 1;
}

/* The query's domain (GET /destconfig/edit?domain=x) into out; "" when none. */
static void query_domain(struct web_req *r, char *out, size_t len)
{
	struct web_form q;
	const char *v;
	struct err e;

	out[0] = '\0';
	memset(&q, 0, sizeof(q));
	if (r->query && web_form_parse_urlencoded(&q, r->query, strlen(r->query), &e) == 0 &&
	    (v = web_form_get(&q, "domain")) && strlen(v) < len)
		snprintf(out, len, "%s", v);
	web_form_free(&q);
}

/* The Add / Edit form; `redo` (or NULL): a refused submission shown again
 * with what the admin typed and the field error. */
static void form_page(struct web_req *r, const char *name, const struct dest_policy *own,
		      const struct dest_policy *def, const struct web_dest_redo *redo)
{
	web_begin(r, name ? "Edit Destination Controls" : "Add Destination Controls");
	if (redo)
		web_page_banner(&r->body, "Error", redo->message);
	web_dest_form(name, own, def, r->session->csrf, redo, &r->body);
	web_page_end(&r->body);
}

void web_dest_edit(struct web_req *r)
{
	char name[DEST_DOMAIN_MAX + 2];
	struct dest_policy own;
	struct table t;
	struct err e;
	int found;

	query_domain(r, name, sizeof(name));
	if (load(r, &t, &e) < 0)
		return web_result(r, 500, "Error", e.msg, NULL);
	if (!name[0]) {
		dest_policy_empty(&own);
		form_page(r, NULL, &own, &t.def, NULL);
	} else if (strcmp(name, DEST_DEFAULT_NAME) == 0) {
		form_page(r, name, &t.def, &t.def, NULL);
	} else if (dest_check_domain(name, &e) < 0 || (found = entry_get(r, name, &own, &e)) < 0) {
		done(r, 400, "Error", e.msg, "domain");
	} else if (!found) {
		snprintf(e.msg, sizeof(e.msg),
			 "That value is not valid. \"%.200s\" was not found in the destination "
			 "control table.",
			 name);
		done(r, 404, "Error", e.msg, "domain");
	} else {
		form_page(r, name, &own, &t.def, NULL);
	}
	table_free(&t);
}

static int stage(struct web_req *r, const char *name, const struct dest_policy *p, struct err *e)
{
	struct strbuf value;
	int rc;

	strbuf_init(&value);
	if (p)
		dest_policy_encode(p, &value);
	rc = db_entry_stage(r->d->db, r->session->user, "dest", name, p ? value.data : NULL, e);
	strbuf_free(&value);
	if (rc == 0)
		mail_log_info(r->d->log, "WebUI CID %lu user %s staged destination %s %s", r->cid,
			      r->session->user, name, p ? "edit" : "removal");
	return rc;
}

/* The form again, with the error; or JSON. */
static void refuse(struct web_req *r, const char *name, const struct dest_policy *own,
		   const struct dest_policy *def, const char *field, const char *message)
{
	mail_log_info(r->d->log, "WebUI CID %lu user %s Destination Controls refused: %s: %s",
		      r->cid, r->session->user, field, message);
	if (r->json)
		return web_result(r, 400, "Error", message, field);
	r->status = 400;
	form_page(r, name, own, def, &(struct web_dest_redo){ &r->form, field, message });
}

void web_dest_post(struct web_req *r)
{
	const char *domain = web_form_get(&r->form, "domain");
	const char *mode = web_form_get(&r->form, "mode");
	char name[DEST_DOMAIN_MAX + 2], field[64], msg[600];
	bool is_new = mode && strcmp(mode, "new") == 0, is_default;
	struct dest_policy p, shown;
	struct table t;
	struct err e;
	int found;

	if (load(r, &t, &e) < 0)
		return done(r, 500, "Error", e.msg, NULL);
	dest_policy_empty(&shown);
	snprintf(name, sizeof(name), "%s", domain ? domain : "");
	is_default = !is_new && strcmp(name, DEST_DEFAULT_NAME) == 0;
	if (is_default) {
		p = t.def;
	} else if (!domain || strlen(domain) >= sizeof(name) - 1 ||
		   dest_check_domain(name, &e) < 0) {
		refuse(r, is_new ? NULL : name, &shown, &t.def, "domain",
		       domain && strlen(domain) >= sizeof(name) - 1
			       ? "The value must be at most 253 characters long."
			       : (domain ? e.msg : "You must enter a domain."));
		return table_free(&t);
	} else if ((found = entry_get(r, name, &p, &e)) < 0) {
		table_free(&t);
		return done(r, 500, "Error", e.msg, NULL);
	} else if (is_new == (found == 1)) {
		snprintf(msg, sizeof(msg),
			 is_new ? "That value is not valid. \"%.200s\" is already in the "
				  "destination control table; use EDIT."
				: "That value is not valid. \"%.200s\" was not found in the "
				  "destination control table.",
			 name);
		refuse(r, is_new ? NULL : name, &shown, &t.def, "domain", msg);
		return table_free(&t);
	} else if (is_new) {
		dest_policy_empty(&p);
	}
	shown = p;
	if (web_dest_apply(&r->form, is_default, &p, field, sizeof(field), &e) < 0) {
		refuse(r, is_new ? NULL : name, &shown, &t.def, field, e.msg);
		return table_free(&t);
	}
	table_free(&t);
	if (stage(r, name, &p, &e) < 0)
		return done(r, 500, "Error", e.msg, NULL);
	snprintf(msg, sizeof(msg), "%s %s: your changes are staged; Commit Changes to apply them.",
		 is_default ? "The default entry" : name, is_new ? "added" : "changed");
	done(r, 200, "Success", msg, NULL);
}

void web_dest_delete(struct web_req *r)
{
	const char *domain = web_form_get(&r->form, "domain");
	char name[DEST_DOMAIN_MAX + 2], msg[600];
	struct dest_policy p;
	struct err e;
	int found;

	snprintf(name, sizeof(name), "%s", domain ? domain : "");
	if (!domain || strlen(domain) >= sizeof(name) - 1 || dest_check_domain(name, &e) < 0)
		return done(r, 400, "Error",
			    domain && strlen(domain) < sizeof(name) - 1
				    ? e.msg
				    : "You must enter a domain.",
			    "domain");
	if ((found = entry_get(r, name, &p, &e)) < 0)
		return done(r, 500, "Error", e.msg, NULL);
	if (!found) {
		snprintf(msg, sizeof(msg),
			 "That value is not valid. \"%.200s\" was not found in the destination "
			 "control table.",
			 name);
		return done(r, 404, "Error", msg, "domain");
	}
	if (stage(r, name, NULL, &e) < 0)
		return done(r, 500, "Error", e.msg, NULL);
	snprintf(msg, sizeof(msg), "%s deleted: Commit Changes to apply it.", name);
	done(r, 200, "Success", msg, NULL);
}

void web_dest_setup(struct web_req *r)
{
	const char *cert = web_form_get(&r->form, "outbound_certificate");
	const char *to = web_form_get(&r->form, "alert_to");
	bool alert = web_form_field(&r->form, "alert_tls_required") != NULL;
	struct config before, c;
	char *blob = NULL;
	struct err e;

	if (db_load_effective(r->d->db, r->session->user, &before, &e) < 0)
		return done(r, 500, "Error", e.msg, NULL);
	c = before;
	if (cert) {
		if (config_check_profile_name(cert, &e) < 0 ||
		    db_entry_get(r->d->db, r->session->user, "cert", cert, &blob, &e) < 0)
			return done(r, 400, "Error", e.msg, "outbound_certificate");
		if (!blob) {
			snprintf(e.msg, sizeof(e.msg), "There is no certificate profile \"%s\".",
				 cert);
			return done(r, 400, "Error", e.msg, "outbound_certificate");
		}
		OPENSSL_cleanse(blob, strlen(blob)); /* it holds a private key */
		free(blob);
		snprintf(c.svc[SVC_OUTBOUND].certificate, sizeof(c.svc[0].certificate), "%s", cert);
	}
	c.alert_tls_required = alert;
	if (alert) {
		if (!to || !to[0])
			return done(r, 400, "Error", "You must enter an e-mail address.",
				    "alert_to");
		if (config_check_address(to, &e) < 0)
			return done(r, 400, "Error", e.msg, "alert_to");
		snprintf(c.alert_to, sizeof(c.alert_to), "%.254s", to);
	}
	if (db_stage_changes(r->d->db, r->session->user, &before, &c, &e) < 0)
		return done(r, 500, "Error", e.msg, NULL);
	mail_log_info(r->d->log, "WebUI CID %lu user %s staged Destination Controls settings",
		      r->cid, r->session->user);
	done(r, 200, "Success", "Your changes are staged: Commit Changes to apply them.", NULL);
}
