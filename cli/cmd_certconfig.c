/* cmd_certconfig: certconfig — certificate profiles (IMPORT, EXPORT, PASTE,
 * NEW, EDIT, DELETE, PRINT), certificate authorities, and CRL (answered: no
 * revocation checking). Every edit is staged and committed like any other.
 * The profile helpers the certconfig files share are certconfig_profiles.c. */
#define _GNU_SOURCE /* explicit_bzero */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../core/entries.h"
#include "../core/pem_blob.h"
#include "../os/audit.h"
#include "../tls/certs.h"
#include "certconfig.h"
#include "commands.h"
#include "config_files.h"
#include "input.h"
#include "menu.h"
#include "prompt.h"

#define PASSPHRASE_MAX 1024

/* ---- the listing ---- */

static int list_row(const char *name, const char *value, void *arg)
{
	struct cert_profile p;
	struct cert_info i;
	struct err e;
	char days[32];

	(void)arg;
	if (cert_profile_parse(value, &p, &e) < 0) {
		printf("%-16s (cannot be read: %s)\n", name, e.msg);
		return 0;
	}
	cert_info_of(p.cert, &i);
	cert_profile_free(&p);
	pem_render_days(i.seconds_left, days, sizeof(days));
	printf("%-16s %-26.26s %-26.26s %-13s %s\n", name, i.common_name, i.issuer_cn, i.status,
	       i.seconds_left > 0 ? days : "0 days");
	return 0;
}

static int print_listing(struct session *s)
{
	struct err e;

	printf("List of Certificate Profiles:\n");
	printf("%-16s %-26s %-26s %-13s %s\n", "Name", "Common Name", "Issued By", "Status",
	       "Remaining");
	printf("%-16s %-26s %-26s %-13s %s\n", "----------------", "--------------------------",
	       "--------------------------", "-------------", "---------");
	if (db_entries_list(s->db, 0, s->user, "cert", list_row, NULL, &e) < 0)
		return command_error(s, e.msg);
	return 0;
}

/* ---- IMPORT ---- */

struct import_file {
	const char *home;
	unsigned char *data;
	size_t len;
	struct cert_profile profile;
	char file[256];
};

static int check_import_file(char *answer, void *arg, struct err *e)
{
	struct import_file *f = arg;
	struct err why;

	free(f->data);
	f->data = NULL;
	if (config_file_read(f->home, answer, &f->data, &f->len, e) < 0)
		return -1;
	if (cert_pkcs12_probe(f->data, f->len, &why) < 0)
		return err_set(e, "That value is not valid. \"%s\": %s.", answer, why.msg);
	snprintf(f->file, sizeof(f->file), "%s", answer);
	return 0;
}

static int check_import_passphrase(char *answer, void *arg, struct err *e)
{
	struct import_file *f = arg;
	struct err why;

	cert_profile_free(&f->profile);
	if (cert_profile_from_pkcs12(f->data, f->len, answer, &f->profile, &why) < 0)
		return err_set(e, "That value is not valid. Cannot import \"%s\": %s.", f->file,
			       why.msg);
	return 0;
}

static int op_import(struct session *s, void *ctx, int unused)
{
	struct import_file f = { .home = s->home };
	char name[CONFIG_PROFILE_MAX + 1], question[256], file[256], pass[PASSPHRASE_MAX];
	struct config c;
	struct err e;
	bool go;
	int rc = -1;

	(void)ctx;
	(void)unused;
	if (ask_new_profile_name(s, name, &go) < 0)
		return -1;
	if (!go)
		return 0;
	if (db_load_effective(s->db, s->user, &c, &e) < 0)
		return command_error(s, e.msg);
	snprintf(question, sizeof(question),
		 "Enter the name of the file on machine \"%s\" to import:", c.hostname);
	if (ask_text(s, question, "", file, sizeof(file), check_import_file, &f) == 0 &&
	    ask_secret(s, "Enter passphrase:", pass, sizeof(pass), check_import_passphrase, &f) ==
		    0)
		rc = profile_stage(s, name, &f.profile, "imported");
	memset(pass, 0, sizeof(pass));
	cert_profile_free(&f.profile);
	free(f.data);
	return rc;
}

