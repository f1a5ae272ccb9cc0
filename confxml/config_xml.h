/* config_xml: the whole configuration as an XML file in AsyncOS's shape
 * (saveconfig, showconfig, loadconfig). A document is a list of items —
 * settings by key ("gui.methods") and entries by "KIND.NAME" — plus which
 * entry kinds it lists whole. Writing and parsing are in memory (no I/O);
 * parsing uses libxml2 with the network, DTD loading and entity expansion
 * off, and refuses any entity declaration (billion laughs, XXE).
 *
 *   <config>
 *     <passphrases option="masked|encrypted|plain" .../>
 *     <ssl><ssl_gui_method>tlsv1_2</ssl_gui_method> ...</ssl>   sslconfig settings
 *     <settings><setting name="KEY">VALUE</setting> ...</settings>   the others
 *     <entries kind="cert"><entry name="NAME">VALUE</entry> ...</entries>
 *   </config>
 *
 * Inside a value, secrets (private keys, password hashes) are <secret>
 * elements: "*****" (masked), the text (plain) or AES-256-GCM (encrypted,
 * tls/config_secret.h). Text that is not printable ASCII is a <data> element
 * in base64, so every value round-trips byte for byte. */
#ifndef TLSGATE_CONFIG_XML_H
#define TLSGATE_CONFIG_XML_H

#include <stdbool.h>
#include <stddef.h>

#include "../core/err.h"
#include "../core/strbuf.h"

#define CFGXML_INPUT_MAX (10L * 1024 * 1024) /* refused before parsing */

enum cfgxml_secrets {
	CFGXML_NONE = 0, /* no <passphrases> element: a partial file without secrets */
	CFGXML_MASKED = 1,
	CFGXML_ENCRYPTED = 2,
	CFGXML_PLAIN = 3,
};

struct cfgxml_item {
	char *key;   /* "gui.methods", "cert.site" */
	char *value; /* secrets included (decrypted at load) */
	int line;    /* in the file, for errors */
};

#define CFGXML_KINDS_MAX 16

struct cfgxml_doc {
	struct cfgxml_item *items;
	size_t count, cap;
	/* Per core/entries.c kind: the file lists that kind whole (an
	 * <entries kind=...> element), so entries it does not name go. */
	bool kind_listed[CFGXML_KINDS_MAX];
	int kind_line[CFGXML_KINDS_MAX];
	enum cfgxml_secrets secrets;
	int secrets_line;
};

void cfgxml_doc_init(struct cfgxml_doc *d);
/* Wipes values (they may hold keys) and frees. */
void cfgxml_doc_free(struct cfgxml_doc *d);
/* Takes copies of key and value. */
void cfgxml_add(struct cfgxml_doc *d, const char *key, const char *value, int line);

struct cfgxml_header {
	const char *product, *model, *version, *serial, *time;
};

/* The file. `passphrase` is used with CFGXML_ENCRYPTED only. */
int cfgxml_write(const struct cfgxml_doc *d, const struct cfgxml_header *h,
		 enum cfgxml_secrets mode, const char *passphrase, struct strbuf *out,
		 struct err *e);

/* Asked for the passphrase of an encrypted file once its header is read. */
typedef int (*cfgxml_passphrase_fn)(void *arg, char *buf, size_t len);

/* Parses a file (at most CFGXML_INPUT_MAX bytes) into `out`: every element
 * and name checked against the settings and kinds tables, values decoded and
 * decrypted; not the values themselves (the caller's checks). On -1, e says
 * what and names the line ("line 12: ..."). A masked file is refused. */
int cfgxml_parse(const char *data, size_t len, cfgxml_passphrase_fn ask, void *arg,
		 struct cfgxml_doc *out, struct err *e);

/* The secret parts of a stored value, as [start, end) byte ranges: PEM
 * blocks whose label holds "PRIVATE KEY", and what follows '=' on lines
 * "password_hash=..." or "passphrase=...", and a user entry's password hash
 * (after ";hash=" in "role=ROLE;hash=..."). Returns how many (at most max). */
struct cfgxml_span {
	size_t start, end;
};
size_t cfgxml_secret_spans(const char *value, struct cfgxml_span *out, size_t max);

#endif
