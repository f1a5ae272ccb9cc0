/* cmd_certauthority: certconfig CERTAUTHORITY — the system trust store
 * (setting ca.system: ENABLE/DISABLE, PRINT of the OS bundle) and custom CAs
 * (entries "ca.LABEL" holding PEM certificates, read by tls/trust.c). */
#include <openssl/x509.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../core/pem_blob.h"
#include "certconfig.h"
#include "commands.h"
#include "config_files.h"
#include "input.h"
#include "menu.h"
#include "prompt.h"

static int system_print(struct session *s)
{
	const char *env = getenv(X509_get_default_cert_file_env());
	const char *path = env && env[0] ? env : X509_get_default_cert_file();
	struct strbuf out;
	struct err e;
	int count;

	strbuf_init(&out);
	if (cert_bundle_subjects(path, &out, &count, &e) < 0) {
		strbuf_free(&out);
		return command_error(s, e.msg);
	}
	printf("\n%d system certificate authorities (%s):\n%s", count, path, out.data);
	strbuf_free(&out);
	return 0;
}

static int show_system(struct session *s, void *ctx)
{
	struct config *c = ctx;
	struct err e;

	if (db_load_effective(s->db, s->user, c, &e) < 0)
		return command_error(s, e.msg);
	printf("\nThe system certificate authorities are currently %s.\n",
	       c->ca_system ? "enabled" : "disabled");
	return 0;
}

static bool system_enabled(const void *ctx, int unused)
{
	(void)unused;
	return ((const struct config *)ctx)->ca_system;
}

static bool system_disabled(const void *ctx, int unused)
{
	return !system_enabled(ctx, unused);
}

static int toggle_system(struct session *s, void *ctx, int unused)
{
	struct config *c = ctx, before = *c;
	struct err e;

	(void)unused;
	c->ca_system = !c->ca_system;
	if (db_stage_changes(s->db, s->user, &before, c, &e) < 0)
		return command_error(s, e.msg);
	return 0;
}

static int print_system(struct session *s, void *ctx, int unused)
{
	(void)ctx;
	(void)unused;
	return system_print(s);
}

static const struct menu_row system_rows[] = {
	{ "ENABLE", "Enable the system certificate authorities.", ACCESS_OPERATOR, toggle_system, 0,
	  NULL, system_disabled },
	{ "DISABLE", "Disable the system certificate authorities.", ACCESS_OPERATOR, toggle_system,
	  0, NULL, system_enabled },
	{ "PRINT", "Print the system certificate authorities.", ACCESS_GUEST, print_system, 0, NULL,
	  NULL },
};
static const struct menu system_menu = {
	"certconfig CERTAUTHORITY SYSTEM", MENU_ROWS(system_rows), show_system, NULL, false, false
};
MENU_REGISTER(system_menu)

static int menu_system(struct session *s, void *ctx, int unused)
{
	struct config c;

	(void)ctx;
	(void)unused;
	return menu_run(s, &system_menu, &c);
}

/* ---- custom CAs ---- */

struct ca_list {
	char (*names)[CONFIG_PROFILE_MAX + 1];
	int count;
	bool print;
};

static int ca_row(const char *name, const char *value, void *arg)
{
	struct ca_list *l = arg;
	STACK_OF(X509) * certs;
	struct err e;
	void *grown = realloc(l->names, (size_t)(l->count + 1) * sizeof(*l->names));

	if (!grown)
		abort();
	l->names = grown;
	snprintf(l->names[l->count++], sizeof(l->names[0]), "%s", name);
	if (!l->print)
		return 0;
	if (cert_parse_certificates(value, &certs, &e) < 0) {
		printf("%d. %s (cannot be read: %s)\n", l->count, name, e.msg);
		return 0;
	}
	for (int i = 0; i < sk_X509_num(certs); i++) {
		struct cert_info info;
		char days[32];
		cert_info_of(sk_X509_value(certs, i), &info);
		pem_render_days(info.seconds_left, days, sizeof(days));
		printf("%d. %s: %s (%s, %s remaining)\n", l->count, name, info.subject, info.status,
		       days);
	}
	sk_X509_pop_free(certs, X509_free);
	return 0;
}

