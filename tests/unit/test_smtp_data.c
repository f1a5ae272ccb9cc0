/* test_smtp_data: SMTP smuggling (issue 12 item 3) in the pure parts.
 * Inbound, a bare CR, a bare LF or a NUL inside DATA refuses the message
 * (554 5.5.2 and the session closed; 554 5.6.0); outbound, the wire form of
 * a message never carries a bare CR, a bare LF or a NUL. */
#include <string.h>

#include "../../core/smtp_client.h"
#include "../../core/smtp_proto.h"
#include "tap.h"

static void collect(void *arg, const char *p, size_t n)
{
	strbuf_add(arg, p, n);
}

static int wire_is(const char *body, size_t len, const char *want)
{
	struct strbuf out;
	int same;

	strbuf_init(&out);
	smtpc_body_wire(body, len, collect, &out);
	same = out.len == strlen(want) && memcmp(out.data, want, out.len) == 0;
	strbuf_free(&out);
	return same;
}

static void test_wire(void)
{
	CHECK(wire_is("a\r\nb\r\n", 6, "a\r\nb\r\n.\r\n"), "CRLF lines pass unchanged");
	CHECK(wire_is("", 0, ".\r\n"), "an empty body is just the dot");
	CHECK(wire_is(".x\r\n", 4, "..x\r\n.\r\n"), "a leading dot is stuffed");
	CHECK(wire_is("line1\r.\r\nMAIL FROM:<x>\r\n", 23, "line1\r\n..\r\nMAIL FROM:<x>\r\n.\r\n"),
	      "a bare CR becomes CRLF and the smuggled '.' line is stuffed");
	CHECK(wire_is("a\n.\nb", 5, "a\r\n..\r\nb\r\n.\r\n"),
	      "bare LFs become CRLF, no bare dot line");
	CHECK(wire_is("a\0b\r\n", 5, "ab\r\n.\r\n"), "NUL bytes are dropped");
	CHECK(wire_is("\0.\0\r\n", 5, "..\r\n.\r\n"),
	      "a '.' after dropped NULs is still stuffed (found by fuzz_body_wire)");
}

/* Feeds DATA lines (as the engine splits them, at CRLF only) and returns the
 * final reply and action. */
static enum smtp_action data(const char *const *lines, const size_t *lens, size_t n,
			     struct strbuf *reply, bool *acceptable)
{
	struct smtp_limits lim = { 1 << 20, 10, 20 };
	struct smtp_proto p;
	struct strbuf r;
	const char *content;
	size_t clen;
	enum smtp_action act;

	smtp_proto_init(&p, "mx.example", &lim);
	smtp_proto_set_policy(&p, &(struct smtp_policy){ .tls_offered = true, .relay = true });
	strbuf_init(&r);
	smtp_proto_command(&p, "EHLO c", 6, &r);
	smtp_proto_command(&p, "MAIL FROM:<a@example.com>", 25, &r);
	smtp_proto_command(&p, "RCPT TO:<b@example.net>", 23, &r);
	smtp_proto_command(&p, "DATA", 4, &r);
	smtp_proto_data_start(&p, SMTP_SPOOL_OK, &r);
	for (size_t i = 0; i < n; i++)
		smtp_proto_data_line(&p, lines[i], lens[i], &content, &clen);
	smtp_proto_data_line(&p, ".", 1, &content, &clen);
	*acceptable = smtp_proto_data_acceptable(&p);
	act = smtp_proto_data_end(&p, SMTP_SPOOL_OK, "ID", reply);
	strbuf_free(&r);
	smtp_proto_free(&p);
	return act;
}

static void test_inbound(void)
{
	const char *cr[] = { "line1\r.", "MAIL FROM:<evil@example.com>" };
	const size_t cr_len[] = { 7, 28 };
	const char *lf[] = { "a\n.\nb" };
	const size_t lf_len[] = { 5 };
	const char *nul[] = { "a\0b" };
	const size_t nul_len[] = { 3 };
	const char *fine[] = { "Subject: x", "", "body" };
	const size_t fine_len[] = { 10, 0, 4 };
	struct strbuf reply;
	bool acc;
	enum smtp_action act;

	strbuf_init(&reply);
	act = data(cr, cr_len, 2, &reply, &acc);
	CHECK(!acc && act == SMTP_ACT_CLOSE && strncmp(reply.data, "554 5.5.2 ", 10) == 0,
	      "a bare CR in DATA: not spooled, 554 5.5.2, session closed (%.60s)", reply.data);
	strbuf_free(&reply);
	strbuf_init(&reply);
	act = data(lf, lf_len, 1, &reply, &acc);
	CHECK(!acc && act == SMTP_ACT_CLOSE && strncmp(reply.data, "554 5.5.2 ", 10) == 0,
	      "a bare LF in DATA: not spooled, 554 5.5.2, session closed");
	strbuf_free(&reply);
	strbuf_init(&reply);
	act = data(nul, nul_len, 1, &reply, &acc);
	CHECK(!acc && act == SMTP_ACT_REPLY && strncmp(reply.data, "554 5.6.0 ", 10) == 0,
	      "a NUL in DATA: not spooled, 554 5.6.0 (%.60s)", reply.data);
	strbuf_free(&reply);
	strbuf_init(&reply);
	act = data(fine, fine_len, 3, &reply, &acc);
	CHECK(acc && act == SMTP_ACT_REPLY && strncmp(reply.data, "250 ", 4) == 0,
	      "a clean message is queued");
	strbuf_free(&reply);
}

int main(void)
{
	test_wire();
	test_inbound();
	return tap_done();
}
