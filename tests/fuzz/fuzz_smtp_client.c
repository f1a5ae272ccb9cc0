/* fuzz_smtp_client: the outbound SMTP client machine against arbitrary
 * server replies. Byte 0 picks the TLS level (% 5), byte 1 the handshake
 * outcome (bit 0 ok, bit 1 verified) and bit 2 the clear retry; the rest is
 * reply lines split at '\n'. The engine's side is played as delivery plays it.
 * - Commands are one line of printable ASCII ending in CRLF.
 * - No STARTTLS at level No or on the clear retry; never twice.
 * - A Required level reaches READY only over TLS; Required (Verify) only
 *   with a verified certificate.
 * - Nothing happens after CLOSE; the kept reply text is printable. */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "../../core/smtp_client.h"
#include "fuzz_check.h"

static void check_command(const struct strbuf *out)
{
	check(out->len >= 2 && out->data[out->len - 2] == '\r' && out->data[out->len - 1] == '\n');
	for (size_t i = 0; i + 2 < out->len; i++)
		check(out->data[i] >= 0x20 && out->data[i] < 0x7f);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *rcpt[] = { "a@example.net", "b@example.net" };
	int codes[2];
	struct smtp_client c;
	enum tls_level level;
	bool tls_ok, verified, no_tls, refused, closed = false;
	int starttls = 0, messages = 0, was_refused = 0;
	size_t pos = 2;

	if (size < 2)
		return 0;
	level = (enum tls_level)(data[0] % TLS_LEVEL_COUNT);
	tls_ok = data[1] & 1;
	verified = data[1] & 2;
	no_tls = data[1] & 4;
	refused = data[1] & 8; /* the certificate refused after the handshake */
	smtpc_init(&c, "client.example", level, no_tls);
	while (pos < size && !closed) {
		const uint8_t *nl = memchr(data + pos, '\n', size - pos);
		size_t n = nl ? (size_t)(nl - (data + pos)) : size - pos;
		enum smtpc_action a = smtpc_line(&c, (const char *)data + pos, n);
		pos += n + 1;
		for (int steps = 0; steps < 8 && !closed; steps++) {
			check(memchr(c.text, '\0', sizeof(c.text)) != NULL);
			for (const char *p = c.text; *p; p++)
				check(*p >= 0x20 && *p < 0x7f);
			if (a == SC_ACT_NONE)
				break;
			if (a == SC_ACT_SEND) {
				check_command(&c.out);
				break;
			}
			if (a == SC_ACT_CLOSE) {
				closed = true;
				break;
			}
			if (a == SC_ACT_STARTTLS) {
				check(level != TLS_LEVEL_NO && !no_tls);
				check(++starttls == 1 && !c.tls_active);
				if (tls_ok && refused) {
					/* Refused: QUIT, and never a message after it. */
					a = smtpc_tls_refused(&c);
					was_refused = 1;
					check(a == SC_ACT_SEND && c.fail != SC_FAIL_NONE &&
					      c.fail != SC_FAIL_TLS_CLEAR);
					continue;
				}
				a = smtpc_tls_done(&c, tls_ok, verified);
				continue;
			}
			if (a == SC_ACT_READY) {
				check(!was_refused);
				if (tls_level_requires(level) && !no_tls)
					check(c.tls_active);
				if (level == TLS_LEVEL_REQUIRED_VERIFY && !no_tls)
					check(c.verified);
				a = messages++ < 2 ? smtpc_mail(&c, "s@example.com", rcpt, 2, codes)
						   : smtpc_quit(&c);
				continue;
			}
			if (a == SC_ACT_SEND_BODY) {
				smtpc_body_sent(&c);
				break;
			}
			if (a == SC_ACT_MESSAGE_DONE) {
				for (int i = 0; i < 2; i++)
					check(codes[i] == 0 || (codes[i] >= 200 && codes[i] <= 599));
				a = smtpc_quit(&c);
				continue;
			}
		}
	}
	if (!closed)
		smtpc_lost(&c);
	smtpc_free(&c);
	return 0;
}
