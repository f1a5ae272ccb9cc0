/* test_selection: sel_parse and methods_parse_menu_answer over every answer of
 * one to four items, every range, mixes, blanks, duplicates, junk and overflow.
 * Expected masks and the contiguity of each set are computed here, never by
 * the functions under test. */
#include <stdio.h>
#include <string.h>

#include "../../core/selection.h"
#include "../../core/tls_methods.h"
#include "tap.h"

#define SENTINEL 0xA5A5A5A5u

static const char *const invalid_opening = "That value is not valid.";
static const char *const sequence_opening = "TLS protocols can be enabled only in sequence.";

static int starts_with(const char *s, const char *prefix)
{
	return strncmp(s, prefix, strlen(prefix)) == 0;
}

/* Menu item k (1 = TLS v1.3 ... 4 = TLS v1.0) is TLS version 4 - k; the
 * version enum counts up from v1.0 = 0, so item k is bit (4 - k). */
static tls_method_set expected_methods(unsigned item_mask)
{
	tls_method_set set = 0;

	for (int k = 1; k <= 4; k++)
		if (item_mask & (1u << (k - 1)))
			set |= 1u << (4 - k);
	return set;
}

/* A set of menu items is "in sequence" when no item between the lowest and
 * the highest chosen one is missing. */
static int expected_contiguous(unsigned item_mask)
{
	int lo = 0, hi = 0;

	if (item_mask == 0)
		return 0;
	for (int k = 1; k <= 32; k++)
		if (item_mask & (1u << (k - 1))) {
			if (!lo)
				lo = k;
			hi = k;
		}
	for (int k = lo; k <= hi; k++)
		if (!(item_mask & (1u << (k - 1))))
			return 0;
	return 1;
}

/* Checks one answer that must be accepted with items `want` (n = 4), through
 * both parsers. */
static void accept4(const char *answer, unsigned want)
{
	unsigned mask = SENTINEL;
	tls_method_set set = SENTINEL;
	struct err e = { "" };
	int rc;

	rc = sel_parse(answer, 4, &mask, &e);
	CHECK(rc == 0 && mask == want, "sel_parse(\"%s\") = 0x%x (want 0x%x, rc %d%s%s)", answer,
	      mask, want, rc, rc ? ": " : "", rc ? e.msg : "");

	e.msg[0] = '\0';
	rc = methods_parse_menu_answer(answer, &set, &e);
	if (expected_contiguous(want)) {
		CHECK(rc == 0 && set == expected_methods(want),
		      "methods_parse_menu_answer(\"%s\") = 0x%x (want 0x%x, rc %d %s)", answer, set,
		      expected_methods(want), rc, e.msg);
	} else {
		CHECK(rc == -1 && starts_with(e.msg, sequence_opening) && set == SENTINEL,
		      "methods_parse_menu_answer(\"%s\") refused as not in sequence: rc %d, \"%s\"",
		      answer, rc, e.msg);
	}
}

/* An answer both parsers must refuse with `opening`, leaving outputs alone. */
static void refuse4(const char *answer, const char *opening)
{
	unsigned mask = SENTINEL;
	tls_method_set set = SENTINEL;
	struct err e = { "" };
	int rc;

	rc = sel_parse(answer, 4, &mask, &e);
	CHECK(rc == -1 && mask == SENTINEL && starts_with(e.msg, opening),
	      "sel_parse refuses \"%s\" with \"%s...\": rc %d, \"%s\"", answer, opening, rc, e.msg);
	e.msg[0] = '\0';
	rc = methods_parse_menu_answer(answer, &set, &e);
	CHECK(rc == -1 && set == SENTINEL && starts_with(e.msg, opening),
	      "methods_parse_menu_answer refuses \"%s\" with \"%s...\": rc %d, \"%s\"", answer,
	      opening, rc, e.msg);
}

/* Every ordering of the items of `items[0..n)`, written with `sep` between
 * them. */
static int permutations_checked;

static void permute(int *items, int n, int k, const char *sep, unsigned want)
{
	if (k == n) {
		char answer[64] = "";
		for (int i = 0; i < n; i++)
			snprintf(answer + strlen(answer), sizeof(answer) - strlen(answer), "%s%d",
				 i ? sep : "", items[i]);
		accept4(answer, want);
		permutations_checked++;
		return;
	}
	for (int i = k; i < n; i++) {
		int t = items[k];
		items[k] = items[i];
		items[i] = t;
		permute(items, n, k + 1, sep, want);
		items[i] = items[k];
		items[k] = t;
	}
}

