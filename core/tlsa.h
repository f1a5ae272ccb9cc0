/* tlsa: TLSA records (RFC 6698) as SMTP uses them (RFC 7672) — one record's
 * RDATA parsed, judged usable or not, and written as the mail log shows it
 * ("3 1 1 4f3c…"); and the set of one host's records with the DNSSEC state
 * of their lookup. Pure: the lookup itself is os/dns.c's. */
#ifndef TLSGATE_TLSA_H
#define TLSGATE_TLSA_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "err.h"

#define TLSA_DATA_MAX 64 /* SHA2-512; larger Full(0) records are counted, not kept */
#define TLSA_MAX      8  /* records kept per host */
#define TLSA_TEXT_MAX (16 + 2 * TLSA_DATA_MAX)

enum tlsa_usage { TLSA_PKIX_TA, TLSA_PKIX_EE, TLSA_DANE_TA, TLSA_DANE_EE };

struct tlsa_rr {
	uint8_t usage, selector, mtype;
	uint8_t data[TLSA_DATA_MAX];
	size_t len;
};

/* One record's RDATA (usage, selector, matching type, data). -1 when it is
 * shorter than 4 bytes or its data longer than TLSA_DATA_MAX. */
int tlsa_parse(const uint8_t *rdata, size_t len, struct tlsa_rr *out, struct err *e);
/* NULL when usable for SMTP (RFC 7672 3.1: DANE-TA(2) or DANE-EE(3),
 * selector Cert(0) or SPKI(1), matching Full(0), SHA2-256(1) with 32 bytes
 * or SHA2-512(2) with 64); else why, in words. */
const char *tlsa_unusable(const struct tlsa_rr *r);
/* "3 1 1 " and the data in lower-case hex. */
void tlsa_text(const struct tlsa_rr *r, char *buf, size_t len);

/* What the TLSA lookup of one host found. */
enum tlsa_state {
	TLSA_NOT_LOOKED, /* DANE not wanted, or the lookup was not reached */
	TLSA_INSECURE,   /* no DNSSEC proof on the way (why says where) */
	TLSA_NONE,       /* a validated answer: the host publishes no TLSA records */
	TLSA_FOUND,      /* a validated, non-empty TLSA RRset */
	TLSA_FAILED,     /* the lookup failed (timeout, SERVFAIL: perhaps bogus) */
};

struct tlsa_set {
	enum tlsa_state state;
	char name[300];              /* "_25._tcp.mx1.example.com" */
	struct tlsa_rr rr[TLSA_MAX]; /* the usable records */
	size_t count;                /* usable records kept */
	size_t unusable;             /* records skipped as unusable or malformed */
	char why[160];               /* INSECURE, FAILED: in words */
};

/* Adds one record's RDATA to `s` (usable ones kept, others counted). */
void tlsa_set_add(struct tlsa_set *s, const uint8_t *rdata, size_t len);

#endif
