/* listener: one inbound SMTP listener (AsyncOS listenerconfig) — its name,
 * type (public: receives mail for the gateway's own domains; private:
 * relays for the hosts allowed to), address and port, and certificate. Its
 * host and recipient access tables are the entries "hat.NAME" and
 * "rat.NAME" (core/hat.h, core/rat.h); without them it has the defaults of
 * its type. The stored value is "key=value" lines. */
#ifndef TLSGATE_LISTENER_H
#define TLSGATE_LISTENER_H

#include <stdbool.h>

#include "config.h"
#include "err.h"
#include "strbuf.h"

#define LISTENER_NAME_MAX    59
#define LISTENER_ADDRESS_MAX 63
#define LISTENERS_MAX        16
#define LISTENER_DEFAULT     "InboundMail"

enum listener_type { LISTENER_PUBLIC, LISTENER_PRIVATE };

struct listener {
	char name[LISTENER_NAME_MAX + 1];
	enum listener_type type;
	/* "ADDR:PORT"; "" is the daemon's --smtp address (the default listener). */
	char address[LISTENER_ADDRESS_MAX + 1];
	/* A certificate profile; "" is the inbound certificate setting
	 * (listenerconfig CERTIFICATE, inbound.certificate). */
	char certificate[CONFIG_PROFILE_MAX + 1];
	/* listenerconfig EDIT LIMITS; 0: only tlsgated's own options limit it
	 * (--smtp-max-sessions, --smtp-max-size). The message size also caps
	 * every mail flow policy's. */
	int max_connections;
	long max_message_size;
};

#define LISTENER_CONNECTIONS_MAX 100000
#define LISTENER_SIZE_MAX        (1L << 30)
#define LISTENER_TIMEOUT_MAX     3600

/* listenerconfig SETUP: the settings of all listeners together, stored as
 * the entry "smtpsetup.global" in the same key=value form. 0: tlsgated's
 * own option decides (--smtp-max-sessions, --handshake-timeout). */
struct listener_setup {
	int max_connections;     /* sessions of all listeners at once */
	int handshake_timeout;   /* seconds a client has to greet (again after STARTTLS) */
	int max_connection_time; /* seconds a session may last; 0: no limit */
};
#define LISTENER_SETUP_ENTRY "global"

int listener_setup_decode(const char *value, struct listener_setup *s, struct err *e);
void listener_setup_encode(const struct listener_setup *s, struct strbuf *out);

/* InboundMail, public, on the daemon's --smtp address. */
void listener_default(struct listener *l);
int listener_check_name(const char *name, struct err *e);
/* "127.0.0.1:2525", "[::1]:25" (numeric address, port 1-65535). */
int listener_check_address(const char *address, struct err *e);
int listener_decode(const char *name, const char *value, struct listener *l, struct err *e);
void listener_encode(const struct listener *l, struct strbuf *out);
const char *listener_type_label(enum listener_type t); /* "Public" */

#endif
