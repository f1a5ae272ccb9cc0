/* pem_blob: the text a certificate profile is stored as (entry "cert.NAME"):
 * PEM blocks in a fixed order — the certificate, its intermediates in chain
 * order, the private key, and optionally the CSR. Splitting it into blocks,
 * checking that order, and the small renderings the listing needs (days
 * remaining) are pure text work; OpenSSL parses each block elsewhere. */
#ifndef TLSGATE_PEM_BLOB_H
#define TLSGATE_PEM_BLOB_H

#include <stddef.h>

#include "err.h"

#define PEM_BLOB_MAX        (64 * 1024) /* a pasted or stored profile, in bytes */
#define PEM_BLOB_BLOCKS_MAX 16          /* certificate + intermediates + key + CSR */

enum pem_kind {
	PEM_CERTIFICATE, /* CERTIFICATE (or X509 CERTIFICATE, TRUSTED CERTIFICATE) */
	PEM_PRIVATE_KEY, /* PRIVATE KEY, RSA/EC PRIVATE KEY, ENCRYPTED PRIVATE KEY */
	PEM_CSR,         /* CERTIFICATE REQUEST, NEW CERTIFICATE REQUEST */
	PEM_OTHER,
};

struct pem_block {
	enum pem_kind kind;
	size_t start; /* offset of "-----BEGIN" */
	size_t len;   /* through the END line and its newline, if any */
};

/* Finds the PEM blocks of `text` in order. Text outside blocks (comments,
 * "Bag Attributes" lines of openssl pkcs12) is ignored. A BEGIN without its
 * matching END, or more than `max` blocks, is an error. */
int pem_split(const char *text, struct pem_block *out, size_t max, size_t *count, struct err *e);

/* The blocks of a stored profile, by role. */
struct pem_profile_layout {
	struct pem_block cert;
	struct pem_block chain[PEM_BLOB_BLOCKS_MAX];
	size_t chain_count;
	struct pem_block key;
	struct pem_block csr;
	int has_csr;
};

/* Checks the stored order (certificate, intermediates, one key, optional
 * CSR) and says where each block is. */
int pem_profile_layout(const char *text, struct pem_profile_layout *out, struct err *e);

/* Whole days left until `seconds_left` runs out, a started day counting as
 * one (so a certificate made now for 3650 days shows 3650); <= 0 when gone. */
long pem_days_remaining(long long seconds_left);
/* "3650 days", "1 day", "expired". */
void pem_render_days(long long seconds_left, char *buf, size_t len);

#endif