/* ---- EXPORT ---- */

static int check_export_file(char *answer, void *arg, struct err *e)
{
	(void)arg;
	return config_file_check_name(answer, e);
}

static int check_new_passphrase(char *answer, void *arg, struct err *e)
{
	(void)arg;
	if (!answer[0])
		return err_set(e, "You must enter a passphrase: the file holds the private key.");
	return 0;
}

static int check_same_passphrase(char *answer, void *arg, struct err *e)
{
	if (strcmp(answer, (const char *)arg) != 0)
		return err_set(e, "The value must be the same both times: the passphrases do not "
				  "match.");
	return 0;
}

static int write_export(struct session *s, const char *name, const char *file, const char *pass)
{
	struct cert_profile p;
	unsigned char *der = NULL;
	size_t len = 0;
	struct err e;
	int rc;

	if (profile_read(s, name, &p) < 0)
		return -1;
	rc = cert_profile_to_pkcs12(&p, name, pass, &der, &len, &e);
	cert_profile_free(&p);
	if (rc == 0)
		rc = config_file_write(s, file, der, len, &e);
	OPENSSL_free(der);
	if (rc < 0)
		return command_error(s, e.msg);
	printf("Certificate profile \"%s\" exported to configuration/%s.\n", name, file);
	audit_event(s->home, "Info",
		    "certconfig: user %s exported certificate profile %s to "
		    "configuration/%s",
		    s->user, name, file);
	return 0;
}

static int op_export(struct session *s, void *ctx, int unused)
{
	char name[CONFIG_PROFILE_MAX + 1], file[256], def[CONFIG_PROFILE_MAX + 8], q[400];
	char pass[PASSPHRASE_MAX], again[PASSPHRASE_MAX];
	struct profile_list l;
	bool go = true;
	int rc = -1;

	(void)ctx;
	(void)unused;
	if (profiles_load(s, &l) < 0)
		return -1;
	rc = ask_profile(s, "Select the certificate profile you want to export:", &l, NULL, name);
	profiles_free(&l);
	if (rc < 0)
		return -1;
	snprintf(def, sizeof(def), "%s.p12", name);
	if (ask_text(s, "Enter the name of the file to export to (in configuration/):", def, file,
		     sizeof(file), check_export_file, NULL) < 0)
		return -1;
	if (config_file_exists(s->home, file)) {
		snprintf(q, sizeof(q),
			 "The file \"%s\" already exists. Do you want to overwrite it?", file);
		if (ask_yes_no(s, q, false, &go) < 0)
			return -1;
		if (!go)
			return 0;
	}
	rc = -1;
	if (ask_secret(s, "Enter passphrase:", pass, sizeof(pass), check_new_passphrase, NULL) ==
		    0 &&
	    ask_secret(s, "Please enter the passphrase again to confirm:", again, sizeof(again),
		       check_same_passphrase, pass) == 0)
		rc = write_export(s, name, file, pass);
	memset(pass, 0, sizeof(pass));
	memset(again, 0, sizeof(again));
	return rc;
}

/* ---- PASTE ---- */

struct pasted_key {
	X509 *cert;
	EVP_PKEY *key;
};

static int check_pasted_key(char *answer, void *arg, struct err *e)
{
	struct pasted_key *k = arg;
	struct err why;

	EVP_PKEY_free(k->key);
	k->key = NULL;
	if (cert_parse_private_key(answer, &k->key, &why) < 0)
		return err_set(e, "That value is not valid. Invalid private key (%s), discarding.",
			       why.msg);
	if (!cert_key_matches(k->cert, k->key)) {
		EVP_PKEY_free(k->key);
		k->key = NULL;
		return err_set(e, "That value is not valid. Error: key does not sign certificate.");
	}
	return 0;
}

