/* config: the configuration model, its defaults and its settings table. */
#include "config.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>

#define CIPHERS_GUI_INBOUND                                                                  \
	"HIGH:MEDIUM:@STRENGTH:!aNULL:!eNULL:!LOW:!DES:!MD5:!EXP:!PSK:!DSS:!RC2:!RC4:!SEED:" \
	"!ECDSA:!ADH:!IDEA:!3DES:!SSLv2:!SSLv3:!TLSv1:-aNULL:-EXPORT:-IDEA:"                 \
	"!DHE-RSA-AES128-CCM:!DHE-RSA-AES256-CCM:!DHE-RSA-AES256-SHA"
#define CIPHERS_OUTBOUND                                                                      \
	"ECDH+aRSA:ECDH+ECDSA:DHE+DSS+AES:AES128:AES256:!3DES:!IDEA:!SRP:!AESGCM+DH+aRSA:"    \
	"!AESGCM+RSA:!aNULL:!eNULL:!kRSA:@STRENGTH:-aNULL:-EXPORT:-IDEA:!DHE-RSA-AES128-CCM:" \
	"!DHE-RSA-AES256-CCM:!ECDHE-ECDSA-CAMELLIA128-SHA256:!ECDHE-RSA-CAMELLIA128-SHA256:"  \
	"!ECDHE-ECDSA-CAMELLIA256-SHA384:!ECDHE-RSA-CAMELLIA256-SHA384:"                      \
	"!ECDHE-ECDSA-AES128-CCM:!ECDHE-ECDSA-AES256-CCM:!DHE-RSA-AES256-SHA"

static const struct service_names names[SVC_COUNT] = {
	[SVC_GUI] = { "gui", "GUI HTTPS", "GUI HTTPS" },
	[SVC_INBOUND] = { "inbound", "Inbound SMTP", "inbound SMTP" },
	[SVC_OUTBOUND] = { "outbound", "Outbound SMTP", "outbound SMTP" },
};

const struct service_names *service_names(enum tls_service_id id)
{
	return &names[id];
}

#define SVC_FIELD(id, field)                                                \
	(offsetof(struct config, svc) + (id) * sizeof(struct tls_service) + \
	 offsetof(struct tls_service, field))

