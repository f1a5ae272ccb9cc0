/* listener: a listener's fields and their stored form. */
#include "listener.h"

#include <ctype.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "addr_match.h"

void listener_default(struct listener *l)
{
	memset(l, 0, sizeof(*l));
	snprintf(l->name, sizeof(l->name), "%s", LISTENER_DEFAULT);
	l->type = LISTENER_PUBLIC;
}

const char *listener_type_label(enum listener_type t)
{
	return t == LISTENER_PUBLIC ? "Public" : "Private";
}

int listener_check_name(const char *name, struct err *e)
{
	size_t n = strlen(name);

	if (n == 0 || n > LISTENER_NAME_MAX)
		goto bad;
	for (const char *p = name; *p; p++)
		if (!isalnum((unsigned char)*p) && *p != '_' && *p != '-')
			goto bad;
	return 0;
bad:
	return err_set(e,
		       "\"%.60s\" is not a valid listener name: use 1 to %d letters, digits, "
		       "'_' and '-'.",
		       name, LISTENER_NAME_MAX);
}

int listener_check_address(const char *address, struct err *e)
{
	char host[LISTENER_ADDRESS_MAX + 1];
	unsigned char ip[16];
	const char *colon = strrchr(address, ':'), *p;
	size_t hn;
	long port;
	char *end;

	if (!colon || strlen(address) > LISTENER_ADDRESS_MAX)
		goto bad;
	hn = (size_t)(colon - address);
	p = address;
	if (*p == '[') {
		if (hn < 2 || address[hn - 1] != ']')
			goto bad;
		p++;
		hn -= 2;
	}
	memcpy(host, p, hn);
	host[hn] = '\0';
	if (addr_parse_ip(host, ip) < 0 || (strchr(host, ':') && *address != '['))
		goto bad;
	port = strtol(colon + 1, &end, 10);
	if (!isdigit((unsigned char)colon[1]) || *end || port < 1 || port > 65535)
		goto bad;
	return 0;
bad:
	return err_set(e,
		       "\"%.60s\" is not a valid listener address: enter a numeric address and "
		       "a port, such as 127.0.0.1:2525 or [::1]:2525.",
		       address);
}

/* A whole number from 0 to max, digits only. */
static int parse_num(const char *v, long max, long *out)
{
	long n = 0;

	if (!*v || strlen(v) > 12)
		return -1;
	for (const char *p = v; *p; p++) {
		if (!isdigit((unsigned char)*p))
			return -1;
		n = n * 10 + (*p - '0');
	}
	if (n > max)
		return -1;
	*out = n;
	return 0;
}

int listener_decode(const char *name, const char *value, struct listener *l, struct err *e)
{
	static const char *const keys[] = { "type", "address", "certificate", "max_connections",
					    "max_message_size" };
	const char *p = value;
	unsigned seen = 0;
	size_t k;
	struct err why;

	memset(l, 0, sizeof(*l));
	if (listener_check_name(name, e) < 0)
		return -1;
	snprintf(l->name, sizeof(l->name), "%s", name);
	while (*p) {
		const char *eol = strchr(p, '\n');
		size_t n = eol ? (size_t)(eol - p) : strlen(p);
		char line[160], *eq;
		if (n >= sizeof(line))
			return err_set(e, "Listener %s: a line is too long.", name);
		memcpy(line, p, n);
		line[n] = '\0';
		p += n + (eol ? 1 : 0);
		if (!line[0])
			continue;
		if (!(eq = strchr(line, '=')))
			return err_set(e, "Listener %s: \"%.40s\" is not key=value.", name, line);
		*eq++ = '\0';
		for (k = 0; k < sizeof(keys) / sizeof(keys[0]) && strcmp(keys[k], line) != 0; k++)
			;
		if (k < sizeof(keys) / sizeof(keys[0]) && (seen & (1u << k)))
			return err_set(e, "Listener %s: %s is given twice.", name, line);
		seen |= 1u << k;
		if (strcmp(line, "type") == 0) {
			if (strcmp(eq, "public") == 0)
				l->type = LISTENER_PUBLIC;
			else if (strcmp(eq, "private") == 0)
				l->type = LISTENER_PRIVATE;
			else
				return err_set(e, "Listener %s: unknown type \"%.20s\".", name, eq);
		} else if (strcmp(line, "address") == 0) {
			if (*eq && listener_check_address(eq, &why) < 0)
				return err_set(e, "Listener %s: %s", name, why.msg);
			snprintf(l->address, sizeof(l->address), "%.63s", eq);
		} else if (strcmp(line, "certificate") == 0) {
			if (*eq && config_check_profile_name(eq, &why) < 0)
				return err_set(e, "Listener %s: %s", name, why.msg);
			snprintf(l->certificate, sizeof(l->certificate), "%.64s", eq);
		} else if (strcmp(line, "max_connections") == 0) {
			long v;
			if (parse_num(eq, LISTENER_CONNECTIONS_MAX, &v) < 0)
				return err_set(e, "Listener %s: max_connections must be 0 to %d.",
					       name, LISTENER_CONNECTIONS_MAX);
			l->max_connections = (int)v;
		} else if (strcmp(line, "max_message_size") == 0) {
			if (parse_num(eq, LISTENER_SIZE_MAX, &l->max_message_size) < 0)
				return err_set(e, "Listener %s: max_message_size must be 0 to %ld.",
					       name, LISTENER_SIZE_MAX);
		} else {
			return err_set(e, "Listener %s: unknown field \"%.40s\".", name, line);
		}
	}
	return 0;
}

