/* config: the appliance configuration model (the three TLS services and the
 * sslconfig flags) and the settings table through which every layer reads
 * and writes it by key: the database, staging, showchanges, rendering. */
#ifndef TLSGATE_CONFIG_H
#define TLSGATE_CONFIG_H

#include <stdbool.h>
#include <stddef.h>

#include "err.h"
#include "strbuf.h"
#include "tls_methods.h"

#define CONFIG_CIPHERS_MAX  1024 /* bytes, NUL included */
#define CONFIG_HOSTNAME_MAX 120  /* AsyncOS clients match a prompt of at most 120 chars */
#define CONFIG_PROFILE_MAX  64   /* certificate profile names: letters, digits, _ and - */
#define CONFIG_ADDRESS_MAX  254  /* an e-mail address (RFC 5321 path without brackets) */

enum tls_service_id { SVC_GUI, SVC_INBOUND, SVC_OUTBOUND, SVC_COUNT };

struct tls_service {
	tls_method_set methods;
	char ciphers[CONFIG_CIPHERS_MAX]; /* OpenSSL cipher string for TLS <= 1.2 */
	bool renegotiation;               /* always false for outbound */
	/* Certificate profile served (GUI, inbound) or presented as a client
	 * certificate (outbound); "Demo" until another is assigned. Whether
	 * the profile exists is checked at commit, not here. */
	char certificate[CONFIG_PROFILE_MAX + 1];
};

struct config {
	char hostname[CONFIG_HOSTNAME_MAX + 1];
	struct tls_service svc[SVC_COUNT];
	bool other_client_tlsv10;
	bool peer_cert_fqdn;
	bool peer_cert_x509;
	int rollback_keep; /* saved configurations kept for rollbackconfig; 0: disabled */
	bool ca_system;    /* certconfig CERTAUTHORITY SYSTEM: trust the OS bundle */
	/* destconfig SETUP: alert when a required-TLS delivery fails, and to whom. */
	bool alert_tls_required;
	char alert_to[CONFIG_ADDRESS_MAX + 1];
	/* destconfig SETUP: apply MTA-STS policies (RFC 8461) where a
	 * destination has no TLS setting of its own. */
	bool mta_sts;
};

/* Naming of a service in the places AsyncOS uses it. */
struct service_names {
	const char *key;    /* "inbound": settings key prefix */
	const char *title;  /* "Inbound SMTP": settings overview */
	const char *prompt; /* "inbound SMTP": dialog questions */
};
const struct service_names *service_names(enum tls_service_id id);

enum setting_type {
	SETTING_METHODS,
	SETTING_CIPHERS,
	SETTING_BOOL,
	SETTING_HOSTNAME,
	SETTING_COUNT,
	SETTING_PROFILE, /* a certificate profile name */
	SETTING_ADDRESS, /* an e-mail address, or "" for none */
};

#define CONFIG_ROLLBACK_KEEP_MAX 100

struct setting {
	const char *key;   /* "inbound.methods" */
	const char *area;  /* command that edits it: "sslconfig" */
	const char *label; /* "Inbound SMTP method" */
	enum setting_type type;
	size_t offset; /* into struct config */
	const char *default_value;
};

extern const struct setting config_settings[];
extern const size_t config_settings_count;

const struct setting *config_find_setting(const char *key);

/* AsyncOS 15.5 post-upgrade defaults; hostname left empty for the caller. */
void config_defaults(struct config *c);
/* Parse and validate `value` (syntax only; OpenSSL checks happen at the edge)
 * and store it. Unknown key or bad value: -1, config unchanged. */
int config_set(struct config *c, const char *key, const char *value, struct err *e);
/* The stored spelling of a setting's value (what config_set accepts). */
void config_get(const struct config *c, const struct setting *s, struct strbuf *out);
/* The value as an admin reads it ("Enabled", "tlsv1_1tlsv1_2"). */
void config_get_display(const struct config *c, const struct setting *s, struct strbuf *out);

int config_check_ciphers_syntax(const char *ciphers, struct err *e);
int config_check_hostname(const char *name, struct err *e);
/* A certificate profile name: 1-64 letters, digits, '_' and '-' (AsyncOS's rule). */
int config_check_profile_name(const char *name, struct err *e);
/* local@domain of printable ASCII without blanks, '<' or '>'; "" allowed. */
int config_check_address(const char *addr, struct err *e);

enum changes_style {
	CHANGES_BLOCK,    /* showchanges: grouped by command area, old and new on their own lines */
	CHANGES_ONE_LINE, /* audit log: "label: old -> new; ..." */
};
/* Renders the settings in which `edited` differs from `committed`.
 * Returns how many differ. */
int config_render_changes(const struct config *committed, const struct config *edited,
			  enum changes_style style, struct strbuf *out);

/* The "sslconfig settings:" block. */
void config_render_sslconfig(const struct config *c, struct strbuf *out);

#endif
