/* addr_match: host pattern syntax and the hash-based first-match lookup. */
#include "addr_match.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

int addr_parse_ip(const char *text, unsigned char out[16])
{
	struct in_addr v4;

	if (strchr(text, ':'))
		return inet_pton(AF_INET6, text, out) == 1 ? 0 : -1;
	if (inet_pton(AF_INET, text, &v4) != 1)
		return -1;
	memset(out, 0, 10);
	out[10] = out[11] = 0xff;
	memcpy(out + 12, &v4, 4);
	return 0;
}

/* Letters, digits, '-' and '_' in dot-separated labels; lower-cased copy. */
static int host_name_ok(const char *s, char *lower, size_t len)
{
	size_t n = strlen(s), label = 0;

	if (n == 0 || n >= len || n > HOST_PATTERN_MAX)
		return 0;
	for (size_t i = 0; i <= n; i++) {
		char ch = s[i];
		if (ch == '.' || ch == '\0') {
			if (label == 0 || label > 63)
				return 0;
			label = 0;
		} else if (isalnum((unsigned char)ch) || ch == '-' || ch == '_') {
			label++;
		} else {
			return 0;
		}
		lower[i] = (char)tolower((unsigned char)ch);
	}
	return 1;
}

/* One parsed address pattern: a list of (address, prefix) blocks. */
struct blocks {
	unsigned char addr[64][16];
	unsigned prefix[64];
	unsigned count;
};

static void v4_block(struct blocks *b, uint32_t a, unsigned prefix)
{
	unsigned char *o = b->addr[b->count];

	memset(o, 0, 10);
	o[10] = o[11] = 0xff;
	o[12] = (unsigned char)(a >> 24);
	o[13] = (unsigned char)(a >> 16);
	o[14] = (unsigned char)(a >> 8);
	o[15] = (unsigned char)a;
	b->prefix[b->count++] = 96 + prefix;
}

/* The fewest CIDR blocks covering lo..hi (at most 62 for IPv4). */
static void v4_range(struct blocks *b, uint64_t lo, uint64_t hi)
{
	while (lo <= hi) {
		unsigned size = 0;
		while (size < 32 && (lo & ((2ULL << size) - 1)) == 0 &&
		       lo + (2ULL << size) - 1 <= hi)
			size++;
		v4_block(b, (uint32_t)lo, 32 - size);
		lo += 1ULL << size;
	}
}

static int parse_v4(const char *s, uint32_t *out)
{
	struct in_addr a;

	if (inet_pton(AF_INET, s, &a) != 1)
		return -1;
	*out = ntohl(a.s_addr);
	return 0;
}

static int parse_number(const char *s, unsigned max, unsigned *out)
{
	char *end;
	unsigned long v;

	if (!isdigit((unsigned char)*s) || strlen(s) > 3)
		return -1;
	v = strtoul(s, &end, 10);
	if (*end || v > max)
		return -1;
	*out = (unsigned)v;
	return 0;
}

/* "a.b.c.d", "a.b.c.d/n", "a.b.", "a.b.c.d-e", "a.b.c.d-w.x.y.z", IPv6 and
 * IPv6/n. 0 and the blocks, or -1. */