const struct setting config_settings[] = {
	{ "system.hostname", "sethostname", "Hostname", SETTING_HOSTNAME,
	  offsetof(struct config, hostname), "" },
	{ "gui.methods", "sslconfig", "GUI HTTPS method", SETTING_METHODS,
	  SVC_FIELD(SVC_GUI, methods), "tlsv1_1tlsv1_2" },
	{ "gui.ciphers", "sslconfig", "GUI HTTPS ciphers", SETTING_CIPHERS,
	  SVC_FIELD(SVC_GUI, ciphers), CIPHERS_GUI_INBOUND },
	{ "gui.renegotiation", "sslconfig", "GUI HTTPS TLS renegotiation", SETTING_BOOL,
	  SVC_FIELD(SVC_GUI, renegotiation), "enabled" },
	{ "inbound.methods", "sslconfig", "Inbound SMTP method", SETTING_METHODS,
	  SVC_FIELD(SVC_INBOUND, methods), "tlsv1_1tlsv1_2" },
	{ "inbound.ciphers", "sslconfig", "Inbound SMTP ciphers", SETTING_CIPHERS,
	  SVC_FIELD(SVC_INBOUND, ciphers), CIPHERS_GUI_INBOUND },
	{ "inbound.renegotiation", "sslconfig", "Inbound SMTP TLS renegotiation", SETTING_BOOL,
	  SVC_FIELD(SVC_INBOUND, renegotiation), "enabled" },
	{ "outbound.methods", "sslconfig", "Outbound SMTP method", SETTING_METHODS,
	  SVC_FIELD(SVC_OUTBOUND, methods), "tlsv1_1tlsv1_2" },
	{ "outbound.ciphers", "sslconfig", "Outbound SMTP ciphers", SETTING_CIPHERS,
	  SVC_FIELD(SVC_OUTBOUND, ciphers), CIPHERS_OUTBOUND },
	{ "sslconfig.other_client_tlsv10", "sslconfig", "Other TLS client services TLS v1.0",
	  SETTING_BOOL, offsetof(struct config, other_client_tlsv10), "disabled" },
	{ "sslconfig.peer_cert_fqdn", "sslconfig", "Peer certificate FQDN validation", SETTING_BOOL,
	  offsetof(struct config, peer_cert_fqdn), "disabled" },
	{ "sslconfig.peer_cert_x509", "sslconfig", "Peer certificate X509 validation", SETTING_BOOL,
	  offsetof(struct config, peer_cert_x509), "disabled" },
	{ "gui.certificate", "interfaceconfig", "GUI HTTPS certificate", SETTING_PROFILE,
	  SVC_FIELD(SVC_GUI, certificate), "Demo" },
	{ "inbound.certificate", "listenerconfig", "Inbound SMTP certificate", SETTING_PROFILE,
	  SVC_FIELD(SVC_INBOUND, certificate), "Demo" },
	{ "outbound.certificate", "destconfig", "Outbound SMTP client certificate", SETTING_PROFILE,
	  SVC_FIELD(SVC_OUTBOUND, certificate), "Demo" },
	{ "ca.system", "certconfig", "System certificate authorities", SETTING_BOOL,
	  offsetof(struct config, ca_system), "enabled" },
	{ "destconfig.alert_tls_required", "destconfig", "Alert when required TLS fails",
	  SETTING_BOOL, offsetof(struct config, alert_tls_required), "disabled" },
	{ "destconfig.alert_to", "destconfig", "Alert address", SETTING_ADDRESS,
	  offsetof(struct config, alert_to), "" },
	{ "destconfig.mta_sts", "destconfig", "MTA-STS policies", SETTING_BOOL,
	  offsetof(struct config, mta_sts), "disabled" },
	{ "rollback.keep", "rollbackconfig", "Configurations kept for rollback", SETTING_COUNT,
	  offsetof(struct config, rollback_keep), "10" },
};
const size_t config_settings_count = sizeof(config_settings) / sizeof(config_settings[0]);

const struct setting *config_find_setting(const char *key)
{
	for (size_t i = 0; i < config_settings_count; i++)
		if (strcmp(config_settings[i].key, key) == 0)
			return &config_settings[i];
	return NULL;
}

void config_defaults(struct config *c)
{
	struct err e;

	memset(c, 0, sizeof(*c));
	for (size_t i = 0; i < config_settings_count; i++)
		if (config_set(c, config_settings[i].key, config_settings[i].default_value, &e) <
			    0 &&
		    config_settings[i].type != SETTING_HOSTNAME)
			__builtin_trap(); /* the defaults table itself is wrong */
}

int config_check_ciphers_syntax(const char *ciphers, struct err *e)
{
	size_t n = strlen(ciphers);

	if (n == 0)
		return err_set(e, "You must enter a cipher string.");
	if (n >= CONFIG_CIPHERS_MAX)
		return err_set(e, "The value must be at most %d characters long.",
			       CONFIG_CIPHERS_MAX - 1);
	for (const char *p = ciphers; *p; p++)
		if (!isalnum((unsigned char)*p) && !strchr("+-!@=_.:", *p))
			return err_set(e, "That value is not valid. A cipher string holds letters, "
					  "digits and + - ! @ = _ . separated by ':'.");
	if (ciphers[0] == ':' || ciphers[n - 1] == ':' || strstr(ciphers, "::"))
		return err_set(e, "That value is not valid. The cipher string has an empty entry.");
	return 0;
}

