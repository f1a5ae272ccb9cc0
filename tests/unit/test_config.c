/* test_config: the configuration model against the spec: the AsyncOS 15.5
 * defaults, the settings table (set/get round trip, refusals that leave the
 * config alone), host name rules and the "sslconfig settings:" block. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../core/config.h"
#include "tap.h"

/* Copied verbatim from the spec (section 2, "Defaults of a new appliance"). */
static const char spec_g[] =
	"HIGH:MEDIUM:@STRENGTH:!aNULL:!eNULL:!LOW:!DES:!MD5:!EXP:!PSK:!DSS:!RC2:!RC4:!SEED:"
	"!ECDSA:!ADH:!IDEA:!3DES:!SSLv2:!SSLv3:!TLSv1:-aNULL:-EXPORT:-IDEA:"
	"!DHE-RSA-AES128-CCM:!DHE-RSA-AES256-CCM:!DHE-RSA-AES256-SHA";
static const char spec_o[] =
	"ECDH+aRSA:ECDH+ECDSA:DHE+DSS+AES:AES128:AES256:!3DES:!IDEA:!SRP:!AESGCM+DH+aRSA:"
	"!AESGCM+RSA:!aNULL:!eNULL:!kRSA:@STRENGTH:-aNULL:-EXPORT:-IDEA:!DHE-RSA-AES128-CCM:"
	"!DHE-RSA-AES256-CCM:!ECDHE-ECDSA-CAMELLIA128-SHA256:!ECDHE-RSA-CAMELLIA128-SHA256:"
	"!ECDHE-ECDSA-CAMELLIA256-SHA384:!ECDHE-RSA-CAMELLIA256-SHA384:"
	"!ECDHE-ECDSA-AES128-CCM:!ECDHE-ECDSA-AES256-CCM:!DHE-RSA-AES256-SHA";

#define METHODS_V11_V12 ((1u << TLS_V1_1) | (1u << TLS_V1_2))

static int starts_with(const char *s, const char *prefix)
{
	return strncmp(s, prefix, strlen(prefix)) == 0;
}

/* The keys of the sslconfig and sethostname settings the database stores, by
 * hand: these on-disk names must not drift. (Other commands add their own.) */
static const char *const expected_keys[] = {
	"system.hostname",
	"gui.methods",
	"gui.ciphers",
	"gui.renegotiation",
	"inbound.methods",
	"inbound.ciphers",
	"inbound.renegotiation",
	"outbound.methods",
	"outbound.ciphers",
	"sslconfig.other_client_tlsv10",
	"sslconfig.peer_cert_fqdn",
	"sslconfig.peer_cert_x509",
};
#define N_KEYS (sizeof(expected_keys) / sizeof(expected_keys[0]))

/* A key's value read straight from the struct members, so that config_get
 * and the table's offsets are checked against something independent. */
static void field_view(const struct config *c, const char *key, char *buf, size_t len)
{
	static const char *const svc_keys[SVC_COUNT] = { "gui", "inbound", "outbound" };
	static const char *const tok[4] = { "tlsv1_0", "tlsv1_1", "tlsv1_2", "tlsv1_3" };

	buf[0] = '\0';
	if (strcmp(key, "system.hostname") == 0) {
		snprintf(buf, len, "%s", c->hostname);
		return;
	}
	if (strcmp(key, "sslconfig.other_client_tlsv10") == 0) {
		snprintf(buf, len, "%s", c->other_client_tlsv10 ? "enabled" : "disabled");
		return;
	}
	if (strcmp(key, "sslconfig.peer_cert_fqdn") == 0) {
		snprintf(buf, len, "%s", c->peer_cert_fqdn ? "enabled" : "disabled");
		return;
	}
	if (strcmp(key, "sslconfig.peer_cert_x509") == 0) {
		snprintf(buf, len, "%s", c->peer_cert_x509 ? "enabled" : "disabled");
		return;
	}
	for (int id = 0; id < SVC_COUNT; id++) {
		size_t n = strlen(svc_keys[id]);
		const char *field;
		if (strncmp(key, svc_keys[id], n) != 0 || key[n] != '.')
			continue;
		field = key + n + 1;
		if (strcmp(field, "methods") == 0) {
			for (int v = 0; v < 4; v++)
				if (c->svc[id].methods & (1u << v))
					snprintf(buf + strlen(buf), len - strlen(buf), "%s",
						 tok[v]);
		} else if (strcmp(field, "ciphers") == 0) {
			snprintf(buf, len, "%s", c->svc[id].ciphers);
		} else if (strcmp(field, "renegotiation") == 0) {
			snprintf(buf, len, "%s", c->svc[id].renegotiation ? "enabled" : "disabled");
		}
		return;
	}
	snprintf(buf, len, "?unknown key %s", key);
}

