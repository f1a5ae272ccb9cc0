/* cmd_sslconfig: the sslconfig command of AsyncOS 15.5: per-service methods,
 * ciphers and renegotiation, VERIFY, and the three client-side flags. */
#include <ctype.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include "../core/config.h"
#include "../tls/tls_ctx.h"
#include "commands.h"
#include "input.h"
#include "prompt.h"

typedef int (*sslconfig_op_fn)(struct session *s, struct config *c, int arg);

static int edit_service(struct session *s, struct config *c, int id);
static int verify_ciphers(struct session *s, struct config *c, int unused);
static int edit_flag(struct session *s, struct config *c, int flag);

/* The three ENABLE/DISABLE options: where the flag lives and how it reads. */
static const struct flag_option {
	size_t offset;
	const char *what; /* "peer certificate FQDN validation" */
} flags[] = {
	{ offsetof(struct config, other_client_tlsv10), "TLS v1.0 for other client services" },
	{ offsetof(struct config, peer_cert_fqdn), "peer certificate FQDN validation" },
	{ offsetof(struct config, peer_cert_x509), "peer certificate X509 validation" },
};

/* Guests see the settings block and may VERIFY; every edit needs operator. */
static const struct menu_op ops[] = {
	{ "GUI", "Edit GUI HTTPS ssl settings.", ROLE_OPERATOR },
	{ "INBOUND", "Edit Inbound SMTP ssl settings.", ROLE_OPERATOR },
	{ "OUTBOUND", "Edit Outbound SMTP ssl settings.", ROLE_OPERATOR },
	{ "VERIFY", "Verify and show ssl cipher list.", ROLE_GUEST },
	{ "OTHER_CLIENT_TLSV10", "Edit TLS v1.0 for other client services.", ROLE_OPERATOR },
	{ "PEER_CERT_FQDN", "Validate peer certificate FQDN compliance.", ROLE_OPERATOR },
	{ "PEER_CERT_X509", "Validate peer certificate X509 compliance.", ROLE_OPERATOR },
};

static const struct {
	sslconfig_op_fn run;
	int arg;
} op_handlers[] = {
	{ edit_service, SVC_GUI },
	{ edit_service, SVC_INBOUND },
	{ edit_service, SVC_OUTBOUND },
	{ verify_ciphers, 0 },
	{ edit_flag, 0 },
	{ edit_flag, 1 },
	{ edit_flag, 2 },
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

static int edit_service(struct session *s, struct config *c, int id)
{
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

static int verify_ciphers(struct session *s, struct config *c, int unused)
{
	char answer[INPUT_LINE_MAX];
	struct strbuf listing;
	int rc;

	(void)c;
	(void)unused;
	strbuf_init(&listing);
	rc = ask_text(s, "\nEnter the ssl cipher you want to verify.", "", answer, sizeof(answer),
		      check_verify_ciphers, &listing);
	if (rc == 0)
		fputs(listing.data, stdout);
	strbuf_free(&listing);
	return rc;
}

static int edit_flag(struct session *s, struct config *c, int flag)
{
	const struct flag_option *f = &flags[flag];
	bool *value = (bool *)((char *)c + f->offset);
	char description[128];
	struct menu_op op;
	int chosen;

	snprintf(description, sizeof(description), "%s %s.", *value ? "Disable" : "Enable",
		 f->what);
	op.name = *value ? "DISABLE" : "ENABLE";
	op.description = description;
	op.role = ROLE_OPERATOR;
	printf("\n%c%s is currently %s.\n", toupper((unsigned char)f->what[0]), f->what + 1,
	       *value ? "enabled" : "disabled");
	if (ask_menu(s, &op, 1, false, &chosen) < 0)
		return -1;
	if (chosen == 0)
		*value = !*value;
	return 0;
}

int cmd_sslconfig(struct session *s, int argc, char **argv)
{
	(void)argv;
	if (argc > 1)
		return command_error(s, "That value is not valid. sslconfig takes no arguments.");
	for (;;) {
		struct config c, before;
		struct strbuf block;
		struct err e;
		int chosen;

		if (db_load_effective(s->db, s->user, &c, &e) < 0)
			return command_error(s, e.msg);
		strbuf_init(&block);
		config_render_sslconfig(&c, &block);
		fputs(block.data, stdout);
		strbuf_free(&block);
		if (ask_menu(s, ops, sizeof(ops) / sizeof(ops[0]), true, &chosen) < 0)
			return -1;
		if (chosen < 0)
			return 0;
		before = c;
		if (op_handlers[chosen].run(s, &c, op_handlers[chosen].arg) < 0)
			return -1;
		if (db_stage_changes(s->db, s->user, &before, &c, &e) < 0)
			return command_error(s, e.msg);
		printf("\n");
	}
}