/* RFC 1123 host name: dot-separated labels of letters, digits and inner hyphens. */
int config_check_hostname(const char *name, struct err *e)
{
	size_t n = strlen(name), label = 0;

	if (n == 0)
		return err_set(e, "You must enter a host name.");
	if (n > CONFIG_HOSTNAME_MAX)
		return err_set(e, "The value must be at most %d characters long.",
			       CONFIG_HOSTNAME_MAX);
	for (size_t i = 0; i <= n; i++) {
		char ch = name[i];
		if (ch == '.' || ch == '\0') {
			if (label == 0 || label > 63 || name[i - 1] == '-')
				goto bad;
			label = 0;
		} else if (isalnum((unsigned char)ch) || (ch == '-' && label > 0)) {
			label++;
		} else {
			goto bad;
		}
	}
	return 0;
bad:
	return err_set(e, "That value is not valid. A host name is letters, digits and hyphens "
			  "in dot-separated labels, such as mail.example.com.");
}

int config_check_profile_name(const char *name, struct err *e)
{
	size_t n = strlen(name);

	if (n == 0)
		return err_set(e, "You must enter a name for the certificate profile.");
	if (n > CONFIG_PROFILE_MAX)
		return err_set(e, "The value must be at most %d characters long.",
			       CONFIG_PROFILE_MAX);
	for (const char *p = name; *p; p++)
		if (!isalnum((unsigned char)*p) && *p != '_' && *p != '-')
			return err_set(e, "That value is not valid. A certificate profile name "
					  "holds letters, digits, '_' and '-'.");
	return 0;
}

int config_check_address(const char *addr, struct err *e)
{
	const char *at = strrchr(addr, '@');
	size_t n = strlen(addr);

	if (n == 0)
		return 0;
	if (n > CONFIG_ADDRESS_MAX)
		return err_set(e, "The value must be at most %d characters long.",
			       CONFIG_ADDRESS_MAX);
	for (const char *p = addr; *p; p++)
		if ((unsigned char)*p <= ' ' || (unsigned char)*p >= 0x7f || *p == '<' || *p == '>')
			goto bad;
	if (!at || at == addr || !at[1])
		goto bad;
	return 0;
bad:
	return err_set(e, "That value is not valid. Enter an e-mail address such as "
			  "admin@example.com.");
}

static int parse_bool(const char *v, bool *out)
{
	if (strcmp(v, "enabled") == 0)
		*out = true;
	else if (strcmp(v, "disabled") == 0)
		*out = false;
	else
		return -1;
	return 0;
}

static int parse_count(const char *v, int *out, struct err *e)
{
	int n = 0;

	if (!*v || strlen(v) > 3)
		goto bad;
	for (const char *p = v; *p; p++) {
		if (!isdigit((unsigned char)*p))
			goto bad;
		n = n * 10 + (*p - '0');
	}
	if (n > CONFIG_ROLLBACK_KEEP_MAX)
		goto bad;
	*out = n;
	return 0;
bad:
	return err_set(e, "The value must be a whole number from 0 to %d.",
		       CONFIG_ROLLBACK_KEEP_MAX);
}

int config_set(struct config *c, const char *key, const char *value, struct err *e)
{
	const struct setting *s = config_find_setting(key);
	char *field;

	if (!s)
		return err_set(e, "Unknown setting \"%.60s\".", key);
	field = (char *)c + s->offset;
	switch (s->type) {
	case SETTING_METHODS: {
		tls_method_set set;
		if (methods_parse_tokens(value, &set, e) < 0)
			return -1;
		if (!methods_is_contiguous(set))
			return err_set(e, "TLS protocols can be enabled only in sequence.");
		*(tls_method_set *)field = set;
		return 0;
	}
	case SETTING_CIPHERS:
		if (config_check_ciphers_syntax(value, e) < 0)
			return -1;
		snprintf(field, CONFIG_CIPHERS_MAX, "%s", value);
		return 0;
	case SETTING_BOOL:
		if (parse_bool(value, (bool *)field) < 0)
			return err_set(e, "Invalid value \"%.20s\" for %s.", value, s->label);
		return 0;
	case SETTING_HOSTNAME:
		if (config_check_hostname(value, e) < 0)
			return -1;
		snprintf(field, CONFIG_HOSTNAME_MAX + 1, "%s", value);
		return 0;
	case SETTING_COUNT: return parse_count(value, (int *)field, e);
	case SETTING_PROFILE:
		if (config_check_profile_name(value, e) < 0)
			return -1;
		snprintf(field, CONFIG_PROFILE_MAX + 1, "%s", value);
		return 0;
	case SETTING_ADDRESS:
		if (config_check_address(value, e) < 0)
			return -1;
		snprintf(field, CONFIG_ADDRESS_MAX + 1, "%s", value);
		return 0;
	}
	return err_set(e, "Unknown setting type.");
}