static void defaults_are_the_spec_table(void)
{
	struct config c;

	memset(&c, 0x5a, sizeof(c));
	config_defaults(&c);
	for (int id = 0; id < SVC_COUNT; id++) {
		const char *name = service_names(id)->title;
		CHECK(c.svc[id].methods == METHODS_V11_V12,
		      "%s default methods are TLS v1.1 and v1.2 (0x%x)", name, c.svc[id].methods);
		CHECK(strcmp(c.svc[id].ciphers, id == SVC_OUTBOUND ? spec_o : spec_g) == 0,
		      "%s default ciphers are the spec's %s string", name,
		      id == SVC_OUTBOUND ? "O" : "G");
	}
	CHECK(c.svc[SVC_GUI].renegotiation && c.svc[SVC_INBOUND].renegotiation,
	      "GUI and inbound renegotiation enabled by default");
	CHECK(!c.svc[SVC_OUTBOUND].renegotiation, "outbound has no renegotiation (false)");
	CHECK(!c.other_client_tlsv10 && !c.peer_cert_fqdn && !c.peer_cert_x509,
	      "TLS v1.0 for other clients, FQDN and X509 validation are off by default");
	CHECK(c.hostname[0] == '\0', "the default host name is left empty for the caller");
}

static void service_naming(void)
{
	static const char *const titles[] = { "GUI HTTPS", "Inbound SMTP", "Outbound SMTP" };
	static const char *const prompts[] = { "GUI HTTPS", "inbound SMTP", "outbound SMTP" };
	static const char *const keys[] = { "gui", "inbound", "outbound" };

	for (int id = 0; id < SVC_COUNT; id++) {
		const struct service_names *n = service_names(id);
		CHECK(strcmp(n->title, titles[id]) == 0 && strcmp(n->prompt, prompts[id]) == 0 &&
			      strcmp(n->key, keys[id]) == 0,
		      "service %d is \"%s\" / \"%s\" / \"%s\"", id, titles[id], prompts[id],
		      keys[id]);
	}
}

static void settings_table(void)
{
	int all_found = 1, unique = 1;

	CHECK(config_settings_count >= N_KEYS, "the table has at least the %zu settings (%zu)",
	      N_KEYS, config_settings_count);
	for (size_t i = 0; i < N_KEYS; i++) {
		const struct setting *s = config_find_setting(expected_keys[i]);
		if (!s || strcmp(s->key, expected_keys[i]) != 0)
			all_found = 0;
		else if (strcmp(s->area, i == 0 ? "sethostname" : "sslconfig") != 0)
			all_found = 0;
	}
	CHECK(all_found, "every expected key is in the table, edited by the right command");
	for (size_t i = 0; i < config_settings_count; i++)
		for (size_t j = i + 1; j < config_settings_count; j++)
			if (strcmp(config_settings[i].key, config_settings[j].key) == 0)
				unique = 0;
	CHECK(unique, "keys are unique");
	CHECK(config_find_setting("outbound.renegotiation") == NULL,
	      "there is no outbound renegotiation setting (spec: not asked for OUTBOUND)");
	CHECK(config_find_setting("nosuch.key") == NULL && config_find_setting("") == NULL,
	      "unknown keys are not found");
}