static int parse_blocks(const char *text, struct blocks *b)
{
	char buf[80], *slash, *dash;
	uint32_t lo, hi;
	unsigned n;

	memset(b, 0, sizeof(*b));
	if (strlen(text) >= sizeof(buf))
		return -1;
	strcpy(buf, text);
	slash = strchr(buf, '/');
	if (slash)
		*slash++ = '\0';
	if (strchr(buf, ':')) {
		if (addr_parse_ip(buf, b->addr[0]) < 0)
			return -1;
		if (slash && parse_number(slash, 128, &n) < 0)
			return -1;
		b->prefix[0] = slash ? n : 128;
		b->count = 1;
		return 0;
	}
	if (slash) {
		if (parse_v4(buf, &lo) < 0 || parse_number(slash, 32, &n) < 0)
			return -1;
		v4_block(b, lo, n);
		return 0;
	}
	if ((dash = strchr(buf, '-'))) {
		*dash++ = '\0';
		if (parse_v4(buf, &lo) < 0)
			return -1;
		if (strchr(dash, '.')) {
			if (parse_v4(dash, &hi) < 0)
				return -1;
		} else {
			if (parse_number(dash, 255, &n) < 0)
				return -1;
			hi = (lo & 0xffffff00u) | n;
		}
		if (hi < lo)
			return -1;
		v4_range(b, lo, hi);
		return 0;
	}
	n = (unsigned)strlen(buf);
	if (n > 0 && buf[n - 1] == '.') { /* partial: "10.1." */
		unsigned dots = 0;
		char full[96];
		for (char *p = buf; *p; p++)
			dots += *p == '.';
		if (dots > 3)
			return -1;
		snprintf(full, sizeof(full), "%s%s", buf,
			 dots == 1   ? "0.0.0"
			 : dots == 2 ? "0.0"
				     : "0");
		if (parse_v4(full, &lo) < 0)
			return -1;
		v4_block(b, lo, 8 * dots);
		return 0;
	}
	if (parse_v4(buf, &lo) < 0)
		return -1;
	v4_block(b, lo, 32);
	return 0;
}

static int looks_numeric(const char *t)
{
	if (strchr(t, ':'))
		return 1;
	for (; *t; t++)
		if (!isdigit((unsigned char)*t) && !strchr("./-", *t))
			return 0;
	return 1;
}

int host_pattern_check(const char *text, enum host_pattern_kind *kind, struct err *e)
{
	char lower[HOST_PATTERN_MAX + 2];
	struct blocks b;

	if (strcasecmp(text, "ALL") == 0) {
		*kind = HOST_PATTERN_ALL;
		return 0;
	}
	if (looks_numeric(text)) {
		if (parse_blocks(text, &b) < 0)
			return err_set(e,
				       "\"%.60s\" is not a valid address, CIDR block, partial "
				       "address or range.",
				       text);
		*kind = HOST_PATTERN_IP;
		return 0;
	}
	if (text[0] == '.' ? host_name_ok(text + 1, lower, sizeof(lower))
			   : host_name_ok(text, lower, sizeof(lower))) {
		*kind = text[0] == '.' ? HOST_PATTERN_SUFFIX : HOST_PATTERN_HOST;
		return 0;
	}
	return err_set(e,
		       "\"%.60s\" is not a valid host pattern: enter an address, a CIDR block "
		       "(10.1.1.0/24), a range (10.1.1.10-20), a host name, .domain or ALL.",
		       text);
}

void addr_match_init(struct addr_match *m)
{
	memset(m, 0, sizeof(*m));
	keymap_init(&m->ip);
	keymap_init(&m->host);
	keymap_init(&m->suffix);
	for (int i = 0; i < 129; i++)
		m->len_min[i] = ADDR_NO_MATCH;
	m->all = ADDR_NO_MATCH;
}

void addr_match_free(struct addr_match *m)
{
	for (int i = 0; i < 129; i++)
		free(m->filter[i]);
	keymap_free(&m->ip);
	keymap_free(&m->host);
	keymap_free(&m->suffix);
	addr_match_init(m);
}

static void mask(unsigned char a[16], unsigned prefix)
{
	for (unsigned i = 0; i < 16; i++) {
		unsigned bits = prefix > i * 8 ? prefix - i * 8 : 0;
		if (bits < 8)
			a[i] &= (unsigned char)(0xff00u >> bits);
	}
}

/* Keeps order[] sorted by the smallest rule of each prefix length, so a
 * lookup stops as soon as no remaining length can beat what it found. */
static void note_length(struct addr_match *m, unsigned len, unsigned idx)
{
	unsigned i, pos;

	if (idx >= m->len_min[len])
		return;
	if (m->len_min[len] == ADDR_NO_MATCH)
		m->order[m->norder++] = (unsigned char)len;
	m->len_min[len] = idx;
	for (pos = 0; m->order[pos] != len; pos++) {
	}
	for (i = pos; i > 0 && m->len_min[m->order[i - 1]] > idx; i--)
		m->order[i] = m->order[i - 1];
	m->order[i] = (unsigned char)len;
}