int paste_intermediates(struct session *s, struct cert_profile *p)
{
	bool more;
	char *text = malloc(PEM_BLOB_MAX + 1);

	if (!text)
		abort();
	for (const char *q = "Do you want to add an intermediate certificate?";;
	     q = "Do you want to add another intermediate certificate?") {
		X509 *x = NULL;
		if (ask_yes_no(s, q, false, &more) < 0)
			goto fail;
		if (!more)
			break;
		if (ask_pem(s, "Paste intermediate certificate in PEM format (end with '.'):",
			    false, text, PEM_BLOB_MAX + 1, check_pasted_certificate, &x) < 0)
			goto fail;
		sk_X509_push(p->chain, x);
	}
	free(text);
	return 0;
fail:
	free(text);
	return -1;
}

static int op_paste(struct session *s, void *ctx, int unused)
{
	char name[CONFIG_PROFILE_MAX + 1], msg[700];
	struct cert_profile p = { 0 };
	struct pasted_key k = { 0 };
	char *text = malloc(PEM_BLOB_MAX + 1);
	struct err e;
	bool go;
	int rc = -1;

	(void)ctx;
	(void)unused;
	if (!text || !(p.chain = sk_X509_new_null()))
		abort();
	if (ask_new_profile_name(s, name, &go) < 0 || !go)
		goto out;
	if (ask_pem(s, "Paste public certificate in PEM format (end with '.'):", false, text,
		    PEM_BLOB_MAX + 1, check_pasted_certificate, &k.cert) < 0)
		goto out;
	if (ask_pem(s, "Paste private key in PEM format (end with '.'):", true, text,
		    PEM_BLOB_MAX + 1, check_pasted_key, &k) < 0)
		goto out;
	p.cert = k.cert;
	p.key = k.key;
	k.cert = NULL;
	k.key = NULL;
	if (paste_intermediates(s, &p) < 0)
		goto out;
	if (cert_chain_order(p.cert, p.chain, &e) < 0) {
		snprintf(msg, sizeof(msg), "That value is not valid. Error: %s.", e.msg);
		command_error(s, msg);
		goto out;
	}
	rc = profile_stage(s, name, &p, "pasted");
out:
	rc = go ? rc : 0;
	explicit_bzero(text, PEM_BLOB_MAX + 1);
	free(text);
	X509_free(k.cert);
	EVP_PKEY_free(k.key);
	cert_profile_free(&p);
	return rc;
}

/* ---- DELETE, PRINT ---- */

static int op_delete(struct session *s, void *ctx, int unused)
{
	char name[CONFIG_PROFILE_MAX + 1], users[1024], msg[1400];
	struct profile_list l;
	struct config c;
	struct err e;
	bool sure;
	int rc;

	(void)ctx;
	(void)unused;
	if (profiles_load(s, &l) < 0)
		return -1;
	rc = ask_profile(s, "Select the certificate profile you want to delete:", &l, NULL, name);
	profiles_free(&l);
	if (rc < 0)
		return -1;
	if (db_load_effective(s->db, s->user, &c, &e) < 0)
		return command_error(s, e.msg);
	profile_users(s, &c, name, users, sizeof(users));
	if (!users[0] && strcmp(name, CERTS_DEMO_NAME) == 0)
		/* certs_ensure_demo would bring it back at the next start anyway. */
		return command_error(s, "That value is not valid. The Demo certificate profile "
					"cannot be deleted: every appliance keeps it.");
	if (users[0]) {
		snprintf(msg, sizeof(msg),
			 "That value is not valid. Certificate profile \"%s\" is in use by %s; "
			 "choose another certificate there first.",
			 name, users);
		return command_error(s, msg);
	}
	snprintf(msg, sizeof(msg), "Do you want to delete the certificate profile \"%s\"?", name);
	if (ask_yes_no(s, msg, false, &sure) < 0)
		return -1;
	if (!sure)
		return 0;
	if (db_entry_stage(s->db, s->user, "cert", name, NULL, &e) < 0)
		return command_error(s, e.msg);
	printf("Certificate profile \"%s\" deleted.\n", name);
	return 0;
}