static int ca_load(struct session *s, struct ca_list *l, bool print)
{
	struct err e;

	memset(l, 0, sizeof(*l));
	l->print = print;
	if (db_entries_list(s->db, 0, s->user, "ca", ca_row, l, &e) < 0)
		return command_error(s, e.msg);
	return 0;
}

static int check_ca_name(char *answer, void *arg, struct err *e)
{
	(void)arg;
	if (config_check_profile_name(answer, e) < 0)
		return err_set(e,
			       "That value is not valid. A certificate authority name holds "
			       "1 to %d letters, digits, '_' and '-'.",
			       CONFIG_PROFILE_MAX);
	return 0;
}

static int check_ca_pem(char *answer, void *arg, struct err *e)
{
	STACK_OF(X509) **out = arg;
	struct err why;

	sk_X509_pop_free(*out, X509_free);
	*out = NULL;
	if (cert_parse_certificates(answer, out, &why) < 0)
		return err_set(e, "That value is not valid. Invalid certificate (%s), discarding.",
			       why.msg);
	return 0;
}

static int check_ca_file(char *answer, void *arg, struct err *e)
{
	struct session *s = ((void **)arg)[0];
	unsigned char *data;
	size_t len;
	int rc;

	if (config_file_read(s->home, answer, &data, &len, e) < 0)
		return -1;
	rc = check_ca_pem((char *)data, ((void **)arg)[1], e);
	free(data);
	return rc;
}

static int stage_ca(struct session *s, const char *name, STACK_OF(X509) * certs)
{
	struct strbuf pem;
	struct err e;
	int rc;

	strbuf_init(&pem);
	cert_list_pem(certs, &pem);
	rc = db_entry_stage(s->db, s->user, "ca", name, pem.data, &e);
	strbuf_free(&pem);
	if (rc < 0)
		return command_error(s, e.msg);
	printf("Custom certificate authority \"%s\": %d certificate%s added.\n", name,
	       sk_X509_num(certs), sk_X509_num(certs) == 1 ? "" : "s");
	return 0;
}

static int ca_add(struct session *s, bool from_file)
{
	char name[CONFIG_PROFILE_MAX + 1], file[256];
	STACK_OF(X509) *certs = NULL;
	void *file_arg[2] = { s, &certs };
	char *text = NULL;
	int rc = -1;

	if (ask_text(s, "Enter a name for this certificate authority:", NULL, name, sizeof(name),
		     check_ca_name, NULL) < 0)
		return -1;
	if (from_file) {
		if (ask_text(s, "Enter the name of the PEM file in configuration/ to import:", "",
			     file, sizeof(file), check_ca_file, file_arg) == 0)
			rc = stage_ca(s, name, certs);
	} else {
		if (!(text = malloc(PEM_BLOB_MAX + 1)))
			abort();
		if (ask_pem(s, "Paste the CA certificates in PEM format (end with '.'):", false,
			    text, PEM_BLOB_MAX + 1, check_ca_pem, &certs) == 0)
			rc = stage_ca(s, name, certs);
		free(text);
	}
	sk_X509_pop_free(certs, X509_free);
	return rc;
}

static int ca_pick(struct session *s, const char *question, char *out)
{
	struct ca_list l;
	const char **items;
	int chosen, rc;

	if (ca_load(s, &l, false) < 0)
		return -1;
	if (l.count == 0) {
		free(l.names);
		printf("There are no custom certificate authorities.\n");
		return 1;
	}
	if (!(items = calloc((size_t)l.count, sizeof(*items))))
		abort();
	for (int i = 0; i < l.count; i++)
		items[i] = l.names[i];
	rc = ask_pick(s, question, items, (size_t)l.count, 0, &chosen);
	if (rc == 0)
		snprintf(out, CONFIG_PROFILE_MAX + 1, "%s", l.names[chosen - 1]);
	free(items);
	free(l.names);
	return rc;
}

