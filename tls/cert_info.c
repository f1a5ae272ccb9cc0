/* cert_info: what a certificate says, for the listing (cert_info_of) and
 * PRINT; the PEM of certificates, CSRs and CA lists; a bundle's subjects. */
#include "cert_profile.h"
#include "cert_profile_internal.h"

#include <arpa/inet.h>
#include <openssl/err.h>
#include <openssl/ec.h>
#include <openssl/pem.h>
#include <openssl/x509v3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../core/pem_blob.h"

static void name_field(X509_NAME *name, int nid, char *buf, size_t len)
{
	int i = X509_NAME_get_index_by_NID(name, nid, -1);
	unsigned char *utf8 = NULL;
	int n;

	buf[0] = '\0';
	if (i < 0)
		return;
	n = ASN1_STRING_to_UTF8(&utf8, X509_NAME_ENTRY_get_data(X509_NAME_get_entry(name, i)));
	if (n >= 0)
		snprintf(buf, len, "%.*s", n, (const char *)utf8);
	OPENSSL_free(utf8);
}

static void one_line_name(X509_NAME *name, char *buf, size_t len)
{
	BIO *bio = BIO_new(BIO_s_mem());
	char *s;

	buf[0] = '\0';
	if (bio && X509_NAME_print_ex(bio, name, 0, XN_FLAG_ONELINE & ~ASN1_STRFLGS_ESC_MSB) >= 0 &&
	    (s = cert_bio_string(bio))) {
		snprintf(buf, len, "%s", s);
		free(s);
	}
	BIO_free(bio);
}

static void time_text(const ASN1_TIME *t, char *buf, size_t len)
{
	BIO *bio = BIO_new(BIO_s_mem());
	char *s;

	buf[0] = '\0';
	if (bio && ASN1_TIME_print(bio, t) && (s = cert_bio_string(bio))) {
		snprintf(buf, len, "%s", s);
		free(s);
	}
	BIO_free(bio);
}

static void key_text(EVP_PKEY *key, char *buf, size_t len)
{
	char group[64] = "";
	size_t glen = 0;

	if (!key) {
		snprintf(buf, len, "unknown");
	} else if (EVP_PKEY_is_a(key, "RSA")) {
		snprintf(buf, len, "RSA %d", EVP_PKEY_get_bits(key));
	} else if (EVP_PKEY_is_a(key, "EC") &&
		   EVP_PKEY_get_group_name(key, group, sizeof(group), &glen)) {
		const char *nist = EC_curve_nid2nist(OBJ_sn2nid(group));
		snprintf(buf, len, "ECDSA %s", nist ? nist : group);
	} else {
		snprintf(buf, len, "%s %d", EVP_PKEY_get0_type_name(key), EVP_PKEY_get_bits(key));
	}
}

static void san_text(X509 *x, char *buf, size_t len)
{
	GENERAL_NAMES *names = X509_get_ext_d2i(x, NID_subject_alt_name, NULL, NULL);
	size_t used = 0;

	buf[0] = '\0';
	for (int i = 0; names && i < sk_GENERAL_NAME_num(names) && used < len; i++) {
		GENERAL_NAME *g = sk_GENERAL_NAME_value(names, i);
		char ip[64];
		if (g->type == GEN_DNS) {
			used += (size_t)snprintf(buf + used, len - used, "%sDNS:%.*s",
						 used ? ", " : "", ASN1_STRING_length(g->d.dNSName),
						 ASN1_STRING_get0_data(g->d.dNSName));
		} else if (g->type == GEN_IPADD) {
			int n = ASN1_STRING_length(g->d.iPAddress);
			if (!inet_ntop(n == 4 ? AF_INET : AF_INET6,
				       ASN1_STRING_get0_data(g->d.iPAddress), ip, sizeof(ip)))
				snprintf(ip, sizeof(ip), "?");
			used += (size_t)snprintf(buf + used, len - used, "%sIP:%s",
						 used ? ", " : "", ip);
		}
	}
	GENERAL_NAMES_free(names);
	ERR_clear_error();
}

