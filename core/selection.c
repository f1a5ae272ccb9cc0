/* selection: the menu-selection grammar.
 *   answer := item ("," item)*      item := number | number "-" number
 * Spaces may appear around any token. */
#include "selection.h"

#include <ctype.h>

static void skip_spaces(const char **p)
{
	while (**p == ' ' || **p == '\t')
		(*p)++;
}

/* Reads a decimal number in 1..n; refuses overflow without ever computing it. */
static int read_number(const char **p, int n, int *out)
{
	long v = 0;
	int digits = 0;

	skip_spaces(p);
	while (isdigit((unsigned char)**p)) {
		if (v <= n)
			v = v * 10 + (**p - '0');
		digits++;
		(*p)++;
	}
	skip_spaces(p);
	if (digits == 0 || v < 1 || v > n)
		return -1;
	*out = (int)v;
	return 0;
}

static int invalid(struct err *e, int n)
{
	if (n == 1)
		return err_set(e, "That value is not valid. Enter 1.");
	return err_set(e,
		       "That value is not valid. Enter numbers from 1 to %d, "
		       "such as 2, 1-%d or 1,2.",
		       n, n < 3 ? n : 3);
}

int sel_parse(const char *text, int n_items, unsigned *mask, struct err *e)
{
	const char *p = text;
	unsigned out = 0;

	if (n_items < 1 || n_items > SEL_MAX_ITEMS)
		return err_set(e, "That value is not valid.");
	skip_spaces(&p);
	if (*p == '\0')
		return err_set(e, "You must enter a value from 1 to %d.", n_items);
	for (;;) {
		int a, b;

		if (read_number(&p, n_items, &a) < 0)
			return invalid(e, n_items);
		b = a;
		if (*p == '-') {
			p++;
			if (read_number(&p, n_items, &b) < 0)
				return invalid(e, n_items);
		}
		if (a > b) {
			int t = a;
			a = b;
			b = t;
		}
		for (int k = a; k <= b; k++)
			out |= 1u << (k - 1);
		if (*p == '\0')
			break;
		if (*p != ',')
			return invalid(e, n_items);
		p++;
	}
	*mask = out;
	return 0;
}
