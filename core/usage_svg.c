/* usage_svg: stacked bars scaled to the busiest day. */
#include "usage_svg.h"

#include <string.h>
#include <time.h>

#define W      560
#define H      200
#define LEFT   50
#define BOTTOM 30
#define BAR    50

static const char *const names[USAGE_CHART_VERSIONS] = { "TLSv1", "TLSv1.1", "TLSv1.2", "TLSv1.3" };
static const char *const labels[USAGE_CHART_VERSIONS] = { "TLS v1.0", "TLS v1.1", "TLS v1.2",
							  "TLS v1.3" };
static const char *const colours[USAGE_CHART_VERSIONS] = { "#c0392b", "#e67e22", "#2980b9",
							   "#27ae60" };

void usage_chart_add(struct usage_chart *c, long long day, const char *version,
		     unsigned long long sessions)
{
	long long i = (day - c->first_day) / 86400;

	if (day < c->first_day || i >= USAGE_CHART_DAYS)
		return;
	for (int v = 0; v < USAGE_CHART_VERSIONS; v++)
		if (strcmp(names[v], version) == 0)
			c->n[i][v] += sessions;
}

void usage_chart_svg(const struct usage_chart *c, struct strbuf *out)
{
	unsigned long long max = 0;
	int plot = H - BOTTOM - 10;

	for (int d = 0; d < USAGE_CHART_DAYS; d++) {
		unsigned long long sum = 0;
		for (int v = 0; v < USAGE_CHART_VERSIONS; v++)
			sum += c->n[d][v];
		if (sum > max)
			max = sum;
	}
	strbuf_printf(out,
		      "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\" "
		      "viewBox=\"0 0 %d %d\" role=\"img\" aria-label=\"Sessions per TLS version "
		      "per day\">\n",
		      W + 120, H, W + 120, H);
	strbuf_printf(out,
		      "<text x=\"%d\" y=\"12\" font-size=\"11\" text-anchor=\"end\">%llu</text>\n",
		      LEFT - 4, max);
	strbuf_printf(out, "<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" stroke=\"#333\"/>\n",
		      LEFT, H - BOTTOM, W, H - BOTTOM);
	for (int d = 0; d < USAGE_CHART_DAYS; d++) {
		int x = LEFT + 10 + d * (BAR + 20), y = H - BOTTOM;
		time_t t = (time_t)(c->first_day + d * 86400LL);
		struct tm tm;
		char date[16] = "";

		for (int v = 0; v < USAGE_CHART_VERSIONS; v++) {
			int h = max ? (int)(c->n[d][v] * (unsigned long long)plot / max) : 0;
			if (!c->n[d][v])
				continue;
			y -= h;
			strbuf_printf(out,
				      "<rect x=\"%d\" y=\"%d\" width=\"%d\" height=\"%d\" "
				      "fill=\"%s\"><title>%s: %llu</title></rect>\n",
				      x, y, BAR, h, colours[v], labels[v], c->n[d][v]);
		}
		if (gmtime_r(&t, &tm))
			strftime(date, sizeof(date), "%b %d", &tm);
		strbuf_printf(out,
			      "<text x=\"%d\" y=\"%d\" font-size=\"11\" "
			      "text-anchor=\"middle\">%s</text>\n",
			      x + BAR / 2, H - BOTTOM + 15, date);
	}
	for (int v = USAGE_CHART_VERSIONS - 1; v >= 0; v--) {
		int y = 20 + (USAGE_CHART_VERSIONS - 1 - v) * 18;
		strbuf_printf(out,
			      "<rect x=\"%d\" y=\"%d\" width=\"12\" height=\"12\" fill=\"%s\"/>"
			      "<text x=\"%d\" y=\"%d\" font-size=\"11\">%s</text>\n",
			      W + 10, y, colours[v], W + 28, y + 10, labels[v]);
	}
	strbuf_puts(out, "</svg>\n");
}