void cert_info_of(X509 *cert, struct cert_info *out)
{
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int mdlen = 0;
	int days = 0, secs = 0;

	memset(out, 0, sizeof(*out));
	name_field(X509_get_subject_name(cert), NID_commonName, out->common_name,
		   sizeof(out->common_name));
	name_field(X509_get_issuer_name(cert), NID_commonName, out->issuer_cn,
		   sizeof(out->issuer_cn));
	one_line_name(X509_get_subject_name(cert), out->subject, sizeof(out->subject));
	one_line_name(X509_get_issuer_name(cert), out->issuer, sizeof(out->issuer));
	time_text(X509_get0_notBefore(cert), out->not_before, sizeof(out->not_before));
	time_text(X509_get0_notAfter(cert), out->not_after, sizeof(out->not_after));
	if (ASN1_TIME_diff(&days, &secs, NULL, X509_get0_notAfter(cert)))
		out->seconds_left = (long long)days * 86400 + secs;
	out->not_yet_valid = X509_cmp_current_time(X509_get0_notBefore(cert)) > 0;
	out->status = out->seconds_left <= 0 ? "Expired"
		      : out->not_yet_valid   ? "Not yet valid"
					     : "Valid";
	key_text(X509_get0_pubkey(cert), out->key_type, sizeof(out->key_type));
	san_text(cert, out->sans, sizeof(out->sans));
	if (X509_digest(cert, EVP_sha256(), md, &mdlen))
		for (unsigned i = 0; i < mdlen && 3 * i + 3 <= sizeof(out->fingerprint); i++)
			snprintf(out->fingerprint + 3 * i, sizeof(out->fingerprint) - 3 * i,
				 "%s%02X", i ? ":" : "", md[i]);
	ERR_clear_error();
}

static void print_pem(X509 *x, struct strbuf *out)
{
	BIO *bio = BIO_new(BIO_s_mem());
	char *s;

	if (bio && PEM_write_bio_X509(bio, x) && (s = cert_bio_string(bio))) {
		strbuf_puts(out, s);
		free(s);
	}
	BIO_free(bio);
}

void cert_profile_print(const struct cert_profile *p, struct strbuf *out)
{
	struct cert_info i;
	char days[32];

	cert_info_of(p->cert, &i);
	pem_render_days(i.seconds_left, days, sizeof(days));
	strbuf_printf(out,
		      "Subject: %s\nIssuer: %s\nValid from: %s\nValid until: %s (%s remaining)\n"
		      "Status: %s\nKey: %s\nSubject alternative names: %s\n"
		      "SHA-256 fingerprint: %s\nIntermediate certificates: %d\n"
		      "Certificate signing request: %s\n\n",
		      i.subject, i.issuer, i.not_before, i.not_after, days, i.status, i.key_type,
		      i.sans[0] ? i.sans : "none", i.fingerprint, sk_X509_num(p->chain),
		      p->csr ? "kept (EDIT, then VIEW)" : "none");
	print_pem(p->cert, out);
	for (int n = 0; n < sk_X509_num(p->chain); n++)
		print_pem(sk_X509_value(p->chain, n), out);
}

void cert_csr_pem(const struct cert_profile *p, struct strbuf *out)
{
	BIO *bio;
	char *s;

	if (!p->csr || !(bio = BIO_new(BIO_s_mem())))
		return;
	if (PEM_write_bio_X509_REQ(bio, p->csr) && (s = cert_bio_string(bio))) {
		strbuf_puts(out, s);
		free(s);
	}
	BIO_free(bio);
}

void cert_list_pem(STACK_OF(X509) * list, struct strbuf *out)
{
	for (int i = 0; i < sk_X509_num(list); i++)
		print_pem(sk_X509_value(list, i), out);
}

int cert_bundle_subjects(const char *path, struct strbuf *out, int *count, struct err *e)
{
	BIO *bio = BIO_new_file(path, "r");
	X509 *x;

	*count = 0;
	if (!bio) {
		ERR_clear_error();
		return err_set(e, "The system certificate bundle %.200s cannot be read.", path);
	}
	while ((x = PEM_read_bio_X509(bio, NULL, cert_no_passphrase, NULL)) != NULL) {
		char subject[256];
		one_line_name(X509_get_subject_name(x), subject, sizeof(subject));
		strbuf_printf(out, "%s\n", subject);
		X509_free(x);
		(*count)++;
	}
	ERR_clear_error();
	BIO_free(bio);
	return 0;
}
