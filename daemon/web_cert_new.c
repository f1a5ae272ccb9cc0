/* web_cert_new: the Certificates page's operations that make or change a
 * profile, with the console's checks: IMPORT (a PKCS#12 upload and its
 * passphrase: cert_pkcs12_probe, cert_profile_from_pkcs12), NEW (a key, a
 * self-signed certificate and a CSR: the subject rules of core/cert_rules.h,
 * cert_profile_new with keep_csr, on a worker thread: web_keygen.c), the signed certificate (EDIT →
 * CERTIFICATE: tls/cert_signed.h), and the overwrite question: a new
 * profile whose name exists waits in memory (struct web_hold) for Overwrite
 * or Cancel; a client may instead send overwrite=1. */
#include <openssl/crypto.h>
#include <openssl/obj_mac.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../core/cert_rules.h"
#include "../core/pem_blob.h"
#include "../core/web_cert.h"
#include "../tls/cert_profile.h"
#include "../tls/cert_signed.h"
#include "web_internal.h"

/* ---- holds ---- */

static void hold_clear(struct web_hold *h)
{
	cert_blob_free(h->blob);
	OPENSSL_cleanse(h, sizeof(*h));
}

void web_holds_free(struct web *w)
{
	for (int i = 0; i < WEB_HOLDS_MAX; i++)
		hold_clear(&w->holds[i]);
}

void web_holds_expire(struct web *w, time_t now)
{
	for (int i = 0; i < WEB_HOLDS_MAX; i++)
		if (w->holds[i].session[0] && now - w->holds[i].at > WEB_HOLD_SECONDS)
			hold_clear(&w->holds[i]);
}

/* The session's hold (expired ones are cleared first), or NULL. */
static struct web_hold *hold_of(struct web_req *r)
{
	web_holds_expire(r->w, time(NULL));
	for (int i = 0; i < WEB_HOLDS_MAX; i++)
		if (r->w->holds[i].session[0] &&
		    strcmp(r->w->holds[i].session, r->session->id) == 0)
			return &r->w->holds[i];
	return NULL;
}

/* Takes `blob`; replaces the session's hold, or the oldest. */
static void hold_put(struct web_req *r, const char *name, char *blob, const char *summary)
{
	struct web_hold *h = hold_of(r);

	for (int i = 0; !h && i < WEB_HOLDS_MAX; i++)
		if (!r->w->holds[i].session[0])
			h = &r->w->holds[i];
	if (!h) /* all taken: the oldest goes */
		for (int i = 0; i < WEB_HOLDS_MAX; i++)
			if (!h || r->w->holds[i].at < h->at)
				h = &r->w->holds[i];
	hold_clear(h);
	snprintf(h->session, sizeof(h->session), "%s", r->session->id);
	snprintf(h->name, sizeof(h->name), "%s", name);
	snprintf(h->summary, sizeof(h->summary), "%s", summary);
	h->blob = blob;
	h->at = time(NULL);
}

/* ---- staging ---- */

static void stage_blob(struct web_req *r, const char *name, const char *blob, const char *summary)
{
	struct err e;

	if (db_entry_stage(r->d->db, r->session->user, "cert", name, blob, &e) < 0)
		return web_cert_done(r, 500, "Error", e.msg, NULL);
	mail_log_info(r->d->log, "WebUI CID %lu user %s staged certificate profile %s", r->cid,
		      r->session->user, name);
	web_cert_done(r, 200, "Success", summary, NULL);
}

/* The console's one-line summary of a staged profile. */
static void summary_of(const char *name, const struct cert_profile *p, const char *what, char *out,
		       size_t len)
{
	struct cert_info info;
	char days[32];

	cert_info_of(p->cert, &info);
	pem_render_days(info.seconds_left, days, sizeof(days));
	snprintf(out, len,
		 "Certificate profile \"%s\" %s: \"%.64s\", issued by \"%.64s\", %s, %s "
		 "remaining. Commit Changes to apply it.",
		 name, what, info.common_name, info.issuer_cn, info.key_type, days);
}

/* Stages `p` as `name`, or asks first when the name exists (the console's
 * overwrite question). `what`: "imported", "created (self-signed)". */
static void stage_or_ask(struct web_req *r, const char *name, const struct cert_profile *p,
			 const char *what)
{
	const char *overwrite = web_form_get(&r->form, "overwrite");
	char *blob = NULL, *old = NULL, summary[400];
	struct err e;

	if (db_entry_get(r->d->db, r->session->user, "cert", name, &old, &e) < 0 ||
	    cert_profile_to_blob(p, &blob, &e) < 0)
		return web_cert_done(r, 500, "Error", e.msg, NULL);
	cert_blob_free(old);
	summary_of(name, p, what, summary, sizeof(summary));
	if (!old || (overwrite && strcmp(overwrite, "1") == 0)) {
		stage_blob(r, name, blob, summary);
		cert_blob_free(blob);
		return;
	}
	if (r->json) {
		char msg[300];
		cert_blob_free(blob);
		snprintf(msg, sizeof(msg),
			 "Certificate profile \"%s\" already exists: send overwrite=1 to "
			 "overwrite it.",
			 name);
		return web_result(r, 409, "Warning", msg, "name");
	}
	hold_put(r, name, blob, summary);
	web_begin(r, "Certificates");
	web_cert_confirm(name, r->session->csrf, &r->body);
	web_page_end(&r->body);
}