static void every_subset_in_every_order(void)
{
	static const char *const seps[] = { ",", " , ", ", " };

	for (size_t s = 0; s < sizeof(seps) / sizeof(seps[0]); s++) {
		permutations_checked = 0;
		for (unsigned subset = 1; subset < 16; subset++) {
			int items[4], n = 0;
			for (int k = 1; k <= 4; k++)
				if (subset & (1u << (k - 1)))
					items[n++] = k;
			permute(items, n, 0, seps[s], subset);
		}
		/* 4 singles + 12 ordered pairs + 24 + 24 */
		CHECK(permutations_checked == 64, "all 64 ordered comma lists checked with \"%s\"",
		      seps[s]);
	}
}

static unsigned range_mask(int a, int b)
{
	unsigned m = 0;
	int lo = a < b ? a : b, hi = a < b ? b : a;

	for (int k = lo; k <= hi; k++)
		m |= 1u << (k - 1);
	return m;
}

static void every_range(void)
{
	char answer[64];

	for (int a = 1; a <= 4; a++)
		for (int b = 1; b <= 4; b++) {
			snprintf(answer, sizeof(answer), "%d-%d", a, b);
			accept4(answer, range_mask(a, b));
			snprintf(answer, sizeof(answer), " %d - %d ", a, b);
			accept4(answer, range_mask(a, b));
		}
	/* every pair of ranges joined by a comma: the union */
	for (int a = 1; a <= 4; a++)
		for (int b = 1; b <= 4; b++)
			for (int c = 1; c <= 4; c++)
				for (int d = 1; d <= 4; d++) {
					snprintf(answer, sizeof(answer), "%d-%d,%d-%d", a, b, c, d);
					accept4(answer, range_mask(a, b) | range_mask(c, d));
				}
}

