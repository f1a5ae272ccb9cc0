/* fuzz_selection: sel_parse (n_items 1..32 from the first byte) and
 * methods_parse_menu_answer, checked against a token-level model of the
 * menu-selection grammar written here; any disagreement aborts. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../../core/selection.h"
#include "../../core/tls_methods.h"
#include "fuzz_check.h"

#define TEXT_MAX   4096
#define SENTINEL   0xA5A5A5A5u
#define NUMBER_CAP 1000000L /* any number above SEL_MAX_ITEMS is as good as another */

static const char *const invalid_opening = "That value is not valid.";
static const char *const empty_opening = "You must enter a value";
static const char *const sequence_opening = "TLS protocols can be enabled only in sequence.";

enum token_kind { TOKEN_NUMBER, TOKEN_COMMA, TOKEN_DASH, TOKEN_END, TOKEN_JUNK };

struct token {
	enum token_kind kind;
	long value;
};

enum model_result { MODEL_VALID, MODEL_EMPTY, MODEL_INVALID };

static int starts_with(const char *s, const char *prefix)
{
	return strncmp(s, prefix, strlen(prefix)) == 0;
}

/* A message is NUL-terminated inside the struct, non-empty, and opens as expected. */
static void check_message(const struct err *e, const char *opening)
{
	check(memchr(e->msg, '\0', sizeof(e->msg)) != NULL);
	check(e->msg[0] != '\0');
	check(starts_with(e->msg, opening));
}

static void next_token(const char **p, struct token *t)
{
	char ch;

	while (**p == ' ' || **p == '\t')
		(*p)++;
	ch = **p;
	if (ch == '\0') {
		t->kind = TOKEN_END;
		return;
	}
	if (ch >= '0' && ch <= '9') {
		long v = 0;
		while (**p >= '0' && **p <= '9') {
			v = v * 10 + (**p - '0');
			if (v > NUMBER_CAP)
				v = NUMBER_CAP;
			(*p)++;
		}
		t->kind = TOKEN_NUMBER;
		t->value = v;
		return;
	}
	(*p)++;
	t->kind = ch == ',' ? TOKEN_COMMA : ch == '-' ? TOKEN_DASH : TOKEN_JUNK;
}

static int number_in_range(const struct token *t, int n)
{
	return t->kind == TOKEN_NUMBER && t->value >= 1 && t->value <= n;
}

/* answer := item ("," item)* END     item := NUMBER | NUMBER "-" NUMBER */
static enum model_result model_parse(const char *text, int n, unsigned *mask)
{
	const char *p = text;
	struct token t;
	unsigned out = 0;

	next_token(&p, &t);
	if (t.kind == TOKEN_END)
		return MODEL_EMPTY;
	for (;;) {
		long a, b;

		if (!number_in_range(&t, n))
			return MODEL_INVALID;
		a = b = t.value;
		next_token(&p, &t);
		if (t.kind == TOKEN_DASH) {
			next_token(&p, &t);
			if (!number_in_range(&t, n))
				return MODEL_INVALID;
			b = t.value;
			next_token(&p, &t);
		}
		for (long k = a < b ? a : b; k <= (a < b ? b : a); k++)
			out |= 1u << (k - 1);
		if (t.kind == TOKEN_END)
			break;
		if (t.kind != TOKEN_COMMA)
			return MODEL_INVALID;
		next_token(&p, &t);
	}
	*mask = out;
	return MODEL_VALID;
}

static void check_selection(const char *text, int n)
{
	unsigned mask = SENTINEL, expected = 0;
	enum model_result model = model_parse(text, n, &expected);
	struct err e;
	int rc;

	memset(&e, 0x55, sizeof(e));
	rc = sel_parse(text, n, &mask, &e);
	if (model == MODEL_VALID) {
		check(rc == 0);
		check(mask == expected);
		check(mask != 0);
		check(n == 32 || (mask >> n) == 0);
	} else {
		check(rc == -1);
		check(mask == SENTINEL);
		check_message(&e, model == MODEL_EMPTY ? empty_opening : invalid_opening);
	}
}

/* Item counts outside 1..SEL_MAX_ITEMS are refused whatever the text. */
static void check_bad_count(const char *text, int n)
{
	unsigned mask = SENTINEL;
	struct err e;

	memset(&e, 0x55, sizeof(e));
	check(sel_parse(text, n, &mask, &e) == -1);
	check(mask == SENTINEL);
	check_message(&e, invalid_opening);
}

static int contiguous(tls_method_set set)
{
	int lo = -1, hi = -1;

	for (int v = 0; v < 4; v++) {
		if (set & (1u << v)) {
			if (lo < 0)
				lo = v;
			hi = v;
		}
	}
	if (lo < 0)
		return 0;
	for (int v = lo; v <= hi; v++)
		if (!(set & (1u << v)))
			return 0;
	return 1;
}

/* Menu item k (1 = TLS v1.3 ... 4 = TLS v1.0) is version bit 4 - k. */
static void check_methods_answer(const char *text)
{
	unsigned items = 0;
	enum model_result model = model_parse(text, 4, &items);
	tls_method_set set = SENTINEL, expected = 0;
	struct err e;
	int rc;

	for (int k = 1; k <= 4; k++)
		if (items & (1u << (k - 1)))
			expected |= 1u << (4 - k);
	memset(&e, 0x55, sizeof(e));
	rc = methods_parse_menu_answer(text, &set, &e);
	if (model == MODEL_VALID && contiguous(expected)) {
		check(rc == 0);
		check(set == expected);
		check(methods_is_contiguous(set));
		return;
	}
	check(rc == -1);
	check(set == SENTINEL);
	if (model == MODEL_VALID)
		check_message(&e, sequence_opening);
	else
		check_message(&e, model == MODEL_EMPTY ? empty_opening : invalid_opening);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	size_t len;
	char *text;
	int n;

	if (size == 0)
		return 0;
	n = 1 + data[0] % SEL_MAX_ITEMS;
	len = size - 1 < TEXT_MAX ? size - 1 : TEXT_MAX;
	/* Exactly sized, so reading past the terminating NUL is caught. */
	text = malloc(len + 1);
	check(text != NULL);
	memcpy(text, data + 1, len);
	text[len] = '\0';

	check_selection(text, n);
	check_methods_answer(text);
	check_bad_count(text, 0);
	check_bad_count(text, SEL_MAX_ITEMS + 1);
	check_bad_count(text, -n);
	free(text);
	return 0;
}
