/* cmd_certnew: certconfig CERTIFICATE NEW (a self-signed certificate and its
 * CSR, in the spec's question order) and EDIT (put in the certificate the CA
 * signed, view the CSR, manage intermediates). */
#include <openssl/obj_mac.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../core/cert_rules.h"
#include "../core/pem_blob.h"
#include "../tls/cert_signed.h"
#include "certconfig.h"
#include "commands.h"
#include "input.h"
#include "menu.h"
#include "prompt.h"

struct field_rule {
	size_t max;
	int required;
};

static int check_field(char *answer, void *arg, struct err *e)
{
	const struct field_rule *r = arg;
	return cert_check_subject_field(answer, r->max, r->required, e);
}

static int check_country(char *answer, void *arg, struct err *e)
{
	(void)arg;
	return cert_check_country(answer, e);
}

static int check_days(char *answer, void *arg, struct err *e)
{
	return cert_check_days(answer, arg, e);
}

static int check_san(char *answer, void *arg, struct err *e)
{
	(void)arg;
	if (!answer[0])
		return 0; /* no (more) names */
	return cert_check_san(answer, e);
}

/* The subject questions of the spec, in order, into the request's fields. */
static int ask_subject(struct session *s, struct cert_request *r)
{
	static const struct field_rule cn = { 64, 1 }, short_field = { 64, 0 },
				       long_field = { 128, 0 };
	char days[16], country[16];

	if (ask_text(s, "Enter Common Name:", NULL, r->cn, sizeof(r->cn), check_field,
		     (void *)&cn) < 0 ||
	    ask_text(s, "Enter Organization:", "", r->o, sizeof(r->o), check_field,
		     (void *)&short_field) < 0 ||
	    ask_text(s, "Enter Organizational Unit:", "", r->ou, sizeof(r->ou), check_field,
		     (void *)&short_field) < 0 ||
	    ask_text(s, "Enter Locality or City:", "", r->l, sizeof(r->l), check_field,
		     (void *)&long_field) < 0 ||
	    ask_text(s, "Enter State or Province:", "", r->st, sizeof(r->st), check_field,
		     (void *)&long_field) < 0 ||
	    ask_text(s, "Enter Country (2 letter code):", "", country, sizeof(country),
		     check_country, NULL) < 0 ||
	    ask_text(s, "Duration before expiration (in days):", "3650", days, sizeof(days),
		     check_days, &r->days) < 0)
		return -1;
	memcpy(r->c, country, sizeof(r->c) - 1); /* checked: empty or two letters */
	r->c[sizeof(r->c) - 1] = '\0';
	return 0;
}

static int ask_key(struct session *s, struct cert_request *r)
{
	static const char *const sizes[] = { "2048", "3072", "4096" };
	static const char *const curves[] = { "P-256", "P-384" };
	int chosen;

	if (!r->ecdsa) {
		if (ask_pick(s, "Select the size of the private key:", sizes, 3, 1, &chosen) < 0)
			return -1;
		r->rsa_bits = atoi(sizes[chosen - 1]);
	} else {
		if (ask_pick(s, "Select the curve of the private key:", curves, 2, 1, &chosen) < 0)
			return -1;
		r->ec_curve = chosen == 1 ? NID_X9_62_prime256v1 : NID_secp384r1;
	}
	return 0;
}

static int ask_sans(struct session *s, struct cert_request *r)
{
	char answer[254];
	bool more = true;

	while (more && r->san_count < CERT_SAN_MAX) {
		if (ask_text(s, "Enter the DNS you want to add.", "", answer, sizeof(answer),
			     check_san, NULL) < 0)
			return -1;
		if (!answer[0])
			break;
		snprintf(r->sans[r->san_count++], sizeof(r->sans[0]), "%s", answer);
		if (r->san_count < CERT_SAN_MAX &&
		    ask_yes_no(s, "Add another member?", false, &more) < 0)
			return -1;
	}
	return 0;
}

