/* usage_impact: top-K peers and the sentence of the commit-time prediction. */
#include "usage_impact.h"

#include <stdio.h>
#include <string.h>

void usage_impact_init(struct usage_impact *im)
{
	memset(im, 0, sizeof(*im));
}

static int before(unsigned long long n, const char *name, unsigned long long m, const char *other)
{
	return n > m || (n == m && strcmp(name, other) < 0);
}

void usage_impact_add_peer(struct usage_impact *im, const char *name, unsigned long long sessions)
{
	size_t i;

	if (!sessions)
		return;
	im->refused += sessions;
	im->peers++;
	for (i = im->ntop;
	     i > 0 && before(sessions, name, im->top[i - 1].sessions, im->top[i - 1].name); i--)
		if (i < USAGE_IMPACT_TOP)
			im->top[i] = im->top[i - 1];
	if (i >= USAGE_IMPACT_TOP)
		return;
	snprintf(im->top[i].name, sizeof(im->top[i].name), "%s", name);
	im->top[i].sessions = sessions;
	if (im->ntop < USAGE_IMPACT_TOP)
		im->ntop++;
}

void usage_format_count(unsigned long long n, char *buf, size_t len)
{
	char digits[32];
	size_t nd, o = 0;

	nd = (size_t)snprintf(digits, sizeof(digits), "%llu", n);
	for (size_t i = 0; i < nd && o + 1 < len; i++) {
		if (i > 0 && (nd - i) % 3 == 0 && o + 2 < len)
			buf[o++] = ',';
		buf[o++] = digits[i];
	}
	if (len)
		buf[o < len ? o : len - 1] = '\0';
}

void usage_format_share(unsigned long long part, unsigned long long whole, char *buf, size_t len)
{
	/* In tenths of a percent, rounded half up, without floating point. */
	unsigned long long tenths = whole ? (part * 2000 / whole + 1) / 2 : 0;

	if (part && tenths == 0)
		snprintf(buf, len, "< 0.1 %%");
	else
		snprintf(buf, len, "%llu.%llu %%", tenths / 10, tenths % 10);
}

void usage_impact_sentence(const struct usage_impact *im, const char *title, const char *what,
			   const char *noun, int days, struct strbuf *out)
{
	char refused[32], total[32], peers[32], share[32], n[32];

	usage_format_count(im->total, total, sizeof(total));
	if (!im->refused) {
		strbuf_printf(out,
			      "%s: %s would have refused none of the %s sessions in the last %d "
			      "days.\n",
			      title, what, total, days);
		return;
	}
	usage_format_count(im->refused, refused, sizeof(refused));
	usage_format_count(im->peers, peers, sizeof(peers));
	usage_format_share(im->refused, im->total, share, sizeof(share));
	strbuf_printf(out,
		      "%s: %s would have refused %s of %s sessions (%s) from %s %.*s in the last "
		      "%d days (top: ",
		      title, what, refused, total, share, peers,
		      (int)strlen(noun) - (im->peers == 1 && noun[0]), noun, days);
	for (size_t i = 0; i < im->ntop; i++) {
		usage_format_count(im->top[i].sessions, n, sizeof(n));
		strbuf_printf(out, "%s%s %s", i ? ", " : "", im->top[i].name, n);
	}
	strbuf_puts(out, im->peers > im->ntop ? ", ...).\n" : ").\n");
}