void config_get(const struct config *c, const struct setting *s, struct strbuf *out)
{
	const char *field = (const char *)c + s->offset;
	char buf[64];

	switch (s->type) {
	case SETTING_METHODS:
		methods_render_tokens(*(const tls_method_set *)field, buf, sizeof(buf));
		strbuf_puts(out, buf);
		break;
	case SETTING_CIPHERS:
	case SETTING_HOSTNAME:
	case SETTING_PROFILE:
	case SETTING_ADDRESS: strbuf_puts(out, field); break;
	case SETTING_BOOL: strbuf_puts(out, *(const bool *)field ? "enabled" : "disabled"); break;
	case SETTING_COUNT: strbuf_printf(out, "%d", *(const int *)field); break;
	}
}

void config_get_display(const struct config *c, const struct setting *s, struct strbuf *out)
{
	if (s->type == SETTING_BOOL)
		strbuf_puts(out,
			    *(const bool *)((const char *)c + s->offset) ? "Enabled" : "Disabled");
	else
		config_get(c, s, out);
}

int config_render_changes(const struct config *committed, const struct config *edited,
			  enum changes_style style, struct strbuf *out)
{
	struct strbuf then, now;
	const char *area = NULL;
	int count = 0;

	strbuf_init(&then);
	strbuf_init(&now);
	for (size_t i = 0; i < config_settings_count; i++) {
		const struct setting *s = &config_settings[i];
		strbuf_reset(&then);
		strbuf_reset(&now);
		config_get_display(committed, s, &then);
		config_get_display(edited, s, &now);
		if (strcmp(then.data, now.data) == 0)
			continue;
		if (style == CHANGES_ONE_LINE) {
			strbuf_printf(out, "%s%s: %s -> %s", count ? "; " : "", s->label, then.data,
				      now.data);
		} else {
			if (!area || strcmp(area, s->area) != 0)
				strbuf_printf(out, "%s%s:\n", count ? "\n" : "", s->area);
			strbuf_printf(out, "  %s\n    old: %s\n    new: %s\n", s->label, then.data,
				      now.data);
		}
		area = s->area;
		count++;
	}
	strbuf_free(&then);
	strbuf_free(&now);
	return count;
}

static void render_ciphers(const char *ciphers, struct strbuf *out)
{
	const char *p = ciphers;

	while (*p) {
		size_t n = strcspn(p, ":");
		strbuf_add(out, p, n);
		strbuf_puts(out, "\n");
		p += n;
		if (*p == ':')
			p++;
	}
}

void config_render_sslconfig(const struct config *c, struct strbuf *out)
{
	char methods[64];

	strbuf_puts(out, "sslconfig settings:\n");
	for (int id = 0; id < SVC_COUNT; id++) {
		const struct tls_service *svc = &c->svc[id];
		const char *title = names[id].title;

		methods_render_tokens(svc->methods, methods, sizeof(methods));
		strbuf_printf(out, "%s method: %s\n", title, methods);
		strbuf_printf(out, "%s ciphers:\n", title);
		render_ciphers(svc->ciphers, out);
		if (id != SVC_OUTBOUND)
			strbuf_printf(out, "%s TLS renegotiation: %s\n", title,
				      svc->renegotiation ? "Enabled" : "Disabled");
	}
	strbuf_printf(out, "Other TLS client services: TLS v1.0 %s\n",
		      c->other_client_tlsv10 ? "enabled" : "disabled");
	strbuf_printf(out, "Peer certificate FQDN validation: %s\n",
		      c->peer_cert_fqdn ? "Enabled" : "Disabled");
	strbuf_printf(out, "Peer certificate X509 validation: %s\n",
		      c->peer_cert_x509 ? "Enabled" : "Disabled");
}
