/* usage_table: the in-memory counters of TLS outcomes (issue 17), one count
 * per distinct key (hour, service, listener, peer, version, cipher, group,
 * required/preferred, outcome, reason). Pure and bounded: past `max_keys`
 * distinct keys, new peers are counted under the peer "(other)" so the
 * totals stay exact; only if even those slots run out is a count dropped
 * (and counted as dropped). */
#ifndef TLSGATE_USAGE_TABLE_H
#define TLSGATE_USAGE_TABLE_H

#include <stddef.h>

enum usage_outcome { USAGE_SUCCESS, USAGE_FAILED, USAGE_NO_TLS, USAGE_OUTCOME_COUNT };
/* What the policy said about TLS for the session. */
enum usage_mode { USAGE_MODE_NONE, USAGE_MODE_PREFERRED, USAGE_MODE_REQUIRED, USAGE_MODE_COUNT };

#define USAGE_OTHER_PEER "(other)"

/* Always filled through usage_key_init (zeroed: compared and hashed whole). */
struct usage_key {
	long long hour;        /* start of the hour (unix time); 0 in running totals */
	unsigned char service; /* enum tls_service_id */
	unsigned char mode;    /* enum usage_mode */
	unsigned char outcome; /* enum usage_outcome */
	char listener[32];     /* "Management", a listener's name, or "" */
	char peer[64];         /* inbound: client address; outbound: destination domain */
	char peer_name[256];   /* inbound: HELO name; outbound: the MX host */
	char version[16];      /* "TLSv1.3", "" without a handshake */
	char cipher[64];       /* OpenSSL's name, "" without a handshake */
	char group[32];        /* key exchange group, "x25519" */
	char reason[64];       /* why it failed, "" on success */
};

struct usage_entry {
	struct usage_key key;
	unsigned long long sessions;
};

struct usage_table;

/* `max_keys` distinct keys at most (plus a reserve for "(other)"). NULL
 * when out of memory. */
struct usage_table *usage_table_new(size_t max_keys);
void usage_table_free(struct usage_table *t);

/* Zeroes `k` and copies each string truncated to its field; NULL is "". */
void usage_key_init(struct usage_key *k, long long hour, int service, int mode, int outcome,
		    const char *listener, const char *peer, const char *peer_name,
		    const char *version, const char *cipher, const char *group, const char *reason);

/* Adds `n` sessions under `k`. 0 counted as is, 1 counted under the peer
 * "(other)" (the table was full), -1 dropped. */
int usage_table_add(struct usage_table *t, const struct usage_key *k, unsigned long long n);

/* The entries in no particular order; valid until the next add or clear. */
size_t usage_table_count(const struct usage_table *t);
const struct usage_entry *usage_table_entry(const struct usage_table *t, size_t i);
/* Sessions ever dropped (never reset by clear). */
unsigned long long usage_table_dropped(const struct usage_table *t);
void usage_table_clear(struct usage_table *t);

const char *usage_outcome_name(enum usage_outcome o); /* "success", "failed", "none" */
const char *usage_mode_name(enum usage_mode m);       /* "none", "preferred", "required" */
/* -1 for an unknown name. */
int usage_outcome_parse(const char *name);
int usage_mode_parse(const char *name);
/* OpenSSL's version name as AsyncOS writes it: "TLSv1" -> "TLS v1.0",
 * "TLSv1.3" -> "TLS v1.3", "" -> "none"; anything else as is. */
const char *usage_version_label(const char *openssl_name);

#endif