/* config_set then config_get gives the value back, the struct member holds
 * it, and no other setting moved. */
static int is_known_key(const char *key)
{
	for (size_t i = 0; i < N_KEYS; i++)
		if (strcmp(expected_keys[i], key) == 0)
			return 1;
	return 0;
}

static void set_get_one(const char *key, const char *value)
{
	struct config c, before;
	struct strbuf got, other_then, other_now;
	struct err e = { "" };
	char view[CONFIG_CIPHERS_MAX + 64], other_before[CONFIG_CIPHERS_MAX + 64];
	int others_same = 1, rc;

	config_defaults(&c);
	snprintf(c.hostname, sizeof(c.hostname), "%s", "before.example.com");
	memcpy(&before, &c, sizeof(c));
	rc = config_set(&c, key, value, &e);
	strbuf_init(&got);
	config_get(&c, config_find_setting(key), &got);
	if (is_known_key(key))
		field_view(&c, key, view, sizeof(view));
	else
		snprintf(view, sizeof(view), "%s", got.data);
	CHECK(rc == 0 && strcmp(got.data, value) == 0 && strcmp(view, value) == 0,
	      "%s = \"%.60s\" round-trips (rc %d %s; got \"%.60s\", member \"%.60s\")", key, value,
	      rc, e.msg, got.data, view);
	for (size_t i = 0; i < N_KEYS; i++) {
		if (strcmp(expected_keys[i], key) == 0)
			continue;
		field_view(&before, expected_keys[i], other_before, sizeof(other_before));
		field_view(&c, expected_keys[i], view, sizeof(view));
		if (strcmp(view, other_before) != 0)
			others_same = 0;
	}
	strbuf_init(&other_then);
	strbuf_init(&other_now);
	for (size_t i = 0; i < config_settings_count; i++) {
		if (strcmp(config_settings[i].key, key) == 0)
			continue;
		strbuf_reset(&other_then);
		strbuf_reset(&other_now);
		config_get(&before, &config_settings[i], &other_then);
		config_get(&c, &config_settings[i], &other_now);
		if (strcmp(other_then.data, other_now.data) != 0)
			others_same = 0;
	}
	CHECK(others_same, "setting %s changes no other setting", key);
	strbuf_free(&other_then);
	strbuf_free(&other_now);
	strbuf_free(&got);
}

static void set_get_every_setting(void)
{
	static const char *const method_values[] = {
		"tlsv1_0",
		"tlsv1_1",
		"tlsv1_2",
		"tlsv1_3",
		"tlsv1_0tlsv1_1",
		"tlsv1_1tlsv1_2",
		"tlsv1_2tlsv1_3",
		"tlsv1_0tlsv1_1tlsv1_2",
		"tlsv1_1tlsv1_2tlsv1_3",
		"tlsv1_0tlsv1_1tlsv1_2tlsv1_3",
	};
	static const char *const cipher_values[] = { "HIGH", "ECDHE+AESGCM:!aNULL",
						     "AES128-SHA:@STRENGTH:-aNULL:+RSA",
						     "DEFAULT:@SECLEVEL=2" };
	static const char *const host_values[] = { "a", "mail.example.com", "x-1.example.org",
						   "123.example" };

	for (size_t i = 0; i < config_settings_count; i++) {
		const struct setting *s = &config_settings[i];
		switch (s->type) {
		case SETTING_METHODS:
			for (size_t j = 0; j < sizeof(method_values) / sizeof(method_values[0]);
			     j++)
				set_get_one(s->key, method_values[j]);
			break;
		case SETTING_CIPHERS:
			for (size_t j = 0; j < sizeof(cipher_values) / sizeof(cipher_values[0]);
			     j++)
				set_get_one(s->key, cipher_values[j]);
			set_get_one(s->key, spec_g);
			set_get_one(s->key, spec_o);
			break;
		case SETTING_BOOL:
			set_get_one(s->key, "enabled");
			set_get_one(s->key, "disabled");
			break;
		case SETTING_HOSTNAME:
			for (size_t j = 0; j < sizeof(host_values) / sizeof(host_values[0]); j++)
				set_get_one(s->key, host_values[j]);
			break;
		default:
			/* settings of other commands: at least their default round-trips */
			set_get_one(s->key, s->default_value);
			break;
		}
		/* the table's default is accepted and is what config_defaults set */
		struct config c;
		struct strbuf got;
		config_defaults(&c);
		strbuf_init(&got);
		config_get(&c, s, &got);
		CHECK(strcmp(got.data, s->default_value) == 0,
		      "%s: config_defaults applies the table default", s->key);
		strbuf_free(&got);
	}
}