static int op_print(struct session *s, void *ctx, int unused)
{
	char name[CONFIG_PROFILE_MAX + 1], users[1024];
	struct profile_list l;
	struct cert_profile p;
	struct strbuf out;
	struct config c;
	struct err e;
	int rc;

	(void)ctx;
	(void)unused;
	if (profiles_load(s, &l) < 0)
		return -1;
	rc = ask_profile(s, "Select the certificate profile you want to print:", &l, NULL, name);
	profiles_free(&l);
	if (rc < 0 || profile_read(s, name, &p) < 0)
		return -1;
	if (db_load_effective(s->db, s->user, &c, &e) < 0) {
		cert_profile_free(&p);
		return command_error(s, e.msg);
	}
	profile_users(s, &c, name, users, sizeof(users));
	strbuf_init(&out);
	cert_profile_print(&p, &out);
	cert_profile_free(&p);
	printf("\nCertificate profile: %s\nUsed by: %s\n%s", name, users[0] ? users : "none",
	       out.data);
	strbuf_free(&out);
	return 0;
}

/* ---- the menus ---- */

static int show_listing(struct session *s, void *ctx)
{
	(void)ctx;
	printf("\n");
	return print_listing(s);
}

static const struct menu_row certificate_rows[] = {
	{ "IMPORT", "Import a certificate from a local PKCS#12 file", ACCESS_OPERATOR, op_import, 0,
	  NULL, NULL },
	{ "EXPORT", "Export a certificate", ACCESS_ADMIN, op_export, 0, NULL, NULL },
	{ "PASTE", "Paste a certificate into the CLI", ACCESS_OPERATOR, op_paste, 0, NULL, NULL },
	{ "NEW", "Create a self-signed certificate and CSR", ACCESS_OPERATOR, certnew_run, 0, NULL,
	  NULL },
	{ "EDIT", "Update certificate or view the signing request", ACCESS_OPERATOR, certedit_run,
	  0, &certedit_menu, NULL },
	{ "DELETE", "Remove a certificate", ACCESS_OPERATOR, op_delete, 0, NULL, NULL },
	{ "PRINT", "View a certificate", ACCESS_GUEST, op_print, 0, NULL, NULL },
};
static const struct menu certificate_menu = {
	"certconfig CERTIFICATE", MENU_ROWS(certificate_rows), show_listing, NULL, false, false
};
MENU_REGISTER(certificate_menu)

static int menu_certificate(struct session *s, void *ctx, int unused)
{
	(void)unused;
	return menu_run(s, &certificate_menu, ctx);
}

static int menu_crl(struct session *s, void *ctx, int unused)
{
	(void)s;
	(void)ctx;
	(void)unused;
	printf("\ntlsgate does not check certificate revocation lists: there are no CRLs to "
	       "manage.\n");
	return 0;
}

static const struct menu_row top_rows[] = {
	{ "CERTIFICATE", "Import, Create a request, Edit or Remove Certificate Profiles",
	  ACCESS_GUEST, menu_certificate, 0, &certificate_menu, NULL },
	{ "CERTAUTHORITY", "Manage System and Customer CAs", ACCESS_GUEST, certauthority_run, 0,
	  &certauthority_menu, NULL },
	{ "CRL", "Manage Certificate Revocation Lists", ACCESS_GUEST, menu_crl, 0, NULL, NULL },
};
const struct menu certconfig_menu = { "certconfig", MENU_ROWS(top_rows), NULL, NULL, true, false };
MENU_REGISTER(certconfig_menu)

int cmd_certconfig(struct session *s, int argc, char **argv)
{
	(void)argc;
	(void)argv;
	return menu_run(s, &certconfig_menu, NULL);
}
