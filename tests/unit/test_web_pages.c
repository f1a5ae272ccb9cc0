/* test_web_pages: the WebUI's Certificates and Destination Controls pieces
 * that need no daemon — reading a destination form (core/web_dest.c: what a
 * domain leaves to the default, what the default entry must give, fields
 * the form does not show), the forms a guest does not get, and the signed
 * certificate logic the console and the WebUI share (tls/cert_signed.c). */
#include <openssl/pem.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../core/web_cert.h"
#include "../../core/web_dest.h"
#include "../../tls/cert_signed.h"
#include "tap.h"

static int apply(const char *body, bool is_default, struct dest_policy *p, char *field,
		 struct err *e)
{
	struct web_form f;
	int rc;

	if (web_form_parse_urlencoded(&f, body, strlen(body), e) < 0)
		return -2;
	rc = web_dest_apply(&f, is_default, p, field, 64, e);
	web_form_free(&f);
	return rc;
}

static void test_dest_form(void)
{
	struct dest_policy p, def;
	struct strbuf out;
	char field[64];
	struct err e;

	dest_policy_empty(&p);
	CHECK(apply("max_host_concurrency=7&tls=require_verify&recipient_limit=&bounce_validation=",
		    false, &p, field, &e) == 0 &&
		      p.set == (DEST_F_CONCURRENCY | DEST_F_TLS) && p.max_host_concurrency == 7 &&
		      p.tls == TLS_LEVEL_REQUIRED_VERIFY,
	      "a domain sets what it gives, empty fields stay with the default");
	p.set |= DEST_F_RECIPIENTS | DEST_F_IP_SORT;
	p.ip_sort = DEST_IP_PREFER_V6;
	CHECK(apply("max_host_concurrency=7&recipient_limit=", false, &p, field, &e) == 0 &&
		      !(p.set & DEST_F_RECIPIENTS) && !(p.set & DEST_F_TLS) &&
		      (p.set & DEST_F_IP_SORT) && p.ip_sort == DEST_IP_PREFER_V6,
	      "an edit clears the fields left empty and keeps those the form does not show");
	dest_policy_empty(&p);
	CHECK(apply("recipient_limit=5", false, &p, field, &e) == -1 &&
		      strcmp(field, "recipient_minutes") == 0,
	      "a recipient limit needs its minutes: %s", e.msg);
	CHECK(apply("recipient_limit=5&recipient_minutes=10", false, &p, field, &e) == 0 &&
		      p.recipient_limit == 5 && p.recipient_minutes == 10,
	      "a recipient limit with its minutes");
	CHECK(apply("max_host_concurrency=0", false, &p, field, &e) == -1 &&
		      strcmp(field, "max_host_concurrency") == 0 &&
		      strstr(e.msg, "must be a whole number from 1 to 1000"),
	      "out of range: the console's message on the field: %s", e.msg);
	CHECK(apply("tls=always", false, &p, field, &e) == -1 && strcmp(field, "tls") == 0,
	      "a TLS level that does not exist is refused");
	dest_policy_defaults(&def);
	p = def;
	CHECK(apply("max_host_concurrency=400&tls=on", true, &p, field, &e) == -1 &&
		      strcmp(field, "max_messages_per_connection") == 0,
	      "the default entry needs every field: %s", e.msg);
	p = def;
	CHECK(apply("max_host_concurrency=400&max_messages_per_connection=0&recipient_limit=0&"
		    "recipient_minutes=60&limit_type=MXIP&tls=on&dane=opportunistic&"
		    "bounce_validation=1&bounce_profile=Default",
		    true, &p, field, &e) == 0 &&
		      p.set == DEST_F_ALL && p.limit_type == DEST_LIMIT_MXIP &&
		      p.bounce_validation && p.tls == TLS_LEVEL_PREFERRED &&
		      p.dane == DANE_MODE_OPPORTUNISTIC,
	      "the default entry, every field given");
	dest_policy_empty(&p);
	CHECK(apply("dane=mandatory", false, &p, field, &e) == -1 && strcmp(field, "dane") == 0 &&
		      strstr(e.msg, "own TLS setting"),
	      "a domain's DANE without its own TLS level: refused on the dane field: %s", e.msg);
	dest_policy_empty(&p);
	CHECK(apply("tls=require&dane=mandatory", false, &p, field, &e) == 0 &&
		      (p.set & DEST_F_DANE) && p.dane == DANE_MODE_MANDATORY,
	      "a domain's DANE Mandatory with TLS Required");

	strbuf_init(&out);
	dest_policy_empty(&p);
	web_dest_form("a.example", &p, &def, "tok", &out);
	CHECK(strstr(out.data, "<option value=\"\" selected>Default (No)</option>") &&
		      strstr(out.data, "placeholder=\"Default: 500\""),
	      "a domain's form offers the default's values");
	strbuf_reset(&out);
	web_dest_form(DEST_DEFAULT_NAME, &def, &def, "tok", &out);
	CHECK(!strstr(out.data, "Default (") &&
		      strstr(out.data, "<option value=\"off\" selected>No</option>") &&
		      strstr(out.data, "name=\"domain\" id=\"domain\" value=\"DEFAULT\""),
	      "the default entry's form has no Default choice");
	strbuf_free(&out);
}