static void mixes_blanks_duplicates(void)
{
	static const struct {
		const char *answer;
		unsigned items;
	} cases[] = {
		{ "1-2,3", 0x7 },   { "3,1-2", 0x7 },     { "1-2,4", 0xb },   { "4,1-2", 0xb },
		{ "2-3,1", 0x7 },   { "1,3-4", 0xd },     { "1,2-3,4", 0xf }, { "4-3,2-1", 0xf },
		{ " 1 - 3 ", 0x7 }, { "1 , 2", 0x3 },     { "\t2\t", 0x2 },   { "  2", 0x2 },
		{ "2  ", 0x2 },     { " 1-2 , 3 ", 0x7 }, { "1,1,2", 0x3 },   { "2,2", 0x2 },
		{ "1-3,2", 0x7 },   { "3,3,3,3", 0x4 },   { "1-4,1-4", 0xf }, { "2-2", 0x2 },
		{ "4-4,3-3", 0xc }, { "3-1", 0x7 },       { "4-1", 0xf },     { "4-2", 0xe },
		{ "1,3", 0x5 },     { "1,4", 0x9 },       { "2,4", 0xa },     { "1,2,4", 0xb },
		{ "1,3,4", 0xd },   { "4,1", 0x9 },       { "1-2,4-4", 0xb }, { "2,3,4", 0xe },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		accept4(cases[i].answer, cases[i].items);
}

static void junk_and_overflow(void)
{
	static const char *const junk[] = {
		"a",   "1x",   "1-",   "-1",  "1,,2",  ",1",  "1,",      "1--3",     "+1",  "0",
		"5",   "1-5",  "0x1",  "1 2", "1-2-3", "1;2", "1.0",     "-",        ",",   "0-4",
		"5-1", "1,5",  "1-2,", " , ", "x1",    "1e1", "one",     "1-a",      "1/2", "2-",
		"--1", "1-,2", "3,-1", "1 -", "99",    "10",  "1,2,3,0", "\xd9\xa1",
	};
	static const char *const overflow[] = {
		"4294967297",
		"4294967296",
		"99999999999999999999",
		"18446744073709551617",
		"1-99999999999999999999",
		"99999999999999999999-1",
		"00000000000000000000000000005",
	};
	static const char *const empty[] = { "", " ", "    ", "\t", " \t " };

	for (size_t i = 0; i < sizeof(junk) / sizeof(junk[0]); i++)
		refuse4(junk[i], invalid_opening);
	for (size_t i = 0; i < sizeof(overflow) / sizeof(overflow[0]); i++)
		refuse4(overflow[i], invalid_opening);
	for (size_t i = 0; i < sizeof(empty) / sizeof(empty[0]); i++)
		refuse4(empty[i], "You must enter");
}

/* The exact message of the contiguity rule and of an out-of-range number. */
static void exact_messages(void)
{
	struct err e = { "" };
	tls_method_set set;

	methods_parse_menu_answer("1,3", &set, &e);
	CHECK(strcmp(e.msg, "TLS protocols can be enabled only in sequence. Choose a contiguous "
			    "range, such as 1-3.") == 0,
	      "the \"1,3\" message is the spec's wording: \"%s\"", e.msg);
	e.msg[0] = '\0';
	methods_parse_menu_answer("5", &set, &e);
	CHECK(starts_with(e.msg, "That value is not valid.") && strstr(e.msg, "1 to 4"),
	      "the \"5\" message names the range 1 to 4: \"%s\"", e.msg);
}

/* Lists of other lengths: the bounds move with n_items. */
static void other_list_lengths(void)
{
	unsigned mask;
	struct err e;
	int rc;

	mask = SENTINEL;
	rc = sel_parse("1", 1, &mask, &e);
	CHECK(rc == 0 && mask == 1, "n=1: \"1\" is item 1");
	mask = SENTINEL;
	rc = sel_parse("2", 1, &mask, &e);
	CHECK(rc == -1 && mask == SENTINEL && starts_with(e.msg, invalid_opening),
	      "n=1: \"2\" refused: \"%s\"", e.msg);
	mask = SENTINEL;
	rc = sel_parse("1-32", 32, &mask, &e);
	CHECK(rc == 0 && mask == 0xffffffffu, "n=32: \"1-32\" is every item (0x%x)", mask);
	mask = SENTINEL;
	rc = sel_parse("32", 32, &mask, &e);
	CHECK(rc == 0 && mask == 0x80000000u, "n=32: \"32\" is the top bit (0x%x)", mask);
	mask = SENTINEL;
	rc = sel_parse("33", 32, &mask, &e);
	CHECK(rc == -1 && mask == SENTINEL, "n=32: \"33\" refused");
	mask = SENTINEL;
	rc = sel_parse("7,5,6", 7, &mask, &e);
	CHECK(rc == 0 && mask == 0x70, "n=7: \"7,5,6\" = 0x70 (0x%x)", mask);
	for (int n = 1; n <= SEL_MAX_ITEMS; n++) {
		char answer[16];
		snprintf(answer, sizeof(answer), "%d", n + 1);
		mask = SENTINEL;
		rc = sel_parse(answer, n, &mask, &e);
		if (rc != -1 || mask != SENTINEL)
			break;
		snprintf(answer, sizeof(answer), "1-%d", n);
		rc = sel_parse(answer, n, &mask, &e);
		if (rc != 0 || mask != (n == 32 ? 0xffffffffu : (1u << n) - 1)) {
			rc = -2;
			break;
		}
		if (n == SEL_MAX_ITEMS)
			rc = 1;
	}
	CHECK(rc == 1, "for every n in 1..%d, \"1-n\" is all items and \"n+1\" is refused",
	      SEL_MAX_ITEMS);
	mask = SENTINEL;
	CHECK(sel_parse("1", 0, &mask, &e) == -1 && mask == SENTINEL, "n=0 is refused");
	CHECK(sel_parse("1", SEL_MAX_ITEMS + 1, &mask, &e) == -1 && mask == SENTINEL,
	      "n=%d is refused", SEL_MAX_ITEMS + 1);
}

/* The independent helpers themselves, on the spec's examples. */
static void oracle_self_check(void)
{
	CHECK(expected_contiguous(0x7) && !expected_contiguous(0x5) && !expected_contiguous(0x9) &&
		      !expected_contiguous(0xa) && !expected_contiguous(0xb) &&
		      expected_contiguous(0x6) && !expected_contiguous(0),
	      "the test's own contiguity oracle agrees with the spec's examples");
	CHECK(expected_methods(0x7) == ((1u << TLS_V1_1) | (1u << TLS_V1_2) | (1u << TLS_V1_3)),
	      "the test's own mapping: items 1-3 are TLS v1.1 to v1.3");
}

int main(void)
{
	oracle_self_check();
	every_subset_in_every_order();
	every_range();
	mixes_blanks_duplicates();
	junk_and_overflow();
	exact_messages();
	other_list_lengths();
	return tap_done();
}
