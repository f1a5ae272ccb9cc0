/* cmd_sslconfig: the sslconfig command of AsyncOS 15.5: per-service methods,
 * ciphers and renegotiation, VERIFY, and the three client-side flags. */
#include <ctype.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include "../core/config.h"
#include "../tls/tls_ctx.h"
#include "cmd_sslconfig_cluster.h"
#include "commands.h"
#include "input.h"
#include "menu.h"
#include "prompt.h"

/* The three ENABLE/DISABLE options: where the flag lives and how it reads. */
static const struct flag_option {
	size_t offset;
	const char *what; /* "peer certificate FQDN validation" */
} flags[] = {
	{ offsetof(struct config, other_client_tlsv10), "TLS v1.0 for other client services" },
	{ offsetof(struct config, peer_cert_fqdn), "peer certificate FQDN validation" },
	{ offsetof(struct config, peer_cert_x509), "peer certificate X509 validation" },
};

/* What the menu works on: the user's view, and what it was before the edit. */
struct sslconfig_view {
	struct sslconfig_home at; /* first: CLUSTERSET's rows read it */
	struct config c, before;
};

static int check_methods(char *answer, void *arg, struct err *e)
{
	return methods_parse_menu_answer(answer, (tls_method_set *)arg, e);
}

static int check_ciphers(char *answer, void *arg, struct err *e)
{
	(void)arg;
	return tls_check_ciphers(answer, e);
}

/* Warn (never refuse) when an enabled version below 1.3 has no usable suite:
 * the trap the AsyncOS 15.5 note's "precautionary advice" is about. */
static void warn_unusable_versions(enum tls_service_id id, const struct tls_service *svc)
{
	char names[128] = "";
	int count = 0;

	for (int v = TLS_V1_2; v >= TLS_V1_0; v--) {
		if (!(svc->methods & (1u << v)) || tls_usable_cipher_count(id, svc, v) != 0)
			continue;
		snprintf(names + strlen(names), sizeof(names) - strlen(names), "%s%s",
			 count ? " and " : "", tls_version_label(v));
		count++;
	}
	if (count)
		printf("Warning: no cipher suite of this cipher string can be used with %s, so "
		       "clients limited to %s cannot connect.\n",
		       names, count > 1 ? "those versions" : "that version");
}

static void note_unmatched_entries(const char *ciphers, const char *previous)
{
	struct strbuf unmatched;
	char *line, *save = NULL;

	strbuf_init(&unmatched);
	tls_cipher_unmatched_entries(ciphers, previous, &unmatched);
	for (line = strtok_r(unmatched.data, "\n", &save); line; line = strtok_r(NULL, "\n", &save))
		printf("Note: \"%s\" matches no cipher known to OpenSSL and is ignored.\n", line);
	strbuf_free(&unmatched);
}

static int edit_service(struct session *s, void *ctx, int id)
{
	struct config *c = &((struct sslconfig_view *)ctx)->c;
	const struct service_names *n = service_names(id);
	struct tls_service *svc = &c->svc[id];
	char question[512], def[16], answer[INPUT_LINE_MAX];
	tls_method_set methods;
	int len;

	len = snprintf(question, sizeof(question), "\nEnter the %s SSL method you want to use.",
		       n->prompt);
	for (int v = TLS_V1_3; v >= TLS_V1_0; v--)
		len += snprintf(question + len, sizeof(question) - (size_t)len, "\n%d. %s",
				methods_menu_number(v), tls_version_label(v));
	methods_render_menu_default(svc->methods, def, sizeof(def));
	if (ask_text(s, question, def, answer, sizeof(answer), check_methods, &methods) < 0)
		return -1;
	svc->methods = methods;

	snprintf(question, sizeof(question), "\nEnter the %s ssl cipher you want to use.",
		 n->prompt);
	if (ask_text(s, question, svc->ciphers, answer, sizeof(answer), check_ciphers, NULL) < 0)
		return -1;
	size_t clen = strlen(answer); /* check_ciphers bounded it below CONFIG_CIPHERS_MAX */
	note_unmatched_entries(answer, svc->ciphers);
	memcpy(svc->ciphers, answer, clen < sizeof(svc->ciphers) ? clen + 1 : 0);
	warn_unusable_versions(id, svc);

	if (id != SVC_OUTBOUND) {
		bool on;
		snprintf(question, sizeof(question),
			 "\nDo you want to enable TLS Renegotiation for %s?", n->prompt);
		if (ask_yes_no(s, question, svc->renegotiation, &on) < 0)
			return -1;
		svc->renegotiation = on;
	}
	return 0;
}

static int check_verify_ciphers(char *answer, void *arg, struct err *e)
{
	if (answer[0] == '\0')
		return 0;
	return tls_describe_ciphers(answer, (struct strbuf *)arg, e);
}

static int verify_ciphers(struct session *s, void *ctx, int unused)
{
	char answer[INPUT_LINE_MAX];
	struct strbuf listing;
	int rc;

	(void)ctx;
	(void)unused;
	strbuf_init(&listing);
	rc = ask_text(s, "\nEnter the ssl cipher you want to verify.", "", answer, sizeof(answer),
		      check_verify_ciphers, &listing);
	if (rc == 0)
		fputs(listing.data, stdout);
	strbuf_free(&listing);
	return rc;
}