static void display_values(void)
{
	struct config c;
	struct strbuf out;

	config_defaults(&c);
	strbuf_init(&out);
	config_get_display(&c, config_find_setting("gui.renegotiation"), &out);
	CHECK(strcmp(out.data, "Enabled") == 0, "display of an enabled flag is \"Enabled\"");
	strbuf_reset(&out);
	config_get_display(&c, config_find_setting("sslconfig.peer_cert_fqdn"), &out);
	CHECK(strcmp(out.data, "Disabled") == 0, "display of a disabled flag is \"Disabled\"");
	strbuf_reset(&out);
	config_get_display(&c, config_find_setting("inbound.methods"), &out);
	CHECK(strcmp(out.data, "tlsv1_1tlsv1_2") == 0, "display of methods is the token list");
	strbuf_free(&out);
}

/* `value` with control characters shown as '?', so TAP lines stay lines. */
static const char *printable(const char *value)
{
	static char buf[64];
	size_t i;

	for (i = 0; value[i] && i + 1 < sizeof(buf); i++)
		buf[i] = (unsigned char)value[i] < 0x20 ? '?' : value[i];
	buf[i] = '\0';
	return buf;
}

/* Refused: -1, a message, and the config byte for byte as it was. */
static void refuse(const char *key, const char *value, const char *opening)
{
	struct config c, before;
	struct err e = { "" };
	int rc;

	config_defaults(&c);
	snprintf(c.hostname, sizeof(c.hostname), "%s", "before.example.com");
	memcpy(&before, &c, sizeof(c));
	rc = config_set(&c, key, value, &e);
	CHECK(rc == -1 && memcmp(&c, &before, sizeof(c)) == 0 && e.msg[0] &&
		      (!opening || starts_with(e.msg, opening)),
	      "%s = \"%.50s\" refused, config unchanged (%s)", key, printable(value), e.msg);
}

static void bad_values_refused(void)
{
	static const char *const bad_methods[] = {
		"",
		"tlsv1_0tlsv1_2",
		"tlsv1_1tlsv1_3",
		"tlsv1_0tlsv1_3",
		"tlsv1_0tlsv1_1tlsv1_3",
		"tlsv1_4",
		"tlsv1_2tlsv1_2",
		"TLSv1.2",
		"2-3",
		"tlsv1_2 ",
	};
	static const char *const bad_ciphers[] = {
		":",       "HIGH::MEDIUM", "HIGH:",       ":HIGH",   "HIGH MEDIUM", "HIGH,MEDIUM",
		"HIGH;ls", "HIGH\n",       "caf\xc3\xa9", "HIGH:$x", "'HIGH'",
	};
	static const char *const bad_bools[] = { "", "yes", "Enabled", "1", "true", "enable" };
	char long_ciphers[CONFIG_CIPHERS_MAX + 1];

	refuse("no.such.key", "x", NULL);
	refuse("outbound.renegotiation", "enabled", NULL);
	for (int id = 0; id < SVC_COUNT; id++) {
		char key[64];
		snprintf(key, sizeof(key), "%s.methods", service_names(id)->key);
		for (size_t i = 0; i < sizeof(bad_methods) / sizeof(bad_methods[0]); i++)
			refuse(key, bad_methods[i], NULL);
		snprintf(key, sizeof(key), "%s.ciphers", service_names(id)->key);
		refuse(key, "", "You must enter");
		for (size_t i = 0; i < sizeof(bad_ciphers) / sizeof(bad_ciphers[0]); i++)
			refuse(key, bad_ciphers[i], "That value is not valid.");
	}
	/* the contiguity rule holds for stored values too */
	refuse("inbound.methods", "tlsv1_1tlsv1_3",
	       "TLS protocols can be enabled only in sequence");
	memset(long_ciphers, 'A', CONFIG_CIPHERS_MAX);
	long_ciphers[CONFIG_CIPHERS_MAX] = '\0';
	refuse("gui.ciphers", long_ciphers, "The value must be at most 1023 characters long.");
	long_ciphers[CONFIG_CIPHERS_MAX - 1] = '\0';
	set_get_one("gui.ciphers", long_ciphers);
	for (size_t i = 0; i < sizeof(bad_bools) / sizeof(bad_bools[0]); i++) {
		refuse("gui.renegotiation", bad_bools[i], NULL);
		refuse("sslconfig.peer_cert_x509", bad_bools[i], NULL);
	}
}