static void print_csr(const struct cert_profile *p)
{
	struct strbuf pem;

	strbuf_init(&pem);
	cert_csr_pem(p, &pem);
	fputs(pem.len ? pem.data : "There is no certificate signing request for this profile.\n",
	      stdout);
	strbuf_free(&pem);
}

int certnew_run(struct session *s, void *ctx, int unused)
{
	static const char *const types[] = { "RSA", "ECDSA" };
	struct cert_request r = { .keep_csr = 1 };
	char name[CONFIG_PROFILE_MAX + 1];
	struct cert_profile p;
	struct err e;
	bool go, view;
	int type, rc;

	(void)ctx;
	(void)unused;
	if (ask_pick(s, "Select the type of certificate:", types, 2, 1, &type) < 0)
		return -1;
	r.ecdsa = type == 2;
	if (ask_new_profile_name(s, name, &go) < 0)
		return -1;
	if (!go)
		return 0;
	if (ask_subject(s, &r) < 0 || ask_key(s, &r) < 0 || ask_sans(s, &r) < 0)
		return -1;
	if (cert_profile_new(&r, &p, &e) < 0)
		return command_error(s, e.msg);
	rc = profile_stage(s, name, &p, "created (self-signed)");
	if (rc == 0 && (rc = ask_yes_no(s, "Do you want to view the CSR?", true, &view)) == 0 &&
	    view)
		print_csr(&p);
	cert_profile_free(&p);
	return rc;
}

/* ---- EDIT ---- */

struct signed_cert {
	X509 *cert;
	EVP_PKEY *key; /* the profile's: the signed certificate must be for it */
};

static int check_signed_cert(char *answer, void *arg, struct err *e)
{
	struct signed_cert *sc = arg;
	struct err why;

	if (check_pasted_certificate(answer, &sc->cert, e) < 0)
		return -1;
	if (cert_signed_check(sc->key, sc->cert, &why) < 0) {
		X509_free(sc->cert);
		sc->cert = NULL;
		return err_set(e, "That value is not valid. Error: %s.", why.msg);
	}
	return 0;
}

/* What EDIT works on: the profile chosen, as edited so far. */
struct certedit_view {
	char name[CONFIG_PROFILE_MAX + 1];
	struct cert_profile p;
	bool loaded;
};

/* Read again before each menu: an operation refused halfway (on a terminal,
 * where the menu is asked again) must not leave its edits in memory. */
static int reload_profile(struct session *s, void *ctx)
{
	struct certedit_view *v = ctx;

	if (v->loaded)
		cert_profile_free(&v->p);
	v->loaded = profile_read(s, v->name, &v->p) == 0;
	return v->loaded ? 0 : -1;
}

static int edit_certificate(struct session *s, void *ctx, int unused)
{
	struct certedit_view *v = ctx;
	struct cert_profile *p = &v->p;
	struct signed_cert sc = { NULL, p->key };
	struct cert_profile extra = { 0 };
	char *text = malloc(PEM_BLOB_MAX + 1), msg[600];
	struct err e;
	int rc;

	(void)unused;
	if (!text)
		abort();
	rc = ask_pem(s, "Paste the signed certificate in PEM format (end with '.'):", false, text,
		     PEM_BLOB_MAX + 1, check_signed_cert, &sc);
	free(text);
	if (rc < 0)
		return -1;
	/* The intermediates that come with it (the old ones belonged to the old issuer). */
	if (!(extra.chain = sk_X509_new_null()))
		abort();
	if (paste_intermediates(s, &extra) < 0)
		rc = -1;
	else if (cert_profile_put_signed(p, sc.cert, extra.chain, &e) < 0) {
		snprintf(msg, sizeof(msg), "That value is not valid. Error: %s.", e.msg);
		rc = command_error(s, msg);
	} else
		return profile_stage(s, v->name, p, "updated");
	X509_free(sc.cert);
	sk_X509_pop_free(extra.chain, X509_free);
	return rc;
}