void web_cert_confirm_post(struct web_req *r)
{
	const char *answer = web_form_get(&r->form, "answer");
	struct web_hold *h = hold_of(r);

	if (!h)
		return web_cert_done(r, 400, "Error",
				     "There is nothing waiting for an answer (more than 5 minutes "
				     "may have passed): start again.",
				     NULL);
	if (answer && strcmp(answer, "yes") == 0)
		stage_blob(r, h->name, h->blob, h->summary);
	else
		web_cert_done(r, 200, "Warning", "Nothing was changed.", NULL);
	hold_clear(h);
}

/* ---- IMPORT ---- */

static void wipe_field(struct web_req *r, const char *name)
{
	const struct web_field *f = web_form_field(&r->form, name);

	if (f && f->value)
		OPENSSL_cleanse(f->value, f->len);
}

static void import(struct web_req *r)
{
	const char *name = web_form_get(&r->form, "name");
	const char *pass = web_form_get(&r->form, "passphrase");
	const struct web_field *file = web_form_field(&r->form, "file");
	struct cert_profile p;
	char msg[sizeof(((struct err *)0)->msg) + 100];
	struct err e;

	if (!name || config_check_profile_name(name, &e) < 0)
		return web_cert_done(r, 400, "Error", name ? e.msg : "Enter a profile name.",
				     "name");
	if (!file || file->len == 0)
		return web_cert_done(r, 400, "Error", "Choose the PKCS#12 file to import.", "file");
	if (cert_pkcs12_probe((const unsigned char *)file->value, file->len, &e) < 0) {
		snprintf(msg, sizeof(msg), "That value is not valid. The file: %s.", e.msg);
		return web_cert_done(r, 400, "Error", msg, "file");
	}
	if (cert_profile_from_pkcs12((const unsigned char *)file->value, file->len,
				     pass ? pass : "", &p, &e) < 0) {
		snprintf(msg, sizeof(msg), "That value is not valid. Cannot import the file: %s.",
			 e.msg);
		return web_cert_done(r, 400, "Error", msg, "passphrase");
	}
	stage_or_ask(r, name, &p, "imported");
	cert_profile_free(&p);
}

void web_cert_import(struct web_req *r)
{
	import(r);
	wipe_field(r, "passphrase");
	wipe_field(r, "file");
}

/* ---- NEW ---- */

static const struct {
	const char *field, *label;
	size_t max;
	int required;
	size_t offset;
} subject[] = {
	{ "cn", "Common Name", 64, 1, offsetof(struct cert_request, cn) },
	{ "o", "Organization", 64, 0, offsetof(struct cert_request, o) },
	{ "ou", "Organizational Unit", 64, 0, offsetof(struct cert_request, ou) },
	{ "l", "Locality or City", 128, 0, offsetof(struct cert_request, l) },
	{ "st", "State or Province", 128, 0, offsetof(struct cert_request, st) },
};

static int set_key(struct cert_request *q, const char *key)
{
	static const struct {
		const char *name;
		int ecdsa, bits, curve;
	} keys[] = { { "rsa2048", 0, 2048, 0 },
		     { "rsa3072", 0, 3072, 0 },
		     { "rsa4096", 0, 4096, 0 },
		     { "p256", 1, 0, NID_X9_62_prime256v1 },
		     { "p384", 1, 0, NID_secp384r1 } };

	for (size_t i = 0; key && i < sizeof(keys) / sizeof(keys[0]); i++)
		if (strcmp(key, keys[i].name) == 0) {
			q->ecdsa = keys[i].ecdsa;
			q->rsa_bits = keys[i].bits;
			q->ec_curve = keys[i].curve;
			return 0;
		}
	return -1;
}

/* The names of the sans field: separated by blanks, commas or line breaks. */
static int set_sans(struct cert_request *q, const char *text, struct err *e)
{
	char name[sizeof(q->sans[0])];

	while (text && *text) {
		size_t n = strcspn(text, " \t\r\n,");
		if (n == 0) {
			text++;
			continue;
		}
		if (n >= sizeof(q->sans[0]))
			return err_set(e, "That value is not valid. A name is too long.");
		if (q->san_count == CERT_SAN_MAX)
			return err_set(e, "That value is not valid. At most %d names.",
				       CERT_SAN_MAX);
		memcpy(name, text, n);
		name[n] = '\0';
		if (cert_check_san(name, e) < 0)
			return -1;
		snprintf(q->sans[q->san_count++], sizeof(q->sans[0]), "%s", name);
		text += n;
	}
	return 0;
}

