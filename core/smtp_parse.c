/* smtp_parse: RFC 5321 syntax, strict where it protects the server (sizes,
 * bytes allowed) and lenient where real clients differ ("MAIL FROM: <a@b>"). */
#include "smtp_parse.h"

#include <ctype.h>
#include <string.h>
#include <strings.h>

static const struct {
	const char *name;
	enum smtp_verb verb;
} verbs[] = {
	{ "HELO", SMTP_VERB_HELO }, { "EHLO", SMTP_VERB_EHLO }, { "MAIL", SMTP_VERB_MAIL },
	{ "RCPT", SMTP_VERB_RCPT }, { "DATA", SMTP_VERB_DATA }, { "RSET", SMTP_VERB_RSET },
	{ "NOOP", SMTP_VERB_NOOP }, { "QUIT", SMTP_VERB_QUIT }, { "STARTTLS", SMTP_VERB_STARTTLS },
	{ "VRFY", SMTP_VERB_VRFY }, { "EXPN", SMTP_VERB_EXPN }, { "HELP", SMTP_VERB_HELP },
};

static bool printable(unsigned char ch)
{
	return ch >= 0x20 && ch < 0x7f;
}

int smtp_parse_command(const char *line, size_t len, struct smtp_command *out, struct err *e)
{
	size_t verb_len = 0, i;

	out->verb = SMTP_VERB_UNKNOWN;
	out->arg = line + len;
	out->arg_len = 0;
	for (i = 0; i < len; i++)
		if (!printable((unsigned char)line[i]) && line[i] != '\t')
			return err_set(e, "500 5.5.2 Error: bad characters in command");
	while (verb_len < len && line[verb_len] != ' ')
		verb_len++;
	for (i = 0; i < sizeof(verbs) / sizeof(verbs[0]); i++)
		if (strlen(verbs[i].name) == verb_len &&
		    strncasecmp(verbs[i].name, line, verb_len) == 0)
			out->verb = verbs[i].verb;
	i = verb_len;
	while (i < len && line[i] == ' ')
		i++;
	/* Trailing spaces are common from hand-typed sessions; ignore them. */
	while (len > i && line[len - 1] == ' ')
		len--;
	out->arg = line + i;
	out->arg_len = len - i;
	return 0;
}

static bool atext(unsigned char ch)
{
	return isalnum(ch) || (ch && strchr("!#$%&'*+-/=?^_`{|}~", ch));
}

/* Dot-string or quoted-string; returns its length or 0. */
static size_t scan_local_part(const char *s, size_t len)
{
	size_t i = 0;

	if (len && s[0] == '"') {
		for (i = 1; i < len && s[i] != '"'; i++) {
			if (s[i] == '\\' && i + 1 < len)
				i++;
			if (!printable((unsigned char)s[i]))
				return 0;
		}
		return i < len ? i + 1 : 0;
	}
	while (i < len && (atext((unsigned char)s[i]) || s[i] == '.')) {
		if (s[i] == '.' && (i == 0 || s[i - 1] == '.'))
			return 0;
		i++;
	}
	return i > 0 && s[i - 1] != '.' ? i : 0;
}

/* A domain of dot-separated LDH labels, or an address literal "[...]". */
static bool valid_domain(const char *s, size_t len)
{
	size_t label = 0;

	if (len == 0 || len > SMTP_DOMAIN_MAX)
		return false;
	if (s[0] == '[') {
		if (len < 3 || s[len - 1] != ']')
			return false;
		for (size_t i = 1; i + 1 < len; i++)
			if (!printable((unsigned char)s[i]) || strchr("[]\\ ", s[i]))
				return false;
		return true;
	}
	for (size_t i = 0; i <= len; i++) {
		char ch = i < len ? s[i] : '.';
		if (ch == '.') {
			if (label == 0 || label > 63 || s[i - 1] == '-')
				return false;
			label = 0;
		} else if (isalnum((unsigned char)ch) || (ch == '-' && label > 0)) {
			label++;
		} else {
			return false;
		}
	}
	return true;
}

/* "<...>" at the start of s; returns the length consumed (brackets included)
 * and copies the mailbox into path; 0 on a syntax error. */
static size_t scan_path(const char *s, size_t len, bool allow_null, char path[SMTP_PATH_MAX + 1])
{
	const char *close = len ? memchr(s, '>', len) : NULL;
	const char *box;
	size_t n, local;

	if (!close || s[0] != '<' || (size_t)(close - s) + 1 > SMTP_PATH_MAX)
		return 0;
	box = s + 1;
	n = (size_t)(close - box);
	/* A source route ("@a,@b:user@c") must be accepted and ignored (RFC 5321 C). */
	if (n && box[0] == '@') {
		const char *colon = memchr(box, ':', n);
		if (!colon)
			return 0;
		n -= (size_t)(colon + 1 - box);
		box = colon + 1;
	}
	if (n == 0 && !allow_null)
		return 0;
	if (n > 0) {
		local = scan_local_part(box, n);
		if (local == 0 || local > SMTP_LOCAL_PART_MAX || local >= n || box[local] != '@' ||
		    !valid_domain(box + local + 1, n - local - 1))
			return 0;
	}
	memcpy(path, box, n);
	path[n] = '\0';
	return (size_t)(close - s) + 1;
}