static void profile_names(void)
{
	static const char *const good[] = { "Demo", "mail_2026", "a", "x-y_z" };
	static const char *const bad[] = { "a b", "../x", "x.y", "caf\xc3\xa9", "a/b", "-;ls" };
	char longest[CONFIG_PROFILE_MAX + 2];

	for (int id = 0; id < SVC_COUNT; id++) {
		char key[64];
		snprintf(key, sizeof(key), "%s.certificate", service_names(id)->key);
		for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++)
			set_get_one(key, good[i]);
		for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
			refuse(key, bad[i], "That value is not valid.");
		refuse(key, "", "You must enter");
	}
	memset(longest, 'n', CONFIG_PROFILE_MAX + 1);
	longest[CONFIG_PROFILE_MAX + 1] = '\0';
	refuse("gui.certificate", longest, "The value must be at most 64 characters long.");
	longest[CONFIG_PROFILE_MAX] = '\0';
	set_get_one("gui.certificate", longest);
}

static void hostnames(void)
{
	char label63[64], label64[65], name120[121], name121[122];
	static const char *const good[] = {
		"a", "A1", "mail.example.com", "x-y.example", "MAIL.Example.COM", "a-b-c.d-e"
	};
	static const char *const bad[] = { "-a.com",  "a-.com", "a..b", ".a",    "a.",
					   "a_b.com", "a b",    "a.-b", "ä.com", "a/b",
					   "a:25",    "@",      "a.b-", "-" };
	struct err e;

	memset(label63, 'l', 63);
	label63[63] = '\0';
	memset(label64, 'l', 64);
	label64[64] = '\0';
	/* 59 + 1 + 60 = 120 */
	memset(name120, 'a', 120);
	name120[59] = '.';
	name120[120] = '\0';
	memcpy(name121, name120, 120);
	name121[120] = 'b';
	name121[121] = '\0';

	for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++)
		CHECK(config_check_hostname(good[i], &e) == 0, "host name \"%s\" accepted",
		      good[i]);
	CHECK(config_check_hostname(label63, &e) == 0, "a 63-character label is accepted");
	CHECK(config_check_hostname(name120, &e) == 0, "a 120-character name is accepted");
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		refuse("system.hostname", bad[i], "That value is not valid.");
	refuse("system.hostname", label64, "That value is not valid.");
	refuse("system.hostname", "", "You must enter");
	refuse("system.hostname", name121, "The value must be at most 120 characters long.");
}

static void expect_cipher_lines(struct strbuf *want, const char *ciphers)
{
	char copy[CONFIG_CIPHERS_MAX], *tok, *save = NULL;

	snprintf(copy, sizeof(copy), "%s", ciphers);
	for (tok = strtok_r(copy, ":", &save); tok; tok = strtok_r(NULL, ":", &save))
		strbuf_printf(want, "%s\n", tok);
}