/* The NEW form into a request; -1 with e set and `field` named. */
static int read_request(struct web_req *r, struct cert_request *q, const char **field,
			struct err *e)
{
	char country[16]; /* longer answers stay too long, and are refused */
	const char *v;

	memset(q, 0, sizeof(*q));
	q->keep_csr = 1;
	for (size_t i = 0; i < sizeof(subject) / sizeof(subject[0]); i++) {
		*field = subject[i].field;
		v = web_form_get(&r->form, subject[i].field);
		if (cert_check_subject_field(v ? v : "", subject[i].max, subject[i].required, e) <
		    0)
			return -1;
		snprintf((char *)q + subject[i].offset, subject[i].max + 1, "%s", v ? v : "");
	}
	*field = "c";
	v = web_form_get(&r->form, "c");
	snprintf(country, sizeof(country), "%s", v ? v : "");
	if (cert_check_country(country, e) < 0)
		return -1;
	memcpy(q->c, country, sizeof(q->c) - 1); /* checked: empty or two letters */
	*field = "days";
	v = web_form_get(&r->form, "days");
	if (cert_check_days(v ? v : "", &q->days, e) < 0)
		return -1;
	*field = "key";
	if (set_key(q, web_form_get(&r->form, "key")) < 0)
		return err_set(e, "Choose a key: rsa2048, rsa3072, rsa4096, p256 or p384.");
	*field = "sans";
	return set_sans(q, web_form_get(&r->form, "sans"), e);
}

/* On the event loop again, the key made (p) or not (e). */
static void new_made(struct web_req *r, const char *name, const struct cert_profile *p,
		     const struct err *e)
{
	if (!p)
		return web_cert_done(r, 500, "Error", e->msg, NULL);
	stage_or_ask(r, name, p, "created (self-signed; download its CSR from the list)");
}

void web_cert_new(struct web_req *r)
{
	const char *name = web_form_get(&r->form, "name");
	const char *field = "name";
	struct cert_request q;
	struct err e;

	if (!name || config_check_profile_name(name, &e) < 0)
		return web_cert_done(r, 400, "Error", name ? e.msg : "Enter a profile name.",
				     "name");
	if (read_request(r, &q, &field, &e) < 0)
		return web_cert_done(r, 400, "Error", e.msg, field);
	switch (web_keygen_start(r, name, &q, new_made)) {
	case 0: return; /* new_made replies */
	case 1:
		mail_log_warning(r->d->log,
				 "WebUI CID %lu user %s: new key refused, %d keys are being made",
				 r->cid, r->session->user, WEB_KEYGEN_MAX);
		web_cert_done(r, 503, "Error",
			      "The appliance is busy making other keys; try again in a moment.",
			      NULL);
		return;
	default: return web_cert_done(r, 500, "Error", "Cannot start making the key.", NULL);
	}
}

/* ---- the signed certificate (EDIT → CERTIFICATE) ---- */

void web_cert_signed(struct web_req *r)
{
	const char *name = web_form_get(&r->form, "name");
	const char *pem = web_form_get(&r->form, "certificate");
	const struct web_field *file = web_form_field(&r->form, "certificate_file");
	struct cert_profile p;
	char *blob = NULL, msg[sizeof(((struct err *)0)->msg) + 100];
	struct err e;

	if (file && file->len > 0)
		pem = memchr(file->value, '\0', file->len) ? NULL : file->value;
	if (!pem || !pem[0])
		return web_cert_done(r, 400, "Error",
				     "Paste the signed certificate in PEM format, or choose its "
				     "file.",
				     "certificate");
	if (!name || config_check_profile_name(name, &e) < 0)
		return web_cert_done(r, 400, "Error", name ? e.msg : "Choose a profile.", "name");
	if (db_entry_get(r->d->db, r->session->user, "cert", name, &blob, &e) < 0)
		return web_cert_done(r, 500, "Error", e.msg, NULL);
	if (!blob) {
		snprintf(msg, sizeof(msg), "There is no certificate profile \"%s\".", name);
		return web_cert_done(r, 400, "Error", msg, "name");
	}
	if (cert_profile_parse(blob, &p, &e) < 0) {
		cert_blob_free(blob);
		snprintf(msg, sizeof(msg), "Certificate profile \"%s\" cannot be read: %s", name,
			 e.msg);
		return web_cert_done(r, 500, "Error", msg, NULL);
	}
	cert_blob_free(blob);
	if (cert_profile_put_signed_pem(&p, pem, &e) < 0) {
		cert_profile_free(&p);
		snprintf(msg, sizeof(msg), "That value is not valid. Error: %s.", e.msg);
		return web_cert_done(r, 400, "Error", msg, "certificate");
	}
	/* An existing profile: no overwrite question (the console's EDIT asks none). */
	if (cert_profile_to_blob(&p, &blob, &e) < 0) {
		cert_profile_free(&p);
		return web_cert_done(r, 500, "Error", e.msg, NULL);
	}
	summary_of(name, &p, "updated", msg, sizeof(msg));
	stage_blob(r, name, blob, msg);
	cert_blob_free(blob);
	cert_profile_free(&p);
}