/* "KEYWORD:" then optional spaces (lenient), the path; returns the offset of
 * what follows the path, or 0. */
static size_t scan_keyword_path(const char *arg, size_t len, const char *keyword, bool allow_null,
				char path[SMTP_PATH_MAX + 1])
{
	size_t k = strlen(keyword), i, n;

	if (len < k || strncasecmp(arg, keyword, k) != 0)
		return 0;
	for (i = k; i < len && arg[i] == ' '; i++)
		;
	n = scan_path(arg + i, len - i, allow_null, path);
	return n ? i + n : 0;
}

static int parse_size(const char *v, size_t n, unsigned long long *out)
{
	unsigned long long x = 0;

	if (n == 0 || n > 19)
		return -1;
	for (size_t i = 0; i < n; i++) {
		if (!isdigit((unsigned char)v[i]))
			return -1;
		x = x * 10 + (unsigned long long)(v[i] - '0');
	}
	*out = x;
	return 0;
}

static int parse_mail_param(const char *p, size_t n, struct smtp_mail_params *params, struct err *e)
{
	const char *eq = memchr(p, '=', n);
	size_t key = eq ? (size_t)(eq - p) : n, vlen = eq ? n - key - 1 : 0;

	if (key == 4 && strncasecmp(p, "SIZE", 4) == 0) {
		if (!eq || parse_size(eq + 1, vlen, &params->size) < 0)
			return err_set(e, "501 5.5.4 Bad SIZE parameter syntax");
		params->has_size = true;
		return 0;
	}
	if (key == 4 && strncasecmp(p, "BODY", 4) == 0 && eq) {
		if (vlen == 4 && strncasecmp(eq + 1, "7BIT", 4) == 0)
			params->body = SMTP_BODY_7BIT;
		else if (vlen == 8 && strncasecmp(eq + 1, "8BITMIME", 8) == 0)
			params->body = SMTP_BODY_8BITMIME;
		else
			return err_set(e, "501 5.5.4 Bad BODY parameter value");
		return 0;
	}
	return err_set(e, "555 5.5.4 Unsupported option: %.*s", (int)(key > 40 ? 40 : key), p);
}

int smtp_parse_mail(const char *arg, size_t len, char path[SMTP_PATH_MAX + 1],
		    struct smtp_mail_params *params, struct err *e)
{
	size_t i = scan_keyword_path(arg, len, "FROM:", true, path);

	memset(params, 0, sizeof(*params));
	if (i == 0)
		return err_set(e, "501 5.1.7 Bad sender address syntax");
	while (i < len) {
		size_t start, n;
		if (arg[i] != ' ')
			return err_set(e, "501 5.5.4 Syntax: MAIL FROM:<address> [parameters]");
		while (i < len && arg[i] == ' ')
			i++;
		start = i;
		while (i < len && arg[i] != ' ')
			i++;
		n = i - start;
		if (n && parse_mail_param(arg + start, n, params, e) < 0)
			return -1;
	}
	return 0;
}

int smtp_parse_rcpt(const char *arg, size_t len, char path[SMTP_PATH_MAX + 1], struct err *e)
{
	static const char postmaster[] = "<postmaster>";
	size_t k = strlen("TO:"), i;

	if (len > k && strncasecmp(arg, "TO:", k) == 0) {
		for (i = k; i < len && arg[i] == ' '; i++)
			;
		if (len - i == strlen(postmaster) &&
		    strncasecmp(arg + i, postmaster, len - i) == 0) {
			strcpy(path, "postmaster");
			return 0;
		}
	}
	i = scan_keyword_path(arg, len, "TO:", false, path);
	if (i == 0)
		return err_set(e, "501 5.1.3 Bad recipient address syntax");
	if (i < len)
		return err_set(e, "555 5.5.4 Unsupported option: RCPT parameters");
	return 0;
}

int smtp_parse_helo(const char *arg, size_t len, char name[SMTP_DOMAIN_MAX + 1], struct err *e)
{
	size_t n = 0;

	while (n < len && arg[n] != ' ' && arg[n] != '\t')
		n++;
	if (n == 0)
		return err_set(e, "501 5.5.4 Syntax: EHLO hostname");
	if (n > SMTP_DOMAIN_MAX)
		return err_set(e, "501 5.5.4 Host name too long");
	memcpy(name, arg, n);
	name[n] = '\0';
	return 0;
}

bool smtp_data_line(const char *line, size_t len, const char **content, size_t *content_len)
{
	if (len == 1 && line[0] == '.')
		return true;
	if (len > 0 && line[0] == '.') {
		line++;
		len--;
	}
	*content = line;
	*content_len = len;
	return false;
}
