/* test_methods: TLS version sets: overview tokens (render and parse), the
 * menu numbering and defaults, and the contiguity rule over all 16 sets.
 * Expectations are spelled out or computed here, not by the code under test. */
#include <stdio.h>
#include <string.h>

#include "../../core/tls_methods.h"
#include "tap.h"

#define SENTINEL 0xA5A5A5A5u

static const char *const tokens[4] = { "tlsv1_0", "tlsv1_1", "tlsv1_2", "tlsv1_3" };

/* The ten contiguous non-empty subsets of {v1.0, v1.1, v1.2, v1.3}, by hand. */
static const tls_method_set contiguous_sets[] = {
	0x1, 0x2, 0x4, 0x8, 0x3, 0x6, 0xc, 0x7, 0xe, 0xf
};

static int in_contiguous_list(tls_method_set set)
{
	for (size_t i = 0; i < sizeof(contiguous_sets) / sizeof(contiguous_sets[0]); i++)
		if (contiguous_sets[i] == set)
			return 1;
	return 0;
}

static void expected_tokens(tls_method_set set, char *buf, size_t len)
{
	buf[0] = '\0';
	for (int v = 0; v < 4; v++)
		if (set & (1u << v))
			snprintf(buf + strlen(buf), len - strlen(buf), "%s", tokens[v]);
}

static void labels_and_numbers(void)
{
	static const char *const labels[4] = { "TLS v1.0", "TLS v1.1", "TLS v1.2", "TLS v1.3" };

	for (int v = 0; v < 4; v++) {
		CHECK(strcmp(tls_version_label((enum tls_version)v), labels[v]) == 0,
		      "label of version %d is \"%s\"", v, labels[v]);
		CHECK(strcmp(tls_version_token((enum tls_version)v), tokens[v]) == 0,
		      "token of version %d is \"%s\"", v, tokens[v]);
	}
	/* The spec's menu: 1. TLS v1.3, 2. TLS v1.2, 3. TLS v1.1, 4. TLS v1.0 */
	CHECK(methods_menu_number(TLS_V1_3) == 1 && methods_menu_number(TLS_V1_2) == 2 &&
		      methods_menu_number(TLS_V1_1) == 3 && methods_menu_number(TLS_V1_0) == 4,
	      "menu numbers: v1.3 is 1 ... v1.0 is 4");
	for (unsigned items = 0; items < 16; items++) {
		tls_method_set want = 0;
		for (int k = 1; k <= 4; k++)
			if (items & (1u << (k - 1)))
				want |= 1u << (4 - k);
		CHECK(methods_from_menu_items(items) == want, "menu items 0x%x are versions 0x%x",
		      items, want);
	}
}

static void contiguity_of_all_16(void)
{
	int count = 0;

	for (tls_method_set set = 0; set < 16; set++) {
		int want = in_contiguous_list(set);
		count += methods_is_contiguous(set) ? 1 : 0;
		CHECK(!!methods_is_contiguous(set) == want, "set 0x%x is %scontiguous", set,
		      want ? "" : "not ");
	}
	CHECK(count == 10, "exactly 10 of the 16 sets are contiguous (%d)", count);
	CHECK(!methods_is_contiguous(0x10) && !methods_is_contiguous(0x18) &&
		      !methods_is_contiguous(0x1f) && !methods_is_contiguous(~0u),
	      "bits beyond TLS v1.3 are never a valid set");
}

static void lowest_highest(void)
{
	CHECK(methods_lowest(0) == -1 && methods_highest(0) == -1, "empty set: -1, -1");
	for (tls_method_set set = 1; set < 16; set++) {
		int lo = -1, hi = -1;
		for (int v = 0; v < 4; v++)
			if (set & (1u << v)) {
				if (lo < 0)
					lo = v;
				hi = v;
			}
		CHECK(methods_lowest(set) == lo && methods_highest(set) == hi,
		      "set 0x%x: lowest %d, highest %d", set, lo, hi);
	}
}

static void tokens_round_trip(void)
{
	char got[64], want[64];
	struct err e;

	for (tls_method_set set = 1; set < 16; set++) {
		tls_method_set back = SENTINEL;
		int rc;

		memset(got, 'x', sizeof(got));
		methods_render_tokens(set, got, sizeof(got));
		expected_tokens(set, want, sizeof(want));
		CHECK(strcmp(got, want) == 0, "set 0x%x renders as \"%s\" (got \"%s\")", set, want,
		      got);
		rc = methods_parse_tokens(got, &back, &e);
		CHECK(rc == 0 && back == set, "\"%s\" parses back to 0x%x (got 0x%x)", got, set,
		      back);
	}
	methods_render_tokens(0, got, sizeof(got));
	CHECK(got[0] == '\0', "the empty set renders as \"\"");
	CHECK(strcmp((expected_tokens(0xe, want, sizeof(want)), want), "tlsv1_1tlsv1_2tlsv1_3") ==
			      0 &&
		      (methods_render_tokens(0xe, got, sizeof(got)), strcmp(got, want) == 0),
	      "the spec's example tlsv1_1tlsv1_2tlsv1_3");
}