static int show_intermediates(struct session *s, void *ctx)
{
	struct certedit_view *v = ctx;

	if (reload_profile(s, ctx) < 0)
		return -1;
	printf("\nIntermediate certificates of \"%s\": %d\n", v->name, sk_X509_num(v->p.chain));
	for (int i = 0; i < sk_X509_num(v->p.chain); i++) {
		struct cert_info info;
		cert_info_of(sk_X509_value(v->p.chain, i), &info);
		printf("%d. %s (issued by %s)\n", i + 1, info.subject, info.issuer);
	}
	return 0;
}

static int add_intermediates(struct session *s, void *ctx, int unused)
{
	struct certedit_view *v = ctx;
	int before = sk_X509_num(v->p.chain);
	char msg[600];
	struct err e;

	(void)unused;
	if (paste_intermediates(s, &v->p) < 0)
		return -1;
	if (sk_X509_num(v->p.chain) == before)
		return 0;
	if (cert_chain_order(v->p.cert, v->p.chain, &e) < 0) {
		snprintf(msg, sizeof(msg), "That value is not valid. Error: %s.", e.msg);
		return command_error(s, msg);
	}
	return profile_stage(s, v->name, &v->p, "updated");
}

static int clear_intermediates(struct session *s, void *ctx, int unused)
{
	struct certedit_view *v = ctx;

	(void)unused;
	sk_X509_pop_free(v->p.chain, X509_free);
	if (!(v->p.chain = sk_X509_new_null()))
		abort();
	return profile_stage(s, v->name, &v->p, "updated");
}

static const struct menu_row intermediate_rows[] = {
	{ "ADD", "Add an intermediate certificate.", ACCESS_OPERATOR, add_intermediates, 0, NULL,
	  NULL },
	{ "CLEAR", "Remove every intermediate certificate.", ACCESS_OPERATOR, clear_intermediates,
	  0, NULL, NULL },
};
static const struct menu intermediate_menu = { "certconfig EDIT INTERMEDIATE",
					       MENU_ROWS(intermediate_rows),
					       show_intermediates,
					       NULL,
					       false,
					       true };
MENU_REGISTER(intermediate_menu)

static int edit_intermediates(struct session *s, void *ctx, int unused)
{
	(void)unused;
	return menu_run(s, &intermediate_menu, ctx);
}

static int view_csr(struct session *s, void *ctx, int unused)
{
	(void)s;
	(void)unused;
	print_csr(&((struct certedit_view *)ctx)->p);
	return 0;
}

static const struct menu_row certedit_rows[] = {
	{ "CERTIFICATE", "Replace the certificate with the one the CA signed.", ACCESS_OPERATOR,
	  edit_certificate, 0, NULL, NULL },
	{ "VIEW", "View the certificate signing request.", ACCESS_GUEST, view_csr, 0, NULL, NULL },
	{ "INTERMEDIATE", "Manage the intermediate certificates.", ACCESS_OPERATOR,
	  edit_intermediates, 0, &intermediate_menu, NULL },
};
const struct menu certedit_menu = {
	"certconfig EDIT", MENU_ROWS(certedit_rows), reload_profile, NULL, false, false
};
MENU_REGISTER(certedit_menu)

int certedit_run(struct session *s, void *ctx, int unused)
{
	struct certedit_view v = { .loaded = false };
	struct profile_list l;
	int rc;

	(void)ctx;
	(void)unused;
	if (profiles_load(s, &l) < 0)
		return -1;
	rc = ask_profile(s, "Select the certificate profile you want to edit:", &l, NULL, v.name);
	profiles_free(&l);
	if (rc < 0)
		return -1;
	rc = menu_run(s, &certedit_menu, &v);
	if (v.loaded)
		cert_profile_free(&v.p);
	return rc;
}
