/* fuzz_pem_import: certificate profile input — the PEM blob scanner and the
 * stored layout (core/pem_blob.c), PASTE's parsers and the stored profile's
 * parser (tls/cert_profile.c), and PKCS#12 import. Byte 0 picks:
 *   0  pem_split + pem_profile_layout on the text
 *   1  cert_profile_parse on the text; on success the blob round-trips
 *   2  PASTE: cert_parse_certificate, cert_parse_private_key,
 *      cert_parse_certificates on the text
 *   3  PKCS#12 import of the bytes as a file
 *   4  a valid PKCS#12 (made at start-up, never committed) with the input's
 *      (offset, byte) edits applied, then imported
 *   5  a valid stored blob (made at start-up) with the same edits, parsed */
#include <openssl/err.h>
#include <openssl/obj_mac.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../../core/pem_blob.h"
#include "../../tls/cert_profile.h"
#include "fuzz_check.h"

static unsigned char *good_p12, *good_blob;
static size_t good_p12_len, good_blob_len;

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	struct cert_request r = { .ecdsa = 1, .ec_curve = NID_X9_62_prime256v1, .days = 30,
				  .keep_csr = 1, .san_count = 1 };
	struct cert_profile p;
	struct err e;
	char *blob;

	(void)argc;
	(void)argv;
	strcpy(r.cn, "fuzz.example.com");
	strcpy(r.sans[0], "fuzz.example.com");
	check(cert_profile_new(&r, &p, &e) == 0);
	check(cert_profile_to_pkcs12(&p, "fuzz", "pw", &good_p12, &good_p12_len, &e) == 0);
	check(cert_profile_to_blob(&p, &blob, &e) == 0);
	good_blob = (unsigned char *)blob;
	good_blob_len = strlen(blob);
	cert_profile_free(&p);
	return 0;
}

static char *text_of(const uint8_t *data, size_t size)
{
	char *t = malloc(size + 1);

	check(t != NULL);
	memcpy(t, data, size);
	t[size] = '\0';
	return t;
}

static void split_invariants(const char *t)
{
	struct pem_block b[PEM_BLOB_BLOCKS_MAX];
	struct pem_profile_layout l;
	size_t n, end = 0, len = strlen(t);
	struct err e;

	if (pem_split(t, b, PEM_BLOB_BLOCKS_MAX, &n, &e) < 0) {
		check(e.msg[0] != '\0');
		check(pem_profile_layout(t, &l, &e) < 0);
		return;
	}
	check(n <= PEM_BLOB_BLOCKS_MAX);
	for (size_t i = 0; i < n; i++) {
		check(b[i].start >= end && b[i].len > 0 && b[i].start + b[i].len <= len);
		check(strncmp(t + b[i].start, "-----BEGIN ", 11) == 0);
		end = b[i].start + b[i].len;
	}
	if (pem_profile_layout(t, &l, &e) == 0) {
		check(n >= 2 && b[0].kind == PEM_CERTIFICATE);
		check(l.key.start > l.cert.start && n == 2 + l.chain_count + (size_t)l.has_csr);
	}
}

static void blob_roundtrip(const char *t)
{
	struct cert_profile p, q;
	struct err e;
	char *blob;

	if (cert_profile_parse(t, &p, &e) < 0) {
		check(e.msg[0] != '\0' && p.cert == NULL && p.key == NULL);
		return;
	}
	check(p.cert && p.key && p.chain);
	check(cert_profile_to_blob(&p, &blob, &e) == 0);
	check(cert_profile_parse(blob, &q, &e) == 0);
	check(X509_cmp(p.cert, q.cert) == 0 && sk_X509_num(p.chain) == sk_X509_num(q.chain));
	check(EVP_PKEY_eq(p.key, q.key) == 1);
	check((p.csr == NULL) == (q.csr == NULL));
	cert_blob_free(blob);
	cert_profile_free(&p);
	cert_profile_free(&q);
}

static void paste(const char *t)
{
	STACK_OF(X509) *list;
	EVP_PKEY *key;
	X509 *x;
	struct err e;

	if (cert_parse_certificate(t, &x, &e) == 0)
		check(x != NULL);
	else
		check(x == NULL && e.msg[0]);
	if (cert_parse_private_key(t, &key, &e) == 0)
		check(key != NULL && !strstr(e.msg, "PRIVATE KEY"));
	else
		check(key == NULL && e.msg[0]);
	if (x && key)
		(void)cert_key_matches(x, key);
	if (cert_parse_certificates(t, &list, &e) == 0)
		check(list && sk_X509_num(list) > 0);
	sk_X509_pop_free(list, X509_free);
	X509_free(x);
	EVP_PKEY_free(key);
}

static void import(const unsigned char *der, size_t len, const char *pass)
{
	struct cert_profile p, q;
	unsigned char *again = NULL;
	size_t again_len;
	struct err e;

	if (cert_profile_from_pkcs12(der, len, pass, &p, &e) < 0) {
		check(e.msg[0] && p.cert == NULL && p.key == NULL);
		return;
	}
	/* What import accepts is a coherent profile, and exports back to itself. */
	check(p.cert && p.key && p.chain && cert_profile_check(&p, &e) == 0);
	check(cert_profile_to_pkcs12(&p, "x", "pw2", &again, &again_len, &e) == 0);
	check(cert_profile_from_pkcs12(again, again_len, "pw2", &q, &e) == 0);
	check(X509_cmp(p.cert, q.cert) == 0);
	OPENSSL_free(again);
	cert_profile_free(&p);
	cert_profile_free(&q);
}

/* A copy of `base` with (2-byte offset, byte) edits from the input. */
static unsigned char *edited(const unsigned char *base, size_t len, const uint8_t *d, size_t n)
{
	unsigned char *c = malloc(len + 1);

	check(c != NULL);
	memcpy(c, base, len);
	c[len] = '\0';
	for (size_t i = 0; i + 3 <= n; i += 3)
		c[((size_t)d[i] << 8 | d[i + 1]) % len] = d[i + 2];
	return c;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *t;

	if (size < 1 || size > 70000)
		return 0;
	t = text_of(data + 1, size - 1);
	switch (data[0] % 6) {
	case 0: split_invariants(t); break;
	case 1: blob_roundtrip(t); break;
	case 2: paste(t); break;
	case 3: import(data + 1, size - 1, "pw"); break;
	case 4: {
		unsigned char *c = edited(good_p12, good_p12_len, data + 1, size - 1);
		import(c, good_p12_len, size % 2 ? "pw" : "");
		free(c);
		break;
	}
	default: {
		unsigned char *c = edited(good_blob, good_blob_len, data + 1, size - 1);
		c[strlen((char *)c)] = '\0';
		blob_roundtrip((char *)c);
		split_invariants((char *)c);
		free(c);
		break;
	}
	}
	free(t);
	ERR_clear_error();
	return 0;
}
