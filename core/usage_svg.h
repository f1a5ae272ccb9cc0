/* usage_svg: the WebUI's chart of sessions per TLS version over time
 * (Monitor > TLS Connections), server-rendered SVG: one stacked bar per
 * day, one colour per version, and a legend. Pure: numbers in, markup out. */
#ifndef TLSGATE_USAGE_SVG_H
#define TLSGATE_USAGE_SVG_H

#include "strbuf.h"

#define USAGE_CHART_DAYS     7
#define USAGE_CHART_VERSIONS 4 /* TLS v1.0 .. v1.3 */

struct usage_chart {
	long long first_day; /* unix time of the first day's start (UTC) */
	unsigned long long n[USAGE_CHART_DAYS][USAGE_CHART_VERSIONS];
};

/* Adds `sessions` at `day` (a day's start) for OpenSSL's version name;
 * other days and names are ignored. */
void usage_chart_add(struct usage_chart *c, long long day, const char *version,
		     unsigned long long sessions);
void usage_chart_svg(const struct usage_chart *c, struct strbuf *out);

#endif