void listener_encode(const struct listener *l, struct strbuf *out)
{
	strbuf_printf(out, "type=%s\naddress=%s\ncertificate=%s\n",
		      l->type == LISTENER_PUBLIC ? "public" : "private", l->address,
		      l->certificate);
	/* Written only when set: listeners stored before LIMITS read the same. */
	if (l->max_connections)
		strbuf_printf(out, "max_connections=%d\n", l->max_connections);
	if (l->max_message_size)
		strbuf_printf(out, "max_message_size=%ld\n", l->max_message_size);
}

static const struct {
	const char *key;
	long max;
	size_t offset;
} setup_fields[] = {
	{ "max_connections", LISTENER_CONNECTIONS_MAX,
	  offsetof(struct listener_setup, max_connections) },
	{ "handshake_timeout", LISTENER_TIMEOUT_MAX,
	  offsetof(struct listener_setup, handshake_timeout) },
	{ "max_connection_time", 24 * LISTENER_TIMEOUT_MAX,
	  offsetof(struct listener_setup, max_connection_time) },
};
#define SETUP_FIELDS (sizeof(setup_fields) / sizeof(setup_fields[0]))

int listener_setup_decode(const char *value, struct listener_setup *s, struct err *e)
{
	const char *p = value;
	unsigned seen = 0;

	memset(s, 0, sizeof(*s));
	while (*p) {
		const char *eol = strchr(p, '\n');
		size_t n = eol ? (size_t)(eol - p) : strlen(p), k;
		char line[80], *eq;
		long v;
		if (n >= sizeof(line))
			return err_set(e, "Listener settings: a line is too long.");
		memcpy(line, p, n);
		line[n] = '\0';
		p += n + (eol ? 1 : 0);
		if (!line[0])
			continue;
		if (!(eq = strchr(line, '=')))
			return err_set(e, "Listener settings: \"%.40s\" is not key=value.", line);
		*eq++ = '\0';
		for (k = 0; k < SETUP_FIELDS && strcmp(setup_fields[k].key, line) != 0; k++)
			;
		if (k == SETUP_FIELDS)
			return err_set(e, "Listener settings: unknown field \"%.40s\".", line);
		if (seen & (1u << k))
			return err_set(e, "Listener settings: %s is given twice.", line);
		seen |= 1u << k;
		if (parse_num(eq, setup_fields[k].max, &v) < 0)
			return err_set(e, "Listener settings: %s must be 0 to %ld.", line,
				       setup_fields[k].max);
		*(int *)(void *)((char *)s + setup_fields[k].offset) = (int)v;
	}
	return 0;
}

void listener_setup_encode(const struct listener_setup *s, struct strbuf *out)
{
	for (size_t k = 0; k < SETUP_FIELDS; k++)
		strbuf_printf(
			out, "%s=%d\n", setup_fields[k].key,
			*(const int *)(const void *)((const char *)s + setup_fields[k].offset));
}
