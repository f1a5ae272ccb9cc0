/* tls_methods: TLS version sets and their AsyncOS spellings. */
#include "tls_methods.h"

#include <stdio.h>
#include <string.h>

#include "selection.h"

static const struct {
	const char *label;
	const char *token;
} versions[TLS_VERSION_COUNT] = {
	[TLS_V1_0] = { "TLS v1.0", "tlsv1_0" },
	[TLS_V1_1] = { "TLS v1.1", "tlsv1_1" },
	[TLS_V1_2] = { "TLS v1.2", "tlsv1_2" },
	[TLS_V1_3] = { "TLS v1.3", "tlsv1_3" },
};

const char *tls_version_label(enum tls_version v)
{
	return versions[v].label;
}

const char *tls_version_token(enum tls_version v)
{
	return versions[v].token;
}

int methods_lowest(tls_method_set set)
{
	for (int v = 0; v < TLS_VERSION_COUNT; v++)
		if (set & (1u << v))
			return v;
	return -1;
}

int methods_highest(tls_method_set set)
{
	for (int v = TLS_VERSION_COUNT - 1; v >= 0; v--)
		if (set & (1u << v))
			return v;
	return -1;
}

int methods_is_contiguous(tls_method_set set)
{
	unsigned run;

	if (set == 0 || (set & ~TLS_METHODS_ALL))
		return 0;
	run = set >> methods_lowest(set);
	return (run & (run + 1)) == 0;
}

void methods_render_tokens(tls_method_set set, char *buf, size_t len)
{
	size_t used = 0;

	if (len == 0)
		return;
	buf[0] = '\0';
	for (int v = 0; v < TLS_VERSION_COUNT; v++) {
		if (!(set & (1u << v)))
			continue;
		int n = snprintf(buf + used, len - used, "%s", versions[v].token);
		if (n < 0 || (size_t)n >= len - used)
			return;
		used += (size_t)n;
	}
}

int methods_parse_tokens(const char *text, tls_method_set *set, struct err *e)
{
	tls_method_set out = 0;
	const char *p = text;

	while (*p) {
		int found = -1;
		for (int v = 0; v < TLS_VERSION_COUNT; v++) {
			size_t n = strlen(versions[v].token);
			if (strncmp(p, versions[v].token, n) == 0) {
				found = v;
				p += n;
				break;
			}
		}
		if (found < 0 || (out & (1u << found)))
			return err_set(e, "Invalid TLS method list \"%.40s\".", text);
		out |= 1u << found;
	}
	if (out == 0)
		return err_set(e, "Empty TLS method list.");
	*set = out;
	return 0;
}

int methods_menu_number(enum tls_version v)
{
	return TLS_VERSION_COUNT - (int)v;
}

tls_method_set methods_from_menu_items(unsigned item_mask)
{
	tls_method_set set = 0;

	for (int v = 0; v < TLS_VERSION_COUNT; v++)
		if (item_mask & (1u << (methods_menu_number(v) - 1)))
			set |= 1u << v;
	return set;
}

void methods_render_menu_default(tls_method_set set, char *buf, size_t len)
{
	int hi = methods_highest(set), lo = methods_lowest(set);

	if (hi < 0)
		snprintf(buf, len, "%s", "");
	else if (hi == lo)
		snprintf(buf, len, "%d", methods_menu_number(hi));
	else
		snprintf(buf, len, "%d-%d", methods_menu_number(hi), methods_menu_number(lo));
}

int methods_parse_menu_answer(const char *answer, tls_method_set *set, struct err *e)
{
	unsigned items;
	tls_method_set out;

	if (sel_parse(answer, TLS_VERSION_COUNT, &items, e) < 0)
		return -1;
	out = methods_from_menu_items(items);
	if (!methods_is_contiguous(out))
		return err_set(e, "TLS protocols can be enabled only in sequence. "
				  "Choose a contiguous range, such as 1-3.");
	*set = out;
	return 0;
}