static void render_defaults(void)
{
	struct config c;
	struct strbuf got, want;

	config_defaults(&c);
	strbuf_init(&got);
	strbuf_init(&want);
	config_render_sslconfig(&c, &got);

	/* The spec's layout, section 2 "Settings block". */
	strbuf_puts(&want, "sslconfig settings:\n"
			   "GUI HTTPS method: tlsv1_1tlsv1_2\n"
			   "GUI HTTPS ciphers:\n");
	expect_cipher_lines(&want, spec_g);
	strbuf_puts(&want, "GUI HTTPS TLS renegotiation: Enabled\n"
			   "Inbound SMTP method: tlsv1_1tlsv1_2\n"
			   "Inbound SMTP ciphers:\n");
	expect_cipher_lines(&want, spec_g);
	strbuf_puts(&want, "Inbound SMTP TLS renegotiation: Enabled\n"
			   "Outbound SMTP method: tlsv1_1tlsv1_2\n"
			   "Outbound SMTP ciphers:\n");
	expect_cipher_lines(&want, spec_o);
	strbuf_puts(&want, "Other TLS client services: TLS v1.0 disabled\n"
			   "Peer certificate FQDN validation: Disabled\n"
			   "Peer certificate X509 validation: Disabled\n");
	CHECK(strcmp(got.data, want.data) == 0, "the defaults render as the spec's settings block");
	if (strcmp(got.data, want.data) != 0)
		printf("# got:\n%s# want:\n%s", got.data, want.data);
	CHECK(strncmp(got.data,
		      "sslconfig settings:\nGUI HTTPS method: tlsv1_1tlsv1_2\nGUI HTTPS ciphers:\n"
		      "HIGH\nMEDIUM\n@STRENGTH\n",
		      strlen("sslconfig settings:\nGUI HTTPS method: tlsv1_1tlsv1_2\nGUI HTTPS "
			     "ciphers:\nHIGH\nMEDIUM\n@STRENGTH\n")) == 0,
	      "the block opens exactly as the spec's example");

	/* Changed values show up on their lines. */
	config_set(&c, "inbound.methods", "tlsv1_1tlsv1_2tlsv1_3", NULL);
	config_set(&c, "gui.renegotiation", "disabled", NULL);
	config_set(&c, "outbound.ciphers", "HIGH:!aNULL", NULL);
	config_set(&c, "sslconfig.other_client_tlsv10", "enabled", NULL);
	config_set(&c, "sslconfig.peer_cert_fqdn", "enabled", NULL);
	config_set(&c, "sslconfig.peer_cert_x509", "enabled", NULL);
	strbuf_reset(&got);
	config_render_sslconfig(&c, &got);
	CHECK(strstr(got.data, "\nInbound SMTP method: tlsv1_1tlsv1_2tlsv1_3\n") != NULL,
	      "inbound 1-3 renders as tlsv1_1tlsv1_2tlsv1_3");
	CHECK(strstr(got.data, "\nGUI HTTPS TLS renegotiation: Disabled\n") != NULL,
	      "disabled renegotiation renders as Disabled");
	CHECK(strstr(got.data, "\nOutbound SMTP ciphers:\nHIGH\n!aNULL\nOther TLS client") != NULL,
	      "outbound ciphers one per line, and no outbound renegotiation line");
	CHECK(strstr(got.data, "\nOther TLS client services: TLS v1.0 enabled\n"
			       "Peer certificate FQDN validation: Enabled\n"
			       "Peer certificate X509 validation: Enabled\n") != NULL,
	      "enabled flags render as the spec spells them");
	CHECK(strstr(got.data, "Outbound SMTP TLS renegotiation") == NULL,
	      "never an outbound renegotiation line");
	strbuf_free(&got);
	strbuf_free(&want);
}

int main(void)
{
	defaults_are_the_spec_table();
	service_naming();
	settings_table();
	set_get_every_setting();
	display_values();
	bad_values_refused();
	hostnames();
	profile_names();
	render_defaults();
	return tap_done();
}
