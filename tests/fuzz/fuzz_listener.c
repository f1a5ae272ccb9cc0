/* fuzz_listener: listener_decode (the entry "listener.NAME", with its
 * LIMITS) and listener_setup_decode (listenerconfig SETUP's entry) on
 * arbitrary bytes. Refused: a message. Accepted: every field within its
 * range, the address valid or empty; encode(decode(x)) decodes to the same
 * fields and encodes to the same bytes. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../../core/listener.h"
#include "fuzz_check.h"

static void listener_round_trip(const char *text)
{
	struct listener l, again;
	struct strbuf a, b;
	struct err e;

	if (listener_decode("Fuzz", text, &l, &e) < 0) {
		check(e.msg[0] != '\0');
		return;
	}
	check(strcmp(l.name, "Fuzz") == 0);
	check(l.type == LISTENER_PUBLIC || l.type == LISTENER_PRIVATE);
	check(l.max_connections >= 0 && l.max_connections <= LISTENER_CONNECTIONS_MAX);
	check(l.max_message_size >= 0 && l.max_message_size <= LISTENER_SIZE_MAX);
	check(!l.address[0] || listener_check_address(l.address, &e) == 0);
	strbuf_init(&a);
	strbuf_init(&b);
	listener_encode(&l, &a);
	check(listener_decode("Fuzz", a.data, &again, &e) == 0);
	check(memcmp(&l, &again, sizeof(l)) == 0);
	listener_encode(&again, &b);
	check(a.len == b.len && memcmp(a.data, b.data, a.len) == 0);
	strbuf_free(&a);
	strbuf_free(&b);
}

static void setup_round_trip(const char *text)
{
	struct listener_setup s, again;
	struct strbuf a;
	struct err e;

	if (listener_setup_decode(text, &s, &e) < 0) {
		check(e.msg[0] != '\0');
		return;
	}
	check(s.max_connections >= 0 && s.max_connections <= LISTENER_CONNECTIONS_MAX);
	check(s.handshake_timeout >= 0 && s.handshake_timeout <= LISTENER_TIMEOUT_MAX);
	check(s.max_connection_time >= 0 && s.max_connection_time <= 24 * LISTENER_TIMEOUT_MAX);
	strbuf_init(&a);
	listener_setup_encode(&s, &a);
	check(listener_setup_decode(a.data, &again, &e) == 0);
	check(memcmp(&s, &again, sizeof(s)) == 0);
	strbuf_free(&a);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *text;

	if (size > 16384)
		return 0;
	text = malloc(size + 1);
	check(text != NULL);
	memcpy(text, data, size);
	text[size] = '\0';
	listener_round_trip(text);
	setup_round_trip(text);
	free(text);
	return 0;
}
