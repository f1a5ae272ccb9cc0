/* addr_match: the host patterns of sender groups (AsyncOS HOSTACCESS) —
 * IPv4/IPv6 addresses, CIDR blocks, partial addresses ("10.1."), IPv4 ranges
 * ("10.1.1.10-20"), host names, ".domain" suffixes and ALL — and a matcher
 * that finds the first rule (smallest index) a client matches in a few hash
 * probes: one per prefix length in use, one per label of its host name. */
#ifndef TLSGATE_ADDR_MATCH_H
#define TLSGATE_ADDR_MATCH_H

#include <limits.h>
#include <stdbool.h>

#include "err.h"
#include "keymap.h"

#define ADDR_NO_MATCH    UINT_MAX
#define HOST_PATTERN_MAX 255

enum host_pattern_kind {
	HOST_PATTERN_ALL,
	HOST_PATTERN_IP,     /* an address or a block (ranges become blocks) */
	HOST_PATTERN_HOST,   /* a host name, matched by verified reverse DNS */
	HOST_PATTERN_SUFFIX, /* ".example.com": any host below it */
};

/* Checks one pattern; *kind says what it is. */
int host_pattern_check(const char *text, enum host_pattern_kind *kind, struct err *e);

/* A numeric address as 16 bytes (IPv4 as ::ffff:a.b.c.d). -1 if not one. */
int addr_parse_ip(const char *text, unsigned char out[16]);

#define ADDR_FILTER_BITS 18

struct addr_match {
	struct keymap ip; /* [prefix length][16 address bytes, masked] */
	/* Per prefix length in use, one bit per hash of the masked address:
	 * most lengths of most lookups end at a clear bit, without a probe. */
	unsigned char *filter[129];
	unsigned len_min[129];
	unsigned char order[129]; /* prefix lengths in use, by len_min */
	unsigned norder;
	struct keymap host, suffix;
	unsigned all;
};

void addr_match_init(struct addr_match *m);
void addr_match_free(struct addr_match *m);
/* Adds pattern `text` as rule `idx` (checked as host_pattern_check does). */
int addr_match_add(struct addr_match *m, const char *text, unsigned idx, struct err *e);
/* True when some rule needs the client's host name (reverse DNS). */
bool addr_match_wants_names(const struct addr_match *m);
/* The smallest rule index matching the address, the verified host name
 * (NULL: none) or ALL; ADDR_NO_MATCH when none does. */
unsigned addr_match_lookup(const struct addr_match *m, const unsigned char ip[16],
			   const char *host);

#endif