static int ca_delete(struct session *s, void *ctx, int unused)
{
	char name[CONFIG_PROFILE_MAX + 1];
	struct err e;
	int rc = ca_pick(s, "Select the certificate authority you want to delete:", name);

	(void)ctx;
	(void)unused;
	if (rc != 0)
		return rc < 0 ? -1 : 0;
	if (db_entry_stage(s->db, s->user, "ca", name, NULL, &e) < 0)
		return command_error(s, e.msg);
	printf("Custom certificate authority \"%s\" deleted.\n", name);
	return 0;
}

static int check_file_name(char *answer, void *arg, struct err *e)
{
	(void)arg;
	return config_file_check_name(answer, e);
}

static int ca_export(struct session *s, void *ctx, int unused)
{
	char name[CONFIG_PROFILE_MAX + 1], file[256], def[CONFIG_PROFILE_MAX + 8];
	char *value = NULL;
	struct err e;
	int rc = ca_pick(s, "Select the certificate authority you want to export:", name);

	(void)ctx;
	(void)unused;
	if (rc != 0)
		return rc < 0 ? -1 : 0;
	snprintf(def, sizeof(def), "%s.pem", name);
	if (ask_text(s, "Enter the name of the file to export to (in configuration/):", def, file,
		     sizeof(file), check_file_name, NULL) < 0)
		return -1;
	if (db_entry_get(s->db, s->user, "ca", name, &value, &e) < 0 || !value ||
	    config_file_write(s, file, value, strlen(value), &e) < 0) {
		free(value);
		return command_error(s, e.msg);
	}
	free(value);
	printf("Custom certificate authority \"%s\" exported to configuration/%s.\n", name, file);
	return 0;
}

static int show_custom(struct session *s, void *ctx)
{
	struct ca_list l;

	(void)ctx;
	if (ca_load(s, &l, false) < 0)
		return -1;
	printf("\nCustom certificate authorities: %d\n", l.count);
	free(l.names);
	return 0;
}

static int ca_import(struct session *s, void *ctx, int from_file)
{
	(void)ctx;
	return ca_add(s, from_file);
}

static int ca_print(struct session *s, void *ctx, int unused)
{
	struct ca_list l;

	(void)ctx;
	(void)unused;
	if (ca_load(s, &l, true) < 0)
		return -1;
	free(l.names);
	return 0;
}

static const struct menu_row custom_rows[] = {
	{ "IMPORT", "Import custom CA certificates from a PEM file in configuration/.",
	  ACCESS_OPERATOR, ca_import, 1, NULL, NULL },
	{ "PASTE", "Paste custom CA certificates.", ACCESS_OPERATOR, ca_import, 0, NULL, NULL },
	{ "EXPORT", "Export a custom CA to a PEM file in configuration/.", ACCESS_OPERATOR,
	  ca_export, 0, NULL, NULL },
	{ "DELETE", "Remove a custom certificate authority.", ACCESS_OPERATOR, ca_delete, 0, NULL,
	  NULL },
	{ "PRINT", "Print the custom certificate authorities.", ACCESS_GUEST, ca_print, 0, NULL,
	  NULL },
};
static const struct menu custom_menu = {
	"certconfig CERTAUTHORITY CUSTOM", MENU_ROWS(custom_rows), show_custom, NULL, false, false
};
MENU_REGISTER(custom_menu)

static int menu_custom(struct session *s, void *ctx, int unused)
{
	(void)ctx;
	(void)unused;
	return menu_run(s, &custom_menu, NULL);
}

static const struct menu_row certauthority_rows[] = {
	{ "SYSTEM", "Manage System Certificate Authorities", ACCESS_GUEST, menu_system, 0,
	  &system_menu, NULL },
	{ "CUSTOM", "Manage Custom Certificate Authorities", ACCESS_GUEST, menu_custom, 0,
	  &custom_menu, NULL },
};
const struct menu certauthority_menu = {
	"certconfig CERTAUTHORITY", MENU_ROWS(certauthority_rows), NULL, NULL, false, false
};
MENU_REGISTER(certauthority_menu)

int certauthority_run(struct session *s, void *ctx, int unused)
{
	(void)ctx;
	(void)unused;
	return menu_run(s, &certauthority_menu, NULL);
}