static void test_cert_view(void)
{
	struct web_cert_row rows[1] = { { .name = "Demo", .common_name = "x", .status = "Valid" } };
	struct config c;
	struct web_cert_view v = { rows, 1, &c, "tok", false, false };
	struct strbuf out;

	config_defaults(&c);
	strbuf_init(&out);
	web_cert_html(&v, &out);
	CHECK(strstr(out.data, "id=\"cert-Demo\"") && !strstr(out.data, "<form"),
	      "a guest sees the list and no form");
	strbuf_reset(&out);
	v.can_edit = true;
	web_cert_html(&v, &out);
	CHECK(strstr(out.data, "id=\"import-form\"") && !strstr(out.data, "id=\"export-form\""),
	      "an operator gets the forms but Export (admins only, as EXPORT)");
	strbuf_reset(&out);
	web_cert_confirm("a\"<b>", "tok", &out);
	CHECK(!strstr(out.data, "a\"<b>") && strstr(out.data, "a&quot;&lt;b&gt;"),
	      "the overwrite question escapes the name");
	strbuf_free(&out);
}

static char *pem_of(X509 *x)
{
	BIO *b = BIO_new(BIO_s_mem());
	char *data, *copy;
	long n;

	PEM_write_bio_X509(b, x);
	n = BIO_get_mem_data(b, &data);
	copy = strndup(data, (size_t)n);
	BIO_free(b);
	return copy;
}

static void test_signed(void)
{
	struct cert_request q = { .ecdsa = 1, .ec_curve = NID_X9_62_prime256v1, .days = 30 };
	struct cert_profile a, b;
	X509 *before;
	char *pem;
	struct err e;

	snprintf(q.cn, sizeof(q.cn), "a.test");
	q.keep_csr = 1;
	if (cert_profile_new(&q, &a, &e) < 0 || cert_profile_new(&q, &b, &e) < 0) {
		CHECK(0, "cert_profile_new: %s", e.msg);
		return;
	}
	before = a.cert;
	pem = pem_of(b.cert);
	CHECK(cert_profile_put_signed_pem(&a, pem, &e) < 0 &&
		      strcmp(e.msg, "key does not sign certificate") == 0 && a.cert == before,
	      "a certificate for another key: refused, the profile unchanged");
	free(pem);
	CHECK(cert_profile_put_signed_pem(&a, "not a certificate", &e) < 0 && a.cert == before,
	      "not PEM: refused (%s)", e.msg);
	pem = pem_of(a.cert);
	CHECK(cert_profile_put_signed_pem(&a, pem, &e) == 0 && a.csr != NULL &&
		      sk_X509_num(a.chain) == 0,
	      "its own key's certificate: put in, the CSR kept");
	free(pem);
	cert_profile_free(&a);
	cert_profile_free(&b);
}

int main(void)
{
	test_dest_form();
	test_cert_view();
	test_signed();
	return tap_done();
}
