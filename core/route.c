/* route: parsing and spelling smtproutes destinations. */
#include "route.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int check_host(const char *h)
{
	size_t label = 0, n = strlen(h);

	if (n == 0 || n > ROUTE_HOST_MAX)
		return -1;
	for (size_t i = 0; i <= n; i++) {
		char c = h[i];
		if (c == '.' || c == '\0') {
			if (label == 0 || label > 63)
				return -1;
			label = 0;
		} else if (isalnum((unsigned char)c) || c == '-' || c == '_') {
			label++;
		} else {
			return -1;
		}
	}
	return 0;
}

static int parse_one(char *item, struct route_host *out)
{
	char *colon, *end;
	long port = 25;

	if (*item == '[') {
		char *close = strchr(item, ']');
		if (!close)
			return -1;
		*close = '\0';
		colon = close[1] == ':' ? close + 1 : NULL;
		if (close[1] && !colon)
			return -1;
		item++;
	} else {
		colon = strchr(item, ':');
		if (colon)
			*colon = '\0';
	}
	if (colon) {
		if (!isdigit((unsigned char)colon[1]) || strlen(colon + 1) > 5)
			return -1;
		port = strtol(colon + 1, &end, 10);
		if (*end || port < 1 || port > 65535)
			return -1;
	}
	if (check_host(item) < 0)
		return -1;
	for (char *c = item; *c; c++)
		*c = (char)tolower((unsigned char)*c);
	snprintf(out->host, sizeof(out->host), "%s", item);
	out->port = (unsigned)port;
	return 0;
}

int route_parse(const char *text, struct route *out, struct err *e)
{
	char buf[2048], *save = NULL, *item;
	struct route r = { .count = 0 };

	if (strlen(text) >= sizeof(buf))
		return err_set(e, "The value must be shorter than %zu characters.", sizeof(buf));
	snprintf(buf, sizeof(buf), "%s", text);
	for (item = strtok_r(buf, ",", &save); item; item = strtok_r(NULL, ",", &save)) {
		char *end;
		while (*item == ' ' || *item == '\t')
			item++;
		end = item + strlen(item);
		while (end > item && (end[-1] == ' ' || end[-1] == '\t'))
			*--end = '\0';
		if (r.count == ROUTE_HOSTS_MAX)
			return err_set(e, "The value must name at most %d hosts.", ROUTE_HOSTS_MAX);
		char shown[96];
		snprintf(shown, sizeof(shown), "%.80s", item);
		if (parse_one(item, &r.hosts[r.count]) < 0)
			return err_set(e,
				       "That value is not valid. \"%s\" is not a host name or "
				       "address with an optional :port (1-65535).",
				       shown);
		r.count++;
	}
	if (r.count == 0)
		return err_set(e, "You must enter at least one destination host.");
	*out = r;
	return 0;
}

void route_render(const struct route *r, char *buf, size_t len)
{
	size_t n = 0;

	buf[0] = '\0';
	for (size_t i = 0; i < r->count && n < len; i++) {
		int w = r->hosts[i].port == 25
				? snprintf(buf + n, len - n, "%s%s", i ? "," : "", r->hosts[i].host)
				: snprintf(buf + n, len - n, "%s%s:%u", i ? "," : "",
					   r->hosts[i].host, r->hosts[i].port);
		if (w < 0)
			return;
		n += (size_t)w;
	}
}