static uint32_t filter_bit(const unsigned char key[17])
{
	uint64_t a, b, h;

	memcpy(&a, key + 1, 8);
	memcpy(&b, key + 9, 8);
	h = (a * 0x9e3779b97f4a7c15ULL) ^ ((b + key[0]) * 0xc2b2ae3d27d4eb4fULL);
	h ^= h >> 31;
	h *= 0x94d049bb133111ebULL;
	return (uint32_t)(h >> (64 - ADDR_FILTER_BITS));
}

static int add_block(struct addr_match *m, const unsigned char addr[16], unsigned prefix,
		     unsigned idx)
{
	unsigned char key[17];
	uint32_t bit;

	key[0] = (unsigned char)prefix;
	memcpy(key + 1, addr, 16);
	mask(key + 1, prefix);
	if (!m->filter[prefix] && !(m->filter[prefix] = calloc(1, 1u << (ADDR_FILTER_BITS - 3))))
		return -1;
	if (keymap_put_min(&m->ip, key, sizeof(key), idx) < 0)
		return -1;
	bit = filter_bit(key);
	m->filter[prefix][bit >> 3] |= (unsigned char)(1u << (bit & 7));
	note_length(m, prefix, idx);
	return 0;
}

int addr_match_add(struct addr_match *m, const char *text, unsigned idx, struct err *e)
{
	char lower[HOST_PATTERN_MAX + 2];
	enum host_pattern_kind kind;
	struct blocks b;

	if (host_pattern_check(text, &kind, e) < 0)
		return -1;
	switch (kind) {
	case HOST_PATTERN_ALL:
		if (idx < m->all)
			m->all = idx;
		return 0;
	case HOST_PATTERN_IP:
		parse_blocks(text, &b);
		for (unsigned i = 0; i < b.count; i++)
			if (add_block(m, b.addr[i], b.prefix[i], idx) < 0)
				return err_set(e, "Out of memory.");
		return 0;
	case HOST_PATTERN_HOST:
	case HOST_PATTERN_SUFFIX:
		host_name_ok(kind == HOST_PATTERN_SUFFIX ? text + 1 : text, lower, sizeof(lower));
		if (keymap_put_min(kind == HOST_PATTERN_SUFFIX ? &m->suffix : &m->host, lower,
				   strlen(lower), idx) < 0)
			return err_set(e, "Out of memory.");
		return 0;
	}
	return 0;
}

bool addr_match_wants_names(const struct addr_match *m)
{
	return m->host.count > 0 || m->suffix.count > 0;
}

static unsigned lookup_name(const struct addr_match *m, const char *host, unsigned best)
{
	char lower[HOST_PATTERN_MAX + 2];
	unsigned v;
	size_t n = strlen(host);

	if (n == 0 || n > HOST_PATTERN_MAX)
		return best;
	for (size_t i = 0; i <= n; i++)
		lower[i] = (char)tolower((unsigned char)host[i]);
	if (n > 0 && lower[n - 1] == '.')
		lower[--n] = '\0';
	if (keymap_get(&m->host, lower, n, &v) && v < best)
		best = v;
	for (size_t i = 1; i < n; i++)
		if (lower[i] == '.' && keymap_get(&m->suffix, lower + i + 1, n - i - 1, &v) &&
		    v < best)
			best = v;
	return best;
}

unsigned addr_match_lookup(const struct addr_match *m, const unsigned char ip[16], const char *host)
{
	unsigned best = m->all, v;
	unsigned char key[17];

	for (unsigned i = 0; i < m->norder; i++) {
		unsigned len = m->order[i];
		if (m->len_min[len] >= best)
			break;
		uint32_t bit;
		key[0] = (unsigned char)len;
		memcpy(key + 1, ip, 16);
		mask(key + 1, len);
		bit = filter_bit(key);
		if (!(m->filter[len][bit >> 3] & (1u << (bit & 7))))
			continue;
		if (keymap_get(&m->ip, key, sizeof(key), &v) && v < best)
			best = v;
	}
	if (host && (m->host.count || m->suffix.count))
		best = lookup_name(m, host, best);
	return best;
}
