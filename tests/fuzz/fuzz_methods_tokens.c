/* fuzz_methods_tokens: methods_parse_tokens against a model (one or more
 * distinct 7-character version tokens), its round-trip through
 * methods_render_tokens (also into too-small buffers) and the menu default. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../../core/tls_methods.h"
#include "fuzz_check.h"

#define TEXT_MAX  4096
#define TOKEN_LEN 7
#define SENTINEL  0xA5A5A5A5u

static const char *const tokens[4] = { "tlsv1_0", "tlsv1_1", "tlsv1_2", "tlsv1_3" };

static void check_message(const struct err *e)
{
	check(memchr(e->msg, '\0', sizeof(e->msg)) != NULL);
	check(e->msg[0] != '\0');
}

/* The tokens are all TOKEN_LEN long and none is a prefix of another, so the
 * text is valid exactly when it cuts into TOKEN_LEN-sized known tokens. */
static int model_parse(const char *text, tls_method_set *set)
{
	size_t len = strlen(text);
	tls_method_set out = 0;

	if (len == 0 || len % TOKEN_LEN != 0)
		return -1;
	for (size_t at = 0; at < len; at += TOKEN_LEN) {
		int found = -1;
		for (int v = 0; v < 4; v++)
			if (memcmp(text + at, tokens[v], TOKEN_LEN) == 0)
				found = v;
		if (found < 0 || (out & (1u << found)))
			return -1;
		out |= 1u << found;
	}
	*set = out;
	return 0;
}

static void model_render(tls_method_set set, char *buf)
{
	buf[0] = '\0';
	for (int v = 0; v < 4; v++)
		if (set & (1u << v))
			strcat(buf, tokens[v]);
}

/* Every buffer size from 0 to one past the full rendering, each allocated to
 * the exact size so an overflow is caught: always a NUL-terminated prefix. */
static void check_render_sizes(tls_method_set set, const char *full)
{
	size_t full_len = strlen(full);

	for (size_t len = 0; len <= full_len + 1; len++) {
		char *buf = malloc(len ? len : 1);
		check(buf != NULL);
		buf[0] = 'X';
		methods_render_tokens(set, buf, len);
		if (len == 0) {
			check(buf[0] == 'X');
		} else {
			check(memchr(buf, '\0', len) != NULL);
			check(strncmp(buf, full, strlen(buf)) == 0);
			if (len > full_len)
				check(strcmp(buf, full) == 0);
		}
		free(buf);
	}
}

/* The menu default of a contiguous set, answered back, is the same set. */
static void check_menu_default(tls_method_set set)
{
	char answer[16];
	tls_method_set back = SENTINEL;
	struct err e;

	methods_render_menu_default(set, answer, sizeof(answer));
	if (!methods_is_contiguous(set))
		return;
	check(methods_parse_menu_answer(answer, &back, &e) == 0);
	check(back == set);
}

static void check_set(tls_method_set set)
{
	char full[64], expected[64];
	tls_method_set back = SENTINEL;
	struct err e;

	methods_render_tokens(set, full, sizeof(full));
	model_render(set, expected);
	check(strcmp(full, expected) == 0);
	check(methods_parse_tokens(full, &back, &e) == 0);
	check(back == set);
	check_render_sizes(set, full);
	check_menu_default(set);
}

/* The set queries on any unsigned value, including bits above TLS v1.3. */
static void check_queries(unsigned raw)
{
	int lo = -1, hi = -1, run = 1;

	for (int v = 0; v < 4; v++) {
		if (raw & (1u << v)) {
			if (lo < 0)
				lo = v;
			else if (!(raw & (1u << (v - 1))))
				run = 0;
			hi = v;
		}
	}
	check(methods_lowest(raw) == lo);
	check(methods_highest(raw) == hi);
	check(methods_is_contiguous(raw) == (lo >= 0 && run && (raw & ~TLS_METHODS_ALL) == 0));
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	for (int v = 0; v < 4; v++)
		check(strcmp(tls_version_token((enum tls_version)v), tokens[v]) == 0);
	for (tls_method_set set = 1; set <= TLS_METHODS_ALL; set++)
		check_set(set);
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	size_t len = size < TEXT_MAX ? size : TEXT_MAX;
	tls_method_set set = SENTINEL, expected = 0;
	struct err e;
	char *text;
	int rc;

	text = malloc(len + 1);
	check(text != NULL);
	memcpy(text, data, len);
	text[len] = '\0';

	memset(&e, 0x55, sizeof(e));
	rc = methods_parse_tokens(text, &set, &e);
	if (model_parse(text, &expected) == 0) {
		check(rc == 0);
		check(set == expected);
		check(set != 0 && (set & ~TLS_METHODS_ALL) == 0);
		check_set(set);
		/* A valid text is a permutation of the canonical rendering. */
		char full[64];
		methods_render_tokens(set, full, sizeof(full));
		check(strlen(full) == strlen(text));
	} else {
		check(rc == -1);
		check(set == SENTINEL);
		check_message(&e);
	}
	if (size >= sizeof(unsigned)) {
		unsigned raw;
		memcpy(&raw, data, sizeof(raw));
		check_queries(raw);
	}
	free(text);
	return 0;
}
