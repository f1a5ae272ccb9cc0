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

static int menu_system(struct session *s)
{
	for (;;) {
		struct menu_op ops[2] = {
			{ NULL, NULL, ROLE_OPERATOR },
			{ "PRINT", "Print the system certificate authorities.", ROLE_GUEST },
		};
		struct config c, before;
		struct err e;
		int chosen;

		if (db_load_effective(s->db, s->user, &c, &e) < 0)
			return command_error(s, e.msg);
		printf("\nThe system certificate authorities are currently %s.\n",
		       c.ca_system ? "enabled" : "disabled");
		ops[0].name = c.ca_system ? "DISABLE" : "ENABLE";
		ops[0].description = c.ca_system ? "Disable the system certificate authorities."
						 : "Enable the system certificate authorities.";
		if (ask_menu(s, ops, 2, false, &chosen) < 0)
			return -1;
		if (chosen < 0)
			return 0;
		if (chosen == 1) {
			if (system_print(s) < 0)
				return -1;
			continue;
		}
		before = c;
		c.ca_system = !c.ca_system;
		if (db_stage_changes(s->db, s->user, &before, &c, &e) < 0)
			return command_error(s, e.msg);
	}
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

static int ca_delete(struct session *s)
{
	char name[CONFIG_PROFILE_MAX + 1];
	struct err e;
	int rc = ca_pick(s, "Select the certificate authority you want to delete:", name);

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

static int ca_export(struct session *s)
{
	char name[CONFIG_PROFILE_MAX + 1], file[256], def[CONFIG_PROFILE_MAX + 8];
	char *value = NULL;
	struct err e;
	int rc = ca_pick(s, "Select the certificate authority you want to export:", name);

	if (rc != 0)
		return rc < 0 ? -1 : 0;
	snprintf(def, sizeof(def), "%s.pem", name);
	if (ask_text(s, "Enter the name of the file to export to (in configuration/):", def, file,
		     sizeof(file), check_file_name, NULL) < 0)
		return -1;
	if (db_entry_get(s->db, s->user, "ca", name, &value, &e) < 0 || !value ||
	    config_file_write(s->home, file, value, strlen(value), &e) < 0) {
		free(value);
		return command_error(s, e.msg);
	}
	free(value);
	printf("Custom certificate authority \"%s\" exported to configuration/%s.\n", name, file);
	return 0;
}

static int menu_custom(struct session *s)
{
	static const struct menu_op ops[] = {
		{ "IMPORT", "Import custom CA certificates from a PEM file in configuration/.",
		  ROLE_OPERATOR },
		{ "PASTE", "Paste custom CA certificates.", ROLE_OPERATOR },
		{ "EXPORT", "Export a custom CA to a PEM file in configuration/.", ROLE_OPERATOR },
		{ "DELETE", "Remove a custom certificate authority.", ROLE_OPERATOR },
		{ "PRINT", "Print the custom certificate authorities.", ROLE_GUEST },
	};
	for (;;) {
		struct ca_list l;
		int chosen, rc = 0;

		if (ca_load(s, &l, false) < 0)
			return -1;
		printf("\nCustom certificate authorities: %d\n", l.count);
		free(l.names);
		if (ask_menu(s, ops, sizeof(ops) / sizeof(ops[0]), false, &chosen) < 0)
			return -1;
		if (chosen < 0)
			return 0;
		switch (chosen) {
		case 0: rc = ca_add(s, true); break;
		case 1: rc = ca_add(s, false); break;
		case 2: rc = ca_export(s); break;
		case 3: rc = ca_delete(s); break;
		default:
			rc = ca_load(s, &l, true);
			if (rc == 0)
				free(l.names);
			break;
		}
		if (rc < 0)
			return -1;
	}
}

int certauthority_run(struct session *s)
{
	static const struct menu_op ops[] = {
		{ "SYSTEM", "Manage System Certificate Authorities", ROLE_GUEST },
		{ "CUSTOM", "Manage Custom Certificate Authorities", ROLE_GUEST },
	};
	for (;;) {
		int chosen;

		if (ask_menu(s, ops, 2, false, &chosen) < 0)
			return -1;
		if (chosen < 0)
			return 0;
		if ((chosen == 0 ? menu_system(s) : menu_custom(s)) < 0)
			return -1;
	}
}
