/* web_cert: Network > Certificates in the WebUI, rendered without I/O: the
 * profiles (name, common name, issuer, status, time remaining, where used),
 * and the forms: assign to GUI HTTPS and the inbound listener, import a
 * PKCS#12 file, create a key and CSR, upload the signed certificate, export
 * (PKCS#12); and the overwrite question of IMPORT and NEW. */
#ifndef TLSGATE_WEB_CERT_H
#define TLSGATE_WEB_CERT_H

#include <stdbool.h>
#include <stddef.h>

#include "config.h"
#include "strbuf.h"
#include "web_form.h"

/* One profile as the listing shows it (tls/cert_profile.h cert_info_of). */
struct web_cert_row {
	char name[CONFIG_PROFILE_MAX + 1];
	char common_name[128];
	char issuer[128];
	char status[32];    /* "Valid", "Expired", "Not yet valid", "Unreadable" */
	char remaining[32]; /* "3649 days" */
	long long days_left;
	char key_type[80];
	bool has_csr;
};

struct web_cert_view {
	const struct web_cert_row *rows;
	size_t count;
	const struct config *c; /* the user's effective settings: the assignments */
	const char *csrf;
	bool can_edit;   /* operator: assign, import, new, upload */
	bool can_export; /* admin, as the console's EXPORT */
	/* A refused submission shown again (NULL: none): the form it came from
	 * ("new" for POST /certificates/new, ...) gets the values as submitted,
	 * escaped, never a passphrase; `bad_field` gets `bad_message` under it. */
	const struct web_form *sent;
	const char *sent_form, *bad_field, *bad_message;
};

void web_cert_html(const struct web_cert_view *v, struct strbuf *out);
/* The same listing as JSON: {"profiles":[...],"gui":"..","inbound":"..","outbound":".."}. */
void web_cert_json(const struct web_cert_view *v, struct strbuf *out);
/* "Certificate profile "NAME" already exists. Do you want to overwrite with
 * this new one?" with Yes / No (POST /certificates/confirm). */
void web_cert_confirm(const char *name, const char *csrf, struct strbuf *out);

#endif