static bool *flag_value(const void *ctx, int flag)
{
	return (bool *)((char *)&((struct sslconfig_view *)ctx)->c + flags[flag].offset);
}

static bool flag_on(const void *ctx, int flag)
{
	return *flag_value(ctx, flag);
}

static bool flag_off(const void *ctx, int flag)
{
	return !*flag_value(ctx, flag);
}

static int toggle_flag(struct session *s, void *ctx, int flag)
{
	(void)s;
	*flag_value(ctx, flag) = !*flag_value(ctx, flag);
	return 0;
}

/* One ENABLE/DISABLE menu per flag: the one that changes the value is offered. */
#define FLAG_MENU(id, flag, what)                                                           \
	static const struct menu_row id##_rows[] = {                                        \
		{ "ENABLE", "Enable " what ".", ACCESS_OPERATOR, toggle_flag, flag, NULL,   \
		  flag_off },                                                               \
		{ "DISABLE", "Disable " what ".", ACCESS_OPERATOR, toggle_flag, flag, NULL, \
		  flag_on },                                                                \
	};                                                                                  \
	static const struct menu id = {                                                     \
		"sslconfig " what, MENU_ROWS(id##_rows), NULL, NULL, false, true            \
	};                                                                                  \
	MENU_REGISTER(id)

FLAG_MENU(tlsv10_menu, 0, "TLS v1.0 for other client services")
FLAG_MENU(fqdn_menu, 1, "peer certificate FQDN validation")
FLAG_MENU(x509_menu, 2, "peer certificate X509 validation")

static const struct menu *const flag_menus[] = { &tlsv10_menu, &fqdn_menu, &x509_menu };

static int edit_flag(struct session *s, void *ctx, int flag)
{
	const char *what = flags[flag].what;

	printf("\n%c%s is currently %s.\n", toupper((unsigned char)what[0]), what + 1,
	       flag_on(ctx, flag) ? "enabled" : "disabled");
	return menu_run(s, flag_menus[flag], ctx);
}

static int show_settings(struct session *s, void *ctx)
{
	struct sslconfig_view *v = ctx;
	struct strbuf block;
	struct err e;

	if (db_load_effective(s->db, s->user, &v->c, &e) < 0)
		return command_error(s, e.msg);
	v->before = v->c;
	strbuf_init(&block);
	config_render_sslconfig(&v->c, &block);
	fputs(block.data, stdout);
	strbuf_free(&block);
	return 0;
}

static int stage_edit(struct session *s, void *ctx)
{
	struct sslconfig_view *v = ctx;
	struct err e;

	if (db_stage_changes(s->db, s->user, &v->before, &v->c, &e) < 0)
		return command_error(s, e.msg);
	printf("\n");
	return 0;
}

/* Guests see the settings block and may VERIFY; every edit needs operator. */
static const struct menu_row rows[] = {
	{ "GUI", "Edit GUI HTTPS ssl settings.", ACCESS_OPERATOR, edit_service, SVC_GUI, NULL,
	  NULL },
	{ "INBOUND", "Edit Inbound SMTP ssl settings.", ACCESS_OPERATOR, edit_service, SVC_INBOUND,
	  NULL, NULL },
	{ "OUTBOUND", "Edit Outbound SMTP ssl settings.", ACCESS_OPERATOR, edit_service,
	  SVC_OUTBOUND, NULL, NULL },
	{ "VERIFY", "Verify and show ssl cipher list.", ACCESS_GUEST, verify_ciphers, 0, NULL,
	  NULL },
	{ "OTHER_CLIENT_TLSV10", "Edit TLS v1.0 for other client services.", ACCESS_OPERATOR,
	  edit_flag, 0, &tlsv10_menu, NULL },
	{ "PEER_CERT_FQDN", "Validate peer certificate FQDN compliance.", ACCESS_OPERATOR,
	  edit_flag, 1, &fqdn_menu, NULL },
	{ "PEER_CERT_X509", "Validate peer certificate X509 compliance.", ACCESS_OPERATOR,
	  edit_flag, 2, &x509_menu, NULL },
	{ "CLUSTERSET", "Set how ssl settings are configured in a cluster.", ACCESS_OPERATOR,
	  sslconfig_clusterset, 0, NULL, sslconfig_in_cluster },
	{ "CLUSTERSHOW", "Display how ssl settings are configured in a cluster.", ACCESS_GUEST,
	  sslconfig_clustershow, 0, NULL, sslconfig_in_cluster },
};

const struct menu sslconfig_menu = { "sslconfig", MENU_ROWS(rows), show_settings, stage_edit, true,
				     false };
MENU_REGISTER(sslconfig_menu)

int cmd_sslconfig(struct session *s, int argc, char **argv)
{
	struct sslconfig_view v;

	(void)argc;
	(void)argv;
	v.at.home = s->home;
	return menu_run(s, &sslconfig_menu, &v);
}
