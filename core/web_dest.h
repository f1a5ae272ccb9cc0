/* web_dest: Mail Policies > Destination Controls in the WebUI, without I/O:
 * the table (as destconfig LIST shows it), the Add / Edit form of a domain
 * or of the default entry (the fields are the INI keys of core/dest.h; a
 * domain may leave any of them to the default), reading the form back
 * through dest_policy_set and dest_check_domain (the console's model and
 * checks), and the global settings (destconfig SETUP). */
#ifndef TLSGATE_WEB_DEST_H
#define TLSGATE_WEB_DEST_H

#include <stdbool.h>
#include <stddef.h>

#include "config.h"
#include "dest.h"
#include "err.h"
#include "strbuf.h"
#include "web_form.h"

struct web_dest_row {
	char name[DEST_DOMAIN_MAX + 1];
	struct dest_policy policy; /* its own fields (set bits) */
};

struct web_dest_view {
	const struct web_dest_row *rows; /* domains, sorted */
	size_t count;
	const struct dest_policy *def; /* the default entry, every field set */
	const struct config *c;        /* the global settings */
	const char *const *profiles;   /* certificate profile names (outbound) */
	size_t profile_count;
	const char *csrf;
	bool can_edit;
};

/* The table, then the global settings (a form for those who may edit). */
void web_dest_html(const struct web_dest_view *v, struct strbuf *out);
/* {"default":{..},"destinations":[{"domain":..,"own":{..},"effective":{..}}],
 *  "outbound_certificate":..,"alert_tls_required":..,"alert_to":..} */
void web_dest_json(const struct web_dest_view *v, struct strbuf *out);

/* A refused submission shown again: the values as submitted (escaped when
 * written, so the admin keeps what they typed) and the field at fault with
 * its message ("" or NULL: none). */
struct web_dest_redo {
	const struct web_form *form;
	const char *field, *message;
};

/* The form for `name` (DEST_DEFAULT_NAME: the default entry; NULL: a new
 * domain), filled from `own` (what the entry sets) over `def`, or, with
 * `redo`, from the refused submission. */
void web_dest_form(const char *name, const struct dest_policy *own, const struct dest_policy *def,
		   const char *csrf, const struct web_dest_redo *redo, struct strbuf *out);

/* Applies a submitted form to `p` (the entry as it is, or empty for a new
 * one). A domain's empty field is left to the default; the default entry
 * needs every field. -1: e says why and `field` names the form field. */
int web_dest_apply(const struct web_form *f, bool is_default, struct dest_policy *p, char *field,
		   size_t field_len, struct err *e);

#endif