static void tokens_refused(void)
{
	static const char *const bad[] = {
		"",
		"tlsv1_2tlsv1_2",
		"tlsv1_4",
		"TLSV1_2",
		"tlsv1_2 ",
		" tlsv1_2",
		"tlsv1_",
		"tlsv1_1,tlsv1_2",
		"tlsv1_1 tlsv1_2",
		"tlsv1.2",
		"sslv3",
		"tlsv1_1tlsv1_2x",
		"tlsv1_0tlsv1_1tlsv1_2tlsv1_3tlsv1_0",
	};

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		tls_method_set set = SENTINEL;
		struct err e = { "" };
		int rc = methods_parse_tokens(bad[i], &set, &e);
		CHECK(rc == -1 && set == SENTINEL && e.msg[0] != '\0',
		      "methods_parse_tokens refuses \"%s\" (%s)", bad[i], e.msg);
	}
}

/* Small buffers: always terminated, never written past. */
static void render_bounds(void)
{
	char buf[32];
	int ok = 1;

	for (size_t len = 1; len < 30; len++) {
		memset(buf, '#', sizeof(buf));
		methods_render_tokens(0xf, buf, len);
		if (memchr(buf, '\0', len) == NULL)
			ok = 0;
		for (size_t i = len; i < sizeof(buf); i++)
			if (buf[i] != '#')
				ok = 0;
	}
	CHECK(ok, "methods_render_tokens stays within and terminates every buffer size");
	memset(buf, '#', sizeof(buf));
	methods_render_tokens(0xf, buf, 0);
	CHECK(buf[0] == '#', "a zero-length buffer is left alone");
	memset(buf, '#', sizeof(buf));
	methods_render_menu_default(0xf, buf, 3);
	CHECK(buf[2] == '\0' && buf[3] == '#', "methods_render_menu_default respects its length");
}

static void menu_defaults(void)
{
	char buf[16];

	methods_render_menu_default((1u << TLS_V1_1) | (1u << TLS_V1_2), buf, sizeof(buf));
	CHECK(strcmp(buf, "2-3") == 0, "v1.1+v1.2 (the 15.5 default) is \"2-3\" (got \"%s\")", buf);
	methods_render_menu_default(1u << TLS_V1_2, buf, sizeof(buf));
	CHECK(strcmp(buf, "2") == 0, "v1.2 alone is \"2\" (got \"%s\")", buf);
	methods_render_menu_default(0xf, buf, sizeof(buf));
	CHECK(strcmp(buf, "1-4") == 0, "all versions are \"1-4\" (got \"%s\")", buf);
	methods_render_menu_default(1u << TLS_V1_3, buf, sizeof(buf));
	CHECK(strcmp(buf, "1") == 0, "v1.3 alone is \"1\" (got \"%s\")", buf);
	methods_render_menu_default(1u << TLS_V1_0, buf, sizeof(buf));
	CHECK(strcmp(buf, "4") == 0, "v1.0 alone is \"4\" (got \"%s\")", buf);
	methods_render_menu_default(0xe, buf, sizeof(buf));
	CHECK(strcmp(buf, "1-3") == 0, "v1.1-v1.3 is \"1-3\" (got \"%s\")", buf);
	methods_render_menu_default(0x3, buf, sizeof(buf));
	CHECK(strcmp(buf, "3-4") == 0, "v1.0+v1.1 is \"3-4\" (got \"%s\")", buf);

	/* Every contiguous set: "hi-lo" in menu numbers, and Enter on that default
	 * gives the same set back. */
	for (size_t i = 0; i < sizeof(contiguous_sets) / sizeof(contiguous_sets[0]); i++) {
		tls_method_set set = contiguous_sets[i], back = SENTINEL;
		int lo = -1, hi = -1;
		char want[32];
		struct err e;

		for (int v = 0; v < 4; v++)
			if (set & (1u << v)) {
				if (lo < 0)
					lo = v;
				hi = v;
			}
		if (lo == hi)
			snprintf(want, sizeof(want), "%d", 4 - lo);
		else
			snprintf(want, sizeof(want), "%d-%d", 4 - hi, 4 - lo);
		methods_render_menu_default(set, buf, sizeof(buf));
		CHECK(strcmp(buf, want) == 0, "default of 0x%x is \"%s\" (got \"%s\")", set, want,
		      buf);
		CHECK(methods_parse_menu_answer(buf, &back, &e) == 0 && back == set,
		      "taking the default \"%s\" keeps set 0x%x (got 0x%x)", buf, set, back);
	}
}

int main(void)
{
	labels_and_numbers();
	contiguity_of_all_16();
	lowest_highest();
	tokens_round_trip();
	tokens_refused();
	render_bounds();
	menu_defaults();
	return tap_done();
}
